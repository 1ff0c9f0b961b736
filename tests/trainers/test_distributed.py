"""Under ``torchrun`` (two CPU processes, gloo): evaluation reports what one process reports, and only the
main process writes results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from transformers import Trainer
from transformers.trainer_pt_utils import AcceleratorConfig

from args import ArgumentsError
from tests.synthetic import ner_records, write_json, ynat_records
from trainers.run_ynat import YnatTask
from trainers.runner import check_even_batches, main

REPO_ROOT = Path(__file__).resolve().parents[2]


ONE_PROCESS = [sys.executable]
# --standalone: a free port, so two such tests (pytest -n 2) never meet on the default one
TWO_PROCESSES = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def probe(setup: str) -> str:
    """A script that runs ``setup``, then the script named after it (its first argument) as ``__main__``."""
    run_named = 'import runpy, sys\nsys.argv.pop(0)\nrunpy.run_path(sys.argv[0], run_name="__main__")\n'
    return textwrap.dedent(setup) + run_named


def launch(launcher: list[str], scripts: list[Path], argv: list[str], **env: str) -> subprocess.CompletedProcess:
    """``scripts`` (a probe and the script it runs, or one script) with ``argv`` under ``launcher``, offline."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", **env}
    return subprocess.run([*launcher, *map(str, scripts), *argv], env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)


# Says, as the interpreter exits, whether the process group was still up and whether tearing it down freed it
# (nothing else, such as a DDP model, held it): a group freed only by the interpreter's exit can abort a
# process that finished its run (``leave_process_group``).
EXIT_PROBE = probe(
    """
    import atexit, os, sys, weakref
    import torch.distributed as dist

    freed_when_torn_down = []
    destroy = dist.destroy_process_group

    def watched_destroy(*args, **kwargs):
        group = weakref.ref(dist.group.WORLD)
        destroy(*args, **kwargs)
        freed_when_torn_down.append(group() is None)

    def report():
        # One write of the whole line: both processes share the pipe, and print's pieces (each argument, the
        # separators) interleaved with the other process's now and then.
        sys.stdout.flush()
        state = "up" if dist.is_initialized() else "down"
        os.write(1, f"at exit: process group {state} freed {freed_when_torn_down}\\n".encode())

    dist.destroy_process_group = watched_destroy
    atexit.register(report)
    """
)


def evaluate(launcher: list[str], task: str, model: Path, dev: Path, out: Path) -> tuple[dict, list[str], str]:
    """``trainers/run_<task>.py --do_eval`` in batches of 3 under ``launcher`` (through ``EXIT_PROBE``):
    eval_results.json, the lines of eval_predictions.jsonl, and what the processes printed."""
    argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--validation_file", str(dev),
            "--do_eval", "--use_cpu", "--report_to", "none", "--per_device_eval_batch_size", "3",
            "--disable_tqdm", "true"]
    exit_probe = out.parent / "exit_probe.py"
    exit_probe.write_text(EXIT_PROBE, encoding="utf-8")
    done = launch(launcher, [exit_probe, REPO_ROOT / "trainers" / f"run_{task}.py"], argv)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = (out / "eval_predictions.jsonl").read_text(encoding="utf-8").splitlines()
    return json.loads((out / "eval_results.json").read_text()), lines, done.stdout


def test_two_process_ner_eval_equals_one_process(tiny_bert, tmp_path):
    # 12 sentences in batches of 3 per process: no process pads its last batch with repeated examples.
    dev = write_json(tmp_path / "dev.json", ner_records(12, seed=12))
    one, one_predictions, _ = evaluate(ONE_PROCESS, "ner", tiny_bert, dev, tmp_path / "one")
    two, two_predictions, printed = evaluate(TWO_PROCESSES, "ner", tiny_bert, dev, tmp_path / "two")
    # Each process tore its process group down, and freed it, before the interpreter's exit.
    assert printed.count("at exit: process group down freed [True]") == 2, printed[-2000:]
    assert two_predictions == one_predictions  # every sentence once, in file order
    assert abs(two["eval_loss"] - one["eval_loss"]) < 1e-5  # not the mean times the number of processes
    for key in ("eval_entity_f1", "eval_char_f1"):
        assert two[key] == one[key]


def test_two_processes_score_an_uneven_dev_set_once_with_one_processs_scores(tiny_bert, tmp_path):
    """13 titles in batches of 3 over 2 processes: the last round is filled with repeats of the first
    titles, which the gather drops. Every title is predicted once, in file order, as one process
    predicts it, and the scores are one process's (eval_loss is not compared: the repeats count in the
    last batch's mean, README "Multi-process runs")."""
    dev = write_json(tmp_path / "dev.json", ynat_records(13, seed=5))
    one, one_lines, _ = evaluate(ONE_PROCESS, "ynat", tiny_bert, dev, tmp_path / "one")
    two, two_lines, _ = evaluate(TWO_PROCESSES, "ynat", tiny_bert, dev, tmp_path / "two")
    predicted = [[(p["guid"], p["prediction"]) for p in map(json.loads, lines)] for lines in (one_lines, two_lines)]
    assert len(predicted[0]) == 13 and predicted[1] == predicted[0]  # probabilities: batch-composition noise
    assert (two["eval_macro_f1"], two["eval_samples"]) == (one["eval_macro_f1"], one["eval_samples"])


