"""WoS joint goal accuracy, the official per-turn "slot micro F1", and per-domain JGA."""

import json
import random
from collections import UserString

import pytest

import metrics

A = "관광-종류-박물관"
B = "관광-지역-서울 중앙"
C = "식당-가격대-저렴"
D = "식당-지역-서울 남쪽"
E = "숙소-주차 가능-yes"
F = "택시-출발지-서울역"
G = "택시-도착지-강남역"
H = "택시-도착지-잠실역"

PREDICTIONS = [[A, B], [], [C, D, D], [E], [F, G]]
REFERENCES = [[B, A], [], [C], [], [F, H]]


def test_jga_compares_sets_per_turn():
    # turn 1 (order ignored) and turn 2 (both empty) are right; the other three are not
    assert metrics.wos_jga(PREDICTIONS, REFERENCES) == 40.0


def test_jga_ignores_duplicates():
    assert metrics.wos_jga([[A, A]], [[A]]) == 100.0


def test_slot_f1_is_a_mean_of_per_turn_f1():
    # turn 1: 1; turn 2 (empty gold, empty prediction): 1;
    # turn 3: TP 1, FP 2 (D counted twice: lists), FN 0 -> P 1/3, R 1 -> F1 1/2;
    # turn 4 (empty gold, something predicted): 0; turn 5: TP 1, FP 1, FN 1 -> 1/2.
    # mean = 3/5. (A true micro F1 over all items would be 2*4/(2*4+4+1) = 61.5.)
    assert metrics.wos_slot_f1(PREDICTIONS, REFERENCES) == pytest.approx(60.0)


def test_slot_f1_duplicates_in_gold_count_each_time():
    # gold [A, A], prediction [A]: both gold items are "found" -> TP 2, FN 0, FP 0 -> 1
    assert metrics.wos_slot_f1([[A]], [[A, A]]) == 100.0


def test_empty_gold_turns():
    assert metrics.wos_slot_f1([[], [A]], [[], []]) == 50.0
    assert metrics.wos_jga([[], [A]], [[], []]) == 50.0


def test_perfect_predictions_score_100():
    assert metrics.wos_jga(REFERENCES, REFERENCES) == 100.0
    assert metrics.wos_slot_f1(REFERENCES, REFERENCES) == 100.0


def test_breakdown_per_domain():
    result = metrics.wos_breakdown(PREDICTIONS, REFERENCES)
    # each domain appears in one turn; only 관광's items match there
    assert result["per_domain_jga"] == {"관광": 100.0, "숙소": 0.0, "식당": 0.0, "택시": 0.0}
    assert result["per_domain_turns"] == {"관광": 1, "숙소": 1, "식당": 1, "택시": 1}
    json.dumps(result, ensure_ascii=False)


def test_breakdown_counts_only_turns_where_the_domain_appears():
    result = metrics.wos_breakdown([[A], [A, C], [C]], [[A], [A], [D]])
    # 관광: turns 1, 2, both right -> 100; 식당: turn 2 (predicted only) and 3 (wrong) -> 0
    assert result["per_domain_jga"] == {"관광": 100.0, "식당": 0.0}
    assert result["per_domain_turns"] == {"관광": 2, "식당": 2}


# The official KLUE-baseline code (taken by KLUE from TRADE-DST), as the reference.
def official_wos_jga(pred_steps, trgt_steps):
    total, joint_goal_acc = 0, 0
    for pred_batch, trgt_batch in zip(pred_steps, trgt_steps):
        for pred, trgt in zip(pred_batch, trgt_batch):
            if set(pred) == set(trgt):
                joint_goal_acc += 1
            total += 1
    return joint_goal_acc / float(total) * 100


def official_compute_prf_for_wos(gold, pred):
    tp, fp, fn = 0, 0, 0
    if len(gold) != 0:
        count = 1
        for g in gold:
            if g in pred:
                tp += 1
            else:
                fn += 1
        for p in pred:
            if p not in gold:
                fp += 1
        precision = tp / float(tp + fp) if (tp + fp) != 0 else 0
        recall = tp / float(tp + fn) if (tp + fn) != 0 else 0
        F1 = 2 * precision * recall / float(precision + recall) if (precision + recall) != 0 else 0
    else:
        if len(pred) == 0:
            precision, recall, F1, count = 1, 1, 1, 1
        else:
            precision, recall, F1, count = 0, 0, 0, 1
    return F1, recall, precision, count


def official_wos_slot_micro_f1(pred_steps, trgt_steps):
    count, f1 = 0, 0
    for pred_batch, trgt_batch in zip(pred_steps, trgt_steps):
        for pred, trgt in zip(pred_batch, trgt_batch):
            curr_f1, _, _, curr_count = official_compute_prf_for_wos(gold=trgt, pred=pred)
            f1 += curr_f1
            count += curr_count
    return f1 / float(count) * 100


