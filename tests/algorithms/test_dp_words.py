"""DP words (eojeol) -> subwords and POS ids, on the real dev file and on hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from transformers import AutoTokenizer

from algorithms import dp_words
from klue_data import dp as dp_reader
from tests.shared_data import require_shared
from tests.synthetic import PLACES, TOPIC_WORDS, VERBS, corpus
from tests.tiny_tokenizers import byte_bpe_tokenizer

REAL_DEV = Path("v1.1/klue-dp-v1.1/klue-dp-v1.1_dev.tsv")


def test_last_morpheme_tag_and_unknown_tags():
    assert dp_words.last_morpheme_tag("NNP+JKS") == "JKS"
    assert dp_words.last_morpheme_tag("NNG+XSV+EP+EF+SF") == "SF"
    assert dp_words.last_morpheme_tag("NNG+JKG NNP+JKS") == "JKS"  # several words' groups in one cell
    assert dp_words.last_morpheme_tag("NNG+JKG NNP") == "NNP"  # the last group of one morpheme
    assert dp_words.last_morpheme_tag("  ") == ""
    assert dp_words.pos_id("NNP+JKS") == dp_words.POS_TAGS.index("JKS") + 2
    assert dp_words.pos_ids(["XYZ", "", "NNG+??"]) == [dp_words.POS_UNKNOWN_ID] * 3
    assert dp_words.POS_PAD_ID not in {dp_words.pos_id(t) for t in dp_words.POS_TAGS}
    assert len(set(dp_words.POS_TAGS)) == len(dp_words.POS_TAGS) >= 45
    assert dp_words.POS_VOCAB_SIZE == len(dp_words.POS_TAGS) + 2


def test_word_spans_cut_between_words_and_count_the_rest():
    # [CLS] w0 w0 w1 w2 w2 w2 [SEP]
    ids = [101, 5, 6, 7, 8, 9, 10, 102]
    word_ids = [None, 0, 0, 1, 2, 2, 2, None]
    full = dp_words.word_spans(ids, word_ids, 3, max_length=16)
    assert full.input_ids == ids and full.first.tolist() == [1, 3, 4] and full.last.tolist() == [2, 3, 6]
    assert full.n_kept == 3 and full.n_truncated == 0
    cut = dp_words.word_spans(ids, word_ids, 3, max_length=6)  # room for 5 tokens + [SEP]: w2 is cut in part
    assert cut.input_ids == [101, 5, 6, 7, 8, 102]
    assert cut.first.tolist() == [1, 3, -1] and cut.last.tolist() == [2, 3, -1] and cut.n_truncated == 1
    # A word without subwords (the tokenizer dropped it, e.g. a lone U+200B) is read at the token before
    # it; the words after it still reach the model (they were once all cut there, blamed on the length).
    gap = dp_words.word_spans([101, 5, 8, 102], [None, 0, 2, None], 3, max_length=16)
    assert gap.first.tolist() == [1, 1, 2] and gap.last.tolist() == [1, 1, 2] and gap.n_kept == 3
    dropped_first = dp_words.word_spans([101, 8, 102], [None, 1, None], 2, max_length=16)
    assert dropped_first.first.tolist() == [0, 1]  # at [CLS]
    after_a_cut = dp_words.word_spans([101, 5, 6, 7, 102], [None, 0, 1, 1, None], 3, max_length=4)
    assert after_a_cut.first.tolist() == [1, -1, -1]  # a dropped word after a cut word is cut too


def test_a_kept_word_keeps_its_head_label_unless_its_head_was_cut():
    # three words, the first two kept: a head on the last kept word (2) is trained on, one on the cut word
    # (3) cannot be right and is not
    cut = dp_words.WordSpans([101, 5, 6, 102], np.array([1, 2, -1]), np.array([1, 2, -1]))
    on_last_kept = dp_words.word_features(cut, ["NNG", "NNG", "NNG"], [2, 0, 2], [3, 4, 5])
    assert on_last_kept["head_labels"] == [2, 0] and on_last_kept["deprel_labels"] == [3, 4]
    assert on_last_kept["word_first"] == [1, 2] and on_last_kept["pos_ids"] == [dp_words.pos_id("NNG")] * 2
    on_cut = dp_words.word_features(cut, ["NNG", "NNG", "NNG"], [3, 0, 2], [3, 4, 5])
    assert on_cut["head_labels"] == [-100, 0]


def test_every_word_of_the_real_dev_file_maps_to_its_subwords_or_is_counted(shared_klue, tiny_bert):
    path = require_shared(shared_klue / REAL_DEV)
    sentences = dp_reader.read_file(path)
    assert len(sentences) == 2000
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    unknown = 0
    for max_length in (128, 32):
        kept = truncated = 0
        for start in range(0, len(sentences), 500):
            batch = sentences[start : start + 500]
            spans = dp_words.encode_words(tokenizer, [s["word_form"] for s in batch], max_length)
            words = tokenizer([w for s in batch for w in s["word_form"]], add_special_tokens=False)["input_ids"]
            words = iter(words)
            for sentence, span in zip(batch, spans):
                n = len(sentence["word_form"])
                assert len(span.input_ids) <= max_length and span.n_kept + span.n_truncated == n
                k = span.n_kept
                assert (span.first[:k] >= 1).all() and (span.last[:k] < len(span.input_ids) - 1).all()
                assert (span.first[:k] <= span.last[:k]).all() and (span.first[1:k] == span.last[: k - 1] + 1).all()
                assert (span.first[k:] == -1).all() and (span.last[k:] == -1).all()
                # each kept word's subwords are exactly that word's tokens
                for position, expected in enumerate([next(words) for _ in range(n)][:k]):
                    assert span.input_ids[span.first[position] : span.last[position] + 1] == expected
                kept += k
                truncated += span.n_truncated
                if max_length == 128:
                    unknown += dp_words.pos_ids(sentence["pos"]).count(dp_words.POS_UNKNOWN_ID)
        if max_length == 128:
            assert truncated < kept / 100
        else:
            assert truncated > 0  # the short window cuts sentences, and says so
    assert unknown == 0  # every tag of the real file is in the list


def test_byte_level_bpe_words_get_the_subwords_of_running_text(tmp_path):
    """A RoBERTa/GPT-2 style tokenizer (add_prefix_space=False) folds the space before a word into its
    first subword ("Ġ..."). Each word must get the subwords it has in the running sentence, not the
    mid-word ones it gets when tokenized alone; the model input is the sentence as text."""
    byte_bpe_tokenizer(corpus(), 400).save_pretrained(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)  # as a saved model's tokenizer is loaded
    assert tokenizer.add_prefix_space is False
    nouns = [word for words in TOPIC_WORDS.values() for word in words]
    sentences = [[f"{place}에서", f"{noun}는", "(주)", f"{verb}했다."]
                 for place, noun, verb in zip(PLACES, nouns, VERBS * 9)]  # fmt: skip
    sentences.append(["서울의", "", "“뉴스”"])  # an empty word: no subwords, read at the token before it
    spans = dp_words.encode_words(tokenizer, sentences, max_length=128)
    lone_space = 0
    for words, span in zip(sentences[:-1], spans):
        assert span.input_ids == tokenizer(" ".join(words))["input_ids"]
        assert span.n_kept == len(words) and (span.first[1:] == span.last[:-1] + 1).all()
        for position, word in enumerate(words):
            running = tokenizer(("" if position == 0 else " ") + word, add_special_tokens=False)["input_ids"]
            assert span.input_ids[span.first[position] : span.last[position] + 1] == running, (position, word)
            if position:
                assert tokenizer.convert_ids_to_tokens(running[0]).startswith("Ġ")
                lone_space += tokenizer.convert_ids_to_tokens(running[0]) == "Ġ"
    assert lone_space > 0  # a "Ġ" left alone (rare characters) belongs to the word after it
    assert spans[-1].n_kept == 3 and spans[-1].first[1] == spans[-1].last[0]
    # cut between words, the closing </s> kept, as with WordPiece
    cut = dp_words.encode_words(tokenizer, sentences[:1], max_length=8)[0]
    assert len(cut.input_ids) <= 8 and cut.input_ids[-1] == tokenizer.sep_token_id and 0 < cut.n_kept < 4
    assert cut.input_ids[:-1] == spans[0].input_ids[: cut.last[cut.n_kept - 1] + 1]
