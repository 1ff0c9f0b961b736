"""Bad input ends in one readable line naming file, record and field; nothing but logs is written."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from tests.synthetic import ner_records, nli_records, sts_records, write_json, ynat_records
from tests.synthetic_mcqa import mcqa_records
from trainers.run_mcqa import McqaTask
from trainers.run_ner import NerTask
from trainers.run_nli import NliTask
from trainers.run_sts import StsTask
from trainers.run_ynat import YnatTask
from trainers.runner import main


def run(task, model, tmp_path, files, *extra):
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--report_to", "none", "--use_cpu",
            "--do_eval", *extra]
    for split, path in files.items():
        argv += [f"--{split}_file", str(path)]
    return main(task, argv), out


def assert_failed_cleanly(status, out, capsys, *expected):
    assert status == 2
    message = capsys.readouterr().err
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert not out.exists() or not any(out.iterdir())


def test_file_that_is_not_json(tiny_bert, tmp_path, capsys):
    bad = tmp_path / "dev.json"
    bad.write_text('[{"guid": "a", "title": "제목", "label": "정치"},\n  {"guid": oops}]', encoding="utf-8")
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, str(bad), "line 2", "not valid JSON")


def test_missing_field(tiny_bert, tmp_path, capsys):
    records = nli_records(4)
    del records[2]["hypothesis"]
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(NliTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, str(bad), "record 2", "smoke-nli-00002", "'hypothesis'")


def test_unknown_label_name(tiny_bert, tmp_path, capsys):
    records = ynat_records(4)
    records[3]["label"] = "연예"
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, "record 3", "field 'label'", "'연예'", "정치")


@pytest.mark.parametrize("split", ["train", "validation"])
def test_examples_without_a_label_cannot_be_trained_on_or_evaluated(split, tiny_bert, tmp_path, capsys):
    records = ynat_records(5)
    del records[3]["label"]
    records[4]["label"] = None
    bad = write_json(tmp_path / f"{split}.json", records)
    flag = "--do_train" if split == "train" else "--do_eval"
    out = tmp_path / "out"
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--report_to",
                               "none", "--use_cpu", flag, f"--{split}_file", str(bad)])
    assert_failed_cleanly(status, out, capsys, str(bad), "record 3 (guid smoke-ynat-00003)", "field 'label'",
                          f"{split}: 2 of 5 examples have no label")


def _unlabelled_ner(records: list[dict]) -> list[dict]:
    for record in records:  # the reader refuses a file that tags some sentences only
        del record["ner_tags"], record["sentence"]  # characters alone: a test sentence
    return records


def _unlabelled_mcqa(records: list[dict]) -> list[dict]:
    for record in records[3:]:
        del record["answer"]
    return records


@pytest.mark.parametrize("split", ["train", "validation"])
@pytest.mark.parametrize(
    ("task", "records", "label", "first", "count"),
    [(NerTask, lambda: _unlabelled_ner(ner_records(5)), "ner_tags", 0, 5),
     (McqaTask, lambda: _unlabelled_mcqa(mcqa_records(5)), "answer", 3, 2)],
    ids=["ner", "mcqa"],
)
def test_tasks_whose_readers_allow_unlabelled_examples_refuse_them_outside_the_test_split(
    task, records, label, first, count, split, tiny_bert, tmp_path, capsys
):
    bad = write_json(tmp_path / f"{split}.json", records())
    flag = "--do_train" if split == "train" else "--do_eval"
    out = tmp_path / "out"
    status = main(task(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--report_to", "none",
                           "--use_cpu", flag, f"--{split}_file", str(bad), "--max_steps", "1"])
    id_name = "id" if task is McqaTask else "guid"
    assert_failed_cleanly(status, out, capsys, str(bad), f"record {first} ({id_name} smoke-{task.name}-0000{first})",
                          f"field '{label}'", f"{split}: {count} of 5 examples have no label")


@pytest.mark.parametrize("extra", [[], ["--prediction_loss_only"]], ids=["plain", "prediction_loss_only"])
def test_a_test_file_may_leave_labels_out(extra, tiny_bert, tmp_path, capsys):
    """Predicted all the same under --prediction_loss_only: there is no loss to keep, and the file is the point."""
    records = ynat_records(3)
    for record in records:
        del record["label"]
    test = write_json(tmp_path / "test.json", records)
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"test": test}, "--do_eval", "false", "--do_predict", *extra)
    assert status == 0 and len((out / "predictions.jsonl").read_text().splitlines()) == 3
    # said, as a file whose label field is misnamed reads the same
    said = capsys.readouterr().out
    assert "test: no example has a label ('label'): predicted, not scored." in said
    assert ("--prediction_loss_only is not followed" in said) is bool(extra)


@pytest.mark.parametrize(
    ("task", "records", "label"),
    [(YnatTask, ynat_records, "label"), (StsTask, sts_records, "labels"), (McqaTask, mcqa_records, "answer")],
    ids=["ynat", "sts", "mcqa"],
)
def test_a_test_file_labelled_on_some_examples_only_is_refused(task, records, label, tiny_bert, tmp_path, capsys):
    """Scored on nothing, or broken preprocessing where one batch of 1,000 had labels and another none."""
    rows = records(5)
    for row in rows[2:4]:
        del row[label]
    test = write_json(tmp_path / "test.json", rows)
    status, out = run(task(), tiny_bert, tmp_path, {"test": test}, "--do_eval", "false", "--do_predict")
    id_name = "id" if task is McqaTask else "guid"
    assert_failed_cleanly(status, out, capsys, str(test), f"record 2 ({id_name} smoke-{task.name}-00002)",
                          f"field '{label}'", "test: 2 of 5 examples have no label; a test file has a label on every "
                          "example (scored) or on none (predicted only)")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--max_train_samples", "0"], "--max_train_samples must be >= 1, got 0"),
        (["--max_seq_length", "0"], "--max_seq_length must be >= 1, got 0"),
        (["--resume_from_checkpoint", "nowhere/checkpoint-9"],
         "--resume_from_checkpoint nowhere/checkpoint-9: no such"),
        # 4 examples, batches of 8, the short one dropped: no batch (the Trainer blamed --max_steps)
        (["--dataloader_drop_last", "--per_device_train_batch_size", "8"],
         "--dataloader_drop_last: 4 training features (4 per process) make no whole batch"),
    ],
)
def test_training_flags_that_cannot_work_are_one_line(flags, expected, tiny_bert, tmp_path, capsys):
    train = write_json(tmp_path / "train.json", ynat_records(4))
    out = tmp_path / "out"
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--report_to", "none",
                               "--use_cpu", "--do_train", "--train_file", str(train), *flags])
    assert_failed_cleanly(status, out, capsys, expected)


def test_a_run_of_another_task_in_output_dir_is_neither_resumed_nor_taken_for_this_ones(tiny_bert, tmp_path, capsys):
    # Two task scripts pointed at one --output_dir: the second must neither skip its training as finished, nor
    # resume the first one's checkpoint, nor use its model (its head has other labels, or another number of them)
    nli = write_json(tmp_path / "nli.json", nli_records(8))
    out = tmp_path / "out"
    common = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--report_to", "none", "--use_cpu",
              "--do_train", "--max_steps", "1", "--save_steps", "1"]
    assert main(NliTask(), [*common, "--train_file", str(nli)]) == 0
    sts = write_json(tmp_path / "sts.json", sts_records(8))
    capsys.readouterr()
    assert main(StsTask(), [*common, "--train_file", str(sts)]) == 2
    message = capsys.readouterr().err.strip()
    assert message == (f"error: {out} holds the finished training of a nli run, not a sts run: pass another "
                       "--output_dir, or --overwrite_output_dir to replace it")
    # nor is the NLI model evaluated as an STS one: its STS head was never trained
    sts_eval = ["--model_name_or_path", str(out), "--output_dir", str(tmp_path / "eval"), "--use_cpu", "--do_eval",
                "--validation_file", str(sts)]
    assert main(StsTask(), sts_eval) == 2
    assert capsys.readouterr().err.strip() == (f"error: {out} was fine-tuned for nli, not sts: its sts head was never "
                                                "trained; pass a sts model, or train one from it (--do_train)")
    (out / "train_results.json").unlink()  # as if the run had been killed after its checkpoint
    assert main(StsTask(), [*common, "--train_file", str(sts)]) == 2
    message = capsys.readouterr().err.strip()
    assert "checkpoint-1 was saved by a nli run, not a sts run" in message
    assert "--overwrite_output_dir" in message and len(message.splitlines()) == 1
    # named with --resume_from_checkpoint: another --output_dir would not help
    given = [*common, "--train_file", str(sts), "--output_dir", str(tmp_path / "other"),
             "--resume_from_checkpoint", str(out / "checkpoint-1")]  # fmt: skip
    assert main(StsTask(), given) == 2
    assert capsys.readouterr().err.strip().endswith("checkpoint-1 was saved by a nli run, not a sts run: pass a "
                                                    "checkpoint of a sts run to --resume_from_checkpoint")
    # a checkpoint saved without the task's name (another tool, an older run) is told apart by its labels
    config = out / "checkpoint-1" / "config.json"
    config.write_text(json.dumps({k: v for k, v in json.loads(config.read_text()).items() if k != "klue_task"}))
    assert main(StsTask(), [*common, "--train_file", str(sts)]) == 2
    message = capsys.readouterr().err.strip()
    assert "checkpoint-1 was saved by a run with other labels (entailment, contradiction, neutral" in message


@pytest.mark.parametrize("score", [5.5, -1, "NaN", "high"])
def test_sts_label_outside_0_to_5(tiny_bert, tmp_path, capsys, score):
    records = sts_records(3)
    records[1]["labels"]["label"] = score
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(StsTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, "record 1", "smoke-sts-00001", "'label'", "[0, 5]")


@pytest.mark.parametrize(
    ("task", "records", "flags", "expected"),
    [
        # scipy's Pearson r, as the official scoring's, needs two pairs: said before training, not at its first eval
        (StsTask(), sts_records(1), [], "validation: 1 labelled pair(s): Pearson r needs at least 2"),
        (StsTask(), sts_records(5), ["--max_eval_samples", "1"], "validation: 1 labelled pair(s)"),
        (NerTask(), [{"guid": "n-0", "tokens": [" "], "ner_tags": ["O"]},
                     {"guid": "n-1", "tokens": [], "ner_tags": []}],
         [], "validation: every sentence is empty (spaces at most): no character to score"),
    ],
    ids=["sts-one-pair", "sts-max-eval-samples", "ner-all-empty"],
)
def test_a_split_its_metric_cannot_score_is_one_line_before_training(task, records, flags, expected, tiny_bert,
                                                                      tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", records)
    train = write_json(tmp_path / "train.json", sts_records(4) if task.name == "sts" else ner_records(4))
    status, out = run(task, tiny_bert, tmp_path, {"train": train, "validation": dev}, "--do_train", *flags)
    assert_failed_cleanly(status, out, capsys, expected)


def test_empty_sentence_is_warned_about_and_still_predicted(tiny_bert, tmp_path, capsys):
    records = nli_records(3)
    records[1]["premise"] = ""
    dev = write_json(tmp_path / "dev.json", records)
    status, out = run(NliTask(), tiny_bert, tmp_path, {"validation": dev}, "--do_predict")
    assert status == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if "WARNING" in line and "empty" in line]
    assert warnings and "smoke-nli-00001" in warnings[0]
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 3


def test_hub_unreachable_gives_one_line_with_the_way_out(tiny_bert, tmp_path, capsys):
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "o"),
                               "--dataset_name", "klue/klue-does-not-exist-offline", "--do_eval",
                               "--report_to", "none"])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert "--data_dir" in message and "Hub" in message


@pytest.mark.parametrize("model", ["empty", "data"], ids=["empty-folder", "data-folder"])
def test_a_local_folder_without_a_model_is_one_line(model, tmp_path, capsys):
    """A folder without tokenizer files (an interrupted download, the data folder passed by mistake): the line
    run_all.sh stops on ("Could not load"), not transformers' ValueError about converting a slow tokenizer."""
    dev = write_json(tmp_path / "data" / "dev.json", ynat_records(3))
    (tmp_path / "empty").mkdir()
    status = main(YnatTask(), ["--model_name_or_path", str(tmp_path / model), "--output_dir", str(tmp_path / "o"),
                               "--validation_file", str(dev), "--do_eval", "--report_to", "none"])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert message.startswith("error: Could not load AutoTokenizer") and "is a local path but does not hold" in message


