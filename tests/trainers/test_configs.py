"""Every shipped config parses into the run arguments of its task script."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import HfArgumentParser

from args import DataArguments, KlueTrainingArguments, ModelArguments

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.json"))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.stem)
def test_config_parses(config):
    import importlib

    module = importlib.import_module(f"trainers.run_{config.stem}")
    task = next(value() for name, value in vars(module).items()
                if name.endswith("Task") and value.__module__ == module.__name__)
    parser = HfArgumentParser((ModelArguments, DataArguments, KlueTrainingArguments, *task.argument_classes))
    model_args, _, training_args, *_ = parser.parse_json_file(str(config))
    assert model_args.model_name_or_path.startswith("klue/")
    assert training_args.do_train and training_args.do_eval


@pytest.mark.parametrize(("config", "max_length"), [("mrc.json", 510), ("bert-base/mrc.json", 512)])
def test_mrc_config_makes_the_official_windows(config, max_length):
    """KLUE-baseline: windows of 510 tokens for klue/roberta-* (512 for klue/bert-base) starting every 128
    context tokens (the original BERT conversion's doc_stride, a step), questions cut to 64 tokens, "max
    context" decoding."""
    from args import MrcArguments

    config = Path(__file__).resolve().parents[2] / "configs" / config
    parser = HfArgumentParser((ModelArguments, DataArguments, KlueTrainingArguments, MrcArguments))
    model_args, data_args, _, mrc_args = parser.parse_json_file(str(config))
    assert data_args.max_seq_length == max_length
    assert model_args.model_name_or_path == ("klue/bert-base" if "bert-base" in str(config) else "klue/roberta-base")
    assert (mrc_args.doc_stride, mrc_args.doc_stride_mode) == (128, "step")
    assert mrc_args.max_query_length == 64 and mrc_args.max_context_only
    assert (mrc_args.n_best_size, mrc_args.max_answer_length, mrc_args.null_score_diff_threshold) == (20, 30, 0.0)
