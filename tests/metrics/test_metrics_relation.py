"""KLUE-RE micro F1 (without no_relation) and AUPRC.

Oracles: scikit-learn ``f1_score(average="micro", labels=1..29)`` and, per class,
``precision_recall_curve`` + ``auc``, called as KLUE-baseline calls them.
"""

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import auc, f1_score, precision_recall_curve

import metrics
from tests.shared_data import SHARED_KLUE, require_shared

KLUE_V11 = SHARED_KLUE / "v1.1"
RELATION_LIST = KLUE_V11 / "klue-re-v1.1" / "relation_list.json"


def official_auprc(probabilities, references):
    one_hot = np.eye(30)[references]
    scores = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No positive class found in y_true"
        for c in range(30):
            precision, recall, _ = precision_recall_curve(one_hot[:, c], probabilities[:, c])
            scores.append(auc(recall, precision))
    return np.average(scores) * 100.0


def official_micro_f1(predictions, references):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f1_score(references, predictions, average="micro", labels=list(range(1, 30))) * 100.0


def test_relation_names_equal_the_shared_relation_list():
    relation_list = json.loads(require_shared(RELATION_LIST).read_text(encoding="utf-8"))
    assert list(metrics.RE_RELATIONS) == relation_list["relations"]


def test_relation_constants():
    assert len(metrics.RE_RELATIONS) == 30 and metrics.RE_RELATIONS[0] == "no_relation"


# --- micro F1 ------------------------------------------------------------------------


def test_micro_f1_ignores_no_relation_on_both_sides():
    references = [0, 0, 0, 1, 2]
    predictions = [0, 0, 1, 1, 0]
    # gold relations: items 3, 4; predicted relations: items 2, 3; TP item 3 -> F1 2/4.
    # (Accuracy, which counts the two no_relation hits, would be 60.)
    assert metrics.re_micro_f1(predictions, references) == 50.0


def test_micro_f1_all_no_relation_is_zero():
    assert metrics.re_micro_f1([0, 0], [0, 0]) == 0.0


def test_micro_f1_perfect():
    assert metrics.re_micro_f1([0, 5, 29], [0, 5, 29]) == 100.0


# --- AUPRC -----------------------------------------------------------------------------


def near_identity(n=30):
    """Row i puts 0.5 on class i and spreads 0.5 over the rest: every class ranked perfectly."""
    probabilities = np.full((n, 30), 0.5 / 29)
    probabilities[np.arange(n), np.arange(n) % 30] = 0.5
    return probabilities


def test_auprc_of_one_example_is_scikit_learns():
    """One row is enough: every class column is one score, each curve a single threshold."""
    probabilities = np.full((1, 30), 1 / 30)
    assert metrics.re_auprc(probabilities, [7]) == pytest.approx(official_auprc(probabilities, [7]))


def test_auprc_perfect_ranking_is_100():
    assert metrics.re_auprc(near_identity(), np.arange(30)) == pytest.approx(100.0)


def test_auprc_tied_threshold_is_one_point():
    probabilities = near_identity()
    probabilities[0] = 0.6 / 29
    probabilities[0, 0] = 0.4
    probabilities[1] = 0.2 / 28
    probabilities[1, 0] = probabilities[1, 1] = 0.4
    # class 0: its positive (row 0) ties with a negative (row 1) at 0.4: one curve point
    # (recall 1, precision 1/2), so the area is (1 + 1/2) / 2 = 0.75; 29 classes score 1.
    assert metrics.re_auprc(probabilities, np.arange(30)) == pytest.approx((0.75 + 29) / 30 * 100, abs=1e-9)


