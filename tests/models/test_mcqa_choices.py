"""models.mcqa_choices: wrappers the MCQA task puts around its models."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from models.mcqa_choices import inert_adapter
from tests.tiny_causal_lm import save_tiny_causal_lm

pytest.importorskip("peft")


def test_an_inert_adapter_changes_no_output_and_lets_the_trainer_take_a_quantized_model(tmp_path):
    from transformers import AutoModelForCausalLM
    from transformers.trainer_utils import validate_quantization_for_training

    base = AutoModelForCausalLM.from_pretrained(save_tiny_causal_lm(tmp_path)).eval()
    input_ids = torch.tensor([[5, 17, 42, 8, 99]])
    with torch.no_grad():
        expected = base(input_ids=input_ids).logits.clone()
    # what a 4-bit load sets (bitsandbytes' quantizer is trainable); the Trainer refuses such a model bare
    base.is_quantized, base.hf_quantizer = True, SimpleNamespace(is_trainable=True, is_qat_trainable=False)
    with pytest.raises(ValueError, match="purely quantized"):
        validate_quantization_for_training(base)

    wrapped = inert_adapter(base).eval()
    validate_quantization_for_training(wrapped)  # accepted
    with torch.no_grad():
        assert torch.equal(wrapped(input_ids=input_ids).logits, expected)
    assert any("lora_" in name for name, _ in wrapped.named_parameters())


def _right_padded_batch() -> dict[str, torch.Tensor]:
    """Three prompts of 6, 9 and 4 tokens, right-padded: the first and last end with their answer
    token (labelled), the second is unanswered (a test item)."""
    ids = [[5, 17, 42, 8, 99, 31], [12, 7, 7, 64, 3, 88, 19, 40, 22], [9, 14, 51, 33]]
    width = max(map(len, ids))
    input_ids = torch.full((3, width), 0)
    attention_mask = torch.zeros((3, width), dtype=torch.long)
    labels = torch.full((3, width), -100)
    for row, tokens in enumerate(ids):
        input_ids[row, : len(tokens)] = torch.tensor(tokens)
        attention_mask[row, : len(tokens)] = 1
        if row != 1:
            labels[row, len(tokens) - 1] = tokens[-1]
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


@pytest.mark.parametrize("num_items_in_batch", [None, torch.tensor(5)])
def test_scoring_the_answer_position_gives_the_stock_loss_and_answer_logits(tmp_path, num_items_in_batch):
    """The head at one position per row: the stock forward's loss (mean over answered rows, or the sum
    over ``num_items_in_batch`` under gradient accumulation) and its logits at the last prompt token."""
    from transformers import AutoModelForCausalLM

    from models.mcqa_choices import score_answer_position

    path = save_tiny_causal_lm(tmp_path)
    stock = AutoModelForCausalLM.from_pretrained(path).eval()
    wrapped = score_answer_position(AutoModelForCausalLM.from_pretrained(path).eval())
    batch = _right_padded_batch()
    extra = {} if num_items_in_batch is None else {"num_items_in_batch": num_items_in_batch}
    with torch.no_grad():
        expected = stock(**batch, **extra)
        got = wrapped(**batch, **extra)
    torch.testing.assert_close(got.loss, expected.loss)
    assert got.logits.shape == (3, 1, expected.logits.shape[-1])
    # read at: the token before the answer (rows 0 and 2), the last token (row 1, unanswered)
    torch.testing.assert_close(got.logits[:, 0], expected.logits[torch.arange(3), torch.tensor([4, 8, 2])])
    assert score_answer_position(wrapped) is wrapped and wrapped.forward.scores_answer_position


def test_scoring_the_answer_position_projects_far_fewer_positions(tmp_path):
    """What the wrapper is for: the output head sees one position per row, not every position."""
    from transformers import AutoModelForCausalLM

    from models.mcqa_choices import score_answer_position

    model = score_answer_position(AutoModelForCausalLM.from_pretrained(save_tiny_causal_lm(tmp_path)).eval())
    seen = []
    model.lm_head.register_forward_hook(lambda module, inputs, output: seen.append(tuple(inputs[0].shape[:2])))
    with torch.no_grad():
        model(**_right_padded_batch())
    assert seen == [(3, 3)]  # 3 rows x 3 distinct positions (4, 8, 2), against 3 x 9 for the stock forward


def test_smoothed_choice_loss_spreads_over_the_real_choices_only():
    """Label smoothing over an item's own choices: a 4-choice item padded to 5 gets the loss it gets
    alone, which is torch's smoothed cross-entropy over its 4 choices."""
    from models.mcqa_choices import choice_loss

    logits = torch.tensor([[2.0, -1.0, 0.5, 0.0], [0.3, 0.2, -0.4, 1.5]])
    labels = torch.tensor([0, 3])
    expected = torch.nn.functional.cross_entropy(logits, labels, label_smoothing=0.1)
    padded = torch.cat([logits, torch.full((2, 1), torch.finfo(torch.float32).min)], dim=1)
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 0]])
    torch.testing.assert_close(choice_loss(padded, labels, mask, 0.1), expected)
    torch.testing.assert_close(choice_loss(padded, labels, mask), torch.nn.functional.cross_entropy(logits, labels))
    unanswered = torch.tensor([0, -100])  # a test item in the batch adds nothing
    torch.testing.assert_close(choice_loss(padded, unanswered, mask, 0.1),
                               torch.nn.functional.cross_entropy(logits[:1], labels[:1], label_smoothing=0.1))


