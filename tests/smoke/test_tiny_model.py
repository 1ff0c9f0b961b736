"""smoke.tiny_model: a tiny BERT that loads like any Hub model, with a tokenizer fit for every task."""

from __future__ import annotations

import pytest
from transformers import AutoModel, AutoTokenizer

from smoke import data
from smoke.tiny_model import build_tiny_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny"))


def test_it_loads_as_a_fast_tokenizer_and_a_bert(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    assert tokenizer.is_fast  # NER, DP and MRC need offsets and word ids
    model = AutoModel.from_pretrained(model_dir)
    assert model.config.model_type == "bert" and model.config.hidden_size == 64
    assert tokenizer.tokenize("서울에서 회의") == ["서울", "##에서", "회", "##의"]  # Hangul whole, never jamo


def test_no_unknown_pieces_and_entity_boundaries_fall_between_tokens(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for record in data.ner_records(60, seed=3):
        text = "".join(record["tokens"])
        encoding = tokenizer(text, return_offsets_mapping=True)
        assert tokenizer.unk_token_id not in encoding["input_ids"]
        starts = {start for start, end in encoding["offset_mapping"] if end > start}
        ends = {end for start, end in encoding["offset_mapping"] if end > start}
        for position, tag in enumerate(record["ner_tags"]):
            if tag.startswith("B-"):
                assert position in starts, (text, position)  # an entity never starts inside a token
            following = record["ner_tags"][position + 1] if position + 1 < len(text) else "O"
            if tag != "O" and not following.startswith("I-") and text[position] != " ":
                assert position + 1 in ends, (text, position)  # nor ends inside one


def test_the_same_model_every_time(model_dir, tmp_path):
    again = build_tiny_model(tmp_path / "again")
    assert (again / "model.safetensors").read_bytes() == (model_dir / "model.safetensors").read_bytes()
