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
               ``probabilities`` (optional, in the official relation order) are needed for a
               true AUPRC; without them every line's one-hot vector is scored, which the
               output says. If given, the label must be their argmax, on every line or none.
    dp         {"guid": "...", "prediction": {"head": [2, 0, ...], "deprel": ["NP", "VP", ...]}}
               one head (0 = root, else the 1-based word index) and relation per word
    mrc        {"guid": "...", "prediction": "answer text"}       "" = unanswerable
    wos        {"guid": "<dialogue guid>", "turn": 0, "prediction": ["식당-가격대-dontcare", ...]}
               one line per USER turn; ``turn`` counts user turns from 0 (system turns are
               not counted); the prediction is the cumulative state after that turn

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
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import metrics
from klue_data import KlueDataError, get_task
from klue_data import mrc as mrc_data
from klue_data import ner as ner_data
from klue_data import sts as sts_data
from klue_data import wos as wos_data

TASKS = ("ynat", "nli", "sts", "ner", "re", "dp", "mrc", "wos")
EXIT_REJECTED = 2
SHOWN = 5  # offenders named per kind of problem


class RejectedInput(Exception):
    """Input that cannot be scored as a whole; the message says what and where."""


class BadPrediction(ValueError):
    """One prediction line that does not fit its reference (raised while converting it)."""


@dataclass
class Unit:
    """One scored item of the reference: a sentence, a question, a user turn, ..."""

    key: str | tuple[str, int]
    gold: Any
    context: dict[str, Any] = field(default_factory=dict)


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
    units: list[Unit] = []
    unlabelled: list[str] = []
    for record in records:
        guid = str(record["guid"])
        if task in ("ynat", "nli", "re"):
            labels = get_task(task).LABELS
            if record["label"] is None:
                unlabelled.append(guid)
                continue
            units.append(Unit(guid, labels.index(record["label"])))
        elif task == "sts":
            if record["labels"] is None:
                unlabelled.append(guid)
                continue
            units.append(Unit(guid, sts_data.regression_target(record["labels"])))
        elif task == "ner":
            if record["ner_tags"] is None:
                unlabelled.append(guid)
                continue
            positions = ner_data.non_space_positions(record["tokens"])
            gold = [record["ner_tags"][i] for i in positions]
            units.append(Unit(guid, gold, {"n_all": len(record["tokens"]), "positions": positions}))
        elif task == "dp":
            units.append(Unit(guid, (list(record["head"]), list(record["deprel"])), {"n_words": len(record["head"])}))
        elif task == "mrc":
            gold = mrc_data.gold_answers(record)
            if not gold and not record["is_impossible"]:
                unlabelled.append(guid)  # answerable, but no answer given: test data
                continue
            units.append(Unit(guid, gold, {"question_type": record["question_type"]}))
        else:  # wos: one unit per user turn
            units.extend(Unit((guid, turn), state) for turn, state in enumerate(wos_data.user_states(record)))
    if task == "wos" and units and not any(unit.gold for unit in units):
        # the reader gives unlabelled turns an empty state; a labelled file has some non-empty one
        raise RejectedInput(f"{path}: no user turn has a dialogue state (an unlabelled test file?)")
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
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RejectedInput(f"{path}: no such predictions file") from None
    except (OSError, UnicodeDecodeError) as error:
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
        problem = _line_problem(obj, task)
        if problem:
            malformed.append((number, f"line {number}: {problem}"))
            continue
        key = (obj["guid"], obj["turn"]) if task == "wos" else obj["guid"]
        if key in lines:
            repeated.setdefault(key, [lines[key][0]]).append(number)
            continue
        lines[key] = (number, obj)
    return lines, malformed, repeated


def _line_problem(obj: Any, task: str) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    guid = obj.get("guid")
    if not isinstance(guid, str) or not guid:
        return f"missing or non-string 'guid' (got {guid!r})"
    if task == "wos":
        turn = obj.get("turn")
        if isinstance(turn, bool) or not isinstance(turn, int) or turn < 0:
            return f"guid {guid}: expected 'turn', the 0-based index of the user turn, got {turn!r}"
    if "prediction" not in obj:
        return f"guid {guid}: missing 'prediction'"
    return None


