"""Task scripts (``run_<task>.py``) and the runner they share (``trainers.runner``)."""
