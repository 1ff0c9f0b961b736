"""Fast tokenizers trained offline on local text, in the styles of the models KLUE fine-tunes.

``wordpiece_tokenizer``: a BERT WordPiece tokenizer (``klue/bert-base``, and the tokenizer
``klue/roberta-*`` ship). ``byte_bpe_tokenizer``: a RoBERTa byte-level BPE tokenizer (GPT-2
style, spaces folded into the following subword as ``Ġ``; offsets trimmed of them). The KLUE
paper's other baselines: ``unigram_tokenizer`` (XLM-R's SentencePiece), ``uncased_wordpiece_tokenizer``
(mBERT-uncased, which splits Hangul syllables into jamo) and ``char_wordpiece_tokenizer`` (KR-BERT char).
"""

from __future__ import annotations

from collections.abc import Iterable

from smoke.tiny_model import BERT_SPECIALS, use_bert_template, wordpiece_tokenizer_of


def wordpiece_tokenizer(texts: Iterable[str], vocab_size: int, model_max_length: int = 128):
    from smoke.tiny_model import wordpiece_tokenizer as smoke_wordpiece  # the one the smoke run ships

    return smoke_wordpiece(texts, vocab_size=vocab_size, model_max_length=model_max_length)


def byte_bpe_tokenizer(texts: Iterable[str], vocab_size: int, model_max_length: int = 128):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import RobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")), trim_offsets=True
    )
    tokenizer.decoder = decoders.ByteLevel()
    return RobertaTokenizerFast(tokenizer_object=tokenizer, model_max_length=model_max_length)


def unigram_tokenizer(texts: Iterable[str], vocab_size: int, model_max_length: int = 128):
    """XLM-R style: SentencePiece Unigram, "▁" before every word, ``<s> A </s></s> B </s>``. A word
    the vocabulary lacks whole can become a standalone "▁" whose offsets cover the word's first
    character, like the token after it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import XLMRobertaTokenizerFast

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.train_from_iterator(
        texts,
        trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                unk_token="<unk>", max_piece_length=8),
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    return XLMRobertaTokenizerFast(tokenizer_object=tokenizer, model_max_length=model_max_length)


def uncased_wordpiece_tokenizer(texts: Iterable[str], vocab_size: int, model_max_length: int = 128):
    """mBERT-uncased style: lowercasing and accent stripping decompose Hangul syllables (NFD), so a
    syllable can be several jamo tokens, each with that syllable's offsets."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True, clean_text=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=BERT_SPECIALS))
    use_bert_template(tokenizer)
    return BertTokenizerFast(
        tokenizer_object=tokenizer, model_max_length=model_max_length, do_lower_case=True, strip_accents=True
    )


def char_wordpiece_tokenizer(texts: Iterable[str], model_max_length: int = 128):
    """KR-BERT char style: every syllable is a token (word-initial or ``##``)."""
    chars = sorted({char for text in texts for char in text if not char.isspace()})
    return wordpiece_tokenizer_of([*BERT_SPECIALS, *chars, *(f"##{char}" for char in chars)], model_max_length)


def copy_with_tokenizer_settings(model_dir, destination, **settings):
    """A copy of a saved model folder whose ``tokenizer_config.json`` holds ``settings`` (None: the key's value
    is null, as a tokenizer shipped without that token has it)."""
    import json
    import shutil
    from pathlib import Path

    destination = Path(shutil.copytree(model_dir, destination))
    config_path = destination / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(settings)
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return destination


def copy_with_padding_side(model_dir, destination, side: str):
    """A copy of a saved model folder whose tokenizer pads on ``side`` (some model families ship "left")."""
    return copy_with_tokenizer_settings(model_dir, destination, padding_side=side)
