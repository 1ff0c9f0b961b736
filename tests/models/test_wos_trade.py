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
    with torch.no_grad():
        assert model(input_ids=torch.tensor([[2, 11, 3]])).gate_logits.shape == (1, 3, 5)
    model.set_slots(["택시-도착지"], [[33]])  # the slot ids the forward cached are built again
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


def test_the_first_step_mixes_generation_and_copy_by_the_switch_and_the_loss_is_the_two_means(tiny_bert):
    """One decoding step, recomputed from the layers: the GRU starts from the pooler output with the slot name's
    summed embeddings as input; it attends over the real history tokens; p(token) = switch * softmax(state . E)
    + (1 - switch) * (attention summed over the token's positions), switch = sigmoid(w . [state; context;
    input] + b); the gates read [state; context]. The loss: the mean gate cross-entropy over slots plus the mean
    -log p(gold) over the scored value tokens."""
    model = generator(tiny_bert, max_value_length=1)
    features = [
        {"input_ids": [2, 11, 12, 13, 14, 15, 3], "gate_labels": [0, 2, 1], "value_labels": [[-100], [12], [-100]]},
        {"input_ids": [2, 22, 21, 22, 3], "gate_labels": [2, 0, 3], "value_labels": [[22], [-100], [-100]]},
    ]  # fmt: skip
    batch = WosDataCollator(pad_token_id=0)(features)
    with torch.no_grad():
        out = model(**batch)
        encoded = model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        embeddings = model.get_input_embeddings().weight
        slots = torch.stack([embeddings[30] + embeddings[31], embeddings[30] + embeddings[32], embeddings[33]])
        gate_nll, value_nll = [], []
        for b, feature in enumerate(features):
            ids = torch.tensor(feature["input_ids"])
            history = encoded[0][b, : len(ids)]  # the real tokens only
            for s in range(3):
                state, _ = model.decoder(slots[s][None, None], encoded.pooler_output[b][None, None])
                state = state[0, 0]
                attention = (history @ state).softmax(dim=0)
                context = attention @ history
                gates = model.gate(torch.cat([state, context]))
                torch.testing.assert_close(out.gate_logits[b, s], gates, rtol=1e-4, atol=1e-5)
                gate_nll.append(-gates.log_softmax(dim=0)[feature["gate_labels"][s]])
                gold = feature["value_labels"][s][0]
                if gold != -100:
                    switch = torch.sigmoid(model.generation_switch(torch.cat([state, context, slots[s]])))[0]
                    generated = (embeddings @ state).softmax(dim=0)[gold]
                    copied = attention[ids == gold].sum()
                    value_nll.append(-torch.log(switch * generated + (1 - switch) * copied))
    assert len(value_nll) == 2 and (torch.tensor(features[1]["input_ids"]) == 22).sum() == 2  # a token copied twice
    expected = sum(gate_nll) / 6 + sum(value_nll) / 2
    torch.testing.assert_close(out.loss, expected, rtol=1e-4, atol=1e-5)


def test_training_feeds_the_gold_tokens_and_the_end_token_after_them_evaluation_its_own_best(tiny_bert):
    """teacher_forcing_ratio 1: in training, step t + 1 reads the gold token of step t (the end token where
    nothing is gold); in evaluation, labels or not, it reads the token it generated."""
    model = generator(tiny_bert, teacher_forcing_ratio=1.0, decoder_dropout=0.0)
    inputs = []
    model.decoder.register_forward_hook(lambda module, args, out: inputs.append(args[0][:, 0]))
    batch = WosDataCollator(pad_token_id=0)(FEATURES)
    embeddings = model.get_input_embeddings().weight
    model.train()
    with torch.no_grad():
        model(**batch)
    # FEATURES: slot 1 of dialogue 0 is [12, 13, END, -100]; slot 0 of dialogue 1 is [22, END, -100, -100]
    step1 = inputs[1].view(2, 3, -1)
    torch.testing.assert_close(step1[0, 1], embeddings[12])
    torch.testing.assert_close(step1[1, 0], embeddings[22])
    torch.testing.assert_close(step1[0, 0], embeddings[END])  # no gold value: the end token
    torch.testing.assert_close(inputs[2].view(2, 3, -1)[0, 1], embeddings[13])
    model.eval()
    inputs.clear()
    with torch.no_grad():
        out = model(**batch)
    step1 = inputs[1].view(2, 3, -1)
    torch.testing.assert_close(step1, embeddings[out.value_ids[:, :, 0]])


def test_a_slot_that_generated_the_end_token_stays_ended(tiny_bert):
    """The GRU's outputs steered per slot (unit-norm embeddings: E[k] . E[j] is largest at j = k; the switch
    pinned to generating): slot 0 picks 12, END, 13, 14 while slots 1 and 2 go on to 12, 13, 14, END; slot 0's
    value is 12 then the end token to the last step."""
    model = generator(tiny_bert)
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        embeddings.div_(embeddings.norm(dim=-1, keepdim=True).clamp(min=1e-6))  # the pad row stays 0
        model.generation_switch.weight.zero_()
        model.generation_switch.bias.fill_(30.0)  # p(generate) ~ 1
    picks = iter(torch.tensor([[12, END, 13, 14], [12, 13, 14, END], [12, 13, 14, END]]).T)  # per step, per slot
    model.decoder.register_forward_hook(lambda module, args, out: (50 * embeddings[next(picks)][:, None], out[1]))
    with torch.no_grad():
        out = model(input_ids=torch.tensor([[2, 11, 12, 3]]))
    assert out.value_ids.tolist() == [[[12, END, END, END], [12, 13, 14, END], [12, 13, 14, END]]]


def test_a_slot_is_the_sum_of_its_names_token_embeddings(tiny_bert):
    """The padding of a shorter name's ids adds nothing, also where token 0 is a real token with an embedding
    (klue/roberta's [CLS]; the tiny model's 0 is its padding, so it is given one here)."""
    model = generator(tiny_bert)
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        embeddings[0].fill_(1.0)
    expected = torch.stack([embeddings[30] + embeddings[31], embeddings[30] + embeddings[32], embeddings[33]])
    torch.testing.assert_close(model.slot_embeddings(), expected)


def test_a_gold_token_neither_generated_nor_copied_costs_log_1e12_not_infinity(tiny_bert):
    """p(generate) underflows to 0 (sigmoid(-200) in fp32) and the gold token is not in the history: its
    probability is 0, clamped to 1e-12 before the log."""
    model = generator(tiny_bert, max_value_length=1)
    with torch.no_grad():
        model.generation_switch.weight.zero_()
        model.generation_switch.bias.fill_(-200.0)
        assert torch.sigmoid(model.generation_switch.bias)[0] == 0
        batch = {"input_ids": torch.tensor([[2, 11, 12, 3]]), "gate_labels": torch.tensor([[0, 0, 0]])}
        gates_only = model(**batch).loss
        out = model(**batch, value_labels=torch.tensor([[[40], [-100], [-100]]]))
    torch.testing.assert_close(out.loss - gates_only, -torch.log(torch.tensor(1e-12)))
