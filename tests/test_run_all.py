"""run_all.sh end to end: the smoke preset on a subset, a failing task, reruns, flags, dashboards.

The main test runs ``bash run_all.sh --smoke --tasks ynat,ner,re`` with NER's dev file broken on
purpose: YNAT must train (config + smoke flags), beat its trivial baseline, evaluate four times per
epoch, write results files, pictures, TensorBoard and W&B (offline) files; NER must fail with its
one-line reason in the final report, RE (after NER) must still run, and the exit status must be 1. A rerun through the
environment variables skips YNAT (its results exist).

``KLUE_FULL_SMOKE=1`` also runs the whole smoke benchmark (every task, about 5 minutes on 2 cores)
and a two-process (``--nproc 2``) run.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
RUN_ALL = str(REPO_ROOT / "run_all.sh")
FULL = os.environ.get("KLUE_FULL_SMOKE") == "1"


def run_all_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for run_all.sh, offline, without the variables run_all.sh reads unless ``env``
    gives them."""
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", **(env or {})}
    for name in ("MODEL", "OUT", "DATA_DIR", "TASKS", "EXTRA", "NPROC", "WANDB_DIR"):
        if env is None or name not in env:
            environment.pop(name, None)
    return environment


def run_all(*args: str, env: dict[str, str] | None = None, timeout: int = 600,
            cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:  # fmt: skip
    return subprocess.run(["bash", RUN_ALL, *args], cwd=cwd, env=run_all_environment(env), capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def _ynat_files(folder: Path) -> Path:
    """A data folder with YNAT's two files (empty: the stand-in launchers never read them)."""
    folder.mkdir(parents=True)
    for split in ("train", "dev"):
        (folder / f"ynat-v1.1_{split}.json").write_text("[]")
    return folder


@pytest.fixture(scope="module")
def smoke_files(tmp_path_factory) -> Path:
    """The smoke data and tiny model, prepared once (``python -m smoke prepare``)."""
    root = tmp_path_factory.mktemp("smoke-prepared")
    done = subprocess.run([sys.executable, "-m", "smoke", "prepare", str(root)], cwd=REPO_ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return root


@pytest.fixture(scope="module")
def failing_run(smoke_files, tmp_path_factory):
    """``--smoke --tasks ynat,ner,re`` where NER's dev file is broken: YNAT runs, NER fails, RE still runs."""
    out = tmp_path_factory.mktemp("run-all")
    data = out / "data"
    shutil.copytree(smoke_files / "data", data)
    ner_dev = data / "klue-ner-v1.1_dev.tsv"
    ner_dev.write_text(ner_dev.read_text(encoding="utf-8").replace("\tB-PS", "\tB-XYZ", 1), encoding="utf-8")
    args = ("--smoke", "--tasks", "re,ner,ynat", "--output_dir", str(out), "--data_dir", str(data),
            "--model", str(smoke_files / "tiny-bert"), "--", "--disable_tqdm", "true")  # fmt: skip
    return out, run_all(*args)


def test_a_failing_task_is_reported_and_the_others_still_run(failing_run):
    out, done = failing_run
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    tail = done.stdout.strip().splitlines()
    assert tail[-2] == "1 of 3 tasks failed:"
    # the reason is NER's own one-line error: file, sentence and the bad tag
    assert tail[-1].startswith("  ner: exit 2: error: ") and "klue-ner-v1.1_dev.tsv" in tail[-1]
    assert "B-XYZ" in tail[-1]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["failed"] == ["ner"]
    by_task = {row["task"]: row for row in results["tasks"]}
    assert [row["task"] for row in results["tasks"]] == ["ynat", "ner", "re"]  # KLUE order, not the --tasks order
    assert by_task["ner"]["status"] == "failed" and "B-XYZ" in by_task["ner"]["error"]
    assert by_task["ynat"]["status"] == "ok"
    assert by_task["re"]["status"] == "ok"  # the task after the failed one still ran
    assert not (out / "smoke").exists()  # --model and --data_dir named: no tiny model or data built for nothing


def test_smoke_task_learns_beyond_its_baseline_and_the_results_files_say_so(failing_run):
    out, done = failing_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ynat = next(row for row in results["tasks"] if row["task"] == "ynat")
    assert ynat["baseline"]["name"] == "majority class"
    assert ynat["metrics"]["macro_f1"] > ynat["baseline"]["scores"]["macro_f1"] + 50
    assert ynat["above_baseline"] is True
    assert ynat["wall_time_s"] > 0 and ynat["train_samples_per_second"] > 0 and ynat["eval_samples_per_second"] > 0
    # the printed table shows ours and the baseline side by side
    header = next(line for line in done.stdout.splitlines() if line.startswith("task "))
    assert header.split()[:5] == ["task", "metric", "ours", "paper", "baseline"]
    row = next(line for line in done.stdout.splitlines() if line.startswith("ynat   macro_f1"))
    assert float(row.split()[2]) == pytest.approx(ynat["metrics"]["macro_f1"], abs=0.01)
    assert "== ynat: ok in " in done.stdout  # the one-line summary after the task
    csv_lines = (out / "results.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("task,status,metric_1,ours_1,paper_1,baseline_1")
    assert csv_lines[1].startswith("ynat,ok,macro_f1,") and csv_lines[2].startswith("ner,failed,")
    markdown = (out / "results.md").read_text(encoding="utf-8")
    assert "| ynat | macro_f1 |" in markdown and "figures/ynat_confusion_matrix.png" in markdown


def test_the_config_evaluates_four_times_per_epoch_and_keeps_the_best_checkpoint(failing_run):
    """configs/ynat.json evaluates every 0.25 / num_train_epochs of the run; with the smoke epochs
    (6) the Trainer evaluates every ceil(steps / 24) steps: about four times per epoch."""
    out, _ = failing_run
    state = json.loads((out / "ynat" / "trainer_state.json").read_text(encoding="utf-8"))
    evaluations = [entry for entry in state["log_history"] if "eval_macro_f1" in entry]
    epochs = state["num_train_epochs"]
    assert epochs == 6
    steps_per_epoch = state["max_steps"] / epochs
    assert state["eval_steps"] == -(-state["max_steps"] // 24)  # ceil(max_steps * 0.25 / 6)
    assert 3 * epochs <= len(evaluations) <= 4 * epochs
    assert state["eval_steps"] <= steps_per_epoch / 4 + 1
    best = max(entry["eval_macro_f1"] for entry in evaluations)
    assert state["best_metric"] == best  # selected by the task's metric (the table's macro_f1)
    final = json.loads((out / "ynat" / "eval_results.json").read_text(encoding="utf-8"))
    assert final["eval_macro_f1"] == best  # the reported dev score is the best checkpoint's


def test_pictures_and_tensorboard_files_are_written_offline(failing_run):
    """configs/*.json report to TensorBoard: the Trainer's curves under OUT/<task>/runs/, and the
    report's picture as an image beside them."""
    out, _ = failing_run
    for picture in ("figures/scores.png", "figures/ynat_confusion_matrix.png"):
        assert (out / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # TensorBoard: the Trainer's curves and the report's image
    assert list((out / "ynat" / "runs").glob("*/events.out.tfevents.*"))
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "ynat" / "runs" / "benchmark_report"))
    events.Reload()
    assert events.Tags()["images"] == ["ynat/confusion_matrix"]


def test_report_to_wandb_writes_an_offline_run_named_after_task_and_model(smoke_files, tmp_path):
    model, data = str(smoke_files / "tiny-bert"), str(smoke_files / "data")
    done = run_all("--smoke", "--tasks", "ynat", "--output_dir", str(tmp_path), "--model", model, "--data_dir", data,
                   "--", "--report_to", "wandb", "--max_steps", "3",
                   "--disable_tqdm", "true", "--do_predict", "false",
                   env={"WANDB_MODE": "offline", "WANDB_SILENT": "true"}, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = list((tmp_path / "wandb").glob("offline-run-*"))  # ./wandb where run_all.sh was called, as for a script
    assert len(runs) == 1
    (log,) = runs[0].glob("*.wandb")
    assert b"ynat-tiny-bert" in log.read_bytes()  # --run_name <task>-<model>


def test_a_rerun_skips_tasks_with_results_and_reads_the_environment(failing_run, smoke_files):
    """Environment variables still work (MODEL, OUT, DATA_DIR, TASKS, EXTRA); YNAT is not trained again."""
    out, _ = failing_run
    before = (out / "ynat" / "eval_results.json").stat().st_mtime_ns
    env = {"MODEL": str(smoke_files / "tiny-bert"), "OUT": str(out), "DATA_DIR": str(out / "data"), "TASKS": "ynat,ner",
           "EXTRA": "--disable_tqdm true"}  # fmt: skip
    done = run_all("--smoke", env=env)
    assert done.returncode == 1  # NER still fails
    assert "ynat: results of this command exist" in done.stdout and "--overwrite reruns it" in done.stdout
    assert (out / "ynat" / "eval_results.json").stat().st_mtime_ns == before
    assert "ynat   macro_f1" in done.stdout  # its earlier results are still in the table
    # Another command (here a seed) must not be shown the first one's results as its own
    other = run_all("--smoke", env={**env, "EXTRA": "--disable_tqdm true --seed 7"})
    assert other.returncode == 2 and other.stdout == ""
    assert other.stderr.strip() == (f"run_all.sh: {out} holds results of another command for ynat (its flags differ): "
                                    "pass --overwrite to rerun them, or another --output_dir")
    assert (out / "ynat" / "eval_results.json").stat().st_mtime_ns == before
    # Nor an edited config (the same path): the command records its contents
    command = out / "ynat" / "run_all.command"
    recorded = command.read_text()
    assert re.search(r"^config_contents=\d+ \d+$", recorded, re.MULTILINE), recorded
    command.write_text(re.sub(r"config_contents=.*", "config_contents=1 2", recorded))  # as before an edit
    try:
        edited = run_all("--smoke", env=env)
    finally:
        command.write_text(recorded)
    assert edited.returncode == 2 and "for ynat (its config_contents differ)" in edited.stderr, edited.stderr


def test_a_flag_no_task_script_takes_stops_the_run_at_the_first_task(tmp_path):
    # --smoke without --model and --data_dir: the tiny model and the data are built in OUT/smoke first
    done = run_all("--smoke", "--tasks", "ynat,nli", "--output_dir", str(tmp_path), "--task", "nli")  # --tasks' typo
    assert (tmp_path / "smoke" / "tiny-bert" / "config.json").is_file()
    assert (tmp_path / "smoke" / "data" / "ynat-v1.1_dev.json").is_file()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "run_all.sh: ynat: unrecognized arguments: --task nli (python trainers/run_ynat.py --help lists the flags) "
        "(every task would fail alike; the other tasks were not run)")
    assert not (tmp_path / "nli").exists()


@pytest.mark.parametrize("with_mcqa_files", [False, True])
def test_mcqa_runs_by_default_only_where_the_data_dir_holds_its_files(with_mcqa_files, smoke_files, tmp_path):
    """MCQA is not a KLUE task (no Hub dataset, no file in the KLUE archives): a benchmark run over KLUE's files
    must not end in "1 of 9 tasks failed" on it."""
    data = tmp_path / "data"
    shutil.copytree(smoke_files / "data", data, ignore=None if with_mcqa_files else shutil.ignore_patterns("mcqa_*"))
    launched, launcher = tmp_path / "launched.txt", tmp_path / "launcher.sh"
    launcher.write_text(f'echo "$1" >> {launched}\n')  # records each task script; trains nothing
    done = run_all("--output_dir", str(tmp_path / "out"), "--model", str(smoke_files / "tiny-bert"), "--data_dir",
                   str(data), env={"LAUNCHER": f"bash {launcher}"})  # fmt: skip
    scripts = launched.read_text().split()
    assert len(scripts) == 8 + with_mcqa_files, done.stdout[-2000:] + done.stderr[-2000:]
    assert (str(REPO_ROOT / "trainers" / "run_mcqa.py") in scripts) == with_mcqa_files
    assert ("== mcqa: not run (not a KLUE task" in done.stdout) != with_mcqa_files


def test_under_torchrun_the_scripts_line_is_the_reason_not_the_launchers_report(smoke_files, tmp_path):
    # torchrun ends a failed run's log with its own ChildFailedError report, after every rank's error line.
    launcher = tmp_path / "launcher.sh"
    launcher.write_text('python "$@"; status=$?\n[ "$status" -eq 0 ] || { echo "Traceback (most recent call last):"; '
                        'echo "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: "; exit 1; }\n')
    done = run_all("--tasks", "ynat,nli", "--output_dir", str(tmp_path / "out"), "--model",
                   str(smoke_files / "tiny-bert"), "--data_dir", str(smoke_files / "data"), "--bogus_flag", "1",
                   env={"LAUNCHER": f"bash {launcher}"})  # fmt: skip
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "ynat: unrecognized arguments: --bogus_flag 1" in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out" / "nli").exists()  # every task would fail alike: not run


def test_ctrl_c_stops_run_all_and_the_same_command_goes_on(smoke_files, tmp_path):
    out = tmp_path / "out"
    model, data = str(smoke_files / "tiny-bert"), str(smoke_files / "data")
    args = ["--smoke", "--tasks", "ynat,nli", "--output_dir", str(out), "--model", model, "--data_dir", data, "--",
            "--disable_tqdm", "true", "--report_to", "none", "--num_train_epochs", "1"]  # fmt: skip
    env = run_all_environment()
    first = subprocess.Popen(["bash", RUN_ALL, *args], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.time() + 300
    while not glob.glob(str(out / "ynat" / "checkpoint-*" / "trainer_state.json")) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode in (130, -signal.SIGINT), stdout[-2000:] + stderr[-2000:]
    assert "== [2/2] nli" not in stdout and not (out / "nli").exists()
    assert (out / "ynat" / "run.log").read_text().strip().splitlines()[-1].startswith("interrupted: ")
    other_model = tmp_path / "other-model"
    shutil.copytree(model, other_model)
    refused = run_all(*[str(other_model) if a == model else a for a in args])
    assert refused.returncode == 2 and "ynat (its model differ)" in refused.stderr
    again = run_all(*args)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "Resuming training from" in again.stdout and "== nli: ok" in again.stdout
    log = (out / "ynat" / "run.log").read_text()  # the stopped run's log, then the resumed one's
    assert log.index("interrupted: ") < log.index("Resuming training from")
    # stopped after it evaluated (eval_results.json written, run_all.command not yet): redone, not refused
    (out / "nli" / "run_all.command").rename(out / "nli" / "run_all.started")
    after_eval = run_all(*args)
    assert after_eval.returncode == 0, after_eval.stdout[-3000:] + after_eval.stderr[-3000:]
    assert "ynat: results of this command exist" in after_eval.stdout and "== [2/2] nli: " in after_eval.stdout
    assert "nli: results of this command exist" not in after_eval.stdout


def test_flags_help_and_bad_flags():
    done = run_all("--help")
    assert done.returncode == 0
    for flag in ("--model", "--tasks", "--output_dir", "--data_dir", "--smoke", "--overwrite", "--nproc", "--"):
        assert flag in done.stdout
    bad = run_all("--tasks", "ynat,nope")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "run_all.sh: --tasks: unknown task 'nope' (the table has: "
        + " ".join(subprocess.run([sys.executable, "-m", "metrics"], cwd=REPO_ROOT, capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}).stdout.split())  # fmt: skip
        + ")"
    )
    assert run_all("--nproc", "0").returncode == 2
    assert run_all("--model").stderr.strip() == "run_all.sh: --model needs a value (bash run_all.sh --help)"


def test_an_output_dir_that_cannot_be_made_is_one_line(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    done = run_all("--smoke", "--tasks", "ynat", "--output_dir", str(afile / "out"))
    assert done.returncode == 2 and done.stderr.strip() == (
        f"run_all.sh: --output_dir {afile / 'out'}: cannot create it (a file there or above it, or no permission)")


@pytest.mark.skipif(not FULL, reason="the whole smoke benchmark takes about 5 minutes: KLUE_FULL_SMOKE=1 runs it")
def test_the_whole_smoke_benchmark_beats_every_trivial_baseline(tmp_path):
    done = run_all("--smoke", "--output_dir", str(tmp_path), "--", "--disable_tqdm", "true", timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    scripts = {path.stem[4:] for path in (REPO_ROOT / "trainers").glob("run_*.py")}
    assert {row["task"] for row in results["tasks"]} == scripts & set(done.stdout.split())
    for row in results["tasks"]:
        assert row["above_baseline"] is True, row


@pytest.mark.skipif(not FULL, reason="two torchrun processes per task: KLUE_FULL_SMOKE=1 runs it")
def test_nproc_launches_each_task_through_torchrun(tmp_path):
    done = run_all("--smoke", "--nproc", "2", "--tasks", "ynat", "--output_dir", str(tmp_path), "--",
                   "--disable_tqdm", "true", "--max_steps", "4", "--report_to", "none")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"torch.distributed.run --standalone --nproc_per_node 2 {REPO_ROOT}/trainers/run_ynat.py" in done.stdout
    results = json.loads((tmp_path / "ynat" / "eval_results.json").read_text(encoding="utf-8"))
    assert results["eval_samples"] == 70  # every dev example scored once


def test_the_task_list_comes_from_the_metrics_table():
    done = subprocess.run([sys.executable, "-m", "metrics"], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.stdout.split() == ["ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos", "mcqa"]


def test_a_failed_tasks_reason_is_this_runs_not_an_earlier_ones(smoke_files, tmp_path):
    """A rerun with other flags starts the task's log afresh: an earlier run's error line must not become this
    run's reason (it even stopped every other task: a flag error 'fails every task alike')."""
    common = ["--smoke", "--tasks", "ynat", "--output_dir", str(tmp_path / "out"), "--model",
              str(smoke_files / "tiny-bert"), "--data_dir", str(smoke_files / "data"), "--"]
    first = run_all(*common, "--bogus_flag", "1")
    assert first.returncode == 2 and "unrecognized arguments: --bogus_flag" in first.stderr
    second = run_all(*common, "--lr_scheduler_kwargs", '{"no_such_argument": 1}')  # a task's own error, not every one's
    assert second.returncode == 1, second.stdout[-2000:] + second.stderr[-2000:]
    assert "bogus_flag" not in second.stdout + second.stderr
    assert 'ynat: exit 2: error: --lr_scheduler_kwargs {"no_such_argument": 1}: no_such_argument is not' in (
        second.stdout)


def test_the_smoke_run_on_a_fresh_folder_runs_all_nine_tasks(tmp_path):
    """The smoke data holds MCQA's files, but on a first run it is written only after the task list is made:
    MCQA must not be left out for files that are about to exist. (Each task here is launched as `true`.)"""
    done = run_all("--smoke", "--output_dir", str(tmp_path / "out"), env={"LAUNCHER": "true"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "mcqa: not run" not in done.stdout and f"== [9/9] mcqa: true {REPO_ROOT}/trainers/run_mcqa.py" in done.stdout


def test_a_local_copy_of_a_sized_model_gets_its_size_configs(smoke_files, tmp_path):
    """``hf download klue/roberta-large --local-dir large``: named otherwise, known by its config.json."""
    model = tmp_path / "large"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "roberta", "hidden_size": 1024,
                                                   "num_hidden_layers": 24}))
    done = run_all("--model", str(model), "--tasks", "ynat", "--data_dir", str(smoke_files / "data"),
                   "--output_dir", str(tmp_path / "out"))
    assert done.returncode == 2  # the folder holds no weights: the task cannot load it, and the run stops
    assert "== configs: configs/roberta-large/<task>.json where it has the task" in done.stdout
    assert (f"ynat: python {REPO_ROOT}/trainers/run_ynat.py {REPO_ROOT}/configs/roberta-large/ynat.json "
            f"--model_name_or_path {model}") in done.stdout


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--", "--model_name_or_path", "other"], "--model_name_or_path among the task flags would replace "
         "run_all.sh's own for every task: give run_all.sh --model NAME_OR_PATH instead"),
        (["--", "--output-dir=elsewhere"], "--output-dir among the task flags would replace run_all.sh's own for every "
         "task: give run_all.sh --output_dir DIR (each task writes DIR/<task>) instead"),
        (["--", "--data_dir", "elsewhere"], "give run_all.sh --data_dir DIR instead"),
        (["--run_name", "mine"], "--run_name among the task flags: run_all.sh names each task's run <task>-<model> "
         "itself; leave it out"),  # an unknown flag before -- is a task flag too
        (["--", "--help"], "--help among the task flags would print each task's help, not run it; python "
         "trainers/run_<task>.py --help lists a task's flags"),  # each task printed its help and was "ok"
        (["--", "-h"], "-h among the task flags would print each task's help"),
    ],
)
def test_task_flags_that_run_all_sets_itself_are_refused_before_any_task(flags, expected, tmp_path):
    """The last one wins: every task would run with the caller's, and the results be shown as run_all.sh's."""
    done = run_all("--tasks", "ynat", "--output_dir", str(tmp_path / "out"), *flags, env={"LAUNCHER": "true"})
    message = done.stderr.strip()
    assert done.returncode == 2 and done.stdout == "" and len(message.splitlines()) == 1
    assert message.startswith("run_all.sh: ") and expected in message, message
    assert not (tmp_path / "out").exists()
    # through the environment too
    extra = run_all("--tasks", "ynat", "--output_dir", str(tmp_path / "out"), env={"EXTRA": " ".join(flags[-2:])})
    assert extra.returncode == 2 and extra.stderr.strip() == message


@pytest.mark.parametrize(("env", "flags", "given"), [({}, ["--nproc", "2"], "--nproc 2"),
                                                     ({}, ["--nproc=2"], "--nproc 2"),
                                                     ({"NPROC": "2"}, [], "NPROC=2")])
def test_a_launcher_with_a_process_count_is_refused(env, flags, given, tmp_path):
    """LAUNCHER replaced the torchrun that --nproc asks for, in silence."""
    done = run_all("--tasks", "ynat", "--output_dir", str(tmp_path / "out"), *flags,
                   env={"LAUNCHER": "true", **env})  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"run_all.sh: {given} and LAUNCHER both say how to launch each task: give one "
                                   "(LAUNCHER's command sets its own number of processes)")


@pytest.mark.parametrize("flag", ["--model", "--tasks", "--output_dir", "--data_dir", "--nproc"])
def test_an_empty_value_after_equals_is_refused_as_an_empty_value_is(flag, tmp_path):
    """``--model=$UNSET`` read as the default model, where ``--model ""`` is refused."""
    for flags in ([f"{flag}="], [flag, ""]):
        done = run_all(*flags, "--output_dir", str(tmp_path / "out"), env={"LAUNCHER": "true"})
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip() == f"run_all.sh: {flag} needs a value (bash run_all.sh --help)"


def test_tasks_run_from_the_callers_folder_with_the_script_and_config_by_absolute_path(tmp_path):
    """Relative paths in the task flags, in LAUNCHER and in WANDB_DIR are the caller's, as the comment says."""
    caller = tmp_path / "caller"
    (caller / "data").mkdir(parents=True)
    (caller / "launcher.sh").write_text('{ pwd; echo "$WANDB_DIR"; printf "%s\\n" "$@"; } > launched.txt\n')
    done = run_all("--tasks", "ynat", "--model", "m", "--output_dir", "out", "--data_dir", "data",
                   env={"LAUNCHER": "bash launcher.sh", "WANDB_DIR": "wb"}, cwd=caller)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    cwd, wandb_dir, script, config, *flags = (caller / "launched.txt").read_text().splitlines()
    assert cwd == str(caller) and wandb_dir == str(caller / "wb")
    assert script == str(REPO_ROOT / "trainers" / "run_ynat.py") and config == str(REPO_ROOT / "configs" / "ynat.json")
    assert flags[:4] == ["--model_name_or_path", "m", "--output_dir", str(caller / "out" / "ynat")]


def test_relative_paths_in_the_task_flags_are_read_from_the_callers_folder(smoke_files, tmp_path):
    caller = tmp_path / "caller"
    (caller / "rel").mkdir(parents=True)
    records = json.loads((smoke_files / "data" / "klue-sts-v1.1_dev.json").read_text(encoding="utf-8"))
    (caller / "rel" / "dev.json").write_text(json.dumps(records[:5], ensure_ascii=False), encoding="utf-8")
    done = run_all("--smoke", "--tasks", "sts", "--output_dir", str(tmp_path / "out"), "--model",
                   str(smoke_files / "tiny-bert"), "--data_dir", str(smoke_files / "data"), "--", "--validation_file",
                   "rel/dev.json", "--predictions_csv", "sub.csv", "--max_steps", "2", "--disable_tqdm", "true",
                   "--report_to", "none", cwd=caller)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "sts" / "eval_results.json").read_text(encoding="utf-8"))
    assert results["eval_samples"] == 5  # the caller's rel/dev.json, not the smoke data's 70 examples
    assert (caller / "sub.csv").is_file() and not (REPO_ROOT / "sub.csv").exists()


