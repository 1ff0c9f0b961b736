"""The command line of every task script: --help, argument files plus flags, bad flags in one line."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import BertConfig, DebertaV2Config, MPNetConfig, RobertaConfig

from args import ArgumentsError, KlueTrainingArguments
from trainers.run_ner import NerTask
from trainers.run_nli import NliTask
from trainers.run_ynat import YnatTask
from trainers.arguments import parse_arguments
from trainers.runner import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_help_starts_with_what_the_script_does_then_task_model_data_and_trainer_flags():
    done = subprocess.run([sys.executable, str(REPO_ROOT / "trainers" / "run_ner.py"), "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("usage: python trainers/run_ner.py [ARGS.json|ARGS.yaml] --model_name_or_path MODEL")
    assert len(text.split("\n\n", 1)[0].splitlines()) == 1  # a one-line usage, not 100 lines of flags
    assert "Fine-tune and score an encoder on KLUE-NER" in text
    assert "--output_dir out/ner \\\n        --do_train" in text  # the example command as written
    headings = [text.index(f"\n{heading}:\n") for heading in ("NER task", "model", "data")]
    headings.append(text.index("\ntraining (the Hugging Face Trainer's flags"))
    assert headings == sorted(headings)
    assert text.index("  --ner_scoring") < text.index("  --model_name_or_path") < text.index("  --learning_rate")
    flat = " ".join(text.split())  # argparse wraps lines
    # the stock help of flags the runner gives a meaning of its own, and each default said once
    assert "Default: the task's selection metric, char_f1." in flat and "Defaults to 'loss'" not in flat
    assert "Default: ner's 510, lowered to what the tokenizer and the model take." in flat
    assert "Not directly used by Trainer" not in flat and "(default: None)" not in flat
    assert "--no-average-tokens-across-devices Turn --average_tokens_across_devices off (it is on by default)." in flat


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--bogus", "1"], "unrecognized arguments: --bogus 1"),
        (["--learning_rate", "abc"], "argument --learning_rate/--learning-rate: invalid float value: 'abc'"),
        (["--ner_scoring", "chars"], "argument --ner_scoring/--ner-scoring: invalid choice: 'chars'"),
        # argparse would read a prefix as the flag; run_all.sh's reading of the flags would not
        (["--num_train", "5"], "unrecognized arguments: --num_train 5"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_status_2(tmp_path, capsys, flags, expected):
    status = main(NerTask(), ["--model_name_or_path", "x", "--output_dir", str(tmp_path / "out"), *flags])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert expected in message and "--help" in message


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--do_train", "--per_device_train_batch_size", "0"], "--per_device_train_batch_size 0: must be at least 1"),
        (["--do_eval", "--per_device_eval_batch_size", "-3"], "--per_device_eval_batch_size -3: must be at least 1"),
        (["--do_train", "--gradient_accumulation_steps", "0"], "--gradient_accumulation_steps 0: must be at least 1"),
        (["--do_train", "--learning_rate", "-1"], "--learning_rate -1: must be a number, not negative"),
        (["--do_train", "--learning_rate", "nan"], "--learning_rate nan: must be a number, not negative"),
        (["--do_train", "--num_train_epochs", "nan"], "--num_train_epochs nan: nothing to train"),
        (["--do_train", "--num_train_epochs", "0"], "--num_train_epochs 0: nothing to train"),
        ([], "nothing to do: pass --do_train, --do_eval and/or --do_predict"),
        # a negative ratio became a negative interval, and evaluations at other steps than asked
        (["--do_train", "--eval_strategy", "steps", "--eval_steps", "-0.5"], "--eval_steps -0.5: must be a number of "
         "steps (1 or more) or, below 1, a share of the training steps above 0"),
        (["--do_train", "--save_steps", "0"], "--save_steps 0: must be a number of steps"),
        (["--do_train", "--eval_strategy", "steps", "--eval_steps", "0"], "--eval_steps 0: must be"),  # not 500
        (["--do_train", "false", "--do_eval", "false"], "nothing to do: pass --do_train"),
    ],
)
def test_values_that_would_fail_after_loading_the_model_are_one_line_before_it(tmp_path, capsys, flags, expected):
    # the model name is never looked at: these fail while the flags are read
    status = main(YnatTask(), ["--model_name_or_path", "no-such-model", "--output_dir", str(tmp_path / "out"),
                               *flags])  # fmt: skip
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1 and expected in message, message


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_an_arguments_file_then_flags_that_win(tmp_path, suffix):
    settings = {"model_name_or_path": "klue/roberta-base", "output_dir": "outputs/ner", "learning_rate": 5e-5,
                "do_train": True, "ner_scoring": "characters", "report_to": ["tensorboard"],
                "lr_scheduler_kwargs": {}, "metric_for_best_model": None}  # a list, a mapping, a null the fields take
    path = tmp_path / f"ner{suffix}"
    path.write_text(json.dumps(settings) if suffix == ".json" else
                    "\n".join(f"{key}: {json.dumps(value)}" for key, value in settings.items()), encoding="utf-8")
    task = NerTask()
    model_args, _, training_args, (ner_options,) = parse_arguments(
        task, [str(path), "--learning_rate", "3e-5", "--output_dir", str(tmp_path / "x"), "--use_cpu"]
    )
    assert training_args.learning_rate == 3e-5 and training_args.output_dir == str(tmp_path / "x")
    assert model_args.model_name_or_path == "klue/roberta-base" and training_args.do_train
    assert training_args.report_to == ["tensorboard"]
    assert ner_options.ner_scoring == "characters"


def test_an_arguments_file_with_an_unknown_key_or_bad_syntax_is_one_line(tmp_path, capsys):
    unknown = tmp_path / "args.json"
    unknown.write_text(json.dumps({"model_name_or_path": "x", "output_dir": "o", "learning_rat": 1e-3}))
    assert main(YnatTask(), [str(unknown)]) == 2
    assert "unknown flag names learning_rat" in capsys.readouterr().err
    broken = tmp_path / "args.yaml"
    broken.write_text("model_name_or_path: x\noutput_dir: [o\ndo_eval: true\n")
    assert main(YnatTask(), [str(broken)]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and f"{broken}, line 3: not valid YAML" in message, message
    broken = tmp_path / "args.json"
    broken.write_text('{"model_name_or_path": "x",\n "output_dir": o}')
    assert main(YnatTask(), [str(broken)]) == 2
    assert f"{broken}, line 2: not valid JSON (Expecting value, column 16)" in capsys.readouterr().err
    for content, problem in ((b"", "the file is empty"), (b"\xff\xfe{}", "cannot read it as UTF-8 text")):
        broken.write_bytes(content)
        assert main(YnatTask(), [str(broken)]) == 2
        message = capsys.readouterr().err.strip()
        assert len(message.splitlines()) == 1 and f"{broken}: {problem}" in message, message
    folder = tmp_path / "settings.json"
    folder.mkdir()
    assert main(YnatTask(), [str(folder)]) == 2
    assert f"{folder}: is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [("args.json", '{"learning_rate": 1e-3, "do_eval": true, "learning_rate": 5e-3}', "learning_rate is given twice"),
     ("args.yaml", "learning_rate: 1e-3\ndo_eval: true\nlearning_rate: 5e-3\n",
      "line 3: learning_rate is given twice")],
)
def test_an_arguments_file_giving_a_flag_twice_is_one_line(name, text, expected, tmp_path, capsys):
    """JSON and YAML readers keep the last of two values in silence: which one was meant is the user's to say."""
    path = tmp_path / name
    path.write_text(text)
    assert main(YnatTask(), [str(path), "--model_name_or_path", "x", "--output_dir", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {path}: {expected}; keep one"]


def test_an_arguments_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"model_name_or_path": "x", "output_dir": str(tmp_path / "o"), "do_eval": True}),
                    encoding="utf-8-sig")
    _, _, training_args, _ = parse_arguments(YnatTask(), [str(path)])
    assert training_args.output_dir == str(tmp_path / "o")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ({"max_train_samples": 2.5}, "max_train_samples: expected a whole number, got 2.5"),
        ({"max_seq_length": [64]}, "max_seq_length: expected one value, got the list [64]"),
        ({"learning_rate": "fast"}, "invalid float value: 'fast'"),  # a string: argparse's own check
        ({"learning_rate": None}, "learning_rate: null is not a value of this flag; leave the key out for its "
                                  "default (5e-05)"),
        ({"max_seq_length": {"a": 1}}, "max_seq_length: expected one value, got the mapping {'a': 1}"),
        ({"do_train": [1, 2]}, "do_train: expected one value, got the list [1, 2]"),
        ({"output_dir": ["o"]}, "output_dir: expected one value, got the list ['o']"),
        ({"model_name_or_path": {"a": 1}}, "model_name_or_path: expected one value, got the mapping {'a': 1}"),
        ({"dataloader_pin_memory": None}, "dataloader_pin_memory: null is not a value of this flag; leave the key "
                                          "out for its default (True)"),
        ({"do_eval": True, "output_dir": None}, "--output_dir is required"),  # null: not given
        # choices: argparse checks those of command-line values only ("false" read as on, a typo as given)
        ({"cuda_graphs": "false"}, "cuda_graphs: expected one of auto, on, off; got 'false'"),
        ({"train_sampling_strategy": "group_by_len"}, "train_sampling_strategy: expected one of random, sequential, "
                                                      "group_by_length, batch_rebalance; got 'group_by_len'"),
        ({"log_level": "verbose"}, "log_level: expected one of detail, debug, info"),
        ({"eval_strategy": "epochs"}, "eval_strategy: expected one of no, steps, epoch; got 'epochs'"),
        ({"do_eval": 2}, "do_eval: Truthy value expected: got 2"),
        # checked by KlueTrainingArguments: the Trainer found them only once the data and the model were loaded
        ({"report_to": [1, 2]}, "--report_to 1 2: expected none, all"),
        ({"report_to": "foo"}, "--report_to foo: expected none, all"),
        ({"output_dir": ""}, "--output_dir '': give the folder"),
    ],
)
def test_an_arguments_file_value_of_the_wrong_type_is_one_line(setting, expected, tmp_path, capsys):
    # argparse checks only strings: numbers and lists from a file are checked by the runner
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"model_name_or_path": "x", "output_dir": str(tmp_path / "o"), **setting}))
    assert main(YnatTask(), [str(path), "--do_predict"]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and expected in message, message


@pytest.mark.parametrize(
    ("arguments", "values", "expected"),
    [
        ("MrcArguments", {"doc_stride_mode": "steps"}, "--doc_stride_mode must be 'overlap' or 'step', got 'steps'"),
        ("NerArguments", {"ner_scoring": "chars"}, "--ner_scoring must be one of"),
        ("DpArguments", {"pos_embedding_dim": -1}, "--pos_embedding_dim must be >= 0"),
        ("McqaArguments", {"mcqa_model": "encoder", "load_in_4bit": True},
         "--load_in_4bit is for --mcqa_model causal_lm"),
        ("McqaArguments", {"mcqa_model": "causal_lm", "lora_r": -1}, "--lora_r must be 0 (no LoRA) or a positive rank"),
        ("McqaArguments", {"mcqa_model": "causal_lm", "lora_target_modules": " "}, "--lora_target_modules is empty"),
        ("McqaArguments", {"mcqa_model": "causal_lm", "lora_r": 4, "lora_dropout": 2.0},
         "--lora_dropout must be at least 0 and below 1, got 2.0"),
        ("McqaArguments", {"mcqa_model": "causal_lm", "lora_r": 4, "lora_alpha": 0}, "--lora_alpha must be positive"),
    ],
)
def test_task_flag_values_are_checked_where_argparse_choices_do_not_reach(arguments, values, expected):
    # a value from a .json / .yaml arguments file becomes a default, which argparse's choices never check
    import args

    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        getattr(args, arguments)(**values)


def test_a_run_without_output_dir_is_refused_rather_than_sharing_the_trainers_default_folder(tmp_path, capsys):
    assert main(YnatTask(), ["--model_name_or_path", "x", "--do_eval"]) == 2
    assert capsys.readouterr().err.startswith("error: --output_dir is required")
    path = tmp_path / "args.yaml"
    path.write_text(f"model_name_or_path: x\noutput_dir: {tmp_path / 'out'}\ndo_eval: true\n")
    _, _, training_args, _ = parse_arguments(YnatTask(), [str(path)])  # given by the arguments file
    assert training_args.output_dir == str(tmp_path / "out")
    _, _, training_args, _ = parse_arguments(YnatTask(), ["--model_name_or_path", "x", "--do_eval", "--output-dir",
                                                          str(tmp_path / "dash")])  # the spelling --help shows too
    assert training_args.output_dir == str(tmp_path / "dash")


def test_shipped_configs_combine_with_flags():
    _, data_args, training_args, _ = parse_arguments(
        NerTask(), [str(REPO_ROOT / "configs" / "ner.json"), "--learning_rate", "3e-5", "--output_dir", "out/x"]
    )
    assert training_args.learning_rate == 3e-5 and training_args.output_dir == "out/x"
    assert data_args.max_seq_length == 510  # from the file


def test_evaluation_outputs_are_joined_once_not_batch_by_batch_unless_told(tmp_path):
    """The Trainer's per-batch joining copies all earlier outputs again every batch (5 s of a WoS evaluation)."""
    base = ["--model_name_or_path", "x", "--output_dir", str(tmp_path), "--do_eval"]
    assert parse_arguments(YnatTask(), base)[2].eval_do_concat_batches is False
    assert parse_arguments(YnatTask(), [*base, "--eval_do_concat_batches", "true"])[2].eval_do_concat_batches is True


def test_the_best_checkpoint_is_chosen_by_the_tasks_selection_metric_unless_told_otherwise(tmp_path):
    base = ["--model_name_or_path", "m", "--output_dir", str(tmp_path), "--do_train", "--load_best_model_at_end",
            "--eval_strategy", "epoch", "--save_strategy", "epoch"]
    _, _, training_args, _ = parse_arguments(NerTask(), base)
    assert training_args.metric_for_best_model == "char_f1" and training_args.greater_is_better
    _, _, training_args, _ = parse_arguments(YnatTask(), base)
    assert training_args.metric_for_best_model == "macro_f1"
    _, _, training_args, _ = parse_arguments(NerTask(), [*base, "--metric_for_best_model", "loss"])
    assert training_args.metric_for_best_model == "loss" and not training_args.greater_is_better


def test_the_tables_direction_of_its_selection_metric_is_the_default(tmp_path, monkeypatch):
    """A task whose selection metric is better lower (an error rate) keeps its lowest checkpoint, not its highest."""
    import dataclasses

    from metrics import tasks

    monkeypatch.setitem(tasks.TASKS, "ner", dataclasses.replace(tasks.TASKS["ner"], greater_is_better=False))
    base = ["--model_name_or_path", "m", "--output_dir", str(tmp_path), "--do_train", "--load_best_model_at_end",
            "--eval_strategy", "epoch", "--save_strategy", "epoch"]
    assert parse_arguments(NerTask(), base)[2].greater_is_better is False
    assert parse_arguments(NerTask(), [*base, "--greater_is_better", "true"])[2].greater_is_better is True
    assert parse_arguments(NerTask(), [*base, "--metric_for_best_model", "entity_f1"])[2].greater_is_better is True


def test_early_stopping_checks_its_metric_name_before_anything_loads(tmp_path):
    """It reads the selection metric too: a typo stopped the run at the first evaluation, after training steps."""
    flags = ["--model_name_or_path", "m", "--output_dir", str(tmp_path), "--do_train", "--eval_strategy", "steps",
             "--eval_steps", "5", "--early_stopping_patience", "2", "--metric_for_best_model", "char_f1x"]
    with pytest.raises(ArgumentsError, match="--metric_for_best_model char_f1x: ner evaluation reports loss"):
        parse_arguments(NerTask(), flags)


@pytest.mark.parametrize(("task", "expected"), [(NerTask(), 510), (YnatTask(), 128)])
def test_the_default_max_seq_length_is_the_tables(task, expected):
    from args import DataArguments
    from metrics.tasks import metric_task
    from trainers.runner import resolve_max_length

    roomy, config = tokenizer_without_limit(model_max_length=100_000), BertConfig(max_position_embeddings=4096)
    assert resolve_max_length(DataArguments(), roomy, task, config) == expected == metric_task(task.name).max_seq_length
    assert resolve_max_length(DataArguments(max_seq_length=64), roomy, task, config) == 64


def tokenizer_without_limit(model_max_length=int(1e30), specials=3):
    """What a tokenizer saved without ``model_max_length`` reports, for ``resolve_max_length``."""
    from types import SimpleNamespace

    return SimpleNamespace(model_max_length=model_max_length, num_special_tokens_to_add=lambda pair=False: specials)


def test_max_seq_length_is_lowered_to_the_models_positions_when_the_tokenizer_has_no_limit():
    # Longer inputs would end in a tensor-size traceback inside the model's forward.
    from args import DataArguments
    from trainers.runner import resolve_max_length

    bert = BertConfig(max_position_embeddings=128)
    assert resolve_max_length(DataArguments(max_seq_length=512), tokenizer_without_limit(), NliTask(), bert) == 128
    assert resolve_max_length(DataArguments(), tokenizer_without_limit(), NerTask(), bert) == 128  # NER's default 510
    roberta = RobertaConfig(max_position_embeddings=514, pad_token_id=1)  # klue/roberta-*: 512 usable
    assert resolve_max_length(DataArguments(max_seq_length=1024), tokenizer_without_limit(), NliTask(), roberta) == 512
    mpnet = MPNetConfig(max_position_embeddings=514, pad_token_id=1)  # positions after the padding index too
    assert resolve_max_length(DataArguments(max_seq_length=514), tokenizer_without_limit(), NliTask(), mpnet) == 512
    relative = DebertaV2Config(max_position_embeddings=512, position_biased_input=False)  # no absolute positions
    assert resolve_max_length(DataArguments(max_seq_length=1024), tokenizer_without_limit(), NliTask(), relative) == (
        1024)


@pytest.mark.parametrize("length", [1, 2, 3])
def test_a_max_seq_length_without_room_beside_the_special_tokens_is_refused(length):
    # A fast tokenizer does not truncate at all below its special tokens: the flag would be ignored.
    from args import DataArguments
    from trainers.runner import resolve_max_length

    bert = BertConfig()
    with pytest.raises(ArgumentsError, match=f"--max_seq_length {length} leaves no room .* use at least 4"):
        resolve_max_length(DataArguments(max_seq_length=length), tokenizer_without_limit(), NliTask(), bert)
    assert resolve_max_length(DataArguments(max_seq_length=4), tokenizer_without_limit(), NliTask(), bert) == 4


@dataclass
class MarkerTrainingArguments(KlueTrainingArguments):
    marker_note: str = field(default="", metadata={"help": "A flag only this task has."})


class MarkedYnat(YnatTask):
    """YNAT with entity-marker-like special tokens around each title (as RE will add them)."""

    training_arguments_class = MarkerTrainingArguments

    def prepare_tokenizer(self, tokenizer):
        tokenizer.add_special_tokens({"additional_special_tokens": ["<subj>", "</subj>"]})

    def preprocess(self, examples, tokenizer, max_length, padding):
        examples = {**examples, "title": [f"<subj>{title}</subj>" for title in examples["title"]]}
        return super().preprocess(examples, tokenizer, max_length, padding)


def test_a_task_can_add_tokens_and_bring_its_own_training_arguments(tiny_bert, tmp_path):
    """Room for the next tasks: RE adds entity markers (the embeddings grow with the tokenizer) and a
    task may subclass the training arguments; no runner change is needed for either."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tests.synthetic import write_json, ynat_records

    train = write_json(tmp_path / "train.json", ynat_records(8))
    out = tmp_path / "out"
    task = MarkedYnat()
    assert main(task, ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
                       "--do_train", "--max_steps", "1", "--use_cpu", "--report_to", "none", "--save_strategy", "no",
                       "--marker_note", "hello"]) == 0
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForSequenceClassification.from_pretrained(out)
    added = len(AutoTokenizer.from_pretrained(tiny_bert)) + 2
    assert model.get_input_embeddings().num_embeddings == len(tokenizer) == added
    assert tokenizer.tokenize("<subj>서울</subj>")[0] == "<subj>"


@pytest.mark.parametrize("task", ["sts", "mcqa"])
def test_a_folder_as_the_predictions_csv_is_refused_before_the_run(task, tmp_path, capsys):
    from trainers.run_mcqa import McqaTask
    from trainers.run_sts import StsTask

    script = {"sts": StsTask, "mcqa": McqaTask}[task]()
    status = main(script, ["--model_name_or_path", "x", "--output_dir", str(tmp_path / "out"), "--do_predict",
                           "--predictions_csv", str(tmp_path)])  # fmt: skip
    message = capsys.readouterr().err.strip()
    assert status == 2 and message == (f"error: --predictions_csv {tmp_path}: is a folder; give a file path, or no "
                                       "path for <output_dir>/predictions.csv")


@pytest.mark.parametrize(
    ("train", "evaluate", "expected"), [(False, False, False), (True, False, True), (False, True, True)]
)
def test_a_configs_eval_strategy_evaluates_only_a_training_run(train, evaluate, expected, tmp_path):
    """Every config evaluates during training (eval_strategy "steps"), which the stock arguments take for --do_eval;
    predicting alone with a config (--do_train false --do_eval false) must not need and score a validation split."""
    config = tmp_path / "ynat.json"
    config.write_text(json.dumps({"do_train": True, "do_eval": True, "do_predict": True, "eval_strategy": "steps",
                                  "eval_steps": 0.25}), encoding="utf-8")  # fmt: skip
    _, _, training_args, _ = parse_arguments(YnatTask(), [
        str(config), "--model_name_or_path", "m", "--output_dir", str(tmp_path / "out"), "--use_cpu",
        "--do_train", str(train).lower(), "--do_eval", str(evaluate).lower()])  # fmt: skip
    assert training_args.do_eval is expected and training_args.do_predict
    assert (training_args.eval_strategy == "steps") is (train or evaluate)


def test_predicting_alone_with_a_shipped_config_writes_predictions_only(tiny_bert, tmp_path):
    from tests.synthetic import write_json, ynat_records

    test = write_json(tmp_path / "test.json", ynat_records(6, seed=2))
    out = tmp_path / "out"
    assert main(YnatTask(), [str(REPO_ROOT / "configs" / "ynat.json"), "--model_name_or_path", str(tiny_bert),
                             "--output_dir", str(out), "--test_file", str(test), "--do_train", "false", "--do_eval",
                             "false", "--use_cpu", "--report_to", "none", "--disable_tqdm", "true"]) == 0  # fmt: skip
    assert sorted(path.name for path in out.iterdir()) == ["all_results.json", "predict_results.json",
                                                           "predictions.jsonl", "results_model.json"]  # fmt: skip


def _yaml_file(tmp_path: Path, *lines: str, name: str = "args.yaml") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["model_name_or_path: m", f"output_dir: {tmp_path / 'out'}", "do_train: true", *lines]),
                    encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ("seed: 042", "seed", 42),  # YAML 1.1: the octal 34
        ("model_revision: 1.10", "model_revision", "1.10"),  # the number 1.1, then the text "1.1"
        ("run_name: no", "run_name", "no"),  # YAML 1.1: False, then the text "False"
        ("run_name: true", "run_name", "true"),  # a boolean to a flag that takes text: as typed, not "True"
        ("run_name: 2024-01-31", "run_name", "2024-01-31"),  # YAML 1.1: a date
        ("max_steps: 0x10", "max_steps", 16),  # YAML 1.2's hexadecimal
        ("eval_strategy: no", "eval_strategy", "no"),  # YAML 1.1: False, then "expected one of no, ..."
        ("learning_rate: 1e-3", "learning_rate", 1e-3),
        ("do_eval: True", "do_eval", True),
    ],
)
def test_yaml_scalars_are_read_as_yaml_1_2_core_reads_them(line, field, expected, tmp_path):
    model_args, _, training_args, _ = parse_arguments(YnatTask(), [str(_yaml_file(tmp_path, line))])
    value = getattr(model_args if hasattr(model_args, field) else training_args, field)
    assert value == expected and isinstance(value, type(expected)), value


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["max_steps: 1:30"], "invalid int value: '1:30'"),  # YAML 1.1: the sexagesimal 90
        (["1: 2"], "line 4: the key 1 is not a flag name"),
        (["learning_rat: 1", "2: 3"], "line 5: the key 2 is not a flag name"),  # not a TypeError sorting them
        (["~: 3"], "line 4: the key None (typed ~) is not a flag name"),
        (["true: 1"], "line 4: the key True (typed true) is not a flag name"),
        (["yes: 1"], "unknown flag names yes"),  # YAML 1.2: the text yes
        (["revision: v1", "model_revision: v2"], "revision and model_revision are one flag, given twice; keep one"),
    ],
)
def test_yaml_values_and_keys_that_cannot_be_flags_are_one_line(lines, expected, tmp_path, capsys):
    path = _yaml_file(tmp_path, *lines)
    assert main(YnatTask(), [str(path)]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and expected in message, message


def test_a_json_number_for_a_flag_that_takes_text_is_kept_as_typed_or_refused(tmp_path, capsys):
    path = tmp_path / "args.json"
    base = {"model_name_or_path": "m", "output_dir": str(tmp_path / "out"), "do_train": True}
    path.write_text(json.dumps({**base, "run_name": True, "model_revision": 7}))
    model_args, _, training_args, _ = parse_arguments(YnatTask(), [str(path)])
    assert training_args.run_name == "true" and model_args.model_revision == "7"
    path.write_text(json.dumps(base)[:-1] + ', "model_revision": 1.10}')  # JSON's 1.10 is 1.1: what was meant?
    assert main(YnatTask(), [str(path)]) == 2
    assert capsys.readouterr().err.strip() == (f"error: {path}: model_revision: takes text, got the number 1.1; put "
                                               "it in quotes as meant (JSON reads 1.10 as 1.1)")


@pytest.mark.parametrize("name", ["args.YAML", "args.Yml", "args.JSON"])
def test_arguments_files_are_known_by_their_suffix_in_any_case(name, tmp_path):
    path = tmp_path / name
    settings = {"model_name_or_path": "m", "output_dir": str(tmp_path / "out"), "do_eval": True, "revision": "v1"}
    path.write_text(json.dumps(settings))  # JSON is YAML too
    model_args, _, training_args, _ = parse_arguments(YnatTask(), [str(path)])
    assert model_args.model_revision == "v1" and training_args.do_eval  # --revision is a key too, as on the line
    path.write_text('{"model_name_or_path": "m",\n "output_dir": [o}')
    with pytest.raises(ArgumentsError, match="line 2: not valid JSON" if name.endswith("JSON") else "not valid YAML"):
        parse_arguments(YnatTask(), [str(path)])  # read as the suffix says


def test_a_first_argument_that_is_a_file_of_another_suffix_is_named(tmp_path, capsys):
    path = tmp_path / "args.txt"
    path.write_text("{}")
    assert main(YnatTask(), [str(path), "--model_name_or_path", "m", "--do_eval"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {path}: an arguments file must end in .json, .yaml or .yml"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--lr_scheduler_kwargs", '{"num_cycles": 2}'], '--lr_scheduler_kwargs {"num_cycles": 2}: num_cycles is not '
         "an argument of the linear schedule (--lr_scheduler_type), which takes last_epoch"),
        (["--lr_scheduler_type", "cosine", "--lr_scheduler_kwargs", '{"num_cycle": 2}'], "num_cycle is not an "
         "argument of the cosine schedule (--lr_scheduler_type), which takes num_cycles, last_epoch"),
        # the constant schedules get none: they would be ignored in silence
        (["--lr_scheduler_type", "constant", "--lr_scheduler_kwargs", '{"num_cycles": 2}'], "which takes none here"),
        (["--lr_scheduler_kwargs", "num_cycles=2"], "--lr_scheduler_kwargs num_cycles=2: expected a JSON object"),
        (["--lr_scheduler_kwargs", "{num_cycles: 2}"], "--lr_scheduler_kwargs {num_cycles: 2}: not valid JSON "
         "(Expecting property name enclosed in double quotes, column 2)"),
        (["--fsdp_config", "{bad"], "--fsdp_config {bad: not valid JSON"),
        (["--accelerator_config", '{"bogus": 1}'], "--accelerator_config {\"bogus\": 1}: bogus is not an argument of "
         "transformers' AcceleratorConfig, which takes split_batches"),
        (["--accelerator_config", "no-such.json"], "--accelerator_config no-such.json: no such file"),
        (["--gradient_checkpointing", "--gradient_checkpointing_kwargs", '{"bogus": 1}'], "--gradient_checkpointing_"
         "kwargs {\"bogus\": 1}: bogus is not an argument of torch.utils.checkpoint.checkpoint and the Trainer, which "
         "takes use_reentrant"),
        (["--activation_checkpointing_kwargs", '{"bogus": 1}'], "bogus is not an argument of torch.utils.checkpoint"),
        (["--optim_args", "bogus"], "--optim_args bogus: expected key=value pairs separated by commas"),
        (["--optim_args", "a=1,b"], "--optim_args a=1,b: expected key=value pairs"),
        (["--deepspeed", "ds.json"], "--deepspeed ds.json: needs the deepspeed package (pip install deepspeed)"),
        # the optimizer was built, and a package found missing, once training started
        (["--optim", "adamw_bnb_8bit"], "--optim adamw_bnb_8bit: You need to install `bitsandbytes`"),
        (["--gradient_checkpointing_kwargs", '{"every_n_layers": 0}'], "every_n_layers must be a whole number >= 1"),
        (["--gradient_checkpointing_kwargs", '{"offload": "yes"}'], "offload must be true or false"),
        (["--gradient_checkpointing_kwargs", '{"offload": true}', "--use_cpu"], "offload keeps the checkpointed "
         "activations in pinned CPU memory for a CUDA GPU, and this run has none"),
        (["--torch_compile_mode", "reduce_overhead"], "--torch_compile_mode reduce_overhead: not a torch.compile mode; "
         "choose one of default, "),
        (["--torch_compile_backend", "inductr"], "--torch_compile_backend inductr: not a backend torch.compile has "
         "here; choose one of eager, aot_eager, inductor, "),
    ],
)
def test_trainer_flags_taking_json_or_a_package_are_checked_when_read(flags, expected, tmp_path, capsys, monkeypatch):
    """Each was a traceback from TrainingArguments or, after the data and the model were loaded, from the Trainer."""
    import importlib.util

    # as where bitsandbytes is not installed (it is not in requirements.txt)
    monkeypatch.setattr("transformers.trainer_optimizer.is_bitsandbytes_available", lambda: False)
    # --torch_compile* on a CPU: TrainingArguments warns that the speedups need a GPU, through a handler that may
    # still hold an earlier test's captured stream (a "Logging error" report on stderr); users see the warning line
    monkeypatch.setattr(logging.getLogger("transformers.training_args"), "disabled", True)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "deepspeed" else
                        find_spec(name, *rest))  # fmt: skip
    status = main(YnatTask(), ["--model_name_or_path", "no-such-model", "--output_dir", str(tmp_path / "out"),
                               "--do_train", *flags])  # fmt: skip
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1 and expected in message, message


def test_trainer_flags_taking_json_pass_with_what_they_take(tmp_path):
    flags = ["--lr_scheduler_type", "cosine", "--lr_scheduler_kwargs", '{"num_cycles": 2}', "--accelerator_config",
             '{"split_batches": false}', "--gradient_checkpointing_kwargs",
             '{"use_reentrant": false, "preserve_rng_state": false, "every_n_layers": 2, "offload": false}',
             "--optim_args", "rank=64, scale=0.25", "--optim", "adafactor", "--torch_compile_mode", "reduce-overhead",
             "--torch_compile_backend", "inductor"]  # fmt: skip
    _, _, training_args, _ = parse_arguments(YnatTask(), ["--model_name_or_path", "m", "--output_dir",
                                                          str(tmp_path), "--do_train", *flags])  # fmt: skip
    assert training_args.lr_scheduler_kwargs == {"num_cycles": 2}
    # from an arguments file, a mapping is checked the same way
    path = _yaml_file(tmp_path, "lr_scheduler_type: polynomial", "lr_scheduler_kwargs: {power: 2, lr_ends: 0}")
    with pytest.raises(ArgumentsError, match="lr_ends is not an argument of the polynomial schedule"):
        parse_arguments(YnatTask(), [str(path)])


def test_an_optimizer_the_trainer_cannot_build_here_is_one_line(tmp_path, capsys, monkeypatch):
    """Whatever the Trainer raises for an --optim it cannot build (layer-wise GaLore under DDP: NotImplementedError)."""
    from transformers import Trainer

    def refuse(args, model=None):
        raise NotImplementedError("Layer-wise GaLore does not support DDP at this time")

    monkeypatch.setattr(Trainer, "get_optimizer_cls_and_kwargs", staticmethod(refuse))
    status = main(YnatTask(), ["--model_name_or_path", "m", "--output_dir", str(tmp_path), "--do_train"])
    assert status == 2 and capsys.readouterr().err.strip() == (
        "error: --optim adamw_torch_fused: Layer-wise GaLore does not support DDP at this time")


def test_an_optimizer_that_needs_the_model_is_left_to_the_trainer(tmp_path, monkeypatch):
    """GaLore, APOLLO and LOMO read the model: installed and configured, they must not be refused up front with the
    Trainer's "You need to pass a model", which the run itself does pass."""
    from transformers import Trainer

    def needs_model(args, model=None):
        raise ValueError("You need to pass a model to initialize galore_adamw optimizer.")

    monkeypatch.setattr(Trainer, "get_optimizer_cls_and_kwargs", staticmethod(needs_model))
    _, _, training_args, _ = parse_arguments(YnatTask(), ["--model_name_or_path", "m", "--output_dir", str(tmp_path),
                                                          "--do_train"])  # fmt: skip
    assert training_args.do_train


def test_the_optimizer_is_checked_only_for_a_training_run(tmp_path, monkeypatch):
    """An evaluation or prediction run builds no optimizer: --optim's missing package is no reason to refuse it."""
    monkeypatch.setattr("transformers.trainer_optimizer.is_bitsandbytes_available", lambda: False)
    base = ["--model_name_or_path", "m", "--output_dir", str(tmp_path), "--optim", "adamw_bnb_8bit"]
    assert parse_arguments(YnatTask(), [*base, "--do_eval"])[2].do_eval
    with pytest.raises(ArgumentsError, match=re.escape("--optim adamw_bnb_8bit: You need to install `bitsandbytes`")):
        parse_arguments(YnatTask(), [*base, "--do_train"])


def test_an_arguments_files_greater_is_better_is_kept(tmp_path):
    """The table's direction is only the default: an arguments file's greater_is_better is kept (overwritten, the
    wrong checkpoint would be kept in silence)."""
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"model_name_or_path": "m", "output_dir": str(tmp_path / "o"), "do_train": True,
                                "load_best_model_at_end": True, "eval_strategy": "epoch", "save_strategy": "epoch",
                                "greater_is_better": False}))  # fmt: skip
    assert parse_arguments(YnatTask(), [str(path)])[2].greater_is_better is False
    path.write_text(json.dumps({"model_name_or_path": "m", "output_dir": str(tmp_path / "o"), "do_train": True,
                                "load_best_model_at_end": True, "eval_strategy": "epoch", "save_strategy": "epoch"}))
    assert parse_arguments(YnatTask(), [str(path)])[2].greater_is_better is True  # the table's macro_f1: higher


def test_help_shows_each_flags_default_once():
    """--help adds "(default: ...)" to the flags whose help does not say their default already."""
    from trainers.arguments import build_parser
    from trainers.run_ner import NerTask

    flat = " ".join(build_parser(NerTask()).format_help().split())
    assert "The initial learning rate for the optimizer. (default: 5e-05)" in flat
    assert "Default: the task's selection metric, char_f1. --greater_is_better" in flat


def test_a_yaml_file_with_a_control_character_names_the_problem(tmp_path, capsys):
    """A YAML reader error (it has no `problem`) still names what is wrong, in one line."""
    path = tmp_path / "args.yaml"
    path.write_text("model_name_or_path: m\noutput_dir: o\x07\n", encoding="utf-8")
    assert main(YnatTask(), [str(path)]) == 2
    assert capsys.readouterr().err.strip() == (f"error: {path}: not valid YAML (unacceptable character #x0007: "
                                               "special characters are not allowed)")
