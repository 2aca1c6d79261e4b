"""Schedule files (`citylive/schedule@1`) and released schedule versions in the database.

Releasing a version records what it changed against the sessions as they stand (new, moved,
cancelled, unchanged), so only the people concerned are told (the outbox, in the same
transaction).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

import models
from citylive.festival import Festival
from citylive.store import FestivalNotFound, load_stored_festival
from models._types import utcnow
from models.enums import SessionStatus

LIVE = ("proposed", "confirmed")


class ScheduleFileError(ValueError):
    pass


class ScheduleRefused(ValueError):
    """A schedule that would undo a decision already taken (a confirmed session moved)."""


def read_schedule(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleFileError(f"{path}: cannot read the schedule file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScheduleFileError(f"{path}: not UTF-8 text; a schedule file is UTF-8 JSON") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != "citylive/schedule@1":
        raise ScheduleFileError(
            f"{path}: not a `citylive/schedule@1` document (its `format` is "
            f"{doc.get('format') if isinstance(doc, dict) else None!r})"
        )
    return doc


def write_schedule(path: str | Path, document: dict[str, Any]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(p)


def _placement(row: models.FestivalSession) -> tuple:
    return (row.enterprise, row.streamer, row.platform, row.venue, row.studio, row.start, row.end)


def store_schedule(*, db: Session, festival: Festival, document: dict) -> models.ScheduleVersion:
    """Release `document` as the festival's next version (does not commit)."""
    from citylive.notify.outbox import enqueue_schedule_release

    row = db.get(models.Festival, festival.id)
    if row is None:
        raise FestivalNotFound(festival.id)
    if document.get("festival") != festival.id:
        raise ScheduleRefused(
            f"the schedule belongs to festival {document.get('festival')!r}, not {festival.id!r}"
        )
    version = (row.current_version or 0) + 1
    doc = {**document, "version": version}
    slot_of = {s.start: i for i, s in enumerate(festival.slots)}
    tz = ZoneInfo(festival.info.timezone)
    existing = {
        r.id: r
        for r in db.exec(
            select(models.FestivalSession).where(models.FestivalSession.festival_id == festival.id)
        )
    }
    changes: dict[str, list[str]] = {"new": [], "moved": [], "cancelled": [], "unchanged": []}
    now = utcnow()
    seen: set[str] = set()
    placed: dict[str, int] = {}
    for s in doc.get("sessions") or []:
        sid = s["id"]
        seen.add(sid)
        start = datetime.fromisoformat(s["start"])
        end = datetime.fromisoformat(s["end"])
        local = start.astimezone(tz)
        ent = festival.enterprise[s["enterprise"]]
        status = s["status"]
        if status in LIVE:
            placed[ent.id] = placed.get(ent.id, 0) + 1
        values = {
            "enterprise": s["enterprise"],
            "streamer": s["streamer"],
            "platform": s["platform"],
            "venue": s["venue"],
            "studio": int(s["studio"]),
            "start": start,
            "end": end,
        }
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
            if status in LIVE:
                changes["new"].append(sid)
            continue
        moved = _placement(old) != tuple(values.values())
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
            was_live = old.status in LIVE
            old.status = SessionStatus(new_status)
            old.version = version
            old.row_version += 1
            old.updated_at = now
            db.add(old)
            if new_status in LIVE:
                changes["moved" if moved or not was_live else "unchanged"].append(sid)
            elif was_live:
                changes["cancelled"].append(sid)
        elif new_status in LIVE:
            changes["unchanged"].append(sid)
    for sid, old in existing.items():
        if sid in seen or old.status not in LIVE:
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
    reasons = {u["enterprise"]: u.get("reason") for u in doc.get("unplaced") or []}
    for req in db.exec(
        select(models.SessionRequest).where(models.SessionRequest.festival_id == festival.id)
    ):
        req.placed = placed.get(req.enterprise_id, 0)
        req.unplaced_reason = reasons.get(req.enterprise_id)
        db.add(req)
    release = models.ScheduleVersion(
        festival_id=festival.id,
        version=version,
        document=doc,
        stats=dict(doc.get("stats") or {}),
        changes=changes,
    )
    db.add(release)
    row.current_version = version
    row.updated_at = now
    db.add(row)
    db.flush()
    enqueue_schedule_release(db=db, festival_id=festival.id, version=version)
    return release


def current_document(*, db: Session, festival_id: str) -> dict:
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
        {
            "id": r.id,
            "enterprise": r.enterprise,
            "streamer": r.streamer,
            "platform": r.platform,
            "venue": r.venue,
            "studio": r.studio,
            "start": r.start.astimezone(tz).isoformat(),
            "end": r.end.astimezone(tz).isoformat(),
            "status": str(r.status),
        }
        for r in rows
        if r.status != "cancelled"
    ]
    return {
        "format": "citylive/schedule@1",
        "festival": festival_id,
        "version": row.current_version or 0,
        "sessions": sessions,
        "unplaced": [],
    }


def replan_stored(
    *,
    db: Session,
    festival_id: str,
    time_limit: float = 10.0,
    reason: str = "re-plan",
    workers: int = 2,
) -> models.ScheduleVersion:
    """Plan the stored festival again from its current schedule and release the result."""
    from citylive.planner import plan

    festival = load_stored_festival(db, festival_id)
    previous = current_document(db=db, festival_id=festival_id)
    document = plan(
        festival,
        previous=previous if previous["sessions"] else None,
        time_limit=time_limit,
        workers=workers,
    )
    document["reason"] = reason
    return store_schedule(db=db, festival=festival, document=document)
