"""The TRADE-style WoS generator as a Transformers model: round trip, generation, padding, loss, collator."""

from __future__ import annotations


import pytest
import torch
from transformers import AutoConfig, AutoModel

from models.wos_trade import IGNORE_INDEX, WosDataCollator, WosTradeConfig, WosTradeModel

SLOTS = ["식당-가격대", "식당-지역", "택시-도착지"]
GATES = ["none", "dontcare", "ptr", "yes", "no"]
END = 3  # [SEP] of the tiny tokenizer ends a value
FEATURES = [
    {"input_ids": [2, 11, 12, 13, 14, 15, 3], "gate_labels": [0, 2, 1],
     "value_labels": [[-100] * 4, [12, 13, END, -100], [-100] * 4]},
    {"input_ids": [2, 21, 22, 3], "gate_labels": [2, 0, 0],
     "value_labels": [[22, END, -100, -100], [-100] * 4, [-100] * 4]},
]  # fmt: skip


@pytest.fixture(autouse=True)
def one_thread():
    """Many small ops per decoding step: one torch thread is several times faster on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def generator(model_dir, **config) -> WosTradeModel:
    torch.manual_seed(0)
    encoder = AutoModel.from_pretrained(model_dir)  # with its pooler: the GRU starts from its output
    settings = dict(slot_names=SLOTS, slot_token_ids=[[30, 31], [30, 32], [33]], gate_names=GATES,
                    value_end_token_id=END, max_value_length=4)
    settings.update(config)
    return WosTradeModel.from_encoder(encoder, WosTradeConfig(**settings)).eval()


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_save_and_load_give_identical_outputs(model_fixture, request, tmp_path):
    model = generator(request.getfixturevalue(model_fixture))
    batch = WosDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        before = model(**batch)
    model.save_pretrained(tmp_path / "saved")
    config = AutoConfig.from_pretrained(tmp_path / "saved")
    assert isinstance(config, WosTradeConfig) and config.slot_names == SLOTS and config.gate_names == GATES
    assert config.slot_token_ids == [[30, 31], [30, 32], [33]] and config.value_end_token_id == END
    for loader in (AutoModel, WosTradeModel):
        loaded, loading = loader.from_pretrained(tmp_path / "saved", output_loading_info=True)
        assert not any(loading.values()), loading  # no weight missing (a pooler), unexpected or mismatched
        loaded.eval()
        assert type(loaded) is WosTradeModel and torch.equal(loaded.slot_token_ids, model.slot_token_ids)
        with torch.no_grad():
            after = loaded(**batch)
        torch.testing.assert_close(after.gate_logits, before.gate_logits, rtol=0, atol=1e-6)
        torch.testing.assert_close(after.loss, before.loss, rtol=0, atol=1e-6)
        assert torch.equal(after.value_ids, before.value_ids)


def test_outputs_have_one_row_per_slot_and_do_not_depend_on_the_batch(tiny_bert):
    model = generator(tiny_bert)
    collate = WosDataCollator(pad_token_id=0, pad_to_multiple_of=8)
    batch = collate(FEATURES)
    assert batch["input_ids"].shape == (2, 8) and batch["attention_mask"][1].tolist() == [1] * 4 + [0] * 4
    assert batch["value_labels"].shape == (2, 3, 4) and batch["gate_labels"].tolist() == [[0, 2, 1], [2, 0, 0]]
    with torch.no_grad():
        both = model(**batch)
        alone = model(**WosDataCollator(pad_token_id=0)(FEATURES[1:]))  # 4 tokens, no padding at all
    assert both.gate_logits.shape == (2, 3, 5) and both.value_ids.shape == (2, 3, 4)
    assert both.value_ids.dtype == torch.long
    # the short history's gates and generated values ignore the padding it got from its batch
    torch.testing.assert_close(alone.gate_logits[0], both.gate_logits[1], rtol=1e-5, atol=1e-5)
    assert torch.equal(alone.value_ids[0], both.value_ids[1])


def test_generation_copies_from_the_history_and_stops_at_the_end_token(tiny_bert):
    """With the vocabulary switched off (switch -> copy) and the attention pinned on one token,
    every slot's value is that token, copied from the history, then the end token."""
    model = generator(tiny_bert, max_value_length=5)
    batch = WosDataCollator(pad_token_id=0)(FEATURES[:1])
    with torch.no_grad():
        model.generation_switch.weight.zero_()
        model.generation_switch.bias.fill_(-30.0)  # p(generate) ~ 0: only copying
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    ids = out.value_ids[0]
    history = set(batch["input_ids"][0].tolist())
    for row in ids.tolist():  # every generated token is a history token; after the end token, only end tokens
        assert set(row) <= history
        if END in row:
            assert set(row[row.index(END):]) == {END}


