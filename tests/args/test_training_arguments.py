"""Trainer flag values that cannot run are one line (``ArgumentsError``) while the flags are read, not a traceback
or a NaN model after the data and the model are loaded (args/training.py, args/mrc.py)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from transformers.integrations import INTEGRATION_TO_CALLBACK

from args import ArgumentsError, KlueTrainingArguments, MrcArguments
from tests.synthetic import write_json, ynat_records
from trainers.arguments import parse_arguments
from trainers.run_ynat import YnatTask
from trainers.runner import main


def training_arguments(tmp_path: Path, **values) -> KlueTrainingArguments:
    settings = {"output_dir": str(tmp_path / "out"), "report_to": "none", "use_cpu": True, **values}
    return KlueTrainingArguments(**settings)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # inf and NaN: each would train a NaN model, overflow or fail in math.ceil / int() after loading
        ({"learning_rate": math.inf}, "--learning_rate inf: must be a finite number"),
        ({"do_train": True, "num_train_epochs": math.inf}, "--num_train_epochs inf: must be a finite number"),
        ({"warmup_steps": math.nan}, "--warmup_steps nan: must be a finite number"),
        ({"warmup_steps": math.inf}, "--warmup_steps inf: must be a finite number"),
        ({"weight_decay": math.inf}, "--weight_decay inf: must be a finite number"),
        ({"max_grad_norm": math.nan}, "--max_grad_norm nan: must be a finite number"),
        ({"adam_epsilon": math.inf}, "--adam_epsilon inf: must be a finite number"),
        ({"label_smoothing_factor": math.nan}, "--label_smoothing_factor nan: must be a finite number"),
        ({"logging_steps": math.inf}, "--logging_steps inf: must be a finite number"),
        ({"neftune_noise_alpha": math.nan}, "--neftune_noise_alpha nan: must be a finite number"),
        # numpy's seed range
        ({"seed": -1}, "--seed -1: must be between 0 and 4294967295"),
        ({"seed": 2**32}, "--seed 4294967296: must be between 0 and 4294967295"),
        ({"data_seed": -1}, "--data_seed -1: must be between 0 and 4294967295"),
        ({"data_seed": 2**32}, "--data_seed 4294967296: must be between 0 and 4294967295"),
        ({"dataloader_num_workers": -1}, "--dataloader_num_workers -1: must be 0 (load in the main process) or more"),
        # torch's optimizers and cross entropy
        ({"adam_beta1": 2.0}, "--adam_beta1 2: must be at least 0 and below 1"),
        ({"adam_beta1": -0.1}, "--adam_beta1 -0.1: must be at least 0 and below 1"),
        ({"adam_beta2": 1.0}, "--adam_beta2 1: must be at least 0 and below 1"),
        ({"weight_decay": -0.01}, "--weight_decay -0.01: must not be negative"),
        ({"adam_epsilon": -1e-8}, "--adam_epsilon -1e-08: must not be negative"),
        ({"label_smoothing_factor": 1.5}, "--label_smoothing_factor 1.5: must be at least 0 and at most 1"),
        ({"warmup_steps": -1}, "--warmup_steps -1: must not be negative"),
        ({"output_dir": ""}, "--output_dir '': give the folder for this run's model"),
        # no dataset of the suite carries a column of another name: group_by_length would measure input_ids
        ({"length_column_name": "n_tokens"}, "--length_column_name n_tokens: the suite writes each example's length"),
        # the Trainer checks these names only when it is built, after the model is loaded
        ({"report_to": "foo"}, "--report_to foo: expected none, all, or one or more (comma-separated) of "),
        ({"report_to": ["tensorboard", "foo"]}, "--report_to tensorboard foo: expected none, all"),
        ({"report_to": [1, 2]}, "--report_to 1 2: expected none, all"),
        ({"report_to": ["none", "tensorboard"]}, "--report_to none tensorboard: expected none, all"),
        # NER's offsets and MRC's windows would reach the collator: a traceback once the model is loaded
        ({"remove_unused_columns": False}, "--remove_unused_columns false: the scripts keep columns for decoding"),
        # rounded up each on its own (0.1 and 0.2 of 25 steps: 3 and 5), the best evaluation had no checkpoint
        ({"do_train": True, "load_best_model_at_end": True, "eval_strategy": "steps", "save_strategy": "steps",
          "eval_steps": 0.1, "save_steps": 0.2}, "--eval_steps 0.1 and --save_steps 0.2 with --load_best_model_at_end"),
        ({"do_train": True, "load_best_model_at_end": True, "eval_strategy": "steps", "save_strategy": "steps",
          "eval_steps": 0.5, "save_steps": 1}, "--eval_steps 0.5 and --save_steps 1 with --load_best_model_at_end"),
    ],
)
def test_a_value_the_run_cannot_use_is_refused_while_the_flags_are_read(values, expected, tmp_path):
    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        training_arguments(tmp_path, **values)


def test_an_unknown_report_to_lists_the_names_the_installed_transformers_accepts(tmp_path):
    with pytest.raises(ArgumentsError) as refused:
        training_arguments(tmp_path, report_to="tensorbord")
    message = str(refused.value)
    assert len(message.splitlines()) == 1
    assert message.startswith("--report_to tensorbord: expected none, all, or one or more (comma-separated) of ")
    assert all(name in message for name in INTEGRATION_TO_CALLBACK)


@pytest.mark.parametrize(
    "values",
    [
        {"seed": 0},
        {"seed": 2**32 - 1, "data_seed": 2**32 - 1},
        {"data_seed": 0},
        {"adam_beta1": 0.0, "adam_beta2": 0.0},
        {"weight_decay": 0.0, "adam_epsilon": 0.0, "max_grad_norm": 0.0},  # 0: no clipping
        {"label_smoothing_factor": 1.0},
        {"warmup_steps": 0.1},  # below 1: a fraction of the training steps
        {"dataloader_num_workers": 0},
        {"report_to": "none"},
        {"report_to": ["none"]},
        {"report_to": "all"},
        {"report_to": None},
        {"report_to": "tensorboard"},
        {"report_to": ["tensorboard", "wandb"]},
        # the configs' quarter epochs: evaluated and saved at the same steps
        {"do_train": True, "load_best_model_at_end": True, "eval_strategy": "steps", "save_strategy": "steps",
         "eval_steps": 0.25, "save_steps": 0.25},
        {"do_train": True, "load_best_model_at_end": True, "eval_strategy": "steps", "save_strategy": "steps",
         "eval_steps": 5, "save_steps": 10},
        {"do_train": True, "max_steps": 3, "num_train_epochs": -1.0},  # max_steps decides; epochs are not read
    ],
)
def test_the_edges_of_each_range_still_run(values, tmp_path):
    training_arguments(tmp_path, **values)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--learning_rate", "inf"], "--learning_rate inf: must be a finite number"),
        (["--num_train_epochs", "inf"], "--num_train_epochs inf: must be a finite number"),
        (["--warmup_steps", "nan"], "--warmup_steps nan: must be a finite number"),
        (["--seed", "4294967296"], "--seed 4294967296: must be between 0 and 4294967295"),
        (["--dataloader_num_workers", "-1"], "--dataloader_num_workers -1: must be 0"),
        (["--adam_beta1", "2"], "--adam_beta1 2: must be at least 0 and below 1"),
        (["--report_to", "foo"], "--report_to foo: expected none, all, or one or more (comma-separated) of "),
        (["--output_dir", ""], "--output_dir '': give the folder"),
    ],
)
def test_command_line_values_are_refused_by_parse_arguments(flags, expected):
    argv = ["--model_name_or_path", "x", "--output_dir", "out", "--do_train", *flags]  # the last --output_dir wins
    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        parse_arguments(YnatTask(), argv)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--learning_rate", "inf"], "--learning_rate inf: must be a finite number"),  # trained to NaN, exit 0
        (["--report_to", "foo"], "--report_to foo: expected none, all"),  # the Trainer's traceback
        (["--seed", "-1"], "--seed -1: must be between 0 and 4294967295"),  # set_seed's traceback
        (["--adam_beta1", "2"], "--adam_beta1 2: must be at least 0 and below 1"),  # torch's traceback
    ],
)
def test_a_run_with_such_a_flag_ends_in_one_line_and_exit_status_2(flags, expected, tiny_bert, tmp_path, capsys):
    train = write_json(tmp_path / "train.json", ynat_records(8))
    out = tmp_path / "out"
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--report_to",
                               "none", "--use_cpu", "--do_train", "--train_file", str(train), "--max_steps", "2",
                               *flags])  # fmt: skip
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1 and expected in message, message
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"doc_stride": -5}, "--doc_stride must be >= 0 with --doc_stride_mode overlap, got -5"),
        ({"doc_stride": -5, "doc_stride_mode": "overlap"}, "--doc_stride must be >= 0 with --doc_stride_mode overlap"),
        ({"doc_stride": 0, "doc_stride_mode": "step"}, "--doc_stride must be >= 1 with --doc_stride_mode step, got 0"),
    ],
)
def test_a_doc_stride_below_its_minimum_names_the_mode_in_use(values, expected):
    with pytest.raises(ArgumentsError, match=re.escape(expected)):
        MrcArguments(**values)


def test_several_integrations_are_named_with_commas(tmp_path):
    """The command line gives --report_to one value: run_all.sh -- --report_to wandb turned TensorBoard off."""
    assert training_arguments(tmp_path, report_to="tensorboard, wandb").report_to == ["tensorboard", "wandb"]
    with pytest.raises(ArgumentsError, match=re.escape("--report_to tensorboard wandbb: expected none, all")):
        training_arguments(tmp_path, report_to="tensorboard,wandbb")


def test_checking_report_to_imports_only_the_integrations_named(tmp_path):
    """Each check imports its package (wandb alone takes half a second of every run and process)."""
    import subprocess
    import sys

    code = ("import sys; from args import KlueTrainingArguments; "
            f"KlueTrainingArguments(output_dir={str(tmp_path)!r}, report_to='tensorboard'); "
            "print('wandb' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_report_to_integration_that_is_not_installed_is_refused_while_the_flags_are_read(tmp_path, monkeypatch):
    """Refused when the flags are read: the Trainer's callback refused it only once the model was loaded, with a
    traceback."""
    from transformers.integrations import integration_utils

    monkeypatch.setattr(integration_utils, "is_wandb_available", lambda: False)
    with pytest.raises(ArgumentsError, match=re.escape("--report_to tensorboard wandb: wandb is not installed here")):
        training_arguments(tmp_path, report_to=["tensorboard", "wandb"])


def test_early_stopping_restores_its_count_when_a_run_resumes(tmp_path):
    """A resumed run goes on counting evaluations without improvement where it stopped: from 0 again, it would train
    past where it should stop, in silence."""
    stopping = training_arguments(tmp_path, do_train=True, eval_strategy="steps", eval_steps=5,
                                  early_stopping_patience=2)
    assert stopping.restore_callback_states_from_checkpoint is True
    assert training_arguments(tmp_path, do_train=True).restore_callback_states_from_checkpoint is False


def test_one_step_between_evaluations_is_a_number_of_steps_not_a_share(tmp_path):
    """--eval_steps 1 (every step) with --save_steps 5 and --load_best_model_at_end: steps, not shares of the
    training, so the fractional-steps rule does not apply."""
    args = training_arguments(tmp_path, do_train=True, load_best_model_at_end=True, eval_strategy="steps",
                              save_strategy="steps", eval_steps=1, save_steps=5)
    assert args.eval_steps == 1 and args.save_steps == 5