@pytest.mark.parametrize("max_steps", [5, 6])
def test_a_run_resumed_under_two_processes_reports_the_uninterrupted_train_loss(max_steps, tiny_bert, tmp_path):
    """Killed at step 4, between two logging steps (every 3): the loss not yet logged is each process's own
    and the Trainer logs their mean; the checkpoint (6 steps: the last one logs) and the end of training
    (5 steps: nothing logged after the checkpoint) take that mean too, so the resumed run's train_loss is
    the uninterrupted run's (both took rank 0's alone, at different steps)."""
    from tests.trainers.test_resume import KILLER

    killer = tmp_path / "killer.py"
    killer.write_text(KILLER, encoding="utf-8")
    train = write_json(tmp_path / "train.json", ynat_records(64, seed=3))

    def argv(out: Path) -> list[str]:
        return ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
                "--do_train", "--max_steps", str(max_steps), "--save_steps", "2", "--logging_steps", "3",
                "--per_device_train_batch_size", "4", "--learning_rate", "5e-3", "--seed", "11", "--report_to",
                "none", "--use_cpu", "--disable_tqdm", "true"]

    exit_probe = tmp_path / "exit_probe.py"
    exit_probe.write_text(EXIT_PROBE, encoding="utf-8")
    run_ynat = [exit_probe, REPO_ROOT / "trainers" / "run_ynat.py"]
    uninterrupted = launch(TWO_PROCESSES, run_ynat, argv(tmp_path / "straight"))
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-4000:]
    # Each process's group was torn down, and freed with it (the trained DDP model first), before Python's exit.
    assert uninterrupted.stdout.count("at exit: process group down freed [True]") == 2, uninterrupted.stdout[-2000:]
    killed = launch(TWO_PROCESSES, [killer], argv(tmp_path / "resumed"), KILL_AT="4", KILL_SIGNAL="SIGKILL")
    assert killed.returncode != 0 and (tmp_path / "resumed" / "checkpoint-4").is_dir()
    resumed = launch(TWO_PROCESSES, run_ynat, argv(tmp_path / "resumed"))
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    straight, after = (json.loads((tmp_path / name / "train_results.json").read_text()) for name in ("straight",
                                                                                                     "resumed"))
    assert after["train_resumed_at_step"] == 4
    assert abs(after["train_loss"] - straight["train_loss"]) < 1e-6


# Process 1 saves its random state 2 s late, and the main process says which checkpoints held process 1's
# random state when it marked them whole (trainer_state.json).
LATE_RANDOM_STATE_PROBE = probe(
    """
    import atexit, os, time
    from pathlib import Path
    from transformers import Trainer, TrainerState

    if os.environ["RANK"] == "1":
        save_rng_state = Trainer._save_rng_state

        def late_save_rng_state(self, output_dir):
            time.sleep(2)
            save_rng_state(self, output_dir)

        Trainer._save_rng_state = late_save_rng_state
    else:
        there_when_marked = []
        save_to_json = TrainerState.save_to_json

        def watched_save_to_json(self, json_path):
            folder = Path(json_path).parent
            if folder.name.startswith("checkpoint-"):
                there_when_marked.append((folder / "rng_state_1.pth").is_file())
            save_to_json(self, json_path)

        TrainerState.save_to_json = watched_save_to_json
        # one string, one write: print's pieces could interleave with the other process's output
        atexit.register(lambda: print(f"process 1's random state there when marked whole: {there_when_marked}"))
    """
)


def test_a_checkpoint_is_marked_whole_only_once_every_process_saved_its_random_state(tiny_bert, tmp_path):
    """A run stopped between the two would resume a checkpoint whole in name without process 1's random state."""
    late_random_state = tmp_path / "late_random_state.py"
    late_random_state.write_text(LATE_RANDOM_STATE_PROBE, encoding="utf-8")
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=2))
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--train_file",
            str(train), "--do_train", "--max_steps", "2", "--save_steps", "2", "--per_device_train_batch_size",
            "4", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]
    done = launch(TWO_PROCESSES, [late_random_state, REPO_ROOT / "trainers" / "run_ynat.py"], argv)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "process 1's random state there when marked whole: [True]" in done.stdout, done.stdout[-2000:]


def test_uneven_batches_across_processes_are_refused_when_the_run_evaluates():
    from types import SimpleNamespace

    def run(world_size: int, even: bool, evaluates: bool) -> SimpleNamespace:
        return SimpleNamespace(world_size=world_size, do_eval=evaluates, do_predict=False, eval_strategy="no",
                               accelerator_config=AcceleratorConfig(even_batches=even))

    with pytest.raises(ArgumentsError, match="--accelerator_config even_batches false: 2 processes must evaluate"):
        check_even_batches(run(2, even=False, evaluates=True))
    for allowed in (run(1, False, True), run(2, True, True), run(2, False, False)):
        check_even_batches(allowed)
    evaluating_while_training = run(2, even=False, evaluates=False)
    evaluating_while_training.eval_strategy = "steps"  # --do_train alone still evaluates every --eval_steps
    with pytest.raises(ArgumentsError, match="even_batches false"):
        check_even_batches(evaluating_while_training)


def test_a_process_other_than_the_main_one_writes_no_result_file(tiny_bert, tmp_path, monkeypatch):
    # What rank 1 sees. train_results.json marks a finished run: written by rank 1, it raced rank 0's and
    # could appear before rank 0 had saved the model.
    monkeypatch.setattr(Trainer, "is_world_process_zero", lambda self: False)
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=1))
    out = tmp_path / "out"
    assert main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file",
                             str(train), "--do_train", "--max_steps", "2", "--save_strategy", "no", "--report_to",
                             "none", "--use_cpu", "--disable_tqdm", "true"]) == 0  # fmt: skip
    written = {path.name for path in out.iterdir()} if out.is_dir() else set()
    assert not written & {"train_results.json", "all_results.json", "trainer_state.json"}, written
