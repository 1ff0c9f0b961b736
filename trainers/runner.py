"""One run of a KLUE task script, top to bottom: ``main(task)`` is every ``run_<task>.py``'s entry point.

``run`` reads like a Hugging Face example script: args, logging, seed, data, preprocessing, model,
Trainer, train / evaluate / predict, results. Everything that differs between tasks is a field or
hook of the script's ``Task`` (``trainers/task.py``), so the task scripts stay thin. The steps it
calls live beside it: ``arguments.py`` (flags), ``run_folder.py`` (what the output dir holds: a finished
run, a checkpoint to resume, another task's model or another model's results), ``loading.py`` (tokenizer,
config, model, splits), ``klue_trainer.py`` (the Trainer), ``evaluation.py`` (decoding, scoring and the files
of the final evaluation and prediction); here, logging, lengths and the GPU fast path, and features.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import logging
import math
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
import transformers
from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase, set_seed

from args import ArgumentsError, DataArguments, KlueTrainingArguments
from klue_data import KlueDataError, SourceUnavailableError
from metrics.tasks import metric_task
from models.padding import padded_width
from trainers.outputs import save_results, write_json

from trainers.arguments import parse_arguments
from trainers.evaluation import SplitScorer, evaluate_split, predict_split
from trainers.klue_trainer import RUN_SETTINGS_FILE, KlueTrainer, LoggedEarlyStopping
from trainers.loading import (
    emit_no_token_type_ids,
    errors_name_the_file,
    has_token_types,
    load_config,
    load_raw_splits,
    load_tokenizer,
    model_positions,
    require_labels,
    saved_label_order,
    use_task_label_order,
)
from trainers.run_folder import (
    RESULTS_MODEL_FILE,
    TASK_CONFIG_KEY,
    check_output_dir,
    check_predictions_csv_target,
    check_predicts_with_its_model,
    check_resumable_state,
    check_resume_matches,
    check_resume_settings,
    check_trained_for,
    clear_earlier_run,
    find_resume_checkpoint,
    finished_run_settings,
    finished_training,
    restore_finished_state,
    results_model,
    run_settings,
    save_trainer_state,
)
from trainers.task import Task

logger = logging.getLogger("klue")

EXIT_BAD_INPUT = 2
# out of space or quota, a read-only file system, a write that failed (weight_write_failures_as_os_errors)
DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO)


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
    except OSError as error:
        if error.errno not in DISK_ERRNOS:
            raise
        # A full or read-only disk is the machine's, not a bug: one line, and the files written so far are whole
        logger.error("%s", error)
        print(f"error: cannot write {error.filename or 'a file'}: {error.strerror}", file=sys.stderr)
        return 1
    except Exception as error:
        if not is_wandb_error(error):
            raise
        # Raised when training begins (no login outside a terminal, no network): the user's setup, not a bug
        logger.error("%s", error)
        hint = "or set WANDB_MODE=offline to log without an account"
        print(f"error: --report_to wandb: {str(error).rstrip('.')}; {hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        # The reader of our output (run_all.sh's tee) may have died of the same Ctrl-C: a closed pipe must
        # not turn the interrupt into an exit status 1 that a calling shell takes for a failed task.
        with contextlib.suppress(OSError):
            print("interrupted: the files already written are whole; run the same command again (without "
                  "--overwrite_output_dir) to go on from the last checkpoint in --output_dir",
                  file=sys.stderr, flush=True)
        finish_wandb_run()
        # Die of SIGINT, not exit normally: a calling shell loop (run_all.sh) then stops too.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        raise
    leave_process_group()
    return 0


def is_wandb_error(error: BaseException) -> bool:
    """An error of the W&B client (no API key, a failed login or upload), once wandb is in use."""
    wandb = sys.modules.get("wandb")
    errors = getattr(wandb, "errors", None)
    return isinstance(getattr(errors, "Error", None), type) and isinstance(error, errors.Error)


def finish_wandb_run() -> None:
    """Close a W&B run the interrupted training had open: dying of SIGINT skips wandb's own exit hook, and an offline
    run kept none of the history it had logged. A second Ctrl-C while it closes gives up on it."""
    wandb = sys.modules.get("wandb")
    if wandb is not None and getattr(wandb, "run", None) is not None:
        with contextlib.suppress(Exception, KeyboardInterrupt):
            wandb.finish(exit_code=130)


def build_trainer(training_args: KlueTrainingArguments, **kwargs: Any) -> KlueTrainer:
    """The ``KlueTrainer``; a ``--report_to`` integration whose package is not installed is one line (its callback
    refuses to start with a RuntimeError saying what to install) rather than a traceback."""
    try:
        return KlueTrainer(args=training_args, **kwargs)
    except RuntimeError as error:
        if "to be installed" not in str(error):
            raise
        raise ArgumentsError(f"--report_to {' '.join(training_args.report_to)}: {error}") from None


def leave_process_group() -> None:
    """Under torchrun, tear this process's process group down, and free it, while Python still runs. A group
    freed only by the interpreter's exit can abort a process that finished its run (SIGABRT, "terminate called
    without an active exception": 1 two-process training launch in 80 here, a quarter to a third of the
    launches of a script that exits right after a collective), and torchrun then reports the run failed.
    Called after a run that ended well only: after an error, a peer may still wait in a collective, and
    tearing down an NCCL group under it can hang."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    # The finished run's Trainer and its DDP model hold the group, in reference cycles: collected first, so that
    # tearing the group down frees it (the test probe checks that it is freed then).
    gc.collect()
    torch.distributed.destroy_process_group()


