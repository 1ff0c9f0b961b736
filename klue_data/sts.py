"""KLUE-STS: files → Hub schema ``{guid, source, sentence1, sentence2, labels}``.

``labels`` is ``{"label", "real-label", "binary-label"}`` as in the Hub and the original files.
The official baseline trains and scores on ``real-label`` (the unrounded annotator mean);
files that have only ``label`` (v1 Hub copies, competition CSVs) fall back to it; files that have only
``real-label`` get ``label`` as KLUE makes it, rounded to one decimal (true of every dev pair).

Also reads the CSV layout common in Korean STS competitions:
``id, source, sentence_1, sentence_2, label, binary-label``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klue_data.labels import STS_BINARY_THRESHOLD, STS_MAX_SCORE, STS_MIN_SCORE
from klue_data.records import RecordReader, cell_value, claim_guid, iter_readers, read_records
from klue_data.text_checks import warn_empty_texts

NAME = "sts"
FILE_PREFIXES = ("klue-sts-v1.1", "klue-sts-v1")
FILE_SUFFIX = ".json"
LABELS = None  # regression


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the Hub schema (or the competition CSV's) as checked examples (``klue_data``'s ``read_rows``),
    a score outside [0, 5] among the refused."""
    examples, empty = [], []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback(id_field="id")
        claim_guid(row, guid, seen)
        example = {
            "guid": guid,
            "source": row.optional_text("source"),
            "sentence1": row.text("sentence1", alternatives=("sentence_1",)),
            "sentence2": row.text("sentence2", alternatives=("sentence_2",)),
            "labels": _read_labels(row),
        }
        if not example["sentence1"].strip() or not example["sentence2"].strip():
            empty.append(guid)
        examples.append(example)
    warn_empty_texts(where, empty, "sentence")
    return examples


def _read_labels(row: RecordReader) -> dict[str, Any] | None:
    nested = cell_value(row.record.get("labels"))  # a CSV cell: JSON, or the dict's repr (datasets' to_csv)
    if nested is not None and not isinstance(nested, dict):
        raise row.error(f"expected an object with 'label' and 'real-label', got {nested!r}", "labels")
    source = nested if nested is not None else row.record
    if source.get("label") in (None, "") and source.get("real-label") in (None, ""):
        return None  # unlabelled (test) data
    real = source.get("real-label")
    real_score = (
        row.number("real-label", low=STS_MIN_SCORE, high=STS_MAX_SCORE, source=source)
        if real not in (None, "") else None
    )
    if source.get("label") in (None, ""):  # real-label alone: KLUE's label is it rounded to one decimal
        score = round(real_score, 1)
    else:
        score = row.number("label", low=STS_MIN_SCORE, high=STS_MAX_SCORE, source=source)
    return {
        "label": score,
        "real-label": real_score,
        "binary-label": int(score >= STS_BINARY_THRESHOLD),
    }


def regression_target(labels: dict[str, Any]) -> float:
    """The score the official baseline trains and evaluates on."""
    real = labels.get("real-label")
    return float(real if real is not None else labels["label"])


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    # The scores are checked (and binary-label recomputed) by read_rows, as a file's; no labels: unlabelled
    return {
        "guid": example.get("guid") or guid,
        "source": example["source"],
        "sentence1": example["sentence1"],
        "sentence2": example["sentence2"],
        "labels": example["labels"],
    }
