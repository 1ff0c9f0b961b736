"""bench/bench_dp.py runs on CPU with a tiny encoder and prints the head's share and the decoding times."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shared_data import require_shared

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_dp_benchmark_prints_the_head_share_and_decoding_times(tmp_path):
    shared = require_shared(REPO_ROOT.parent / "shared" / "klue")
    out = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_dp.py"), "--data_dir", str(shared), "--size", "tiny",
         "--steps", "2", "--warmup", "1", "--max_sentences", "96", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = dict(line.strip("|").split("|")[:2] for line in out.read_text().splitlines() if line.startswith("| ")
                and "---" not in line and not line.startswith("| measure"))
    values = {key.strip(): value.strip() for key, value in rows.items()}
    share = values["head's share of the step"]
    assert share.endswith("%") and 0 <= int(share[:-1]) <= 100
    assert float(values["MST decoding of the dev set (s)"].split()[0]) > 0
    assert any(key.startswith("dev forward pass, 96 sentences") for key in values)


def test_dp_benchmark_without_the_dev_file_says_where_it_looked(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_dp.py"), "--data_dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"bench_dp: {tmp_path / 'v1.1' / 'klue-dp-v1.1' / 'klue-dp-v1.1_dev.tsv'} not found "
        "(give --data_dir, the folder holding v1.1/klue-dp-v1.1/)"]
