"""smoke.baselines: the trivial predictions, scored with the official metrics, on hand-made records."""

from __future__ import annotations

import json

import pytest

from smoke.baselines import baselines, trivial_scores
from smoke.data import write_all


def test_majority_class():
    records = [{"label": "정치"}, {"label": "정치"}, {"label": "경제"}]
    # macro F1 over the topics present: 정치 (precision 2/3, recall 1 → F1 0.8) and 경제 (0) → 40
    assert trivial_scores("ynat", records)["macro_f1"] == pytest.approx(40.0)
    nli = [{"label": "neutral"}, {"label": "neutral"}, {"label": "entailment"}]
    assert trivial_scores("nli", nli)["accuracy"] == pytest.approx(200 / 3)


def test_all_o_scores_no_entity():
    records = [{"tokens": list("김철수 왔다"), "ner_tags": ["B-PS", "I-PS", "I-PS", "O", "O", "O"]}]
    scores = trivial_scores("ner", records)
    assert scores["entity_f1"] == 0.0
    assert 0.0 < scores["char_f1"] < 100.0  # the O class is right
    # scored over the characters that are not spaces, as the task scores its predictions
    assert scores["char_f1"] == pytest.approx(trivial_scores("ner", [
        {"tokens": list("김철수왔다"), "ner_tags": ["B-PS", "I-PS", "I-PS", "O", "O"]}])["char_f1"])


def test_empty_answer_is_right_on_unanswerable_questions_only():
    records = [{"answers": {"text": ["서울"]}}, {"answers": {"text": []}}, {"answers": {"text": ["3개"]}},
               {"answers": {"text": []}}]  # fmt: skip
    assert trivial_scores("mrc", records) == {"exact_match": 50.0, "rouge_w": 50.0}


def test_empty_state_is_right_on_turns_with_an_empty_state():
    dialogue = [{"role": "user", "state": []}, {"role": "sys", "text": "네"}, {"role": "user", "state": ["식당-종류-한식당"]}]
    assert trivial_scores("wos", [{"dialogue": dialogue}])["jga"] == 50.0


def test_first_choice_and_dp_and_re():
    rows = [{"problems": json.dumps({"answer": answer})} for answer in (1, 2, 3, 1)]
    assert trivial_scores("mcqa", rows) == {"accuracy": 50.0}
    # every word to the last word: right for words 2 and 3 of "1→2, 2→3, 3→root"
    dp = [{"head": [2, 3, 0], "deprel": ["NP_MOD", "NP_SBJ", "VP"]}]
    assert trivial_scores("dp", dp)["uas"] > 0
    # and the most frequent relation (NP) for every word: right heads for words 2-4, right labels for 2 and 3
    most_common_np = trivial_scores("dp", [{"head": [2, 4, 4, 0], "deprel": ["NP", "NP", "NP", "VP"]}])
    assert most_common_np == {"uas": pytest.approx(60.0), "las": pytest.approx(200 / 9)}
    re_records = [{"label": "no_relation"}] * 3 + [{"label": "per:employee_of"}]
    assert trivial_scores("re", re_records)["micro_f1"] == pytest.approx(40.0)  # always employee_of: P 1/4, R 1


def test_baselines_of_the_smoke_dev_files_are_well_below_what_a_model_reaches(tmp_path):
    write_all(tmp_path)
    found = baselines(tmp_path, ["ynat", "nli", "ner", "re", "dp", "mrc", "wos", "mcqa", "sts"])
    assert found["ynat"]["scores"]["macro_f1"] < 10  # 7 balanced topics
    assert found["mrc"]["scores"]["exact_match"] == 25.0  # one unanswerable question in four
    assert found["mcqa"]["scores"]["accuracy"] == 25.0
    assert found["sts"]["scores"]["pearsonr"] == 0.0
    assert all(set(entry) == {"name", "scores"} for entry in found.values())


def test_sts_baseline_without_real_label():
    records = [{"labels": {"label": v, "real-label": None, "binary-label": int(v >= 3)}} for v in (4.0, 1.0, 3.5, 2.0)]
    scores = trivial_scores("sts", records)
    assert scores["pearsonr"] == 0.0 and scores["f1"] > 0  # the best constant (>= 3) gets 2p/(1+p)


def test_an_undefined_baseline_score_is_written_as_zero(monkeypatch, tmp_path):
    # a score the metric leaves undefined (NaN) would make results.json invalid JSON and every comparison false
    import smoke.baselines as module

    monkeypatch.setattr(module, "read_dev", lambda task, data_dir: [{"labels": {}}])
    monkeypatch.setattr(module, "trivial_scores", lambda task, records: {"pearsonr": float("nan"), "f1": 50.0})
    assert baselines(tmp_path, ["sts"])["sts"]["scores"] == {"pearsonr": 0.0, "f1": 50.0}


def test_the_smoke_cli_refuses_unknown_tasks_and_has_help(capsys, tmp_path, monkeypatch):
    from smoke.__main__ import main

    assert main(["--help"]) == 0 and "prepare DIR" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert main(["prepare", "--help"]) == 0 and "prepare DIR" in capsys.readouterr().out
    assert not any(tmp_path.iterdir())  # not a folder named --help with the smoke data in it
    for argv in (["flags", "nre"], ["baselines", "data", "ner", "nre"]):
        assert main(argv) == 2
        assert capsys.readouterr().err.startswith("error: unknown task(s) nre; the table has ynat, sts")


def test_a_dev_file_without_examples_has_no_baseline_and_says_why(tmp_path):
    (tmp_path / "klue-mcqa-v1_dev.csv").write_text("id,paragraph,problems,question_plus\n", encoding="utf-8")
    skipped = []
    assert baselines(tmp_path, ["mcqa"], skipped) == {}
    assert skipped == [f"no mcqa baseline: no mcqa dev file in {tmp_path}"]
