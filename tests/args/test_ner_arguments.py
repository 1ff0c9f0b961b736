"""The NER flags (args/ner.py)."""

from __future__ import annotations

import pytest

from args import ArgumentsError, NerArguments


def test_a_scoring_argparse_never_checked_is_refused():
    with pytest.raises(ArgumentsError, match="--ner_scoring must be one of official, characters, got 'chars'"):
        NerArguments(ner_scoring="chars")


def test_the_default_scoring_is_klue_baselines():
    assert NerArguments().ner_scoring == "official"
    assert NerArguments(ner_scoring="characters").ner_scoring == "characters"
