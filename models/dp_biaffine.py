"""KLUE-DP biaffine parser over any encoder (the KLUE paper's DP baseline), as a Transformers model.

Word (eojeol) representation = [state of its first subword; state of its last subword] (+ the
embedding of its POS, the tag of its last morpheme); a BiLSTM over the words; biaffine arc scores
between each dependent and every candidate head, position 0 being a learned ROOT; a bilinear label
classifier over the 38 KLUE relations for every (dependent, head) pair. Training: cross-entropy on
the gold head, and on the gold relation at the gold head, over real words only.

``DpBiaffineModel.from_encoder(encoder, config)`` puts a new parser on a loaded pretrained encoder
(BERT, RoBERTa, ELECTRA: anything ``AutoModel`` loads); ``save_pretrained`` / ``from_pretrained`` round
trip the whole parser (``AutoConfig`` / ``AutoModel`` know ``model_type = "klue_dp_biaffine"``).
Forward arguments are named like the feature columns of ``trainers/run_dp.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from transformers import AutoConfig, AutoModel, PretrainedConfig
from transformers.utils import ModelOutput

from algorithms.dp_words import POS_PAD_ID, POS_VOCAB_SIZE
from models.encoder_head import EncoderHeadModel
from models.padding import RightPaddingCollator, pad_rows
from klue_data.labels import DP_DEPREL_LABELS

IGNORE_INDEX = -100
WORD_PAD = -1  # word_first / word_last of padding words


class DpBiaffineConfig(PretrainedConfig):
    model_type = "klue_dp_biaffine"
    sub_configs = {"encoder": AutoConfig}

    def __init__(
        self,
        encoder: PretrainedConfig | dict | None = None,
        pos_vocab_size: int = POS_VOCAB_SIZE,
        pos_embedding_dim: int = 256,
        lstm_hidden_size: int = 768,
        lstm_layers: int = 1,
        arc_dim: int = 512,
        label_dim: int = 256,
        classifier_dropout: float = 0.33,
        **kwargs: Any,
    ) -> None:
        if isinstance(encoder, dict):
            encoder = AutoConfig.for_model(**encoder)
        self.encoder = encoder
        self.pos_vocab_size = pos_vocab_size
        self.pos_embedding_dim = pos_embedding_dim  # 0: no POS input
        self.lstm_hidden_size = lstm_hidden_size
        self.lstm_layers = lstm_layers
        self.arc_dim = arc_dim
        self.label_dim = label_dim
        self.classifier_dropout = classifier_dropout
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(DP_DEPREL_LABELS))
        super().__init__(**kwargs)


@dataclass
class DpParserOutput(ModelOutput):
    loss: torch.Tensor | None = None
    arc_logits: torch.Tensor | None = None  # (batch, words, words + 1): dependent i, head j (0 = ROOT)
    label_logits: torch.Tensor | None = None  # (batch, words, words + 1, labels)


class DpBiaffineModel(EncoderHeadModel):
    config_class = DpBiaffineConfig
    base_model_prefix = "dp_parser"
    main_input_name = "input_ids"

    def __init__(self, config: DpBiaffineConfig) -> None:
        super().__init__(config)
        hidden = config.encoder.hidden_size
        self.encoder = AutoModel.from_config(config.encoder)
        self.pos_embedding = (
            nn.Embedding(config.pos_vocab_size, config.pos_embedding_dim, padding_idx=POS_PAD_ID)
            if config.pos_embedding_dim > 0
            else None
        )
        self.lstm = nn.LSTM(
            2 * hidden + config.pos_embedding_dim,
            config.lstm_hidden_size,
            num_layers=config.lstm_layers,
            batch_first=True,
            bidirectional=True,
        )
        word_dim = 2 * config.lstm_hidden_size
        self.root = nn.Parameter(torch.zeros(word_dim))
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.arc_dep = nn.Sequential(nn.Linear(word_dim, config.arc_dim), nn.ELU())
        self.arc_head = nn.Sequential(nn.Linear(word_dim, config.arc_dim), nn.ELU())
        self.arc_weight = nn.Parameter(torch.zeros(config.arc_dim, config.arc_dim))
        self.arc_head_bias = nn.Parameter(torch.zeros(config.arc_dim))
        self.label_dep = nn.Sequential(nn.Linear(word_dim, config.label_dim), nn.ELU())
        self.label_head = nn.Sequential(nn.Linear(word_dim, config.label_dim), nn.ELU())
        self.label_bilinear = nn.Parameter(torch.zeros(config.num_labels, config.label_dim, config.label_dim))
        self.label_dep_linear = nn.Linear(config.label_dim, config.num_labels)  # together: a linear layer
        self.label_head_linear = nn.Linear(config.label_dim, config.num_labels, bias=False)  # on [dep; head]
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if module is self:
            for parameter in (self.root, self.arc_weight, self.arc_head_bias, self.label_bilinear):
                nn.init.normal_(parameter, std=0.02)
        elif isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding) and module is self.pos_embedding:
            nn.init.normal_(module.weight, std=0.02)
            module.weight[POS_PAD_ID].zero_()
        elif isinstance(module, nn.LSTM):
            for name, parameter in module.named_parameters():
                (nn.init.orthogonal_ if "weight" in name else nn.init.zeros_)(parameter)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        word_first: torch.Tensor | None = None,
        word_last: torch.Tensor | None = None,
        pos_ids: torch.Tensor | None = None,
        head_labels: torch.Tensor | None = None,
        deprel_labels: torch.Tensor | None = None,
    ) -> DpParserOutput:
        states = self.encode(input_ids, attention_mask, token_type_ids)
        word_mask = word_first >= 0  # (batch, words)
        lengths = word_mask.sum(dim=1)
        gather = lambda index: states.gather(  # noqa: E731
            1, index.clamp(min=0).unsqueeze(-1).expand(-1, -1, states.size(-1))
        )
        words = [gather(word_first), gather(word_last)]
        if self.pos_embedding is not None:
            words.append(self.pos_embedding(pos_ids.clamp(min=0) * word_mask))
        words = self.dropout(torch.cat(words, dim=-1) * word_mask.unsqueeze(-1))
        packed = pack_padded_sequence(words, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        encoded, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=words.size(1))
        encoded = self.dropout(encoded)
        batch, n_words, _ = encoded.shape
        heads = torch.cat([self.root.expand(batch, 1, -1), encoded], dim=1)  # (batch, words + 1, dim)

        arc_dep, arc_head = self.dropout(self.arc_dep(encoded)), self.dropout(self.arc_head(heads))
        arc_logits = torch.einsum("bid,de,bje->bij", arc_dep, self.arc_weight, arc_head)
        arc_logits = arc_logits + (arc_head @ self.arc_head_bias).unsqueeze(1)
        candidate = torch.cat([torch.ones_like(word_mask[:, :1]), word_mask], dim=1)  # ROOT + real words
        positions = torch.arange(n_words + 1, device=encoded.device)
        not_self = positions[1:].unsqueeze(1) != positions.unsqueeze(0)  # word i is candidate i + 1
        allowed = candidate.unsqueeze(1) & not_self.unsqueeze(0)
        arc_logits = arc_logits.masked_fill(~allowed, torch.finfo(arc_logits.dtype).min / 2)

        label_dep, label_head = self.dropout(self.label_dep(encoded)), self.dropout(self.label_head(heads))
        label_logits = torch.einsum("bid,lde,bje->bijl", label_dep, self.label_bilinear, label_head)
        label_logits = label_logits + self.label_dep_linear(label_dep).unsqueeze(2)
        label_logits = label_logits + self.label_head_linear(label_head).unsqueeze(1)

        loss = None
        if head_labels is not None:
            valid = (head_labels != IGNORE_INDEX) & word_mask
            count = valid.sum().clamp(min=1)
            gold = head_labels.clamp(min=0) * valid
            arc_loss = nn.functional.cross_entropy(arc_logits.transpose(1, 2), gold, reduction="none")
            loss = (arc_loss * valid).sum() / count
            if deprel_labels is not None:
                at_gold = label_logits.gather(
                    2, gold.view(batch, n_words, 1, 1).expand(-1, -1, 1, label_logits.size(-1))
                ).squeeze(2)
                labelled = valid & (deprel_labels != IGNORE_INDEX)
                label_loss = nn.functional.cross_entropy(
                    at_gold.transpose(1, 2), deprel_labels.clamp(min=0) * labelled, reduction="none"
                )
                loss = loss + (label_loss * labelled).sum() / labelled.sum().clamp(min=1)
        return DpParserOutput(loss=loss, arc_logits=arc_logits, label_logits=label_logits)


class DpDataCollator(RightPaddingCollator):
    """Pads the subword columns on the right (``input_ids`` with the pad token, masks and token
    types with 0) and the word columns (``word_first``/``word_last`` -1, ``pos_ids`` 0, labels -100).
    ``pad_to_multiple_of`` rounds both widths up: a compiled parser then sees a few word counts
    too, not one shape per longest sentence (with static shapes, a recompile for each)."""

    WORD_PADS = {"word_first": WORD_PAD, "word_last": WORD_PAD, "pos_ids": POS_PAD_ID,
                 "head_labels": IGNORE_INDEX, "deprel_labels": IGNORE_INDEX}  # fmt: skip

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        n_tokens = self.width(max(len(f["input_ids"]) for f in features))
        n_words = self.width(max(1, max(len(f["word_first"]) for f in features)))
        subword_pads = {"input_ids": self.pad_token_id, "attention_mask": 0, "token_type_ids": 0}
        batch: dict[str, torch.Tensor] = {}
        if "attention_mask" not in features[0]:
            features = [{**f, "attention_mask": [1] * len(f["input_ids"])} for f in features]
        for name in features[0]:
            pad = subword_pads.get(name, self.WORD_PADS.get(name))
            if pad is None:
                continue
            batch[name] = pad_rows([f[name] for f in features], n_tokens if name in subword_pads else n_words, pad)
        return batch


AutoConfig.register(DpBiaffineConfig.model_type, DpBiaffineConfig, exist_ok=True)
AutoModel.register(DpBiaffineConfig, DpBiaffineModel, exist_ok=True)
