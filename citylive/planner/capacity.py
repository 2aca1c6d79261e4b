"""The capacity check: demand against supply, before anything is solved.

Supply is counted generously (an upper bound on what a schedule could place), so a shortage
reported here is a real one: no schedule can do better.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from citylive.festival import Festival, Streamer


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
    by_platform: list[CapacityLine] = field(default_factory=list)
    by_industry_platform: list[CapacityLine] = field(default_factory=list)
    by_day: list[CapacityLine] = field(default_factory=list)
    by_district: list[CapacityLine] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {
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
            "by_platform": [vars(x) | {"short": x.short} for x in self.by_platform],
            "by_industry_platform": [
                vars(x) | {"short": x.short} for x in self.by_industry_platform
            ],
            "by_day": [vars(x) | {"short": x.short} for x in self.by_day],
        }
        if self.by_district:
            out["by_district"] = [vars(x) | {"short": x.short} for x in self.by_district]
        return out


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

    by_town = _by_town(f, shortages)
    by_industry = _by_industry(f, shortages)
    by_platform, by_industry_platform, by_day = _platforms_and_days(f, requested, shortages)
    return CapacityReport(
        by_district=_by_district(f, by_town, _venue_slots(f), shortages),
        festival_id=f.id,
        by_platform=by_platform,
        by_industry_platform=by_industry_platform,
        by_day=by_day,
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


def _venue_slots(f: Festival) -> dict[str, int]:
    """Each venue's open studio-slots over the festival."""
    n_days, n_slots = len(f.days), len(f.slots)
    return {v.id: v.studios * (n_days * n_slots - len(f.blocked(v.closed))) for v in f.venues}


def _by_town(f: Festival, shortages: list[str]) -> list[CapacityLine]:
    """Per town: what its enterprises may use (H3) and what the supply rule (H7) lets them
    have."""
    n_days = len(f.days)
    venue_slots = _venue_slots(f)
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
    return by_town


def _by_industry(f: Festival, shortages: list[str]) -> list[CapacityLine]:
    """Per industry: the streamer-slots that can serve it."""
    n_days, n_slots = len(f.days), len(f.slots)
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
    return by_industry


def _by_district(
    f: Festival, by_town: list[CapacityLine], venue_slots: dict[str, int], shortages: list[str]
) -> list[CapacityLine]:
    """Per district: its towns' requests against the studio-slots they may use (H3) and
    what their products allow, each town's supply summed and capped by the venues'."""
    town_line = {x.key: x for x in by_town}
    out: list[CapacityLine] = []
    for d in f.districts:
        lines = [town_line[t] for t in d.towns if t in town_line]
        if not lines:
            continue
        towns = set(d.towns)
        allowed = {v.id for e in f.enterprises if e.town in towns for v in f.allowed_venues(e)}
        supply = min(sum(x.supply for x in lines), sum(venue_slots[v] for v in allowed))
        line = CapacityLine(
            d.id, sum(x.requested for x in lines), supply,
            "studio-slots and products its towns' enterprises can use",
        )  # fmt: skip
        out.append(line)
        if line.short:
            shortages.append(
                f"district {d.id}: {line.requested} sessions asked, at most {line.supply} can "
                "be placed"
            )
    return out


def _streamer_slots(f: Festival, s: Streamer, day: int) -> int:
    """Sessions a streamer can give on one day: the daily limit, within the open slots."""
    n_slots = len(f.slots)
    blocked = {r.slot for r in f.blocked(s.unavailable) if r.day == day}
    return min(s.max_sessions_per_day, n_slots - len(blocked))


def _platforms_and_days(
    f: Festival, requested: int, shortages: list[str]
) -> tuple[list[CapacityLine], list[CapacityLine], list[CapacityLine]]:
    """Demand that only one platform can serve against the streamer-slots on it (per
    platform and per industry on it), and per day the studio-slots that have a streamer."""
    n_days, n_slots = len(f.days), len(f.slots)
    slots_of = {s.id: [_streamer_slots(f, s, d) for d in range(n_days)] for s in f.streamers}

    def serves(s: Streamer, industry: str | None, platform: str) -> bool:
        if platform not in s.platforms or (industry is not None and industry not in s.industries):
            return False
        if s.employer is not None:
            emp = f.enterprise.get(s.employer)
            return (
                emp is not None and platform in emp.platforms and industry in (None, emp.industry)
            )
        return True

    by_platform: list[CapacityLine] = []
    by_ip: list[CapacityLine] = []
    only: dict[str, int] = defaultdict(int)
    only_ind: dict[tuple[str, str], int] = defaultdict(int)
    for e in f.enterprises:
        if len(e.platforms) == 1:
            only[e.platforms[0]] += e.sessions
            only_ind[(e.industry, e.platforms[0])] += e.sessions
    for p in f.platforms:
        if not only[p]:
            continue
        supply = sum(sum(slots_of[s.id]) for s in f.streamers if serves(s, None, p))
        by_platform.append(
            CapacityLine(p, only[p], supply, f"streamer-slots on {p}, for enterprises only on {p}")
        )
    for ind in f.industries:
        for p in f.platforms:
            asked = only_ind[(ind.id, p)]
            if not asked:
                continue
            supply = sum(sum(slots_of[s.id]) for s in f.streamers if serves(s, ind.id, p))
            line = CapacityLine(
                f"{ind.id} on {p}", asked, supply, "streamer-slots that fit industry and platform"
            )
            by_ip.append(line)
            if line.short:
                shortages.append(
                    f"{ind.id} on {p}: {asked} sessions asked, {supply} streamer-slots can serve them"
                )
    for line in by_platform:
        if line.short:
            shortages.append(
                f"platform {line.key}: {line.requested} sessions asked of enterprises selling only "
                f"there, {line.supply} streamer-slots on it"
            )

    by_day: list[CapacityLine] = []
    mins = f.info.min_skus_per_session
    total = 0
    for d, day in enumerate(f.days):
        studio = sum(
            v.studios * (n_slots - sum(1 for r in f.blocked(v.closed) if r.day == d))
            for v in f.venues
        )
        streamer = sum(slots_of[s.id][d] for s in f.streamers)
        asked = 0
        for e in f.enterprises:
            open_slots = n_slots - sum(1 for r in f.blocked(e.unavailable) if r.day == d)
            asked += min(e.sessions, e.skus // mins, open_slots)
        supply = min(studio, streamer)
        total += supply
        by_day.append(
            CapacityLine(
                day.isoformat(), asked, supply, "the lesser of open studio-slots and streamer-slots"
            )
        )
    if requested > total and total < f.studio_slots():
        shortages.append(
            f"{requested} sessions asked, at most {total} can have both a studio and a streamer "
            "(per day the lesser of open studio-slots and streamer-slots)"
        )
    return by_platform, by_ip, by_day
