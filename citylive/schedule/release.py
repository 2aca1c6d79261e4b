"""Released schedule versions in the database.

Releasing a version records what it changed against the sessions as they stand (new, moved,
cancelled, unchanged) and returns it; the action that released it queues the messages, so
only the people concerned are told (the outbox, in the same transaction).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

import models
from citylive.errors import Conflict
from citylive.festival import Festival
from citylive.festival.storage import FestivalNotFound
from citylive.schedule.document import SCHEDULE_FORMAT, ScheduleDocument, ScheduledSession
from models._types import utcnow
from models.enums import LIVE_STATUSES, SessionStatus


class ScheduleRefused(Conflict):
    """A schedule that would undo a decision already taken (a confirmed session moved)."""


def _placement(row: models.FestivalSession) -> tuple:
    return (row.enterprise, row.streamer, row.platform, row.venue, row.studio, row.start, row.end)


def store_schedule(
    *, db: Session, festival: Festival, document: ScheduleDocument
) -> models.ScheduleVersion:
    """Release `document` as the festival's next version (does not commit); the returned
    version holds what changed, for the caller to tell."""
    row = db.get(models.Festival, festival.id)
    if row is None:
        raise FestivalNotFound(festival.id)
    if document.festival != festival.id:
        raise ScheduleRefused(
            f"the schedule belongs to festival {document.festival!r}, not {festival.id!r}"
        )
    version = (row.current_version or 0) + 1
    doc = document.model_copy(update={"version": version})
    slot_of = {s.start: i for i, s in enumerate(festival.slots)}
    tz = ZoneInfo(festival.info.timezone)
    # locked, so a decision taken meanwhile waits for this release instead of being lost
    existing = {
        r.id: r
        for r in db.exec(
            select(models.FestivalSession)
            .where(models.FestivalSession.festival_id == festival.id)
            .with_for_update()
        )
    }
    changes: dict[str, list[str]] = {"new": [], "moved": [], "cancelled": [], "unchanged": []}
    now = utcnow()
    seen: set[str] = set()
    placed: dict[str, int] = {}
    for s in doc.sessions:
        sid = s.id
        seen.add(sid)
        local = s.start.astimezone(tz)
        ent = festival.enterprise[s.enterprise]
        status = s.status
        if status in LIVE_STATUSES:
            placed[ent.id] = placed.get(ent.id, 0) + 1
        values: dict[str, Any] = dict(
            zip(
                ("enterprise", "streamer", "platform", "venue", "studio", "start", "end"),
                s.placement(),
                strict=True,
            )
        )
        values["theme"] = s.theme
        old = existing.get(sid)
        if old is None:
            db.add(
                models.FestivalSession(
                    id=sid,
                    festival_id=festival.id,
                    status=status,
                    town=ent.town,
                    industry=ent.industry,
                    day=local.date(),
                    slot=slot_of[local.strftime("%H:%M")],
                    version=version,
                    updated_at=now,
                    **values,
                )
            )
            if status in LIVE_STATUSES:
                changes["new"].append(sid)
            continue
        moved = _placement(old) != s.placement()
        if old.theme != s.theme:  # the block a session is in follows its placement
            old.theme = s.theme
            db.add(old)
        if moved and old.status == "confirmed":
            raise ScheduleRefused(
                f"session {sid} is confirmed; this schedule would move it. Re-plan from the "
                "current schedule (`citylive plan --festival ID`) so confirmed sessions stay"
            )
        # a decision taken since the plan was made stands
        new_status = old.status if old.status in ("confirmed", "declined") and not moved else status
        if moved:
            for k, v in values.items():
                setattr(old, k, v)
            old.day = local.date()
            old.slot = slot_of[local.strftime("%H:%M")]
        if moved or new_status != old.status:
            was_live = old.status in LIVE_STATUSES
            old.status = SessionStatus(new_status)
            old.version = version
            old.row_version += 1
            old.updated_at = now
            db.add(old)
            if new_status in LIVE_STATUSES:
                changes["moved" if moved or not was_live else "unchanged"].append(sid)
            elif was_live:
                changes["cancelled"].append(sid)
        elif new_status in LIVE_STATUSES:
            changes["unchanged"].append(sid)
    for sid, old in existing.items():
        if sid in seen or old.status not in LIVE_STATUSES:
            continue
        if old.status == "confirmed":
            raise ScheduleRefused(
                f"session {sid} is confirmed and missing from this schedule; re-plan from the "
                "current schedule so confirmed sessions stay"
            )
        old.status = SessionStatus.cancelled
        old.version = version
        old.row_version += 1
        old.updated_at = now
        db.add(old)
        changes["cancelled"].append(sid)
    for k in changes:
        changes[k].sort()
    reasons = {u.enterprise: u.reason for u in doc.unplaced}
    for req in db.exec(
        select(models.SessionRequest).where(models.SessionRequest.festival_id == festival.id)
    ):
        req.placed = placed.get(req.enterprise_id, 0)
        req.unplaced_reason = reasons.get(req.enterprise_id)
        db.add(req)
    release = models.ScheduleVersion(
        festival_id=festival.id,
        version=version,
        document=doc.dump(),
        stats=doc.stats.model_dump(mode="json"),
        changes=changes,
    )
    db.add(release)
    row.current_version = version
    row.updated_at = now
    db.add(row)
    db.flush()
    return release


def current_document(*, db: Session, festival_id: str) -> ScheduleDocument:
    """The schedule as the database holds it now (decisions included): the `previous` for a
    re-plan."""
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    tz = ZoneInfo(row.timezone)
    rows = db.exec(
        select(models.FestivalSession)
        .where(models.FestivalSession.festival_id == festival_id)
        .order_by(models.FestivalSession.id)
    )
    sessions = [
        ScheduledSession(
            id=r.id,
            enterprise=r.enterprise,
            streamer=r.streamer,
            platform=r.platform,
            venue=r.venue,
            studio=r.studio,
            start=r.start.astimezone(tz),
            end=r.end.astimezone(tz),
            status=SessionStatus(r.status),
            theme=r.theme,
        )
        for r in rows
        if r.status != SessionStatus.cancelled
    ]
    return ScheduleDocument(
        format=SCHEDULE_FORMAT,
        festival=festival_id,
        version=row.current_version or 0,
        sessions=sessions,
    )
