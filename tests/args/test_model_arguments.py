"""The model flags (args/model.py): a model is always named, and nothing unsafe or lossy is on by default."""

from __future__ import annotations

import pytest

from args import ArgumentsError, ModelArguments
from trainers.arguments import parse_arguments
from trainers.run_ynat import YnatTask


def test_a_run_without_a_model_is_refused():
    with pytest.raises(ArgumentsError, match="required: --model_name_or_path"):
        parse_arguments(YnatTask(), ["--output_dir", "out", "--do_eval"])


@pytest.mark.parametrize("flag", ["--model_revision", "--revision"])
def test_the_revision_is_taken_under_either_name(flag):
    model_args, *_ = parse_arguments(YnatTask(), ["--model_name_or_path", "m", "--output_dir", "out", "--do_eval",
                                                  flag, "v2"])
    assert model_args.model_revision == "v2"


def test_the_defaults_load_the_main_revision_with_no_remote_code_and_no_head_reset():
    model_args = ModelArguments(model_name_or_path="m")
    assert model_args.model_revision == "main"
    assert model_args.trust_remote_code is False and model_args.ignore_mismatched_sizes is False
    assert (model_args.config_name, model_args.tokenizer_name, model_args.cache_dir, model_args.token) == (
        None, None, None, None)
