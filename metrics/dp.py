"""KLUE-DP: the official UAS and LAS, which are macro F1 scores, not attachment accuracies.

Official counterparts: ``klue_dp_uas_macro_f1`` and ``klue_dp_las_macro_f1``. Inputs are
per-sentence lists (one item per word): heads as ints (0 = root, else the 1-based index of
the head word) and dependency relations as strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metrics._f1 import macro_f1_over_present
from metrics._validation import as_int_array, encode_strings, flatten_aligned
from metrics.labels import DP_DEPREL_CLASSES, DP_DEPREL_LABELS

# Class codes of the official LAS: ids 0-14 for DP_DEPREL_CLASSES, -3 for every other
# relation ("others"), -2 for PAD (a label whose head is wrong). The negative codes are the
# official ones; they sort first, as in scikit-learn's label order.
OTHERS_CLASS = -3
PAD_CLASS = -2
_DEPREL_CLASS = {name: (i if i < len(DP_DEPREL_CLASSES) else OTHERS_CLASS) for i, name in enumerate(DP_DEPREL_LABELS)}

HeadSentences = Sequence[Sequence[int]]
LabelSentences = Sequence[Sequence[str]]


def _heads(pred_heads: Any, gold_heads: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat_pred, flat_gold, lengths = flatten_aligned(
        pred_heads, gold_heads, "pred_heads", "gold_heads", "sentences (lists of head indices)"
    )
    if not flat_gold:
        raise ValueError("pred_heads and gold_heads: every sentence is empty; expected words")
    return as_int_array(flat_pred, "pred_heads", low=0), as_int_array(flat_gold, "gold_heads", low=0), lengths


def dp_uas(pred_heads: HeadSentences, gold_heads: HeadSentences) -> float:
    """KLUE-DP "UAS" (0-100), as the official code defines it: a macro F1 over head positions.

    All words are flattened; each head index value (0 = root, 1, 2, ...) is a class, and
    the F1 of every value that occurs in the gold or predicted heads is averaged with equal
    weight (``f1_score(average="macro")``). This is not the attachment accuracy: a rare
    head position such as 40 weighs as much as the root.
    """
    pred, gold, _ = _heads(pred_heads, gold_heads)
    return macro_f1_over_present(gold, pred) * 100.0


def dp_las(
    pred_heads: HeadSentences,
    pred_labels: LabelSentences,
    gold_heads: HeadSentences,
    gold_labels: LabelSentences,
) -> float:
    """KLUE-DP "LAS" (0-100), as the official code defines it: a macro F1 over relation classes.

    Each word's relation becomes a class: the 15 ``DP_DEPREL_CLASSES`` keep their own
    class, every other of the 38 KLUE relations shares one "others" class. Where the
    predicted head differs from the gold head, the predicted class is replaced by a PAD
    class whatever the predicted relation. Then ``f1_score(average="macro")`` over every
    class occurring in gold or predictions: PAD never occurs in gold, so as soon as one head
    is wrong PAD joins the average with an F1 of 0. Relation strings outside the 38 KLUE
    relations are rejected.
    """
    pred_h, gold_h, pred_classes, gold_classes, _, _ = _heads_and_relations(
        pred_heads, pred_labels, gold_heads, gold_labels
    )
    pred_classes[pred_h != gold_h] = PAD_CLASS
    return macro_f1_over_present(gold_classes, pred_classes) * 100.0


def dp_attachment_accuracies(
    pred_heads: HeadSentences,
    pred_labels: LabelSentences,
    gold_heads: HeadSentences,
    gold_labels: LabelSentences,
) -> dict[str, float]:
    """The attachment accuracies (0-100), which the official code does not report: ``uas_acc``, the share of
    words whose head is right, and ``las_acc``, whose head and relation are both right. What the parsing
    literature calls UAS and LAS; KLUE's own ``dp_uas`` and ``dp_las`` are macro F1 scores."""
    pred_h, gold_h, _, _, flat_pred_labels, flat_gold_labels = _heads_and_relations(
        pred_heads, pred_labels, gold_heads, gold_labels
    )
    right_head = pred_h == gold_h
    right_relation = np.asarray(flat_pred_labels, dtype=object) == np.asarray(flat_gold_labels, dtype=object)
    return {"uas_acc": float(right_head.mean() * 100), "las_acc": float((right_head & right_relation).mean() * 100)}


def _heads_and_relations(
    pred_heads: Any, pred_labels: Any, gold_heads: Any, gold_labels: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list, list]:
    """Flat heads, the relations' official classes, and the flat relation strings, checked to line up with
    the heads; relations outside the 38 KLUE relations are rejected."""
    pred_h, gold_h, lengths = _heads(pred_heads, gold_heads)
    flat_pred_labels, flat_gold_labels, label_lengths = flatten_aligned(
        pred_labels, gold_labels, "pred_labels", "gold_labels", "sentences (lists of relation strings)"
    )
    if label_lengths.shape != lengths.shape or np.any(label_lengths != lengths):
        raise ValueError(
            "gold_labels and gold_heads must have the same shape (one relation per word and sentence)"
        )
    pred_classes = encode_strings(flat_pred_labels, _DEPREL_CLASS, "pred_labels", "dependency relation")
    gold_classes = encode_strings(flat_gold_labels, _DEPREL_CLASS, "gold_labels", "dependency relation")
    return pred_h, gold_h, pred_classes, gold_classes, flat_pred_labels, flat_gold_labels
