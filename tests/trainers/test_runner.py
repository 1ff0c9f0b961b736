"""The runner's own steps (trainers/runner.py), each on its smallest input: how main() ends a run that failed,
and the checks and defaults a run takes before its Trainer exists. End-to-end runs are in the test_run_* files."""

from __future__ import annotations

import errno
import json
import logging
from types import SimpleNamespace

import pytest
import torch

from args import ArgumentsError, DataArguments, KlueTrainingArguments
from tests.synthetic import write_json, ynat_records
from trainers import runner
from trainers.run_ner import NerTask
from trainers.run_ynat import YnatTask

BASE = ["--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]


def _failing_run(error: BaseException):
    def run(task, argv=None):
        raise error

    return run


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO],
                         ids=["full", "quota", "read-only", "write-failed"])
def test_a_disk_that_cannot_take_the_files_is_one_line_and_status_1(number, tmp_path, capsys, monkeypatch):
    target = tmp_path / "out" / "eval_results.json"
    monkeypatch.setattr(runner, "run", _failing_run(OSError(number, "the disk's reason", str(target))))
    assert runner.main(YnatTask(), []) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"error: cannot write {target}: the disk's reason"]


def test_any_other_error_is_a_traceback_not_a_line_about_the_users_setup(monkeypatch):
    """A bug must show whole: not as exit status 2, nor as a W&B or disk problem the user would chase."""
    monkeypatch.setattr(runner, "run", _failing_run(ValueError("a bug in the suite")))
    with pytest.raises(ValueError, match="a bug in the suite"):
        runner.main(YnatTask(), [])
    monkeypatch.setattr(runner, "run", _failing_run(PermissionError(errno.EACCES, "Permission denied")))
    with pytest.raises(PermissionError):  # not a full or read-only disk
        runner.main(YnatTask(), [])


def test_only_an_integration_that_is_not_installed_becomes_an_arguments_error(monkeypatch):
    args = SimpleNamespace(report_to=["comet_ml"])  # the Trainer below is a stand-in: it reads nothing else

    def trainer_refusing(message: str):
        def build(**kwargs):
            raise RuntimeError(message)

        return build

    monkeypatch.setattr(runner, "KlueTrainer", trainer_refusing("CometCallback requires comet-ml to be installed."))
    with pytest.raises(ArgumentsError, match="^--report_to comet_ml: CometCallback requires comet-ml"):
        runner.build_trainer(args)
    monkeypatch.setattr(runner, "KlueTrainer", trainer_refusing("CUDA error: device-side assert triggered"))
    with pytest.raises(RuntimeError, match="device-side assert"):  # a failure of the run itself: seen whole
        runner.build_trainer(args)


def _batches(features: int, batch: int, drop_last: bool = True, world_size: int = 1) -> None:
    runner.check_training_batches(features, SimpleNamespace(world_size=world_size, dataloader_drop_last=drop_last,
                                                            per_device_train_batch_size=batch))


def test_dropping_the_last_batch_is_refused_only_where_no_whole_batch_is_left():
    _batches(8, 8)  # exactly one whole batch: trains
    _batches(3, 8, drop_last=False)  # one short batch, kept
    with pytest.raises(ArgumentsError, match="7 training features \\(7 per process\\) make no whole batch"):
        _batches(7, 8)
    with pytest.raises(ArgumentsError, match="12 training features \\(6 per process\\)"):
        _batches(12, 8, world_size=2)  # each process's share counts


def test_a_max_seq_length_the_model_takes_exactly_is_not_warned_about(tiny_bert, caplog):
    from transformers import AutoConfig, AutoTokenizer

    tokenizer, config = AutoTokenizer.from_pretrained(tiny_bert), AutoConfig.from_pretrained(tiny_bert)
    with caplog.at_level(logging.WARNING, logger="klue"):
        assert runner.resolve_max_length(DataArguments(max_seq_length=128), tokenizer, YnatTask(), config) == 128
        assert not caplog.records
        assert runner.resolve_max_length(DataArguments(max_seq_length=129), tokenizer, YnatTask(), config) == 128
    assert [record.getMessage() for record in caplog.records] == [
        "max_seq_length 129 is longer than the tokenizer's model_max_length (128); using 128."]


def test_mixed_precision_pads_batches_to_multiples_of_8_unless_told_otherwise(tmp_path):
    def multiple(pad_to_multiple_of=None, **precision):
        args = SimpleNamespace(**{"fp16": False, "bf16": False, **precision})
        return runner.pad_multiple(DataArguments(pad_to_multiple_of=pad_to_multiple_of), args)

    assert (multiple(), multiple(fp16=True), multiple(bf16=True)) == (None, 8, 8)
    assert multiple(pad_to_multiple_of=32, bf16=True) == 32


