"""KLUE-DP biaffine parser over any encoder, laid out as KLUE-baseline's (the KLUE paper's DP baseline).

Words (eojeol) are [state of the first subword; state of the last subword] (+ the embedding of the
word's POS, the tag of its last morpheme), with ROOT in front as [[CLS]; [CLS]] and the POS padding
tag. A BiLSTM reads ROOT and the words; a one-direction decoder LSTM, started from the BiLSTM's last
cell state (a dense layer, and its tanh as hidden state), reads the words again. Candidate heads are
the BiLSTM states (ROOT included), dependents the decoder states: a biaffine arc score (bilinear + a
term for each side + a bias) for every (dependent, head) pair, and a bilinear relation classifier over
the 38 KLUE relations for every pair. Dropout (0.33) drops whole POS vectors of words, and whole
features of the BiLSTM and decoder outputs (the same features at every word of a sentence), as
KLUE-baseline's ``Dropout2d`` on those tensors does. Training: cross-entropy on the gold head among
ROOT and every word of the sentence (the word itself too, as KLUE-baseline's loss has it), and on the
gold relation at the gold head, each averaged over the words. The returned arc scores mask the word
itself and the padding, which decoding (``trainers/run_dp.py``) never picks.

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
# The parser's layout, written into the configs of the parsers this suite builds: a parser saved by an earlier
# version (a learned ROOT, no decoder LSTM) has none, and its weights would not fit (trainers/run_dp.py refuses it)
PARSER_LAYOUT = "klue-baseline"


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
        decoder_layers: int = 1,
        arc_dim: int = 512,
        label_dim: int = 256,
        classifier_dropout: float = 0.33,
        parser_layout: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(encoder, dict):
            encoder = AutoConfig.for_model(**encoder)
        self.encoder = encoder
        self.pos_vocab_size = pos_vocab_size
        self.pos_embedding_dim = pos_embedding_dim  # 0: no POS input
        self.lstm_hidden_size = lstm_hidden_size
        self.lstm_layers = lstm_layers
        self.decoder_layers = decoder_layers
        self.arc_dim = arc_dim
        self.label_dim = label_dim
        self.classifier_dropout = classifier_dropout
        self.parser_layout = parser_layout  # PARSER_LAYOUT for a parser built now; None read from an older save
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(DP_DEPREL_LABELS))
        super().__init__(**kwargs)


@dataclass
class DpParserOutput(ModelOutput):
    loss: torch.Tensor | None = None
    arc_logits: torch.Tensor | None = None  # (batch, words, words + 1): dependent i, head j (0 = ROOT)
    label_logits: torch.Tensor | None = None  # (batch, words, words + 1, labels)


def feature_dropout(states: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``states`` (batch, words, features) with whole features dropped, each at every word of its sentence."""
    return nn.functional.dropout1d(states.transpose(1, 2), p, training).transpose(1, 2)


