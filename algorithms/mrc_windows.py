"""KLUE-MRC windows: from questions and long contexts to model inputs, and the per-batch top k.

The model sees windows of at most ``max_length`` tokens: ``[CLS] question [SEP] context-piece [SEP]``.
A long context is cut into several windows, ``doc_stride`` apart: with ``doc_stride_mode``
``overlap`` (the default, the Hugging Face ``run_qa.py`` meaning) consecutive windows share
``doc_stride`` tokens; with ``step`` (the original BERT SQuAD code, KLUE-baseline) they start
``doc_stride`` context tokens apart. Either way an answer of at most ``overlap + 1`` context
tokens (``overlap``: the tokens consecutive windows share, ``doc_stride`` in ``overlap`` mode, the
window's room minus ``doc_stride`` in ``step`` mode) is whole in at least one window: the last
window starting at or before its first token. A longer answer that crosses a cut may be whole in
no window: every window of that question is then labelled "no answer" (CLS), and
:func:`answers_in_no_window` finds such questions so the task script can count them in the log.

Pieces, in the order a run uses them:

- :func:`align_answer_starts`: ``answer_start`` values that do not point at their text (v1 files,
  the Hub copy whose contexts were stripped) are moved to the nearest occurrence of the text.
- :func:`query_token_limit`: the flags checked against the tokenizer, before any data is read.
- :func:`window_features`: tokenization into windows with offsets (context tokens only), each
  window's place in the context (``window_start``) and start/end labels per window; checks that
  :func:`context_mask` finds the context of these windows from their input ids.
- :func:`context_mask` and :func:`top_k_logits`: per eval batch (torch, on the batch's device),
  question, special and padding positions are masked (so what is kept never depends on the
  batch's padding), then the top-k start and end logits and the no-answer score of each window
  are kept, so a 5,841-question dev set never holds full ``[windows, 512]`` logits.

The masking is the one step where decoding differs from KLUE-baseline (transformers'
``compute_predictions_logits``): that code takes the ``n_best_size`` highest start and end logits
over *all* positions of a window padded to ``max_seq_length`` and only then drops the ones outside
the context, so a window whose top ``n_best_size`` include question, special or padding positions
keeps fewer context candidates (none at all in the extreme, and the answer becomes ``""``). Here
every window keeps its ``n_best_size`` best context tokens. The official candidates are a subset of
these, so the best span found here scores at least as high; answers differ only where the official
top k missed the best valid span. The official order is not kept because what it keeps depends on
the padding (with dynamic padding, on the batch).

Decoding the kept logits into answers is ``algorithms/mrc_spans.py`` (numpy only).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from algorithms.mrc_spans import CLS_INDEX, NOT_CONTEXT
from algorithms.token_offsets import TokenOffsets, trim_whitespace
from args.errors import ArgumentsError

# The context is the second sequence of each (question, context) pair.
CONTEXT_SEQUENCE_ID = 1
# --doc_stride_mode: what --doc_stride counts.
OVERLAP, STEP = "overlap", "step"


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
    where its ``answer_start`` says (as SQuAD training does), without the spaces around its text.
    None: no answer (CLS labels).

    Spaces at either end of an answer text belong to no token; labelling them would pull in the
    word before (a leading space) or after (a trailing one). The original SQuAD/KLUE code builds
    its labels from whitespace-split words, so they never count: trimmed here likewise, and so are
    the invisible characters WordPiece tokenizers drop (U+200B, U+FEFF, the soft hyphen: control
    and format characters), which would pull in a neighbour the same way. An answer of such
    characters only labels nothing (the next answer is tried). The gold text itself is not changed.
    """
    if is_impossible:
        return None
    for start, text in zip(answers["answer_start"], answers["text"]):
        if text and context[start : start + len(text)] == text:
            first, last = 0, len(text)
            while first < last and _unread(text[first]):
                first += 1
            while last > first and _unread(text[last - 1]):
                last -= 1
            if first < last:
                return start + first, start + last
    return None


