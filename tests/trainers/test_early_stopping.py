"""--early_stopping_patience: KLUE-baseline's --patience (PyTorch Lightning's EarlyStopping), which its
run_all.sh leaves at 5 for STS, NLI and NER."""

from __future__ import annotations

import json
import shutil

import pytest

from args import ArgumentsError, KlueTrainingArguments
from tests.synthetic import write_json, ynat_records
from trainers.run_ynat import YnatTask
from trainers.runner import main


def training_argv(model, tmp_path, name, *flags) -> list[str]:
    data = write_json(tmp_path / "train.json", ynat_records(8))
    return ["--model_name_or_path", str(model), "--output_dir", str(tmp_path / name), "--train_file", str(data),
            "--validation_file", str(data), "--do_train", "--num_train_epochs", "3", "--per_device_train_batch_size",
            "2", "--eval_strategy", "steps", "--eval_steps", "1", "--save_strategy", "no", "--report_to", "none",
            "--use_cpu", "--disable_tqdm", "true", *flags]  # fmt: skip


def train(model, tmp_path, name, *flags):
    assert main(YnatTask(), training_argv(model, tmp_path, name, *flags)) == 0
    return json.loads((tmp_path / name / "trainer_state.json").read_text())


def test_training_stops_after_patience_evaluations_without_a_better_score(tiny_bert, tmp_path, capsys):
    # A learning rate of 0 never changes the model: after the first evaluation none is better
    state = train(tiny_bert, tmp_path, "patient", "--learning_rate", "0", "--early_stopping_patience", "2")
    assert state["global_step"] == 3  # the first evaluation sets the best, the next two do not beat it
    assert "Early stopping at step 3 of 12: 2 evaluations in a row without a better macro_f1 (best " in (
        capsys.readouterr().out)
    assert train(tiny_bert, tmp_path, "to_the_end", "--learning_rate", "0")["global_step"] == 12


def test_patience_is_checked_before_anything_loads():
    with pytest.raises(ArgumentsError, match="must be 0 \\(off\\) or more"):
        KlueTrainingArguments(output_dir="out", do_train=True, early_stopping_patience=-1)
    with pytest.raises(ArgumentsError, match="counts evaluations during training: pass --eval_strategy steps"):
        KlueTrainingArguments(output_dir="out", do_train=True, early_stopping_patience=5)
    # an evaluation-only run with a config's patience: nothing to stop, no error
    assert KlueTrainingArguments(output_dir="out", do_eval=True, early_stopping_patience=5).early_stopping_patience


@pytest.mark.parametrize("config", ["configs/sts.json", "configs/nli.json", "configs/ner.json",
                                    "configs/roberta-large/sts.json", "configs/roberta-large/nli.json",
                                    "configs/roberta-large/ner.json"])
def test_the_configs_stop_where_klue_baseline_does(config):
    """KLUE-baseline's run_all.sh passes --patience 10000 or more to every task but these three."""
    from trainers.benchmark_report import REPO_ROOT

    assert json.loads((REPO_ROOT / config).read_text())["early_stopping_patience"] == 5


def test_a_resumed_run_stops_where_the_uninterrupted_one_does(tiny_bert, tmp_path, capsys):
    """The count of evaluations without a better score comes back with the checkpoint (the Trainer restores it
    only when asked): counted from 0 again, the resumed run trained a step further, to another model."""
    flags = ["--learning_rate", "0", "--early_stopping_patience", "3", "--save_strategy", "steps", "--save_steps", "1"]
    assert train(tiny_bert, tmp_path, "run", *flags)["global_step"] == 4  # evaluations 2, 3, 4 do not beat 1
    out = tmp_path / "run"
    for stopped_after in ("checkpoint-3", "checkpoint-4", "train_results.json"):  # as if stopped after step 2
        path = out / stopped_after
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    capsys.readouterr()
    assert train(tiny_bert, tmp_path, "run", *flags)["global_step"] == 4
    assert "Early stopping at step 4 of 12: 3 evaluations in a row" in capsys.readouterr().out


def test_a_run_stopped_after_the_checkpoint_where_it_stopped_early_trains_no_step_more(tiny_bert, tmp_path, capsys):
    """Stopped after saving the checkpoint of its early stop (while it saved the model or evaluated), the run
    resumed there trained on, at least an evaluation further: the Trainer does not restore the decision to stop."""
    flags = ["--learning_rate", "0", "--early_stopping_patience", "3", "--save_strategy", "steps", "--save_steps", "1"]
    assert train(tiny_bert, tmp_path, "run", *flags)["global_step"] == 4
    (tmp_path / "run" / "train_results.json").unlink()  # as if stopped right after checkpoint-4
    capsys.readouterr()
    assert train(tiny_bert, tmp_path, "run", *flags)["global_step"] == 4
    log = capsys.readouterr().out
    assert "checkpoint-4 is where early stopping stopped the run: no step is left to train." in log
    assert "Resumed at global step 4; trained to step 4." in log


def test_a_stopped_run_is_not_resumed_under_another_patience(tiny_bert, tmp_path, capsys):
    """Early stopping comes back from the checkpoint with its count and the patience it was saved with: a new
    --early_stopping_patience would not apply, silently. Refused in one line, as other flags a resume cannot change."""
    flags = ["--learning_rate", "0", "--early_stopping_patience", "3", "--save_strategy", "steps", "--save_steps", "1"]
    assert train(tiny_bert, tmp_path, "run", *flags)["global_step"] == 4
    out = tmp_path / "run"
    for stopped_after in ("checkpoint-3", "checkpoint-4", "train_results.json"):  # as if stopped after step 2
        path = out / stopped_after
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    capsys.readouterr()
    other_patience = [*flags[:2], "--early_stopping_patience", "5", *flags[4:]]
    assert main(YnatTask(), training_argv(tiny_bert, tmp_path, "run", *other_patience)) == 2
    assert "holds checkpoint-2 of a run with other flags (early_stopping_patience 3 -> 5)" in capsys.readouterr().err
    assert main(YnatTask(), training_argv(tiny_bert, tmp_path, "run", *flags)) == 0
