"""Score any system's KLUE predictions with the official metrics: ``python -m metrics.score``.

Usage::

    python -m metrics.score --task ner --predictions preds.jsonl \\
        --references klue-ner-v1.1_dev.tsv [--json scores.json]

``--references`` is an original KLUE dev file or a Hub-schema JSON / JSON-lines file, read with
``klue_data.get_task(task).read_file``. ``--predictions`` is JSON lines, one object per
reference example, keyed by ``guid``::

    ynat, nli  {"guid": "...", "prediction": "정치"}              a label name (not an id)
    sts        {"guid": "...", "prediction": 3.7}                 a float (0-5)
    ner        {"guid": "...", "prediction": ["B-PS", "I-PS", "O", ...]}
               one tag per character: either for the NON-space characters only (the unit the
               official metric scores) or for all characters of ``tokens``, spaces included
               (the tags at spaces are then dropped); the reading detected is reported
    re         {"guid": "...", "prediction": "per:title", "probabilities": [30 floats]}
               ``probabilities`` (optional: 30 numbers in the official relation order, or an
               object naming the 30 relations, as the suite's predictions.jsonl writes) are
               needed for a true AUPRC; without them every line's one-hot vector is scored,
               which the output says. If given, on every line or none, they must be
               probabilities (>= 0, summing to 1: logits rank differently) and the label one
               of their maxima; micro F1 scores the labels.
    dp         {"guid": "...", "prediction": {"head": [2, 0, ...], "deprel": ["NP", "VP", ...]}}
               one head (0 = root, else the 1-based word index) and relation per word
    mrc        {"guid": "...", "prediction": "answer text"}       "" = unanswerable
    wos        {"guid": "<dialogue guid>", "turn": 0, "prediction": ["식당-가격대-dontcare", ...]}
               one line per USER turn; ``turn`` counts user turns from 0 (system turns are
               not counted); the prediction is the cumulative state after that turn
    mcqa       {"id": "...", "prediction": 3, "scores": [...]}   keyed by ``id``, not ``guid``
               the 1-based choice number (``scores`` is not read); the breakdown gives the
               accuracy per number of choices (4, 5)

The references' guids come from the file (``## guid`` headers for NER/DP TSV). A prediction
file that misses reference examples, has extra ones, repeats one, or has malformed lines is
rejected with exit code 2 and a message that counts and names the offenders (line numbers for
malformed lines): nothing is ever scored on a subset. Exit codes: 0 scored, 2 rejected input
(predictions or references). ``--json`` writes the scores atomically (temp file + rename).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _one_line_for_interrupt(kind, value, traceback):  # noqa: ANN001, ANN202
    """Ctrl-C while scoring (or during the imports below: scipy takes seconds) ends in one line, not a
    traceback; nothing was written, as ``--json`` is only ever renamed into place whole."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted; nothing was written", file=sys.stderr)
        return  # Python then exits as killed by SIGINT (status 130), so a calling shell loop stops too
    sys.__excepthook__(kind, value, traceback)


if __name__ == "__main__":  # only as the CLI: importing the module leaves a program's own hook alone
    sys.excepthook = _one_line_for_interrupt

import numpy as np  # noqa: E402

from args.command_line import OneLineErrorParser, nearest_existing, same_file  # noqa: E402
from klue_data import KlueDataError, get_task  # noqa: E402
from klue_data.records import read_text  # noqa: E402
from metrics.atomic_files import atomic_writer  # noqa: E402
from metrics.tasks import TASKS as METRIC_TASKS  # noqa: E402
from metrics.tasks import BadPrediction, RejectedInput, Unit, metric_task  # noqa: E402

# What differs between tasks (reference units, prediction lines, scoring) is in the task
# table, ``metrics.tasks``; this module reads, matches, reports and runs the CLI.
TASKS = tuple(METRIC_TASKS)
EXIT_REJECTED = 2
SHOWN = 5  # offenders named per kind of problem


@dataclass
class Report:
    task: str
    references: str
    predictions: str
    count: int
    scores: dict[str, float]
    breakdown: dict[str, Any]
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "references": self.references,
            "predictions": self.predictions,
            "count": self.count,
            "scores": self.scores,
            "breakdown": self.breakdown,
            "notes": self.notes,
        }


# ---------------------------------------------------------------- references → units


def reference_units(task: str, records: Sequence[dict[str, Any]], path: str) -> list[Unit]:
    """The reference file as scored units, in file order; unlabelled examples are rejected."""
    spec, reader = metric_task(task), get_task(task)
    units: list[Unit] = []
    unlabelled: list[str] = []
    for record in records:
        record_units = spec.reference_units(record, reader)
        if record_units is None:
            unlabelled.append(str(record[spec.key_field]))
            continue
        units.extend(record_units)
    problem = spec.check_references(units) if spec.check_references is not None else None
    if problem:
        raise RejectedInput(f"{path}: {problem}")
    if unlabelled:
        raise RejectedInput(
            f"{path}: {len(unlabelled)} reference example(s) without gold labels (an unlabelled test file?): "
            f"{_names(unlabelled)}"
        )
    if not units:
        raise RejectedInput(f"{path}: the reference file holds no examples to score")
    seen: dict[Any, int] = {}
    repeated = []
    for unit in units:
        seen[unit.key] = seen.get(unit.key, 0) + 1
        if seen[unit.key] == 2:
            repeated.append(_show(unit.key))
    if repeated:
        raise RejectedInput(
            f"{path}: {len(repeated)} guid(s) occur more than once in the references, so predictions "
            f"cannot be matched by guid: {_names(repeated)}"
        )
    return units


