"""KLUE-WoS end to end through the script entry point, on a tiny offline TRADE-style generator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.saved_models import drop_config_key
from tests.shared_data import SHARED_KLUE, require_shared
from tests.synthetic_wos import wos_corpus, wos_dialogues, wos_ontology
from tests.tiny_tokenizers import copy_with_padding_side, uncased_wordpiece_tokenizer
from smoke.tiny_model import build_tiny_model
from trainers.run_wos import WosTask
from trainers.runner import main

REPO_ROOT = Path(__file__).resolve().parents[2]
FAST = ["--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "16", "--num_train_epochs", "1",
        "--learning_rate", "2e-2", "--save_strategy", "no", "--report_to", "none", "--seed", "7", "--use_cpu",
        "--disable_tqdm", "true", "--max_value_length", "8"]
REAL_ONTOLOGY = SHARED_KLUE / "v1.1" / "wos-v1.1" / "ontology.json"
REAL_SAMPLES = SHARED_KLUE / "samples" / "wos-v1"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def wos_bert(tmp_path_factory) -> Path:
    """A tiny BERT whose WordPiece vocabulary covers the made-up dialogues (no dropout: the overfitting
    test measures what the generator can fit, not regularisation)."""
    return build_tiny_model(tmp_path_factory.mktemp("wos-bert"), wos_corpus(), vocab_size=500, model_max_length=256,
                            num_hidden_layers=1, num_attention_heads=2, intermediate_size=128,
                            max_position_embeddings=258, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def write(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_wos(model: Path, output: Path, *extra: str) -> int:
    return main(WosTask(), ["--model_name_or_path", str(model), "--output_dir", str(output), *FAST, *extra])


def user_turn_keys(dialogues: list[dict]) -> list[tuple[str, int]]:
    return [(d["guid"], i) for d in dialogues for i in range(sum(t["role"] == "user" for t in d["dialogue"]))]


def test_trains_evaluates_and_predicts_from_data_dir_with_the_ontology_beside(wos_bert, tmp_path, capsys):
    data = tmp_path / "data"
    write(data / "wos-v1.1_train.json", wos_dialogues(4, seed=1))
    dev = wos_dialogues(3, seed=2)
    write(data / "wos-v1.1_dev.json", dev)
    write(data / "ontology.json", wos_ontology())
    out = tmp_path / "out"
    assert run_wos(wos_bert, out, "--data_dir", str(data), "--do_train", "--do_eval", "--do_predict",
                   "--value_targets", "ptr") == 0
    assert "Slot list: 15 slots from the ontology" in capsys.readouterr().out

    results = json.loads((out / "eval_results.json").read_text())
    assert 0 <= results["eval_jga"] <= 100 and 0 <= results["eval_slot_f1"] <= 100
    breakdown = json.loads((out / "eval_breakdown.json").read_text())
    assert set(breakdown) == {"per_domain_jga", "per_domain_turns"}
    assert set(breakdown["per_domain_turns"]) >= {d for dialogue in dev for d in dialogue["domains"]}
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [(p["guid"], p["turn"]) for p in predictions] == user_turn_keys(dev)
    assert all(isinstance(p["prediction"], list) for p in predictions)
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "klue_wos_trade" and len(config["slot_names"]) == 15
    assert config["gate_names"] == ["none", "dontcare", "ptr", "yes", "no"]  # the ontology has yes/no slots
    assert config["value_targets"] == "ptr"

    # predictions.jsonl is what the official scorer reads: it scores the same JGA as the run
    scored = subprocess.run(
        [sys.executable, "-m", "metrics.score", "--task", "wos", "--predictions", str(out / "eval_predictions.jsonl"),
         "--references", str(data / "wos-v1.1_dev.json"), "--json", str(tmp_path / "scores.json")],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["count"] == len(predictions), scored.stdout
    assert scores["scores"]["jga"] == pytest.approx(results["eval_jga"])
    assert scores["scores"]["slot_f1"] == pytest.approx(results["eval_slot_f1"])

    # the output dir reloads (slot list from its config, no ontology needed) and scores the same, its loss too
    # (over the value targets it trained on)
    again = tmp_path / "again"
    alone = write(tmp_path / "elsewhere" / "dev.json", dev)
    assert run_wos(out, again, "--validation_file", str(alone), "--do_eval") == 0
    assert "from the trained model" in capsys.readouterr().out
    reloaded = json.loads((again / "eval_results.json").read_text())
    assert reloaded["eval_jga"] == pytest.approx(results["eval_jga"])
    assert reloaded["eval_loss"] == pytest.approx(results["eval_loss"], rel=1e-5)


def test_a_stopped_run_resumes_under_its_value_targets_as_written_and_not_under_others(wos_bert, tmp_path, capsys):
    train = write(tmp_path / "train.json", wos_dialogues(4, seed=1))
    out = tmp_path / "out"
    argv = ["--train_file", str(train), "--do_train", "--max_steps", "2", "--save_strategy", "steps", "--save_steps",
            "1", "--per_device_train_batch_size", "4"]
    assert run_wos(wos_bert, out, *argv) == 0  # the default: all
    (out / "train_results.json").unlink()
    shutil.rmtree(out / "checkpoint-2")
    capsys.readouterr()
    assert run_wos(wos_bert, out, *argv, "--value_targets", "ptr") == 2  # other training targets
    assert "other flags (value_targets all -> ptr)" in capsys.readouterr().err
    assert run_wos(wos_bert, out, *argv, "--value_targets", "all") == 0  # the default written out: the same run
    assert "Resumed at global step 1" in capsys.readouterr().out


def test_a_finished_run_is_not_taken_for_one_with_another_ontology(wos_bert, tmp_path, capsys):
    """The ontology makes the slot list and gates a generator trains with: a rerun after it changed would be
    answered with the model of the old one."""
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=5))
    ontology = tmp_path / "ontology.json"
    argv = ["--train_file", str(train), "--do_train", "--max_steps", "1"]
    assert run_wos(wos_bert, tmp_path / "out", *argv) == 0  # no ontology: the slots of the training states
    write(ontology, wos_ontology())
    capsys.readouterr()
    assert run_wos(wos_bert, tmp_path / "out", *argv, "--ontology_file", str(ontology)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "other flags (ontology_file contents (SHA-1 none -> " in err[0], err

    assert run_wos(wos_bert, tmp_path / "with", *argv, "--ontology_file", str(ontology)) == 0
    write(tmp_path / "same" / "ontology.json", wos_ontology())  # the same ontology beside the data: the same run
    capsys.readouterr()
    assert run_wos(wos_bert, tmp_path / "with", *argv, "--ontology_file", str(tmp_path / "same" / "ontology.json")) == 0
    assert "training is skipped" in capsys.readouterr().out
    edited = wos_ontology()
    edited.popitem()  # one slot fewer
    write(ontology, edited)
    assert run_wos(wos_bert, tmp_path / "with", *argv, "--ontology_file", str(ontology)) == 2
    assert "other flags (ontology_file contents (SHA-1 " in capsys.readouterr().err


def test_training_on_from_a_trained_generator_keeps_its_value_length_and_targets(wos_bert, tmp_path):
    """Without the flags, a WoS model trains on with its own --max_value_length and --value_targets (the run
    settings were once taken before the model was known, and fixed the length at the default 12)."""
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=5))
    ontology = write(tmp_path / "ontology.json", wos_ontology())
    flags = [flag for flag in FAST if flag not in ("--max_value_length", "8")]
    common = ["--train_file", str(train), "--ontology_file", str(ontology), "--do_train", "--max_steps", "1", *flags]
    assert main(WosTask(), ["--model_name_or_path", str(wos_bert), "--output_dir", str(tmp_path / "first"), *common,
                            "--max_value_length", "3", "--value_targets", "ptr"]) == 0
    assert main(WosTask(), ["--model_name_or_path", str(tmp_path / "first"), "--output_dir", str(tmp_path / "second"),
                            *common]) == 0
    for saved in ("config.json", "klue_run_settings.json"):
        values = json.loads((tmp_path / "second" / saved).read_text())
        assert (values["max_value_length"], values["value_targets"]) == (3, "ptr"), saved


@pytest.mark.parametrize("seed", [1, 2])
def test_overfitting_two_dialogues_reaches_jga_100(seed, wos_bert, tmp_path):
    """Gates, generated values (copied or from the vocabulary, `-` inside values included) and the
    state recovery are wired right when a model can learn two dialogues exactly (9 user turns).
    KLUE-baseline's generator (pooled start state, values of every slot, "none" mostly) fits them more
    slowly than a raw [CLS] start with values of ptr slots only did: measured JGA 100 on seeds 1, 2 and 3
    at 500 epochs and --learning_rate 5e-3, against 44-89 at 300 epochs and 2e-2 (the earlier setting)."""
    dialogues = write(tmp_path / "train.json", wos_dialogues(2, seed=5))
    write(tmp_path / "ontology.json", wos_ontology())
    out = tmp_path / "out"
    assert run_wos(wos_bert, out, "--train_file", str(dialogues), "--validation_file", str(dialogues),
                   "--do_train", "--do_eval", "--num_train_epochs", "500", "--learning_rate", "5e-3",
                   "--warmup_steps", "0.1", "--teacher_forcing_ratio", "1.0", "--seed", str(seed)) == 0
    results = json.loads((out / "eval_results.json").read_text())
    predicted = {item for p in read_jsonl(out / "eval_predictions.jsonl") for item in p["prediction"]}
    assert any(item.count("-") > 2 for item in predicted)  # a value with a dash (택시-출발지-강남역 3-1번 출구 ...)
    assert results["eval_jga"] == 100.0 and results["eval_slot_f1"] == 100.0


def test_predictions_do_not_depend_on_the_eval_batch_or_the_padding_side(wos_bert, tmp_path):
    """The generator attends over the history and copies from it: padding must never be read, so a turn
    predicts the same state alone, in a padded batch, and padded on the left."""
    ontology = write(tmp_path / "ontology.json", wos_ontology())
    train = write(tmp_path / "train.json", wos_dialogues(4, seed=5))
    dev = write(tmp_path / "dev.json", wos_dialogues(3, seed=9))
    trained = tmp_path / "trained"
    assert run_wos(wos_bert, trained, "--train_file", str(train), "--do_train", "--num_train_epochs", "60",
                   "--teacher_forcing_ratio", "1.0", "--ontology_file", str(ontology)) == 0  # 15: only none gates
    left = copy_with_padding_side(trained, tmp_path / "left", "left")
    predictions = {}
    for name, model, batch in (("alone", trained, "1"), ("batched", trained, "32"), ("left", left, "32")):
        assert run_wos(model, tmp_path / name, "--validation_file", str(dev), "--do_eval", "--ontology_file",
                       str(ontology), "--per_device_eval_batch_size", batch) == 0
        predictions[name] = [p["prediction"] for p in read_jsonl(tmp_path / name / "eval_predictions.jsonl")]
    assert sum(map(len, predictions["alone"])) > 20  # values generated and copied, not only "none" gates
    assert predictions["batched"] == predictions["alone"]
    assert predictions["left"] == predictions["alone"]


def test_a_trained_model_generates_its_own_value_length_unless_told_otherwise(wos_bert, tmp_path, capsys):
    """An evaluation of a saved model generates as its training run's evaluation did: not the flag's default."""
    ontology = write(tmp_path / "ontology.json", wos_ontology())
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=5))
    flags = [flag for flag in FAST if flag not in ("--max_value_length", "8")]
    common = ["--validation_file", str(train), "--ontology_file", str(ontology), *flags]
    trained = tmp_path / "trained"
    assert main(WosTask(), ["--model_name_or_path", str(wos_bert), "--output_dir", str(trained), *common,
                            "--train_file", str(train), "--do_train", "--do_eval", "--num_train_epochs", "100",
                            "--teacher_forcing_ratio", "1.0", "--max_value_length", "3"]) == 0
    assert json.loads((trained / "config.json").read_text())["max_value_length"] == 3
    cut = [line.split(" - ")[-1] for line in capsys.readouterr().out.splitlines() if "validation: " in line
           and "of more than --max_value_length tokens" in line]
    assert len(cut) == 1  # values of more than 3 tokens: cut for the loss, in training and evaluation alike
    again = tmp_path / "again"
    assert main(WosTask(), ["--model_name_or_path", str(trained), "--output_dir", str(again), *common,
                            "--do_eval"]) == 0
    assert read_jsonl(again / "eval_predictions.jsonl") == read_jsonl(trained / "eval_predictions.jsonl")
    assert cut[0] in capsys.readouterr().out  # the gold values are cut as in training too
    longer = tmp_path / "longer"
    assert main(WosTask(), ["--model_name_or_path", str(trained), "--output_dir", str(longer), *common,
                            "--do_eval", "--max_value_length", "12"]) == 0
    assert "--max_value_length 12: this model was trained with 3 (its config.json)" in capsys.readouterr().out
    assert read_jsonl(longer / "eval_predictions.jsonl") != read_jsonl(trained / "eval_predictions.jsonl")


def test_real_sample_dialogues_flow_through_with_the_real_ontology(wos_bert, tmp_path):
    require_shared(REAL_SAMPLES)
    ontology = require_shared(REAL_ONTOLOGY)
    out = tmp_path / "out"
    assert run_wos(wos_bert, out, "--data_dir", str(REAL_SAMPLES), "--ontology_file", str(ontology), "--do_train",
                   "--do_eval", "--do_predict", "--max_steps", "2") == 0
    dev = json.loads((REAL_SAMPLES / "wos-v1_dev.json").read_text(encoding="utf-8"))
    assert [(p["guid"], p["turn"]) for p in read_jsonl(out / "predictions.jsonl")] == user_turn_keys(dev)
    config = json.loads((out / "config.json").read_text())
    assert len(config["slot_names"]) == 45 and config["gate_names"][-2:] == ["yes", "no"]


def test_without_an_ontology_the_slot_list_comes_from_the_training_states(wos_bert, tmp_path, capsys):
    train = write(tmp_path / "train.json", wos_dialogues(4, seed=1))
    out = tmp_path / "out"
    assert run_wos(wos_bert, out, "--train_file", str(train), "--do_train", "--max_steps", "1") == 0
    log = capsys.readouterr().out
    found = sorted({"-".join(item.split("-")[:2]) for d in wos_dialogues(4, seed=1) for t in d["dialogue"]
                    for item in t.get("state", [])})  # the domain-slot of every item
    assert f"No ontology: the slot list is the {len(found)} domain-slot names found in the train states" in log
    assert json.loads((out / "config.json").read_text())["slot_names"] == found

    # An eval-only run of the saved model writes generated values exactly as the training run did: a
    # time is decoded by the tokenizer as "12 : 30", so the trained values' texts travel in config.json.
    states = {item.split("-", 2)[2]
              for d in wos_dialogues(4, seed=1) for t in d["dialogue"] for item in t.get("state", [])}
    time = next(value for value in sorted(states) if ":" in value)
    evaluator = WosTask()
    assert main(evaluator, ["--model_name_or_path", str(out), "--output_dir", str(tmp_path / "eval"), *FAST,
                            "--validation_file", str(train), "--do_eval"]) == 0
    ids = evaluator.tokenizer(time, add_special_tokens=False)["input_ids"]
    assert evaluator.tokenizer.decode(ids) != time
    assert evaluator.value_text(ids, history=[]) == time


def test_without_an_ontology_the_slot_list_is_the_whole_training_splits_not_the_max_train_samples_cut(
        wos_bert, tmp_path):
    dialogues = wos_dialogues(4, seed=1)
    slots = lambda some: sorted({"-".join(item.split("-")[:2]) for d in some for t in d["dialogue"]  # noqa: E731
                                 for item in t.get("state", [])})
    assert slots(dialogues[:1]) != slots(dialogues)  # the first dialogue alone lacks slots the others use
    train = write(tmp_path / "train.json", dialogues)
    out = tmp_path / "out"
    # the dev set (here the same dialogues) uses every slot: a cut slot list would stop the run at its states
    assert run_wos(wos_bert, out, "--train_file", str(train), "--validation_file", str(train), "--do_train",
                   "--do_eval", "--max_train_samples", "1", "--max_steps", "1") == 0
    assert json.loads((out / "config.json").read_text())["slot_names"] == slots(dialogues)


def test_a_value_decoded_by_a_tokenizer_that_splits_hangul_into_jamo_is_whole_syllables():
    """The last resort (a value neither known nor a run of the history's tokens: 서울역 inside 신서울역)
    is the tokenizer's decoding, which mBERT-uncased's normalizer gives as jamo."""
    history = ["신서울역 근처 숙소를 찾아요."]
    tokenizer = uncased_wordpiece_tokenizer([*history, "서울역으로 가는 택시"], vocab_size=120)
    task = WosTask()
    task.prepare_tokenizer(tokenizer)
    task.ontology, task.known_values = {}, []
    ids = tokenizer("서울역", add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) != "서울역"  # jamo
    assert task.value_text(ids, history) == "서울역"


def test_a_generated_value_ends_at_its_first_special_token(wos_bert):
    """As KLUE-baseline's recover_state: "A [UNK] B [SEP]" is the value "A", not "A B"."""
    import numpy as np
    from transformers import AutoTokenizer

    task = WosTask()
    task.use_options(*_task_flags())
    tokenizer = AutoTokenizer.from_pretrained(wos_bert)
    task.prepare_tokenizer(tokenizer)
    task.ontology, task.known_values = {}, []
    task.slots, task.gates = list(wos_ontology()), ["none", "dontcare", "ptr", "yes", "no"]
    examples = task.prepare_split(_dataset(wos_dialogues(1, seed=3)), "validation")
    first, second = (tokenizer(word, add_special_tokens=False)["input_ids"] for word in ("서울", "북쪽"))
    ids = [*first, tokenizer.unk_token_id, *second, tokenizer.sep_token_id]
    gates = np.zeros((len(examples), len(task.slots)), dtype=int)
    gates[:, 0] = 2  # ptr on the first slot, none on the others
    value_ids = np.full((len(examples), len(task.slots), 8), tokenizer.sep_token_id)
    value_ids[:, 0, : len(ids)] = ids
    assert task.decode(examples, None, (gates, value_ids))[0] == [f"{task.slots[0]}-서울"]


def test_long_histories_keep_their_latest_turns(wos_bert, tmp_path, capsys):
    dev = write(tmp_path / "dev.json", wos_dialogues(3, seed=3))
    write(tmp_path / "ontology.json", wos_ontology())
    assert run_wos(wos_bert, tmp_path / "out", "--validation_file", str(dev), "--do_eval", "--max_seq_length",
                   "24") == 0
    assert "dialogue histories are longer than max_seq_length" in capsys.readouterr().out

    from transformers import AutoTokenizer

    task = WosTask()
    task.use_options(*_task_flags())
    tokenizer = AutoTokenizer.from_pretrained(wos_bert)
    task.slots, task.gates = list(wos_ontology()), ["none", "dontcare", "ptr", "yes", "no"]
    examples = task.prepare_split(_dataset(wos_dialogues(3, seed=3)), "validation")[:]
    features = task.preprocess(examples, tokenizer, 24, False)
    for ids, history, cut in zip(features["input_ids"], examples["history"], features["history_cut"]):
        latest = tokenizer(history[-1], add_special_tokens=False)["input_ids"]
        assert len(ids) <= 24 and ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        tail = ids[-1 - len(latest) : -1] if len(latest) <= 22 else None
        assert tail is None or tail == latest  # the current user turn is what is kept
        assert bool(cut) == (sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) + 1 for t in history) > 23)


