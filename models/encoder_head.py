"""The base of the task networks that put a head over ``self.encoder`` (any encoder ``AutoModel`` loads).

What such a model shares: building it on an already loaded (pretrained) encoder, the input
embeddings being the encoder's (so the runner can grow them for added tokens), and initialising
only the head's own modules, never the encoder's pretrained or ``from_config`` weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch
from torch import nn
from transformers import MODEL_MAPPING, PretrainedConfig, PreTrainedModel

Model = TypeVar("Model", bound="EncoderHeadModel")


def encoder_class(config: PretrainedConfig) -> type[PreTrainedModel] | None:
    """The class ``AutoModel`` builds for ``config`` (``BertModel``, ``DebertaV2Model``, ...), or None
    for a config it does not know (remote code)."""
    try:
        found = MODEL_MAPPING[type(config)]
    except (KeyError, ValueError):
        return None
    if isinstance(found, (list, tuple)):  # several architectures: the config's own, else the first
        named = {cls.__name__: cls for cls in found}
        return next((named[name] for name in getattr(config, "architectures", None) or [] if name in named), found[0])
    return found


def without_pooler(build: Callable[..., PreTrainedModel]) -> PreTrainedModel:
    """``build(add_pooling_layer=False)``: an encoder without the pooler no head here reads, so that a
    saved model has none and reloads without a "newly initialized" pooler; ``build()`` for encoders
    that have no pooler to leave out (ELECTRA)."""
    try:
        return build(add_pooling_layer=False)
    except TypeError:
        return build()


class EncoderHeadModel(PreTrainedModel):
    """A ``PreTrainedModel`` whose ``__init__`` sets ``self.encoder`` from ``config.encoder``."""

    # --gradient_checkpointing recomputes the encoder's layers (transformers' own checkpointing layers); the
    # small heads keep their activations
    supports_gradient_checkpointing = True

    def init_weights(self) -> None:
        for name, module in self.named_modules():
            if name != "encoder" and not name.startswith("encoder."):
                self._init_weights(module)

    @classmethod
    def from_encoder(cls: type[Model], encoder: PreTrainedModel, config: PretrainedConfig) -> Model:
        """A new head on a loaded encoder; ``config.encoder`` becomes the encoder's config."""
        config.encoder = encoder.config
        model = cls(config)
        model.encoder = encoder
        return model

    def encode(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None, token_type_ids: torch.Tensor | None
    ) -> torch.Tensor:
        """The encoder's last hidden states, (batch, tokens, hidden). Token types are passed only when
        given: encoders with a single type (RoBERTa) are called without them."""
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)[0]

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Module) -> None:
        self.encoder.set_input_embeddings(value)
