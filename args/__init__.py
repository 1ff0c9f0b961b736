"""Argument dataclasses shared by every task script (parsed with HfArgumentParser).

Each name loads its module on first use (``from args import NerArguments`` loads ``args.ner`` and
what it needs), so a script imports only the flags it has.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ArgumentsError": "args.errors",
    "DataArguments": "args.data",
    "DpArguments": "args.dp",
    "KlueTrainingArguments": "args.training",
    "McqaArguments": "args.mcqa",
    "ModelArguments": "args.model",
    "MrcArguments": "args.mrc",
    "NerArguments": "args.ner",
    "ReArguments": "args.re",
    "StsArguments": "args.sts",
    "WosArguments": "args.wos",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'args' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