# ---------------------------------------------------------------- predictions


def read_prediction_lines(
    path: str, task: str
) -> tuple[dict[Any, tuple[int, dict[str, Any]]], list[tuple[int, str]], dict[Any, list[int]]]:
    """``{key: (line number, object)}``, ``(line number, problem)`` of malformed lines, repeats' line numbers."""
    if not Path(path).is_file():
        raise RejectedInput(f"{path}: {'is a folder; give the' if Path(path).is_dir() else 'no such'} predictions file")
    try:
        text = read_text(path)  # the readers' decoder: BOM, CRLF, NFC (references are read NFC too)
    except KlueDataError as error:
        raise RejectedInput(f"cannot read the predictions file: {error}") from None
    except OSError as error:
        raise RejectedInput(f"{path}: cannot read the predictions file ({error})") from None
    lines: dict[Any, tuple[int, dict[str, Any]]] = {}
    malformed: list[tuple[int, str]] = []
    repeated: dict[Any, list[int]] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            malformed.append((number, f"line {number}: not valid JSON ({error.msg}, column {error.colno})"))
            continue
        key, problem = _line_key(obj, task)
        if problem:
            malformed.append((number, f"line {number}: {problem}"))
            continue
        if key in lines:
            repeated.setdefault(key, [lines[key][0]]).append(number)
            continue
        lines[key] = (number, obj)
    return lines, malformed, repeated


def _line_key(obj: Any, task: str) -> tuple[Any, str | None]:
    """The key the line matches a unit by, or ``(None, problem)``."""
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, got {type(obj).__name__}"
    field = metric_task(task).key_field  # "guid"; MCQA's files say "id"
    guid = obj.get(field)
    if not isinstance(guid, str) or not guid:
        return None, f"missing or non-string {field!r} (got {guid!r})"
    try:
        key = metric_task(task).line_key(obj)
    except BadPrediction as error:
        return None, f"{field} {guid}: {error}"
    if "prediction" not in obj:
        return None, f"{field} {guid}: missing 'prediction'"
    return key, None


def _convert(task: str, unit: Unit, obj: dict[str, Any]) -> Any:
    """One prediction in the unit the task's scoring takes; ``BadPrediction`` says what is wrong."""
    return metric_task(task).convert(obj, unit)


def match_predictions(task: str, units: Sequence[Unit], path: str) -> list[Any]:
    """The predictions in reference order, or ``RejectedInput`` listing every kind of problem."""
    lines, malformed, repeated = read_prediction_lines(path, task)
    unit_keys = {unit.key for unit in units}
    missing = [_show(unit.key) for unit in units if unit.key not in lines]
    extra = [(number, key) for key, (number, _) in lines.items() if key not in unit_keys]
    converted: list[Any] = []
    for unit in units:
        if unit.key not in lines:
            continue
        number, obj = lines[unit.key]
        try:
            converted.append(_convert(task, unit, obj))
        except BadPrediction as error:
            malformed.append((number, f"line {number}: {_show(unit.key)}: {error}"))
    malformed.sort()
    problems = []
    if malformed:
        problems.append(
            f"{len(malformed)} malformed line(s): "
            + "; ".join(message for _, message in malformed[:SHOWN])
            + (f"; and {len(malformed) - SHOWN} more" if len(malformed) > SHOWN else "")
        )
    if missing:
        problems.append(f"{len(missing)} reference example(s) without a prediction: {_names(missing)}")
    if extra:
        problems.append(
            f"{len(extra)} prediction(s) for guids not in the references: "
            + _names([f"{_show(key)} (line {number})" for number, key in sorted(extra)])
        )
    if repeated:
        problems.append(
            f"{len(repeated)} guid(s) predicted more than once: "
            + _names([f"{_show(key)} (lines {', '.join(map(str, numbers))})" for key, numbers in repeated.items()])
        )
    if problems:
        raise RejectedInput(f"{path}: rejected, nothing was scored:\n  " + "\n  ".join(problems))
    return converted


# ---------------------------------------------------------------- scoring


def score(task: str, references_path: str, predictions_path: str) -> Report:
    """Read, match and score; ``RejectedInput`` for anything that cannot be scored as a whole."""
    try:
        records = get_task(task).read_file(references_path)
    except KlueDataError as error:
        raise RejectedInput(f"cannot read the references: {error}") from None
    units = reference_units(task, records, references_path)
    predictions = match_predictions(task, units, predictions_path)
    notes: list[str] = []
    try:
        scores, breakdown = _score_units(task, units, predictions, notes)
    except ValueError as error:  # e.g. a reference DP relation outside the 38 the official LAS knows
        raise RejectedInput(f"{references_path}: cannot be scored: {error}") from None
    return Report(
        task=task,
        references=str(references_path),
        predictions=str(predictions_path),
        count=len(units),
        scores={key: float(value) for key, value in scores.items()},
        breakdown=_plain(breakdown),
        notes=notes,
    )


