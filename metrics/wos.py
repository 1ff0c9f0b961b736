"""WoS (dialogue state tracking): joint goal accuracy and the official "slot micro F1".

Official counterparts: ``wos_jga`` and ``wos_slot_micro_f1`` (with ``compute_prf_for_wos``,
taken by KLUE from TRADE-DST). Each user turn's state is a list of ``domain-slot-value``
strings, e.g. ``"관광-종류-박물관"``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from metrics._validation import as_list_of_sequences, check_same_length

States = Sequence[Sequence[str]]
T = TypeVar("T")

# Containers used as they are (no copy) when every item is a string; any other input goes
# through the generic checks and is copied into lists.
_PLAIN_CONTAINERS = frozenset((list, tuple))
# ``"".join(turn)`` raises TypeError on the first item that is not a ``str`` (subclasses
# pass, exactly as with ``isinstance(item, str)``): the cheapest exact check of a whole turn.
_check_strings = "".join


def _plain(values: Any) -> bool:
    """A non-empty list (or tuple) of lists (or tuples); the items are not looked at."""
    if type(values) not in _PLAIN_CONTAINERS or not values:
        return False
    types = list(map(type, values))  # counting beats a set lookup per turn
    return types.count(list) + types.count(tuple) == len(types)


def _checked_turns(predictions: Any, references: Any) -> tuple[list[list[str]], list[list[str]]]:
    """The detailed validation: a ``ValueError`` naming the first bad argument, turn or item."""
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


def _turns(predictions: Any, references: Any) -> tuple[States, States]:
    """Both arguments validated as per-turn states of ``domain-slot-value`` strings.

    Plain nested lists (or tuples) of strings, the usual input, are returned as they are,
    after one cheap pass; anything else is checked item by item and copied into lists.
    """
    if _plain(predictions) and _plain(references) and len(predictions) == len(references):
        try:
            deque(map(_check_strings, predictions), maxlen=0)
            deque(map(_check_strings, references), maxlen=0)
        except TypeError:
            pass  # some item is not a string: the detailed checks say which
        else:
            return predictions, references
    return _checked_turns(predictions, references)


def _score(kernel: Callable[[States, States], T], predictions: Any, references: Any) -> tuple[T, int]:
    """``kernel(predictions, references)`` and the number of turns, the input validated as by
    ``_turns``.

    The kernels check item types themselves (``_check_strings`` on each turn, right before
    the turn's sets are built, while its strings are in cache), so plain input is read once.
    A ``TypeError`` from a kernel (an item that is not a string, or not hashable) sends the
    input through the detailed checks, which raise the ``ValueError`` naming it.
    """
    if _plain(predictions) and _plain(references) and len(predictions) == len(references):
        try:
            return kernel(predictions, references), len(references)
        except TypeError:
            pass
    preds, golds = _checked_turns(predictions, references)
    return kernel(preds, golds), len(golds)


def _jga_hits(preds: States, golds: States) -> int:
    """Turns whose predicted and gold states are equal as sets (the official test)."""
    check = _check_strings
    hits = 0
    for pred, gold in zip(preds, golds):
        check(pred)
        check(gold)
        pred_set = set(pred)
        # set(gold) == pred_set, without building set(gold) when a gold item is missing
        if pred_set.issuperset(gold) and len(pred_set) == len(set(gold)):
            hits += 1
    return hits


def wos_jga(predictions: States, references: States) -> float:
    """Joint goal accuracy (0-100): share of turns whose predicted state, as a set, equals the
    gold state (order and duplicates do not matter). Turns are scored independently."""
    hits, n_turns = _score(_jga_hits, predictions, references)
    return hits / n_turns * 100.0


def _hits_and_f1_total(preds: States, golds: States) -> tuple[int, float]:
    """The number of exactly right turns (as ``_jga_hits``) and the sum over turns, in turn
    order, of TRADE-DST's per-turn F1 (see ``wos_slot_f1``), in one pass: a turn is right
    exactly when its F1 takes the ``pred_set == gold_set`` branch below.

    Bit-identical to the official ``compute_prf_for_wos`` summed in its loop: the same counts
    (membership in a set of strings is membership in the list), the same float operations in
    the same order, and additions left to right (never ``sum()``, which compensates rounding
    on Python 3.12+). A turn scoring 0 adds nothing, which leaves the sum unchanged.
    """
    check = _check_strings
    hits = 0
    total = 0.0
    for pred, gold in zip(preds, golds):
        check(pred)
        check(gold)
        pred_set = set(pred)
        gold_set = set(gold)
        if pred_set == gold_set:
            # Every gold item predicted and nothing else: P = R = 1.0, F1 = 2*1*1/2 = 1.0
            # (duplicates change nothing); an empty gold state with nothing predicted scores 1.
            hits += 1
            total += 1.0
            continue
        if not gold:
            continue  # empty gold state, something predicted: 0
        n_pred, n_gold = len(pred), len(gold)
        if len(pred_set) == n_pred and len(gold_set) == n_gold:
            # No duplicates: TP = |pred ∩ gold|, TP + FP = n_pred, TP + FN = n_gold.
            tp = len(pred_set & gold_set)
            if not tp:
                continue  # P = R = 0: F1 0
            precision = tp / n_pred
        else:
            # Duplicates count once per occurrence, as in the official loops over the lists.
            tp = sum(map(pred_set.__contains__, gold))
            if not tp:
                continue
            precision = tp / (tp + n_pred - sum(map(gold_set.__contains__, pred)))
        recall = tp / n_gold
        total += 2 * precision * recall / (precision + recall)
    return hits, total


def wos_slot_f1(predictions: States, references: States) -> float:
    """The official WoS "slot micro F1" (0-100), which is a *mean of per-turn F1 scores*.

    Per turn: TP = gold items found in the predicted list, FN = gold items not found,
    FP = predicted items not in the gold list (lists, so a duplicated item counts twice);
    P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2PR/(P+R) (0 on 0/0). A turn with an empty gold
    state scores 1 if the prediction is empty, else 0. The mean over turns is returned,
    despite the official name ``slot_micro_f1``.
    """
    (_, total), n_turns = _score(_hits_and_f1_total, predictions, references)
    return total / n_turns * 100.0


def wos_scores(predictions: States, references: States) -> dict[str, float]:
    """``{"jga": wos_jga(...), "slot_f1": wos_slot_f1(...)}`` from one validation and one pass
    over the turns (each turn's two sets serve both metrics): what the WoS task reports."""
    (hits, total), n_turns = _score(_hits_and_f1_total, predictions, references)
    return {"jga": hits / n_turns * 100.0, "slot_f1": total / n_turns * 100.0}


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
