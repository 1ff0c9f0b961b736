"""KLUE-NER: entity-level macro F1 (seqeval, strict IOB2) and character-level macro F1.

Official counterparts: ``klue_ner_entity_macro_f1`` and ``klue_ner_char_macro_f1``.
Inputs are per-sentence lists of BIO tag strings, one tag per non-space character.

The official entity F1 runs seqeval over the whole dev set as *one* sequence (every
sentence preceded by its ``[CLS]`` and followed by its last position, both gold ``O``).
seqeval's entity extraction slices the remaining list at every entity, which is quadratic:
about 48 s on the 5,000 dev sentences. Here entities are found with a few numpy passes.
Because each sentence is closed by gold ``O`` positions in the official sequence, and a
strict-mode entity can neither continue across an ``O`` nor be started by the ``I-`` that
follows it, the official number equals seqeval on the list of sentences, which is what is
computed (an entity never spans two sentences).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metrics._f1 import class_counts, f1_per_class
from metrics._validation import encode_strings, flatten_aligned
from metrics.labels import NER_ENTITY_TYPES, NER_TAGS

_TAG_IDS = {tag: i for i, tag in enumerate(NER_TAGS)}
_O_ID = _TAG_IDS["O"]
_N_TYPES = len(NER_ENTITY_TYPES)
# Position of each type in seqeval's report, which sorts the type names; averaging in the
# same order keeps the floating-point sum identical to seqeval's.
_SEQEVAL_TYPE_ORDER = np.argsort(np.array(NER_ENTITY_TYPES), kind="stable")

TagSentences = Sequence[Sequence[str]]


def _encode(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat tag ids of both sides plus a mask of the positions that start a sentence."""
    flat_pred, flat_gold, lengths = flatten_aligned(
        predictions, references, "predictions", "references", "sentences (lists of NER tag strings)"
    )
    if not flat_gold:
        raise ValueError("predictions and references: every sentence is empty; expected tagged characters")
    pred = encode_strings(flat_pred, _TAG_IDS, "predictions", "NER tag")
    gold = encode_strings(flat_gold, _TAG_IDS, "references", "NER tag")
    sentence_start = np.zeros(gold.shape[0], dtype=bool)
    starts = np.cumsum(lengths) - lengths
    sentence_start[starts[lengths > 0]] = True
    return pred, gold, sentence_start


