"""KLUE-MRC spans: from questions and long contexts to windows, and from window logits back to answers.

The model sees windows of at most ``max_length`` tokens: ``[CLS] question [SEP] context-piece [SEP]``.
A long context is cut into several windows that share ``doc_stride`` tokens (the Hugging Face
``stride``: an overlap), so an answer near a cut is whole in at least one window. Scores are per
question, so everything here maps back from windows to examples through each window's
``example_index`` and its tokens' character offsets into the context.

Pieces, in the order a run uses them:

- :func:`align_answer_starts`: ``answer_start`` values that do not point at their text (v1 files,
  the Hub copy whose contexts were stripped) are moved to the nearest occurrence of the text.
- :func:`window_features`: tokenization into windows with offsets (context tokens only) and
  start/end labels per window.
- :func:`top_k_logits`: per eval batch, the top-k start and end logits and the no-answer score
  of each window, so a 5,841-question dev set never holds full ``[windows, 512]`` logits.
- :func:`decode_spans`: n-best spans per question across its windows and the no-answer decision,
  vectorised with numpy (one pass over all windows, no Python loop over start/end pairs).

Everything is a pure function of its inputs (no Trainer, no task state), so tests can round-trip
gold labels through decoding without a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from args.errors import ArgumentsError
from trainers.token_offsets import TokenOffsets

# Question, special and padding tokens get this offset: numpy can mask them with ``>= 0``.
NOT_CONTEXT = -1
# The no-answer position: BERT-style tokenizers (every KLUE model) put [CLS] / <s> first, and
# windows are always padded on the right, so it is position 0 in every window.
CLS_INDEX = 0
# The context is the second sequence of each (question, context) pair.
CONTEXT_SEQUENCE_ID = 1


# --- examples: answer_start repair --------------------------------------------------------------


@dataclass
class AnswerAlignment:
    """Answers with repaired starts, and what repairing them found.

    ``unfound`` lists the examples (by position) that are answerable but have no answer whose text
    occurs in their context: they cannot teach a span (train skips them) but are still scored.
    """

    answers: list[dict[str, list[Any]]]
    repaired: int = 0
    unfound: list[int] = field(default_factory=list)


def nearest_occurrence(context: str, text: str, start: int) -> int | None:
    """Start of the occurrence of ``text`` in ``context`` closest to ``start``, or None.

    Closest rather than first: when an answer text occurs several times, the annotated offset,
    even if shifted by a few characters, still says which occurrence the annotator meant.
    """
    if not text:
        return None
    best: int | None = None
    position = context.find(text)
    while position != -1:
        if best is None or abs(position - start) < abs(best - start):
            best = position
        if position > start:
            break  # occurrences further right are only farther away
        position = context.find(text, position + 1)
    return best


def align_answer_starts(
    contexts: Sequence[str], answers: Sequence[dict[str, list[Any]]], is_impossible: Sequence[bool]
) -> AnswerAlignment:
    """Point every ``answer_start`` at its text; count repairs and answerable examples left with none.

    Answer texts are never changed (they are the gold the metric scores against); an answer whose
    text is not in the context keeps its start, and labelling ignores it (see ``labelled_answer``).
    """
    alignment = AnswerAlignment(answers=[])
    for position, (context, example_answers, impossible) in enumerate(zip(contexts, answers, is_impossible)):
        starts = list(example_answers["answer_start"])
        texts = list(example_answers["text"])
        found_any = False
        for index, (start, text) in enumerate(zip(starts, texts)):
            if text and context[start : start + len(text)] == text:
                found_any = True
                continue
            nearest = nearest_occurrence(context, text, start)
            if nearest is not None:
                starts[index] = nearest
                alignment.repaired += 1
                found_any = True
        if texts and not found_any and not impossible:
            alignment.unfound.append(position)
        alignment.answers.append({"answer_start": starts, "text": texts})
    return alignment


def labelled_answer(context: str, answers: dict[str, list[Any]], is_impossible: bool) -> tuple[int, int] | None:
    """Character span ``[start, end)`` the windows are labelled with: the first answer that sits
    where its ``answer_start`` says (as SQuAD training does). None: no answer (CLS labels)."""
    if is_impossible:
        return None
    for start, text in zip(answers["answer_start"], answers["text"]):
        if text and context[start : start + len(text)] == text:
            return start, start + len(text)
    return None


# --- windows -----------------------------------------------------------------------------------


def query_token_limit(
    tokenizer: PreTrainedTokenizerBase, max_length: int, doc_stride: int, max_query_length: int
) -> int:
    """The question length (tokens) that still leaves the context more than ``doc_stride`` tokens.

    The fast tokenizer refuses to window a pair whose context room is not larger than the stride;
    cutting the question instead keeps every question answerable at small ``max_length``.
    """
    room = max_length - tokenizer.num_special_tokens_to_add(pair=True) - doc_stride - 1
    if room < 1:
        raise ArgumentsError(
            f"--doc_stride {doc_stride} leaves no room for a question in windows of {max_length} tokens; "
            f"use a --doc_stride below {max_length - tokenizer.num_special_tokens_to_add(pair=True) - 1}"
        )
    return min(max_query_length, room)


def cut_questions(questions: Sequence[str], tokenizer: PreTrainedTokenizerBase, max_query_length: int) -> list[str]:
    """Questions of at most ``max_query_length`` tokens, cut at a token boundary of their text.

    ``truncation="only_second"`` never cuts the question, so a very long question would eat the
    context's room. Cut where the first token too many starts (not where the last one kept ends:
    a byte-level BPE token can end inside a syllable that the next token also covers, and the
    re-tokenized question would be one token longer). Leading spaces are dropped (a byte-level BPE
    would make them a token).
    """
    stripped = [question.lstrip() for question in questions]
    encoded = tokenizer(stripped, add_special_tokens=False, return_offsets_mapping=True)
    cut = []
    for question, offsets in zip(stripped, encoded["offset_mapping"]):
        if len(offsets) > max_query_length:
            question = question[: offsets[max_query_length][0]].rstrip()
        cut.append(question)
    return cut


def answer_token_span(starts: np.ndarray, ends: np.ndarray, start_char: int, end_char: int) -> tuple[int, int]:
    """Start and end token of the character span ``[start_char, end_char)`` in one window.

    ``starts``/``ends`` are the window's token offsets with ``NOT_CONTEXT`` outside the context.
    The CLS index when the span is not wholly inside the window's context (the model learns
    "not in this window"). Start: the last context token starting at or before ``start_char``;
    end: the first one ending at or after ``end_char`` (offsets are non-decreasing, also where a
    byte-level BPE splits one Hangul syllable into overlapping tokens such as (3, 5), (4, 5)).
    """
    context = np.flatnonzero(starts >= 0)
    if context.size == 0 or starts[context[0]] > start_char or ends[context[-1]] < end_char:
        return CLS_INDEX, CLS_INDEX
    start_token = context[np.searchsorted(starts[context], start_char, side="right") - 1]
    end_token = context[np.searchsorted(ends[context], end_char, side="left")]
    return int(start_token), int(end_token)


def window_features(
    examples: dict[str, list],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    doc_stride: int,
    max_query_length: int,
    padding: bool | str = False,
) -> dict[str, list]:
    """A batch of examples (``question``, ``context``, ``answers``, ``is_impossible``,
    ``example_index``) → windows with ``offset_mapping`` (context tokens only), ``example_index``
    and ``start_positions`` / ``end_positions``.

    Question first, context second, ``truncation="only_second"``, padded on the right whatever the
    tokenizer's ``padding_side`` (positions of the logits must equal positions in the offsets).
    """
    limit = query_token_limit(tokenizer, max_length, doc_stride, max_query_length)
    questions = cut_questions(examples["question"], tokenizer, limit)
    encoded = tokenizer(
        questions,
        examples["context"],
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=padding,
        padding_side="right",
    )
    cls_token_id = tokenizer.cls_token_id
    if encoded["input_ids"] and cls_token_id is not None and encoded["input_ids"][0][0] != cls_token_id:
        raise ArgumentsError(
            f"{type(tokenizer).__name__} does not put its CLS token first; MRC reads the no-answer score at "
            "position 0, as for BERT, RoBERTa and ELECTRA tokenizers."
        )
    windows = encoded.pop("overflow_to_sample_mapping")
    offsets = TokenOffsets.of(encoded.pop("offset_mapping"))
    begin = offsets.begin
    # A window's context is one run of tokens: find its two ends per window with C-speed list
    # searches, then mask every other token of the batch at once.
    context_begin = np.zeros(len(windows), dtype=np.int64)
    context_end = np.zeros(len(windows), dtype=np.int64)
    for window in range(len(windows)):
        sequence_ids = encoded.sequence_ids(window)
        if CONTEXT_SEQUENCE_ID in sequence_ids:
            context_begin[window] = sequence_ids.index(CONTEXT_SEQUENCE_ID)
            context_end[window] = len(sequence_ids) - sequence_ids[::-1].index(CONTEXT_SEQUENCE_ID)
    window_of, position = offsets.sequence(), offsets.position()
    in_context = (position >= context_begin[window_of]) & (position < context_end[window_of])
    starts = np.where(in_context, offsets.starts, NOT_CONTEXT)
    ends = np.where(in_context, offsets.ends, NOT_CONTEXT)

    spans = [
        labelled_answer(context, answers, impossible)
        for context, answers, impossible in zip(examples["context"], examples["answers"], examples["is_impossible"])
    ]
    start_positions, end_positions = [], []
    for window, sample in enumerate(windows):
        span = spans[sample]
        low, high = begin[window], begin[window + 1]
        start, end = (
            (CLS_INDEX, CLS_INDEX) if span is None else answer_token_span(starts[low:high], ends[low:high], *span)
        )
        start_positions.append(start)
        end_positions.append(end)
    return {
        **encoded,
        "offset_mapping": TokenOffsets(starts, ends, offsets.lengths).to_rows(),  # see trainers/token_offsets.py
        "example_index": [examples["example_index"][sample] for sample in windows],
        "start_positions": start_positions,
        "end_positions": end_positions,
    }


# --- eval batches: top-k reduction --------------------------------------------------------------


class TopKLogits(NamedTuple):
    """Per window: the k best start and end logits with their token positions, and the no-answer
    score (CLS start + CLS end logit). Shapes ``[windows, k]`` (and ``[windows]``)."""

    start_values: np.ndarray
    start_indices: np.ndarray
    end_values: np.ndarray
    end_indices: np.ndarray
    null_scores: np.ndarray


def top_k_logits(start_logits: torch.Tensor, end_logits: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    """One eval batch's ``[batch, seq]`` start/end logits → the five ``TopKLogits`` fields.

    Called per batch (``preprocess_logits_for_metrics``), so eval keeps ``5 * k`` numbers per
    window instead of ``2 * seq``. The width is always ``k``: a batch padded to fewer than ``k``
    tokens is padded with ``-inf`` logits (at positions past the window, which decoding rejects),
    so the Trainer can concatenate batches of any length. A plain tuple, not ``TopKLogits``: the
    Trainer rebuilds containers with ``type(value)(generator)``, which a NamedTuple does not take.
    """
    start = start_logits.detach().float()
    end = end_logits.detach().float()
    null_scores = start[:, CLS_INDEX] + end[:, CLS_INDEX]
    if start.shape[-1] < k:
        missing = k - start.shape[-1]
        start = torch.nn.functional.pad(start, (0, missing), value=float("-inf"))
        end = torch.nn.functional.pad(end, (0, missing), value=float("-inf"))
    start_values, start_indices = start.topk(k, dim=-1)
    end_values, end_indices = end.topk(k, dim=-1)
    return start_values, start_indices, end_values, end_indices, null_scores


def as_top_k(predictions: Any, k: int) -> TopKLogits:
    """Eval outputs as ``TopKLogits``: the reduced tuple, batches kept apart
    (``eval_do_concat_batches=False``), or full ``(start_logits, end_logits)`` (reduced here)."""
    if isinstance(predictions, list) and predictions and isinstance(predictions[0], (tuple, list)):
        predictions = tuple(
            np.concatenate([np.asarray(batch[field]) for batch in predictions]) for field in range(len(predictions[0]))
        )
    if len(predictions) == 2:
        start, end = (torch.as_tensor(np.asarray(logits)) for logits in predictions)
        predictions = top_k_logits(start, end, k)
    return TopKLogits(
        *(value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value) for value in predictions)
    )


# --- decoding: n-best spans per question ----------------------------------------------------------


@dataclass
class SpanPrediction:
    """One question's answer (``""`` for no answer) with its n-best spans, best first.

    ``nbest_*`` are arrays (character offsets into the context, scores = start + end logit) so
    decoding 5,841 questions builds no Python objects per candidate; ``nbest`` makes them records.
    """

    text: str
    null_score: float
    nbest_scores: np.ndarray
    nbest_starts: np.ndarray
    nbest_ends: np.ndarray

    def nbest(self, context: str) -> list[dict[str, Any]]:
        return [
            {"text": context[start:end], "score": round(float(score), 6), "start": int(start), "end": int(end)}
            for score, start, end in zip(self.nbest_scores, self.nbest_starts, self.nbest_ends)
        ]


def decode_spans(
    top_k: TopKLogits,
    window_example: np.ndarray,
    offsets: TokenOffsets,
    contexts: Sequence[str],
    *,
    n_best_size: int = 20,
    max_answer_length: int = 30,
    null_score_diff_threshold: float = 0.0,
) -> list[SpanPrediction]:
    """One ``SpanPrediction`` per context (question), as SQuAD v2 post-processing decides:

    - candidates: the top-k starts x top-k ends of each window, both context tokens, end >= start,
      at most ``max_answer_length`` tokens, non-empty text; score = start logit + end logit;
    - n-best: a question's best ``n_best_size`` candidates over all its windows (a span that two
      overlapping windows both propose is kept once, with its better score);
    - null score: the minimum over the question's windows of the CLS start + end logits;
    - answer: ``""`` when there is no candidate or null score - best score > threshold, else the
      best span cut from the context by its character offsets.

    No "max context" check (a span is not required to be best-centred in its window), as in
    the Hugging Face ``run_qa.py`` post-processing.
    """
    window_example = np.asarray(window_example, dtype=np.int64)
    start_chars, _ = offsets.lookup(top_k.start_indices.astype(np.int64))
    _, end_chars = offsets.lookup(top_k.end_indices.astype(np.int64))

    # All k x k start/end pairs of all windows at once: [windows, k, k].
    span_tokens = top_k.end_indices[:, None, :].astype(np.int64) - top_k.start_indices[:, :, None]
    valid = (
        (start_chars[:, :, None] >= 0)
        & (end_chars[:, None, :] > start_chars[:, :, None])  # end char >= 0 and a non-empty text
        & (span_tokens >= 0)
        & (span_tokens < max_answer_length)
    )
    window, start_rank, end_rank = np.nonzero(valid)
    scores = top_k.start_values[window, start_rank].astype(np.float64) + top_k.end_values[window, end_rank]
    example = window_example[window]
    starts = start_chars[window, start_rank]
    ends = end_chars[window, end_rank]

    # Best first within each question; then one row per (question, start, end), its best score.
    order = np.lexsort((-scores, example))
    example, scores, starts, ends = example[order], scores[order], starts[order], ends[order]
    if example.size:
        width = int(max(ends.max(), 0)) + 1
        key = (example * width + starts) * width + ends
        _, first = np.unique(key, return_index=True)
        first.sort()
        example, scores, starts, ends = example[first], scores[first], starts[first], ends[first]

    count = len(contexts)
    group_begin = np.searchsorted(example, np.arange(count), side="left")
    group_end = np.searchsorted(example, np.arange(count), side="right")
    rank = np.arange(example.size) - group_begin[example]
    keep = rank < n_best_size
    example, scores, starts, ends = example[keep], scores[keep], starts[keep], ends[keep]
    bounds = np.searchsorted(example, np.arange(count + 1), side="left")

    null_scores = np.full(count, np.inf)
    np.minimum.at(null_scores, window_example, top_k.null_scores.astype(np.float64))
    has_span = group_end > group_begin
    best_scores = np.full(count, -np.inf)
    best_scores[has_span] = scores[bounds[:-1][has_span]]
    answers_none = ~has_span | (null_scores - best_scores > null_score_diff_threshold)

    predictions = []
    for index, context in enumerate(contexts):
        low, high = bounds[index], bounds[index + 1]
        text = "" if answers_none[index] else context[starts[low] : ends[low]]
        predictions.append(
            SpanPrediction(
                text=text,
                null_score=float(null_scores[index]),
                nbest_scores=scores[low:high],
                nbest_starts=starts[low:high],
                nbest_ends=ends[low:high],
            )
        )
    return predictions
