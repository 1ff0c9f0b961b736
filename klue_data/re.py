"""KLUE-RE: files → Hub schema ``{guid, sentence, subject_entity, object_entity, label, source}``.

Entities are ``{word, start_idx, end_idx, type}`` with *inclusive* character offsets into
``sentence`` (``sentence[start_idx:end_idx + 1] == word``). Offsets outside the sentence are
an error; an entity whose offsets select a different text than ``word`` is kept as it is (the
offsets are what the task script marks), counted, and reported in one warning per file.

``label`` is a relation name (``RE_RELATIONS``, official order = ``relation_list.json``; the
Hub's ClassLabel uses the same order, so a user file may also give the id) or ``None`` for
unlabelled (test) data. Reads the original JSON arrays, JSON lines, and CSVs whose entity cells
hold a JSON or Python dict (the layout of common Korean RE competition files).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from klue_data.hub_rows import hub_label
from klue_data.labels import RE_HUB_RELATIONS, RE_RELATIONS
from klue_data.records import RecordReader, cell_value, claim_guid, iter_readers, read_records
from klue_data.text_checks import warn_empty_texts

logger = logging.getLogger(__name__)

NAME = "re"
FILE_PREFIXES = ("klue-re-v1.1", "klue-re-v1")
FILE_SUFFIX = ".json"
LABELS = RE_RELATIONS
ENTITY_FIELDS = ("subject_entity", "object_entity")


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the Hub schema (entities as objects, or as a CSV's text cells) as checked examples
    (``klue_data``'s ``read_rows``), offsets outside the sentence among the refused."""
    examples, empty, mismatched = [], [], []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback(id_field="id")
        claim_guid(row, guid, seen)
        sentence = row.text("sentence")
        example: dict[str, Any] = {"guid": guid, "sentence": sentence}
        for name in ENTITY_FIELDS:
            entity = _entity(row, name, sentence)
            if sentence[entity["start_idx"] : entity["end_idx"] + 1] != entity["word"]:
                mismatched.append(f"{guid} {name}")
            example[name] = entity
        example["label"] = row.optional_label("label", LABELS, hub_order=RE_HUB_RELATIONS)
        example["source"] = row.optional_text("source")
        if not sentence.strip():
            empty.append(guid)
        examples.append(example)
    warn_empty_texts(where, empty, "sentence")
    if mismatched:
        logger.warning(
            "%s: %d entit(ies) whose sentence[start_idx:end_idx+1] differs from 'word' "
            "(kept; the offsets are used): %s",
            where,
            len(mismatched),
            ", ".join(mismatched[:5]) + (" ..." if len(mismatched) > 5 else ""),
        )
    return examples


def _entity(row: RecordReader, name: str, sentence: str) -> dict[str, Any]:
    value = cell_value(row.record.get(name))  # a CSV cell: JSON or a Python dict repr
    if not isinstance(value, dict):
        raise row.error(f"expected an object {{word, start_idx, end_idx, type}}, got {str(value)[:60]!r}", name)
    entity = {}
    for key in ("word", "type"):
        if not isinstance(value.get(key), str):
            raise row.error(f"expected a string, got {value.get(key)!r}", f"{name}.{key}")
        entity[key] = value[key]
    for key in ("start_idx", "end_idx"):
        number = value.get(key)
        if isinstance(number, str) and number.strip().isdecimal():  # not ², which int() refuses
            number = int(number)
        if not isinstance(number, int) or isinstance(number, bool):
            raise row.error(f"expected an integer character offset, got {number!r}", f"{name}.{key}")
        entity[key] = number
    start, end = entity["start_idx"], entity["end_idx"]
    if not 0 <= start <= end < len(sentence):
        raise row.error(
            f"offsets {start}..{end} (inclusive) are outside the sentence of {len(sentence)} characters "
            "or end before they start",
            name,
        )
    return {"word": entity["word"], "start_idx": start, "end_idx": end, "type": entity["type"]}


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    return {
        "guid": example.get("guid") or guid,
        "sentence": example["sentence"],
        "subject_entity": _hub_entity(example["subject_entity"]),
        "object_entity": _hub_entity(example["object_entity"]),
        "label": hub_label(example["label"], features["label"], LABELS),
        "source": example.get("source") or "",
    }


def _hub_entity(entity: dict[str, Any]) -> dict[str, Any]:
    return {
        "word": entity["word"],
        "start_idx": int(entity["start_idx"]),
        "end_idx": int(entity["end_idx"]),
        "type": entity["type"],
    }
