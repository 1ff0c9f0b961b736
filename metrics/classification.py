"""Sentence-level tasks: YNAT (topic classification), KLUE-NLI and KLUE-STS.

Official counterparts (KLUE-baseline ``klue_baseline/metrics/functional.py``):
``ynat_macro_f1``, ``klue_nli_acc``, ``klue_sts_pearsonr`` and ``klue_sts_f1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from metrics._f1 import class_counts, f1_per_class, macro_f1_over_present
from metrics._validation import as_float_array, as_int_array, check_same_length
from metrics.labels import STS_BINARY_THRESHOLD  # 3.0: "similar" from there, both sides (``>= 3``)


def _int_pair(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    pred = as_int_array(predictions, "predictions")
    gold = as_int_array(references, "references")
    check_same_length(pred, gold, "predictions", "references")
    return pred, gold


def ynat_macro_f1(predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray) -> float:
    """YNAT macro F1 (0-100) of predicted topic ids against gold ids.

    scikit-learn ``f1_score(average="macro")`` semantics: the F1 of every class id that
    occurs in ``references`` or ``predictions`` is averaged with equal weight; a class that
    occurs in neither is not part of the average (it does not count as 0 or as 1).
    """
    pred, gold = _int_pair(predictions, references)
    return macro_f1_over_present(gold, pred) * 100.0


def nli_accuracy(predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray) -> float:
    """KLUE-NLI accuracy (0-100): the share of items whose predicted id equals the gold id."""
    pred, gold = _int_pair(predictions, references)
    return float(np.mean(pred == gold)) * 100.0


def _float_pair(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    pred = as_float_array(predictions, "predictions")
    gold = as_float_array(references, "references")
    check_same_length(pred, gold, "predictions", "references")
    return pred, gold


def sts_pearsonr(predictions: Sequence[float] | np.ndarray, references: Sequence[float] | np.ndarray) -> float:
    """KLUE-STS Pearson correlation (×100) of predicted and gold similarity scores.

    Computed by ``scipy.stats.pearsonr``, exactly as the official code. Like it, a
    constant input (zero variance) yields NaN (with scipy's ``ConstantInputWarning``)
    rather than an exception, so that an early, collapsed model does not stop training.
    At least two pairs are required.
    """
    pred, gold = _float_pair(predictions, references)
    if pred.shape[0] < 2:
        raise ValueError("predictions and references: Pearson r needs at least 2 pairs; got 1")
    return float(stats.pearsonr(pred, gold)[0]) * 100.0


def sts_f1(predictions: Sequence[float] | np.ndarray, references: Sequence[float] | np.ndarray) -> float:
    """KLUE-STS binary F1 (0-100): both sides binarised with ``score >= 3.0``, F1 of class 1.

    No positive anywhere (neither gold nor predicted) gives 0, as scikit-learn does.
    """
    pred, gold = _float_pair(predictions, references)
    pred_pos = pred >= STS_BINARY_THRESHOLD
    gold_pos = gold >= STS_BINARY_THRESHOLD
    tp = int(np.count_nonzero(pred_pos & gold_pos))
    denominator = int(np.count_nonzero(pred_pos)) + int(np.count_nonzero(gold_pos))
    return 2.0 * tp / denominator * 100.0 if denominator else 0.0


def classification_breakdown(
    predictions: Sequence[int] | np.ndarray,
    references: Sequence[int] | np.ndarray,
    label_names: Sequence[str],
) -> dict[str, Any]:
    """Per-class F1 (0-100) and the confusion matrix, for YNAT and NLI logs and results files.

    ``label_names[i]`` names class id ``i``; ids must lie in ``[0, len(label_names))``.
    Every class gets an F1, 0.0 when it has no gold and no predicted item (scikit-learn's
    ``average=None`` with ``zero_division=0``). ``matrix[i][j]`` counts items of gold class
    ``i`` predicted as class ``j`` (rows are gold, columns predictions). Plain Python types.
    """
    names = [str(name) for name in label_names]
    if not names:
        raise ValueError("label_names: is empty; expected one name per class id")
    pred = as_int_array(predictions, "predictions", low=0, high=len(names))
    gold = as_int_array(references, "references", low=0, high=len(names))
    check_same_length(pred, gold, "predictions", "references")
    k = len(names)
    f1 = f1_per_class(*class_counts(gold, pred, k))
    matrix = np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)
    return {
        "per_class_f1": {name: float(value) * 100.0 for name, value in zip(names, f1)},
        "confusion_matrix": {"labels": names, "matrix": matrix.tolist()},
    }
