"""Training throughput read from the Trainer's step times, shared by the GPU benchmarks."""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable

import numpy as np
import torch
from transformers import TrainerCallback

SLOW = 3.0  # a step over SLOW x the median is a compile step (a new shape), counted apart
PROGRESS_EVERY = 50  # with a ``progress`` callable: a line every this many steps (and for each slow step)
RECENT = 64  # the progress lines' median is over the last this many training steps (cheap on the host)


class StepClock(TrainerCallback):
    """Host time of each training step, with no synchronisation inside the run (a sync per step
    would stall the queue of kernels that a launch-bound run lives on); one sync at the end.

    Steps that compile a new graph take seconds on the host: ``throughput`` leaves out steps
    longer than 3x the median and reports them apart, so compiled settings show their steady
    state and what reaching it cost. A step whose interval holds an evaluation or a checkpoint
    (a config's evaluations during training) is not training time: its index goes to ``skipped``,
    which ``throughput`` leaves out of both.

    ``progress`` (optional) gets a line of text for the first step, every ``every``-th step, each
    step slower than 3x the median of the recent ones, each interval with an evaluation or a
    checkpoint, and the end of training: a run cut off by a timeout still shows where it was."""

    def __init__(self, warmup: int, progress: Callable[[str], None] | None = None,
                 every: int | None = None) -> None:
        self.warmup, self.times = warmup, []
        self.skipped: set[int] = set()  # indices into np.diff(times): intervals with an evaluation or a save
        self.progress, self.every = progress, every or PROGRESS_EVERY
        self.max_steps: int | None = None
        self._paused = False  # an evaluation or a save since the last step began
        self._recent: deque[float] = deque(maxlen=RECENT)
        self._slow_steps, self._slow_seconds = 0, 0.0
        self._excluded = 0.0  # host seconds of progress lines so far: the clock stops while one is written

    def on_train_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.max_steps = state.max_steps

    def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if state.global_step == self.warmup and torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(self._now())
        if len(self.times) > 1:
            self._report_interval()

    def on_evaluate(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self._paused = True

    def on_save(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self._paused = True

    def on_train_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(self._now())
        if len(self.times) > 1:
            self._report_interval()
        if self.progress is not None:
            steps = len(self.times) - 1
            self.progress(f"training ended: {steps} steps in {self.times[-1] - self.times[0]:.1f} s "
                          f"({self._slow_steps} slow, {self._slow_seconds:.1f} s); evaluating or saving next")

    def _now(self) -> float:
        return time.perf_counter() - self._excluded

    def _report_interval(self) -> None:
        """``_interval_done``, its progress line's own time (a table written) taken out of every step's: the
        steps' stamps are on a clock that stops while it writes."""
        started = time.perf_counter()
        if self._interval_done():
            self._excluded += time.perf_counter() - started

    def _interval_done(self) -> bool:
        """The step that began at ``times[-2]`` has ended (the next began, or training ended); whether a
        progress line was given."""
        index = len(self.times) - 2
        step, seconds = index + 1, self.times[-1] - self.times[-2]
        of = f"/{self.max_steps}" if self.max_steps else ""
        if self._paused:  # not a training step's time
            self._paused = False
            self.skipped.add(index)
            if self.progress is not None:
                self.progress(f"step {step}{of}: {seconds:.1f} s with an evaluation or a checkpoint")
            return self.progress is not None
        median = statistics.median(self._recent) if self._recent else None
        slow = median is not None and seconds > SLOW * median
        self._recent.append(seconds)
        if slow:
            self._slow_steps += 1
            self._slow_seconds += seconds
        if self.progress is None:
            return False
        if index == 0 or slow:
            said = f" (over {SLOW:g}x the median {median:.3f} s)" if slow else " (the first: start-up, compiling)"
            self.progress(f"step {step}{of} took {seconds:.2f} s{said}")
        elif step % self.every == 0:
            self.progress(f"step {step}{of} at {self.times[-1] - self.times[0]:.1f} s of training; median step "
                          f"{statistics.median(self._recent):.3f} s; {self._slow_steps} slow steps so far "
                          f"({self._slow_seconds:.1f} s)")
        else:
            return False
        return True


def throughput(stamps: list[float], warmup: int, batch_size: int,
               skipped: set[int] | frozenset[int] = frozenset()) -> dict[str, float | None]:
    """Samples/s over the steps after ``warmup`` from consecutive step start times, compile steps apart
    (longer than 3x the median); ``skipped`` (``StepClock.skipped``: intervals holding an evaluation or a
    checkpoint, indexed from the first stamp) are left out of both."""
    durations = np.diff(np.asarray(stamps[warmup:], dtype=np.float64))
    training = np.array([index + warmup not in skipped for index in range(durations.size)], dtype=bool)
    durations = durations[training]
    if durations.size == 0:
        return {"train": None, "compile_steps": 0, "compile_seconds": 0.0}
    slow = durations > SLOW * np.median(durations)
    kept = durations[~slow]
    return {"train": float(kept.size * batch_size / kept.sum()) if kept.size else None,
            "compile_steps": int(slow.sum()), "compile_seconds": float(durations[slow].sum())}
