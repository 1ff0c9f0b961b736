"""score_task, TASK_METRIC_KEYS, build_compute_metrics (Trainer glue) and import hygiene."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import softmax

import metrics
from tests.metric_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def test_task_metric_keys():
    assert metrics.TASK_METRIC_KEYS == {
        "ynat": ("macro_f1",),
        "nli": ("accuracy",),
        "sts": ("pearsonr", "f1"),
        "ner": ("entity_f1", "char_f1"),
        "re": ("micro_f1", "auprc"),
        "dp": ("uas", "las"),
        "mrc": ("exact_match", "rouge_w"),
        "wos": ("jga", "slot_f1"),
        "mcqa": ("accuracy",),
    }


@pytest.mark.parametrize("task", sorted(EXAMPLES))
def test_score_task_returns_the_task_keys_as_floats(task):
    predictions, references = EXAMPLES[task]
    scores = metrics.score_task(task, predictions, references)
    assert tuple(scores) == metrics.TASK_METRIC_KEYS[task]
    assert all(type(value) is float for value in scores.values())


def test_score_task_values_delegate_to_the_functions():
    probs, gold = EXAMPLES["re"]
    assert metrics.score_task("re", probs, gold) == {
        "micro_f1": metrics.re_micro_f1(np.argmax(probs, axis=1), gold),
        "auprc": metrics.re_auprc(probs, gold),
    }
    (heads, labels), (gold_heads, gold_labels) = ([[2, 0, 0]], [["NP", "VP", "X"]]), ([[2, 0, 2]], [["NP", "VP", "X"]])
    assert metrics.score_task("dp", (heads, labels), (gold_heads, gold_labels)) == {
        "uas": metrics.dp_uas(heads, gold_heads),
        "las": metrics.dp_las(heads, labels, gold_heads, gold_labels),
    }


@pytest.mark.parametrize(
    ("task", "predictions", "references", "message"),
    [
        ("squad", [0], [0], "unknown task 'squad'"),
        ("re", [1, 2], [1, 2], r"\(n, 30\)"),
        ("dp", [[0]], ([[0]], [["VP"]]), "pair"),
    ],
)
def test_score_task_bad_input(task, predictions, references, message):
    with pytest.raises(ValueError, match=message):
        metrics.score_task(task, predictions, references)


# --- build_compute_metrics -------------------------------------------------------------


def eval_prediction(predictions, label_ids):
    return SimpleNamespace(predictions=predictions, label_ids=label_ids)


def test_classification_takes_argmax_of_logits_and_tuple_outputs():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0])
    hidden = np.zeros((4, 8))
    for task, key in (("ynat", "macro_f1"), ("nli", "accuracy")):
        compute = metrics.build_compute_metrics(task)
        expected = metrics.score_task(task, [0, 1, 2, 0], labels)
        assert compute(eval_prediction(logits, labels)) == expected
        assert compute(eval_prediction((logits, hidden), labels)) == expected
        assert list(compute(eval_prediction(logits, labels))) == [key]


def test_eval_accumulation_steps_concatenated_batches_score_like_one_batch():
    rng = np.random.default_rng(0)
    batches = [rng.normal(size=(5, 7)) for _ in range(3)]
    labels = [rng.integers(0, 7, 5) for _ in range(3)]
    compute = metrics.build_compute_metrics("ynat")
    whole = compute(eval_prediction(np.concatenate(batches), np.concatenate(labels)))
    assert whole == {"macro_f1": metrics.ynat_macro_f1(np.concatenate(batches).argmax(-1), np.concatenate(labels))}


def test_sts_squeezes_and_scores_raw_outputs_as_klue_baseline():
    # outside the gold range [0, 5] on purpose: the outputs are scored as they are, not clipped
    outputs = np.array([[-0.5], [5.7], [2.0], [3.1]], dtype=np.float32)
    labels = np.array([0.2, 4.8, 2.5, 2.9])
    raw = outputs[:, 0].astype(np.float64)
    assert metrics.build_compute_metrics("sts")(eval_prediction(outputs, labels)) == metrics.score_task(
        "sts", raw, labels
    )
    assert metrics.build_compute_metrics("sts")(eval_prediction(outputs[:, 0], labels))["pearsonr"] == pytest.approx(
        metrics.sts_pearsonr(raw, labels)
    )
    assert metrics.build_compute_metrics("sts")(eval_prediction(outputs, labels))["pearsonr"] != pytest.approx(
        metrics.sts_pearsonr(np.clip(raw, 0, 5), labels)
    )


def test_re_scores_softmax_of_logits():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(40, 30)) * 3
    labels = rng.integers(0, 30, 40)
    result = metrics.build_compute_metrics("re")(eval_prediction(logits, labels))
    expected = metrics.score_task("re", softmax(logits, axis=1), labels)
    assert result == pytest.approx(expected, abs=1e-9)


def test_postprocess_is_required_for_token_and_generation_tasks():
    for task in ("ner", "dp", "mrc", "wos"):
        with pytest.raises(ValueError, match="postprocess"):
            metrics.build_compute_metrics(task)
    with pytest.raises(ValueError, match="unknown task"):
        metrics.build_compute_metrics("squad")


def test_postprocess_output_is_scored():
    seen = []

    def postprocess(prediction):
        seen.append(prediction)
        return [["B-PS", "O"], ["O"]], [["B-PS", "O"], ["B-LC"]]

    compute = metrics.build_compute_metrics("ner", postprocess)
    prediction = eval_prediction(np.zeros((2, 4, 13)), np.zeros((2, 4)))
    assert compute(prediction) == metrics.score_task("ner", [["B-PS", "O"], ["O"]], [["B-PS", "O"], ["B-LC"]])
    assert seen == [prediction]
    # optional for the other tasks
    compute = metrics.build_compute_metrics("nli", lambda p: ([1, 1], [1, 0]))
    assert compute(prediction) == {"accuracy": 50.0}


def test_works_with_transformers_eval_prediction():
    transformers = pytest.importorskip("transformers", reason="transformers is not installed")
    logits = np.array([[0.1, 0.9], [0.8, 0.2]])
    prediction = transformers.EvalPrediction(predictions=logits, label_ids=np.array([1, 1]))
    assert metrics.build_compute_metrics("nli")(prediction) == {"accuracy": 50.0}


# --- the package's own imports ----------------------------------------------------------


def test_metrics_imports_neither_transformers_nor_torch_nor_sklearn():
    code = (
        "import sys, metrics, metrics.compute\n"
        "print(sorted(m for m in ('sklearn', 'torch', 'transformers', 'evaluate', 'datasets') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


def test_public_api():
    names = {
        "ynat_macro_f1", "nli_accuracy", "sts_pearsonr", "sts_f1", "ner_entity_f1", "ner_char_f1",
        "re_micro_f1", "re_auprc", "dp_uas", "dp_las", "mrc_exact_match", "mrc_rouge_w", "wos_jga",
        "wos_slot_f1", "classification_breakdown", "ner_breakdown", "re_breakdown", "mrc_breakdown",
        "wos_breakdown", "build_compute_metrics", "score_task", "TASK_METRIC_KEYS", "NER_TAGS",
        "DP_DEPREL_CLASSES", "RE_RELATIONS",
    }  # fmt: skip
    assert names <= set(metrics.__all__)
    assert all(hasattr(metrics, name) for name in metrics.__all__)
    assert metrics.NER_TAGS == (
        "B-PS", "I-PS", "B-LC", "I-LC", "B-OG", "I-OG", "B-DT", "I-DT", "B-TI", "I-TI", "B-QT", "I-QT", "O",
    )  # fmt: skip
