"""bench/step_clock.py: train samples/s from the Trainer's step times, on made-up timings (a fake clock)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from bench import step_clock
from bench.step_clock import StepClock, throughput


def stamps_of(durations: list[float]) -> list[float]:
    """Step start times (and the end of the last step) of steps lasting ``durations``."""
    stamps = [100.0]
    for seconds in durations:
        stamps.append(stamps[-1] + seconds)
    return stamps


def test_throughput_counts_only_the_steps_after_warmup_and_sets_compile_steps_apart():
    """Two untimed warmup steps of 1 s, then steps of 0.5 s at batch 8 with one 4 s step (a new shape
    compiling): 4 steps x 8 samples in 2 s, the compile step counted apart."""
    stamps = stamps_of([1.0, 1.0, 0.5, 0.5, 4.0, 0.5, 0.5])
    assert throughput(stamps, warmup=2, batch_size=8) == {
        "train": pytest.approx(16.0), "compile_steps": 1, "compile_seconds": pytest.approx(4.0)}
    # counted from the first step instead, the warmup steps would pull the figure down to 12
    assert throughput(stamps, warmup=0, batch_size=8)["train"] == pytest.approx(12.0)


def test_a_step_over_three_times_the_median_is_a_compile_step_whatever_the_mean():
    """3.5 s against a median of 1 s is slow (over 3x), though under 3x the mean (1.28 s)."""
    result = throughput(stamps_of([1.0] * 8 + [3.5]), warmup=0, batch_size=2)
    assert result == {"train": pytest.approx(2.0), "compile_steps": 1, "compile_seconds": pytest.approx(3.5)}
    assert throughput(stamps_of([1.0] * 8 + [2.9]), warmup=0, batch_size=2)["compile_steps"] == 0


def test_skipped_intervals_are_indexed_from_the_first_stamp_not_the_first_timed_step():
    """``StepClock.skipped`` counts intervals from the first step; with 2 warmup steps, interval 3 is the
    second timed step (here one holding a 2 s evaluation, not over 3x the median, so only ``skipped``
    keeps it out)."""
    stamps = stamps_of([1.0, 1.0, 0.5, 2.0, 0.5, 0.5])
    assert throughput(stamps, warmup=2, batch_size=4, skipped={3}) == {
        "train": pytest.approx(8.0), "compile_steps": 0, "compile_seconds": 0.0}


class FakeTime:
    """``time.perf_counter`` under the test's control."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        monkeypatch.setattr(step_clock.time, "perf_counter", lambda: self.now)


def train(clock: StepClock, durations: list[float], now: FakeTime, during: dict[int, str] | None = None) -> None:
    """The Trainer's callbacks for steps of ``durations``; ``during``: step index -> "evaluate" or "save" after
    that step's work (another 10 s)."""
    state = SimpleNamespace(global_step=0, max_steps=len(durations))
    clock.on_train_begin(None, state, None)
    for step, seconds in enumerate(durations):
        state.global_step = step
        clock.on_step_begin(None, state, None)
        now.now += seconds
        if (during or {}).get(step):
            getattr(clock, f"on_{during[step]}")(None, state, None)
            now.now += 10.0
    clock.on_train_end(None, state, None)


def test_a_checkpoint_interval_is_left_out_like_an_evaluation(monkeypatch):
    now = FakeTime(monkeypatch)
    clock = StepClock(0)
    train(clock, [1.0] * 6, now, during={2: "save", 4: "evaluate"})
    assert clock.skipped == {2, 4}
    assert throughput(clock.times, 0, 4, clock.skipped) == {"train": pytest.approx(4.0), "compile_steps": 0,
                                                            "compile_seconds": 0.0}


def test_the_time_a_progress_line_takes_is_no_steps(monkeypatch):
    """Each progress line rewrites the ``--out`` table (here 5 s of it): neither the step it reports nor the next
    one holds that time, so an ordinary step with a line (every 2nd here) is neither slower in train samples/s
    nor taken for a compile step; the slow step stays the one compile step, with its own 10 s."""
    now = FakeTime(monkeypatch)

    def slow_progress(line: str) -> None:
        now.now += 5.0

    clock = StepClock(1, slow_progress, every=2)
    train(clock, [1.0, 1.0, 1.0, 10.0, 1.0, 1.0, 1.0, 1.0], now)
    assert clock.times == [0.0, 1.0, 2.0, 3.0, 13.0, 14.0, 15.0, 16.0, 17.0]
    assert throughput(clock.times, 1, 4, clock.skipped) == {"train": pytest.approx(4.0), "compile_steps": 1,
                                                            "compile_seconds": pytest.approx(10.0)}


def test_the_gpu_is_synchronised_where_the_timed_steps_begin_and_where_training_ends(monkeypatch):
    """Kernels are queued ahead of the host: one sync before the first timed step's stamp (after ``warmup``
    steps) and one before the last stamp, so the timed span holds exactly the timed steps' GPU work."""
    now = FakeTime(monkeypatch)
    synced_at = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: synced_at.append(now.now))
    clock = StepClock(warmup=2)
    train(clock, [3.0, 3.0, 1.0, 1.0, 1.0], now)
    assert synced_at == [6.0, 9.0]
    assert clock.times == [0.0, 3.0, 6.0, 7.0, 8.0, 9.0]
