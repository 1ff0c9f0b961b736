"""One entry point per task: ``score_task`` for scored predictions, and the Trainer glue.

``score_task`` maps a task name to its official metrics, keyed as in ``TASK_METRIC_KEYS``.
``build_compute_metrics`` returns the ``compute_metrics`` callable a ``transformers.Trainer``
expects. Nothing here imports transformers: ``EvalPrediction`` is duck-typed
(``.predictions`` and ``.label_ids``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from metrics.classification import nli_accuracy, sts_f1, sts_pearsonr, ynat_macro_f1
from metrics.dp import dp_las, dp_uas
from metrics.mrc import mrc_exact_match, mrc_rouge_w
from metrics.ner import ner_char_f1, ner_entity_f1
from metrics.relation import N_RELATIONS, re_auprc, re_micro_f1
from metrics.wos import wos_jga, wos_slot_f1

TASK_METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "ynat": ("macro_f1",),
    "nli": ("accuracy",),
    "sts": ("pearsonr", "f1"),
    "ner": ("entity_f1", "char_f1"),
    "re": ("micro_f1", "auprc"),
    "dp": ("uas", "las"),
    "mrc": ("exact_match", "rouge_w"),
    "wos": ("jga", "slot_f1"),
}

# Tasks whose model outputs are not yet in the unit the metric scores (characters, words,
# answer strings, dialogue states): their compute_metrics needs the task's postprocess.
POSTPROCESS_REQUIRED = frozenset({"ner", "dp", "mrc", "wos"})

# KLUE-STS gold scores lie in [0, 5]; a regression head can overshoot, so its outputs are
# clipped to that range before scoring. (KLUE-baseline scores the raw outputs; clipping can
# move Pearson r slightly, never the F1, whose threshold 3.0 lies inside the range.)
STS_SCORE_RANGE = (0.0, 5.0)


def _check_task(task: str) -> str:
    if task not in TASK_METRIC_KEYS:
        raise ValueError(f"task: unknown task {task!r}; expected one of {', '.join(TASK_METRIC_KEYS)}")
    return task


def _pair(value: Any, name: str) -> tuple[Any, Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name}: expected a (heads_per_sentence, labels_per_sentence) pair")
    return value[0], value[1]


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
    task = _check_task(task)
    if task == "ynat":
        return {"macro_f1": ynat_macro_f1(predictions, references)}
    if task == "nli":
        return {"accuracy": nli_accuracy(predictions, references)}
    if task == "sts":
        return {"pearsonr": sts_pearsonr(predictions, references), "f1": sts_f1(predictions, references)}
    if task == "ner":
        return {"entity_f1": ner_entity_f1(predictions, references), "char_f1": ner_char_f1(predictions, references)}
    if task == "re":
        probabilities = np.asarray(predictions, dtype=np.float64)
        if probabilities.ndim != 2 or probabilities.shape[1] != N_RELATIONS:
            raise ValueError(
                f"predictions: expected an (n, {N_RELATIONS}) array of relation probabilities, "
                f"got shape {probabilities.shape}"
            )
        return {
            "micro_f1": re_micro_f1(np.argmax(probabilities, axis=1), references),
            "auprc": re_auprc(probabilities, references),
        }
    if task == "dp":
        pred_heads, pred_labels = _pair(predictions, "predictions")
        gold_heads, gold_labels = _pair(references, "references")
        return {
            "uas": dp_uas(pred_heads, gold_heads),
            "las": dp_las(pred_heads, pred_labels, gold_heads, gold_labels),
        }
    if task == "mrc":
        return {
            "exact_match": mrc_exact_match(predictions, references),
            "rouge_w": mrc_rouge_w(predictions, references),
        }
    return {"jga": wos_jga(predictions, references), "slot_f1": wos_slot_f1(predictions, references)}


def _first(value: Any) -> Any:
    """Models may return a tuple (logits, hidden states, ...): the logits come first."""
    while isinstance(value, tuple) and len(value) > 0:
        value = value[0]
    return value


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _default_postprocess(task: str, eval_prediction: Any) -> tuple[Any, Any]:
    """Model outputs to the ``score_task`` unit for the tasks that need no task knowledge."""
    outputs = np.asarray(_first(eval_prediction.predictions))
    labels = np.asarray(_first(eval_prediction.label_ids))
    if task in ("ynat", "nli"):
        # Logits (n, k) -> ids; 1-D outputs are taken as ids already (e.g. reduced by
        # preprocess_logits_for_metrics to save memory).
        predictions = outputs.argmax(axis=-1) if outputs.ndim == 2 else outputs
        return predictions, labels
    if task == "sts":
        scores = outputs.astype(np.float64)
        if scores.ndim == 2 and scores.shape[1] == 1:
            scores = scores[:, 0]
        return np.clip(scores, *STS_SCORE_RANGE), labels
    # re: the official code scores softmax probabilities (and their argmax).
    if outputs.ndim != 2 or outputs.shape[1] != N_RELATIONS:
        raise ValueError(
            f"predictions: expected (n, {N_RELATIONS}) relation logits, got shape {outputs.shape}"
        )
    return _softmax(outputs.astype(np.float64)), labels


def build_compute_metrics(
    task: str, postprocess: Callable[[Any], tuple[Any, Any]] | None = None
) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics(eval_prediction) -> {key: float}`` for ``transformers.Trainer``.

    Without ``postprocess``: ynat/nli take logits and score their argmax; sts takes ``(n,)``
    or ``(n, 1)`` outputs, clipped to [0, 5]; re takes ``(n, 30)`` logits and scores their
    softmax. ``eval_prediction.predictions`` may be a tuple whose first item is the logits;
    arrays concatenated by ``eval_accumulation_steps`` are just longer arrays.

    With ``postprocess`` (required for ner, dp, mrc and wos, whose outputs must first be
    turned back into characters, words, answers or states):
    ``postprocess(eval_prediction) -> (predictions, references)`` in the ``score_task``
    unit, which are then scored. Keys carry no ``eval_`` prefix; the Trainer adds it.
    """
    task = _check_task(task)
    if postprocess is None and task in POSTPROCESS_REQUIRED:
        raise ValueError(
            f"postprocess: required for task {task!r}; expected a callable "
            "eval_prediction -> (predictions, references) in the score_task unit"
        )
    if postprocess is not None and not callable(postprocess):
        raise ValueError(f"postprocess: expected a callable, got {type(postprocess).__name__}")

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        if postprocess is not None:
            predictions, references = postprocess(eval_prediction)
        else:
            predictions, references = _default_postprocess(task, eval_prediction)
        return {key: float(value) for key, value in score_task(task, predictions, references).items()}

    compute_metrics.__name__ = f"compute_{task}_metrics"
    compute_metrics.__qualname__ = compute_metrics.__name__
    return compute_metrics
