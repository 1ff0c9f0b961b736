"""KLUE-NLI: files → Hub schema ``{guid, source, premise, hypothesis, label}``.

The original files keep the label in ``gold_label`` and call ``source`` ``genre`` in the train
split; user files in the Hub schema use ``label`` (a name, or an id in the Hub's order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klue_data.hub_rows import hub_label
from klue_data.labels import NLI_HUB_LABELS, NLI_LABELS
from klue_data.records import claim_guid, iter_readers, read_records
from klue_data.text_checks import warn_empty_texts

NAME = "nli"
FILE_PREFIXES = ("klue-nli-v1.1", "klue-nli-v1")
FILE_SUFFIX = ".json"
LABELS = NLI_LABELS


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the Hub schema (or the original one: ``gold_label``, ``genre``) as checked examples
    (``klue_data``'s ``read_rows``)."""
    examples, empty = [], []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback()
        claim_guid(row, guid, seen)
        label_field = "gold_label" if "gold_label" in row.record else "label"
        example = {
            "guid": guid,
            "source": row.optional_text("source", alternatives=("genre",)),
            "premise": row.text("premise"),
            "hypothesis": row.text("hypothesis"),
            "label": row.optional_label(label_field, LABELS, hub_order=NLI_HUB_LABELS),
        }
        if not example["premise"].strip() or not example["hypothesis"].strip():
            empty.append(guid)
        examples.append(example)
    warn_empty_texts(where, empty, "premise or hypothesis")
    return examples


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    return {
        "guid": example.get("guid") or guid,
        "source": example["source"],
        "premise": example["premise"],
        "hypothesis": example["hypothesis"],
        "label": hub_label(example["label"], features["label"], LABELS),
    }
