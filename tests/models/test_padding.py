"""models.padding: the right padding the task collators share."""

from __future__ import annotations

from models.padding import RightPaddingCollator, pad_rows, padded_width


def test_widths_round_up_to_the_multiple_only_when_one_is_given():
    assert [padded_width(n, 8) for n in (1, 8, 9, 16)] == [8, 8, 16, 16]
    assert padded_width(13, None) == 13 and padded_width(13, 0) == 13
    assert RightPaddingCollator(pad_token_id=0, pad_to_multiple_of=32).width(33) == 64


def test_rows_are_padded_on_the_right():
    assert pad_rows([[5, 6], [7]], 4, -1).tolist() == [[5, 6, -1, -1], [7, -1, -1, -1]]
