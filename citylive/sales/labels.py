"""What the summaries add beside the computed figures: the viewer figures and self-reported
GMV of each group's sessions, and a human name for each key."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.sales._tables import (
    DISTRICT,
    ENTERPRISE,
    FESTIVAL,
    FESTIVAL_SESSION,
    INDUSTRY,
    SESSION_FIGURES,
    STREAMER,
    TOWN,
    VENUE,
)

SUMMED = (
    "gmv",
    "net_gmv",
    "orders",
    "refunded_orders",
    "units",
    "buyers",
    "session_gmv",
    "viewed_gmv",
    "viewed_buyers",
    "claimed_sessions_gmv",
)


def add_viewer_figures(
    conn: Connection,
    festival_id: str,
    by: str,
    town: str | None,
    f: Any,
    rows: dict[Any, dict[str, Any]],
) -> None:
    """Views, peak viewers, new followers and claimed GMV of the sessions in each group."""
    s = FESTIVAL_SESSION.alias("s")
    sf = SESSION_FIGURES.alias("sf")
    e = ENTERPRISE.alias("e")
    t = TOWN.alias("t")
    col = {
        "session": s.c.id,
        "streamer": s.c.streamer,
        "enterprise": s.c.enterprise,
        "town": e.c.town_id,
        "district": t.c.district_id,
        "industry": e.c.industry_id,
        "platform": s.c.platform,
        "venue": s.c.venue,
    }[by]
    joined = sf.join(s, s.c.id == sf.c.session_id).join(
        e, sa.and_(e.c.festival_id == s.c.festival_id, e.c.id == s.c.enterprise)
    )
    if by == "district" or f.district:
        joined = joined.join(t, sa.and_(t.c.festival_id == e.c.festival_id, t.c.id == e.c.town_id))
    stmt = (
        sa.select(
            col.label("key"),
            sa.func.sum(sf.c.views).label("views"),
            sa.func.sum(sf.c.peak_viewers).label("peak_viewers"),
            sa.func.sum(sf.c.new_followers).label("new_followers"),
            sa.func.sum(sf.c.claimed_gmv_fen).label("claimed_gmv"),
            sa.func.count().label("reported_sessions"),
        )
        .select_from(joined)
        .where(sf.c.festival_id == festival_id)
        .group_by(col)
    )
    for column, value in (
        (e.c.town_id, town),
        (e.c.industry_id, f.industry),
        (t.c.district_id, f.district),
        (s.c.enterprise, f.enterprise),
        (s.c.platform, f.platform),
        (s.c.venue, f.venue),
        (s.c.streamer, f.streamer),
        (s.c.id, f.session),
    ):
        if value:
            stmt = stmt.where(column == value)
    for r in conn.execute(stmt):
        row = rows.get(r.key)
        if row is None:
            row = {"key": r.key, **dict.fromkeys(SUMMED, 0)}
            rows[r.key] = row
        row.update({k: v for k, v in r._asdict().items() if k != "key"})


NO_KEY_LABEL = {
    "session": "场外销售 (off-session)",
    "streamer": "场外销售 (off-session)",
    "venue": "场外销售 (off-session)",
    "district": "不属于片区 (no district)",
}


def label_rows(conn: Connection, festival_id: str, by: str, rows: list[dict[str, Any]]) -> None:
    """A human name beside each key (town names, enterprise names, ...)."""
    names: dict[Any, str] = {}
    table = {
        "town": TOWN,
        "district": DISTRICT,
        "industry": INDUSTRY,
        "enterprise": ENTERPRISE,
        "streamer": STREAMER,
        "venue": VENUE,
    }.get(by)
    if table is not None:
        names = {
            r.id: r.name
            for r in conn.execute(
                sa.select(table.c.id, table.c.name).where(table.c.festival_id == festival_id)
            )
        }
    elif by == "session" and any(r["key"] for r in rows):
        names = session_labels(conn, festival_id)
    for r in rows:
        if r["key"] is None:
            r["label"] = NO_KEY_LABEL.get(by, "—")
        else:
            r["label"] = names.get(r["key"], str(r["key"]))


def session_labels(conn: Connection, festival_id: str) -> dict[str, str]:
    """`enterprise · streamer · platform · MM-DD HH:MM` for every session of the festival."""
    s, ent, st = FESTIVAL_SESSION, ENTERPRISE, STREAMER
    tz = ZoneInfo(
        conn.execute(
            sa.select(FESTIVAL.c.timezone).where(FESTIVAL.c.id == festival_id)
        ).scalar_one()
    )
    q = (
        sa.select(s.c.id, s.c.start, ent.c.name.label("e"), st.c.name.label("st"), s.c.platform)
        .select_from(
            s.join(
                ent, sa.and_(ent.c.festival_id == s.c.festival_id, ent.c.id == s.c.enterprise)
            ).join(st, sa.and_(st.c.festival_id == s.c.festival_id, st.c.id == s.c.streamer))
        )
        .where(s.c.festival_id == festival_id)
    )
    return {
        sr.id: f"{sr.e} · {sr.st} · {sr.platform} · {sr.start.astimezone(tz):%m-%d %H:%M}"
        for sr in conn.execute(q)
    }


def known_town(conn: Connection, festival_id: str, town: str) -> bool:
    t = TOWN
    query = sa.select(t.c.id).where(t.c.festival_id == festival_id, t.c.id == town)
    return conn.execute(query).first() is not None
