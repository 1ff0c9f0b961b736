"""bench/bench_mcqa_llm.py (the MCQA causal-LM route at a real LLM size, bf16 and 4-bit, with LoRA) runs
without a GPU: one line says so, then the tiny version trains, scores and reloads its LoRA adapters."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from smoke.data import mcqa_rows

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "bench" / "bench_mcqa_llm.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_mcqa_llm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_rows(text: str) -> dict[str, list[str]]:
    """``{setting: [its cells]}`` of the Markdown table (the first column is the setting)."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0] not in ("setting", "---"):
            rows[cells[0]] = cells[1:]
    return rows


def test_tiny_version_trains_scores_and_reloads_lora_without_a_gpu(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No CUDA device: running the tiny CPU version" in done.stdout
    assert re.search(r"phase build model \(tiny, .*\): [\d.]+ s", done.stdout)  # time per phase is printed

    text = out.read_text(encoding="utf-8")
    assert "Device: CPU (tiny model)" in text and "peft" in text
    rows = table_rows(text)
    assert list(rows) == ["bf16 weights + LoRA r16 (all-linear)", "4-bit NF4 weights + LoRA r16 (QLoRA)",
                          "4-bit NF4 + LoRA r16 + --gradient_checkpointing"]
    train, peak, accuracy, differences, check, seconds = rows["bf16 weights + LoRA r16 (all-linear)"]
    assert float(train) > 0 and peak == "-"  # no GPU memory to measure on CPU
    assert 0 <= float(accuracy) <= 100
    reloaded, without_adapters = (float(value) for value in differences.split(" / "))
    assert reloaded <= 1e-3 < without_adapters  # the adapters reload to the trained scores, and they matter
    assert check == "passed"
    assert len(seconds.split(" / ")) == 3  # the training run, the reload and the base model each ran
    for name in list(rows)[1:]:
        assert rows[name][0] == "4-bit needs CUDA"


@pytest.mark.skipif(torch.cuda.is_available(), reason="in-process tiny run; with CUDA the script runs at 1.5B")
def test_a_failing_setting_is_one_row_and_the_table_goes_on(tmp_path, monkeypatch, capsys, one_torch_thread):
    bench = load_bench()
    monkeypatch.setattr(bench, "SETTINGS", {
        "LoRA on a module the model lacks": ["--lora_r", "4", "--lora_target_modules", "no_such_proj"],
        "4-bit NF4 weights + LoRA r16 (QLoRA)": bench.SETTINGS["4-bit NF4 weights + LoRA r16 (QLoRA)"],
    })
    out = tmp_path / "results.md"
    assert bench.main(["--out", str(out), "--train_items", "16", "--dev_items", "8"]) == 0
    rows = table_rows(out.read_text(encoding="utf-8"))
    error = rows["LoRA on a module the model lacks"][0]
    assert error.startswith("error: --lora_target_modules:") and "no_such_proj" in error  # the script's own line
    assert rows["4-bit NF4 weights + LoRA r16 (QLoRA)"][0] == "4-bit needs CUDA"


def test_fifth_choice_keeps_the_answer_on_the_place_the_paragraph_names():
    bench = load_bench()
    rng = random.Random(0)
    positions = set()
    for row in mcqa_rows(40, seed=3):
        problems = json.loads(bench.with_fifth_choice(row, rng)["problems"])
        choices, answer = problems["choices"], problems["answer"]
        assert len(choices) == 5 == len(set(choices))
        assert f"{choices[answer - 1]}에서 열린" in row["paragraph"]
        positions.add(answer)
    assert positions == {1, 2, 3, 4, 5}  # the new choice lands before and after the right one


def test_reload_verdict_tells_a_reload_from_noise_and_from_missing_adapters():
    bench = load_bench()
    assert bench.reload_verdict(True, 0.0, 7e-3) == "passed"
    assert bench.reload_verdict(True, 4e-3, 0.2) == "same answers, bf16-close"
    assert bench.reload_verdict(True, 7e-3, 7e-3) == "FAILED"  # the scores of the base model: no adapters
    assert bench.reload_verdict(False, 1e-4, 0.2) == "FAILED"
    # no base-model scores (its evaluation failed): the tolerance alone
    assert bench.reload_verdict(True, 1e-4, None) == "passed"
    assert bench.reload_verdict(True, 4e-3, None) == "same answers, past the tolerance"
