"""The task table ``metrics.tasks``, the one label module, and what ``import metrics`` loads."""

import subprocess
import sys
from pathlib import Path

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