def _training_arguments(tmp_path, **given) -> KlueTrainingArguments:
    return KlueTrainingArguments(**{"output_dir": str(tmp_path), "report_to": "none", "do_train": True, **given})


def test_auto_cuda_graphs_keep_the_eager_path_under_several_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(KlueTrainingArguments, "world_size", property(lambda self: 2))  # as under torchrun
    data_args, training_args = DataArguments(), _training_arguments(tmp_path)
    assert runner.use_cuda_graphs(NerTask(), data_args, training_args, cuda_available=True) is training_args
    assert data_args.pad_to_multiple_of is None


def test_cuda_graphs_leave_padding_to_max_length_as_it_is(tmp_path):
    data_args, training_args = DataArguments(pad_to_max_length=True), _training_arguments(tmp_path, cuda_graphs="on")
    fast = runner.use_cuda_graphs(NerTask(), data_args, training_args, cuda_available=True)
    assert fast.torch_compile_mode == "reduce-overhead" and data_args.pad_to_multiple_of is None  # one length already


def test_new_token_rows_are_drawn_at_the_models_initializer_range():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=100, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=64, initializer_range=0.5))
    runner.add_embedding_rows(model, 400)
    added = model.get_input_embeddings().weight[100:]
    assert added.shape == (300, 64) and float(added.detach().std()) == pytest.approx(0.5, rel=0.05)
    assert float(added.detach().mean(dim=0).abs().max()) < 0.2  # centred on 0, not on the vocabulary's mean


def test_an_integer_step_count_of_1_is_a_changed_flag_not_a_ratio(tmp_path):
    from transformers import TrainerState
    from transformers.trainer_utils import compare_trainer_and_checkpoint_args

    args = KlueTrainingArguments(output_dir=str(tmp_path), do_train=True, logging_steps=1, report_to="none")
    runner.setup_logging(args)
    warned = []
    handler = logging.Handler()
    handler.emit = lambda record: warned.append(record.getMessage())
    source = logging.getLogger("transformers.trainer_utils")
    source.addHandler(handler)
    try:
        compare_trainer_and_checkpoint_args(args, TrainerState(logging_steps=10, eval_steps=500, save_steps=500,
                                                               train_batch_size=8))
    finally:
        source.removeHandler(handler)
    assert len(warned) == 1 and "logging_steps: 1 (from args) != 10" in warned[0]


def _argv(model, out, *extra: str) -> list[str]:
    return ["--model_name_or_path", str(model), "--output_dir", str(out), *BASE, *extra]


def test_evaluation_scores_the_validation_file_and_prediction_the_test_file(tiny_bert, tmp_path, capsys):
    train = write_json(tmp_path / "train.json", ynat_records(8, seed=1))
    dev = write_json(tmp_path / "dev.json", ynat_records(6, seed=2))
    test = write_json(tmp_path / "test.json", ynat_records(4, seed=3))
    out = tmp_path / "out"
    assert runner.main(YnatTask(), _argv(tiny_bert, out, "--train_file", str(train), "--validation_file", str(dev),
                                         "--test_file", str(test), "--do_train", "--do_eval", "--do_predict",
                                         "--max_steps", "1", "--save_strategy", "no")) == 0
    assert json.loads((out / "eval_results.json").read_text())["eval_samples"] == 6
    assert json.loads((out / "predict_results.json").read_text())["predict_samples"] == 4
    assert len((out / "eval_predictions.jsonl").read_text().splitlines()) == 6
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 4
    log = capsys.readouterr().out  # each split's log line names it
    for split, count in (("train", 8), ("validation", 6), ("test", 4)):
        assert f"{split}: {count} examples in {count} model inputs." in log


