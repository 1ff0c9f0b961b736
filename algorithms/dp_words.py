"""KLUE-DP words (eojeol) <-> subwords, and the POS id of each word. Pure numpy, no torch.

A sentence is tokenized as running text, its words joined by single spaces (as KLUE-baseline
does), and each subword goes to the word its character offsets fall in, so each word maps to a
contiguous run of subwords: ``first`` and ``last`` are the positions of its first and last subword
in the model input. Running text, not ``is_split_into_words``: a byte-level BPE tokenizer
(GPT-2/RoBERTa style, ``add_prefix_space=False``) tokenizes split words without their leading space,
so every word after the first would get mid-word subwords (no ``Ġ``) the model never saw in text;
for WordPiece both give the same subwords. Words are never silently misaligned: when the sentence
is longer than ``max_length``, the input is cut *between* words (its closing special token kept),
every word with any subword past the cut is **truncated** (``first = last = -1``) and counted, and
only the words before the cut reach the model (they form a prefix of the sentence).

POS: the tag of a word's LAST morpheme (``NNP+JKS`` -> ``JKS``; morphemes are ``+``-joined,
and a column holding several words' groups separated by spaces also reads its last tag), as an id
over the fixed Sejong-style tag list ``POS_TAGS``: 0 pads, 1 is any tag outside the list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from algorithms.token_offsets import TokenOffsets

# The Sejong / KLUE morpheme tags (nouns, predicates, modifiers, particles, endings, affixes, symbols).
POS_TAGS: tuple[str, ...] = (
    "NNG", "NNP", "NNB", "NP", "NR", "VV", "VA", "VX", "VCP", "VCN", "MM", "MMA", "MMD", "MMN", "MAG",
    "MAJ", "IC", "JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "EP", "EF", "EC", "ETN",
    "ETM", "XPN", "XSN", "XSV", "XSA", "XR", "SF", "SP", "SS", "SE", "SO", "SW", "SL", "SH", "SN", "NA",
    "NF", "NV",
)  # fmt: skip
POS_PAD_ID = 0
POS_UNKNOWN_ID = 1
POS_VOCAB_SIZE = len(POS_TAGS) + 2
_POS_ID = {tag: index + 2 for index, tag in enumerate(POS_TAGS)}
_SEPARATORS = re.compile(r"[+\s]+")


def last_morpheme_tag(pos: str) -> str:
    """``"NNG+XSV+EP+EF+SF"`` -> ``"SF"``; ``""`` when the cell holds no tag."""
    tags = [tag for tag in _SEPARATORS.split(pos.strip()) if tag]
    return tags[-1] if tags else ""


def pos_id(pos: str) -> int:
    """The id of a word's POS (its last morpheme's tag); ``POS_UNKNOWN_ID`` for a tag outside ``POS_TAGS``."""
    return _POS_ID.get(last_morpheme_tag(pos), POS_UNKNOWN_ID)


def pos_ids(pos_column: Sequence[str]) -> list[int]:
    return [pos_id(pos) for pos in pos_column]


class WordSpans(NamedTuple):
    """One sentence: the model input (cut between words) and per word its subword span."""

    input_ids: list[int]
    first: np.ndarray  # (n_words,) position of the word's first subword, -1 when truncated
    last: np.ndarray  # (n_words,) position of its last subword, -1 when truncated

    @property
    def n_kept(self) -> int:
        """Words the model sees (a prefix of the sentence)."""
        return int((self.first >= 0).sum())

    @property
    def n_truncated(self) -> int:
        return int((self.first < 0).sum())


def word_spans(input_ids: Sequence[int], word_ids: Sequence[int | None], n_words: int, max_length: int) -> WordSpans:
    """Subword spans of ``n_words`` words from one untruncated encoding and the word of each of its
    tokens (``None`` or -1: not a word's, e.g. a special token).

    A longer encoding than ``max_length`` keeps its leading tokens up to the cut and its trailing
    special tokens (the ones after the last word, e.g. ``[SEP]``); a word cut in part or whole is
    truncated. A word without any subword (BERT's normalizer drops U+200B, U+00AD, U+FEFF and control
    characters) is read at the token before it."""
    if isinstance(word_ids, np.ndarray):
        ids = word_ids.astype(np.int64, copy=False)
    else:
        ids = np.fromiter((-1 if w is None else w for w in word_ids), dtype=np.int64, count=len(word_ids))
    words_at = np.flatnonzero(ids >= 0)
    tail = len(ids) - (int(words_at[-1]) + 1 if words_at.size else len(ids))  # special tokens after the words
    kept = list(input_ids)
    room = max_length - tail
    if len(ids) > max_length:
        kept = kept[:room] + kept[len(kept) - tail :]
    first = np.full(n_words, -1, dtype=np.int64)
    last = np.full(n_words, -1, dtype=np.int64)
    if words_at.size:
        word = ids[words_at]
        starts = np.r_[True, word[1:] != word[:-1]]
        ends = np.r_[word[1:] != word[:-1], True]
        first[word[starts]] = words_at[starts]
        last[word[ends]] = words_at[ends]
    # A word the tokenizer gives no subword (BERT's normalizer drops U+200B, U+00AD, U+FEFF, control
    # characters) is read at the token before it (the previous word's last subword, or [CLS]): it stays
    # a word of the parse instead of cutting the sentence there.
    empty = first < 0
    if empty.any() and words_at.size:
        before = np.maximum.accumulate(np.where(last >= 0, last, 0))
        first[empty] = last[empty] = before[empty]
    if len(ids) > max_length:
        cut = last >= room  # any subword past the cut
        first[cut] = last[cut] = -1
    # Only a prefix reaches the model: a word after a missing one would shift every index after it.
    missing = np.flatnonzero(first < 0)
    if missing.size:
        first[missing[0] :] = last[missing[0] :] = -1
    return WordSpans(kept, first, last)


def token_words(words: Sequence[Sequence[str]], offsets: TokenOffsets, special: np.ndarray) -> np.ndarray:
    """The word (index in its sentence) of every token of a batch encoded as ``" ".join(words)``,
    -1 for special tokens; from the tokens' character offsets (``offsets``, flat over the batch)
    and ``special`` (flat ``special_tokens_mask``).

    A token belongs to the first word that ends after the token starts: a token inside a word is
    that word's, and one holding only the space before a word (a byte-level BPE ``Ġ`` left alone,
    its offsets trimmed or not) is the next word's, as ``Ġ`` belongs to the word it precedes."""
    n_words = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    lengths = np.fromiter((len(w) for sentence in words for w in sentence), dtype=np.int64, count=int(n_words.sum()))
    word_begin = np.concatenate(([0], np.cumsum(n_words)))  # sentence s owns words word_begin[s]:word_begin[s+1]
    # End of each word in its sentence's text: the lengths of the words up to it, plus one space
    # after each of them but itself, from its sentence's first word on.
    spaced = np.concatenate(([0], np.cumsum(lengths + 1)))
    ends = spaced[1:] - 1 - np.repeat(spaced[word_begin[:-1]], n_words)
    # One sorted axis for the whole batch: sentence s's characters start at s * stride.
    stride = int(ends.max(initial=0)) + 1
    sentence = offsets.sequence()
    global_ends = ends + np.repeat(np.arange(len(words), dtype=np.int64) * stride, n_words)
    found = np.searchsorted(global_ends, offsets.starts + sentence * stride, side="right")
    inside = (found < word_begin[sentence + 1]) & (special == 0)
    return np.where(inside, found - word_begin[sentence], -1)


