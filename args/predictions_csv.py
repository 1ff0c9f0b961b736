"""``--predictions_csv [PATH]``, the submission-style CSV that STS and MCQA write beside their JSON lines:
one flag with one meaning in every script that has it."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Any

from args.command_line import nearest_existing
from args.errors import ArgumentsError

# What the flag holds when given without a path (argparse's const); the scripts read it as their output dir.
IN_OUTPUT_DIR = "<output_dir>/predictions.csv"
# The words every boolean flag reads as true / false (transformers' string_to_bool, any case): STS's earlier
# boolean --predictions_csv took them, and `--predictions_csv no` must not write a CSV named "no".
TRUE_WORDS = ("yes", "true", "t", "y", "1")
FALSE_WORDS = ("no", "false", "f", "n", "0")


def predictions_csv_field(columns: str) -> Any:
    """The dataclass field of ``--predictions_csv [PATH]``; ``columns`` says what the CSV holds."""
    return field(
        default=None,
        metadata={
            "help": f"With --do_predict, also write {columns} in test-file order, to PATH, or to "
            f"{IN_OUTPUT_DIR} when the flag is given without a path.",
            "nargs": "?",
            "const": IN_OUTPUT_DIR,
            "metavar": "PATH",
        },
    )


def predictions_csv_path(value: str | bool | None, output_dir: str | Path) -> Path | None:
    """Where ``--predictions_csv`` asks for the CSV, or None for no CSV. A boolean word (``true``, ``yes``,
    ``1`` / ``false``, ``no``, ``0``, ...: a config file's booleans, and STS's earlier boolean flag) means the
    flag given without a path / not given."""
    if value is None or value is False or (isinstance(value, str) and value.lower() in ("", *FALSE_WORDS)):
        return None
    if value is True or value == IN_OUTPUT_DIR or value.lower() in TRUE_WORDS:
        return Path(output_dir) / "predictions.csv"
    return Path(value)


def check_predictions_csv(value: str | bool | None) -> None:
    """A folder as PATH, or a PATH under a file, is refused when the flags are read, not after the whole
    prediction has run."""
    if not isinstance(value, str) or value == IN_OUTPUT_DIR or value.lower() in ("", *TRUE_WORDS, *FALSE_WORDS):
        return
    path = Path(value)
    if path.is_dir():
        raise ArgumentsError(f"--predictions_csv {value}: is a folder; give a file path, or no path for "
                             f"{IN_OUTPUT_DIR}")
    existing = nearest_existing(path.parent)
    if existing is not None and not existing.is_dir():
        raise ArgumentsError(f"--predictions_csv {value}: {existing} is a file, not a folder")