@pytest.mark.parametrize("value_targets", ["all", "ptr"])
def test_value_targets_are_every_slots_or_the_generated_ones_only(value_targets, wos_bert):
    """all (KLUE-baseline's): a slot the state leaves out learns to generate "none", a dontcare one
    "dontcare"; ptr: only the slots whose value is generated have value labels."""
    from transformers import AutoTokenizer

    task = WosTask()
    task.use_options(*_task_flags(value_targets=value_targets))
    tokenizer = AutoTokenizer.from_pretrained(wos_bert)
    task.slots, task.gates = list(wos_ontology()), ["none", "dontcare", "ptr", "yes", "no"]
    examples = task.prepare_split(_dataset(wos_dialogues(3, seed=3)), "validation")[:]
    features = task.preprocess(examples, tokenizer, 128, False)
    none_ids = tokenizer("none", add_special_tokens=False)["input_ids"]
    for gates, values in zip(features["gate_labels"], features["value_labels"]):
        for gate, labels in zip(gates, values):
            if task.gates[gate] == "ptr":
                assert labels[0] != -100
            elif value_targets == "ptr":
                assert labels == [-100] * len(labels)
            elif task.gates[gate] == "none":
                assert labels[: len(none_ids) + 1] == [*none_ids, tokenizer.sep_token_id]
            else:
                assert labels[0] != -100


