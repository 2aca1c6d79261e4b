"""Queuing messages in the outbox, in the caller's transaction (nothing here commits).

One row per recipient per event: a coordinator with 40 sessions gets one message with a
table, not 40.  Each row has an idempotency key, `event:festival:v<version>:recipient` for a
schedule release (see each function for the others); a key already in the table is skipped,
so re-running a cause never queues a message twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

import models
from citylive.config import get_settings
from citylive.festival.storage import FestivalNotFound
from citylive.notify.messages import CHANGE_LABELS, STATUS_LABELS, normal_locale, render

ACTIVE = ("proposed", "confirmed")


@dataclass
class _Directory:
    """Names and places of a festival, read from its tables (cheap for 10,000 recipients)."""

    festival: models.Festival | _FestivalHead
    tz: ZoneInfo
    towns: dict[str, str]
    venues: dict[str, str]
    enterprises: dict[str, tuple[str, str]]  # id -> (name, town)
    streamers: dict[str, tuple[str, str]]
    locale: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def portal_url(self) -> str:
        return str(self.info.get("portal_url") or get_settings().public_url)

    def recipient_name(self, recipient: str) -> str:
        kind, _, rid = recipient.partition(":")
        if kind == "coordinator":
            return self.towns.get(rid, rid)
        if kind == "enterprise":
            return self.enterprises.get(rid, (rid, ""))[0]
        if kind == "streamer":
            return self.streamers.get(rid, (rid, ""))[0]
        return ""

    def recipient_town(self, recipient: str) -> str | None:
        kind, _, rid = recipient.partition(":")
        if kind == "coordinator":
            return rid
        if kind == "enterprise":
            return self.enterprises.get(rid, ("", None))[1]  # type: ignore[return-value]
        if kind == "streamer":
            return self.streamers.get(rid, ("", None))[1]  # type: ignore[return-value]
        return None

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def when(self, at: datetime) -> str:
        return self.local(at).strftime("%Y-%m-%d %H:%M")

    def session_row(self, s: models.FestivalSession) -> list[Any]:
        start, end = self.local(s.start), self.local(s.end)
        return [
            s.id,
            start.strftime("%Y-%m-%d"),
            f"{start:%H:%M}-{end:%H:%M}",
            self.venues.get(s.venue, s.venue),
            s.studio,
            self.enterprises.get(s.enterprise, (s.enterprise, ""))[0],
            self.streamers.get(s.streamer, (s.streamer, ""))[0],
            s.platform,
            STATUS_LABELS[self.locale].get(str(s.status), str(s.status)),
        ]

    def place_of(self, doc_session: dict[str, Any]) -> str:
        start = datetime.fromisoformat(str(doc_session["start"]))
        venue = self.venues.get(str(doc_session["venue"]), str(doc_session["venue"]))
        streamer = self.streamers.get(str(doc_session["streamer"]), (doc_session["streamer"], ""))[
            0
        ]
        return f"{self.when(start)} {venue} #{doc_session['studio']} {streamer}"


def _directory(db: Session, festival_id: str) -> _Directory:
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    fid = festival_id
    towns = {
        t.id: t.name for t in db.exec(select(models.Town).where(models.Town.festival_id == fid))
    }
    venues = {
        v.id: v.name for v in db.exec(select(models.Venue).where(models.Venue.festival_id == fid))
    }
    enterprises = {
        e.id: (e.name, e.town_id)
        for e in db.exec(select(models.Enterprise).where(models.Enterprise.festival_id == fid))
    }
    streamers = {
        s.id: (s.name, s.town_id)
        for s in db.exec(select(models.Streamer).where(models.Streamer.festival_id == fid))
    }
    info = dict((row.document or {}).get("festival", {}))
    return _Directory(
        festival=row,
        tz=ZoneInfo(row.timezone),
        towns=towns,
        venues=venues,
        enterprises=enterprises,
        streamers=streamers,
        locale=normal_locale(get_settings().locale),
        info=info,
    )


@dataclass(frozen=True)
class _FestivalHead:
    """The few festival columns a single message needs (not the whole document)."""

    id: str
    name: str
    timezone: str
    confirmation_deadline: datetime | None


def _receipt_directory(
    db: Session, decision: models.Decision, session: models.FestivalSession | None
) -> _Directory:
    """A directory holding only what one decision's receipt names: the festival's head and
    portal, the town, and the session's venue, enterprise and streamer.  Two indexed queries
    instead of every enterprise and streamer of the festival."""
    F, T = models.Festival, models.Town
    fid = decision.festival_id
    portal = F.document[("festival", "portal_url")].as_string()  # type: ignore[index]
    conn = db.connection()  # Core rows: more columns than sqlmodel's select() types allow
    head: Any = conn.execute(
        sa.select(
            col(F.id),
            col(F.name),
            col(F.timezone),
            col(F.confirmation_deadline),
            portal,
            col(T.name),
        )
        .outerjoin(T, sa.and_(col(T.festival_id) == col(F.id), col(T.id) == decision.town))
        .where(col(F.id) == fid)
    ).first()
    if head is None:
        raise FestivalNotFound(fid)
    f_id, f_name, f_tz, f_deadline, portal_url, town_name = head
    venues: dict[str, str] = {}
    enterprises: dict[str, tuple[str, str]] = {}
    streamers: dict[str, tuple[str, str]] = {}
    if session is not None:
        V, E, S = models.Venue, models.Enterprise, models.Streamer
        names: Any = conn.execute(
            sa.select(col(V.name), col(E.name), col(E.town_id), col(S.name), col(S.town_id))
            .select_from(sa.select(sa.literal(1).label("one")).subquery())
            .outerjoin(V, sa.and_(col(V.festival_id) == fid, col(V.id) == session.venue))
            .outerjoin(E, sa.and_(col(E.festival_id) == fid, col(E.id) == session.enterprise))
            .outerjoin(S, sa.and_(col(S.festival_id) == fid, col(S.id) == session.streamer))
        ).one()
        v_name, e_name, e_town, s_name, s_town = names
        if v_name is not None:
            venues[session.venue] = v_name
        if e_name is not None:
            enterprises[session.enterprise] = (e_name, e_town)
        if s_name is not None:
            streamers[session.streamer] = (s_name, s_town)
    festival = _FestivalHead(id=f_id, name=f_name, timezone=f_tz, confirmation_deadline=f_deadline)
    d = _Directory(
        festival=festival,
        tz=ZoneInfo(f_tz),
        towns={decision.town: town_name} if town_name is not None else {},
        venues=venues,
        enterprises=enterprises,
        streamers=streamers,
        locale=normal_locale(get_settings().locale),
        info={"portal_url": portal_url} if portal_url else {},
    )
    return d


def _base_context(d: _Directory, recipient: str) -> dict[str, Any]:
    kind = recipient.partition(":")[0]
    return {
        "festival_id": d.festival.id,
        "festival_name": d.festival.name,
        "recipient": recipient,
        "recipient_kind": kind,
        "recipient_name": d.recipient_name(recipient),
        "portal_url": d.portal_url,
        "deadline": d.when(d.festival.confirmation_deadline)
        if d.festival.confirmation_deadline
        else None,
    }


def _queue(
    db: Session,
    d: _Directory,
    messages: Iterable[tuple[str, str, str, dict[str, Any], list[str]]],
) -> int:
    """Add (key, event, recipient, context, attachments) rows whose key is new; returns how many."""
    wanted = {m[0]: m for m in messages}
    if not wanted:
        return 0
    keys = list(wanted)
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        existing |= set(
            db.exec(select(models.Notification.key).where(col(models.Notification.key).in_(chunk)))
        )
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for key, event, recipient, context, attachments in wanted.values():
        if key in existing:
            continue
        body = render(event, context, d.locale)
        rows.append(
            {
                "festival_id": d.festival.id,
                "event": event,
                "recipient": recipient,
                "subject": body.subject[:500],
                "status": "pending",
                "attempts": 0,
                "last_error": None,
                "key": key,
                "target": None,
                "body_text": body.text,
                "body_markdown": body.markdown,
                "body_html": body.html,
                "attachments": attachments,
                "context": {"town": d.recipient_town(recipient), "locale": d.locale},
                "next_attempt_at": now,
                "claimed_by": None,
                "claimed_until": None,
                "created_at": now,
                "sent_at": None,
            }
        )
    if rows:
        # One multi-row INSERT in the caller's transaction: building 10,000 ORM objects costs
        # more than rendering their messages.
        db.execute(sa.insert(models.Notification), rows)
    return len(rows)


def _sessions(db: Session, festival_id: str) -> list[models.FestivalSession]:
    return list(
        db.exec(
            select(models.FestivalSession)
            .where(models.FestivalSession.festival_id == festival_id)
            .order_by(
                col(models.FestivalSession.start),
                col(models.FestivalSession.venue),
                col(models.FestivalSession.studio),
            )
        )
    )


def _recipients_of(s: models.FestivalSession) -> list[str]:
    return [f"coordinator:{s.town}", f"enterprise:{s.enterprise}", f"streamer:{s.streamer}"]


def enqueue_schedule_release(*, db: Session, festival_id: str, version: int) -> int:
    """Queue the messages a released schedule version causes; returns rows queued.

    Version 1: an assignment to every coordinator town, enterprise and streamer with sessions
    (their sessions as a table, the portal link and the confirmation deadline).  Later
    versions: a change notice only to those whose sessions are new, moved or cancelled.
    """
    d = _directory(db, festival_id)
    release = db.exec(
        select(models.ScheduleVersion).where(
            models.ScheduleVersion.festival_id == festival_id,
            models.ScheduleVersion.version == version,
        )
    ).first()
    if release is None:
        raise LookupError(
            f"festival {festival_id!r} has no schedule version {version}; store it before queuing its messages"
        )
    sessions = _sessions(db, festival_id)
    active_of: dict[str, list[models.FestivalSession]] = defaultdict(list)
    for s in sessions:
        if s.status in ACTIVE:
            for r in _recipients_of(s):
                active_of[r].append(s)
    previous = db.exec(
        select(models.ScheduleVersion)
        .where(
            models.ScheduleVersion.festival_id == festival_id,
            models.ScheduleVersion.version < version,
        )
        .order_by(col(models.ScheduleVersion.version).desc())
    ).first()
    changes = release.changes or {}
    first = previous is None or not any(changes.get(k) for k in ("moved", "cancelled", "unchanged"))
    out: list[tuple[str, str, str, dict[str, Any], list[str]]] = []
    if first:
        for recipient, mine in active_of.items():
            ctx = _base_context(d, recipient)
            ctx.update(
                version=version, count=len(mine), session_rows=[d.session_row(s) for s in mine]
            )
            out.append(
                (
                    f"assignment:{festival_id}:v{version}:{recipient}",
                    "assignment",
                    recipient,
                    ctx,
                    [],
                )
            )
        return _queue(db, d, out)

    by_id = {s.id: s for s in sessions}
    before = {str(s["id"]): s for s in (previous.document if previous else {}).get("sessions", [])}
    changed_of: dict[str, list[list[Any]]] = defaultdict(list)
    for kind in ("new", "moved", "cancelled"):
        for sid in changes.get(kind, []) or []:
            found = by_id.get(sid)
            if found is None:
                continue
            s = found
            old = before.get(sid)
            was = d.place_of(old) if (old and kind == "moved") else ""
            row = [CHANGE_LABELS[d.locale][kind], *d.session_row(s), was]
            recipients = set(_recipients_of(s))
            if old:  # whoever the session was with before hears of it too
                old_ent = str(old.get("enterprise", s.enterprise))
                old_town = d.enterprises.get(old_ent, ("", s.town))[1]
                recipients |= {
                    f"coordinator:{old_town}",
                    f"enterprise:{old_ent}",
                    f"streamer:{old.get('streamer', s.streamer)}",
                }
            for r in sorted(recipients):
                changed_of[r].append(row)
    for recipient, rows in changed_of.items():
        ctx = _base_context(d, recipient)
        mine = active_of.get(recipient, [])
        ctx.update(
            version=version,
            change_rows=rows,
            count=len(mine),
            session_rows=[d.session_row(s) for s in mine],
        )
        out.append((f"change:{festival_id}:v{version}:{recipient}", "change", recipient, ctx, []))
    return _queue(db, d, out)


def enqueue_decision_receipt(*, db: Session, decision_id: int) -> int:
    """A receipt to the deciding town's coordinator; key `receipt:festival:d<id>:recipient`."""
    decision = db.get(models.Decision, decision_id)
    if decision is None:
        raise LookupError(f"no decision {decision_id}")
    session = db.get(models.FestivalSession, decision.session_id)
    return enqueue_receipt_for(db=db, decision=decision, session=session)


