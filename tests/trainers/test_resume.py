"""A run killed right after a checkpoint, twice (SIGKILL, then Ctrl-C), then resumed, ends where an uninterrupted
run does:
it resumes at the checkpoint's step (not from step 0), and its results equal the uninterrupted run's,
train_loss included (the mean over all steps of the run, not only of the resumed ones)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.synthetic import write_json, ynat_records

REPO_ROOT = Path(__file__).resolve().parents[2]

# Runs run_ynat's main with a callback that sends the process $KILL_SIGNAL once checkpoint-$KILL_AT is on disk.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from transformers import Trainer, TrainerCallback
    # Ctrl-C as in a terminal, also where the tests run with SIGINT ignored (nohup, a shell's background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    class KillAfterSave(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == int(os.environ["KILL_AT"]):
                os.kill(os.getpid(), getattr(signal, os.environ["KILL_SIGNAL"]))
    original_init = Trainer.__init__
    def init(self, *a, **k):
        original_init(self, *a, **k)
        self.add_callback(KillAfterSave())
    Trainer.__init__ = init
    from trainers.run_ynat import YnatTask
    from trainers.runner import main
    sys.exit(main(YnatTask(), sys.argv[1:]))
    """
)


@pytest.mark.parametrize("sampling", ["random", "group_by_length"])
def test_killed_run_resumes_to_the_same_eval_metrics(sampling, tiny_bert, tmp_path):
    """5 steps an epoch: the second kill and the last resume are inside the second epoch, whose batch order
    the resumed run must draw as the uninterrupted run did."""
    train = write_json(tmp_path / "train.json", ynat_records(40, seed=3))
    dev = write_json(tmp_path / "dev.json", ynat_records(14, seed=4))

    def argv(out: Path) -> list[str]:
        return ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
                "--validation_file", str(dev), "--do_train", "--do_eval", "--max_steps", "8", "--save_steps", "2",
                "--per_device_train_batch_size", "8", "--learning_rate", "5e-3", "--seed", "11", "--report_to",
                "none", "--use_cpu", "--disable_tqdm", "true", "--dataloader_num_workers", "0",
                "--train_sampling_strategy", sampling]

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = [sys.executable, str(REPO_ROOT / "trainers" / "run_ynat.py")]
    subprocess.run(run + argv(tmp_path / "straight"), check=True, env=env, cwd=REPO_ROOT, capture_output=True)

    # Killed twice: at step 4, then at step 6 inside the resumed run, whose checkpoint must carry the loss
    # of steps 1-4 forward for the last run's train_loss.
    for kill_at, kill_signal in ((4, "SIGKILL"), (6, "SIGINT")):
        killed = subprocess.run([sys.executable, "-c", KILLER, *argv(tmp_path / "resumed")], cwd=REPO_ROOT,
                                env={**env, "KILL_AT": str(kill_at), "KILL_SIGNAL": kill_signal}, capture_output=True,
                                text=True)  # fmt: skip
        if kill_signal == "SIGKILL":
            assert killed.returncode == -9  # no chance to clean up
        else:  # Ctrl-C: one line, no traceback, and the process dies of SIGINT so that a calling shell stops too
            assert killed.returncode == -2 and "Traceback" not in killed.stderr, killed.stderr[-2000:]
            assert killed.stderr.strip().splitlines()[-1].startswith("interrupted: the files already written are whole")
        assert (tmp_path / "resumed" / f"checkpoint-{kill_at}").is_dir()
        assert not (tmp_path / "resumed" / "eval_results.json").exists()

    resumed = subprocess.run(run + argv(tmp_path / "resumed"), env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resuming training from" in resumed.stdout + resumed.stderr
    assert "Resumed at global step 6; trained to step 8." in resumed.stdout + resumed.stderr

    straight = json.loads((tmp_path / "straight" / "eval_results.json").read_text())
    after_resume = json.loads((tmp_path / "resumed" / "eval_results.json").read_text())
    assert abs(straight["eval_loss"] - after_resume["eval_loss"]) < 1e-5
    assert straight["eval_macro_f1"] == after_resume["eval_macro_f1"]

    straight_train = json.loads((tmp_path / "straight" / "train_results.json").read_text())
    resumed_train = json.loads((tmp_path / "resumed" / "train_results.json").read_text())
    assert resumed_train["train_resumed_at_step"] == 6 and "train_resumed_at_step" not in straight_train
    assert abs(straight_train["train_loss"] - resumed_train["train_loss"]) < 1e-4
    state = json.loads((tmp_path / "resumed" / "trainer_state.json").read_text())
    assert state["global_step"] == 8
    # what the dashboards were sent (the log history gets every log): the whole run's loss, as the results file
    (logged,) = [entry["train_loss"] for entry in state["log_history"] if "train_loss" in entry]
    assert logged == pytest.approx(resumed_train["train_loss"], abs=1e-9)


def test_a_run_stopped_by_ctrl_c_keeps_what_it_logged_to_an_offline_wandb_run(tiny_bert, tmp_path):
    """Dying of SIGINT skips wandb's exit hook: the runner closes the W&B run first, so its history is kept."""
    train = write_json(tmp_path / "train.json", ynat_records(24, seed=3))
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--train_file", str(train),
            "--do_train", "--max_steps", "6", "--save_steps", "3", "--logging_steps", "1", "--report_to", "wandb",
            "--per_device_train_batch_size", "8", "--use_cpu", "--disable_tqdm", "true", "--run_name", "stopped"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KILL_AT": "3", "KILL_SIGNAL": "SIGINT",
           "WANDB_MODE": "offline", "WANDB_DIR": str(tmp_path), "WANDB_SILENT": "true"}
    killed = subprocess.run([sys.executable, "-c", KILLER, *argv], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True)
    assert killed.returncode == -2, killed.stderr[-2000:]
    (history,) = (tmp_path / "wandb").glob("offline-run-*/run-*.wandb")
    assert b"train/loss" in history.read_bytes()  # the 3 steps' logged losses (killed without closing: 7 bytes)


