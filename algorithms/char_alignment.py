"""KLUE-NER tags between characters and subwords, in both directions, over whole batches.

KLUE-NER tags characters; a model tags subwords. Training gives each subword the tag of its
first character (``subword_labels``). Scoring goes back (``subword_predictions_to_chars``):
a subword's first character takes its predicted tag and the following characters of the same
subword take ``I-`` of that type, so "서울시청" predicted ``B-OG`` as one subword scores as
``B-OG I-OG I-OG I-OG``. What a subword cannot express is an entity boundary inside it
(``<서울:LC>에`` as one subword "서울에"): that is the limit of any subword tagger, measured
by ``tests/algorithms/test_char_alignment.py`` on the real dev set.

Everything works on flat numpy arrays over a batch (all texts joined), because the per-character
Python loops this replaces cost more than the tokenizer call itself.

Tag ids are in the official order (``klue_data.labels.NER_TAGS``): ``B-X`` at even ids, ``I-X``
at the following odd id, ``O`` last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from klue_data.labels import NER_TAGS
from klue_data.ner import is_space_token
from algorithms.token_offsets import TokenOffsets

TAG_IDS = {tag: index for index, tag in enumerate(NER_TAGS)}
O_ID = TAG_IDS["O"]
_TAG_NAMES = np.array(NER_TAGS, dtype=object)
# Every character str.isspace calls a space (all are below U+3001): the per-character half of
# klue_data.ner.is_space_token, read over a whole batch.
_SPACE_CODES = np.array([code for code in range(0x3001) if chr(code).isspace()], dtype=np.uint32)


class CharBatch:
    """Sentences given as character tokens (KLUE-NER ``tokens``), joined into one flat text.

    ``tokens``: a list of per-sentence token lists, or the same as a pyarrow list column (read
    without a Python string per character: the fast path of ``Dataset.map`` over Arrow batches).
    """

    def __init__(self, tokens: Any) -> None:
        if isinstance(tokens, (pa.Array, pa.ChunkedArray)):
            self.texts = pc.binary_join(tokens, "").to_pylist()
            token_counts = _numpy(pc.list_value_length(tokens))
            token_lengths = _numpy(pc.utf8_length(pc.list_flatten(tokens)))
        else:
            self.texts = ["".join(sentence) for sentence in tokens]
            token_counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
            token_lengths = np.fromiter(map(len, chain.from_iterable(tokens)), dtype=np.int64)
        text_lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
        self.text_starts = np.concatenate(([0], np.cumsum(text_lengths)[:-1])).astype(np.int64)
        self.text_lengths = text_lengths
        codes = np.frombuffer("".join(self.texts).encode("utf-32-le"), dtype=np.uint32)
        self.is_space = np.isin(codes, _SPACE_CODES)
        # Usually one character per token; a token of several characters (tolerated by the
        # reader) is one unit, addressed by its first character.
        self.token_counts = token_counts
        self.token_starts = np.concatenate(([0], np.cumsum(token_lengths)[:-1])).astype(np.int64)
        self.char_token = np.repeat(np.arange(token_lengths.size), token_lengths)
        # A space token is one whose characters are all spaces (klue_data.ner.is_space_token, the
        # scorer's rule). The readers pass only tokens that are all spaces or hold none, so the
        # first character decides; anything else would make the two sides disagree on which
        # characters are scored, so it is refused here rather than scored inconsistently.
        non_space = np.bincount(self.char_token[~self.is_space], minlength=token_lengths.size)
        malformed = (token_lengths == 0) | ((non_space > 0) & (non_space < token_lengths))
        if malformed.any():
            bad = int(np.flatnonzero(malformed)[0])
            raise ValueError(
                f"NER token {bad} of the batch is empty or mixes spaces with other characters; expected one "
                "character per token (klue_data.ner.token_problem, which the readers apply)"
            )
        self.token_is_space = non_space == 0
        self._non_space = np.flatnonzero(~self.is_space)

    @classmethod
    def of(cls, tokens: Any) -> CharBatch:
        return tokens if isinstance(tokens, CharBatch) else cls(tokens)

    def first_non_space(self, positions: np.ndarray) -> np.ndarray:
        """For each global character position, the first non-space position at or after it (or ``len``)."""
        index = np.searchsorted(self._non_space, positions)
        padded = np.append(self._non_space, self.is_space.size)
        return padded[index]


def _numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


_TAG_VALUES = pa.array(NER_TAGS)


def tag_ids(tags: Any) -> np.ndarray:
    """Flat tag ids (official order) of per-sentence tag names, given as lists or a pyarrow list column."""
    if isinstance(tags, (pa.Array, pa.ChunkedArray)):
        ids = pc.index_in(pc.list_flatten(tags), value_set=_TAG_VALUES)
        if ids.null_count:
            raise ValueError(f"NER tags outside the 13 KLUE tags ({', '.join(NER_TAGS)})")
        return _numpy(ids)
    return np.fromiter(map(TAG_IDS.__getitem__, chain.from_iterable(tags)), dtype=np.int64)


def _subword_spans(batch: CharBatch, offsets: TokenOffsets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(valid, first, end)`` per subword: does it cover a character, the global position of its
    first non-space character, and its global end. Special tokens have empty offsets.

    The first character skips spaces because byte-level BPE subwords carry the space before a
    word ("Ġ서울"); most tokenizers trim it from the offsets, but not all."""
    base = batch.text_starts[offsets.sequence()] if offsets.starts.size else np.zeros(0, dtype=np.int64)
    global_end = base + offsets.ends
    first = batch.first_non_space(base + offsets.starts)
    valid = (offsets.ends > offsets.starts) & (first < global_end)
    return valid, first, global_end


