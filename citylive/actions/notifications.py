"""Notifications as actions: reading the outbox, sending it, putting undelivered messages back,
and queuing the reminders due and the organisers' daily digest.

Organisers only.  An organiser's token limited to one festival covers that festival's
messages alone; the command line and the flows act as `SYSTEM`.  Messages caused by other
actions (a released version, a decision, the summary) are queued by those actions, in their
own transaction.  Every function here that writes commits before it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import models
from citylive.actions.sales import town_lifts
from citylive.config import get_settings
from citylive.errors import Forbidden, Invalid
from citylive.i18n import words
from citylive.money import money
from citylive.notify.dispatch import DispatchResult, dispatch
from citylive.notify.events import enqueue_daily_digest, enqueue_reminders, enqueue_summary
from citylive.notify.listing import (
    OutboxFilter,
    Undelivered,
    outbox_counts,
    outbox_page,
    undelivered,
)
from citylive.notify.queue import requeue
from citylive.notify.routing import Routes
from citylive.sales.figures import summary
from citylive.scope import (
    Actor,
    FestivalOutOfScope,
    festival_visible,
    require_festival,
    require_organiser,
)
from models._types import utcnow
from models.enums import LIVE_STATUSES, NotificationStatus

MAX_PAGE = 1000
MAX_OFFSET = 10_000_000
MAX_SEND = 10_000_000  # rows one dispatch run may handle
MAX_WAIT_SECONDS = 24 * 3600  # how long one run may keep retrying
# A festival gets its digest from its first released version until a day after its last session.
DIGEST_AFTER_END = timedelta(days=1)


@dataclass
class OutboxPage:
    data: list[models.NotificationPublic]
    count: int


def _festival_in_scope(actor: Actor, festival_id: str | None) -> str | None:
    """The festival a read covers: the one asked for (if the actor may see it), else the
    actor's own when its token is limited to one."""
    if festival_id is not None:
        if not festival_visible(actor, festival_id):
            raise FestivalOutOfScope(festival_id)
        return festival_id
    return actor.festival_id


def _bounded(value: int, low: int, high: int, name: str) -> int:
    if not low <= value <= high:
        raise Invalid(f"{name} is {low:,} to {high:,}; got {value:,}", field=name)
    return value


