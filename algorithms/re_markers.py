"""KLUE-RE entity markers: ``<subj>…</subj>`` and ``<obj>…</obj>`` put into the sentence at the
entities' character offsets, and a token window that keeps every marker when the marked
sentence is longer than the model input.

Offsets are inclusive (``sentence[start_idx:end_idx + 1]``) and decide alone where the markers go:
a particle glued to an entity (``김철수는``) stays outside the markers when the offsets end before it.
The subject and object may come in either order, touch each other, start or end the sentence;
overlapping spans cannot be marked and raise :class:`OverlappingEntitiesError`.

Tokens: the subwords are those of the UNMARKED sentence, as running text gives them, with the four
marker tokens put between them at the entity boundaries (:func:`insert_markers`). Tokenizing the
marked string instead would make the text glued after an entity a word start (``김철수</subj>는`` →
``는``, where the sentence reads ``##는``; KLUE-baseline's ``fix_tokenization_error`` turns it back
into a continuation for WordPiece and SentencePiece), and would split a byte-level BPE space
(``Ġ``) off the entity's first subword. When an entity boundary falls inside a subword of the
running text (``김철수는`` learned as one piece), the marked string is the only way to mark it:
:func:`insert_markers` returns None, the caller tokenizes :func:`mark_entities`' text and applies
KLUE-baseline's fix to it (:func:`glue_after_end_markers`).

Truncation works on tokens: the marked sentence is tokenized whole, and when it is longer than the
room left beside the special tokens (``[CLS]``/``[SEP]``), the window of that many tokens is kept
that holds everything from the first marker to the last, with the room left over shared equally
left and right of it (the rest going to whichever side still has tokens). When even the span
from the first to the last marker does not fit, the window starts at the first marker (the later
markers are lost; ``MarkerWindow.span_too_long`` counts such sentences).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import NamedTuple

SUBJECT_START, SUBJECT_END = "<subj>", "</subj>"
OBJECT_START, OBJECT_END = "<obj>", "</obj>"
MARKERS: tuple[str, str, str, str] = (SUBJECT_START, SUBJECT_END, OBJECT_START, OBJECT_END)


class OverlappingEntitiesError(ValueError):
    """The subject and object spans share characters: the markers cannot nest or cross."""


def mark_entities(sentence: str, subject: tuple[int, int], obj: tuple[int, int]) -> str:
    """``sentence`` with ``<subj>``/``</subj>`` around ``subject`` and ``<obj>``/``</obj>`` around
    ``obj``, each given as inclusive character offsets ``(start_idx, end_idx)``. No spaces are
    added: the tokenizer splits added special tokens off the text around them.

    >>> mark_entities("김철수는 한국은행에서 일한다", (0, 2), (5, 8))
    '<subj>김철수</subj>는 <obj>한국은행</obj>에서 일한다'
    """
    _check_spans(sentence, subject, obj)
    (s_start, s_end), (o_start, o_end) = subject, obj
    first, second = sorted([(s_start, s_end, SUBJECT_START, SUBJECT_END), (o_start, o_end, OBJECT_START, OBJECT_END)])
    return "".join(
        [
            sentence[: first[0]],
            first[2], sentence[first[0] : first[1] + 1], first[3],
            sentence[first[1] + 1 : second[0]],
            second[2], sentence[second[0] : second[1] + 1], second[3],
            sentence[second[1] + 1 :],
        ]
    )


def _check_spans(sentence: str, subject: tuple[int, int], obj: tuple[int, int]) -> None:
    spans = {"subject": subject, "object": obj}
    for name, (start, end) in spans.items():
        if not 0 <= start <= end < len(sentence):
            raise ValueError(
                f"{name} offsets {start}..{end} (inclusive) are outside the sentence of {len(sentence)} characters"
            )
    (s_start, s_end), (o_start, o_end) = subject, obj
    if s_start <= o_end and o_start <= s_end:
        raise OverlappingEntitiesError(
            f"subject {s_start}..{s_end} ({sentence[s_start:s_end + 1]!r}) and object {o_start}..{o_end} "
            f"({sentence[o_start:o_end + 1]!r}) overlap; entity markers need separate spans"
        )


def marker_cuts(sentence: str, subject: tuple[int, int], obj: tuple[int, int]) -> list[tuple[int, int]]:
    """Where the markers go in ``sentence``: ``(character position, index into MARKERS)``, the
    marker standing before the character at that position (``len(sentence)``: at the end), in the
    order :func:`mark_entities` writes them; at one position (touching entities) the closing
    marker comes before the opening one. Same checks as :func:`mark_entities`.

    >>> marker_cuts("김철수는 한국은행에서 일한다", (0, 2), (5, 8))
    [(0, 0), (3, 1), (5, 2), (9, 3)]
    """
    _check_spans(sentence, subject, obj)
    (s_start, s_end), (o_start, o_end) = subject, obj
    cuts = [(s_start, 0), (s_end + 1, 1), (o_start, 2), (o_end + 1, 3)]
    return sorted(cuts, key=lambda cut: (cut[0], cut[1] % 2 == 0))  # closing (odd index) first on a tie


def insert_markers(
    token_ids: Sequence[int],
    offsets: Sequence[tuple[int, int]],
    sentence: str,
    cuts: Sequence[tuple[int, int]],
    marker_ids: Sequence[int],
) -> list[int] | None:
    """The running-text ``token_ids`` of ``sentence`` (no special tokens; ``offsets``: each token's
    character span, as a fast tokenizer gives it) with ``marker_ids[index]`` put before the first
    token at or after each cut of :func:`marker_cuts`; None when a cut falls inside a token.

    Whitespace a token carries (byte-level BPE ``Ġ`` and SentencePiece ``▁`` offsets may start at
    the space before the word) lies outside the entity: the marker goes before such a token when
    only spaces precede the cut in it, after it when only spaces follow.
    """
    starts = [start for start, _ in offsets]
    at: list[int] = []  # the token index each marker goes before, in the order of ``cuts``
    for position, _ in cuts:
        index = bisect_left(starts, position)  # tokens before it start before the cut
        if index > 0:
            start, end = offsets[index - 1]
            if end > position:  # the previous token reaches over the cut
                if sentence[start:position].isspace():
                    index -= 1  # only its leading space is before the cut: the marker goes before it
                elif not sentence[position:end].isspace():
                    return None  # the cut is inside the subword's own characters
        at.append(index)
    ids = list(token_ids)
    # Insert from the back so the earlier indices stay valid; cuts at one index keep their order.
    for index, (_, marker) in reversed(list(zip(at, cuts, strict=True))):
        ids.insert(index, marker_ids[marker])
    return ids


def glue_after_end_markers(
    token_ids: Sequence[int],
    glued: Sequence[bool],
    end_marker_ids: Sequence[int],
    tokens: Sequence[str],
    vocab: Mapping[str, int],
) -> list[int]:
    """KLUE-baseline's ``fix_tokenization_error`` on a tokenized marked sentence: the token right
    after each end marker (``end_marker_ids``, the subject's then the object's) whose text is glued to
    the entity (``glued``, per marker: the sentence goes on without a space) becomes a continuation:
    WordPiece ``는`` → ``##는`` when the token starts with a Hangul syllable, SentencePiece ``▁는`` →
    ``는`` (a lone ``▁`` is dropped). ``tokens`` are the tokens of ``token_ids``. A form the vocabulary
    lacks is left as it is (the official code would feed [UNK]); byte-level BPE needs no change (text
    after a special token has no ``Ġ``).

    >>> vocab = {"</subj>": 1, "는": 2, "##는": 3}
    >>> glue_after_end_markers([1, 2], [True, False], [1, 9], ["</subj>", "는"], vocab)
    [1, 3]
    """
    ids, tokens = list(token_ids), list(tokens)
    for marker, is_glued in zip(end_marker_ids, glued, strict=True):
        if not is_glued or marker not in ids:
            continue
        after = ids.index(marker) + 1
        if after >= len(ids):
            continue
        token = tokens[after]
        if token == "\u2581":
            del ids[after], tokens[after]
        elif token.startswith("\u2581") and token[1:] in vocab:
            ids[after], tokens[after] = vocab[token[1:]], token[1:]
        elif not token.startswith("##") and "가" <= token[:1] <= "힣" and "##" + token in vocab:
            ids[after], tokens[after] = vocab["##" + token], "##" + token
    return ids


def mark_example(example: dict) -> str:
    """:func:`mark_entities` of a Hub-schema RE example (``sentence``, ``subject_entity``, ``object_entity``)."""
    subject, obj = example["subject_entity"], example["object_entity"]
    return mark_entities(
        example["sentence"], (subject["start_idx"], subject["end_idx"]), (obj["start_idx"], obj["end_idx"])
    )


class MarkerWindow(NamedTuple):
    start: int  # first token kept
    end: int  # one past the last token kept
    cut: bool  # tokens were dropped
    span_too_long: bool  # the span from the first to the last marker did not fit: later markers are lost


def marker_window(token_ids: Sequence[int], marker_ids: Sequence[int] | set[int], room: int) -> MarkerWindow:
    """The tokens to keep of a marked sentence's ``token_ids`` (no special tokens) so that at most
    ``room`` remain: all of them when they fit; else a window holding the first to the last marker
    token, centred on it as far as the sentence allows; else (the span itself is longer than
    ``room``) the ``room`` tokens from the first marker on."""
    length = len(token_ids)
    if room <= 0:
        raise ValueError(f"no room for any token (room {room})")
    if length <= room:
        return MarkerWindow(0, length, False, False)
    markers = set(marker_ids)
    positions = [index for index, token in enumerate(token_ids) if token in markers]
    if not positions:
        return MarkerWindow(0, room, True, False)
    first, last = positions[0], positions[-1]
    span = last - first + 1
    if span > room:
        return MarkerWindow(first, first + room, True, True)
    left = (room - span) // 2
    start = max(0, first - left)
    start = min(start, length - room)  # the right side ran out: give the room to the left
    return MarkerWindow(start, start + room, True, False)
