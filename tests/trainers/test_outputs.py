"""Results and predictions files are replaced whole or not at all."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
from types import SimpleNamespace

import numpy as np
import pytest
import safetensors
import torch

import trainers.outputs
from metrics.atomic_files import atomic_writer
from trainers.outputs import (
    drop_results,
    save_results,
    weight_write_failures_as_os_errors,
    write_csv,
    write_json,
    write_jsonl,
)


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


def test_a_new_evaluation_replaces_the_earlier_one_in_all_results(tmp_path):
    save_results(tmp_path, "eval", {"eval_f1": 0.25, "eval_epoch": 1.0})
    save_results(tmp_path, "eval", {"eval_f1": 0.75})
    assert json.loads((tmp_path / "all_results.json").read_text()) == {"eval_f1": 0.75, "eval_epoch": 1.0}
    assert json.loads((tmp_path / "eval_results.json").read_text()) == {"eval_f1": 0.75}


def test_dropping_a_split_keeps_the_other_splits_results(tmp_path):
    save_results(tmp_path, "train", {"train_loss": 0.5})
    save_results(tmp_path, "eval", {"eval_f1": 0.75, "eval_loss": 0.1})
    drop_results(tmp_path, "eval_")
    assert json.loads((tmp_path / "all_results.json").read_text()) == {"train_loss": 0.5}


def test_json_files_are_strict_readable_json_whatever_the_values(tmp_path):
    # numpy scalars and arrays, tuples, non-string keys, infinities: every reader (jq, JavaScript) takes the file
    write_json(tmp_path / "r.json", {
        "eval_f1": np.float32(0.5), "confusion": np.array([[1, 2], [3, 4]]), "span": (np.int64(3), float("nan")),
        np.int64(7): "label seven", "eval_loss": float("inf"), "eval_low": -float("inf"), "label": "정치",
    })
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"eval_f1": 0.5, "confusion": [[1, 2], [3, 4]], "span": [3, None], "7": "label seven",
                                "eval_loss": None, "eval_low": None, "label": "정치"}
    # Hangul as Hangul (a reader opens the file and reads the labels), and a final newline
    assert '"label": "정치"' in text and text.endswith("}\n")


def test_jsonl_counts_its_records(tmp_path):
    assert write_jsonl(tmp_path / "p.jsonl", ({"guid": str(i)} for i in range(3))) == 3
    assert write_jsonl(tmp_path / "empty.jsonl", []) == 0
    assert (tmp_path / "empty.jsonl").read_text() == ""


def test_csv_has_its_header_and_plain_line_ends(tmp_path):
    write_csv(tmp_path / "p.csv", ["id", "label"], [["a", "정치"], ["b", "경제, 사회"]])
    assert (tmp_path / "p.csv").read_bytes().decode("utf-8") == 'id,label\na,정치\nb,"경제, 사회"\n'


def test_a_temporary_name_already_taken_is_never_written_over(tmp_path, monkeypatch):
    names = iter(["taken", "free"])
    monkeypatch.setattr("metrics.atomic_files.secrets.token_hex", lambda size: next(names))
    other = tmp_path / ".eval_results.json.taken.tmp"  # another writer's file at that moment
    other.write_text("another writer's data")
    with atomic_writer(tmp_path / "eval_results.json") as stream:
        stream.write("{}")
    assert other.read_text() == "another writer's data"
    assert (tmp_path / "eval_results.json").read_text() == "{}"


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
    with pytest.raises(OSError) as failed, weight_write_failures_as_os_errors(tmp_path):
        raise safetensors.SafetensorError("Error while serializing: I/O error: Read-only file system (os error 30)")
    assert failed.value.errno == errno.EROFS and failed.value.filename == str(tmp_path)
    # any other error of the writers is a bug to see whole
    with pytest.raises(RuntimeError, match="non contiguous"), weight_write_failures_as_os_errors(tmp_path):
        raise RuntimeError("You are trying to save a non contiguous tensor")