def outbox(
    *,
    db: Session,
    actor: Actor,
    festival_id: str | None = None,
    status: NotificationStatus | None = None,
    undelivered_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> OutboxPage:
    """One page of the outbox, newest first, with each row's attempts and last error."""
    require_organiser(actor, "read the outbox")
    _bounded(limit, 1, MAX_PAGE, "limit")
    _bounded(offset, 0, MAX_OFFSET, "offset")
    filters = OutboxFilter(
        festival_id=_festival_in_scope(actor, festival_id),
        status=status,
        undelivered=undelivered_only,
    )
    rows, count = outbox_page(db, filters=filters, limit=limit, offset=offset)
    return OutboxPage(
        data=[models.NotificationPublic.model_validate(r, from_attributes=True) for r in rows],
        count=count,
    )


def outbox_totals(
    *, db: Session, actor: Actor, festival_id: str | None = None
) -> dict[NotificationStatus, int]:
    """How many messages are in each state."""
    require_organiser(actor, "read the outbox")
    return outbox_counts(db, festival_id=_festival_in_scope(actor, festival_id))


def undelivered_messages(
    *, db: Session, actor: Actor, festival_id: str | None = None
) -> list[Undelivered]:
    """Messages failed, undeliverable, or waiting for a retry after an error, grouped by
    recipient, state and reason."""
    require_organiser(actor, "read the outbox")
    return undelivered(db, festival_id=_festival_in_scope(actor, festival_id))


def requeue_undelivered(*, db: Session, actor: Actor, festival_id: str | None = None) -> int:
    """Failed and undeliverable messages back to pending (after the config is fixed)."""
    require_organiser(actor, "re-queue messages")
    n = requeue(db=db, festival_id=_festival_in_scope(actor, festival_id))
    db.commit()
    return n


def send_outbox(
    *,
    actor: Actor,
    limit: int | None = None,
    wait_for_retries: float = 0.0,
    engine: Engine | None = None,
    routes: Routes | None = None,
) -> DispatchResult:
    """Send what is due, every festival's (the dispatcher commits as it goes)."""
    require_organiser(actor, "send the outbox")
    if actor.festival_id is not None:
        raise Forbidden(
            "sending the outbox sends every festival's messages; a token limited to one "
            "festival may not start it (run `citylive notify dispatch`)",
            field="Authorization",
        )
    if limit is not None:
        _bounded(limit, 1, MAX_SEND, "limit")
    if not 0 <= wait_for_retries <= MAX_WAIT_SECONDS:
        raise Invalid(f"wait is 0 to {MAX_WAIT_SECONDS:,} seconds", field="wait")
    return dispatch(engine=engine, limit=limit, wait_for_retries=wait_for_retries, routes=routes)


def _festivals_with_live_sessions(
    db: Session, actor: Actor, *, where: ColumnElement[bool]
) -> list[str]:
    S = models.FestivalSession
    query = (
        select(S.festival_id)
        .where(where, col(S.status).in_([s.value for s in LIVE_STATUSES]))
        .distinct()
        .order_by(S.festival_id)
    )
    return [fid for fid in db.exec(query) if festival_visible(actor, fid)]


def festivals_to_remind(*, db: Session, actor: Actor, now: datetime) -> list[str]:
    """Festivals with a session still to start."""
    require_organiser(actor, "send reminders")
    return _festivals_with_live_sessions(db, actor, where=col(models.FestivalSession.start) > now)


def queue_reminders(*, db: Session, actor: Actor, festival_id: str, now: datetime) -> int:
    """Queue the reminders due at `now` (never one twice); returns how many were queued."""
    require_organiser(actor, "send reminders")
    require_festival(db, actor, festival_id)
    n = enqueue_reminders(db=db, festival_id=festival_id, now=now)
    db.commit()
    return n


def festivals_for_digest(*, db: Session, actor: Actor, now: datetime | None = None) -> list[str]:
    """Festivals in play: a released schedule with a session that ended no more than a day
    ago, or is still to come."""
    require_organiser(actor, "send the daily digest")
    since = (now or utcnow()) - DIGEST_AFTER_END
    return _festivals_with_live_sessions(db, actor, where=col(models.FestivalSession.end) > since)


@dataclass(frozen=True)
class DigestQueued:
    festival_id: str
    day: date
    queued: int  # 0 when that day's digest was queued before


def queue_digest(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    day: date | None = None,
    now: datetime | None = None,
) -> DigestQueued:
    """Queue the organisers' digest for `day` (today in the festival's time zone unless
    given): confirmations per town, open problems, messages not delivered."""
    require_organiser(actor, "send the daily digest")
    festival = require_festival(db, actor, festival_id)
    now = now or utcnow()
    if now.tzinfo is None:
        raise Invalid("now must be timezone-aware", field="now")
    day = day or now.astimezone(ZoneInfo(festival.timezone)).date()
    n = enqueue_daily_digest(db=db, festival_id=festival_id, day=day, now=now)
    db.commit()
    return DigestQueued(festival_id=festival_id, day=day, queued=n)


MONEY_FIGURES = ("gmv", "net_gmv", "session_gmv", "off_session_gmv", "aov")


def readable_figures(figures: dict, locale: str) -> dict[str, str]:
    """The festival's totals as a reader meets them: labels in the locale, money with
    separators (and 万 in Chinese), counts with separators; the exact `*_fen` left out."""
    t = words(locale, "report")
    out: dict[str, str] = {}
    for key, value in figures.items():
        if key.endswith("_fen"):
            continue
        label = str(t.get(key, key))
        if key in MONEY_FIGURES:
            out[label] = money(value, locale)
        elif key == "refund_rate" and isinstance(value, int | float):
            out[label] = f"{value:.1%}"
        elif isinstance(value, int) and not isinstance(value, bool):
            out[label] = f"{value:,}"
        else:
            out[label] = str(value)
    return out


def queue_summaries(
    *,
    db: Session,
    festival_id: str,
    report_path: str | None,
    figures: dict,
    locale: str | None = None,
) -> int:
    """The post-event summaries: the festival's figures to everyone, and to each town's
    coordinator its own town's sales before, during and after the festival.  Committed."""
    lang = locale or get_settings().locale
    t = words(lang, "report")
    lifts = town_lifts(db=db, festival_id=festival_id)
    by_district = summary(db=db, festival_id=festival_id, by="district")
    district_rows = [  # where the city has districts: GMV and orders per district
        [r["label"] if r["key"] else t["no_district"], money(r["gmv"], lang), f"{r['orders']:,}"]
        for r in by_district
    ] if any(r["key"] for r in by_district) else []  # fmt: skip

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:+.1%}"

    town_figures = {
        town: [
            (t["before_daily"], money(row.get("before_daily"), lang)),
            (t["festival_daily"], money(row.get("festival_daily"), lang)),
            (t["after_daily"], money(row.get("after_daily"), lang)),
            (t["retained_lift"], share(row.get("retained_lift"))),
            (
                t["retention"],
                "-"
                if row.get("retention") is None
                else f"{row['retention']:.1%} ({row.get('returning_buyers', 0)}/"
                f"{row.get('session_buyers', 0)})",
            ),
        ]
        for town, row in lifts.items()
    }
    queued = enqueue_summary(
        db=db,
        festival_id=festival_id,
        report_path=report_path,
        figures=readable_figures(figures, lang),
        town_figures=town_figures,
        district_figures=district_rows,
    )
    db.commit()
    return queued
