"""The test tokenizers reload from the tiny model folders exactly as built: Hangul stays whole.

Every script loads its tokenizer with ``AutoTokenizer.from_pretrained(model_dir)``; a wrapper that
saved ``do_lower_case: true`` once reloaded as a normalizer that decomposes Hangul into jamo, and
90% of the tokens in the end-to-end tests became ``[UNK]``.
"""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from tests.synthetic import corpus


def unknown_share(tokenizer, texts: list[str]) -> float:
    ids = [i for row in tokenizer(texts, add_special_tokens=False)["input_ids"] for i in row]
    return sum(i == tokenizer.unk_token_id for i in ids) / len(ids)


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_reloaded_tokenizer_knows_the_synthetic_text(model_fixture, request):
    tokenizer = AutoTokenizer.from_pretrained(request.getfixturevalue(model_fixture))
    texts = list(corpus())
    assert unknown_share(tokenizer, texts) < 0.01
    assert tokenizer.tokenize("서울") != tokenizer.tokenize("ㅅㅓㅇㅜㄹ")  # syllables, not jamo
