"""``python -m metrics``: the KLUE task names of the metrics table, one per line (``run_all.sh`` reads them).

It takes no arguments. The scorer is ``python -m metrics.score`` (``--task TASK --predictions FILE
--references FILE``), the MCQA ensemble ``python -m metrics.vote``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str]) -> int:
    if list(argv) in (["-h"], ["--help"]):
        return _show(f"usage: python -m metrics\n\n{__doc__.strip()}")
    if argv:
        # Anything else is a mistake, most likely a scoring command missing ".score": listing the task names
        # and exiting 0 would let a script take that for the scores.
        print(f"error: python -m metrics takes no arguments (got {' '.join(argv)}); it lists the task names. "
              "To score predictions: python -m metrics.score --task TASK --predictions FILE --references FILE",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from metrics.tasks import TASKS

    return _show("\n".join(TASKS))


def _show(text: str) -> int:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
