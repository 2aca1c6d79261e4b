"""The schedule as calendar feeds (iCalendar) and as an Excel workbook.

Exports take the same `SessionFilter` as the API, so a coordinator's export is exactly the
sessions the coordinator may see.  Names come from festival files and are untrusted: control
characters are stripped, and a cell that starts like a formula (`= + - @`, a tab or a CR) is
written as text, never as a live formula (CSV/formula injection).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

import models
from citylive.festival.storage import FestivalNotFound
from citylive.session_queries import (
    SessionFilter,
    confirmations_by_town,
    festival_brief,
    list_sessions,
)

ICS_STATUS = {
    "proposed": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "declined": "CANCELLED",
    "cancelled": "CANCELLED",
}
STATUS_ZH = {
    "proposed": "待确认",
    "confirmed": "已确认",
    "declined": "已拒绝",
    "cancelled": "已取消",
}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    """A name as it may appear in a calendar or a workbook: no control characters."""
    return _CONTROL.sub("", value)


@dataclass
class Names:
    """Display names for ids, read from the stored festival's tables."""

    festival: str
    tz: ZoneInfo
    towns: dict[str, str]
    venues: dict[str, str]
    enterprises: dict[str, str]
    streamers: dict[str, str]
    industries: dict[str, str]
    districts: dict[str, str] = field(default_factory=dict)  # file order; empty: none
    district_of_town: dict[str, str] = field(default_factory=dict)

    def district_of(self, town: str | None) -> str | None:
        """The district's name of a town, or None (no districts, or a town in none)."""
        d = self.district_of_town.get(town or "")
        return self.districts.get(d, d) if d else None


def names_of(*, db: Session, festival_id: str) -> Names:
    row = festival_brief(db, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)

    def pairs(table: type) -> dict[str, str]:
        rows = db.exec(select(table.id, table.name).where(table.festival_id == festival_id))  # type: ignore[attr-defined]
        return {i: clean_text(n) for i, n in rows}

    return Names(
        festival=row.name,
        tz=ZoneInfo(row.timezone),
        towns=pairs(models.Town),
        venues=pairs(models.Venue),
        enterprises=pairs(models.Enterprise),
        streamers=pairs(models.Streamer),
        industries=pairs(models.Industry),
        districts={  # in the festival file's order
            i: clean_text(n)
            for i, n in db.exec(
                select(models.District.id, models.District.name)
                .where(models.District.festival_id == festival_id)
                .order_by(col(models.District.position))
            )
        },
        district_of_town={
            t: d
            for t, d in db.exec(
                select(models.Town.id, models.Town.district_id).where(
                    models.Town.festival_id == festival_id
                )
            )
            if d is not None
        },
    )


def calendar_ics(
    *, db: Session, festival_id: str, filters: SessionFilter, title: str | None = None
) -> bytes:
    """An iCalendar feed of the matching sessions; declined and cancelled ones are marked
    CANCELLED so calendar apps take them off people's calendars."""
    names = names_of(db=db, festival_id=festival_id)
    sessions, _ = list_sessions(db=db, festival_id=festival_id, filters=filters)
    cal = Calendar()
    cal.add("prodid", "-//CityLive//festival schedule//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", clean_text(title or names.festival))
    cal.add("x-wr-timezone", str(names.tz))
    for s in sessions:
        ev = Event()
        ev.add("uid", f"{s.id}@citylive")
        ev.add("dtstamp", s.updated_at)
        ev.add("dtstart", s.start.astimezone(names.tz))
        ev.add("dtend", s.end.astimezone(names.tz))
        ev.add("sequence", s.row_version - 1)
        ev.add(
            "summary",
            clean_text(
                f"{names.enterprises.get(s.enterprise, s.enterprise)} × "
                f"{names.streamers.get(s.streamer, s.streamer)} ({s.platform})"
            ),
        )
        ev.add("location", clean_text(f"{names.venues.get(s.venue, s.venue)} · 直播间 {s.studio}"))
        ev.add("status", ICS_STATUS[s.status])
        ev.add(
            "description",
            clean_text(
                f"session {s.id}\nstatus: {s.status}\ntown: {names.towns.get(s.town, s.town)}\n"
                + (f"district: {names.district_of(s.town) or '-'}\n" if names.districts else "")
                + f"industry: {names.industries.get(s.industry, s.industry)}"
            ),
        )
        district = names.district_of_town.get(s.town)
        ev.add(
            "categories",
            [clean_text(x) for x in (s.town, district, s.industry, s.platform) if x is not None],
        )
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


SESSION_COLUMNS = [
    ("场次 Session", 16),
    ("日期 Day", 12),
    ("开始 Start", 8),
    ("结束 End", 8),
    ("会场 Venue", 18),
    ("直播间 Studio", 8),
    ("镇街 Town", 12),
    ("行业 Industry", 12),
    ("企业 Enterprise", 22),
    ("主播 Streamer", 14),
    ("平台 Platform", 10),
    ("状态 Status", 10),
    ("版本 Version", 8),
]


def schedule_workbook(*, db: Session, festival_id: str, filters: SessionFilter) -> bytes:
    """The schedule as an .xlsx: one sheet of sessions (filterable, frozen header), one of
    confirmation counts per town."""
    names = names_of(db=db, festival_id=festival_id)
    sessions, _ = list_sessions(db=db, festival_id=festival_id, filters=filters)
    columns = SESSION_COLUMNS
    if names.districts:  # district -> town -> time, the district's name beside the town's
        columns = SESSION_COLUMNS[:7] + [("片区 District", 12)] + SESSION_COLUMNS[7:]
        order = {d: i for i, d in enumerate(names.districts)}
        sessions.sort(
            key=lambda s: (order.get(names.district_of_town.get(s.town, ""), len(order)), s.town)
        )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "日程 Schedule"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="9B2335")
    ws.append([c for c, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = width
    for s in sessions:
        _append(ws, _session_cells(names, s))
        ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"

    towns = wb.create_sheet("确认 Confirmations")
    towns.append(
        ["镇街 Town", "名称 Name", "待确认 Proposed", "已确认 Confirmed", "已拒绝 Declined"]
    )
    for i in range(1, 6):
        towns.cell(row=1, column=i).font, towns.cell(row=1, column=i).fill = (
            header_font,
            header_fill,
        )
        towns.column_dimensions[get_column_letter(i)].width = 16
    for line in confirmations_by_town(db=db, festival_id=festival_id, town=filters.town):
        _append(towns, [line.town, line.name, line.proposed, line.confirmed, line.declined])
    towns.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _session_cells(names: Names, s: Any) -> list[Any]:
    """A session's row of the workbook (with its town's district where the city has them)."""
    start: datetime = s.start.astimezone(names.tz)
    end: datetime = s.end.astimezone(names.tz)
    district = [names.district_of(s.town) or "不属于片区"] if names.districts else []
    return [
        s.id,
        start.date(),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
        names.venues.get(s.venue, s.venue),
        s.studio,
        names.towns.get(s.town, s.town),
        *district,
        names.industries.get(s.industry, s.industry),
        names.enterprises.get(s.enterprise, s.enterprise),
        names.streamers.get(s.streamer, s.streamer),
        s.platform,
        f"{STATUS_ZH[s.status]} {s.status}",
        s.version,
    ]


def _append(ws: Any, values: list[Any]) -> None:
    """A row whose text cells are plain text: cleaned, and never read as formulas."""
    ws.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # what openpyxl would have stored as a formula stays text
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True  # and Excel shows it as typed, even when edited