def _convert(task: str, unit: Unit, obj: dict[str, Any]) -> Any:
    """One prediction in the ``metrics.score_task`` unit; ``BadPrediction`` says what is wrong."""
    value = obj["prediction"]
    if task in ("ynat", "nli", "re"):
        labels = get_task(task).LABELS
        if not isinstance(value, str) or value not in labels:
            shown = ", ".join(labels) if len(labels) <= 10 else f"the {len(labels)} relation names"
            raise BadPrediction(f"expected a label name ({shown}), got {value!r}")
        if task != "re":
            return labels.index(value)
        return (labels.index(value), _probabilities(obj.get("probabilities"), labels.index(value)))
    if task == "sts":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadPrediction(f"expected a finite number, got {value!r}")
        return float(value)
    if task == "ner":
        if not isinstance(value, list) or not all(isinstance(tag, str) and tag in ner_data.LABELS for tag in value):
            bad = value if not isinstance(value, list) else next(t for t in value if t not in ner_data.LABELS)
            raise BadPrediction(f"expected a list of NER tags ({', '.join(ner_data.LABELS)}), got {bad!r}")
        n_chars, n_all = len(unit.gold), unit.context["n_all"]
        if len(value) == n_chars:
            return ("non-space", value)
        if len(value) == n_all:
            return ("all", [value[i] for i in unit.context["positions"]])
        raise BadPrediction(
            f"{len(value)} tags; expected {n_chars} (one per non-space character) or {n_all} (one per character, "
            "spaces included)"
        )
    if task == "dp":
        n_words = unit.context["n_words"]
        if (
            not isinstance(value, dict)
            or not isinstance(value.get("head"), list)
            or not isinstance(value.get("deprel"), list)
        ):
            raise BadPrediction(f'expected {{"head": [ints], "deprel": [strings]}}, got {str(value)[:60]}')
        heads, deprels = value["head"], value["deprel"]
        if len(heads) != n_words or len(deprels) != n_words:
            raise BadPrediction(f"{len(heads)} heads and {len(deprels)} deprels; expected {n_words} (one per word)")
        for head in heads:
            if isinstance(head, bool) or not isinstance(head, int) or not 0 <= head <= n_words:
                raise BadPrediction(f"head {head!r} is not an integer in 0..{n_words} (0 = root)")
        for deprel in deprels:
            if deprel not in metrics.DP_DEPREL_LABELS:
                raise BadPrediction(
                    f"deprel {deprel!r} is not one of the {len(metrics.DP_DEPREL_LABELS)} KLUE relations"
                )
        return (heads, deprels)
    if task == "mrc":
        if not isinstance(value, str):
            raise BadPrediction(f'expected an answer string ("" = unanswerable), got {value!r}')
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadPrediction(f"expected a list of 'domain-slot-value' strings, got {str(value)[:60]}")
    return value


