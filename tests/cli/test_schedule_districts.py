"""`citylive schedule show|export` of a city with districts: the sessions go district ->
town -> venue -> time with the district's name first, and a table per district."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml
from openpyxl import load_workbook
from support.districts import districts_doc, districts_festival, districts_schedule
from typer.testing import CliRunner

from citylive.cli import app
from citylive.schedule.document import write_schedule
from citylive.schedule.readable import as_csv, as_xlsx

# (district, day, slot, venue, studio, town, enterprise, streamer, platform, status, session)
ROWS = [
    ["西部组团", "2020-06-06", "19:00-21:00", "主会场", "1", "古镇镇", "华艺灯饰", "李明", "douyin"],
    ["西部组团", "2020-06-06", "14:00-16:00", "西部分会场", "1", "古镇镇", "钜豪照明", "李明", "pdd"],
    ["西部组团", "2020-06-07", "10:00-12:00", "华艺直播间", "1", "古镇镇", "华艺灯饰", "华艺主播",
     "taobao"],
    ["西部组团", "2020-06-07", "14:00-16:00", "主会场", "2", "横栏镇", "横栏灯饰", "陈华", "pdd"],
    ["不属于片区", "2020-06-06", "19:00-21:00", "沙溪分会场", "1", "沙溪镇", "瑞昂制衣", "任静",
     "douyin"],
    ["不属于片区", "2020-06-07", "19:00-21:00", "沙溪分会场", "2", "沙溪镇", "沙溪牛仔", "陈华",
     "1688"],
]  # fmt: skip
SESSIONS = [1, 3, 2, 4, 5, 6]


def test_csv_and_xlsx_by_district() -> None:
    festival = districts_festival()
    doc = districts_schedule(festival)
    lines = list(csv.reader(io.StringIO(as_csv(festival, doc).lstrip("\ufeff"))))
    assert lines[0][:2] == ["片区 District", "日期 Day"]
    assert [line[:9] for line in lines[1:]] == ROWS
    assert [line[10] for line in lines[1:]] == [f"small-2020-s{n:05d}" for n in SESSIONS]
    wb = load_workbook(io.BytesIO(as_xlsx(festival, doc)))
    assert wb.sheetnames == ["日程 Schedule", "镇街 Towns", "片区 Districts", "未排入 Unplaced"]
    assert list(wb["片区 Districts"].iter_rows(values_only=True)) == [
        ("片区 District", "申请 Requested", "排入 Placed", "比例 Share", "主会场 At main"),
        ("西部组团", 6, 4, 0.6667, 2),
        ("中心组团", 0, 0, 1, 0),
        ("不属于片区", 4, 2, 0.5, 0),
    ]


def test_schedule_show_by_district(tmp_path: Path) -> None:
    festival_file = tmp_path / "districts.yaml"
    festival_file.write_text(yaml.safe_dump(districts_doc(), allow_unicode=True), "utf-8")
    schedule = tmp_path / "s.json"
    write_schedule(schedule, districts_schedule(districts_festival()))
    result = CliRunner().invoke(
        app, ["schedule", "show", str(schedule), "--festival-file", str(festival_file)]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "| 片区 District | 日期 Day | 时段 Slot |" in out
    assert "| 西部组团 | 2020-06-07 | 10:00-12:00 | 华艺直播间 | 1 | 古镇镇 | 华艺灯饰 |" in out
    assert out.index("钜豪照明") < out.index("华艺主播") < out.index("横栏灯饰") < out.index("瑞昂")
    assert "| 西部组团 | 6 | 4 | 67% | 2 |" in out
    assert "| 中心组团 | 0 | 0 | - | 0 |" in out
    assert "| 不属于片区 | 4 | 2 | 50% | 0 |" in out
