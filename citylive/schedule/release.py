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
    rows = _Rows(db, festival, version)
    for s in doc.sessions:
        rows.place(s)
    rows.cancel_the_missing()
    _count_requests(db, festival.id, rows.placed, doc)
    release = models.ScheduleVersion(
        festival_id=festival.id,
        version=version,
        document=doc.dump(),
        stats=doc.stats.model_dump(mode="json"),
        changes=rows.sorted_changes(),
    )
    db.add(release)
    row.current_version = version
    row.updated_at = rows.now
    db.add(row)
    db.flush()
    return release


_FIELDS = ("enterprise", "streamer", "platform", "venue", "studio", "start", "end")


class _Rows:
    """The festival's session rows as a release writes them, and what it changed (new,
    moved, cancelled, unchanged) among the sessions in play."""

    def __init__(self, db: Session, festival: Festival, version: int) -> None:
        self.db, self.festival, self.version = db, festival, version
        self.slot_of = {s.start: i for i, s in enumerate(festival.slots)}
        self.tz = ZoneInfo(festival.info.timezone)
        # locked, so a decision taken meanwhile waits for this release instead of being lost
        self.existing = {
            r.id: r
            for r in db.exec(
                select(models.FestivalSession)
                .where(models.FestivalSession.festival_id == festival.id)
                .with_for_update()
            )
        }
        self.changes: dict[str, list[str]] = {
            "new": [],
            "moved": [],
            "cancelled": [],
            "unchanged": [],
        }
        self.now = utcnow()
        self.seen: set[str] = set()
        self.placed: dict[str, int] = {}  # sessions in play per enterprise

    def place(self, s: ScheduledSession) -> None:
        self.seen.add(s.id)
        ent = self.festival.enterprise[s.enterprise]
        if s.status in LIVE_STATUSES:
            self.placed[ent.id] = self.placed.get(ent.id, 0) + 1
        values: dict[str, Any] = dict(zip(_FIELDS, s.placement(), strict=True))
        values["theme"] = s.theme
        old = self.existing.get(s.id)
        if old is None:
            self._add(s, ent.town, ent.industry, values)
        else:
            self._update(s, old, values)

    def _add(self, s: ScheduledSession, town: str, industry: str, values: dict) -> None:
        local = s.start.astimezone(self.tz)
        self.db.add(
            models.FestivalSession(
                id=s.id,
                festival_id=self.festival.id,
                status=s.status,
                town=town,
                industry=industry,
                day=local.date(),
                slot=self.slot_of[local.strftime("%H:%M")],
                version=self.version,
                updated_at=self.now,
                **values,
            )
        )
        if s.status in LIVE_STATUSES:
            self.changes["new"].append(s.id)

    def _update(self, s: ScheduledSession, old: models.FestivalSession, values: dict) -> None:
        sid = s.id
        moved = _placement(old) != s.placement()
        if old.theme != s.theme:  # the block a session is in follows its placement
            old.theme = s.theme
            self.db.add(old)
        if moved and old.status == "confirmed":
            raise ScheduleRefused(
                f"session {sid} is confirmed; this schedule would move it. Re-plan from the "
                "current schedule (`citylive plan --festival ID`) so confirmed sessions stay"
            )
        # a decision taken since the plan was made stands
        keeps = old.status in ("confirmed", "declined") and not moved
        new_status = old.status if keeps else s.status
        if moved:
            local = s.start.astimezone(self.tz)
            for k, v in values.items():
                setattr(old, k, v)
            old.day = local.date()
            old.slot = self.slot_of[local.strftime("%H:%M")]
        if moved or new_status != old.status:
            was_live = old.status in LIVE_STATUSES
            self._stamp(old, SessionStatus(new_status))
            if new_status in LIVE_STATUSES:
                self.changes["moved" if moved or not was_live else "unchanged"].append(sid)
            elif was_live:
                self.changes["cancelled"].append(sid)
        elif new_status in LIVE_STATUSES:
            self.changes["unchanged"].append(sid)

    def cancel_the_missing(self) -> None:
        """Sessions in play that the schedule no longer holds are cancelled (a confirmed one
        refuses the release)."""
        for sid, old in self.existing.items():
            if sid in self.seen or old.status not in LIVE_STATUSES:
                continue
            if old.status == "confirmed":
                raise ScheduleRefused(
                    f"session {sid} is confirmed and missing from this schedule; re-plan from "
                    "the current schedule so confirmed sessions stay"
                )
            self._stamp(old, SessionStatus.cancelled)
            self.changes["cancelled"].append(sid)

    def _stamp(self, old: models.FestivalSession, status: SessionStatus) -> None:
        old.status = status
        old.version = self.version
        old.row_version += 1
        old.updated_at = self.now
        self.db.add(old)

    def sorted_changes(self) -> dict[str, list[str]]:
        return {k: sorted(v) for k, v in self.changes.items()}


def _count_requests(
    db: Session, festival_id: str, placed: dict[str, int], doc: ScheduleDocument
) -> None:
    """Each enterprise's request records how many sessions it got, and why not more."""
    reasons = {u.enterprise: u.reason for u in doc.unplaced}
    for req in db.exec(
        select(models.SessionRequest).where(models.SessionRequest.festival_id == festival_id)
    ):
        req.placed = placed.get(req.enterprise_id, 0)
        req.unplaced_reason = reasons.get(req.enterprise_id)
        db.add(req)


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
