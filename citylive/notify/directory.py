"""Names and places of a festival, as messages show them.

A `Directory` turns ids into what people read: a town's, venue's, enterprise's or streamer's
name, a time in the festival's zone, a session as a table row.  `festival_directory` reads a
whole festival at once (cheap for 10,000 recipients: one query per table, no document);
`receipt_directory` reads only what one decision's receipt names, since receipts are queued
inside the decision's own transaction and must stay quick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.config import get_settings
from citylive.festival.storage import FestivalNotFound
from citylive.i18n import normal_locale, words
from citylive.notify.recipients import Recipient, RecipientKind
from citylive.schedule import ScheduledSession

DEFAULT_REMINDER_MINUTES = 60


@dataclass(frozen=True)
class FestivalHead:
    """The few festival values a message needs (never the whole document)."""

    id: str
    name: str
    timezone: str
    confirmation_deadline: datetime | None
    portal_url: str | None = None
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES
    themes: dict[str, str] = field(default_factory=dict)  # themed blocks: id -> name


class Named(NamedTuple):
    name: str
    town: str | None


@dataclass
class Directory:
    festival: FestivalHead
    locale: str
    towns: dict[str, str] = field(default_factory=dict)
    venues: dict[str, str] = field(default_factory=dict)
    enterprises: dict[str, Named] = field(default_factory=dict)
    streamers: dict[str, Named] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)  # id -> name; empty: none
    district_of_town: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.festival.timezone)
        self.status_labels: dict[str, str] = words(self.locale, "status")
        self.change_labels: dict[str, str] = words(self.locale, "change")

    @property
    def portal_url(self) -> str:
        """The page where coordinators act: the festival's `portal_url`, or the portal of the
        server's public address."""
        return self.festival.portal_url or f"{get_settings().public_url.rstrip('/')}/portal"

    @property
    def programme_url(self) -> str:
        """The public programme: where enterprises and streamers read their sessions."""
        return f"{get_settings().public_url.rstrip('/')}/programme/{self.festival.id}"

    def name_of(self, recipient: Recipient) -> str:
        rid = recipient.id or ""
        if recipient.kind == RecipientKind.coordinator:
            return self.towns.get(rid, rid)
        if recipient.kind == RecipientKind.enterprise:
            return self.enterprise_name(rid)
        if recipient.kind == RecipientKind.streamer:
            return self.streamer_name(rid)
        return ""

    def town_of(self, recipient: Recipient) -> str | None:
        """The town whose default channel serves the recipient (`town:<town>` in the config)."""
        rid = recipient.id or ""
        if recipient.kind == RecipientKind.coordinator:
            return rid
        if recipient.kind == RecipientKind.enterprise:
            found = self.enterprises.get(rid)
            return found.town if found else None
        if recipient.kind == RecipientKind.streamer:
            found = self.streamers.get(rid)
            return found.town if found else None
        return None

    def district_of(self, town: str | None) -> str | None:
        """The name of a town's district (None: no districts, or a town in none)."""
        d = self.district_of_town.get(town or "")
        return self.districts.get(d, d) if d else None

    def town_order(self, town: str) -> tuple[int, str]:
        """Towns by district (the file's order, towns in none last), then by name; by name
        alone in a city without districts."""
        rank = {d: i for i, d in enumerate(self.districts)}
        district = self.district_of_town.get(town, "")
        return rank.get(district, len(rank)), self.towns.get(town, town)

    def town_label(self, town: str) -> str:
        """A town's name, with its district's where it has one (`古镇镇（西部组团）`)."""
        name = self.towns.get(town, town)
        district = self.district_of(town)
        return f"{name}（{district}）" if district else name

    def enterprise_name(self, enterprise_id: str) -> str:
        found = self.enterprises.get(enterprise_id)
        return found.name if found else enterprise_id

    def streamer_name(self, streamer_id: str) -> str:
        found = self.streamers.get(streamer_id)
        return found.name if found else streamer_id

    def when(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def session_row(self, s: models.FestivalSession) -> list[Any]:
        start, end = s.start.astimezone(self.tz), s.end.astimezone(self.tz)
        status = str(s.status)
        # where the city has districts, the session's (its enterprise's town's) before the venue
        district = [self.district_of(s.town) or "-"] if self.districts else []
        return [
            s.id,
            start.strftime("%Y-%m-%d"),
            f"{start:%H:%M}-{end:%H:%M}",
            *district,
            self.venue_of(s),
            s.studio,
            self.enterprise_name(s.enterprise),
            self.streamer_name(s.streamer),
            s.platform,
            self.status_labels.get(status, status),
        ]

    def venue_of(self, s: models.FestivalSession) -> str:
        """The venue's name, and the themed block a session is in (`主会场 · 中山美居`)."""
        venue = self.venues.get(s.venue, s.venue)
        theme = s.theme and self.festival.themes.get(s.theme, s.theme)
        return f"{venue} · {theme}" if theme else venue

    def place_of(self, s: ScheduledSession, status: str | None = None) -> str:
        """Where and with whom a session was: the `was` column of a change notice; with
        `status`, how that session ended (`已拒绝`)."""
        venue = self.venues.get(s.venue, s.venue)
        was = f"{self.when(s.start)} {venue} #{s.studio} {self.streamer_name(s.streamer)}"
        if status:
            was += f" ({self.status_labels.get(status, status)})"
        return was

    def base_context(self, recipient: Recipient) -> dict[str, Any]:
        """What every template may use: the festival, the recipient, the portal, the deadline."""
        deadline = self.festival.confirmation_deadline
        return {
            "festival_id": self.festival.id,
            "festival_name": self.festival.name,
            "recipient": recipient.tag,
            "recipient_kind": recipient.kind.value,
            "recipient_name": self.name_of(recipient),
            "portal_url": self.portal_url,
            "programme_url": self.programme_url,
            "deadline": self.when(deadline) if deadline else None,
            # the recipient's district (a coordinator's or an enterprise's town's), and
            # whether the session tables carry a district column
            "district_name": self.district_of(self.town_of(recipient))
            if recipient.kind != RecipientKind.streamer
            else None,
            "districts": bool(self.districts),
        }


def _head_columns() -> list[Any]:
    F = models.Festival
    # from the festival's small `info` (its file's `festival:` section), never the document
    portal = F.info["portal_url"].as_string()  # type: ignore[index]
    minutes = F.info["reminder_minutes"].as_integer()  # type: ignore[index]
    themes = F.info["themes"]  # type: ignore[index]
    return [
        col(F.id),
        col(F.name),
        col(F.timezone),
        col(F.confirmation_deadline),
        portal,
        minutes,
        themes,
    ]


def _head(values: Any) -> FestivalHead:
    f_id, f_name, f_tz, f_deadline, portal_url, minutes, themes = values
    return FestivalHead(
        id=f_id,
        name=f_name,
        timezone=f_tz,
        confirmation_deadline=f_deadline,
        portal_url=portal_url or None,
        reminder_minutes=int(minutes or DEFAULT_REMINDER_MINUTES),
        themes={t["id"]: t["name"] for t in themes or []},
    )


def _locale() -> str:
    return normal_locale(get_settings().locale)


def festival_directory(db: Session, festival_id: str) -> Directory:
    """Every name of a festival: towns, venues, enterprises and streamers."""
    F = models.Festival
    # Core rows: more columns than sqlmodel's select() types allow
    found: Any = db.connection().execute(
        sa.select(*_head_columns()).where(col(F.id) == festival_id)
    )
    head = found.first()
    if head is None:
        raise FestivalNotFound(festival_id)
    T, V, E, S = models.Town, models.Venue, models.Enterprise, models.Streamer
    D = models.District
    return Directory(
        festival=_head(head),
        locale=_locale(),
        towns=dict(db.exec(select(T.id, T.name).where(T.festival_id == festival_id)).all()),
        venues=dict(db.exec(select(V.id, V.name).where(V.festival_id == festival_id)).all()),
        enterprises={
            eid: Named(name, town)
            for eid, name, town in db.exec(
                select(E.id, E.name, E.town_id).where(E.festival_id == festival_id)
            )
        },
        streamers={
            sid: Named(name, town)
            for sid, name, town in db.exec(
                select(S.id, S.name, S.town_id).where(S.festival_id == festival_id)
            )
        },
        districts=dict(  # in the festival file's order
            db.exec(
                select(D.id, D.name).where(D.festival_id == festival_id).order_by(col(D.position))
            ).all()
        ),
        district_of_town={
            t: d
            for t, d in db.exec(select(T.id, T.district_id).where(T.festival_id == festival_id))
            if d is not None
        },
    )


@lru_cache(maxsize=1)
def _receipt_names() -> sa.Select:
    """One indexed query for all a receipt names, built once (receipts go out with every
    decision, the busiest path of a festival)."""
    F, T, V = models.Festival, models.Town, models.Venue
    E, S = models.Enterprise, models.Streamer

    def named(table: Any, param: str) -> Any:
        return sa.and_(col(table.festival_id) == col(F.id), col(table.id) == sa.bindparam(param))

    return (
        sa.select(
            *_head_columns(),
            col(T.name),
            col(V.name),
            col(E.name),
            col(E.town_id),
            col(S.name),
            col(S.town_id),
        )
        .select_from(F)
        .outerjoin(T, named(T, "p_town"))
        .outerjoin(V, named(V, "p_venue"))
        .outerjoin(E, named(E, "p_enterprise"))
        .outerjoin(S, named(S, "p_streamer"))
        .where(col(F.id) == sa.bindparam("p_festival"))
    )


def receipt_directory(
    db: Session, decision: models.Decision, session: models.FestivalSession | None
) -> Directory:
    """Only what one decision's receipt names: the festival's head, the town, and the
    session's venue, enterprise and streamer, in one indexed query instead of every
    enterprise and streamer of the festival."""
    found: Any = (
        db.connection()
        .execute(
            _receipt_names(),
            {
                "p_festival": decision.festival_id,
                "p_town": decision.town,
                "p_venue": session.venue if session else None,
                "p_enterprise": session.enterprise if session else None,
                "p_streamer": session.streamer if session else None,
            },
        )
        .first()
    )
    if found is None:
        raise FestivalNotFound(decision.festival_id)
    *head, town_name, v_name, e_name, e_town, s_name, s_town = found
    directory = Directory(festival=_head(head), locale=_locale())
    if town_name is not None:
        directory.towns[decision.town] = town_name
    if session is not None:
        if v_name is not None:
            directory.venues[session.venue] = v_name
        if e_name is not None:
            directory.enterprises[session.enterprise] = Named(e_name, e_town)
        if s_name is not None:
            directory.streamers[session.streamer] = Named(s_name, s_town)
    return directory
