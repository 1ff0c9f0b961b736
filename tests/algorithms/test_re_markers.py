"""Entity markers at character offsets, and the token window that keeps them."""

from __future__ import annotations

import pytest

from algorithms.re_markers import MarkerWindow, OverlappingEntitiesError, mark_entities, marker_window


@pytest.mark.parametrize(
    ("sentence", "subject", "obj", "marked"),
    [
        # subject before the object; the particles 는 / 에서 stay outside (the offsets end before them)
        ("김철수는 한국은행에서 일한다", (0, 2), (5, 8),
         "<subj>김철수</subj>는 <obj>한국은행</obj>에서 일한다"),
        # object before the subject
        ("한국은행에서 김철수가 일한다", (7, 9), (0, 3),
         "<obj>한국은행</obj>에서 <subj>김철수</subj>가 일한다"),
        # adjacent spans, both orders
        ("김철수한국은행", (0, 2), (3, 6), "<subj>김철수</subj><obj>한국은행</obj>"),
        ("한국은행김철수", (4, 6), (0, 3), "<obj>한국은행</obj><subj>김철수</subj>"),
        # spans that are the first and the last character of the sentence
        ("A와 B", (0, 0), (3, 3), "<subj>A</subj>와 <obj>B</obj>"),
        # a particle glued inside the offsets is inside the markers: offsets decide, not words
        ("서울에 간다", (0, 2), (4, 5), "<subj>서울에</subj> <obj>간다</obj>"),
        # the whole sentence is the two entities
        ("AB", (1, 1), (0, 0), "<obj>A</obj><subj>B</subj>"),
    ],
)
def test_markers_go_where_the_offsets_say(sentence, subject, obj, marked):
    assert mark_entities(sentence, subject, obj) == marked
    assert marked.replace("<subj>", "").replace("</subj>", "").replace("<obj>", "").replace("</obj>", "") == sentence


@pytest.mark.parametrize(
    ("subject", "obj"),
    [((0, 3), (3, 5)), ((2, 4), (0, 8)), ((0, 8), (2, 4)), ((1, 1), (1, 1)), ((4, 6), (0, 4))],
)
def test_overlapping_spans_are_rejected(subject, obj):
    with pytest.raises(OverlappingEntitiesError, match="overlap"):
        mark_entities("김철수는 한국은행에서", subject, obj)
    assert issubclass(OverlappingEntitiesError, ValueError)


def test_offsets_outside_the_sentence_are_rejected():
    with pytest.raises(ValueError, match="outside"):
        mark_entities("김철수", (0, 1), (2, 3))


M = {100, 101, 102, 103}  # marker ids


def tokens_with_markers(length: int, at: dict[int, int]) -> list[int]:
    tokens = [1] * length
    for position, marker in at.items():
        tokens[position] = marker
    return tokens


def test_a_sentence_that_fits_is_kept_whole():
    assert marker_window([1, 100, 1, 101], M, 4) == MarkerWindow(0, 4, False, False)


@pytest.mark.parametrize(
    ("length", "markers", "room"),
    [
        (200, {50: 100, 53: 101, 120: 102, 122: 103}, 80),  # middle of a long sentence
        (200, {0: 102, 2: 103, 5: 100, 9: 101}, 12),  # markers at the start: the rest goes right
        (200, {190: 100, 193: 101, 196: 102, 199: 103}, 12),  # markers at the end: the rest goes left
        (300, {140: 100, 141: 101, 142: 102, 143: 103}, 10),  # adjacent entities, room far below the length
    ],
)
def test_a_long_sentence_keeps_every_marker(length, markers, room):
    tokens = tokens_with_markers(length, markers)
    window = marker_window(tokens, M, room)
    kept = tokens[window.start : window.end]
    assert len(kept) == room and window.cut and not window.span_too_long
    assert sorted(t for t in kept if t in M) == sorted(markers.values())


def test_the_room_left_over_is_shared_left_and_right():
    tokens = tokens_with_markers(100, {40: 100, 41: 101, 50: 102, 51: 103})
    window = marker_window(tokens, M, 32)  # span 12, 20 to share
    assert (40 - window.start, window.end - 52) == (10, 10)


def test_a_span_longer_than_the_room_starts_at_the_first_marker():
    tokens = tokens_with_markers(100, {10: 102, 12: 103, 80: 100, 82: 101})
    window = marker_window(tokens, M, 20)
    assert window == MarkerWindow(10, 30, True, True)
