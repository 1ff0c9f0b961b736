"""bench/bench_gpu.py runs without a GPU: one line says so, then a tiny CPU version prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shared_data import require_shared

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_gpu_benchmark_says_it_has_no_gpu_and_still_runs(tmp_path):
    shared = require_shared(REPO_ROOT.parent / "shared" / "klue")
    out = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_gpu.py"), "--tasks", "nli", "--data_dir", str(shared),
         "--settings", "script default", "eager", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No CUDA device: running the tiny CPU version" in done.stdout
    rows = [line for line in out.read_text().splitlines() if line.startswith("| nli |")]
    assert [row.split("|")[2].strip() for row in rows] == ["eager (dynamic padding, fp32; --cuda_graphs off)",
                                                           "script default (--cuda_graphs auto)",
                                                           "bare PyTorch loop (fp32)"]
    assert all(float(row.split("|")[3].replace(",", "")) > 0 for row in rows)
