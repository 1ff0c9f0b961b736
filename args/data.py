"""Where the task's data comes from and how it is cut into model inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError


@dataclass
class DataArguments:
    _argument_group_name = "data"  # the heading of these flags in --help

    dataset_name: str = field(
        default="klue/klue",
        metadata={"help": "The Hub dataset to load when no local files are given."},
    )
    dataset_config_name: str | None = field(
        default=None, metadata={"help": "The Hub dataset config (default: the task's name, e.g. ynat)."}
    )
    data_dir: str | None = field(
        default=None,
        metadata={
            "help": "A folder with the original KLUE files, directly in it (DIR/klue-nli-v1.1_dev.json) or in "
            "the task's folder as the archives unpack (DIR/klue-nli-v1.1/klue-nli-v1.1_dev.json); v1 and v1.1 "
            "names, v1.1 wins; deeper files are not read, and two files for one split are an error. "
            "Takes precedence over the Hub."
        },
    )
    train_file: str | None = field(
        default=None,
        metadata={"help": "A training file: original KLUE format or JSON/JSON lines/CSV in the Hub schema."},
    )
    validation_file: str | None = field(
        default=None, metadata={"help": "An evaluation file (same formats as --train_file)."}
    )
    test_file: str | None = field(
        default=None,
        metadata={"help": "A file to predict (same formats; labels optional). Default: the validation split."},
    )
    max_seq_length: int | None = field(
        default=None,
        metadata={
            "help": "Longest input in tokens after tokenization; longer inputs are truncated "
            "(default: the task's, clamped to the tokenizer's model_max_length)."
        },
    )
    pad_to_max_length: bool = field(
        default=False,
        metadata={"help": "Pad every input to max_seq_length. Off by default: batches are padded dynamically."},
    )
    pad_to_multiple_of: int | None = field(
        default=None,
        metadata={
            "help": "Pad each batch's length up to a multiple of N (e.g. 32): a few distinct shapes, so "
            "--torch_compile compiles a few graphs and CUDA graphs replay (see the README's GPU section). "
            "Default: 8 with --fp16/--bf16 (tensor cores), 32 on the CUDA-graph path (--cuda_graphs), else none."
        },
    )
    max_train_samples: int | None = field(
        default=None,
        metadata={"help": "Keep only the first N training examples (quick runs, debugging). WoS: N dialogues."},
    )
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "Keep only the first N evaluation examples. WoS: N dialogues."}
    )
    max_predict_samples: int | None = field(
        default=None, metadata={"help": "Keep only the first N prediction examples. WoS: N dialogues."}
    )
    preprocessing_num_workers: int | None = field(
        default=None, metadata={"help": "Processes for tokenization (default: one)."}
    )
    overwrite_cache: bool = field(
        default=False, metadata={"help": "Taken for the Hugging Face example scripts' sake: no tokenized features "
                                 "are cached between runs here (the splits are read into memory, which datasets "
                                 "does not cache), so every run tokenizes them anew."}
    )

    def __post_init__(self) -> None:
        # 0 would read as "unset" (the task's default length) or select nothing: say so instead
        for name in ("max_seq_length", "pad_to_multiple_of", "max_train_samples", "max_eval_samples",
                     "max_predict_samples", "preprocessing_num_workers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ArgumentsError(f"--{name} must be >= 1, got {value}")
