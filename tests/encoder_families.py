"""Tiny encoders of the families users fine-tune on KLUE besides BERT, RoBERTa and ELECTRA
(tests/conftest.py builds those), built offline with the smoke WordPiece tokenizer.

Each family differs where the suite could go wrong: DistilBERT has no token types and no pooler,
DeBERTa-v2/v3 no token types (``type_vocab_size`` 0) and no SDPA attention, ALBERT embeddings
narrower than its hidden states, ModernBERT no token types and its own config names. DistilBERT's
and ModernBERT's tokenizers give no ``token_type_ids``, as their checkpoints ship them.
"""

from __future__ import annotations

import json
from pathlib import Path

FAMILIES = ("distilbert", "deberta_v2", "albert", "modernbert")


def save_tiny_family(directory: Path, family: str) -> Path:
    import torch
    from transformers import AlbertConfig, AutoModel, DebertaV2Config, DistilBertConfig, ModernBertConfig

    from tests.synthetic import corpus
    from tests.tiny_tokenizers import wordpiece_tokenizer

    tokenizer = wordpiece_tokenizer(corpus(), vocab_size=400, model_max_length=128)
    common = dict(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, max_position_embeddings=130)
    sizes = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    if family == "distilbert":
        config = DistilBertConfig(dim=32, n_layers=2, n_heads=2, hidden_dim=64, **common)
    elif family == "deberta_v2":
        config = DebertaV2Config(relative_attention=True, position_buckets=16, pos_att_type=["p2c", "c2p"],
                                 position_biased_input=False, norm_rel_ebd="layer_norm", share_att_key=True,
                                 pooler_hidden_size=32, **sizes, **common)
    elif family == "albert":
        config = AlbertConfig(embedding_size=16, **sizes, **common)
    elif family == "modernbert":
        config = ModernBertConfig(cls_token_id=tokenizer.cls_token_id, sep_token_id=tokenizer.sep_token_id,
                                  bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
                                  global_attn_every_n_layers=1, local_attention=16, **sizes, **common)
    else:
        raise ValueError(f"unknown family {family!r}; one of {FAMILIES}")
    torch.manual_seed(0)
    AutoModel.from_config(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    if family in ("distilbert", "modernbert"):
        path = directory / "tokenizer_config.json"
        saved = json.loads(path.read_text(encoding="utf-8"))
        saved["model_input_names"] = ["input_ids", "attention_mask"]
        path.write_text(json.dumps(saved, ensure_ascii=False, indent=2), encoding="utf-8")
    return directory
