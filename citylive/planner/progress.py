"""What the planner reports while it works, for the command line's live line and the flows'
logs: the best schedule so far and how far from the best possible it can be."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SolveProgress:
    stage: str  # "prepare", "warm start", "cp-sat", "finish", "tradeoffs"
    elapsed: float  # seconds since planning started
    value: int | None = None  # S1 of the best schedule so far, CNY
    objective: float | None = None  # the solver's objective of that schedule
    bound: float | None = None  # the solver's proven bound on the objective


ProgressCallback = Callable[[SolveProgress], None]


class Clock:
    """The planner's time: started once, shared by its stages, and the one place that
    reports progress (each stage, and the solver's better schedules)."""

    def __init__(self, time_limit: float, progress: ProgressCallback | None = None):
        self.t0 = time.monotonic()
        self.limit = time_limit
        self.progress = progress

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def left(self) -> float:
        return self.limit - self.elapsed()

    def at(self, seconds: float) -> float:
        """The monotonic time `seconds` after the start."""
        return self.t0 + seconds

    def report(
        self,
        stage: str,
        value: int | None = None,
        objective: float | None = None,
        bound: float | None = None,
    ) -> None:
        if self.progress is not None:
            self.progress(SolveProgress(stage, round(self.elapsed(), 2), value, objective, bound))