@pytest.mark.parametrize("under", [False, True], ids=["a-file", "under-a-file"])
def test_an_output_dir_that_is_a_file_is_one_line(under, tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ynat_records(3))
    taken = tmp_path / "predictions.csv"
    taken.write_text("id,target\n", encoding="utf-8")
    output_dir = taken / "run" if under else taken
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(output_dir),
                               "--validation_file", str(dev), "--do_eval", "--report_to", "none", "--use_cpu"])
    message = capsys.readouterr().err.strip()
    assert status == 2
    assert message == f"error: --output_dir {output_dir}: {taken} is a file, not a folder; pass a folder"
    assert taken.read_text(encoding="utf-8") == "id,target\n"


def test_model_unreachable_gives_one_line(tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ynat_records(3))
    status = main(YnatTask(), ["--model_name_or_path", "klue/roberta-base-not-cached", "--output_dir",
                               str(tmp_path / "o"), "--validation_file", str(dev), "--do_eval", "--report_to", "none"])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert "--model_name_or_path" in message



@pytest.mark.parametrize(("module", "task_class"), [("run_sts", "StsTask"), ("run_dp", "DpTask"),
                                                     ("run_mrc", "MrcTask"), ("run_wos", "WosTask")])
def test_label_smoothing_where_there_are_no_class_labels_is_one_line(module, task_class, tiny_bert, tmp_path, capsys):
    """STS regresses a score (the Trainer's smoother gave a traceback); DP, MRC and WoS compute their
    own loss from labels under other names, so the Trainer's smoother never ran: the flag did nothing."""
    import importlib

    task = getattr(importlib.import_module(f"trainers.{module}"), task_class)()
    status, out = run(task, tiny_bert, tmp_path, {}, "--label_smoothing_factor", "0.1")
    assert_failed_cleanly(status, out, capsys, "--label_smoothing_factor 0.1: ", "no class labels to smooth")


