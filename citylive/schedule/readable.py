"""A schedule document as a table people read: one row per session with names, in Markdown,
CSV or an Excel workbook (`citylive schedule show|export`); where the city has districts,
the sessions go district -> town -> venue -> time, with a table per district.  Built from a festival and its
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


NO_DISTRICT = "不属于片区"
_KIND_ORDER = {"main": 0, "district": 1, "sub": 2, "own": 3}


def headers(festival: Festival) -> tuple[str, ...]:
    """The session table's columns: a district's first where the city has districts."""
    return (("片区 District",) + HEADERS) if festival.districts else HEADERS


def _town_of(festival: Festival, s: Any) -> str:
    ent = festival.enterprise.get(s.enterprise)
    return ent.town if ent else (s.town or "")


def _order(festival: Festival) -> Any:
    """Time order; where the city has districts, district (the file's order, towns in none
    last) -> town -> venue -> time, by the enterprise's town."""
    f = festival
    if not f.districts:
        return lambda x: (x.start, x.venue, x.studio, x.id)
    position = {d.id: i for i, d in enumerate(f.districts)}

    def key(x: Any) -> tuple[Any, ...]:
        town = _town_of(f, x)
        kind = f.venue[x.venue].kind if x.venue in f.venue else ""
        where = position.get(f.district_of_town.get(town, ""), len(position))
        return (where, town, _KIND_ORDER.get(kind, 9), x.venue, x.start, x.studio, x.id)

    return key


def session_rows(festival: Festival, doc: ScheduleDocument) -> list[list[Any]]:
    """The sessions in time order (declined and cancelled ones included, marked), names
    instead of ids; by district where the city has them (the district's name first)."""
    f = festival
    districts = {d.id: d.name for d in f.districts}
    rows = []
    for s in sorted(doc.sessions, key=_order(f)):
        start, end = s.start.astimezone(f.tz), s.end.astimezone(f.tz)
        ent = f.enterprise.get(s.enterprise)
        town = ent.town if ent else (s.town or "")
        district = districts.get(f.district_of_town.get(town, ""), NO_DISTRICT)
        rows.append(
            ([district] if districts else [])
            + [
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


def district_lines(festival: Festival, towns: list[Any]) -> list[tuple[str, int, int, float, int]]:
    """Per district (the file's order, then the towns in none): name, requested, placed,
    share, sessions at the main venue; none where the city has no districts."""
    f = festival
    if not f.districts:
        return []
    sums: dict[str, list[int]] = {d.id: [0, 0, 0] for d in f.districts}
    names = {d.id: d.name for d in f.districts}
    for t in towns:
        d = f.district_of_town.get(t.town, "")
        line = sums.setdefault(d, [0, 0, 0])
        line[0], line[1], line[2] = line[0] + t.requested, line[1] + t.placed, line[2] + t.at_main
    return [
        (names.get(d, NO_DISTRICT), r, p, round(p / r, 4) if r else 1.0, m)
        for d, (r, p, m) in sums.items()
    ]


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
        "| " + " | ".join(headers(festival)) + " |",
        "|" + "---|" * len(headers(festival)),
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
    if festival.districts:
        lines += ["", "| 片区 District | 申请 Requested | 排入 Placed | 比例 Share | 主会场 At main |",
                  "|---|---|---|---|---|"]  # fmt: skip
        lines += [
            f"| {name} | {r:,} | {p:,} | {f'{share:.0%}' if r else '-'} | {m:,} |"
            for name, r, p, share, m in district_lines(festival, out.towns)
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
    w.writerow(headers(festival))
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
    ws.append(list(headers(festival)))
    for row in session_rows(festival, doc):
        _append(ws, row)
    towns = wb.create_sheet("镇街 Towns")
    towns.append(["镇街 Town", "申请 Requested", "排入 Placed", "比例 Share", "主会场 At main"])
    for t in out.towns:
        _append(towns, [t.name, t.requested, t.placed, t.share, t.at_main])
        towns.cell(row=towns.max_row, column=4).number_format = "0%"
    sheets = [ws, towns]
    if festival.districts:
        districts = wb.create_sheet("片区 Districts")
        districts.append(
            ["片区 District", "申请 Requested", "排入 Placed", "比例 Share", "主会场 At main"]
        )
        for line in district_lines(festival, out.towns):
            _append(districts, list(line))
            districts.cell(row=districts.max_row, column=4).number_format = "0%"
        sheets.append(districts)
    unplaced = wb.create_sheet("未排入 Unplaced")
    unplaced.append(["企业 Enterprise", "场次 Count", "原因 Reason", "缺少 Short of", "办法 Fix"])
    for u in out.unplaced:
        _append(unplaced, [u.name, u.count, u.reason_zh, u.scarce, u.remedy_zh])
    for sheet in (*sheets, unplaced):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
