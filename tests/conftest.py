"""Shared fixtures: a tiny BERT and a tiny RoBERTa built offline, and the real-data folder.

The tokenizer is a WordPiece model trained here with ``tokenizers`` on the project's own
synthetic Korean text, wrapped as a BERT fast tokenizer. The RoBERTa model uses it too, as
``klue/roberta-*`` do: a BERT tokenizer that emits token type ids, on a model with
``type_vocab_size`` 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic import corpus

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_KLUE = REPO_ROOT.parent / "shared" / "klue"


@pytest.fixture(scope="session")
def shared_klue() -> Path:
    if not SHARED_KLUE.is_dir():
        pytest.skip(f"real KLUE files not found at {SHARED_KLUE} (../shared/klue beside the repository)")
    return SHARED_KLUE


def _build_tokenizer(directory: Path):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, clean_text=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(corpus(), trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=128)
    fast.save_pretrained(directory)
    return fast


def _save_tiny_model(directory: Path, model_type: str) -> Path:
    from transformers import AutoModel, BertConfig, RobertaConfig

    tokenizer = _build_tokenizer(directory)
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        pad_token_id=tokenizer.pad_token_id,
    )
    if model_type == "bert":
        config = BertConfig(max_position_embeddings=130, **common)
    else:  # RoBERTa offsets positions by pad_token_id + 1 and has a single token type
        config = RobertaConfig(max_position_embeddings=130 + tokenizer.pad_token_id + 1, type_vocab_size=1, **common)
    AutoModel.from_config(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_model(tmp_path_factory.mktemp("tiny-bert"), "bert")


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_model(tmp_path_factory.mktemp("tiny-roberta"), "roberta")