def test_a_failure_on_a_step_value_run_all_added_says_run_all_added_it(tmp_path):
    """``-- --save_steps 10``: the Trainer refuses save steps that are not a multiple of the --eval_steps run_all.sh
    adds for four evaluations per epoch; the reason must not read as a value the caller gave."""
    _ynat_files(tmp_path / "data")  # the data's checks come first; the files are never read
    done = run_all("--tasks", "ynat", "--model", "m", "--data_dir", str(tmp_path / "data"), "--output_dir",
                   str(tmp_path / "out"), "--", "--num_train_epochs", "3", "--save_steps", "10")  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("  ynat: exit 2: error: --load_best_model_at_end requires the saving steps") and \
        last.endswith("for save_steps 10 and eval_steps 0.08333333333333333. (run_all.sh added --eval_steps "
                      "0.08333333333333333 for four "
                      "evaluations per epoch; give --eval_steps and --save_steps together to choose both)"), last


def test_the_default_output_dir_is_under_the_repository_wherever_run_all_is_called_from(tmp_path):
    """The tasks run from the caller's folder: the default OUT (outputs/<model>) must reach them as an absolute path.
    (A copy of run_all.sh beside the real scripts and configs, so that the real repository gets no outputs/.)"""
    repo, caller = tmp_path / "repo", tmp_path / "caller"
    repo.mkdir()
    caller.mkdir()
    shutil.copy(RUN_ALL, repo / "run_all.sh")
    for name in ("configs", "trainers"):
        (repo / name).symlink_to(REPO_ROOT / name)
    (caller / "launcher.sh").write_text('printf "%s\\n" "$@" > launched.txt\n')
    done = subprocess.run(["bash", str(repo / "run_all.sh"), "--tasks", "ynat", "--model", "org/m"], cwd=caller,
                          env=run_all_environment({"LAUNCHER": "bash launcher.sh"}), capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    flags = (caller / "launched.txt").read_text().splitlines()
    assert flags[flags.index("--output_dir") + 1] == str(repo / "outputs" / "org_m" / "ynat")
    assert (repo / "outputs" / "org_m" / "ynat" / "run_all.json").is_file()


def test_ctrl_c_stops_run_all_under_a_launcher_that_exits_1_on_it(tmp_path):
    """torchrun catches Ctrl-C's SIGINT and exits 1 (SignalException), as a failed task would: run_all.sh must stop
    all the same, not go on with the next task."""
    started = tmp_path / "started"
    launcher = tmp_path / "launcher.sh"
    # as torchrun does: its workers stopped (a background job ignores SIGINT here), then exit 1
    launcher.write_text(f'trap \'kill $worker; echo "SignalException: Process got signal: 2"; exit 1\' INT\n'
                        f'touch "{started}"\nsleep 60 & worker=$!\nwait $worker\n')
    env = run_all_environment({"LAUNCHER": f"bash {launcher}"})
    args = ["--tasks", "ynat,nli", "--model", "m", "--output_dir", str(tmp_path / "out"), "--overwrite"]
    first = subprocess.Popen(["bash", RUN_ALL, *args], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while not started.exists() and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGINT)
    stdout, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stdout[-2000:] + stderr[-2000:]
    assert "== [2/2] nli" not in stdout and not (tmp_path / "out" / "nli").exists()
    assert stderr.strip().splitlines()[-1] == ("run_all.sh: ynat was stopped (signal 2); run the same command again "
                                               "without --overwrite (which would start every task over) to go on")


def test_sigterm_to_run_all_alone_ends_it_at_once(tmp_path):
    """``kill PID`` of run_all.sh (not of its process group): the script ends now, as a shell script does, rather than
    wait for the task to finish and then call it stopped."""
    started = tmp_path / "started"
    launcher = tmp_path / "launcher.sh"
    launcher.write_text(f'touch "{started}"\nsleep 30\n')
    (tmp_path / "tmp").mkdir()
    env = run_all_environment({"LAUNCHER": f"bash {launcher}", "TMPDIR": str(tmp_path / "tmp")})
    run = subprocess.Popen(["bash", RUN_ALL, "--tasks", "ynat", "--model", "m", "--output_dir", str(tmp_path / "out")],
                           cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)  # fmt: skip
    try:
        deadline = time.time() + 120
        while not started.exists() and time.time() < deadline:
            time.sleep(0.05)
        sent = time.time()
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)  # (not its output's end: the launcher left running holds the pipes)
        assert run.returncode == -signal.SIGTERM and time.time() - sent < 15
        assert not list((tmp_path / "tmp").iterdir())  # the task's attempt log removed on the way out
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the launcher's sleep, left running


