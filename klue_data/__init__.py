"""Readers of KLUE data: original KLUE files, user files and the Hub, all to the Hub schema.

Each task module (``klue_data.ynat``, ``klue_data.nli``, ...) provides:

- ``NAME``, ``FILE_PREFIXES`` (original file names, newest version first), ``FILE_SUFFIX``;
- ``LABELS``: label names in the official order (``None`` for tasks without a label list);
- ``read_file(path) -> list[dict]``: an original or Hub-schema file as Hub-schema records with
  label *names* and a ``guid``; bad input raises ``KlueDataError`` naming file, record and field;
- ``from_hub_example(example, features, guid) -> dict``: one Hub row to the same schema.
"""

from __future__ import annotations

from types import ModuleType

from klue_data import dp, mrc, ner, nli, re, sts, wos, ynat
from klue_data.errors import KlueDataError, SourceUnavailableError

TASKS: dict[str, ModuleType] = {
    "ynat": ynat, "nli": nli, "sts": sts, "ner": ner, "re": re, "dp": dp, "mrc": mrc, "wos": wos,
}


def get_task(name: str) -> ModuleType:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown KLUE task {name!r}; expected one of {', '.join(TASKS)}") from None


__all__ = ["TASKS", "KlueDataError", "SourceUnavailableError", "get_task"]
