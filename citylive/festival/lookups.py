"""A validated festival in memory, with the look-ups that planning, checking and storing need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from citylive.festival.schema import (
    DEFAULT_WEIGHTS,
    SLOT_REF_RE,
    District,
    Enterprise,
    FestivalDocument,
    FestivalInfo,
    Industry,
    Slot,
    Streamer,
    Theme,
    Town,
    Venue,
)


@dataclass(frozen=True)
class SlotRef:
    """One slot of one day: indices into `Festival.days` and `Festival.slots`."""

    day: int
    slot: int


@dataclass
class Festival:
    """A validated festival, with the look-ups that planning and checking need."""

    doc: FestivalDocument
    source: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # plain attributes -----------------------------------------------------
    @property
    def id(self) -> str:
        return self.doc.festival.id

    @property
    def name(self) -> str:
        return self.doc.festival.name

    @property
    def info(self) -> FestivalInfo:
        return self.doc.festival

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.doc.festival.timezone)

    @property
    def days(self) -> list[date]:
        return self.doc.festival.days

    @property
    def slots(self) -> list[Slot]:
        return self.doc.festival.slots

    @property
    def towns(self) -> list[Town]:
        return self.doc.towns

    @property
    def industries(self) -> list[Industry]:
        return self.doc.industries

    @property
    def platforms(self) -> list[str]:
        return self.doc.platforms

    @property
    def venues(self) -> list[Venue]:
        return self.doc.venues

    @property
    def enterprises(self) -> list[Enterprise]:
        return self.doc.enterprises

    @property
    def streamers(self) -> list[Streamer]:
        return self.doc.streamers

    # look-ups ---------------------------------------------------------------
    @cached_property
    def town(self) -> dict[str, Town]:
        return {t.id: t for t in self.towns}

    @cached_property
    def industry(self) -> dict[str, Industry]:
        return {i.id: i for i in self.industries}

    @cached_property
    def venue(self) -> dict[str, Venue]:
        return {v.id: v for v in self.venues}

    @cached_property
    def enterprise(self) -> dict[str, Enterprise]:
        return {e.id: e for e in self.enterprises}

    @cached_property
    def streamer(self) -> dict[str, Streamer]:
        return {s.id: s for s in self.streamers}

    @cached_property
    def main_venue(self) -> Venue:
        return next(v for v in self.venues if v.kind == "main")

    @cached_property
    def sub_venues_of_town(self) -> dict[str, list[Venue]]:
        """A town's sub-venues (several, in file order, or none)."""
        out: dict[str, list[Venue]] = {}
        for v in self.venues:
            if v.kind == "sub":
                out.setdefault(v.town, []).append(v)
        return out

    @property
    def districts(self) -> list[District]:
        return self.doc.districts

    @cached_property
    def district_of_town(self) -> dict[str, str]:
        """Town -> its district, for the towns that belong to one."""
        return {t: d.id for d in self.districts for t in d.towns}

    @cached_property
    def venue_town(self) -> dict[str, str]:
        """Venue -> the town it counts in for S3 and S6: a main or sub venue's town, own rooms'
        enterprise's town; a district venue stands for its district (`district:<id>`, no
        town's neighbour)."""
        ents = {e.id: e.town for e in self.enterprises}
        out = {}
        for v in self.venues:
            if v.kind == "own":
                out[v.id] = ents.get(v.enterprise or "", v.town)
            elif v.kind == "district":
                out[v.id] = f"district:{v.district}"
            else:
                out[v.id] = v.town
        return out

    @cached_property
    def own_venues(self) -> dict[str, list[Venue]]:
        """Enterprise -> its own rooms."""
        out: dict[str, list[Venue]] = {}
        for v in self.venues:
            if v.kind == "own" and v.enterprise:
                out.setdefault(v.enterprise, []).append(v)
        return out

    @cached_property
    def district_venues(self) -> dict[str, list[Venue]]:
        """District -> its district venues."""
        out: dict[str, list[Venue]] = {}
        for v in self.venues:
            if v.kind == "district" and v.district:
                out.setdefault(v.district, []).append(v)
        return out

    @cached_property
    def neighbours(self) -> dict[str, frozenset[str]]:
        """Symmetric neighbour sets: `a` listing `b` makes them neighbours both ways."""
        out: dict[str, set[str]] = {t.id: set() for t in self.towns}
        for t in self.towns:
            for n in t.neighbours:
                if n in out and n != t.id:
                    out[t.id].add(n)
                    out[n].add(t.id)
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def weights(self) -> dict[str, int]:
        return {**DEFAULT_WEIGHTS, **self.doc.weights}

    @cached_property
    def prime_slot_indices(self) -> frozenset[int]:
        starts = set(self.doc.festival.prime_slots)
        return frozenset(i for i, s in enumerate(self.slots) if s.start in starts)

    def allowed_venues(self, enterprise: Enterprise) -> list[Venue]:
        """H3: the main venue, its own town's sub-venues (a neighbour's only where its town
        has none), its district's venues and its own rooms."""
        out = [self.main_venue]
        subs = self.sub_venues_of_town
        if enterprise.town in subs:
            out.extend(subs[enterprise.town])
        else:
            for n in sorted(self.neighbours.get(enterprise.town, ())):
                out.extend(subs.get(n, ()))
        district = self.district_of_town.get(enterprise.town)
        if district is not None:
            out.extend(self.district_venues.get(district, ()))
        out.extend(self.own_venues.get(enterprise.id, ()))
        return out

    def slot_start(self, ref: SlotRef) -> datetime:
        d = self.days[ref.day]
        return datetime.combine(d, self.slots[ref.slot].start_time, tzinfo=self.tz)

    def slot_end(self, ref: SlotRef) -> datetime:
        d = self.days[ref.day]
        end = self.slots[ref.slot].end
        if end == "24:00":
            return datetime.combine(d + timedelta(days=1), time(0, 0), tzinfo=self.tz)
        return datetime.combine(d, self.slots[ref.slot].end_time, tzinfo=self.tz)

    def slot_refs(self) -> Iterable[SlotRef]:
        for d in range(len(self.days)):
            for s in range(len(self.slots)):
                yield SlotRef(d, s)

    def blocked(self, marks: Iterable[str]) -> set[SlotRef]:
        """Day and slot-start marks (`2020-06-06`, `2020-06-07T19:00`) as slot refs."""
        day_index = {d.isoformat(): i for i, d in enumerate(self.days)}
        slot_index = {s.start: i for i, s in enumerate(self.slots)}
        out: set[SlotRef] = set()
        for mark in marks:
            m = SLOT_REF_RE.match(mark)
            if not m or m.group(1) not in day_index:
                continue
            d = day_index[m.group(1)]
            if m.group(2) is None:
                out.update(SlotRef(d, s) for s in range(len(self.slots)))
            elif m.group(2) in slot_index:
                out.add(SlotRef(d, slot_index[m.group(2)]))
        return out

    def requested_sessions(self) -> int:
        return sum(e.sessions for e in self.enterprises)

    def studio_slots(self) -> int:
        n = len(self.slots)
        return sum(
            v.studios * (len(self.days) * n - len(self.blocked(v.closed))) for v in self.venues
        )

    # what the format added later ------------------------------------------
    @property
    def themes(self) -> list[Theme]:
        return self.doc.themes

    @property
    def min_share(self) -> float | None:
        """The fairness floor (`fairness.min_share`), or None when the file sets none."""
        return self.doc.fairness.min_share

    def theme_blocks(self) -> dict[SlotRef, list[tuple[Theme, int]]]:
        """Per main-venue slot, the themed blocks in it and the studios each takes."""
        out: dict[SlotRef, list[tuple[Theme, int]]] = {}
        for theme in self.themes:
            for ref in sorted(self.blocked(theme.slots), key=lambda r: (r.day, r.slot)):
                out.setdefault(ref, []).append((theme, theme.studios))
        return out
