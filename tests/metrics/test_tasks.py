"""The task table ``metrics.tasks``, the one label module, and what ``import metrics`` loads."""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import klue_data
import klue_data.labels
import metrics
import metrics.labels
from metrics import score as cli
from metrics import tasks
from tests.metric_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def test_the_table_holds_every_klue_task_in_the_loaders_order():
    assert tuple(tasks.TASKS) == klue_data.TASK_NAMES == cli.TASKS
    assert all(name == spec.name for name, spec in tasks.TASKS.items())
    assert metrics.TASK_METRIC_KEYS == {name: spec.metric_keys for name, spec in tasks.TASKS.items()}


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_score_returns_the_metric_keys_in_order(name):
    spec = metrics.metric_task(name)
    assert tuple(spec.score(*EXAMPLES[name])) == spec.metric_keys
    assert spec.score(*EXAMPLES[name]) == metrics.score_task(name, *EXAMPLES[name])


def test_selection_keys():
    selection = {name: (spec.selection_key, spec.greater_is_better) for name, spec in tasks.TASKS.items()}
    assert selection == {
        "ynat": ("macro_f1", True),
        "nli": ("accuracy", True),
        "sts": ("pearsonr", True),
        "ner": ("char_f1", True),
        "re": ("micro_f1", True),
        "dp": ("las", True),
        "mrc": ("rouge_w", True),
        "wos": ("slot_f1", True),
        "mcqa": ("accuracy", True),
    }
    assert all(spec.selection_key in spec.metric_keys for spec in tasks.TASKS.values())


def test_default_postprocess_only_where_outputs_need_no_task_knowledge():
    without = {name for name, spec in tasks.TASKS.items() if spec.postprocess is None}
    assert without == {"ner", "dp", "mrc", "wos", "mcqa"}


def test_breakdowns_of_the_classification_tasks_name_their_labels():
    breakdown = metrics.metric_task("ynat").breakdown([0, 1], [0, 2])
    assert breakdown["confusion_matrix"]["labels"] == list(metrics.labels.YNAT_LABELS)
    breakdown = metrics.metric_task("nli").breakdown([0, 1], [0, 2])
    assert breakdown["confusion_matrix"]["labels"] == list(metrics.labels.NLI_LABELS)


def test_the_mrc_breakdown_names_question_types_as_a_run_writes_them():
    breakdown = metrics.metric_task("mrc").breakdown(["서울", ""], [["서울"], []], [1, 3])
    assert breakdown == metrics.mrc_scores_by_question_type(["서울", ""], [["서울"], []], [1, 3])[1]
    assert breakdown["per_question_type"]["paraphrase"] == {"exact_match": 100.0, "rouge_w": 100.0, "count": 1}


def test_unknown_task():
    with pytest.raises(ValueError, match="unknown task 'squad'; expected one of ynat, sts, nli"):
        metrics.metric_task("squad")


# --- labels: defined once ---------------------------------------------------------------


def test_metrics_labels_are_the_loaders_labels():
    for name in metrics.labels.__all__:
        assert getattr(metrics.labels, name) is getattr(klue_data.labels, name), name
    assert metrics.classification.STS_BINARY_THRESHOLD is klue_data.labels.STS_BINARY_THRESHOLD
    assert klue_data.get_task("ynat").LABELS is metrics.labels.YNAT_LABELS
    assert klue_data.get_task("ner").LABELS is metrics.labels.NER_TAGS


# --- imports ----------------------------------------------------------------------------

LIGHT_KLUE_DATA = ["klue_data", "klue_data.errors", "klue_data.labels"]