def enqueue_receipt_for(
    *, db: Session, decision: models.Decision, session: models.FestivalSession | None
) -> int:
    """enqueue_decision_receipt for a decision (with its id) and session already in hand."""
    decision_id = decision.id
    d = _receipt_directory(db, decision, session)
    recipient = f"coordinator:{decision.town}"
    ctx = _base_context(d, recipient)
    ctx.update(
        action=decision.action,
        outcome=decision.outcome,
        reason=decision.reason or "",
        actor=decision.actor,
        at=d.when(decision.at),
        session_id=decision.session_id,
        session_rows=[d.session_row(session)] if session else [],
    )
    key = f"receipt:{decision.festival_id}:d{decision_id}:{recipient}"
    return _queue(db, d, [(key, "receipt", recipient, ctx, [])])


def enqueue_reminders(*, db: Session, festival_id: str, now: datetime) -> int:
    """Reminders for sessions starting within the festival's lead time (`reminder_minutes`).

    Enterprises and streamers: one per session, key `reminder:festival:<session>:recipient`.
    Coordinators: one per town and start time with a table, key with the start instead.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    d = _directory(db, festival_id)
    lead = int(d.info.get("reminder_minutes") or 60)
    horizon = now + timedelta(minutes=lead)
    due = [
        s
        for s in db.exec(
            select(models.FestivalSession)
            .where(
                models.FestivalSession.festival_id == festival_id,
                col(models.FestivalSession.status).in_(ACTIVE),
                col(models.FestivalSession.start) > now,
                col(models.FestivalSession.start) <= horizon,
            )
            .order_by(col(models.FestivalSession.start), col(models.FestivalSession.id))
        )
    ]
    out: list[tuple[str, str, str, dict[str, Any], list[str]]] = []
    by_town: dict[tuple[str, datetime], list[models.FestivalSession]] = defaultdict(list)
    for s in due:
        by_town[(s.town, s.start)].append(s)
        for recipient in (f"enterprise:{s.enterprise}", f"streamer:{s.streamer}"):
            ctx = _base_context(d, recipient)
            ctx.update(
                lead_minutes=lead, start=d.when(s.start), count=1, session_rows=[d.session_row(s)]
            )
            out.append(
                (f"reminder:{festival_id}:{s.id}:{recipient}", "reminder", recipient, ctx, [])
            )
    for (town, start), mine in by_town.items():
        recipient = f"coordinator:{town}"
        ctx = _base_context(d, recipient)
        ctx.update(
            lead_minutes=lead,
            start=d.when(start),
            count=len(mine),
            session_rows=[d.session_row(s) for s in mine],
        )
        stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        out.append((f"reminder:{festival_id}:{stamp}:{recipient}", "reminder", recipient, ctx, []))
    return _queue(db, d, out)


def enqueue_daily_digest(*, db: Session, festival_id: str, day: date) -> int:
    """The organiser's digest for `day`: confirmations per town, open problems, failed messages."""
    d = _directory(db, festival_id)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for town, status, n in db.exec(
        select(models.FestivalSession.town, models.FestivalSession.status, func.count())
        .where(models.FestivalSession.festival_id == festival_id)
        .group_by(models.FestivalSession.town, models.FestivalSession.status)
    ):
        counts[town][str(status)] += int(n)
    town_rows: list[list[Any]] = [
        [d.towns.get(t, t), c["proposed"], c["confirmed"], c["declined"], c["cancelled"]]
        for t, c in sorted(counts.items(), key=lambda kv: d.towns.get(kv[0], kv[0]))
    ]
    totals = [sum(int(r[i]) for r in town_rows) for i in range(1, 5)]
    unplaced = list(
        db.exec(
            select(models.SessionRequest).where(
                models.SessionRequest.festival_id == festival_id,
                col(models.SessionRequest.placed) < col(models.SessionRequest.requested),
            )
        )
    )
    unplaced_rows = [
        [
            d.enterprises.get(r.enterprise_id, (r.enterprise_id, ""))[0],
            r.requested - r.placed,
            r.unplaced_reason or "",
        ]
        for r in unplaced
    ]
    overdue = 0
    deadline = d.festival.confirmation_deadline
    if deadline is not None and deadline <= datetime.now(UTC):
        overdue = totals[0]
    failed = list(
        db.exec(
            select(models.Notification)
            .where(
                models.Notification.festival_id == festival_id,
                col(models.Notification.status).in_(["failed", "undeliverable"]),
            )
            .order_by(col(models.Notification.id))
        )
    )
    recipient = "organiser"
    ctx = _base_context(d, recipient)
    ctx.update(
        day=day.isoformat(),
        town_rows=town_rows,
        totals=totals,
        unplaced_rows=unplaced_rows,
        overdue=overdue,
        failed_count=sum(1 for n in failed if n.status == "failed"),
        undeliverable_count=sum(1 for n in failed if n.status == "undeliverable"),
        failed_rows=[
            [n.recipient, n.event, n.status, (n.last_error or "")[:120]] for n in failed[:20]
        ],
    )
    key = f"digest:{festival_id}:{day.isoformat()}:{recipient}"
    return _queue(db, d, [(key, "digest", recipient, ctx, [])])