@pytest.mark.parametrize("value_targets", ["all", "ptr"])
def test_the_cut_value_count_is_the_generated_gold_values_of_more_tokens_than_are_generated(value_targets):
    """A value of exactly --max_value_length tokens is generated whole (decoding keeps every step without an end
    token); none/dontcare targets, trained under `all`, are never read (the gate says them) and are not counted."""
    from algorithms import wos_state
    from args import WosArguments
    from tests.tiny_tokenizers import byte_bpe_tokenizer

    task = WosTask()
    task.use_options(WosArguments(max_value_length=5, value_targets=value_targets))
    tokenizer = byte_bpe_tokenizer(wos_corpus(), vocab_size=400)
    task.slots, task.gates = list(wos_ontology()), ["none", "dontcare", "ptr", "yes", "no"]
    examples = task.prepare_split(_dataset(wos_dialogues(3, seed=3)), "validation")[:]
    features = task.preprocess(examples, tokenizer, 128, False)
    sizes_seen = []
    for state, cut in zip(examples["state"], features["value_cut"]):
        generated = [value for _, value in map(wos_state.split_item, state) if value not in ("dontcare", "yes", "no")]
        sizes = [len(ids) for ids in wos_state.value_token_ids(tokenizer, generated)]
        assert cut == sum(size > 5 for size in sizes)
        sizes_seen += sizes
    assert 5 in sizes_seen and max(sizes_seen) > 5  # both sides of the edge are in the data
    (dontcare,) = wos_state.value_token_ids(tokenizer, ["dontcare"])
    assert len(dontcare) > 5 and any("dontcare" in item for state in examples["state"] for item in state)