def encode_words(
    tokenizer: Any, words: Sequence[Sequence[str]], max_length: int
) -> list[WordSpans]:
    """Tokenize a batch of sentences given as words (a fast tokenizer: character offsets) as
    running text, ``" ".join(words)``, and map each word to its subwords."""
    encoding = tokenizer(
        [" ".join(sentence) for sentence in words],
        truncation=False,
        return_attention_mask=False,
        return_token_type_ids=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        verbose=False,
    )
    offsets = TokenOffsets.of(encoding["offset_mapping"])
    special = np.fromiter(chain.from_iterable(encoding["special_tokens_mask"]), np.int8, count=offsets.starts.size)
    owner = np.split(token_words(words, offsets, special), offsets.begin[1:-1])
    return [
        word_spans(encoding["input_ids"][i], owner[i], len(sentence), max_length) for i, sentence in enumerate(words)
    ]


WORD_COLUMNS = ("input_ids", "word_first", "word_last", "pos_ids", "head_labels", "deprel_labels")


def word_features(
    span: WordSpans,
    pos: Sequence[str],
    heads: Sequence[int] | None,
    deprel_ids: Sequence[int] | None,
    ignore_index: int = -100,
) -> dict[str, list[int]]:
    """One sentence's model inputs and labels (``WORD_COLUMNS``) over the words it keeps; without labels
    (``heads`` None: a sentence to parse) its inputs only. A kept word whose gold head was cut is not
    trained on (``ignore_index``): no candidate could be right."""
    kept = span.n_kept
    features = {
        "input_ids": list(span.input_ids),
        "word_first": span.first[:kept].tolist(),
        "word_last": span.last[:kept].tolist(),
        "pos_ids": pos_ids(pos[:kept]),
    }
    if heads is None or deprel_ids is None:
        return features
    features["head_labels"] = [h if h <= kept else ignore_index for h in heads[:kept]]
    features["deprel_labels"] = list(deprel_ids[:kept])
    return features
