"""The STS task's own flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.predictions_csv import check_predictions_csv, predictions_csv_field


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
    predictions_csv: str | None = predictions_csv_field("the columns id,target (the layout of Korean STS "
                                                        "competitions)")

    def __post_init__(self) -> None:
        check_predictions_csv(self.predictions_csv)
