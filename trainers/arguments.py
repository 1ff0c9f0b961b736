"""The command line of every task script: the task's own flags, then model, data and Trainer flags,
optionally after a .json / .yaml file of flags; every mistake is one line (``ArgumentsError``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch.utils.checkpoint
import yaml
from transformers import HfArgumentParser, SchedulerType, Trainer, TrainingArguments
from transformers.optimization import TYPE_TO_SCHEDULER_FUNCTION
from transformers.trainer_pt_utils import AcceleratorConfig

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

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # The values as given, before TrainingArguments turns them into objects: some of those fail there, or
        # once the data and the model are loaded, with a traceback.
        namespace, remaining = super().parse_known_args(args, namespace)
        check_stock_values(namespace)
        return namespace, remaining


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
    if argv and argv[0].lower().endswith(ARGUMENT_FILE_SUFFIXES) and not argv[0].startswith("-"):
        from_file = use_file_as_defaults(parser, Path(argv[0]))
        argv = argv[1:]
    elif argv and not argv[0].startswith("-") and Path(argv[0]).is_file():
        # argparse would say only that --model_name_or_path is missing, or that the name is not a flag
        raise ArgumentsError(f"{argv[0]}: an arguments file must end in {', '.join(ARGUMENT_FILE_SUFFIXES[:-1])} or "
                             f"{ARGUMENT_FILE_SUFFIXES[-1]}")
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
    row = metric_task(task.name)
    if (training_args.metric_for_best_model in (row.selection_key, f"eval_{row.selection_key}")
            and "greater_is_better" not in from_file and "greater_is_better" not in given_flags(argv)):
        # The Trainer guesses the direction from the name (lower is better for a *loss only): the table knows it
        training_args.greater_is_better = row.greater_is_better
    check_metric_for_best_model(task, training_args)
    if training_args.label_smoothing_factor and task.label_smoothing_by is None:
        raise ArgumentsError(f"--label_smoothing_factor {training_args.label_smoothing_factor:g}: {task.name} has no "
                             "class labels to smooth (a score, or labels its own loss reads); leave it at 0")
    if training_args.do_train:
        check_optimizer(training_args)
    check_torch_compile(training_args)
    return model_args, data_args, training_args, task_options


def check_optimizer(training_args: TrainingArguments) -> None:
    """``--optim`` as the Trainer will build it once training starts, after the data and the model have loaded
    (and after --overwrite_output_dir has cleared the earlier run): a missing package (the 8-bit optimizers'
    bitsandbytes, torchao, schedulefree, ...) or a missing companion flag, said up front in one line."""
    try:
        Trainer.get_optimizer_cls_and_kwargs(training_args)
    except (ImportError, ValueError, TypeError, NotImplementedError) as error:
        message = " ".join(str(error).split())
        if "pass a model" in message or "pass a `model`" in message:
            return  # GaLore, APOLLO, LOMO read the model: its package is there, the rest is checked with it
        optim = getattr(training_args.optim, "value", training_args.optim)  # a member of transformers' enum
        raise ArgumentsError(f"--optim {optim}: {message}") from None


def check_torch_compile(training_args: TrainingArguments) -> None:
    """``--torch_compile_backend`` and ``--torch_compile_mode`` as accelerate and torch.compile take them: a typo
    failed with a traceback when the Trainer was built, or (the mode) only when training started."""
    if not training_args.torch_compile:
        return
    from accelerate.utils import DynamoBackend

    backend = training_args.torch_compile_backend
    backends = [member.value.lower() for member in DynamoBackend if member.value != "NO"]
    if backend is not None and backend.lower() not in backends:
        raise ArgumentsError(f"--torch_compile_backend {backend}: not a backend torch.compile has here; choose one "
                             f"of {', '.join(backends)}")
    mode = training_args.torch_compile_mode
    if mode is not None:
        import torch._inductor

        modes = list(torch._inductor.list_mode_options())
        if mode not in modes:
            raise ArgumentsError(f"--torch_compile_mode {mode}: not a torch.compile mode; choose one of "
                                 f"{', '.join(modes)}")


def check_metric_for_best_model(task: Task, training_args: KlueTrainingArguments) -> None:
    """A selection metric the task never reports fails at the first evaluation, after training steps,
    with a KeyError traceback: say so in one line before anything runs."""
    name = training_args.metric_for_best_model
    selects = training_args.load_best_model_at_end or training_args.save_strategy == "best"
    if name is None or not (selects or training_args.early_stopping_patience):
        return
    keys = metric_task(task.name).metric_keys
    base = name.removeprefix("eval_")
    known = ("loss", *keys)
    # extras beside the official keys carry their key as a prefix (entity_f1_PS, uas_acc, exact_match_<type>)
    if base not in known and not any(base.startswith(f"{key}_") for key in keys):
        raise ArgumentsError(
            f"--metric_for_best_model {name}: {task.name} evaluation reports {', '.join(known)} (eval_ prefix optional)"
        )


# What get_scheduler passes a schedule itself (--lr_scheduler_kwargs must not), and the schedules it passes no
# --lr_scheduler_kwargs at all (they would be ignored in silence).
_SCHEDULER_OWN_ARGUMENTS = ("optimizer", "num_warmup_steps", "num_training_steps")
_SCHEDULERS_WITHOUT_KWARGS = (SchedulerType.CONSTANT, SchedulerType.CONSTANT_WITH_WARMUP)
# --optim_args as the Trainer splits it: key=value pairs separated by commas (spaces dropped)
_OPTIM_ARGS = re.compile(r"[^=,]+=[^=,]+(?:,[^=,]+=[^=,]+)*")


def _shown(value: Any) -> str:
    """A flag's value as the user wrote it: a string as it is, a mapping from an arguments file as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _check_keys(namespace: argparse.Namespace, flag: str, given: Any, accepted: Sequence[str], owner: str) -> None:
    """``given`` (the flag's value read as JSON) must be a mapping of arguments ``owner`` takes (``accepted``)."""
    typed = _shown(getattr(namespace, flag))
    if not isinstance(given, dict):
        raise ArgumentsError(f"--{flag} {typed}: expected a JSON object of arguments for {owner}")
    unknown = sorted(str(key) for key in given if key not in accepted)
    if unknown:
        verb = "is not an argument" if len(unknown) == 1 else "are not arguments"
        raise ArgumentsError(f"--{flag} {typed}: {', '.join(unknown)} {verb} of {owner}, which takes "
                             f"{', '.join(accepted) or 'none here'}")


