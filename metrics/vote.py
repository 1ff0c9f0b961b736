"""Hard-voting ensemble of MCQA prediction CSVs: ``python -m metrics.vote``.

Usage::

    python -m metrics.vote a.csv b.csv c.csv [--scores a/predictions.jsonl b/predictions.jsonl ...] -o out.csv

Each CSV is ``id,answer`` (what ``trainers/run_mcqa.py --predictions_csv`` writes; the answer is the
1-based choice number). Per id the answer most files chose wins. A tie is broken by the summed
``scores`` of the tied answers over the given ``predictions.jsonl`` files (``{"id", "prediction",
"scores": [one per choice]}``) when ``--scores`` is given, else (and when the sums tie too) by the
earliest file that chose one of the tied answers. The output keeps the first file's id order and is
written atomically, with the permissions of any new file (0644 under umask 022). Files whose ids
differ, an id given twice (in a CSV or a ``--scores`` file), a non-numeric answer, a score that is not a finite
number, scores files that give one id different numbers of choices, an answer past an id's choices, a missing header,
an unreadable file (a folder, not UTF-8) or an ``-o`` that cannot be a file end in one line naming
the file (exit status 2); ``-o`` is checked before any file is read.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from args.command_line import OneLineErrorParser, nearest_existing, same_file
from metrics.atomic_files import atomic_writer

EXIT_REJECTED = 2
SHOWN = 3


class VoteInputError(ValueError):
    """An input file that cannot be voted on; the message names it and what is wrong."""


def vote(
    answers: Sequence[Mapping[str, int]], scores: Sequence[Mapping[str, Sequence[float]]] = ()
) -> dict[str, int]:
    """Per id (in the first mapping's order) the answer most of ``answers`` chose.

    Ties: the tied answer with the highest score summed over ``scores`` (``scores[k][id][answer - 1]``),
    then the tied answer of the earliest mapping in ``answers``. Every mapping must hold the same ids.
    """
    if not answers:
        raise ValueError("answers: expected at least one set of predictions")
    result = {}
    for item in answers[0]:
        votes: dict[int, int] = {}
        for predictions in answers:
            votes[predictions[item]] = votes.get(predictions[item], 0) + 1
        best = max(votes.values())
        tied = [answer for answer, count in votes.items() if count == best]
        if len(tied) > 1 and scores:
            summed = {answer: sum(_score(table[item], answer) for table in scores) for answer in tied}
            top = max(summed.values())
            tied = [answer for answer in tied if summed[answer] == top]
        # the earliest file's answer among those still tied (votes keeps first-seen order)
        result[item] = next(answer for answer in votes if answer in tied)
    return result


def _score(item_scores: Sequence[float], answer: int) -> float:
    return float(item_scores[answer - 1]) if 1 <= answer <= len(item_scores) else 0.0


# ---------------------------------------------------------------- files


def read_answers(path: str | Path) -> dict[str, int]:
    """An ``id,answer`` CSV as ``{id: answer}`` in file order."""
    path = Path(path)
    rows = _csv_rows(path)
    header = [name.strip() for name in rows[0][1]] if rows else []
    if "id" not in header or "answer" not in header:
        raise VoteInputError(f"{path}: expected a header row 'id,answer', got {','.join(header) or 'nothing'}")
    at_id, at_answer = header.index("id"), header.index("answer")
    answers: dict[str, int] = {}
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise VoteInputError(f"{path}, line {line}: expected {len(header)} cells, got {len(row)}")
        item, answer = row[at_id].strip(), row[at_answer].strip()
        if not (answer.isascii() and answer.isdigit()) or int(answer) < 1:
            raise VoteInputError(f"{path}, line {line} (id {item}): expected a choice number 1, 2, ..., got {answer!r}")
        if item in answers:
            raise VoteInputError(f"{path}, line {line}: id {item!r} is given twice")
        answers[item] = int(answer)
    if not answers:
        raise VoteInputError(f"{path}: no predictions")
    return answers


def read_scores(path: str | Path) -> dict[str, list[float]]:
    """A ``predictions.jsonl`` of ``trainers/run_mcqa.py`` as ``{id: scores}``."""
    path = Path(path)
    lines = _read_text(path, "a predictions.jsonl file").split("\n")
    scores: dict[str, list[float]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise VoteInputError(f"{path}, line {number}: not valid JSON ({error.msg})") from None
        values = record.get("scores") if isinstance(record, dict) else None
        numbers = isinstance(values, list) and all(  # null: how run_mcqa writes a NaN score
            value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)) for value in values
        )
        if not numbers or not isinstance(record.get("id"), str):
            raise VoteInputError(f'{path}, line {number}: expected {{"id": "...", "scores": [numbers]}}')
        if not all(value is not None and math.isfinite(value) for value in values):  # a NaN sum ties with nothing
            shown = ", ".join("null" if value is None else str(value) for value in values)
            raise VoteInputError(f"{path}, line {number} (id {record['id']}): a score is not a finite number "
                                 f"({shown}); the model's outputs overflowed?")
        if record["id"] in scores:  # else the last line would win silently, and it can decide a tie
            raise VoteInputError(f"{path}, line {number}: id {record['id']!r} is given twice")
        scores[record["id"]] = [float(value) for value in values]
    return scores


def check_same_ids(named: Sequence[tuple[str, Mapping[str, object]]]) -> None:
    """Every file holds the first file's ids, no more and no fewer."""
    first_name, first = named[0]
    for name, table in named[1:]:
        missing = [item for item in first if item not in table]
        extra = [item for item in table if item not in first]
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"{len(missing)} id(s) of {first_name} missing ({_names(missing)})")
            if extra:
                problems.append(f"{len(extra)} id(s) not in {first_name} ({_names(extra)})")
            raise VoteInputError(f"{name}: ids differ from {first_name}: " + "; ".join(problems))