def test_answer_position_loss_smooths_as_the_trainers_label_smoother(tmp_path):
    """--label_smoothing_factor on the causal route: the Trainer's LabelSmoother would take the labels
    away (and shift logits the wrapper no longer returns); the wrapper's own smoothing equals it."""
    from transformers import AutoModelForCausalLM
    from transformers.trainer_pt_utils import LabelSmoother

    from models.mcqa_choices import score_answer_position

    path = save_tiny_causal_lm(tmp_path)
    stock = AutoModelForCausalLM.from_pretrained(path).eval()
    wrapped = score_answer_position(AutoModelForCausalLM.from_pretrained(path).eval(), label_smoothing=0.1)
    batch = _right_padded_batch()
    with torch.no_grad():
        expected = LabelSmoother(epsilon=0.1)(stock(input_ids=batch["input_ids"],
                                                    attention_mask=batch["attention_mask"]),
                                              batch["labels"], shift_labels=True)
        got = wrapped(**batch).loss
    torch.testing.assert_close(got, expected)


def test_a_model_that_ignores_logits_to_keep_is_read_at_every_position(tmp_path):
    """A (remote-code) model whose forward takes ``logits_to_keep`` but returns every position: the
    wrapper notices the shape and reads the answer position from the full logits."""
    from transformers import AutoModelForCausalLM

    from models.mcqa_choices import score_answer_position

    path = save_tiny_causal_lm(tmp_path)
    stock = AutoModelForCausalLM.from_pretrained(path).eval()
    ignoring = AutoModelForCausalLM.from_pretrained(path).eval()
    forward = ignoring.forward

    def forward_keeping_all(input_ids=None, attention_mask=None, logits_to_keep=0, **kwargs):
        return forward(input_ids=input_ids, attention_mask=attention_mask, **kwargs)

    ignoring.forward = forward_keeping_all
    wrapped = score_answer_position(ignoring)
    batch = _right_padded_batch()
    with torch.no_grad():
        expected = stock(**batch)
        got = wrapped(**batch)
    torch.testing.assert_close(got.loss, expected.loss)
    torch.testing.assert_close(got.logits[:, 0], expected.logits[torch.arange(3), torch.tensor([4, 8, 2])])


def test_the_masked_forward_names_the_length_column_and_ignores_it(tmp_path):
    """The Trainer keeps only the dataset columns the forward names: ``length`` (an item's token length, read by
    --train_sampling_strategy group_by_length) must be one, and a batch that carries it (--pad_to_max_length's
    collator passes every column) gets the logits of one without it."""
    import inspect

    from transformers import AutoModelForMultipleChoice, BertConfig

    from models.mcqa_choices import LENGTH_COLUMN, mask_padded_choices

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16)
    model = mask_padded_choices(AutoModelForMultipleChoice.from_config(config)).eval()
    assert LENGTH_COLUMN in inspect.signature(model.forward).parameters
    batch = {"input_ids": torch.randint(5, 50, (2, 5, 7)), "attention_mask": torch.ones(2, 5, 7, dtype=torch.long),
             "choice_mask": torch.tensor([[True] * 4 + [False], [True] * 5]), "labels": torch.tensor([1, 4])}
    with torch.no_grad():
        expected = model(**batch)
        got = model(**batch, **{LENGTH_COLUMN: torch.tensor([7, 6])})
    assert torch.equal(got.logits, expected.logits) and torch.equal(got.loss, expected.loss)


