"""Flags that only one task has."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StsArguments:
    _argument_group_name = "STS task"  # the heading of these flags in --help

    clip_predictions: bool = field(
        default=False,
        metadata={
            "help": "Clip predicted scores to the gold range [0, 5] before scoring and writing them. Off by "
            "default: KLUE-baseline scores the raw model outputs, and clipping moves Pearson r. When on, "
            "the results say so (eval_predictions_clipped: 1.0)."
        },
    )
    predictions_csv: bool = field(
        default=False,
        metadata={
            "help": "With --do_predict, also write predictions.csv with the columns id,target in test-file "
            "order (the layout of Korean STS competitions)."
        },
    )
