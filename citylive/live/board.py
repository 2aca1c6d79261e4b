"""The live board: at a moment of a festival day, what is on now and next at each venue,
late and no-show sessions first, the counts per state and per town, and the stand-ins taken.
Read-only; the same data serves the JSON route and the HTML board."""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.live.state import LiveView, late_after, live_rows, view
from citylive.session_queries import session_public
from models.enums import LIVE_STATUSES
from models.live import LiveState

S = models.FestivalSession
COUNTED = ("scheduled", "live", "late", "no_show", "ended")
# the order of a venue's sessions: what needs someone's attention first
URGENCY = {"late": 0, "no_show": 1, "live": 2, "scheduled": 3, "ended": 4}


@dataclass
class BoardSession:
    row: models.FestivalSession
    live: LiveView
    enterprise_name: str = ""
    streamer_name: str = ""
    town_name: str = ""
    replaced_name: str = ""

    @property
    def shown(self) -> str:
        """The state a person acts on: `late` is a scheduled session past its grace."""
        return "late" if self.live.late else self.live.state

    def public(self, tz: ZoneInfo) -> dict[str, Any]:
        out = session_public(self.row, tz).model_dump(mode="json")
        out["live"] = self.live.public(tz)
        return out


@dataclass
class VenueNow:
    venue: str
    name: str
    now: list[BoardSession] = field(default_factory=list)
    next: list[BoardSession] = field(default_factory=list)


@dataclass
class Board:
    festival_id: str
    festival_name: str
    at: datetime
    day: date
    tz: ZoneInfo
    late_after_minutes: int
    counts: dict[str, int]
    towns: dict[str, dict[str, int]]  # town name -> counts
    venues: list[VenueNow]
    stand_ins: list[BoardSession]
    town: str | None = None  # a coordinator's board covers its own town
    _public: dict[str, Any] | None = field(default=None, repr=False)
    _json: bytes | None = field(default=None, repr=False)

    def public(self) -> dict[str, Any]:
        """The board as JSON data (made once: a cached board is read by many screens)."""
        if self._public is None:
            self._public = self._as_data()
        return self._public

    def json_bytes(self) -> bytes:
        """The board's JSON, encoded once for every screen that reads this board."""
        if self._json is None:
            self._json = json.dumps(self.public(), ensure_ascii=False).encode()
        return self._json

    def _as_data(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(self.tz).isoformat(),
            "festival": self.festival_id,
            "day": self.day.isoformat(),
            "late_after_minutes": self.late_after_minutes,
            "counts": self.counts,
            "towns": self.towns,
            "venues": [
                {
                    "venue": v.venue,
                    "name": v.name,
                    "now": [s.public(self.tz) for s in v.now],
                    "next": [s.public(self.tz) for s in v.next],
                }
                for v in self.venues
            ],
            "stand_ins": [s.public(self.tz) for s in self.stand_ins],
        }


def _day_sessions(
    db: Session, festival_id: str, day: date, tz: ZoneInfo, town: str | None
) -> list[models.FestivalSession]:
    begin = datetime.combine(day, time(0), tzinfo=tz)
    query = select(S).where(
        S.festival_id == festival_id,
        col(S.start) >= begin,
        col(S.start) < begin + timedelta(days=1),
        col(S.status).in_([s.value for s in LIVE_STATUSES]),
    )
    if town is not None:
        query = query.where(S.town == town)
    return list(db.exec(query.order_by(col(S.start), col(S.venue), col(S.studio))))


def _names(
    db: Session,
    festival_id: str,
    rows: list[models.FestivalSession],
    lives: dict[str, models.SessionLive],
) -> tuple[dict[str, str], dict[str, str]]:
    """Enterprise and streamer names of these sessions (those replaced too)."""
    E, St = models.Enterprise, models.Streamer
    ents = sorted(
        {r.enterprise for r in rows}
        | {lv.replaced_enterprise for lv in lives.values() if lv.replaced_enterprise}
    )
    people = sorted(
        {r.streamer for r in rows}
        | {lv.replaced_streamer for lv in lives.values() if lv.replaced_streamer}
    )
    enterprise: dict[str, str] = {}
    streamer: dict[str, str] = {}
    for i in range(0, max(len(ents), len(people)), 500):
        if ents[i : i + 500]:
            enterprise.update(
                db.exec(
                    select(E.id, E.name).where(
                        E.festival_id == festival_id, col(E.id).in_(ents[i : i + 500])
                    )
                ).all()
            )
        if people[i : i + 500]:
            streamer.update(
                db.exec(
                    select(St.id, St.name).where(
                        St.festival_id == festival_id, col(St.id).in_(people[i : i + 500])
                    )
                ).all()
            )
    return enterprise, streamer


def _replaced_name(live: LiveView, names: tuple[dict[str, str], dict[str, str]]) -> str:
    """The name of the streamer a stand-in replaced, or of the enterprise a waiting
    request replaced; empty when neither."""
    if live.replaced_streamer:
        return names[1].get(live.replaced_streamer, live.replaced_streamer)
    if live.replaced_enterprise:
        return names[0].get(live.replaced_enterprise, live.replaced_enterprise)
    return ""


