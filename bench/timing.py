"""Best-of-N wall-clock timing shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, function: Callable[[], object]) -> tuple[float, object]:
    """The shortest of ``repeat`` runs of ``function`` (seconds) and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def interleaved_best_of(
    repeat: int, steps: dict[str, Callable[[], object]]
) -> tuple[dict[str, float], dict[str, object]]:
    """Best time of each step over ``repeat`` rounds, the steps taking turns within a round, so that
    a slower stretch of a shared machine hits them alike (for ratios between steps)."""
    best = dict.fromkeys(steps, float("inf"))
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            results[name] = step()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results
