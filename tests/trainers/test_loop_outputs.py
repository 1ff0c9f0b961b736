"""What a run leaves in output_dir across reruns, and selection flags checked before training."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.synthetic import write_json, ynat_records
from trainers.run_ynat import YnatTask
from trainers.runner import main


def _argv(tiny_bert, tmp_path, out, *extra):
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    dev = write_json(tmp_path / "dev.json", ynat_records(8, seed=4))
    return ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--validation_file", str(dev), "--per_device_train_batch_size", "4", "--save_strategy", "no",
            "--report_to", "none", "--use_cpu", "--disable_tqdm", "true", *extra]


def test_evaluating_a_finished_run_keeps_the_epoch_its_model_reached(tiny_bert, tmp_path):
    out = tmp_path / "out"
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--do_eval", "--max_steps", "6")
    assert main(YnatTask(), argv) == 0
    trained_epoch = json.loads((out / "train_results.json").read_text())["epoch"]
    assert main(YnatTask(), argv) == 0  # finished run: evaluates the saved model, trains nothing
    assert json.loads((out / "all_results.json").read_text())["epoch"] == trained_epoch
    assert json.loads((out / "eval_results.json").read_text()).get("epoch", trained_epoch) == trained_epoch


def test_the_final_evaluation_reports_the_epoch_of_the_best_checkpoint_it_scores(tiny_bert, tmp_path):
    """--load_best_model_at_end: the evaluated model is the best checkpoint's, not the last step's."""
    out = tmp_path / "out"
    # A learning rate of 0: every evaluation ties the first, which stays the best (only a better one replaces it)
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--do_eval", "--max_steps", "8", "--learning_rate", "0",
                 "--eval_strategy", "steps", "--eval_steps", "2", "--save_strategy", "steps", "--save_steps", "2",
                 "--load_best_model_at_end")
    assert main(YnatTask(), argv) == 0
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["best_global_step"] == 2 and state["epoch"] == 2.0
    assert json.loads((out / "eval_results.json").read_text())["epoch"] == 0.5  # step 2 of 4 per epoch
    assert main(YnatTask(), argv) == 0  # a rerun of the finished run evaluates the same model at the same epoch
    assert json.loads((out / "eval_results.json").read_text())["epoch"] == 0.5


def test_training_again_leaves_no_results_of_the_earlier_model(tiny_bert, tmp_path):
    out = tmp_path / "out"
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_train", "--do_eval", "--do_predict",
                                  "--max_steps", "2")) == 0
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_train", "--overwrite_output_dir",
                                  "--max_steps", "2")) == 0
    merged = json.loads((out / "all_results.json").read_text())
    assert not any(key.startswith(("eval_", "predict_")) for key in merged)
    assert not (out / "eval_results.json").exists() and not (out / "predictions.jsonl").exists()


def test_evaluating_another_model_into_a_folder_of_results_is_refused_unless_overwritten(tiny_bert, tmp_path,
                                                                                       capsys):
    """Its eval results were merged with the first model's in all_results.json, beside that model's predictions."""
    other = tmp_path / "other-model"
    shutil.copytree(tiny_bert, other)
    out = tmp_path / "out"
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_eval")) == 0
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_predict")) == 0  # the same model: merged
    assert {"eval_macro_f1", "predict_macro_f1"} <= set(json.loads((out / "all_results.json").read_text()))
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    capsys.readouterr()

    assert main(YnatTask(), _argv(other, tmp_path, out, "--do_eval")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {out} holds the results of another model ({tiny_bert.resolve()}): for {other} pass another "
                   "--output_dir, or --overwrite_output_dir to replace them"]
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before

    assert main(YnatTask(), _argv(other, tmp_path, out, "--do_eval", "--overwrite_output_dir")) == 0
    assert not (out / "predictions.jsonl").exists()
    assert not any(key.startswith("predict_") for key in json.loads((out / "all_results.json").read_text()))
    assert json.loads((out / "results_model.json").read_text()) == {"model": str(other.resolve())}


def test_predicting_a_split_again_replaces_its_results_and_files_not_merges_into_them(tiny_bert, tmp_path):
    """The same model predicts the labelled dev file, then the same texts without labels: the first run's
    scores must not stay in all_results.json as if they were the second's."""
    out = tmp_path / "out"
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_predict")) == 0  # the dev file: labelled
    assert "predict_macro_f1" in json.loads((out / "all_results.json").read_text())
    unlabelled = write_json(tmp_path / "test.json", [{**row, "label": None} for row in ynat_records(8, seed=4)])
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_predict", "--test_file", str(unlabelled),
                                  "--max_predict_samples", "5")) == 0  # fmt: skip
    merged = json.loads((out / "all_results.json").read_text())
    assert merged["predict_samples"] == 5 and "predict_macro_f1" not in merged and "predict_loss" not in merged
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 5


