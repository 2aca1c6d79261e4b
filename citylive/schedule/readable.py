"""A schedule document as a table people read: one row per session with names, in Markdown,
CSV or an Excel workbook (`citylive schedule show|export`).  Built from a festival and its
document alone (a schedule file and its festival file, or a stored version)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from citylive.festival import Festival
from citylive.schedule.document import ScheduleDocument
from citylive.schedule.publish import STATUS_ZH, _append
from citylive.schedule.readout import readout

HEADERS = (
    "日期 Day",
    "时段 Slot",
    "会场 Venue",
    "直播间 Studio",
    "镇街 Town",
    "企业 Enterprise",
    "主播 Streamer",
    "平台 Platform",
    "状态 Status",
    "场次 Session",
)
FORMATS = ("md", "csv", "xlsx")


def session_rows(festival: Festival, doc: ScheduleDocument) -> list[list[Any]]:
    """The sessions in time order (declined and cancelled ones included, marked), names
    instead of ids."""
    f = festival
    rows = []
    for s in sorted(doc.sessions, key=lambda x: (x.start, x.venue, x.studio, x.id)):
        start, end = s.start.astimezone(f.tz), s.end.astimezone(f.tz)
        ent = f.enterprise.get(s.enterprise)
        town = ent.town if ent else (s.town or "")
        rows.append(
            [
                start.date().isoformat(),
                f"{start:%H:%M}-{end:%H:%M}",
                f.venue[s.venue].name if s.venue in f.venue else s.venue,
                s.studio,
                f.town[town].name if town in f.town else town,
                ent.name if ent else s.enterprise,
                f.streamer[s.streamer].name if s.streamer in f.streamer else s.streamer,
                s.platform,
                STATUS_ZH.get(s.status, str(s.status)),
                s.id,
            ]
        )
    return rows


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def as_markdown(festival: Festival, doc: ScheduleDocument) -> str:
    out = readout(festival, doc)
    lines = [
        f"# {festival.name} · 第 {doc.version} 版排期 (version {doc.version})",
        "",
        f"{doc.stats.placed:,} / {doc.stats.requested:,} sessions placed, value "
        f"{doc.stats.value:,} CNY",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in session_rows(
        festival, doc)]  # fmt: skip
    lines += ["", "| 镇街 Town | 申请 Requested | 排入 Placed | 比例 Share | 主会场 At main |",
              "|---|---|---|---|---|"]  # fmt: skip
    lines += [
        f"| {t.name} | {t.requested:,} | {t.placed:,} | "
        f"{f'{t.share:.0%}' if t.requested else '-'} | {t.at_main:,} |"
        for t in out.towns
    ]
    if out.unplaced:
        lines += ["", "## 未排入 Unplaced", ""]
        lines += [
            f"- {_md_cell(u.name)} x{u.count}: {_md_cell(u.reason)} (short of: {u.scarce}; "
            f"would place it: {_md_cell(u.remedy)})"
            for u in out.unplaced
        ]
    return "\n".join(lines) + "\n"


def as_csv(festival: Festival, doc: ScheduleDocument) -> str:
    """UTF-8 with a BOM, so Excel opens the Chinese names right."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS)
    for row in session_rows(festival, doc):
        # a cell that starts like a formula stays text in a spreadsheet
        w.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for v in row])
    return "\ufeff" + buf.getvalue()


def as_xlsx(festival: Festival, doc: ScheduleDocument) -> bytes:
    out = readout(festival, doc)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "日程 Schedule"
    ws.append(list(HEADERS))
    for row in session_rows(festival, doc):
        _append(ws, row)
    towns = wb.create_sheet("镇街 Towns")
    towns.append(["镇街 Town", "申请 Requested", "排入 Placed", "比例 Share", "主会场 At main"])
    for t in out.towns:
        _append(towns, [t.name, t.requested, t.placed, t.share, t.at_main])
        towns.cell(row=towns.max_row, column=4).number_format = "0%"
    unplaced = wb.create_sheet("未排入 Unplaced")
    unplaced.append(["企业 Enterprise", "场次 Count", "原因 Reason", "缺少 Short of", "办法 Fix"])
    for u in out.unplaced:
        _append(unplaced, [u.name, u.count, u.reason_zh, u.scarce, u.remedy_zh])
    for sheet in (ws, towns, unplaced):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