def build_board(
    db: Session, *, festival: models.Festival, at: datetime, town: str | None = None
) -> Board:
    tz = ZoneInfo(festival.timezone)
    grace = late_after(festival.info)
    day = at.astimezone(tz).date()
    rows = _day_sessions(db, festival.id, day, tz, town)
    lives = live_rows(db, [r.id for r in rows])
    V, T = models.Venue, models.Town
    venue_names = dict(db.exec(select(V.id, V.name).where(V.festival_id == festival.id)).all())
    town_names = dict(db.exec(select(T.id, T.name).where(T.festival_id == festival.id)).all())
    names = _names(db, festival.id, rows, lives)
    items = []
    for r in rows:
        item = BoardSession(r, view(r, lives.get(r.id), at, grace))
        item.enterprise_name = names[0].get(r.enterprise, r.enterprise)
        item.streamer_name = names[1].get(r.streamer, r.streamer)
        item.town_name = town_names.get(r.town, r.town)
        item.replaced_name = _replaced_name(item.live, names)
        items.append(item)
    counts: Counter[str] = Counter()
    towns: dict[str, Counter[str]] = defaultdict(Counter)
    by_venue: dict[str, list[BoardSession]] = defaultdict(list)
    for item in items:
        counts[item.shown] += 1
        towns[town_names.get(item.row.town, item.row.town)][item.shown] += 1
        by_venue[item.row.venue].append(item)
    venues = [
        _venue_now(vid, venue_names.get(vid, vid), mine, at)
        for vid, mine in sorted(by_venue.items(), key=lambda kv: _venue_order(kv[1], at))
    ]
    stand_ins = [i for i in items if i.replaced_name]
    return Board(
        festival_id=festival.id,
        festival_name=festival.name,
        at=at,
        day=day,
        tz=tz,
        late_after_minutes=int(grace.total_seconds() // 60),
        counts={k: counts[k] for k in COUNTED},
        towns={t: {k: c[k] for k in COUNTED} for t, c in sorted(towns.items())},
        venues=[v for v in venues if v.now or v.next],
        stand_ins=stand_ins,
        town=town,
    )


def _venue_now(vid: str, name: str, mine: list[BoardSession], at: datetime) -> VenueNow:
    out = VenueNow(venue=vid, name=name)
    out.now = [s for s in mine if s.row.start <= at < s.row.end]
    later = [s.row.start for s in mine if s.row.start > at]
    if later:
        first = min(later)
        out.next = [s for s in mine if s.row.start == first]
    out.now.sort(key=lambda s: (URGENCY[s.shown], s.row.studio))
    out.next.sort(key=lambda s: s.row.studio)
    return out


def _venue_order(mine: list[BoardSession], at: datetime) -> tuple[int, str]:
    """Venues with a late or no-show session now come first."""
    urgent = any(s.shown in ("late", "no_show") and s.row.start <= at < s.row.end for s in mine)
    return (0 if urgent else 1, mine[0].row.venue if mine else "")


_CACHE: OrderedDict[tuple, Board] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_BUILDING: dict[tuple, threading.Lock] = {}
CACHE_SIZE = 64
AT_STEP = 10  # seconds: boards asked for within one step share their moment


def _stamp(db: Session, festival: models.Festival) -> tuple:
    """Changes whenever anything the board shows changes: a live state or figure, a
    decision or a release (the sessions' own change times), the festival's version."""
    L = models.SessionLive
    live = (
        db.connection()
        .execute(
            sa.select(sa.func.max(col(L.updated_at)), sa.func.count()).where(
                col(L.festival_id) == festival.id
            )
        )
        .first()
    )
    changed = (
        db.connection()
        .execute(sa.select(sa.func.max(col(S.updated_at))).where(col(S.festival_id) == festival.id))
        .scalar()
    )
    return (festival.current_version, festival.updated_at, changed, *(live or ()))


def cached_board(
    db: Session, *, festival: models.Festival, at: datetime, town: str | None = None
) -> Board:
    """The board, built once per moment (`AT_STEP` seconds) and per state of the festival:
    a hundred screens polling the same board cost one build and a cheap check each."""
    epoch = int(at.timestamp())
    at = datetime.fromtimestamp(epoch - epoch % AT_STEP, tz=at.tzinfo)
    key = (festival.id, town, at, _stamp(db, festival))
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:  # one build per key: the screens that ask meanwhile wait for it
        with _CACHE_LOCK:
            found = _CACHE.get(key)
        if found is not None:
            return found
        board = build_board(db, festival=festival, at=at, town=town)
        with _CACHE_LOCK:
            _CACHE[key] = board
            _BUILDING.pop(key, None)
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return board


__all__ = [
    "COUNTED",
    "Board",
    "BoardSession",
    "LiveState",
    "VenueNow",
    "build_board",
    "cached_board",
]
