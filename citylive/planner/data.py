"""The festival as plain indexed data for planning: who may meet whom, where and when.

A slot of the whole festival is one integer `g = day * slots_per_day + slot`.  Everything the
planner decides is checked against these tables; the independent validator (citylive.check)
reads the festival file its own way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from citylive.errors import Invalid
from citylive.festival import Enterprise, Festival, SlotRef, Streamer
from citylive.schedule.document import ScheduleDocument, ScheduledSession

# S7: a proposed session that stays where the previous schedule put it (and keeps its
# streamer and day) earns the stability weight this many times: about half a typical
# session's value at the default weights, so a re-plan moves a session people were already
# told about only for a clear gain, never at the cost of leaving a request out.
STAY = 1000


class PlanError(Invalid):
    """A request to plan that cannot be honoured (bad previous schedule, bad time limit)."""


@dataclass
class OldSession:
    id: str
    enterprise: str
    streamer: str
    platform: str
    venue: str
    studio: int
    g: int
    status: str
    theme: str | None = None


@dataclass(frozen=True)
class Block:
    """A themed block at the main venue in one slot: studios `first`..`first + studios - 1`
    (blocks of one slot take the lowest studio numbers, in the order the file lists them)."""

    theme: str
    industries: frozenset[str]
    studios: int
    first: int


@dataclass
class Problem:
    festival: Festival
    n_days: int
    n_slots: int
    e_open: dict[str, frozenset[int]]
    s_open: dict[str, frozenset[int]]
    v_open: dict[str, frozenset[int]]
    e_venues: dict[str, list[str]]
    day_cap: dict[str, int]  # H7: sessions an enterprise may have a day
    fit: dict[str, list[str]]  # enterprise -> streamers that fit it (H5, H6)
    prime: frozenset[int] = frozenset()  # prime slots, as indices within a day
    blocks: dict[int, list[Block]] = field(default_factory=dict)  # g -> themed blocks
    forbidden: set[tuple[str, int, str]] = field(default_factory=set)  # declined (e, g, s)
    old: list[OldSession] = field(default_factory=list)
    version: int = 1

    @property
    def n_g(self) -> int:
        return self.n_days * self.n_slots

    def day_of(self, g: int) -> int:
        return g // self.n_slots

    def day_slots(self, d: int) -> range:
        return range(d * self.n_slots, (d + 1) * self.n_slots)

    def is_prime(self, g: int) -> bool:
        return g % self.n_slots in self.prime

    @property
    def main(self) -> str:
        return self.festival.main_venue.id

    def industry(self, e: str) -> str:
        return self.festival.enterprise[e].industry

    def town(self, e: str) -> str:
        return self.festival.enterprise[e].town

    def town_requests(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for e in self.festival.enterprises:
            out[e.town] += e.sessions
        return {t: n for t, n in out.items() if n > 0}

    def platform(self, e: Enterprise, s: Streamer) -> str:
        sp = set(s.platforms)
        return next(p for p in e.platforms if p in sp)

    def start_at(self, g: int) -> datetime:
        return self.festival.slot_start(SlotRef(g // self.n_slots, g % self.n_slots))

    def end_at(self, g: int) -> datetime:
        return self.festival.slot_end(SlotRef(g // self.n_slots, g % self.n_slots))

    def start_iso(self, g: int) -> str:
        return self.start_at(g).isoformat()


def streamer_fits(e: Enterprise, s: Streamer) -> bool:
    if s.employer is not None and s.employer != e.id:
        return False
    return e.industry in s.industries and bool(set(e.platforms) & set(s.platforms))


def build_problem(festival: Festival) -> Problem:
    f = festival
    n_days, n_slots = len(f.days), len(f.slots)

    def open_of(marks: list[str]) -> frozenset[int]:
        blocked = {r.day * n_slots + r.slot for r in f.blocked(marks)}
        return frozenset(g for g in range(n_days * n_slots) if g not in blocked)

    by_industry: dict[str, list[Streamer]] = defaultdict(list)
    for s in f.streamers:
        for ind in s.industries:
            by_industry[ind].append(s)
    fit = {
        e.id: [s.id for s in by_industry.get(e.industry, []) if streamer_fits(e, s)]
        for e in f.enterprises
    }
    mins = f.info.min_skus_per_session
    blocks: dict[int, list[Block]] = {}
    for ref, themed in f.theme_blocks().items():
        first = 1
        out = []
        for theme, studios in themed:
            out.append(Block(theme.id, frozenset(theme.industries), studios, first))
            first += studios
        blocks[ref.day * n_slots + ref.slot] = out
    return Problem(
        festival=f,
        n_days=n_days,
        n_slots=n_slots,
        e_open={e.id: open_of(e.unavailable) for e in f.enterprises},
        s_open={s.id: open_of(s.unavailable) for s in f.streamers},
        v_open={v.id: open_of(v.closed) for v in f.venues},
        e_venues={e.id: [v.id for v in f.allowed_venues(e)] for e in f.enterprises},
        day_cap={e.id: e.skus // mins for e in f.enterprises},
        fit=fit,
        prime=f.prime_slot_indices,
        blocks=blocks,
    )


def read_previous(problem: Problem, previous: ScheduleDocument) -> None:
    """Check an earlier schedule against the festival and load it into `problem`.

    The document is typed already (its format, statuses, studios and times); this refuses
    (PlanError) a schedule of another festival, one naming enterprises, streamers, venues,
    studios or slots this festival does not have, and one with two confirmed sessions in
    one studio-slot.
    """
    f = problem.festival
    if previous.festival != f.id:
        raise PlanError(
            f"the previous schedule belongs to festival {previous.festival!r}, "
            f"not {f.id!r}; pass the schedule written for this festival"
        )
    starts = {
        f.slot_start(SlotRef(g // problem.n_slots, g % problem.n_slots)): g
        for g in range(problem.n_g)
    }
    problems: list[str] = []
    old: list[OldSession] = []
    seen_ids: set[str] = set()
    for i, s in enumerate(previous.sessions):
        where = f"previous sessions[{i}] ({s.id or '?'})"
        if not s.id or s.id in seen_ids:
            problems.append(f"{where}: missing or repeated session id")
            continue
        seen_ids.add(s.id)
        found = _old_session(f, starts, s, where, problems)
        if found is not None:
            old.append(found)
    problems.extend(_confirmed_together(problem, old))
    if problems:
        shown = problems[:10] + (
            [f"... and {len(problems) - 10} more"] if len(problems) > 10 else []
        )
        raise PlanError(
            "the previous schedule cannot be used for this festival:\n  " + "\n  ".join(shown)
        )
    problem.old = old
    problem.forbidden = {(o.enterprise, o.g, o.streamer) for o in old if o.status == "declined"}
    problem.version = previous.version + 1


def _old_session(
    f: Festival, starts: dict[datetime, int], s: ScheduledSession, where: str, problems: list
) -> OldSession | None:
    """The session in the festival's own terms, or None with the reason in `problems`."""
    if s.enterprise not in f.enterprise:
        problems.append(f"{where}: unknown enterprise {s.enterprise!r}")
        return None
    if s.streamer not in f.streamer:
        problems.append(f"{where}: unknown streamer {s.streamer!r}")
        return None
    venue = f.venue.get(s.venue)
    if venue is None:
        problems.append(f"{where}: unknown venue {s.venue!r}")
        return None
    if s.studio > venue.studios:
        problems.append(f"{where}: venue {venue.id!r} has no studio {s.studio!r}")
        return None
    g = starts.get(s.start, -1)
    if g < 0:
        problems.append(f"{where}: start {s.start.isoformat()!r} is no slot of this festival")
        return None
    return OldSession(
        id=s.id,
        enterprise=s.enterprise,
        streamer=s.streamer,
        platform=s.platform,
        venue=venue.id,
        studio=s.studio,
        g=g,
        status=s.status.value,
        theme=s.theme,
    )


def _confirmed_together(problem: Problem, old: list[OldSession]) -> list[str]:
    """Two confirmed sessions in one studio-slot: the organisers must un-confirm one."""
    out: list[str] = []
    confirmed_at: dict[tuple[str, int, int], str] = {}
    for o in old:
        if o.status != "confirmed":
            continue
        key = (o.venue, o.studio, o.g)
        if key in confirmed_at:
            out.append(
                f"sessions {confirmed_at[key]} and {o.id} are both confirmed in {o.venue} studio "
                f"{o.studio} at {problem.start_iso(o.g)}; un-confirm one of them first"
            )
        confirmed_at[key] = o.id
    return out
