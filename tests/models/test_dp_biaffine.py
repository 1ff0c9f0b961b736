"""The biaffine DP parser as a Transformers model: round trip, masking, loss, collator."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig, AutoModel

from algorithms.dp_words import POS_VOCAB_SIZE
from klue_data.labels import DP_DEPREL_LABELS
from models.dp_biaffine import DpBiaffineConfig, DpBiaffineModel, DpDataCollator, feature_dropout, word_dropout

SMALL = dict(pos_embedding_dim=8, lstm_hidden_size=12, arc_dim=16, label_dim=8)
FEATURES = [
    {"input_ids": [2, 11, 12, 13, 14, 3], "word_first": [1, 2, 4], "word_last": [1, 3, 4], "pos_ids": [5, 9, 30],
     "head_labels": [2, 0, 2], "deprel_labels": [3, 2, 0]},
    {"input_ids": [2, 15, 16, 3], "word_first": [1, 2], "word_last": [1, 2], "pos_ids": [1, 7],
     "head_labels": [2, 0], "deprel_labels": [1, 2]},
]  # fmt: skip


def parser(model_dir) -> DpBiaffineModel:
    torch.manual_seed(0)
    encoder = AutoModel.from_pretrained(model_dir)
    return DpBiaffineModel.from_encoder(encoder, DpBiaffineConfig(**SMALL)).eval()


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta", "tiny_electra"])
def test_save_and_load_give_identical_outputs(model_fixture, request, tmp_path):
    model_dir = request.getfixturevalue(model_fixture)
    model = parser(model_dir)
    encoder = AutoModel.from_pretrained(model_dir)
    assert torch.equal(model.encoder.embeddings.word_embeddings.weight, encoder.embeddings.word_embeddings.weight)
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        before = model(**batch)
    model.save_pretrained(tmp_path / "saved")
    config = AutoConfig.from_pretrained(tmp_path / "saved")
    assert isinstance(config, DpBiaffineConfig) and config.encoder.model_type == encoder.config.model_type
    assert config.id2label == dict(enumerate(DP_DEPREL_LABELS)) and config.num_labels == 38
    assert config.pos_vocab_size == POS_VOCAB_SIZE and config.lstm_hidden_size == 12
    weights = model.state_dict()
    for loader in (AutoModel, DpBiaffineModel):
        loaded = loader.from_pretrained(tmp_path / "saved").eval()
        assert type(loaded) is DpBiaffineModel
        reloaded = loaded.state_dict()
        assert set(reloaded) == set(weights) and all(torch.equal(weights[k], reloaded[k]) for k in weights)
        with torch.no_grad():
            after = loaded(**batch)
        # Same weights, same inputs: the outputs agree to the last bits BLAS may order differently
        # (CPU kernels can pick another summation order for a freshly allocated tensor).
        for name in ("arc_logits", "label_logits", "loss"):
            torch.testing.assert_close(getattr(after, name), getattr(before, name), rtol=0, atol=1e-6)

def test_shapes_masks_and_batch_independence(tiny_bert):
    model = parser(tiny_bert)
    with torch.no_grad():  # trained-like weights: biases let padding words leak into a careless BiLSTM
        for parameter in [*model.word_lstm.parameters(), *model.decoder_lstm.parameters(), model.arc_bilinear,
                          model.label_bilinear]:
            parameter.normal_(0, 0.5)
    batch = DpDataCollator(pad_token_id=0, pad_to_multiple_of=8)(FEATURES)
    assert batch["input_ids"].shape == (2, 8) and batch["attention_mask"][1].tolist() == [1] * 4 + [0] * 4
    # words too are padded to the multiple (few shapes for a compiled parser)
    assert batch["word_first"][1].tolist() == [1, 2] + [-1] * 6
    assert batch["head_labels"][1].tolist() == [2, 0] + [-100] * 6
    assert batch["pos_ids"][1].tolist() == [1, 7] + [0] * 6 and batch["word_first"][0].tolist() == [1, 2, 4] + [-1] * 5
    with torch.no_grad():
        out = model(**batch)
        alone = model(**DpDataCollator(pad_token_id=0)(FEATURES[1:]))
    assert out.arc_logits.shape == (2, 8, 9) and out.label_logits.shape == (2, 8, 9, 38)
    arc = out.arc_logits[1]
    assert arc[0, 1] < -1e30 and arc[1, 2] < -1e30  # no word heads itself
    assert (arc[:, 3:] < -1e30).all()  # padding words are never heads
    # a sentence's scores do not depend on its batch (padding of words and subwords)
    torch.testing.assert_close(alone.arc_logits[0], arc[:2, :3], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(alone.label_logits[0], out.label_logits[1, :2, :3], rtol=1e-4, atol=1e-4)
    with torch.no_grad():  # nor does the loss depend on the padding
        unpadded = model(**DpDataCollator(pad_token_id=0)(FEATURES))
    torch.testing.assert_close(out.loss, unpadded.loss, rtol=1e-5, atol=1e-5)


def test_root_is_the_cls_state_of_each_sentence_read_by_the_bilstm_and_a_decoder_reads_the_words(tiny_bert):
    """KLUE-baseline's layout: ROOT is [[CLS]; [CLS]] (+ the POS padding tag's vector), first in the BiLSTM's
    input, so it differs per sentence and every word's context holds it; the decoder LSTM reads the words."""
    model = parser(tiny_bert)
    seen = {}
    model.word_lstm.register_forward_hook(lambda module, args, out: seen.update(words=args[0]))
    model.decoder_lstm.register_forward_hook(lambda module, args, out: seen.update(decoder=args[0]))
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        model(**batch)
        cls = model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])[0][:, 0]
        pad_tag = model.pos_embedding.weight[0]
    words, lengths = torch.nn.utils.rnn.pad_packed_sequence(seen["words"], batch_first=True)
    assert lengths.tolist() == [4, 3]  # ROOT + the words
    for row in range(2):
        torch.testing.assert_close(words[row, 0], torch.cat([cls[row], cls[row], pad_tag]))
    assert not torch.equal(words[0, 0], words[1, 0])
    _, decoder_lengths = torch.nn.utils.rnn.pad_packed_sequence(seen["decoder"], batch_first=True)
    assert decoder_lengths.tolist() == [3, 2]  # the words only


