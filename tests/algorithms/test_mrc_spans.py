"""MRC windows, answer labels, answer_start repair, top-k reduction and n-best decoding, without a model.

Most tests round-trip: gold start/end labels become logits that peak there, and decoding must give
back the gold answer text, across windows, for a WordPiece and a byte-level BPE tokenizer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from transformers.trainer_pt_utils import nested_concat

from args import ArgumentsError, MrcArguments
from klue_data import ner
from klue_data.mrc import gold_answers, read_file
from metrics import score_task
from tests.synthetic import corpus, write_json
from tests.synthetic_mrc import long_article, mrc_document, texts
from tests.tiny_tokenizers import (
    byte_bpe_tokenizer,
    char_wordpiece_tokenizer,
    uncased_wordpiece_tokenizer,
    unigram_tokenizer,
    wordpiece_tokenizer,
)
from algorithms import mrc_spans, mrc_windows
from algorithms.char_alignment import entities_from_tags
from trainers.run_mrc import MrcTask
from algorithms.mrc_spans import NOT_CONTEXT
from algorithms.token_offsets import TokenOffsets

MAX_LENGTH = 64
DOC_STRIDE = 16


# --- helpers ----------------------------------------------------------------------------------


def examples_from(tmp_path: Path, document: dict, split: str = "validation") -> datasets.Dataset:
    """Examples as the runner has them after ``MrcTask.prepare_split``."""
    path = write_json(tmp_path / f"{split}.json", document)
    return MrcTask().prepare_split(datasets.Dataset.from_list(read_file(path)), split)


def windows(examples: datasets.Dataset, tokenizer, max_length: int = MAX_LENGTH, doc_stride: int = DOC_STRIDE,
            max_query_length: int = 64, doc_stride_mode: str = "overlap") -> datasets.Dataset:
    """Features as ``runner.tokenize_split`` makes them (batched map, raw columns removed)."""
    return examples.map(
        mrc_windows.window_features,
        batched=True,
        batch_size=7,  # several map batches, so example_index must survive batching
        fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "doc_stride": doc_stride,
                   "max_query_length": max_query_length, "doc_stride_mode": doc_stride_mode},
        remove_columns=examples.column_names,
    )


def peaked_logits(features: datasets.Dataset, peak: float = 10.0, floor: float = -10.0) -> tuple[torch.Tensor, ...]:
    """Start/end logits of a perfect model: ``peak`` at the labels, ``floor`` elsewhere ([windows, longest])."""
    count, longest = len(features), max(len(ids) for ids in features["input_ids"])
    start = torch.full((count, longest), floor)
    end = torch.full((count, longest), floor)
    rows = torch.arange(count)
    start[rows, torch.tensor(features["start_positions"])] = peak
    end[rows, torch.tensor(features["end_positions"])] = peak
    return start, end


def decode(examples, features, start, end, k: int = 20, max_context: bool = False,
           **options) -> list[mrc_spans.SpanPrediction]:
    reduced = mrc_windows.top_k_logits(start, end, k)
    return mrc_spans.decode_spans(
        mrc_spans.as_top_k(tuple(value.numpy() for value in reduced), k),
        np.asarray(features["example_index"]),
        TokenOffsets.of(features.with_format("arrow")["offset_mapping"]),
        examples["context"],
        n_best_size=k,
        window_starts=np.asarray(features["window_start"]) if max_context else None,
        **options,
    )


def offset_pairs(features) -> list[list[tuple[int, int]]]:
    """Each window's stored offsets (flat ``[start, end, ...]`` rows) as (start, end) pairs."""
    return [[tuple(pair) for pair in np.asarray(row).reshape(-1, 2).tolist()] for row in features["offset_mapping"]]


def partial_overlaps(features: datasets.Dataset) -> int:
    """Neighbouring context tokens like (3, 5), (4, 5): a byte-level BPE split inside one syllable."""
    return sum(
        1
        for offsets in offset_pairs(features)
        for (start, end), (next_start, _) in zip(offsets, offsets[1:])
        if start >= 0 and start < next_start < end
    )


TOKENIZERS = {
    "wordpiece": lambda corpus: wordpiece_tokenizer(corpus, vocab_size=300),
    # Small enough a vocabulary that some Hangul syllables are split across two tokens.
    "byte_bpe": lambda corpus: byte_bpe_tokenizer(corpus, vocab_size=320),
}


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("max_context", [True, False])
@pytest.mark.parametrize("mode", ["overlap", "step"])
@pytest.mark.parametrize("kind", TOKENIZERS)
def test_gold_labels_decode_back_to_gold_text(kind, mode, max_context, tmp_path):
    document = mrc_document(8, seed=3)
    document["data"] += long_article(seed=4)["data"]
    examples = examples_from(tmp_path, document)
    # Step 8: overlaps of 25+ tokens, more than any answer here takes (15 at most), so the window where
    # an answer's start has its max context also holds the whole answer (and is labelled with it).
    features = windows(examples, TOKENIZERS[kind](list(texts(document))), doc_stride_mode=mode,
                       doc_stride=DOC_STRIDE if mode == "overlap" else 8)
    assert len(features) > len(examples)  # the long article needs several windows
    if kind == "byte_bpe":
        assert partial_overlaps(features) > 0

    predictions = decode(examples, features, *peaked_logits(features), max_context=max_context)

    answers = [prediction.text for prediction in predictions]
    golds = [gold_answers(example) for example in examples]
    assert [text for text, gold in zip(answers, golds) if gold] == [gold[0] for gold in golds if gold]
    assert all(text == "" for text, gold in zip(answers, golds) if not gold)
    assert score_task("mrc", answers, golds)["exact_match"] == 100.0


@pytest.mark.parametrize("kind", TOKENIZERS)
def test_real_sample_answers_round_trip(kind, shared_klue):
    files = sorted((shared_klue / "samples" / "klue-mrc-v1").glob("klue-mrc-v1_*.json"))
    records = [record for path in files for record in read_file(path)]
    examples = MrcTask().prepare_split(datasets.Dataset.from_list(records), "validation")
    corpus = [*examples["context"], *examples["question"]]
    tokenizer = wordpiece_tokenizer(corpus, 1000) if kind == "wordpiece" else byte_bpe_tokenizer(corpus, 1200)
    features = windows(examples, tokenizer)

    predictions = decode(examples, features, *peaked_logits(features))

    for example, prediction in zip(examples, predictions):
        assert prediction.text == (example["answers"]["text"][0] if gold_answers(example) else ""), example["guid"]


@pytest.mark.parametrize(
    "offsets",
    [
        [(0, 1), (2, 3), (2, 3)],  # XLM-R's "▁가", then a standalone "▁" covering 박, then "박"
        [(0, 1), (2, 3), (2, 3), (3, 4)],  # byte-level BPE's or mBERT-uncased's two pieces of 박, then 씨
    ],
)
def test_a_one_syllable_answer_ends_on_its_start_token_though_an_earlier_token_covers_it(offsets):
    starts = np.array([NOT_CONTEXT] + [start for start, _ in offsets])  # [CLS] first: not context
    ends = np.array([NOT_CONTEXT] + [end for _, end in offsets])
    assert mrc_windows.answer_token_span(starts, ends, 2, 3) == (3, 3)  # 박: start and end on the last piece
    assert mrc_windows.answer_token_span(starts, ends, 0, 3) == (1, 2)  # 가 박: the first token reaching 박's end


