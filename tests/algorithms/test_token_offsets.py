"""Token offsets as flat arrays, whatever form they come in (algorithms/token_offsets.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from algorithms.token_offsets import TokenOffsets, trim_whitespace

NESTED = [[(0, 0), (0, 2), (2, 4), (0, 0)], [(0, 0), (0, 1), (0, 0)]]


def test_offsets_read_the_same_from_tokenizer_pairs_stored_rows_and_arrow():
    offsets = TokenOffsets.of(NESTED)
    rows = offsets.to_rows()
    assert [row.tolist() for row in rows] == [[0, 0, 0, 2, 2, 4, 0, 0], [0, 0, 0, 1, 0, 0]]
    assert rows[0].dtype == np.int32
    forms = (rows, pa.array([row.tolist() for row in rows]),
             pa.chunked_array([pa.array(NESTED[:1]), pa.array(NESTED[1:])]))
    for form in forms:
        again = TokenOffsets.of(form)
        assert again.starts.tolist() == offsets.starts.tolist() and again.ends.tolist() == offsets.ends.tolist()
        assert again.lengths.tolist() == [4, 3]


def test_a_sequence_without_tokens_first_does_not_hide_the_form_of_the_others():
    # A sequence with no tokens (an empty text without special tokens) first: the form is read from the next row.
    for form in ([[], [(0, 2), (2, 4)]], [np.zeros(0, dtype=np.int32), np.array([0, 2, 2, 4], dtype=np.int32)]):
        offsets = TokenOffsets.of(form)
        assert offsets.lengths.tolist() == [0, 2] and offsets.starts.tolist() == [0, 2]
        assert offsets.ends.tolist() == [2, 4]


def test_sequence_position_and_begin_index_the_flat_tokens():
    offsets = TokenOffsets.of(NESTED)
    assert offsets.sequence().tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert offsets.position().tolist() == [0, 1, 2, 3, 0, 1, 2]
    assert offsets.begin.tolist() == [0, 4, 7]


def test_lookup_gives_character_offsets_and_marks_positions_outside_a_sequence():
    offsets = TokenOffsets.of(NESTED)
    starts, ends = offsets.lookup(np.array([[1, 2, 5, -1], [1, 3, 0, 2]]))
    assert starts.tolist() == [[0, 2, -1, -1], [0, -1, 0, 0]]
    assert ends.tolist() == [[2, 4, -1, -1], [1, -1, 0, 0]]


def test_lookup_in_a_sequence_without_tokens_marks_every_position_outside():
    offsets = TokenOffsets.of([[(0, 2), (2, 4)], []])  # the last sequence empty: it begins past the last token
    starts, ends = offsets.lookup(np.array([[1, 0], [0, 1]]))
    assert starts.tolist() == [[2, 0], [-1, -1]] and ends.tolist() == [[4, 2], [-1, -1]]


def test_an_empty_batch_has_no_tokens():
    offsets = TokenOffsets.of([])
    assert offsets.starts.size == 0 and offsets.lengths.size == 0


def test_trimmed_offsets_cut_no_space_at_either_end_of_a_span():
    """SentencePiece offsets as XLM-R gives them: "▁서울" covers " 서울", a standalone "▁" covers " "."""
    texts = ["그는 서울 대학교", "\u3000가\n", "가  나"]
    # 그는 | ▁ | ▁서울 | ▁대학교 | (not text) | ▁가 | a newline | 가 | two spaces | 나
    starts = np.array([0, 2, 2, 5, -1, 0, 2, 0, 1, 3])
    ends = np.array([2, 3, 5, 9, -1, 2, 3, 1, 3, 4])
    starts, ends = trim_whitespace(starts, ends, np.array([0, 0, 0, 0, 0, 1, 1, 2, 2, 2]), texts)
    assert starts.tolist() == [0, 3, 3, 6, -1, 1, 3, 0, 3, 3]
    # a whitespace-only token ends before it starts: no span of it alone has a text
    assert ends.tolist() == [2, 2, 5, 9, -1, 2, 2, 1, 1, 4]
    assert texts[0][starts[1] : ends[3]] == "서울 대학교"  # a span from the standalone "▁" on starts at 서
    assert texts[0][starts[0] : ends[1]] == "그는"  # and one ending on it ends before the space
    assert texts[2][starts[7] : ends[8]] == "가"  # before both spaces