def check_stock_values(namespace: argparse.Namespace) -> None:
    """The Trainer's flags that take JSON or a package, checked as given: TrainingArguments or the Trainer failed on
    them with a traceback (some only once the data and the model were loaded), or, for bad JSON, with a line that
    named no flag. Not checked: --fsdp_config's keys, and those of the schedules that pass theirs on to torch
    (reduce_lr_on_plateau, greedy)."""
    given: dict[str, Any] = {}
    for name in TrainingArguments._VALID_DICT_FIELDS:  # the flags TrainingArguments reads as JSON
        value = getattr(namespace, name, None)
        if isinstance(value, str) and value.startswith("{"):  # as TrainingArguments tells JSON from a file path
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise ArgumentsError(f"--{name} {value}: not valid JSON ({error.msg}, column {error.colno})") from None
        given[name] = value
    kwargs = given.get("lr_scheduler_kwargs")
    if kwargs is not None and kwargs != {}:
        try:
            scheduler = SchedulerType(namespace.lr_scheduler_type)
        except ValueError:  # not a schedule: argparse's choices say so
            scheduler = None
        if scheduler is not None:
            parameters = inspect.signature(TYPE_TO_SCHEDULER_FUNCTION[scheduler]).parameters
            if not any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters.values()):
                accepted = [] if scheduler in _SCHEDULERS_WITHOUT_KWARGS else [
                    name for name in parameters if name not in _SCHEDULER_OWN_ARGUMENTS]
                _check_keys(namespace, "lr_scheduler_kwargs", kwargs, accepted,
                            f"the {scheduler.value} schedule (--lr_scheduler_type)")
    config = given.get("accelerator_config")
    if isinstance(config, str) and not Path(config).is_file():  # a JSON file, read by AcceleratorConfig
        raise ArgumentsError(f"--accelerator_config {config}: no such file; give a JSON file or a JSON object")
    if config is not None and not isinstance(config, str):
        fields = [field.name for field in dataclasses.fields(AcceleratorConfig)]
        _check_keys(namespace, "accelerator_config", config, fields, "transformers' AcceleratorConfig")
    # what torch.utils.checkpoint.checkpoint takes besides the function and its inputs; preserve_rng_state is read
    # from its **kwargs (the others there go to the model's forward, which refuses them mid-training). The Trainer
    # takes every_n_layers and offload out of the dict itself (which layers are checkpointed, and where to).
    checkpoint = inspect.signature(torch.utils.checkpoint.checkpoint).parameters
    accepted = [name for name, parameter in checkpoint.items() if parameter.kind is parameter.KEYWORD_ONLY]
    for name in ("activation_checkpointing_kwargs", "gradient_checkpointing_kwargs"):
        if given.get(name) is not None and given[name] != {}:
            _check_keys(namespace, name, given[name], [*accepted, "preserve_rng_state", "every_n_layers", "offload"],
                        "torch.utils.checkpoint.checkpoint and the Trainer")
            _check_checkpointing_values(namespace, name, given[name])
    if given.get("deepspeed") and importlib.util.find_spec("deepspeed") is None:
        raise ArgumentsError(f"--deepspeed {_shown(namespace.deepspeed)}: needs the deepspeed package "
                             "(pip install deepspeed)")
    optim_args = getattr(namespace, "optim_args", None)
    if isinstance(optim_args, str) and optim_args and not _OPTIM_ARGS.fullmatch(optim_args.replace(" ", "")):
        raise ArgumentsError(f"--optim_args {optim_args}: expected key=value pairs separated by commas, e.g. "
                             "rank=64,scale=0.25")


