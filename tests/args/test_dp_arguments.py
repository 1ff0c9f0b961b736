"""The DP flags (args/dp.py): the decoding and the parser head's sizes."""

from __future__ import annotations

import re

import pytest

from args import ArgumentsError, DpArguments

SIZES = "--pos_embedding_dim must be >= 0 and --lstm_hidden_size, --arc_dim and --label_dim >= 1"


def test_a_decoding_argparse_never_checked_is_refused():
    # a value from a .json / .yaml arguments file becomes a default, which argparse's choices never check
    with pytest.raises(ArgumentsError, match=re.escape("--decode must be one of greedy, mst, got 'eisner'")):
        DpArguments(decode="eisner")


@pytest.mark.parametrize(
    "values", [{"pos_embedding_dim": -1}, {"lstm_hidden_size": 0}, {"arc_dim": 0}, {"label_dim": 0}, {"label_dim": -2}]
)
def test_a_size_below_its_minimum_is_refused(values):
    with pytest.raises(ArgumentsError, match=re.escape(SIZES)):
        DpArguments(**values)


def test_the_smallest_sizes_are_taken_and_no_pos_embedding_is_zero():
    dp_args = DpArguments(pos_embedding_dim=0, lstm_hidden_size=1, arc_dim=1, label_dim=1, decode="mst")
    assert (dp_args.pos_embedding_dim, dp_args.lstm_hidden_size, dp_args.arc_dim, dp_args.label_dim) == (0, 1, 1, 1)


def test_the_defaults_are_klue_baselines_parser_decoded_greedily():
    dp_args = DpArguments()
    assert (dp_args.pos_embedding_dim, dp_args.lstm_hidden_size, dp_args.arc_dim, dp_args.label_dim) == (
        256, 768, 512, 256)
    assert dp_args.decode == "greedy"
