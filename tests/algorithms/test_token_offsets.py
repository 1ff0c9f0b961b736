"""Token offsets as flat arrays, whatever form they come in (algorithms/token_offsets.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from algorithms.token_offsets import TokenOffsets

NESTED = [[(0, 0), (0, 2), (2, 4), (0, 0)], [(0, 0), (0, 1), (0, 0)]]


def test_offsets_read_the_same_from_tokenizer_pairs_stored_rows_and_arrow():
    offsets = TokenOffsets.of(NESTED)
    rows = offsets.to_rows()
    assert [row.tolist() for row in rows] == [[0, 0, 0, 2, 2, 4, 0, 0], [0, 0, 0, 1, 0, 0]]
    assert rows[0].dtype == np.int32
    forms = (rows, pa.array([row.tolist() for row in rows]), pa.chunked_array([pa.array(NESTED[:1]), pa.array(NESTED[1:])]))
    for form in forms:
        again = TokenOffsets.of(form)
        assert again.starts.tolist() == offsets.starts.tolist() and again.ends.tolist() == offsets.ends.tolist()
        assert again.lengths.tolist() == [4, 3]


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


def test_an_empty_batch_has_no_tokens():
    offsets = TokenOffsets.of([])
    assert offsets.starts.size == 0 and offsets.lengths.size == 0
