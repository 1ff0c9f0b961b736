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

import inspect
import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast, MultipleChoiceModelOutput

from models.padding import RightPaddingCollator, lowest_at_padding

IGNORE_INDEX = -100
# An encoder item's token length (its longest choice pair), a feature column that --train_sampling_strategy
# group_by_length reads: the Trainer's default --length_column_name. The masked forward names it, or the Trainer
# would drop the column before its samplers look for it and group by len(input_ids), the item's choice count.
LENGTH_COLUMN = "length"
logger = logging.getLogger("klue")


def masked_choice_logits(logits: torch.Tensor, choice_mask: torch.Tensor | None) -> torch.Tensor:
    """``logits`` ``(batch, choices)`` with every padded choice at the dtype's lowest value."""
    if choice_mask is None:
        return logits
    return lowest_at_padding(logits, choice_mask)


def choice_loss(logits: torch.Tensor, labels: torch.Tensor, choice_mask: torch.Tensor | None,
                label_smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy over each item's real choices, a mean over labelled items. ``label_smoothing``
    spreads its share over the item's own choices, as ``torch``'s label smoothing does over all
    classes: a padded choice (its logit the dtype's lowest) would otherwise dominate the loss."""
    labels = labels.view(-1)
    if not label_smoothing:  # masked logits add exp(min) = 0 to the softmax
        return nn.functional.cross_entropy(logits.float(), labels, ignore_index=IGNORE_INDEX)
    log_probs = nn.functional.log_softmax(logits.float(), dim=-1)
    real = torch.ones_like(log_probs, dtype=torch.bool) if choice_mask is None else choice_mask.bool()
    answered = labels != IGNORE_INDEX
    nll = -log_probs.gather(1, labels.clamp(min=0)[:, None])[:, 0]
    uniform = -log_probs.masked_fill(~real, 0.0).sum(dim=1) / real.sum(dim=1)
    return ((1 - label_smoothing) * nll + label_smoothing * uniform)[answered].mean()


def mask_padded_choices(model: PreTrainedModel, label_smoothing: float = 0.0) -> PreTrainedModel:
    """Wrap ``model.forward`` (an ``AutoModelForMultipleChoice``) to take ``choice_mask`` ``(batch,
    choices)``: padded choices get the lowest logit and no loss (``choice_loss``, smoothed by
    ``label_smoothing``). It also takes, and ignores, ``length`` (``LENGTH_COLUMN``). Returns the same model."""
    if getattr(model.forward, "masks_padded_choices", False):
        return model
    forward = model.forward

    def masked_forward(
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        choice_mask: torch.Tensor | None = None,
        length: Any = None,  # LENGTH_COLUMN, named so that the Trainer keeps the column; unused
        **kwargs: Any,
    ) -> MultipleChoiceModelOutput:
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        outputs = forward(input_ids=input_ids, attention_mask=attention_mask, return_dict=True, **kwargs)
        logits = masked_choice_logits(outputs.logits, choice_mask)
        loss = None
        if labels is not None:  # a batch mean over the real choices only
            loss = choice_loss(logits, labels, choice_mask, label_smoothing)
        return MultipleChoiceModelOutput(loss=loss, logits=logits)

    # The Trainer keeps the dataset columns this signature names (``choice_mask`` and ``length`` among them).
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


def score_answer_position(model: PreTrainedModel, label_smoothing: float = 0.0) -> PreTrainedModel:
    """Wrap a causal LM's ``forward`` to compute its output head at one position per row: the last
    prompt token, whose next-token logits are the answer's. Returns the same model.

    The stock forward projects every position onto the vocabulary (batch x tokens x 151,936 for Qwen2)
    and upcasts all of it to fp32 for the loss, although one position per item is read. Here the
    head sees one position a row (``logits_to_keep``), and the loss is the stock one on that position:
    cross-entropy over the vocabulary against the answer token, a mean over answered rows, or a sum
    over ``num_items_in_batch`` when the Trainer passes it (smoothed by ``label_smoothing``, as the
    Trainer's LabelSmoother would: it would take away the labels that say where an answer is). Rows come
    right-padded, as ``PromptCollator`` makes them; a labelled row ends with its answer token, read one
    position earlier.
    The output's ``logits`` are ``(batch, 1, vocab)``."""
    if getattr(model.forward, "scores_answer_position", False):
        return model
    forward = model.forward
    keeps = ["logits_to_keep" in inspect.signature(forward).parameters]  # a list: set once a model shows it cannot

    def answer_position_forward(
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        num_items_in_batch: torch.Tensor | int | None = None,
        **kwargs: Any,
    ) -> CausalLMOutputWithPast:
        if attention_mask is None:  # no padding: every row ends at the last column
            last = torch.full((input_ids.shape[0],), input_ids.shape[1] - 1, device=input_ids.device)
        else:
            last = attention_mask.long().sum(dim=1) - 1
        rows = torch.arange(last.shape[0], device=last.device)
        answered = (labels != IGNORE_INDEX).any(dim=1) if labels is not None else torch.zeros_like(last).bool()
        position = last - answered.long()
        logits = None
        if keeps[0]:
            kept, slot = torch.unique(position, return_inverse=True)  # positions shared by every row, then picked
            outputs = forward(input_ids=input_ids, attention_mask=attention_mask, logits_to_keep=kept, **kwargs)
            if tuple(outputs.logits.shape[:2]) == (last.shape[0], kept.shape[0]):
                logits = outputs.logits[rows, slot]
            else:  # a model that reads logits_to_keep otherwise: project every position, as the stock forward
                logger.warning("%s does not keep logits by position; projecting every position.", type(model).__name__)
                keeps[0] = False
        if logits is None:
            outputs = forward(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            logits = outputs.logits[rows, position]
        loss = None
        if labels is not None:
            target = labels[rows, last]  # the answer token, or IGNORE_INDEX on an unanswered row
            summed = num_items_in_batch is not None
            loss = nn.functional.cross_entropy(logits.float(), target, ignore_index=IGNORE_INDEX,
                                               reduction="sum" if summed else "mean", label_smoothing=label_smoothing)
            if summed:
                loss = loss / (num_items_in_batch.to(loss.device) if torch.is_tensor(num_items_in_batch)
                               else num_items_in_batch)
        return CausalLMOutputWithPast(loss=loss, logits=logits[:, None, :])

    answer_position_forward.__doc__ = forward.__doc__
    answer_position_forward.scores_answer_position = True  # type: ignore[attr-defined]
    model.forward = answer_position_forward
    return model


def inert_adapter(model: PreTrainedModel) -> PreTrainedModel:
    """``model`` under a LoRA adapter that changes nothing (rank 1, B = 0: every output is exactly the
    base model's). The Trainer refuses a 4-bit model without adapters even to evaluate it; this lets
    a quantized base model be scored as it is (zero-shot)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(task_type="CAUSAL_LM", r=1, lora_alpha=1, lora_dropout=0.0, init_lora_weights=True,
                        target_modules="all-linear")
    return get_peft_model(model, config)
