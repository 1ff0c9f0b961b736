"""KLUE-RE entity markers: ``<subj>…</subj>`` and ``<obj>…</obj>`` put into the sentence at the
entities' character offsets, and a token window that keeps every marker when the marked
sentence is longer than the model input.

Offsets are inclusive (``sentence[start_idx:end_idx + 1]``) and decide alone where the markers go:
a particle glued to an entity (``김철수는``) stays outside the markers when the offsets end before it.
The subject and object may come in either order, touch each other, start or end the sentence;
overlapping spans cannot be marked and raise :class:`OverlappingEntitiesError`.

Truncation works on tokens: the marked sentence is tokenized whole, and when it is longer than the
room left beside the special tokens (``[CLS]``/``[SEP]``), the window of that many tokens is kept
that holds everything from the first marker to the last, with the room left over shared equally
left and right of it (the rest going to whichever side still has tokens). When even the span
from the first to the last marker does not fit, the window starts at the first marker (the later
markers are lost; ``MarkerWindow.span_too_long`` counts such sentences).
"""

from __future__ import annotations

from collections.abc import Sequence
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