FAMILIES = {
    "wordpiece": lambda texts: wordpiece_tokenizer(texts, 2000, 512),
    "byte_bpe": lambda texts: byte_bpe_tokenizer(texts, 600, 512),  # small: syllables split into bytes
    "unigram": lambda texts: unigram_tokenizer(texts, 2000, 512),  # standalone "▁" tokens
    "uncased_wordpiece": lambda texts: uncased_wordpiece_tokenizer(texts, 800, 512),  # small: jamo pieces
    "char": lambda texts: char_wordpiece_tokenizer(texts, 512),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_real_entities_as_answers_round_trip_under_every_tokenizer_family(family, shared_klue):
    """Every entity of 500 real NER dev sentences as an answer (many one syllable: 박, 김, 허): each
    window's gold ends at or after its start, and a perfect model's answer is the gold wherever the
    tokenizer puts a boundary at both ends (elsewhere no span of tokens can be the answer)."""
    records = ner.read_file(shared_klue / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv")[:500]
    questions = [
        {"guid": f"{record['guid']}-{k}", "title": "", "context": "".join(record["tokens"]), "question": "누구?",
         "answers": {"answer_start": [entity["start"]], "text": [entity["text"]]}, "is_impossible": False,
         "question_type": 1, "source": "ner", "news_category": None, "plausible_answers": None}
        for record in records
        for k, entity in enumerate(entities_from_tags(record["tokens"], record["ner_tags"]))
    ]  # fmt: skip
    examples = MrcTask().prepare_split(datasets.Dataset.from_list(questions), "validation")
    tokenizer = FAMILIES[family](list(examples["context"]))
    features = windows(examples, tokenizer, max_length=128, doc_stride=32, max_query_length=16)
    starts, ends = np.array(features["start_positions"]), np.array(features["end_positions"])
    assert (ends >= starts).all(), f"{int((ends < starts).sum())} windows labelled with their end before their start"

    predictions = decode(examples, features, *peaked_logits(features))
    # XLM-R's "▁서울" covers the space before 서울: cut from raw offsets, the answer was " 서울"
    assert all(prediction.text == prediction.text.strip() for prediction in predictions)

    contexts = tokenizer(list(examples["context"]), add_special_tokens=False, return_offsets_mapping=True)
    boundaries = contexts["offset_mapping"]
    checked = 0
    for example, prediction, offsets in zip(examples, predictions, boundaries):
        answer, start = example["answers"]["text"][0], example["answers"]["answer_start"][0]
        if {start, start + len(answer)} <= {edge for pair in offsets for edge in pair}:
            checked += 1
            assert prediction.text == answer, example["guid"]
    assert checked > len(examples) / 4  # Unigram pieces often hold a word and its particle: 부산에서
    assert sum(len(example["answers"]["text"][0]) == 1 for example in examples) > 20  # one-syllable answers


# --- windows -----------------------------------------------------------------------------------


def test_answer_many_windows_deep_is_labelled_there_and_found(tmp_path):
    document = long_article(seed=5, filler_sentences=30)
    examples = examples_from(tmp_path, document)
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    features = windows(examples, tokenizer)

    first = features.filter(lambda window: window["example_index"] == 0)
    assert len(first) > 3
    labelled = [index for index, start in enumerate(first["start_positions"]) if start != mrc_spans.CLS_INDEX]
    assert labelled and min(labelled) >= 3  # the answer is only in late windows

    # Consecutive windows share exactly doc_stride context tokens.
    contexts = [[pair for pair in offsets if pair[0] >= 0] for offsets in offset_pairs(first)]
    for previous, following in zip(contexts, contexts[1:]):
        assert previous[-DOC_STRIDE:] == following[:DOC_STRIDE]
    # The windows cover the whole context, none beyond max_length.
    assert contexts[-1][-1][1] == len(examples[0]["context"].rstrip())
    assert max(len(ids) for ids in features["input_ids"]) <= MAX_LENGTH

    predictions = decode(examples, features, *peaked_logits(features))
    assert predictions[0].text == examples[0]["answers"]["text"][0]


def test_only_context_tokens_keep_offsets(tmp_path):
    document = mrc_document(1)
    examples = examples_from(tmp_path, document)
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    encoded = mrc_windows.window_features(examples[:1], tokenizer, MAX_LENGTH, DOC_STRIDE, 64, padding="max_length")
    offsets = np.asarray(encoded["offset_mapping"][0]).reshape(-1, 2)
    sequence_ids = tokenizer(examples[0]["question"], examples[0]["context"], truncation="only_second",
                             max_length=MAX_LENGTH, padding="max_length").sequence_ids()
    is_context = np.array([sequence_id == 1 for sequence_id in sequence_ids])
    assert (offsets[~is_context] == mrc_spans.NOT_CONTEXT).all()  # CLS, question, SEP, padding
    assert (offsets[is_context] >= 0).all()


@pytest.mark.parametrize("kind", TOKENIZERS)
def test_long_question_is_cut_to_max_query_length(kind, tmp_path):
    document = mrc_document(1)
    paragraph = document["data"][0]["paragraphs"][0]
    paragraph["qas"][0]["question"] = "  " + " ".join(["서울에서 열린 행사에 참가한 팀은"] * 10) + " 몇 개인가?"
    examples = examples_from(tmp_path, document)
    tokenizer = TOKENIZERS[kind](list(texts(document)))
    features = windows(examples, tokenizer, max_query_length=8)
    first_window = features[0]
    question_tokens = first_window["input_ids"].index(tokenizer.sep_token_id) - 1
    assert question_tokens == 8
    # The context still gets its room, and the labels still decode to the gold answer.
    predictions = decode(examples, features, *peaked_logits(features))
    assert predictions[0].text == examples[0]["answers"]["text"][0]


def test_a_cut_question_never_tokenizes_longer_than_the_limit_nor_keeps_leading_spaces():
    # The tiny byte-level BPE splits 서, 울 and the unseen 뷁 into byte pieces sharing one syllable's offsets:
    # cutting where the last kept piece ends would keep the whole syllable, one or two tokens too many.
    tokenizer = byte_bpe_tokenizer(list(texts(mrc_document(4))), vocab_size=320)
    question = "서울 뷁뷁뷁 행사"

    def length(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    assert length(question) > 12
    for limit in range(1, 13):
        assert length(mrc_windows.cut_questions([question], tokenizer, limit)[0]) <= limit, limit
    # Leading spaces would be tokens of their own for a byte-level BPE: dropped, though nothing else is cut.
    assert mrc_windows.cut_questions(["   서울 행사"], tokenizer, 64) == ["서울 행사"]


def test_stride_larger_than_the_window_room_is_refused():
    tokenizer = wordpiece_tokenizer(["서울에서 행사 소식입니다."], vocab_size=100)
    with pytest.raises(ValueError, match="--doc_stride 62"):
        mrc_windows.query_token_limit(tokenizer, max_length=64, doc_stride=62, max_query_length=64)
    # Below that, the question limit shrinks so the context keeps more than doc_stride tokens.
    assert mrc_windows.query_token_limit(tokenizer, max_length=64, doc_stride=16, max_query_length=64) == 44


@pytest.mark.parametrize("mode", ["overlap", "step"])
def test_windows_too_short_for_any_doc_stride_say_the_shortest_window(mode):
    # BERT's 3 special tokens, one question token, one context token: below 5 no --doc_stride helps.
    tokenizer = wordpiece_tokenizer(["서울에서 행사 소식입니다."], vocab_size=100)
    with pytest.raises(ValueError, match="--max_seq_length 4 is too short for MRC windows .* use at least 5"):
        mrc_windows.query_token_limit(tokenizer, max_length=4, doc_stride=0 if mode == "overlap" else 1,
                                      max_query_length=64, doc_stride_mode=mode)
    assert mrc_windows.query_token_limit(tokenizer, 5, 0, 64, "overlap") == 1


# --- unanswerable questions --------------------------------------------------------------------


def test_unanswerable_question_gets_cls_labels_and_predicts_empty(tmp_path):
    document = long_article(seed=6, filler_sentences=12)
    examples = examples_from(tmp_path, document)
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    features = windows(examples, tokenizer)
    unanswerable = [index for index, example in enumerate(examples) if example["is_impossible"]]
    assert unanswerable and examples[unanswerable[0]]["plausible_answers"]["text"]
    its_windows = [i for i, index in enumerate(features["example_index"]) if index == unanswerable[0]]
    assert len(its_windows) > 1
    assert all(features[i]["start_positions"] == features[i]["end_positions"] == 0 for i in its_windows)

    predictions = decode(examples, features, *peaked_logits(features))

    prediction = predictions[unanswerable[0]]
    assert prediction.text == "" and prediction.null_score == pytest.approx(20.0)
    assert score_task("mrc", [prediction.text], [gold_answers(examples[unanswerable[0]])])["exact_match"] == 100.0


def test_null_score_is_the_minimum_over_windows_and_the_threshold_decides():
    # One question, two windows of 4 tokens: CLS, then context tokens 1..3 ("가나다" by characters).
    offsets = TokenOffsets.of([[[-1, -1], [0, 1], [1, 2], [2, 3]]] * 2)
    start = torch.tensor([[5.0, 0.0, 3.0, 0.0], [2.0, 0.0, 0.0, 0.0]])
    end = torch.tensor([[5.0, 0.0, 0.0, 3.0], [2.0, 0.0, 0.0, 0.0]])
    top_k = mrc_spans.as_top_k(mrc_windows.top_k_logits(start, end, 4), 4)

    def answer(threshold: float) -> mrc_spans.SpanPrediction:
        return mrc_spans.decode_spans(top_k, np.array([0, 0]), offsets, ["가나다"], n_best_size=4,
                                      null_score_diff_threshold=threshold)[0]

    # Null = min(10, 4) = 4 (the window that sees no answer does not veto the one that does);
    # best span "나다" = 3 + 3 = 6; 4 - 6 = -2.
    assert answer(0.0).null_score == 4.0 and answer(0.0).text == "나다"
    assert answer(-2.5).text == ""  # a negative threshold makes no-answer win more often
    assert answer(-1.5).text == "나다"
    assert answer(-2.0).text == "나다"  # no-answer wins only when its margin is above the threshold (SQuAD v2)


def test_no_valid_span_means_no_answer():
    offsets = TokenOffsets.of([[[-1, -1], [-1, -1], [0, 2], [-1, -1]]])
    start = torch.tensor([[-50.0, 9.0, -50.0, 9.0]])  # peaks on question and special tokens only
    end = torch.tensor([[-50.0, 9.0, -50.0, 9.0]])
    prediction = mrc_spans.decode_spans(mrc_spans.as_top_k(mrc_windows.top_k_logits(start, end, 2), 2),
                                        np.array([0]), offsets, ["가나"], n_best_size=2)[0]
    assert prediction.text == "" and prediction.nbest_scores.size == 0


# --- answer_start repair -----------------------------------------------------------------------


def _one_paragraph(context: str, answers: list[tuple[str, int]]) -> dict:
    qas = [{"question": f"질문 {index}?", "answers": [{"text": text, "answer_start": start}], "question_type": 1,
            "is_impossible": False, "guid": f"smoke-mrc-{index:05d}"} for index, (text, start) in enumerate(answers)]
    return {"data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}]}


@pytest.mark.parametrize("split", ["train", "validation"])
def test_answer_start_is_repaired_to_the_nearest_occurrence(split, tmp_path, caplog):
    context = "서울 행사. 부산 행사. 서울 행사."
    document = _one_paragraph(context, [("서울", 13), ("부산", 9), ("행사", 5), ("대구", 0)])
    assert context.index("부산") == 7 and context.rindex("서울") == 14 and context.index("행사") == 3
    with caplog.at_level(logging.INFO, logger="klue"):
        examples = examples_from(tmp_path, document, split)

    starts = {example["guid"]: example["answers"]["answer_start"][0] for example in examples}
    assert starts["smoke-mrc-00000"] == 14  # nearest "서울" to 13 is the second one, not the first
    assert starts["smoke-mrc-00001"] == 7
    assert starts["smoke-mrc-00002"] == 3  # 5 is 2 from "행사" at 3 and 5 from the one at 10
    messages = [record.getMessage() for record in caplog.records if record.name == "klue"]
    assert any("moved 3 answer_start offsets" in message for message in messages)
    if split == "train":
        assert "smoke-mrc-00003" not in starts and len(examples) == 3
        assert any("skipped 1 examples" in message and "smoke-mrc-00003" in message for message in messages)
    else:  # evaluation never drops a question: every one is scored
        assert starts["smoke-mrc-00003"] == 0 and len(examples) == 4
        assert any("1 questions have an answer text that does not occur" in message for message in messages)
    assert examples["example_index"] == list(range(len(examples)))


def test_questions_without_any_answer_are_kept_and_make_the_split_unlabelled(tmp_path, caplog):
    """Kept in every split: the runner refuses them in train and validation (``require_labels``, tested in
    tests/trainers/test_run_mrc.py), and a test split with one is predicted, not scored."""
    document = mrc_document(2)
    document["data"][0]["paragraphs"][0]["qas"][0]["answers"] = []  # answerable, yet no answer
    with caplog.at_level(logging.WARNING, logger="klue"):
        prepared = {split: examples_from(tmp_path, document, split) for split in ("train", "validation", "test")}
    for examples in prepared.values():
        assert len(examples) == 8 and MrcTask().unlabelled(examples) == [0]
        assert MrcTask().references(examples) is None  # unlabelled: not scored
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["test: 1 of 8 questions are answerable but have no answer; the split is treated as "
                        "unlabelled (predicted, not scored)."]


def test_unfound_answer_gives_cls_labels_but_stays_gold(tmp_path):
    document = _one_paragraph("서울 행사 소식입니다.", [("대구", 0)])
    examples = examples_from(tmp_path, document, "validation")
    features = windows(examples, wordpiece_tokenizer(["서울 행사 소식입니다. 대구"], vocab_size=100))
    assert features["start_positions"] == [0] and features["end_positions"] == [0]
    assert gold_answers(examples[0]) == ["대구"]


def test_nearest_occurrence():
    assert mrc_windows.nearest_occurrence("ab ab ab", "ab", 4) == 3
    assert mrc_windows.nearest_occurrence("ab ab ab", "ab", 100) == 6
    assert mrc_windows.nearest_occurrence("ab ab ab", "cd", 0) is None
    assert mrc_windows.nearest_occurrence("ab__ab", "ab", 2) == 0  # equally far: the earlier one
    assert mrc_windows.nearest_occurrence("ab", "", 0) is None
    assert mrc_windows.nearest_occurrence("아아아 말", "아아", 5) == 1  # occurrences that overlap count too


# --- top-k reduction ---------------------------------------------------------------------------


def test_top_k_has_a_fixed_width_even_for_sequences_shorter_than_k():
    k = 8
    short = torch.arange(10, dtype=torch.float32).reshape(2, 5)  # batch of 2 windows, 5 tokens
    start_values, start_indices, end_values, end_indices, null_scores = mrc_windows.top_k_logits(short, -short, k)

    assert start_values.shape == start_indices.shape == end_values.shape == end_indices.shape == (2, k)
    assert start_indices[0, :5].tolist() == [4, 3, 2, 1, 0]
    assert torch.isinf(start_values[:, 5:]).all() and (start_indices[:, 5:] >= 5).all()  # padding, past the window
    assert null_scores.tolist() == [0.0, 0.0]  # CLS start + CLS end: 0 + -0, 5 + -5

    # Batches of different lengths concatenate as the Trainer does it (no -100 padding inside).
    longer = mrc_windows.top_k_logits(torch.randn(3, 40), torch.randn(3, 40), k)
    joined = nested_concat(mrc_windows.top_k_logits(short, -short, k), longer, padding_index=-100)
    assert [tuple(value.shape) for value in joined] == [(5, k)] * 4 + [(5,)]


def test_top_k_reduction_keeps_fp16_logits_decodable():
    half = torch.randn(2, 30).half()
    values, *_ = mrc_windows.top_k_logits(half, half, 4)
    assert values.dtype == torch.float32


def test_full_logits_reduced_at_decoding_are_masked_to_the_context_by_the_offsets():
    offsets = TokenOffsets.of([[[-1, -1], [-1, -1], [0, 1], [1, 2], [-1, -1]], [[-1, -1], [0, 1], [-1, -1]]])
    start = np.array([[1.0, 9.0, 2.0, 3.0, 8.0], [1.0, 2.0, 9.0, -100.0, -100.0]], dtype=np.float32)  # batch padding
    top_k = mrc_spans.as_top_k((start, start), 2, offsets)
    assert top_k.start_indices[0].tolist() == [3, 2] and top_k.start_indices[1, 0] == 1
    assert np.isinf(top_k.start_values[1, 1]) and top_k.null_scores.tolist() == [2.0, 2.0]


def test_full_logits_are_reduced_when_no_reduction_ran():
    start, end = torch.randn(3, 12), torch.randn(3, 12)
    full = mrc_spans.as_top_k((start.numpy(), end.numpy()), 5)
    reduced = mrc_spans.as_top_k(tuple(value.numpy() for value in mrc_windows.top_k_logits(start, end, 5)), 5)
    for left, right in zip(full, reduced):
        np.testing.assert_array_equal(left, right)
    # eval_do_concat_batches=False: a list of per-batch tuples
    batches = [tuple(v.numpy() for v in mrc_windows.top_k_logits(start[:2], end[:2], 5)),
               tuple(v.numpy() for v in mrc_windows.top_k_logits(start[2:], end[2:], 5))]
    for left, right in zip(mrc_spans.as_top_k(batches, 5), reduced):
        np.testing.assert_array_equal(left, right)


@pytest.mark.parametrize("kind", TOKENIZERS)
def test_context_mask_from_input_ids_is_the_tokenizers_context(kind, tmp_path):
    """[CLS] q [SEP] c [SEP] (WordPiece) and <s> q </s></s> c </s> (byte-level BPE), right-padded
    batches: the mask read from input ids alone is exactly sequence id 1."""
    document = mrc_document(3, seed=2)
    document["data"] += long_article(seed=3, filler_sentences=6)["data"]
    examples = examples_from(tmp_path, document)
    tokenizer = TOKENIZERS[kind](list(texts(document)))
    encoded = tokenizer(list(examples["question"]), list(examples["context"]), truncation="only_second",
                        max_length=MAX_LENGTH, stride=DOC_STRIDE, return_overflowing_tokens=True, padding=True,
                        return_tensors="pt")
    expected = torch.tensor([[sequence_id == 1 for sequence_id in encoded.sequence_ids(row)]
                             for row in range(len(encoded["input_ids"]))])
    assert (encoded["attention_mask"] == 0).any()  # padded on the right

    for attention_mask in (encoded["attention_mask"], None):
        mask = mrc_windows.context_mask(encoded["input_ids"], tokenizer.sep_token_id, attention_mask)
        assert torch.equal(mask, expected)


def test_a_pair_template_the_context_mask_cannot_read_is_refused_at_preprocessing(tmp_path):
    from tokenizers import processors

    document = mrc_document(1)
    examples = examples_from(tmp_path, document)
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in ("[CLS]", "[SEP]")}
    # No separator after the context: the context mask would find no context at all.
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1", special_tokens=list(ids.items()))
    with pytest.raises(ArgumentsError, match=r"BertTokenizer\w* does not build question/context pairs as "
                                             r"\[CLS\] question \[SEP\] context \[SEP\].*4 of 4 windows"):
        mrc_windows.window_features(examples[:], tokenizer, MAX_LENGTH, DOC_STRIDE, 64)


def test_separator_text_inside_a_context_is_masked_not_refused(tmp_path):
    document = mrc_document(1)
    paragraph = document["data"][0]["paragraphs"][0]
    paragraph["context"] = "[SEP] " + paragraph["context"]  # its literal text becomes a separator token
    for qa in paragraph["qas"]:
        for answer in qa["answers"] + qa.get("plausible_answers", []):
            answer["answer_start"] += len("[SEP] ")
    examples = examples_from(tmp_path, document)
    features = windows(examples, wordpiece_tokenizer(list(texts(document)), vocab_size=300))
    predictions = decode(examples, features, *peaked_logits(features))
    assert [p.text for p in predictions] == [gold[0] if gold else "" for gold in map(gold_answers, examples)]


def test_top_k_of_a_window_does_not_depend_on_the_padding_of_its_batch():
    generator = torch.Generator().manual_seed(3)
    # A window of 12 tokens: CLS, 3 question tokens, SEP, 6 context tokens, SEP.
    ids = torch.tensor([[2, 7, 8, 9, 3, 10, 11, 12, 13, 14, 15, 3]])
    start, end = torch.randn(1, 12, generator=generator), torch.randn(1, 12, generator=generator)
    start[0, 1:4] += 50.0  # the question and special tokens score highest
    end[0, 4] += 50.0
    alone = mrc_windows.top_k_logits(start, end, 4, mrc_windows.context_mask(ids, 3, torch.ones_like(ids)))

    # The same window padded to 40 in a batch of 2, its padding logits higher than anything.
    padded_ids = torch.cat([ids, torch.zeros(1, 28, dtype=torch.long)], dim=1).repeat(2, 1)
    attention = (padded_ids != 0).long()
    padded_start = torch.cat([start, torch.full((1, 28), 99.0)], dim=1).repeat(2, 1)
    padded_end = torch.cat([end, torch.full((1, 28), 99.0)], dim=1).repeat(2, 1)
    batched = mrc_windows.top_k_logits(padded_start, padded_end, 4, mrc_windows.context_mask(padded_ids, 3, attention))

    for one, other in zip(alone, batched):
        assert torch.equal(one[0], other[0])
    assert set(alone[1][0].tolist()) <= set(range(5, 11)) and set(alone[3][0].tolist()) <= set(range(5, 11))
    assert alone[4].tolist() == [start[0, 0].item() + end[0, 0].item()]  # CLS read before masking
    # Fewer context tokens than k: still k wide, the rest -inf at positions decoding rejects.
    values, indices, *_ = mrc_windows.top_k_logits(padded_start, padded_end, 8,
                                                 mrc_windows.context_mask(padded_ids, 3, attention))
    assert values.shape == (2, 8) and torch.isinf(values[:, 6:]).all() and torch.isfinite(values[:, :6]).all()


# --- n-best decoding ---------------------------------------------------------------------------


def reference_decode(start_logits, end_logits, window_example, offsets, contexts, n_best_size, max_answer_length,
                     threshold):
    """The Hugging Face ``postprocess_qa_predictions`` loop (SQuAD v2), one pair at a time, with duplicate
    spans from overlapping windows kept once: what ``decode_spans`` vectorises."""
    results = []
    for example, context in enumerate(contexts):
        candidates, null = {}, None
        for window in np.flatnonzero(window_example == example):
            start, end, window_offsets = start_logits[window], end_logits[window], offsets[window]
            score = start[0] + end[0]
            null = score if null is None or score < null else null
            for i in np.argsort(start)[-1: -n_best_size - 1: -1]:
                for j in np.argsort(end)[-1: -n_best_size - 1: -1]:
                    if i >= len(window_offsets) or j >= len(window_offsets):
                        continue
                    if window_offsets[i][0] < 0 or window_offsets[j][0] < 0 or j < i or j - i + 1 > max_answer_length:
                        continue
                    span = (window_offsets[i][0], window_offsets[j][1])
                    if span[1] > span[0]:
                        candidates[span] = max(candidates.get(span, -np.inf), float(start[i] + end[j]))
        best = sorted(candidates.items(), key=lambda item: -item[1])[:n_best_size]
        text = "" if not best or null - best[0][1] > threshold else context[best[0][0][0]:best[0][0][1]]
        results.append((text, null, [span for span, _ in best]))
    return results


@pytest.mark.parametrize("kind", TOKENIZERS)
def test_vectorised_decoding_equals_the_reference_loop(kind, tmp_path):
    document = mrc_document(5, seed=8)
    document["data"] += long_article(seed=9, filler_sentences=10)["data"]
    examples = examples_from(tmp_path, document)
    features = windows(examples, TOKENIZERS[kind](list(texts(document))))
    generator = torch.Generator().manual_seed(0)
    start, end = peaked_logits(features)
    start = start + 6 * torch.randn(start.shape, generator=generator)  # a confused model: many candidates
    end = end + 6 * torch.randn(end.shape, generator=generator)
    start[:, 0] += 3.0  # some questions answered, some not

    predictions = decode(examples, features, start, end, k=5, max_answer_length=6, null_score_diff_threshold=0.5)
    expected = reference_decode(start.numpy().astype(np.float64), end.numpy().astype(np.float64),
                                np.asarray(features["example_index"]), offset_pairs(features),
                                examples["context"], 5, 6, 0.5)

    assert [p.text for p in predictions] == [text for text, _, _ in expected]
    assert [p.null_score for p in predictions] == pytest.approx([null for _, null, _ in expected], abs=1e-4)
    # Same n-best spans (in order up to ties in the score).
    for prediction, (_, _, spans) in zip(predictions, expected):
        assert sorted(zip(prediction.nbest_starts.tolist(), prediction.nbest_ends.tolist())) == sorted(spans)
        assert list(prediction.nbest_scores) == sorted(prediction.nbest_scores, reverse=True)
    assert any(p.text for p in predictions) and any(not p.text for p in predictions)


def test_nbest_records_carry_text_score_and_character_offsets():
    offsets = TokenOffsets.of([[[-1, -1], [0, 2], [3, 5], [6, 8]]])
    start = torch.tensor([[0.0, 4.0, 3.0, -9.0]])
    end = torch.tensor([[0.0, -9.0, 2.0, 1.0]])
    prediction = mrc_spans.decode_spans(mrc_spans.as_top_k(mrc_windows.top_k_logits(start, end, 4), 4),
                                        np.array([0]), offsets, ["서울 부산 대구"], n_best_size=3, max_answer_length=2)[0]
    assert prediction.text == "서울 부산"
    assert prediction.nbest("서울 부산 대구") == [
        {"text": "서울 부산", "score": 6.0, "start": 0, "end": 5},
        {"text": "부산", "score": 5.0, "start": 3, "end": 5},
        {"text": "부산 대구", "score": 4.0, "start": 3, "end": 8},  # "서울 부산 대구" is 3 tokens > 2
    ]


def test_task_settings_are_the_parsed_flags():
    from trainers.arguments import parse_arguments

    task = MrcTask()
    *_, options = parse_arguments(task, ["--model_name_or_path", "m", "--output_dir", "o", "--doc_stride", "64",
                                         "--do_eval"])
    task.use_options(*options)
    assert task.option(MrcArguments) == MrcArguments(doc_stride=64)
    assert task.config_overrides() == {"num_labels": 2}  # a start and an end logit per token


# --- windows in step mode (the original BERT / KLUE-baseline windows) ---------------------------


def official_spans(context_tokens: int, room: int, step: int) -> list[tuple[int, int]]:
    """(start, length) of the windows the original BERT SQuAD feature conversion (KLUE-baseline's
    ``squad_convert_example_to_features``) cuts a context of ``context_tokens`` into: one every
    ``step`` tokens, each holding up to ``room`` tokens, until one reaches the end of the context."""
    spans: list[tuple[int, int]] = []
    while len(spans) * step < context_tokens:
        start = len(spans) * step
        spans.append((start, min(context_tokens - start, room)))
        if start + room >= context_tokens:  # no tokens overflow: the last window
            break
    return spans


@pytest.mark.parametrize("kind", TOKENIZERS)
def test_step_mode_windows_start_step_tokens_apart_as_the_official_conversion(kind, tmp_path):
    document = long_article(seed=5, filler_sentences=30)
    document["data"] += mrc_document(2, seed=6)["data"]
    paragraph = document["data"][0]["paragraphs"][0]
    paragraph["qas"][0]["question"] = "행사 팀 수는?"  # questions of very different lengths share a map batch
    paragraph["qas"][1]["question"] = " ".join(["서울에서 열린 행사에 참가한 팀은"] * 3) + " 몇 개인가?"
    examples = examples_from(tmp_path, document)
    tokenizer = TOKENIZERS[kind](list(texts(document)))
    step = 10
    features = windows(examples, tokenizer, doc_stride=step, doc_stride_mode="step")
    limit = mrc_windows.query_token_limit(tokenizer, MAX_LENGTH, step, 64, "step")
    questions = mrc_windows.cut_questions(list(examples["question"]), tokenizer, limit)
    question_tokens = [len(ids) for ids in tokenizer(questions, add_special_tokens=False)["input_ids"]]
    context_tokens = [len(ids) for ids in tokenizer(list(examples["context"]), add_special_tokens=False)["input_ids"]]
    room = [MAX_LENGTH - tokenizer.num_special_tokens_to_add(pair=True) - length for length in question_tokens]
    assert len(set(room)) > 2  # so the overlaps differ between questions; the step does not

    example_index = np.asarray(features["example_index"])
    assert (np.diff(example_index) >= 0).all()  # windows in example order
    spans_seen = 0
    for index in range(len(examples)):
        rows = np.flatnonzero(example_index == index).tolist()
        starts = [features["window_start"][row] for row in rows]
        contexts = [[pair for pair in offset_pairs(features.select([row]))[0] if pair[0] >= 0] for row in rows]
        expected = official_spans(context_tokens[index], room[index], step)
        assert list(zip(starts, map(len, contexts))) == expected, examples[index]["guid"]
        # Every window, the last one included, starts exactly `step` tokens after the one before;
        # the last one is the first to reach the end of the context, and may be shorter.
        assert starts == [step * number for number in range(len(rows))]
        for previous, following in zip(contexts, contexts[1:]):
            assert following[: len(previous) - step] == previous[step:]
        assert contexts[-1][-1][1] == len(examples[index]["context"].rstrip())
        spans_seen += len(rows)
    assert spans_seen == len(features) and max(len(ids) for ids in features["input_ids"]) <= MAX_LENGTH
    assert sum(1 for index in set(example_index.tolist()) if (example_index == index).sum() > 3) >= 4


def test_step_mode_windows_of_a_question_cut_to_its_limit_share_no_token(tmp_path):
    # The question takes all the room the step leaves: each window holds exactly `step` context tokens,
    # so consecutive windows share none and start `step` tokens apart.
    document = long_article(seed=5, filler_sentences=30)
    document["data"][0]["paragraphs"][0]["qas"][0]["question"] = " ".join(["서울에서 열린 행사에 참가한 팀은"] * 10)
    examples = examples_from(tmp_path, document).select([0])
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    step = 20
    features = windows(examples, tokenizer, doc_stride=step, doc_stride_mode="step")
    assert features["question_cut"][0] and len(features) > 3
    contexts = [[pair for pair in offsets if pair[0] >= 0] for offsets in offset_pairs(features)]
    assert features["window_start"] == [step * number for number in range(len(features))]
    assert all(len(context) == step for context in contexts[:-1])
    for previous, following in zip(contexts, contexts[1:]):
        assert previous[-1][1] <= following[0][0]


def test_overlap_mode_window_starts_follow_the_shared_tokens(tmp_path):
    document = long_article(seed=5, filler_sentences=30)
    examples = examples_from(tmp_path, document)
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    features = windows(examples, tokenizer).filter(lambda window: window["example_index"] == 0)
    contexts = [[pair for pair in offsets if pair[0] >= 0] for offsets in offset_pairs(features)]
    starts = features["window_start"]
    assert starts[0] == 0
    for number, (previous, following) in enumerate(zip(contexts, contexts[1:])):
        assert starts[number + 1] - starts[number] == len(previous) - DOC_STRIDE


def test_step_larger_than_the_window_room_is_refused():
    tokenizer = wordpiece_tokenizer(["서울에서 행사 소식입니다."], vocab_size=100)
    with pytest.raises(ValueError, match=r"--doc_stride 62 \(--doc_stride_mode step.*at most 60"):
        mrc_windows.query_token_limit(tokenizer, max_length=64, doc_stride=62, max_query_length=64,
                                    doc_stride_mode="step")
    # A window must hold at least `step` context tokens: the question gets the rest.
    assert mrc_windows.query_token_limit(tokenizer, 64, 16, 64, "step") == 45
    assert mrc_windows.query_token_limit(tokenizer, 64, 60, 64, "step") == 1
    with pytest.raises(ValueError, match="--doc_stride 61 .*at most 60"):  # one more leaves the question nothing
        mrc_windows.query_token_limit(tokenizer, 64, 61, 64, "step")
    with pytest.raises(ValueError, match="--doc_stride must be >= 1 with --doc_stride_mode step"):
        MrcArguments(doc_stride=0, doc_stride_mode="step")
    with pytest.raises(ValueError, match="--doc_stride_mode must be 'overlap' or 'step'"):
        MrcArguments(doc_stride_mode="stride")


# --- max context: a span counts in the window where its start has the most context ---------------


def three_windows(logits: list[tuple[dict[int, float], dict[int, float]]]):
    """One question over the ten one-character tokens of "가나다라마바사아자차", windowed as the
    original conversion does with room 6 and step 3: tokens 0-5, 3-8 and 6-9 (the last one shorter).
    ``logits[w]``: (start, end) peaks of window w by position (1 = its first context token); CLS
    gets -5 (null score -10), every other position -9."""
    context = "가나다라마바사아자차"
    layout = ((0, 6), (3, 6), (6, 4))  # (window_start, context tokens)
    rows = [[[-1, -1]] + [[i, i + 1] for i in range(first, first + length)] for first, length in layout]
    start = torch.full((3, 7), -9.0)
    end = torch.full((3, 7), -9.0)
    start[:, 0] = end[:, 0] = -5.0
    for window, (start_peaks, end_peaks) in enumerate(logits):
        for position, value in start_peaks.items():
            start[window, position] = value
        for position, value in end_peaks.items():
            end[window, position] = value
    context_positions = torch.tensor([[0] + [1] * length + [0] * (6 - length) for _, length in layout]).bool()
    top_k = mrc_spans.as_top_k(mrc_windows.top_k_logits(start, end, 2, context_positions), 2)
    window_starts = np.array([first for first, _ in layout])
    return top_k, np.zeros(3, dtype=np.int64), TokenOffsets.of(rows), [context], window_starts


def test_max_context_keeps_a_span_only_in_the_window_where_its_start_has_the_most_context():
    # Scores (min(left, right) + 0.01 x length) of the start tokens proposed below:
    # "라" (token 3): window 0 2.06, window 1 0.06. "마" (4): 1.06 in both, a tie the first window
    # wins. "바" (5): window 0 0.06, window 1 2.06. "아" (7): window 1 1.06, window 2 1.04.
    top_k, example, offsets, contexts, window_starts = three_windows([
        ({4: 2.0, 6: 3.0}, {5: 2.0, 6: 3.0}),  # window 0: "라마" 4, "라마바" 5, "바" 6
        ({1: 4.0, 2: 3.5}, {2: 4.0}),  # window 1: "라마" 8, "마" 7.5
        ({2: 1.0}, {2: 1.0}),  # window 2: "아" 2
    ])

    def decoded(**options) -> tuple[str, list[tuple[str, float]]]:
        prediction = mrc_spans.decode_spans(top_k, example, offsets, contexts, n_best_size=5, **options)[0]
        return prediction.text, [(entry["text"], entry["score"]) for entry in prediction.nbest(contexts[0])]

    # Every window's candidates (the Hugging Face post-processing; a span both windows propose
    # keeps its better score).
    assert decoded() == ("라마", [("라마", 8.0), ("마", 7.5), ("바", 6.0), ("라마바", 5.0), ("아", 2.0)])
    # Max context: "라마" counts where "라" has more context (window 0, score 4), not in window 1;
    # "마", "바" and "아" are proposed only in windows that are not their start's max-context window.
    assert decoded(window_starts=window_starts) == ("라마바", [("라마바", 5.0), ("라마", 4.0)])


def official_is_max_context(window_starts: list[int], lengths: list[int], window: int, token: int) -> bool:
    """The original BERT ``_check_is_max_context``, one token at a time."""
    best_score, best_window = None, None
    for index, (start, length) in enumerate(zip(window_starts, lengths)):
        end = start + length - 1
        if token < start or token > end:
            continue
        score = min(token - start, end - token) + 0.01 * length
        if best_score is None or score > best_score:
            best_score, best_window = score, index
    return best_window == window


@pytest.mark.parametrize(("mode", "doc_stride"), [("step", 4), ("step", 20), ("overlap", 16), ("overlap", 30)])
def test_vectorised_max_context_equals_the_official_check(mode, doc_stride, tmp_path):
    document = long_article(seed=7, filler_sentences=16)
    document["data"] += mrc_document(3, seed=8)["data"]
    examples = examples_from(tmp_path, document)
    features = windows(examples, wordpiece_tokenizer(list(texts(document)), vocab_size=300), doc_stride=doc_stride,
                       doc_stride_mode=mode)
    width = max(len(ids) for ids in features["input_ids"])
    positions = torch.randperm(len(features) * width, generator=torch.Generator().manual_seed(1))
    start_indices = (positions.reshape(len(features), width)[:, :12] % width).numpy()  # any positions, some not context
    example_index = np.asarray(features["example_index"])
    offsets = TokenOffsets.of(features.with_format("arrow")["offset_mapping"])

    kept = mrc_spans.max_context_starts(start_indices, example_index, offsets, np.asarray(features["window_start"]))

    contexts = [[position for position, pair in enumerate(pairs) if pair[0] >= 0] for pairs in offset_pairs(features)]
    checked = 0
    for example in set(example_index.tolist()):
        rows = np.flatnonzero(example_index == example).tolist()
        starts = [features["window_start"][row] for row in rows]
        lengths = [len(contexts[row]) for row in rows]
        for number, row in enumerate(rows):
            for rank, position in enumerate(start_indices[row].tolist()):
                if position in contexts[row]:
                    token = starts[number] + position - contexts[row][0]
                    assert kept[row, rank] == official_is_max_context(starts, lengths, number, token), (row, position)
                    checked += 1
    assert checked > 100 and not kept.all()


def hand_made_windows(layout: list[tuple[int, int, int]]) -> tuple[TokenOffsets, np.ndarray, np.ndarray]:
    """Windows ``(question, window_start, context tokens)`` as [CLS] context [SEP] of one-character
    tokens: the offsets, window starts and questions ``max_context_starts`` reads."""
    rows = [[[-1, -1]] + [[i, i + 1] for i in range(first, first + length)] + [[-1, -1]] for _, first, length in layout]
    return TokenOffsets.of(rows), np.array([first for _, first, _ in layout]), np.array([q for q, _, _ in layout])


@pytest.mark.parametrize(("layout", "token"), [
    # A long window against the short last one: token 396 has 3 tokens of context on its right in
    # window 0 (3 + 0.01 x 400 = 7.0) and 6 on its left in window 1 (6 + 0.01 x 20 = 6.2): the
    # length term decides for window 0.
    ([(0, 0, 400), (0, 390, 20)], 396),
    # Windows that share no token (a question cut to its limit in step mode), beside a question
    # whose windows overlap: a window's first and last context tokens are its own.
    ([(0, 0, 5), (0, 5, 5), (1, 0, 5), (1, 3, 5)], 5),
    ([(0, 0, 5), (0, 5, 5), (1, 0, 5), (1, 3, 5)], 4),
])
def test_max_context_of_hand_made_windows_is_the_official_check(layout, token):
    offsets, window_starts, questions = hand_made_windows(layout)
    holding = [number for number, (question, first, length) in enumerate(layout)
               if question == 0 and first <= token < first + length]
    start_indices = np.zeros((len(layout), 1), dtype=np.int64)  # CLS where the window does not hold the token
    for number in holding:
        start_indices[number, 0] = 1 + token - layout[number][1]
    kept = mrc_spans.max_context_starts(start_indices, questions, offsets, window_starts)
    first_question = [(first, length) for question, first, length in layout if question == 0]
    for number in holding:
        assert kept[number, 0] == official_is_max_context(*map(list, zip(*first_question)), number, token), number
    assert sum(kept[number, 0] for number in holding) == 1


def test_decoding_modules_import_neither_torch_nor_transformers():
    """Decoding is numpy: the answer spans and the NER character alignment import no torch or transformers."""
    import subprocess
    import sys

    code = ("import sys, algorithms.mrc_spans, algorithms.char_alignment; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]"


def test_preparing_examples_repairs_starts_and_drops_only_train_questions_that_cannot_teach_a_span():
    contexts = ["서울에 갔다", "부산에 갔다", "대전에 갔다"]
    answers = [{"text": ["서울"], "answer_start": [3]}, {"text": ["광주"], "answer_start": [0]},
               {"text": ["대전"], "answer_start": [0]}]
    guids = ["q-1", "q-2", "q-3"]
    train = mrc_windows.prepare_examples(contexts, answers, [False] * 3, guids, "train")
    assert train.answers[0]["answer_start"] == [0] and train.repaired == 1
    assert train.keep == [0, 2]  # "광주" is nowhere in its context
    assert any("q-2" in message and "skipped 1" in message for message in train.messages)
    dev = mrc_windows.prepare_examples(contexts, answers, [False] * 3, guids, "validation")
    assert dev.keep == [0, 1, 2]
    test = mrc_windows.prepare_examples(contexts, [*answers[:2], {"text": [], "answer_start": []}], [False] * 3,
                                        guids, "test")
    assert test.keep == [0, 1, 2] and any("unlabelled" in message for message in test.messages)


# --- answer texts with spaces around them; answers longer than the overlap ------------------------


def single_question(context: str, answers: list[tuple[int, str]], guid: str = "smoke-mrc-00001") -> dict[str, list]:
    """One answerable question as the batch ``window_features`` takes."""
    return {"question": ["무엇이 열렸나?"], "context": [context], "guid": [guid], "is_impossible": [False],
            "example_index": [0],
            "answers": [{"answer_start": [start for start, _ in answers], "text": [text for _, text in answers]}]}


def labelled_text(features: dict[str, list], context: str) -> str:
    """The context text between the labelled start and end tokens of the (only) window."""
    offsets = TokenOffsets.of(features["offset_mapping"])
    start = offsets.starts[offsets.begin[0] + features["start_positions"][0]]
    end = offsets.ends[offsets.begin[0] + features["end_positions"][0]]
    return context[start:end]


@pytest.mark.parametrize("kind", TOKENIZERS)
@pytest.mark.parametrize("answer", [" 축구", "축구 ", "  축구  "])
def test_spaces_around_an_answer_text_are_not_labelled(kind, answer):
    """The SQuAD/KLUE code builds labels from whitespace-split words: a space at either end of the
    answer text must not pull the neighbouring word ("서울에서 축구", "축구 경기") into the label."""
    tokenizer = TOKENIZERS[kind](list(texts(mrc_document(4))))
    context = "서울에서  축구  경기 소식입니다."
    batch = single_question(context, [(context.index(answer), answer)])
    features = mrc_windows.window_features(batch, tokenizer, MAX_LENGTH, DOC_STRIDE, 64)
    assert labelled_text(features, context) == "축구"
    # The gold text itself is untouched: the metric still scores against it.
    assert batch["answers"][0]["text"] == [answer]


@pytest.mark.parametrize("kind", TOKENIZERS)
@pytest.mark.parametrize("answer", ["\u200b축구", "축구\u00ad", "\ufeff\u200b축구\u00ad\u200b"])
def test_invisible_characters_around_an_answer_text_are_not_labelled(kind, answer):
    """A zero-width space, soft hyphen or BOM glued to an answer belongs to no WordPiece token: labelled,
    it pulled the neighbouring token ("서울에서" before, "경기" after) into the span."""
    tokenizer = TOKENIZERS[kind](list(texts(mrc_document(4))))
    context = "서울에서 \ufeff\u200b축구\u00ad\u200b 경기 소식입니다."
    batch = single_question(context, [(context.index(answer), answer)])
    features = mrc_windows.window_features(batch, tokenizer, MAX_LENGTH, DOC_STRIDE, 64)
    assert labelled_text(features, context) == "축구"


def test_an_answer_of_spaces_only_labels_nothing_and_the_next_answer_is_used():
    context = "서울에서 축구 경기 소식입니다."
    answers = {"answer_start": [4, context.index("경기")], "text": [" ", "경기"]}
    assert mrc_windows.labelled_answer(context, answers, False) == (context.index("경기"), context.index("경기") + 2)
    assert mrc_windows.labelled_answer(context, {"answer_start": [4], "text": [" "]}, False) is None


def token_answers(context: str, tokenizer, length: int) -> list[tuple[int, str]]:
    """Every run of ``length`` consecutive context tokens as an answer (start, text)."""
    offsets = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return [(offsets[i][0], context[offsets[i][0] : offsets[i + length - 1][1]])
            for i in range(len(offsets) - length + 1)]


@pytest.mark.parametrize(("mode", "doc_stride"), [("overlap", 6), ("step", 20)])
def test_an_answer_of_at_most_the_overlap_plus_one_tokens_is_whole_in_a_window_and_longer_ones_are_found(
    mode, doc_stride
):
    """The mrc_windows docstring's condition: every answer of ``overlap + 1`` context tokens, wherever it
    is, is labelled in some window; some answers one token longer are in none, and
    ``answers_in_no_window`` (what run_mrc logs) finds exactly the questions labelled CLS everywhere."""
    document = long_article(seed=2, filler_sentences=8)
    context = document["data"][0]["paragraphs"][0]["context"]
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    question = "무엇이 열렸나?"
    max_length = 40
    overlap = int(mrc_windows.window_overlaps([question], tokenizer, max_length, doc_stride, mode)[0])
    assert overlap > 0
    for length, all_whole in ((overlap + 1, True), (overlap + 2, False)):
        answers = token_answers(context, tokenizer, length)
        batch = {"question": [question] * len(answers), "context": [context] * len(answers),
                 "answers": [{"answer_start": [start], "text": [text]} for start, text in answers],
                 "is_impossible": [False] * len(answers), "example_index": list(range(len(answers)))}
        features = mrc_windows.window_features(batch, tokenizer, max_length, doc_stride, 64, doc_stride_mode=mode)
        missed = mrc_windows.answers_in_no_window(batch["context"], batch["answers"], batch["is_impossible"],
                                                  features["example_index"], features["start_positions"])
        labelled = {example for example, start in zip(features["example_index"], features["start_positions"])
                    if start != mrc_spans.CLS_INDEX}
        assert sorted(set(range(len(answers))) - labelled) == missed
        assert (missed == []) is all_whole


@pytest.mark.parametrize("length", [3, 5])
def test_answers_longer_than_max_answer_length_are_exactly_those_a_perfect_model_cannot_predict(length):
    """``answers_longer_than`` (what run_mrc logs) and decoding agree at the edge: an answer of
    ``--max_answer_length`` tokens is predicted, one token longer is not and is counted."""
    document = long_article(seed=2, filler_sentences=2)
    context = document["data"][0]["paragraphs"][0]["context"]
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    answers = token_answers(context, tokenizer, length)[::3]
    examples = datasets.Dataset.from_dict(
        {"question": ["무엇이 열렸나?"] * len(answers), "context": [context] * len(answers),
         "answers": [{"answer_start": [start], "text": [text]} for start, text in answers],
         "is_impossible": [False] * len(answers), "example_index": list(range(len(answers)))})
    features = datasets.Dataset.from_dict(mrc_windows.window_features(examples[:], tokenizer, 64, 32, 16))
    for max_answer_length, predicted in ((length, True), (length - 1, False)):
        texts_out = [p.text for p in decode(examples, features, *peaked_logits(features),
                                            max_answer_length=max_answer_length)]
        counted = mrc_windows.answers_longer_than(features["example_index"], features["start_positions"],
                                                  features["end_positions"], max_answer_length)
        whole = [i for i, (_, text) in enumerate(answers) if texts_out[i] == text]
        assert (whole, counted) == ((list(range(len(answers))), []) if predicted else ([], list(range(len(answers)))))


def test_answers_longer_than_max_answer_length_are_counted_in_the_feature_warnings():
    tokenizer = wordpiece_tokenizer(list(corpus()), vocab_size=300)
    context = " ".join(["서울에서 축구 경기 소식입니다."] * 3)
    examples = datasets.Dataset.from_list([
        {"guid": guid, "answers": {"answer_start": [context.index(text)], "text": [text]}, "is_impossible": False,
         "question": "무엇?", "context": context, "example_index": index}
        for index, (guid, text) in enumerate([("smoke-mrc-long", "축구 경기 소식입니다."), ("smoke-mrc-short", "경기")])
    ])
    task = MrcTask()
    task.use_options(MrcArguments(max_answer_length=2, doc_stride=16))
    features = datasets.Dataset.from_dict(task.preprocess(examples[:], tokenizer, 64, False))
    (warning,) = task.feature_warnings(examples, features)
    assert warning.startswith("1 of 2 questions have an answer of more than --max_answer_length (2) tokens "
                              "(smoke-mrc-long;")
    task.use_options(MrcArguments(max_answer_length=30, doc_stride=16))
    assert task.feature_warnings(examples, features) == []


def test_questions_whose_answer_no_window_holds_are_counted_in_the_feature_warnings():
    tokenizer = wordpiece_tokenizer(list(corpus()), vocab_size=300)
    context = " ".join(["서울에서 축구 경기 소식입니다."] * 12)
    long_answer = "축구 경기 소식입니다. 서울에서 축구 경기 소식입니다. 서울에서 축구 경기"
    rows = [
        {"guid": "smoke-mrc-long", "answers": {"answer_start": [context.index(long_answer, 60)], "text": [long_answer]},
         "is_impossible": False},
        {"guid": "smoke-mrc-short", "answers": {"answer_start": [context.index("경기", 60)], "text": ["경기"]},
         "is_impossible": False},
        {"guid": "smoke-mrc-none", "answers": {"answer_start": [], "text": []}, "is_impossible": True},
    ]
    examples = datasets.Dataset.from_list(
        [{**row, "question": "무엇?", "context": context, "example_index": index} for index, row in enumerate(rows)]
    )
    task = MrcTask()
    task.use_options(MrcArguments(doc_stride=8))
    features = datasets.Dataset.from_dict(task.preprocess(examples[:], tokenizer, 40, False))
    warnings = task.feature_warnings(examples, features)
    assert len(warnings) == 1 and warnings[0].startswith("1 of 3 questions have an answer that no window holds whole")
    assert "(smoke-mrc-long)" in warnings[0]
    # With windows sharing more tokens than the answer has, the answer fits and nothing is said.
    task.use_options(MrcArguments(doc_stride=20))
    features = datasets.Dataset.from_dict(task.preprocess(examples[:], tokenizer, 40, False))
    assert task.feature_warnings(examples, features) == []
