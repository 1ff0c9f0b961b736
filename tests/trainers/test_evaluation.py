"""A split's decoding, scoring and files (trainers/evaluation.py), on a stand-in task and trainer: a task whose
examples each span features (as MRC questions span windows), so that counts of examples and of features differ."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import datasets
import numpy as np
import pytest
from transformers import EvalPrediction, TrainerState
from transformers.trainer_utils import PredictionOutput

from trainers.evaluation import (SplitScorer, evaluate_split, evaluated_epoch, nan_rows, predict_split,
                                 stamped_as_evaluated_model, write_predictions)
from trainers.task import Scored


class TwoWindowTask:
    """Each example has two features (windows); its prediction is the class with the highest summed logit."""

    name = "windows"

    def __init__(self) -> None:
        self.decoded = 0  # how many times model outputs were decoded

    def references(self, examples):
        labels = examples["label"]
        return None if any(label is None for label in labels) else list(labels)

    def decode(self, examples, features, predictions):
        self.decoded += 1
        summed = np.zeros((len(examples), predictions.shape[1]))
        np.add.at(summed, features["example"], predictions)
        return summed.argmax(axis=1).tolist()

    def score(self, decoded, references, examples):
        right = [int(p == r) for p, r in zip(decoded, references, strict=True)]
        return Scored({"accuracy": float(np.mean(right))}, breakdown={"right": right})

    def prediction_record(self, example, prediction):
        return {"guid": example["guid"], "prediction": prediction}

    def write_extra_predictions(self, output_dir, examples, decoded, split):
        pass


def split(labels: list[int | None]) -> tuple[TwoWindowTask, datasets.Dataset, datasets.Dataset]:
    examples = datasets.Dataset.from_dict({"guid": [f"g{i}" for i in range(len(labels))], "label": labels})
    features = datasets.Dataset.from_dict({"example": [i for i in range(len(labels)) for _ in range(2)]})
    return TwoWindowTask(), examples, features


# Logits of 3 examples x 2 windows: example 0 -> class 1, example 1 -> class 0, example 2 -> class 1
LOGITS = np.array([[0.0, 1.0], [0.0, 0.5], [2.0, 0.0], [1.0, 0.0], [0.0, 3.0], [0.5, 0.0]])
BEST_LOADED = SimpleNamespace(load_best_model_at_end=True)  # --load_best_model_at_end
LAST_KEPT = SimpleNamespace(load_best_model_at_end=False)


class StandInTrainer:
    """What evaluate_split and predict_split use of a Trainer: one process that predicts ``LOGITS`` and scores
    them with the scorer registered for the prefix, as KlueTrainer.evaluation_loop does."""

    def __init__(self, scorers: dict[str, SplitScorer], *, global_step: int = 0) -> None:
        self.scorers = scorers
        self.state = TrainerState(global_step=global_step, epoch=global_step / 4)  # epoch 0: untrained
        self.args = LAST_KEPT
        self.logged: list[dict] = []

    def is_world_process_zero(self) -> bool:
        return True

    def predict(self, features, metric_key_prefix):
        predictions = LOGITS.copy()
        metrics = {f"{metric_key_prefix}_loss": 0.5}
        scorer = self.scorers.get(metric_key_prefix)
        if scorer is not None:
            scores = scorer(EvalPrediction(predictions=predictions, label_ids=None))
            metrics.update({f"{metric_key_prefix}_{key}": value for key, value in scores.items()})
        return PredictionOutput(predictions=predictions, label_ids=None, metrics=metrics)

    def log(self, logs: dict) -> None:
        if self.state.epoch is not None:  # as Trainer.log does, into the dict it is given
            logs["epoch"] = self.state.epoch
        self.logged.append(logs)

    def log_metrics(self, split: str, metrics: dict) -> None:
        pass


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_final_evaluation_writes_the_decoding_it_scored_without_decoding_again():
    task, examples, features = split([1, 0, 0])
    scorer = SplitScorer(task, examples, features)
    assert scorer(EvalPrediction(predictions=LOGITS, label_ids=None)) == {"accuracy": 2 / 3}
    assert scorer.outputs(LOGITS) == ([1, 0, 1], {"right": [1, 1, 0]}) and task.decoded == 1
    # other outputs (not the ones scored last): decoded afresh, with no breakdown of the earlier ones
    assert scorer.outputs(-LOGITS) == ([0, 1, 0], None) and task.decoded == 2


def test_evaluate_split_counts_examples_not_features_and_writes_one_prediction_per_example(tmp_path):
    task, examples, features = split([1, 0, 0])
    scorer = SplitScorer(task, examples, features)
    metrics = evaluate_split(StandInTrainer({"eval": scorer}), scorer, tmp_path)
    # no epoch: this model was not trained here (Trainer.log stamps the dict it is given with epoch 0)
    assert metrics == {"eval_loss": 0.5, "eval_accuracy": 2 / 3, "eval_samples": 3}
    assert json.loads((tmp_path / "eval_results.json").read_text()) == metrics
    assert json.loads((tmp_path / "eval_breakdown.json").read_text()) == {"right": [1, 1, 0]}
    assert read_jsonl(tmp_path / "eval_predictions.jsonl") == [{"guid": "g0", "prediction": 1},
                                                                {"guid": "g1", "prediction": 0},
                                                                {"guid": "g2", "prediction": 1}]


def test_evaluating_a_trained_model_reports_and_logs_the_epoch_it_reached(tmp_path):
    task, examples, features = split([1, 0, 0])
    scorer = SplitScorer(task, examples, features)
    trainer = StandInTrainer({"eval": scorer}, global_step=4)
    metrics = evaluate_split(trainer, scorer, tmp_path)
    assert metrics["epoch"] == 1.0 and trainer.logged == [metrics]


def test_predicting_unlabelled_examples_reports_no_loss_and_counts_examples(tmp_path):
    task, examples, features = split([None, None, None])
    scorer = SplitScorer(task, examples, features)
    metrics = predict_split(StandInTrainer({}), scorer, tmp_path)
    assert metrics == {"predict_samples": 3}
    assert [line["prediction"] for line in read_jsonl(tmp_path / "predictions.jsonl")] == [1, 0, 1]


def test_predicting_labelled_examples_keeps_their_loss_and_scores(tmp_path):
    task, examples, features = split([1, 1, 1])
    scorer = SplitScorer(task, examples, features)
    metrics = predict_split(StandInTrainer({"predict": scorer}), scorer, tmp_path)
    assert metrics == {"predict_loss": 0.5, "predict_accuracy": 2 / 3, "predict_samples": 3}


def test_fewer_predictions_than_examples_is_an_error_not_a_shorter_file(tmp_path):
    _, examples, _ = split([1, 0, 0])
    with pytest.raises(ValueError):
        write_predictions(tmp_path / "p.jsonl", TwoWindowTask(), examples, [1, 0])


@pytest.mark.parametrize(("outputs", "expected"), [
    (np.array([[0.0, np.nan, 1.0], [1.0, 2.0, 3.0]]), 1),  # one NaN in a row is enough
    (np.array([[[np.nan, 0.0]], [[0.0, 0.0]], [[0.0, np.nan]]]), 2),  # rows of any shape
    ((np.array([[np.nan], [0.0], [0.0]]), np.array([[np.nan], [np.nan], [0.0]])), 2),  # the most over the arrays
    (np.array([[1, 2], [3, 4]]), 0),  # integers (an argmax kept by reduce_logits) hold no NaN
])
def test_nan_rows_counts_the_feature_rows_that_hold_a_nan(outputs, expected):
    assert nan_rows(outputs) == expected


def test_a_nan_output_is_warned_with_its_count_of_rows(caplog):
    task, examples, features = split([1, 0, 0])
    logits = LOGITS.copy()
    logits[4, 1] = np.nan
    with caplog.at_level(logging.WARNING, logger="klue"):
        SplitScorer(task, examples, features)(EvalPrediction(predictions=logits, label_ids=None))
    assert "1 of 6 model output rows hold NaN" in caplog.text


def _trained_state(best_global_step: int | None) -> TrainerState:
    """8 steps, 4 an epoch, evaluated every 2 steps."""
    state = TrainerState(global_step=8, epoch=2.0, best_global_step=best_global_step)
    state.log_history = [{"loss": 1.0, "step": step, "epoch": step / 4} for step in (2, 4, 6, 8)]
    return state


def test_the_evaluated_model_is_the_best_checkpoint_only_where_it_was_loaded_at_the_end():
    assert evaluated_epoch(_trained_state(2), BEST_LOADED) == 0.5
    assert evaluated_epoch(_trained_state(2), LAST_KEPT) == 2.0  # a best step recorded, but the last model kept
    assert evaluated_epoch(_trained_state(None), BEST_LOADED) == 2.0
    state = _trained_state(2)
    with stamped_as_evaluated_model(state, LAST_KEPT):
        assert (state.global_step, state.epoch) == (8, 2.0)


def test_the_final_evaluation_is_logged_at_the_best_step_and_the_state_is_restored_after():
    state = _trained_state(6)
    with stamped_as_evaluated_model(state, BEST_LOADED):
        assert (state.global_step, state.epoch) == (6, 1.5)
    assert (state.global_step, state.epoch) == (8, 2.0)
    with pytest.raises(KeyboardInterrupt), stamped_as_evaluated_model(state, BEST_LOADED):
        raise KeyboardInterrupt  # a stop while the evaluation is logged
    assert (state.global_step, state.epoch) == (8, 2.0)