def test_a_killed_task_whose_status_cannot_be_written_is_still_reported_with_its_reason(tmp_path):
    """A task killed by a signal (the out-of-memory killer's SIGKILL) said nothing: the reason is the signal, not the
    progress bar it printed last. Where its folder takes no more files (a full disk), the reason run_all.sh kept
    still reaches the final list and results.json, without a traceback."""
    launcher = tmp_path / "launcher.sh"
    launcher.write_text('while [ $# -gt 0 ]; do [ "$1" = --output_dir ] && out=$2; shift; done\n'
                        'mkdir -p "$out/run_all.json"\n'  # where the status is recorded: no file can be written
                        'echo "Training:  50%|#####     | 5/10"\nkill -9 $$\n')
    out = tmp_path / "out"
    done = run_all("--tasks", "ynat", "--model", "m", "--output_dir", str(out), "--data_dir",
                   str(_ynat_files(tmp_path / "data")), env={"LAUNCHER": f"bash {launcher}"})  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    reason = "exit 137: killed by signal 9 (SIGKILL: e.g. the out-of-memory killer)"
    assert done.stdout.strip().splitlines()[-2:] == ["1 of 1 tasks failed:", f"  ynat: {reason}"]
    assert "cannot record ynat's status" in done.stderr and "Traceback" not in done.stdout + done.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["failed"] == ["ynat"] and results["tasks"][0]["error"] == reason


