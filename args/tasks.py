"""Flags that only one task has."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StsArguments:
    predictions_csv: bool = field(
        default=False,
        metadata={
            "help": "With --do_predict, also write predictions.csv with the columns id,target in test-file "
            "order (the layout of Korean STS competitions)."
        },
    )
