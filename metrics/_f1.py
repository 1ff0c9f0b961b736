"""Vectorised per-class counts and the F1 formulas of scikit-learn, shared by the tasks.

The official KLUE code calls ``sklearn.metrics.f1_score`` for YNAT, STS, NER (characters),
RE and DP. These helpers reproduce its semantics with ``np.bincount`` on integer ids:
per class ``F1 = 2·TP / (|gold| + |predicted|)``, the form scikit-learn computes.
"""

from __future__ import annotations

import numpy as np


def class_counts(gold: np.ndarray, pred: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(tp, gold_count, pred_count)`` per class for ids in ``[0, n_classes)``."""
    tp = np.bincount(gold[gold == pred], minlength=n_classes)
    return tp, np.bincount(gold, minlength=n_classes), np.bincount(pred, minlength=n_classes)


def f1_per_class(
    tp: np.ndarray, gold_count: np.ndarray, pred_count: np.ndarray, zero_division: float = 0.0
) -> np.ndarray:
    """F1 per class; a class with no gold and no predicted item scores ``zero_division``.

    ``zero_division=0`` is scikit-learn's default ("warn" counts as 0); the official
    character F1 of NER passes ``zero_division=True``, i.e. 1.
    """
    denominator = gold_count + pred_count
    f1 = np.full(tp.shape, float(zero_division))
    np.divide(2.0 * tp, denominator, out=f1, where=denominator > 0)
    return f1


def macro_f1_over_present(gold: np.ndarray, pred: np.ndarray) -> float:
    """``f1_score(gold, pred, average="macro")``: mean F1 over the sorted union of the ids seen.

    A class present in neither array is not part of the union, so it is not averaged;
    every class in the union has a non-zero denominator. Returns a fraction (0-1).
    """
    classes, inverse = np.unique(np.concatenate([gold, pred]), return_inverse=True)
    inverse = inverse.reshape(-1)
    n = gold.shape[0]
    tp, gold_count, pred_count = class_counts(inverse[:n], inverse[n:], classes.shape[0])
    return float(np.mean(f1_per_class(tp, gold_count, pred_count)))


def per_class_f1_from_ids(gold: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """F1 of each id in ``[0, n_classes)`` (0 for a class absent from both), as fractions."""
    return f1_per_class(*class_counts(gold, pred, n_classes))
