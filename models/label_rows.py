"""Put a fine-tuned head's output rows into another label order.

A checkpoint fine-tuned elsewhere may hold the task's labels in another order (the Hub's ClassLabel
order for ``klue/ynat``, ``klue/nli`` and ``klue/ner``, or names sorted alphabetically). The suite
scores in the official order, so the rows of every output layer are moved to it once, after loading,
instead of renaming the checkpoint's predictions.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from transformers import PreTrainedModel


def label_output_layers(model: PreTrainedModel, num_labels: int) -> list[nn.Linear]:
    """The linear layers of the head (outside the encoder) with one output row per label."""
    encoder = model.base_model if model.base_model is not model else None
    inside = {id(module) for module in encoder.modules()} if encoder is not None else set()
    return [
        module
        for module in model.modules()
        if isinstance(module, nn.Linear) and module.out_features == num_labels and id(module) not in inside
    ]


@torch.no_grad()
def reorder_label_rows(model: PreTrainedModel, saved_names: Sequence[str], names: Sequence[str]) -> int:
    """Move the rows of the head's label layers from ``saved_names`` order to ``names`` order (the
    same names); returns how many layers were changed (0: the head has no such layer)."""
    if sorted(saved_names) != sorted(names):
        raise ValueError("the two label lists must hold the same names")
    order = torch.tensor([list(saved_names).index(name) for name in names])
    layers = label_output_layers(model, len(names))
    for layer in layers:
        layer.weight.copy_(layer.weight[order.to(layer.weight.device)])
        if layer.bias is not None:
            layer.bias.copy_(layer.bias[order.to(layer.bias.device)])
    return len(layers)
