"""KLUE-MRC: files → one record per question in the Hub schema, plus ``plausible_answers``.

Record: ``{guid, title, context, news_category, source, question, question_type, is_impossible,
answers: {"answer_start": [...], "text": [...]}, plausible_answers: {...same...}}``.

The original files are SQuAD-like::

    {"data": [{"title", "news_category", "source",
               "paragraphs": [{"context", "qas": [{"question", "answers": [{"text", "answer_start"}],
                                                   "plausible_answers": [...], "question_type",
                                                   "is_impossible", "guid"}]}]}]}

Quirks:

- Unanswerable questions (``is_impossible: true``, question type 3) have no ``answers`` but
  ``plausible_answers``; the official metric scores them against the empty string. Here their
  ``answers`` is always empty and the candidates are in ``plausible_answers``. The Hub's loader
  merged ``plausible_answers`` into ``answers``, so gold must be read from ``is_impossible``:
  ``from_hub_example`` (and Hub-schema user files) move such answers back to ``plausible_answers``.
- ``answer_start`` is loaded as it is, never repaired (the task script aligns it); ``context``
  and answer texts are not stripped (the Hub's loader strips them, which shifts offsets).
- A guid given twice is a ``KlueDataError`` (predictions are matched by guid).
- A missing ``question_type`` reads as 0 (unknown; KLUE uses 1, 2, 3), a missing
  ``is_impossible`` as false (SQuAD v1-style user files have neither).

Also reads flat Hub-schema JSON / JSON-lines user files (``answers`` as a dict of lists or a
list of ``{text, answer_start}``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from klue_data.errors import KlueDataError
from klue_data.records import (
    RecordReader,
    cell_value,
    claim_guid,
    iter_readers,
    numpy_text_hint,
    read_json,
    read_records,
)
from klue_data.text_checks import warn_empty_texts

logger = logging.getLogger(__name__)

NAME = "mrc"
FILE_PREFIXES = ("klue-mrc-v1.1", "klue-mrc-v1")
FILE_SUFFIX = ".json"
LABELS = None  # span extraction
UNKNOWN_QUESTION_TYPE = 0


def read_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    document = read_json(path) if path.suffix.lower() == ".json" else None
    if not (isinstance(document, dict) and "data" in document):
        return read_rows(path, read_records(path))
    examples = _read_squad(path, document)
    _warn_empty_questions(path, examples)
    return examples


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat Hub-schema records, one per question, as checked examples (``klue_data``'s ``read_rows``: a JSON /
    JSON-lines file's, or the Hub's rows)."""
    examples: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        example = _hub_record(row)
        claim_guid(row, example["guid"], seen)
        examples.append(example)
    _warn_empty_questions(where, examples)
    return examples


def _warn_empty_questions(where: Path | str, examples: list[dict[str, Any]]) -> None:
    empty = [row["guid"] for row in examples if not (row["question"].strip() and row["context"].strip())]
    warn_empty_texts(where, empty, "question or context")


def _read_squad(path: Path, document: dict[str, Any]) -> list[dict[str, Any]]:
    articles = document["data"]
    if not isinstance(articles, list):
        raise KlueDataError(
            path, f"expected 'data' to be a list of articles, got {type(articles).__name__}", field="data"
        )
    examples: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for article_index, article in enumerate(articles):
        where = f"data[{article_index}]"
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise KlueDataError(path, f"{where} has no 'paragraphs' list", field="paragraphs")
        shared = {
            "title": _text_or_empty(path, article, "title", where),
            "news_category": _text_or_empty(path, article, "news_category", where),
            "source": _text_or_empty(path, article, "source", where),
        }
        for paragraph_index, paragraph in enumerate(article["paragraphs"]):
            where = f"data[{article_index}].paragraphs[{paragraph_index}]"
            qas = paragraph.get("qas") if isinstance(paragraph, dict) else None
            first_guid = _first_guid(qas)
            if not isinstance(qas, list):
                raise KlueDataError(path, f"{where} has no 'qas' list", guid=first_guid, field="qas")
            context = paragraph.get("context")
            if not isinstance(context, str):
                raise KlueDataError(
                    path,
                    f"{where} has no 'context' string (got {type(context).__name__})",
                    guid=first_guid,
                    field="context",
                )
            for qa_index, qa in enumerate(qas):
                if not isinstance(qa, dict):
                    raise KlueDataError(path, f"{where}.qas[{qa_index}]: expected an object, got {type(qa).__name__}")
                row = RecordReader(path, len(examples), qa)
                guid = row.guid_or_fallback()
                claim_guid(row, guid, seen)
                is_impossible, answers, plausible = _gold(row)
                examples.append(
                    {
                        "guid": guid,
                        **shared,
                        "context": context,
                        "question": row.text("question"),
                        "question_type": _question_type(row),
                        "is_impossible": is_impossible,
                        "answers": answers,
                        "plausible_answers": plausible,
                    }
                )
    return examples


