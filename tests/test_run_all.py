"""run_all.sh: the task list from the metrics table, each task as its config file plus flags, one results table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.synthetic import write_json, ynat_records

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_run_all_runs_a_task_from_its_config_with_flags_on_top_and_prints_the_table(tiny_bert, tmp_path):
    data = tmp_path / "data"
    write_json(data / "ynat-v1.1_train.json", ynat_records(16, seed=1))
    write_json(data / "ynat-v1.1_dev.json", ynat_records(8, seed=2))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL": str(tiny_bert), "OUT": str(out), "DATA_DIR": str(data), "TASKS": "ynat",
           "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT),
           "EXTRA": "--max_steps 2 --use_cpu --report_to none --disable_tqdm true --save_strategy no "
                    "--eval_strategy no"}
    done = subprocess.run(["bash", str(REPO_ROOT / "run_all.sh")], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.strip().splitlines()[-2:]
    assert table[0].split() == ["task", "metric", "ours", "paper"]
    assert table[1].split()[:2] == ["ynat", "macro_f1"]
    assert (out / "ynat" / "predictions.jsonl").is_file()  # do_predict from configs/ynat.json
    assert (out / "ynat" / "eval_results.json").is_file()


def test_the_task_list_comes_from_the_metrics_table():
    done = subprocess.run([sys.executable, "-m", "metrics"], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.stdout.split() == ["ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos"]
