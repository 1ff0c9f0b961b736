"""KLUE-RE "entity start" classifier: the encoder's hidden states at the ``<subj>`` and ``<obj>``
marker tokens, concatenated, classified into the 30 relations.

The model's config is the encoder's own (``BertConfig``, ``RobertaConfig``, ``ElectraConfig``, ...)
with three fields added: ``re_head = "entity_start"``, ``re_marker_token_ids`` (the ids of
``<subj>``, ``</subj>``, ``<obj>``, ``</obj>``; the model finds the markers in ``input_ids``, so
no extra input column is needed) and ``id2label``/``label2id``. ``save_pretrained`` writes that
config and the weights (``encoder.*``, ``dense.*``, ``out_proj.*``); ``ReEntityStartModel.from_pretrained(dir)``
reads them back (the config through ``AutoConfig``). ``from_encoder_pretrained`` puts a pretrained
encoder checkpoint (``klue/roberta-base``) under a new, randomly initialised head.

A row without a ``<subj>`` or ``<obj>`` token (only when truncation had to drop it, see
``algorithms/re_markers.py``) reads that entity from position 0 ([CLS]).
(``AutoModelForSequenceClassification.from_pretrained`` on a saved output dir would build the
encoder's own CLS head instead: load this class, or use the default ``--re_head cls``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from models.encoder_head import encoder_class, without_pooler

HEAD_NAME = "entity_start"


def _encoder_from(config: PretrainedConfig, name: str | None = None, **kwargs: Any) -> PreTrainedModel:
    """The bare encoder of ``config`` (random, or the weights of checkpoint ``name``), without
    the pooler the head never reads."""
    if name is None:
        return without_pooler(partial(AutoModel.from_config, config))
    return without_pooler(partial(AutoModel.from_pretrained, name, config=config, **kwargs))


def marker_positions(input_ids: torch.Tensor, token_id: int) -> torch.Tensor:
    """Per row, the position of the first ``token_id`` in ``input_ids``, 0 where there is none."""
    return (input_ids == token_id).int().argmax(dim=1)


class ReEntityStartModel(PreTrainedModel):
    config_class = PretrainedConfig  # the encoder's config; from_pretrained reads it with AutoConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    ATTENTION_SUPPORT = ("_supports_sdpa", "_supports_flash_attn", "_supports_flex_attn", "_supports_attention_backend")

    def __init__(self, config: PretrainedConfig) -> None:
        # Attention is the encoder's own, and so is the config: the wrapper supports what the encoder's
        # class supports. Claiming SDPA for all would have the Trainer's choice made for the shared
        # config refuse encoders without it (DeBERTa).
        encoder = encoder_class(config)
        for flag in self.ATTENTION_SUPPORT:
            object.__setattr__(self, flag, bool(getattr(encoder, flag, False)))  # before nn.Module's own set-up
        super().__init__(config)
        if getattr(config, "re_marker_token_ids", None) is None or len(config.re_marker_token_ids) != 4:
            raise ValueError("config.re_marker_token_ids must hold the ids of <subj>, </subj>, <obj>, </obj>")
        self.num_labels = config.num_labels
        self.encoder = _encoder_from(config)
        hidden = config.hidden_size
        dropout = getattr(config, "classifier_dropout", None)
        if dropout is None:
            dropout = getattr(config, "hidden_dropout_prob", 0.1)
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(2 * hidden, hidden)
        self.out_proj = nn.Linear(hidden, config.num_labels)
        self.post_init()
        config.re_head = HEAD_NAME  # saved: from_pretrained then knows the checkpoint holds this head

    @classmethod
    def from_encoder_pretrained(
        cls, name: str, config: PretrainedConfig, marker_token_ids: Sequence[int] | None = None, **kwargs: Any
    ) -> ReEntityStartModel:
        """The encoder of checkpoint ``name`` (any encoder ``AutoModel`` loads) under a new head;
        ``config`` gives the labels, ``kwargs`` the Hub flags (``cache_dir``, ``revision``, ...)."""
        if marker_token_ids is not None:
            config.re_marker_token_ids = [int(i) for i in marker_token_ids]
        encoder = _encoder_from(config, name, **kwargs)
        model = cls(config)  # a random encoder and a new head, initialised as the library does ...
        model.encoder = encoder  # ... then the pretrained encoder, untouched by that initialisation
        return model

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Any, *args: Any, config: Any = None, **kwargs: Any):
        """A saved ``ReEntityStartModel``; or, when the checkpoint's config has no ``re_head``, its
        encoder under a new head (``from_encoder_pretrained``; ``config`` must then hold the marker ids)."""
        if config is None or isinstance(config, str):
            hub = {k: kwargs[k] for k in ("cache_dir", "revision", "token", "trust_remote_code") if k in kwargs}
            config = AutoConfig.from_pretrained(config or pretrained_model_name_or_path, **hub)
        if getattr(config, "re_head", None) != HEAD_NAME:
            return cls.from_encoder_pretrained(pretrained_model_name_or_path, config, **kwargs)
        return super().from_pretrained(pretrained_model_name_or_path, *args, config=config, **kwargs)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Module) -> None:
        self.encoder.set_input_embeddings(value)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        if input_ids is None:
            raise ValueError("ReEntityStartModel needs input_ids (the markers are found in them)")
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**inputs, return_dict=True).last_hidden_state
        subject_start, _, object_start, _ = self.config.re_marker_token_ids
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)
        subject = hidden[rows, marker_positions(input_ids, subject_start)]
        obj = hidden[rows, marker_positions(input_ids, object_start)]
        pair = torch.cat([subject, obj], dim=-1)
        pooled = torch.tanh(self.dense(self.dropout(pair)))
        logits = self.out_proj(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))  # batch mean
        return SequenceClassifierOutput(loss=loss, logits=logits)