def _score_units(
    task: str, units: Sequence[Unit], predictions: list[Any], notes: list[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    """The official scores and the task's breakdown on matched units; notes are appended to ``notes``."""
    return metric_task(task).score_matched(units, predictions, notes)


# ---------------------------------------------------------------- output


def format_report(report: Report) -> str:
    unit = metric_task(report.task).unit_name
    lines = [f"KLUE {report.task}: {report.count} {unit} of {report.references} scored from {report.predictions}"]
    lines += [f"note: {note}" for note in report.notes]
    width = max(len(key) for key in report.scores)
    lines += [f"{key:<{width}}  {value:8.4f}" for key, value in report.scores.items()]
    for name, value in report.breakdown.items():
        lines.append(f"{name}:")
        lines += _format_breakdown(value)
    return "\n".join(lines)


def _format_breakdown(value: Any) -> list[str]:
    if isinstance(value, dict) and set(value) == {"labels", "matrix"}:  # confusion matrix: rows gold, columns predicted
        labels = [str(label) for label in value["labels"]]
        width = max(6, *(_width(label) for label in labels))
        first = max(_width("gold \\ predicted"), *(_width(label) for label in labels))
        rows = [
            "  "
            + _pad("gold \\ predicted", first)
            + "  "
            + " ".join(_pad(label, width, right=True) for label in labels)
        ]
        for label, row in zip(labels, value["matrix"]):
            rows.append(
                "  " + _pad(label, first) + "  " + " ".join(_pad(str(count), width, right=True) for count in row)
            )
        return rows
    if isinstance(value, dict):
        width = max((_width(str(key)) for key in value), default=0)
        return [
            f"  {_pad(str(key), width)}  " + (f"{item:8.4f}" if isinstance(item, float) else _format_value(item))
            for key, item in value.items()
        ]
    return [f"  {_format_value(value)}"]


def _width(text: str) -> int:
    """Terminal columns: Hangul and other wide characters take two (labels are Korean for YNAT)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _format_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {_format_value(item)}" for key, item in value.items())
    if isinstance(value, float):
        return f"{value:.4f}"
    return "-" if value is None else str(value)


def write_json_atomically(path: str | Path, data: dict[str, Any]) -> None:
    """Write to a temp file in the target's folder, then rename: readers never see half a file."""
    with atomic_writer(path) as stream:
        json.dump(_finite(data), stream, ensure_ascii=False, indent=2, allow_nan=False)
        stream.write("\n")


def _finite(value: Any) -> Any:
    """NaN and infinities (e.g. Pearson r of constant predictions) as null: the file stays strict JSON."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(value: Any) -> Any:
    """numpy scalars and arrays to Python types, so the breakdown is JSON-serialisable."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _show(key: str | tuple[str, int]) -> str:
    return f"{key[0]} turn {key[1]}" if isinstance(key, tuple) else key


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


# ---------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="python -m metrics.score",
        description="Score a system's KLUE predictions (JSON lines keyed by guid) with the official metrics.",
        epilog=__doc__,  # the prediction formats of every task
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument(
        "--predictions", required=True, help='JSON lines: {"guid": ..., "prediction": ...} (mcqa: "id")'
    )
    parser.add_argument(
        "--references", required=True, help="an original KLUE dev file or a Hub-schema JSON / JSON-lines file"
    )
    parser.add_argument("--json", dest="json_path", help="also write the scores and breakdown to this JSON file")
    return parser


def json_path_problem(path: str | None, inputs: dict[str, str]) -> str | None:
    """Why ``--json PATH`` cannot be written (a folder, a path under a file, one of the ``inputs``), or None."""
    if path is None:
        return None
    if Path(path).is_dir():
        return "is a folder; give a file path"
    parent = nearest_existing(Path(path).parent)
    if parent is not None and not parent.is_dir():
        return f"{parent} is a file, not a folder"
    for flag, given in inputs.items():
        if same_file(path, given):
            return f"is the {flag} file; the report would replace it: give another path"
    return None


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    """Run the CLI; returns the exit code (0 scored, 2 rejected input)."""
    args = build_parser().parse_args(argv)
    problem = json_path_problem(args.json_path, {"--predictions": args.predictions, "--references": args.references})
    if problem is not None:  # before scoring: a mistyped --json must not cost the scoring, nor replace an input
        print(f"error: --json {args.json_path}: {problem}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        report = score(args.task, args.references, args.predictions)
    except RejectedInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        out(format_report(report))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): the --json file is still written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
    if args.json_path:
        try:
            write_json_atomically(args.json_path, report.as_dict())
        except OSError as error:
            print(f"error: --json {args.json_path}: cannot write it ({error.strerror or error})", file=sys.stderr)
            return EXIT_REJECTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
