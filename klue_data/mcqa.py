"""Korean exam multiple choice (MCQA): files → ``{id, paragraph, question, question_plus, choices, answer}``.

Two layouts, mixed 4- and 5-choice items allowed in one file:

- the competition CSV ``id,paragraph,problems,question_plus`` where ``problems`` holds an object
  ``{"question": ..., "choices": [...], "answer": n}`` as JSON (or as the Python dict literal some
  competition files carry, single quotes and all); ``question_plus`` (the ``<보기>`` box) is
  optional, in its column or inside ``problems``;
- JSON lines (or a JSON array) with the same fields flattened: ``id, paragraph, question,
  choices, answer, question_plus`` (a nested ``problems`` object is read too).

``answer`` is 1-based (``1`` = the first choice) and absent in test files (``None``). A ``problems``
cell that is neither JSON nor a dict literal, fewer than 2 or more than ``MAX_CHOICES`` choices, an
answer outside ``1..len(choices)`` or an id given twice is a ``KlueDataError`` naming file, record
and field. There is no Hub dataset for this task: files come from ``--train_file`` /
``--validation_file`` / ``--test_file``, or ``--data_dir DIR`` holding ``mcqa_train.csv``,
``mcqa_dev.csv`` and ``mcqa_test.csv``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from klue_data.records import RecordReader, claim_guid, iter_readers, parse_cell, read_records
from klue_data.text_checks import warn_empty_texts

NAME = "mcqa"
FILE_PREFIXES = ("mcqa",)  # --data_dir DIR reads DIR/mcqa_train.csv, DIR/mcqa_dev.csv, DIR/mcqa_test.csv
FILE_SUFFIX = ".csv"
LABELS = None  # the answer is a choice number, not a label name
HUB_DATASET = None  # no Hub dataset: files only (the runner says so instead of trying klue/klue)
MIN_CHOICES = 2
MAX_CHOICES = 5  # the causal-LM route reads the logits of the answer numbers "1".."5"


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    return read_rows(path, read_records(path))


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of either layout as checked examples (``klue_data``'s ``read_rows``), the ids checked across
    rows."""
    examples: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    empty: list[str] = []
    blank_choice: list[str] = []
    for row in iter_readers(where, records, guid_field="id"):
        example = read_record(row)
        claim_guid(row, example["id"], seen, field="id")
        if not example["question"].strip():
            empty.append(example["id"])
        if not all(choice.strip() for choice in example["choices"]):
            blank_choice.append(example["id"])
        examples.append(example)
    warn_empty_texts(where, empty, "question")
    warn_empty_texts(where, blank_choice, "choice")
    return examples


def read_record(row: RecordReader) -> dict[str, Any]:
    """One record of either layout as an example; bad fields raise ``KlueDataError``."""
    problem = _problems(row) if "problems" in row.record else row.record
    field = (lambda name: f"problems.{name}") if problem is not row.record else (lambda name: name)
    question = problem.get("question")
    if not isinstance(question, str):
        raise row.error(f"expected the question as a string, got {_short(question)}", field("question"))
    choices = _choices(row, problem.get("choices"), field("choices"))
    answer = _answer(row, problem.get("answer"), len(choices), field("answer"))
    extra = row.record.get("question_plus")
    if _is_nothing(extra):
        extra = problem.get("question_plus")
    extra = None if _is_nothing(extra) else extra
    if extra is not None and not isinstance(extra, str):
        raise row.error(f"expected a string or nothing, got {_short(extra)}", "question_plus")
    return {
        "id": row.guid_or_fallback(),
        "paragraph": row.text("paragraph"),
        "question": question,
        "question_plus": extra or "",
        "choices": choices,
        "answer": answer,
    }


def _problems(row: RecordReader) -> dict[str, Any]:
    value = row.record["problems"]
    if isinstance(value, str):
        try:
            value = parse_cell(value)
        except json.JSONDecodeError as error:
            raise row.error(f"not valid JSON ({error.msg}, column {error.colno}) nor a Python dict literal: "
                            f"{_short(value)}", "problems") from None
    if not isinstance(value, dict):
        raise row.error(f'expected an object {{"question", "choices", "answer"}}, got {_short(value)}', "problems")
    return value


def _choices(row: RecordReader, value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(choice, str) for choice in value):
        raise row.error(f"expected a list of choice strings, got {_short(value)}", field)
    if not MIN_CHOICES <= len(value) <= MAX_CHOICES:
        raise row.error(f"expected {MIN_CHOICES} to {MAX_CHOICES} choices, got {len(value)}", field)
    return list(value)


def _is_nothing(value: Any) -> bool:
    """No value: absent, an empty cell, or the NaN pandas writes for one (which Python's json reads back)."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _answer(row: RecordReader, value: Any, n_choices: int, field: str) -> int | None:
    if _is_nothing(value):
        return None  # test data
    if isinstance(value, str) and value.strip().isdecimal():  # not ③ or ², which int() refuses
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= n_choices:
        raise row.error(f"expected a choice number in 1..{n_choices} (1-based), got {value!r}", field)
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    """A row of a Hub dataset in the flattened layout (there is no official one; see the module doc)."""
    row = RecordReader(None, 0, {**example, "id": example.get("id") or guid}, guid_field="id")
    return read_record(row)
