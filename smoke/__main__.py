"""``python -m smoke prepare DIR`` | ``flags TASK`` | ``baselines DATA_DIR TASK...``

- ``prepare DIR``: write the smoke data to ``DIR/data`` and the tiny model to ``DIR/tiny-bert``
  (kept when already there: both are deterministic);
- ``flags TASK``: print the task's smoke flags, one per line (for ``run_all.sh``);
- ``baselines DATA_DIR TASK...``: print the trivial baselines of those tasks as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MODEL_FOLDER = "tiny-bert"


def main(argv: list[str]) -> int:
    if argv in (["-h"], ["--help"]):
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
        # Both are deterministic: kept when a finished earlier run left them (the marker is written last).
        done = root / ".prepared"
        if not done.is_file():
            write_all(root / "data")
            build_tiny_model(root / MODEL_FOLDER)
            done.write_text("smoke data and tiny model complete\n", encoding="utf-8")
        print(f"smoke data in {root / 'data'}, tiny model in {root / MODEL_FOLDER}")
        return 0
    if command == "baselines" and len(rest) >= 2:
        from smoke.baselines import baselines

        print(json.dumps(baselines(rest[0], rest[1:]), ensure_ascii=False, indent=2))
        return 0
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