def _probabilities(value: Any, label_id: int) -> list[float] | None:
    if value is None:
        return None
    n = len(metrics.RE_RELATIONS)
    if (
        not isinstance(value, list)
        or len(value) != n
        or not all(isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) for p in value)
    ):
        raise BadPrediction(f"'probabilities' must be {n} finite numbers in the official relation order")
    if value[label_id] < max(value):  # micro F1 scores the argmax: the two must not disagree
        best = metrics.RE_RELATIONS[int(np.argmax(value))]
        raise BadPrediction(
            f"the label {metrics.RE_RELATIONS[label_id]!r} is not the argmax of 'probabilities' ({best!r})"
        )
    return [float(p) for p in value]


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
    """``metrics.score_task`` and the task's breakdown on matched units; notes are appended to ``notes``."""
    golds = [unit.gold for unit in units]
    breakdown: dict[str, Any] = {}
    if task in ("ynat", "nli"):
        scores = metrics.score_task(task, predictions, golds)
        breakdown = metrics.classification_breakdown(predictions, golds, list(get_task(task).LABELS))
    elif task == "sts":
        scores = metrics.score_task(task, predictions, golds)
    elif task == "ner":
        tags = [value for _, value in predictions]
        notes.append(_ner_reading(predictions, units))
        scores = metrics.score_task(task, tags, golds)
        breakdown = metrics.ner_breakdown(tags, golds)
    elif task == "re":
        probabilities = _re_probabilities(predictions, notes)
        scores = metrics.score_task(task, probabilities, golds)
        breakdown = metrics.re_breakdown([label for label, _ in predictions], golds)
    elif task == "dp":
        pred = ([heads for heads, _ in predictions], [deprels for _, deprels in predictions])
        gold = ([heads for heads, _ in golds], [deprels for _, deprels in golds])
        scores = metrics.score_task(task, pred, gold)
    elif task == "mrc":
        scores = metrics.score_task(task, predictions, golds)
        question_types = [unit.context["question_type"] for unit in units]
        if all(question_type in metrics.MRC_QUESTION_TYPES for question_type in question_types):
            breakdown = metrics.mrc_breakdown(predictions, golds, question_types)
        else:
            notes.append("no per-question-type breakdown: some references have no KLUE question_type (1, 2, 3)")
    else:
        scores = metrics.score_task(task, predictions, golds)
        breakdown = metrics.wos_breakdown(predictions, golds)
    return scores, breakdown


def _ner_reading(predictions: Sequence[tuple[str, list[str]]], units: Sequence[Unit]) -> str:
    # A sentence without spaces fits both readings; it is counted apart so the message is exact.
    both = sum(1 for unit in units if unit.context["n_all"] == len(unit.gold))
    all_chars = sum(
        1
        for (reading, _), unit in zip(predictions, units)
        if reading == "all" and unit.context["n_all"] != len(unit.gold)
    )
    non_space = len(units) - both - all_chars
    return (
        f"NER predictions read as tags for the non-space characters in {non_space} sentence(s), for all characters "
        f"(spaces included; the tags at spaces dropped) in {all_chars}; {both} sentence(s) have no space "
        "(same either way)"
    )


def _re_probabilities(predictions: Sequence[tuple[int, list[float] | None]], notes: list[str]) -> np.ndarray:
    given = sum(1 for _, probabilities in predictions if probabilities is not None)
    if 0 < given < len(predictions):
        raise RejectedInput(
            f"'probabilities' given on {given} of {len(predictions)} lines; give them on every line or on none "
            "(a mix would score an AUPRC of half one-hot vectors)"
        )
    n = len(metrics.RE_RELATIONS)
    if given:
        return np.asarray([probabilities for _, probabilities in predictions], dtype=np.float64)
    notes.append(
        "no 'probabilities' in the predictions: AUPRC is computed on one-hot vectors of the predicted labels, "
        "not comparable to the official AUPRC of a model's probabilities"
    )
    one_hot = np.zeros((len(predictions), n))
    one_hot[np.arange(len(predictions)), [label for label, _ in predictions]] = 1.0
    return one_hot


# ---------------------------------------------------------------- output


def format_report(report: Report) -> str:
    unit = {"ner": "sentences", "dp": "sentences", "mrc": "questions", "wos": "user turns"}.get(report.task, "examples")
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


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
    parser = argparse.ArgumentParser(
        prog="python -m metrics.score",
        description="Score a system's KLUE predictions (JSON lines keyed by guid) with the official metrics.",
        epilog=__doc__,  # the prediction formats of every task
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--predictions", required=True, help='JSON lines: {"guid": ..., "prediction": ...}')
    parser.add_argument(
        "--references", required=True, help="an original KLUE dev file or a Hub-schema JSON / JSON-lines file"
    )
    parser.add_argument("--json", dest="json_path", help="also write the scores and breakdown to this JSON file")
    return parser


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    """Run the CLI; returns the exit code (0 scored, 2 rejected input)."""
    args = build_parser().parse_args(argv)
    try:
        report = score(args.task, args.references, args.predictions)
    except RejectedInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
    out(format_report(report))
    if args.json_path:
        write_json_atomically(args.json_path, report.as_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
