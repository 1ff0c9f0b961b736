"""The command line of every task script: the task's own flags, then model, data and Trainer flags,
optionally after a .json / .yaml file of flags; every mistake is one line (``ArgumentsError``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from transformers import HfArgumentParser

from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from metrics.tasks import metric_task
from trainers.task import Task


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
