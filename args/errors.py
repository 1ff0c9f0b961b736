"""The error for flag values that cannot work together; the task scripts print it as one line."""

from __future__ import annotations


class ArgumentsError(ValueError):
    """A flag value (or a combination of them) that cannot run, named as the user typed it."""