def _check_checkpointing_values(namespace: argparse.Namespace, flag: str, given: dict[str, Any]) -> None:
    """The two keys the Trainer reads itself: a layer step of 0 divided by zero once the model was loaded, and
    offloading to pinned CPU memory needs CUDA (it failed at the first training step)."""
    typed = _shown(getattr(namespace, flag))
    every = given.get("every_n_layers", 1)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ArgumentsError(f"--{flag} {typed}: every_n_layers must be a whole number >= 1 (1 checkpoints every "
                             "layer)")
    offload = given.get("offload", False)
    if not isinstance(offload, bool):
        raise ArgumentsError(f"--{flag} {typed}: offload must be true or false")
    if offload and (getattr(namespace, "use_cpu", False) or not torch.cuda.is_available()):
        raise ArgumentsError(f"--{flag} {typed}: offload keeps the checkpointed activations in pinned CPU memory "
                             "for a CUDA GPU, and this run has none; leave offload out")


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


_YAML_TAG = "tag:yaml.org,2002:"


class _Yaml12Loader(yaml.SafeLoader):
    """Plain scalars read as YAML 1.2's core schema reads them, not as YAML 1.1 (PyYAML's): ``042`` is 42, not the
    octal 34; ``1:30`` is text, not the sexagesimal 90; only true/false are booleans (``no``, ``on``, ``y`` are text);
    dates are text; 0o17 and 0x1F are octal and hexadecimal. A flag that takes text still gets a number or a boolean
    as it was typed (``model_revision: 1.10`` is "1.10", as on the command line): see ``_typed_text``."""

    yaml_implicit_resolvers = {  # PyYAML's, less YAML 1.1's booleans, numbers, dates, = and <<; the core's below
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag.removeprefix(_YAML_TAG) not in ("bool", "int", "float", "timestamp", "value", "merge")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        try:
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)  # 042: 42 (int(text, 0) refuses it)
        except ValueError:  # an explicit !!int on other text
            raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a whole number",
                                                    node.start_mark) from None


