"""MRC's span head, the stock ``AutoModelForQuestionAnswering``, with padding kept out of its softmax."""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel

from models.padding import lowest_at_padding


def ignore_padding_positions(model: PreTrainedModel) -> PreTrainedModel:
    """Wrap a question-answering model's ``forward`` so that padding positions get the lowest start and
    end logits and the loss is the stock one (the mean of the start and end cross-entropies) over the
    other positions. Returns the same model; a saved and reloaded model is the stock one.

    The stock loss is a softmax over every position of the batch, padding included, so a window's loss
    (its gradient, and ``eval_loss``) depended on how far its batch was padded: on the longest window
    beside it, ``--pad_to_multiple_of`` and the CUDA-graph length buckets. Decoding never reads padding.
    """
    if getattr(model.forward, "ignores_padding", False):
        return model
    forward = model.forward

    @functools.wraps(forward)  # the Trainer reads the input names from the signature
    def padding_free_forward(
        *args: Any,
        attention_mask: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Any:
        if attention_mask is None:  # nothing is padding
            return forward(*args, start_positions=start_positions, end_positions=end_positions, **kwargs)
        output = forward(*args, attention_mask=attention_mask, **kwargs)
        start_logits = lowest_at_padding(output.start_logits, attention_mask)
        end_logits = lowest_at_padding(output.end_logits, attention_mask)
        loss = None
        if start_positions is not None and end_positions is not None:
            ignored = start_logits.size(1)  # as the stock loss: a position past the sequence is not scored
            cross_entropy = nn.CrossEntropyLoss(ignore_index=ignored)
            loss = (cross_entropy(start_logits, start_positions.reshape(-1).clamp(0, ignored))
                    + cross_entropy(end_logits, end_positions.reshape(-1).clamp(0, ignored))) / 2  # fmt: skip
        fields = {key: value for key, value in output.items() if key not in ("loss", "start_logits", "end_logits")}
        return type(output)(loss=loss, start_logits=start_logits, end_logits=end_logits, **fields)

    padding_free_forward.ignores_padding = True
    model.forward = padding_free_forward
    return model
