"""The command line of every task script: the task's own flags, then model, data and Trainer flags,
optionally after a .json / .yaml file of flags; every mistake is one line (``ArgumentsError``).
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from transformers import HfArgumentParser

from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from args.command_line import given_flags
from metrics.tasks import metric_task
from trainers.task import Task


ARGUMENT_FILE_SUFFIXES = (".json", ".yaml", ".yml")


class ArgumentParser(HfArgumentParser):
    """``HfArgumentParser`` whose errors are one line (``ArgumentsError``), not the whole usage, and which
    takes flags by their whole names: a prefix (``--num_train 5``) would be read as the flag by argparse but
    not by ``given_flags`` (the required ``--output_dir``, ``run_all.sh``'s evaluation steps)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentsError(f"{message} (python {self.prog} --help lists the flags)")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each flag's help (unless the help already says its default, or it has none), and
    the script's description as it is written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.default is argparse.SUPPRESS or "default" in text.lower():
            return text
        return super()._get_help_string(action)


def _clarify_help(parser: ArgumentParser, task: Task) -> None:
    """Help of stock flags that says something else than what the runner does with them."""
    selection = metric_task(task.name).selection_key
    clearer = {
        "metric_for_best_model": f"The eval metric that picks the best checkpoint (--load_best_model_at_end), "
        f"eval_ prefix optional. Default: the task's selection metric, {selection}.",
        "resume_from_checkpoint": "A checkpoint folder to resume training from. Default: the last whole checkpoint "
        "in a non-empty --output_dir (--overwrite_output_dir starts over instead).",
        "do_train": "Train on the train split (saving the model, checkpoints and train_results.json).",
        "do_eval": "Score the validation split at the end (and, when training, at every --eval_strategy step; a "
        "config's eval_strategy turns this on for training runs).",
        "do_predict": "Predict the test split (the validation split when no test file is given): predictions.jsonl, "
        "and its scores when it has labels.",
        "max_seq_length": f"Longest input in tokens after tokenization; longer inputs are truncated. Default: "
        f"{task.name}'s {metric_task(task.name).max_seq_length}, lowered to what the tokenizer and the model take.",
    }
    for action in parser._actions:
        if action.dest in clearer and not isinstance(action, argparse._StoreFalseAction):
            action.help = clearer[action.dest]
        elif isinstance(action, argparse._StoreFalseAction) and action.option_strings[0].startswith("--no_"):
            # HfArgumentParser gives the --no_X of a flag that defaults to true the help of --X itself
            action.help = f"Turn --{action.dest} off (it is on by default)."


def build_parser(task: Task) -> ArgumentParser:
    """The script's flags: its own first, then model, data, and the Trainer's, each under a heading."""
    script = f"trainers/run_{task.name}.py"
    description = (sys.modules[type(task).__module__].__doc__ or "").strip()
    parser = ArgumentParser(
        (*task.argument_classes, ModelArguments, DataArguments, task.training_arguments_class),
        prog=script,
        usage=f"python {script} [ARGS.json|ARGS.yaml] --model_name_or_path MODEL --output_dir DIR [flags]",
        description=description,
        epilog="A .json or .yaml file given first supplies flags by name; flags after it win. Paths in it are "
        "read from the working directory, as on the command line.",
        formatter_class=_HelpFormatter,
    )
    _clarify_help(parser, task)
    return parser


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
    if not from_file.get("output_dir") and "output_dir" not in given_flags(argv):
        # The Trainer's default folder (./trainer_output) would be shared by every task run without it.
        parser.error("--output_dir is required: the folder for this run's model, checkpoints, results and predictions")
    *task_options, model_args, data_args, training_args = parsed
    if not (training_args.do_train or training_args.do_eval or training_args.do_predict):
        raise ArgumentsError("nothing to do: pass --do_train, --do_eval and/or --do_predict")
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


def _field_takes(hint: Any, kind: type) -> bool:
    """Whether a dataclass field annotated ``hint`` (``int``, ``str | None``, ``list[str] | None``, ...) holds a
    value of ``kind`` (``NoneType``, ``list``, ``dict``)."""
    members = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    return any(member is kind or typing.get_origin(member) is kind for member in members)


class RepeatedKeyError(ValueError):
    """A key given twice in one mapping of an arguments file: JSON and YAML readers keep the last in silence."""


def _mapping_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = [key for index, key in enumerate(keys) if key in keys[:index]]
    if repeated:
        raise RepeatedKeyError(f"{repeated[0]} is given twice; keep one")
    return dict(pairs)


class _YamlWithoutRepeats(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise RepeatedKeyError(f"line {node.value[index][0].start_mark.line + 1}: {key} is given twice; "
                                       "keep one")
        return super().construct_mapping(node, deep=deep)


def use_file_as_defaults(parser: ArgumentParser, path: Path) -> dict[str, Any]:
    """The file's values become the parser's defaults (so later flags win); unknown keys are an error.
    Returns the values."""
    path = path.resolve()
    if not path.is_file():
        raise ArgumentsError(f"{path}: {'is a folder' if path.is_dir() else 'no such arguments file'}")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte order mark, as some editors write, is no error
    except (OSError, UnicodeDecodeError) as error:
        raise ArgumentsError(f"{path}: cannot read it as UTF-8 text ({error})") from None
    if not text.strip():
        raise ArgumentsError(f"{path}: the file is empty; expected a mapping of flag names to values")
    try:
        if path.suffix == ".json":
            values = json.loads(text, object_pairs_hook=_mapping_without_repeats)
        else:
            values = yaml.load(text, Loader=_YamlWithoutRepeats)  # noqa: S506 (a SafeLoader)
    except RepeatedKeyError as error:
        raise ArgumentsError(f"{path}: {error}") from None
    except json.JSONDecodeError as error:
        problem = f"not valid JSON ({error.msg}, column {error.colno})"
        raise ArgumentsError(f"{path}, line {error.lineno}: {problem}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ArgumentsError(f"{path}{where}: not valid YAML ({problem})") from None
    if not isinstance(values, dict):
        got = "only comments" if values is None else type(values).__name__
        raise ArgumentsError(f"{path}: expected a mapping of flag names to values, got {got}")
    actions = {action.dest: action for action in reversed(parser._actions)}  # --X, not its --no_X switch
    hints = {name: hint for cls in parser.dataclass_types for name, hint in typing.get_type_hints(cls).items()}
    unknown = sorted(key for key in values if key not in actions or key == "help")
    if unknown:
        raise ArgumentsError(
            f"{path}: unknown flag names {', '.join(unknown)} (python {parser.prog} --help lists them)"
        )
    for key, value in values.items():
        action = actions[key]
        action.required = False
        # argparse types string defaults only: a value from the file is checked against the flag's field
        # here, so a wrong type ends in one line instead of a traceback deep in the run.
        hint = hints.get(key)
        if value is None:
            if hint is not None and not _field_takes(hint, type(None)):
                raise ArgumentsError(f"{path}: {key}: null is not a value of this flag; leave the key out for its "
                                     f"default ({parser.get_default(key)})")
            continue
        if isinstance(value, (list, dict)):
            if hint is not None and not _field_takes(hint, type(value)):
                kind = "list" if isinstance(value, list) else "mapping"
                raise ArgumentsError(f"{path}: {key}: expected one value, got the {kind} {value!r}")
            continue
        if action.choices is not None:
            # argparse checks the choices of command-line values only: from the file, a typo or "false" for
            # an on/auto/off flag would reach the run as it is (and anything but "off" reads as on).
            try:
                chosen = value if action.type is None else action.type(str(value))
            except (TypeError, ValueError, argparse.ArgumentTypeError):
                chosen = value
            if chosen not in action.choices:
                raise ArgumentsError(f"{path}: {key}: expected one of {', '.join(map(str, action.choices))}; got "
                                     f"{value!r}")
        if isinstance(value, str) or action.type is None:
            continue
        if isinstance(value, float) and action.type is int:
            raise ArgumentsError(f"{path}: {key}: expected a whole number, got {value!r}")
        try:
            values[key] = action.type(str(value))
        except (TypeError, ValueError, argparse.ArgumentTypeError) as error:
            raise ArgumentsError(f"{path}: {key}: {error}") from None
    parser.set_defaults(**values)
    return values
