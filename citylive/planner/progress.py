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


# A deterministic plan stops a stage by its work, never by the clock, except when the stage
# runs this many times over its share of the time (a machine far too loaded): a guard, so
# that a plan always ends (docs/planner.md, "Reproducible plans").
GUARD = 4.0


class Clock:
    """The planner's time: started once, shared by its stages, and the one place that
    reports progress (each stage, and the solver's better schedules).

    `deterministic`: budgets are shares of the limit, not of the time left, and deadlines
    are guards (GUARD x the share), so that the same file and seed give the same plan."""

    def __init__(
        self,
        time_limit: float,
        progress: ProgressCallback | None = None,
        *,
        deterministic: bool = True,
    ):
        self.t0 = time.monotonic()
        self.limit = time_limit
        self.progress = progress
        self.deterministic = deterministic

    def until(self, seconds: float) -> float:
        """The deadline of a stage that should end `seconds` after the start: that moment,
        or in a deterministic plan the guard past it."""
        if self.deterministic:
            return self.t0 + GUARD * max(seconds, 1.0)
        return self.t0 + seconds

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
