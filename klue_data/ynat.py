"""YNAT (topic classification of news headlines): files → Hub schema ``{guid, title, label}``.

Accepts the original files (``ynat-v1.1_train.json``; ``label`` is the topic name) and user
JSON/CSV in the Hub schema (``label`` as a name, or as an id in the Hub's order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klue_data.hub_rows import hub_label
from klue_data.labels import YNAT_HUB_LABELS, YNAT_LABELS
from klue_data.records import claim_guid, iter_readers, read_records
from klue_data.text_checks import warn_empty_texts

NAME = "ynat"
FILE_PREFIXES = ("ynat-v1.1", "ynat-v1")
FILE_SUFFIX = ".json"
LABELS = YNAT_LABELS


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the Hub schema as checked examples (``klue_data``'s ``read_rows``)."""
    examples, empty = [], []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback()
        claim_guid(row, guid, seen)
        title = row.text("title")
        label = row.optional_label("label", LABELS, hub_order=YNAT_HUB_LABELS)
        if not title.strip():
            empty.append(guid)
        examples.append({"guid": guid, "title": title, "label": label})
    warn_empty_texts(where, empty, "title")
    return examples


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    return {
        "guid": example.get("guid") or guid,
        "title": example["title"],
        "label": hub_label(example["label"], features["label"], LABELS),
    }
