"""WoS dialogue states <-> what a TRADE-style model predicts per slot (a gate and a value).

A state is a list of ``domain-slot-value`` strings (``"식당-가격대-dontcare"``); the value may
itself contain ``-`` (``"식당-예약 시간-12-1시"``), so an item splits at its first two ``-`` only.
The model predicts, for every slot of the slot list, a gate: ``none`` (not in the state),
``dontcare``, ``ptr`` (a value generated token by token) and, where the ontology has them, ``yes``
and ``no`` (the boolean slots' values, predicted without generating them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

NONE, DONTCARE, PTR, YES, NO = "none", "dontcare", "ptr", "yes", "no"
BASE_GATES = (NONE, DONTCARE, PTR)
BOOLEAN_GATES = (YES, NO)


def split_item(item: str) -> tuple[str, str]:
    """``"식당-예약 시간-12-1시"`` → ``("식당-예약 시간", "12-1시")``: the ``domain-slot`` and the value.

    ``ValueError`` when the item is not ``domain-slot-value`` with three non-empty parts."""
    parts = item.split("-", 2) if isinstance(item, str) else []
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise ValueError(f"expected a 'domain-slot-value' string (e.g. '식당-가격대-dontcare'), got {item!r}")
    return f"{parts[0]}-{parts[1]}", parts[2]


def slots_from_states(states: Iterable[Sequence[str]]) -> list[str]:
    """The ``domain-slot`` names found in ``states``, sorted (the slot list when there is no ontology)."""
    return sorted({split_item(item)[0] for state in states for item in state})


def gate_names(values: Iterable[str]) -> tuple[str, ...]:
    """The gates for these candidate (or seen) values: yes/no become gates of their own when any
    value is ``yes`` or ``no`` (the ontology's boolean slots)."""
    return BASE_GATES + BOOLEAN_GATES if set(values) & set(BOOLEAN_GATES) else BASE_GATES


def unknown_slot(state: Sequence[str], slots: Iterable[str]) -> tuple[int, str] | None:
    """The first item of ``state`` (index, item) that is malformed or names a slot outside ``slots``."""
    known = set(slots)
    for index, item in enumerate(state):
        try:
            slot, _ = split_item(item)
        except ValueError:
            return index, item
        if slot not in known:
            return index, item
    return None


def state_to_targets(
    state: Sequence[str], slots: Sequence[str], gates: Sequence[str]
) -> tuple[list[int], list[str]]:
    """Per slot of ``slots``: the gate id and the value to generate: the state's value, and for a slot
    whose gate is its value (``none``; ``dontcare``, and ``yes``/``no`` when they are gates) that word.
    KLUE-baseline trains the generator on every slot, so that a ``ptr`` gate on a slot the turn did
    not fill generates ``none``, which ``targets_to_state`` drops. An item of a slot outside ``slots``
    raises ``ValueError`` (check the states first with ``unknown_slot``); a slot given twice keeps its
    last value."""
    gate_id = {name: index for index, name in enumerate(gates)}
    position = {slot: index for index, slot in enumerate(slots)}
    gate_ids, values = [gate_id[NONE]] * len(slots), [NONE] * len(slots)
    for item in state:
        slot, value = split_item(item)
        if slot not in position:
            raise ValueError(f"{item!r}: slot {slot!r} is not in the slot list")
        at = position[slot]
        gate_ids[at] = gate_id[value] if value in gate_id and value != PTR else gate_id[PTR]  # "none": none
        values[at] = value
    return gate_ids, values


def targets_to_state(
    slots: Sequence[str], gates: Sequence[str], gate_ids: Sequence[int], values: Sequence[str | None]
) -> list[str]:
    """The inverse of ``state_to_targets``: ``domain-slot-value`` strings in slot-list order.

    ``none`` drops the slot; ``dontcare``/``yes``/``no`` give that value; ``ptr`` the generated
    value, or nothing when the generated value is empty or ``none`` (a model may generate the
    word instead of gating it)."""
    state = []
    for slot, gate_id, value in zip(slots, gate_ids, values, strict=True):
        gate = gates[int(gate_id)]
        if gate == NONE:
            continue
        if gate == PTR:
            value = (value or "").strip()
            if not value or value == NONE:
                continue
        else:
            value = gate
        state.append(f"{slot}-{value}")
    return state


def value_token_ids(tokenizer: Any, values: Sequence[str]) -> list[list[int]]:
    """Each value's token ids as it reads inside an utterance, after a space: the ids a pointer can copy from the
    history. Tokenized alone, a byte-level BPE value starts without the ``Ġ`` its mentions have (136 of 481
    copyable on KLUE text, against 407 this way); a WordPiece value (KLUE's models) tokenizes the same either way.
    A leading token of the space alone (a lone ``▁`` or ``Ġ``) is dropped: nothing to generate."""
    if not values:
        return []
    spaced = [" " + value for value in values]
    encoded = tokenizer(spaced, add_special_tokens=False, return_offsets_mapping=True)
    rows = []
    for text, ids, offsets in zip(spaced, encoded["input_ids"], encoded["offset_mapping"], strict=True):
        first = 0
        while first < len(ids) - 1 and not text[offsets[first][0]:offsets[first][1]].strip():
            first += 1
        rows.append(list(ids[first:]))
    return rows


def value_lookup(values: Sequence[str], token_ids: Sequence[Sequence[int]]) -> dict[tuple[int, ...], str]:
    """Token ids → value text, for turning generated ids back into a value exactly as written.

    Decoding ids with the tokenizer puts spaces where the text had none (WordPiece ``23:20`` →
    ``23 : 20``); a value the model is known to produce (the ontology's candidates, the training
    states' values) is looked up by its ids instead. ``token_ids``: each value's ids (no special
    tokens); when two values share ids the first one given wins."""
    table: dict[tuple[int, ...], str] = {}
    for value, ids in zip(values, token_ids, strict=True):
        table.setdefault(tuple(ids), value)
    return table


def span_text(
    target: Sequence[int], token_ids: Sequence[int], offsets: Sequence[tuple[int, int]], text: str
) -> str | None:
    """The text under the first run of ``token_ids`` equal to ``target`` (a copied span), or None.

    ``offsets`` are the tokens' character offsets in ``text`` (a fast tokenizer's
    ``offset_mapping``), so the span keeps the text's own spacing and punctuation."""
    n = len(target)
    if n == 0:
        return None
    target = list(target)
    first = target[0]
    for start in range(len(token_ids) - n + 1):
        if token_ids[start] == first and list(token_ids[start : start + n]) == target:
            return text[offsets[start][0] : offsets[start + n - 1][1]]
    return None


def merge_values(*sources: Mapping[str, Sequence[str]] | Iterable[str]) -> list[str]:
    """Every value of the given ontologies (``{slot: [values]}``) or value lists, once, in order."""
    seen: dict[str, None] = {}
    for source in sources:
        items = (v for values in source.values() for v in values) if isinstance(source, Mapping) else source
        for value in items:
            seen.setdefault(value, None)
    return list(seen)
