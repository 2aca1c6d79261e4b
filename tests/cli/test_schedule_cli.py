"""`citylive schedule show|export`: the schedule as a table with names, in md, csv and xlsx."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from citylive.cli import app

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"
FIRST = ["2020-06-06", "19:00-21:00", "主会场", 1, "古镇镇", "钜豪照明", "李明", "pdd", "待确认",
         "small-2020-s00001"]  # fmt: skip


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "s.json"
    result = CliRunner().invoke(app, ["plan", str(SMALL), "--out", str(out), "--time-limit", "3"])
    assert result.exit_code == 0, result.output
    return out


def _export(planned: Path, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"s.{fmt}"
    result = CliRunner().invoke(
        app,
        ["schedule", "export", str(planned), "--festival-file", str(SMALL), "--format", fmt,
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out} (10 sessions)"
    return out


def test_schedule_export_xlsx_has_sessions_towns_and_unplaced(
    planned: Path, tmp_path: Path
) -> None:
    wb = load_workbook(_export(planned, tmp_path, "xlsx"))
    assert wb.sheetnames == ["日程 Schedule", "镇街 Towns", "未排入 Unplaced"]
    rows = list(wb["日程 Schedule"].iter_rows(values_only=True))
    assert len(rows) == 11 and list(rows[1]) == FIRST
    towns = list(wb["镇街 Towns"].iter_rows(values_only=True))
    assert towns[1] == ("古镇镇", 4, 4, 1, 2)
    assert list(wb["未排入 Unplaced"].iter_rows(values_only=True))[1:] == []


def test_schedule_export_csv_opens_in_excel(planned: Path, tmp_path: Path) -> None:
    text = _export(planned, tmp_path, "csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff日期 Day,时段 Slot,")
    assert text.splitlines()[1] == ",".join(str(v) for v in FIRST)


def test_schedule_show_prints_markdown(planned: Path) -> None:
    result = CliRunner().invoke(
        app, ["schedule", "show", str(planned), "--festival-file", str(SMALL)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "| 2020-06-06 | 19:00-21:00 | 主会场 | 1 | 古镇镇 | 钜豪照明 | 李明 | pdd |"
        in result.output
    )
    assert "| 古镇镇 | 4 | 4 | 100% | 2 |" in result.output


def test_schedule_export_unknown_format_refused(planned: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["schedule", "export", str(planned), "--festival-file", str(SMALL), "--format", "pdf",
         "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert (
        result.exit_code == 1 and "unknown format 'pdf'; use one of md, csv, xlsx" in result.output
    )