def test_a_stop_while_the_predictions_are_written_leaves_no_results_beside_old_predictions(tiny_bert, tmp_path,
                                                                                          monkeypatch):
    import trainers.evaluation
    import trainers.runner as runner

    out = tmp_path / "out"
    assert main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_eval")) == 0

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainers.evaluation, "write_predictions", stopped)
    # the interrupt handler restores SIGINT's default and sends it to itself: not in the test process
    monkeypatch.setattr(runner.signal, "signal", lambda *args: None)
    monkeypatch.setattr(runner.os, "kill", lambda *args: None)
    with pytest.raises(KeyboardInterrupt):
        main(YnatTask(), _argv(tiny_bert, tmp_path, out, "--do_eval", "--max_eval_samples", "3"))
    # no results of the stopped evaluation, and none of the earlier one beside what is left
    assert not (out / "eval_results.json").exists() and not (out / "eval_predictions.jsonl").exists()
    assert not any(key.startswith("eval_") for key in json.loads((out / "all_results.json").read_text()))


def test_a_predictions_csv_path_that_is_a_file_of_the_run_or_its_data_is_refused(tiny_bert, tmp_path, capsys):
    from tests.synthetic import sts_records
    from trainers.run_sts import StsTask

    out = tmp_path / "out"
    test = write_json(tmp_path / "test.json", sts_records(3))
    base = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--test_file", str(test),
            "--do_predict", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]
    assert main(StsTask(), [*base, "--predictions_csv", str(out / "predictions.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == (f"error: --predictions_csv {out / 'predictions.jsonl'}: is the run's "
                                               "own predictions.jsonl; give another path (or no path, for "
                                               "OUTPUT_DIR/predictions.csv)")
    assert main(StsTask(), [*base, "--predictions_csv", str(tmp_path / "." / "test.json")]) == 2
    assert "is the --test_file file" in capsys.readouterr().err
    assert json.loads(test.read_text()) == sts_records(3) and not out.exists()


@pytest.mark.parametrize(("flags", "expected"), [
    (["--metric_for_best_model", "f1"], "--metric_for_best_model f1: ynat evaluation reports loss, macro_f1"),
    (["--eval_strategy", "no"], "Evaluation strategy: IntervalStrategy.NO; Save strategy: SaveStrategy.STEPS"),
])
def test_selection_flags_that_cannot_work_are_one_line_before_training(flags, expected, tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--max_steps", "4", "--eval_strategy", "steps",
                 "--eval_steps", "2", "--load_best_model_at_end")
    argv[argv.index("--save_strategy") + 1] = "steps"
    assert main(YnatTask(), [*argv, "--save_steps", "2", *flags]) == 2
    assert expected in capsys.readouterr().err
    assert not (out / "checkpoint-2").exists()  # nothing trained


def test_a_selection_metric_with_an_official_prefix_but_never_reported_is_one_line(tiny_bert, tmp_path, capsys):
    """``macro_f1_x`` passes the check before training (per-class extras carry the official key as a
    prefix, and only the evaluation knows which exist); the first evaluation then names what it reported."""
    out = tmp_path / "out"
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--max_steps", "4", "--eval_strategy", "steps",
                 "--eval_steps", "2", "--load_best_model_at_end", "--metric_for_best_model", "macro_f1_x")
    argv[argv.index("--save_strategy") + 1] = "steps"
    assert main(YnatTask(), [*argv, "--save_steps", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: --metric_for_best_model macro_f1_x: the evaluation reported no eval_macro_f1_x")
    assert "macro_f1" in err[-1] and "Traceback" not in "\n".join(err)


def test_dataloader_drop_last_drops_short_training_batches_only(tiny_bert, tmp_path):
    """16 training examples in batches of 3: 5 steps an epoch, the short one dropped. The 8 dev
    examples in batches of 3 are all scored and predicted (the stock Trainer dropped the last 2 and
    decoding then stopped on 6 outputs for 8 examples)."""
    out = tmp_path / "out"
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--do_eval", "--do_predict", "--num_train_epochs", "1",
                 "--dataloader_drop_last", "true", "--per_device_train_batch_size", "3",
                 "--per_device_eval_batch_size", "3")
    assert main(YnatTask(), argv) == 0
    results = json.loads((out / "all_results.json").read_text())
    assert results["eval_samples"] == 8 and len((out / "predictions.jsonl").read_text().splitlines()) == 8
    assert json.loads((out / "trainer_state.json").read_text())["global_step"] == 5


def test_dataloader_in_order_false_leaves_evaluation_in_order(tiny_bert, tmp_path, monkeypatch):
    """With workers, ``in_order=False`` hands batches over as they finish; decoding maps outputs to
    examples by position, so evaluation and prediction always load in order (it paired predictions
    with the wrong examples). Training keeps the flag."""
    import torch
    import transformers.trainer

    built = []

    class RecordingLoader(torch.utils.data.DataLoader):
        def __init__(self, *args, **kwargs):
            built.append(kwargs.get("in_order", True))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(transformers.trainer, "DataLoader", RecordingLoader)
    out = tmp_path / "out"
    argv = _argv(tiny_bert, tmp_path, out, "--do_train", "--do_eval", "--do_predict", "--max_steps", "2",
                 "--dataloader_in_order", "false")
    assert main(YnatTask(), argv) == 0
    assert built == [False, True, True]  # train, eval, predict


def test_evaluation_in_worker_processes_predicts_what_the_main_process_does(tiny_bert, tmp_path):
    """Two loader workers, persistent, told they may hand batches over out of order: the same predictions
    and scores as loading in the main process (batches of 1: the most chances to finish out of order)."""
    outputs = []
    for name, flags in (("main", []), ("workers", ["--dataloader_num_workers", "2", "--dataloader_in_order", "false",
                                                   "--dataloader_persistent_workers", "true"])):
        out = tmp_path / name
        argv = _argv(tiny_bert, tmp_path, out, "--do_eval", "--per_device_eval_batch_size", "1", *flags)
        assert main(YnatTask(), argv) == 0
        results = json.loads((out / "eval_results.json").read_text())
        outputs.append(((out / "eval_predictions.jsonl").read_text(), results["eval_macro_f1"]))
    assert outputs[1] == outputs[0]


def test_nan_model_outputs_are_warned_not_read_as_the_first_class(tiny_bert, tmp_path, capsys):
    """An argmax over NaN is class 0: a model whose outputs overflow (fp16) gave plausible-looking predictions."""

    class NanYnat(YnatTask):
        def build_model(self, model_args, config):
            model = super().build_model(model_args, config)

            def first_row_nan(module, inputs, output):
                output = output.clone()
                output[0] = float("nan")
                return output

            model.classifier.register_forward_hook(first_row_nan)
            return model

    dev = write_json(tmp_path / "dev.json", ynat_records(8, seed=2))
    assert main(NanYnat(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"),
                            "--validation_file", str(dev), "--do_eval", "--per_device_eval_batch_size", "4",
                            "--report_to", "none", "--use_cpu"]) == 0
    assert "2 of 8 model output rows hold NaN" in capsys.readouterr().out  # the first row of each batch

