"""Files written whole or not at all: a temporary file beside the target, fsynced, then renamed into place.

Shared by the trainers' result files and the metrics command lines (``python -m metrics.score --json``,
``python -m metrics.vote -o``); here rather than in ``trainers`` so that the metrics package stays usable
without it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
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
