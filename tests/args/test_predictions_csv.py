"""``--predictions_csv [PATH]`` means the same in STS and MCQA (args/predictions_csv.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from args.predictions_csv import IN_OUTPUT_DIR, predictions_csv_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),  # not given
        (IN_OUTPUT_DIR, Path("out/predictions.csv")),  # given without a path
        ("submit.csv", Path("submit.csv")),  # relative to where the script runs, as every path flag
        (True, Path("out/predictions.csv")),  # a config file's true
        (False, None),
        ("true", Path("out/predictions.csv")),  # STS's flag was a boolean: --predictions_csv true still works
        ("False", None),
    ],
)
def test_where_the_csv_goes(value, expected):
    assert predictions_csv_path(value, "out") == expected
