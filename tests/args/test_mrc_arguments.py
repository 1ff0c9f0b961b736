"""The MRC flags (args/mrc.py): windows and decoding lengths below their minimum, and the defaults."""

from __future__ import annotations

import math
import re

import pytest

from args import ArgumentsError, MrcArguments


@pytest.mark.parametrize("name", ["max_query_length", "n_best_size", "max_answer_length"])
def test_a_length_below_one_is_refused_by_name(name):
    with pytest.raises(ArgumentsError, match=re.escape(f"--{name} must be >= 1, got 0")):
        MrcArguments(**{name: 0})
    assert getattr(MrcArguments(**{name: 1}), name) == 1


@pytest.mark.parametrize(("mode", "minimum"), [("overlap", 0), ("step", 1)])
def test_the_smallest_doc_stride_of_each_mode_is_taken_and_one_less_refused(mode, minimum):
    assert MrcArguments(doc_stride=minimum, doc_stride_mode=mode).doc_stride == minimum
    with pytest.raises(ArgumentsError, match=re.escape(f"--doc_stride must be >= {minimum} with --doc_stride_mode "
                                                       f"{mode}, got {minimum - 1}")):
        MrcArguments(doc_stride=minimum - 1, doc_stride_mode=mode)


def test_a_mode_argparse_never_checked_is_refused():
    with pytest.raises(ArgumentsError, match="--doc_stride_mode must be 'overlap' or 'step', got 'steps'"):
        MrcArguments(doc_stride_mode="steps")


def test_a_nan_threshold_is_refused_and_infinities_are_numbers():
    with pytest.raises(ArgumentsError, match="--null_score_diff_threshold must be a number, got nan"):
        MrcArguments(null_score_diff_threshold=math.nan)
    assert MrcArguments(null_score_diff_threshold=math.inf).null_score_diff_threshold == math.inf


def test_the_defaults_window_with_an_overlap_and_decode_as_klue_baseline_does():
    mrc_args = MrcArguments()
    assert (mrc_args.doc_stride, mrc_args.doc_stride_mode, mrc_args.max_query_length) == (128, "overlap", 64)
    assert (mrc_args.n_best_size, mrc_args.max_answer_length) == (20, 30)
    assert mrc_args.max_context_only is True and mrc_args.null_score_diff_threshold == 0.0
