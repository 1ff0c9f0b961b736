"""What a run starts from: the tokenizer, config and model (one readable line when neither a local
folder nor the Hub has them), a checkpoint's label order, and the data splits this run uses.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import datasets
import safetensors
import torch
from transformers import AutoConfig, AutoTokenizer, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

from args import ArgumentsError, DataArguments, KlueTrainingArguments, ModelArguments
from klue_data import KlueDataError, SourceUnavailableError
from klue_data.hub_access import prefer_offline_when_hub_unreachable
from klue_data.sources import find_original_files, load_hub, load_local
from models.encoder_head import encoder_class
from models.label_rows import reorder_label_rows

if TYPE_CHECKING:  # for annotations only: trainers.task imports this module
    from trainers.task import Task

logger = logging.getLogger("klue")


def label_list(id2label: dict[Any, Any] | None) -> list[str]:
    """A config's ``id2label`` (ids as ints, or as strings from JSON) as label names in id order."""
    id2label = id2label or {}
    return [str(id2label[key]) for key in sorted(id2label, key=int)]


def given_split_files(task: Task, data_args: DataArguments, *, log: bool = False) -> dict[str, Path]:
    """The local file given for each split: ``--data_dir``'s original files, overridden by ``--*_file``
    (none for the Hub). ``log``: say which file ``--data_dir`` gave each split (once a run)."""
    explicit = {"train": data_args.train_file, "validation": data_args.validation_file, "test": data_args.test_file}
    files: dict[str, Any] = {}
    if data_args.data_dir:
        sources_logger = logging.getLogger("klue_data.sources")
        level = sources_logger.level
        if not log:
            sources_logger.setLevel(logging.WARNING)
        try:
            files.update(find_original_files(task.data, data_args.data_dir))
        finally:
            sources_logger.setLevel(level)
    files.update({split: path for split, path in explicit.items() if path})
    return {split: Path(path) for split, path in files.items()}


def local_split_files(task: Task, data_args: DataArguments | None) -> dict[str, Path]:
    """The local file each split is read from, as ``load_raw_splits`` picks it (none for the Hub),
    the test split being the validation file when no test file is given."""
    if data_args is None:
        return {}
    files = given_split_files(task, data_args)
    if "test" not in files and "validation" in files:
        files["test"] = files["validation"]
    return files


def split_source(task: Task, data_args: DataArguments, split: str) -> str | Path | None:
    """What an input error in ``split`` names: its local file, else the Hub dataset."""
    return local_split_files(task, data_args).get(split) or data_args.dataset_name


def require_labels(
    task: Task, raw: datasets.DatasetDict, data_args: DataArguments, training_args: KlueTrainingArguments
) -> None:
    """Training and evaluation need a gold label on every example: without one a training batch has
    no loss and an evaluation no score. The test split is labelled on every example (scored) or on
    none (predicted only): a partly labelled one would be scored on nothing, or break preprocessing
    where a batch's labels are all or none."""
    used = {"train": training_args.do_train, "validation": training_args.do_eval, "test": training_args.do_predict}
    for split, is_used in used.items():
        if not is_used or split not in raw:
            continue
        missing = task.unlabelled(raw[split])
        if not missing:
            problem = task.scoring_problem(raw[split]) if split != "train" else None
            if problem is not None:
                raise KlueDataError(split_source(task, data_args, split), f"{split}: {problem}")
            continue
        if split != "test":
            expected = "training and evaluation need one on every example (only the --test_file may leave labels out)"
        elif len(missing) == len(raw[split]):  # unlabelled test data; said, as a misnamed label field reads the same
            logger.info("test: no example has a label ('%s'): predicted, not scored.", task.label_column)
            continue
        elif task.partly_labelled_test_is_unlabelled:
            logger.warning("test: %d of %d examples have no label: the split is predicted, not scored.", len(missing),
                           len(raw[split]))
            continue
        else:
            expected = "a test file has a label on every example (scored) or on none (predicted only)"
        first = missing[0]
        key = next((name for name in ("guid", "id") if name in raw[split].column_names), None)  # MCQA: id
        guid = raw[split][key][first] if key else None
        raise KlueDataError(
            split_source(task, data_args, split),
            f"{split}: {len(missing)} of {len(raw[split])} examples have no label{task.unlabelled_note}; {expected}",
            record=first, guid=guid, field=task.label_column, guid_name=key or "guid",
        )


