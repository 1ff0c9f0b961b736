"""Stopped runs and reruns into the same --output_dir: what a stop leaves must be neither taken for a finished run,
nor resumed as another run's, nor be a traceback on the rerun; Ctrl-C is one line even through a closed pipe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.synthetic import write_json, ynat_records
from tests.trainers.test_resume import KILLER
from trainers.run_ynat import YnatTask
from trainers.runner import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def _argv(tiny_bert: Path, tmp_path: Path, out: Path, *extra: str) -> list[str]:
    train = write_json(tmp_path / "train.json", ynat_records(40, seed=3))
    dev = write_json(tmp_path / "dev.json", ynat_records(14, seed=4))
    return ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--validation_file", str(dev), "--do_train", "--do_eval", "--max_steps", "8", "--save_steps", "2",
            "--per_device_train_batch_size", "8", "--learning_rate", "5e-3", "--seed", "11", "--report_to", "none",
            "--use_cpu", "--disable_tqdm", "true", "--dataloader_num_workers", "0", *extra]  # fmt: skip


def _run(argv: list[str], capsys: pytest.CaptureFixture) -> SimpleNamespace:
    """A run in this process (no second start of torch and transformers), with what it printed."""
    capsys.readouterr()
    code = main(YnatTask(), argv)
    printed = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=printed.out, stderr=printed.err)


def _killed(argv: list[str], kill_at: int) -> int:
    """The exit status of a run SIGKILLed right after it saved checkpoint ``kill_at`` (in its own process)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KILL_AT": str(kill_at), "KILL_SIGNAL": "SIGKILL"}
    return subprocess.run([sys.executable, "-c", KILLER, *argv], cwd=REPO_ROOT, env=env, capture_output=True).returncode


def test_a_stopped_overwrite_run_is_resumed_not_taken_for_the_earlier_finished_one(tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(_argv(tiny_bert, tmp_path, out), capsys).returncode == 0  # run A, finished
    model_a = (out / "model.safetensors").read_bytes()
    # run B replaces it (--overwrite_output_dir, another seed) and is killed after its checkpoint-4
    assert _killed(_argv(tiny_bert, tmp_path, out, "--overwrite_output_dir", "--seed", "7"), kill_at=4) == -9
    again = _run(_argv(tiny_bert, tmp_path, out, "--seed", "7"), capsys)  # "run the same command again"
    assert again.returncode == 0, again.stderr[-2000:]
    log = again.stdout + again.stderr
    assert "holds a finished training run" not in log
    assert "Resumed at global step 4; trained to step 8." in log
    assert (out / "model.safetensors").read_bytes() != model_a
    straight = tmp_path / "straight"
    assert _run(_argv(tiny_bert, tmp_path, straight, "--seed", "7"), capsys).returncode == 0
    ours, theirs = (json.loads((folder / "eval_results.json").read_text()) for folder in (out, straight))
    assert ours["eval_macro_f1"] == theirs["eval_macro_f1"] and abs(ours["eval_loss"] - theirs["eval_loss"]) < 1e-5


def test_a_checkpoint_cut_short_while_saving_is_not_resumed(tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    assert _killed(_argv(tiny_bert, tmp_path, out, "--save_total_limit", "5"), kill_at=6) == -9
    # what SIGKILL during the save of checkpoint-6 leaves: the weights, an empty optimizer.pt, no trainer_state.json
    (out / "checkpoint-6" / "trainer_state.json").unlink()
    (out / "checkpoint-6" / "optimizer.pt").write_bytes(b"")
    # the stopped run's output folder given as the checkpoint: one line naming a checkpoint to pass
    wrong = _run(_argv(tiny_bert, tmp_path, tmp_path / "other", "--resume_from_checkpoint", str(out)), capsys)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip().splitlines()[-1].startswith(f"error: --resume_from_checkpoint {out}: not a whole")
    again = _run(_argv(tiny_bert, tmp_path, out, "--save_total_limit", "5"), capsys)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Resumed at global step 4; trained to step 8." in again.stdout + again.stderr


def test_predicting_alone_with_another_model_into_a_trained_folder_is_refused(tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(_argv(tiny_bert, tmp_path, out), capsys).returncode == 0
    before = (out / "eval_results.json").read_text()
    argv = [a for a in _argv(tiny_bert, tmp_path, out) if a not in ("--do_train", "--do_eval")] + ["--do_predict"]
    refused = _run(argv, capsys)  # the training command's base model, --do_predict alone
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"pass --model_name_or_path {out}" in refused.stderr.strip().splitlines()[-1]
    assert not (out / "predictions.jsonl").exists() and (out / "eval_results.json").read_text() == before
    argv[argv.index("--model_name_or_path") + 1] = str(out)
    assert _run(argv, capsys).returncode == 0 and (out / "predictions.jsonl").is_file()  # with its own model: fine


def test_ctrl_c_with_a_closed_output_pipe_still_dies_of_sigint(monkeypatch):
    """run_all.sh pipes each task through tee, which the same Ctrl-C stops first: the one-line message then
    meets a closed pipe, and must not turn the interrupt into exit status 1 (a failed task, and run_all goes on)."""
    from trainers import runner

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    def interrupted(task, argv=None):
        raise KeyboardInterrupt

    sent = []
    monkeypatch.setattr(runner, "run", interrupted)
    monkeypatch.setattr(sys, "stderr", ClosedPipe())
    monkeypatch.setattr(runner.os, "kill", lambda pid, number: sent.append(number))
    with pytest.raises(KeyboardInterrupt):
        runner.main(task=None)
    assert sent == [signal.SIGINT]


def test_ctrl_c_while_a_script_still_imports_is_one_line_and_dies_of_sigint():
    """Before ``runner.main`` takes over interrupts, a script spends seconds importing torch and transformers;
    the ``trainers`` package, imported first, turns a Ctrl-C there into one line, not an import traceback."""
    interrupted_in_imports = "import trainers; raise KeyboardInterrupt"  # a task script's first import, then Ctrl-C
    result = subprocess.run([sys.executable, "-c", interrupted_in_imports], cwd=REPO_ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert result.stderr == "interrupted before the run started; nothing was written\n"
    assert result.returncode == -signal.SIGINT  # a calling shell loop (run_all.sh) stops too
