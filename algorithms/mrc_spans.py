"""KLUE-MRC answers: from the kept window logits back to one answer per question (numpy only).

Scores are per question, so everything here maps back from windows to examples through each
window's ``example_index`` and its tokens' character offsets into the context. The windows
themselves and the per-batch top k are ``algorithms/mrc_windows.py``.

- :func:`as_top_k`: the eval outputs as ``TopKLogits`` (full logits, e.g. from a run that kept
  them, are masked to the context and reduced here).
- :func:`decode_spans`: n-best spans per question across its windows (by default only in the
  window where the span's start has its "max context", :func:`max_context_starts`) and the
  no-answer decision, vectorised with numpy (one pass over all windows, no Python loop over
  start/end pairs).

Everything is a pure function of its inputs (no Trainer, no torch, no task state), so tests can
round-trip gold labels through decoding without a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from algorithms.token_offsets import TokenOffsets

# Question, special and padding tokens get this offset: numpy can mask them with ``>= 0``.
NOT_CONTEXT = -1
# The no-answer position: BERT-style tokenizers (every KLUE model) put [CLS] / <s> first, and
# windows are always padded on the right, so it is position 0 in every window.
CLS_INDEX = 0
# The original BERT "max context" score of a token in a window: min(tokens left of it, tokens right
# of it in the window's context) + this times the window's context length.
MAX_CONTEXT_LENGTH_WEIGHT = 0.01


class TopKLogits(NamedTuple):
    """Per window: the k best start and end logits with their token positions, and the no-answer
    score (CLS start + CLS end logit). Shapes ``[windows, k]`` (and ``[windows]``)."""

    start_values: np.ndarray
    start_indices: np.ndarray
    end_values: np.ndarray
    end_indices: np.ndarray
    null_scores: np.ndarray


def as_top_k(predictions: Any, k: int, offsets: TokenOffsets | None = None) -> TopKLogits:
    """Eval outputs as ``TopKLogits``: the reduced tuple, batches kept apart
    (``eval_do_concat_batches=False``), or full ``(start_logits, end_logits)`` (reduced here as
    ``mrc_windows.top_k_logits`` reduces a batch, masked to the context tokens that ``offsets`` has
    when given)."""
    if isinstance(predictions, list) and predictions and isinstance(predictions[0], (tuple, list)):
        predictions = tuple(
            np.concatenate([np.asarray(batch[field]) for batch in predictions]) for field in range(len(predictions[0]))
        )
    if len(predictions) == 2:
        predictions = _top_k(*(np.asarray(logits, dtype=np.float32) for logits in predictions), k, offsets)
    return TopKLogits(*(np.asarray(value) for value in predictions))


def _top_k(start: np.ndarray, end: np.ndarray, k: int, offsets: TokenOffsets | None) -> tuple[np.ndarray, ...]:
    null_scores = start[:, CLS_INDEX] + end[:, CLS_INDEX]
    if offsets is not None:
        context = np.zeros(start.shape, dtype=bool)
        window_of, position = offsets.sequence(), offsets.position()
        inside = position < start.shape[1]
        context[window_of[inside], position[inside]] = offsets.starts[inside] >= 0
        start, end = np.where(context, start, -np.inf), np.where(context, end, -np.inf)
    if start.shape[1] < k:
        padding = ((0, 0), (0, k - start.shape[1]))
        start = np.pad(start, padding, constant_values=-np.inf)
        end = np.pad(end, padding, constant_values=-np.inf)
    start_indices = np.argsort(-start, axis=1, kind="stable")[:, :k]
    end_indices = np.argsort(-end, axis=1, kind="stable")[:, :k]
    return (
        np.take_along_axis(start, start_indices, axis=1),
        start_indices,
        np.take_along_axis(end, end_indices, axis=1),
        end_indices,
        null_scores,
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

    def nbest_record(self, guid: str, context: str) -> dict[str, Any]:
        """One line of nbest_predictions.jsonl."""
        return {"guid": guid, "prediction": self.text, "null_score": round(self.null_score, 6),
                "nbest": self.nbest(context)}


def max_context_starts(
    start_indices: np.ndarray, window_example: np.ndarray, offsets: TokenOffsets, window_starts: np.ndarray
) -> np.ndarray:
    """``[windows, k]`` bool: whether the window is the "max context" window of each start token.

    The original BERT ``_check_is_max_context``: a context token that several windows of a question
    hold belongs to the one where min(tokens left of it, tokens right of it in the window's context)
    + 0.01 x the window's context length is highest (the first such window on a tie). Windows are
    located in the context's tokens by ``window_starts``; their context tokens are read from
    ``offsets``. Vectorised over all candidates; the only loop is over the distance to the
    neighbouring windows that share tokens (a few windows, however many candidates).
    """
    count = start_indices.shape[0]
    if count == 0:
        return np.ones(start_indices.shape, dtype=bool)
    window_example = np.asarray(window_example, dtype=np.int64)
    window_starts = np.asarray(window_starts, dtype=np.int64)
    # Each window's context is one run of tokens (checked at preprocessing): find where runs open
    # and close (a window's first and last tokens bound them), not a cumulative sum over all tokens.
    is_context = offsets.starts >= 0
    nonempty = offsets.lengths > 0
    first_token, last_token = offsets.begin[:-1][nonempty], offsets.begin[1:][nonempty] - 1
    opens = is_context.copy()
    opens[1:] &= ~is_context[:-1]
    opens[first_token] = is_context[first_token]
    closes = is_context.copy()
    closes[:-1] &= ~is_context[1:]
    closes[last_token] = is_context[last_token]
    run_first, run_last = np.flatnonzero(opens), np.flatnonzero(closes)
    run_window = np.searchsorted(offsets.begin, run_first, side="right") - 1
    if np.unique(run_window).size != run_window.size:
        raise ValueError("max context: a window's context tokens are not one run of positions")
    first = np.zeros(count, dtype=np.int64)
    lengths = np.zeros(count, dtype=np.int64)
    first[run_window] = run_first - offsets.begin[run_window]
    lengths[run_window] = run_last - run_first + 1
    # Sibling windows are neighbours in (question, window start) order.
    order = np.lexsort((window_starts, window_example))
    example, starts, lengths = window_example[order], window_starts[order], lengths[order]
    token = starts[:, None] + start_indices[order].astype(np.int64) - first[order][:, None]  # in the context's tokens

    def score(rows: np.ndarray) -> np.ndarray:
        left = token - starts[rows][:, None]
        right = (starts[rows] + lengths[rows] - 1)[:, None] - token
        value = np.minimum(left, right) + MAX_CONTEXT_LENGTH_WEIGHT * lengths[rows][:, None]
        return np.where((left >= 0) & (right >= 0), value, -np.inf)

    rows = np.arange(count)
    own = score(rows)
    # How many later windows of the same question share a token with a window: the reach to look at.
    key_scale = int((starts + lengths).max()) + 1
    keys = example * key_scale + starts
    reach = int((np.searchsorted(keys, example * key_scale + starts + lengths, side="left") - rows - 1).max())
    sorted_keep = np.ones(start_indices.shape, dtype=bool)
    for distance in range(1, reach + 1):
        for other, earlier in ((rows - distance, True), (rows + distance, False)):
            sibling = (other >= 0) & (other < count)
            other = np.clip(other, 0, count - 1)
            sibling &= example[other] == example
            other_score = score(other)
            # An earlier window wins a tie (the original keeps the first best window).
            better = other_score >= own if earlier else other_score > own
            sorted_keep &= ~(sibling[:, None] & better)
    keep = np.empty_like(sorted_keep)
    keep[order] = sorted_keep
    return keep


def decode_spans(
    top_k: TopKLogits,
    window_example: np.ndarray,
    offsets: TokenOffsets,
    contexts: Sequence[str],
    *,
    n_best_size: int = 20,
    max_answer_length: int = 30,
    null_score_diff_threshold: float = 0.0,
    window_starts: np.ndarray | None = None,
) -> list[SpanPrediction]:
    """One ``SpanPrediction`` per context (question), as SQuAD v2 post-processing decides, except
    for which top k it starts from:

    - candidates: the top-k starts x top-k ends of each window, both context tokens, end >= start,
      at most ``max_answer_length`` tokens, non-empty text; score = start logit + end logit. The top
      k are taken among the window's context tokens (``mrc_windows.top_k_logits`` masks the rest
      first); KLUE-baseline (transformers' ``compute_predictions_logits``) takes them over all
      positions and drops non-context ones afterwards, so it can be left with fewer candidates (or
      none: answer ``""``) where question, special or padding positions score high;
    - max context (when ``window_starts`` is given, the default of ``run_mrc.py``): a candidate
      counts only in the window where its start token has its maximum context
      (``max_context_starts``), as the original BERT code and KLUE-baseline decode; without it
      (the Hugging Face ``run_qa.py`` post-processing) every window's candidates count;
    - n-best: a question's best ``n_best_size`` candidates over all its windows (a span that two
      overlapping windows both propose is kept once, with its better score);
    - null score: the minimum over the question's windows of the CLS start + end logits;
    - answer: ``""`` when there is no candidate or null score - best score > threshold, else the
      best span cut from the context by its character offsets (the official code rebuilds the text
      from its tokens with ``get_final_text`` instead).
    """
    window_example = np.asarray(window_example, dtype=np.int64)
    start_chars, _ = offsets.lookup(top_k.start_indices.astype(np.int64))
    _, end_chars = offsets.lookup(top_k.end_indices.astype(np.int64))

    # All k x k start/end pairs of all windows at once: [windows, k, k].
    span_tokens = top_k.end_indices[:, None, :].astype(np.int64) - top_k.start_indices[:, :, None]
    start_ok = start_chars >= 0
    if window_starts is not None:
        start_ok &= max_context_starts(top_k.start_indices, window_example, offsets, window_starts)
    valid = (
        start_ok[:, :, None]
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
