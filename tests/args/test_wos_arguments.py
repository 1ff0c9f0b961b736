"""The WoS flags (args/wos.py): values an arguments file can give that argparse's checks never see."""

from __future__ import annotations

import re

import pytest

from args import ArgumentsError, WosArguments


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"value_targets": "none"}, "--value_targets must be all or ptr, got 'none'"),  # from a .json: no choices
        ({"teacher_forcing_ratio": 1.5}, "--teacher_forcing_ratio must be in [0, 1], got 1.5"),
        ({"teacher_forcing_ratio": -0.1}, "--teacher_forcing_ratio must be in [0, 1], got -0.1"),
        ({"max_value_length": 1}, "--max_value_length must be >= 2 (a token and the end), got 1"),
    ],
)
def test_a_value_that_cannot_train_is_refused_by_name(values, expected):
    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        WosArguments(**values)


@pytest.mark.parametrize(
    "values",
    [{"teacher_forcing_ratio": 0.0}, {"teacher_forcing_ratio": 1.0}, {"max_value_length": 2},
     {"value_targets": "all"}, {"value_targets": "ptr"}],
)
def test_the_edges_are_taken(values):
    assert WosArguments(**values)


def test_the_defaults_are_trades_teacher_forcing_and_the_models_own_value_settings():
    wos_args = WosArguments()
    assert wos_args.teacher_forcing_ratio == 0.5
    assert (wos_args.ontology_file, wos_args.max_value_length, wos_args.value_targets) == (None, None, None)
