"""What every KLUE task script shares: arguments, data, model, Trainer, outputs.

A task script defines a :class:`Task` (its data module, preprocessing, decoding back to the
unit the official metric scores, prediction records) and calls :func:`main`. ``run`` reads top
to bottom like a Hugging Face example script: args, logging, seed, data, preprocessing, model,
Trainer, train / evaluate / predict, results. Everything that differs between tasks is a
method of ``Task``, so the eight scripts stay thin and this file stays the one place to read.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import datasets
import numpy as np
import pyarrow.compute as pc
import torch
import transformers
import yaml
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EvalPrediction,
    HfArgumentParser,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    default_data_collator,
    set_seed,
)
from transformers.trainer_utils import TrainOutput, get_last_checkpoint

import klue_data
from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from klue_data import KlueDataError, SourceUnavailableError
from klue_data.hub_access import prefer_offline_when_hub_unreachable
from metrics.tasks import metric_task
from models.label_rows import reorder_label_rows
from models.padding import padded_width
from klue_data.sources import find_original_files, load_hub, load_local
from trainers.outputs import save_results, write_json, write_jsonl

logger = logging.getLogger("klue")

EXIT_BAD_INPUT = 2


class Task:
    """One KLUE task as the runner sees it. The defaults fit sequence classification.

    A task is, in the order a run uses them: ``argument_classes`` (its own flag dataclasses, read
    back with ``option``; ``check_options`` validates them before any data is read;
    ``use_run_arguments`` sees the model and data flags) and
    ``training_arguments_class`` (a ``KlueTrainingArguments`` subclass, where a task needs one),
    ``prepare_tokenizer`` (e.g. marker tokens; the runner then resizes the model's embeddings),
    ``config_overrides`` (labels, problem type), ``build_model`` (a custom head), ``prepare_split``
    (examples before tokenization), ``preprocess`` (examples → features, batched),
    ``feature_warnings`` (what preprocessing lost, logged once), ``data_collator``,
    ``reduce_logits`` (shrink one eval batch's outputs, seeing its inputs),
    ``decode`` (model outputs → one prediction per example in the metric's unit), ``references``
    (gold in the same unit), ``score`` (official metrics and breakdown, once per evaluation),
    ``prediction_record`` (one line of predictions.jsonl) and ``write_extra_predictions``.
    Only ``name``, ``preprocess``, ``decode``, ``references`` and ``score`` have no default.
    """

    name: str = ""
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

    def __init__(self) -> None:
        self.data = klue_data.get_task(self.name)
        self.options: dict[type, Any] = {}  # set by use_options from this run's flags

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
        """Rows of a prepared split without a gold label (allowed in the test split only). Default:
        none, for tasks whose readers refuse unlabelled rows themselves."""
        return []

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
        return from_pretrained(AutoModelForSequenceClassification, model_args, config=config)

    # --- features ---------------------------------------------------------------------------
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
        return {"guid": example["guid"], "prediction": prediction}

    def write_extra_predictions(self, output_dir: Path, examples: datasets.Dataset, decoded: Any, split: str) -> None:
        """Task-specific prediction files beside predictions.jsonl (e.g. an n-best file)."""


class Scored(NamedTuple):
    scores: dict[str, float]
    breakdown: dict[str, Any] | None = None


class KlueTrainer(Trainer):
    """A Trainer that scores at the unit of the task (sentences, characters, answers).

    The Hugging Face Trainer only calls ``compute_metrics`` when the features carry labels, and
    gives it features, not examples. KLUE scores examples (an MRC question spans windows; NER
    scores characters), so each evaluated split gets a scorer built from its examples.
    """

    def __init__(
        self,
        *args: Any,
        scorers: dict[str, Callable[[EvalPrediction], dict]] | None = None,
        reduce_logits: Callable[[Any, dict[str, Any]], Any] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.scorers = dict(scorers or {})
        self.reduce_logits = reduce_logits
        self._eval_orders: dict[str, np.ndarray] = {}  # dataset fingerprint -> order its batches ran in

    def _determine_best_metric(self, metrics: dict[str, float], trial: Any) -> bool:
        """The stock selection, with a selection metric the evaluation did not report as one line, not a
        KeyError traceback: ``check_metric_for_best_model`` passes names with an official key as prefix
        (``entity_f1_PS``), whose extras only the evaluation itself knows."""
        name = self.args.metric_for_best_model
        if name is not None and (wanted := name if name.startswith("eval_") else f"eval_{name}") not in metrics:
            reported = [key.removeprefix("eval_") for key in metrics if isinstance(metrics[key], (int, float))]
            raise ArgumentsError(f"--metric_for_best_model {name}: the evaluation reported no {wanted}; "
                                 f"it reported {', '.join(reported)}")
        return super()._determine_best_metric(metrics, trial)

    def train(self, resume_from_checkpoint: str | bool | None = None, **kwargs: Any) -> TrainOutput:
        """The stock training; after a resume, ``train_loss`` is the mean over every step of the run
        (the Trainer's own covers only the steps of this call) and ``train_resumed_at_step`` says
        where this call started."""
        resuming = isinstance(resume_from_checkpoint, str)
        self._earlier_loss = read_loss_total(resume_from_checkpoint) if resuming else None
        output = super().train(resume_from_checkpoint=resume_from_checkpoint, **kwargs)
        resumed_at = int(getattr(self, "_initial_global_step", 0))
        if not resumed_at:
            return output
        logger.info("Resumed at global step %d; trained to step %d.", resumed_at, output.global_step)
        metrics = {**output.metrics, "train_resumed_at_step": resumed_at}
        if self._earlier_loss is not None:
            _, earlier_sum = self._earlier_loss
            steps_now = output.global_step - resumed_at
            metrics["train_loss"] = (earlier_sum + output.training_loss * steps_now) / max(output.global_step, 1)
        return TrainOutput(output.global_step, metrics["train_loss"], metrics)

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        super()._save_checkpoint(model, trial)
        if self.args.should_save:
            # The sum of the losses so far, so that a resumed run can report the mean of the whole run.
            earlier_steps, earlier_sum = getattr(self, "_earlier_loss", None) or (0, 0.0)
            loss_sum = earlier_sum + self._total_loss_scalar + float(self._tr_loss.item())
            checkpoint = Path(self._get_output_dir(trial)) / f"checkpoint-{self.state.global_step}"
            write_json(checkpoint / LOSS_TOTAL_FILE, {"global_step": self.state.global_step, "loss_sum": loss_sum})

    def prediction_step(
        self, model: Any, inputs: dict[str, Any], prediction_loss_only: bool, ignore_keys: list[str] | None = None
    ) -> tuple[Any, Any, Any]:
        """The stock step, then the task's per-batch reduction, which (unlike the Trainer's
        ``preprocess_logits_for_metrics``) sees the batch's inputs: a task can mask padding and
        other non-scorable positions before it keeps a top k."""
        graphs = uses_cuda_graphs(self.args)
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()
        loss, logits, labels = super().prediction_step(model, inputs, prediction_loss_only, ignore_keys=ignore_keys)
        if graphs:
            # The outputs live in the CUDA graph's memory, which the next batch's replay overwrites,
            # while the Trainer keeps every batch's outputs until the end of the evaluation.
            loss, logits = _clone_tensors(loss), _clone_tensors(logits)
        if logits is not None and self.reduce_logits is not None:
            logits = self.reduce_logits(logits, inputs)
        return loss, logits, labels

    def _get_eval_sampler(self, eval_dataset: Any) -> torch.utils.data.Sampler | None:
        """Sequential, or longest first under ``group_by_length``, in an order that is undone afterwards.

        Decoding maps outputs back to features by position. The stock Trainer evaluates in a
        random length-grouped order under ``--train_sampling_strategy group_by_length`` and
        returns the outputs in that order, which would pair predictions with the wrong examples.
        """
        if eval_dataset is None or not hasattr(eval_dataset, "__len__"):
            return None
        fingerprint = getattr(eval_dataset, "_fingerprint", None)
        column = self.args.length_column_name
        if (
            self.args.train_sampling_strategy != "group_by_length"
            or fingerprint is None
            or not ({column, "input_ids"} & set(getattr(eval_dataset, "column_names", ())))
        ):
            return torch.utils.data.SequentialSampler(eval_dataset)
        arrow = eval_dataset.with_format("arrow")  # lengths without a Python list per example
        if column in eval_dataset.column_names:
            lengths = arrow[column].to_numpy()
        else:
            lengths = pc.list_value_length(arrow["input_ids"]).to_numpy()
        order = np.argsort(-lengths, kind="stable")  # longest first: an out-of-memory shows at once
        self._eval_orders[fingerprint] = order
        return _FixedOrderSampler(order)

    def evaluation_loop(
        self,
        dataloader: Any,
        description: str,
        prediction_loss_only: bool | None = None,
        ignore_keys: list[str] | None = None,
        metric_key_prefix: str = "eval",
    ) -> Any:
        scorer = self.scorers.get(metric_key_prefix)
        if scorer is not None:
            prediction_loss_only = False
        output = super().evaluation_loop(dataloader, description, prediction_loss_only, ignore_keys, metric_key_prefix)
        if not self.args.eval_do_concat_batches:
            # Decoding reads one row per feature: join the per-batch outputs as the Trainer would.
            output = output._replace(
                predictions=concat_batches(output.predictions), label_ids=concat_batches(output.label_ids)
            )
        order = self._eval_orders.get(getattr(dataloader.dataset, "_fingerprint", None))
        if order is not None:
            restore = np.argsort(order)
            output = output._replace(
                predictions=_take_rows(output.predictions, restore), label_ids=_take_rows(output.label_ids, restore)
            )
        if scorer is not None and output.predictions is not None:
            scores = scorer(EvalPrediction(predictions=output.predictions, label_ids=output.label_ids))
            output.metrics.update({f"{metric_key_prefix}_{key}": float(value) for key, value in scores.items()})
        return output


def uses_cuda_graphs(args: TrainingArguments) -> bool:
    """Whether ``--torch_compile`` replays CUDA graphs (mode reduce-overhead / max-autotune, backend cudagraphs)."""
    return bool(args.torch_compile) and (
        args.torch_compile_mode in ("reduce-overhead", "max-autotune") or args.torch_compile_backend == "cudagraphs"
    )


def _clone_tensors(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, (tuple, list)):
        return type(value)(_clone_tensors(item) for item in value)
    if isinstance(value, dict):
        return {key: _clone_tensors(item) for key, item in value.items()}
    return value


LOSS_TOTAL_FILE = "klue_loss_total.json"


def read_loss_total(checkpoint: str | Path) -> tuple[int, float] | None:
    """``(global_step, sum of the step losses)`` saved with a checkpoint, or None (older checkpoints)."""
    path = Path(checkpoint) / LOSS_TOTAL_FILE
    if not path.is_file():
        logger.warning("%s has no %s: train_loss will cover only the steps after the resume.", checkpoint,
                       LOSS_TOTAL_FILE)
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return int(saved["global_step"]), float(saved["loss_sum"])


class _FixedOrderSampler(torch.utils.data.Sampler):
    def __init__(self, order: np.ndarray) -> None:
        self.order = order

    def __iter__(self) -> Iterator[int]:
        return iter(self.order.tolist())

    def __len__(self) -> int:
        return len(self.order)


def concat_batches(batches: Any, padding_index: int = -100) -> Any:
    """Per-batch outputs (``--eval_do_concat_batches false``: a list of arrays, or of tuples of
    arrays) as one array (or tuple) over all rows, shorter batches padded with ``padding_index``
    along the sequence axis as the Trainer pads them; anything else is returned as it is."""
    if not isinstance(batches, list) or not batches:
        return batches
    if isinstance(batches[0], (tuple, list)):
        return tuple(concat_batches([batch[i] for batch in batches], padding_index) for i in range(len(batches[0])))
    arrays = [np.asarray(batch) for batch in batches]
    if arrays[0].ndim < 2:
        return np.concatenate(arrays)
    width = max(array.shape[1] for array in arrays)
    padded = [
        np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2), constant_values=padding_index)
        for a in arrays
    ]
    return np.concatenate(padded)


def _take_rows(value: Any, rows: np.ndarray) -> Any:
    """``value[rows]`` for an array or a (nested) tuple / list of arrays; None stays None."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return type(value)(_take_rows(item, rows) for item in value)
    return np.asarray(value)[rows]


# --- the run, top to bottom -------------------------------------------------------------------


def main(task: Task, argv: Sequence[str] | None = None) -> int:
    """Entry point of every ``run_<task>.py``; bad input or flags end in one readable line, exit status 2."""
    try:
        run(task, argv)
    except (KlueDataError, SourceUnavailableError, ArgumentsError) as error:
        if not isinstance(error, ArgumentsError):  # flags can fail before logging is set up
            logger.error("%s", error)
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: the files already written are whole; run the same command again to go on from the last "
              "checkpoint in --output_dir", file=sys.stderr)
        # Die of SIGINT, not exit normally: a calling shell loop (run_all.sh) then stops too.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        raise
    return 0


def run(task: Task, argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    model_args, data_args, training_args, task_options = parse_arguments(task, argv)
    task.use_options(*task_options)
    setup_logging(training_args)
    if not training_args.do_predict and any(getattr(options, "predictions_csv", None) for options in task_options):
        logger.warning("--predictions_csv is written by --do_predict; this run does not predict, so writes no CSV.")
    training_args = use_cuda_graphs(task, data_args, training_args, torch.cuda.is_available())
    if finished_training(training_args, task):
        training_args.do_train = False
        model_args = dataclasses.replace(
            model_args, model_name_or_path=training_args.output_dir, config_name=None, tokenizer_name=None
        )
    resume_from = find_resume_checkpoint(training_args)
    set_seed(training_args.seed)
    task.use_run_arguments(model_args, data_args)

    tokenizer = load_tokenizer(model_args, fast_required=task.needs_fast_tokenizer)
    config = load_config(model_args, task)  # small files: a model or flag problem shows before the data loads
    check_resume_matches(resume_from, task)
    check_trained_for(config, model_args, task, training=training_args.do_train)
    saved_labels = saved_label_order(model_args, task, training=training_args.do_train)
    if getattr(config, "type_vocab_size", 2) < 2:
        emit_no_token_type_ids(tokenizer)
    task.prepare_tokenizer(tokenizer)
    max_length = resolve_max_length(data_args, tokenizer, task)
    check_pad_to_multiple_of(data_args, tokenizer, max_length)
    compile_per_length_bucket(data_args, training_args, max_length)
    task.check_options(tokenizer, max_length)

    raw = load_raw_splits(task, data_args, training_args, cache_dir=model_args.cache_dir)
    raw = datasets.DatasetDict({split: task.prepare_split(examples, split) for split, examples in raw.items()})
    require_labels(task, raw, data_args, training_args)
    features = {
        split: tokenize_split(task, examples, tokenizer, max_length, data_args, training_args, split)
        for split, examples in raw.items()
    }

    scorers = {
        prefix: SplitScorer(task, raw[split], features[split])
        for prefix, split in (("eval", "validation"), ("predict", "test"))
        if split in raw
    }
    if task.label_smoothing_by == "model":
        task.label_smoothing = training_args.label_smoothing_factor
    model = task.build_model(model_args, config)
    setattr(model.config, TASK_CONFIG_KEY, task.name)  # saved with it: a later run can tell its task
    if saved_labels is not None:
        use_task_label_order(model, saved_labels, task)
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:  # tokens added by the task or the user
        model.resize_token_embeddings(len(tokenizer))
    # KLUE heads return their loss as a batch mean and ignore ``num_items_in_batch``. Left to its
    # default (any forward taking **kwargs), the Trainer would multiply that mean by the number of
    # processes (eval_loss x N under torchrun) and skip dividing it over gradient accumulation steps.
    model.accepts_loss_kwargs = False

    trainer = KlueTrainer(
        model=model,
        args=training_args,
        train_dataset=features.get("train"),
        eval_dataset=features.get("validation"),
        processing_class=tokenizer,
        data_collator=task.fixed_length_collator()
        if data_args.pad_to_max_length
        else task.data_collator(tokenizer, pad_multiple(data_args, training_args)),
        reduce_logits=lambda logits, inputs: task.reduce_logits(logits, inputs, tokenizer),
        scorers={prefix: scorer for prefix, scorer in scorers.items() if scorer.references is not None},
    )
    if task.label_smoothing_by == "model":
        trainer.label_smoother = None  # the model smooths its own loss, and keeps the labels it reads

    results: dict[str, dict[str, float]] = {}
    output_dir = Path(training_args.output_dir)
    if training_args.do_train:
        if trainer.is_world_process_zero():
            # Results of an earlier model in this folder (--overwrite_output_dir) must not be merged into
            # this run's all_results.json nor be left beside it as if they were this model's.
            for name in STALE_RESULT_FILES:
                (output_dir / name).unlink(missing_ok=True)
        train_result = trainer.train(resume_from_checkpoint=resume_from)
        trainer.save_model()
        train_metrics = dict(train_result.metrics, train_samples=len(features["train"]))
        trainer.log_metrics("train", train_metrics)
        save_results(output_dir, "train", train_metrics)
        save_trainer_state(trainer, output_dir)
        results["train"] = train_metrics

    if training_args.do_eval:
        logger.info("*** Evaluate ***")
        results["eval"] = evaluate_split(trainer, scorers["eval"], output_dir)

    if training_args.do_predict:
        logger.info("*** Predict ***")
        results["predict"] = predict_split(trainer, scorers["predict"], output_dir)

    return results


STALE_RESULT_FILES = ("all_results.json", "eval_results.json", "predict_results.json", "eval_breakdown.json",
                      "eval_predictions.jsonl", "predictions.jsonl", "nbest_predictions.jsonl", "predictions.tsv",
                      "predictions.csv")


# --- the steps --------------------------------------------------------------------------------


ARGUMENT_FILE_SUFFIXES = (".json", ".yaml", ".yml")


class ArgumentParser(HfArgumentParser):
    """``HfArgumentParser`` whose errors are one line (``ArgumentsError``), not the whole usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentsError(f"{message} (python {self.prog} --help lists the flags)")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each flag's help, and the script's description as it is written."""


def build_parser(task: Task) -> ArgumentParser:
    """The script's flags: its own first, then model, data, and the Trainer's, each under a heading."""
    script = f"trainers/run_{task.name}.py"
    description = (sys.modules[type(task).__module__].__doc__ or "").strip()
    return ArgumentParser(
        (*task.argument_classes, ModelArguments, DataArguments, task.training_arguments_class),
        prog=script,
        usage=f"python {script} [ARGS.json|ARGS.yaml] --model_name_or_path MODEL --output_dir DIR [flags]",
        description=description,
        epilog="A .json or .yaml file given first supplies flags by name; flags after it win.",
        formatter_class=_HelpFormatter,
    )


def parse_arguments(
    task: Task, argv: Sequence[str] | None
) -> tuple[ModelArguments, DataArguments, KlueTrainingArguments, list[Any]]:
    """Flags, optionally after a .json / .yaml / .yml file of flags (``configs/ner.json --learning_rate 3e-5``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(task)
    # --load_best_model_at_end keeps the checkpoint best by the task's selection metric (the table's),
    # not by eval loss; a file or flag may still name another.
    parser.set_defaults(metric_for_best_model=metric_task(task.name).selection_key)
    from_file: dict[str, Any] = {}
    if argv and argv[0].endswith(ARGUMENT_FILE_SUFFIXES) and not argv[0].startswith("-"):
        from_file = use_file_as_defaults(parser, Path(argv[0]))
        argv = argv[1:]
    try:
        *parsed, unknown = parser.parse_args_into_dataclasses(
            args=argv, look_for_args_file=False, return_remaining_strings=True
        )
    except ValueError as error:  # flag combinations TrainingArguments rejects
        lines = [line.strip().removeprefix("- ") for line in str(error).strip().splitlines() if line.strip()]
        raise ArgumentsError("; ".join(lines)) from error
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if "output_dir" not in from_file and not any(a == "--output_dir" or a.startswith("--output_dir=") for a in argv):
        # The Trainer's default folder (./trainer_output) would be shared by every task run without it.
        parser.error("--output_dir is required: the folder for this run's model, checkpoints, results and predictions")
    *task_options, model_args, data_args, training_args = parsed
    check_metric_for_best_model(task, training_args)
    if training_args.label_smoothing_factor and task.label_smoothing_by is None:
        raise ArgumentsError(f"--label_smoothing_factor {training_args.label_smoothing_factor:g}: {task.name} has no "
                             "class labels to smooth (a score, or labels its own loss reads); leave it at 0")
    return model_args, data_args, training_args, task_options


def check_metric_for_best_model(task: Task, training_args: KlueTrainingArguments) -> None:
    """A selection metric the task never reports fails at the first evaluation, after training steps,
    with a KeyError traceback: say so in one line before anything runs."""
    name = training_args.metric_for_best_model
    if name is None or not (training_args.load_best_model_at_end or training_args.save_strategy == "best"):
        return
    keys = metric_task(task.name).metric_keys
    base = name.removeprefix("eval_")
    known = ("loss", *keys)
    # extras beside the official keys carry their key as a prefix (entity_f1_PS, uas_acc, exact_match_<type>)
    if base not in known and not any(base.startswith(f"{key}_") for key in keys):
        raise ArgumentsError(
            f"--metric_for_best_model {name}: {task.name} evaluation reports {', '.join(known)} (eval_ prefix optional)"
        )


def use_file_as_defaults(parser: ArgumentParser, path: Path) -> dict[str, Any]:
    """The file's values become the parser's defaults (so later flags win); unknown keys are an error.
    Returns the values."""
    path = path.resolve()
    if not path.is_file():
        raise ArgumentsError(f"{path}: no such arguments file")
    text = path.read_text(encoding="utf-8")
    try:
        values = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ArgumentsError(f"{path}: not valid {path.suffix[1:].upper()}: {str(error).splitlines()[0]}") from error
    if not isinstance(values, dict):
        raise ArgumentsError(f"{path}: expected a mapping of flag names to values, got {type(values).__name__}")
    actions = {action.dest: action for action in parser._actions}
    unknown = sorted(key for key in values if key not in actions or key == "help")
    if unknown:
        raise ArgumentsError(
            f"{path}: unknown flag names {', '.join(unknown)} (python {parser.prog} --help lists them)"
        )
    for key, value in values.items():
        action = actions[key]
        action.required = False
        # argparse types string defaults only: a number or list from the file is checked here, so a
        # wrong type ends in one line instead of a traceback deep in the run.
        if value is None or isinstance(value, (str, dict)) or action.type is None:
            continue
        if isinstance(value, list):
            if action.nargs in (None, "?") and action.type in (int, float):
                raise ArgumentsError(f"{path}: {key}: expected one value, got the list {value!r}")
            continue
        if isinstance(value, float) and action.type is int:
            raise ArgumentsError(f"{path}: {key}: expected a whole number, got {value!r}")
        try:
            values[key] = action.type(str(value))
        except (TypeError, ValueError) as error:
            raise ArgumentsError(f"{path}: {key}: {error}") from None
    parser.set_defaults(**values)
    return values


def setup_logging(training_args: KlueTrainingArguments) -> None:
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
        force=True,
    )
    level = training_args.get_process_log_level()
    # Our own progress lines (what was loaded, resumed, written) show on the main process by default.
    own_level = min(level, logging.INFO) if training_args.should_log else level
    logger.setLevel(own_level)
    logging.getLogger("klue_data").setLevel(own_level)
    datasets.utils.logging.set_verbosity(level)
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.enable_default_handler()
    transformers.utils.logging.enable_explicit_format()


def finished_training(training_args: KlueTrainingArguments, task: Task) -> bool:
    """Whether ``--do_train`` would repeat a run that already finished in ``output_dir`` (its
    train_results.json is written last). Resuming it would train 0 steps and overwrite its results.
    A finished run of another task there is an error: its model is not this task's."""
    output_dir = Path(training_args.output_dir)
    if not training_args.do_train or training_args.overwrite_output_dir:
        return False
    if not (output_dir / "train_results.json").is_file() or not (output_dir / "config.json").is_file():
        return False
    other = other_task_run(output_dir, task)
    if other is not None:
        raise ArgumentsError(f"{output_dir} holds the finished training of {other}, not a {task.name} run: pass "
                             "another --output_dir, or --overwrite_output_dir to replace it")
    logger.warning(
        "%s holds a finished training run: training is skipped, its results stay, and the model saved there "
        "is used (pass --overwrite_output_dir to train again).",
        output_dir,
    )
    return True


def label_list(id2label: dict[Any, Any] | None) -> list[str]:
    """A config's ``id2label`` (ids as ints, or as strings from JSON) as label names in id order."""
    id2label = id2label or {}
    return [str(id2label[key]) for key in sorted(id2label, key=int)]


TASK_CONFIG_KEY = "klue_task"  # config.json of a model this runner trained: the task it was trained for


def saved_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` a model saved in the local ``folder`` holds, or {} (none there, or a Hub id)."""
    path = Path(folder) / "config.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def other_task_run(folder: str | Path, task: Task) -> str | None:
    """What a model saved in ``folder`` was trained for when that is not ``task`` (``"a re run"``, or
    ``"a run with other labels (...)"`` for a model saved without the task's name), else None."""
    saved = saved_config(folder)
    if not saved:
        return None
    if saved.get(TASK_CONFIG_KEY) is not None:
        return None if saved[TASK_CONFIG_KEY] == task.name else f"a {saved[TASK_CONFIG_KEY]} run"
    wanted = task.config_overrides().get("id2label")
    theirs = label_list(saved.get("id2label"))
    if wanted is None or theirs == label_list(wanted):
        return None
    return f"a run with other labels ({', '.join(theirs[:4]) or 'none'}, ...)"


def check_trained_for(config: PretrainedConfig, model_args: ModelArguments, task: Task, training: bool) -> None:
    """A model this suite fine-tuned for another task has no trained head for this one: evaluating it would
    score an untrained head without a word (an MRC head on an NLI model). Training from it is transfer."""
    trained_for = getattr(config, TASK_CONFIG_KEY, None)
    if training or trained_for is None or trained_for == task.name:
        return
    raise ArgumentsError(f"{model_args.model_name_or_path} was fine-tuned for {trained_for}, not {task.name}: its "
                         f"{task.name} head was never trained; pass a {task.name} model, or train one from it "
                         "(--do_train)")


def check_resume_matches(checkpoint: str | None, task: Task) -> None:
    """A checkpoint left in ``output_dir`` by a run of another task cannot be resumed: say so in one
    line instead of a state-dict size mismatch deep in the Trainer."""
    other = other_task_run(checkpoint, task) if checkpoint else None
    if other is not None:
        raise ArgumentsError(
            f"{checkpoint} was saved by {other}, not a {task.name} run: pass another --output_dir, or "
            "--overwrite_output_dir to start over"
        )


def find_resume_checkpoint(training_args: KlueTrainingArguments) -> str | None:
    """``--resume_from_checkpoint``, else the last checkpoint in a non-empty ``output_dir``."""
    if training_args.resume_from_checkpoint:
        if training_args.do_train and not Path(training_args.resume_from_checkpoint).is_dir():
            raise ArgumentsError(
                f"--resume_from_checkpoint {training_args.resume_from_checkpoint}: no such checkpoint folder "
                f"(expected e.g. {Path(training_args.output_dir) / 'checkpoint-500'})"
            )
        return training_args.resume_from_checkpoint
    output_dir = Path(training_args.output_dir)
    if not training_args.do_train or training_args.overwrite_output_dir or not output_dir.is_dir():
        return None
    last_checkpoint = get_last_checkpoint(str(output_dir))
    if last_checkpoint is not None:
        logger.info("Resuming training from %s (pass --overwrite_output_dir to start over).", last_checkpoint)
    return last_checkpoint


def local_split_files(task: Task, data_args: DataArguments | None) -> dict[str, Path]:
    """The local file each split is read from, as ``load_raw_splits`` picks it (none for the Hub)."""
    if data_args is None:
        return {}
    explicit = {"train": data_args.train_file, "validation": data_args.validation_file, "test": data_args.test_file}
    files: dict[str, Any] = {}
    if data_args.data_dir:
        sources_logger = logging.getLogger("klue_data.sources")
        level = sources_logger.level
        sources_logger.setLevel(logging.WARNING)  # load_raw_splits already logged where each split came from
        try:
            files.update(find_original_files(task.data, data_args.data_dir))
        finally:
            sources_logger.setLevel(level)
    files.update({split: path for split, path in explicit.items() if path})
    return {split: Path(path) for split, path in files.items()}


def require_labels(
    task: Task, raw: datasets.DatasetDict, data_args: DataArguments, training_args: KlueTrainingArguments
) -> None:
    """Training and evaluation need a gold label on every example: without one a training batch has
    no loss and an evaluation no score. Only the test split may leave labels out."""
    used = {"train": training_args.do_train, "validation": training_args.do_eval}
    for split, is_used in used.items():
        if not is_used or split not in raw:
            continue
        missing = task.unlabelled(raw[split])
        if missing:
            first = missing[0]
            guid = raw[split]["guid"][first] if "guid" in raw[split].column_names else None
            source = local_split_files(task, data_args).get(split) or data_args.dataset_name
            raise KlueDataError(
                source,
                f"{split}: {len(missing)} of {len(raw[split])} examples have no label; training and evaluation "
                "need one on every example (only the --test_file may leave labels out)",
                record=first, guid=guid, field=getattr(task, "label_column", "label"),
            )


def load_raw_splits(
    task: Task, data_args: DataArguments, training_args: KlueTrainingArguments, cache_dir: str | None = None
) -> datasets.DatasetDict:
    """The splits this run needs, in the Hub schema, cut to ``max_*_samples``.

    Local files win over the Hub. ``--do_predict`` without a test file predicts the
    validation split (the KLUE test labels are not public).
    """
    explicit = {"train": data_args.train_file, "validation": data_args.validation_file, "test": data_args.test_file}
    if data_args.data_dir or any(explicit.values()):
        files = find_original_files(task.data, data_args.data_dir) if data_args.data_dir else {}
        files.update({split: path for split, path in explicit.items() if path})
        # Only the splits this run uses are read: a bad train file must not stop an evaluation.
        used = {"train": training_args.do_train, "test": training_args.do_predict,
                "validation": training_args.do_eval or (training_args.do_predict and "test" not in files)}
        raw = load_local(task.data, {split: path for split, path in files.items() if used[split]})
    elif getattr(task.data, "HUB_DATASET", "") is None:  # a task with no Hub dataset (MCQA)
        raise KlueDataError(
            None, f"{task.name} has no Hub dataset; pass --train_file/--validation_file/--test_file or --data_dir"
        )
    else:
        raw = load_hub(task.data, data_args.dataset_name, data_args.dataset_config_name, cache_dir=cache_dir)
    if training_args.do_predict and "test" not in raw and "validation" in raw:
        logger.warning("No test file given: --do_predict predicts the validation split (pass --test_file to change).")
        raw["test"] = raw["validation"]

    needed = {"train": training_args.do_train, "validation": training_args.do_eval, "test": training_args.do_predict}
    flags = {"train": "--train_file", "validation": "--validation_file", "test": "--test_file"}
    for split, is_needed in needed.items():
        if is_needed and split not in raw:
            raise KlueDataError(
                data_args.data_dir or None, f"no {split} split found; pass {flags[split]} (or --data_dir)"
            )
    limits = {
        "train": data_args.max_train_samples,
        "validation": data_args.max_eval_samples,
        "test": data_args.max_predict_samples,
    }
    selected = datasets.DatasetDict()
    for split, is_needed in needed.items():
        if is_needed:
            dataset = raw[split]
            if limits[split] is not None:
                dataset = dataset.select(range(min(limits[split], len(dataset))))
            selected[split] = dataset
    logger.info("Examples: %s", ", ".join(f"{split} {len(data)}" for split, data in selected.items()))
    return selected


def from_pretrained(loader: Any, model_args: ModelArguments, name: str | None = None, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` with the Hub flags, and one readable line when it cannot reach the Hub."""
    name = name or model_args.model_name_or_path
    if not Path(name).exists():
        prefer_offline_when_hub_unreachable()  # seconds, not a minute of retries, without a network
    loads_weights = hasattr(loader, "from_config") or (isinstance(loader, type) and issubclass(loader, PreTrainedModel))
    if loads_weights:
        kwargs.setdefault("ignore_mismatched_sizes", model_args.ignore_mismatched_sizes)
    try:
        return loader.from_pretrained(
            name,
            cache_dir=model_args.cache_dir,
            revision=model_args.model_revision,
            token=model_args.token,
            trust_remote_code=model_args.trust_remote_code,
            **kwargs,
        )
    except RuntimeError as error:
        if not loads_weights or "ignore_mismatched_sizes" not in str(error):
            raise
        raise ArgumentsError(
            f"{name}: some of its saved layers have other shapes than this model's (the MISMATCH lines above; e.g. a "
            "head for another number of labels); pass --ignore_mismatched_sizes to initialise those layers anew"
        ) from error
    except OSError as error:
        local = Path(name).exists()
        hint = (
            f"{name!r} is a local path but does not hold what {loader.__name__} needs"
            if local
            else f"{name!r} is not a local directory, and neither the Hugging Face Hub nor the local cache has it; "
            "download it once with network access (then HF_HUB_OFFLINE=1 loads it from the cache) or pass "
            "--model_name_or_path LOCAL_DIR"
        )
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceUnavailableError(
            f"Could not load {loader.__name__} from {name!r}: {hint}. ({reason[:200]})"
        ) from error


def load_tokenizer(model_args: ModelArguments, fast_required: bool = False) -> PreTrainedTokenizerBase:
    tokenizer = from_pretrained(AutoTokenizer, model_args, model_args.tokenizer_name)
    if tokenizer.padding_side != "right":
        # Encoders read [CLS] at position 0 and decoding maps outputs to tokens by position: a
        # tokenizer shipped with left padding would shift both. Saved with the model as "right".
        logger.info("Padding on the right (the tokenizer was set to pad on the %s).", tokenizer.padding_side)
        tokenizer.padding_side = "right"
    if fast_required and not tokenizer.is_fast:
        raise SourceUnavailableError(
            f"{type(tokenizer).__name__} is not a fast tokenizer; this task needs character offsets, "
            "which only fast (Rust) tokenizers give. Pick a model that ships tokenizer.json."
        )
    return tokenizer


def load_config(model_args: ModelArguments, task: Task) -> PretrainedConfig:
    return from_pretrained(
        AutoConfig, model_args, model_args.config_name, finetuning_task=task.name, **task.config_overrides()
    )


GENERIC_LABEL = re.compile(r"LABEL_\d+")  # what a config without label names holds


def saved_label_order(model_args: ModelArguments, task: Task, training: bool) -> list[str] | None:
    """The checkpoint's label names when they are the task's in another order (e.g. a model fine-tuned
    on the Hub's ``klue/ynat``, whose ClassLabel order is not the official one), else None.

    ``load_config`` gives the model the task's order, so such a head's rows must be moved to it after
    loading; otherwise every prediction would carry another label's name. A head trained on other
    labels cannot be evaluated as this task's (one line), only trained further (a warning)."""
    names = task.label_names
    if names is None:
        return None
    saved = from_pretrained(AutoConfig, model_args, model_args.config_name)
    saved_names = label_list(getattr(saved, "id2label", None))
    if saved_names == list(names) or all(GENERIC_LABEL.fullmatch(name) for name in saved_names):
        return None
    if sorted(saved_names) == sorted(names):
        return saved_names
    message = (
        f"{model_args.config_name or model_args.model_name_or_path}: its head was trained on other labels "
        f"({', '.join(saved_names[:4])}, ...) than {task.name}'s ({', '.join(names[:4])}, ...)"
    )
    if not training:
        raise ArgumentsError(message + "; its predictions would carry wrong label names")
    if len(saved_names) == len(names):
        logger.warning("%s; training goes on from that head, its rows now named in %s's order.", message, task.name)
    elif model_args.ignore_mismatched_sizes:
        logger.warning("%s; a new head of %d labels is trained on its encoder (--ignore_mismatched_sizes).", message,
                       len(names))
    else:
        raise ArgumentsError(f"{message}; pass --ignore_mismatched_sizes to train a new head of {len(names)} labels "
                             "on its encoder")
    return None


def use_task_label_order(model: PreTrainedModel, saved_names: Sequence[str], task: Task) -> None:
    """Reorder a checkpoint head's rows from ``saved_names`` to the task's order (``saved_label_order``)."""
    names = list(task.label_names or [])
    if reorder_label_rows(model, saved_names, names) == 0:
        raise ArgumentsError(
            f"its head's labels are in another order ({', '.join(saved_names[:3])}, ...) than {task.name}'s "
            f"({', '.join(names[:3])}, ...), and no output layer with {len(names)} rows was found to reorder"
        )
    logger.warning(
        "The checkpoint's labels are in another order (%s, ...) than %s's official one (%s, ...): its head's "
        "rows were reordered, so predictions keep their meaning and the saved model uses the official order.",
        ", ".join(saved_names[:3]), task.name, ", ".join(names[:3]),
    )


def emit_no_token_type_ids(tokenizer: PreTrainedTokenizerBase) -> None:
    """A tokenizer that no longer emits ``token_type_ids``, also once saved with the model.

    ``klue/roberta-*`` ship a BERT tokenizer that emits token type ids while the model has a single
    token type (``type_vocab_size`` 1): a second-segment id 1 would index past its table, in
    training and in ``pipeline()`` on the saved output dir alike."""
    names = [name for name in tokenizer.model_input_names if name != "token_type_ids"]
    tokenizer.model_input_names = names
    tokenizer.init_kwargs["model_input_names"] = names  # what save_pretrained writes


def resolve_max_length(data_args: DataArguments, tokenizer: PreTrainedTokenizerBase, task: Task) -> int:
    requested = data_args.max_seq_length or metric_task(task.name).max_seq_length
    if requested > tokenizer.model_max_length:
        logger.warning(
            "max_seq_length %d is longer than the tokenizer's model_max_length %d; using %d.",
            requested,
            tokenizer.model_max_length,
            tokenizer.model_max_length,
        )
        return int(tokenizer.model_max_length)
    return requested


CUDA_GRAPHS_PAD_MULTIPLE = 32


def use_cuda_graphs(
    task: Task, data_args: DataArguments, training_args: KlueTrainingArguments, cuda_available: bool
) -> KlueTrainingArguments:
    """``--cuda_graphs``: the training arguments of the fast path, or the given ones unchanged.

    At KLUE's batch sizes a base encoder on a modern GPU waits on kernel launches and host work,
    not arithmetic. Replaying CUDA graphs removes the launches; padding lengths to multiples of 32
    keeps the shapes (graphs) few; dropping the Trainer's per-step NaN check of the loss removes the
    one host sync per step that would keep the host from running ahead. ``auto`` takes this path
    only where it was measured to be faster and to learn as well, and where it cannot surprise: one
    CUDA process training a task marked ``cuda_graphs_by_default``, no ``--torch_compile`` of the
    user's own. The Trainer then also turns on TF32 matmuls, as for any ``--torch_compile``."""
    choice = training_args.cuda_graphs
    if choice == "off":
        return training_args
    on_gpu = cuda_available and not training_args.use_cpu
    if choice == "on" and not on_gpu:
        raise ArgumentsError("--cuda_graphs on: needs a CUDA GPU, and this run has none (use auto or off)")
    if choice == "auto" and not (
        on_gpu and training_args.do_train and training_args.world_size == 1 and task.cuda_graphs_by_default
        and not training_args.torch_compile
    ):
        return training_args
    if data_args.pad_to_multiple_of is None and not data_args.pad_to_max_length:
        data_args.pad_to_multiple_of = CUDA_GRAPHS_PAD_MULTIPLE
    logger.info("CUDA graphs on (--cuda_graphs %s): lengths padded to multiples of %s, torch.compile mode "
                "reduce-overhead, no per-step NaN check of the loss.", choice, data_args.pad_to_multiple_of)
    return dataclasses.replace(training_args, torch_compile=True, torch_compile_mode="reduce-overhead",
                               logging_nan_inf_filter=False)


def check_pad_to_multiple_of(data_args: DataArguments, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
    """A padding multiple must not round the longest batch past the positions the model has."""
    multiple = data_args.pad_to_multiple_of
    if multiple is None:
        return
    rounded = padded_width(max_length, multiple)
    if rounded > tokenizer.model_max_length:
        raise ArgumentsError(
            f"--pad_to_multiple_of {multiple}: a batch of max_seq_length {max_length} tokens would be padded to "
            f"{rounded}, past the model's {tokenizer.model_max_length} positions; choose a multiple that divides "
            f"{max_length} or lower --max_seq_length to {max_length - max_length % multiple}"
        )


def compile_per_length_bucket(data_args: DataArguments, training_args: KlueTrainingArguments, max_length: int) -> None:
    """Under ``--torch_compile`` with ``--pad_to_multiple_of``: one static graph per length bucket.

    Left to its default, dynamo turns to a dynamic-shape graph at the second length it sees, which
    CUDA graphs (``--torch_compile_mode reduce-overhead``, backend ``cudagraphs``) cannot replay
    with other shapes. With batches padded to multiples there are few lengths: compile each once."""
    if not (training_args.torch_compile and data_args.pad_to_multiple_of):
        return
    import torch._dynamo

    buckets = padded_width(max_length, data_args.pad_to_multiple_of) // data_args.pad_to_multiple_of
    torch._dynamo.config.automatic_dynamic_shapes = False
    # train and eval graphs per bucket, and a margin for a last, smaller batch
    limit = 2 * buckets + 8
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, limit)
    torch._dynamo.config.accumulated_recompile_limit = max(torch._dynamo.config.accumulated_recompile_limit,
                                                           4 * limit)


def pad_multiple(data_args: DataArguments, training_args: KlueTrainingArguments) -> int | None:
    """``--pad_to_multiple_of``, else 8 under fp16/bf16 (tensor-core friendly shapes), else None."""
    if data_args.pad_to_multiple_of is not None:
        return data_args.pad_to_multiple_of
    return 8 if training_args.fp16 or training_args.bf16 else None


def tokenize_split(
    task: Task,
    examples: datasets.Dataset,
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    data_args: DataArguments,
    training_args: KlueTrainingArguments | None,
    split: str,
) -> datasets.Dataset:
    """Batched task preprocessing, cached by ``datasets``. Under several processes the main one
    tokenizes first (``training_args``; None: one process, as in the benchmarks)."""
    padding = "max_length" if data_args.pad_to_max_length else False
    source = examples.with_format(task.batch_format) if task.batch_format else examples
    first = training_args.main_process_first(desc=f"{split} tokenization") if training_args else contextlib.nullcontext()
    with first:
        features = source.map(
            task.preprocess,
            batched=True,
            fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "padding": padding},
            num_proc=data_args.preprocessing_num_workers,
            remove_columns=examples.column_names,
            load_from_cache_file=not data_args.overwrite_cache,
            desc=f"Tokenizing {split}",
        )
    if task.batch_format:
        features = features.with_format(None)
    logger.info("%s: %d %s in %d %s.", split, len(examples), task.units[0], len(features), task.units[1])
    for warning in task.feature_warnings(examples, features):
        logger.warning("%s: %s", split, warning)
    return features


class SplitScorer:
    """One split's decoding and scoring: model outputs over its features → the task's predictions
    over its examples → official metrics.

    Registered with the Trainer for labelled splits (in-training and final evaluation score the
    same way). Keeps its last decoding, so the final evaluation writes its predictions and
    breakdown without decoding or scoring twice (MRC post-processing is the costly part).
    """

    def __init__(self, task: Task, examples: datasets.Dataset, features: datasets.Dataset) -> None:
        self.task, self.examples, self.features = task, examples, features
        self.references = task.references(examples)
        self._last: tuple[Any, Any, Scored | None] | None = None  # (model outputs, decoded, scored)

    def __call__(self, prediction: EvalPrediction) -> dict[str, float]:
        decoded = self.task.decode(self.examples, self.features, prediction.predictions)
        scored = self.task.score(decoded, self.references, self.examples)
        self._last = (prediction.predictions, decoded, scored)
        return scored.scores

    def outputs(self, predictions: Any) -> tuple[Any, dict[str, Any] | None]:
        """The decoded predictions and the breakdown (None when unlabelled) for these model outputs."""
        if self._last is not None and self._last[0] is predictions:
            _, decoded, scored = self._last
            return decoded, scored.breakdown if scored else None
        decoded = self.task.decode(self.examples, self.features, predictions)
        return decoded, None


def evaluate_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    """Final evaluation: official metrics, a breakdown file and the eval predictions for error analysis."""
    output = trainer.predict(scorer.features, metric_key_prefix="eval")
    eval_metrics = dict(output.metrics, eval_samples=len(scorer.examples))
    if trainer.state.global_step > 0:  # trained in this process: the epoch the evaluated model reached
        eval_metrics["epoch"] = trainer.state.epoch
    # A copy: Trainer.log writes "epoch" (0 when this process did not train) into the dict it is given.
    trainer.log(dict(eval_metrics))  # dashboards (TensorBoard, W&B) see the final numbers too
    trainer.log_metrics("eval", eval_metrics)
    decoded, breakdown = scorer.outputs(output.predictions)
    if trainer.is_world_process_zero():
        save_results(output_dir, "eval", eval_metrics)
        if breakdown:
            write_json(output_dir / "eval_breakdown.json", breakdown)
        write_predictions(output_dir / "eval_predictions.jsonl", scorer.task, scorer.examples, decoded)
    return eval_metrics


def predict_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    output = trainer.predict(scorer.features, metric_key_prefix="predict")
    predict_metrics = dict(output.metrics, predict_samples=len(scorer.examples))
    if scorer.references is None:
        # Unlabelled test data still gives a loss where a task fills in labels (MRC windows "no answer", WoS
        # turns "empty state"): a loss against labels the file does not have is no result.
        predict_metrics.pop("predict_loss", None)
    trainer.log_metrics("predict", predict_metrics)
    decoded, _ = scorer.outputs(output.predictions)
    if trainer.is_world_process_zero():
        path = output_dir / "predictions.jsonl"
        save_results(output_dir, "predict", predict_metrics)
        count = write_predictions(path, scorer.task, scorer.examples, decoded)
        scorer.task.write_extra_predictions(output_dir, scorer.examples, decoded, "predict")
        logger.info("Wrote %d predictions to %s", count, path)
    return predict_metrics


def write_predictions(path: Path, task: Task, examples: datasets.Dataset, decoded: Sequence[Any]) -> int:
    records: Iterable[dict[str, Any]] = (
        task.prediction_record(example, prediction) for example, prediction in zip(examples, decoded, strict=True)
    )
    return write_jsonl(path, records)


def save_trainer_state(trainer: Trainer, output_dir: Path) -> None:
    if trainer.is_world_process_zero():
        write_json(output_dir / "trainer_state.json", _state_dict(trainer))


def _state_dict(trainer: Trainer) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(trainer.state), default=str))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
