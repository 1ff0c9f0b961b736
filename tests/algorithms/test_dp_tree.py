"""DP head decoding: MST always yields a tree with one root, the best one; greedy is the argmax."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from algorithms.dp_tree import decode_heads, greedy, mst


def is_tree(heads: np.ndarray) -> bool:
    """Every word has a head in 0..n, exactly one word hangs on ROOT, and following heads reaches ROOT."""
    n = len(heads)
    if not all(0 <= h <= n for h in heads) or int((heads == 0).sum()) != 1:
        return False
    for start in range(1, n + 1):
        node, steps = start, 0
        while node != 0:
            node = heads[node - 1]
            steps += 1
            if steps > n:
                return False
    return True


def tree_score(scores: np.ndarray, heads) -> float:
    return float(scores[np.arange(len(heads)), np.asarray(heads)].sum())


def brute_force(scores: np.ndarray) -> tuple[float, tuple[int, ...]]:
    n = scores.shape[0]
    best = (-np.inf, ())
    for heads in itertools.product(range(n + 1), repeat=n):
        if any(h == i + 1 for i, h in enumerate(heads)) or not is_tree(np.array(heads)):
            continue
        best = max(best, (tree_score(scores, heads), heads))
    return best


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_mst_equals_the_brute_force_best_tree(n):
    rng = np.random.default_rng(n)
    for _ in range(40 if n < 5 else 15):
        scores = rng.normal(size=(n, n + 1)) * rng.choice([0.1, 1.0, 10.0])
        heads = mst(scores)
        best_score, best_heads = brute_force(scores)
        assert is_tree(heads)
        assert tree_score(scores, heads) == pytest.approx(best_score)
        assert tuple(heads) == best_heads


@pytest.mark.parametrize("n", [6, 10, 25, 60, 120])
def test_mst_is_always_a_tree_with_one_root(n):
    rng = np.random.default_rng(100 + n)
    for trial in range(10):
        scores = rng.normal(size=(n, n + 1))
        if trial % 2:  # every word prefers ROOT: the single-root constraint must bite
            scores[:, 0] += 50
        heads = mst(scores)
        assert heads.shape == (n,) and heads.dtype == np.int64
        assert is_tree(heads)
        # never worse than the best tree we can build by hand: a chain to the best root word
        assert tree_score(scores, heads) >= tree_score(scores, list(range(2, n + 1)) + [0]) - 1e-9


def test_mst_keeps_a_tree_that_greedy_already_found_and_breaks_cycles():
    # word 1 -> 2 -> 1 is a cycle under greedy; ROOT has weak arcs
    scores = np.array([[0.0, -5, 9.0, 1], [-1.0, 9.0, -5, 1], [2.0, 1, 1, -5]])
    assert list(greedy(scores)) == [2, 1, 0]
    assert is_tree(mst(scores))
    tree = np.array([[0.0, -5, 9, 1], [-1.0, -5, -5, 9], [9.0, 1, 1, -5]])  # 1 <- 2 <- 3 <- ROOT
    assert list(mst(tree)) == list(greedy(tree)) == [2, 3, 0]


def test_masked_scores_and_bad_method():
    scores = np.full((3, 4), -np.inf)
    assert is_tree(mst(scores))
    assert mst(np.zeros((0, 1))).shape == (0,)
    with pytest.raises(ValueError):
        decode_heads(scores, "eisner")
    with pytest.raises(ValueError):
        mst(np.zeros((3, 3)))


def test_mst_keeps_its_precision_next_to_a_model_mask():
    """The model masks self arcs with -1.7e38: the ROOT choice must still follow the real scores."""
    rng = np.random.default_rng(3)
    for n in (3, 4, 5):
        for _ in range(10):
            scores = rng.normal(size=(n, n + 1))
            masked = scores.copy()
            masked[np.arange(n), np.arange(1, n + 1)] = np.finfo(np.float32).min / 2
            masked[0, 2] = -np.inf if n > 2 else masked[0, 2]  # an arc ruled out
            allowed = scores.copy()
            allowed[0, 2] = -1e9
            assert tuple(mst(masked)) == brute_force(allowed)[1]


def test_greedy_never_attaches_a_word_to_itself():
    # word 1 scores itself highest (column 1): greedy takes its next best head, word 2
    scores = np.array([[0.0, 9.0, 1.0], [5.0, 2.0, 0.0]])
    assert list(greedy(scores)) == [2, 0]


def test_an_arc_masked_with_a_huge_finite_score_is_ruled_out_without_costing_precision():
    """A model may rule an arc out with a finite -1.7e38 instead of -inf: it must sit just below the real arcs
    (the floor), not stretch the spread that sets the ROOT penalty, which would drown the root choice."""
    rng = np.random.default_rng(4)
    for n in (3, 4, 5):
        for _ in range(10):
            scores = rng.normal(size=(n, n + 1))
            masked = scores.copy()
            masked[1, 3] = np.finfo(np.float32).min / 2  # word 2 may not take word 3 as its head
            allowed = scores.copy()
            allowed[1, 3] = -1e9
            assert tuple(mst(masked)) == brute_force(allowed)[1]
