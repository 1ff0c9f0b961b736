"""WoS joint goal accuracy, the official per-turn "slot micro F1", and per-domain JGA."""

import json

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


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.wos_jga([[A]], [[A], []]), "same length"),
        (lambda: metrics.wos_jga([], []), "empty"),
        (lambda: metrics.wos_jga([A], [A]), r"^predictions\[0\]: expected one of the turn states"),
        (lambda: metrics.wos_slot_f1([[A]], [[1]]), r"^references\[0\]: expected 'domain-slot-value' strings"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
