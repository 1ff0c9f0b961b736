"""Bad input ends in one readable line naming file, record and field; nothing but logs is written."""

from __future__ import annotations

import pytest

from tests.synthetic import nli_records, sts_records, write_json, ynat_records
from trainers.run_nli import NliTask
from trainers.run_sts import StsTask
from trainers.run_ynat import YnatTask
from trainers.runner import main


def run(task, model, tmp_path, files, *extra):
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--report_to", "none", "--use_cpu",
            "--do_eval", *extra]
    for split, path in files.items():
        argv += [f"--{split}_file", str(path)]
    return main(task, argv), out


def assert_failed_cleanly(status, out, capsys, *expected):
    assert status == 2
    message = capsys.readouterr().err
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert not out.exists() or not any(out.iterdir())


def test_file_that_is_not_json(tiny_bert, tmp_path, capsys):
    bad = tmp_path / "dev.json"
    bad.write_text('[{"guid": "a", "title": "제목", "label": "정치"},\n  {"guid": oops}]', encoding="utf-8")
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, str(bad), "line 2", "not valid JSON")


def test_missing_field(tiny_bert, tmp_path, capsys):
    records = nli_records(4)
    del records[2]["hypothesis"]
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(NliTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, str(bad), "record 2", "smoke-nli-00002", "'hypothesis'")


def test_unknown_label_name(tiny_bert, tmp_path, capsys):
    records = ynat_records(4)
    records[3]["label"] = "연예"
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(YnatTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, "record 3", "field 'label'", "'연예'", "정치")


@pytest.mark.parametrize("score", [5.5, -1, "NaN", "high"])
def test_sts_label_outside_0_to_5(tiny_bert, tmp_path, capsys, score):
    records = sts_records(3)
    records[1]["labels"]["label"] = score
    bad = write_json(tmp_path / "dev.json", records)
    status, out = run(StsTask(), tiny_bert, tmp_path, {"validation": bad})
    assert_failed_cleanly(status, out, capsys, "record 1", "smoke-sts-00001", "'label'", "[0, 5]")


def test_empty_sentence_is_warned_about_and_still_predicted(tiny_bert, tmp_path, capsys):
    records = nli_records(3)
    records[1]["premise"] = ""
    dev = write_json(tmp_path / "dev.json", records)
    status, out = run(NliTask(), tiny_bert, tmp_path, {"validation": dev}, "--do_predict")
    assert status == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if "WARNING" in line and "empty" in line]
    assert warnings and "smoke-nli-00001" in warnings[0]
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 3


def test_hub_unreachable_gives_one_line_with_the_way_out(tiny_bert, tmp_path, capsys):
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "o"),
                               "--dataset_name", "klue/klue-does-not-exist-offline", "--do_eval", "--report_to", "none"])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert "--data_dir" in message and "Hub" in message


def test_model_unreachable_gives_one_line(tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ynat_records(3))
    status = main(YnatTask(), ["--model_name_or_path", "klue/roberta-base-not-cached", "--output_dir",
                               str(tmp_path / "o"), "--validation_file", str(dev), "--do_eval", "--report_to", "none"])
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert "--model_name_or_path" in message
