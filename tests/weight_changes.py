"""How much of a model training moved: for tests that weights were trained, not only loaded."""

from __future__ import annotations

from typing import Any


def changed_share(before: dict[str, Any], after: dict[str, Any], *, prefix: str) -> float:
    """The share of elements of the weights named ``prefix...`` that differ between two state dicts (compared in
    fp32). Take the layers, not the embeddings: rows of words the data lacks get no gradient."""
    changed = total = 0
    for name, weight in before.items():
        if name.startswith(prefix):
            changed += int((after[name].float() != weight.float()).sum())
            total += weight.numel()
    assert total, f"no weights named {prefix}..."
    return changed / total
