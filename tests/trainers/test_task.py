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
