"""The stock TrainingArguments plus the flags KLUE runs need that transformers 5 dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

from transformers import TrainingArguments


@dataclass
class KlueTrainingArguments(TrainingArguments):
    # the heading of these flags in --help
    _argument_group_name = "training (the Hugging Face Trainer's flags; see transformers.TrainingArguments)"

    overwrite_output_dir: bool = field(
        default=False,
        metadata={
            "help": "Start training from scratch even if output_dir holds checkpoints "
            "(by default training resumes from the last one)."
        },
    )
