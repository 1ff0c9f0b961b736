"""The `evaluate` modules load offline from their folders and give the functions' numbers.

(Importing `evaluate` takes a few seconds because it imports transformers.)
"""

import os
from pathlib import Path

import numpy as np
import pytest

import metrics

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "metrics" / "hf_evaluate"

rng = np.random.default_rng(0)
_RE_PROBS = rng.dirichlet(np.ones(30), 12)
_RE_GOLD = rng.integers(0, 30, 12)
CASES = {
    "ynat": ([0, 1, 2, 2, 6], [0, 1, 1, 2, 5]),
    "nli": ([0, 1, 2, 1], [0, 1, 1, 1]),
    "sts": ([0.5, 3.5, 4.0, 2.0, 1.1], [1.0, 3.0, 4.5, 3.2, 0.0]),
    "ner": (
        [["B-PS", "I-PS", "O", "B-DT"], ["I-LC", "O"], []],
        [["B-PS", "I-PS", "O", "B-DT"], ["B-LC", "O"], []],
    ),
    "re": (_RE_PROBS, _RE_GOLD),
    "mrc": (["서울.", "부산", ""], [["서울"], ["대구", "부산광역시"], []]),
    "wos": ([["관광-종류-박물관", "관광-지역-서울"], [], ["식당-가격대-저렴"]], [["관광-지역-서울"], [], []]),
}
DP_PRED = [{"heads": [2, 0, 2], "labels": ["NP_SBJ", "VP", "X_AJT"]}, {"heads": [0], "labels": ["VP"]}]
DP_GOLD = [{"heads": [2, 0, 1], "labels": ["NP_SBJ", "VP", "NP_OBJ"]}, {"heads": [0], "labels": ["VP"]}]


@pytest.fixture(scope="module")
def evaluate():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_EVALUATE_OFFLINE", "1")
    return pytest.importorskip("evaluate", reason="the evaluate package is not installed")


def load(evaluate, task):
    return evaluate.load(str(MODULES / f"klue_{task}"))


def test_every_task_has_a_module_and_readme():
    for task in metrics.TASK_METRIC_KEYS:
        assert (MODULES / f"klue_{task}" / f"klue_{task}.py").is_file()
        assert (MODULES / f"klue_{task}" / "README.md").is_file()


@pytest.mark.parametrize("task", sorted(CASES))
def test_module_equals_the_functions(evaluate, task):
    predictions, references = CASES[task]
    expected = metrics.score_task(task, predictions, references)
    module = load(evaluate, task)
    if task == "re":
        predictions = predictions.tolist()
    assert module.compute(predictions=predictions, references=references) == pytest.approx(expected, abs=1e-12)


def test_dp_module_takes_heads_and_labels_per_sentence(evaluate):
    expected = metrics.score_task(
        "dp",
        ([s["heads"] for s in DP_PRED], [s["labels"] for s in DP_PRED]),
        ([s["heads"] for s in DP_GOLD], [s["labels"] for s in DP_GOLD]),
    )
    assert load(evaluate, "dp").compute(predictions=DP_PRED, references=DP_GOLD) == pytest.approx(expected)


def test_add_batch_then_compute(evaluate):
    module = load(evaluate, "ner")
    predictions, references = CASES["ner"]
    for prediction, reference in zip(predictions, references):
        module.add_batch(predictions=[prediction], references=[reference])
    assert module.compute() == pytest.approx(metrics.score_task("ner", predictions, references))
