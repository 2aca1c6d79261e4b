"""The festival's sales summary report: one self-contained HTML file (zh-CN first, English too).

Charts are static SVG drawn here, so the report opens in any browser with no network, and the
Chinese labels are SVG text (the browser's own CJK fonts render them).  With `town` the report
is a coordinator's: only that town's enterprises, sessions and flags.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlmodel import Session

import models
from citylive.festival.storage import FestivalNotFound
from citylive.sales._tables import FESTIVAL_SESSION, QUARANTINED_ROW, SALES_FILE, TOWN, VENUE
from citylive.sales.figures import summary, totals, yuan
from citylive.sales.flags import flag_sessions

TEMPLATES = Path(str(resources.files("citylive.templates") / "report"))
LOCALES = ("zh-CN", "en")
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
PALETTE = ("#c0392b", "#2e86de", "#27ae60", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d")

STRINGS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "销售总结报告",
        "town_title": "镇街销售报告",
        "generated": "生成时间",
        "overview": "总览",
        "gmv": "GMV（支付金额）",
        "net_gmv": "净 GMV（扣除退款取消）",
        "orders": "订单数",
        "units": "件数",
        "buyers": "买家数",
        "aov": "客单价",
        "refund_rate": "退款率",
        "session_gmv": "场次内成交",
        "off_session_gmv": "场外成交（热度留存）",
        "by_town": "各镇街 GMV",
        "by_industry": "各产业 GMV",
        "by_hour": "全节逐小时 GMV",
        "top_sessions": "场次排行",
        "top_streamers": "主播排行",
        "flags": "疑似数据注水场次",
        "no_flags": "未发现疑似注水的场次。",
        "venues": "主会场与分会场",
        "main": "主会场",
        "sub": "分会场",
        "off": "场外",
        "town_summaries": "各镇街小结",
        "town": "镇街",
        "industry": "产业",
        "session": "场次",
        "streamer": "主播",
        "venue": "会场",
        "evidence": "依据",
        "kind": "类型",
        "views": "场观",
        "gpm": "千次观看成交",
        "claimed": "自报 GMV",
        "gap": "差额",
        "flagged": "标记场次",
        "sessions": "场次数",
        "data": "数据来源",
        "files": "导入文件",
        "read": "读取行数",
        "stored": "入库",
        "quarantined": "隔离",
        "duplicates": "重复",
        "reasons": "隔离原因",
        "count": "行数",
        "yuan": "元",
        "refund": "退款率异常",
        "buyers_flag": "买家集中",
        "conversion": "转化率异常",
        "claim": "自报 GMV 虚高",
        "brushing": "备注刷单",
        "none": "无",
    },
    "en": {
        "title": "Sales summary report",
        "town_title": "Town sales report",
        "generated": "Generated",
        "overview": "Overview",
        "gmv": "GMV (paid)",
        "net_gmv": "Net GMV (after refunds and cancellations)",
        "orders": "Orders",
        "units": "Units",
        "buyers": "Buyers",
        "aov": "Average order value",
        "refund_rate": "Refund rate",
        "session_gmv": "In sessions",
        "off_session_gmv": "Off-session (sales that stayed)",
        "by_town": "GMV by town",
        "by_industry": "GMV by industry",
        "by_hour": "GMV by hour across the festival",
        "top_sessions": "Top sessions",
        "top_streamers": "Top streamers",
        "flags": "Sessions flagged for inflated figures",
        "no_flags": "No session shows signs of inflated figures.",
        "venues": "Main venue and sub-venues",
        "main": "Main venue",
        "sub": "Sub-venues",
        "off": "Off-session",
        "town_summaries": "Per-town summaries",
        "town": "Town",
        "industry": "Industry",
        "session": "Session",
        "streamer": "Streamer",
        "venue": "Venue",
        "evidence": "Evidence",
        "kind": "Sign",
        "views": "Views",
        "gpm": "GPM",
        "claimed": "Claimed GMV",
        "gap": "Gap",
        "flagged": "Flagged",
        "sessions": "Sessions",
        "data": "Data",
        "files": "Files ingested",
        "read": "Rows read",
        "stored": "Stored",
        "quarantined": "Quarantined",
        "duplicates": "Duplicates",
        "reasons": "Quarantine reasons",
        "count": "Rows",
        "yuan": "yuan",
        "refund": "Refund rate",
        "buyers_flag": "Concentrated buyers",
        "conversion": "Conversion",
        "claim": "Inflated claim",
        "brushing": "Brushing notes",
        "none": "none",
    },
}


def _fen(text: str | None) -> int:
    return int(Decimal(text or "0") * 100)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(label: str, limit: int = 13) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _every_hour(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """GMV per hour from the first sale to the last, quiet hours included as zero."""
    if not rows:
        return []
    fen = {r["key"]: r["gmv_fen"] for r in rows}
    hour = datetime.strptime(rows[0]["key"], "%Y-%m-%d %H:%M")
    last = datetime.strptime(rows[-1]["key"], "%Y-%m-%d %H:%M")
    out = []
    while hour <= last:
        key = hour.strftime("%Y-%m-%d %H:%M")
        out.append((key, fen.get(key, 0)))
        hour += timedelta(hours=1)
    return out


def hbar_chart(items: list[tuple[str, int]], *, unit: str = "¥", width: int = 640) -> Markup:
    """Horizontal bars, one per label; values in fen shown as yuan."""
    if not items:
        return Markup("")
    row_h, label_w, value_w = 26, 210, 110
    height = row_h * len(items) + 10
    top = max(v for _, v in items) or 1
    bar_w = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="13" role="img">'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = max(1, round(bar_w * value / top)) if value > 0 else 0
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_esc(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" fill="{color}" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 17}">{unit}{_esc(yuan(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(items: list[tuple[str, int]], *, width: int = 900, height: int = 240) -> Markup:
    """Vertical bars in time order (GMV by hour), labels every few bars."""
    if not items:
        return Markup("")
    left, bottom, top_pad = 70, 46, 12
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max(v for _, v in items) or 1
    step = plot_w / len(items)
    every = max(1, len(items) // 12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top_pad + 8}" text-anchor="end">¥{_esc(yuan(top))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (label, value) in enumerate(items):
        h = round(plot_h * value / top) if value > 0 else 0
        x = left + i * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top_pad + plot_h - h}" width="{max(1.0, step - 2):.1f}" '
            f'height="{h}" fill="#c0392b"><title>{_esc(label)} ¥{_esc(yuan(value))}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle">'
                f"{_esc(label[5:])}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def report_data(*, db: Session, festival_id: str, town: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (also useful to the summary message)."""
    festival = db.get(models.Festival, festival_id)
    if festival is None:
        raise FestivalNotFound(festival_id)
    towns = {
        r.id: r.name
        for r in db.connection().execute(
            sa.select(TOWN.c.id, TOWN.c.name).where(TOWN.c.festival_id == festival_id)
        )
    }
    if town is not None and town not in towns:
        raise ValueError(
            f"unknown town {town!r} in festival {festival_id!r}; known: {', '.join(sorted(towns))}"
        )

    def by(kind: str) -> list[dict[str, Any]]:
        return summary(db=db, festival_id=festival_id, by=kind, town=town)

    by_town = by("town")
    by_venue = by("venue")
    kinds = {
        r.id: r.kind
        for r in db.connection().execute(
            sa.select(VENUE.c.id, VENUE.c.kind).where(VENUE.c.festival_id == festival_id)
        )
    }
    venue_split = {"main": 0, "sub": 0, "off": 0}
    for r in by_venue:
        venue_split[kinds.get(r["key"], "off") if r["key"] else "off"] += r["gmv_fen"]
    flags = flag_sessions(db=db, festival_id=festival_id, town=town)
    sessions = [r for r in by("session") if r["key"]]
    flagged_by_town: dict[str, set[str]] = {}
    for f in flags:
        if f.session_id:
            flagged_by_town.setdefault(f.town, set()).add(f.session_id)
    town_sessions: dict[str, int] = {}
    fs = FESTIVAL_SESSION
    for town_id, n in db.connection().execute(
        sa.select(fs.c.town, sa.func.count())
        .where(fs.c.festival_id == festival_id, fs.c.status.in_(("proposed", "confirmed")))
        .group_by(fs.c.town)
    ):
        town_sessions[str(town_id)] = int(str(n))
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
        "by_hour": by("hour"),
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
        "ingest": _ingest_stats(db, festival_id) if town is None else None,
    }


