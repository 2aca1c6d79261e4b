"""What each cause queues: a released version, a decision, the reminders due, the daily
digest, the summary.  Every function writes in the caller's transaction and returns the
number of rows it added; see docs/notifications.md for the keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

import models
from citylive.config import get_settings
from citylive.errors import Invalid, NotFound
from citylive.notify.directory import Directory, festival_directory, receipt_directory
from citylive.notify.queue import UNDELIVERED, Outgoing, message_key, queue
from citylive.notify.recipients import MessageEvent, Recipient
from citylive.schedule import ScheduleDocument, ScheduledSession, load_schedule
from citylive.schedule.readout import explain
from models._types import utcnow
from models.enums import LIVE_STATUSES, NotificationStatus, SessionStatus

FS = models.FestivalSession
DIGEST_FAILED_ROWS = 20  # failed messages listed in a digest; the count covers them all


@dataclass
class ReleaseChanges:
    """A version's changes against the one before: session ids per kind."""

    new: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> ReleaseChanges:
        stored = stored or {}
        return cls(
            **{k: list(stored.get(k) or []) for k in ("new", "moved", "cancelled", "unchanged")}
        )

    @property
    def first_release(self) -> bool:
        """Nothing moved, cancelled or kept: everyone hears of all their sessions."""
        return not (self.moved or self.cancelled or self.unchanged)


def _people_of(s: models.FestivalSession) -> list[Recipient]:
    return [
        Recipient.coordinator(s.town),
        Recipient.enterprise(s.enterprise),
        Recipient.streamer(s.streamer),
    ]


def _version(db: Session, festival_id: str, version: int) -> models.ScheduleVersion:
    SV = models.ScheduleVersion
    row = db.exec(select(SV).where(SV.festival_id == festival_id, SV.version == version)).first()
    if row is None:
        raise NotFound(
            f"festival {festival_id!r} has no schedule version {version}; store it before "
            "queuing its messages",
            field="version",
        )
    return row


def _previous(db: Session, festival_id: str, version: int) -> models.ScheduleVersion | None:
    SV = models.ScheduleVersion
    return db.exec(
        select(SV)
        .where(SV.festival_id == festival_id, SV.version < version)
        .order_by(col(SV.version).desc())
    ).first()


def enqueue_schedule_release(
    *, db: Session, festival_id: str, version: int, document: ScheduleDocument | None = None
) -> int:
    """Queue the messages a released schedule version causes; returns rows queued.
    `document`: the version's document when the caller has just released it (else it is
    loaded from the version stored).

    Version 1: an assignment to every coordinator town, enterprise and streamer with sessions
    (their sessions as a table, the portal link and the confirmation deadline).  Later
    versions: a change notice only to those whose sessions are new, moved or cancelled.
    """
    d = festival_directory(db, festival_id)
    stored = _version(db, festival_id, version)
    changes = ReleaseChanges.of(stored.changes)
    sessions = list(
        db.exec(
            select(FS)
            .where(FS.festival_id == festival_id)
            .order_by(col(FS.start), col(FS.venue), col(FS.studio))
        )
    )
    live_of: dict[Recipient, list[models.FestivalSession]] = defaultdict(list)
    for s in sessions:
        if s.status in LIVE_STATUSES:
            for r in _people_of(s):
                live_of[r].append(s)
    previous = _previous(db, festival_id, version)
    released = document or load_schedule(stored.document, f"version {version}")
    earlier = load_schedule(previous.document, f"version {previous.version}") if previous else None
    told = queue(db, d, _unplaced_notices(d, version, released, earlier))
    if earlier is None or changes.first_release:
        return told + queue(db, d, _assignments(d, version, live_of))
    before = {s.id: s for s in earlier.sessions}
    return told + queue(db, d, _change_notices(d, version, changes, sessions, before, live_of))


