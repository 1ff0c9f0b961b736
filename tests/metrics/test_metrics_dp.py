"""KLUE-DP "UAS" and "LAS", the official macro F1 definitions.

Oracle: the official pipeline on relation *ids* (index in the 38 official relations),
re-done here with scikit-learn: ids >= 15 become "others" (-3), a wrong head turns the
predicted id into PAD (-2), then ``f1_score(average="macro")``.
"""


import numpy as np
import pytest
from sklearn.metrics import f1_score

import metrics
from tests.shared_data import SHARED_KLUE, require_shared

KLUE_V11 = SHARED_KLUE / "v1.1"
DP_DEV = KLUE_V11 / "klue-dp-v1.1" / "klue-dp-v1.1_dev.tsv"
LABELS = list(metrics.DP_DEPREL_LABELS)


def official_uas(pred_heads, gold_heads):
    return f1_score(sum(gold_heads, []), sum(pred_heads, []), average="macro") * 100.0


def official_las(pred_heads, pred_labels, gold_heads, gold_labels):
    head_pred, head_gold = np.array(sum(pred_heads, [])), np.array(sum(gold_heads, []))
    type_pred = np.array([LABELS.index(label) for label in sum(pred_labels, [])])
    type_gold = np.array([LABELS.index(label) for label in sum(gold_labels, [])])
    type_pred[type_pred >= 15] = -3
    type_gold[type_gold >= 15] = -3
    type_pred[head_pred != head_gold] = -2
    return f1_score(type_gold.tolist(), type_pred.tolist(), average="macro") * 100.0


def test_deprel_constants():
    assert metrics.DP_DEPREL_CLASSES == (
        "NP", "NP_AJT", "VP", "NP_SBJ", "VP_MOD", "NP_OBJ", "AP", "NP_CNJ", "NP_MOD", "VNP",
        "DP", "VP_AJT", "VNP_MOD", "NP_CMP", "VP_SBJ",
    )  # fmt: skip
    assert len(metrics.DP_DEPREL_LABELS) == 38 and metrics.DP_DEPREL_LABELS[:15] == metrics.DP_DEPREL_CLASSES


# --- hand-computed cases -------------------------------------------------------------


def test_uas_is_macro_f1_over_head_positions_not_accuracy():
    # head 0: TP 1, gold 1, predicted 2 -> 2/3; head 2: TP 2, gold 3, predicted 2 -> 4/5
    # macro = (2/3 + 4/5) / 2 = 73.33, while the attachment accuracy is 75
    assert metrics.dp_uas([[2, 0, 2, 0]], [[2, 0, 2, 2]]) == pytest.approx((2 / 3 + 4 / 5) / 2 * 100, abs=1e-9)


def test_uas_averages_head_values_seen_only_in_predictions():
    # head 0 right (F1 1); head 1 missed (0); head 7 predicted only (0) -> 1/3
    assert metrics.dp_uas([[0, 7]], [[0, 1]]) == pytest.approx(100 / 3)


def test_attachment_accuracies_count_words_not_classes():
    """Not official: the share of words with the right head, and with the right head and relation. Three of
    four heads are right, two of them with the right relation; the wrong head's right relation counts for
    neither. The official UAS (a macro F1 over head positions) differs."""
    gold_heads, gold_labels = [[2, 0], [0, 1]], [["NP_SBJ", "VP"], ["VP", "NP"]]
    pred_heads, pred_labels = [[2, 0], [0, 0]], [["NP_OBJ", "VP"], ["VP", "NP"]]
    scores = metrics.dp_attachment_accuracies(pred_heads, pred_labels, gold_heads, gold_labels)
    assert scores == {"uas_acc": 75.0, "las_acc": 50.0}
    assert metrics.dp_uas(pred_heads, gold_heads) != 75.0
    with pytest.raises(ValueError, match="dependency relation"):
        metrics.dp_attachment_accuracies(pred_heads, [["NP_OBJ", "VP"], ["VP", "XX"]], gold_heads, gold_labels)


def test_las_others_and_pad():
    gold_heads, gold_labels = [[2, 0, 2, 2]], [["NP_SBJ", "VP", "NP_OBJ", "VP_CMP"]]
    pred_heads, pred_labels = [[2, 0, 2, 1]], [["NP_SBJ", "VP", "X_AJT", "VP_CMP"]]
    # word 3: X_AJT is "others", gold NP_OBJ -> wrong; word 4: head wrong -> PAD.
    # classes NP_SBJ 1, VP 1, NP_OBJ 0, others 0 (gold VP_CMP, predicted X_AJT), PAD 0 -> 2/5
    assert metrics.dp_las(pred_heads, pred_labels, gold_heads, gold_labels) == pytest.approx(40.0)


def test_las_all_other_relations_share_one_class():
    # VP_CMP (id 15) and X_AJT (id 19) are both "others": a match
    assert metrics.dp_las([[0]], [["X_AJT"]], [[0]], [["VP_CMP"]]) == 100.0


