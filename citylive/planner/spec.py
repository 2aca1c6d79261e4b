"""What one CP-SAT model covers (its demands, its warm start, the goals that span days), the
hinted auxiliary variables, and the terms the model is built of: model.py builds the
variables and the hard rules, goals.py the soft goals, both on `Terms`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ortools.sat.python import cp_model

from citylive.planner.data import Problem
from citylive.planner.state import State

Spot = tuple[str, str, str, int]  # enterprise, streamer, venue, slot


@dataclass
class Demand:
    enterprise: str
    day: int
    most: int
    least: int
    streamers: list[str]


@dataclass
class ModelSpec:
    """What one model covers: the demands, the warm start, and the goals that span days."""

    demands: list[Demand]
    hint: list[Spot]
    stays: set[Spot] = field(default_factory=set)  # the previous schedule's proposed spots
    total_cap: dict[str, int] = field(default_factory=dict)  # sessions left per enterprise
    h8_towns: set[str] = field(default_factory=set)  # towns that need a main session here
    h8_all: bool = False  # every town with a session needs one at the main venue (H8)
    fairness_weight: int = 0
    floor: dict[str, int] = field(default_factory=dict)  # sessions a town keeps at least


class Hinted:
    """Builds aux variables together with their value under the warm start, so the hint is
    complete (CP-SAT then takes it as its first solution instead of repairing it)."""

    def __init__(self, model: cp_model.CpModel):
        self.m = model
        self.values: dict[int, int] = {}
        self.vars: dict[int, cp_model.IntVar] = {}

    def value(self, terms: list) -> int:
        return sum(t if isinstance(t, int) else self.values.get(t.index, 0) for t in terms)

    def pairs(self, terms: list, top: int, name: str) -> cp_model.IntVar | None:
        """An integer >= C(n, 2) for n = sum(terms): tangent lines of the convex pair count."""
        if len(terms) < 2 or top < 2:
            return None
        m = self.m
        hn = self.value(terms)
        n = m.new_int_var(0, len(terms), f"n_{name}")
        m.add(n == sum(terms))
        y = m.new_int_var(0, top * (top - 1) // 2 + len(terms) ** 2, f"y_{name}")
        for k in range(1, min(top, 60)):
            m.add(y >= k * n - k * (k + 1) // 2)
        self.set(n, hn)
        self.set(y, hn * (hn - 1) // 2)
        return y

    def integer(self, lo: int, hi: int, name: str, value: int) -> cp_model.IntVar:
        v = self.m.new_int_var(lo, hi, name)
        self.set(v, value)
        return v

    def set(self, var: cp_model.IntVar, value: int) -> None:
        self.values[var.index] = value
        self.vars[var.index] = var


class Terms(Protocol):
    """The model as it is being built: the problem, what the fixed sessions leave open, the
    spec, the CP-SAT model with its hinted variables, the placement variables and the
    objective's (weight, variable) pairs."""

    p: Problem
    st: State
    spec: ModelSpec
    m: cp_model.CpModel
    hv: Hinted
    x: dict[Spot, cp_model.IntVar]
    obj: list[tuple[int, cp_model.IntVar]]
