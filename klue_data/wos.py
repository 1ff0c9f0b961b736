"""KLUE-DST (WoS): files → Hub schema ``{guid, domains, dialogue: [{role, text, state}]}``.

The original files are a JSON array of dialogues; turns alternate ``user`` / ``sys``. A user
turn's ``state`` is the *cumulative* dialogue state after that turn, a list of
``domain-slot-value`` strings (``"식당-가격대-dontcare"``); the value may itself contain ``-``,
so split with ``split("-", 2)``. System turns have no ``state`` in the files; here, as in the
Hub, they get ``state: []`` so that every turn has the same fields.

Checked: every turn has a string ``role`` (``user`` or ``sys``) and ``text``; every user turn
has a ``state`` list whose items have a non-empty domain, slot and value (a dialogue with no
state on any user turn is unlabelled test data and reads with ``state: []``); a dialogue has at
least one user turn. Hub-schema user files are the same format.

The ontology (``ontology.json``: ``{"domain-slot": [candidate values]}``, the 45 slots of KLUE-DST)
is read by ``read_ontology``; ``find_ontology`` looks for it beside the dialogue files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from klue_data.errors import KlueDataError

from klue_data.labels import WOS_SYSTEM_ROLE, WOS_USER_ROLE
from klue_data.records import (
    RecordReader,
    cell_value,
    claim_guid,
    iter_readers,
    numpy_text_hint,
    read_records,
    read_text,
)
from klue_data.text_checks import warn_empty_texts

NAME = "wos"
FILE_PREFIXES = ("wos-v1.1", "wos-v1")
FILE_SUFFIX = ".json"
LABELS = None  # states are open strings (the ontology lists candidate values)
ROLES = (WOS_USER_ROLE, WOS_SYSTEM_ROLE)
ONTOLOGY_FILE = "ontology.json"


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dialogues in the Hub schema as checked examples (``klue_data``'s ``read_rows``)."""
    examples, empty = [], []
    seen: dict[str, int] = {}
    first_labelled: tuple[bool, str] | None = None  # the first dialogue: labelled?, guid
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback()
        claim_guid(row, guid, seen)
        domains = cell_value(row.record.get("domains")) or []
        if not isinstance(domains, list) or not all(isinstance(domain, str) for domain in domains):
            raise row.error(f"expected a list of domain names, got {str(domains)[:60]}", "domains")
        dialogue = cell_value(row.record.get("dialogue"))
        if not isinstance(dialogue, list):
            raise row.error(f"expected a list of turns {{role, text, state}}, got {type(dialogue).__name__}"
                            f"{numpy_text_hint(dialogue)}", "dialogue")
        turns = [_turn(row, position, turn) for position, turn in enumerate(dialogue)]
        labelled = _check_user_states(row, dialogue)
        if first_labelled is None:
            first_labelled = (labelled, guid)
        elif labelled != first_labelled[0]:
            # Read alike (no state: an empty one), an unlabelled dialogue would be trained and scored as empty states.
            without = guid if first_labelled[0] else first_labelled[1]
            raise row.error(f"the file mixes dialogues with states and dialogues without (first without: {without!r}); "
                            "label every user turn, or none (a test file)", "dialogue")
        examples.append({"guid": guid, "domains": domains, "dialogue": turns})
        empty += [f"{guid} turn {position}" for position, turn in enumerate(turns) if not turn["text"].strip()]
    warn_empty_texts(where, empty, "text", unit="turn(s)")
    return examples


def _check_user_states(row: RecordReader, dialogue: list[dict[str, Any]]) -> bool:
    """A labelled dialogue has a state on every user turn; an unlabelled (test) one on none. Whether it is labelled."""
    users = [(position, turn) for position, turn in enumerate(dialogue) if turn["role"] == WOS_USER_ROLE]
    if not users:
        raise row.error(f"expected at least one user turn (role {WOS_USER_ROLE!r}); the dialogue has "
                        f"{len(dialogue)} turn(s) and none is the user's", "dialogue")
    missing = [position for position, turn in users if turn.get("state") is None]
    if missing and len(missing) < len(users):
        raise row.error(
            f"user turn without a 'state' list in a dialogue whose other user turns have one "
            f"(turns {', '.join(map(str, missing[:5]))})",
            f"dialogue[{missing[0]}].state",
        )
    return not missing


