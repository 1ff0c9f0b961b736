"""Korean exam multiple choice (MCQA): accuracy of the chosen answer numbers, overall and per choice count.

Answers are 1-based choice numbers on both sides (``1`` = the first choice), as the competition
files and the ``id,answer`` prediction CSVs give them. Scores are 0-100 floats like every metric here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metrics._validation import as_int_array, check_same_length


def mcqa_accuracy(predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray) -> float:
    """Share of items whose predicted choice number is the gold one, 0-100."""
    pred, gold = _pair(predictions, references)
    return float((pred == gold).mean() * 100)


def mcqa_breakdown(
    predictions: Sequence[int] | np.ndarray, references: Sequence[int] | np.ndarray, n_choices: Sequence[int]
) -> dict[str, Any]:
    """Accuracy and item count per number of choices (a 4-choice item is easier to guess than a 5-choice one)."""
    pred, gold = _pair(predictions, references)
    counts = np.asarray(n_choices, dtype=np.int64)
    if counts.shape != pred.shape:
        raise ValueError(f"n_choices: expected {pred.size} counts, got {counts.size}")
    accuracy, items = {}, {}
    for n in sorted(set(counts.tolist())):
        rows = counts == n
        accuracy[f"{n}_choices"] = float((pred[rows] == gold[rows]).mean() * 100)
        items[f"{n}_choices"] = int(rows.sum())
    return {"accuracy_by_choice_count": accuracy, "items_by_choice_count": items}


def _pair(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    check_same_length(predictions, references, "predictions", "references")
    return as_int_array(predictions, "predictions", low=1), as_int_array(references, "references", low=1)