def _unplaced_notices(
    d: Directory, version: int, released: ScheduleDocument, earlier: ScheduleDocument | None
) -> Iterable[Outgoing]:
    """Each enterprise this version leaves requests unplaced for: how many, why, and what it
    may do; not again while its count and reason stay as the version before had them."""
    was = {(u.enterprise, u.count, u.reason) for u in (earlier.unplaced if earlier else [])}
    for u in released.unplaced:
        if u.count <= 0 or (u.enterprise, u.count, u.reason) in was:
            continue
        recipient = Recipient.enterprise(u.enterprise)
        scarce, remedy, reason_zh, remedy_zh = explain(u.reason)
        ctx = d.base_context(recipient)
        ctx.update(version=version, count=u.count, reason=u.reason, scarce=scarce,
                   remedy=remedy, reason_zh=reason_zh, remedy_zh=remedy_zh)  # fmt: skip
        key = message_key(MessageEvent.unplaced, d.festival.id, f"v{version}", recipient)
        yield Outgoing(key, MessageEvent.unplaced, recipient, ctx)


def _assignments(
    d: Directory, version: int, live_of: dict[Recipient, list[models.FestivalSession]]
) -> Iterable[Outgoing]:
    for recipient, mine in live_of.items():
        ctx = d.base_context(recipient)
        ctx.update(version=version, count=len(mine), session_rows=[d.session_row(s) for s in mine])
        key = message_key(MessageEvent.assignment, d.festival.id, f"v{version}", recipient)
        yield Outgoing(key, MessageEvent.assignment, recipient, ctx)


def _change_notices(
    d: Directory,
    version: int,
    changes: ReleaseChanges,
    sessions: list[models.FestivalSession],
    before: dict[str, ScheduledSession],
    live_of: dict[Recipient, list[models.FestivalSession]],
) -> Iterable[Outgoing]:
    by_id = {s.id: s for s in sessions}
    replaced = _replaced(changes, by_id, before)
    changed_of: dict[Recipient, list[list[Any]]] = defaultdict(list)
    for kind, ids in (
        ("new", changes.new),
        ("moved", changes.moved),
        ("cancelled", changes.cancelled),
    ):
        for sid in ids:
            s = by_id.get(sid)
            if s is None:
                continue
            old = before.get(sid)
            was = d.place_of(old) if old is not None else ""
            if kind == "new" and sid in replaced:  # the session this one stands in for
                gone, status = replaced[sid]
                was = d.place_of(gone, status)
            row = [d.change_labels[kind], *d.session_row(s), was]
            people = set(_people_of(s))
            if old is not None:  # whoever the session was with before hears of it too
                found = d.enterprises.get(old.enterprise)
                people |= {
                    Recipient.coordinator(found.town if found and found.town else s.town),
                    Recipient.enterprise(old.enterprise),
                    Recipient.streamer(old.streamer),
                }
            for r in sorted(people, key=lambda p: p.tag):
                changed_of[r].append(row)
    for recipient, rows in changed_of.items():
        mine = live_of.get(recipient, [])
        ctx = d.base_context(recipient)
        ctx.update(
            version=version,
            change_rows=rows,
            count=len(mine),
            session_rows=[d.session_row(s) for s in mine],
        )
        key = message_key(MessageEvent.change, d.festival.id, f"v{version}", recipient)
        yield Outgoing(key, MessageEvent.change, recipient, ctx)


def _replaced(
    changes: ReleaseChanges,
    by_id: dict[str, models.FestivalSession],
    before: dict[str, ScheduledSession],
) -> dict[str, tuple[ScheduledSession, str]]:
    """Each new session's predecessor: a session of the same enterprise that the version
    before had live and that is now declined or cancelled (earliest first, each used once),
    with how it ended."""
    gone: dict[str, list[tuple[ScheduledSession, str]]] = defaultdict(list)
    for o in sorted(before.values(), key=lambda x: (x.start, x.id)):
        now = by_id.get(o.id)
        status = str(now.status) if now is not None else "cancelled"
        if o.live and (o.id in changes.cancelled or status in ("declined", "cancelled")):
            gone[o.enterprise].append((o, status))
    out: dict[str, tuple[ScheduledSession, str]] = {}
    for sid in changes.new:
        s = by_id.get(sid)
        if s is not None and gone.get(s.enterprise):
            out[sid] = gone[s.enterprise].pop(0)
    return out


