"""Results and predictions files are replaced whole or not at all."""

from __future__ import annotations

import json
import os
import stat

import pytest

from trainers.outputs import save_results, write_json, write_jsonl


def test_a_write_that_dies_midway_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "predictions.jsonl"
    write_jsonl(path, [{"guid": "a", "prediction": "정치"}])

    def records():
        yield {"guid": "b", "prediction": "경제"}
        raise KeyboardInterrupt  # the run is killed while writing

    with pytest.raises(KeyboardInterrupt):
        write_jsonl(path, records())
    assert path.read_text(encoding="utf-8") == '{"guid": "a", "prediction": "정치"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.jsonl"]


def test_results_merge_into_all_results_and_nan_becomes_null(tmp_path):
    save_results(tmp_path, "train", {"train_loss": 0.5})
    save_results(tmp_path, "eval", {"eval_f1": float("nan")})
    assert json.loads((tmp_path / "all_results.json").read_text()) == {"train_loss": 0.5, "eval_f1": None}
    write_json(tmp_path / "x.json", {"k": 1})
    assert json.loads((tmp_path / "x.json").read_text()) == {"k": 1}


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o002, 0o664)], ids=["umask-022", "umask-002"])
def test_written_files_follow_the_umask_like_any_other_file(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        write_json(tmp_path / "eval_results.json", {"eval_f1": 1.0})
        write_jsonl(tmp_path / "predictions.jsonl", [{"guid": "a"}])
        write_json(tmp_path / "eval_results.json", {"eval_f1": 2.0})  # replacing an existing file too
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"eval_results.json": expected, "predictions.jsonl": expected, "plain.txt": expected}
