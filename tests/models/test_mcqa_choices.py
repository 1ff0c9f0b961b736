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