def test_las_pad_replaces_a_right_label_when_the_head_is_wrong():
    # word 2's label NP is right but its head is not: it becomes PAD.
    # classes VP 1, NP 0 (missed), PAD 0 (never gold) -> 1/3
    assert metrics.dp_las([[0, 0]], [["VP", "NP"]], [[0, 1]], [["VP", "NP"]]) == pytest.approx(100 / 3)


# --- oracles on random inputs ----------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_equal_to_official_pipeline_on_random_trees(seed):
    rng = np.random.default_rng(seed)
    gold_heads, gold_labels, pred_heads, pred_labels = [], [], [], []
    for _ in range(int(rng.integers(1, 10))):
        n = int(rng.integers(1, 12))
        heads = [int(h) for h in rng.integers(0, n + 1, n)]
        labels = [LABELS[int(i)] for i in rng.integers(0, 38 if seed % 2 else 16, n)]
        gold_heads.append(heads)
        gold_labels.append(labels)
        pred_heads.append([int(rng.integers(0, n + 1)) if rng.random() < 0.3 else h for h in heads])
        pred_labels.append([LABELS[int(rng.integers(38))] if rng.random() < 0.3 else lab for lab in labels])
    assert metrics.dp_uas(pred_heads, gold_heads) == pytest.approx(official_uas(pred_heads, gold_heads), abs=1e-9)
    assert metrics.dp_las(pred_heads, pred_labels, gold_heads, gold_labels) == pytest.approx(
        official_las(pred_heads, pred_labels, gold_heads, gold_labels), abs=1e-9
    )


def test_perfect_predictions_score_100_and_accept_arrays():
    heads = [np.array([2, 0]), [0, 1, 1]]
    labels = [["NP_SBJ", "VP"], np.array(["VP", "NP_OBJ", "R"])]
    assert metrics.dp_uas(heads, heads) == 100.0
    assert metrics.dp_las(heads, labels, heads, labels) == 100.0
    assert type(metrics.dp_las(heads, labels, heads, labels)) is float


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.dp_uas([[0, 1]], [[0]]), r"pred_heads\[0\] and gold_heads\[0\]"),
        (lambda: metrics.dp_uas([[0]], [[0], [0]]), "same length"),
        (lambda: metrics.dp_uas([[-1]], [[0]]), r"^pred_heads: ids must lie in \[0, inf\)"),
        (lambda: metrics.dp_uas([[0.5]], [[0]]), "non-integer"),
        (lambda: metrics.dp_uas([], []), "empty"),
        (lambda: metrics.dp_las([[0]], [["VP"]], [[0]], [["XX"]]), "^gold_labels: unknown dependency relation 'XX'"),
        (lambda: metrics.dp_las([[0]], [["vp"]], [[0]], [["VP"]]), "^pred_labels: unknown dependency relation"),
        (lambda: metrics.dp_las([[0]], [["VP", "VP"]], [[0]], [["VP", "VP"]]), "same shape"),
        (lambda: metrics.dp_las([[0]], [["VP", "VP"]], [[0]], [["VP"]]), r"pred_labels\[0\] and gold_labels\[0\]"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the real dev set --------------------------------------------------------------------


@pytest.fixture(scope="module")
def dp_dev():
    heads, labels = [], []
    for line in require_shared(DP_DEV).read_text(encoding="utf-8").split("\n"):
        if line.startswith("## klue"):
            heads.append([])
            labels.append([])
        elif line and not line.startswith("#"):
            columns = line.split("\t")
            heads[-1].append(int(columns[4]))
            labels[-1].append(columns[5])
    return heads, labels


def test_dev_set_relations_known_and_perturbed_equals_official(dp_dev):
    heads, labels = dp_dev
    assert len(heads) == 2000
    assert {label for sentence in labels for label in sentence} <= set(metrics.DP_DEPREL_LABELS)
    assert metrics.dp_uas(heads, heads) == 100.0
    assert metrics.dp_las(heads, labels, heads, labels) == 100.0
    rng = np.random.default_rng(0)
    pred_heads = [[int(rng.integers(0, len(s) + 1)) if rng.random() < 0.1 else h for h in s] for s in heads]
    pred_labels = [[LABELS[int(rng.integers(38))] if rng.random() < 0.1 else lab for lab in s] for s in labels]
    assert metrics.dp_uas(pred_heads, heads) == pytest.approx(official_uas(pred_heads, heads), abs=1e-9)
    assert metrics.dp_las(pred_heads, pred_labels, heads, labels) == pytest.approx(
        official_las(pred_heads, pred_labels, heads, labels), abs=1e-9
    )


def test_attachment_accuracy_uas_counts_right_heads_whatever_the_relation():
    # both heads right, both relations wrong: every word attached, none labelled right
    scores = metrics.dp_attachment_accuracies([[2, 0]], [["NP_OBJ", "NP"]], [[2, 0]], [["NP_SBJ", "VP"]])
    assert scores == {"uas_acc": 100.0, "las_acc": 0.0}


def test_sentences_that_are_all_empty_are_refused():
    with pytest.raises(ValueError, match="every sentence is empty"):
        metrics.dp_uas([[]], [[]])
    with pytest.raises(ValueError, match="every sentence is empty"):
        metrics.dp_las([[]], [[]], [[]], [[]])
