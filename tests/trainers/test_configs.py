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
    task = next(value() for name, value in vars(module).items() if name.endswith("Task") and value.__module__ == module.__name__)
    parser = HfArgumentParser((ModelArguments, DataArguments, KlueTrainingArguments, *task.argument_classes))
    model_args, _, training_args, *_ = parser.parse_json_file(str(config))
    assert model_args.model_name_or_path.startswith("klue/")
    assert training_args.do_train and training_args.do_eval
