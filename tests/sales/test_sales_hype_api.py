"""After the hype through the API, the command line and the report (build_weeks' data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import bearer, bound_app, token
from support.sales_factories import build_weeks
from typer.testing import CliRunner

from citylive.report import render_report

API = "/api/v1/festivals/small-2020"


@pytest.fixture
def client(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        tokens = {
            "organiser": bearer(token(db, "organiser", name="主办方")),
            "shaxi": bearer(token(db, "coordinator", "shaxi", name="李强")),
        }
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        yield c, tokens


def test_lift_route_summaries_by_window_and_discounts(client: tuple[TestClient, dict]) -> None:
    c, tok = client
    lift = c.get(f"{API}/lift?by=town", headers=tok["organiser"]).json()
    assert [
        (
            r["key"],
            r["before_daily"],
            r["festival_daily"],
            r["after_daily"],
            r["retained_lift"],
            r["retention"],
        )
        for r in lift["data"]
    ] == [
        ("guzhen", "45.71", "172.50", "20.00", -0.5625, 0.5),
        ("shaxi", "0.00", "150.00", "0.00", None, 0.0),
    ]
    own = c.get(f"{API}/lift?by=enterprise", headers=tok["shaxi"]).json()["data"]
    assert [r["key"] for r in own] == ["ruiang"]
    assert c.get(f"{API}/lift?by=town&town=guzhen", headers=tok["shaxi"]).status_code == 403
    assert c.get(f"{API}/lift?by=hour", headers=tok["organiser"]).status_code == 422
    before = c.get(f"{API}/summary?by=platform&window=before", headers=tok["organiser"]).json()
    assert (before["window"], [(r["gmv"], r["net_gmv"]) for r in before["data"]]) == (
        "before",
        [("400.00", "320.00")],
    )
    depths = c.get(f"{API}/discounts", headers=tok["organiser"]).json()["data"]
    assert [(d["session_id"], d["deep_share"], d["new_gmv"]) for d in depths] == [
        ("small-2020-s00001", 0.1449, "200.00"),
        ("small-2020-s00003", 0.0, "300.00"),
    ]
    assert [
        d["session_id"] for d in c.get(f"{API}/discounts", headers=tok["shaxi"]).json()["data"]
    ] == ["small-2020-s00003"]


def test_the_report_shows_what_stayed_after_the_hype(engine: Engine, tmp_path: Path) -> None:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        page = render_report(db=db, festival_id="small-2020", out=tmp_path / "r.html").read_text(
            encoding="utf-8"
        )
        english = render_report(
            db=db, festival_id="small-2020", out=tmp_path / "en.html", locale="en"
        ).read_text(encoding="utf-8")
    assert '<h2 id="hype">热度之后</h2>' in page
    assert '<div class="v" id="hype-before-daily">¥45.71</div>' in page
    assert '<div class="v" id="hype-after-daily">¥20.00</div>' in page
    assert '<div class="v" id="hype-retained-lift">-56.2%</div>' in page
    assert '<div class="v" id="hype-retention">33.3%</div>' in page
    assert '<tr id="lift-guzhen"><td>古镇镇</td>' in page
    assert "节前中位价 ¥100.00 → 场内最低价 ¥50.00" in page and "台灯: 新品" in page
    assert '<tr id="deep-small-2020-s00001">' in page and "14.5%" in page
    # the chart: a line per town over the 58 days of the windows, the festival's days shaded
    assert page.count('<polyline fill="none"') == 2 and 'fill="#fdecea"' in page
    assert '<h2 id="hype">After the hype</h2>' in english and "Deepest-discount sessions" in english
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_cli_lift_and_discounts(data_dir: Path, tmp_path: Path) -> None:
    from citylive.cli import app
    from citylive.db import get_engine, init_db

    build_weeks(init_db(get_engine()), tmp_path)
    runner = CliRunner()
    lift = runner.invoke(app, ["sales", "lift", "--festival", "small-2020", "--by", "festival"])
    assert lift.exit_code == 0, lift.output
    assert "45.71" in lift.output and "322.50" in lift.output and "-56.2%" in lift.output
    depth = runner.invoke(app, ["sales", "discounts", "--festival", "small-2020"])
    assert depth.exit_code == 0 and "small-2020-s00001" in depth.output and "14.5%" in depth.output
    window = runner.invoke(
        app,
        ["sales", "summary", "--festival", "small-2020", "--by", "platform", "--window", "after"],
    )
    assert window.exit_code == 0 and "160.00" in window.output
    bad = runner.invoke(app, ["sales", "summary", "--festival", "small-2020", "--window", "later"])
    assert bad.exit_code == 1 and "unknown window 'later'" in bad.output


def test_summary_defaults_to_the_festival_days(client: tuple[TestClient, dict]) -> None:
    """As the command line and the report: the festival's days unless `window` (or a `day`)
    says otherwise; `all` is every week of the data."""
    c, tok = client

    def gmv(query: str) -> tuple[str | None, list[tuple[str, str]]]:
        got = c.get(f"{API}/summary?by=platform{query}", headers=tok["organiser"]).json()
        return got["window"], [(r["key"], r["gmv"]) for r in got["data"]]

    assert gmv("") == gmv("&window=festival") == ("festival", [("douyin", "645.00")])
    assert gmv("&window=before") == ("before", [("douyin", "400.00")])
    assert gmv("&window=after") == ("after", [("douyin", "160.00")])
    assert gmv("&window=all") == ("all", [("douyin", "1205.00")])  # 400 + 645 + 160
    assert gmv("&day=2020-06-10") == ("all", [("douyin", "100.00")])  # a day after it