def random_states(rng: random.Random, n_turns: int) -> tuple[list[list[str]], list[list[str]]]:
    """Small vocabulary, so that turns collide often; duplicates, empty gold and empty
    predictions on purpose; every string its own object, as when read from JSON."""
    vocabulary = [A, B, C, D, E, F, G, H, "관광-종류-공원", "숙소-지역-서울 북쪽"]

    def item() -> str:
        return "".join(list(rng.choice(vocabulary)))

    preds, golds = [], []
    for _ in range(n_turns):
        gold = [item() for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8]))]
        roll = rng.random()
        if roll < 0.3:  # right, in another order, sometimes with a duplicate
            pred = ["".join(list(x)) for x in rng.sample(gold, len(gold))]
            if pred and rng.random() < 0.3:
                pred.append(rng.choice(pred))
        elif roll < 0.5:  # one item dropped, changed or added
            pred = list(gold)
            if pred and rng.random() < 0.5:
                pred.pop(rng.randrange(len(pred)))
            else:
                pred.append(item())
        elif roll < 0.6:
            pred = []
        else:
            pred = [item() for _ in range(rng.choice([0, 1, 2, 3, 5, 8]))]
        if gold and rng.random() < 0.1:
            gold.append(rng.choice(gold))  # a duplicated gold item
        preds.append(pred)
        golds.append(gold)
    return preds, golds


@pytest.mark.parametrize("seed", range(40))
def test_equals_the_official_code_bit_for_bit(seed):
    rng = random.Random(seed)
    preds, golds = random_states(rng, rng.choice([1, 2, 7, 50, 400]))
    jga = metrics.wos_jga(preds, golds)
    slot_f1 = metrics.wos_slot_f1(preds, golds)
    # exact equality: same counts, same float operations, same order of additions
    assert jga == official_wos_jga([preds], [golds])
    assert slot_f1 == official_wos_slot_micro_f1([preds], [golds])
    # the same through the detailed validation path (tuples, iterators) and through score_task
    as_tuples = tuple(tuple(turn) for turn in preds)
    assert metrics.wos_jga(iter(as_tuples), (list(turn) for turn in golds)) == jga
    assert metrics.wos_slot_f1(iter(as_tuples), (list(turn) for turn in golds)) == slot_f1
    # both in one pass, as the task reports them
    assert metrics.wos_scores(preds, golds) == {"jga": jga, "slot_f1": slot_f1}
    assert metrics.wos_scores(iter(as_tuples), (list(turn) for turn in golds)) == {"jga": jga, "slot_f1": slot_f1}
    assert metrics.score_task("wos", preds, golds) == {"jga": jga, "slot_f1": slot_f1}


def test_every_small_turn_equals_the_official_code():
    # one turn at a time, so that a last-bit difference in the per-turn F1 is not rounded away
    # in a long sum: every (TP, FP, FN) with up to 8 gold and 8 predicted items
    items = [f"관광-이름-장소{i}" for i in range(20)]
    for n_gold in range(9):
        for tp in range(n_gold + 1):
            for fp in range(9 - tp):
                gold = items[:n_gold]
                pred = items[n_gold - tp : n_gold] + items[10 : 10 + fp]
                for preds, golds in (([pred], [gold]), ([pred[::-1]], [gold + gold[:1]])):
                    official_f1 = official_wos_slot_micro_f1([preds], [golds])
                    assert metrics.wos_jga(preds, golds) == official_wos_jga([preds], [golds]), (pred, gold)
                    assert metrics.wos_slot_f1(preds, golds) == official_f1, (pred, gold)


def test_reference_cases_cover_duplicates_and_empty_states():
    preds, golds = random_states(random.Random(0), 400)
    pairs = list(zip(preds, golds))
    assert any(len(set(gold)) < len(gold) for _, gold in pairs)
    assert any(len(set(pred)) < len(pred) for pred, _ in pairs)
    assert any(not gold and not pred for pred, gold in pairs)
    assert any(not gold and pred for pred, gold in pairs)
    assert any(gold and not pred for pred, gold in pairs)
    assert any(gold and set(pred) == set(gold) and pred != gold for pred, gold in pairs)


def test_input_is_not_modified():
    preds, golds = [[A, B], [C, C]], [[B, A], [C]]
    metrics.wos_jga(preds, golds)
    metrics.wos_slot_f1(preds, golds)
    assert preds == [[A, B], [C, C]] and golds == [[B, A], [C]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.wos_jga([[A]], [[A], []]), "same length"),
        (lambda: metrics.wos_jga([], []), "empty"),
        (lambda: metrics.wos_jga([A], [A]), r"^predictions\[0\]: expected one of the turn states"),
        (lambda: metrics.wos_slot_f1([[A]], [[1]]), r"^references\[0\]: expected 'domain-slot-value' strings"),
        # a bad item after good turns, on either side and for either metric, is named by its turn
        (lambda: metrics.wos_jga([[A], [B, 2]], [[A], [B]]), r"^predictions\[1\]: expected .* strings, got int"),
        (lambda: metrics.wos_slot_f1([[A], [B]], [[A], [None]]), r"^references\[1\]: .* got NoneType"),
        (lambda: metrics.wos_jga([[A], [B]], [[A], [B, b"x"]]), r"^references\[1\]: .* got bytes"),
        (lambda: metrics.wos_slot_f1([[A, [B]]], [[A]]), r"^predictions\[0\]: .* got list"),  # unhashable
        (lambda: metrics.wos_breakdown([[A]], [[A, 3]]), r"^references\[0\]: .* got int"),
        (lambda: metrics.wos_scores([[A], [B]], [[A], [B, 3]]), r"^references\[1\]: .* got int"),
        (lambda: metrics.wos_scores([[A]], [[A], []]), "same length"),
        (lambda: metrics.wos_jga([[A], B], [[A], [B]]), r"^predictions\[1\]: expected one of the turn states"),
        # equal to a predicted string, but not a string: still refused
        (lambda: metrics.wos_jga([[A]], [[UserString(A)]]), r"^references\[0\]: .* got UserString"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
