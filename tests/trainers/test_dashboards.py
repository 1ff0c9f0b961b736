"""What a user watches: the dashboards (TensorBoard, W&B) get the final evaluation once, at the evaluated model's
step; the log shows what --log_level asks for."""

from __future__ import annotations

import json
import logging

import pytest

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from transformers import ProgressCallback
from transformers.integrations import TensorBoardCallback

from tests.synthetic import write_json, ynat_records
from trainers import runner
from trainers.run_ynat import YnatTask


def recorded_on_predict(monkeypatch, callback_class: type) -> list[str]:
    """The metric prefixes ``callback_class.on_predict`` is called with (its own still runs)."""
    prefixes: list[str] = []
    own = callback_class.on_predict

    def on_predict(self, args, state, control, metrics=None, **kwargs):
        prefixes.append(next(iter(metrics)).split("_")[0])
        return own(self, args, state, control, metrics=metrics, **kwargs)

    monkeypatch.setattr(callback_class, "on_predict", on_predict)
    return prefixes


def test_the_final_evaluation_of_the_best_checkpoint_is_logged_once_at_its_step(tiny_bert, tmp_path, monkeypatch):
    """With a learning rate of 0 no evaluation beats the first: the model evaluated at the end is step 1's, and its
    numbers go to the dashboards at step 1 and epoch 0.25, not beside step 4's evaluation."""
    reported = recorded_on_predict(monkeypatch, TensorBoardCallback)  # an integration, as W&B's callback is
    progress = recorded_on_predict(monkeypatch, ProgressCallback)
    data = write_json(tmp_path / "train.json", ynat_records(8))
    out = tmp_path / "out"
    # progress bars on (no --disable_tqdm): ProgressCallback closes its bar in on_predict
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(data),
            "--validation_file", str(data), "--test_file", str(data), "--do_train", "--do_eval", "--do_predict",
            "--max_steps", "4", "--per_device_train_batch_size", "2", "--learning_rate", "0", "--eval_strategy",
            "steps", "--eval_steps", "1", "--save_strategy", "steps", "--save_steps", "1", "--load_best_model_at_end",
            "true", "--report_to", "tensorboard", "--use_cpu"]  # fmt: skip
    assert runner.main(YnatTask(), argv) == 0

    state = json.loads((out / "trainer_state.json").read_text())
    assert (state["global_step"], state["best_global_step"]) == (4, 1)
    (events,) = (out / "runs").glob("*")
    board = EventAccumulator(str(events))
    board.Reload()
    macro_f1 = board.Scalars("eval/macro_f1")
    assert [point.step for point in macro_f1] == [1, 2, 3, 4, 1]  # the last point: the final evaluation
    results = json.loads((out / "eval_results.json").read_text())
    assert abs(macro_f1[-1].value - results["eval_macro_f1"]) < 1e-5 and results["epoch"] == 0.25
    assert (board.Scalars("train/epoch")[-1].step, board.Scalars("train/epoch")[-1].value) == (1, 0.25)
    # W&B logs from on_predict: integrations are called for the test split only (the final evaluation is logged
    # once, above); the progress bar, which closes there, for both
    assert (reported, progress) == (["predict"], ["eval", "predict"])


@pytest.mark.parametrize(("log_level", "expected"), [("passive", logging.INFO), ("error", logging.ERROR),
                                                     ("debug", logging.DEBUG)])
def test_the_suites_own_log_lines_follow_log_level(log_level, expected, tmp_path):
    """By default (passive) the suite's progress lines show; --log_level error silences them as it does the
    Trainer's."""
    import transformers

    from args import KlueTrainingArguments

    loggers = [logging.getLogger(name) for name in ("klue", "klue_data")]
    before = [found.level for found in loggers], transformers.utils.logging.get_verbosity()
    try:
        runner.setup_logging(KlueTrainingArguments(output_dir=str(tmp_path), log_level=log_level))
        assert [found.level for found in loggers] == [expected, expected]
    finally:  # the levels other tests in this process start from
        for found, level in zip(loggers, before[0]):
            found.setLevel(level)
        transformers.utils.logging.set_verbosity(before[1])
