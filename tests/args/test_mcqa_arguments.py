"""The MCQA flags (args/mcqa.py): the route, LoRA and 4-bit loading, and the modules peft adapts."""

from __future__ import annotations

import re

import pytest

from args import ArgumentsError, McqaArguments


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"mcqa_model": "decoder"}, "--mcqa_model must be one of encoder, causal_lm, got 'decoder'"),
        ({"mcqa_model": "causal_lm", "lora_r": -1}, "--lora_r must be 0 (no LoRA) or a positive rank, got -1"),
        ({"mcqa_model": "causal_lm", "lora_r": 4, "lora_dropout": 1.0},
         "--lora_dropout must be at least 0 and below 1, got 1.0"),
        ({"mcqa_model": "causal_lm", "lora_r": 4, "lora_dropout": -0.1},
         "--lora_dropout must be at least 0 and below 1, got -0.1"),
        ({"mcqa_model": "causal_lm", "lora_r": 4, "lora_alpha": 0}, "--lora_alpha must be positive, got 0"),
        ({"mcqa_model": "causal_lm", "lora_r": 4, "lora_alpha": -16}, "--lora_alpha must be positive, got -16"),
        ({"lora_r": 8}, "--lora_r is for --mcqa_model causal_lm; the encoder route fine-tunes every weight"),
        ({"load_in_4bit": True}, "--load_in_4bit is for --mcqa_model causal_lm"),
        ({"lora_r": 8, "load_in_4bit": True}, "--lora_r is for --mcqa_model causal_lm"),  # the first one named
        ({"mcqa_model": "causal_lm", "lora_target_modules": " "}, "--lora_target_modules is empty"),
        ({"mcqa_model": "causal_lm", "lora_target_modules": " , "}, "--lora_target_modules is empty"),  # no names
    ],
)
def test_a_value_that_cannot_run_is_refused_by_name(values, expected):
    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        McqaArguments(**values)


def test_a_folder_as_predictions_csv_is_refused_when_the_flags_are_read(tmp_path):
    with pytest.raises(ArgumentsError, match="is a folder"):
        McqaArguments(predictions_csv=str(tmp_path))


def test_the_edges_are_taken():
    mcqa_args = McqaArguments(mcqa_model="causal_lm", lora_r=1, lora_alpha=1, lora_dropout=0.0, load_in_4bit=True)
    assert (mcqa_args.lora_r, mcqa_args.lora_alpha, mcqa_args.lora_dropout) == (1, 1, 0.0)


@pytest.mark.parametrize(
    ("modules", "expected"),
    [("all-linear", "all-linear"), (" all-linear ", "all-linear"), ("q_proj, v_proj,", ["q_proj", "v_proj"]),
     ("all-linear,q_proj", ["all-linear", "q_proj"])],
)
def test_target_modules_are_the_string_all_linear_or_a_list_of_names(modules, expected):
    assert McqaArguments(mcqa_model="causal_lm", lora_target_modules=modules).target_modules() == expected


def test_the_defaults_fine_tune_every_weight_of_an_encoder_and_leave_the_prompt_format_to_the_model():
    mcqa_args = McqaArguments()
    assert (mcqa_args.mcqa_model, mcqa_args.lora_r, mcqa_args.load_in_4bit) == ("encoder", 0, False)
    assert (mcqa_args.lora_alpha, mcqa_args.lora_dropout, mcqa_args.lora_target_modules) == (16, 0.05, "all-linear")
    assert mcqa_args.mcqa_chat_template is None and mcqa_args.predictions_csv is None
