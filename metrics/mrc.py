"""KLUE-MRC: exact match and character-level ROUGE-W (longest common substring F1).

Official counterparts: ``klue_mrc_em`` and ``klue_mrc_rouge_w`` with their helpers in
``klue_baseline/metrics/utils.py``. Each question has one predicted answer string and a
list of gold answer strings; an empty list marks an unanswerable question, whose only gold
answer is the empty string.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from metrics._validation import check_same_length
from metrics.labels import MRC_QUESTION_TYPE_NAMES, MRC_QUESTION_TYPES

_DELETE_PUNCTUATION = str.maketrans("", "", string.punctuation)
# The official pattern, kept verbatim in meaning. It reads like "replace quotes and
# brackets by a space", but the closing ``]`` comes early: it is one of ' " 《 》 < > 〈 〉
# followed by the literal text ``()‘’``. So it almost never matches and 《》〈〉‘’ survive
# normalisation; where the odd sequence does occur the official code turns it into a space.
# difflib.SequenceMatcher's autojunk heuristic applies to sequences of this length or more.
_AUTOJUNK_MIN_LENGTH = 200
_OFFICIAL_BRACKET_PATTERN = re.compile(r"""['"《》<>〈〉]\(\)‘’""")


def normalize_answer(text: str) -> str:
    """The official KLUE-MRC answer normalisation.

    Lower-case; the quirky bracket pattern above becomes a space; every character of
    ``string.punctuation`` (ASCII only) is deleted; runs of whitespace collapse to one
    space and the ends are stripped. Non-ASCII marks (《》〈〉‘’“”·…) are kept.
    """
    text = _OFFICIAL_BRACKET_PATTERN.sub(" ", text.lower())
    return " ".join(text.translate(_DELETE_PUNCTUATION).split())


def _rouge_w(prediction: str, gold: str) -> float:
    """F1 of the longest common substring as difflib finds it, for normalised strings."""
    if gold == "":
        return float(prediction == gold)
    # difflib's heuristic, autojunk included: in a gold of 200+ characters, characters
    # making up over 1% of it are "popular" and ignored, so the match can be shorter than
    # the true longest common substring. The official number follows difflib.
    length = SequenceMatcher(None, prediction, gold).find_longest_match(0, len(prediction), 0, len(gold)).size
    precision = length / len(prediction) if prediction else 0.0
    recall = length / len(gold)
    if precision + recall == 0.0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _check(predictions: Any, references: Any) -> tuple[list[str], list[list[str]]]:
    if isinstance(predictions, (str, bytes)):
        raise ValueError("predictions: expected a list of answer strings, got a single string")
    if isinstance(references, (str, bytes)):
        raise ValueError("references: expected a list of lists of gold answer strings, got a single string")
    preds, refs = list(predictions), list(references)
    check_same_length(preds, refs, "predictions", "references")
    for i, pred in enumerate(preds):
        if not isinstance(pred, str):
            raise ValueError(f"predictions[{i}]: expected an answer string, got {type(pred).__name__}")
    gold_lists = []
    for i, golds in enumerate(refs):
        if isinstance(golds, (str, bytes)) or not isinstance(golds, (Sequence, np.ndarray)):
            raise ValueError(
                f"references[{i}]: expected a list of gold answer strings (empty for unanswerable), "
                f"got {type(golds).__name__}"
            )
        golds = list(golds)
        for gold in golds:
            if not isinstance(gold, str):
                raise ValueError(f"references[{i}]: gold answers must be strings, got {type(gold).__name__}")
        gold_lists.append(golds)
    return preds, gold_lists


def _scores(predictions: Any, references: Any, *, rouge: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per-question best EM and (if ``rouge``) best ROUGE-W over the golds, as fractions."""
    preds, gold_lists = _check(predictions, references)
    em = np.zeros(len(preds))
    rouge_w = np.zeros(len(preds))
    for i, (pred, golds) in enumerate(zip(preds, gold_lists)):
        prediction = normalize_answer(pred)
        # An unanswerable question's only correct answer is the empty string.
        normalised_golds = [normalize_answer(gold) for gold in golds] or [""]
        em[i] = float(prediction in normalised_golds)
        if not rouge:
            continue
        if em[i] and len(prediction) < _AUTOJUNK_MIN_LENGTH:
            # An exact match scores the maximum, 1. Not taken for 200+ characters, where difflib's
            # autojunk applies: there the official score is whatever difflib finds.
            rouge_w[i] = 1.0
        else:
            rouge_w[i] = max(_rouge_w(prediction, gold) for gold in normalised_golds)
    return em, rouge_w


def mrc_exact_match(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """KLUE-MRC exact match (0-100): share of questions whose normalised prediction equals a
    normalised gold answer. ``references[i] == []`` (unanswerable) matches only an answer
    that normalises to the empty string. See ``normalize_answer``."""
    em, _ = _scores(predictions, references, rouge=False)
    return float(np.mean(em)) * 100.0


def mrc_rouge_w(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """KLUE-MRC ROUGE-W (0-100), as the official code computes it: character LCS-substring F1.

    After ``normalize_answer`` on both sides: ``L`` = size of the longest common contiguous
    substring that ``difflib.SequenceMatcher(None, pred, gold).find_longest_match`` finds
    (default autojunk, so not always the true longest for golds of 200+ characters);
    ``P = L / len(pred)`` (0 for an empty prediction), ``R = L / len(gold)``,
    ``F1 = 2PR / (P + R)`` (0 when ``P + R`` is 0). An empty gold (unanswerable question)
    scores 1 for an empty prediction and 0 otherwise. Max over the golds, mean over questions.
    """
    _, rouge = _scores(predictions, references)
    return float(np.mean(rouge)) * 100.0


def mrc_breakdown(
    predictions: Sequence[str], references: Sequence[Sequence[str]], question_types: Sequence[int]
) -> dict[str, Any]:
    """EM and ROUGE-W (0-100) per question type, as the official evaluation logs them.

    ``question_types[i]`` is 1 (paraphrase), 2 (multi-sentence reasoning) or 3
    (unanswerable). Every type is reported; one with no question has ``count`` 0 and
    ``None`` scores. Returns ``{"per_question_type": {"1": {"exact_match", "rouge_w",
    "count"}, "2": ..., "3": ...}}``.
    """
    em, rouge = _scores(predictions, references)
    if isinstance(question_types, (str, bytes)):
        raise ValueError("question_types: expected a list of ints (1, 2 or 3), got a string")
    types = np.asarray(list(question_types))
    if types.shape != em.shape:
        raise ValueError(
            f"question_types and predictions must have the same length; got {types.size} and {em.size}"
        )
    bad = ~np.isin(types, MRC_QUESTION_TYPES)
    if bad.any():
        raise ValueError(f"question_types: expected 1, 2 or 3, found {types[bad][0]!r}")
    per_type: dict[str, dict[str, Any]] = {}
    for question_type in MRC_QUESTION_TYPES:
        mask = types == question_type
        count = int(np.count_nonzero(mask))
        per_type[str(question_type)] = {
            "exact_match": float(np.mean(em[mask])) * 100.0 if count else None,
            "rouge_w": float(np.mean(rouge[mask])) * 100.0 if count else None,
            "count": count,
        }
    return {"per_question_type": per_type}


def mrc_scores_by_question_type(
    predictions: Sequence[str], references: Sequence[Sequence[str]], question_types: Sequence[int]
) -> tuple[dict[str, float], dict[str, Any]]:
    """The official EM and ROUGE-W (as ``mrc_exact_match`` / ``mrc_rouge_w``) and both per named
    question type, from one pass over the questions (what a training run logs each evaluation).

    Returns ``({"exact_match", "rouge_w", "exact_match_paraphrase", "rouge_w_paraphrase", ...},
    {"per_question_type": {"paraphrase": {"exact_match", "rouge_w", "count"}, ...},
    "unknown_question_type_count": n})``. Per-type keys appear for the types that have questions;
    questions of another type (0: unknown, as in files without ``question_type``) count only in
    the overall scores and in ``unknown_question_type_count``.
    """
    em, rouge = _scores(predictions, references)
    types = np.asarray(list(question_types), dtype=np.int64)
    if types.shape != em.shape:
        raise ValueError(f"question_types and predictions must have the same length; got {types.size} and {em.size}")
    scores = {"exact_match": float(np.mean(em)) * 100.0, "rouge_w": float(np.mean(rouge)) * 100.0}
    per_type: dict[str, dict[str, Any]] = {}
    for question_type in MRC_QUESTION_TYPES:
        name, mask = MRC_QUESTION_TYPE_NAMES[question_type], types == question_type
        count = int(np.count_nonzero(mask))
        per_type[name] = {
            "exact_match": float(np.mean(em[mask])) * 100.0 if count else None,
            "rouge_w": float(np.mean(rouge[mask])) * 100.0 if count else None,
            "count": count,
        }
        if count:
            scores[f"exact_match_{name}"] = per_type[name]["exact_match"]
            scores[f"rouge_w_{name}"] = per_type[name]["rouge_w"]
    unknown = int(np.count_nonzero(~np.isin(types, MRC_QUESTION_TYPES)))
    return scores, {"per_question_type": per_type, "unknown_question_type_count": unknown}
