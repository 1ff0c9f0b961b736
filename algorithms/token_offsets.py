"""Token character offsets of a batch of sequences as flat numpy arrays.

NER (characters ↔ subwords) and MRC (answer spans ↔ window tokens) both map model positions
back to characters through the tokenizer's ``offset_mapping``. Kept per token as Python pairs,
5,000 sentences or 7,600 windows of 512 tokens cost more to write and read than the model's
evaluation pass; flat arrays cost milliseconds. The features store one flat int32
``[start, end, start, end, ...]`` row per sequence (``to_rows``) and decoding reads the column
back through Arrow (``TokenOffsets.of``), never building a Python object per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class TokenOffsets:
    """``starts[k]``, ``ends[k]``: character offsets of token k of the batch (sequences one after
    the other); ``lengths[s]``: number of tokens of sequence s."""

    starts: np.ndarray
    ends: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, offsets: Any) -> TokenOffsets:
        """From a tokenizer's nested ``[[(start, end), ...], ...]``, from the flat per-sequence rows
        of ``to_rows`` (lists or arrays), or from either as a pyarrow column, e.g.
        ``features.with_format("arrow")["offset_mapping"]``."""
        if isinstance(offsets, TokenOffsets):
            return offsets
        if isinstance(offsets, (pa.Array, pa.ChunkedArray)):
            lengths = np.asarray(pc.list_value_length(offsets).to_numpy(zero_copy_only=False), dtype=np.int64)
            flat = pc.list_flatten(offsets)
            if pa.types.is_list(flat.type) or pa.types.is_fixed_size_list(flat.type):
                flat = pc.list_flatten(flat)
            else:
                lengths = lengths // 2
            pairs = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.int64).reshape(-1, 2)
            return cls(pairs[:, 0], pairs[:, 1], lengths)
        first_row = next((row for row in offsets if len(row)), None)
        nested = first_row is None or not np.isscalar(first_row[0])
        lengths = np.fromiter(map(len, offsets), dtype=np.int64, count=len(offsets))
        values = chain.from_iterable(chain.from_iterable(offsets)) if nested else chain.from_iterable(offsets)
        pairs = np.fromiter(values, dtype=np.int64).reshape(-1, 2)
        return cls(pairs[:, 0], pairs[:, 1], lengths if nested else lengths // 2)

    @property
    def begin(self) -> np.ndarray:
        """Sequence s owns tokens ``begin[s]:begin[s + 1]``."""
        return np.concatenate(([0], np.cumsum(self.lengths))).astype(np.int64)

    def sequence(self) -> np.ndarray:
        """The sequence index of every token."""
        return np.repeat(np.arange(self.lengths.size), self.lengths)

    def position(self) -> np.ndarray:
        """The position of every token inside its sequence."""
        return np.arange(self.starts.size) - np.repeat(self.begin[:-1], self.lengths)

    def lookup(self, positions: np.ndarray, missing: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """Character start and end of token ``positions[s, i]`` of sequence s; ``missing`` for
        positions outside the sequence (padding of a batch, of a top-k list)."""
        lengths = self.lengths[:, None]
        inside = (positions >= 0) & (positions < lengths)
        if self.starts.size == 0:
            return np.full(positions.shape, missing), np.full(positions.shape, missing)
        flat = np.minimum(self.begin[:-1, None] + np.where(inside, positions, 0), self.starts.size - 1)
        return np.where(inside, self.starts[flat], missing), np.where(inside, self.ends[flat], missing)

    def to_arrow(self) -> pa.ListArray:
        """``to_rows`` as one pyarrow list column, built without a Python object per sequence."""
        pairs = np.stack([self.starts, self.ends], axis=1).astype(np.int32).reshape(-1)
        return list_array(pairs, 2 * self.lengths)

    def to_rows(self) -> list[np.ndarray]:
        """One flat int32 ``[start, end, start, end, ...]`` array per sequence: what features keep
        (Arrow writes flat int arrays several times faster than lists of pairs)."""
        pairs = np.stack([self.starts, self.ends], axis=1).astype(np.int32).reshape(-1)
        return np.split(pairs, 2 * np.cumsum(self.lengths)[:-1])


def list_array(values: np.ndarray, lengths: np.ndarray) -> pa.ListArray:
    """A pyarrow list column whose row i holds the next ``lengths[i]`` items of the flat ``values``."""
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(bounds), pa.array(values))


# Every character that str.isspace() accepts lies below U+3001 (the ideographic space is the last).
_WHITESPACE = np.array([code for code in range(0x3001) if chr(code).isspace()], dtype=np.uint32)


def trim_whitespace(
    starts: np.ndarray, ends: np.ndarray, text_of_token: np.ndarray, texts: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Token offsets without the whitespace at either end, so that text cut from ``starts[i]`` to
    ``ends[j]`` neither begins nor ends with a space.

    SentencePiece tokenizers (XLM-R's Metaspace pieces) give the "▁" that opens a word the space
    before it: "▁서울" covers " 서울" and a standalone "▁" covers " ", so an answer cut from their
    offsets starts with a space. A token of whitespace alone ends up with its end before its start:
    no span of it alone has a text. ``text_of_token[k]`` is the index in ``texts`` of the text token
    k's offsets point into; tokens with a negative start (outside the text) stay as they are.
    """
    starts, ends = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    if not len(texts) or not starts.size:
        return starts, ends
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_begin = np.concatenate(([0], np.cumsum([len(text) for text in texts]))).astype(np.int64)
    base = text_begin[np.asarray(text_of_token, dtype=np.int64)]
    inside = starts >= 0
    # The end walks back to the original start, so that a token of whitespace alone ends where it began.
    trimmed_starts = _walk_off_whitespace(starts, np.where(inside, ends, starts), codes, base, step=1)
    trimmed_ends = _walk_off_whitespace(ends, np.where(inside, starts, ends), codes, base, step=-1)
    return trimmed_starts, trimmed_ends


def _walk_off_whitespace(edge: np.ndarray, stop: np.ndarray, codes: np.ndarray, base: np.ndarray,
                         step: int) -> np.ndarray:
    """``edge`` moved by ``step`` while the character it takes in (``codes[base + edge]`` going forward, the one
    before it going back) is whitespace and it has not reached ``stop``; one pass per character moved, over the
    tokens still moving."""
    edge = edge.copy()
    taken = 0 if step > 0 else -1
    moving = np.flatnonzero((stop - edge) * step > 0)
    while moving.size:
        moving = moving[np.isin(codes[base[moving] + edge[moving] + taken], _WHITESPACE, kind="table")]
        edge[moving] += step
        moving = moving[(stop[moving] - edge[moving]) * step > 0]
    return edge