@contextlib.contextmanager
def errors_name_the_file(task: Task, data_args: DataArguments, split: str) -> Iterator[None]:
    """Input errors raised by a task's hooks, which see a split's examples but not their file, name the file."""
    try:
        yield
    except KlueDataError as error:
        if error.path is not None:
            raise
        raise error.in_file(split_source(task, data_args, split)) from None


def load_raw_splits(
    task: Task,
    data_args: DataArguments,
    training_args: KlueTrainingArguments,
    cache_dir: str | None = None,
    token: str | None = None,
) -> datasets.DatasetDict:
    """The splits this run needs, in the Hub schema, cut to ``max_*_samples``.

    Local files win over the Hub. ``--do_predict`` without a test file predicts the
    validation split (the KLUE test labels are not public).
    """
    if data_args.data_dir or data_args.train_file or data_args.validation_file or data_args.test_file:
        files = given_split_files(task, data_args, log=True)
        # Only the splits this run uses are read: a bad train file must not stop an evaluation.
        used = {"train": training_args.do_train, "test": training_args.do_predict,
                "validation": training_args.do_eval or (training_args.do_predict and "test" not in files)}
        raw = load_local(task.data, {split: path for split, path in files.items() if used[split]})
    elif getattr(task.data, "HUB_DATASET", "") is None:  # a task with no Hub dataset (MCQA)
        raise KlueDataError(
            None, f"{task.name} has no Hub dataset; pass --train_file/--validation_file/--test_file or --data_dir"
        )
    else:
        # As with files, only the splits this run uses are converted and checked (the Hub has no test split
        # for most tasks: --do_predict then predicts the validation split)
        used = {"train": training_args.do_train, "validation": training_args.do_eval or training_args.do_predict,
                "test": training_args.do_predict}
        raw = load_hub(task.data, data_args.dataset_name, data_args.dataset_config_name, cache_dir=cache_dir,
                       token=token, splits=[split for split, is_used in used.items() if is_used])
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
    for split, is_needed in needed.items():
        if is_needed:
            with errors_name_the_file(task, data_args, split):
                task.read_uncut_split(raw[split], split)
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
        # transformers 5 loads weights in the precision they were saved in: a bf16 checkpoint would train without
        # fp32 weights, its small updates lost to rounding (most weights never change). --bf16/--fp16 autocast.
        kwargs.setdefault("dtype", torch.float32)
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
    except safetensors.SafetensorError as error:
        raise SourceUnavailableError(f"{name}: its weights file cannot be read ({error}); it is damaged or was cut "
                                     "short (copied or downloaded in part?): copy it again") from None
    except (OSError, ValueError) as error:
        # transformers 5 says a local folder without tokenizer files with a ValueError (a slow tokenizer
        # it cannot convert); any other ValueError is not a missing file
        if isinstance(error, ValueError) and (loads_weights or not Path(name).is_dir()):
            raise
        local = Path(name).exists()
        hint = (
            f"{name!r} is a local path but does not hold what {loader.__name__} needs"
            if local
            else f"{name!r} is not a local directory, and neither the Hugging Face Hub nor the local cache has it; "
            "download it once with network access (then HF_HUB_OFFLINE=1 loads it from the cache) or pass "
            "--model_name_or_path LOCAL_DIR (to run_all.sh: --model LOCAL_DIR)"
        )
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceUnavailableError(
            f"Could not load {loader.__name__} from {name!r}: {hint}. ({reason[:200]})"
        ) from error


def refuse_last_position_summary(config: PretrainedConfig, name: str) -> None:
    """XLNet-style heads (``summary_type`` "last") read a sequence's last position, a padding token under the
    right padding every task here uses: predictions would change with the batch and the other choices' lengths."""
    if getattr(config, "summary_type", None) == "last":
        raise ArgumentsError(
            f"{name}: its {config.model_type} head reads the sequence's last position (summary_type 'last'), "
            "which this suite's right padding makes a padding token; use an encoder whose head reads the first "
            "token (BERT, RoBERTa, ELECTRA, ...)"
        )