def test_a_run_reads_only_the_splits_it_uses(tiny_bert, tmp_path):
    # an evaluation of the dev file must not be stopped by a broken train file beside it in --data_dir
    data = tmp_path / "data"
    write_json(data / "klue-nli-v1.1_dev.json", nli_records(4))
    data.joinpath("klue-nli-v1.1_train.json").write_text("{broken", encoding="utf-8")
    status, out = run(NliTask(), tiny_bert, tmp_path, {}, "--data_dir", str(data))
    assert status == 0 and json.loads((out / "eval_results.json").read_text())["eval_samples"] == 4


def test_a_data_file_that_cannot_be_read_is_one_line(tiny_bert, tmp_path, capsys, monkeypatch):
    dev = write_json(tmp_path / "dev.json", ynat_records(4))
    read_bytes = Path.read_bytes

    def unreadable(path: Path) -> bytes:  # what a file without read permission gives (root reads any file)
        if path == dev:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": dev})
    assert_failed_cleanly(status, out, capsys, f"{dev}: cannot read it (Permission denied)")


def test_an_output_dir_that_cannot_be_written_is_one_line_before_anything_loads(tiny_bert, tmp_path, capsys,
                                                                                monkeypatch):
    import trainers.runner

    locked = tmp_path / "locked"
    locked.mkdir()
    access = os.access
    monkeypatch.setattr(trainers.runner.os, "access", lambda path, mode: Path(path) != locked and access(path, mode))
    status = main(YnatTask(), ["--model_name_or_path", "no/such-model", "--output_dir", str(locked / "out"),
                               "--do_eval", "--report_to", "none", "--use_cpu"])
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: --output_dir {locked / 'out'}: {locked} is not writable here; pass a folder you can write to"]


