"""A WordPiece vocabulary learned deterministically: the same texts give the same vocabulary, in the
same id order, in every process.

``tokenizers``' ``WordPieceTrainer`` learns the same kind of vocabulary (BPE merges over words split
into characters, non-initial pieces marked ``##``), but it breaks ties between equally frequent
merges, and orders characters of equal frequency, by hash-map order, which changes with every
process: the smoke run's tiny model and the tests' tiny models got another vocabulary (and other
token ids for the same characters) on each run, so their results were not reproducible.

Here ties go to the lexicographically smallest pair, and ids follow: the special tokens, then the
characters, then the ``##`` characters (each sorted), then the merged pieces in the order learned.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable

CONTINUATION = "##"


def count_words(texts: Iterable[str]) -> Counter[str]:
    """Words as a BERT tokenizer splits them (whitespace and punctuation; no lowercasing or accent
    stripping, so Hangul stays whole), with their counts."""
    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, clean_text=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    return counts


def learn_wordpiece_vocab(texts: Iterable[str], vocab_size: int, special_tokens: list[str]) -> list[str]:
    """The vocabulary, in id order: ``special_tokens``, every character, every ``##`` character seen
    inside a word, then the most frequent merges until ``vocab_size`` tokens (never fewer than the
    characters: a character left out would become ``[UNK]``). A merge joins two adjacent pieces of a
    word (``김`` + ``##민`` → ``김민``; ``##민`` + ``##준`` → ``##민준``); the most frequent pair
    over all words (weighted by word counts) is merged first, ties going to the smallest pair."""
    counts = count_words(texts)
    words = sorted(counts)  # a fixed order for the word ids below
    pieces = [[word[0], *(CONTINUATION + char for char in word[1:])] for word in words]
    frequency = [counts[word] for word in words]
    # Every character as a word start too, as tokenizers' trainer does: a new word may start with a
    # character seen only inside words, and a word with no first piece becomes [UNK] whole.
    initials = sorted({char for word in words for char in word})
    continuations = sorted({part for piece in pieces for part in piece[1:]})
    vocab = list(dict.fromkeys([*special_tokens, *initials, *continuations]))
    known = set(vocab)

    pair_counts: Counter[tuple[str, str]] = Counter()
    pair_words: dict[tuple[str, str], set[int]] = {}
    for index, (parts, count) in enumerate(zip(pieces, frequency)):
        for pair in zip(parts, parts[1:]):
            pair_counts[pair] += count
            pair_words.setdefault(pair, set()).add(index)
    # Max-heap by count, then the smallest pair; entries whose count changed since are skipped.
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    while len(vocab) < vocab_size and heap:
        negative_count, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative_count or negative_count == 0:
            continue
        first, second = pair
        merged = first + second[len(CONTINUATION):]
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
        changed: set[tuple[str, str]] = set()
        for index in sorted(pair_words.pop(pair)):
            parts, count = pieces[index], frequency[index]
            for old in zip(parts, parts[1:]):
                pair_counts[old] -= count
                changed.add(old)
            joined, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == first and parts[i + 1] == second:
                    joined.append(merged)
                    i += 2
                else:
                    joined.append(parts[i])
                    i += 1
            pieces[index] = joined
            for new in zip(joined, joined[1:]):
                pair_counts[new] += count
                pair_words.setdefault(new, set()).add(index)
                changed.add(new)
        for other in sorted(changed):
            count = pair_counts[other]
            if count > 0:
                heapq.heappush(heap, (-count, other))
            else:
                pair_counts.pop(other, None)
    return vocab