def loaded_after(statement: str) -> list[str]:
    code = (
        f"import sys\n{statement}\n"
        "print(' '.join(sorted(m for m in sys.modules if m == 'datasets' or m.startswith('klue_data'))))"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return output.stdout.split()


@pytest.mark.parametrize("statement", ["import metrics", "import metrics.tasks", "import klue_data.labels"])
def test_metrics_and_labels_load_no_reader_and_no_datasets(statement):
    assert set(loaded_after(statement)) <= set(LIGHT_KLUE_DATA)


def test_the_metrics_package_loads_a_module_on_first_use_of_one_of_its_names():
    code = ("import sys, metrics\nbefore = sorted(m for m in sys.modules if m.startswith('metrics.'))\n"
            "from metrics import ner_entity_f1\n"
            "print(before, sorted(m for m in sys.modules if m.startswith('metrics.')))")
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[] ['metrics._f1', 'metrics._validation', 'metrics.labels', 'metrics.ner']"


def test_readers_load_on_first_use():
    loaded = loaded_after(
        "import klue_data\n"
        "assert list(klue_data.TASKS) == list(klue_data.TASK_NAMES)\n"
        "assert klue_data.get_task('ner').NAME == 'ner' and klue_data.nli.NAME == 'nli'"
    )
    readers = [name for name in loaded if name.rpartition(".")[2] in klue_data.TASK_NAMES]
    assert readers == ["klue_data.ner", "klue_data.nli"] and "datasets" not in loaded


def test_every_task_with_a_script_has_its_reader_config_and_default_length_in_the_table():
    import importlib

    for name, task in tasks.TASKS.items():
        assert importlib.import_module(task.reader).NAME == name
        if (ROOT / "trainers" / f"run_{name}.py").is_file():
            assert (ROOT / task.config_file).is_file() and task.max_seq_length


# --- the Trainer postprocess and the scorer CLI's per-line checks ------------------------------------------


def test_argmax_postprocess_keeps_1d_ids_and_unwraps_nested_output_tuples():
    labels = np.array([2, 0])
    ids, _ = tasks.argmax_postprocess(SimpleNamespace(predictions=np.array([2, 1]), label_ids=labels))
    assert ids.tolist() == [2, 1]  # already reduced by preprocess_logits_for_metrics: not argmaxed again
    logits = np.array([[0.0, 1.0, 0.0], [3.0, 0.0, 0.0]])
    nested = ((logits, np.zeros((2, 4))), np.zeros(2))  # the logits come first, however deep
    ids, _ = tasks.argmax_postprocess(SimpleNamespace(predictions=nested, label_ids=labels))
    assert ids.tolist() == [1, 0]


def test_re_postprocess_softmax_stays_finite_for_large_logits():
    logits = np.zeros((1, 30))
    logits[0, 3] = 1000.0  # exp(1000) overflows: the softmax must shift by the row maximum
    probabilities, _ = tasks.re_postprocess(SimpleNamespace(predictions=logits, label_ids=np.array([3])))
    assert np.isfinite(probabilities).all() and probabilities[0, 3] == pytest.approx(1.0)


def test_sts_postprocess_squeezes_n_by_1_outputs():
    outputs = np.array([[1.5], [2.5]], dtype=np.float32)
    scores, _ = tasks.sts_postprocess(SimpleNamespace(predictions=outputs, label_ids=np.array([1.0, 3.0])))
    assert scores.shape == (2,) and scores.tolist() == [1.5, 2.5]


@pytest.mark.parametrize(
    ("task", "line", "unit", "message"),
    [
        ("sts", {"prediction": True}, tasks.Unit("g", 3.0), "finite number"),
        ("mcqa", {"prediction": 0}, tasks.Unit("g", 1, {"n_choices": 5}), r"1\.\.5 \(1-based\)"),
        # probabilities that do not sum to 1 (logits, scores) would give another AUPRC
        ("re", {"prediction": "no_relation", "probabilities": [0.5] * 30}, tasks.Unit("g", 0), "summing to 1"),
    ],
)
def test_the_cli_refuses_a_bad_prediction_line(task, line, unit, message):
    with pytest.raises(tasks.BadPrediction, match=message):
        tasks.TASKS[task].convert(line, unit)


def test_the_cli_refuses_a_wos_turn_given_as_a_boolean():
    with pytest.raises(tasks.BadPrediction, match="0-based index"):
        tasks.TASKS["wos"].line_key({"guid": "g", "turn": True})
    assert tasks.TASKS["wos"].line_key({"guid": "g", "turn": 0}) == ("g", 0)


def test_re_probabilities_on_some_lines_only_are_rejected():
    units = [tasks.Unit("a", 1), tasks.Unit("b", 2)]
    one_hot = [1.0 if i == 1 else 0.0 for i in range(30)]
    with pytest.raises(tasks.RejectedInput, match="given on 1 of 2 lines"):
        tasks.TASKS["re"].score_units(units, [(1, one_hot), (2, None)], [])


def test_mrc_questions_without_a_question_type_get_a_note():
    units = [tasks.Unit("a", ["서울"], {"question_type": 0}), tasks.Unit("b", [], {"question_type": 3})]
    notes = []
    scores, _ = tasks.TASKS["mrc"].score_units(units, ["서울", ""], notes)
    assert scores == {"exact_match": 100.0, "rouge_w": 100.0}
    assert notes == ["1 reference(s) without a KLUE question_type (1, 2, 3): in the overall scores only"]


def test_wos_references_are_unlabelled_only_when_no_turn_has_a_state():
    check = tasks.TASKS["wos"].check_references
    assert check([tasks.Unit(("g", 0), []), tasks.Unit(("g", 1), ["관광-종류-박물관"])]) is None
    assert "no user turn has a dialogue state" in check([tasks.Unit(("g", 0), []), tasks.Unit(("g", 1), [])])


def test_re_probabilities_must_make_the_label_their_argmax_and_an_object_is_read_by_relation_name():
    unit = tasks.Unit("g", 1)
    near = [0.0] * 30
    near[1], near[2] = 0.4995, 0.5005  # the label is 0.001 short of the maximum
    with pytest.raises(tasks.BadPrediction, match="not the argmax"):
        tasks.TASKS["re"].convert({"prediction": metrics.RE_RELATIONS[1], "probabilities": near}, unit)
    by_name = {name: (0.9 if i == 1 else 0.1 / 29) for i, name in enumerate(metrics.RE_RELATIONS)}
    label, probabilities = tasks.TASKS["re"].convert(
        {"prediction": metrics.RE_RELATIONS[1], "probabilities": by_name}, unit
    )
    assert label == 1 and probabilities == [by_name[name] for name in metrics.RE_RELATIONS]


def test_default_max_seq_lengths_equal_the_task_configs():
    for task in tasks.TASKS.values():
        config = json.loads((ROOT / task.config_file).read_text(encoding="utf-8"))
        assert task.max_seq_length == config["max_seq_length"], task.name
