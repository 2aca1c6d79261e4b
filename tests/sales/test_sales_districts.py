"""Sales figures by district: the core summary (SQLite and PostgreSQL), the API route, the
CLI and the report's per-district table, on the small festival with two districts (west:
guzhen, henglan; centre: shiqi; shaxi in none) and 华艺's own rooms."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.districts import districts_festival
from support.factories import bearer, bound_app, token
from support.sales_factories import build_sales, ingest_sales, small_festival_with_sessions
from typer.testing import CliRunner

from citylive.sales.figures import Filters, summary
from citylive.sales.session_figures import read_figures_csv, store_figures

FID = "small-2020"


def build_district_sales(engine: Engine, tmp_path: Path) -> None:
    """The hand-computed sales of tests/sales/test_sales_figures.py, with 华艺's taobao
    session (2) in its own rooms."""
    small_festival_with_sessions(engine, districts_festival(), venues={2: "huayi-rooms"})
    ingest_sales(engine, tmp_path)


def _rows(db: Session, by: str, **kw: object) -> list[tuple]:
    return [
        (r["key"], r["label"], r["gmv"], r["net_gmv"], r["orders"], r["buyers"])
        for r in summary(db=db, festival_id=FID, by=by, **kw)  # type: ignore[arg-type]
    ]


def test_summary_by_district_adds_up_to_the_towns(engine: Engine, tmp_path: Path) -> None:
    build_district_sales(engine, tmp_path)
    with Session(engine) as db:
        assert _rows(db, "district") == [
            ("west", "西部组团", "998.00", "619.00", 7, 6),
            (None, "不属于片区 (no district)", "500.00", "500.00", 1, 1),
        ]
        # the own rooms count for their enterprise's town (guzhen, in the west)
        assert _rows(db, "venue") == [
            ("guzhen-venue", "古镇分会场", "730.00", "450.00", 4, 3),
            ("main", "主会场", "500.00", "500.00", 1, 1),
            ("huayi-rooms", "华艺直播间", "198.00", "99.00", 2, 2),
            (None, "场外销售 (off-session)", "70.00", "70.00", 1, 1),
        ]
        assert _rows(db, "district", town="guzhen") == [
            ("west", "西部组团", "998.00", "619.00", 7, 6)
        ]
        assert _rows(db, "district", filters=Filters(platform="taobao")) == [
            ("west", "西部组团", "198.00", "99.00", 2, 2)
        ]


def test_district_filter_and_viewer_figures_by_district(engine: Engine, tmp_path: Path) -> None:
    build_district_sales(engine, tmp_path)
    csv_path = tmp_path / "figures.csv"
    csv_path.write_text(
        f"场次编号,场观,自报GMV\n{FID}-s00001,1000,2000.00\n{FID}-s00003,5000,\n", encoding="gbk"
    )
    with Session(engine) as db:
        rows = read_figures_csv(csv_path)
        assert store_figures(db=db, festival_id=FID, rows=rows, reported_by="玄度科技") == 2
        db.commit()
        west = Filters(district="west")
        assert _rows(db, "town", filters=west) == [("guzhen", "古镇镇", "998.00", "619.00", 7, 6)]
        assert _rows(db, "enterprise", filters=Filters(district="centre")) == []
        by_district = {
            r["key"]: (r.get("views"), r.get("gpm"), r.get("claimed_gmv"))
            for r in summary(db=db, festival_id=FID, by="district")
        }
        assert by_district == {
            "west": (1000, "730.00", "2000.00"),
            None: (5000, "100.00", None),
        }
        session = summary(db=db, festival_id=FID, by="session", filters=west)
        assert [(r["key"], r.get("views")) for r in session] == [
            (f"{FID}-s00001", 1000),
            (f"{FID}-s00002", None),
            (None, None),
        ]


def test_summary_by_district_in_a_city_without_districts(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        assert _rows(db, "district") == [
            (None, "不属于片区 (no district)", "1498.00", "1119.00", 8, 7)
        ]


def test_api_summary_by_district(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    build_district_sales(engine, tmp_path)
    with Session(engine) as db:
        organiser = bearer(token(db, "organiser", name="主办方"))
        shaxi = bearer(token(db, "coordinator", "shaxi", name="李强"))
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        r = c.get(f"/api/v1/festivals/{FID}/summary?by=district", headers=organiser)
        assert r.status_code == 200, r.text
        assert r.json()["by"] == "district"
        assert [(x["key"], x["label"], x["gmv"], x["orders"]) for x in r.json()["data"]] == [
            ("west", "西部组团", "998.00", 7),
            (None, "不属于片区 (no district)", "500.00", 1),
        ]
        r = c.get(f"/api/v1/festivals/{FID}/summary?by=town&district=west", headers=organiser)
        assert [(x["key"], x["gmv"]) for x in r.json()["data"]] == [("guzhen", "998.00")]
        r = c.get(f"/api/v1/festivals/{FID}/summary?by=district", headers=shaxi)
        assert [(x["key"], x["gmv"]) for x in r.json()["data"]] == [(None, "500.00")]
        assert "西部组团" not in r.text


def test_cli_summary_and_report_by_district(data_dir: Path, tmp_path: Path) -> None:
    from citylive.cli import app
    from citylive.db import get_engine, init_db

    engine = init_db(get_engine())
    build_district_sales(engine, tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["sales", "summary", "--festival", FID, "--by", "district"])
    assert result.exit_code == 0, result.output
    rows = [
        [cell.strip() for cell in line.split("│")]
        for line in result.output.splitlines()
        if "│" in line and any(c.isdigit() for c in line)
    ]
    assert rows == [
        ["西部组团", "998.00", "619.00", "7", "11", "6", "142.57", "42.9%"],
        ["不属于片区", "500.00", "500.00", "1", "5", "1", "500.00", "0.0%"],
    ]
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--festival", FID, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<table id="districts">' in html
    assert (
        '<tr id="district-west"><td>西部组团</td><td>¥998.00</td><td>¥619.00</td><td>7</td>'
        "<td>¥928.00</td><td>¥70.00</td><td>3</td><td>1</td></tr>"
    ) in html
    assert (
        '<tr id="no-district"><td>不属于片区</td><td>¥500.00</td><td>¥500.00</td><td>1</td>'
        "<td>¥500.00</td><td>¥0.00</td><td>2</td><td>0</td></tr>"
    ) in html
    assert "<tr><td>企业自有直播间</td><td>¥198.00</td></tr>" in html
    assert "<tr><td>片区分会场</td><td>¥0.00</td></tr>" in html
    from citylive.report import render_html

    with Session(engine) as db:
        guzhen = render_html(db=db, festival_id=FID, town="guzhen")
    assert 'id="districts"' not in guzhen and "<h2>各片区 GMV</h2>" not in guzhen
    assert "<h2>各片区 GMV</h2>" in html


def test_report_of_a_city_without_districts_has_no_district_table(
    engine: Engine, tmp_path: Path
) -> None:
    from citylive.report import render_html

    build_sales(engine, tmp_path)
    with Session(engine) as db:
        html = render_html(db=db, festival_id=FID)
    assert "<h2>各镇街 GMV</h2>" in html
    assert 'id="districts"' not in html and "片区" not in html
