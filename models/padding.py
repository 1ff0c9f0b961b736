"""Padding shared by the task models: right padding in their data collators, and logits of padded
positions (or choices) kept out of a softmax."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def padded_width(longest: int, multiple: int | None) -> int:
    """``longest`` rounded up to a multiple of ``multiple`` (unchanged when it is None or 0): a few
    distinct batch shapes, so a compiled model compiles a few graphs."""
    return -(-longest // multiple) * multiple if multiple else longest


def lowest_at_padding(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``logits`` at the dtype's lowest value where ``mask`` (1: real, 0: padding) is 0: no weight in a softmax."""
    return logits.masked_fill(~mask.bool(), torch.finfo(logits.dtype).min)


def pad_rows(rows: Sequence[Sequence[int]], width: int, value: int) -> torch.Tensor:
    """``(len(rows), width)`` long tensor: each row followed by ``value`` up to ``width``."""
    return torch.tensor([list(row) + [value] * (width - len(row)) for row in rows], dtype=torch.long)


class RightPaddingCollator:
    """A collator that pads token rows on the right with ``pad_token_id``, to the batch's longest
    row rounded up by ``padded_width``."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def width(self, longest: int) -> int:
        return padded_width(longest, self.pad_to_multiple_of)
