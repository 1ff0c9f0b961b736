"""One entry point per task: ``score_task`` for scored predictions, and the Trainer glue.

``score_task`` maps a task name to its official metrics, keyed as in ``TASK_METRIC_KEYS``.
``build_compute_metrics`` returns the ``compute_metrics`` callable a ``transformers.Trainer``
expects. Nothing here imports transformers: ``EvalPrediction`` is duck-typed
(``.predictions`` and ``.label_ids``). What each task scores and how lives in the task table,
``metrics.tasks``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metrics.tasks import TASKS, metric_task

TASK_METRIC_KEYS: dict[str, tuple[str, ...]] = {name: task.metric_keys for name, task in TASKS.items()}


def score_task(task: str, predictions: Any, references: Any) -> dict[str, float]:
    """The official metrics of ``task`` (0-100 floats), keyed as in ``TASK_METRIC_KEYS[task]``.

    Units per task:

    - ``ynat``, ``nli``: class ids on both sides.
    - ``sts``: float scores on both sides.
    - ``ner``: per-sentence lists of character tag strings on both sides.
    - ``re``: ``predictions`` an ``(n, 30)`` probability array (``micro_f1`` scores its
      argmax), ``references`` relation ids.
    - ``dp``: ``(heads_per_sentence, labels_per_sentence)`` on both sides.
    - ``mrc``: predicted answer strings; lists of gold answer strings (empty = unanswerable).
    - ``wos``: per-turn lists of ``domain-slot-value`` strings on both sides.
    """
    return metric_task(task).score(predictions, references)


def build_compute_metrics(
    task: str, postprocess: Callable[[Any], tuple[Any, Any]] | None = None
) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics(eval_prediction) -> {key: float}`` for ``transformers.Trainer``.

    Without ``postprocess``: ynat/nli take logits and score their argmax; sts takes ``(n,)``
    or ``(n, 1)`` outputs and scores them raw, unclipped, as KLUE-baseline does; re takes
    ``(n, 30)`` logits and scores their softmax. ``eval_prediction.predictions`` may be a tuple
    whose first item is the logits; arrays concatenated by ``eval_accumulation_steps`` are just
    longer arrays.

    With ``postprocess`` (required for ner, dp, mrc and wos, whose outputs must first be
    turned back into characters, words, answers or states):
    ``postprocess(eval_prediction) -> (predictions, references)`` in the ``score_task``
    unit, which are then scored. Keys carry no ``eval_`` prefix; the Trainer adds it.
    """
    spec = metric_task(task)
    if postprocess is None and spec.postprocess is None:
        raise ValueError(
            f"postprocess: required for task {task!r}; expected a callable "
            "eval_prediction -> (predictions, references) in the score_task unit"
        )
    if postprocess is not None and not callable(postprocess):
        raise ValueError(f"postprocess: expected a callable, got {type(postprocess).__name__}")
    to_scored_units = postprocess if postprocess is not None else spec.postprocess
    score = spec.score

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        predictions, references = to_scored_units(eval_prediction)
        return {key: float(value) for key, value in score(predictions, references).items()}

    compute_metrics.__name__ = f"compute_{task}_metrics"
    compute_metrics.__qualname__ = compute_metrics.__name__
    return compute_metrics
