"""MRC's span head without padding in its softmax (models/span_head.py)."""

from __future__ import annotations

import torch
from transformers import AutoModelForQuestionAnswering

from models.span_head import ignore_padding_positions


def padded(ids: list[int], extra: int) -> dict[str, torch.Tensor]:
    return {"input_ids": torch.tensor([ids + [0] * extra]),
            "attention_mask": torch.tensor([[1] * len(ids) + [0] * extra]),
            "start_positions": torch.tensor([3]), "end_positions": torch.tensor([4])}  # fmt: skip


def test_a_windows_loss_and_logits_do_not_depend_on_its_padding(tiny_bert):
    torch.manual_seed(0)
    stock = AutoModelForQuestionAnswering.from_pretrained(tiny_bert).eval()
    torch.manual_seed(0)
    model = ignore_padding_positions(AutoModelForQuestionAnswering.from_pretrained(tiny_bert).eval())
    ids = [2, 40, 41, 42, 43, 44, 3]
    with torch.no_grad():
        outputs = [model(**padded(ids, extra)) for extra in (0, 8, 64)]
        stock_losses = [float(stock(**padded(ids, extra)).loss) for extra in (0, 8, 64)]
    assert len(set(stock_losses)) == 3  # the stock loss changes with every padding
    for output in outputs[1:]:
        torch.testing.assert_close(output.loss, outputs[0].loss)
        torch.testing.assert_close(output.start_logits[:, : len(ids)], outputs[0].start_logits)
        assert (output.start_logits[:, len(ids) :] == torch.finfo(torch.float32).min).all()
        assert (output.end_logits[:, len(ids) :] == torch.finfo(torch.float32).min).all()
    assert float(outputs[0].loss) == stock_losses[0]  # without padding, the stock loss
    assert list(outputs[0].keys()) == ["loss", "start_logits", "end_logits"]  # the stock output's order


def test_the_trainer_still_sees_the_stock_input_names(tiny_bert):
    import inspect

    model = ignore_padding_positions(AutoModelForQuestionAnswering.from_pretrained(tiny_bert))
    names = inspect.signature(model.forward).parameters
    assert {"input_ids", "attention_mask", "start_positions", "end_positions"} <= set(names)
    assert ignore_padding_positions(model).forward is model.forward  # wrapped once


def test_without_an_attention_mask_or_with_a_position_past_the_window_the_loss_is_the_stock_one(tiny_bert):
    """Nothing padded: the stock loss, given the positions (also without an attention mask), and a start
    position past the window is not scored (the stock loss clamps it to the ignored index)."""
    torch.manual_seed(0)
    stock = AutoModelForQuestionAnswering.from_pretrained(tiny_bert).eval()
    torch.manual_seed(0)  # the same new qa_outputs layer
    model = ignore_padding_positions(AutoModelForQuestionAnswering.from_pretrained(tiny_bert).eval())
    ids = torch.tensor([[2, 40, 41, 42, 43, 44, 3], [2, 45, 46, 47, 48, 49, 3]])
    positions = {"start_positions": torch.tensor([3, 100]), "end_positions": torch.tensor([4, 5])}
    with torch.no_grad():
        expected = stock(input_ids=ids, **positions).loss
        unmasked = model(input_ids=ids, **positions).loss
        masked = model(input_ids=ids, attention_mask=torch.ones_like(ids), **positions).loss
    assert torch.isfinite(expected)
    torch.testing.assert_close(unmasked, expected)
    torch.testing.assert_close(masked, expected)
