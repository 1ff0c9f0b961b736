"""``python -m smoke prepare DIR`` | ``flags TASK`` | ``baselines DATA_DIR TASK...``

- ``prepare DIR``: write the smoke data to ``DIR/data`` and the tiny model to ``DIR/tiny-bert``
  (kept when already there: both are deterministic);
- ``flags TASK``: print the task's smoke flags, one per line (for ``run_all.sh``);
- ``baselines DATA_DIR TASK...``: print the trivial baselines of those tasks as JSON (a task without a
  readable dev file in ``DATA_DIR`` is left out, with a note on stderr; none at all is an error).

A folder that is missing or cannot be one ends in one error line, exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MODEL_FOLDER = "tiny-bert"


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:  # anywhere: "prepare --help" made a folder named --help
        print(__doc__.strip())
        return 0
    if not argv or argv[0] not in ("prepare", "flags", "baselines"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command in ("flags", "baselines"):
        from metrics.tasks import TASKS

        tasks = rest[:1] if command == "flags" else rest[1:]
        if unknown := [task for task in tasks if task not in TASKS]:
            print(f"error: unknown task(s) {', '.join(unknown)}; the table has {', '.join(TASKS)}", file=sys.stderr)
            return 2
    if command == "flags" and len(rest) == 1:
        from smoke.presets import smoke_flags

        print("\n".join(smoke_flags(rest[0])))
        return 0
    if command == "prepare" and len(rest) == 1:
        from smoke.data import write_all
        from smoke.tiny_model import build_tiny_model

        root = Path(rest[0])
        if problem := _not_a_folder(root):
            print(f"error: prepare {root}: {problem}", file=sys.stderr)
            return 2
        # Both are deterministic: kept when a finished earlier run left them (the marker is written last).
        done = root / ".prepared"
        if not done.is_file():
            try:
                write_all(root / "data")
                build_tiny_model(root / MODEL_FOLDER)
                done.write_text("smoke data and tiny model complete\n", encoding="utf-8")
            except OSError as error:  # e.g. no permission, disk full; a rerun redoes all (no marker yet)
                print(f"error: prepare {root}: cannot write there ({error.strerror or error})", file=sys.stderr)
                return 2
        print(f"smoke data in {root / 'data'}, tiny model in {root / MODEL_FOLDER}")
        return 0
    if command == "baselines" and len(rest) >= 2:
        from smoke.baselines import baselines

        data_dir = Path(rest[0])
        if not data_dir.is_dir():
            problem = "is a file, not a folder" if data_dir.exists() else "no such folder"
            print(f"error: baselines {data_dir}: {problem}; give the folder of the tasks' dev files", file=sys.stderr)
            return 2
        reasons: list[str] = []  # why a task has no baseline: passed on, or folded into the one error line
        found = baselines(data_dir, rest[1:], reasons)
        if not found:  # printing {} and exiting 0 would pass for baselines
            print(f"error: baselines {data_dir}: no task has a readable dev file: {'; '.join(reasons)}",
                  file=sys.stderr)
            return 2
        if reasons:
            print("\n".join(reasons), file=sys.stderr)
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    return 2


def _not_a_folder(path: Path) -> str | None:
    """Why ``path`` cannot be (or become) a folder, or None: it is a file, or a file is above it."""
    from args.command_line import nearest_existing

    existing = nearest_existing(path)
    if existing is None or existing.is_dir():
        return None
    return "is a file, not a folder" if existing == path else f"{existing} is a file, not a folder"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
