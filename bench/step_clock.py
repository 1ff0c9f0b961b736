"""Training throughput read from the Trainer's step times, shared by the GPU benchmarks."""

from __future__ import annotations

import time

import numpy as np
import torch
from transformers import TrainerCallback


class StepClock(TrainerCallback):
    """Host time of each training step, with no synchronisation inside the run (a sync per step
    would stall the queue of kernels that a launch-bound run lives on); one sync at the end.

    Steps that compile a new graph take seconds on the host: ``throughput`` leaves out steps
    longer than 3x the median and reports them apart, so compiled settings show their steady
    state and what reaching it cost."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.times = warmup, []

    def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if state.global_step == self.warmup and torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())

    def on_train_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())


def throughput(stamps: list[float], warmup: int, batch_size: int) -> dict[str, float | None]:
    """Samples/s over the steps after ``warmup`` from consecutive step start times, compile steps apart."""
    durations = np.diff(np.asarray(stamps[warmup:], dtype=np.float64))
    if durations.size == 0:
        return {"train": None, "compile_steps": 0, "compile_seconds": 0.0}
    slow = durations > 3 * np.median(durations)
    kept = durations[~slow]
    return {"train": kept.size * batch_size / kept.sum() if kept.size else None,
            "compile_steps": int(slow.sum()), "compile_seconds": float(durations[slow].sum())}
