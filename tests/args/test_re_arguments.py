"""The RE flags (args/re.py)."""

from __future__ import annotations

import pytest

from args import ArgumentsError, ReArguments


def test_a_head_argparse_never_checked_is_refused():
    with pytest.raises(ArgumentsError, match="--re_head must be one of cls, entity_start, got 'entity'"):
        ReArguments(re_head="entity")


def test_the_default_head_is_the_klue_papers_cls_classifier():
    assert ReArguments().re_head == "cls"
    assert ReArguments(re_head="entity_start").re_head == "entity_start"
