"""What the planner reports while it works, for the command line's live line and the flows'
logs: the best schedule so far and how far from the best possible it can be."""

from __future__ import annotations

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
