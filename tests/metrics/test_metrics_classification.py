"""YNAT macro F1, NLI accuracy, STS Pearson r and F1, and the classification breakdown.

Oracles: scikit-learn and scipy, called exactly as KLUE-baseline calls them.
"""

import json
import warnings

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.metrics import confusion_matrix, f1_score

import metrics

# --- hand-computed cases -------------------------------------------------------------


def test_ynat_macro_f1_averages_only_classes_seen_in_gold_or_predictions():
    # class 0: TP 1, gold 2, pred 1 -> 2/3; class 1: TP 2, gold 2, pred 3 -> 4/5;
    # class 2: gold only -> 0; class 3: predicted only -> 0; classes 4-6 absent: not averaged.
    predictions = [0, 1, 1, 1, 3]
    references = [0, 0, 1, 1, 2]
    assert metrics.ynat_macro_f1(predictions, references) == pytest.approx((2 / 3 + 4 / 5) / 4 * 100, abs=1e-9)


def test_nli_accuracy_is_share_of_equal_items():
    assert metrics.nli_accuracy([0, 1, 2, 1], [0, 1, 1, 1]) == 75.0


def test_sts_pearsonr_hand_computed():
    # deviations (-1, 0, 1) and (-4/3, -1/3, 5/3): r = 3 / (sqrt(2) * sqrt(42) / 3) = 9 / sqrt(84)
    assert metrics.sts_pearsonr([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]) == pytest.approx(9 / np.sqrt(84) * 100, abs=1e-9)


def test_sts_f1_binarises_both_sides_at_three_inclusive():
    # predicted positives: 3.0, 4.5; gold positives: 3.0 (twice) -> TP 1, F1 = 2 / 4
    assert metrics.sts_f1([2.9, 3.0, 4.5, 1.0], [3.0, 3.0, 2.0, 0.5]) == pytest.approx(50.0)


def test_sts_f1_without_any_positive_is_zero():
    assert metrics.sts_f1([1.0, 2.0], [0.0, 2.99]) == 0.0


def test_sts_pearsonr_of_two_pairs_is_plus_or_minus_100():
    """Two pairs are the fewest Pearson r is defined on (one is refused)."""
    assert metrics.sts_pearsonr([1.0, 2.0], [0.5, 4.0]) == pytest.approx(100.0)
    assert metrics.sts_pearsonr([1.0, 2.0], [4.0, 0.5]) == pytest.approx(-100.0)


def test_sts_pearsonr_constant_input_is_nan_like_scipy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(metrics.sts_pearsonr([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]))


def test_classification_breakdown_hand_computed():
    result = metrics.classification_breakdown([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c", "d"])
    assert result["per_class_f1"] == pytest.approx({"a": 100.0, "b": 200 / 3, "c": 200 / 3, "d": 0.0})
    assert result["confusion_matrix"] == {
        "labels": ["a", "b", "c", "d"],
        "matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]],
    }
    json.dumps(result)  # plain Python types only
    assert all(type(value) is float for value in result["per_class_f1"].values())


# --- oracles on random inputs ----------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_ynat_nli_sts_equal_sklearn_and_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    k = int(rng.integers(1, 8))
    references = rng.integers(0, k, n)
    predictions = np.where(rng.random(n) < 0.6, references, rng.integers(0, k + 2, n))
    assert metrics.ynat_macro_f1(predictions, references) == pytest.approx(
        f1_score(references, predictions, average="macro") * 100.0, abs=1e-9
    )
    assert metrics.ynat_macro_f1(list(predictions), list(references)) == metrics.ynat_macro_f1(predictions, references)
    assert metrics.nli_accuracy(predictions, references) == pytest.approx(np.mean(predictions == references) * 100)

    gold = np.round(rng.uniform(0, 5, n + 2), 1)  # rounding makes exact 3.0 common
    pred = np.round(np.clip(gold + rng.normal(0, 1, n + 2), 0, 5), 1)
    assert metrics.sts_pearsonr(pred, gold) == pytest.approx(pearsonr(pred, gold)[0] * 100.0, abs=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when there is no positive
        expected = f1_score(np.where(gold >= 3, 1, 0), np.where(pred >= 3, 1, 0), average="binary") * 100.0
    assert metrics.sts_f1(pred, gold) == pytest.approx(expected, abs=1e-9)

    breakdown = metrics.classification_breakdown(predictions % k, references, [f"c{i}" for i in range(k)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_class = f1_score(references, predictions % k, labels=list(range(k)), average=None, zero_division=0)
    assert list(breakdown["per_class_f1"].values()) == pytest.approx(list(per_class * 100), abs=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "a single label was found"
        expected_matrix = confusion_matrix(references, predictions % k, labels=list(range(k)))
    assert breakdown["confusion_matrix"]["matrix"] == expected_matrix.tolist()


# --- properties ------------------------------------------------------------------------


def test_perfect_predictions_score_100():
    ids = [3, 0, 1, 1, 6]
    scores = [0.0, 3.5, 4.0, 1.2]
    assert metrics.ynat_macro_f1(ids, ids) == 100.0
    assert metrics.nli_accuracy(ids, ids) == 100.0
    assert metrics.sts_pearsonr(scores, scores) == pytest.approx(100.0)
    assert metrics.sts_f1(scores, scores) == 100.0


def test_results_are_python_floats_and_accept_arrays():
    for value in (
        metrics.ynat_macro_f1(np.array([0, 1]), np.array([0, 1])),
        metrics.nli_accuracy(np.array([0, 1]), [0, 0]),
        metrics.sts_pearsonr(np.array([1.0, 2.0, 3.0]), [1, 2, 4]),
        metrics.sts_f1(np.array([[1.0], [3.0]]), [1.0, 3.0]),
    ):
        assert type(value) is float


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.ynat_macro_f1([0, 1], [0]), "same length"),
        (lambda: metrics.ynat_macro_f1([], []), "empty"),
        (lambda: metrics.ynat_macro_f1([0.5, 1], [0, 1]), "non-integer"),
        (lambda: metrics.ynat_macro_f1(["a", "b"], [0, 1]), "integer ids"),
        (lambda: metrics.ynat_macro_f1([[0, 1]], [[0, 1]]), "1-D"),
        (lambda: metrics.nli_accuracy([0, float("nan")], [0, 1]), "NaN"),
        (lambda: metrics.sts_pearsonr([1.0, float("nan")], [1.0, 2.0]), "NaN"),
        (lambda: metrics.sts_pearsonr([1.0], [1.0]), "at least 2"),
        (lambda: metrics.sts_f1([1.0, 2.0, 3.0], [1.0, 2.0]), "same length"),
        (lambda: metrics.sts_f1("1.0", [1.0]), "numbers"),
        (lambda: metrics.classification_breakdown([0, 4], [0, 1], ["a", "b"]), r"\[0, 2\)"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_error_names_the_argument():
    with pytest.raises(ValueError, match="^references"):
        metrics.ynat_macro_f1([0, 1], [0, 1.5])
    with pytest.raises(ValueError, match="^predictions"):
        metrics.sts_f1([float("inf"), 1.0], [0.0, 1.0])