def _entities(tags: np.ndarray, sentence_start: np.ndarray) -> np.ndarray:
    """Strict-IOB2 entities of a flat tag-id sequence, as sorted unique int64 keys.

    seqeval strict IOB2: an entity starts at ``B-X`` (only there) and continues over the
    following ``I-X`` of the same type; an ``I-X`` that does not continue an entity starts
    nothing. Positions are linked to their predecessor when they are an ``I-`` of the
    predecessor's type inside the same sentence (``O`` has a type of its own, so nothing
    links to it); the unlinked positions cut the sequence into runs, and a run is an
    entity exactly when its first tag is a ``B-``. The key encodes (start, end, type).
    """
    n = tags.shape[0]
    is_entity_tag = tags != _O_ID
    entity_type = np.where(is_entity_tag, tags // 2, _N_TYPES)
    is_inside = is_entity_tag & (tags % 2 == 1)
    linked = np.zeros(n, dtype=bool)
    linked[1:] = is_inside[1:] & (entity_type[1:] == entity_type[:-1])
    linked &= ~sentence_start
    run_starts = np.flatnonzero(~linked)
    run_ends = np.append(run_starts[1:], n)
    is_entity = is_entity_tag[run_starts] & ~is_inside[run_starts]
    starts, ends = run_starts[is_entity], run_ends[is_entity]
    return (starts * (n + 1) + ends) * _N_TYPES + entity_type[starts]


def _entity_counts(pred: np.ndarray, gold: np.ndarray, sentence_start: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(tp, gold_count, pred_count)`` of entities per type, in ``NER_ENTITY_TYPES`` order."""
    gold_keys = _entities(gold, sentence_start)
    pred_keys = _entities(pred, sentence_start)
    matched = np.intersect1d(gold_keys, pred_keys, assume_unique=True)
    return (
        np.bincount(matched % _N_TYPES, minlength=_N_TYPES),
        np.bincount(gold_keys % _N_TYPES, minlength=_N_TYPES),
        np.bincount(pred_keys % _N_TYPES, minlength=_N_TYPES),
    )


def _seqeval_f1(tp: np.ndarray, gold_count: np.ndarray, pred_count: np.ndarray) -> np.ndarray:
    """seqeval's per-type F1: P and R first (0 on 0/0), then ``2PR / (P + R)`` (0 on 0/0)."""
    precision = np.divide(tp, pred_count, out=np.zeros(tp.shape), where=pred_count > 0)
    recall = np.divide(tp, gold_count, out=np.zeros(tp.shape), where=gold_count > 0)
    total = precision + recall
    return np.divide(2.0 * precision * recall, total, out=np.zeros(tp.shape), where=total > 0)


def ner_entity_f1(predictions: TagSentences, references: TagSentences) -> float:
    """KLUE-NER entity-level macro F1 (0-100).

    seqeval ``f1_score(average="macro", mode="strict", scheme=IOB2)``: entities are
    ``B-X I-X*`` spans; an ``I-X`` with no preceding ``B-X`` (or after a different type)
    starts no entity, and a predicted entity counts only with exactly the gold span and
    type. The F1 of every entity type found in the gold or the predictions is averaged;
    a type found in neither is not averaged. With no entity at all on either side the
    result is NaN, as seqeval's (and hence the official) result is.

    Tags must be the 13 ``NER_TAGS``; sentences must have the same lengths on both sides.
    """
    pred, gold, sentence_start = _encode(predictions, references)
    tp, gold_count, pred_count = _entity_counts(pred, gold, sentence_start)
    present = (gold_count + pred_count) > 0
    if not present.any():
        return float("nan")
    f1 = _seqeval_f1(tp, gold_count, pred_count)
    order = _SEQEVAL_TYPE_ORDER[present[_SEQEVAL_TYPE_ORDER]]
    return float(np.mean(f1[order])) * 100.0


def ner_char_f1(predictions: TagSentences, references: TagSentences) -> float:
    """KLUE-NER character-level macro F1 (0-100) over all 13 tags, ``O`` included.

    All characters of all sentences are flattened and scored like
    ``f1_score(labels=range(13), average="macro", zero_division=1)``: the mean over the
    13 ``NER_TAGS`` of each tag's F1, where a tag with neither gold nor predicted
    characters scores 1 (so an unused tag raises the average rather than lowering it).
    """
    pred, gold, _ = _encode(predictions, references)
    f1 = f1_per_class(*class_counts(gold, pred, len(NER_TAGS)), zero_division=1.0)
    return float(np.mean(f1)) * 100.0


def ner_breakdown(predictions: TagSentences, references: TagSentences) -> dict[str, Any]:
    """Entity F1 (0-100) per type, with gold entity counts, for logs and results files.

    Same entities and F1 as ``ner_entity_f1``. Every one of the six types is reported;
    a type with no gold and no predicted entity gets 0.0 (its support shows why).
    Returns ``{"per_type_f1": {"PS": ..., ...}, "per_type_support": {"PS": n, ...}}``.
    """
    pred, gold, sentence_start = _encode(predictions, references)
    tp, gold_count, pred_count = _entity_counts(pred, gold, sentence_start)
    f1 = _seqeval_f1(tp, gold_count, pred_count)
    return {
        "per_type_f1": {name: float(value) * 100.0 for name, value in zip(NER_ENTITY_TYPES, f1)},
        "per_type_support": {name: int(count) for name, count in zip(NER_ENTITY_TYPES, gold_count)},
    }
