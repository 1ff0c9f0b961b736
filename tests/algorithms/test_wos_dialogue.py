"""algorithms.wos_dialogue: one example per user turn, and histories cut from the left."""

from __future__ import annotations

import pytest

from algorithms.wos_dialogue import history_input_ids, user_turn_examples

DIALOGUE = [
    {"role": "user", "text": "식당 찾아요", "state": ["식당-종류-한식당"]},
    {"role": "sys", "text": "어디로요?", "state": []},
    {"role": "user", "text": "강남이요", "state": ["식당-종류-한식당", "식당-지역-강남"]},
    {"role": "sys", "text": "찾았어요", "state": []},
]


def test_one_example_per_user_turn_with_the_history_up_to_it():
    examples = user_turn_examples(DIALOGUE)
    assert [e["turn"] for e in examples] == [0, 1] and [e["position"] for e in examples] == [0, 2]
    # KLUE-baseline's layout: [CLS] [SEP] [SEP] user_0 [SEP], then [CLS] [SEP] user_0 [SEP] sys_1 [SEP] user_1 [SEP]
    assert examples[0]["history"] == ["", "", "식당 찾아요"]
    assert examples[1]["history"] == ["", "식당 찾아요", "어디로요?", "강남이요"]  # system turns included
    ids, _ = history_input_ids([[], [], [10, 11]], 12, prefix=[1], separator=[2])
    assert ids == [1, 2, 2, 10, 11, 2]
    # a dialogue the system opens: no empty system turn, the first example's empty context only
    opened = [{"role": "sys", "text": "안녕하세요", "state": []}, *DIALOGUE]
    assert [e["history"] for e in user_turn_examples(opened)][:2] == [
        ["", "안녕하세요", "식당 찾아요"], ["안녕하세요", "식당 찾아요", "어디로요?", "강남이요"]]
    assert examples[1]["state"] == ["식당-종류-한식당", "식당-지역-강남"]
    assert user_turn_examples([{"role": "sys", "text": "안녕하세요", "state": []}]) == []


def test_history_that_fits_is_whole_with_a_separator_after_every_turn():
    ids, cut = history_input_ids([[10, 11], [20], [30, 31, 32]], 12, prefix=[1], separator=[2])
    assert ids == [1, 10, 11, 2, 20, 2, 30, 31, 32, 2] and not cut


@pytest.mark.parametrize("max_length", [9, 8, 5, 3])
def test_truncation_keeps_the_latest_tokens(max_length):
    turns = [[10, 11, 12], [20, 21], [30, 31, 32]]
    full = [10, 11, 12, 2, 20, 21, 2, 30, 31, 32, 2]
    ids, cut = history_input_ids(turns, max_length, prefix=[1], separator=[2])
    assert cut and len(ids) == max_length
    assert ids == [1] + full[len(full) - (max_length - 1):]  # [CLS] then the most recent tokens
    assert ids[-1] == 2 and ids[-2] == 32  # the current user turn is never lost first


def test_no_room_for_a_turn_is_an_error():
    with pytest.raises(ValueError, match="no room"):
        history_input_ids([[10]], 2, prefix=[1], separator=[2])
