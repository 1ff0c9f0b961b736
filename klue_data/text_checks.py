"""Checks on text fields that warn instead of failing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)


def warn_empty_texts(path: Path | str | None, empty_guids: Sequence[str], what: str, unit: str = "record(s)") -> None:
    """An empty sentence is legal input (it is still predicted), but the user should know."""
    if not empty_guids:
        return
    shown = ", ".join(empty_guids[:5]) + (f" and {len(empty_guids) - 5} more" if len(empty_guids) > 5 else "")
    logger.warning("%s: %d %s with an empty %s (still predicted): %s", path, len(empty_guids), unit, what, shown)
