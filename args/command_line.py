"""Command lines: an argparse parser whose mistakes are one line (the CLIs besides the task scripts),
flags read off a command line as argparse would, for what looks at it before (or without) parsing it:
``run_all.sh``'s evaluation steps, the task scripts' required ``--output_dir``; and the files flags name, by
identity (``same_file``) and by contents (``file_sha1``)."""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

EXIT_BAD_INPUT = 2


class OneLineErrorParser(argparse.ArgumentParser):
    """A parser whose mistakes are one line and exit status 2, not the whole usage. Flags are taken by
    their whole names only: argparse's default takes any unambiguous prefix (``--num_train 5``), which
    ``given_flags`` and the scripts behind ``run_all.sh`` would not read as the flag."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {message} ({self.prog} --help lists the flags)\n")


def given_flags(flags: Sequence[str]) -> dict[str, str | None]:
    """The flags in ``flags`` by name, as argparse reads them (``--eval-steps 10`` and ``--eval_steps=10``
    are ``eval_steps``), each with its last value (None for a flag without one)."""
    given: dict[str, str | None] = {}
    for index, flag in enumerate(flags):
        if not flag.startswith("--"):
            continue
        name, equals, value = flag[2:].partition("=")
        following = flags[index + 1] if index + 1 < len(flags) else None
        has_value = following is not None and not following.startswith("--")
        given[name.replace("-", "_")] = value if equals else (following if has_value else None)
    return given


def same_file(first: str | Path, second: str | Path) -> bool:
    """Do the two paths name one file (through links, ``..`` or another spelling), existing or still to be made?"""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return Path(first).resolve() == Path(second).resolve()


def file_sha1(path: str | Path) -> str:
    """The SHA-1 of a file's bytes: its data by contents (a copy or a touch is the same data; an edit is not)."""
    digest = hashlib.sha1()
    with Path(path).open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def nearest_existing(path: str | Path) -> Path | None:
    """``path`` itself or the nearest folder above it that exists: where a path flag's missing folders would be
    made, so what must be a folder (and writable) for the path to be created. None when nothing of it exists."""
    path = Path(path)
    return next((folder for folder in (path, *path.parents) if folder.exists()), None)
