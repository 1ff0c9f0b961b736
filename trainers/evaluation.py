"""A split's decoding, scoring and files: ``SplitScorer`` turns the model's outputs into the task's predictions
and official metrics (for in-training and final evaluation alike); ``evaluate_split`` and ``predict_split`` run
the final evaluation and the prediction and write their predictions, breakdown and results."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from transformers import EvalPrediction, Trainer

from args import KlueTrainingArguments
from trainers.outputs import save_results, write_json, write_jsonl
from trainers.run_folder import clear_split_outputs
from trainers.task import Scored, Task

logger = logging.getLogger("klue")


class SplitScorer:
    """One split's decoding and scoring: model outputs over its features → the task's predictions
    over its examples → official metrics.

    Registered with the Trainer for labelled splits (in-training and final evaluation score the
    same way). Keeps its last decoding, so the final evaluation writes its predictions and
    breakdown without decoding or scoring twice (MRC post-processing is the costly part).
    """

    def __init__(self, task: Task, examples: datasets.Dataset, features: datasets.Dataset) -> None:
        self.task, self.examples, self.features = task, examples, features
        self.references = task.references(examples)
        self._last: tuple[Any, Any, Scored | None] | None = None  # (model outputs, decoded, scored)

    def __call__(self, prediction: EvalPrediction) -> dict[str, float]:
        decoded = self._decode(prediction.predictions)
        scored = self.task.score(decoded, self.references, self.examples)
        self._last = (prediction.predictions, decoded, scored)
        return scored.scores

    def outputs(self, predictions: Any) -> tuple[Any, dict[str, Any] | None]:
        """The decoded predictions and the breakdown (None when unlabelled) for these model outputs."""
        if self._last is not None and self._last[0] is predictions:
            _, decoded, scored = self._last
            return decoded, scored.breakdown if scored else None
        return self._decode(predictions), None

    def _decode(self, predictions: Any) -> Any:
        rows = nan_rows(predictions)
        if rows:  # an argmax over NaN is the first class: predictions that look like answers
            logger.warning(
                "%d of %d model output rows hold NaN (an fp16 overflow, e.g. --fp16_full_eval? a diverged model?): "
                "their predictions are arbitrary and their scores meaningless", rows, len(self.features))
        return self.task.decode(self.examples, self.features, predictions)


def nan_rows(predictions: Any) -> int:
    """How many rows (features) of the model's float outputs hold a NaN: the most over its arrays."""
    if isinstance(predictions, (tuple, list)):
        return max((nan_rows(array) for array in predictions), default=0)
    if isinstance(predictions, np.ndarray) and predictions.dtype.kind == "f" and predictions.ndim and len(predictions):
        return int(np.isnan(predictions.reshape(len(predictions), -1)).any(axis=1).sum())
    return 0


def evaluate_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    """Final evaluation: official metrics, a breakdown file and the eval predictions for error analysis."""
    if trainer.is_world_process_zero():
        clear_split_outputs(output_dir, "eval")
    output = trainer.predict(scorer.features, metric_key_prefix="eval")
    eval_metrics = dict(output.metrics, eval_samples=len(scorer.examples))
    if trainer.state.global_step > 0:  # trained (or restored_finished_state): the epoch the evaluated model reached
        eval_metrics["epoch"] = evaluated_epoch(trainer.state, trainer.args)
    # Dashboards (TensorBoard, W&B) see the final numbers too, at the evaluated model's step: where
    # --load_best_model_at_end loaded an earlier checkpoint, not beside the last step's own evaluation.
    # A copy: Trainer.log writes "epoch" (0 when this process did not train) into the dict it is given.
    with stamped_as_evaluated_model(trainer.state, trainer.args):
        trainer.log(dict(eval_metrics))
    trainer.log_metrics("eval", eval_metrics)
    decoded, breakdown = scorer.outputs(output.predictions)
    if trainer.is_world_process_zero():  # the results last: they say the split's files are all written
        if breakdown:
            write_json(output_dir / "eval_breakdown.json", breakdown)
        write_predictions(output_dir / "eval_predictions.jsonl", scorer.task, scorer.examples, decoded)
        save_results(output_dir, "eval", eval_metrics)
    return eval_metrics


def predict_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    if trainer.is_world_process_zero():
        clear_split_outputs(output_dir, "predict")
    output = trainer.predict(scorer.features, metric_key_prefix="predict")
    predict_metrics = dict(output.metrics, predict_samples=len(scorer.examples))
    if scorer.references is None:
        # Unlabelled test data still gives a loss where a task fills in labels (MRC windows "no answer", WoS
        # turns "empty state"): a loss against labels the file does not have is no result.
        predict_metrics.pop("predict_loss", None)
    trainer.log_metrics("predict", predict_metrics)
    decoded, _ = scorer.outputs(output.predictions)
    if trainer.is_world_process_zero():
        path = output_dir / "predictions.jsonl"
        count = write_predictions(path, scorer.task, scorer.examples, decoded)
        scorer.task.write_extra_predictions(output_dir, scorer.examples, decoded, "predict")
        save_results(output_dir, "predict", predict_metrics)  # last, as for eval
        logger.info("Wrote %d predictions to %s", count, path)
    return predict_metrics


def write_predictions(path: Path, task: Task, examples: datasets.Dataset, decoded: Sequence[Any]) -> int:
    records: Iterable[dict[str, Any]] = (
        task.prediction_record(example, prediction) for example, prediction in zip(examples, decoded, strict=True)
    )
    return write_jsonl(path, records)


@contextlib.contextmanager
def stamped_as_evaluated_model(state: Any, args: KlueTrainingArguments) -> Iterator[None]:
    """``Trainer.log`` stamps a log (and the dashboards its points) with the state's step and epoch: while the final
    evaluation is logged, they are the evaluated model's (``evaluated_epoch``)."""
    saved = state.global_step, state.epoch
    if state.global_step > 0 and args.load_best_model_at_end and state.best_global_step:
        state.global_step, state.epoch = state.best_global_step, evaluated_epoch(state, args)
    try:
        yield
    finally:
        state.global_step, state.epoch = saved


def evaluated_epoch(state: Any, args: KlueTrainingArguments) -> float | None:
    """The epoch of the model a final evaluation scores: the best checkpoint's where --load_best_model_at_end
    loaded it at the end of training, else the last."""
    if args.load_best_model_at_end and state.best_global_step:
        for entry in state.log_history:
            if entry.get("step") == state.best_global_step and "epoch" in entry:
                return entry["epoch"]
    return state.epoch
