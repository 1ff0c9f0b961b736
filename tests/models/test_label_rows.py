"""models.label_rows: a head's output rows move to another label order; the encoder stays as it is."""

from __future__ import annotations

import pytest
import torch
from transformers import RobertaConfig, RobertaForSequenceClassification

from models.label_rows import label_output_layers, reorder_label_rows


def test_only_the_heads_label_layer_is_reordered():
    config = RobertaConfig(vocab_size=40, hidden_size=6, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=3, num_labels=3)  # an encoder layer with 3 outputs too
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(config).eval()
    assert label_output_layers(model, 3) == [model.classifier.out_proj]  # not classifier.dense, not the FFN
    inputs = {"input_ids": torch.tensor([[0, 5, 7, 9, 2]])}
    before = model(**inputs).logits
    encoder = {name: value.clone() for name, value in model.roberta.state_dict().items()}

    assert reorder_label_rows(model, ["b", "c", "a"], ["a", "b", "c"]) == 1
    after = model(**inputs).logits
    torch.testing.assert_close(after, before[:, [2, 0, 1]])
    for name, value in model.roberta.state_dict().items():
        assert torch.equal(value, encoder[name]), name


def test_the_bias_moves_with_the_rows_and_other_names_are_refused():
    config = RobertaConfig(vocab_size=40, hidden_size=6, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=3, num_labels=3)
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(config).eval()
    with torch.no_grad():
        model.classifier.out_proj.weight.zero_()
        model.classifier.out_proj.bias.copy_(torch.tensor([10.0, 20.0, 30.0]))  # the logits are the bias
    assert reorder_label_rows(model, ["b", "c", "a"], ["a", "b", "c"]) == 1
    assert model.classifier.out_proj.bias.tolist() == [30.0, 10.0, 20.0]  # a was third, b first, c second
    logits = model(input_ids=torch.tensor([[0, 5, 2]])).logits
    assert logits.tolist() == [[30.0, 10.0, 20.0]]
    with pytest.raises(ValueError, match="same names"):  # each of the three is among the four: still refused
        reorder_label_rows(model, ["a", "b", "c", "d"], ["c", "b", "a"])