def _ingest_stats(db: Session, festival_id: str) -> dict[str, Any]:
    sf, q = SALES_FILE, QUARANTINED_ROW
    row = (
        db.connection()
        .execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sf.c.read), 0),
                sa.func.coalesce(sa.func.sum(sf.c.stored), 0),
                sa.func.coalesce(sa.func.sum(sf.c.quarantined), 0),
                sa.func.coalesce(sa.func.sum(sf.c.duplicates), 0),
            ).where(sf.c.festival_id == festival_id)
        )
        .one()
    )
    reasons = (
        db.connection()
        .execute(
            sa.select(q.c.reason, sa.func.count().label("n"))
            .where(q.c.festival_id == festival_id)
            .group_by(q.c.reason)
            .order_by(sa.desc("n"), q.c.reason)
            .limit(10)
        )
        .all()
    )
    return {
        "files": int(row[0]),
        "read": int(row[1]),
        "stored": int(row[2]),
        "quarantined": int(row[3]),
        "duplicates": int(row[4]),
        "reasons": [(r.reason, int(r.n)) for r in reasons],
    }


def render_report(
    *, db: Session, festival_id: str, out: Path, locale: str = "zh-CN", town: str | None = None
) -> Path:
    """Write the HTML report to `out` (a folder gets `report-<festival>[-<town>].html`)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown report language {locale!r}; use one of {', '.join(LOCALES)}")
    data = report_data(db=db, festival_id=festival_id, town=town)
    t = STRINGS[locale]
    names = {r["key"]: r["label"] for r in data["by_town"]}
    charts = {
        "town": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["by_town"]]),
        "industry": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["by_industry"]]),
        "hour": column_chart(_every_hour(data["by_hour"])),
        "sessions": hbar_chart(
            [
                (r["label"].split(" · ")[0] + " " + r["label"].split(" · ")[-1], r["gmv_fen"])
                for r in data["top_sessions"]
            ]
        ),
        "streamers": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["top_streamers"]]),
        "venues": hbar_chart([(t[k], v) for k, v in data["venue_split_fen"].items()]),
    }
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    page = env.get_template("report.html").render(
        d=data,
        t=t,
        lang=locale,
        charts=charts,
        town_names=names,
        generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        flag_kind={
            "refund": t["refund"],
            "buyers": t["buyers_flag"],
            "conversion": t["conversion"],
            "claim": t["claim"],
            "brushing": t["brushing"],
        },
    )
    out = Path(out)
    if out.is_dir():
        out = out / (f"report-{festival_id}" + (f"-{town}" if town else "") + ".html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
