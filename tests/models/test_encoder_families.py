"""The RE entity_start model (the one wrapper that shares its encoder's config) on other encoder families."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoConfig, AutoTokenizer

from models.re_entity_start import ReEntityStartModel
from tests.encoder_families import FAMILIES, save_tiny_family

MARKERS = ["<subj>", "</subj>", "<obj>", "</obj>"]


@pytest.fixture(scope="module", params=FAMILIES)
def tiny_family(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_family(tmp_path_factory.mktemp(f"tiny-{request.param}"), request.param)


def test_re_entity_start_builds_saves_and_reloads_on_every_family(tiny_family, tmp_path):
    """DeBERTa has no SDPA attention: a wrapper claiming it for every encoder made DeBERTa refuse to be built."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_family)
    tokenizer.add_special_tokens({"additional_special_tokens": MARKERS})
    config = AutoConfig.from_pretrained(tiny_family, num_labels=3)
    model = ReEntityStartModel.from_pretrained(
        str(tiny_family), config=config, marker_token_ids=tokenizer.convert_tokens_to_ids(MARKERS)
    )
    model.resize_token_embeddings(len(tokenizer))
    batch = tokenizer(["<subj> 김민준 </subj> 는 <obj> 서울 </obj> 에 산다"], return_tensors="pt")
    with torch.no_grad():
        logits = model.eval()(**batch).logits
    model.save_pretrained(tmp_path)
    reloaded, loading = ReEntityStartModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not loading["missing_keys"] and not loading["unexpected_keys"]
    with torch.no_grad():
        torch.testing.assert_close(reloaded.eval()(**batch).logits, logits, rtol=1e-5, atol=1e-6)


def test_re_entity_start_attends_as_its_encoder_does(tiny_bert, tmp_path):
    """BERT keeps its SDPA attention, also when the saved model is loaded again (not eager for every encoder)."""
    config = AutoConfig.from_pretrained(tiny_bert, num_labels=3)
    model = ReEntityStartModel.from_pretrained(str(tiny_bert), config=config, marker_token_ids=[1, 2, 3, 4])
    model.save_pretrained(tmp_path)
    for loaded in (model, ReEntityStartModel.from_pretrained(tmp_path)):
        assert loaded.encoder.config._attn_implementation == "sdpa"