_Yaml12Loader.add_implicit_resolver(f"{_YAML_TAG}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))
_Yaml12Loader.add_implicit_resolver(f"{_YAML_TAG}int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                    list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver(
    f"{_YAML_TAG}float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"),
)
_Yaml12Loader.add_constructor(f"{_YAML_TAG}int", _Yaml12Loader.construct_yaml_int)


class NotAFlagNameError(ValueError):
    """A key of an arguments file that is not text (``1:``, ``~:``): no flag has such a name."""


class _YamlWithoutRepeats(_Yaml12Loader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise RepeatedKeyError(f"line {node.value[index][0].start_mark.line + 1}: {key} is given twice; "
                                       "keep one")
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str) -> tuple[Any, dict[str, yaml.ScalarNode]]:
    """The document, and the top-level mapping's scalar values by key: what was typed, where YAML read a number or a
    boolean. A key that is not text (``1:``, ``~:``) is refused (it cannot be sorted with the others, nor be a flag)."""
    loader = _YamlWithoutRepeats(text)
    try:
        node = loader.get_single_node()
        typed: dict[str, yaml.ScalarNode] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node)
                if not isinstance(key, str):
                    as_typed = f" (typed {key_node.value})" if isinstance(key_node, yaml.ScalarNode) and \
                        key_node.value != repr(key) else ""
                    raise NotAFlagNameError(f"line {key_node.start_mark.line + 1}: the key {key!r}{as_typed} is not "
                                            "a flag name")
                if isinstance(value_node, yaml.ScalarNode):
                    typed[key] = value_node
        return (None if node is None else loader.construct_document(node)), typed
    finally:
        loader.dispose()


def _typed_text(value: Any, typed: yaml.ScalarNode | None) -> str | None:
    """A number or a boolean from an arguments file as it was typed, for a flag that takes text: str() would turn
    YAML's ``model_revision: 1.10`` into "1.1" and ``run_name: true`` into "True". None where that is unknown (a JSON
    fraction: 1.10 and 1.1 are one number)."""
    if typed is not None:
        return typed.value
    if isinstance(value, bool):
        return json.dumps(value)
    return str(value) if isinstance(value, int) else None


def _file_aliases(parser: ArgumentParser) -> dict[str, str]:
    """Other names of flags (``revision`` for ``model_revision``: the field's "aliases"), as keys of a file."""
    aliases = {}
    for cls in parser.dataclass_types:
        for item in dataclasses.fields(cls):
            names = item.metadata.get("aliases", [])
            for alias in [names] if isinstance(names, str) else names:
                aliases[alias.lstrip("-")] = item.name
    return aliases


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
    typed: dict[str, yaml.ScalarNode] = {}
    try:
        if path.suffix.lower() == ".json":
            values = json.loads(text, object_pairs_hook=_mapping_without_repeats)
        else:
            values, typed = _load_yaml(text)
    except (RepeatedKeyError, NotAFlagNameError) as error:
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
    for alias, name in _file_aliases(parser).items():
        if alias in values:
            if name in values:
                raise ArgumentsError(f"{path}: {alias} and {name} are one flag, given twice; keep one")
            values[name] = values.pop(alias)
            if alias in typed:
                typed[name] = typed.pop(alias)
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
        if action.type is str and not isinstance(value, str) and not (hint and _field_takes(hint, type(value))):
            # a flag that takes text gets what was typed, as on the command line
            text = _typed_text(value, typed.get(key))
            if text is None:
                raise ArgumentsError(f"{path}: {key}: takes text, got the number {value!r}; put it in quotes as "
                                     "meant (JSON reads 1.10 as 1.1)")
            values[key] = value = text
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
