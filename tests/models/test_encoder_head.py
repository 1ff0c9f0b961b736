"""models.encoder_head: the encoder class a config builds, and heads that leave their encoder's weights alone."""

from __future__ import annotations

from transformers import BertConfig, BertModel, FunnelBaseModel, FunnelConfig, FunnelModel

from models.dp_biaffine import DpBiaffineConfig, DpBiaffineModel
from models.encoder_head import encoder_class


def test_the_encoder_class_is_the_one_the_configs_architectures_name():
    assert encoder_class(BertConfig()) is BertModel
    # Funnel maps to two classes: the one its architectures name, else the first
    assert encoder_class(FunnelConfig(architectures=["FunnelBaseModel"])) is FunnelBaseModel
    assert encoder_class(FunnelConfig()) is FunnelModel


def test_a_head_built_from_a_config_keeps_the_encoders_own_initialisation():
    """BERT draws its embeddings from N(0, 0.02); the head's initialisation (torch's own: N(0, 1) for an
    embedding) touches its own modules only."""
    encoder = BertConfig(vocab_size=200, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, initializer_range=0.02)
    model = DpBiaffineModel(DpBiaffineConfig(encoder=encoder, pos_embedding_dim=8, lstm_hidden_size=12, arc_dim=16,
                                             label_dim=8))
    assert model.encoder.embeddings.word_embeddings.weight.std() < 0.05
    assert model.pos_embedding.weight.std() > 0.5  # the head's embedding: torch's N(0, 1)
