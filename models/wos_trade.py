"""TRADE-style dialogue state generator over any encoder (the KLUE paper's WoS baseline), as a Transformers model.

Wu et al. (2019), "Transferable Multi-Domain State Generator", with a pretrained encoder as KLUE
does: the encoder reads the dialogue history; every slot of the slot list is decoded in parallel
by one GRU, whose first hidden state is the encoder's pooler output (its dense + tanh layer over
[CLS], pretrained where the checkpoint has one; a new one, as KLUE-baseline adds for ELECTRA, for
encoders without a pooler) and whose first input is the slot's name embedded with the encoder's
own input embeddings (the sum of the embeddings of the name's tokens, ``"식당 가격대"``). At each
step the GRU state attends over the history; the next-token distribution mixes the vocabulary
distribution (the GRU state against the encoder's input embeddings: tied output embeddings) and a
copy distribution (the attention weights, summed onto the history's token ids), weighted by a
learned generation switch on [state; context; input]. A slot gate reads the first step's GRU state
and its attention context: ``none``, ``dontcare``, ``ptr`` (take the generated value) and, where the
ontology has them, ``yes``/``no``. (TRADE's gate reads the context alone; with the state too, a tiny
model overfitting two dialogues reached JGA 100 on both seeds tried in 150 epochs, against 78 and 67
with the context alone, measured with a raw [CLS] start state: the context of a slot that is not
mentioned says little about which slot asked.)

Training: cross-entropy of the gates plus the negative log-likelihood of the gold value tokens of
every slot (the value, or the gate's word: ``none``, ``dontcare``; the end token included), as
KLUE-baseline trains it; each training batch feeds the decoder the gold
previous token with probability ``teacher_forcing_ratio`` (TRADE decides per batch), else its own
best token. Evaluation (``model.eval()``) always feeds back its own best token: the outputs are
the gate logits and the greedily generated token ids, so the Trainer's evaluation loop generates.

``WosTradeModel.from_encoder(encoder, config)`` starts from a loaded encoder; ``save_pretrained`` /
``from_pretrained`` round trip the whole model (``AutoConfig`` / ``AutoModel`` know
``model_type = "klue_wos_trade"``). The config keeps the slot names, their token ids and the gate names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from algorithms.wos_state import BASE_GATES
from models.encoder_head import EncoderHeadModel
from models.padding import RightPaddingCollator, lowest_at_padding, pad_rows

IGNORE_INDEX = -100
SLOT_TOKEN_PAD = -1  # padding of the slot-name token id rows
# The generator's layout, written into the configs of the generators this suite builds: one saved by an earlier
# version (its GRU started from the raw [CLS] state, no pooler) has none (trainers/run_wos.py refuses it)
GENERATOR_LAYOUT = "klue-baseline"


class WosTradeConfig(PretrainedConfig):
    model_type = "klue_wos_trade"
    sub_configs = {"encoder": AutoConfig}

    def __init__(
        self,
        encoder: PretrainedConfig | dict | None = None,
        slot_names: Sequence[str] = (),
        slot_token_ids: Sequence[Sequence[int]] = (),
        gate_names: Sequence[str] = BASE_GATES,
        value_end_token_id: int | None = None,
        max_value_length: int = 12,
        teacher_forcing_ratio: float = 0.5,
        decoder_dropout: float = 0.1,
        value_texts: Sequence[str] = (),
        generator_layout: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(encoder, dict):
            encoder = AutoConfig.for_model(**encoder)
        self.encoder = encoder
        self.slot_names = list(slot_names)  # "domain-slot", in the order the model predicts them
        self.slot_token_ids = [list(ids) for ids in slot_token_ids]  # each name tokenized, no special tokens
        self.gate_names = list(gate_names)
        self.value_end_token_id = value_end_token_id  # ends a generated value ([SEP] or </s>)
        self.max_value_length = max_value_length  # generated tokens per value, the end token included
        self.teacher_forcing_ratio = teacher_forcing_ratio
        self.decoder_dropout = decoder_dropout
        # the exact texts of the values the model was trained on (ontology + training states): a generated
        # value with their token ids is written as they are (a later eval-only run decodes alike)
        self.value_texts = list(value_texts)
        self.generator_layout = generator_layout  # GENERATOR_LAYOUT for one built now; None read from an older save
        super().__init__(**kwargs)


@dataclass
class WosTradeOutput(ModelOutput):
    loss: torch.Tensor | None = None
    gate_logits: torch.Tensor | None = None  # (batch, slots, gates)
    value_ids: torch.Tensor | None = None  # (batch, slots, max_value_length): best token per step, end-padded
    # Training only: (2,) the gate loss (a mean over slots) and the value loss (a mean over gold value tokens),
    # whose sum is ``loss``; accumulated batches weigh each by its own share of the items (``WosTask.loss_units``).
    loss_terms: torch.Tensor | None = None


class WosTradeModel(EncoderHeadModel):
    config_class = WosTradeConfig
    base_model_prefix = "wos_trade"
    main_input_name = "input_ids"

    def __init__(self, config: WosTradeConfig) -> None:
        super().__init__(config)
        if config.value_end_token_id is None:
            raise ValueError("WosTradeConfig.value_end_token_id must be set (the token that ends a value)")
        self.encoder = AutoModel.from_config(config.encoder)
        hidden = config.encoder.hidden_size
        # The GRU starts from a pooler output: the encoder's own pooler, else a new dense + tanh layer
        self.pooler = (
            None if getattr(self.encoder, "pooler", None) is not None
            else nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh())
        )
        embedding_dim = self.encoder.get_input_embeddings().embedding_dim
        if embedding_dim != hidden:  # ALBERT-like factorised embeddings: the tied output needs one size
            raise ValueError(f"WosTradeModel needs an encoder whose input embeddings ({embedding_dim}) are as wide "
                             f"as its hidden states ({hidden})")
        self.decoder = nn.GRU(hidden, hidden, batch_first=True)
        self.dropout = nn.Dropout(config.decoder_dropout)
        self.gate = nn.Linear(2 * hidden, len(config.gate_names))  # on [first GRU state; its attention context]
        self.generation_switch = nn.Linear(3 * hidden, 1)  # on [GRU state; attention context; step input]
        self._slot_ids: torch.Tensor | None = None  # built from the config on first use (not a weight)
        self.post_init()

    @classmethod
    def from_encoder(cls, encoder: PreTrainedModel, config: PretrainedConfig) -> WosTradeModel:
        model = super().from_encoder(encoder, config)
        if model.pooler is None and getattr(encoder, "pooler", None) is None:  # built as its type has one
            raise ValueError(f"{type(encoder).__name__} was loaded without its pooler (add_pooling_layer=False); "
                             "the generator starts from the pooler's output")
        return model

    @property
    def slot_token_ids(self) -> torch.Tensor:
        """(slots, longest name) token ids of the slot names, padded with -1, on the model's device."""
        device = self.get_input_embeddings().weight.device
        if self._slot_ids is None or self._slot_ids.device != device:
            rows = self.config.slot_token_ids
            width = max((len(row) for row in rows), default=1)
            padded = [list(row) + [SLOT_TOKEN_PAD] * (width - len(row)) for row in rows]
            self._slot_ids = torch.tensor(padded, dtype=torch.long, device=device).view(len(rows), width)
        return self._slot_ids

    def set_slots(self, slot_names: Sequence[str], slot_token_ids: Sequence[Sequence[int]]) -> None:
        """Predict another slot list (a slot is its name's embedding: no weights change); saved in the config."""
        if len(slot_names) != len(slot_token_ids):
            raise ValueError("one row of token ids per slot name")
        self.config.slot_names = list(slot_names)
        self.config.slot_token_ids = [list(ids) for ids in slot_token_ids]
        self._slot_ids = None

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.GRU)):  # torch's own initialisation, as KLUE-baseline's layers had
            module.reset_parameters()

    def slot_embeddings(self) -> torch.Tensor:
        """(slots, hidden): each slot name's token embeddings summed (TRADE sums domain and slot)."""
        ids = self.slot_token_ids
        embedded = self.get_input_embeddings()(ids.clamp(min=0))
        return (embedded * (ids >= 0).unsqueeze(-1)).sum(dim=1)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        gate_labels: torch.Tensor | None = None,
        value_labels: torch.Tensor | None = None,
    ) -> WosTradeOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        encoded = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)
        history = encoded[0]  # (B, T, H)
        pooled = encoded.pooler_output if self.pooler is None else self.pooler(history[:, 0])  # (B, H)
        batch, length, hidden = history.shape
        n_slots, steps = self.slot_token_ids.size(0), self.config.max_value_length
        vocabulary = self.get_input_embeddings().weight  # (V, H): the tied output embeddings
        real = attention_mask[:, None, :]  # (B, 1, T)
        copy_index = input_ids[:, None, :].expand(batch, n_slots, length)

        state = pooled.repeat_interleave(n_slots, dim=0).unsqueeze(0).contiguous()  # (1, B*S, H)
        step_input = self.slot_embeddings().repeat(batch, 1)  # (B*S, H), slot-major within each example
        teacher_forcing = (
            self.training and value_labels is not None
            and float(torch.rand(())) < self.config.teacher_forcing_ratio
        )  # fmt: skip
        end_id = self.config.value_end_token_id
        finished = torch.zeros(batch, n_slots, dtype=torch.bool, device=input_ids.device)
        gate_logits, best_ids, gold_log_probs = None, [], []
        for step in range(steps):
            step_input = self.dropout(step_input)  # as KLUE-baseline's: the dropped input feeds the switch too
            output, state = self.decoder(step_input.unsqueeze(1), state)
            output = output.view(batch, n_slots, hidden)
            # at the scores' own lowest value: under bf16 autocast they are bf16 while the history stays fp32
            scores = lowest_at_padding(torch.einsum("bsh,bth->bst", output, history), real)
            attention = scores.softmax(dim=-1)
            context = torch.einsum("bst,bth->bsh", attention, history)
            if step == 0:
                gate_logits = self.gate(torch.cat([output, context], dim=-1))  # no dropout, as KLUE-baseline's
            vocab_probs = (output @ vocabulary.t()).softmax(dim=-1)  # (B, S, V)
            switch = torch.sigmoid(self.generation_switch(
                torch.cat([output, context, step_input.view(batch, n_slots, hidden)], dim=-1)))  # fmt: skip
            probs = (switch * vocab_probs).scatter_add(2, copy_index, (1 - switch) * attention)
            best = probs.argmax(dim=-1)  # (B, S)
            best_ids.append(best.masked_fill(finished, end_id))
            finished = finished | (best == end_id)
            if value_labels is not None:
                gold = value_labels[:, :, step]
                at_gold = probs.gather(2, gold.clamp(min=0).unsqueeze(-1)).squeeze(-1)
                gold_log_probs.append(at_gold.clamp(min=1e-12).log())
            # Stop once every slot has ended and nothing gold is left to score (evaluation: no teacher forcing).
            if finished.all() and (value_labels is None or (value_labels[:, :, step + 1 :] == IGNORE_INDEX).all()):
                break
            next_ids = gold.masked_fill(gold == IGNORE_INDEX, end_id) if teacher_forcing else best
            step_input = self.get_input_embeddings()(next_ids).view(batch * n_slots, hidden)

        value_ids = torch.full((batch, n_slots, steps), end_id, dtype=torch.long, device=input_ids.device)
        value_ids[:, :, : len(best_ids)] = torch.stack(best_ids, dim=-1)
        loss = loss_terms = None
        if gate_labels is not None:
            gate_loss = nn.functional.cross_entropy(gate_logits.reshape(-1, gate_logits.size(-1)),
                                                    gate_labels.reshape(-1))
            value_loss = torch.zeros_like(gate_loss)
            if value_labels is not None:
                scored = value_labels[:, :, : len(gold_log_probs)] != IGNORE_INDEX
                log_probs = torch.stack(gold_log_probs, dim=-1)
                value_loss = -(log_probs * scored).sum() / scored.sum().clamp(min=1)
            loss = gate_loss + value_loss
            loss_terms = torch.stack([gate_loss, value_loss]) if self.training else None
        return WosTradeOutput(loss=loss, gate_logits=gate_logits, value_ids=value_ids, loss_terms=loss_terms)


class WosDataCollator(RightPaddingCollator):
    """Pads ``input_ids`` (pad token), ``attention_mask`` and ``token_type_ids`` (0) on the right;
    ``gate_labels`` (slots) and ``value_labels`` (slots x max_value_length) have fixed shapes."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = self.width(max(len(f["input_ids"]) for f in features))
        pads = {"input_ids": self.pad_token_id, "attention_mask": 0, "token_type_ids": 0}
        if "attention_mask" not in features[0]:
            features = [{**f, "attention_mask": [1] * len(f["input_ids"])} for f in features]
        batch = {}
        for name in features[0]:
            if name in pads:
                batch[name] = pad_rows([f[name] for f in features], width, pads[name])
            elif name in ("gate_labels", "value_labels"):
                batch[name] = torch.tensor([f[name] for f in features], dtype=torch.long)
        return batch


AutoConfig.register(WosTradeConfig.model_type, WosTradeConfig, exist_ok=True)
AutoModel.register(WosTradeConfig, WosTradeModel, exist_ok=True)
