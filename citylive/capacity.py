"""The capacity check: demand against supply, before anything is solved.

Supply is counted generously (an upper bound on what a schedule could place), so a shortage
reported here is a real one: no schedule can do better.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from citylive.festival import Festival


@dataclass
class CapacityLine:
    key: str
    requested: int
    supply: int
    what: str  # what the supply counts, in words

    @property
    def short(self) -> int:
        return max(0, self.requested - self.supply)


@dataclass
class CapacityReport:
    festival_id: str
    towns: int
    venues: int
    studios: int
    days: int
    slots_per_day: int
    studio_slots: int
    requested: int
    by_town: list[CapacityLine] = field(default_factory=list)
    by_industry: list[CapacityLine] = field(default_factory=list)
    shortages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "festival": self.festival_id,
            "towns": self.towns,
            "venues": self.venues,
            "studios": self.studios,
            "days": self.days,
            "slots_per_day": self.slots_per_day,
            "studio_slots": self.studio_slots,
            "requested": self.requested,
            "by_town": [vars(x) | {"short": x.short} for x in self.by_town],
            "by_industry": [vars(x) | {"short": x.short} for x in self.by_industry],
            "shortages": self.shortages,
        }


def capacity_report(festival: Festival) -> CapacityReport:
    f = festival
    n_days, n_slots = len(f.days), len(f.slots)
    total_studio_slots = f.studio_slots()
    requested = f.requested_sessions()
    shortages: list[str] = []
    if total_studio_slots == 0:
        shortages.append("the festival has no open studio-slot at all: every venue is closed")
    if requested > total_studio_slots:
        shortages.append(
            f"{requested} sessions asked, {total_studio_slots} studio-slots in all venues"
        )

    venue_slots = {
        v.id: v.studios * (n_days * n_slots - len(f.blocked(v.closed))) for v in f.venues
    }

    # per town: what its enterprises may use (H3) and what the supply rule (H7) lets them have
    by_town: list[CapacityLine] = []
    town_req: dict[str, int] = defaultdict(int)
    town_cap: dict[str, int] = defaultdict(int)
    for e in f.enterprises:
        town_req[e.town] += e.sessions
        per_day = e.skus // f.info.min_skus_per_session
        open_days = n_days - sum(1 for d in f.days if d.isoformat() in set(e.unavailable))
        town_cap[e.town] += min(e.sessions, per_day * open_days)
    for t in f.towns:
        if town_req[t.id] == 0:
            continue
        allowed = {v.id for e in f.enterprises if e.town == t.id for v in f.allowed_venues(e)}
        supply = min(town_cap[t.id], sum(venue_slots[v] for v in allowed))
        line = CapacityLine(
            t.id, town_req[t.id], supply, "studio-slots and products its enterprises can use"
        )
        by_town.append(line)
        if line.short:
            limit = (
                "products (min_skus_per_session)"
                if town_cap[t.id] < town_req[t.id]
                else "studio-slots"
            )
            shortages.append(
                f"town {t.id}: {line.requested} sessions asked, at most {line.supply} can be placed ({limit})"
            )

    # per industry: streamer-slots that can serve it
    by_industry: list[CapacityLine] = []
    ind_req: dict[str, int] = defaultdict(int)
    for e in f.enterprises:
        ind_req[e.industry] += e.sessions
    for ind in f.industries:
        if ind_req[ind.id] == 0:
            continue
        supply = 0
        for s in f.streamers:
            if ind.id not in s.industries:
                continue
            if s.employer is not None and f.enterprise[s.employer].industry != ind.id:
                continue
            blocked_days = {d for d in s.unavailable if len(d) == 10}
            open_days = n_days - sum(1 for d in f.days if d.isoformat() in blocked_days)
            supply += open_days * min(s.max_sessions_per_day, n_slots)
        line = CapacityLine(
            ind.id, ind_req[ind.id], supply, "streamer-slots of streamers who know it"
        )
        by_industry.append(line)
        if line.short:
            shortages.append(
                f"{ind.id}: {line.requested} sessions asked, {line.supply} streamer-slots can serve them"
            )

    return CapacityReport(
        festival_id=f.id,
        towns=len(f.towns),
        venues=len(f.venues),
        studios=sum(v.studios for v in f.venues),
        days=n_days,
        slots_per_day=n_slots,
        studio_slots=total_studio_slots,
        requested=requested,
        by_town=by_town,
        by_industry=by_industry,
        shortages=shortages,
    )