def test_loss_trains_and_ignores_padding_and_unlabelled_words(tiny_bert):
    model = parser(tiny_bert)
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        base = model(**batch).loss
        ignored = dict(batch, head_labels=batch["head_labels"].clone())
        ignored["head_labels"][1, 2] = 5  # a padding word's label: never read
        assert torch.equal(model(**ignored).loss, base)
        no_labels = model(**{k: v for k, v in batch.items() if not k.endswith("labels")})
    assert no_labels.loss is None and base.item() > 0
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(30):
        optimizer.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        out = model(**batch)
    assert out.loss < base / 4
    assert out.arc_logits[0].argmax(-1).tolist() == [2, 0, 2]


def test_without_pos_embedding(tiny_bert):
    encoder = AutoModel.from_pretrained(tiny_bert)
    model = DpBiaffineModel.from_encoder(encoder, DpBiaffineConfig(**{**SMALL, "pos_embedding_dim": 0})).eval()
    assert model.pos_embedding is None
    with torch.no_grad():
        out = model(**DpDataCollator(pad_token_id=0)(FEATURES))
    assert torch.isfinite(out.loss)


def test_dropout_drops_whole_features_of_a_sentence_and_whole_pos_vectors_of_words():
    """KLUE-baseline's Dropout2d on (batch, features, words) and on (batch, words, pos): a dropped feature is
    zero at every word of its sentence; a dropped word's POS vector is zero whole."""
    torch.manual_seed(0)
    states = torch.ones(4, 7, 50)
    dropped = feature_dropout(states, 0.5, training=True)
    zero_features = dropped[:, 0, :] == 0  # (batch, features) dropped at the first word...
    assert zero_features.any() and (~zero_features).any()
    assert torch.equal(dropped == 0, zero_features.unsqueeze(1).expand_as(dropped))  # ...are dropped at every word
    words = word_dropout(states, 0.5, training=True)
    zero_words = words[:, :, 0] == 0
    assert zero_words.any() and torch.equal(words == 0, zero_words.unsqueeze(-1).expand_as(words))
    assert torch.equal(feature_dropout(states, 0.5, training=False), states)


def test_words_are_first_and_last_subword_states_and_the_decoder_starts_from_the_last_bilstm_layer(tiny_bert):
    """A word is [first subword; last subword; POS]; with two layers each, the decoder starts from c0 = the
    dense layer over the BiLSTM's last layer's final cells (both directions), its deeper layer at zero,
    h0 = tanh(c0); it reads elu(dense(BiLSTM state)) of the words, not of ROOT."""
    torch.manual_seed(0)
    encoder = AutoModel.from_pretrained(tiny_bert)
    config = DpBiaffineConfig(**SMALL, lstm_layers=2, decoder_layers=2)
    model = DpBiaffineModel.from_encoder(encoder, config).eval()
    assert model.word_lstm.num_layers == 2 and model.decoder_lstm.num_layers == 2
    seen = {}
    model.word_lstm.register_forward_hook(lambda module, args, out: seen.update(words=args[0], cells=out[1][1],
                                                                                 encoded=out[0]))
    model.decoder_lstm.register_forward_hook(lambda module, args, out: seen.update(decoder=args[0], start=args[1]))
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        model(**batch)
        states = model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])[0]
        pos = model.pos_embedding.weight
        words, _ = torch.nn.utils.rnn.pad_packed_sequence(seen["words"], batch_first=True)
        # sentence 0, word 1: subwords 2..3 (first 2, last 3), POS 9
        torch.testing.assert_close(words[0, 2], torch.cat([states[0, 2], states[0, 3], pos[9]]))
        cells = seen["cells"]  # (layers * directions, batch, lstm): the last layer is the last two rows
        c0 = model.decoder_state(torch.cat([cells[2], cells[3]], dim=-1))
        h_start, c_start = seen["start"]
        assert c_start.shape == (2, 2, 12)
        torch.testing.assert_close(c_start[0], c0)
        assert torch.equal(c_start[1], torch.zeros_like(c0))
        torch.testing.assert_close(h_start, torch.tanh(c_start))
        encoded, _ = torch.nn.utils.rnn.pad_packed_sequence(seen["encoded"], batch_first=True)
        decoder_in, lengths = torch.nn.utils.rnn.pad_packed_sequence(seen["decoder"], batch_first=True)
        assert lengths.tolist() == [3, 2]
        torch.testing.assert_close(decoder_in[0], torch.nn.functional.elu(model.decoder_input(encoded[0, 1:4])))