def check_choice_counts(
    answers: Sequence[tuple[str, Mapping[str, int]]], scores: Sequence[tuple[str, Mapping[str, Sequence[float]]]]
) -> None:
    """Per id, every scores file gives one score per choice of the same item (not another test file's), and
    no answer is past them."""
    if not scores:
        return
    first_name, first = scores[0]
    for item, item_scores in first.items():
        for name, table in scores[1:]:
            if len(table[item]) != len(item_scores):
                raise VoteInputError(f"{name}: id {item!r} has {len(table[item])} scores, {first_name} "
                                     f"{len(item_scores)}: the files score different items")
        for name, table in answers:
            if table[item] > len(item_scores):
                raise VoteInputError(f"{name}: id {item!r} is answered {table[item]}, but {first_name} scores "
                                     f"{len(item_scores)} choices")


def check_output(path: str | Path, inputs: Sequence[str | Path] = ()) -> None:
    """``VoteInputError`` unless ``path`` can become a file: a folder, a path under a regular file, or one of
    the ``inputs`` (which the vote would replace) is refused before any input is read, so a mistyped ``-o``
    costs nothing."""
    for given in inputs:
        if same_file(path, given):
            raise VoteInputError(f"-o {path}: is the input {given}; the vote would replace it: give another path")
    path = Path(path)
    if path.is_dir():
        raise VoteInputError(f"-o {path}: is a folder; give a file path")
    parent = nearest_existing(path.parent)
    if parent is not None and not parent.is_dir():
        raise VoteInputError(f"-o {path}: {parent} is a file, not a folder")
    if parent is not None and not os.access(parent, os.W_OK):
        raise VoteInputError(f"-o {path}: cannot write in {parent} (permission denied)")


def write_answers(path: str | Path, answers: Mapping[str, int]) -> None:
    """``id,answer`` rows to ``path`` through a temporary file and a rename: never half a file."""
    with atomic_writer(path) as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["id", "answer"])
        writer.writerows(answers.items())


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """``(line, cells)`` per row; ``line`` is where the row starts (a quoted cell may span lines)."""
    text = _read_text(path, "a prediction CSV")
    reader = csv.reader(io.StringIO(text, newline=""))  # quoted cells keep their line breaks
    rows, start = [], 1
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    return rows


def _read_text(path: Path, what: str) -> str:
    """The file's text (UTF-8, a BOM allowed), or ``VoteInputError`` saying why it cannot be read."""
    if path.is_dir():  # checked first: Windows reports reading a folder as a permission error
        raise VoteInputError(f"{path}: is a folder; give {what}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise VoteInputError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise VoteInputError(f"{path}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    except OSError as error:
        raise VoteInputError(f"{path}: cannot read it ({error.strerror or error})") from None


def _names(items: Sequence[str]) -> str:
    return ", ".join(items[:SHOWN]) + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


# ---------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="python -m metrics.vote", description=__doc__.splitlines()[0],
        epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("predictions", nargs="+", help="prediction CSVs 'id,answer' (two or more)")
    parser.add_argument("--scores", nargs="+", default=[], metavar="JSONL",
                        help="predictions.jsonl files whose summed 'scores' break ties")
    parser.add_argument("-o", "--output", required=True, help="the voted CSV 'id,answer' to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_output(args.output, [*args.predictions, *args.scores])  # first: a mistyped -o costs no reading
        if len(args.predictions) < 2:
            raise VoteInputError("give two or more prediction CSVs to vote over")
        answers = [read_answers(path) for path in args.predictions]
        scores = [read_scores(path) for path in args.scores]
        check_same_ids([*zip(args.predictions, answers), *zip(args.scores, scores)])
        check_choice_counts(list(zip(args.predictions, answers)), list(zip(args.scores, scores)))
        voted = vote(answers, scores)
    except VoteInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED

    try:
        write_answers(args.output, voted)
    except OSError as error:  # e.g. the disk filled up: the temporary file is gone, nothing half-written
        print(f"error: -o {args.output}: cannot write it ({error.strerror or error})", file=sys.stderr)
        return EXIT_REJECTED
    changed = sum(1 for item, answer in voted.items() if answer != answers[0][item])
    print(f"Voted {len(voted)} answers over {len(answers)} files ({changed} differ from {args.predictions[0]}) "
          f"into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
