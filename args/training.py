"""The stock TrainingArguments plus the flags KLUE runs need that transformers 5 dropped."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from transformers import TrainingArguments
from transformers.integrations import INTEGRATION_TO_CALLBACK, integration_utils
from transformers.trainer_utils import IntervalStrategy

from args.errors import ArgumentsError

# numpy's seed (set_seed seeds it too) takes 0 to 2**32 - 1 only
SEED_LIMIT = 2**32


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

    eval_do_concat_batches: bool = field(
        default=False,
        metadata={
            "help": "Join each evaluation batch's outputs onto all the earlier ones as they come (the Trainer's "
            "default, true), which copies them again every batch: quadratic in the split, 5 s of a WoS dev "
            "evaluation on CPU. false (default here): kept per batch and joined once before decoding (0.06 s); "
            "the same predictions either way."
        },
    )

    early_stopping_patience: int = field(
        default=0,
        metadata={
            "help": "Stop training after this many evaluations in a row without a better --metric_for_best_model "
            "(KLUE-baseline's --patience, whose default of 5 its run_all.sh leaves to STS, NLI and NER: their "
            "configs say 5). 0: train to the end."
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
        if isinstance(self.report_to, str) and "," in self.report_to:
            # the command line takes one value: several integrations as a comma-separated list
            self.report_to = [name.strip() for name in self.report_to.split(",")]
        self._check_values()
        for name, strategy in (("eval_steps", self.eval_strategy), ("save_steps", self.save_strategy),
                               ("logging_steps", self.logging_strategy)):
            value = getattr(self, name)
            # Checked as given: the Trainer turns a negative ratio into a negative interval (evaluating or saving at
            # other steps) and replaces --eval_steps 0 with --logging_steps
            if strategy == IntervalStrategy.STEPS and value is not None and not value > 0:
                raise ArgumentsError(f"--{name} {value:g}: must be a number of steps (1 or more) or, below 1, a "
                                     "share of the training steps above 0")
        asked_to_evaluate = self.do_eval
        super().__post_init__()
        # The stock arguments turn --do_eval on whenever eval_strategy is not "no", as every config's "steps" is
        # (evaluation during training). A run that does not train would then need, and score, a validation split
        # nobody asked for: `configs/ynat.json --do_train false --do_eval false --do_predict` failed on it.
        if not self.do_train and not asked_to_evaluate:
            self.do_eval = False
            self.eval_strategy = IntervalStrategy.NO  # it schedules evaluation during training, and none runs
        if self.early_stopping_patience < 0:
            raise ArgumentsError(f"--early_stopping_patience {self.early_stopping_patience}: must be 0 (off) or more")
        if self.early_stopping_patience and self.do_train and self.eval_strategy == IntervalStrategy.NO:
            raise ArgumentsError(f"--early_stopping_patience {self.early_stopping_patience} counts evaluations during "
                                 "training: pass --eval_strategy steps (with --eval_steps) or epoch, or 0")
        if not self.remove_unused_columns:
            # NER's offsets and MRC's windows would reach the collator (a traceback once the model is loaded)
            raise ArgumentsError("--remove_unused_columns false: the scripts keep columns for decoding beside the "
                                 "model's inputs, which the Trainer must leave out of the batches; leave the default")
        self._check_best_checkpoint_steps()
        if self.early_stopping_patience:
            # The count of evaluations without a better score is saved with each checkpoint, but the Trainer
            # restores it only when asked: a resumed run would count from 0 and train past where it stops.
            self.restore_callback_states_from_checkpoint = True

    def _check_best_checkpoint_steps(self) -> None:
        """The Trainer checks that --save_steps is a multiple of --eval_steps as given, then rounds each share of the
        training steps up on its own: 0.1 and 0.2 of 25 steps evaluate every 3 and save every 5, and the best
        evaluation (step 24) had no checkpoint; --load_best_model_at_end kept step 15's and reported it with step
        24's epoch."""
        if not (self.load_best_model_at_end and self.eval_strategy == self.save_strategy == IntervalStrategy.STEPS):
            return
        if (self.eval_steps < 1 or self.save_steps < 1) and self.eval_steps != self.save_steps:
            raise ArgumentsError(f"--eval_steps {self.eval_steps:g} and --save_steps {self.save_steps:g} with "
                                 "--load_best_model_at_end: as shares of the training steps (below 1) they are "
                                 "rounded up each on its own, and the best evaluation may have no checkpoint; give "
                                 "both the same share, or both as numbers of steps")

    def _check_values(self) -> None:
        """Values the Trainer, torch or numpy refuse (or turn into a NaN model) only once the data and the model
        are loaded: --learning_rate inf trained to NaN and exited 0, --seed -1 and --report_to foo were
        tracebacks."""
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            # no float flag of the Trainer means anything at inf or NaN; inf epochs or logging steps overflow
            # in int(), a NaN warmup in math.ceil, and an inf learning rate or decay makes the weights NaN
            if isinstance(value, float) and not math.isfinite(value):
                raise ArgumentsError(f"--{item.name} {value:g}: must be a finite number")
        for name in ("seed", "data_seed"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < SEED_LIMIT:
                raise ArgumentsError(f"--{name} {value}: must be between 0 and {SEED_LIMIT - 1} (2**32 - 1)")
        if self.dataloader_num_workers < 0:
            raise ArgumentsError(f"--dataloader_num_workers {self.dataloader_num_workers}: must be 0 (load in the "
                                 "main process) or more")
        for name in ("adam_beta1", "adam_beta2"):  # torch's optimizers refuse the others
            if not 0 <= getattr(self, name) < 1:
                raise ArgumentsError(f"--{name} {getattr(self, name):g}: must be at least 0 and below 1")
        for name in ("weight_decay", "adam_epsilon"):  # as torch's AdamW
            if getattr(self, name) < 0:
                raise ArgumentsError(f"--{name} {getattr(self, name):g}: must not be negative")
        if not 0 <= self.label_smoothing_factor <= 1:  # torch's cross entropy refuses the others
            raise ArgumentsError(f"--label_smoothing_factor {self.label_smoothing_factor:g}: must be at least 0 and "
                                 "at most 1")
        if self.warmup_steps < 0:
            raise ArgumentsError(f"--warmup_steps {self.warmup_steps:g}: must not be negative (below 1: a fraction "
                                 "of the training steps)")
        if self.length_column_name != "length":
            # The scripts build their datasets: none carries a column of another name, and the samplers of
            # group_by_length would measure len(input_ids) instead (an MCQA item's choice count)
            raise ArgumentsError(f"--length_column_name {self.length_column_name}: the suite writes each example's "
                                 "length (where it is not its input_ids') in the column 'length'; leave the default")
        if self.output_dir == "":
            # makedirs("") fails only after the data and the model are loaded
            raise ArgumentsError("--output_dir '': give the folder for this run's model, checkpoints, results and "
                                 "predictions")
        check_report_to(self.report_to)


def check_report_to(value: Any) -> None:
    """The Trainer checks --report_to only when it is built, after the model is loaded, with a traceback: check the
    value as given (a name, or a list of them from an arguments file) before anything runs."""
    names = value if isinstance(value, list) else [value]
    if value is None or names in (["none"], ["all"]):
        return
    # "none" and "all" stand alone; a list names integrations, as the Trainer's callbacks know them
    given = " ".join(map(str, names))
    if not all(isinstance(name, str) and name in INTEGRATION_TO_CALLBACK for name in names):
        raise ArgumentsError(f"--report_to {given}: expected none, all, or one or more (comma-separated) of "
                             f"{', '.join(INTEGRATION_TO_CALLBACK)}")
    # Its callback would refuse only once the model is loaded (and some then print an error on the way out)
    missing = [name for name in names if integration_installed(name) is False]
    if missing:
        raise ArgumentsError(f"--report_to {given}: {', '.join(missing)} is not installed here; pip install it, or "
                             "pick another")


# The transformers check of each integration, by --report_to name (azure_ml and flyte: the Trainer alone can tell)
_INSTALLED_CHECKS = {"comet_ml": "is_comet_available", "mlflow": "is_mlflow_available",
                     "neptune": "is_neptune_available", "tensorboard": "is_tensorboard_available",
                     "trackio": "is_trackio_available", "wandb": "is_wandb_available",
                     "codecarbon": "is_codecarbon_available", "clearml": "is_clearml_available",
                     "dagshub": "is_dagshub_available", "dvclive": "is_dvclive_available",
                     "swanlab": "is_swanlab_available", "kubeflow": "is_kubeflow_available"}


def integration_installed(name: str) -> bool | None:
    """Whether a --report_to integration's package is installed; None where this cannot tell. Only the one named
    is looked for (each check imports its package: wandb alone takes half a second)."""
    check = getattr(integration_utils, _INSTALLED_CHECKS.get(name, ""), None)
    return bool(check()) if callable(check) else None
