"""Entity markers at character offsets, their place between running-text tokens, and the token
window that keeps them."""

from __future__ import annotations

import pytest

from algorithms.re_markers import (
    MARKERS,
    MarkerWindow,
    OverlappingEntitiesError,
    glue_after_end_markers,
    insert_markers,
    mark_entities,
    marker_cuts,
    marker_window,
)


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


@pytest.mark.parametrize(
    ("sentence", "subject", "obj"),
    [("김철수는 한국은행에서 일한다", (0, 2), (5, 8)), ("한국은행에서 김철수가 일한다", (7, 9), (0, 3)),
     ("김철수한국은행", (0, 2), (3, 6)), ("한국은행김철수", (4, 6), (0, 3)), ("AB", (1, 1), (0, 0))],
)
def test_marker_cuts_put_the_markers_where_mark_entities_writes_them(sentence, subject, obj):
    """Writing each marker before the character at its cut, in the cuts' order, is mark_entities'
    text: touching entities close one marker before opening the next."""
    text, done = "", 0
    for position, marker in marker_cuts(sentence, subject, obj):
        text += sentence[done:position] + MARKERS[marker]
        done = position
    assert text + sentence[done:] == mark_entities(sentence, subject, obj)


def test_marker_cuts_reject_what_mark_entities_rejects():
    with pytest.raises(OverlappingEntitiesError):
        marker_cuts("김철수는", (0, 2), (2, 3))
    with pytest.raises(ValueError, match="outside"):
        marker_cuts("김철수", (0, 1), (2, 3))


MARKER_IDS = [100, 101, 102, 103]  # <subj> </subj> <obj> </obj>


def test_markers_go_between_running_text_tokens():
    """WordPiece '김 ##철 ##수 ##는 한 ##국 ##은 ##행 ##에 ##서': the particle after an entity keeps
    its continuation token (here 4, '##는'), as the unmarked sentence has it."""
    sentence = "김철수는 한국은행에서"
    ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    offsets = [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (8, 9), (9, 10), (10, 11)]
    cuts = marker_cuts(sentence, (0, 2), (5, 8))
    assert insert_markers(ids, offsets, sentence, cuts, MARKER_IDS) == [
        100, 1, 2, 3, 101, 4, 102, 5, 6, 7, 8, 103, 9, 10]


def test_touching_entities_and_an_entity_at_the_end():
    sentence = "김철수한국은행"
    ids, offsets = [1, 2, 3], [(0, 3), (3, 5), (5, 7)]
    cuts = marker_cuts(sentence, (0, 2), (3, 6))
    assert insert_markers(ids, offsets, sentence, cuts, MARKER_IDS) == [100, 1, 101, 102, 2, 3, 103]


def test_a_space_carried_by_a_token_stays_outside_the_entity():
    """Byte-level BPE / SentencePiece offsets may start at the space before a word ('Ġ한국은행' at
    4..9 in '김철수는 한국은행'): the marker goes before that token, the space is not the entity's."""
    sentence = "김철수는 한국은행"
    ids, offsets = [1, 2, 3], [(0, 3), (3, 4), (4, 9)]
    cuts = marker_cuts(sentence, (0, 2), (5, 8))
    assert insert_markers(ids, offsets, sentence, cuts, MARKER_IDS) == [100, 1, 101, 2, 102, 3, 103]
    # a token of spaces alone ('Ġ' before a word it did not merge with) is left outside too
    ids, offsets = [1, 2, 3, 4], [(0, 3), (3, 4), (4, 5), (5, 9)]
    assert insert_markers(ids, offsets, sentence, cuts, MARKER_IDS) == [100, 1, 101, 2, 3, 102, 4, 103]
    # a token that ends in a space after the entity: the marker closes after it (the token cannot split)
    sentence = "김철수  한국은행"
    cuts = marker_cuts(sentence, (0, 2), (5, 8))
    assert insert_markers([1, 2], [(0, 4), (5, 9)], sentence, cuts, MARKER_IDS) == [100, 1, 101, 102, 2, 103]


@pytest.mark.parametrize(
    ("offsets", "what"),
    [([(0, 4), (5, 11)], "'김철수는' is one subword: </subj> would cut it"),
     ([(0, 3), (3, 4), (5, 7), (7, 11)], "'은행에서' is one subword: </obj> would cut it"),
     ([(0, 3), (2, 4), (5, 9), (9, 11)], "a byte-level token spanning the end of 수 and 는"),
     ([(0, 4), (5, 7), (7, 9), (9, 11)], "'김철수는', the first subword: only </subj> would cut it")],
)
def test_a_boundary_inside_a_subword_gives_none(offsets, what):
    sentence = "김철수는 한국은행에서"
    ids = list(range(1, len(offsets) + 1))
    assert insert_markers(ids, offsets, sentence, marker_cuts(sentence, (0, 2), (5, 8)), MARKER_IDS) is None, what


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
    # One token too long (markers 10 to 30: 21 tokens) is too long; exactly the room fits with every marker.
    tokens = tokens_with_markers(100, {10: 102, 12: 103, 28: 100, 30: 101})
    assert marker_window(tokens, M, 20) == MarkerWindow(10, 30, True, True)
    assert marker_window(tokens, M, 21) == MarkerWindow(10, 31, True, False)


def test_an_odd_room_left_over_gives_the_extra_token_to_the_right():
    tokens = tokens_with_markers(100, {40: 100, 41: 101, 50: 102, 51: 103})
    window = marker_window(tokens, M, 33)  # span 12, 21 to share
    assert (40 - window.start, window.end - 52) == (10, 11)


def test_a_long_sentence_without_markers_keeps_its_start_and_counts_as_cut():
    assert marker_window([1] * 10, M, 4) == MarkerWindow(0, 4, True, False)


def test_no_room_is_refused():
    with pytest.raises(ValueError, match="no room"):
        marker_window([1, 100, 1, 101], M, 0)


VOCAB = {"</subj>": 1, "</obj>": 2, "는": 3, "##는": 4, "▁": 5, "▁에서": 6, "에서": 7, "ab": 8, "##ab": 9, "가": 10,
         "▁서울": 11}


@pytest.mark.parametrize(
    ("tokens", "glued", "expected"),
    [
        (["</subj>", "는", "</obj>", "가"], [True, True], ["</subj>", "##는", "</obj>", "가"]),  # no '##가'
        (["</subj>", "는"], [False, True], ["</subj>", "는"]),  # a space follows the entity
        (["</subj>", "ab"], [True, True], ["</subj>", "ab"]),  # not a Hangul syllable
        (["</subj>", "##는"], [True, True], ["</subj>", "##는"]),  # already a continuation
        (["</obj>", "▁에서"], [True, True], ["</obj>", "에서"]),  # SentencePiece: the word-start mark goes
        (["</obj>", "▁", "가"], [True, True], ["</obj>", "가"]),  # a lone one is dropped
        (["</obj>", "▁서울"], [True, True], ["</obj>", "▁서울"]),  # no '서울' in the vocabulary: left as it is
        (["</subj>"], [True, True], ["</subj>"]),  # nothing after the marker
    ],
)
def test_the_token_glued_after_an_end_marker_becomes_a_continuation(tokens, glued, expected):
    ids = [VOCAB[token] for token in tokens]
    fixed = glue_after_end_markers(ids, glued, [VOCAB["</subj>"], VOCAB["</obj>"]], tokens, VOCAB)
    assert fixed == [VOCAB[token] for token in expected]
