"""A tiny BERT for the smoke run, built offline: a config plus a WordPiece tokenizer trained on the
smoke data's own text (``smoke.data.corpus``), saved as an ordinary model folder.

The tokenizer is the algorithm of the ``klue/bert-base`` and ``klue/roberta-*`` tokenizers
(WordPiece, no lowercasing or accent stripping, so Hangul stays whole) and ships as
``tokenizer.json``: NER, DP and MRC need a fast tokenizer's offsets and word ids. The weights are
drawn with a fixed seed, so a smoke run starts from the same model every time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Small enough to train nine tasks in minutes on two CPU cores, big enough to learn them.
HIDDEN_SIZE = 64
LAYERS = 2
HEADS = 4
MAX_LENGTH = 128  # the smoke data's longest input (an MRC question and context) is under 100 tokens
VOCAB_SIZE = 700  # syllable pieces plus frequent endings: names split per syllable, so entity and
# answer boundaries fall between tokens (a bigger vocabulary learns "김민준는" as one piece)
SEED = 0


def wordpiece_tokenizer(texts: Iterable[str], vocab_size: int = VOCAB_SIZE, model_max_length: int = MAX_LENGTH):
    """A ``BertTokenizerFast`` whose vocabulary is learned from ``texts`` (the same one in every
    process: ``smoke.wordpiece``): [CLS] A [SEP] (B [SEP]), offsets, word ids."""
    from smoke.wordpiece import learn_wordpiece_vocab

    return wordpiece_tokenizer_of(learn_wordpiece_vocab(texts, vocab_size, BERT_SPECIALS), model_max_length)


BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def wordpiece_tokenizer_of(vocab: list[str], model_max_length: int = MAX_LENGTH):
    """A cased ``BertTokenizerFast`` (no lowercasing, no accent stripping) over the WordPiece ``vocab``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertTokenizerFast

    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, clean_text=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    use_bert_template(tokenizer)
    # The wrapper saves its own flags: BertTokenizerFast's defaults (lowercase, strip accents) would
    # reload as a normalizer that splits Hangul into jamo.
    return BertTokenizerFast(
        tokenizer_object=tokenizer, model_max_length=model_max_length, do_lower_case=False, strip_accents=False
    )


def use_bert_template(tokenizer: Any) -> None:
    """BERT's special tokens and decoding on a ``tokenizers.Tokenizer``: [CLS] A [SEP] (B [SEP], type 1)."""
    from tokenizers import decoders, processors

    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()


def build_tiny_model(
    directory: str | Path,
    texts: Iterable[str] | None = None,
    *,
    vocab_size: int = VOCAB_SIZE,
    model_max_length: int = MAX_LENGTH,
    **config_overrides: Any,
) -> Path:
    """Save a tiny BERT (config, weights, tokenizer) to ``directory``; the tokenizer learns ``texts``
    (default: all smoke data). ``config_overrides`` change the ``BertConfig`` (sizes, dropout; the
    tests' own tiny models). Returns ``directory``."""
    import torch
    from transformers import AutoModel, BertConfig

    from smoke.data import corpus

    directory = Path(directory)
    tokenizer = wordpiece_tokenizer(corpus() if texts is None else texts, vocab_size, model_max_length)
    settings = dict(hidden_size=HIDDEN_SIZE, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                    intermediate_size=4 * HIDDEN_SIZE, max_position_embeddings=MAX_LENGTH)
    config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                        **{**settings, **config_overrides})
    torch.manual_seed(SEED)
    model = AutoModel.from_config(config)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(directory)
    model.save_pretrained(directory)
    return directory
