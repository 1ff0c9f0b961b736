"""The STS flags (args/sts.py)."""

from __future__ import annotations

import pytest

from args import ArgumentsError, StsArguments


def test_a_folder_as_predictions_csv_is_refused_when_the_flags_are_read(tmp_path):
    with pytest.raises(ArgumentsError, match="is a folder"):
        StsArguments(predictions_csv=str(tmp_path))


def test_the_defaults_score_raw_outputs_as_klue_baseline_and_write_no_csv():
    sts_args = StsArguments()
    assert sts_args.clip_predictions is False and sts_args.predictions_csv is None