def word_dropout(states: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``states`` (batch, words, features) with whole words' vectors dropped."""
    return nn.functional.dropout1d(states, p, training)


class DpBiaffineModel(EncoderHeadModel):
    config_class = DpBiaffineConfig
    base_model_prefix = "dp_parser"
    main_input_name = "input_ids"

    def __init__(self, config: DpBiaffineConfig) -> None:
        super().__init__(config)
        hidden, lstm = config.encoder.hidden_size, config.lstm_hidden_size
        self.encoder = AutoModel.from_config(config.encoder)
        # No padding index: the POS padding tag is ROOT's tag too, and learnt
        self.pos_embedding = (
            nn.Embedding(config.pos_vocab_size, config.pos_embedding_dim) if config.pos_embedding_dim > 0 else None
        )
        self.word_lstm = nn.LSTM(2 * hidden + config.pos_embedding_dim, lstm, num_layers=config.lstm_layers,
                                 batch_first=True, bidirectional=True,
                                 dropout=config.classifier_dropout if config.lstm_layers > 1 else 0.0)
        self.decoder_lstm = nn.LSTM(lstm, lstm, num_layers=config.decoder_layers, batch_first=True,
                                    dropout=config.classifier_dropout if config.decoder_layers > 1 else 0.0)
        self.decoder_input = nn.Linear(2 * lstm, lstm)
        self.decoder_state = nn.Linear(2 * lstm, lstm)
        self.arc_head = nn.Linear(2 * lstm, config.arc_dim)  # candidate heads: BiLSTM states, ROOT first
        self.label_head = nn.Linear(2 * lstm, config.label_dim)
        self.arc_dep = nn.Linear(lstm, config.arc_dim)  # dependents: decoder states
        self.label_dep = nn.Linear(lstm, config.label_dim)
        # Biaffine arcs: dep U head + W_dep dep + W_head head + b (one score per pair)
        self.arc_bilinear = nn.Parameter(torch.empty(1, config.arc_dim, config.arc_dim))
        self.arc_dep_weight = nn.Parameter(torch.empty(1, config.arc_dim))
        self.arc_head_weight = nn.Parameter(torch.empty(1, config.arc_dim))
        self.arc_bias = nn.Parameter(torch.empty(1))
        # Bilinear relations: dep U_l head + W_l [dep] + V_l [head] + b_l for each of the labels
        self.label_bilinear = nn.Parameter(torch.empty(config.num_labels, config.label_dim, config.label_dim))
        self.label_dep_weight = nn.Parameter(torch.empty(config.num_labels, config.label_dim))
        self.label_head_weight = nn.Parameter(torch.empty(config.num_labels, config.label_dim))
        self.label_bias = nn.Parameter(torch.empty(config.num_labels))
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # KLUE-baseline's: torch's own initialisation of its layers, Xavier for the biaffine and bilinear weights
        if module is self:
            for weight in (self.arc_bilinear, self.arc_dep_weight, self.arc_head_weight, self.label_bilinear,
                           self.label_dep_weight, self.label_head_weight):
                nn.init.xavier_uniform_(weight)
            nn.init.zeros_(self.arc_bias)
            nn.init.zeros_(self.label_bias)
        elif isinstance(module, (nn.Linear, nn.LSTM, nn.Embedding)):
            module.reset_parameters()

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
        p, training = self.config.classifier_dropout, self.training
        states = self.encode(input_ids, attention_mask, token_type_ids)
        word_mask = word_first >= 0  # (batch, words)
        lengths = word_mask.sum(dim=1)
        batch, n_words = word_mask.shape
        gather = lambda index: states.gather(  # noqa: E731
            1, index.clamp(min=0).unsqueeze(-1).expand(-1, -1, states.size(-1))
        )
        cls = states[:, :1]  # ROOT: the [CLS] state, twice
        words = torch.cat([torch.cat([cls, cls], dim=-1), torch.cat([gather(word_first), gather(word_last)], dim=-1)],
                          dim=1)  # (batch, words + 1, 2 * hidden)
        candidate = torch.cat([torch.ones_like(word_mask[:, :1]), word_mask], dim=1)  # ROOT + real words
        words = words * candidate.unsqueeze(-1)
        if self.pos_embedding is not None:
            pos = torch.cat([torch.full_like(pos_ids[:, :1], POS_PAD_ID), pos_ids.clamp(min=0) * word_mask], dim=1)
            words = torch.cat([words, word_dropout(self.pos_embedding(pos), p, training)], dim=-1)

        packed = pack_padded_sequence(words, (lengths + 1).cpu(), batch_first=True, enforce_sorted=False)
        encoded, (_, cell) = self.word_lstm(packed)
        encoded, _ = pad_packed_sequence(encoded, batch_first=True, total_length=n_words + 1)
        encoded = feature_dropout(encoded, p, training)  # (batch, words + 1, 2 * lstm)

        # The decoder starts from the BiLSTM's last cell state (its last layer, both directions)
        last_cell = self.decoder_state(cell[-2:].transpose(0, 1).reshape(batch, -1)).unsqueeze(0)
        if self.config.decoder_layers > 1:
            zeros = last_cell.new_zeros(self.config.decoder_layers - 1, *last_cell.shape[1:])
            last_cell = torch.cat([last_cell, zeros])
        start = (torch.tanh(last_cell), last_cell)
        decoder_in = nn.functional.elu(self.decoder_input(encoded[:, 1:]))
        packed = pack_padded_sequence(decoder_in, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        decoded, _ = pad_packed_sequence(self.decoder_lstm(packed, start)[0], batch_first=True, total_length=n_words)
        decoded = feature_dropout(decoded, p, training)  # (batch, words, lstm)

        elu = nn.functional.elu
        arc_dep, arc_head = elu(self.arc_dep(decoded)), elu(self.arc_head(encoded))
        arc_scores = torch.einsum("bid,de,bje->bij", arc_dep, self.arc_bilinear[0], arc_head)
        arc_scores = (arc_scores + (arc_dep @ self.arc_dep_weight[0]).unsqueeze(2)
                      + (arc_head @ self.arc_head_weight[0]).unsqueeze(1) + self.arc_bias)
        lowest = torch.finfo(arc_scores.dtype).min / 2
        arc_scores = arc_scores.masked_fill(~candidate.unsqueeze(1), lowest)  # padding words are no heads

        label_dep, label_head = elu(self.label_dep(decoded)), elu(self.label_head(encoded))
        label_logits = torch.einsum("bid,lde,bje->bijl", label_dep, self.label_bilinear, label_head)
        label_logits = (label_logits + (label_dep @ self.label_dep_weight.T).unsqueeze(2)
                        + (label_head @ self.label_head_weight.T).unsqueeze(1) + self.label_bias)

        loss = None
        if head_labels is not None:
            valid = (head_labels != IGNORE_INDEX) & word_mask
            count = valid.sum().clamp(min=1)
            gold = head_labels.clamp(min=0) * valid
            arc_loss = nn.functional.cross_entropy(arc_scores.transpose(1, 2), gold, reduction="none")
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
        positions = torch.arange(n_words + 1, device=arc_scores.device)
        itself = positions[1:].unsqueeze(1) == positions.unsqueeze(0)  # word i is candidate i + 1
        arc_logits = arc_scores.masked_fill(itself.unsqueeze(0), lowest)  # never decoded: a word is not its head
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