def align_char_labels(tokens: Any, tags: Any, offsets: Any) -> list[np.ndarray]:
    """Subword label ids: the tag of each subword's first (non-space) character; ``O`` for tokens
    without a character ([CLS], [SEP], a piece holding only a space), as KLUE-baseline trains them.

    ``tokens``/``tags``: per-sentence lists (or pyarrow list columns, or a ``CharBatch`` for the
    tokens); ``offsets``: the tokenizer's ``offset_mapping`` over ``"".join(tokens[i])``, in any
    form ``TokenOffsets.of`` reads. Returns one array of label ids per sentence.
    """
    offsets = TokenOffsets.of(offsets)
    return np.split(subword_labels(tokens, tags, offsets), np.cumsum(offsets.lengths)[:-1])


def subword_labels(tokens: Any, tags: Any, offsets: TokenOffsets) -> np.ndarray:
    """``align_char_labels`` for the whole batch as one flat array (sequences one after the other)."""
    batch = CharBatch.of(tokens)
    token_tags = tag_ids(tags)
    valid, first, _ = _subword_spans(batch, offsets)
    labels = np.full(valid.size, O_ID, dtype=np.int64)
    labels[valid] = token_tags[batch.char_token[first[valid]]]
    return labels


def inside_tag(tag_id: np.ndarray) -> np.ndarray:
    """``I-X`` for ``B-X`` and ``I-X``; ``O`` stays ``O``."""
    return np.where(tag_id == O_ID, O_ID, tag_id | 1)