def test_a_model_whose_weights_file_was_cut_short_is_one_line(tiny_bert, tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(tiny_bert, model)
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    dev = write_json(tmp_path / "dev.json", ynat_records(4))
    status, out = run(YnatTask(), model, tmp_path, {"validation": dev})
    assert_failed_cleanly(status, out, capsys, f"error: {model}: its weights file cannot be read (")


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(tiny_bert, tmp_path, capsys, monkeypatch):
    import metrics.atomic_files

    def full_disk(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(metrics.atomic_files.os, "fsync", full_disk)
    dev = write_json(tmp_path / "dev.json", ynat_records(4))
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": dev})
    assert status == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error")]
    assert "Traceback" not in err and len(errors) == 1, err
    assert errors[0].startswith(f"error: cannot write {out}") and errors[0].endswith("No space left on device")
    assert not out.exists() or not any(out.iterdir())  # the temporary file is gone, no half-written result


def test_a_report_to_integration_that_is_not_installed_is_one_line_before_anything_loads(tmp_path, capsys,
                                                                                          monkeypatch):
    from transformers.integrations import integration_utils

    monkeypatch.setattr(integration_utils, "_is_comet_installed", False)  # whatever this machine has
    dev = write_json(tmp_path / "dev.json", ynat_records(4))
    status, out = run(YnatTask(), tmp_path / "no-model-here", tmp_path, {"validation": dev}, "--report_to", "comet_ml")
    assert_failed_cleanly(status, out, capsys, "error: --report_to comet_ml: comet_ml is not installed here; pip "
                          "install it")


def test_an_integration_the_trainer_refuses_when_it_is_built_is_one_line(tiny_bert, tmp_path, capsys, monkeypatch):
    """What only the Trainer can tell (azure_ml, flyte): its callback's error, in one line."""
    from transformers.integrations import integration_utils

    import args.training

    monkeypatch.setattr(integration_utils, "_is_comet_installed", False)
    monkeypatch.setattr(args.training, "integration_installed", lambda name: None)
    dev = write_json(tmp_path / "dev.json", ynat_records(4))
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": dev}, "--report_to", "comet_ml")
    assert_failed_cleanly(status, out, capsys, "error: --report_to comet_ml: CometCallback requires comet-ml")


def test_wandb_without_a_login_outside_a_terminal_is_one_line(tiny_bert, tmp_path):
    """wandb refuses to start when training begins (no API key, no terminal to ask in): one line with the way out.
    In a subprocess: wandb's state is per process."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    train = write_json(tmp_path / "train.json", ynat_records(8))
    env = {name: value for name, value in os.environ.items() if not name.startswith("WANDB_")}
    env.update(PYTHONPATH=str(root), HOME=str(tmp_path), WANDB_CONFIG_DIR=str(tmp_path / "config"),
               WANDB_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(root / "trainers" / "run_ynat.py"), "--model_name_or_path", str(tiny_bert),
         "--output_dir", str(tmp_path / "out"), "--train_file", str(train), "--do_train", "--max_steps", "1",
         "--report_to", "wandb", "--use_cpu", "--disable_tqdm", "true"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --report_to wandb: No API key configured") and "WANDB_MODE=offline" in last


def test_a_checkpoint_that_cannot_be_written_is_one_line(tiny_bert, tmp_path, capsys, monkeypatch):
    """The optimizer's file of a checkpoint written to a full disk: torch's own error has no file nor reason."""
    import transformers.trainer

    from tests.trainers.test_outputs import FullDisk

    save = torch.save

    def save_optimizer_to_a_full_disk(data, path, *args, **kwargs):
        return save(data, FullDisk() if str(path).endswith("optimizer.pt") else path, *args, **kwargs)

    monkeypatch.setattr(transformers.trainer.torch, "save", save_optimizer_to_a_full_disk)
    train = write_json(tmp_path / "train.json", ynat_records(8))
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"train": train, "validation": train}, "--do_train",
                      "--max_steps", "2",
                      "--save_steps", "1", "--per_device_train_batch_size", "4")
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error")]
    assert status == 1 and "Traceback" not in err and errors == [
        f"error: cannot write {out / 'checkpoint-1'}: the write failed part way (a full disk or a quota?)"], err