def run(task: Task, argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    model_args, data_args, training_args, task_options = parse_arguments(task, argv)
    task.use_options(*task_options)
    setup_logging(training_args)
    if not training_args.do_predict and any(getattr(options, "predictions_csv", None) for options in task_options):
        logger.warning("--predictions_csv is written by --do_predict; this run does not predict, so writes no CSV.")
    if training_args.prediction_loss_only:
        logger.warning("--prediction_loss_only is not followed: every evaluation decodes and scores its split (the "
                       "official metrics need the predictions).")
    training_args = use_cuda_graphs(task, data_args, training_args, torch.cuda.is_available())
    check_fp16_device(training_args)
    check_even_batches(training_args)
    check_output_dir(training_args)
    check_predictions_csv_target(task_options, data_args, training_args)
    check_predicts_with_its_model(training_args, model_args)
    task.use_run_arguments(model_args, data_args)  # the task's run settings may read the model (WoS: its own)
    # Taken before the Trainer exists (it may fill some in): compared with a checkpoint's before a resume, and
    # (with how long and how it trained) with a finished run's, saved beside its model once trained
    settings = run_settings(task, model_args, data_args, training_args) if training_args.do_train else None
    finished_settings = finished_run_settings(settings, training_args) if settings is not None else None
    finished = finished_training(task, training_args, finished_settings)
    if finished and not (training_args.do_eval or training_args.do_predict):
        return {}  # nothing else asked: no data to read, no model to load
    if finished:
        settings = None  # nothing is trained
        training_args.do_train = False
        model_args = dataclasses.replace(
            model_args, model_name_or_path=training_args.output_dir, config_name=None, tokenizer_name=None
        )
    resume_from = find_resume_checkpoint(training_args)
    set_seed(training_args.seed)
    task.use_run_arguments(model_args, data_args)  # again: a finished run evaluates its own model
    task.trains = training_args.do_train

    tokenizer = load_tokenizer(model_args, fast_required=task.needs_fast_tokenizer)
    config = load_config(model_args, task)  # small files: a model or flag problem shows before the data loads
    check_resume_matches(resume_from, task, given=bool(training_args.resume_from_checkpoint))
    check_trained_for(config, model_args, task, training=training_args.do_train)
    task.check_saved_model(config, model_args.model_name_or_path)
    saved_labels = saved_label_order(model_args, task, training=training_args.do_train)
    if not has_token_types(config):
        emit_no_token_type_ids(tokenizer)
    task.prepare_tokenizer(tokenizer)
    max_length = resolve_max_length(data_args, tokenizer, task, config)
    check_pad_to_multiple_of(data_args, longest_input(tokenizer, config), max_length)
    compile_per_length_bucket(data_args, training_args, max_length)
    task.check_options(tokenizer, max_length)
    check_resume_settings(resume_from, settings, training_args, task)
    check_resumable_state(resume_from, training_args)
    if resume_from is not None and not training_args.resume_from_checkpoint:  # said once the resume is allowed
        logger.info("Resuming training from %s (pass --overwrite_output_dir to start over).", resume_from)

    raw = load_raw_splits(task, data_args, training_args, cache_dir=model_args.cache_dir, token=model_args.token)
    prepared = {}
    for split, examples in raw.items():
        with errors_name_the_file(task, data_args, split):
            prepared[split] = task.prepare_split(examples, split)
    raw = datasets.DatasetDict(prepared)
    require_labels(task, raw, data_args, training_args)
    features = {}
    for split, examples in raw.items():
        with errors_name_the_file(task, data_args, split):
            features[split] = tokenize_split(task, examples, tokenizer, max_length, data_args, training_args, split)
    if training_args.do_train:
        check_training_batches(len(features["train"]), training_args)

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
    rows = embedding_rows(model)
    if rows is not None and len(tokenizer) > rows:  # tokens added by the task or the user
        add_embedding_rows(model, len(tokenizer))
    # KLUE heads return their loss as a batch mean and ignore ``num_items_in_batch``. Left to its
    # default (any forward taking **kwargs), the Trainer would multiply that mean by the number of
    # processes (eval_loss x N under torchrun) and skip dividing it over gradient accumulation steps.
    model.accepts_loss_kwargs = False

    trainer = build_trainer(
        training_args,
        model=model,
        train_dataset=features.get("train"),
        eval_dataset=features.get("validation"),
        processing_class=tokenizer,
        data_collator=task.fixed_length_collator()
        if data_args.pad_to_max_length
        else task.data_collator(tokenizer, pad_multiple(data_args, training_args)),
        reduce_logits=lambda logits, inputs: task.reduce_logits(logits, inputs, tokenizer),
        scorers={prefix: scorer for prefix, scorer in scorers.items() if scorer.references is not None},
        run_settings=settings,
        loss_units=task.loss_units,
        callbacks=[LoggedEarlyStopping(training_args.early_stopping_patience)]
        if training_args.early_stopping_patience
        else None,
    )
    if task.label_smoothing_by == "model":
        trainer.label_smoother = None  # the model smooths its own loss, and keeps the labels it reads
    if finished:
        restore_finished_state(trainer, Path(training_args.output_dir))

    results: dict[str, dict[str, float]] = {}
    output_dir = Path(training_args.output_dir)
    if training_args.do_train:
        if trainer.is_world_process_zero():
            clear_earlier_run(output_dir, training=training_args.overwrite_output_dir and resume_from is None)
        train_result = trainer.train(resume_from_checkpoint=resume_from)
        trainer.save_model()
        train_metrics = dict(train_result.metrics, train_samples=len(features["train"]))
        trainer.log_metrics("train", train_metrics)
        if trainer.is_world_process_zero():
            # One writer: train_results.json marks a finished run (finished_training), so it must not appear
            # before the main process has saved the model and the settings a rerun is compared with.
            write_json(output_dir / RUN_SETTINGS_FILE, finished_settings)
            save_results(output_dir, "train", train_metrics)
        save_trainer_state(trainer, output_dir)
        results["train"] = train_metrics

    if (training_args.do_eval or training_args.do_predict) and trainer.is_world_process_zero():
        if not training_args.do_train and training_args.overwrite_output_dir:
            clear_earlier_run(output_dir, training=False)  # another model's results (check_predicts_with_its_model)
        write_json(output_dir / RESULTS_MODEL_FILE, {"model": results_model(model_args, training_args)})

    if training_args.do_eval:
        logger.info("*** Evaluate ***")
        results["eval"] = evaluate_split(trainer, scorers["eval"], output_dir)

    if training_args.do_predict:
        logger.info("*** Predict ***")
        results["predict"] = predict_split(trainer, scorers["predict"], output_dir)

    return results




# --- the steps --------------------------------------------------------------------------------


def setup_logging(training_args: KlueTrainingArguments) -> None:
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
        force=True,
    )
    level = training_args.get_process_log_level()
    # Our own progress lines (what was loaded, resumed, written) show on the main process unless --log_level says
    # otherwise (its default, passive, leaves transformers at warnings).
    passive = training_args.log_level == "passive"
    own_level = min(level, logging.INFO) if training_args.should_log and passive else level
    logger.setLevel(own_level)
    logging.getLogger("klue_data").setLevel(own_level)
    datasets.utils.logging.set_verbosity(level)
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.enable_default_handler()
    transformers.utils.logging.enable_explicit_format()
    checkpoint_args = logging.getLogger("transformers.trainer_utils")
    if not any(isinstance(found, _StepRatiosAreNoMismatch) for found in checkpoint_args.filters):
        checkpoint_args.addFilter(_StepRatiosAreNoMismatch())