def _unread(char: str) -> bool:
    """A character no token holds: whitespace, or a control or format character (BERT's text cleaning)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


@dataclass
class PreparedExamples:
    """A split's examples made ready for windows: repaired answers, the rows to keep (train drops
    questions whose answer is not in their context) and what to tell the user."""

    answers: list[dict[str, list[Any]]]
    repaired: int
    keep: list[int]
    messages: list[str]


SHOWN_GUIDS = 5


def unlabelled_questions(answers: Sequence[dict[str, list[Any]]], is_impossible: Sequence[bool]) -> list[int]:
    """Answerable questions without an answer text: the mark of unlabelled (test) data."""
    return [i for i, (no_answer, gold) in enumerate(zip(is_impossible, answers)) if not no_answer and not gold["text"]]


def prepare_examples(
    contexts: Sequence[str],
    answers: Sequence[dict[str, list[Any]]],
    is_impossible: Sequence[bool],
    guids: Sequence[str],
    split: str,
) -> PreparedExamples:
    """Repair ``answer_start`` offsets (``align_answer_starts``) and decide which rows a split keeps.

    An answerable question without an answer text marks unlabelled data: a test split with one is
    predicted, not scored (the runner refuses such a train or validation split, ``require_labels``).
    Train skips questions whose answer text is not in their context; other splits keep and score them.
    Every repair and skip is counted in ``messages`` (log lines, naming up to ``SHOWN_GUIDS`` guids), never
    silent.
    """
    alignment = align_answer_starts(contexts, answers, is_impossible)
    unlabelled = unlabelled_questions(answers, is_impossible)
    messages = []
    if alignment.repaired:
        messages.append(f"{split}: moved {alignment.repaired} answer_start offsets to the nearest occurrence of their "
                        "answer text.")
    if alignment.unfound:
        shown = ", ".join(guids[i] for i in alignment.unfound[:SHOWN_GUIDS])
        shown += ", ..." if len(alignment.unfound) > SHOWN_GUIDS else ""
        messages.append(
            f"train: skipped {len(alignment.unfound)} examples whose answer text does not occur in their context "
            f"({shown})."
            if split == "train"
            else f"{split}: {len(alignment.unfound)} questions have an answer text that does not occur in their "
            f"context ({shown}); they are kept and scored against that text."
        )
    if unlabelled and split == "test" and len(unlabelled) < len(contexts):
        messages.append(f"test: {len(unlabelled)} of {len(contexts)} questions are answerable but have no answer; "
                        "the split is treated as unlabelled (predicted, not scored).")
    skipped = set(alignment.unfound) if split == "train" else set()
    keep = [i for i in range(len(contexts)) if i not in skipped]
    return PreparedExamples(alignment.answers, alignment.repaired, keep, messages)


# --- windows -----------------------------------------------------------------------------------


def query_token_limit(
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    doc_stride: int,
    max_query_length: int,
    doc_stride_mode: str = OVERLAP,
) -> int:
    """The question length (tokens) that still leaves the context room for the windows to advance.

    ``overlap``: the context keeps more than ``doc_stride`` tokens (the fast tokenizer refuses to
    window a pair whose context room is not larger than the stride). ``step``: it keeps at least
    ``doc_stride`` tokens (windows cannot advance by more than they hold). Cutting the question
    instead keeps every question answerable at small ``max_length``.
    """
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    if max_length < specials + 2:  # no --doc_stride could help: a question token, a context token, no overlap
        raise ArgumentsError(f"--max_seq_length {max_length} is too short for MRC windows ({specials} special tokens, "
                             f"a question token and a context token); use at least {specials + 2}")
    if doc_stride_mode == STEP:
        room = max_length - specials - doc_stride
        if room < 1:
            raise ArgumentsError(
                f"--doc_stride {doc_stride} (--doc_stride_mode step: the step between windows) leaves no room for "
                f"a question in windows of {max_length} tokens; "
                f"use a --doc_stride of at most {max_length - specials - 1}"
            )
    else:
        room = max_length - specials - doc_stride - 1
        if room < 1:
            raise ArgumentsError(
                f"--doc_stride {doc_stride} leaves no room for a question in windows of {max_length} tokens; "
                f"use a --doc_stride below {max_length - specials - 1}"
            )
    return min(max_query_length, room)


def window_overlaps(
    questions: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    doc_stride: int,
    doc_stride_mode: str = OVERLAP,
) -> np.ndarray:
    """Per question, the tokens its consecutive windows share (the tokenizer's ``stride``).

    ``overlap``: ``doc_stride`` for every question. ``step``: windows start ``doc_stride`` context
    tokens apart (the original BERT SQuAD code, KLUE-baseline); a window holds ``max_length`` minus
    the question and special tokens, so the overlap is that room minus the step, per question.
    """
    if doc_stride_mode != STEP:
        return np.full(len(questions), doc_stride, dtype=np.int64)
    encoded = tokenizer(list(questions), add_special_tokens=False, verbose=False)["input_ids"]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(questions))
    room = max_length - tokenizer.num_special_tokens_to_add(pair=True) - lengths
    return np.maximum(room - doc_stride, 0)


def cut_questions(questions: Sequence[str], tokenizer: PreTrainedTokenizerBase, max_query_length: int) -> list[str]:
    """Questions of at most ``max_query_length`` tokens, cut at a token boundary of their text.

    ``truncation="only_second"`` never cuts the question, so a very long question would eat the
    context's room. Cut where the first token too many starts (not where the last one kept ends:
    a byte-level BPE token can end inside a syllable that the next token also covers, and the
    re-tokenized question would be one token longer). Leading spaces are dropped (a byte-level BPE
    would make them a token).
    """
    stripped = [question.lstrip() for question in questions]
    encoded = tokenizer(stripped, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
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
    end: the first one from the start on ending at or after ``end_char`` (offsets are non-decreasing,
    also where a byte-level BPE splits one Hangul syllable into overlapping tokens such as (3, 5), (4, 5)).
    From the start on, because a token before the start can end at the same character: XLM-R's
    standalone "▁" covers the next word's first character, and the byte pieces (byte-level BPE) or
    jamo pieces (mBERT-uncased's NFD) of one syllable all cover that syllable. Searched from the
    context's first token, a one-syllable answer (박, 김) was labelled with its end before its start.
    """
    context = np.flatnonzero(starts >= 0)
    if context.size == 0 or starts[context[0]] > start_char or ends[context[-1]] < end_char:
        return CLS_INDEX, CLS_INDEX
    start_at = int(np.searchsorted(starts[context], start_char, side="right")) - 1
    # ends are non-decreasing: the first one reaching end_char at or after the start is the later of the two
    end_at = max(int(np.searchsorted(ends[context], end_char, side="left")), start_at)
    return int(context[start_at]), int(context[end_at])


