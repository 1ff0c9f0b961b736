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


def test_every_klue_task_has_a_module_and_readme():
    klue_tasks = [task for task in metrics.TASK_METRIC_KEYS if task != "mcqa"]  # exam multiple choice: not KLUE
    assert len(klue_tasks) == 8
    for task in klue_tasks:
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


# The CASES above with every label given by name (ids are positions in the official order).
_YNAT = ("정치", "경제", "사회", "생활문화", "세계", "IT과학", "스포츠")
_NLI = ("entailment", "contradiction", "neutral")
NAMED_CASES = {
    "ynat": ([_YNAT[i] for i in CASES["ynat"][0]], [_YNAT[i] for i in CASES["ynat"][1]]),
    "nli": ([_NLI[i] for i in CASES["nli"][0]], [_NLI[i] for i in CASES["nli"][1]]),
    "ner": (
        [[metrics.NER_TAGS.index(tag) for tag in sentence] for sentence in CASES["ner"][0]],  # ids this time
        [[metrics.NER_TAGS.index(tag) for tag in sentence] for sentence in CASES["ner"][1]],
    ),
    "re": (_RE_PROBS.tolist(), [metrics.RE_RELATIONS[i] for i in _RE_GOLD]),
}


def test_label_inventories_equal_the_loaders():
    from klue_data import labels
    from metrics import label_input

    assert label_input.YNAT_LABELS == labels.YNAT_LABELS == _YNAT
    assert label_input.NLI_LABELS == labels.NLI_LABELS == _NLI
    assert label_input.NER_TAGS == labels.NER_TAGS and label_input.RE_RELATIONS == labels.RE_RELATIONS


@pytest.mark.parametrize("task", sorted(NAMED_CASES))
def test_names_and_ids_give_the_same_score(evaluate, task):
    predictions, references = CASES[task]
    expected = metrics.score_task(task, predictions, references)
    module = load(evaluate, task)
    named_predictions, named_references = NAMED_CASES[task]
    assert module.compute(predictions=named_predictions, references=named_references) == pytest.approx(expected)
    if task != "re":  # names on one side, ids on the other (a model's ids against a file's names)
        assert module.compute(predictions=predictions, references=named_references) == pytest.approx(expected)
    if task in ("ynat", "nli"):  # ids as a numpy array, and as a list of numpy scalars
        ids = np.asarray(predictions)
        assert module.compute(predictions=ids, references=named_references) == pytest.approx(expected)
        assert module.compute(predictions=list(ids), references=references) == pytest.approx(expected)


def test_dp_relations_as_ids(evaluate):
    expected = load(evaluate, "dp").compute(predictions=DP_PRED, references=DP_GOLD)
    as_ids = [{**s, "labels": [metrics.DP_DEPREL_LABELS.index(label) for label in s["labels"]]} for s in DP_PRED]
    assert load(evaluate, "dp").compute(predictions=as_ids, references=DP_GOLD) == pytest.approx(expected)


def test_add_one_example_by_name(evaluate):
    module = load(evaluate, "ynat")
    for prediction, reference in zip(*NAMED_CASES["ynat"]):
        module.add(prediction=prediction, reference=reference)
    assert module.compute() == pytest.approx(metrics.score_task("ynat", *CASES["ynat"]))


@pytest.mark.parametrize(
    ("task", "predictions", "references", "message"),
    [
        ("ynat", ["정치", "연예"], ["정치", "경제"],
         r"predictions: unknown label name '연예'; "
         r"expected label names \(정치, 경제, 사회, 생활문화, 세계, IT과학, 스포츠\) or integer ids 0-6"),
        ("nli", [0, 1], ["entailment", "Entailment"],
         r"references: unknown label name 'Entailment'; "
         r"expected label names \(entailment, contradiction, neutral\)"),
        ("nli", [0, "neutral"], [0, 1], r"predictions: mixes label names and ids \('neutral' and 0\)"),
        ("ynat", [0.5, 1], [0, 1], r"predictions: expected label names .* got float 0.5"),
        ("nli", [True, False], [0, 1], r"predictions: expected label names .* got bool True"),  # not ids 1 and 0
        ("ynat", [0, 7], [0, 1], r"predictions: id 7 is out of range"),
        ("ner", [["B-PS", "X-PS"]], [["B-PS", "O"]],
         r"predictions\[0\]: unknown label name 'X-PS'; expected label names \(B-PS, I-PS,"),
        ("ner", [["B-PS"], [12]], [["B-PS"], ["O"]], r"predictions: mixes label names and ids"),
        ("re", _RE_PROBS[:2].tolist(), ["per:origin", "per:hometown"],
         r"references: unknown label name 'per:hometown'; expected label names \(no_relation, org:dissolved,"),
    ],
)
def test_anything_else_is_one_clear_error(evaluate, task, predictions, references, message):
    with pytest.raises(ValueError, match=message) as caught:
        load(evaluate, task).compute(predictions=predictions, references=references)
    assert "\n" not in str(caught.value)


def test_dp_unknown_relation_name(evaluate):
    bad = [{**DP_PRED[0], "labels": ["NP_SBJ", "VP", "NOPE"]}, DP_PRED[1]]
    with pytest.raises(ValueError, match=r"predictions\[0\]: unknown label name 'NOPE'; expected label names \(NP, "):
        load(evaluate, "dp").compute(predictions=bad, references=DP_GOLD)
