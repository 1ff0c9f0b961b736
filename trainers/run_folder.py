"""What a run's ``--output_dir`` holds, and whether this command may use it.

A finished run (skipped when rerun with its flags, refused with others), a checkpoint to resume (whole, of this
task, saved under flags a resume can honour), another task's model, or another model's results: each is
recognised before the data loads, so that a rerun never answers with the wrong model or merges another model's
scores into this one's. Also the files a run writes there and clears before writing them again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import safetensors
from transformers import PretrainedConfig, Trainer
from transformers.trainer_utils import get_last_checkpoint

from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from args.command_line import file_sha1, nearest_existing, same_file
from args.predictions_csv import predictions_csv_path
from metrics.tasks import metric_task
from trainers.klue_trainer import RUN_SETTINGS_FILE
from trainers.loading import given_split_files, label_list
from trainers.outputs import drop_results, write_json
from trainers.task import Task

logger = logging.getLogger("klue")


# What evaluating or predicting a split writes into --output_dir, besides its keys in all_results.json
SPLIT_OUTPUT_FILES = {
    "eval": ("eval_results.json", "eval_breakdown.json", "eval_predictions.jsonl"),
    "predict": ("predict_results.json", "predictions.jsonl", "nbest_predictions.jsonl", "predictions.tsv",
                "predictions.csv"),
}
STALE_RESULT_FILES = ("all_results.json", *SPLIT_OUTPUT_FILES["eval"], *SPLIT_OUTPUT_FILES["predict"])


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
# The sampling and --dataloader_drop_last make the batch order too: a resume skips through it to its step.
# Early stopping comes back with its count and its patience as saved (the Trainer rebuilds it from the checkpoint).
RESUME_SETTINGS = ("learning_rate", "weight_decay", "optim", "optim_args", "adam_beta1", "adam_beta2", "adam_epsilon",
                   "seed", "data_seed", "per_device_train_batch_size", "gradient_accumulation_steps", "world_size",
                   "train_sampling_strategy", "dataloader_drop_last", "early_stopping_patience")

# A file's bytes (the train file; the validation file where it picks the model; a task's own, such as WoS's
# ontology) are kept as "<name>_sha1": shown as "<name> contents (SHA-1 old -> new)"
CONTENTS = "_sha1"
TRAIN_CONTENTS = "train_data" + CONTENTS
SELECTION_CONTENTS = "validation_data" + CONTENTS


def run_settings(
    task: Task, model_args: ModelArguments, data_args: DataArguments, training_args: KlueTrainingArguments
) -> dict[str, Any]:
    """The flags a training run's checkpoints depend on and a resume cannot change (``RESUME_SETTINGS``, the
    base model and input length, the train data; the validation data where its scores choose the model; the
    task's ``training_settings``). Saved with each checkpoint (``klue_run_settings.json``): a resume with another
    base model would go on with the checkpoint's weights under the new model's name; one after the train file
    was edited, on other data than it counted its position in (the file's SHA-1); one after the validation file
    was edited, comparing new scores with a best one of other examples."""
    files = given_split_files(task, data_args)
    train = files.get("train")
    settings = {name: getattr(training_args, name) for name in RESUME_SETTINGS}
    settings["model_name_or_path"] = model_args.model_name_or_path
    if not Path(model_args.model_name_or_path).exists():  # a Hub model's version; a local folder has none
        settings["model_revision"] = model_args.model_revision
    settings["config_name"] = model_args.config_name
    settings["tokenizer_name"] = model_args.tokenizer_name
    settings["max_seq_length"] = data_args.max_seq_length
    settings.update(task.training_settings())
    settings = comparable_settings(settings, task)
    hub = f"{data_args.dataset_name} {data_args.dataset_config_name or task.name}"
    settings["train_data"] = str(train.resolve()) if train else hub
    if train is not None and train.is_file():  # a missing file is the data loader's to report
        settings[TRAIN_CONTENTS] = file_sha1(train)
    settings["max_train_samples"] = data_args.max_train_samples
    if validation_chooses_model(training_args):  # the examples its scores are of
        validation = files.get("validation")
        if validation is not None and validation.is_file():
            settings[SELECTION_CONTENTS] = file_sha1(validation)
        settings["max_eval_samples"] = data_args.max_eval_samples
    return json.loads(json.dumps(settings, default=str))  # as read back from the file


# Beyond what a resume cannot change, what else makes a finished run's model: how long, on what schedule and in
# what precision it trained.
FINISHED_RUN_SETTINGS = ("num_train_epochs", "max_steps", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps",
                         "max_grad_norm", "label_smoothing_factor", "neftune_noise_alpha", "bf16", "fp16",
                         "load_best_model_at_end")


def finished_run_settings(settings: dict[str, Any], training_args: KlueTrainingArguments) -> dict[str, Any]:
    """``settings`` (this run's ``run_settings``) and ``FINISHED_RUN_SETTINGS``: saved beside a finished run's
    model, so that a rerun with other flags is not answered with that run's model and scores
    (``finished_training``). Flags of evaluation alone (decoding, scoring) are not in it: a rerun may evaluate the
    model under others."""
    settings = dict(settings)
    settings.update({name: getattr(training_args, name, None) for name in FINISHED_RUN_SETTINGS})
    settings["lr_scheduler_kwargs"] = settings["lr_scheduler_kwargs"] or None  # '{}' is the flag not given
    settings.update(selection_settings(training_args))
    return json.loads(json.dumps(settings, default=str))  # as read back from the file


def validation_chooses_model(training_args: KlueTrainingArguments) -> bool:
    """Whether the validation scores choose the run's model: its best checkpoint, or where early stopping ends it
    (and counts the patience)."""
    return bool(training_args.load_best_model_at_end or training_args.early_stopping_patience)


def selection_settings(training_args: KlueTrainingArguments) -> dict[str, Any]:
    """Where a run keeps its best checkpoint or stops early, the flags that chose its model: the metric and its
    direction, when it was evaluated, and (for the best checkpoint) when checkpoints were saved."""
    args = training_args
    chosen: dict[str, Any] = {}
    if validation_chooses_model(args):
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
    return [f"{name.removesuffix(CONTENTS)} contents (SHA-1 {_sha1_shown(saved[name])} -> {_sha1_shown(value)})"
            if name.endswith(CONTENTS) else f"{name} {saved[name]} -> {value}"
            for name, value in settings.items() if name in saved and saved[name] != value]  # fmt: skip


def _sha1_shown(sha1: str | None) -> str:
    return "none" if sha1 is None else f"{sha1:.8}"  # None: no such file (a WoS run without an ontology)


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


def clear_split_outputs(output_dir: Path, split: str) -> None:
    """Before a split is evaluated or predicted again into ``output_dir``: its files of an earlier run, and its
    keys in all_results.json, go. Merged or left beside the new ones, they would read as this run's (a score
    of a labelled file beside the predictions of an unlabelled one; a file a stop mid-write left old)."""
    for name in SPLIT_OUTPUT_FILES[split]:
        (output_dir / name).unlink(missing_ok=True)
    drop_results(output_dir, f"{split}_")


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
