"""The contract between the runner and a task script.

A task script defines a :class:`Task`: its fields and hooks, in the order a run uses them (flags, labels
and model, features, outputs). ``Scored`` is what its scoring returns. ``runner.main(task)`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import datasets
import numpy as np
from transformers import (
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    default_data_collator,
)

import klue_data
from args import DataArguments, KlueTrainingArguments, ModelArguments
from metrics.tasks import TASKS as METRIC_TASKS
from trainers.loading import from_pretrained, refuse_last_position_summary


REQUIRED_HOOKS = ("preprocess", "decode", "references", "score")  # a task script must define these
IGNORED_LABEL = -100  # what a loss leaves out (PyTorch's cross-entropy ignore_index, as transformers pads labels)


class Task:
    """One KLUE task as the runner sees it. The defaults fit sequence classification.

    A task is, in the order a run first calls them: ``training_arguments_class`` (a
    ``KlueTrainingArguments`` subclass, where a task needs one) and ``argument_classes`` (its own flag
    dataclasses, given to ``use_options`` and read back with ``option``; a class's ``_run_settings``
    become ``training_settings``, which a resume must match), ``use_run_arguments`` (sees the model
    and data flags), ``config_overrides`` (labels, problem type; called before the tokenizer exists),
    ``label_names``, ``check_saved_model``, ``prepare_tokenizer`` (e.g. marker tokens; the runner then
    resizes the model's embeddings), ``check_options`` (validates the flags before any data is read),
    ``read_uncut_split`` and ``prepare_split`` (examples before tokenization), ``unlabelled`` (rows
    without gold, by ``label_column``) and ``scoring_problem``, ``preprocess`` (examples → features,
    batched), ``feature_warnings`` (what preprocessing lost, logged once), ``references`` (gold in the
    metric's unit), ``build_model`` (a custom head), ``data_collator``, ``loss_units`` (what the loss
    averages over, for gradient accumulation), ``reduce_logits`` (shrink one eval batch's outputs,
    seeing its inputs), ``decode`` (model outputs → one prediction per example, in the metric's
    unit), ``score`` (official metrics and breakdown, once per evaluation), ``prediction_record``
    (one line of predictions.jsonl: what the table's ``convert`` reads back) and
    ``write_extra_predictions``. ``contract_problems`` says, when the task is built, what a new
    script still lacks.
    Only ``name``, ``preprocess``, ``decode``, ``references`` and ``score`` have no default.
    """

    name: str = ""
    label_column: str = "label"  # the examples' gold field: what ``unlabelled`` reads and its errors name
    argument_classes: tuple[type, ...] = ()
    training_arguments_class: type[KlueTrainingArguments] = KlueTrainingArguments
    units: tuple[str, str] = ("examples", "model inputs")  # what the log calls examples and features
    # "arrow": ``preprocess`` gets each batch as a pyarrow Table and may return one (no Python
    # object per character or token; NER). None: a dict of Python lists.
    batch_format: str | None = None
    needs_fast_tokenizer: bool = False
    # ``--cuda_graphs auto`` takes the CUDA-graph path for this task (measured on an H200 to be
    # faster and to learn as well; bench/GPU_THROUGHPUT.md). Off for a task not measured.
    cuda_graphs_by_default: bool = False
    # ``--label_smoothing_factor``: who smooths the loss. ``"trainer"``: the Trainer's LabelSmoother,
    # which fits class logits and a ``labels`` column. ``"model"``: the task's model, given the factor
    # as ``label_smoothing`` before ``build_model`` (its loss reads ``labels`` the LabelSmoother would
    # take away). None: nothing to smooth (regression, or labels under other names that the Trainer's
    # smoother never sees), so the flag is refused rather than ignored.
    label_smoothing_by: str | None = "trainer"
    label_smoothing: float = 0.0
    # A test split with labels on some examples only: True, predicted and not scored (with a warning);
    # False, refused (``require_labels``).
    partly_labelled_test_is_unlabelled: bool = False
    # What reads as unlabelled where that is not plain (said after "N of M examples have no label")
    unlabelled_note: str = ""

    def __init__(self) -> None:
        problems = self.contract_problems()
        if problems:
            raise TypeError(f"{type(self).__name__} (task {self.name!r}): {'; '.join(problems)}")
        self.data = klue_data.get_task(self.name)
        self.options: dict[type, Any] = {}  # set by use_options from this run's flags
        self.trains = False  # set by the runner: this run trains (--do_train)

    def contract_problems(self) -> list[str]:
        """What a new task script still lacks, said when it is built rather than as a KeyError while the flags are
        read or a NotImplementedError once training is over (the first evaluation)."""
        problems = []
        if self.name not in klue_data.TASK_NAMES:
            problems.append("its name is not in klue_data.TASK_NAMES (the readers, klue_data/<name>.py)")
        row = METRIC_TASKS.get(self.name)
        if row is None:
            problems.append("it has no row in the table metrics/tasks.py TASKS")
        else:
            if row.max_seq_length is None:
                problems.append("its row in metrics/tasks.py gives no max_seq_length (the script's default)")
            if row.selection_key not in row.metric_keys:
                problems.append(f"its row's selection_key {row.selection_key!r} is not one of its metric_keys")
        problems += [f"it does not define {hook} (no default: trainers/task.py)" for hook in REQUIRED_HOOKS
                     if getattr(type(self), hook) is getattr(Task, hook)]
        return problems

    # --- flags ------------------------------------------------------------------------------
    def use_options(self, *options: Any) -> None:
        """This run's parsed flags of the task's ``argument_classes``, one instance of each."""
        given = {type(value): value for value in options}
        missing = [cls.__name__ for cls in self.argument_classes if cls not in given]
        if missing:
            raise TypeError(f"{type(self).__name__}.use_options: missing {', '.join(missing)}")
        self.options = given

    def option(self, cls: type) -> Any:
        """This run's flags of one of ``argument_classes`` (given to ``use_options``)."""
        return self.options[cls]

    def use_run_arguments(self, model_args: ModelArguments, data_args: DataArguments) -> None:
        """This run's model and data flags (the model being a finished run's output dir when training
        is skipped), for a task that reads more than the splits (WoS: an ontology beside the data
        files, or the slot list of an already trained model). Default: unused."""

    def check_options(self, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        """Reject task flags that cannot work with this tokenizer and length (``ArgumentsError``),
        before any data is read."""

    # --- labels and model -------------------------------------------------------------------
    def unlabelled(self, examples: datasets.Dataset) -> list[int]:
        """Rows of a prepared split without a gold label (allowed in the test split only; the runner refuses
        them elsewhere). Default: the rows whose ``label_column`` is None (as the readers leave a missing
        label), every row of a split without that column."""
        if self.label_column not in examples.column_names:
            return list(range(len(examples)))
        return [row for row, value in enumerate(examples[self.label_column]) if value is None]

    def training_settings(self) -> dict[str, Any]:
        """This run's values of the task flags that shape the model or its training examples (each task
        flags class's ``_run_settings``): part of ``run_folder.run_settings``, which a resume and a finished run's
        rerun must match."""
        return {name: getattr(options, name) for options in self.options.values()
                for name in getattr(options, "_run_settings", ())}

    def check_saved_model(self, config: PretrainedConfig, name: str) -> None:
        """Refuse (``ArgumentsError``) a model this suite saved for the task in a layout it no longer builds,
        whose weights would load as new, untrained ones with a warning only; before any data is read."""

    def scoring_problem(self, examples: datasets.Dataset) -> str | None:
        """Why a labelled split, to be scored, cannot be (its metric is undefined on it: STS's Pearson r of one
        pair), or None. Said when the data is read, not as the metric's error at the first evaluation."""
        return None

    @property
    def label_names(self) -> list[str] | None:
        return list(self.data.LABELS) if self.data.LABELS is not None else None

    def prepare_tokenizer(self, tokenizer: PreTrainedTokenizerBase) -> None:
        """Change the tokenizer before any text is tokenized (e.g. add special tokens). Tokens it
        adds get rows in the model's embedding matrix, and the tokenizer is saved with the model."""

    def config_overrides(self) -> dict[str, Any]:
        names = self.label_names
        if names is None:
            return {}
        return {
            "num_labels": len(names),
            "id2label": dict(enumerate(names)),
            "label2id": {name: index for index, name in enumerate(names)},
        }

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        refuse_last_position_summary(config, model_args.model_name_or_path)
        return from_pretrained(AutoModelForSequenceClassification, model_args, config=config)

    # --- features ---------------------------------------------------------------------------
    def read_uncut_split(self, examples: datasets.Dataset, split: str) -> None:
        """See each split this run uses as loaded, before ``--max_*_samples`` cuts it, for facts that must not
        depend on the cut (WoS without an ontology takes its slot list from the whole training split). Default:
        nothing."""

    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        """Examples of ``split`` ("train", "validation", "test") as the task wants them before
        tokenization (e.g. MRC repairs answer offsets). Default: unchanged."""
        return examples

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        raise NotImplementedError

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        """What preprocessing lost that a user should hear of once per split (e.g. text cut by
        truncation), as log lines; decoding stays silent."""
        return []

    def data_collator(self, tokenizer: PreTrainedTokenizerBase, pad_to_multiple_of: int | None) -> Callable:
        return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    def loss_units(self, batch: dict[str, Any]) -> Any | None:
        """How many items the model's loss averages over in one training batch (a tensor), so that batches
        accumulated with ``--gradient_accumulation_steps`` weigh as one big batch would: its tokens for a
        tagger, its examples for a classifier. Default: the ``labels`` not ignored (-100), which is both.
        A loss that adds several means gives one count per term (a 1-D tensor), and its model returns the
        terms as ``loss_terms`` in training (WoS). None: the Trainer's plain mean of the batches. Counted on
        the batch's device (no copy from the host: it would make each step wait for the GPU), and only when
        an update accumulates several batches."""
        labels = batch.get("labels")
        return None if labels is None else (labels != IGNORED_LABEL).sum()

    def fixed_length_collator(self) -> Callable:
        """The collator under ``--pad_to_max_length`` (features already padded by ``preprocess``)."""
        return default_data_collator

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        """One eval batch's model outputs → what evaluation keeps of them (e.g. the argmax per token).

        ``inputs`` is the batch the model saw (``input_ids``, ``attention_mask``, ...), always padded
        on the right. Whatever is kept must not depend on which examples share the batch (its
        padding length), or answers would change with ``--per_device_eval_batch_size``."""
        return logits

    # --- outputs ----------------------------------------------------------------------------
    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> Any:
        """Model outputs over ``features`` → one prediction per example, in the metric's unit."""
        raise NotImplementedError

    def references(self, examples: datasets.Dataset) -> Any | None:
        """Gold labels of ``examples`` in the metric's unit, or None for unlabelled data."""
        raise NotImplementedError

    def score(self, decoded: Any, references: Any, examples: datasets.Dataset) -> Scored:
        """The official metrics of the decoded predictions (keys without ``eval_``, plus any extra
        keys saved beside them, e.g. per entity type) and the breakdown for eval_breakdown.json
        (or None). Called once per evaluation: each metric is computed once."""
        raise NotImplementedError

    def prediction_record(self, example: dict[str, Any], prediction: Any) -> dict[str, Any]:
        """One line of predictions.jsonl. Default: the guid and the decoded prediction as it is, which must be
        what the table's ``convert`` reads back (``python -m metrics.score``): a label name, not probabilities."""
        return {"guid": example["guid"], "prediction": prediction}

    def write_extra_predictions(self, output_dir: Path, examples: datasets.Dataset, decoded: Any, split: str) -> None:
        """Task-specific prediction files beside predictions.jsonl (e.g. an n-best file)."""


class Scored(NamedTuple):
    scores: dict[str, float]
    breakdown: dict[str, Any] | None = None


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
