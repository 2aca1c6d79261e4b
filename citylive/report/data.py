"""Everything the report shows, as plain data (also what the summary messages and the
summarise-festival artifacts carry)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

import models
from citylive.config import get_settings
from citylive.errors import NotFound
from citylive.festival.storage import FestivalNotFound
from citylive.live.figures import provisional_rows
from citylive.sales._tables import (
    ENTERPRISE,
    FESTIVAL,
    FESTIVAL_SESSION,
    QUARANTINED_ROW,
    SALES_FILE,
    STREAMER,
    TOWN,
    VENUE,
)
from citylive.sales.discounts import depth_figures
from citylive.sales.figures import Filters, summary, totals, yuan
from citylive.sales.flags import flag_sessions
from citylive.sales.labels import session_labels
from citylive.sales.lift import daily_figures, lift_figures
from models.enums import LIVE_STATUSES

DEEPEST = 10


def hype_data(db: Session, festival_id: str, town: str | None = None) -> dict[str, Any]:
    """The after-the-hype figures: lift per town (and for the whole festival, or the town),
    daily net GMV per town, the deepest-discount sessions."""
    cfg = get_settings()
    by_town = lift_figures(db, festival_id, "town", town)
    whole = lift_figures(db, festival_id, "festival") if town is None else by_town
    daily = daily_figures(db, festival_id, "town", town)
    depths = depth_figures(db, festival_id, cfg, town)
    labels = session_labels(db.connection(), festival_id) if depths else {}
    deepest = [
        {**d, "label": labels.get(d["session_id"], d["session_id"])}
        for d in depths
        if d["deep_share"] > 0
    ][:DEEPEST]
    f = FESTIVAL
    sw: dict[str, Any] | None = (
        db.connection()
        .execute(sa.select(f.c.document["sales_windows"]).where(f.c.id == festival_id))
        .scalar_one()
    )
    return {
        "lift": by_town,
        "whole": whole[0] if whole else None,
        "daily": daily,
        "deepest": deepest,
        "before_days": int((sw or {}).get("before_days", 28)),
        "after_days": int((sw or {}).get("after_days", 28)),
        "depth": cfg.discount_depth,
    }


def report_data(*, db: Session, festival_id: str, town: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (also useful to the summary message)."""
    festival = db.get(models.Festival, festival_id)
    if festival is None:
        raise FestivalNotFound(festival_id)
    conn = db.connection()
    towns = {
        r.id: r.name
        for r in conn.execute(
            sa.select(TOWN.c.id, TOWN.c.name).where(TOWN.c.festival_id == festival_id)
        )
    }
    if town is not None and town not in towns:
        raise NotFound(
            f"unknown town {town!r} in festival {festival_id!r}; known: {', '.join(sorted(towns))}",
            field="town",
        )

    def by(kind: str) -> list[dict[str, Any]]:
        return summary(db=db, festival_id=festival_id, by=kind, town=town)

    by_town = by("town")
    venue_split = _venue_split(db, festival_id, by("venue"))
    flags = flag_sessions(db=db, festival_id=festival_id, town=town)
    sessions = [r for r in by("session") if r["key"]]
    flagged_by_town: dict[str, set[str]] = {}
    for f in flags:
        if f.session_id:
            flagged_by_town.setdefault(f.town, set()).add(f.session_id)
    town_sessions = _town_sessions(db, festival_id)
    return {
        "festival": {
            "id": festival.id,
            "name": festival.name,
            "timezone": festival.timezone,
            "days": festival.document["festival"]["days"],
        },
        "town": town,
        "town_name": towns.get(town) if town else None,
        "totals": totals(db=db, festival_id=festival_id, town=town),
        "by_town": by_town,
        "by_industry": by("industry"),
        # the hours of the festival days only (the data may cover weeks around them)
        "by_hour": summary(
            db=db,
            festival_id=festival_id,
            by="hour",
            town=town,
            filters=Filters(window="festival"),
        ),  # fmt: skip
        "names": _names(db, festival_id),
        "top_sessions": sessions[:10],
        "top_streamers": [r for r in by("streamer") if r["key"]][:10],
        "venue_split": {k: yuan(v) for k, v in venue_split.items()},
        "venue_split_fen": venue_split,
        "flags": [f.as_dict() for f in flags],
        "town_rows": [
            {
                **r,
                "sessions": town_sessions.get(r["key"], 0),
                "flagged": len(flagged_by_town.get(r["key"], ())),
            }
            for r in by_town
        ],
        # the organisers' report only: a town's report would show its own figures as its
        # district's
        "district_rows": []
        if town
        else _district_rows(db, festival_id, by, town_sessions, flagged_by_town),  # fmt: skip
        "hype": hype_data(db, festival_id, town),
        "live_figures": provisional_rows(
            db, festival_id, town, {str(r["key"]): int(r["gmv_fen"]) for r in sessions}
        ),
        "ingest": _ingest_stats(db, festival_id) if town is None else None,
    }


