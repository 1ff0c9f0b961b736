"""Result and prediction files, written atomically: a killed run never leaves half a file."""

from __future__ import annotations

import csv
import json
import math
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_writer(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and move it into place only when done.

    The file gets the permissions any new file gets (0666 less the umask: 0644 under umask 022),
    not ``mkstemp``'s owner-only 0600, so colleagues sharing the output folder can read results.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = _create_temp_file(path)
    try:
        with os.fdopen(handle, mode, encoding=None if "b" in mode else "utf-8", newline=None) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException as error:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename is None and error.errno is not None:
            raise OSError(error.errno, error.strerror, str(path)) from error  # a full disk: say which file it stopped
        raise


def _create_temp_file(path: Path) -> tuple[int, Path]:
    """A new, exclusive temporary file beside ``path``, created with mode 0666 so that the umask applies."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp_name = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temp_name, flags, 0o666), temp_name
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {path}")


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
