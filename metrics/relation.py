"""KLUE-RE: micro F1 without ``no_relation`` and the mean one-vs-rest AUPRC.

Official counterparts: ``klue_re_micro_f1`` and ``klue_re_auprc``. Class ids are
positions in ``RE_RELATIONS`` (the order of ``relation_list.json``; 0 = no_relation).

(The module is not called ``re.py`` so that running a script from inside ``metrics/``
cannot shadow the standard library's ``re``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metrics._f1 import per_class_f1_from_ids
from metrics._validation import as_int_array, check_same_length
from metrics.labels import RE_NO_RELATION_ID, RE_RELATIONS

N_RELATIONS = len(RE_RELATIONS)


def _ids(values: Any, name: str) -> np.ndarray:
    return as_int_array(values, name, low=0, high=N_RELATIONS)


def re_micro_f1(predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray) -> float:
    """KLUE-RE micro F1 (0-100) over the 29 real relations (ids 1-29).

    ``f1_score(average="micro", labels=range(1, 30))``: ``no_relation`` (id 0) is neither a
    true nor a predicted positive. A gold relation predicted as ``no_relation`` is a false
    negative only, a ``no_relation`` item predicted as a relation a false positive only,
    and ``no_relation`` predicted as ``no_relation`` counts for nothing. With no relation
    on either side the result is 0.
    """
    pred = _ids(predictions, "predictions")
    gold = _ids(references, "references")
    check_same_length(pred, gold, "predictions", "references")
    gold_pos = gold != RE_NO_RELATION_ID
    pred_pos = pred != RE_NO_RELATION_ID
    tp = int(np.count_nonzero(gold_pos & (pred == gold)))
    denominator = int(np.count_nonzero(gold_pos)) + int(np.count_nonzero(pred_pos))
    return 2.0 * tp / denominator * 100.0 if denominator else 0.0


def _probabilities(values: Any, name: str) -> np.ndarray:
    try:
        probs = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}: expected an (n, {N_RELATIONS}) array of probabilities ({error})") from None
    if probs.ndim != 2 or probs.shape[1] != N_RELATIONS:
        raise ValueError(f"{name}: expected an (n, {N_RELATIONS}) array of probabilities, got shape {probs.shape}")
    if probs.shape[0] == 0:
        raise ValueError(f"{name}: is empty; expected at least one row")
    if not np.all(np.isfinite(probs)):
        raise ValueError(f"{name}: contains NaN or infinite values; expected finite probabilities")
    if probs.min() < 0 or probs.max() > 1:
        # Logits rank the rows of a class column otherwise than their softmax does: a different AUPRC.
        raise ValueError(f"{name}: values outside [0, 1] (logits?); expected probabilities, e.g. a softmax of the "
                         "logits, as KLUE-baseline scores")
    return probs


def re_auprc(probabilities: Sequence[Sequence[float]] | np.ndarray, references: Sequence[int] | np.ndarray) -> float:
    """KLUE-RE AUPRC (0-100): mean over the 30 classes of the one-vs-rest PR-curve area.

    For each class ``c`` (``no_relation`` included): scikit-learn's
    ``precision_recall_curve(references == c, probabilities[:, c])`` (one point per
    distinct score, plus the start point recall 0 / precision 1), then ``auc(recall,
    precision)``, i.e. the trapezoidal rule, not average precision. All 30 classes are
    averaged. A class absent from ``references`` follows current scikit-learn: recall is
    set to 1 at every threshold, so the curve runs from (recall 0, precision 1) to
    (1, 0) and the class scores 0.5 (scikit-learn 0.23, which KLUE-baseline pinned, gave
    NaN, hence a NaN AUPRC). Only the ranking within each column matters, but logits are
    not a stand-in for probabilities: the softmax divides each row by its own sum, which
    reorders the rows of a column (one model: AUPRC 47.35 on logits, 47.76 on its softmax).
    Values outside [0, 1] are refused.
    """
    probs = _probabilities(probabilities, "probabilities")
    gold = _ids(references, "references")
    check_same_length(probs, gold, "probabilities", "references")
    n = probs.shape[0]
    # Sort each class column by descending score (class-major, so each row below is a class).
    order = np.argsort(-probs.T, axis=1, kind="stable")
    scores = np.take_along_axis(probs.T, order, axis=1)
    positive = gold[order] == np.arange(N_RELATIONS)[:, None]
    tps = np.cumsum(positive, axis=1)
    # Tied scores form one threshold: keep only the last position of each run of equal scores.
    keep = np.ones((N_RELATIONS, n), dtype=bool)
    keep[:, :-1] = scores[:, 1:] != scores[:, :-1]
    cls, idx = np.nonzero(keep)
    tp = tps[cls, idx].astype(np.float64)
    precision = tp / (idx + 1)
    total_pos = tps[:, -1].astype(np.float64)
    recall = np.where(total_pos[cls] > 0, tp / np.maximum(total_pos[cls], 1.0), 1.0)
    # Previous point of each curve: the start point (recall 0, precision 1) for the first
    # kept threshold of a class, else the previous kept threshold of the same class.
    first = np.ones(cls.shape[0], dtype=bool)
    first[1:] = cls[1:] != cls[:-1]
    prev_recall = np.where(first, 0.0, np.roll(recall, 1))
    prev_precision = np.where(first, 1.0, np.roll(precision, 1))
    areas = (recall - prev_recall) * (precision + prev_precision) / 2.0
    per_class = np.bincount(cls, weights=areas, minlength=N_RELATIONS)
    return float(np.mean(per_class)) * 100.0


def re_breakdown(predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray) -> dict[str, Any]:
    """F1 (0-100) of every relation, ``no_relation`` included, for logs and results files.

    ``predictions`` are relation ids, or an ``(n, 30)`` probability array whose argmax is
    taken. A relation with no gold and no predicted item gets 0.0.
    Returns ``{"per_relation_f1": {name: f1, ...}}`` in ``RE_RELATIONS`` order.
    """
    pred_array = np.asarray(predictions)
    if pred_array.ndim == 2:
        pred_array = np.argmax(_probabilities(pred_array, "predictions"), axis=1)
    pred = _ids(pred_array, "predictions")
    gold = _ids(references, "references")
    check_same_length(pred, gold, "predictions", "references")
    f1 = per_class_f1_from_ids(gold, pred, N_RELATIONS)
    return {"per_relation_f1": {name: float(value) * 100.0 for name, value in zip(RE_RELATIONS, f1)}}
