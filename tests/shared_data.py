"""The real KLUE files beside the repository (``../shared/klue``), absent from a fresh clone.

Tests that read them call ``require_shared(path)``: it returns the path, or skips the test with
the one reason every such test gives (the same as the ``shared_klue`` fixture in conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_KLUE = REPO_ROOT.parent / "shared" / "klue"


def require_shared(path: str | Path = SHARED_KLUE) -> Path:
    """``path`` (a file or folder under ``../shared/klue``) when it exists; otherwise skip the test."""
    path = Path(path)
    if not path.exists():
        pytest.skip(f"real KLUE files not found at {path} (../shared/klue beside the repository)")
    return path
