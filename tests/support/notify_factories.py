"""Factories for notification tests: a stored small festival with sessions and releases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session

import models
from citylive.festival import Festival, SlotRef, load_festival
from citylive.festival.storage import import_festival

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"


@dataclass(frozen=True)
class S:
    """A session as the tests write it: who, where, which day/slot index, which studio."""

    n: int
    enterprise: str
    streamer: str
    platform: str
    venue: str
    day: int
    slot: int
    studio: int = 1
    status: str = "proposed"


# Seven sessions of small-2020: guzhen 3 (huayi x2, juhao), henglan 1, shaxi 3.
SMALL_V1 = [
    S(1, "huayi", "huayi-host", "douyin", "guzhen-venue", 0, 2),
    S(2, "huayi", "li-ming", "taobao", "main", 1, 2),
    S(3, "juhao", "li-ming", "pdd", "guzhen-venue", 0, 0),
    S(4, "henglan-light", "chen-hua", "pdd", "main", 1, 0, 2),
    S(5, "ruiang", "ren-jing", "douyin", "shaxi-base", 0, 2),
    S(6, "ruiang", "chen-hua", "1688", "shaxi-base", 1, 1, 2),
    S(7, "shaxi-denim", "chen-hua", "1688", "main", 0, 3),
]


def small_variant(tmp_path: Path, **festival: Any) -> Path:
    """examples/small.yaml with some `festival:` settings changed (a deadline, the silence
    rule, a portal), written to `tmp_path`."""
    doc = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    doc["festival"].update(festival)
    out = tmp_path / "small-variant.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


def store_festival(db: Session, path: Path = SMALL) -> Festival:
    festival = load_festival(path)
    import_festival(db, festival)
    db.commit()
    return festival


def session_id(festival: Festival, n: int) -> str:
    return f"{festival.id}-s{n:05d}"


def doc_session(festival: Festival, s: S) -> dict[str, Any]:
    ref = SlotRef(s.day, s.slot)
    return {
        "id": session_id(festival, s.n),
        "enterprise": s.enterprise,
        "streamer": s.streamer,
        "platform": s.platform,
        "venue": s.venue,
        "studio": s.studio,
        "start": festival.slot_start(ref).isoformat(),
        "end": festival.slot_end(ref).isoformat(),
        "status": s.status,
    }


def release(
    db: Session,
    festival: Festival,
    sessions: list[S],
    *,
    version: int = 1,
    changes: dict[str, list[str]] | None = None,
    cancelled: list[int] = (),  # type: ignore[assignment]
) -> models.ScheduleVersion:
    """Write a schedule version and upsert its sessions like store_schedule does (no commit)."""
    doc = {
        "format": "citylive/schedule@1",
        "festival": festival.id,
        "version": version,
        "sessions": [doc_session(festival, s) for s in sessions],
        "unplaced": [],
        "stats": {},
    }
    row = models.ScheduleVersion(
        festival_id=festival.id,
        version=version,
        document=doc,
        changes=changes
        or {
            "new": [session_id(festival, s.n) for s in sessions],
            "moved": [],
            "cancelled": [],
            "unchanged": [],
        },
    )
    db.add(row)
    for s in sessions:
        ref = SlotRef(s.day, s.slot)
        sid = session_id(festival, s.n)
        existing = db.get(models.FestivalSession, sid)
        values = dict(
            enterprise=s.enterprise,
            streamer=s.streamer,
            platform=s.platform,
            venue=s.venue,
            studio=s.studio,
            start=festival.slot_start(ref),
            end=festival.slot_end(ref),
            status=s.status,
            town=festival.enterprise[s.enterprise].town,
            industry=festival.enterprise[s.enterprise].industry,
            day=festival.days[s.day],
            slot=s.slot,
            version=version,
        )
        if existing is None:
            db.add(models.FestivalSession(id=sid, festival_id=festival.id, **values))
        else:
            for k, v in values.items():
                setattr(existing, k, v)
            db.add(existing)
    for n in cancelled:
        existing = db.get(models.FestivalSession, session_id(festival, n))
        assert existing is not None
        existing.status = "cancelled"  # type: ignore[assignment]
        existing.version = version
        db.add(existing)
    fest = db.get(models.Festival, festival.id)
    assert fest is not None
    fest.current_version = version
    db.add(fest)
    db.flush()
    return row


def outbox_rows(
    db: Session,
    n: int,
    *,
    prefix: str = "t",
    town: str | None = None,
    event: str = "assignment",
    recipient_kind: str = "enterprise",
    festival_id: str | None = None,
    status: str = "pending",
) -> list[str]:
    """Insert `n` pending rows directly (for dispatcher tests); returns their keys."""
    keys = []
    rows = []
    for i in range(n):
        recipient = f"{recipient_kind}:{prefix}{i:05d}"
        key = f"{event}:t:v1:{recipient}"
        keys.append(key)
        rows.append(
            models.Notification(
                festival_id=festival_id,
                status=status,
                event=event,
                recipient=recipient,
                subject=f"消息 {prefix}{i}",
                key=key,
                body_text=f"正文 {prefix}{i}",
                body_markdown=f"**正文** {prefix}{i}",
                body_html=f"<p>正文 {prefix}{i}</p>",
                context={"town": town, "locale": "zh-CN"},
            )
        )
    db.add_all(rows)
    db.commit()
    return keys
