"""Task scripts (``run_<task>.py``), the ``Task`` contract they fill in (``trainers.task``) and the runner
they share (``trainers.runner``)."""