def test_value_labels_are_the_tokens_of_the_values_mentions_with_a_byte_level_bpe_tokenizer():
    """Tokenized alone, a value lacks the 'Ġ' its mentions after a space have: its labels could not be copied."""
    from algorithms import wos_state
    from tests.tiny_tokenizers import byte_bpe_tokenizer

    task = WosTask()
    task.use_options(*_task_flags(value_targets="ptr"))
    tokenizer = byte_bpe_tokenizer(wos_corpus(), vocab_size=400)
    task.slots, task.gates = list(wos_ontology()), ["none", "dontcare", "ptr", "yes", "no"]
    examples = task.prepare_split(_dataset(wos_dialogues(3, seed=3)), "validation")[:]
    features = task.preprocess(examples, tokenizer, 128, False)
    unlike_alone = 0  # values whose labels differ from their tokens alone: what the test tells apart
    for state, values in zip(examples["state"], features["value_labels"]):
        generated = dict(wos_state.split_item(item) for item in state)
        for slot, labels in zip(task.slots, values):
            value = generated.get(slot)
            if value not in (None, "dontcare", "yes", "no"):
                (expected,) = wos_state.value_token_ids(tokenizer, [value])
                assert labels[: len(expected)] == expected[:8]
                unlike_alone += expected != tokenizer(value, add_special_tokens=False)["input_ids"]
    assert unlike_alone


