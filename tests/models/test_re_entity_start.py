"""The entity-start RE model: marker positions, loss, and a save/load round trip."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModel, BertConfig, ElectraConfig, RobertaConfig

from klue_data.labels import RE_RELATIONS
from models.re_entity_start import ReEntityStartModel, marker_positions

MARKERS = [60, 61, 62, 63]  # <subj>, </subj>, <obj>, </obj>
LABELS = dict(
    num_labels=30, id2label=dict(enumerate(RE_RELATIONS)), label2id={n: i for i, n in enumerate(RE_RELATIONS)}
)
SMALL = dict(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
CONFIGS = {
    "bert": lambda: BertConfig(max_position_embeddings=40, **SMALL, **LABELS),
    "roberta": lambda: RobertaConfig(max_position_embeddings=42, type_vocab_size=1, pad_token_id=1, **SMALL, **LABELS),
    # ELECTRA style: embeddings narrower than the hidden states, no pooler
    "electra": lambda: ElectraConfig(max_position_embeddings=40, embedding_size=8, **SMALL, **LABELS),
}
# [CLS]=2 ... [SEP]=3, pad 0 (BERT) / 1 (RoBERTa): subject first in row 0, object first in row 1
IDS = [[2, 5, 60, 7, 61, 9, 62, 8, 63, 3], [2, 62, 8, 63, 60, 6, 61, 3, 0, 0]]


def batch(pad: int) -> dict[str, torch.Tensor]:
    ids = torch.tensor(IDS)
    mask = torch.tensor([[1] * 10, [1] * 8 + [0, 0]])
    return {"input_ids": torch.where(mask.bool(), ids, torch.full_like(ids, pad)), "attention_mask": mask}


def test_marker_positions_are_found_in_the_input_ids():
    ids = torch.tensor(IDS)
    assert marker_positions(ids, 60).tolist() == [2, 4]
    assert marker_positions(ids, 62).tolist() == [6, 1]
    assert marker_positions(torch.tensor([[2, 5, 3]]), 60).tolist() == [0]  # absent: [CLS]


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_save_and_load_give_identical_logits(kind, tmp_path):
    torch.manual_seed(0)
    config = CONFIGS[kind]()
    config.re_marker_token_ids = MARKERS
    model = ReEntityStartModel(config).eval()
    inputs = batch(config.pad_token_id or 0)
    output = model(**inputs, labels=torch.tensor([18, 0]))
    assert output.logits.shape == (2, 30)
    expected = torch.nn.functional.cross_entropy(output.logits, torch.tensor([18, 0]))
    assert output.loss.item() == pytest.approx(expected.item())  # batch mean

    model.resize_token_embeddings(70)  # as the runner does after adding tokens
    logits = model(**inputs).logits
    model.save_pretrained(tmp_path)
    assert not any("pooler" in name for name in model.state_dict())  # the head never reads one: not saved
    loaded = ReEntityStartModel.from_pretrained(tmp_path).eval()
    assert type(loaded.config) is type(config) and loaded.config.re_head == "entity_start"
    assert loaded.config.re_marker_token_ids == MARKERS and loaded.config.id2label[18] == "per:employee_of"
    assert loaded.get_input_embeddings().num_embeddings == 70
    assert torch.equal(loaded(**inputs).logits, logits)


def test_the_logits_read_the_hidden_states_at_the_markers():
    """The logits are the head applied to the hidden states at <subj> and <obj>, in that order:
    swapping the roles of the two entities changes them."""
    torch.manual_seed(0)
    config = CONFIGS["bert"]()
    config.re_marker_token_ids = MARKERS
    model = ReEntityStartModel(config).eval()
    ids = torch.tensor([IDS[0]])
    swapped = torch.tensor([[2, 5, 62, 7, 63, 9, 60, 8, 61, 3]])  # the same words, the roles swapped
    with torch.no_grad():
        assert not torch.allclose(model(input_ids=ids).logits, model(input_ids=swapped).logits)
        hidden = model.encoder(input_ids=ids).last_hidden_state[0]
        pair = torch.cat([hidden[2], hidden[6]])
        manual = model.out_proj(torch.tanh(model.dense(pair)))
        assert torch.allclose(model(input_ids=ids).logits[0], manual, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_a_pretrained_encoder_checkpoint_goes_into_the_encoder(kind, tmp_path):
    torch.manual_seed(1)
    config = CONFIGS[kind]()
    encoder = AutoModel.from_config(config)
    encoder.save_pretrained(tmp_path)
    config.re_marker_token_ids = MARKERS
    model = ReEntityStartModel.from_pretrained(tmp_path, config=config)
    for name, tensor in encoder.state_dict().items():
        if "pooler" not in name:
            assert torch.equal(model.encoder.state_dict()[name], tensor), name
    assert not any("pooler" in name for name in model.state_dict())


def test_token_types_reach_the_encoder_and_the_classifier_dropout_is_the_configs():
    """Token types go to the encoder (the logits are the head over its states for those types); the head's
    dropout is ``classifier_dropout`` when the config sets one, else ``hidden_dropout_prob``."""
    torch.manual_seed(0)
    config = CONFIGS["bert"]()
    config.re_marker_token_ids = MARKERS
    model = ReEntityStartModel(config).eval()
    assert model.dropout.p == config.hidden_dropout_prob
    ids = torch.tensor([IDS[0]])
    types = torch.tensor([[0] * 5 + [1] * 5])  # the object's marker (position 6) in the second segment
    with torch.no_grad():
        hidden = model.encoder(input_ids=ids, token_type_ids=types).last_hidden_state[0]
        manual = model.out_proj(torch.tanh(model.dense(torch.cat([hidden[2], hidden[6]]))))
        got = model(input_ids=ids, token_type_ids=types).logits[0]
        assert torch.allclose(got, manual, atol=1e-6)
        assert not torch.allclose(got, model(input_ids=ids).logits[0], atol=1e-4)
    config = CONFIGS["bert"]()
    config.re_marker_token_ids, config.classifier_dropout = MARKERS, 0.3
    assert ReEntityStartModel(config).dropout.p == 0.3
