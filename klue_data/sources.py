"""Where a task's splits come from: the Hub, a folder of original KLUE files, or single files.

Every source ends as a ``datasets.DatasetDict`` in the task's Hub schema with label *names*,
so preprocessing sees one input shape whatever the user pointed at.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from types import ModuleType

import datasets

from klue_data.errors import KlueDataError, SourceUnavailableError
from klue_data.hub_access import prefer_offline_when_hub_unreachable
from klue_data.records import fallback_guid

logger = logging.getLogger(__name__)

# The original archives name the validation split "dev".
ORIGINAL_SPLIT_NAMES = {"train": "train", "validation": "dev", "test": "test"}


def expected_layouts(task: ModuleType) -> str:
    """The file names and places ``--data_dir`` is searched, as the error message lists them."""
    first, *older = task.FILE_PREFIXES
    layouts = (
        f"DIR/{first}_train{task.FILE_SUFFIX} or DIR/{first}/{first}_train{task.FILE_SUFFIX} "
        f"(likewise _dev, _test)"
    )
    if older:
        layouts += "; v1 names too: " + ", ".join(
            f"DIR/{prefix}_train{task.FILE_SUFFIX}, DIR/{prefix}/{prefix}_train{task.FILE_SUFFIX}" for prefix in older
        )
    return layouts


def find_original_files(task: ModuleType, data_dir: str | Path) -> dict[str, Path]:
    """The task's original files in ``data_dir``, by split; v1.1 names win over v1 names.

    Only the documented layouts are read: the official file name directly in ``data_dir``
    (``DIR/klue-nli-v1.1_dev.json``) or in the task's own folder within it, named like the
    file's prefix (``DIR/klue-nli-v1.1/klue-nli-v1.1_dev.json``, as the archives unpack). Files
    deeper than that (samples, backups, other copies) are never picked; two files for one split
    are an error, not a silent choice.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise KlueDataError(data_dir, "--data_dir is not a directory")
    found: dict[str, Path] = {}
    for split, original_name in ORIGINAL_SPLIT_NAMES.items():
        # per version, newest first: the file directly in DIR and in DIR/<prefix>/
        versions = []
        for prefix in task.FILE_PREFIXES:
            name = f"{prefix}_{original_name}{task.FILE_SUFFIX}"
            candidates = [path for path in (data_dir / name, data_dir / prefix / name) if path.is_file()]
            if candidates:
                versions.append(candidates)
        if not versions:
            continue
        newest, *older = versions
        if len(newest) > 1:
            raise KlueDataError(
                data_dir,
                f"{len(newest)} {task.NAME} {original_name} files: {' and '.join(map(str, newest))}; "
                f"keep one, or name it with --{split}_file",
            )
        found[split] = newest[0]
        skipped = [str(path) for candidates in older for path in candidates]
        logger.info(
            "--data_dir: %s %s split from %s%s", task.NAME, split, newest[0],
            f" (older version not read: {', '.join(skipped)})" if skipped else "",
        )
    if not found:
        elsewhere = _other_matches(task, data_dir)
        raise KlueDataError(
            data_dir,
            f"no {task.NAME} files found; expected {expected_layouts(task)}"
            + (
                f"; found outside these layouts, not read: {', '.join(map(str, elsewhere))} "
                f"(point --data_dir at their folder, or pass them with --train_file/--validation_file)"
                if elsewhere
                else ""
            ),
        )
    return found


def _other_matches(task: ModuleType, data_dir: Path, *, max_depth: int = 4, limit: int = 3) -> list[Path]:
    """A few files with an official name outside the documented layouts, to point at in the error."""
    names = {
        f"{prefix}_{original}{task.FILE_SUFFIX}"
        for prefix in task.FILE_PREFIXES
        for original in ORIGINAL_SPLIT_NAMES.values()
    }
    hits: list[Path] = []
    for root, dirs, files in os.walk(data_dir):
        depth = len(Path(root).relative_to(data_dir).parts)
        if depth >= max_depth:
            dirs[:] = []
        dirs.sort()
        hits.extend(Path(root) / name for name in sorted(names.intersection(files)))
        if len(hits) >= limit:
            break
    return hits[:limit]


def read_split(task: ModuleType, path: str | Path, split: str | None = None) -> datasets.Dataset:
    """One file (original KLUE format or the Hub schema) as a Dataset in the Hub schema."""
    records = task.read_file(path)
    if not records:
        raise KlueDataError(path, "the file holds no examples")
    logger.info("Read %d %s %sexamples from %s", len(records), task.NAME, f"{split} " if split else "", path)
    return datasets.Dataset.from_list(records)


def load_local(task: ModuleType, files: Mapping[str, str | Path | None]) -> datasets.DatasetDict:
    return datasets.DatasetDict({split: read_split(task, path, split) for split, path in files.items() if path})


def load_hub(
    task: ModuleType,
    dataset_name: str,
    config_name: str | None = None,
    *,
    cache_dir: str | None = None,
    token: str | bool | None = None,
    splits: Collection[str] | None = None,
) -> datasets.DatasetDict:
    """The task from the Hub, converted to label names (the Hub's ids follow its own order) and checked
    as a file in the Hub schema is (``task.read_rows``): a row that file would be refused for (a head past
    the sentence, a score on another scale, a guid used twice) is one ``KlueDataError`` line naming the
    dataset, split, row, guid and field. Only ``splits`` (the Hub's names: train, validation, test) are converted
    and checked, when given: an evaluation must not stop at a bad training row, as it does not with files."""
    config_name = config_name or task.NAME
    prefer_offline_when_hub_unreachable()  # no network: fail at once (or use the cache), not after a minute of retries
    try:
        raw = datasets.load_dataset(dataset_name, config_name, cache_dir=cache_dir, token=token)
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
        if splits is not None and split not in splits:
            continue
        # Rebuilt from plain records, as local files are: mapping in place would keep the Hub's
        # ClassLabel features and turn the label names straight back into the Hub's ids.
        guid_prefix = f"{task.FILE_PREFIXES[-1]}_{ORIGINAL_SPLIT_NAMES.get(split, split)}"
        where = f"{dataset_name} (config {config_name!r}, {split} split)"
        features = dataset.features  # a deep copy on every access: once per split, not once per row
        records = [
            hub_record(task, example, features, fallback_guid(guid_prefix, index, separator="_"), where, index)
            for index, example in enumerate(dataset)
        ]
        # Conversion only names ids; the rows' values get the checks of the file readers here, so a copy on
        # another scale or with broken rows is refused now instead of training and scoring silently wrong.
        records = task.read_rows(where, records)
        converted[split] = datasets.Dataset.from_list(records)
        logger.info("Converted %d Hub %s examples of %s to label names", len(records), split, task.NAME)
    return converted


def hub_record(task: ModuleType, example: dict, features: datasets.Features, guid: str, where: str, index: int) -> dict:
    """One Hub row as the task's record; a row that is not the task's Hub schema (another task's config,
    a copy with other columns) is one line naming the dataset, the row and the columns it has."""
    try:
        return task.from_hub_example(example, features, guid)
    except KlueDataError as error:
        raise KlueDataError(where, error.problem, record=index, guid=error.guid or example.get("guid") or guid,
                            field=error.field, guid_name=error.guid_name) from None
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise KlueDataError(
            where, f"not the {task.NAME} Hub schema ({type(error).__name__}: {error}); "
            f"its columns: {', '.join(features)}", record=index, guid=example.get("guid") or guid,
        ) from None