def test_auprc_is_trapezoidal_not_average_precision():
    probabilities = near_identity()
    probabilities[0] = 0.6 / 29
    probabilities[0, 0] = 0.4
    probabilities[1] = 0.05 / 28
    probabilities[1, 0], probabilities[1, 1] = 0.45, 0.5
    # class 0: a negative ranks first: points (R 0, P 1) -> (0, 0) -> (1, 1/2): area 1/4
    # (average precision would be 1/2, giving 98.33)
    assert metrics.re_auprc(probabilities, np.arange(30)) == pytest.approx((0.25 + 29) / 30 * 100, abs=1e-9)


def test_auprc_class_without_gold_follows_current_sklearn():
    probabilities = np.full((2, 30), 0.3 / 28)
    probabilities[0, :2] = 0.6, 0.1
    probabilities[1, :2] = 0.3, 0.4
    # classes 0 and 1 ranked perfectly (area 1); 28 classes have no positive: sklearn sets
    # recall to 1, the curve is (0, 1) -> (1, 0), area 1/2
    expected = (1 + 1 + 28 * 0.5) / 30 * 100
    assert metrics.re_auprc(probabilities, [0, 1]) == pytest.approx(expected, abs=1e-9)
    assert official_auprc(probabilities, np.array([0, 1])) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(24))
def test_equal_to_sklearn_on_random_probabilities(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    probabilities = rng.dirichlet(np.full(30, float(rng.uniform(0.1, 2))), n)
    if seed % 2:
        probabilities = np.round(probabilities, 2)  # many ties
    references = np.where(rng.random(n) < 0.4, 0, rng.integers(0, 30 if seed % 3 else 4, n))
    assert metrics.re_auprc(probabilities, references) == pytest.approx(
        official_auprc(probabilities, references), abs=1e-9
    )
    predictions = np.argmax(probabilities, axis=1)
    assert metrics.re_micro_f1(predictions, references) == pytest.approx(
        official_micro_f1(predictions, references), abs=1e-9
    )
    per_relation = metrics.re_breakdown(probabilities, references)["per_relation_f1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = f1_score(references, predictions, labels=list(range(30)), average=None, zero_division=0) * 100
    assert list(per_relation.values()) == pytest.approx(list(expected), abs=1e-9)


def test_breakdown_accepts_ids_and_names_every_relation():
    result = metrics.re_breakdown([0, 1, 1], [0, 1, 2])
    assert list(result["per_relation_f1"]) == list(metrics.RE_RELATIONS)
    assert result["per_relation_f1"]["org:dissolved"] == pytest.approx(200 / 3)
    assert result["per_relation_f1"]["no_relation"] == 100.0
    json.dumps(result)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.re_auprc(np.full((3, 29), 0.1), [0, 1, 2]), r"\(n, 30\)"),
        (lambda: metrics.re_auprc(np.full(30, 0.1), [0]), r"\(n, 30\)"),
        (lambda: metrics.re_auprc(np.full((2, 30), np.nan), [0, 1]), "NaN"),
        (lambda: metrics.re_auprc(np.full((2, 30), 0.1), [0]), "same length"),
        (lambda: metrics.re_auprc(np.full((1, 30), 0.1), [30]), r"^references: ids must lie in \[0, 30\)"),
        # logits: a softmax reorders a class column's rows, so they would give another AUPRC
        (lambda: metrics.re_auprc(np.linspace(-3, 3, 60).reshape(2, 30), [0, 1]), r"outside \[0, 1\] \(logits\?\)"),
        (lambda: metrics.score_task("re", np.full((2, 30), 1.5), [0, 1]), r"outside \[0, 1\]"),
        (lambda: metrics.re_micro_f1([0, -1], [0, 1]), r"^predictions: ids must lie in \[0, 30\)"),
        (lambda: metrics.re_micro_f1([], []), "empty"),
        (lambda: metrics.re_auprc(np.zeros((0, 30)), []), "probabilities: is empty"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_breakdown_refuses_logits_in_place_of_probabilities():
    with pytest.raises(ValueError, match=r"^predictions: values outside \[0, 1\]"):
        metrics.re_breakdown(np.linspace(-3, 3, 60).reshape(2, 30), [0, 1])