def test_choice_batches_carry_token_types_and_the_masked_forward_passes_them_and_smooths_its_loss():
    """``ChoiceCollator`` pads each choice's token types beside its ids (a padded choice repeats the last real
    one); the masked forward gives the stock model's logits for those token types, the lowest at a padded
    choice, and a loss smoothed over each item's real choices."""
    import copy

    from transformers import AutoModelForMultipleChoice, BertConfig

    from models.mcqa_choices import ChoiceCollator, mask_padded_choices

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16)
    stock = AutoModelForMultipleChoice.from_config(config).eval()
    with torch.no_grad():  # a trained-like head and token types that matter
        for weight in (stock.classifier.weight, stock.bert.pooler.dense.weight,
                       stock.bert.embeddings.token_type_embeddings.weight):
            weight.normal_(0, 1.0)
    model = mask_padded_choices(copy.deepcopy(stock), label_smoothing=0.1)
    features = [
        {"input_ids": [[2, 7, 3, 8, 3], [2, 7, 3, 9, 10, 3]],
         "token_type_ids": [[0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]], "labels": 1},
        {"input_ids": [[2, 5, 3, 11, 3], [2, 5, 3, 12, 3], [2, 5, 3, 13, 3]],
         "token_type_ids": [[0, 0, 0, 1, 1]] * 3, "labels": 0},
    ]  # fmt: skip
    batch = ChoiceCollator(pad_token_id=0)(features)
    assert batch["token_type_ids"].tolist() == [
        [[0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]], [[0, 0, 0, 1, 1, 0]] * 3]
    assert batch["input_ids"][0, 2].tolist() == [2, 7, 3, 9, 10, 3]  # the padded choice: the last real one
    with torch.no_grad():
        got = model(**batch)
        expected = stock(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                         token_type_ids=batch["token_type_ids"]).logits
        untyped = stock(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    assert not torch.allclose(expected, untyped, atol=1e-3)
    torch.testing.assert_close(got.logits[:, :2], expected[:, :2])
    torch.testing.assert_close(got.logits[1], expected[1])
    assert got.logits[0, 2] == torch.finfo(torch.float32).min
    smoothed = [torch.nn.functional.cross_entropy(expected[:1, :2], torch.tensor([1]), label_smoothing=0.1),
                torch.nn.functional.cross_entropy(expected[1:], torch.tensor([0]), label_smoothing=0.1)]
    torch.testing.assert_close(got.loss, (smoothed[0] + smoothed[1]) / 2)


def test_without_an_attention_mask_the_answer_is_read_at_the_last_token(tmp_path):
    from transformers import AutoModelForCausalLM

    from models.mcqa_choices import score_answer_position

    path = save_tiny_causal_lm(tmp_path)
    stock = AutoModelForCausalLM.from_pretrained(path).eval()
    wrapped = score_answer_position(AutoModelForCausalLM.from_pretrained(path).eval())
    input_ids = torch.tensor([[5, 17, 42, 8, 99], [12, 7, 7, 64, 3]])
    with torch.no_grad():
        expected = stock(input_ids=input_ids).logits[:, -1]
        got = wrapped(input_ids=input_ids).logits[:, 0]
    torch.testing.assert_close(got, expected)


def test_prompt_labels_are_padded_with_the_ignore_index():
    from models.mcqa_choices import PromptCollator

    batch = PromptCollator(pad_token_id=0)([{"input_ids": [5, 6, 7], "labels": [-100, -100, 7]},
                                            {"input_ids": [8, 9], "labels": [-100, -100]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 9, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"].tolist() == [[-100, -100, 7], [-100, -100, -100]]  # the test item stays unanswered