def _task_flags(**options):
    from args import WosArguments

    return (WosArguments(max_value_length=8, **options),)


def _dataset(dialogues):
    import datasets

    from klue_data import wos

    return datasets.Dataset.from_list([wos.from_hub_example(d, None, d["guid"]) for d in dialogues])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d[1]["dialogue"][0]["state"].append("식당-메뉴-김밥"),
         ["guid smoke-wos-00001", "dialogue[0].state[", "user turn 0", "'식당-메뉴-김밥'", "known domain-slot"]),
        (lambda d: d[1]["dialogue"][2]["state"].__setitem__(0, "식당 지역 서울"),
         ["guid smoke-wos-00001", "dialogue[2].state[0]", "domain-slot-value"]),
        (lambda d: d[1]["dialogue"][2].pop("state"),
         ["guid smoke-wos-00001", "dialogue[2].state", "without a 'state'"]),
        (lambda d: d[1].__setitem__("dialogue", [t for t in d[1]["dialogue"] if t["role"] == "sys"]),
         ["guid smoke-wos-00001", "user turn"]),
    ],
)
def test_bad_dialogues_end_in_one_line_naming_file_guid_and_turn(change, expected, wos_bert, tmp_path, capsys):
    dialogues = wos_dialogues(3, seed=1)
    change(dialogues)
    train = write(tmp_path / "my-train.json", dialogues)
    write(tmp_path / "ontology.json", wos_ontology())
    assert run_wos(wos_bert, tmp_path / "out", "--train_file", str(train), "--do_train") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(train) in err[0], err
    for part in expected:
        assert part in err[0], err[0]


