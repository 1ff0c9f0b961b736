"""Task scripts (``run_<task>.py``), the ``Task`` contract they fill in (``trainers.task``) and the runner
they share (``trainers.runner``)."""

import sys


def _one_line_for_interrupt(kind, value, traceback):  # noqa: ANN001, ANN202
    """Ctrl-C while a script imports torch and transformers (seconds, before ``runner.main`` takes over
    interrupts) ends in one line, not a traceback through the import machinery."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted before the run started; nothing was written", file=sys.stderr)
        return  # Python then exits as killed by SIGINT (status 130), so a calling shell loop stops too
    _previous_excepthook(kind, value, traceback)


# Installed on import: a task script imports this package first, before the slow imports.
_previous_excepthook = sys.excepthook
if sys.excepthook is sys.__excepthook__:
    sys.excepthook = _one_line_for_interrupt
