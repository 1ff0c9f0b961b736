"""Dependency heads from arc scores: ``greedy`` (argmax per word) and ``mst`` (the best tree).

``scores`` is ``(n, n + 1)`` for a sentence of ``n`` words: ``scores[i, j]`` is the score of word
``i + 1`` taking head ``j`` (0 = ROOT, else the 1-based index of a word), as the biaffine model
returns it. Both return heads as an int array of length ``n`` in KLUE's convention (0 = root).

``greedy`` may return cycles or several roots (as KLUE-baseline's argmax, which also let a word head
itself). ``mst`` always returns a well-formed tree: every word has one head, no cycles, exactly one word
attached to ROOT.
It is Chu-Liu-Edmonds (non-projective; the KLUE trees are not all projective) on the arcs, with
ROOT's arcs lowered by more than any tree's score range so that the best arborescence has a single
root arc and is the best of the single-root trees.
"""

from __future__ import annotations

import numpy as np


_FLOOR = 1e6  # scores further than this below the best arc count as "no arc" (log-probabilities of 0)


def greedy(scores: np.ndarray) -> np.ndarray:
    """Each word's best head (no self-attachment)."""
    scores = np.array(scores, dtype=np.float64)
    n = scores.shape[0]
    scores[np.arange(n), np.arange(1, n + 1)] = -np.inf
    return scores.argmax(axis=1).astype(np.int64)


def mst(scores: np.ndarray) -> np.ndarray:
    """The highest-scoring tree with one root (sum of its arc scores), as heads (0 = root)."""
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.shape[0]
    if scores.shape != (n, n + 1):
        raise ValueError(f"expected scores of shape (n, n + 1), got {scores.shape}")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    scores = scores.copy()
    scores[np.arange(n), np.arange(1, n + 1)] = np.nan  # self arcs: never used, never counted in the spread
    finite = np.isfinite(scores)
    top = float(scores[finite].max()) if finite.any() else 0.0
    # Masked or hopeless arcs (-inf, or a model's -1e38 mask) sit just below the floor: worse than any
    # real arc, yet any tree stays possible, and the spread stays small enough for the ROOT penalty
    # below to keep the real scores' precision.
    floor = top - _FLOOR
    scores = np.where(finite, np.maximum(scores, floor), floor - 1.0)
    spread = float(scores.max() - scores.min())
    # graph[h, d] over nodes 0..n (0 = ROOT): the score of the arc h -> d; -inf = no such arc.
    graph = np.full((n + 1, n + 1), -np.inf)
    graph[:, 1:] = scores.T
    graph[0, 1:] -= (spread + 1.0) * (n + 1)  # any tree with 2 root arcs loses to every tree with 1
    graph[np.arange(n + 1), np.arange(n + 1)] = -np.inf
    heads = _chu_liu_edmonds(graph)
    return heads[1:].astype(np.int64)


def _find_cycle(heads: np.ndarray) -> np.ndarray | None:
    """Nodes of one cycle of ``heads`` (node 0 is the root, heads[0] ignored), or None."""
    n = len(heads)
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current path, 2 done
    state[0] = 2
    for start in range(1, n):
        path = []
        node = start
        while state[node] == 0:
            state[node] = 1
            path.append(node)
            node = heads[node]
        if state[node] == 1:  # came back to the current path: a cycle
            return np.array(path[path.index(node) :])
        state[path] = 2
    return None


def _chu_liu_edmonds(graph: np.ndarray) -> np.ndarray:
    """Maximum spanning arborescence rooted at node 0 of ``graph[h, d]`` (-inf = no arc); heads[0] = -1."""
    size = graph.shape[0]
    heads = graph.argmax(axis=0)
    heads[0] = -1
    cycle = _find_cycle(heads)
    if cycle is None:
        return heads
    in_cycle = np.zeros(size, dtype=bool)
    in_cycle[cycle] = True
    others = np.flatnonzero(~in_cycle)  # node 0 is never in a cycle
    new_index = len(others)  # the contracted cycle
    kept_in = graph[heads[cycle], cycle]  # the cycle's own arcs
    contracted = np.full((new_index + 1, new_index + 1), -np.inf)
    contracted[:new_index, :new_index] = graph[np.ix_(others, others)]
    # Entering the cycle at v from u: replace v's cycle arc, score s(u, v) - s(head(v), v).
    entering = graph[np.ix_(others, cycle)] - kept_in[None, :]
    enter_at = entering.argmax(axis=1)
    contracted[:new_index, new_index] = entering[np.arange(new_index), enter_at]
    # Leaving the cycle to d: the best cycle node as its head.
    leaving = graph[np.ix_(cycle, others)]
    leave_from = leaving.argmax(axis=0)
    contracted[new_index, :new_index] = leaving[leave_from, np.arange(new_index)]
    contracted[:, 0] = -np.inf
    contracted[np.arange(new_index + 1), np.arange(new_index + 1)] = -np.inf
    inner = _chu_liu_edmonds(contracted)

    result = heads.copy()
    for position, node in enumerate(others):
        if node == 0:
            continue
        head = inner[position]
        result[node] = cycle[leave_from[position]] if head == new_index else others[head]
    source = inner[new_index]  # the outside node whose arc enters the cycle
    result[cycle[enter_at[source]]] = others[source]
    return result


def decode_heads(scores: np.ndarray, method: str) -> np.ndarray:
    if method == "greedy":
        return greedy(scores)
    if method == "mst":
        return mst(scores)
    raise ValueError(f"unknown decoding {method!r}; expected 'greedy' or 'mst'")