@dataclass
class CharPredictions:
    """Predicted tag ids of every token of a batch (flat, sentences one after the other; spaces ``O``)
    and which sentences lost characters to truncation."""

    flat_tags: np.ndarray
    is_space: np.ndarray  # per token
    token_counts: np.ndarray  # per sentence
    truncated: np.ndarray  # bool per sentence: characters past the last subword were predicted O
    # Per sentence: its non-space tokens that start before the end of its last subword (all of them
    # unless truncation cut the sentence). KLUE-baseline scores only these, on both sides.
    covered_counts: np.ndarray

    @property
    def token_tags(self) -> list[np.ndarray]:
        """Per sentence, one id per token, spaces included."""
        return np.split(self.flat_tags, np.cumsum(self.token_counts)[:-1])

    @property
    def non_space(self) -> list[np.ndarray]:
        """Per sentence, the ids of the non-space tokens: the unit the metrics score."""
        return np.split(self.flat_tags[~self.is_space], np.cumsum(self.non_space_counts())[:-1])

    def non_space_names(self) -> list[list[str]]:
        """``non_space`` as tag names, built in one pass (the metrics take names)."""
        names = _TAG_NAMES[self.flat_tags[~self.is_space]].tolist()
        bounds = np.concatenate(([0], np.cumsum(self.non_space_counts()))).tolist()
        return [names[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]

    def non_space_counts(self) -> np.ndarray:
        sentence = np.repeat(np.arange(self.token_counts.size), self.token_counts)
        return np.bincount(sentence[~self.is_space], minlength=self.token_counts.size)


def subword_predictions_to_chars(
    tokens: Sequence[Sequence[str]], offsets: Any, predictions: np.ndarray
) -> CharPredictions:
    """Per-subword predicted tag ids (``predictions[i, j]`` for subword j of sentence i, padded
    beyond ``len(offsets[i])``) → tag ids per character of every sentence.

    A subword's first character takes its predicted tag, its other characters ``I-`` of the same
    type. Where subwords overlap (byte-level BPE splits a syllable's bytes), the subword that
    starts on a character decides it. A character no subword covers inside the sentence (one the
    tokenizer drops: U+200B, U+FEFF, a soft hyphen; an uncased tokenizer's combining marks) is
    ``I-X`` when the characters around it are of one entity X, else ``O`` (``bridge_dropped_characters``).
    Characters past the last subword (cut by truncation) are ``O``.
    """
    batch = CharBatch.of(tokens)
    offsets = TokenOffsets.of(offsets)
    predictions = np.asarray(predictions)
    valid, first, end = _subword_spans(batch, offsets)
    row = offsets.sequence()
    predicted = predictions[row, offsets.position()] if valid.size else np.zeros(0, dtype=np.int64)
    predicted = np.where((predicted >= 0) & (predicted <= O_ID), predicted, O_ID)

    chars = np.full(batch.is_space.size, O_ID, dtype=np.int64)
    first, end, predicted = first[valid], end[valid], predicted[valid]
    inside, subword = _inside_positions(first, end)
    chars[inside] = inside_tag(predicted)[subword]
    # First characters are assigned last, so they win over the inside of an overlapping subword;
    # of two subwords starting on the same character, the first one decides it.
    _, earliest = np.unique(first, return_index=True)
    chars[first[earliest]] = predicted[earliest]
    chars = bridge_dropped_characters(batch, chars, _covered_characters(batch, first, inside))

    covered_end = _covered_end(offsets, row[valid], end)
    truncated = _has_uncovered_tail(batch, covered_end)
    sentence_of_token = np.repeat(np.arange(batch.token_counts.size), batch.token_counts)
    limit = np.maximum(covered_end, batch.text_starts)  # global; a sentence without subwords covers nothing
    covered = ~batch.token_is_space & (batch.token_starts < limit[sentence_of_token])
    covered_counts = np.bincount(sentence_of_token[covered], minlength=batch.token_counts.size)

    token_tags = chars[batch.token_starts]
    token_tags[batch.token_is_space] = O_ID
    return CharPredictions(token_tags, batch.token_is_space, batch.token_counts, truncated, covered_counts)


def _covered_characters(batch: CharBatch, first: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Per character: does a subword cover it (as its first character or after it)?"""
    covered = np.zeros(batch.is_space.size, dtype=bool)
    covered[first] = True
    covered[inside] = True
    return covered


def bridge_dropped_characters(batch: CharBatch, chars: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """``chars`` (tag ids per character) with each non-space character no subword covers, between two
    that subwords cover in its sentence, set to ``I-X`` where the covered character before it is ``B-X`` or
    ``I-X`` and the one after it ``I-X`` (the entity goes on across it), else ``O``.

    Tokenizers drop some characters (BERT's normalizer U+200B, U+FEFF and soft hyphens, uncased ones
    combining marks): left ``O`` inside an entity, they would split it in two (``<서울\u200b시청:OG>``
    read as ``B-OG I-OG O I-OG I-OG``, no entity the gold has)."""
    anchor = covered & ~batch.is_space
    gap = ~covered & ~batch.is_space
    if not gap.any():
        return chars
    positions = np.arange(chars.size)
    before = np.maximum.accumulate(np.where(anchor, positions, -1))[gap]
    after = np.minimum.accumulate(np.where(anchor, positions, chars.size)[::-1])[::-1][gap]
    sentence = np.repeat(np.arange(batch.text_lengths.size), batch.text_lengths)
    gap_at = np.flatnonzero(gap)
    inner = (before >= 0) & (after < chars.size)
    inner[inner] &= (sentence[before[inner]] == sentence[gap_at[inner]]) & (
        sentence[after[inner]] == sentence[gap_at[inner]]
    )
    previous = np.where(inner, chars[np.maximum(before, 0)], O_ID)
    following = np.where(inner, chars[np.minimum(after, chars.size - 1)], O_ID)
    goes_on = inner & (previous != O_ID) & (following == inside_tag(previous))
    bridged = chars.copy()
    bridged[gap_at] = np.where(goes_on, following, O_ID)
    return bridged


def _inside_positions(first: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The characters of each span ``[first, end)`` after its first one, and the span of each."""
    lengths = np.maximum(end - first - 1, 0)
    span = np.repeat(np.arange(first.size), lengths)
    step = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return first[span] + 1 + step, span


def _covered_end(offsets: TokenOffsets, sentence: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per sentence, the (global) end of its last subword: the subwords' ``end`` grouped by ``sentence``."""
    covered_end = np.zeros(offsets.lengths.size, dtype=np.int64)
    if end.size:
        np.maximum.at(covered_end, sentence, end)
    return covered_end


def _has_uncovered_tail(batch: CharBatch, covered_end: np.ndarray) -> np.ndarray:
    """Sentences with a character at or after the end of their last subword that a tokenizer reads: not
    a space, nor a format or control character (U+200B, U+FEFF), which tokenizers drop rather than cut."""
    sentence_end = batch.text_starts + batch.text_lengths
    start = np.maximum(covered_end, batch.text_starts)
    next_non_space = batch.first_non_space(start)
    tail = next_non_space < sentence_end
    for sentence in np.flatnonzero(tail).tolist():  # the few sentences cut, or ending in such characters
        text, offset = batch.texts[sentence], int(batch.text_starts[sentence])
        rest = text[int(next_non_space[sentence]) - offset :]
        tail[sentence] = any(not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc") for char in rest)
    return tail


def truncated_sentences(tokens: Any, offsets: Any) -> np.ndarray:
    """Per sentence: does it have a non-space character past its last subword (cut by truncation)?"""
    batch = CharBatch.of(tokens)
    offsets = TokenOffsets.of(offsets)
    valid, _, end = _subword_spans(batch, offsets)
    return _has_uncovered_tail(batch, _covered_end(offsets, offsets.sequence()[valid], end[valid]))


def special_position_tags(predicted: np.ndarray, lengths: np.ndarray) -> list[tuple[str, str]]:
    """Per sequence, the tag names predicted at its first and its last token ([CLS], [SEP]):
    ``predicted[i, j]`` for token j of sequence i (padded past ``lengths[i]``).

    The official scoring layout (``official_tag_sequence``) puts them around each sentence.
    KLUE-baseline reads its last *padded* position under its fixed padding, a pad its loss never saw
    (transformers 3.5.1 left masked positions out); with dynamic padding a row's pads change with its
    batch, and the [SEP] is the last position every batching predicts alike (trained as ``O``)."""
    rows = np.arange(predicted.shape[0])
    ends = np.stack([predicted[:, 0], predicted[rows, np.maximum(lengths - 1, 0)]], axis=1)
    ends = np.where((ends >= 0) & (ends <= O_ID), ends, O_ID)
    return [(NER_TAGS[first], NER_TAGS[last]) for first, last in ends.tolist()]


def tag_names(ids: np.ndarray) -> list[str]:
    return [NER_TAGS[i] for i in ids.tolist()]


def boundary_inside_subword(tokens: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], offsets: Any) -> np.ndarray:
    """Per sentence: does a subword hold characters whose gold tags no single subword tag can give?

    That is a character after a subword's first one whose tag is not ``I-`` of the first one's
    type (or ``O`` after ``O``): an entity boundary inside the subword, the one thing the
    character → subword → character round trip cannot keep. A character another subword starts on
    is that subword's to decide (overlapping pieces of one syllable: byte-level BPE, mBERT-uncased's
    jamo), as in ``subword_predictions_to_chars``. A character the tokenizer dropped is flagged too
    where its gold tag is not the one its neighbours give it (``bridge_dropped_characters``): an entity
    boundary on a character no subword holds."""
    batch = CharBatch.of(tokens)
    token_tags = tag_ids(tags)
    char_tags = token_tags[batch.char_token]
    offsets = TokenOffsets.of(offsets)
    valid, first, end = _subword_spans(batch, offsets)
    sentence = offsets.sequence()[valid]
    first, end = first[valid], end[valid]
    position, subword = _inside_positions(first, end)
    expected = inside_tag(char_tags[first])[subword]
    starts_a_subword = np.zeros(batch.is_space.size, dtype=bool)
    starts_a_subword[first] = True
    broken = (char_tags[position] != expected) & ~batch.is_space[position] & ~starts_a_subword[position]
    result = np.zeros(offsets.lengths.size, dtype=bool)
    result[sentence[subword][broken]] = True
    bridged = bridge_dropped_characters(batch, char_tags, _covered_characters(batch, first, position))
    sentence_of_char = np.repeat(np.arange(batch.text_lengths.size), batch.text_lengths)
    before_the_cut = np.arange(char_tags.size) < _covered_end(offsets, sentence, end)[sentence_of_char]
    result[sentence_of_char[(bridged != char_tags) & before_the_cut]] = True
    return result


# --- predictions for people: entities and KLUE markup -----------------------------------------


def entities_from_tags(tokens: Sequence[str], tags: Sequence[str]) -> list[dict[str, Any]]:
    """Entities as ``{text, type, start, end}`` (character offsets in ``"".join(tokens)``, end exclusive).

    Read as the entity F1 reads them: over the non-space characters, strict IOB2 (an entity
    starts at ``B-X`` and continues over ``I-X``; a stray ``I-X`` starts nothing). An entity's
    text keeps the spaces inside it ("서울 시청").
    """
    text = "".join(tokens)
    starts = np.concatenate(([0], np.cumsum([len(token) for token in tokens])[:-1])).astype(int).tolist()
    entities: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for position, (token, tag) in enumerate(zip(tokens, tags, strict=True)):
        if is_space_token(token):
            continue
        kind, _, entity_type = tag.partition("-")
        if current is not None and kind == "I" and entity_type == current["type"]:
            current["end"] = starts[position] + len(token)
            continue
        current = None
        if kind == "B":
            current = {"type": entity_type, "start": starts[position], "end": starts[position] + len(token)}
            entities.append(current)
    return [{"text": text[e["start"] : e["end"]], **e} for e in entities]


def tags_with_spaces(tokens: Sequence[str], tags: Sequence[str]) -> list[str]:
    """Tags for every token, spaces included: a space inside an entity is ``I-`` of its type, else ``O``.

    ``tags`` has one tag per token already; only the tags at spaces are (re)computed, from the
    entities, so that the markup and the per-character tags agree."""
    result = ["O" if is_space_token(token) else tag for token, tag in zip(tokens, tags, strict=True)]
    starts = np.concatenate(([0], np.cumsum([len(token) for token in tokens])[:-1])).astype(int)
    for entity in entities_from_tags(tokens, result):
        inside = np.flatnonzero((starts > entity["start"]) & (starts < entity["end"])).tolist()
        for position in inside:
            if is_space_token(tokens[position]):
                result[position] = f"I-{entity['type']}"
    return result


def klue_markup(tokens: Sequence[str], entities: Sequence[dict[str, Any]]) -> str:
    """The sentence in KLUE's markup: ``<서울:LC>에서 <김철수:PS>를 만났다``."""
    text = "".join(tokens)
    pieces, cursor = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        pieces.append(text[cursor : entity["start"]])
        pieces.append(f"<{text[entity['start'] : entity['end']]}:{entity['type']}>")
        cursor = entity["end"]
    pieces.append(text[cursor:])
    return "".join(pieces)


def official_tag_sequence(
    sentences: Sequence[Sequence[str]], firsts: Sequence[str], lasts: Sequence[str]
) -> list[str]:
    """All sentences as one tag sequence, each between the tags of its first and last model
    positions: the layout KLUE-baseline scores NER in (its ``[CLS]`` and last position, gold ``O``).

    ``sentences``: tags of the non-space characters; ``firsts``/``lasts``: one tag per sentence
    (predicted, or ``"O"`` for the gold side). Both NER metrics read the result as one sequence,
    as the official evaluation does."""
    sequence: list[str] = []
    for first, tags, last in zip(firsts, sentences, lasts, strict=True):
        sequence.append(first)
        sequence.extend(tags)
        sequence.append(last)
    return sequence
