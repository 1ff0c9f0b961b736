"""Where a task's splits come from: the Hub, a folder of original KLUE files, or single files.

Every source ends as a ``datasets.DatasetDict`` in the task's Hub schema with label *names*,
so preprocessing sees one input shape whatever the user pointed at.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import datasets

from klue_data.errors import KlueDataError, SourceUnavailableError

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
# The original archives name the validation split "dev".
ORIGINAL_SPLIT_NAMES = {"train": "train", "validation": "dev", "test": "test"}


def find_original_files(task: ModuleType, data_dir: str | Path) -> dict[str, Path]:
    """The task's original files below ``data_dir``, by split; v1.1 names win over v1 names."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise KlueDataError(data_dir, "--data_dir is not a directory")
    found: dict[str, Path] = {}
    for split, original_name in ORIGINAL_SPLIT_NAMES.items():
        for prefix in task.FILE_PREFIXES:
            matches = sorted(data_dir.rglob(f"{prefix}_{original_name}{task.FILE_SUFFIX}"))
            if matches:
                found[split] = matches[0]
                break
    if not found:
        expected = ", ".join(f"{prefix}_train{task.FILE_SUFFIX}" for prefix in task.FILE_PREFIXES)
        raise KlueDataError(data_dir, f"no {task.NAME} files found; expected names like {expected} (any depth)")
    return found


def read_split(task: ModuleType, path: str | Path) -> datasets.Dataset:
    """One file (original KLUE format or the Hub schema) as a Dataset in the Hub schema."""
    records = task.read_file(path)
    if not records:
        raise KlueDataError(path, "the file holds no examples")
    logger.info("Read %d %s examples from %s", len(records), task.NAME, path)
    return datasets.Dataset.from_list(records)


def load_local(task: ModuleType, files: Mapping[str, str | Path | None]) -> datasets.DatasetDict:
    return datasets.DatasetDict({split: read_split(task, path) for split, path in files.items() if path})


def load_hub(
    task: ModuleType,
    dataset_name: str,
    config_name: str | None = None,
    *,
    cache_dir: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
) -> datasets.DatasetDict:
    """The task from the Hub, converted to label names (the Hub's ids follow its own order)."""
    config_name = config_name or task.NAME
    try:
        raw = datasets.load_dataset(dataset_name, config_name, cache_dir=cache_dir, revision=revision, token=token)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceUnavailableError(
            f"Could not load the dataset {dataset_name!r} (config {config_name!r}) from the Hugging Face Hub "
            f"({type(error).__name__}: {reason[:200]}). Offline? Point at local files instead: "
            f"--data_dir DIR (a folder with the original files, e.g. {task.FILE_PREFIXES[0]}_train{task.FILE_SUFFIX}) "
            f"or --train_file/--validation_file/--test_file."
        ) from error
    converted = datasets.DatasetDict()
    for split, dataset in raw.items():
        # Rebuilt from plain records, as local files are: mapping in place would keep the Hub's
        # ClassLabel features and turn the label names straight back into the Hub's ids.
        guid_prefix = f"{task.FILE_PREFIXES[-1]}_{ORIGINAL_SPLIT_NAMES.get(split, split)}"
        records = [
            task.from_hub_example(example, dataset.features, f"{guid_prefix}_{index:05d}")
            for index, example in enumerate(dataset)
        ]
        converted[split] = datasets.Dataset.from_list(records)
        logger.info("Converted %d Hub %s examples of %s to label names", len(records), split, task.NAME)
    return converted
