"""Model folders as earlier versions of this suite saved them, for tests that such models are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def drop_config_key(model_dir: Path, key: str) -> Any:
    """Remove ``key`` from the folder's config.json (a key earlier versions did not write); its value."""
    path = model_dir / "config.json"
    config = json.loads(path.read_text())
    value = config.pop(key)
    path.write_text(json.dumps(config))
    return value