def window_features(
    examples: dict[str, list],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    doc_stride: int,
    max_query_length: int,
    padding: bool | str = False,
    doc_stride_mode: str = OVERLAP,
) -> dict[str, list]:
    """A batch of examples (``question``, ``context``, ``answers``, ``is_impossible``,
    ``example_index``) → windows with ``offset_mapping`` (context tokens only), ``example_index``,
    ``window_start`` (the window's first context token, counted in the context's tokens: the
    original BERT code's ``doc_span.start``) and ``start_positions`` / ``end_positions``.

    Question first, context second, ``truncation="only_second"``, padded on the right whatever the
    tokenizer's ``padding_side`` (positions of the logits must equal positions in the offsets).
    Windows come out in example order. Evaluation finds the context of a window from its input ids
    alone (``context_mask``); this checks that rule against the tokenizer's own ``sequence_ids``.
    """
    limit = query_token_limit(tokenizer, max_length, doc_stride, max_query_length, doc_stride_mode)
    questions = cut_questions(examples["question"], tokenizer, limit)
    question_cut = [cut != question.lstrip() for cut, question in zip(questions, examples["question"])]
    contexts = examples["context"]
    overlaps = window_overlaps(questions, tokenizer, max_length, doc_stride, doc_stride_mode)
    columns, offset_rows, windows, context_begin, context_end = _encode_windows(
        questions, contexts, tokenizer, max_length, overlaps, padding
    )
    cls_token_id = tokenizer.cls_token_id
    if columns["input_ids"] and cls_token_id is not None and columns["input_ids"][0][0] != cls_token_id:
        raise ArgumentsError(
            f"{type(tokenizer).__name__} does not put its CLS token first; MRC reads the no-answer score at "
            "position 0, as for BERT, RoBERTa and ELECTRA tokenizers."
        )
    offsets = TokenOffsets.of(offset_rows)
    begin = offsets.begin
    window_of, position = offsets.sequence(), offsets.position()
    in_context = (position >= context_begin[window_of]) & (position < context_end[window_of])
    _check_pair_template(tokenizer, columns["input_ids"], offsets, in_context, windows, examples.get("guid"))
    starts = np.where(in_context, offsets.starts, NOT_CONTEXT)
    ends = np.where(in_context, offsets.ends, NOT_CONTEXT)
    # SentencePiece's "▁" pieces cover the space before a word: no answer may be cut starting with it.
    starts, ends = trim_whitespace(starts, ends, windows[window_of], contexts)

    # The original BERT code's doc spans: window j + 1 starts where window j starts plus its length
    # minus the overlap, counted in the context's tokens.
    lengths = context_end - context_begin
    advance = lengths - overlaps[windows]
    before = np.cumsum(advance) - advance
    first_window = np.searchsorted(windows, windows, side="left")
    window_start = before - before[first_window]

    spans = [
        labelled_answer(context, answers, impossible)
        for context, answers, impossible in zip(contexts, examples["answers"], examples["is_impossible"])
    ]
    start_positions, end_positions = [], []
    for window, sample in enumerate(windows.tolist()):
        span = spans[sample]
        low, high = begin[window], begin[window + 1]
        start, end = (
            (CLS_INDEX, CLS_INDEX) if span is None else answer_token_span(starts[low:high], ends[low:high], *span)
        )
        start_positions.append(start)
        end_positions.append(end)
    return {
        **columns,
        "offset_mapping": TokenOffsets(starts, ends, offsets.lengths).to_rows(),  # see algorithms/token_offsets.py
        "example_index": [examples["example_index"][sample] for sample in windows.tolist()],
        "window_start": window_start.tolist(),
        "question_cut": [int(question_cut[sample]) for sample in windows.tolist()],  # for the log only
        "start_positions": start_positions,
        "end_positions": end_positions,
    }


