"""``args`` exports each dataclass by name, loading its module on first use (args/__init__.py)."""

from __future__ import annotations

import importlib

import pytest

import args

EXPORTS = ["ArgumentsError", "DataArguments", "DpArguments", "KlueTrainingArguments", "McqaArguments",
           "ModelArguments", "MrcArguments", "NerArguments", "ReArguments", "StsArguments", "WosArguments"]


@pytest.mark.parametrize("name", EXPORTS)
def test_each_name_is_its_modules_class_and_listed(name):
    assert name in args.__all__ and name in dir(args)
    value = getattr(args, name)
    assert value.__name__ == name and getattr(importlib.import_module(value.__module__), name) is value


def test_a_name_it_does_not_export_is_an_attribute_error_not_none():
    with pytest.raises(AttributeError, match="module 'args' has no attribute 'NliArguments'"):
        args.NliArguments  # noqa: B018
    with pytest.raises(ImportError):
        exec("from args import NliArguments")
