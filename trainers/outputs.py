"""Result and prediction files, written atomically (``metrics.atomic_files``): a killed run never leaves half a file."""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import safetensors

from metrics.atomic_files import atomic_writer

# How the weight writers report a failed write: safetensors "I/O error: ... (os error 28)"; torch.save
# "[enforce fail at inline_container.cc:...] . unexpected pos ..." or "PytorchStreamWriter failed writing ...",
# without the reason, which a nearly full disk then gives.
_WRITE_FAILURE_MARKS = ("I/O error", "inline_container", "PytorchStreamWriter", "file write failed")
NEARLY_FULL_BYTES = 64 * 2**20


@contextlib.contextmanager
def weight_write_failures_as_os_errors(folder: str | Path) -> Iterator[None]:
    """A failed write of model, optimizer or random-state files raised as the ``OSError`` it is (a full disk is
    ``ENOSPC``), so that the run ends in one line naming ``folder`` as for any other file, not in the
    weight writer's ``RuntimeError`` / ``SafetensorError``."""
    try:
        yield
    except (RuntimeError, safetensors.SafetensorError) as error:
        message = str(error)
        if not any(mark in message for mark in _WRITE_FAILURE_MARKS):
            raise
        if reported := re.search(r"os error (\d+)", message):
            number = int(reported.group(1))
            raise OSError(number, os.strerror(number), str(folder)) from error
        try:
            full = shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
        except OSError:
            full = False
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder)) from error
        raise OSError(errno.EIO, "the write failed part way (a full disk or a quota?)", str(folder)) from error


def write_json(path: str | Path, data: Any) -> None:
    with atomic_writer(path) as stream:
        json.dump(_plain(data), stream, ensure_ascii=False, indent=2, sort_keys=False)
        stream.write("\n")


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    with atomic_writer(path) as stream:
        for record in records:
            stream.write(json.dumps(_plain(record), ensure_ascii=False) + "\n")
            count += 1
    return count


def write_text(path: str | Path, produce: Callable[[IO[str]], None]) -> None:
    with atomic_writer(path) as stream:
        produce(stream)


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV with a header line; lines end as in every other text file written here (``csv`` would end them
    in "\r\n")."""

    def produce(stream: IO[str]) -> None:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

    write_text(path, produce)


def save_results(output_dir: str | Path, split: str, metrics: dict[str, Any]) -> None:
    """``{split}_results.json`` and the merged ``all_results.json``, as the HF examples lay them out."""
    output_dir = Path(output_dir)
    write_json(output_dir / f"{split}_results.json", metrics)
    all_path = output_dir / "all_results.json"
    merged = json.loads(all_path.read_text(encoding="utf-8")) if all_path.is_file() else {}
    merged.update(metrics)
    write_json(all_path, merged)


def drop_results(output_dir: str | Path, prefix: str) -> None:
    """Take the keys starting with ``prefix`` (a split's: ``eval_``) out of ``all_results.json``."""
    all_path = Path(output_dir) / "all_results.json"
    if not all_path.is_file():
        return
    try:
        merged = json.loads(all_path.read_text(encoding="utf-8"))
    except ValueError:  # not ours to repair: save_results replaces it
        return
    if isinstance(merged, dict) and any(key.startswith(prefix) for key in merged):
        write_json(all_path, {key: value for key, value in merged.items() if not key.startswith(prefix)})


def _plain(value: Any) -> Any:
    """numpy scalars/arrays to Python; NaN/inf to None so every file is strict JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
