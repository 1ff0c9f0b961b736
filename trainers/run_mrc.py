r"""Fine-tune and score an encoder on KLUE-MRC (extractive question answering, unanswerable questions included).

    python trainers/run_mrc.py --model_name_or_path klue/roberta-base --output_dir out/mrc \
        --do_train --do_eval --do_predict [--max_seq_length 512 --doc_stride 128 --n_best_size 20]

Long contexts are read in windows of ``--max_seq_length`` tokens sharing ``--doc_stride`` tokens
(``--doc_stride_mode step``: starting ``--doc_stride`` tokens apart, KLUE-baseline's windows);
each question's answer is the best start/end span over its windows (by default counted only in
the window where its start has the most context, ``--max_context_only``), or ``""`` when the
no-answer score wins by more than ``--null_score_diff_threshold`` (see ``algorithms/mrc_spans.py``).
Question, special and padding tokens are masked per eval batch, so answers do not depend on the
batching. Metrics: exact match and character ROUGE-W (``eval_exact_match``, ``eval_rouge_w``),
per question type (paraphrase, multi_sentence, unanswerable) also in ``eval_breakdown.json``.
``--do_predict`` writes ``predictions.jsonl`` (the answer per guid) and ``nbest_predictions.jsonl``
(the n-best spans with scores and character offsets, and the no-answer score).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from transformers import (
    AutoModelForQuestionAnswering,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

import metrics
from args import ModelArguments, MrcArguments
from klue_data import KlueDataError
from klue_data.mrc import gold_answers
from algorithms import mrc_spans, mrc_windows
from trainers.outputs import write_jsonl
from trainers.runner import Scored, Task, from_pretrained, main
from algorithms.token_offsets import TokenOffsets

logger = logging.getLogger("klue")

_SHOWN_GUIDS = 5
QUESTION_TYPE_NAMES = {"1": "paraphrase", "2": "multi_sentence", "3": "unanswerable"}


def question_type_name(kind: str) -> str:
    """KLUE question type ("1", "2", "3") → its name in results keys and eval_breakdown.json."""
    return QUESTION_TYPE_NAMES.get(kind, f"type{kind}")


class MrcTask(Task):
    name = "mrc"
    argument_classes = (MrcArguments,)
    needs_fast_tokenizer = True  # answers are cut from the context by character offsets
    units = ("questions", "windows")  # examples and model inputs, as the log counts them

    @property
    def settings(self) -> MrcArguments:
        return self.option(MrcArguments)

    def check_options(self, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        settings = self.settings  # a --doc_stride that leaves no room for a question fails here, before the data
        mrc_windows.query_token_limit(
            tokenizer, max_length, settings.doc_stride, settings.max_query_length, settings.doc_stride_mode
        )

    def config_overrides(self) -> dict[str, Any]:
        return {}  # spans, no labels

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        return from_pretrained(AutoModelForQuestionAnswering, model_args, config=config)

    # --- features ---------------------------------------------------------------------------
    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        """Repair ``answer_start`` offsets; drop train examples whose answer is not in the context (or
        that have none); number the examples so windows can point back at them."""
        alignment = mrc_windows.align_answer_starts(
            column(examples, "context"), column(examples, "answers"), column(examples, "is_impossible")
        )
        _log_alignment(split, alignment, column(examples, "guid"))
        unlabelled = _unlabelled_rows(examples)
        if unlabelled and split == "train":
            logger.warning("train: skipped %d answerable questions that have no answer.", len(unlabelled))
        elif unlabelled and len(unlabelled) < len(examples):
            logger.warning(
                "%s: %d of %d questions are answerable but have no answer; the split is treated as "
                "unlabelled (predicted, not scored).",
                split,
                len(unlabelled),
                len(examples),
            )
        if alignment.repaired:
            features = examples.features["answers"]
            examples = examples.remove_columns("answers").add_column("answers", alignment.answers, feature=features)
        skipped = set(alignment.unfound) | set(unlabelled) if split == "train" else set()
        if skipped and len(skipped) == len(examples):
            raise KlueDataError(None, "train: no question has an answer found in its context; nothing to train on")
        if skipped:
            examples = examples.select([index for index in range(len(examples)) if index not in skipped])
        return examples.add_column("example_index", np.arange(len(examples), dtype=np.int64))

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        settings = self.settings
        return mrc_windows.window_features(
            examples,
            tokenizer,
            max_length,
            settings.doc_stride,
            settings.max_query_length,
            padding,
            doc_stride_mode=settings.doc_stride_mode,
        )

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        """The top-k start/end logits of each window's context tokens (question, special and padding
        positions masked first, found from the batch's input ids), and its no-answer score: the same
        whatever else shares the batch."""
        start_logits, end_logits = logits[:2]
        context = mrc_windows.context_mask(inputs["input_ids"], tokenizer.sep_token_id, inputs.get("attention_mask"))
        return mrc_windows.top_k_logits(start_logits, end_logits, self.settings.n_best_size, context)

    # --- outputs ----------------------------------------------------------------------------
    def decode(
        self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any
    ) -> list[mrc_spans.SpanPrediction]:
        settings = self.settings
        arrow = features.with_format("arrow")
        offsets = TokenOffsets.of(arrow["offset_mapping"])
        return mrc_spans.decode_spans(
            mrc_spans.as_top_k(predictions, settings.n_best_size, offsets),
            arrow["example_index"].to_numpy(),
            offsets,
            column(examples, "context"),
            n_best_size=settings.n_best_size,
            max_answer_length=settings.max_answer_length,
            null_score_diff_threshold=settings.null_score_diff_threshold,
            window_starts=arrow["window_start"].to_numpy() if settings.max_context_only else None,
        )

    def references(self, examples: datasets.Dataset) -> list[list[str]] | None:
        """Gold answer lists (``[]`` for unanswerable), or None when some answerable question has no
        answer (a test file without labels): scoring it against ``""`` would be wrong."""
        if _unlabelled_rows(examples):
            return None
        return [
            gold_answers({"is_impossible": impossible, "answers": answers})
            for impossible, answers in zip(column(examples, "is_impossible"), column(examples, "answers"))
        ]

    def prediction_record(self, example: dict[str, Any], prediction: mrc_spans.SpanPrediction) -> dict[str, Any]:
        return {"guid": example["guid"], "prediction": prediction.text}

    def score(self, decoded: list[mrc_spans.SpanPrediction], references: Any, examples: datasets.Dataset) -> Scored:
        """Exact match and ROUGE-W, and both per question type, named as in the results keys
        (``exact_match_paraphrase``, ...; KLUE types 1, 2, 3); questions of another type (0: unknown,
        as in user files without ``question_type``) are left out of the breakdown and counted."""
        texts = [prediction.text for prediction in decoded]
        types = np.asarray(column(examples, "question_type"), dtype=np.int64)
        known = np.flatnonzero(np.isin(types, metrics.MRC_QUESTION_TYPES))
        if known.size:
            breakdown = metrics.mrc_breakdown(
                [texts[i] for i in known], [references[i] for i in known], types[known].tolist()
            )
        else:
            empty = {"exact_match": None, "rouge_w": None, "count": 0}
            breakdown = {"per_question_type": {str(kind): dict(empty) for kind in metrics.MRC_QUESTION_TYPES}}
        breakdown["per_question_type"] = {
            question_type_name(kind): values for kind, values in breakdown["per_question_type"].items()
        }
        breakdown["unknown_question_type_count"] = int(len(types) - len(known))
        scores = metrics.score_task(self.name, texts, references)
        for name, values in breakdown["per_question_type"].items():
            if values["count"]:
                scores[f"exact_match_{name}"] = values["exact_match"]
                scores[f"rouge_w_{name}"] = values["rouge_w"]
        return Scored(scores, breakdown)

    def write_extra_predictions(
        self, output_dir: Path, examples: datasets.Dataset, decoded: list[mrc_spans.SpanPrediction], split: str
    ) -> None:
        records = (
            {
                "guid": guid,
                "prediction": prediction.text,
                "null_score": round(prediction.null_score, 6),
                "nbest": prediction.nbest(context),
            }
            for guid, context, prediction in zip(
                column(examples, "guid"), column(examples, "context"), decoded, strict=True
            )
        )
        write_jsonl(output_dir / "nbest_predictions.jsonl", records)


def _log_alignment(split: str, alignment: mrc_windows.AnswerAlignment, guids: list[str]) -> None:
    """Repairs and unfound answers are counted in the log, never silent."""
    if alignment.repaired:
        logger.info(
            "%s: moved %d answer_start offsets to the nearest occurrence of their answer text.",
            split,
            alignment.repaired,
        )
    if not alignment.unfound:
        return
    shown = ", ".join(guids[index] for index in alignment.unfound[:_SHOWN_GUIDS])
    more = ", ..." if len(alignment.unfound) > _SHOWN_GUIDS else ""
    if split == "train":
        logger.warning(
            "train: skipped %d examples whose answer text does not occur in their context (%s%s).",
            len(alignment.unfound),
            shown,
            more,
        )
    else:
        logger.warning(
            "%s: %d questions have an answer text that does not occur in their context (%s%s); "
            "they are kept and scored against that text.",
            split,
            len(alignment.unfound),
            shown,
            more,
        )


def _unlabelled_rows(examples: datasets.Dataset) -> list[int]:
    """Answerable questions without an answer text: the mark of unlabelled (test) data."""
    return [
        index
        for index, (impossible, answers) in enumerate(
            zip(column(examples, "is_impossible"), column(examples, "answers"))
        )
        if not impossible and not answers["text"]
    ]


def column(dataset: datasets.Dataset, name: str) -> list[Any]:
    """One column as a Python list, read in one go (iterating ``dataset[name]`` decodes row by row)."""
    return dataset.select_columns([name])[:][name]


if __name__ == "__main__":
    sys.exit(main(MrcTask()))