def _venue_split(db: Session, festival_id: str, by_venue: list[dict[str, Any]]) -> dict[str, int]:
    """GMV (fen) at the main venue, the sub-venues, the district venues and the enterprises'
    own rooms (these two only where the festival has them) and off-session."""
    kinds = {
        r.id: r.kind
        for r in db.connection().execute(
            sa.select(VENUE.c.id, VENUE.c.kind).where(VENUE.c.festival_id == festival_id)
        )
    }
    split = {"main": 0, "sub": 0}
    split.update(dict.fromkeys((k for k in ("district", "own") if k in kinds.values()), 0))
    split["off"] = 0
    for r in by_venue:
        split[kinds.get(r["key"], "off") if r["key"] else "off"] += r["gmv_fen"]
    return split


def _district_rows(
    db: Session,
    festival_id: str,
    by: Any,
    town_sessions: dict[str, int],
    flagged_by_town: dict[str, set[str]],
) -> list[dict[str, Any]]:
    """Per district (its towns' enterprises, own rooms included): the figures, live sessions
    and flagged sessions; none in a festival without districts."""
    district_of = {
        str(r.id): str(r.district_id)
        for r in db.connection().execute(
            sa.select(TOWN.c.id, TOWN.c.district_id).where(
                TOWN.c.festival_id == festival_id, TOWN.c.district_id.is_not(None)
            )
        )
    }
    if not district_of:
        return []

    def towns_of(key: str | None) -> list[str]:
        return [t for t in set(town_sessions) | set(flagged_by_town) if district_of.get(t) == key]

    return [
        {
            **r,
            "sessions": sum(town_sessions.get(t, 0) for t in towns_of(r["key"])),
            "flagged": sum(len(flagged_by_town.get(t, ())) for t in towns_of(r["key"])),
        }
        for r in by("district")
    ]


def _town_sessions(db: Session, festival_id: str) -> dict[str, int]:
    """Live sessions per town."""
    fs = FESTIVAL_SESSION
    return {
        str(town_id): int(str(n))
        for town_id, n in db.connection().execute(
            sa.select(fs.c.town, sa.func.count())
            .where(
                fs.c.festival_id == festival_id,
                fs.c.status.in_(sorted(s.value for s in LIVE_STATUSES)),
            )
            .group_by(fs.c.town)
        )
    }


def _names(db: Session, festival_id: str) -> dict[str, str]:
    """Enterprises' and streamers' names by id (an enterprise's wins a shared id)."""
    conn = db.connection()
    out: dict[str, str] = {}
    for table in (STREAMER, ENTERPRISE):
        for r in conn.execute(
            sa.select(table.c.id, table.c.name).where(table.c.festival_id == festival_id)
        ):
            out[str(r.id)] = str(r.name)
    return out


def _ingest_stats(db: Session, festival_id: str) -> dict[str, Any]:
    sf, q = SALES_FILE, QUARANTINED_ROW
    conn = db.connection()
    row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sf.c.read), 0),
            sa.func.coalesce(sa.func.sum(sf.c.stored), 0),
            sa.func.coalesce(sa.func.sum(sf.c.quarantined), 0),
            sa.func.coalesce(sa.func.sum(sf.c.duplicates), 0),
        ).where(sf.c.festival_id == festival_id)
    ).one()
    reasons = conn.execute(
        sa.select(q.c.reason, sa.func.count().label("n"))
        .where(q.c.festival_id == festival_id)
        .group_by(q.c.reason)
        .order_by(sa.desc("n"), q.c.reason)
        .limit(10)
    ).all()
    return {
        "files": int(row[0]),
        "read": int(row[1]),
        "stored": int(row[2]),
        "quarantined": int(row[3]),
        "duplicates": int(row[4]),
        "reasons": [(r.reason, int(r.n)) for r in reasons],
    }


LIFT_KEEP = (
    "key",
    "label",
    "before_daily",
    "festival_daily",
    "after_daily",
    "festival_lift",
    "retained_lift",
    "session_buyers",
    "returning_buyers",
    "retention",
)
SUMMARY_KEEP = ("key", "label", "gmv", "net_gmv", "orders", "units", "buyers", "refund_rate")


def published_figures(db: Session, festival_id: str) -> dict[str, Any]:
    """Totals, figures per town and platform, lift per town and for the whole festival, and
    the loss-leader sessions (money as yuan strings): what summarise-festival publishes."""
    total = totals(db=db, festival_id=festival_id)
    towns = summary(db=db, festival_id=festival_id, by="town")
    platforms = summary(db=db, festival_id=festival_id, by="platform")
    hype = hype_data(db, festival_id)
    leaders = [f for f in flag_sessions(db=db, festival_id=festival_id) if f.kind == "loss_leader"]
    return {
        "totals": {k: v for k, v in total.items() if not k.endswith("_fen")},
        "towns": [{k: r.get(k) for k in SUMMARY_KEEP if k in r} for r in towns],
        "platforms": [{k: r.get(k) for k in SUMMARY_KEEP if k in r} for r in platforms],
        "lift": [{k: r.get(k) for k in LIFT_KEEP} for r in hype["lift"]],
        "festival_lift": {k: hype["whole"].get(k) for k in LIFT_KEEP} if hype["whole"] else None,
        "loss_leaders": [
            {
                "session_id": f.session_id,
                "enterprise": f.enterprise,
                "town": f.town,
                "deep_share": f.evidence["deep_share"],
                "gmv": f.evidence["gmv"],
                "deep_gmv": f.evidence["deep_gmv"],
            }
            for f in leaders
        ],
    }