def enqueue_receipt_for(
    *, db: Session, decision: models.Decision, session: models.FestivalSession | None
) -> int:
    """The receipt of a decision (with its id) and its session already in hand: a
    coordinator's confirm or decline, or silence settled at the deadline (`expire`)."""
    d = receipt_directory(db, decision, session)
    recipient = Recipient.coordinator(decision.town)
    ctx = d.base_context(recipient)
    ctx.update(
        action=str(decision.action),
        outcome=decision.outcome,
        reason=decision.reason or "",
        actor=decision.actor,
        at=d.when(decision.at),
        session_id=decision.session_id,
        session_rows=[d.session_row(session)] if session else [],
    )
    key = message_key(MessageEvent.receipt, decision.festival_id, f"d{decision.id}", recipient)
    return queue(db, d, [Outgoing(key, MessageEvent.receipt, recipient, ctx)], fresh=True)


def enqueue_reminders(*, db: Session, festival_id: str, now: datetime) -> int:
    """Reminders for sessions starting within the festival's lead time (`reminder_minutes`).

    Enterprises and streamers: one per session, key `reminder:festival:<session>:recipient`.
    Coordinators: one per town and start time with a table, key with the start instead.
    """
    if now.tzinfo is None:
        raise Invalid("now must be timezone-aware", field="now")
    d = festival_directory(db, festival_id)
    lead = d.festival.reminder_minutes
    due = db.exec(
        select(FS)
        .where(
            FS.festival_id == festival_id,
            col(FS.status).in_([s.value for s in LIVE_STATUSES]),
            col(FS.start) > now,
            col(FS.start) <= now + timedelta(minutes=lead),
        )
        .order_by(col(FS.start), col(FS.id))
    )
    out: list[Outgoing] = []
    by_town: dict[tuple[str, datetime], list[models.FestivalSession]] = defaultdict(list)
    for s in due:
        by_town[(s.town, s.start)].append(s)
        for recipient in (Recipient.enterprise(s.enterprise), Recipient.streamer(s.streamer)):
            ctx = d.base_context(recipient)
            ctx.update(
                lead_minutes=lead, start=d.when(s.start), count=1, session_rows=[d.session_row(s)]
            )
            key = message_key(MessageEvent.reminder, festival_id, s.id, recipient)
            out.append(Outgoing(key, MessageEvent.reminder, recipient, ctx))
    for (town, start), mine in by_town.items():
        recipient = Recipient.coordinator(town)
        ctx = d.base_context(recipient)
        ctx.update(
            lead_minutes=lead,
            start=d.when(start),
            count=len(mine),
            session_rows=[d.session_row(s) for s in mine],
        )
        stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        key = message_key(MessageEvent.reminder, festival_id, stamp, recipient)
        out.append(Outgoing(key, MessageEvent.reminder, recipient, ctx))
    return queue(db, d, out)


