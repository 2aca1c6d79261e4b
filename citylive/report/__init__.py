"""The festival's sales summary report: one self-contained HTML file (zh-CN first, English too).

Charts are static SVG (charts.py), so the report opens in any browser with no network.  With
`town` the report is a coordinator's: only that town's enterprises, sessions and flags.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from citylive.errors import Invalid
from citylive.i18n import words
from citylive.money import money
from citylive.report.charts import column_chart, daily_lines_chart, every_hour, hbar_chart
from citylive.report.data import report_data
from citylive.report.evidence import evidence_sentence

TEMPLATES = Path(str(resources.files("citylive.templates") / "report"))
LOCALES = ("zh-CN", "en")
LINES_IN_CHART = 6
VENUE_WORD = {"district": "district_venue"}  # the report's word for a kind of venue

__all__ = ["column_chart", "hbar_chart", "render_html", "render_report", "report_data"]


def _daily_chart(hype: dict[str, Any], t: dict[str, str]) -> Any:
    daily = hype["daily"]
    groups = daily["groups"][:LINES_IN_CHART]
    return daily_lines_chart(
        daily["days"],
        daily["windows"],
        [(g.get("label") or str(g["key"]), g["net_fen"]) for g in groups],
        {"before": t["before_w"], "festival": t["festival_w"], "after": t["after_w"]},
    )


def render_html(
    *, db: Session, festival_id: str, locale: str = "zh-CN", town: str | None = None
) -> str:
    """The report page."""
    if locale not in LOCALES:
        raise Invalid(
            f"unknown report language {locale!r}; use one of {', '.join(LOCALES)}", field="lang"
        )
    data = report_data(db=db, festival_id=festival_id, town=town)
    t = words(locale, "report")
    names = {r["key"]: r["label"] for r in data["by_town"]}
    charts = {
        "town": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["by_town"]]),
        "industry": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["by_industry"]]),
        "hour": column_chart(every_hour(data["by_hour"])),
        "sessions": hbar_chart(
            [
                (r["label"].split(" · ")[0] + " " + r["label"].split(" · ")[-1], r["gmv_fen"])
                for r in data["top_sessions"]
            ]
        ),
        "streamers": hbar_chart([(r["label"], r["gmv_fen"]) for r in data["top_streamers"]]),
        "venues": hbar_chart(
            [(t[VENUE_WORD.get(k, k)], v) for k, v in data["venue_split_fen"].items()]
        ),
        "district": hbar_chart(
            [
                (r["label"] if r["key"] else t["no_district"], r["gmv_fen"])
                for r in data["district_rows"]
            ]
        ),
        "daily": _daily_chart(data["hype"], t),
    }
    for f in data["flags"]:
        f["sentence"] = evidence_sentence(f, locale, data["names"])
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["money"] = lambda value: money(value, locale)
    return env.get_template("report.html").render(
        names=data["names"],
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
            "loss_leader": t["loss_leader"],
            "clash": t["clash"],
            "dispute": t["dispute"],
        },
    )


def render_report(
    *, db: Session, festival_id: str, out: Path, locale: str = "zh-CN", town: str | None = None
) -> Path:
    """Write the HTML report to `out` (a folder gets `report-<festival>[-<town>].html`)."""
    page = render_html(db=db, festival_id=festival_id, locale=locale, town=town)
    out = Path(out)
    if out.is_dir():
        out = out / (f"report-{festival_id}" + (f"-{town}" if town else "") + ".html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
