"""Which pretrained encoder to fine-tune, and where its files come from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelArguments:
    _argument_group_name = "model"  # the heading of these flags in --help

    model_name_or_path: str = field(
        metadata={
            "help": "A Hub model id (e.g. klue/roberta-base) or a local directory with config, weights and tokenizer."
        }
    )
    config_name: str | None = field(
        default=None, metadata={"help": "A config name or path, if not the same as model_name_or_path."}
    )
    tokenizer_name: str | None = field(
        default=None, metadata={"help": "A tokenizer name or path, if not the same as model_name_or_path."}
    )
    cache_dir: str | None = field(
        default=None, metadata={"help": "Where to keep models and datasets downloaded from the Hub."}
    )
    model_revision: str = field(
        default="main",
        metadata={"help": "The model version: a branch name, tag or commit id.", "aliases": ["--revision"]},
    )
    token: str | None = field(
        default=None,
        metadata={"help": "A Hub token for private models and datasets (default: the one `hf auth login` saved)."},
    )
    ignore_mismatched_sizes: bool = field(
        default=False,
        metadata={
            "help": "Start from a checkpoint whose head has another shape (e.g. one fine-tuned on another task's "
            "labels): its layers that do not fit are initialised anew, the rest (the encoder) is kept."
        },
    )
    trust_remote_code: bool = field(
        default=False,
        metadata={"help": "Allow models whose code lives in their Hub repository. Only for repositories you trust."},
    )
