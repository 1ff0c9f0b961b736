"""WoS (dialogue state tracking): joint goal accuracy and the official "slot micro F1".

Official counterparts: ``wos_jga`` and ``wos_slot_micro_f1`` (with ``compute_prf_for_wos``,
taken by KLUE from TRADE-DST). Each user turn's state is a list of ``domain-slot-value``
strings, e.g. ``"관광-종류-박물관"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from metrics._validation import as_list_of_sequences, check_same_length

States = Sequence[Sequence[str]]


def _turns(predictions: Any, references: Any) -> tuple[list[list[str]], list[list[str]]]:
    what = "turn states (lists of 'domain-slot-value' strings)"
    preds = as_list_of_sequences(predictions, "predictions", what)
    refs = as_list_of_sequences(references, "references", what)
    check_same_length(preds, refs, "predictions", "references")
    pred_lists, gold_lists = [], []
    for name, turns, out in (("predictions", preds, pred_lists), ("references", refs, gold_lists)):
        for i, turn in enumerate(turns):
            items = list(turn)
            for item in items:
                if not isinstance(item, str):
                    raise ValueError(f"{name}[{i}]: expected 'domain-slot-value' strings, got {type(item).__name__}")
            out.append(items)
    return pred_lists, gold_lists


def wos_jga(predictions: States, references: States) -> float:
    """Joint goal accuracy (0-100): share of turns whose predicted state, as a set, equals the
    gold state (order and duplicates do not matter). Turns are scored independently."""
    preds, golds = _turns(predictions, references)
    hits = sum(set(pred) == set(gold) for pred, gold in zip(preds, golds))
    return hits / len(golds) * 100.0


def _turn_f1(pred: list[str], gold: list[str]) -> float:
    """TRADE-DST's per-turn F1, over lists: duplicates count, as in the official code."""
    if not gold:
        # An empty gold state is fully right only if nothing was predicted.
        return 1.0 if not pred else 0.0
    tp = sum(item in pred for item in gold)
    fn = len(gold) - tp
    fp = sum(item not in gold for item in pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def wos_slot_f1(predictions: States, references: States) -> float:
    """The official WoS "slot micro F1" (0-100), which is a *mean of per-turn F1 scores*.

    Per turn: TP = gold items found in the predicted list, FN = gold items not found,
    FP = predicted items not in the gold list (lists, so a duplicated item counts twice);
    P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2PR/(P+R) (0 on 0/0). A turn with an empty gold
    state scores 1 if the prediction is empty, else 0. The mean over turns is returned,
    despite the official name ``slot_micro_f1``.
    """
    preds, golds = _turns(predictions, references)
    total = sum(_turn_f1(pred, gold) for pred, gold in zip(preds, golds))
    return total / len(golds) * 100.0


def _domain(item: str) -> str:
    return item.split("-", 1)[0]


def wos_breakdown(predictions: States, references: States) -> dict[str, Any]:
    """Joint goal accuracy (0-100) per domain, for logs and results files.

    The domain of an item is the text before its first ``-``. For a domain D, the turns
    counted are those where D appears in the gold state or in the predicted state; of these,
    the score is the share where the set of D's predicted items equals the set of D's gold
    items. Turns where D appears on neither side are left out (they would inflate every
    domain towards 100). Domains are sorted by name; ``per_domain_turns`` gives the counts.
    Returns ``{"per_domain_jga": {domain: jga}, "per_domain_turns": {domain: n}}``.
    """
    preds, golds = _turns(predictions, references)
    hits: dict[str, int] = {}
    counts: dict[str, int] = {}
    for pred, gold in zip(preds, golds):
        pred_by_domain: dict[str, set[str]] = {}
        gold_by_domain: dict[str, set[str]] = {}
        for item in pred:
            pred_by_domain.setdefault(_domain(item), set()).add(item)
        for item in gold:
            gold_by_domain.setdefault(_domain(item), set()).add(item)
        for domain in pred_by_domain.keys() | gold_by_domain.keys():
            counts[domain] = counts.get(domain, 0) + 1
            same = pred_by_domain.get(domain) == gold_by_domain.get(domain)
            hits[domain] = hits.get(domain, 0) + int(same)
    domains = sorted(counts)
    return {
        "per_domain_jga": {domain: hits[domain] / counts[domain] * 100.0 for domain in domains},
        "per_domain_turns": {domain: counts[domain] for domain in domains},
    }
