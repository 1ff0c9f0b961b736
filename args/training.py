"""The stock TrainingArguments plus the flags KLUE runs need that transformers 5 dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

from transformers import TrainingArguments
from transformers.trainer_utils import IntervalStrategy

from args.errors import ArgumentsError


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
    cuda_graphs: str = field(
        default="auto",
        metadata={
            "help": "The fast path on one CUDA GPU: batch lengths padded to multiples of 32 (--pad_to_multiple_of), "
            "the model compiled once per length and replayed as CUDA graphs (--torch_compile_mode reduce-overhead), "
            "no per-step NaN check of the loss. Measured 2.1-2.6x the eager loop on an H200 with the "
            "same NER learning curve (bench/GPU_THROUGHPUT.md). auto: on for the tasks it was measured on (NLI, "
            "NER) when one CUDA process trains; on: any task (needs CUDA); off: plain eager mode.",
            "choices": ["auto", "on", "off"],
        },
    )

    def __post_init__(self) -> None:
        # Values torch would refuse only after the data and the model are loaded, with a traceback
        for name in ("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps"):
            if getattr(self, name) < 1:
                raise ArgumentsError(f"--{name} {getattr(self, name)}: must be at least 1")
        if not self.learning_rate >= 0:  # NaN too
            raise ArgumentsError(f"--learning_rate {self.learning_rate:g}: must be a number, not negative")
        if self.do_train and self.max_steps <= 0 and not self.num_train_epochs > 0:
            raise ArgumentsError(f"--num_train_epochs {self.num_train_epochs:g}: nothing to train; give a positive "
                                 "number of epochs (or --max_steps), or drop --do_train")
        asked_to_evaluate = self.do_eval
        super().__post_init__()
        # The stock arguments turn --do_eval on whenever eval_strategy is not "no", as every config's "steps" is
        # (evaluation during training). A run that does not train would then need, and score, a validation split
        # nobody asked for: `configs/ynat.json --do_train false --do_eval false --do_predict` failed on it.
        if not self.do_train and not asked_to_evaluate:
            self.do_eval = False
            self.eval_strategy = IntervalStrategy.NO  # it schedules evaluation during training, and none runs