def enqueue_summary(
    *, db: Session, festival_id: str, report_path: str | None, figures: dict
) -> int:
    """The post-event summary to the organiser and every coordinator, the report attached
    (channels that take files) and linked; key `summary:festival:recipient`."""
    d = _directory(db, festival_id)
    towns = sorted(
        set(
            db.exec(
                select(models.FestivalSession.town)
                .where(models.FestivalSession.festival_id == festival_id)
                .distinct()
            )
        )
    )
    figure_rows = [[str(k), str(v)] for k, v in figures.items()]
    report_link = ""
    if report_path:
        report_link = f"{get_settings().public_url.rstrip('/')}/reports/{festival_id}/{report_path.rsplit('/', 1)[-1]}"
    out: list[tuple[str, str, str, dict[str, Any], list[str]]] = []
    for recipient in ["organiser", *[f"coordinator:{t}" for t in towns]]:
        ctx = _base_context(d, recipient)
        ctx.update(
            figure_rows=figure_rows,
            report_path=report_path or "",
            report_link=report_link,
        )
        attachments = [report_path] if report_path else []
        out.append((f"summary:{festival_id}:{recipient}", "summary", recipient, ctx, attachments))
    return _queue(db, d, out)


def requeue(
    *,
    db: Session,
    statuses: tuple[str, ...] = ("failed", "undeliverable"),
    festival_id: str | None = None,
) -> int:
    """Put failed or undeliverable rows back to pending (after fixing the config); returns how many."""
    query = select(models.Notification).where(col(models.Notification.status).in_(statuses))
    if festival_id:
        query = query.where(models.Notification.festival_id == festival_id)
    n = 0
    now = datetime.now(UTC)
    for row in db.exec(query):
        row.status = "pending"  # type: ignore[assignment]
        row.attempts = 0
        row.next_attempt_at = now
        row.claimed_by = None
        row.claimed_until = None
        db.add(row)
        n += 1
    db.flush()
    return n
