"""algorithms.wos_state: states <-> per-slot gates and values, slot lists, value text recovery."""

from __future__ import annotations

import pytest

from algorithms import wos_state
from algorithms.wos_state import BASE_GATES, BOOLEAN_GATES

SLOTS = ["식당-가격대", "식당-예약 시간", "식당-주차 가능", "택시-도착지"]
GATES = BASE_GATES + BOOLEAN_GATES


def test_an_item_splits_at_its_first_two_separators_only():
    assert wos_state.split_item("식당-예약 시간-12-1시") == ("식당-예약 시간", "12-1시")
    assert wos_state.split_item("택시-도착지-강남역 3-1번 출구") == ("택시-도착지", "강남역 3-1번 출구")
    for bad in ("식당-가격대", "식당--저렴", "-가격대-저렴", "식당-가격대- ", 3):
        with pytest.raises(ValueError, match="domain-slot-value"):
            wos_state.split_item(bad)


def test_a_state_round_trips_through_gates_and_values_dashes_included():
    state = ["식당-가격대-dontcare", "식당-예약 시간-12-1시", "식당-주차 가능-yes", "택시-도착지-강남역 3-1번 출구"]
    gates, values = wos_state.state_to_targets(state, SLOTS, GATES)
    assert [GATES[g] for g in gates] == ["dontcare", "ptr", "yes", "ptr"]
    # every slot's value is a target, a gated one's its gate's word (KLUE-baseline trains the generator on all)
    assert values == ["dontcare", "12-1시", "yes", "강남역 3-1번 출구"]
    assert wos_state.state_to_targets([], SLOTS, GATES)[1] == ["none"] * len(SLOTS)
    assert wos_state.targets_to_state(SLOTS, GATES, gates, values) == state


def test_a_state_value_none_takes_the_none_gate_as_in_klue_baseline():
    gates, _ = wos_state.state_to_targets(["식당-가격대-none"], SLOTS, GATES)
    assert GATES[gates[0]] == "none"


def test_without_boolean_gates_yes_and_no_are_generated_values():
    gates, values = wos_state.state_to_targets(["식당-주차 가능-no"], SLOTS, BASE_GATES)
    assert [BASE_GATES[g] for g in gates] == ["none", "none", "ptr", "none"] and values[2] == "no"
    assert wos_state.targets_to_state(SLOTS, BASE_GATES, gates, values) == ["식당-주차 가능-no"]


def test_gate_none_or_an_empty_generated_value_drops_the_slot():
    ptr, none = GATES.index("ptr"), GATES.index("none")
    assert wos_state.targets_to_state(SLOTS, GATES, [none, ptr, ptr, ptr], ["무시", "", " none ", " 서울역 "]) == [
        "택시-도착지-서울역"]


def test_a_value_gate_gives_its_word_whatever_the_generator_produced():
    dontcare, yes, no = GATES.index("dontcare"), GATES.index("yes"), GATES.index("no")
    assert wos_state.targets_to_state(SLOTS, GATES, [dontcare, dontcare, yes, no], ["저렴", None, "no", "강남역"]) == [
        "식당-가격대-dontcare", "식당-예약 시간-dontcare", "식당-주차 가능-yes", "택시-도착지-no"]


def test_slot_lists_and_gates_come_from_the_values_found():
    states = [["택시-도착지-서울역"], ["식당-주차 가능-yes", "식당-가격대-저렴"]]
    assert wos_state.slots_from_states(states) == ["식당-가격대", "식당-주차 가능", "택시-도착지"]
    assert wos_state.gate_names(["저렴", "yes"]) == GATES and wos_state.gate_names(["저렴"]) == BASE_GATES


def test_unknown_slot_names_the_first_bad_item():
    assert wos_state.unknown_slot(["식당-가격대-저렴", "식당-메뉴-김밥"], SLOTS) == (1, "식당-메뉴-김밥")
    assert wos_state.unknown_slot(["식당-가격대"], SLOTS) == (0, "식당-가격대")
    assert wos_state.unknown_slot(["식당-가격대-저렴"], SLOTS) is None
    with pytest.raises(ValueError, match="not in the slot list"):
        wos_state.state_to_targets(["식당-메뉴-김밥"], SLOTS, GATES)


def test_generated_ids_map_back_to_the_text_as_written():
    lookup = wos_state.value_lookup(["19:30", "서울역", "서울 역"], [[7, 8, 9], [4], [4]])
    assert lookup == {(7, 8, 9): "19:30", (4,): "서울역"}  # the first of two values with the same ids
    text = "강남역 3-1번 출구에서 만나요"
    ids = [1, 2, 3, 4, 5, 6]
    offsets = [(0, 3), (4, 5), (5, 6), (6, 8), (9, 11), (11, 13)]
    assert wos_state.span_text([2, 3, 4], ids, offsets, text) == "3-1번"
    assert wos_state.span_text([1, 2, 3, 4, 5], ids, offsets, text) == "강남역 3-1번 출구"
    assert wos_state.span_text([3, 2], ids, offsets, text) is None
    assert wos_state.span_text([], ids, offsets, text) is None
    # spans that end on the last token, one of them all the tokens
    assert wos_state.span_text([5, 6], ids, offsets, text) == "출구에서"
    assert wos_state.span_text(ids, ids, offsets, text) == "강남역 3-1번 출구에서"


def test_merge_values_keeps_the_first_of_each():
    assert wos_state.merge_values({"a-b": ["x", "y"]}, ["y", "z"]) == ["x", "y", "z"]


def _contains(sequence: list[int], part: list[int]) -> bool:
    return any(sequence[at:at + len(part)] == part for at in range(len(sequence) - len(part) + 1))


@pytest.mark.parametrize("family", ["wordpiece", "byte_bpe", "unigram"])
def test_a_value_tokenizes_as_its_mentions_do_so_a_pointer_can_copy_it(family):
    """Tokenized alone, a byte-level BPE value lacks the 'Ġ' of its mentions after a space: no copyable ids."""
    from tests import tiny_tokenizers

    texts = ["강남 서울역 근처 한식당을 찾아요", "서울역 근처 숙소", "예약 시간은 12시 30분 이에요"] * 30
    tokenizer = getattr(tiny_tokenizers, f"{family}_tokenizer")(texts, vocab_size=300)
    values = ["서울역 근처", "12시 30분"]
    ids = wos_state.value_token_ids(tokenizer, values)
    for value, value_ids in zip(values, ids):
        utterance = tokenizer(f"어디냐면 {value} 이에요", add_special_tokens=False)["input_ids"]
        assert _contains(utterance, value_ids), (family, value, tokenizer.convert_ids_to_tokens(value_ids))
        assert tokenizer.decode(value_ids).strip() == value
    alone = [tokenizer.convert_ids_to_tokens(row) for row in tokenizer(values, add_special_tokens=False)["input_ids"]]
    tokens = [tokenizer.convert_ids_to_tokens(row) for row in ids]
    if family == "byte_bpe":
        assert all(row[0].startswith("Ġ") for row in tokens) and all(not row[0].startswith("Ġ") for row in alone)
    elif family == "unigram":  # the same, less a lone '▁' (the space alone, nothing to generate)
        assert tokens == [row[1:] if row[0] == "▁" else row for row in alone]
    else:
        assert tokens == alone  # WordPiece: what KLUE-baseline's standalone tokenization gives
