"""Hard voting over MCQA prediction CSVs: the pure function, then the CLI ``python -m metrics.vote``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.vote import main, vote

ROOT = Path(__file__).resolve().parents[2]


def test_the_majority_wins():
    assert vote([{"a": 1, "b": 2}, {"a": 1, "b": 3}, {"a": 4, "b": 3}]) == {"a": 1, "b": 3}


def test_a_tie_goes_to_the_earliest_file_among_the_tied_answers():
    # a: 1, 2, 2, 3, 3 -> 2 and 3 tie; file 1 chose neither, file 2 chose 2
    assert vote([{"a": 1}, {"a": 2}, {"a": 3}, {"a": 3}, {"a": 2}]) == {"a": 2}
    assert vote([{"a": 4}, {"a": 1}]) == {"a": 4}


def test_a_tie_goes_to_the_higher_summed_score_when_scores_are_given():
    answers = [{"a": 1}, {"a": 2}]
    scores = [{"a": [0.6, 0.4, 0.0, 0.0]}, {"a": [0.1, 0.8, 0.1, 0.0]}]  # sums: 1 -> 0.7, 2 -> 1.2
    assert vote(answers, scores) == {"a": 2}
    assert vote(answers) == {"a": 1}


def test_the_output_keeps_the_first_file_order():
    assert list(vote([{"b": 1, "a": 2}, {"a": 2, "b": 1}])) == ["b", "a"]


def write(path: Path, rows: list[tuple[str, int]]) -> Path:
    path.write_text("id,answer\n" + "".join(f"{i},{a}\n" for i, a in rows), encoding="utf-8")
    return path


def test_cli_votes_and_breaks_ties_with_predictions_jsonl(tmp_path, capsys):
    a = write(tmp_path / "a.csv", [("q1", 1), ("q2", 2)])
    b = write(tmp_path / "b.csv", [("q1", 3), ("q2", 2)])
    scores = tmp_path / "b.jsonl"
    scores.write_text("".join(json.dumps({"id": i, "prediction": 3, "scores": s}) + "\n"
                              for i, s in (("q1", [0.1, 0, 0.9, 0]), ("q2", [0, 1, 0, 0]))), encoding="utf-8")
    out = tmp_path / "out" / "voted.csv"
    assert main([str(a), str(b), "-o", str(out)]) == 0
    assert out.read_text() == "id,answer\nq1,1\nq2,2\n"
    assert main([str(a), str(b), "--scores", str(scores), "-o", str(out)]) == 0
    assert out.read_text() == "id,answer\nq1,3\nq2,2\n"


@pytest.mark.parametrize(
    "rows_b, message",
    [
        ([("q1", 1), ("q3", 2)], "b.csv: ids differ from"),
        ([("q1", 1), ("q2", "x")], "b.csv, line 3 (id q2): expected a choice number"),
        ([("q1", 1), ("q2", 0)], "b.csv, line 3 (id q2): expected a choice number 1, 2, ..., got '0'"),
        ([("q1", 1), ("q2", 2), ("q1", 3)], "b.csv, line 4: id 'q1' is given twice"),
        ([("q1", 1), ("q2", 2), ("q3", 2)], "a.csv: 1 id(s) not in "),  # every id of a.csv, and one more
    ],
)
def test_cli_mismatched_or_bad_files_end_in_one_line(tmp_path, rows_b, message):
    a = write(tmp_path / "a.csv", [("q1", 1), ("q2", 2)])
    b = write(tmp_path / "b.csv", rows_b)
    out = tmp_path / "voted.csv"
    done = subprocess.run([sys.executable, "-m", "metrics.vote", str(a), str(b), "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_cli_keeps_ids_with_line_breaks_and_names_the_starting_line(tmp_path, capsys):
    a = tmp_path / "a.csv"
    a.write_text('id,answer\n"q\n1",1\nq2,2\n', encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text('id,answer\n"q\n1",1\nq2,²\n', encoding="utf-8")  # a digit to str.isdigit, not to int()
    out = tmp_path / "voted.csv"
    assert main([str(a), str(a), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == 'id,answer\n"q\n1",1\nq2,2\n'
    assert main([str(a), str(b), "-o", str(out)]) == 2
    assert "b.csv, line 4 (id q2): expected a choice number 1, 2, ..., got '²'" in capsys.readouterr().err


def scores_file(path: Path, records: list[tuple[str, list[float]]], encoding: str = "utf-8") -> Path:
    path.write_text("".join(json.dumps({"id": i, "prediction": 1, "scores": s}) + "\n" for i, s in records),
                    encoding=encoding)
    return path


@pytest.mark.parametrize(
    "case, message",
    [
        ("folder as a CSV", "b.csv: is a folder; give a prediction CSV"),
        ("folder as --scores", "s.jsonl: is a folder; give a predictions.jsonl file"),
        ("UTF-16 --scores", "s.jsonl: not UTF-8 text (byte 0)"),
        # last-one-wins would take [0, 1]: answer 2 would win the tie of a.csv's 1 and b.csv's 2 silently
        ("repeated id in --scores", "s.jsonl, line 2: id 'q1' is given twice"),
    ],
)
def test_cli_unreadable_files_and_repeated_score_ids_end_in_one_line(tmp_path, capsys, case, message):
    a = write(tmp_path / "a.csv", [("q1", 1)])
    b = tmp_path / "b.csv"
    scores = tmp_path / "s.jsonl"
    if case == "folder as a CSV":
        b.mkdir()
    else:
        write(b, [("q1", 2)])
    if case == "folder as --scores":
        scores.mkdir()
    elif case == "UTF-16 --scores":
        scores_file(scores, [("q1", [0.0, 1.0])], encoding="utf-16")
    else:
        scores_file(scores, [("q1", [1.0, 0.0]), ("q1", [0.0, 1.0])])
    out = tmp_path / "voted.csv"
    assert main([str(a), str(b), "--scores", str(scores), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "b_answer, scores, message",
    [
        # json.dumps writes NaN; summed into a tie it matched no answer (a StopIteration traceback)
        (2, [[[float("nan"), 0.5]], [[0.5, 0.5]]], "s0.jsonl, line 1 (id q1): a score is not a finite number"),
        # run_mcqa writes a NaN score as null
        (2, [[[0.5, 0.5]], [[None, 0.5]]], "s1.jsonl, line 1 (id q1): a score is not a finite number (null, 0.5)"),
        # two runs over different test files: 4 scores against 5 for one id
        (2, [[[0.1, 0.2, 0.3, 0.4]], [[0.1, 0.2, 0.3, 0.2, 0.2]]], "s1.jsonl: id 'q1' has 5 scores, "),
        (5, [[[0.1, 0.2, 0.3, 0.4]], [[0.1, 0.2, 0.3, 0.4]]], "b.csv: id 'q1' is answered 5, but "),
    ],
)
def test_cli_scores_that_are_not_numbers_or_not_of_the_same_items_end_in_one_line(tmp_path, capsys, b_answer,
                                                                                   scores, message):
    a = write(tmp_path / "a.csv", [("q1", 1)])
    b = write(tmp_path / "b.csv", [("q1", b_answer)])
    files = [scores_file(tmp_path / f"s{k}.jsonl", [("q1", values[0])]) for k, values in enumerate(scores)]
    out = tmp_path / "voted.csv"
    assert main([str(a), str(b), "--scores", *map(str, files), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not out.exists()


@pytest.mark.parametrize("where, message", [("folder", "voted: is a folder; give a file path"),
                                            ("under a file", "a.csv is a file, not a folder"),
                                            ("an input", "is the input")])
def test_cli_checks_the_output_path_before_reading_anything(tmp_path, capsys, where, message):
    a = write(tmp_path / "a.csv", [("q1", 1)])
    out = {"folder": tmp_path / "voted", "under a file": a / "voted.csv", "an input": tmp_path / "." / "a.csv"}[where]
    if where == "folder":
        out.mkdir()
    # the other input does not exist: the -o error comes first, as it is found before any file is read
    assert main([str(tmp_path / "none1.csv"), str(a), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: -o ") and message in err
    assert a.read_text() == "id,answer\nq1,1\n"  # nothing written, nothing created
    assert set(tmp_path.iterdir()) == ({a, out} if where == "folder" else {a}) and not any(tmp_path.glob("*/*"))


def test_cli_refuses_an_output_that_is_a_scores_file(tmp_path, capsys):
    a, b = write(tmp_path / "a.csv", [("q1", 1)]), write(tmp_path / "b.csv", [("q1", 2)])
    scores = tmp_path / "scores.jsonl"
    scores.write_text('{"id": "q1", "prediction": 1, "scores": [1, 0]}\n')
    assert main([str(a), str(b), "--scores", str(scores), str(scores), "-o", str(scores)]) == 2
    assert "is the input" in capsys.readouterr().err and scores.read_text().startswith('{"id"')


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_cli_output_gets_the_usual_permissions_of_the_umask(tmp_path):
    a = write(tmp_path / "a.csv", [("q1", 1)])
    out = tmp_path / "voted.csv"
    previous = os.umask(0o022)
    try:
        assert main([str(a), str(a), "-o", str(out)]) == 0
    finally:
        os.umask(previous)
    assert out.stat().st_mode & 0o777 == 0o644  # like the trainers' result files, not tempfile's owner-only 0600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.csv", "voted.csv"]  # no temporary file left


def test_cli_usage_mistakes_are_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["a.csv", "b.csv"])  # no -o
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1 and "-o/--output" in err


def test_cli_accepts_an_answer_that_is_the_last_choice_when_scores_are_given(tmp_path, capsys):
    # an answer may be the last of an item's choices (4 of 4): only one past them is refused
    a = write(tmp_path / "a.csv", [("q1", 4), ("q2", 1)])
    b = write(tmp_path / "b.csv", [("q1", 2), ("q2", 1)])
    scores = tmp_path / "s.jsonl"
    scores.write_text("".join(json.dumps({"id": i, "prediction": 4, "scores": s}) + "\n"
                              for i, s in (("q1", [0.1, 0.2, 0.3, 0.4]), ("q2", [0.7, 0.1, 0.1, 0.1]))))
    out = tmp_path / "voted.csv"
    assert main([str(a), str(b), "--scores", str(scores), "-o", str(out)]) == 0, capsys.readouterr().err
    assert out.read_text() == "id,answer\nq1,4\nq2,1\n"


def test_cli_summary_counts_the_answers_that_differ_from_the_first_file(tmp_path, capsys):
    # the summary counts the voted answers that differ from the first file's
    a = write(tmp_path / "a.csv", [("q1", 1), ("q2", 2)])
    b = write(tmp_path / "b.csv", [("q1", 3), ("q2", 2)])
    c = write(tmp_path / "c.csv", [("q1", 3), ("q2", 2)])
    out = tmp_path / "voted.csv"
    assert main([str(a), str(b), str(c), "-o", str(out)]) == 0
    assert out.read_text() == "id,answer\nq1,3\nq2,2\n"
    assert f"Voted 2 answers over 3 files (1 differ from {a}) into {out}" in capsys.readouterr().out


def test_cli_a_missing_prediction_csv_is_one_line(tmp_path, capsys):
    a = write(tmp_path / "a.csv", [("q1", 1)])
    out = tmp_path / "voted.csv"
    assert main([str(a), str(tmp_path / "none.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'none.csv'}: no such file\n" and not out.exists()


@pytest.mark.parametrize("ids_b, shown", [
    (["q1", "q2", "q3"], "a.csv missing (p1, p2, p3);"),  # as many as are shown: no "and 0 more"
    (["q1", "q2", "q3", "q4"], "a.csv missing (p1, p2, p3 and 1 more);"),
])
def test_cli_names_the_ids_that_differ(tmp_path, capsys, ids_b, shown):
    a = write(tmp_path / "a.csv", [(f"p{k}", 1) for k in range(1, len(ids_b) + 1)])
    b = write(tmp_path / "b.csv", [(item, 1) for item in ids_b])
    assert main([str(a), str(b), "-o", str(tmp_path / "voted.csv")]) == 2
    err = capsys.readouterr().err
    assert shown in err and "and 0 more" not in err and "None" not in err


def test_vote_without_predictions_is_a_value_error_and_an_answer_past_the_scores_scores_zero():
    with pytest.raises(ValueError, match="at least one"):
        vote([])
    assert vote([{"a": 1}, {"a": 5}], [{"a": [0.4, 0.6]}]) == {"a": 1}  # 5 has no score: 0.0 < 0.4


def test_cli_help_starts_with_what_the_tool_does(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "Hard-voting ensemble of MCQA prediction CSVs" in capsys.readouterr().out.split("\n\n")[1]