def test_uneven_batches_under_several_processes_are_refused_before_anything_loads(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(KlueTrainingArguments, "world_size", property(lambda self: 2))  # as under torchrun
    status = runner.main(YnatTask(), _argv("no/such-model", tmp_path / "out", "--do_eval", "--accelerator_config",
                                           '{"even_batches": false}'))
    assert status == 2
    assert capsys.readouterr().err.strip().startswith(
        "error: --accelerator_config even_batches false: 2 processes must evaluate the same number of batches")


def test_an_evaluation_does_not_open_the_train_file_beside_it(tiny_bert, tmp_path, monkeypatch):
    """Only a training run hashes its train file (to tell a finished or resumable run apart): an evaluation with
    --data_dir must not read, nor fail on, a train file it does not use."""
    from pathlib import Path

    data = tmp_path / "data"
    write_json(data / "ynat-v1.1_dev.json", ynat_records(4))
    train = write_json(data / "ynat-v1.1_train.json", ynat_records(4))
    open_file = Path.open

    def unreadable_train(path, *args, **kwargs):
        if path == train:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return open_file(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", unreadable_train)
    assert runner.main(YnatTask(), _argv(tiny_bert, tmp_path / "out", "--data_dir", str(data), "--do_eval")) == 0


def test_a_checkpoint_named_with_overwrite_output_dir_is_resumed_not_removed(tiny_bert, tmp_path, capsys):
    """--overwrite_output_dir removes the earlier run's checkpoints, but not the one --resume_from_checkpoint names."""
    train = write_json(tmp_path / "train.json", ynat_records(8))
    out = tmp_path / "out"
    argv = _argv(tiny_bert, out, "--train_file", str(train), "--do_train", "--per_device_train_batch_size", "4",
                 "--save_steps", "2")
    assert runner.main(YnatTask(), [*argv, "--max_steps", "2"]) == 0
    capsys.readouterr()
    assert runner.main(YnatTask(), [*argv, "--max_steps", "4", "--overwrite_output_dir", "--resume_from_checkpoint",
                                    str(out / "checkpoint-2")]) == 0
    log = capsys.readouterr().out
    assert "Resumed at global step 2; trained to step 4." in log
    assert "to start over" not in log  # the checkpoint was named: --overwrite_output_dir is no way out


def test_a_training_run_over_an_earlier_one_keeps_its_own_train_results_beside_its_scores(tiny_bert, tmp_path):
    data = write_json(tmp_path / "train.json", ynat_records(8))
    out = tmp_path / "out"
    argv = _argv(tiny_bert, out, "--train_file", str(data), "--validation_file", str(data), "--do_train", "--do_eval",
                 "--max_steps", "1", "--save_strategy", "no")
    assert runner.main(YnatTask(), argv) == 0
    assert runner.main(YnatTask(), [*argv, "--overwrite_output_dir"]) == 0
    assert {"train_loss", "eval_macro_f1"} <= set(json.loads((out / "all_results.json").read_text()))


def test_an_evaluation_replacing_another_models_results_leaves_none_of_them(tiny_bert, tiny_roberta, tmp_path):
    data = write_json(tmp_path / "dev.json", ynat_records(4))
    out = tmp_path / "out"
    assert runner.main(YnatTask(), _argv(tiny_bert, out, "--validation_file", str(data), "--test_file", str(data),
                                         "--do_eval", "--do_predict")) == 0
    other = _argv(tiny_roberta, out, "--validation_file", str(data), "--do_eval")
    assert runner.main(YnatTask(), other) == 2  # the folder says whose results it holds: not this model's
    assert runner.main(YnatTask(), [*other, "--overwrite_output_dir"]) == 0
    assert not (out / "predictions.jsonl").exists() and not (out / "predict_results.json").exists()
    assert not any(name.startswith("predict_") for name in json.loads((out / "all_results.json").read_text()))
    assert json.loads((out / "results_model.json").read_text())["model"] == str(tiny_roberta.resolve())


def test_a_process_other_than_the_main_one_writes_no_file_of_an_evaluation(tiny_bert, tmp_path, monkeypatch):
    from transformers import Trainer

    monkeypatch.setattr(Trainer, "is_world_process_zero", lambda self: False)  # what rank 1 sees
    data = write_json(tmp_path / "dev.json", ynat_records(4))
    out = tmp_path / "out"
    assert runner.main(YnatTask(), _argv(tiny_bert, out, "--validation_file", str(data), "--test_file", str(data),
                                         "--do_eval", "--do_predict")) == 0
    assert not out.exists() or not any(out.iterdir())


def test_a_run_sets_up_compiling_per_length_bucket_at_its_input_length(tiny_bert, tmp_path, monkeypatch):
    """``compile_per_length_bucket`` (tested on its own in test_cuda_graphs.py) decides from the run's flags and
    resolved input length: every run must hand them over, before the model is compiled."""
    calls = []
    monkeypatch.setattr(runner, "compile_per_length_bucket",
                        lambda data_args, training_args, max_length: calls.append(
                            (data_args.pad_to_multiple_of, training_args.torch_compile, max_length)))
    data = write_json(tmp_path / "dev.json", ynat_records(4))
    assert runner.main(YnatTask(), _argv(tiny_bert, tmp_path / "out", "--validation_file", str(data), "--do_eval",
                                         "--pad_to_multiple_of", "16", "--max_seq_length", "64")) == 0
    assert calls == [(16, False, 64)]
