"""Fast tokenizers trained offline on local text, in the two styles KLUE models use.

``wordpiece_tokenizer``: a BERT WordPiece tokenizer (``klue/bert-base``, and the tokenizer
``klue/roberta-*`` ship). ``byte_bpe_tokenizer``: a RoBERTa byte-level BPE tokenizer (GPT-2
style, spaces folded into the following subword as ``Ġ``; offsets trimmed of them).
"""

from __future__ import annotations

from collections.abc import Iterable


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


def copy_with_padding_side(model_dir, destination, side: str):
    """A copy of a saved model folder whose tokenizer pads on ``side`` (some model families ship "left")."""
    import json
    import shutil
    from pathlib import Path

    destination = Path(shutil.copytree(model_dir, destination))
    config_path = destination / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["padding_side"] = side
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return destination