def test_the_relation_loss_is_read_at_the_gold_head_and_averaged_over_labelled_words(tiny_bert):
    """The loss adds, to the arc loss, the mean over words with a head and a relation of the cross-entropy of
    the relation logits at the gold head; a word whose relation is ignored (-100) adds nothing."""
    model = parser(tiny_bert)
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    batch["deprel_labels"][0, 1] = -100
    with torch.no_grad():
        full = model(**batch)
        arcs_only = model(**{k: v for k, v in batch.items() if k != "deprel_labels"})
    log_probs = full.label_logits.log_softmax(dim=-1)
    terms = [-log_probs[b, i, batch["head_labels"][b, i], batch["deprel_labels"][b, i]]
             for b, i in [(0, 0), (0, 2), (1, 0), (1, 1)]]  # word (0, 1): ignored relation; (1, 2): padding
    torch.testing.assert_close(full.loss - arcs_only.loss, sum(terms) / 4)


def test_the_arc_softmax_includes_the_word_itself_and_an_unlabelled_batch_has_zero_loss(tiny_bert):
    """As KLUE-baseline's loss: the gold head is scored among ROOT and every word, the word itself too (only
    the returned logits mask it), so a gold self-head gives an ordinary loss, not one of ~1e38."""
    model = parser(tiny_bert)
    batch = DpDataCollator(pad_token_id=0)(FEATURES)
    batch["head_labels"][0, 0] = 1  # word 0 is candidate 1: itself
    with torch.no_grad():
        out = model(**batch)
        unlabelled = model(**dict(batch, head_labels=torch.full_like(batch["head_labels"], -100)))
    assert out.arc_logits[0, 0, 1] < -1e30 and 0 < out.loss < 100
    assert unlabelled.loss == 0


def test_a_sentence_without_words_shares_a_batch(tiny_bert):
    """A row with no words (ROOT alone) runs beside a real sentence, which gets the scores it gets alone."""
    model = parser(tiny_bert)
    empty = {"input_ids": [2, 3], "word_first": [], "word_last": [], "pos_ids": [], "head_labels": [],
             "deprel_labels": []}
    with torch.no_grad():
        both = model(**DpDataCollator(pad_token_id=0)([FEATURES[1], empty]))
        alone = model(**DpDataCollator(pad_token_id=0)(FEATURES[1:]))
    assert torch.isfinite(both.loss) and both.arc_logits.shape == (2, 2, 3)
    torch.testing.assert_close(both.arc_logits[0], alone.arc_logits[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(both.loss, alone.loss, rtol=1e-5, atol=1e-5)


def test_arc_and_relation_scores_are_biaffine_in_the_dependent_and_head_vectors(tiny_bert):
    """score(i, j) = d_i U h_j + w_d . d_i + w_h . h_j + b, with d = elu(dense(decoder state of word i)) and
    h = elu(dense(BiLSTM state of candidate j, ROOT = 0)); each relation l has its own U_l, w_l, v_l, b_l."""
    model = parser(tiny_bert)
    seen = {}
    for name in ("arc_dep", "arc_head", "label_dep", "label_head"):
        getattr(model, name).register_forward_hook(lambda module, args, out, name=name: seen.update({name: out}))
    with torch.no_grad():
        model.arc_bias.fill_(0.7)
        model.label_bias.copy_(torch.linspace(-1, 1, 38))
        out = model(**DpDataCollator(pad_token_id=0)(FEATURES))
    elu = torch.nn.functional.elu
    for b, i, j in [(0, 0, 0), (0, 1, 3), (1, 1, 0), (0, 2, 1)]:
        d, h = elu(seen["arc_dep"][b, i]), elu(seen["arc_head"][b, j])
        arc = d @ model.arc_bilinear[0] @ h + model.arc_dep_weight[0] @ d + model.arc_head_weight[0] @ h + 0.7
        torch.testing.assert_close(out.arc_logits[b, i, j], arc, rtol=1e-4, atol=1e-4)
        d, h = elu(seen["label_dep"][b, i]), elu(seen["label_head"][b, j])
        for label in (0, 5, 37):
            score = (d @ model.label_bilinear[label] @ h + model.label_dep_weight[label] @ d
                     + model.label_head_weight[label] @ h + model.label_bias[label])
            torch.testing.assert_close(out.label_logits[b, i, j, label], score, rtol=1e-4, atol=1e-4)
