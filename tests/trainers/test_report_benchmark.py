"""trainers.benchmark_report: the numbers of the results table, files and pictures, on made-up runs."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import pytest

from trainers import benchmark_report as report
from trainers.outputs import write_json

REPO_ROOT = Path(__file__).resolve().parents[2]
PAPER = report.read_paper_table()


def test_paper_scores_by_hub_id_last_part_or_none():
    assert report.paper_scores("klue/roberta-base", PAPER)["ynat_macro_f1"] == 85.12
    assert report.paper_scores("/models/roberta-large", PAPER)["mrc_rouge_w"] == 81.43  # a local copy
    assert report.paper_scores("my-model", PAPER) == {}


def test_the_paper_table_has_every_klue_metric_for_the_klue_models():
    from metrics.tasks import TASKS

    klue_tasks = ("ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos")  # the paper's eight
    columns = {f"{task}_{key}" for task in klue_tasks for key in TASKS[task].metric_keys}
    for model in ("klue/bert-base", "klue/roberta-small", "klue/roberta-base", "klue/roberta-large"):
        scores = report.paper_scores(model, PAPER)
        assert columns <= set(scores), (model, columns - set(scores))
        assert all(0 < scores[column] < 100 for column in columns)


def test_size_configs_by_name_or_by_the_local_models_config(tmp_path, capsys):
    configs = report.REPO_ROOT / "configs"
    assert report.size_configs("klue/roberta-large")[0] == configs / "roberta-large"
    assert report.size_configs("klue/bert-base")[0] == configs / "bert-base"
    assert report.size_configs("klue/roberta-base") == (None, "none for roberta-base")
    # a local copy named otherwise (hf download --local-dir, a cache snapshot) is known by its size
    for name, (model_type, width, layers), expected in (
        ("klue-roberta-large", ("roberta", 1024, 24), configs / "roberta-large"),
        ("snapshot", ("bert", 768, 12), configs / "bert-base"),
        ("small", ("roberta", 768, 6), None),  # klue/roberta-small: the base configs, as the paper
    ):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"model_type": model_type, "hidden_size": width,
                                                        "num_hidden_layers": layers}))
        assert report.size_configs(str(folder))[0] == expected, name
    assert report._main(["size-configs", str(tmp_path / "klue-roberta-large")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "configs/roberta-large", "== configs: configs/roberta-large/<task>.json where it has the task, else "
        "configs/<task>.json (size-specific configs: the model's config.json: a roberta-large (1024 wide, 24 layers))"]
    assert report._main(["size-configs", "klue/roberta-base"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ""


def test_four_evaluations_per_epoch_whatever_the_epochs():
    assert report.quarter_epoch_ratio(4) == 0.0625
    assert report.quarter_epoch_ratio(0.1) == report.quarter_epoch_ratio(0.25) == 1.0  # once, at the end
    config = {"eval_strategy": "steps", "save_strategy": "steps", "num_train_epochs": 3}
    assert report.quarter_epoch_flags(config, []) == ["--eval_steps", repr(0.25 / 3), "--save_steps", repr(0.25 / 3)]
    # the run's own epochs win over the config's (the smoke preset trains more epochs)
    assert report.quarter_epoch_flags(config, ["--num_train_epochs", "8"])[:2] == ["--eval_steps", "0.03125"]
    # presets, then the user's flags: the last --num_train_epochs is the run's, as argparse reads it
    assert report.quarter_epoch_flags(config, ["--num_train_epochs", "8", "--num_train_epochs", "2"])[:2] == [
        "--eval_steps", "0.125"]
    assert report.quarter_epoch_flags(config, ["--eval_steps", "100"]) == []  # the user's own wins
    assert report.quarter_epoch_flags(config, ["--save_steps", "500"]) == ["--eval_steps", repr(0.25 / 3)]
    assert report.quarter_epoch_flags(config, ["--max_steps", "5"]) == []
    # the spellings argparse takes too: the user's flag still wins, and the epochs are read
    for flags in (["--eval_steps=100"], ["--eval-steps", "100"], ["--max-steps=5"]):
        assert report.quarter_epoch_flags(config, flags) == [], flags
    assert report.quarter_epoch_flags(config, ["--num_train_epochs=1"])[:2] == ["--eval_steps", "0.25"]
    dashes = ["--num-train-epochs", "2", "--save-steps=9"]
    assert report.quarter_epoch_flags(config, dashes) == ["--eval_steps", "0.125"]
    for bad in ("abc", "0", "-1", "nan", "inf"):  # left to the task script, which says what is wrong in one line
        assert report.quarter_epoch_flags(config, ["--num_train_epochs", bad]) == []
    assert report.quarter_epoch_flags({"eval_strategy": "epoch"}, []) == []


# Every task's config, every model size: the official baseline's rule (MCQA follows it too).
PAPER_CONFIGS = sorted((REPO_ROOT / "configs").glob("**/*.json"))


@pytest.mark.parametrize("config", PAPER_CONFIGS, ids=lambda p: p.parent.name + "/" + p.stem)
def test_every_config_evaluates_four_times_per_epoch_and_keeps_the_best(config):
    values = json.loads(config.read_text(encoding="utf-8"))
    assert values["eval_strategy"] == values["save_strategy"] == "steps"
    assert values["eval_steps"] * values["num_train_epochs"] == pytest.approx(0.25)
    assert values["save_steps"] == values["eval_steps"] and values["load_best_model_at_end"] is True


@pytest.mark.parametrize(
    "config", sorted((REPO_ROOT / "configs").glob("*/*.json")), ids=lambda p: p.parent.name + "/" + p.stem
)
def test_size_specific_configs_parse_with_their_task_script(config):
    """configs/<size>/<task>.json (the paper's other hyperparameters for that size) parse like configs/<task>.json."""
    from trainers.arguments import parse_arguments

    module = __import__(f"trainers.run_{config.stem}", fromlist=["x"])
    task = next(value() for name, value in vars(module).items()
                if name.endswith("Task") and value.__module__ == module.__name__)  # fmt: skip
    model_args, _, training_args, _ = parse_arguments(task, [str(config)])
    assert model_args.model_name_or_path == f"klue/{config.parent.name}"
    from metrics.tasks import TASKS

    assert training_args.metric_for_best_model.removeprefix("eval_") in TASKS[config.stem].metric_keys


def test_confusion_matrix_rows_are_gold():
    labels = ["a", "b", "c"]
    assert report.confusion_matrix(labels, ["a", "a", "b"], ["a", "b", "b"]) == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert report.used_labels(["x", "a", "y", "b"], ["a"], ["b"]) == ["a", "b"]
    with pytest.raises(ValueError):
        report.confusion_matrix(labels, ["a"], [])


def _row(**overrides):
    row = report.task_row("ner", ("entity_f1", "char_f1"), "char_f1", {"eval_entity_f1": 80.0, "eval_char_f1": 90.0,
                          "eval_samples_per_second": 12.5}, {"train_samples_per_second": 3.0},
                          {"status": "ok", "seconds": 42}, {"ner_entity_f1": 84.77, "ner_char_f1": 91.28},
                          {"name": "all O", "scores": {"entity_f1": 0.0, "char_f1": 5.0}})  # fmt: skip
    row.update(overrides)
    return row


def test_task_row_and_baseline_check():
    row = _row()
    assert row["metrics"] == {"entity_f1": 80.0, "char_f1": 90.0}
    assert row["paper"] == {"entity_f1": 84.77, "char_f1": 91.28}
    assert (row["wall_time_s"], row["train_samples_per_second"], row["eval_samples_per_second"]) == (42.0, 3.0, 12.5)
    assert report.above_baseline(row) is True
    assert report.above_baseline(_row(metrics={"entity_f1": 0.0, "char_f1": 4.0})) is False
    assert report.above_baseline(_row(metrics={"entity_f1": 0.0, "char_f1": 5.0})) is False  # equal is not above
    failed = report.task_row("re", ("micro_f1",), "micro_f1", None, None, {"status": "failed", "error": "exit 2: x"},
                             {})  # fmt: skip
    assert (failed["status"], failed["error"], failed["metrics"]) == ("failed", "exit 2: x", {"micro_f1": None})
    assert report.task_row("re", ("micro_f1",), "micro_f1", None, None, None, {})["status"] == "no results"


def test_tables_show_every_metric_paper_baseline_speed_and_failures():
    failed = report.task_row("re", ("micro_f1", "auprc"), "micro_f1", None, None,
                             {"status": "failed", "error": "exit 1: ValueError: boom"}, {})  # fmt: skip
    lines = report.text_table([_row(), failed])
    assert lines[0].split() == ["task", "metric", "ours", "paper", "baseline", "time_s", "train/s", "eval/s"]
    assert lines[1].split() == ["ner", "entity_f1", "80.00", "84.77", "0.00", "42", "3.0", "12.5"]
    assert lines[2].split() == ["ner", "char_f1", "90.00", "91.28", "5.00"]
    assert lines[3] == "re     FAILED: exit 1: ValueError: boom"
    parsed = list(csv.DictReader(io.StringIO(report.csv_text([_row(), failed]))))
    assert parsed[0]["metric_2"] == "char_f1" and float(parsed[0]["paper_2"]) == 91.28
    assert float(parsed[0]["baseline_2"]) == 5.0 and parsed[1]["status"] == "failed" and parsed[1]["ours_1"] == ""
    markdown = report.markdown_table([_row(), failed], "klue/roberta-base")
    assert "| ner | entity_f1 / char_f1 | 80.00 / 90.00 | 84.77 / 91.28 | 0.00 / 5.00 (all O) | 42 |" in markdown


def test_pictures_come_from_what_each_task_writes(tmp_path):
    write_json(tmp_path / "nli" / "eval_breakdown.json",
               {"confusion_matrix": {"labels": ["entailment", "neutral", "contradiction"],
                                     "matrix": [[3, 1, 0], [0, 2, 0], [0, 0, 4]]}})  # fmt: skip
    nli = report.task_picture_data("nli", tmp_path / "nli")
    assert nli["kind"] == "confusion" and nli["matrix"][0] == [3, 1, 0]
    write_json(tmp_path / "ner" / "eval_breakdown.json", {"per_type_f1": {"PS": 90.0, "LC": 50.0}})
    assert report.task_picture_data("ner", tmp_path / "ner")["values"] == {"PS": 90.0, "LC": 50.0}
    write_json(tmp_path / "mrc" / "eval_breakdown.json",
               {"paraphrase": {"exact_match": 70.0, "rouge_w": 75.0, "count": 3}})  # fmt: skip
    mrc = report.task_picture_data("mrc", tmp_path / "mrc")
    assert mrc["values"] == {"paraphrase EM": 70.0, "paraphrase ROUGE-W": 75.0}
    write_json(tmp_path / "wos" / "eval_breakdown.json", {"per_domain_jga": {"식당": 40.0}})
    assert report.task_picture_data("wos", tmp_path / "wos")["values"] == {"식당": 40.0}
    assert report.task_picture_data("sts", tmp_path / "sts") is None


def test_re_confusion_matrix_from_eval_predictions_and_the_dev_file(tmp_path):
    """RE's breakdown has F1 per relation only: the matrix joins eval_predictions.jsonl with the dev gold."""
    from smoke.data import re_records

    records = re_records(7, seed=5, split="dev")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "klue-re-v1.1_dev.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    wrong_one = next(r["guid"] for r in records if r["label"] != "no_relation")  # predicted no_relation
    predictions = [{"guid": r["guid"], "prediction": "no_relation" if r["guid"] == wrong_one else r["label"]}
                   for r in records]  # fmt: skip
    (tmp_path / "re").mkdir()
    (tmp_path / "re" / "eval_predictions.jsonl").write_text("".join(json.dumps(p) + "\n" for p in predictions))
    data = report.task_picture_data("re", tmp_path / "re", tmp_path / "data")
    assert sum(map(sum, data["matrix"])) == 7
    wrong = next(r["label"] for r in records if r["guid"] == wrong_one)
    assert data["matrix"][data["labels"].index(wrong)][data["labels"].index("no_relation")] == 1  # row gold
    assert sum(data["matrix"][i][i] for i in range(len(data["labels"]))) == 6
    assert report.task_picture_data("re", tmp_path / "re", None) is None  # no gold without the dev file
    # a breakdown with the matrix (30 relations) is drawn with the relations that occur only
    matrix = [[0] * 30 for _ in range(30)]
    matrix[0][0], matrix[2][0] = 5, 1
    write_json(tmp_path / "re" / "eval_breakdown.json", {"confusion_matrix": {"labels": [f"r{i}" for i in range(30)],
                                                                              "matrix": matrix}})  # fmt: skip
    drawn = report.task_picture_data("re", tmp_path / "re", None)
    assert drawn["labels"] == ["r0", "r2"] and drawn["matrix"] == [[5, 0], [1, 0]]


def test_write_report_writes_every_file_atomically_and_logs_pictures(tmp_path):
    write_json(tmp_path / "ynat" / "eval_results.json", {"eval_macro_f1": 70.0, "eval_samples_per_second": 9.0})
    write_json(tmp_path / "ynat" / "train_results.json", {"train_samples_per_second": 4.0})
    write_json(tmp_path / "ynat" / "run_all.json", {"status": "ok", "seconds": 12})
    write_json(tmp_path / "ynat" / "eval_breakdown.json",
               {"confusion_matrix": {"labels": ["정치", "경제"], "matrix": [[5, 1], [2, 3]]}})  # fmt: skip
    write_json(tmp_path / "ner" / "run_all.json", {"status": "failed", "seconds": 3, "error": "exit 2: error: bad"})
    rows = report.write_report(tmp_path, "klue/roberta-base", ["ynat", "ner"],
                               baselines={"ynat": {"name": "majority class",
                                                   "scores": {"macro_f1": 10.0}}})  # fmt: skip
    assert [row["status"] for row in rows] == ["ok", "failed"]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["failed"] == ["ner"] and results["tasks"][0]["paper"] == {"macro_f1": 85.12}
    assert results["tasks"][0]["above_baseline"] is True
    assert set(results["figures"]) == {"scores", "ynat"}
    for name in ("scores.png", "ynat_confusion_matrix.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:4] == b"\x89PNG"
    assert list((tmp_path / "ynat" / "runs" / "benchmark_report").glob("events.out.tfevents.*"))
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    assert (tmp_path / "results.csv").read_text(encoding="utf-8").count("\n") == 3

    # A report without TensorBoard images redraws the pictures and leaves the images it does not replace
    report.write_report(tmp_path, "klue/roberta-base", ["ynat", "ner"], tensorboard=False)
    assert list((tmp_path / "ynat" / "runs" / "benchmark_report").glob("events.out.tfevents.*"))
    assert (tmp_path / "figures" / "ynat_confusion_matrix.png").is_file()

    # The task rerun and failed: none of the earlier run's pictures, curves image or speed is left to show
    write_json(tmp_path / "ynat" / "run_all.json", {"status": "failed", "seconds": 2, "error": "exit 1: boom"})
    rows = report.write_report(tmp_path, "klue/roberta-base", ["ynat", "ner"])
    assert rows[0]["train_samples_per_second"] is None
    assert not list((tmp_path / "figures").glob("*.png"))
    assert not (tmp_path / "ynat" / "runs" / "benchmark_report").exists()
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["figures"] == {}


def test_paper_numbers_only_for_the_same_model():
    table = report.read_paper_table()
    assert report.paper_scores("FacebookAI/roberta-base", table) == {}  # the English RoBERTa
    assert report.paper_scores("klue/roberta-base", table)["ynat_macro_f1"] == 85.12
    assert report.paper_scores("/models/roberta-large", table)["mrc_rouge_w"] == 81.43


def test_a_failed_run_never_shows_an_earlier_runs_scores():
    failed = {"status": "failed", "seconds": 3, "error": "exit 1: boom"}
    row = report.task_row("ynat", ("macro_f1",), "macro_f1", {"eval_macro_f1": 90.0},
                          {"train_samples_per_second": 40.0}, failed, {})
    assert row["metrics"] == {"macro_f1": None} and row["train_samples_per_second"] is None


def test_undefined_main_metric_is_not_above_the_baseline():
    row = report.task_row("sts", ("pearsonr", "f1"), "pearsonr", {"eval_pearsonr": math.nan, "eval_f1": 50.0}, None,
                          {"status": "ok", "seconds": 1}, {},
                          {"name": "constant score", "scores": {"pearsonr": 0.0, "f1": 0.0}})
    assert report.above_baseline(row) is False


def test_results_table_takes_exactly_an_output_folder_and_a_model(capsys):
    from trainers import results_table

    assert results_table.main(["out"]) == 2
    assert results_table.main(["out", "klue/roberta-base", "extra"]) == 2
    assert "python trainers/results_table.py" in capsys.readouterr().err


def test_the_report_on_its_own_keeps_the_smoke_baselines_run_all_wrote(tmp_path, capsys):
    write_json(tmp_path / "ynat" / "eval_results.json", {"eval_macro_f1": 70.0})
    write_json(tmp_path / "baselines.json", {"ynat": {"name": "majority class", "scores": {"macro_f1": 10.0}}})
    assert report._main(["report", str(tmp_path), "tiny-bert", "--no_tensorboard"]) == 0
    (row,) = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["tasks"]
    assert row["baseline"]["scores"] == {"macro_f1": 10.0} and row["above_baseline"] is True


def test_report_mistakes_are_one_line_and_write_nothing(tmp_path, capsys):
    """A mistyped folder must not be created and reported as an empty benchmark; a baselines file that does not
    read and a task the table lacks are not dropped silently."""
    from trainers import results_table

    typo = tmp_path / "typo"
    for argv, expected in (
        (["report", str(typo), "m"], f"report {typo}: no such folder"),
        (["report", str(tmp_path), "m", "--baselines", str(tmp_path / "none.json")], "--baselines"),
        (["report", str(tmp_path), "m", "--tasks", "ner,nre"], "--tasks: unknown task(s) nre;"),
        (["report", str(tmp_path), "m", "--task", "ner"], "unrecognized arguments: --task ner"),  # whole names only
        (["status", str(tmp_path)], "the following arguments are required: task, status, seconds"),
    ):
        with pytest.raises(SystemExit) as stopped:
            report._main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert stopped.value.code == 2 and len(err) == 1 and expected in err[0], err
    assert not typo.exists() and not (tmp_path / "results.json").exists()
    assert results_table.main([str(typo), "m"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {typo}: no such folder (the --output_dir of run_all.sh)"


def test_a_failure_run_all_saw_is_reported_though_its_status_file_could_not_be_written(tmp_path, capsys):
    """A full disk or a read-only task folder keeps run_all.json from being written: the status command says so in
    one line, and the reasons run_all.sh kept (``--failed``) still make the rows and results.json say failed."""
    (tmp_path / "sts").write_text("not a folder")  # any write under it fails
    assert report._main(["status", str(tmp_path), "sts", "failed", "3", "exit 1: error: cannot write"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"run_all.sh: cannot record sts's status in {tmp_path / 'sts'}")
    (tmp_path / "sts").unlink()
    write_json(tmp_path / "ynat" / "eval_results.json", {"eval_macro_f1": 70.0})  # an earlier run's, left behind
    assert report._main(["report", str(tmp_path), "m", "--tasks", "ynat,sts", "--no_tensorboard",
                         "--failed", "ynat=exit 137: killed by signal 9", "--failed", "sts=exit 1: a=b"]) == 0
    table = capsys.readouterr().out
    assert "ynat   FAILED: exit 137: killed by signal 9" in table and "sts    FAILED: exit 1: a=b" in table
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["failed"] == ["ynat", "sts"] and results["tasks"][0]["metrics"] == {"macro_f1": None}


def test_a_folder_run_all_filled_for_another_model_is_not_shown_as_this_ones(tmp_path):
    from trainers import results_table

    local = tmp_path / "models" / "tiny-bert"
    local.mkdir(parents=True)
    same = tmp_path / "models" / ".." / "models" / "tiny-bert"  # the same folder, written another way
    for task, model in (("ynat", "klue/roberta-base"), ("nli", str(same)), ("sts", None)):
        write_json(tmp_path / "out" / task / "eval_results.json", {"eval_macro_f1": 70.0, "eval_accuracy": 80.0,
                                                                    "eval_pearsonr": 90.0, "eval_f1": 85.0})
        if model is not None:  # sts: a folder a task script filled by hand, not run_all.sh
            (tmp_path / "out" / task / "run_all.started").write_text(f"model={model}\nsmoke=0\n")
    rows = {row["task"]: row for row in report.collect(tmp_path / "out", str(local))}
    assert rows["ynat"]["status"] == "other model" and rows["ynat"]["error"] == "made by klue/roberta-base"
    assert rows["ynat"]["metrics"] == {"macro_f1": None}
    assert rows["nli"]["status"] == "ok" and rows["nli"]["metrics"] == {"accuracy": 80.0}  # the same folder
    assert rows["sts"]["status"] == "ok"
    lines = results_table.results_table(tmp_path / "out", str(local))
    assert "ynat   OTHER MODEL: made by klue/roberta-base" in lines
    # run_all.sh's own report names the tasks it ran, all made by its model: no check there
    assert report.collect(tmp_path / "out", str(local), ["ynat"])[0]["status"] == "ok"


def test_a_tasks_inputs_are_its_data_files_and_the_files_its_flags_name_by_contents(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "wos-v1.1").mkdir(parents=True)
    for name in ("ynat-v1.1_train.json", "ynat-v1.1_dev.json", "wos-v1.1_dev.json", "wos-v1.1/ontology.json"):
        (data / name).write_text("[]")
    (tmp_path / "extra.json").write_text("{}")
    (tmp_path / "written.csv").write_text("")  # --predictions_csv: the run writes it, a rerun must not read it as data
    argv = ["inputs", "--data_dir", str(data), "--cwd", str(tmp_path), "ynat,wos", "--", "--bf16",
            "--validation_file", "extra.json", "--test_file=missing.json", "--predictions_csv", "written.csv",
            "--train_file", "x" * 300 + ".json"]  # longer than a file name may be
    assert report._main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    files = [(line.split("\t")[0], Path(line.split("data=")[1].split(" ")[0]).relative_to(tmp_path).as_posix())
             for line in lines]
    assert files == [("ynat", "data/ynat-v1.1_dev.json"), ("ynat", "data/ynat-v1.1_train.json"),
                     ("ynat", "extra.json"), ("wos", "data/wos-v1.1_dev.json"),
                     ("wos", "data/wos-v1.1/ontology.json"), ("wos", "extra.json")]
    (data / "ynat-v1.1_dev.json").write_text("{}")  # edited (the same size): another fingerprint; touched: the same
    os.utime(data / "ynat-v1.1_train.json", (1, 1))
    assert report._main(argv) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[0] != lines[0] and again[1:] == lines[1:]


def test_status_records_a_finished_task_and_its_best_checkpoint(tmp_path):
    write_json(tmp_path / "ynat" / "trainer_state.json", {"best_model_checkpoint": "out/ynat/checkpoint-40"})
    assert report._main(["status", str(tmp_path), "ynat", "ok", "12.5"]) == 0
    assert json.loads((tmp_path / "ynat" / "run_all.json").read_text(encoding="utf-8")) == {
        "status": "ok", "seconds": 12.5, "error": None, "best_checkpoint": "out/ynat/checkpoint-40"}


def test_the_summary_line_of_a_failed_task_shows_no_earlier_scores(tmp_path):
    write_json(tmp_path / "ynat" / "eval_results.json", {"eval_macro_f1": 70.0})  # an earlier run's
    ok = report.summary_line(tmp_path, "ynat", {"status": "ok", "seconds": 12.4})
    failed = report.summary_line(tmp_path, "ynat", {"status": "failed", "seconds": 3})
    assert (ok, failed) == ("== ynat: ok in 12 s; macro_f1 70.00", "== ynat: failed in 3 s; macro_f1 -")


def test_a_smoke_run_below_its_baseline_says_so(tmp_path, capsys):
    write_json(tmp_path / "ynat" / "eval_results.json", {"eval_macro_f1": 5.0})
    write_json(tmp_path / "baselines.json", {"ynat": {"name": "majority class", "scores": {"macro_f1": 10.0}}})
    assert report._main(["report", str(tmp_path), "m", "--no_tensorboard"]) == 0
    assert "ynat: macro_f1 5.00 is not above the trivial baseline (majority class: 10.00)" in capsys.readouterr().out


def test_a_local_model_is_named_by_its_folder_in_results_md(tmp_path):
    local = tmp_path / "models" / "tiny-bert"
    local.mkdir(parents=True)
    write_json(tmp_path / "out" / "ynat" / "eval_results.json", {"eval_macro_f1": 70.0})
    report.write_report(tmp_path / "out", str(local) + "/", ["ynat"], tensorboard=False)
    markdown = (tmp_path / "out" / "results.md").read_text(encoding="utf-8")
    assert markdown.startswith("# KLUE dev results: tiny-bert\n") and "| paper (tiny-bert) |" in markdown
    assert report.model_label("klue/roberta-base") == "klue/roberta-base"


def test_tables_mark_missing_numbers_align_columns_keep_4_digits_and_escape_pipes():
    lines = report.text_table([_row(paper={})])
    assert lines[0] == "task   metric           ours    paper baseline   time_s  train/s   eval/s"
    assert lines[1].split()[3] == "-"
    assert list(csv.DictReader(io.StringIO(report.csv_text([_row()]))))[0]["ours_1"] == "80.0000"
    status = {"status": "failed", "error": "exit 1: a | b"}
    failed = report.task_row("re", ("micro_f1",), "micro_f1", None, None, status, {})
    assert "| failed: exit 1: a \\| b |" in report.markdown_table([failed], "m")


def test_inputs_read_a_data_flag_before_a_flag_without_a_value(tmp_path, capsys):
    (tmp_path / "dev.json").write_text("[]")
    argv = ["inputs", "--cwd", str(tmp_path), "ynat", "--", "--validation_file", "dev.json", "--bf16"]
    assert report._main(argv) == 0
    assert capsys.readouterr().out.startswith(f"ynat\tdata={(tmp_path / 'dev.json').resolve()} 2 ")


def test_the_mrc_picture_names_the_official_question_types():
    breakdown = {"per_question_type": {"1": {"exact_match": 70.0}, "3": {"rouge_w": 20.0}}}
    assert report._mrc_per_type(breakdown) == {"paraphrase EM": 70.0, "unanswerable ROUGE-W": 20.0}


def test_hangul_labels_are_drawn_in_english_without_a_hangul_font():
    from metrics.labels import YNAT_LABELS

    for name in (*YNAT_LABELS, "관광", "식당", "숙소", "택시", "지하철"):
        shown = report.display_label(name, False)
        assert shown and shown.isascii(), name
        assert report.display_label(name, True) == name


def test_a_hangul_font_is_used_only_when_installed(monkeypatch):
    import matplotlib
    from matplotlib import font_manager

    for fonts, hangul in ((["DejaVu Sans"], False), (["DejaVu Sans", "NanumGothic"], True)):
        monkeypatch.setattr(font_manager.fontManager, "ttflist", [font_manager.FontEntry(name=n) for n in fonts])
        with matplotlib.rc_context():
            pyplot = report._pyplot()
            assert report._pyplot.hangul is hangul
            assert (pyplot.rcParams["font.family"][0] == "NanumGothic") is hangul


def test_the_confusion_picture_names_both_axes():
    import matplotlib.pyplot as plt

    figure = report.draw_picture({"kind": "confusion", "labels": ["a", "b"], "matrix": [[1, 0], [0, 1]],
                                  "title": "t"})  # fmt: skip
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["a", "b"] == [t.get_text() for t in
                                                                             axes.get_xticklabels()]
    plt.close(figure)


def test_the_tensorboard_image_has_the_pngs_pixels(tmp_path, monkeypatch):
    import numpy as np
    import torch.utils.tensorboard as tensorboard
    from matplotlib import image as mpimg

    logged = {}

    class Writer:
        def __init__(self, log_dir):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def add_image(self, tag, pixels, dataformats):
            logged[tag] = (pixels, dataformats)

    monkeypatch.setattr(tensorboard, "SummaryWriter", Writer)
    mpimg.imsave(tmp_path / "white.png", np.ones((4, 4, 3)))
    report.log_to_tensorboard(tmp_path, "t", tmp_path / "white.png")
    pixels, layout = logged["t"]
    assert layout == "HWC" and pixels.shape == (4, 4, 3) and (pixels == 255).all()  # RGB: the alpha dropped


def test_a_model_named_with_a_trailing_slash_is_the_same_model():
    assert report.same_model("klue/roberta-base/", "klue/roberta-base")


def test_the_re_picture_needs_a_dev_file_that_reads(tmp_path, capsys):
    (tmp_path / "re").mkdir()
    (tmp_path / "re" / "eval_predictions.jsonl").write_text('{"guid": "g", "prediction": "no_relation"}\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "klue-re-v1.1_train.json").write_text("[]")  # no dev file: no gold to draw from
    assert report.task_picture_data("re", tmp_path / "re", tmp_path / "data") is None
    (tmp_path / "data" / "klue-re-v1.1_dev.json").write_text("{not json")  # the run said why: no picture, no crash
    assert report.task_picture_data("re", tmp_path / "re", tmp_path / "data") is None
    with pytest.raises(SystemExit) as stopped:  # a mistyped --data_dir: one line
        report._main(["report", str(tmp_path), "m", "--data_dir", str(tmp_path / "nosuch")])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(err) == 1 and f"--data_dir {tmp_path / 'nosuch'}: no such" in err[0]