def _hub_record(row: RecordReader) -> dict[str, Any]:
    is_impossible, answers, plausible = _gold(row)
    return {
        "guid": row.guid_or_fallback(),
        "title": row.optional_text("title"),
        "context": row.text("context"),
        "news_category": row.optional_text("news_category"),
        "source": row.optional_text("source"),
        "question": row.text("question"),
        "question_type": _question_type(row),
        "is_impossible": is_impossible,
        "answers": answers,
        "plausible_answers": plausible,
    }


def _gold(row: RecordReader) -> tuple[bool, dict[str, list[Any]], dict[str, list[Any]]]:
    """``(is_impossible, answers, plausible_answers)``: an unanswerable question's answers (the Hub merged
    them) move to its plausible answers, as its gold is "". An answerable question's blank answer text would
    score the empty prediction (no answer) 100 on it: refused."""
    is_impossible = _flag(row)
    answers = _answer_list(row, "answers")
    plausible = _answer_list(row, "plausible_answers")
    if is_impossible and answers["text"]:
        return is_impossible, _empty_answers(), _merge(plausible, answers)
    for position, text in enumerate(answers["text"]):
        if not text.strip():
            raise row.error(f"answer text {text!r} of an answerable question; expected the answer's words (or "
                            "is_impossible: true)", f"answers[{position}].text")
    return is_impossible, answers, plausible


def _text_or_empty(path: Path, container: dict[str, Any], name: str, where: str) -> str:
    value = container.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise KlueDataError(path, f"{where}: expected a string, got {value!r}", field=name)
    return value


def _first_guid(qas: Any) -> str | None:
    if isinstance(qas, list) and qas and isinstance(qas[0], dict) and qas[0].get("guid"):
        return str(qas[0]["guid"])
    return None


def _flag(row: RecordReader) -> bool:
    value = row.record.get("is_impossible", False)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise row.error(f"expected true or false, got {value!r}", "is_impossible")


def _question_type(row: RecordReader) -> int:
    value = row.record.get("question_type")
    if value in (None, ""):
        return UNKNOWN_QUESTION_TYPE
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdecimal():
        raise row.error(f"expected an integer (1, 2 or 3), got {value!r}", "question_type")
    return int(value)


def _empty_answers() -> dict[str, list[Any]]:
    return {"answer_start": [], "text": []}


def _answer_list(row: RecordReader, name: str) -> dict[str, list[Any]]:
    """Answers as a dict of lists, from a list of ``{text, answer_start}`` or a dict of lists."""
    value = row.record.get(name)
    if value is None:
        return _empty_answers()
    value = cell_value(value)  # a CSV cell: JSON or Python's repr
    if isinstance(value, dict):  # the Hub's layout
        texts, starts = value.get("text", []), value.get("answer_start", [])
        if not isinstance(texts, list) or not isinstance(starts, list) or len(texts) != len(starts):
            raise row.error("expected 'text' and 'answer_start' lists of the same length", name)
        value = [{"text": text, "answer_start": start} for text, start in zip(texts, starts)]
    if not isinstance(value, list):
        raise row.error(f"expected a list of {{text, answer_start}}, got {type(value).__name__}"
                        f"{numpy_text_hint(value)}", name)
    answers = _empty_answers()
    for position, answer in enumerate(value):
        field = f"{name}[{position}]"
        if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
            raise row.error(f"expected {{text, answer_start}} with a string text, got {str(answer)[:60]}", field)
        start = answer.get("answer_start")
        if isinstance(start, bool) or not isinstance(start, int):
            raise row.error(f"expected an integer answer_start, got {start!r}", f"{field}.answer_start")
        answers["text"].append(answer["text"])
        answers["answer_start"].append(start)
    return answers


def _merge(first: dict[str, list[Any]], second: dict[str, list[Any]]) -> dict[str, list[Any]]:
    merged = {"answer_start": list(first["answer_start"]), "text": list(first["text"])}
    seen = set(zip(merged["answer_start"], merged["text"]))
    for start, text in zip(second["answer_start"], second["text"]):
        if (start, text) not in seen:
            seen.add((start, text))
            merged["answer_start"].append(start)
            merged["text"].append(text)
    return merged


def gold_answers(example: dict[str, Any]) -> list[str]:
    """The answer texts the official metric scores against: none for an unanswerable question."""
    return [] if example["is_impossible"] else list(example["answers"]["text"])


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    answers = {
        "answer_start": [int(start) for start in example["answers"]["answer_start"]],
        "text": list(example["answers"]["text"]),
    }
    is_impossible = bool(example["is_impossible"])
    return {
        "guid": example.get("guid") or guid,
        "title": example.get("title") or "",
        "context": example["context"],
        "news_category": example.get("news_category") or "",
        "source": example.get("source") or "",
        "question": example["question"],
        "question_type": int(example["question_type"]),
        "is_impossible": is_impossible,
        # the Hub merged plausible_answers into answers; an unanswerable question's gold is ""
        "answers": _empty_answers() if is_impossible else answers,
        "plausible_answers": answers if is_impossible else _empty_answers(),
    }
