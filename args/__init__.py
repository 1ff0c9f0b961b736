"""Argument dataclasses shared by every task script (parsed with HfArgumentParser)."""

from args.data import DataArguments
from args.dp import DpArguments
from args.errors import ArgumentsError
from args.model import ModelArguments
from args.mrc import MrcArguments
from args.ner import NerArguments
from args.re import ReArguments
from args.tasks import StsArguments
from args.training import KlueTrainingArguments

__all__ = [
    "ArgumentsError",
    "DataArguments",
    "DpArguments",
    "KlueTrainingArguments",
    "ModelArguments",
    "MrcArguments",
    "NerArguments",
    "ReArguments",
    "StsArguments",
]
