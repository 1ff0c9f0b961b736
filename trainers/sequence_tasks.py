"""Tasks with one label or one score per example: YNAT, NLI (classification) and STS (regression).

The two differ only in the fields they read and in how a logit row becomes a prediction,
so each task script is a few class attributes on top of these.
"""

from __future__ import annotations

from typing import Any

import datasets
import numpy as np
from transformers import PreTrainedTokenizerBase

import metrics
from klue_data.labels import STS_MAX_SCORE, STS_MIN_SCORE
from trainers.task import Scored, Task, softmax


class SequenceTask(Task):
    """Tokenizes one text field, or a pair, per example."""

    text_fields: tuple[str, ...] = ()

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        texts = [examples[field] for field in self.text_fields]
        # Without padding the attention mask is all 1s: the collator makes it, nothing to store.
        features = tokenizer(
            *texts, truncation=True, max_length=max_length, padding=padding, return_attention_mask=bool(padding)
        )
        features["truncated"] = truncated_rows(tokenizer, texts, features, max_length)  # for the log only
        targets = self.targets(examples)
        if targets is not None:
            features["labels"] = targets
        return features

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        cut = int(np.sum(features["truncated"]))
        if not cut:
            return []
        return [f"{cut} of {len(features)} examples are longer than max_seq_length: their text past it is left out "
                "(raise --max_seq_length to keep it)."]

    def targets(self, examples: dict[str, list]) -> list[Any] | None:
        """Training targets of a batch, or None for unlabelled data."""
        raise NotImplementedError

    def references(self, examples: datasets.Dataset) -> np.ndarray | None:
        targets = self.targets({self.label_column: examples[self.label_column]})
        return None if targets is None else np.array(targets)


def truncated_rows(
    tokenizer: PreTrainedTokenizerBase, texts: list[list[str]], features: Any, max_length: int
) -> list[bool]:
    """Per example, whether truncation cut its text. Only rows that fill ``max_length`` can have been
    cut, so only those are encoded again, whole (a second encoding of every example would double
    the preprocessing). A padded row fills it when neither end is padding (padding is on one side)."""
    masks = features.get("attention_mask") or [None] * len(features["input_ids"])
    full = [row for row, (ids, mask) in enumerate(zip(features["input_ids"], masks))
            if len(ids) >= max_length and (mask is None or (mask[0] and mask[-1]))]  # fmt: skip
    cut = [False] * len(masks)
    if full:
        whole = tokenizer(*[[column[row] for row in full] for column in texts], return_length=True,
                          return_attention_mask=False, return_token_type_ids=False, verbose=False)["length"]
        for row, length in zip(full, whole):
            cut[row] = length > max_length
    return cut


class ClassificationTask(SequenceTask):
    """Predictions are label names with their probabilities."""

    def config_overrides(self) -> dict[str, Any]:
        # Set here, not left to the model's first forward (which writes it into the config): under
        # torch.compile that write fails the compiled graph's guard and compiles it all over again.
        return {**super().config_overrides(), "problem_type": "single_label_classification"}

    def targets(self, examples: dict[str, list]) -> list[int] | None:
        names = examples[self.label_column]
        if any(name is None for name in names):
            return None  # unlabelled prediction data
        label2id = {name: index for index, name in enumerate(self.label_names)}
        return [label2id[name] for name in names]

    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> np.ndarray:
        logits = predictions[0] if isinstance(predictions, tuple) else predictions
        return softmax(np.asarray(logits, dtype=np.float64))

    def score(self, decoded: np.ndarray, references: Any, examples: datasets.Dataset) -> Scored:
        predicted = decoded.argmax(axis=-1)
        return Scored(
            metrics.score_task(self.name, predicted, references),
            metrics.classification_breakdown(predicted, references, self.label_names),
        )

    def prediction_record(self, example: dict[str, Any], prediction: np.ndarray) -> dict[str, Any]:
        names = self.label_names
        return {
            "guid": example["guid"],
            "prediction": names[int(prediction.argmax())],
            # unrounded: rounding ties near-equal probabilities, which moves RE's AUPRC when the file is rescored
            "probabilities": {name: float(p) for name, p in zip(names, prediction)},
        }


class RegressionTask(SequenceTask):
    """One score per example, gold in [min_score, max_score]. Predictions are the raw model
    outputs, as KLUE-baseline scores them; ``clip`` puts them into the gold range."""

    min_score: float = STS_MIN_SCORE
    max_score: float = STS_MAX_SCORE
    label_smoothing_by = None  # a score, not classes

    def config_overrides(self) -> dict[str, Any]:
        return {"num_labels": 1, "problem_type": "regression", "id2label": {0: "score"}, "label2id": {"score": 0}}

    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> np.ndarray:
        scores = predictions[0] if isinstance(predictions, tuple) else predictions
        return np.asarray(scores, dtype=np.float64).reshape(-1)

    def clip(self, scores: np.ndarray) -> np.ndarray:
        return np.clip(scores, self.min_score, self.max_score)

    def score(self, decoded: np.ndarray, references: Any, examples: datasets.Dataset) -> Scored:
        return Scored(metrics.score_task(self.name, decoded, references))

    def prediction_record(self, example: dict[str, Any], prediction: float) -> dict[str, Any]:
        return {"guid": example["guid"], "prediction": float(prediction)}  # unrounded: rescored as evaluated
