"""The data flags (args/data.py): a count of 0 or below is refused, not read as unset or as selecting nothing."""

from __future__ import annotations

import re

import pytest

from args import ArgumentsError, DataArguments

COUNTS = ("max_seq_length", "pad_to_multiple_of", "max_train_samples", "max_eval_samples", "max_predict_samples",
          "preprocessing_num_workers")


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("value", [0, -1])
def test_a_count_below_one_is_refused_by_name(name, value):
    with pytest.raises(ArgumentsError, match=re.escape(f"--{name} must be >= 1, got {value}")):
        DataArguments(**{name: value})


@pytest.mark.parametrize("name", COUNTS)
def test_a_count_of_one_is_taken(name):
    assert getattr(DataArguments(**{name: 1}), name) == 1


def test_the_defaults_read_klue_from_the_hub_at_the_tasks_lengths_padded_per_batch():
    data_args = DataArguments()
    assert (data_args.dataset_name, data_args.dataset_config_name, data_args.data_dir) == ("klue/klue", None, None)
    assert all(getattr(data_args, name) is None for name in COUNTS)  # the task's length, every example, one process
    assert data_args.pad_to_max_length is False
