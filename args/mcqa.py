"""Flags of the MCQA task script (``trainers/run_mcqa.py``): which route, LoRA, 4-bit loading, outputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError
from args.predictions_csv import check_predictions_csv, predictions_csv_field

MCQA_MODELS = ("encoder", "causal_lm")


@dataclass
class McqaArguments:
    _argument_group_name = "MCQA task"  # the heading of these flags in --help
    # Flags that shape the model or its training examples: a resume or a finished run's rerun keeps them (run_settings)
    _run_settings = ("mcqa_model", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "load_in_4bit",
                     "mcqa_chat_template")

    mcqa_model: str = field(
        default="encoder",
        metadata={
            "help": "'encoder': AutoModelForMultipleChoice over (passage + question [+ <보기>], choice) pairs, one "
            "score per choice (padded choices of mixed 4/5-choice batches masked). 'causal_lm': a decoder LLM "
            "(AutoModelForCausalLM) prompted with the whole item, scored on the logits of the answer numbers "
            "'1'..'5' after the prompt, trained with the loss on the answer token only.",
            "choices": list(MCQA_MODELS),
        },
    )
    lora_r: int = field(
        default=0,
        metadata={"help": "LoRA rank for --mcqa_model causal_lm (peft); 0 fine-tunes every weight instead."},
    )
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (the update is alpha / r)."})
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch."})
    lora_target_modules: str = field(
        default="all-linear",
        metadata={
            "help": "Comma-separated module names to adapt (e.g. q_proj,k_proj,v_proj,o_proj), or 'all-linear' "
            "(every linear layer but the output head)."
        },
    )
    load_in_4bit: bool = field(
        default=False,
        metadata={
            "help": "Load the causal LM in 4-bit NF4 (bitsandbytes; needs a CUDA GPU), bf16 compute; training "
            "then needs --lora_r > 0 (QLoRA)."
        },
    )
    mcqa_chat_template: bool | None = field(
        default=None,
        metadata={"help": "Wrap the causal-LM prompt in the tokenizer's chat template when it has one. Default: the "
                          "prompt format a model fine-tuned here was trained with (saved in its config.json), else "
                          "true."},
    )
    predictions_csv: str | None = predictions_csv_field("the answers as a CSV 'id,answer' (the submission layout)")

    def __post_init__(self) -> None:
        check_predictions_csv(self.predictions_csv)
        if self.mcqa_model not in MCQA_MODELS:
            raise ArgumentsError(f"--mcqa_model must be one of {', '.join(MCQA_MODELS)}, got {self.mcqa_model!r}")
        if self.lora_r < 0:
            raise ArgumentsError(f"--lora_r must be 0 (no LoRA) or a positive rank, got {self.lora_r}")
        if not 0 <= self.lora_dropout < 1:
            raise ArgumentsError(f"--lora_dropout must be at least 0 and below 1, got {self.lora_dropout}")
        if self.lora_alpha <= 0:
            raise ArgumentsError(f"--lora_alpha must be positive, got {self.lora_alpha}")
        if self.mcqa_model == "encoder" and (self.lora_r or self.load_in_4bit):
            flag = "--lora_r" if self.lora_r else "--load_in_4bit"
            raise ArgumentsError(f"{flag} is for --mcqa_model causal_lm; the encoder route fine-tunes every weight")
        if not self.target_modules():  # "" or only commas: peft would refuse it once the model has loaded
            raise ArgumentsError("--lora_target_modules is empty; name modules (q_proj,v_proj) or 'all-linear'")

    def target_modules(self) -> str | list[str]:
        """``lora_target_modules`` as peft takes it: the string 'all-linear', else a list of names."""
        names = [name.strip() for name in self.lora_target_modules.split(",") if name.strip()]
        return "all-linear" if names == ["all-linear"] else names
