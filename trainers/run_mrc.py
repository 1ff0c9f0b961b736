r"""Fine-tune and score an encoder on KLUE-MRC (extractive question answering, unanswerable questions included).

    python trainers/run_mrc.py --model_name_or_path klue/roberta-base --output_dir out/mrc \
        --do_train --do_eval --do_predict [--max_seq_length 510 --doc_stride 128 --n_best_size 20]

Long contexts are read in windows of ``--max_seq_length`` tokens sharing ``--doc_stride`` tokens
(``--doc_stride_mode step``: starting ``--doc_stride`` tokens apart, KLUE-baseline's windows);
each question's answer is the best start/end span over its windows (by default counted only in
the window where its start has the most context, ``--max_context_only``), or ``""`` when the
no-answer score wins by more than ``--null_score_diff_threshold`` (see ``algorithms/mrc_spans.py``).
Question, special and padding tokens are masked per eval batch, before the top ``--n_best_size``
start/end logits are taken, so answers do not depend on the batching. (KLUE-baseline takes the top
``n_best_size`` over all positions and filters afterwards, so it may keep fewer context candidates;
see ``algorithms/mrc_windows.py``.) Metrics: exact match and character ROUGE-W (``eval_exact_match``, ``eval_rouge_w``),
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
from transformers import AutoModelForQuestionAnswering, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

import metrics
from algorithms import mrc_spans, mrc_windows
from algorithms.token_offsets import TokenOffsets
from args import ArgumentsError, ModelArguments, MrcArguments
from klue_data import KlueDataError
from klue_data.mrc import gold_answers
from models.span_head import ignore_padding_positions
from trainers.outputs import write_jsonl
from trainers.loading import from_pretrained
from trainers.runner import main
from trainers.task import Scored, Task

logger = logging.getLogger("klue")


class MrcTask(Task):
    name = "mrc"
    argument_classes = (MrcArguments,)
    needs_fast_tokenizer = True  # answers are cut from the context by character offsets
    label_smoothing_by = None  # start and end positions, not a labels column
    units = ("questions", "windows")  # examples and model inputs, as the log counts them
    label_column = "answers"  # what require_labels names when an answerable question has none
    # An unlabelled test file may still flag its unanswerable questions (is_impossible), which then read as labelled.
    partly_labelled_test_is_unlabelled = True

    def check_options(self, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        # a --doc_stride that leaves no room for a question fails here, before the data is read
        settings = self.option(MrcArguments)
        if settings.n_best_size > max_length:  # decoding pairs every start with every end candidate
            raise ArgumentsError(f"--n_best_size {settings.n_best_size}: more candidates than a window has tokens; "
                                 f"at most max_seq_length ({max_length})")
        mrc_windows.query_token_limit(
            tokenizer, max_length, settings.doc_stride, settings.max_query_length, settings.doc_stride_mode
        )

    def config_overrides(self) -> dict[str, Any]:
        # a start and an end logit per token, whatever a checkpoint fine-tuned for classification carried
        return {"num_labels": 2}

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        return ignore_padding_positions(from_pretrained(AutoModelForQuestionAnswering, model_args, config=config))

    # --- features ---------------------------------------------------------------------------
    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        """Repair ``answer_start`` offsets, drop train questions that cannot teach a span, and number
        the examples so windows can point back at them (``mrc_windows.prepare_examples``)."""
        prepared = mrc_windows.prepare_examples(
            column(examples, "context"), column(examples, "answers"), column(examples, "is_impossible"),
            column(examples, "guid"), split,
        )
        for message in prepared.messages:
            logger.warning("%s", message)
        if not prepared.keep:
            raise KlueDataError(None, f"{split}: no question has an answer found in its context; nothing to train on")
        if prepared.repaired:
            feature = examples.features["answers"]
            examples = examples.remove_columns("answers").add_column("answers", prepared.answers, feature=feature)
        if len(prepared.keep) < len(examples):
            examples = examples.select(prepared.keep)
        return examples.add_column("example_index", np.arange(len(examples), dtype=np.int64))

    def loss_units(self, batch: dict[str, Any]) -> Any | None:
        # the span loss averages over windows; made on the batch's device (a copy from the host would wait for it)
        return batch["input_ids"].new_full((), len(batch["input_ids"]))

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        s = self.option(MrcArguments)
        return mrc_windows.window_features(
            examples, tokenizer, max_length, s.doc_stride, s.max_query_length, padding, s.doc_stride_mode
        )

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        """Questions cut to fit the windows, answers longer than decoding predicts, and answerable questions
        whose answer no window holds whole (an answer longer than the windows' overlap across a cut): trained
        as "no answer", and never predicted whole."""
        missed = mrc_windows.answers_in_no_window(
            column(examples, "context"), column(examples, "answers"), column(examples, "is_impossible"),
            column(features, "example_index"), column(features, "start_positions"),
        )
        lines = []
        cut = np.unique(np.asarray(column(features, "example_index"))[np.asarray(column(features, "question_cut")) > 0])
        if cut.size:
            lines.append(f"{cut.size} of {len(examples)} questions are longer than the question room "
                         "(--max_query_length, or what --max_seq_length and --doc_stride leave): "
                         "they are cut at the end.")
        max_answer_length = self.option(MrcArguments).max_answer_length
        too_long = mrc_windows.answers_longer_than(
            column(features, "example_index"), column(features, "start_positions"), column(features, "end_positions"),
            max_answer_length,
        )
        guids = column(examples, "guid") if too_long or missed else []
        if too_long:
            shown = _shown(guids, too_long)
            lines.append(f"{len(too_long)} of {len(examples)} questions have an answer of more than "
                         f"--max_answer_length ({max_answer_length}) tokens ({shown}; the first gold answer, as "
                         "training labels it): decoding never predicts a span that long.")
        if missed:
            lines.append(
                f"{len(missed)} of {len(examples)} questions have an answer that no window holds whole "
                f"({_shown(guids, missed)}): it is longer than the tokens consecutive windows "
                "share and crosses a cut, so every window of such a question is labelled 'no answer' in training "
                "and none can predict the whole answer (raise --max_seq_length, or the overlap: --doc_stride in "
                "overlap mode, a smaller --doc_stride in step mode)."
            )
        return lines

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        """The top-k start/end logits of each window's context tokens (question, special and padding
        positions masked first, found from the batch's input ids), and its no-answer score: the same
        whatever else shares the batch."""
        start_logits, end_logits = logits[:2]
        context = mrc_windows.context_mask(inputs["input_ids"], tokenizer.sep_token_id, inputs.get("attention_mask"))
        return mrc_windows.top_k_logits(start_logits, end_logits, self.option(MrcArguments).n_best_size, context)

    # --- outputs ----------------------------------------------------------------------------
    def decode(
        self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any
    ) -> list[mrc_spans.SpanPrediction]:
        settings = self.option(MrcArguments)
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

    def unlabelled(self, examples: datasets.Dataset) -> list[int]:
        """Answerable questions without an answer text (allowed in the test split only)."""
        return mrc_windows.unlabelled_questions(column(examples, "answers"), column(examples, "is_impossible"))

    def references(self, examples: datasets.Dataset) -> list[list[str]] | None:
        """Gold answer lists (``[]`` for unanswerable), or None when some answerable question has no
        answer (a test file without labels): scoring it against ``""`` would be wrong."""
        if self.unlabelled(examples):
            return None
        impossible, answers = column(examples, "is_impossible"), column(examples, "answers")
        return [gold_answers({"is_impossible": flag, "answers": gold}) for flag, gold in zip(impossible, answers)]

    def score(self, decoded: list[mrc_spans.SpanPrediction], references: Any, examples: datasets.Dataset) -> Scored:
        """Exact match and ROUGE-W, overall and per question type (``exact_match_paraphrase``, ...)."""
        texts = [prediction.text for prediction in decoded]
        return Scored(*metrics.mrc_scores_by_question_type(texts, references, column(examples, "question_type")))

    def prediction_record(self, example: dict[str, Any], prediction: mrc_spans.SpanPrediction) -> dict[str, Any]:
        return {"guid": example["guid"], "prediction": prediction.text}

    def write_extra_predictions(
        self, output_dir: Path, examples: datasets.Dataset, decoded: list[mrc_spans.SpanPrediction], split: str
    ) -> None:
        guids, contexts = column(examples, "guid"), column(examples, "context")
        records = map(mrc_spans.SpanPrediction.nbest_record, decoded, guids, contexts)
        write_jsonl(output_dir / "nbest_predictions.jsonl", records)


def _shown(guids: list[str], indices: list[int]) -> str:
    """The first few guids of a warning's examples."""
    return ", ".join(guids[i] for i in indices[: mrc_windows.SHOWN_GUIDS]) + (
        ", ..." if len(indices) > mrc_windows.SHOWN_GUIDS else "")


def column(dataset: datasets.Dataset, name: str) -> list[Any]:
    """One column as a Python list, read in one go (iterating ``dataset[name]`` decodes row by row)."""
    return dataset.select_columns([name])[:][name]


if __name__ == "__main__":
    sys.exit(main(MrcTask()))
