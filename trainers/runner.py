"""One run of a KLUE task script, top to bottom: ``main(task)`` is every ``run_<task>.py``'s entry point.

``run`` reads like a Hugging Face example script: args, logging, seed, data, preprocessing, model,
Trainer, train / evaluate / predict, results. Everything that differs between tasks is a field or
hook of the script's ``Task`` (``trainers/task.py``), so the task scripts stay thin. The steps it
calls live beside it: ``arguments.py`` (flags), ``loading.py`` (tokenizer, config, model, splits),
``klue_trainer.py`` (the Trainer); here, what an output dir holds (a finished run, a checkpoint to
resume, another task's model), lengths and the GPU fast path, features, scoring and the files written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import json
import logging
import math
import os
import re
import shutil
import signal
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import safetensors
import torch
import transformers
from transformers import EvalPrediction, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase, Trainer, set_seed
from transformers.trainer_utils import get_last_checkpoint

from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from args.command_line import nearest_existing, same_file
from args.predictions_csv import predictions_csv_path
from klue_data import KlueDataError, SourceUnavailableError
from metrics.tasks import metric_task
from models.padding import padded_width
from trainers.outputs import drop_results, save_results, write_json, write_jsonl

from trainers.arguments import parse_arguments
from trainers.klue_trainer import RUN_SETTINGS_FILE, KlueTrainer, LoggedEarlyStopping
from trainers.loading import (
    emit_no_token_type_ids,
    errors_name_the_file,
    given_split_files,
    has_token_types,
    label_list,
    load_config,
    load_raw_splits,
    load_tokenizer,
    model_positions,
    require_labels,
    saved_label_order,
    use_task_label_order,
)
from trainers.task import Scored, Task

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
    finished_settings = None
    if training_args.do_train:  # taken before the Trainer exists (it may fill some in), saved once trained
        finished_settings = finished_run_settings(task, model_args, data_args, training_args)
    finished = finished_training(task, training_args, finished_settings)
    if finished:
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
    settings = run_settings(task, model_args, data_args, training_args) if training_args.do_train else None
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


# What evaluating or predicting a split writes into --output_dir, besides its keys in all_results.json
SPLIT_OUTPUT_FILES = {
    "eval": ("eval_results.json", "eval_breakdown.json", "eval_predictions.jsonl"),
    "predict": ("predict_results.json", "predictions.jsonl", "nbest_predictions.jsonl", "predictions.tsv",
                "predictions.csv"),
}
STALE_RESULT_FILES = ("all_results.json", *SPLIT_OUTPUT_FILES["eval"], *SPLIT_OUTPUT_FILES["predict"])


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


def finished_training(task: Task, training_args: KlueTrainingArguments, settings: dict[str, Any] | None) -> bool:
    """Whether ``--do_train`` would repeat a run that already finished in ``output_dir`` (its
    train_results.json is written last). Resuming it would train 0 steps and overwrite its results.
    A finished run of another task there is an error: its model is not this task's; so is one trained with
    other flags (``settings``, this run's ``finished_run_settings``; saved beside the finished one): its model
    and scores are not this command's."""
    output_dir = Path(training_args.output_dir)
    if not training_args.do_train or training_args.overwrite_output_dir:
        return False
    if not (output_dir / "train_results.json").is_file() or not (output_dir / "config.json").is_file():
        return False
    other = other_task_run(output_dir, task)
    if other is not None:
        raise ArgumentsError(f"{output_dir} holds the finished training of {other}, not a {task.name} run: pass "
                             "another --output_dir, or --overwrite_output_dir to replace it")
    # runs of earlier versions saved no settings: taken as this command's, as before
    changed = changed_settings(saved_mapping(output_dir / RUN_SETTINGS_FILE), settings or {}, task)
    if changed:
        raise ArgumentsError(f"{output_dir} holds a finished training run with other flags ({', '.join(changed)}): "
                             "pass --overwrite_output_dir to train again with these, or another --output_dir (to "
                             f"evaluate its model, drop --do_train and pass --model_name_or_path {output_dir})")
    logger.warning(
        "%s holds a finished training run: training is skipped, its results stay, and the model saved there "
        "is used (pass --overwrite_output_dir to train again).",
        output_dir,
    )
    return True


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


def check_resume_matches(checkpoint: str | None, task: Task, *, given: bool = False) -> None:
    """A checkpoint of a run of another task (left in ``output_dir``, or ``given`` with
    ``--resume_from_checkpoint``) cannot be resumed: say so in one line instead of a state-dict size
    mismatch deep in the Trainer."""
    other = other_task_run(checkpoint, task) if checkpoint else None
    if other is not None:
        remedy = (f"pass a checkpoint of a {task.name} run to --resume_from_checkpoint" if given
                  else "pass another --output_dir, or --overwrite_output_dir to start over")
        raise ArgumentsError(f"{checkpoint} was saved by {other}, not a {task.name} run: {remedy}")


def find_resume_checkpoint(training_args: KlueTrainingArguments) -> str | None:
    """``--resume_from_checkpoint``, else the last checkpoint in a non-empty ``output_dir``."""
    if training_args.resume_from_checkpoint:
        given = Path(training_args.resume_from_checkpoint)
        if training_args.do_train and not given.is_dir():
            raise ArgumentsError(
                f"--resume_from_checkpoint {given}: no such checkpoint folder "
                f"(expected e.g. {Path(training_args.output_dir) / 'checkpoint-500'})"
            )
        if training_args.do_train and not checkpoint_is_whole(given):
            whole = whole_checkpoints(given)
            hint = (f"pass one of its checkpoints ({whole[-1]}) or leave the flag out to resume from its last one"
                    if whole else f"a checkpoint folder holds {TRAINER_STATE}, written last when it is saved")
            raise ArgumentsError(f"--resume_from_checkpoint {given}: not a whole checkpoint; {hint}")
        return training_args.resume_from_checkpoint
    output_dir = Path(training_args.output_dir)
    if not training_args.do_train or training_args.overwrite_output_dir or not output_dir.is_dir():
        return None
    last_checkpoint = get_last_checkpoint(str(output_dir))
    whole = whole_checkpoints(output_dir)
    if last_checkpoint is not None and (not whole or Path(last_checkpoint) != whole[-1]):
        # A run killed while saving it (trainer_state.json, written last, is missing): resume the one before.
        logger.warning("%s was not saved whole (the run was stopped while saving it): it is not resumed.",
                       last_checkpoint)
        last_checkpoint = str(whole[-1]) if whole else None
    return last_checkpoint


TRAINER_STATE = "trainer_state.json"  # the Trainer writes it last into a checkpoint folder; the runner into a run's
# What a resume cannot change: the optimizer comes back with its saved settings (learning rate, weight decay,
# Adam's), the batches follow the saved random state, data and sizes. (The schedule's shape, warmup and length
# are built anew from the flags, so --max_steps or --num_train_epochs may grow a stopped run.)
# The sampling and --dataloader_drop_last make the batch order too: a resume skips through it to its step
RESUME_SETTINGS = ("learning_rate", "weight_decay", "optim", "adam_beta1", "adam_beta2", "adam_epsilon", "seed",
                   "data_seed", "per_device_train_batch_size", "gradient_accumulation_steps", "world_size",
                   "train_sampling_strategy", "dataloader_drop_last")


def run_settings(
    task: Task, model_args: ModelArguments, data_args: DataArguments, training_args: KlueTrainingArguments
) -> dict[str, Any]:
    """The flags a training run's checkpoints depend on and a resume cannot change (``RESUME_SETTINGS``, the
    base model and input length, the train data). Saved with each checkpoint (``klue_run_settings.json``): a
    resume with another base model would go on with the checkpoint's weights under the new model's name."""
    train = given_split_files(task, data_args).get("train")
    settings = {name: getattr(training_args, name) for name in RESUME_SETTINGS}
    settings["model_name_or_path"] = model_args.model_name_or_path
    settings["config_name"] = model_args.config_name
    settings["tokenizer_name"] = model_args.tokenizer_name
    settings["max_seq_length"] = data_args.max_seq_length
    settings.update(task.training_settings())
    settings = comparable_settings(settings, task)
    hub = f"{data_args.dataset_name} {data_args.dataset_config_name or task.name}"
    settings["train_data"] = str(train.resolve()) if train else hub
    settings["max_train_samples"] = data_args.max_train_samples
    return json.loads(json.dumps(settings, default=str))  # as read back from the file


# Beyond what a resume cannot change, what else makes a finished run's model: how long and on what schedule it
# trained.
FINISHED_RUN_SETTINGS = ("num_train_epochs", "max_steps", "lr_scheduler_type", "warmup_steps", "max_grad_norm",
                         "label_smoothing_factor", "early_stopping_patience", "load_best_model_at_end")


def finished_run_settings(
    task: Task, model_args: ModelArguments, data_args: DataArguments, training_args: KlueTrainingArguments
) -> dict[str, Any]:
    """``run_settings`` and ``FINISHED_RUN_SETTINGS``: saved beside a finished run's model, so that a rerun
    with other flags is not answered with that run's model and scores (``finished_training``). Flags of
    evaluation alone (decoding, scoring) are not in it: a rerun may evaluate the model under others."""
    settings = run_settings(task, model_args, data_args, training_args)
    settings.update({name: getattr(training_args, name, None) for name in FINISHED_RUN_SETTINGS})
    settings.update(selection_settings(training_args))
    return json.loads(json.dumps(settings, default=str))  # as read back from the file


def selection_settings(training_args: KlueTrainingArguments) -> dict[str, Any]:
    """Where a run keeps its best checkpoint or stops early, the flags that chose its model: the metric and its
    direction, when it was evaluated, and (for the best checkpoint) when checkpoints were saved."""
    args = training_args
    chosen: dict[str, Any] = {}
    if args.load_best_model_at_end or args.early_stopping_patience:
        chosen.update(metric_for_best_model=args.metric_for_best_model, greater_is_better=args.greater_is_better,
                      eval_strategy=args.eval_strategy)
        if args.eval_strategy == "steps":
            chosen["eval_steps"] = args.eval_steps
    if args.load_best_model_at_end:
        chosen["save_strategy"] = args.save_strategy
        if args.save_strategy == "steps":
            chosen["save_steps"] = args.save_steps
    # the Trainer makes --eval_steps 2.0 an int, leaves 1.0 a float: both shown as typed
    return {name: int(value) if isinstance(value, float) and value.is_integer() else value
            for name, value in chosen.items()}


MODEL_SETTINGS = ("model_name_or_path", "config_name", "tokenizer_name")


def comparable_settings(settings: dict[str, Any], task: Task) -> dict[str, Any]:
    """``settings`` as two runs compare them: a local model folder by its absolute path (``../base`` is the same
    model as ``/work/base``), no ``max_seq_length`` as the task's default (what the run uses). Applied to saved
    settings too, so that those of earlier versions, which kept both as typed, compare the same way."""
    comparable = dict(settings)
    for name in MODEL_SETTINGS:
        value = comparable.get(name)
        if isinstance(value, str) and value and Path(value).exists():
            comparable[name] = str(Path(value).resolve())
    if "max_seq_length" in comparable and comparable["max_seq_length"] is None:
        comparable["max_seq_length"] = metric_task(task.name).max_seq_length
    return comparable


def changed_settings(saved: dict[str, Any], settings: dict[str, Any], task: Task) -> list[str]:
    """``"name old -> new"`` for each of ``settings`` (``run_settings``) that ``saved`` holds with another value,
    the saved ones read as ``comparable_settings``."""
    saved = comparable_settings(saved, task)
    return [f"{name} {saved[name]} -> {value}" for name, value in settings.items()
            if name in saved and saved[name] != value]  # fmt: skip


def saved_mapping(path: Path) -> dict[str, Any]:
    """A JSON object this runner wrote (settings, records), or {} where there is none to read."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def check_resume_settings(
    checkpoint: str | None, settings: dict[str, Any] | None, training_args: KlueTrainingArguments, task: Task
) -> None:
    """Resuming a checkpoint of a run with other flags would train on under the old ones without a word:
    a checkpoint found in ``output_dir`` is refused (one line naming the flags); one given with
    ``--resume_from_checkpoint`` is resumed, with a warning."""
    path = Path(checkpoint) / RUN_SETTINGS_FILE if checkpoint else None
    if settings is None or path is None or not path.is_file():  # older checkpoints have no settings file
        return
    changed = changed_settings(json.loads(path.read_text(encoding="utf-8")), settings, task)
    if not changed:
        return
    differences = ", ".join(changed)
    if training_args.resume_from_checkpoint:
        logger.warning("Resuming %s, saved by a run with other flags (%s): its weights go on, and the optimizer "
                       "keeps the checkpoint's learning rate, weight decay and Adam settings; batch sizes, seed and "
                       "data apply from here on, though the batches skipped to reach its step are counted in them.",
                       checkpoint, differences)
        return
    raise ArgumentsError(f"{Path(checkpoint).parent} holds {Path(checkpoint).name} of a run with other flags "
                         f"({differences}), which a resume cannot honour (the optimizer keeps its saved settings, "
                         "the position in the data was counted under the old ones): rerun with that run's flags "
                         f"to resume it, --overwrite_output_dir to start over, or --resume_from_checkpoint "
                         f"{checkpoint} to resume it anyway")


def check_resumable_state(checkpoint: str | None, training_args: KlueTrainingArguments) -> None:
    """A checkpoint saved with ``--save_only_model`` holds weights only: resumed, its run would go on with a
    fresh optimizer and restart the learning-rate schedule (warmup again) without a word. Every other save
    writes each process's random state (``rng_state*.pth``), so its absence tells. Found in ``output_dir``:
    refused in one line; named with ``--resume_from_checkpoint``: resumed from its weights, with a warning."""
    if checkpoint is None or not training_args.do_train or any(Path(checkpoint).glob("rng_state*.pth")):
        return
    what = (f"{checkpoint} was saved with --save_only_model (weights only, no optimizer, scheduler or random "
            "state): a resume would train on with a fresh optimizer and restart the learning-rate schedule")
    if training_args.resume_from_checkpoint:
        logger.warning("%s; going on from its weights, as --resume_from_checkpoint asks.", what)
        return
    raise ArgumentsError(f"{what}; pass --overwrite_output_dir to start over, or --resume_from_checkpoint "
                         f"{checkpoint} to go on from its weights anyway")


def whole_checkpoints(folder: Path) -> list[Path]:
    """The ``checkpoint-N`` folders in ``folder`` whose save finished, by step."""
    steps = {path: path.name.removeprefix("checkpoint-") for path in folder.glob("checkpoint-*")}
    whole = [path for path, step in steps.items() if step.isdigit() and checkpoint_is_whole(path)]
    return sorted(whole, key=lambda path: int(steps[path]))


def checkpoint_is_whole(checkpoint: Path) -> bool:
    """Its save finished (``trainer_state.json``, written last, is there) and its files read: a stop
    while saving leaves no state file, a power cut can leave any file cut short (the Trainer does not sync
    them). Only the headers are read: safetensors', and the zip directory at the end of a torch.save file.
    Not checked: a multi-process run's random states (each process writes its own before the main process
    writes the state file, ``KlueTrainer._save_rng_state``, but a node without a shared file system holds only
    its own processes', and --save_only_model writes none)."""
    try:
        json.loads((checkpoint / TRAINER_STATE).read_text(encoding="utf-8"))
        for weights in checkpoint.glob("*.safetensors"):
            with safetensors.safe_open(str(weights), framework="pt"):  # checks the size against the header
                pass
        for saved in (*checkpoint.glob("*.pt"), *checkpoint.glob("*.pth"), *checkpoint.glob("*.bin")):
            zipfile.ZipFile(saved).close()  # optimizer, scheduler, random states, training_args
    except (OSError, ValueError, safetensors.SafetensorError, zipfile.BadZipFile):
        return False
    return True


def clear_earlier_run(output_dir: Path, *, training: bool) -> None:
    """Before this run trains: results of an earlier model in ``output_dir`` must not be merged into this
    run's all_results.json nor be left beside it as if they were this model's. With ``training``
    (``--overwrite_output_dir``) the earlier training goes too: were this run stopped, its
    train_results.json would mark the earlier model as a finished run, and a rerun would resume the
    earlier run's latest checkpoint as this one's."""
    names = (*STALE_RESULT_FILES, RESULTS_MODEL_FILE)
    if training:
        names += ("train_results.json", TRAINER_STATE, RUN_SETTINGS_FILE)
    for name in names:
        (output_dir / name).unlink(missing_ok=True)
    earlier = [path for path in output_dir.glob("checkpoint-*") if path.is_dir()] if training else []
    for path in earlier:
        shutil.rmtree(path)
    if earlier:
        logger.info("--overwrite_output_dir: removed %d checkpoint(s) of an earlier run in %s.", len(earlier),
                    output_dir)


def check_output_dir(training_args: KlueTrainingArguments) -> None:
    """``--output_dir`` must be a folder, or a path one can become: not a file, nor a path under one."""
    path = Path(training_args.output_dir)
    existing = nearest_existing(path)
    if existing is not None and not existing.is_dir():
        raise ArgumentsError(f"--output_dir {path}: {existing} is a file, not a folder; pass a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):  # read-only: found after loading all
        raise ArgumentsError(f"--output_dir {path}: {existing} is not writable here; pass a folder you can write to")


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


def check_predictions_csv_target(task_options: Sequence[Any], data_args: DataArguments,
                                 training_args: KlueTrainingArguments) -> None:
    """``--predictions_csv PATH`` must not name a data file or another file of the run, which the CSV would
    replace (or which would replace the CSV: ``OUTPUT_DIR/predictions.jsonl``)."""
    output_dir = Path(training_args.output_dir)
    for options in task_options:
        path = predictions_csv_path(getattr(options, "predictions_csv", None), output_dir)
        if path is None:
            continue
        data_files = {f"--{name}": getattr(data_args, name) for name in ("train_file", "validation_file", "test_file")}
        for flag, given in data_files.items():
            if given and same_file(path, given):
                raise ArgumentsError(f"--predictions_csv {path}: is the {flag} file; give another path")
        run_files = (*STALE_RESULT_FILES, "train_results.json", TRAINER_STATE, RUN_SETTINGS_FILE, RESULTS_MODEL_FILE)
        for name in run_files:
            if name != "predictions.csv" and same_file(path, output_dir / name):
                raise ArgumentsError(f"--predictions_csv {path}: is the run's own {name}; give another path (or no "
                                     "path, for OUTPUT_DIR/predictions.csv)")


def check_predicts_with_its_model(training_args: KlueTrainingArguments, model_args: ModelArguments) -> None:
    """An evaluation or prediction run must not write another model's results into a folder that holds a
    trained model and its results (``--do_predict`` alone with the training command's base model), nor
    into one holding the results of another model's evaluation or prediction (``RESULTS_MODEL_FILE``
    says whose), where they would be merged with them (all_results.json) or left beside them."""
    output_dir = Path(training_args.output_dir)
    if training_args.do_train:
        return
    model = Path(model_args.model_name_or_path)
    if (output_dir / "train_results.json").is_file():
        if model.is_dir() and output_dir.resolve() in (model.resolve(), *model.resolve().parents):  # or a checkpoint
            return
        raise ArgumentsError(f"{output_dir} holds a trained model and its results: to evaluate or predict with it "
                             f"pass --model_name_or_path {output_dir}; for {model_args.model_name_or_path} pass "
                             "another --output_dir")
    earlier = results_model_of(output_dir)
    if earlier is None or earlier == results_model(model_args, training_args) or training_args.overwrite_output_dir:
        return
    if any((output_dir / name).is_file() for name in STALE_RESULT_FILES):
        raise ArgumentsError(f"{output_dir} holds the results of another model ({earlier}): for "
                             f"{model_args.model_name_or_path} pass another --output_dir, or --overwrite_output_dir "
                             "to replace them")


RESULTS_MODEL_FILE = "results_model.json"  # whose results the folder holds: {"model": results_model(...)}


def results_model(model_args: ModelArguments, training_args: KlueTrainingArguments) -> str:
    """The model a run's results are of: the trained one (saved to ``output_dir``), a local folder
    (resolved), or a Hub id at its revision."""
    if training_args.do_train:
        return str(Path(training_args.output_dir).resolve())
    model = Path(model_args.model_name_or_path)
    if model.is_dir():
        return str(model.resolve())
    return f"{model_args.model_name_or_path}@{model_args.model_revision}"


def results_model_of(output_dir: Path) -> str | None:
    """``results_model`` as a run recorded it in ``output_dir``; None when none did (or earlier versions)."""
    return saved_mapping(output_dir / RESULTS_MODEL_FILE).get("model")


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
        decoded = self._decode(prediction.predictions)
        scored = self.task.score(decoded, self.references, self.examples)
        self._last = (prediction.predictions, decoded, scored)
        return scored.scores

    def outputs(self, predictions: Any) -> tuple[Any, dict[str, Any] | None]:
        """The decoded predictions and the breakdown (None when unlabelled) for these model outputs."""
        if self._last is not None and self._last[0] is predictions:
            _, decoded, scored = self._last
            return decoded, scored.breakdown if scored else None
        return self._decode(predictions), None

    def _decode(self, predictions: Any) -> Any:
        rows = nan_rows(predictions)
        if rows:  # an argmax over NaN is the first class: predictions that look like answers
            logger.warning(
                "%d of %d model output rows hold NaN (an fp16 overflow, e.g. --fp16_full_eval? a diverged model?): "
                "their predictions are arbitrary and their scores meaningless", rows, len(self.features))
        return self.task.decode(self.examples, self.features, predictions)


def nan_rows(predictions: Any) -> int:
    """How many rows (features) of the model's float outputs hold a NaN: the most over its arrays."""
    if isinstance(predictions, (tuple, list)):
        return max((nan_rows(array) for array in predictions), default=0)
    if isinstance(predictions, np.ndarray) and predictions.dtype.kind == "f" and predictions.ndim and len(predictions):
        return int(np.isnan(predictions.reshape(len(predictions), -1)).any(axis=1).sum())
    return 0


def evaluate_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    """Final evaluation: official metrics, a breakdown file and the eval predictions for error analysis."""
    if trainer.is_world_process_zero():
        clear_split_outputs(output_dir, "eval")
    output = trainer.predict(scorer.features, metric_key_prefix="eval")
    eval_metrics = dict(output.metrics, eval_samples=len(scorer.examples))
    if trainer.state.global_step > 0:  # trained (or restored_finished_state): the epoch the evaluated model reached
        eval_metrics["epoch"] = evaluated_epoch(trainer.state, trainer.args)
    # Dashboards (TensorBoard, W&B) see the final numbers too, at the evaluated model's step: where
    # --load_best_model_at_end loaded an earlier checkpoint, not beside the last step's own evaluation.
    # A copy: Trainer.log writes "epoch" (0 when this process did not train) into the dict it is given.
    with stamped_as_evaluated_model(trainer.state, trainer.args):
        trainer.log(dict(eval_metrics))
    trainer.log_metrics("eval", eval_metrics)
    decoded, breakdown = scorer.outputs(output.predictions)
    if trainer.is_world_process_zero():  # the results last: they say the split's files are all written
        if breakdown:
            write_json(output_dir / "eval_breakdown.json", breakdown)
        write_predictions(output_dir / "eval_predictions.jsonl", scorer.task, scorer.examples, decoded)
        save_results(output_dir, "eval", eval_metrics)
    return eval_metrics


def predict_split(trainer: Trainer, scorer: SplitScorer, output_dir: Path) -> dict[str, float]:
    if trainer.is_world_process_zero():
        clear_split_outputs(output_dir, "predict")
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
        count = write_predictions(path, scorer.task, scorer.examples, decoded)
        scorer.task.write_extra_predictions(output_dir, scorer.examples, decoded, "predict")
        save_results(output_dir, "predict", predict_metrics)  # last, as for eval
        logger.info("Wrote %d predictions to %s", count, path)
    return predict_metrics


def clear_split_outputs(output_dir: Path, split: str) -> None:
    """Before a split is evaluated or predicted again into ``output_dir``: its files of an earlier run, and its
    keys in all_results.json, go. Merged or left beside the new ones, they would read as this run's (a score
    of a labelled file beside the predictions of an unlabelled one; a file a stop mid-write left old)."""
    for name in SPLIT_OUTPUT_FILES[split]:
        (output_dir / name).unlink(missing_ok=True)
    drop_results(output_dir, f"{split}_")


def write_predictions(path: Path, task: Task, examples: datasets.Dataset, decoded: Sequence[Any]) -> int:
    records: Iterable[dict[str, Any]] = (
        task.prediction_record(example, prediction) for example, prediction in zip(examples, decoded, strict=True)
    )
    return write_jsonl(path, records)


@contextlib.contextmanager
def stamped_as_evaluated_model(state: Any, args: KlueTrainingArguments) -> Iterator[None]:
    """``Trainer.log`` stamps a log (and the dashboards its points) with the state's step and epoch: while the final
    evaluation is logged, they are the evaluated model's (``evaluated_epoch``)."""
    saved = state.global_step, state.epoch
    if state.global_step > 0 and args.load_best_model_at_end and state.best_global_step:
        state.global_step, state.epoch = state.best_global_step, evaluated_epoch(state, args)
    try:
        yield
    finally:
        state.global_step, state.epoch = saved


def evaluated_epoch(state: Any, args: KlueTrainingArguments) -> float | None:
    """The epoch of the model a final evaluation scores: the best checkpoint's where --load_best_model_at_end
    loaded it at the end of training, else the last."""
    if args.load_best_model_at_end and state.best_global_step:
        for entry in state.log_history:
            if entry.get("step") == state.best_global_step and "epoch" in entry:
                return entry["epoch"]
    return state.epoch


def restore_finished_state(trainer: Trainer, output_dir: Path) -> None:
    """A rerun of a finished training reports its evaluation at that run's epoch and step (its
    ``trainer_state.json``), as the run itself did, not as an evaluation of some untrained model."""
    try:
        saved = json.loads((output_dir / TRAINER_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # a run finished before trainer_state.json was written: nothing to restore
    if isinstance(saved, dict):
        trainer.state.epoch = saved.get("epoch")
        trainer.state.global_step = saved.get("global_step") or 0
        trainer.state.best_global_step = saved.get("best_global_step")
        trainer.state.log_history = list(saved.get("log_history") or [])


def save_trainer_state(trainer: Trainer, output_dir: Path) -> None:
    if trainer.is_world_process_zero():
        write_json(output_dir / TRAINER_STATE, _state_dict(trainer))


def _state_dict(trainer: Trainer) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(trainer.state), default=str))