def test_a_dev_file_without_states_is_refused_for_evaluation_and_predicted_without_a_loss(wos_bert, tmp_path, capsys):
    dialogues = wos_dialogues(2, seed=2)
    for dialogue in dialogues:
        for turn in dialogue["dialogue"]:
            turn.pop("state", None)
    unlabelled = write(tmp_path / "test.json", dialogues)
    write(tmp_path / "ontology.json", wos_ontology())
    assert run_wos(wos_bert, tmp_path / "eval", "--validation_file", str(unlabelled), "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "have no label (no user turn has a state item: a file whose states are all empty " \
        "reads as a test file's)" in err[0] and "field 'state'" in err[0], err
    assert run_wos(wos_bert, tmp_path / "predict", "--test_file", str(unlabelled), "--do_predict") == 0
    # every turn was given the empty state as its label: a loss against that is no result
    results = json.loads((tmp_path / "predict" / "predict_results.json").read_text())
    assert results["predict_samples"] == len(user_turn_keys(dialogues))
    assert not {"predict_loss", "predict_jga", "predict_slot_f1"} & set(results)


def test_training_resumes_from_a_checkpoint(wos_bert, tmp_path, capsys):
    train = write(tmp_path / "train.json", wos_dialogues(4, seed=1))
    write(tmp_path / "ontology.json", wos_ontology())
    out = tmp_path / "out"
    common = ["--train_file", str(train), "--do_train", "--save_strategy", "steps", "--save_steps", "2"]
    assert run_wos(wos_bert, out, *common, "--max_steps", "2") == 0
    (out / "train_results.json").unlink()  # as if killed after the checkpoint
    assert run_wos(wos_bert, out, *common, "--max_steps", "4") == 0
    assert "Resuming training from" in capsys.readouterr().out
    results = json.loads((out / "train_results.json").read_text())
    assert results["train_resumed_at_step"] == 2 and (out / "checkpoint-4" / "config.json").is_file()


def test_bad_flags_end_in_one_line(wos_bert, tmp_path, capsys):
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=1))
    for flags, expected in ((["--max_seq_length", "4"], "too short for a dialogue history"),
                            (["--teacher_forcing_ratio", "1.5"], "--teacher_forcing_ratio must be in [0, 1]"),
                            (["--max_value_length", "1"], "--max_value_length must be >= 2"),
                            (["--ontology_file", str(tmp_path / "missing.json")], "no such ontology file")):
        assert run_wos(wos_bert, tmp_path / "out", "--train_file", str(train), "--do_train", *flags) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err


