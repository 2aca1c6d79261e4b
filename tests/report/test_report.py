"""The rendered report carries the right numbers, in Chinese and in English, whole or per town."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.sales_factories import build_sales
from typer.testing import CliRunner

from citylive.errors import NotFound
from citylive.report import column_chart, hbar_chart, render_report
from citylive.sales.session_figures import read_figures_csv, store_figures

S1 = "small-2020-s00001"


def _cell_row(page: str, row_id: str) -> list[str]:
    m = re.search(rf'<tr id="{row_id}">(.*?)</tr>', page, re.S)
    assert m, row_id
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)
    ]


def _store_claim(engine: Engine, tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(f"session_id,views,claimed_gmv\n{S1},1000,2000.00\n", encoding="utf-8")
    with Session(engine) as db:
        store_figures(db=db, festival_id="small-2020", rows=read_figures_csv(p))
        db.commit()


def test_report_zh_contains_totals_towns_flags_and_venues(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    _store_claim(engine, tmp_path)
    with Session(engine) as db:
        out = render_report(db=db, festival_id="small-2020", out=tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert '<div class="v" id="total-gmv">¥1,498.00</div>' in page
    assert '<div class="v" id="total-net-gmv">¥1,119.00</div>' in page
    assert '<div class="v" id="total-orders">8</div>' in page
    assert '<div class="v" id="total-refund-rate">37.5%</div>' in page
    assert '<div class="v" id="total-off-session">¥70.00</div>' in page
    assert _cell_row(page, "town-guzhen") == [
        "古镇镇",
        "¥998.00",
        "¥619.00",
        "7",
        "¥928.00",
        "¥70.00",
        "3",
        "1",
    ]
    assert _cell_row(page, "town-shaxi") == [
        "沙溪镇",
        "¥500.00",
        "¥500.00",
        "1",
        "¥500.00",
        "¥0.00",
        "2",
        "0",
    ]
    assert "<td>主会场</td><td>¥500.00</td>" in page
    assert "<td>分会场</td><td>¥928.00</td>" in page
    assert "<td>场外</td><td>¥70.00</td>" in page
    # the claim and the brushing notes are flagged with their evidence
    flags = page[
        page.index('<table id="flags">') : page.index("</table>", page.index('<table id="flags">'))
    ]
    assert "自报 GMV ¥2,000.00，订单数据合计只有 ¥730.00，多报 ¥1,270.00" in flags
    assert "gap=" not in flags
    assert "备注写有“刷单”" in flags
    # charts are inline SVG with Chinese labels as text; nothing is fetched from the network
    assert '<text x="202" y="22" text-anchor="end">古镇镇</text>' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page


def test_report_en_for_one_town_shows_only_that_town(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        out = render_report(
            db=db, festival_id="small-2020", out=tmp_path, locale="en", town="shaxi"
        )
        assert out.name == "report-small-2020-shaxi.html"
        with pytest.raises(NotFound, match="unknown town 'nowhere'"):
            render_report(db=db, festival_id="small-2020", out=tmp_path, town="nowhere")
    page = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "Town sales report" in page
    assert '<div class="v" id="total-gmv">¥500.00</div>' in page
    assert _cell_row(page, "town-shaxi")[:4] == ["沙溪镇", "¥500.00", "¥500.00", "1"]
    assert "town-guzhen" not in page and "华艺" not in page and "1498.00" not in page
    assert "No session shows signs of inflated figures." in page


def test_charts_scale_bars_to_the_largest_value() -> None:
    svg = hbar_chart([("甲", 20000), ("乙", 10000)], width=640)
    # bar width = 640 - 210 - 110 = 320 for the largest, half for the other
    assert 'width="320"' in svg and 'width="160"' in svg
    assert "¥200.00" in svg and "¥100.00" in svg
    col = column_chart([("2020-06-06 19:00", 100), ("2020-06-06 20:00", 0)])
    assert "06-06 19:00" in col and "¥1.00" in col


def test_cli_report_writes_the_file(data_dir: Path, tmp_path: Path) -> None:
    from citylive.cli import app
    from citylive.db import get_engine, init_db

    engine = init_db(get_engine())
    build_sales(engine, tmp_path)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app, ["report", "--festival", "small-2020", "--out", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(out)
    assert '<div class="v" id="total-gmv">¥1,498.00</div>' in out.read_text(encoding="utf-8")