class _StepRatiosAreNoMismatch(logging.Filter):
    """On every resume the Trainer compares --eval_steps/--save_steps/--logging_steps with the step counts its
    checkpoint saved: a ratio (the configs' 0.25 / epochs) never equals the count it stands for, and it warns
    "arguments do not match" with nothing changed. Such lines are dropped; a real change (the counts differ,
    or the batch size) still shows. The resume's own checks refuse the flags a resume cannot honour."""

    MISMATCH = re.compile(r"\t(logging|eval|save)_steps: (\S+) \(from args\) != (\S+) \(from trainer_state.json\)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "do not match the ones in the `trainer_state.json`" not in message:
            return True
        lines = message.splitlines()[1:]
        ratios = [match for line in lines if (match := self.MISMATCH.search(line)) and 0 < float(match[2]) < 1]
        return len(ratios) < len(lines)




def embedding_rows(model: PreTrainedModel) -> int | None:
    """The rows of the model's token table; None where it has none (CANINE hashes any code point)."""
    try:
        return model.get_input_embeddings().num_embeddings
    except NotImplementedError:
        return None


def add_embedding_rows(model: PreTrainedModel, vocab_size: int) -> None:
    """Grow the input embeddings to ``vocab_size`` rows, each new one drawn from N(0, initializer_range) as
    KLUE-baseline's transformers (3.5.1) drew them. transformers 5 starts them all at the vocabulary's mean
    (with a tiny spread): RE's four markers would start as one vector, subject and object alike."""
    added_from = model.get_input_embeddings().num_embeddings
    model.resize_token_embeddings(vocab_size, mean_resizing=False)
    config = model.config
    std = getattr(config, "initializer_range", None) or getattr(getattr(config, "encoder", None), "initializer_range",
                                                                 0.02)
    with torch.no_grad():  # a custom head's own weight init does not know the encoder's embeddings: drawn here
        model.get_input_embeddings().weight[added_from:].normal_(0.0, std)


def check_training_batches(n_features: int, training_args: KlueTrainingArguments) -> None:
    """``--dataloader_drop_last`` with fewer training features per process than one batch leaves no batch to
    train on (the Trainer then fails on ``max_steps``, a flag the user did not give)."""
    per_process = math.ceil(n_features / max(training_args.world_size, 1))
    if training_args.dataloader_drop_last and per_process < training_args.per_device_train_batch_size:
        raise ArgumentsError(
            f"--dataloader_drop_last: {n_features} training features ({per_process} per process) make no whole "
            f"batch of --per_device_train_batch_size {training_args.per_device_train_batch_size}, and the last, "
            "short one is dropped: nothing to train on; lower the batch size or leave --dataloader_drop_last out")




def longest_input(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> tuple[int, str]:
    """The longest input both the tokenizer and the model take, and which of the two sets it."""
    limits = [(int(min(tokenizer.model_max_length, 1 << 40)), "the tokenizer's model_max_length")]
    if (positions := model_positions(config)) is not None:
        limits.append((positions, "the model's position embeddings"))
    return min(limits)


def resolve_max_length(
    data_args: DataArguments, tokenizer: PreTrainedTokenizerBase, task: Task, config: PretrainedConfig
) -> int:
    """``--max_seq_length`` (else the task's default), lowered to what the tokenizer and the model take.

    A tokenizer saved without ``model_max_length`` reports 1e30: the model's position embeddings
    are then the only limit, and a longer input would end in a tensor-size traceback in its forward.
    A length that leaves no room beside the special tokens is refused: a fast tokenizer then does
    not truncate at all."""
    requested = data_args.max_seq_length or metric_task(task.name).max_seq_length
    limit, name = longest_input(tokenizer, config)
    if requested > limit:
        logger.warning("max_seq_length %d is longer than %s (%d); using %d.", requested, name, limit, limit)
        requested = limit
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    if requested <= specials:
        raise ArgumentsError(f"--max_seq_length {requested} leaves no room for text: the tokenizer adds up to "
                             f"{specials} special tokens to an input; use at least {specials + 1}")
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


def check_fp16_device(training_args: KlueTrainingArguments) -> None:
    """``--fp16`` on a CPU: accelerate turns its autocast off there, so the run would train in fp32 while
    its flags say fp16."""
    if training_args.fp16 and training_args.device.type == "cpu":
        raise ArgumentsError("--fp16: this run computes on the CPU, where fp16 mixed precision is not available "
                             "(it would train in fp32); use --bf16, which CPUs run, or a GPU")


def check_even_batches(training_args: KlueTrainingArguments) -> None:
    """Under several processes evaluation needs accelerate's ``even_batches``: without it the processes
    run different numbers of batches and their outputs cannot be gathered (a crash, after training)."""
    evaluates = training_args.do_eval or training_args.do_predict or training_args.eval_strategy != "no"
    config = training_args.accelerator_config
    if training_args.world_size > 1 and evaluates and config is not None and not config.even_batches:
        raise ArgumentsError(f"--accelerator_config even_batches false: {training_args.world_size} processes must "
                             "evaluate the same number of batches (the examples repeated to fill the last ones "
                             "are dropped when the outputs are gathered); leave even_batches true")


def check_pad_to_multiple_of(data_args: DataArguments, longest: tuple[int, str], max_length: int) -> None:
    """A padding multiple must not round the longest batch past what the tokenizer and the model take
    (``longest_input``)."""
    multiple = data_args.pad_to_multiple_of
    if multiple is None:
        return
    rounded = padded_width(max_length, multiple)
    limit, name = longest
    if rounded > limit:
        raise ArgumentsError(
            f"--pad_to_multiple_of {multiple}: a batch of max_seq_length {max_length} tokens would be padded to "
            f"{rounded}, past {name} ({limit}); choose a multiple that divides {max_length} or lower "
            f"--max_seq_length to {max_length - max_length % multiple}"
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
    """Batched task preprocessing (in memory, as the splits are: nothing is cached between runs). Under several
    processes the main one tokenizes first (``training_args``; None: one process, as in the benchmarks)."""
    padding = "max_length" if data_args.pad_to_max_length else False
    source = examples.with_format(task.batch_format) if task.batch_format else examples
    first = (training_args.main_process_first(desc=f"{split} tokenization") if training_args
             else contextlib.nullcontext())
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
    unknown = unknown_token_share(features, tokenizer)
    if unknown > UNKNOWN_TOKEN_WARNING:
        logger.warning(
            "%s: %.0f%% of the tokens are %s: the tokenizer cannot read this text, and the model will not see it "
            "(a Korean vocabulary under lowercasing, do_lower_case/strip_accents true, splits Hangul into jamo it "
            "does not hold: check the tokenizer's settings)", split, 100 * unknown, tokenizer.unk_token)
    return features


UNKNOWN_TOKEN_WARNING = 0.05  # Korean text under a Korean vocabulary: well under 1%
UNKNOWN_TOKEN_SAMPLE = 1000  # features looked at


def unknown_token_share(features: datasets.Dataset, tokenizer: PreTrainedTokenizerBase) -> float:
    """The share of the unknown token among the first features' input ids (0 for a tokenizer without one)."""
    unknown = tokenizer.unk_token_id
    if unknown is None or "input_ids" not in features.column_names or not len(features):
        return 0.0
    ids = features.select(range(min(UNKNOWN_TOKEN_SAMPLE, len(features)))).with_format("arrow")["input_ids"]
    while pa.types.is_list(ids.type) or pa.types.is_large_list(ids.type):  # MCQA: choices of an item
        ids = pc.list_flatten(ids)
    ids = ids.to_numpy()
    real = ids[ids != tokenizer.pad_token_id] if tokenizer.pad_token_id is not None else ids
    return float(np.mean(real == unknown)) if real.size else 0.0