def _turn(row: RecordReader, position: int, turn: Any) -> dict[str, Any]:
    where = f"dialogue[{position}]"
    if not isinstance(turn, dict):
        raise row.error(f"expected a turn object {{role, text, state}}, got {type(turn).__name__}", where)
    role, text = turn.get("role"), turn.get("text")
    if role not in ROLES:
        raise row.error(f"expected role {' or '.join(ROLES)}, got {role!r}", f"{where}.role")
    if not isinstance(text, str):
        raise row.error(f"expected a string, got {text!r}", f"{where}.text")
    state = turn.get("state")
    if state is None:
        state = []  # system turns; user turns of unlabelled dialogues (checked in _check_user_states)
    if not isinstance(state, list):
        raise row.error(f"expected a list of 'domain-slot-value' strings, got {str(state)[:60]}", f"{where}.state")
    for item_index, item in enumerate(state):
        if not is_state_item(item):
            raise row.error(
                f"expected a 'domain-slot-value' string (e.g. '식당-가격대-dontcare'), got {item!r}",
                f"{where}.state[{item_index}]",
            )
    return {"role": role, "text": text, "state": list(state)}


def is_state_item(item: Any) -> bool:
    """``domain-slot-value`` with all three parts non-empty (the value may contain ``-``)."""
    if not isinstance(item, str):
        return False
    parts = item.split("-", 2)
    return len(parts) == 3 and all(part.strip() for part in parts)


def user_states(example: dict[str, Any]) -> list[list[str]]:
    """The state after each user turn, in order: what the official metric scores, turn by turn."""
    return [list(turn["state"]) for turn in example["dialogue"] if turn["role"] == WOS_USER_ROLE]


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    dialogue = example["dialogue"]
    if isinstance(dialogue, dict):  # a Sequence(dict) feature comes back as a dict of lists
        dialogue = [dict(zip(dialogue, values)) for values in zip(*dialogue.values())]
    return {
        "guid": example.get("guid") or guid,
        "domains": list(example.get("domains") or []),
        "dialogue": [
            {"role": turn["role"], "text": turn["text"], "state": list(turn.get("state") or [])} for turn in dialogue
        ],
    }


def read_ontology(path: str | Path) -> dict[str, list[str]]:
    """``{"domain-slot": [candidate values]}`` from an ontology JSON file, checked: a JSON object whose
    keys are ``domain-slot`` names (two non-empty parts) and whose values are lists of strings."""
    path = Path(path)
    if not path.is_file():
        raise KlueDataError(path, "is a folder, not an ontology file" if path.is_dir() else "no such ontology file")
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise KlueDataError(path, f"not valid JSON ({error.msg}, column {error.colno})", line=error.lineno) from None
    if not isinstance(document, dict) or not document:
        raise KlueDataError(path, 'expected a non-empty JSON object {"domain-slot": [candidate values, ...]}')
    ontology: dict[str, list[str]] = {}
    for slot, values in document.items():
        parts = slot.split("-")
        if len(parts) != 2 or not all(part.strip() for part in parts):
            raise KlueDataError(path, f"expected a 'domain-slot' name (e.g. '식당-가격대'), got {slot!r}", field=slot)
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise KlueDataError(path, f"expected a list of candidate value strings, got {str(values)[:60]}",
                                field=slot)
        ontology[slot] = list(values)
    return ontology


def find_ontology(folders: Iterable[str | Path]) -> Path | None:
    """The first ``ontology.json`` directly in one of ``folders``, or in its ``wos-v1.1``/``wos-v1``
    subfolder (where the archives unpack it), or None."""
    for folder in folders:
        folder = Path(folder)
        for candidate in (folder / ONTOLOGY_FILE, *(folder / prefix / ONTOLOGY_FILE for prefix in FILE_PREFIXES)):
            if candidate.is_file():
                return candidate
    return None