def test_the_task_scripts_import_this_checkouts_packages(tmp_path):
    """An editable install of another checkout (or PYTHONPATH) must not supply the task scripts' imports."""
    decoy = tmp_path / "decoy" / "trainers"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("")
    launcher = tmp_path / "launcher.sh"
    launcher.write_text(f'python -c "import trainers; print(trainers.__file__)" > "{tmp_path / "where.txt"}"\n')
    # from a folder of its own: python -c would find this checkout's packages in the folder it runs from
    done = run_all("--tasks", "ynat", "--model", "m", "--output_dir", str(tmp_path / "out"),
                   env={"LAUNCHER": f"bash {launcher}", "PYTHONPATH": str(tmp_path / "decoy")}, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "where.txt").read_text().strip() == str(REPO_ROOT / "trainers" / "__init__.py")


def test_a_rerun_after_a_data_file_changed_is_another_command(tmp_path):
    """Skipping a task whose results exist shows them as this command's: not once the data it read was edited."""
    data, out = _ynat_files(tmp_path / "data"), tmp_path / "out"
    args = ("--tasks", "ynat", "--model", "m", "--output_dir", str(out), "--data_dir", str(data))
    assert run_all(*args, env={"LAUNCHER": "true"}).returncode == 0
    (out / "ynat" / "eval_results.json").write_text('{"eval_macro_f1": 50.0}')  # what the task wrote
    command = out / "ynat" / "run_all.command"
    assert f"data={data / 'ynat-v1.1_dev.json'} 2 " in command.read_text()
    os.utime(data / "ynat-v1.1_dev.json", (1, 1))  # the same contents (a copy, a touch): the same data
    again = run_all(*args, env={"LAUNCHER": "true"})
    assert again.returncode == 0 and "ynat: results of this command exist" in again.stdout, again.stderr
    recorded = command.read_text()
    refused = (f"run_all.sh: {out} holds results of another command for ynat (its data differ): pass --overwrite to "
               "rerun them, or another --output_dir")
    (data / "ynat-v1.1_test.json").write_text("[]")  # a file it now reads besides
    added = run_all(*args, env={"LAUNCHER": "true"})
    assert added.returncode == 2 and added.stderr.strip() == refused
    (data / "ynat-v1.1_test.json").unlink()
    (data / "ynat-v1.1_dev.json").write_text("[ ]")
    edited = run_all(*args, env={"LAUNCHER": "true"})
    assert edited.returncode == 2 and edited.stderr.strip() == refused
    # results of an earlier version, which recorded no data: compared as before
    command.write_text("".join(line for line in recorded.splitlines(keepends=True) if not line.startswith("data=")))
    earlier = run_all(*args, env={"LAUNCHER": "true"})
    assert earlier.returncode == 0 and "ynat: results of this command exist" in earlier.stdout, earlier.stderr
