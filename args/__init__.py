"""Argument dataclasses shared by every task script (parsed with HfArgumentParser)."""

from args.data import DataArguments
from args.model import ModelArguments
from args.tasks import StsArguments
from args.training import KlueTrainingArguments

__all__ = ["DataArguments", "KlueTrainingArguments", "ModelArguments", "StsArguments"]
