"""The festival day on the coordinators' portal: each session card's live state, and for a
session whose streamer or enterprise did not show, who may take its place (the same ranking
the API's stand-ins and replacements give).  Read-only; the marks, stand-ins and
replacements themselves go through actions/live.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import models
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.live.offers import TownDay, offers, town_day
from citylive.live.races import race_winner
from citylive.live.standins import StreamersDay, candidates, streamers_day
from citylive.live.state import check_moment, late_after, live_rows, view
from citylive.schedule.publish import Names, names_of
from citylive.scope import Actor, festival_visible, require_festival
from models._types import utcnow
from models.enums import LIVE_STATUSES
from models.live import LiveState, NoShowWho


@dataclass
class DayCard:
    """What a session card shows of the festival day."""

    state: str  # scheduled | live | late (on the day shown) | no_show | ended
    today: bool  # a session of the day shown: its buttons are on the card
    who: str | None = None  # streamer | enterprise, for a no-show
    reason: str | None = None
    replaced: str | None = None  # the name of the streamer or enterprise replaced
    stand_ins: list[dict[str, object]] = field(default_factory=list)
    offers: list[dict[str, object]] = field(default_factory=list)
    why_none: list[str] = field(default_factory=list)


@dataclass
class PortalDay:
    at: datetime
    tz: ZoneInfo
    cards: dict[str, DayCard]


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    check_moment(at)
    return at.astimezone(UTC)


def portal_day(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    session_ids: list[str],
    at: datetime | None,
    names: Names | None = None,
) -> PortalDay:
    """The live state of the actor's sessions at `at` (now by default); the cards of a
    no-show carry the ranked stand-ins (a streamer's) or the waiting requests (an
    enterprise's), with the reasons why none fits.  `names`: the festival's, when the
    caller has read them already."""
    festival_row = require_festival(db, actor, festival_id)
    tz = ZoneInfo(festival_row.timezone)
    moment = _moment(at)
    grace = late_after(festival_row.info)
    today = moment.astimezone(tz).date()
    S = models.FestivalSession
    sessions = [
        r
        for i in range(0, len(session_ids), 500)
        for r in db.exec(select(S).where(col(S.id).in_(session_ids[i : i + 500])))
        if r.status in LIVE_STATUSES
    ]
    lives = live_rows(db, [s.id for s in sessions])
    cards: dict[str, DayCard] = {}
    days: _Days | None = None
    names = names or names_of(db=db, festival_id=festival_id)
    for s in sessions:
        live = lives.get(s.id)
        v = view(s, live, moment, grace)
        card = DayCard(
            state="late" if v.late and s.day == today else v.state,
            today=s.day == today,
            who=v.no_show_who,
            reason=v.no_show_reason,
            replaced=names.streamers.get(v.replaced_streamer or "")
            or names.enterprises.get(v.replaced_enterprise or ""),
        )
        if v.state == LiveState.no_show.value:
            days = days or _Days(db, load_stored_festival(db, festival_id))
            days.takers(card, s)
        cards[s.id] = card
    return PortalDay(at=moment, tz=tz, cards=cards)


@dataclass
class _Days:
    """The no-show cards' takers: what all the no-shows of one day share (who is busy, who
    did not show, the town's sessions) is read once per day for the page, not per card."""

    db: Session
    festival: Festival
    streamers: dict[date, StreamersDay] = field(default_factory=dict)
    towns: dict[tuple[date, str], TownDay] = field(default_factory=dict)

    def takers(self, card: DayCard, s: models.FestivalSession) -> None:
        """The ranked stand-ins (a streamer's no-show) or waiting requests (an
        enterprise's) on the card, with the reasons why none fits."""
        if card.who == NoShowWho.enterprise.value:
            key = (s.day, s.town)
            if key not in self.towns:
                self.towns[key] = town_day(self.db, self.festival, s)
            card.offers, card.why_none = offers(self.db, self.festival, s, self.towns[key])
        else:
            if s.day not in self.streamers:
                self.streamers[s.day] = streamers_day(self.db, s)
            found, card.why_none = candidates(self.db, self.festival, s, self.streamers[s.day])
            card.stand_ins = [c.public() for c in found]


def race_words(
    *, db: Session, actor: Actor, winner: dict[str, object], picked: str, kind: str
) -> dict[str, str]:
    """The words a loser of a stand-in or replacement race is told: who was taken (by
    name), by whom, and where and when the winner's session is.  `kind` is `streamer` or
    `enterprise`; `picked` the id the loser chose."""
    sid = str(winner.get("session") or "")
    row = db.get(models.FestivalSession, sid) if sid else None
    if row is None or not festival_visible(actor, row.festival_id):
        return {"name": picked, "by": str(winner.get("by") or ""), "place": sid}
    names = names_of(db=db, festival_id=row.festival_id)
    taken = str(winner.get(kind) or picked)
    of = names.streamers if kind == "streamer" else names.enterprises
    start = row.start.astimezone(names.tz)
    return {
        "name": of.get(taken, taken),
        "by": str(winner.get("by") or ""),
        "place": f"{names.venues.get(row.venue, row.venue)} {start:%m-%d %H:%M}",
    }


def lost_race(
    *, db: Session, actor: Actor, session_id: str, kind: str, picked: str
) -> tuple[bool, dict[str, str]] | None:
    """A race lost on session `session_id` picking `picked` (a `streamer` or an
    `enterprise`), told again from the database: whether the session's own slot was taken
    (True) or `picked` went elsewhere, and the words for it (race_words); None when the
    database shows no such race or the session is not the actor's to see."""
    row = db.get(models.FestivalSession, session_id)
    if row is None or not festival_visible(actor, row.festival_id):
        return None
    winner = race_winner(db, row, kind, picked)
    if winner is None:
        return None
    words = race_words(db=db, actor=actor, winner=winner, picked=picked, kind=kind)
    return winner.get("session") == session_id, words