def test_rerunning_a_finished_run_keeps_its_results_and_evaluates_its_model(tiny_bert, tmp_path, capsys):
    """A second identical command does not resume (0 steps, train_loss 0.0 over the first results): it skips
    training, keeps train_results.json and evaluates the model the first run saved."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    dev = write_json(tmp_path / "dev.json", ynat_records(8, seed=4))
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--validation_file", str(dev), "--do_train", "--do_eval", "--max_steps", "4", "--save_steps", "2",
            "--per_device_train_batch_size", "4", "--learning_rate", "5e-3", "--report_to", "none", "--use_cpu",
            "--disable_tqdm", "true"]
    assert main(YnatTask(), argv) == 0
    first_train = (out / "train_results.json").read_text()
    first_eval = json.loads((out / "eval_results.json").read_text())
    capsys.readouterr()

    assert main(YnatTask(), argv) == 0
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out
    assert (out / "train_results.json").read_text() == first_train
    again = json.loads((out / "eval_results.json").read_text())
    assert again["eval_loss"] == first_eval["eval_loss"]  # the trained model, not the base model
    assert again["epoch"] == first_eval["epoch"]  # reported at the finished run's epoch, as the first time

    # With other training flags its model and scores are not this command's: one line, nothing changed
    before = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    capsys.readouterr()
    other = [*argv[: argv.index("--max_steps")], "--max_steps", "6", *argv[argv.index("--max_steps") + 2 :],
             "--learning_rate", "1e-3"]
    assert main(YnatTask(), other) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {out} holds a finished training run with other flags (learning_rate 0.005 -> 0.001, max_steps 4 -> "
        f"6): pass --overwrite_output_dir to train again with these, or another --output_dir (to evaluate its "
        f"model, drop --do_train and pass --model_name_or_path {out})"]
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == before

    assert main(YnatTask(), [*argv, "--overwrite_output_dir"]) == 0  # trains again when asked
    assert "train_loss" in json.loads((out / "train_results.json").read_text())


def test_a_finished_run_that_kept_its_best_checkpoint_is_not_taken_for_one_selected_otherwise(tiny_bert, tmp_path,
                                                                                                capsys):
    """Its model is the checkpoint its selection kept: a rerun selecting by another metric, or evaluating at other
    steps, would be answered with it."""
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--validation_file", str(train), "--do_train", "--max_steps", "4", "--eval_strategy", "steps",
            "--eval_steps", "2", "--save_steps", "2", "--load_best_model_at_end", "true", "--report_to", "none",
            "--use_cpu", "--disable_tqdm", "true"]
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    assert main(YnatTask(), argv) == 0
    capsys.readouterr()
    for flags, change in ((["--metric_for_best_model", "loss"],
                           "metric_for_best_model macro_f1 -> loss, greater_is_better True -> False"),
                          (["--eval_steps", "1", "--save_steps", "1"], "eval_steps 2 -> 1, save_steps 2 -> 1"),
                          (["--load_best_model_at_end", "false"], "load_best_model_at_end True -> False")):
        assert main(YnatTask(), [*argv, *flags]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"holds a finished training run with other flags ({change})" in err[0], err
    assert main(YnatTask(), [*argv, "--logging_steps", "1"]) == 0  # what does not make the model: skipped again
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out


def test_a_finished_run_is_not_taken_for_one_trained_in_another_precision_schedule_or_on_other_data(
        tiny_bert, tmp_path, capsys):
    """Each of these makes another model: the rerun would be answered with the finished run's model and scores."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--train_file",
            str(train), "--do_train", "--max_steps", "2", "--lr_scheduler_type", "polynomial", "--report_to", "none",
            "--use_cpu", "--disable_tqdm", "true"]
    assert main(YnatTask(), argv) == 0
    capsys.readouterr()
    for flags, change in ((["--bf16", "true"], "bf16 False -> True"),
                          (["--lr_scheduler_kwargs", '{"power": 2.0}'], "lr_scheduler_kwargs None -> {'power': 2.0}"),
                          (["--neftune_noise_alpha", "5"], "neftune_noise_alpha None -> 5.0"),
                          (["--optim_args", "foreach=False"], "optim_args None -> foreach=False")):
        assert main(YnatTask(), [*argv, *flags]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"holds a finished training run with other flags ({change})" in err[0], err

    first_bytes = train.read_bytes()
    write_json(train, ynat_records(16, seed=5))  # the train file edited in place: same path, other examples
    assert main(YnatTask(), argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a finished training run with other flags (train_data contents (SHA-1 " in err[0]
    train.write_bytes(first_bytes)  # the same data again (a copy, a new time stamp): the same run
    assert main(YnatTask(), [*argv, "--lr_scheduler_kwargs", "{}"]) == 0  # and no schedule arguments, written out
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out


def test_a_stopped_run_whose_train_file_was_edited_is_not_resumed(tiny_bert, tmp_path, capsys):
    """The resume would skip through the new examples to a position it counted in the old ones."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    train = tmp_path / "train.json"
    first_bytes = train.read_bytes()
    write_json(train, ynat_records(16, seed=5))
    capsys.readouterr()
    assert main(YnatTask(), argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds checkpoint-4 of a run with other flags (train_data contents (SHA-1 " in err[0]
    train.write_bytes(first_bytes)
    assert main(YnatTask(), argv) == 0
    assert "Resumed at global step 4; trained to step 6." in capsys.readouterr().out


def test_a_finished_run_whose_model_was_chosen_on_other_validation_examples_is_not_this_ones(tiny_bert, tmp_path,
                                                                                             capsys):
    """Under --load_best_model_at_end the validation scores chose the model: after the file was edited, or cut
    otherwise, the rerun would be answered with a model chosen on other examples. Without a selection the
    validation file only scores the model, and the finished run's model is evaluated on it as it is now."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    dev = write_json(tmp_path / "dev.json", ynat_records(8, seed=4))
    common = ["--model_name_or_path", str(tiny_bert), "--train_file", str(train), "--validation_file", str(dev),
              "--do_train", "--max_steps", "4", "--eval_strategy", "steps", "--eval_steps", "2", "--save_steps", "2",
              "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]
    chosen = [*common, "--output_dir", str(tmp_path / "chosen"), "--load_best_model_at_end", "true"]
    plain = [*common, "--output_dir", str(tmp_path / "plain")]
    assert main(YnatTask(), chosen) == 0 and main(YnatTask(), plain) == 0
    first_bytes = dev.read_bytes()
    write_json(dev, ynat_records(8, seed=6))
    capsys.readouterr()
    assert main(YnatTask(), chosen) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "other flags (validation_data contents (SHA-1 " in err[0], err
    assert main(YnatTask(), [*plain, "--do_eval"]) == 0
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out

    dev.write_bytes(first_bytes)
    assert main(YnatTask(), [*chosen, "--max_eval_samples", "4"]) == 2
    assert "other flags (max_eval_samples None -> 4)" in capsys.readouterr().err
    assert main(YnatTask(), chosen) == 0
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("selection", "unused"),
    [(["--early_stopping_patience", "3", "--eval_strategy", "steps", "--eval_steps", "2"], ["--save_steps", "2"]),
     (["--load_best_model_at_end", "true", "--eval_strategy", "epoch", "--save_strategy", "epoch"],
      ["--save_steps", "2", "--eval_steps", "3"])],
    ids=["early_stopping", "best_by_epoch"],
)
def test_steps_that_chose_no_model_do_not_make_a_finished_run_anothers(selection, unused, tiny_bert, tmp_path, capsys):
    """Early stopping keeps the last model whenever it saved; epochs decide a best checkpoint, not the steps."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--train_file",
            str(train), "--validation_file", str(train), "--do_train", "--max_steps", "4", "--save_steps", "4",
            "--report_to", "none", "--use_cpu", "--disable_tqdm", "true", *selection]
    assert main(YnatTask(), argv) == 0
    capsys.readouterr()
    assert main(YnatTask(), [*argv, *unused]) == 0
    assert "holds a finished training run: training is skipped" in capsys.readouterr().out


def test_a_checkpoint_holds_its_loss_sum_before_it_counts_as_whole(tiny_bert, tmp_path, monkeypatch):
    """trainer_state.json, which the Trainer writes last, marks a checkpoint whole (resumable). The loss sum that
    a resumed run's train_loss needs, and the flags a resume is checked against, must be there by then: a stop
    between the two would lose them."""
    from transformers import TrainerState

    from trainers.klue_trainer import LOSS_TOTAL_FILE, RUN_SETTINGS_FILE
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    had_loss_sum = []
    save_state = TrainerState.save_to_json

    def save_to_json(self, json_path: str) -> None:
        if Path(json_path).parent.name.startswith("checkpoint-"):
            had_loss_sum.append(all((Path(json_path).parent / name).is_file()
                                    for name in (LOSS_TOTAL_FILE, RUN_SETTINGS_FILE)))
        save_state(self, json_path)

    monkeypatch.setattr(TrainerState, "save_to_json", save_to_json)
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    assert main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"),
                             "--train_file", str(train), "--do_train", "--max_steps", "4", "--save_steps", "2",
                             "--per_device_train_batch_size", "8", "--report_to", "none", "--use_cpu",
                             "--disable_tqdm", "true"]) == 0  # fmt: skip
    assert had_loss_sum == [True, True]  # checkpoints 2 and 4


def stopped_run(tiny_bert: Path, tmp_path: Path, task: Any = None, records: list[dict] | None = None,
                *flags: str) -> tuple[list[str], Path]:
    """A run (YNAT unless told) with checkpoints 2 and 4 that reads as stopped after checkpoint 4 (no
    train_results.json)."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", records or ynat_records(16, seed=3))
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--do_train", "--max_steps", "6", "--save_steps", "2", "--per_device_train_batch_size", "4",
            "--learning_rate", "5e-3", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true", *flags]
    assert main((task or YnatTask)(), argv) == 0
    (out / "train_results.json").unlink()
    shutil.rmtree(out / "checkpoint-6")
    return argv, out


def test_a_stopped_run_rerun_with_other_flags_is_refused_or_resumed_only_when_named(tiny_bert, tmp_path, capsys):
    """A resume restores the optimizer and schedule as saved: a new learning rate would not apply, silently."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    capsys.readouterr()
    assert main(YnatTask(), [*argv, "--max_steps", "8"]) == 0  # a longer schedule applies: a stopped run may grow
    assert "Resumed at global step 4; trained to step 8." in capsys.readouterr().out
    (out / "train_results.json").unlink()
    shutil.rmtree(out / "checkpoint-6"), shutil.rmtree(out / "checkpoint-8")
    changed = [*argv, "--learning_rate", "1e-3", "--seed", "3"]
    assert main(YnatTask(), changed) == 2
    said = capsys.readouterr()
    assert "Resuming training from" not in said.out  # the refusal is not preceded by a resume it then refuses
    err = said.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {out} holds checkpoint-4 of a run with other flags "
                                               "(learning_rate 0.005 -> 0.001, seed 42 -> 3)"), err
    assert f"--resume_from_checkpoint {out / 'checkpoint-4'} to resume it anyway" in err[0]
    assert not (out / "train_results.json").exists()

    assert main(YnatTask(), [*changed, "--resume_from_checkpoint", str(out / "checkpoint-4")]) == 0
    assert "saved by a run with other flags (learning_rate 0.005 -> 0.001, seed 42 -> 3)" in capsys.readouterr().out


def test_every_task_flag_named_a_run_setting_is_a_flag_of_its_task():
    from args.dp import DpArguments
    from args.mcqa import McqaArguments
    from args.mrc import MrcArguments
    from args.re import ReArguments
    from args.wos import WosArguments

    for flags in (DpArguments, McqaArguments, MrcArguments, ReArguments, WosArguments):
        assert flags._run_settings and set(flags._run_settings) <= {f.name for f in dataclasses.fields(flags)}


def test_a_stopped_run_rerun_with_another_task_head_is_refused_named_or_not(tiny_bert, tmp_path, capsys):
    """RE's cls head holds bert.*, entity_start encoder.*: resumed under the other, every weight of the checkpoint
    was dropped behind a warning (or Adam's state met other shapes: a segfault)."""
    from tests.synthetic_re import re_records
    from trainers.run_re import ReTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path, ReTask, re_records(16, seed=1), "--re_head", "cls")
    capsys.readouterr()
    other = [*argv, "--re_head", "entity_start"]
    assert main(ReTask(), other) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds checkpoint-4 of a run with other flags (re_head cls -> entity_start)" in err[0]
    assert main(ReTask(), [*other, "--resume_from_checkpoint", str(out / "checkpoint-4")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(err) == 1 and "error: the checkpoint lacks " in err[0] and "another model or task head?" in err[0]


@pytest.mark.parametrize("damaged", ["trainer_state.json", "model.safetensors", "optimizer.pt"])
def test_a_checkpoint_with_a_file_cut_short_is_passed_over(damaged, tiny_bert, tmp_path, capsys):
    """A power cut can leave the files of the last checkpoint cut short even where trainer_state.json exists."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    path = out / "checkpoint-4" / damaged
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    capsys.readouterr()
    assert main(YnatTask(), [*argv, "--resume_from_checkpoint", str(out / "checkpoint-4")]) == 2
    assert "not a whole checkpoint" in capsys.readouterr().err
    assert main(YnatTask(), argv) == 0
    log = capsys.readouterr().out
    assert f"{out / 'checkpoint-4'} was not saved whole" in log
    assert f"Resuming training from {out / 'checkpoint-2'}" in log


def test_a_weights_only_checkpoint_is_not_resumed_unless_named(tiny_bert, tmp_path, capsys):
    """--save_only_model saves no optimizer, scheduler or random state: resumed, the run restarted its warmup with
    a fresh optimizer (the learning rate went back to 0 at step 5), silently."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--do_train", "--max_steps", "4", "--save_steps", "2", "--per_device_train_batch_size", "4",
            "--save_only_model", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]
    assert main(YnatTask(), argv) == 0
    (out / "train_results.json").unlink()  # as if stopped after checkpoint-4
    capsys.readouterr()
    assert main(YnatTask(), [*argv, "--max_steps", "6"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == (f"error: {out / 'checkpoint-4'} was saved with --save_only_model (weights only, no optimizer, "
                     "scheduler or random state): a resume would train on with a fresh optimizer and restart the "
                     "learning-rate schedule; pass --overwrite_output_dir to start over, or --resume_from_checkpoint "
                     f"{out / 'checkpoint-4'} to go on from its weights anyway")
    named = [*argv, "--max_steps", "6", "--resume_from_checkpoint", str(out / "checkpoint-4")]
    assert main(YnatTask(), named) == 0
    logged = capsys.readouterr()
    assert "going on from its weights, as --resume_from_checkpoint asks" in logged.out + logged.err
    assert "Resumed at global step 4; trained to step 6." in logged.out + logged.err


def wider_copy(tiny_bert: Path, folder: Path) -> Path:
    """The tiny BERT's tokenizer on a wider BERT (hidden 48, not 32): the same task, weights of another shape."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    tokenizer.save_pretrained(folder)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=130, pad_token_id=tokenizer.pad_token_id)
    BertModel(config).save_pretrained(folder)
    return folder


def test_a_stopped_run_rerun_with_another_base_model_or_length_is_refused(tiny_bert, tmp_path, capsys):
    """Resumed, the checkpoint's weights went on under the new model's name (and the new length's records)."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    wider = wider_copy(tiny_bert, tmp_path / "wider")
    capsys.readouterr()
    for flags, change in ((["--model_name_or_path", str(wider)], f"model_name_or_path {tiny_bert} -> {wider}"),
                          (["--max_seq_length", "16"], "max_seq_length 128 -> 16"),
                          # the batch order the resume skips through to its step
                          (["--train_sampling_strategy", "group_by_length"],
                           "train_sampling_strategy random -> group_by_length"),
                          (["--dataloader_drop_last", "true"], "dataloader_drop_last False -> True")):
        assert main(YnatTask(), [*argv, *flags]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"holds checkpoint-4 of a run with other flags ({change})" in err[0], err
    # named, a checkpoint of another shape is one line, not torch's list of mismatched tensors
    named = [*argv, "--model_name_or_path", str(wider), "--resume_from_checkpoint", str(out / "checkpoint-4")]
    assert main(YnatTask(), named) == 2
    said = capsys.readouterr().err
    err = [line for line in said.splitlines() if line.startswith("error")]
    assert "Traceback" not in said and len(err) == 1, err
    assert err[0].startswith(f"error: {out / 'checkpoint-4'}: its weights do not fit this model, a checkpoint of "
                             "another model? (size mismatch for "), err


def test_a_stopped_run_rerun_with_fewer_steps_than_it_made_is_refused(tiny_bert, tmp_path, capsys):
    """It trained 0 steps and was recorded as the shorter run, its model the longer run's checkpoint."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)  # stopped at checkpoint-4 of 6 steps
    capsys.readouterr()
    assert main(YnatTask(), [*argv, "--max_steps", "3"]) == 2
    said = capsys.readouterr().err
    err = [line for line in said.splitlines() if line.startswith("error")]
    assert "Traceback" not in said
    assert err == [f"error: {out / 'checkpoint-4'} is at step 4 of a 6-step run; this run has 3 steps in all (fewer "
                   "--num_train_epochs or --max_steps), so nothing is left to train: rerun with that run's steps to "
                   "finish it, or pass --overwrite_output_dir to start over"]
    assert not (out / "train_results.json").exists()
    assert main(YnatTask(), [*argv, "--max_steps", "4"]) == 2  # as many as the checkpoint made: none left either
    assert "is at step 4 of a 6-step run; this run has 4 steps in all" in capsys.readouterr().err
    assert main(YnatTask(), [*argv, "--max_steps", "5"]) == 0  # fewer, but steps are left: it trains them
    assert "Resumed at global step 4; trained to step 5." in capsys.readouterr().out


def test_a_run_stopped_after_its_last_checkpoint_resumes_without_training_a_step_more(tiny_bert, tmp_path, capsys):
    """Stopped after checkpoint-6 of its 6 steps (while saving the model or evaluating), in the middle of an epoch
    (4 steps an epoch): the Trainer skipped to step 6 and trained a 7th before it checked for the end, recording a
    7-step run under a schedule that had not ended (constant here) as this one."""
    import torch
    from safetensors.torch import load_file

    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    train = write_json(tmp_path / "train.json", ynat_records(16, seed=3))
    out = tmp_path / "out"
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--do_train", "--max_steps", "6", "--save_steps", "2", "--per_device_train_batch_size", "4",
            "--learning_rate", "5e-3", "--lr_scheduler_type", "constant", "--report_to", "none", "--use_cpu",
            "--disable_tqdm", "true"]
    assert main(YnatTask(), argv) == 0
    finished = json.loads((out / "train_results.json").read_text())
    weights = load_file(out / "model.safetensors")
    (out / "train_results.json").unlink()
    capsys.readouterr()

    assert main(YnatTask(), argv) == 0
    assert "Resumed at global step 6; trained to step 6." in capsys.readouterr().out
    state = json.loads((out / "trainer_state.json").read_text())
    assert (state["global_step"], state["epoch"]) == (6, 1.5)
    assert json.loads((out / "train_results.json").read_text())["train_loss"] == pytest.approx(finished["train_loss"])
    again = load_file(out / "model.safetensors")
    assert all(torch.equal(again[name], weights[name]) for name in weights)


def test_a_resume_does_not_warn_of_step_ratios_as_changed_flags(tmp_path):
    """The Trainer compares a ratio (--eval_steps 0.125) with the step count it saved (5) on every resume."""
    from transformers import TrainerState
    from transformers.trainer_utils import compare_trainer_and_checkpoint_args

    from args import KlueTrainingArguments
    from trainers.runner import setup_logging

    args = KlueTrainingArguments(output_dir=str(tmp_path), do_train=True, eval_strategy="steps", eval_steps=0.125,
                                 save_steps=0.125, logging_steps=10, report_to="none")
    setup_logging(args)
    saved = TrainerState(eval_steps=5, save_steps=5, logging_steps=10, train_batch_size=8)
    warned = []
    handler = logging.Handler()
    handler.emit = lambda record: warned.append(record.getMessage())
    source = logging.getLogger("transformers.trainer_utils")  # transformers' loggers do not propagate to the root
    source.addHandler(handler)
    try:
        compare_trainer_and_checkpoint_args(args, saved)
        assert warned == []
        compare_trainer_and_checkpoint_args(dataclasses.replace(args, logging_steps=20), saved)
    finally:
        source.removeHandler(handler)
    assert len(warned) == 1 and "logging_steps: 20 (from args) != 10" in warned[0]  # a real change still shows
    assert "eval_steps: 0.125 (from args) != 5" in warned[0]


def test_a_stopped_run_rerun_with_the_same_model_and_length_written_otherwise_resumes(tiny_bert, tmp_path, capsys,
                                                                                      monkeypatch):
    """A relative path to the same model folder, or the task's default length written out, is no other run."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    monkeypatch.chdir(tiny_bert.parent)
    same = [*argv, "--model_name_or_path", tiny_bert.name, "--max_seq_length", "128"]  # YNAT's default length
    capsys.readouterr()
    assert main(YnatTask(), same) == 0
    assert "Resumed at global step 4; trained to step 6." in capsys.readouterr().out


def test_settings_saved_as_typed_by_earlier_versions_compare_as_the_run_uses_them(tiny_bert, tmp_path, capsys,
                                                                                   monkeypatch):
    """Earlier versions saved the model path and the length as typed (a relative path, no length): the same run."""
    from trainers.run_ynat import YnatTask
    from trainers.runner import main

    argv, out = stopped_run(tiny_bert, tmp_path)
    monkeypatch.chdir(tiny_bert.parent)
    saved = out / "checkpoint-4" / "klue_run_settings.json"
    settings = json.loads(saved.read_text())
    saved.write_text(json.dumps({**settings, "model_name_or_path": tiny_bert.name, "max_seq_length": None}))
    capsys.readouterr()
    assert main(YnatTask(), argv) == 0
    assert "Resumed at global step 4; trained to step 6." in capsys.readouterr().out
