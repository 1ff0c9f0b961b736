"""smoke.wordpiece: the tiny models' vocabulary, the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smoke.wordpiece import learn_wordpiece_vocab

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECIALS = ["[PAD]", "[UNK]"]


def test_the_same_vocabulary_in_every_process():
    # tokenizers' WordPieceTrainer gave another vocabulary (and other ids) in each process
    script = (
        "from smoke.data import corpus; from smoke.tiny_model import wordpiece_tokenizer;"
        "t = wordpiece_tokenizer(corpus(), 700); print(sorted(t.get_vocab().items()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_ids_are_specials_then_characters_then_merges():
    vocab = learn_wordpiece_vocab(["ba ab ab"], vocab_size=100, special_tokens=SPECIALS)
    # "ab" twice, "ba" once: the merge a + ##b is the most frequent
    assert vocab == ["[PAD]", "[UNK]", "a", "b", "##a", "##b", "ab", "ba"]


def test_a_character_seen_only_inside_words_can_start_one():
    vocab = learn_wordpiece_vocab(["가나"], vocab_size=5, special_tokens=SPECIALS)
    assert {"가", "나", "##나"} <= set(vocab)  # without "나", a new word "나가" would be [UNK] whole


def test_the_most_frequent_pair_is_merged_first_and_ties_go_to_the_smallest_pair():
    assert learn_wordpiece_vocab(["cd cd cd ab ab"], 9, SPECIALS)[-1] == "cd"
    assert learn_wordpiece_vocab(["cd cd ab ab"], 9, SPECIALS)[-1] == "ab"
    assert learn_wordpiece_vocab(["ab ab cd cd"], 9, SPECIALS)[-1] == "ab"  # not the order seen


def test_continuation_pieces_merge_into_continuation_pieces():
    vocab = learn_wordpiece_vocab(["김민준 김민준 이민준"], 100, SPECIALS)
    # ##민 + ##준 is in both words (twice + once): first; then the word starts
    assert vocab[vocab.index("##준") + 1 :] == ["##민준", "김민준", "이민준"]


def test_every_character_is_kept_even_past_the_size():
    vocab = learn_wordpiece_vocab(["가나다 라마"], vocab_size=3, special_tokens=SPECIALS)
    assert set(vocab) >= {"가", "나", "다", "라", "마", "##나", "##다", "##마"}
    assert not any(len(token.removeprefix("##")) > 1 for token in vocab if token not in SPECIALS)