def test_a_generator_saved_before_klue_baselines_layout_is_refused(wos_bert, tmp_path, capsys):
    """Its GRU started from the raw [CLS] state and it has no pooler weights: loaded, the pooler would be new."""
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=1))
    out = tmp_path / "trained"
    assert run_wos(wos_bert, out, "--train_file", str(train), "--do_train", "--max_steps", "1") == 0
    assert drop_config_key(out, "generator_layout") == "klue-baseline"  # as an earlier version saved it
    capsys.readouterr()
    assert run_wos(out, tmp_path / "eval", "--validation_file", str(train), "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a WoS generator saved by an earlier version of this suite" in err[0], err


def test_an_encoder_with_narrower_embeddings_is_one_line(tiny_electra, tmp_path, capsys):
    """The generator's output is tied to the token embeddings: ELECTRA-small-style encoders cannot serve."""
    train = write(tmp_path / "train.json", wos_dialogues(2, seed=1))
    assert run_wos(tiny_electra, tmp_path / "out", "--train_file", str(train), "--do_train") == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("Tokenizing")]
    assert len(err) == 1 and "token embeddings (16) are narrower than its hidden states (32)" in err[0], err


def test_bf16_and_gradient_checkpointing_train_the_generator(wos_bert, tmp_path):
    """Under bf16 autocast the attention scores are bf16 while the history stays fp32: their padding mask must
    fit the scores' dtype. Gradient checkpointing recomputes the encoder and changes nothing (no dropout here)."""
    write(tmp_path / "ontology.json", wos_ontology())
    train = write(tmp_path / "train.json", wos_dialogues(3, seed=5))
    results = {}
    for name, flags in (("plain", []), ("checkpointing", ["--gradient_checkpointing"]), ("bf16", ["--bf16"])):
        out = tmp_path / name
        assert run_wos(wos_bert, out, "--train_file", str(train), "--validation_file", str(train), "--do_train",
                       "--do_eval", "--max_steps", "3", "--teacher_forcing_ratio", "1.0", *flags) == 0
        results[name] = json.loads((out / "eval_results.json").read_text())
    assert results["checkpointing"]["eval_loss"] == pytest.approx(results["plain"]["eval_loss"], rel=1e-5)
    assert results["checkpointing"]["eval_slot_f1"] == results["plain"]["eval_slot_f1"]
    assert 0 < results["bf16"]["eval_loss"] < float("inf")


def test_a_copied_value_is_the_text_of_its_latest_mention_and_a_known_value_wins_over_a_copy():
    """An uncased tokenizer gives "SEOUL" and "Seoul" the same ids: a generated value with those ids is copied from
    the latest turn that mentions it; a known value (the ontology's, "KTX") with the ids is written as known."""
    history = ["SEOUL 북쪽 숙소를 찾아요.", "Seoul 북쪽 숙소요. ktx 역 근처로요."]
    tokenizer = uncased_wordpiece_tokenizer([*history, "KTX 서울 북쪽"], vocab_size=150)
    task = WosTask()
    task.prepare_tokenizer(tokenizer)
    task.ontology, task.known_values = {"관광-이름": ["KTX"]}, []
    seoul = tokenizer("seoul", add_special_tokens=False)["input_ids"]
    assert tokenizer("SEOUL", add_special_tokens=False)["input_ids"] == seoul
    assert task.value_text(seoul, history) == "Seoul"
    assert task.value_text(tokenizer("ktx", add_special_tokens=False)["input_ids"], history) == "KTX"
    assert task.value_text([], history) == ""
