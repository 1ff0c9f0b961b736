"""Results and predictions files are replaced whole or not at all."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
from types import SimpleNamespace

import pytest
import safetensors
import torch

import trainers.outputs
from trainers.outputs import save_results, weight_write_failures_as_os_errors, write_json, write_jsonl


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


class FullDisk(io.RawIOBase):
    """A file whose writes fail as a full disk's do once ``room`` bytes are written."""

    def __init__(self, room: int = 2000):
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return len(data)


def test_a_weight_write_that_fails_is_the_os_error_it_is(tmp_path, monkeypatch):
    # torch.save's own error says neither why nor where ("unexpected pos 704 vs 598", as on a full tmpfs here):
    # a nearly full disk says why
    with pytest.raises(OSError) as failed, weight_write_failures_as_os_errors(tmp_path):
        torch.save({"weights": torch.zeros(100_000)}, FullDisk())
    assert failed.value.errno == errno.EIO and failed.value.filename == str(tmp_path)
    assert failed.value.strerror == "the write failed part way (a full disk or a quota?)"
    monkeypatch.setattr(trainers.outputs.shutil, "disk_usage", lambda path: SimpleNamespace(free=1024))
    with pytest.raises(OSError) as failed, weight_write_failures_as_os_errors(tmp_path):
        torch.save({"weights": torch.zeros(100_000)}, FullDisk())
    assert failed.value.errno == errno.ENOSPC
    # safetensors names the reason (as it wrote on a full 2 MiB tmpfs here)
    with pytest.raises(OSError) as failed, weight_write_failures_as_os_errors(tmp_path):
        raise safetensors.SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")
    assert failed.value.errno == errno.ENOSPC and failed.value.strerror == "No space left on device"
    # any other error of the writers is a bug to see whole
    with pytest.raises(RuntimeError, match="non contiguous"), weight_write_failures_as_os_errors(tmp_path):
        raise RuntimeError("You are trying to save a non contiguous tensor")
