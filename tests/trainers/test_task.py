"""The Task contract as a new task script meets it: its defaults, and what it is told when something is missing."""

from __future__ import annotations

import dataclasses

import datasets
import pytest

from metrics import tasks
from trainers.task import Task


class ParaphraseTask(Task):
    """A made-up task on YNAT's registration (reader and table row), defining every required hook."""

    name = "ynat"

    def preprocess(self, examples, tokenizer, max_length, padding):
        return {}

    def decode(self, examples, features, predictions):
        return []

    def references(self, examples):
        return None

    def score(self, decoded, references, examples):
        return None


def test_by_default_the_rows_without_a_label_are_unlabelled():
    """The runner refuses them outside the test split (require_labels): a default of none let a new task
    evaluate an unlabelled file as if it were scored."""
    task = ParaphraseTask()
    assert task.unlabelled(datasets.Dataset.from_dict({"label": ["a", None, "b", None]})) == [1, 3]
    assert task.unlabelled(datasets.Dataset.from_dict({"text": ["x", "y"]})) == [0, 1]  # no label field at all


def test_a_task_script_missing_a_hook_is_told_when_it_is_built():
    class NoDecode(ParaphraseTask):
        decode = Task.decode

    with pytest.raises(TypeError, match=r"NoDecode \(task 'ynat'\): it does not define decode"):
        NoDecode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"max_seq_length": None}, "its row in metrics/tasks.py gives no max_seq_length"),
        ({"selection_key": "acc"}, "its row's selection_key 'acc' is not one of its metric_keys"),
    ],
)
def test_a_table_row_missing_what_the_runner_reads_is_told_when_the_task_is_built(change, expected, monkeypatch):
    monkeypatch.setitem(tasks.TASKS, "ynat", dataclasses.replace(tasks.TASKS["ynat"], **change))
    with pytest.raises(TypeError, match=expected):
        ParaphraseTask()


def test_a_task_registered_nowhere_is_told_where_to_register():
    class Unregistered(ParaphraseTask):
        name = "para"

    with pytest.raises(TypeError, match=r"not in klue_data.TASK_NAMES .*; it has no row in the table metrics/tasks"):
        Unregistered()


@pytest.mark.parametrize("hook", ["preprocess", "decode", "references", "score"])
def test_each_hook_without_a_default_is_required_when_the_task_is_built(hook):
    missing = type("Missing", (ParaphraseTask,), {hook: getattr(Task, hook)})
    with pytest.raises(TypeError, match=rf"Missing \(task 'ynat'\): it does not define {hook} "):
        missing()


def test_a_tasks_flags_are_required_and_their_run_settings_are_its_training_settings():
    """use_options refuses a missing flags class (the task would fail later reading it); the flags named in a
    class's _run_settings are the training_settings a resume must match, the others are not."""

    @dataclasses.dataclass
    class ParaphraseArguments:
        _run_settings = ("pair_order",)
        pair_order: str = "as_given"
        predictions_csv: str | None = None

    class WithFlags(ParaphraseTask):
        argument_classes = (ParaphraseArguments,)

    task = WithFlags()
    with pytest.raises(TypeError, match="WithFlags.use_options: missing ParaphraseArguments"):
        task.use_options()
    flags = ParaphraseArguments(pair_order="swapped", predictions_csv="out.csv")
    task.use_options(flags)
    assert task.option(ParaphraseArguments) is flags
    assert task.training_settings() == {"pair_order": "swapped"}


def test_a_label_that_is_zero_or_empty_is_a_label():
    """Only None (what the readers leave for a missing label) is unlabelled: a class id 0 or an empty string is not."""
    task = ParaphraseTask()
    assert task.unlabelled(datasets.Dataset.from_dict({"label": [0, None, 2, 0]})) == [1]
    assert task.unlabelled(datasets.Dataset.from_dict({"label": ["", "b", None]})) == [2]


def test_the_defaults_a_plain_classification_task_gets():
    """Every labelled split can be scored; a score without a breakdown has none (no eval_breakdown.json); the
    --pad_to_max_length collator stacks every feature of the batch; the loss counts the labels not ignored."""
    import torch

    from trainers.task import Scored

    task = ParaphraseTask()
    assert task.scoring_problem(datasets.Dataset.from_dict({"label": ["a"]})) is None
    assert Scored({"accuracy": 50.0}).breakdown is None
    batch = task.fixed_length_collator()([{"input_ids": [2, 5, 3], "labels": 1}, {"input_ids": [2, 6, 0], "labels": 0}])
    assert batch["input_ids"].tolist() == [[2, 5, 3], [2, 6, 0]] and batch["labels"].tolist() == [1, 0]
    assert int(task.loss_units({"labels": torch.tensor([[1, -100, 0], [-100, -100, 2]])})) == 3
    assert task.loss_units({"input_ids": torch.tensor([[1]])}) is None
