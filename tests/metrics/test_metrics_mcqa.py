"""MCQA accuracy, its row in the task table, and the scorer CLI on id-keyed predictions."""

from __future__ import annotations

import json

import pytest

import metrics
from metrics import score as cli
from metrics.mcqa import mcqa_accuracy, mcqa_breakdown
from tests.synthetic_mcqa import mcqa_records, write_competition_csv


def test_accuracy_and_the_breakdown_per_choice_count():
    predictions, gold, n_choices = [1, 2, 3, 4, 5], [1, 2, 1, 4, 1], [4, 4, 4, 5, 5]
    assert mcqa_accuracy(predictions, gold) == pytest.approx(60.0)
    assert mcqa_breakdown(predictions, gold, n_choices) == {
        "accuracy_by_choice_count": {"4_choices": pytest.approx(200 / 3), "5_choices": 50.0},
        "items_by_choice_count": {"4_choices": 3, "5_choices": 2},
    }
    assert metrics.score_task("mcqa", predictions, gold) == {"accuracy": pytest.approx(60.0)}


@pytest.mark.parametrize("predictions, gold, message", [([1, 2], [1], "same length"), ([0], [1], "ids must lie in")])
def test_bad_input_is_one_value_error(predictions, gold, message):
    with pytest.raises(ValueError, match=message):
        mcqa_accuracy(predictions, gold)


def test_table_row():
    spec = metrics.metric_task("mcqa")
    assert (spec.metric_keys, spec.selection_key, spec.max_seq_length, spec.key_field) == (
        ("accuracy",), "accuracy", 512, "id")


def score(tmp_path, capsys, lines):
    records = mcqa_records(6, seed=4)
    references = write_competition_csv(tmp_path / "dev.csv", records)
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code = cli.main(["--task", "mcqa", "--references", str(references), "--predictions", str(predictions),
                     "--json", str(tmp_path / "scores.json")])
    captured = capsys.readouterr()
    return code, captured, records


def test_the_scorer_cli_matches_by_id_and_breaks_down_by_choice_count(tmp_path, capsys):
    records = mcqa_records(6, seed=4)
    lines = [{"id": r["id"], "prediction": r["answer"] if i < 3 else 1 + r["answer"] % len(r["choices"]),
              "scores": [0.5] * len(r["choices"])} for i, r in enumerate(records)]
    code, captured, _ = score(tmp_path, capsys, lines)
    assert code == 0, captured.err
    report = json.loads((tmp_path / "scores.json").read_text())
    assert report["scores"] == {"accuracy": pytest.approx(50.0)} and report["count"] == 6
    assert set(report["breakdown"]["accuracy_by_choice_count"]) == {"4_choices", "5_choices"}
    assert "KLUE mcqa: 6 items" in captured.out


def test_the_scorer_cli_rejects_an_answer_outside_the_choices_and_guid_keys(tmp_path, capsys):
    records = mcqa_records(6, seed=4)
    lines = [{"id": r["id"], "prediction": 1} for r in records]
    lines[0]["prediction"] = 5  # record 0 has 4 choices
    code, captured, _ = score(tmp_path, capsys, lines)
    assert code == 2 and "smoke-mcqa-00000: expected a choice number in 1..4" in captured.err
    code, captured, _ = score(tmp_path, capsys, [{"guid": r["id"], "prediction": 1} for r in records])
    assert code == 2 and "missing or non-string 'id'" in captured.err
