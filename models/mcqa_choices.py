"""Batches of exam items with 4 and 5 choices together, for ``AutoModelForMultipleChoice`` and causal LMs.

``AutoModelForMultipleChoice`` takes ``(batch, choices, tokens)`` inputs, so a batch mixing 4- and
5-choice items pads the choice dimension. ``ChoiceCollator`` fills a missing choice with a copy of
the item's last real one (a real input: an all-padding row would give attention over nothing, NaN
in some kernels, and NaN gradients even where its logit is masked) and sends ``choice_mask``.
``mask_padded_choices`` makes the model honour it: a padded choice's logit becomes the dtype's
lowest value (it can never win, its softmax probability is 0) and the cross-entropy sees only the
real choices. The model stays the stock class (its forward is wrapped on the instance), so the saved
output dir is a plain multiple-choice checkpoint that ``AutoModelForMultipleChoice`` and
``pipeline()`` read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import MultipleChoiceModelOutput

from models.padding import RightPaddingCollator

IGNORE_INDEX = -100


def masked_choice_logits(logits: torch.Tensor, choice_mask: torch.Tensor | None) -> torch.Tensor:
    """``logits`` ``(batch, choices)`` with every padded choice at the dtype's lowest value."""
    if choice_mask is None:
        return logits
    return logits.masked_fill(~choice_mask.bool(), torch.finfo(logits.dtype).min)


def mask_padded_choices(model: PreTrainedModel) -> PreTrainedModel:
    """Wrap ``model.forward`` (an ``AutoModelForMultipleChoice``) to take ``choice_mask`` ``(batch,
    choices)``: padded choices get the lowest logit and no loss. Returns the same model."""
    if getattr(model.forward, "masks_padded_choices", False):
        return model
    forward = model.forward

    def masked_forward(
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        choice_mask: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> MultipleChoiceModelOutput:
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        outputs = forward(input_ids=input_ids, attention_mask=attention_mask, return_dict=True, **kwargs)
        logits = masked_choice_logits(outputs.logits, choice_mask)
        loss = None
        if labels is not None:  # a batch mean over the real choices only (masked logits add exp(min) = 0)
            loss = nn.functional.cross_entropy(logits.float(), labels.view(-1), ignore_index=IGNORE_INDEX)
        return MultipleChoiceModelOutput(loss=loss, logits=logits)

    # The Trainer keeps the dataset columns this signature names (``choice_mask`` among them).
    masked_forward.__doc__ = forward.__doc__
    masked_forward.masks_padded_choices = True  # type: ignore[attr-defined]
    model.forward = masked_forward
    return model


class ChoiceCollator(RightPaddingCollator):
    """Pads items of any number of choices into ``(batch, choices, tokens)`` tensors plus ``choice_mask``.

    Each feature holds ``input_ids`` (one token list per choice), optionally ``token_type_ids``, and
    ``labels`` (the 0-based gold choice) when labelled. Token lists are padded on the right.
    """

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        n_choices = max(len(feature["input_ids"]) for feature in features)
        width = self.width(max(len(ids) for feature in features for ids in feature["input_ids"]))
        has_types = "token_type_ids" in features[0]
        input_ids = torch.full((len(features), n_choices, width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), n_choices, width), dtype=torch.long)
        token_type_ids = torch.zeros_like(input_ids) if has_types else None
        choice_mask = torch.zeros((len(features), n_choices), dtype=torch.bool)
        for row, feature in enumerate(features):
            real = len(feature["input_ids"])
            choice_mask[row, :real] = True
            for column in range(n_choices):
                source = min(column, real - 1)  # a padded choice repeats the last real one
                ids = feature["input_ids"][source]
                input_ids[row, column, : len(ids)] = torch.tensor(ids, dtype=torch.long)
                attention_mask[row, column, : len(ids)] = 1
                if token_type_ids is not None:
                    types = feature["token_type_ids"][source]
                    token_type_ids[row, column, : len(types)] = torch.tensor(types, dtype=torch.long)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "choice_mask": choice_mask}
        if token_type_ids is not None:
            batch["token_type_ids"] = token_type_ids
        if "labels" in features[0]:
            batch["labels"] = torch.tensor([int(feature["labels"]) for feature in features], dtype=torch.long)
        return batch


class PromptCollator(RightPaddingCollator):
    """Causal-LM prompts padded on the right: ``input_ids``, ``attention_mask`` and, when labelled,
    ``labels`` (-100 everywhere but the answer token)."""

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = self.width(max(len(feature["input_ids"]) for feature in features))
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)
        labels = torch.full((len(features), width), IGNORE_INDEX, dtype=torch.long) if "labels" in features[0] else None
        for row, feature in enumerate(features):
            ids = feature["input_ids"]
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
            if labels is not None:
                labels[row, : len(ids)] = torch.tensor(feature["labels"], dtype=torch.long)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask}
        if labels is not None:
            batch["labels"] = labels
        return batch


def last_token_logits(logits: torch.Tensor, attention_mask: torch.Tensor, token_ids: Sequence[int]) -> torch.Tensor:
    """Per row of right-padded causal-LM ``logits`` ``(batch, tokens, vocab)``, the logits of
    ``token_ids`` at the last real token (the position that predicts the next one): ``(batch, len(token_ids))``."""
    last = attention_mask.long().sum(dim=1) - 1
    rows = torch.arange(logits.shape[0], device=logits.device)
    ids = torch.as_tensor(list(token_ids), device=logits.device)
    return logits[rows, last.to(logits.device)][:, ids]


def inert_adapter(model: PreTrainedModel) -> PreTrainedModel:
    """``model`` under a LoRA adapter that changes nothing (rank 1, B = 0: every output is exactly the
    base model's). The Trainer refuses a 4-bit model without adapters even to evaluate it; this lets
    a quantized base model be scored as it is (zero-shot)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(task_type="CAUSAL_LM", r=1, lora_alpha=1, lora_dropout=0.0, init_lora_weights=True,
                        target_modules="all-linear")
    return get_peft_model(model, config)