def load_tokenizer(model_args: ModelArguments, fast_required: bool = False) -> PreTrainedTokenizerBase:
    tokenizer = from_pretrained(AutoTokenizer, model_args, model_args.tokenizer_name)
    if tokenizer.padding_side != "right":
        # Encoders read [CLS] at position 0 and decoding maps outputs to tokens by position: a
        # tokenizer shipped with left padding would shift both. Saved with the model as "right".
        logger.info("Padding on the right (the tokenizer was set to pad on the %s).", tokenizer.padding_side)
        tokenizer.padding_side = "right"
    if tokenizer.truncation_side != "right":
        # What is cut is the end of a text, as the tasks count and report it: an MRC context's windows would
        # come last to first (their starts are counted from the first), NER would cut the characters that
        # official scoring keeps. Saved with the model as "right".
        logger.info("Cutting long texts at their end (the tokenizer was set to cut on the %s).",
                    tokenizer.truncation_side)
        tokenizer.truncation_side = "right"
    if fast_required and not tokenizer.is_fast:
        raise SourceUnavailableError(
            f"{type(tokenizer).__name__} is not a fast tokenizer; this task needs character offsets, "
            "which only fast (Rust) tokenizers give. Pick a model that ships tokenizer.json."
        )
    # The data's text is text: a "[SEP]" or "<obj>" typed in a sentence would otherwise become the
    # separator or an RE marker, changing the input silently (or, in an MRC question, stopping the run).
    # The few calls that tokenize special tokens on purpose say split_special_tokens=False. Not saved.
    # Fast tokenizers only: a slow (Python) one ignores it for special tokens and would instead read
    # the model's own added words as [UNK] (transformers 5).
    if tokenizer.is_fast:
        tokenizer.split_special_tokens = True
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


def has_token_types(config: PretrainedConfig) -> bool:
    """Whether the model reads token types: a table of two or more (RoBERTa and XLM-R have 1, DeBERTa-v3
    0), and ``token_type_ids`` among its forward's inputs (DistilBERT and ModernBERT have none; their
    forward's ``**kwargs`` would drop the ids a BERT tokenizer gives without a word). A config
    ``AutoModel`` does not know keeps what its tokenizer gives."""
    if getattr(config, "type_vocab_size", 2) < 2:
        return False
    model_class = encoder_class(config)
    return model_class is None or "token_type_ids" in inspect.signature(model_class.forward).parameters


def emit_no_token_type_ids(tokenizer: PreTrainedTokenizerBase) -> None:
    """A tokenizer that no longer emits ``token_type_ids``, also once saved with the model.

    ``klue/roberta-*`` ship a BERT tokenizer that emits token type ids while the model has a single
    token type (``type_vocab_size`` 1): a second-segment id 1 would index past its table, in
    training and in ``pipeline()`` on the saved output dir alike."""
    names = [name for name in tokenizer.model_input_names if name != "token_type_ids"]
    tokenizer.model_input_names = names
    tokenizer.init_kwargs["model_input_names"] = names  # what save_pretrained writes


# Model types whose position ids start after the padding index (fairseq's layout): the first
# ``pad_token_id + 1`` position embeddings are never used (klue/roberta-*: 514 rows, 512 tokens).
# Text encoders whose position ids start after the padding index (transformers' create_position_ids_from_input_ids)
POSITIONS_AFTER_PADDING_MODEL_TYPES = (
    "roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "data2vec-text", "xmod", "roberta-prelayernorm",
    "mpnet", "longformer", "ibert", "luke", "layoutlmv3", "lilt", "markuplm",
)  # fmt: skip


def model_positions(config: PretrainedConfig) -> int | None:
    """The longest input the model's position embeddings take, or None when it has no such limit
    (relative positions only, as DeBERTa-v2/v3) or its config does not say."""
    positions = getattr(config, "max_position_embeddings", None)
    if not isinstance(positions, int) or positions <= 0 or getattr(config, "position_biased_input", True) is False:
        return None
    if getattr(config, "model_type", None) in POSITIONS_AFTER_PADDING_MODEL_TYPES:
        positions -= (getattr(config, "pad_token_id", None) or 0) + 1
    return positions