def answers_in_no_window(
    contexts: Sequence[str],
    answers: Sequence[dict[str, list[Any]]],
    is_impossible: Sequence[bool],
    window_example: Sequence[int],
    start_positions: Sequence[int],
) -> list[int]:
    """Examples (positions in ``contexts``) that have a labelled answer (``labelled_answer``) but
    no window holding it whole: all their windows carry CLS labels. ``window_example`` and
    ``start_positions`` are the ``example_index`` and ``start_positions`` columns of
    ``window_features`` (``example_index`` counting the examples from 0).

    That happens when an answer longer than the windows' overlap crosses a cut: training then
    teaches "no answer" for an answerable question, and no window can predict it whole."""
    labelled = np.fromiter(
        (labelled_answer(c, a, i) is not None for c, a, i in zip(contexts, answers, is_impossible)),
        dtype=bool,
        count=len(contexts),
    )
    window_example = np.asarray(window_example, dtype=np.int64)
    spanned = np.asarray(start_positions, dtype=np.int64) != CLS_INDEX
    found = np.zeros(len(contexts), dtype=bool)
    found[window_example[spanned]] = True
    return np.flatnonzero(labelled & ~found).tolist()


def answers_longer_than(
    window_example: Sequence[int], start_positions: Sequence[int], end_positions: Sequence[int], max_tokens: int
) -> list[int]:
    """Examples whose labelled answer (``labelled_answer``: the first gold answer) spans more than
    ``max_tokens`` tokens in every window holding it whole: decoding (``--max_answer_length``) never
    predicts a span that long, so the question cannot be matched by that answer. Columns as in
    ``answers_in_no_window``."""
    window_example = np.asarray(window_example, dtype=np.int64)
    starts = np.asarray(start_positions, dtype=np.int64)
    spanned = starts != CLS_INDEX
    if not spanned.any():
        return []
    lengths = np.asarray(end_positions, dtype=np.int64)[spanned] - starts[spanned] + 1
    shortest = np.full(int(window_example.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(shortest, window_example[spanned], lengths)
    return np.flatnonzero((shortest > max_tokens) & (shortest != np.iinfo(np.int64).max)).tolist()


def _encode_windows(
    questions: list[str],
    contexts: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    overlaps: np.ndarray,
    padding: bool | str,
) -> tuple[dict[str, list], list, np.ndarray, np.ndarray, np.ndarray]:
    """Tokenize (question, context) pairs into windows, one tokenizer call per distinct overlap (one
    in ``overlap`` mode; a few question lengths in ``step`` mode), windows put back in example order.

    Returns the model input columns, the offsets per window, the example of each window and the
    bounds ``[begin, end)`` of each window's context tokens (sequence id 1).
    """
    columns: dict[str, list] = {}
    offset_rows: list = []
    windows, context_begin, context_end = [], [], []
    for overlap in np.unique(overlaps).tolist():
        rows = np.flatnonzero(overlaps == overlap)
        encoded = tokenizer(
            [questions[row] for row in rows],
            [contexts[row] for row in rows],
            truncation="only_second",
            max_length=max_length,
            stride=overlap,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=padding,
            padding_side="right",
        )
        samples = encoded.pop("overflow_to_sample_mapping")
        offset_rows.extend(encoded.pop("offset_mapping"))
        for key, values in encoded.items():
            columns.setdefault(key, []).extend(values)
        windows.append(rows[np.asarray(samples, dtype=np.int64)])
        # A window's context is one run of tokens: its two ends by C-speed list searches.
        bounds = np.zeros((len(samples), 2), dtype=np.int64)
        for window in range(len(samples)):
            sequence_ids = encoded.sequence_ids(window)
            if CONTEXT_SEQUENCE_ID in sequence_ids:
                bounds[window] = (
                    sequence_ids.index(CONTEXT_SEQUENCE_ID),
                    len(sequence_ids) - sequence_ids[::-1].index(CONTEXT_SEQUENCE_ID),
                )
        context_begin.append(bounds[:, 0])
        context_end.append(bounds[:, 1])
    window_example = np.concatenate(windows) if windows else np.zeros(0, dtype=np.int64)
    begin = np.concatenate(context_begin) if windows else np.zeros(0, dtype=np.int64)
    end = np.concatenate(context_end) if windows else np.zeros(0, dtype=np.int64)
    if len(windows) > 1:  # several tokenizer calls: back to example order (stable: windows stay in order)
        order = np.argsort(window_example, kind="stable")
        rows = order.tolist()
        columns = {key: [values[row] for row in rows] for key, values in columns.items()}
        offset_rows = [offset_rows[row] for row in rows]
        window_example, begin, end = window_example[order], begin[order], end[order]
    return columns, offset_rows, window_example, begin, end


def _tokenizer_name(tokenizer: PreTrainedTokenizerBase) -> str:
    """``BertTokenizer ('klue/roberta-base')``: the class and where it was loaded from, if anywhere."""
    name = type(tokenizer).__name__
    return f"{name} ({tokenizer.name_or_path!r})" if getattr(tokenizer, "name_or_path", "") else name


def _check_pair_template(
    tokenizer: PreTrainedTokenizerBase,
    input_ids: list[list[int]],
    offsets: TokenOffsets,
    in_context: np.ndarray,
    windows: np.ndarray,
    guids: list[str] | None,
) -> None:
    """Raise when ``context_mask`` (what evaluation masks, read from input ids) is not exactly the
    tokenizer's context (sequence id 1) in these windows, so a tokenizer with another pair template
    fails here, at preprocessing, instead of mis-masking at evaluation. A separator token inside the
    context (its literal text, e.g. ``[SEP]``, in the context) is masked too: it is never an answer."""
    sep_token_id = tokenizer.sep_token_id
    if sep_token_id is None:
        raise ArgumentsError(
            f"{_tokenizer_name(tokenizer)} has no separator token; MRC needs "
            "question/context pairs built as [CLS] question [SEP] context [SEP] or <s> question </s></s> context </s>."
        )
    if not offsets.lengths.size:
        return
    ids = np.fromiter(chain.from_iterable(input_ids), dtype=np.int64, count=int(offsets.lengths.sum()))
    window_of, position = offsets.sequence(), offsets.position()
    dense = np.full((offsets.lengths.size, int(offsets.lengths.max())), -1, dtype=np.int64)
    dense[window_of, position] = ids
    derived = context_mask(torch.from_numpy(dense), sep_token_id).numpy()[window_of, position]
    expected = in_context & (ids != sep_token_id)
    wrong = np.flatnonzero(np.bincount(window_of[derived != expected], minlength=offsets.lengths.size))
    if wrong.size:
        example = int(windows[wrong[0]])
        which = f"question {guids[example]}" if guids else f"example {example} of the batch"
        raise ArgumentsError(
            f"{_tokenizer_name(tokenizer)} does not build question/context pairs as "
            "[CLS] question [SEP] context [SEP] or <s> question </s></s> context </s>: in "
            f"{wrong.size} of {offsets.lengths.size} windows (first: {which}) the context read from the input ids "
            "(tokens after the first separator run and before the last separator) is not the tokenizer's "
            "context (sequence id 1). MRC masks everything else before decoding, so it cannot use this "
            "tokenizer. (A question containing the separator token's text would do the same.)"
        )


# --- eval batches: top-k reduction --------------------------------------------------------------


def context_mask(
    input_ids: torch.Tensor, sep_token_id: int, attention_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """``[batch, seq]`` bool, True at the context tokens of right-padded (question, context) windows:
    the non-separator tokens after the first separator run and before the last separator, as in
    ``[CLS] q [SEP] c [SEP] [PAD]...`` (BERT, ELECTRA) and ``<s> q </s></s> c </s> <pad>...`` (RoBERTa).
    Question, special and padding tokens are False. A pure function of the batch, on its device;
    ``window_features`` checks at preprocessing that it matches the tokenizer's sequence ids."""
    separator = input_ids == sep_token_id
    if attention_mask is not None:
        separator &= attention_mask.bool()
    seen = separator.to(torch.int32).cumsum(dim=-1)  # separators up to and including each position
    mask = ~separator & (seen >= 1) & (seen < seen[..., -1:])
    if attention_mask is not None:
        mask &= attention_mask.bool()
    return mask


def top_k_logits(
    start_logits: torch.Tensor, end_logits: torch.Tensor, k: int, context: torch.Tensor | None = None
) -> tuple[torch.Tensor, ...]:
    """One eval batch's ``[batch, seq]`` start/end logits → the five ``mrc_spans.TopKLogits`` fields.

    Called per batch (``MrcTask.reduce_logits``), so eval keeps ``5 * k`` numbers per window
    instead of ``2 * seq``. ``context`` (``[batch, seq]`` bool, ``context_mask``): every other
    position (question, special tokens, padding) is set to ``-inf`` before the top k, after the
    no-answer score is read at CLS, so the k kept are the window's best context tokens whatever
    padding its batch has (without the mask, answers change with the eval batch size). KLUE-baseline
    instead takes the top k over all positions and filters afterwards (see the module docstring for
    what that changes). The width
    is always ``k``: a batch padded to fewer than ``k`` tokens is padded with ``-inf`` logits (at
    positions past the window, which decoding rejects, as it rejects the masked ones), so the
    Trainer can concatenate batches of any length. A plain tuple, not ``TopKLogits``: the Trainer
    rebuilds containers with ``type(value)(generator)``, which a NamedTuple does not take.
    """
    start = start_logits.detach().float()
    end = end_logits.detach().float()
    null_scores = start[:, CLS_INDEX] + end[:, CLS_INDEX]
    if context is not None:
        outside = ~context.to(device=start.device, dtype=torch.bool)
        start = start.masked_fill(outside, float("-inf"))
        end = end.masked_fill(outside, float("-inf"))
    if start.shape[-1] < k:
        missing = k - start.shape[-1]
        start = torch.nn.functional.pad(start, (0, missing), value=float("-inf"))
        end = torch.nn.functional.pad(end, (0, missing), value=float("-inf"))
    start_values, start_indices = start.topk(k, dim=-1)
    end_values, end_indices = end.topk(k, dim=-1)
    return start_values, start_indices, end_values, end_indices, null_scores
