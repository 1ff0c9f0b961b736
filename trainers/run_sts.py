r"""Fine-tune and score an encoder on KLUE-STS (sentence similarity, a score in [0, 5]).

    python trainers/run_sts.py --model_name_or_path klue/roberta-base --output_dir out/sts \
        --do_train --do_eval --do_predict [--predictions_csv]

The model regresses ``labels.real-label`` (the unrounded annotator mean the official baseline
trains and scores on; ``labels.label`` where a file has only that). Metrics: Pearson r and F1
at threshold 3 (``eval_pearsonr``, ``eval_f1``), computed on the raw model outputs as the
official baseline computes them; ``--clip_predictions`` clips them to [0, 5] first (and says so
in the results: ``eval_predictions_clipped``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from args import StsArguments
from args.predictions_csv import predictions_csv_path
from klue_data.sts import regression_target
from trainers.outputs import write_csv
from trainers.runner import main
from trainers.task import Scored
from trainers.sequence_tasks import RegressionTask

logger = logging.getLogger("klue")


class StsTask(RegressionTask):
    name = "sts"
    text_fields = ("sentence1", "sentence2")
    argument_classes = (StsArguments,)
    label_column = "labels"

    def targets(self, examples: dict[str, list]) -> list[float] | None:
        if any(labels is None for labels in examples["labels"]):
            return None
        return [regression_target(labels) for labels in examples["labels"]]

    def scoring_problem(self, examples: datasets.Dataset) -> str | None:
        if len(examples) < 2:
            return (f"{len(examples)} labelled pair(s): Pearson r needs at least 2 (as scipy's, which the official "
                    "scoring calls); score more pairs, or leave the labels out to only predict")
        return None

    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> np.ndarray:
        scores = super().decode(examples, features, predictions)
        return self.clip(scores) if self.option(StsArguments).clip_predictions else scores

    def score(self, decoded: np.ndarray, references: Any, examples: datasets.Dataset) -> Scored:
        scored = super().score(decoded, references, examples)
        if self.option(StsArguments).clip_predictions:
            scored.scores["predictions_clipped"] = 1.0  # not the benchmark's numbers: the results say so
        return scored

    def write_extra_predictions(self, output_dir: Path, examples: datasets.Dataset, decoded: Any, split: str) -> None:
        path = predictions_csv_path(self.option(StsArguments).predictions_csv, output_dir)
        if path is None:
            return
        rows = ((guid, f"{float(score):.6f}") for guid, score in zip(examples["guid"], decoded, strict=True))
        write_csv(path, ["id", "target"], rows)
        logger.info("Wrote %d scores to %s", len(decoded), path)


if __name__ == "__main__":
    sys.exit(main(StsTask()))
