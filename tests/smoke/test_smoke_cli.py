"""``python -m smoke``: a folder argument that is missing or cannot be a folder ends in one line, exit 2."""

from __future__ import annotations

import json

import pytest

from smoke.__main__ import main
from smoke.data import write_all


@pytest.mark.parametrize("under", [False, True])
def test_prepare_refuses_a_regular_file_as_the_folder(tmp_path, capsys, under):
    file = tmp_path / "notes.txt"
    file.write_text("mine\n", encoding="utf-8")
    root = file / "smoke" if under else file
    assert main(["prepare", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: prepare {root}: ")
    assert (f"{file} is a file, not a folder" if under else "is a file, not a folder") in err
    assert file.read_text(encoding="utf-8") == "mine\n" and [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_baselines_of_a_missing_folder_is_an_error_not_an_empty_result(tmp_path, capsys):
    assert main(["baselines", str(tmp_path / "none"), "ynat"]) == 2
    out, err = capsys.readouterr()
    assert not out and err == f"error: baselines {tmp_path / 'none'}: no such folder; give the folder of the " \
                               "tasks' dev files\n"


def test_baselines_without_any_dev_file_is_one_error_line_naming_the_tasks(tmp_path, capsys):
    (tmp_path / "ynat-v1.1_train.json").write_text("[]\n", encoding="utf-8")  # a train file, no dev file
    assert main(["baselines", str(tmp_path), "ynat", "mcqa"]) == 2
    out, err = capsys.readouterr()
    assert not out and err.count("\n") == 1 and err.startswith(f"error: baselines {tmp_path}: no task has a readable")
    assert f"no ynat baseline: no ynat dev file in {tmp_path}" in err and "no mcqa baseline: no mcqa dev file" in err


def test_baselines_leave_out_a_task_without_a_dev_file_with_a_note(tmp_path, capsys):
    write_all(tmp_path, ("ynat",))
    assert main(["baselines", str(tmp_path), "ynat", "mcqa"]) == 0
    out, err = capsys.readouterr()
    assert list(json.loads(out)) == ["ynat"]
    assert err == f"no mcqa baseline: no mcqa dev file in {tmp_path}\n"
