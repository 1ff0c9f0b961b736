"""Readers of KLUE data: original KLUE files, user files and the Hub, all to the Hub schema.

Each task module (``klue_data.ynat``, ``klue_data.nli``, ...) provides:

- ``NAME``, ``FILE_PREFIXES`` (original file names, newest version first), ``FILE_SUFFIX``;
- ``LABELS``: label names in the official order (``None`` for tasks without a label list);
- ``read_file(path) -> list[dict]``: an original or Hub-schema file as Hub-schema records with
  label *names* and a ``guid``; bad input raises ``KlueDataError`` naming file, record and field;
- ``read_rows(where, records) -> list[dict]``: records in the Hub schema (a file's, or Hub rows as
  ``from_hub_example`` gave them) checked as ``read_file`` checks them, errors naming ``where`` (a file, or
  a dataset's split): both routes refuse the same bad rows;
- ``from_hub_example(example, features, guid) -> dict``: one Hub row to the same schema, label ids as
  names; ``sources.load_hub`` then passes a split's rows through ``read_rows``.

The task modules are imported on first use (``get_task``, ``TASKS[name]``, ``klue_data.ner``),
so that ``klue_data.labels`` and ``klue_data.errors`` can be imported without any reader.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType

from klue_data.errors import KlueDataError, SourceUnavailableError

TASK_NAMES: tuple[str, ...] = ("ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos", "mcqa")  # KLUE order, then ours


class _TaskModules(Mapping[str, ModuleType]):
    """Task name -> reader module, imported when first looked up."""

    def __getitem__(self, name: str) -> ModuleType:
        if name not in TASK_NAMES:
            raise KeyError(name)
        return importlib.import_module(f"{__name__}.{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(TASK_NAMES)

    def __len__(self) -> int:
        return len(TASK_NAMES)

    def __repr__(self) -> str:
        return f"<KLUE task readers: {', '.join(TASK_NAMES)}>"


TASKS: Mapping[str, ModuleType] = _TaskModules()


def get_task(name: str) -> ModuleType:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown KLUE task {name!r}; expected one of {', '.join(TASKS)}") from None


def __getattr__(name: str) -> ModuleType:
    # ``import klue_data; klue_data.ner`` keeps working although the readers load lazily.
    if name in TASK_NAMES:
        return TASKS[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["TASKS", "TASK_NAMES", "KlueDataError", "SourceUnavailableError", "get_task"]