def test_loss_trains_gates_and_values_and_ignores_unscored_positions(tiny_bert):
    model = generator(tiny_bert, teacher_forcing_ratio=1.0, decoder_dropout=0.0).train()
    batch = WosDataCollator(pad_token_id=0)(FEATURES)
    changed = {k: v.clone() for k, v in batch.items()}
    changed["value_labels"][0, 0, :] = IGNORE_INDEX  # already ignored: nothing changes
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(**batch).loss, model(**changed).loss)
        gates_only = model(**{k: v for k, v in batch.items() if k != "value_labels"}).loss
        assert model(**batch).loss > gates_only  # values add their negative log-likelihood
    model.train()
    for module in model.modules():  # the encoder's dropout too: overfitting two turns is then deterministic
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(100):  # measured: the gates right from 80 steps (60 before the pooled start state)
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 3
    model.eval()
    with torch.no_grad():
        out = model(**batch)
    assert out.gate_logits.argmax(-1).tolist() == [[0, 2, 1], [2, 0, 0]]
    assert out.value_ids[0, 1, :3].tolist() == [12, 13, END] and out.value_ids[1, 0, :2].tolist() == [22, END]


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "distilbert"])
def test_the_gru_starts_from_the_pooler_output(model_fixture, request, tmp_path):
    """KLUE-baseline's start state: the encoder's pooler (dense + tanh over [CLS]); a new one for an encoder
    without (KLUE-baseline adds one for ELECTRA)."""
    from tests.encoder_families import save_tiny_family

    model_dir = (request.getfixturevalue(model_fixture) if model_fixture == "tiny_bert"
                 else save_tiny_family(tmp_path / model_fixture, model_fixture))
    model = generator(model_dir)
    starts = []
    model.decoder.register_forward_hook(lambda module, args, out: starts.append(args[1]))
    batch = WosDataCollator(pad_token_id=0)(FEATURES)
    with torch.no_grad():
        model(**batch)
        encoded = model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        pooled = encoded.pooler_output if model.pooler is None else model.pooler(encoded[0][:, 0])
    assert (model.pooler is None) == (model_fixture == "tiny_bert")
    torch.testing.assert_close(starts[0][0], pooled.repeat_interleave(len(SLOTS), dim=0))
    assert not torch.allclose(pooled, encoded[0][:, 0])  # not the raw [CLS] state


def test_another_slot_list_changes_no_weight(tiny_bert, tmp_path):
    model = generator(tiny_bert)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    model.set_slots(["택시-도착지"], [[33]])
    with torch.no_grad():
        out = model(input_ids=torch.tensor([[2, 11, 3]]))
    assert out.gate_logits.shape == (1, 1, 5) and model.config.slot_names == ["택시-도착지"]
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    model.save_pretrained(tmp_path / "one-slot")
    assert WosTradeModel.from_pretrained(tmp_path / "one-slot").config.slot_token_ids == [[33]]


def test_the_switch_reads_the_dropped_step_input_the_gru_reads_and_layers_start_as_torchs(tiny_bert):
    """KLUE-baseline's SlotGenerator drops out the step input once and feeds it to the GRU and the generation
    switch alike; its layers keep torch's own initialisation (no zero biases)."""
    model = generator(tiny_bert, decoder_dropout=0.5).train()
    assert model.decoder.bias_hh_l0.abs().sum() > 0 and model.generation_switch.bias.abs().sum() > 0
    seen = {}
    # (a forward hook that returns something replaces the module's output: these return None)
    model.decoder.register_forward_hook(lambda module, args, out: None if "gru" in seen else
                                        seen.update(gru=args[0][:, 0]))
    model.generation_switch.register_forward_hook(lambda module, args, out: None if "switch" in seen else
                                                  seen.update(switch=args[0]))
    batch = WosDataCollator(pad_token_id=0)(FEATURES)
    torch.manual_seed(3)
    model(**{k: v for k, v in batch.items() if not k.endswith("labels")})
    hidden = seen["gru"].size(-1)
    step_input = seen["switch"][..., 2 * hidden :].reshape(-1, hidden)
    assert (seen["gru"] == 0).any()  # dropout did drop something
    torch.testing.assert_close(step_input, seen["gru"])
