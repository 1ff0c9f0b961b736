"""``--predictions_csv [PATH]`` means the same in STS and MCQA (args/predictions_csv.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from args import ArgumentsError
from args.predictions_csv import IN_OUTPUT_DIR, check_predictions_csv, predictions_csv_path


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
        # every boolean word a boolean flag takes (transformers' string_to_bool, any case), not a file named "no"
        *((word, Path("out/predictions.csv")) for word in ("yes", "YES", "y", "t", "1", "True")),
        *((word, None) for word in ("no", "No", "n", "F", "0", "FALSE")),
        ("0.csv", Path("0.csv")),  # a path that only starts like one
    ],
)
def test_where_the_csv_goes(value, expected):
    assert predictions_csv_path(value, "out") == expected


@pytest.mark.parametrize("word", ["no", "0", "Yes", "1"])
def test_boolean_words_are_not_checked_as_paths(word, tmp_path, monkeypatch):
    """A folder named like a boolean word in the working directory must not make the flag a path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / word).mkdir()
    check_predictions_csv(word)


def test_a_path_under_a_file_or_a_folder_is_refused_when_the_flags_are_read(tmp_path):
    """Not after the whole prediction has run."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ArgumentsError, match=f"--predictions_csv {afile / 'x.csv'}: {afile} is a file, not a folder"):
        check_predictions_csv(str(afile / "x.csv"))
    with pytest.raises(ArgumentsError, match="is a folder"):
        check_predictions_csv(str(tmp_path))
    check_predictions_csv(str(tmp_path / "new" / "x.csv"))  # folders still to be made are fine