def enqueue_daily_digest(
    *, db: Session, festival_id: str, day: date, now: datetime | None = None
) -> int:
    """The organisers' digest for `day`: confirmations per town, open problems (sessions
    still unanswered past the deadline, declines, requests not placed), and the messages
    that failed; key `digest:festival:<day>:organiser`."""
    now = now or utcnow()
    d = festival_directory(db, festival_id)
    order = [
        SessionStatus.proposed,
        SessionStatus.confirmed,
        SessionStatus.declined,
        SessionStatus.cancelled,
    ]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for town, status, n in db.exec(
        select(FS.town, FS.status, func.count())
        .where(FS.festival_id == festival_id)
        .group_by(FS.town, FS.status)
    ):
        counts[town][str(status)] += int(n)
    town_rows: list[list[Any]] = [
        [d.town_label(t), *(c[s.value] for s in order)]
        for t, c in sorted(counts.items(), key=lambda kv: d.town_order(kv[0]))
    ]
    totals = [sum(int(r[i]) for r in town_rows) for i in range(1, len(order) + 1)]
    SR = models.SessionRequest
    unplaced_rows = [
        [d.enterprise_name(r.enterprise_id), r.requested - r.placed, r.unplaced_reason or ""]
        for r in db.exec(
            select(SR)
            .where(SR.festival_id == festival_id, col(SR.placed) < col(SR.requested))
            .order_by(col(SR.enterprise_id))
        )
    ]
    deadline = d.festival.confirmation_deadline
    overdue = totals[0] if deadline is not None and deadline <= now else 0
    N = models.Notification
    undelivered = dict(
        db.exec(
            select(N.status, func.count())
            .where(N.festival_id == festival_id, col(N.status).in_([s.value for s in UNDELIVERED]))
            .group_by(N.status)
        ).all()
    )
    failed = db.exec(
        select(N)
        .where(N.festival_id == festival_id, col(N.status).in_([s.value for s in UNDELIVERED]))
        .order_by(col(N.id))
        .limit(DIGEST_FAILED_ROWS)
    )
    recipient = Recipient.organiser()
    ctx = d.base_context(recipient)
    ctx.update(
        day=day.isoformat(),
        town_rows=town_rows,
        totals=totals,
        unplaced_rows=unplaced_rows,
        overdue=overdue,
        failed_count=int(undelivered.get(NotificationStatus.failed.value, 0)),
        undeliverable_count=int(undelivered.get(NotificationStatus.undeliverable.value, 0)),
        failed_rows=[[n.recipient, n.event, n.status, (n.last_error or "")[:120]] for n in failed],
    )
    key = message_key(MessageEvent.digest, festival_id, day.isoformat(), recipient)
    return queue(db, d, [Outgoing(key, MessageEvent.digest, recipient, ctx)])


def enqueue_summary(
    *,
    db: Session,
    festival_id: str,
    report_path: str | None,
    figures: dict,
    town_figures: dict[str, list[tuple[str, str]]] | None = None,
    district_figures: list[list[str]] | None = None,
) -> int:
    """The post-event summary to the organisers and every coordinator, the report attached
    (channels that take files) and linked; key `summary:festival:recipient`.

    `town_figures` adds, per town, (label, value) rows that only that town's coordinator
    sees (its sales before, during and after the festival, say); `district_figures`, rows
    per district that the organisers' summary carries."""
    d = festival_directory(db, festival_id)
    towns = sorted(set(db.exec(select(FS.town).where(FS.festival_id == festival_id).distinct())))
    figure_rows = [[str(k), str(v)] for k, v in figures.items()]
    mine = town_figures or {}
    report_link = ""
    if report_path:
        name = report_path.rsplit("/", 1)[-1]
        report_link = f"{get_settings().public_url.rstrip('/')}/reports/{festival_id}/{name}"
    attachments = (report_path,) if report_path else ()
    out: list[Outgoing] = []
    for recipient in [Recipient.organiser(), *(Recipient.coordinator(t) for t in towns)]:
        ctx = d.base_context(recipient)
        ctx.update(
            figure_rows=figure_rows,
            town_figure_rows=[[str(k), str(v)] for k, v in mine.get(recipient.id or "", [])]
            if recipient.id
            else [],
            district_figure_rows=(district_figures or [])
            if recipient == Recipient.organiser()
            else [],
            report_path=report_path or "",
            report_link=report_link,
        )
        key = message_key(MessageEvent.summary, festival_id, None, recipient)
        out.append(Outgoing(key, MessageEvent.summary, recipient, ctx, attachments))
    return queue(db, d, out)
