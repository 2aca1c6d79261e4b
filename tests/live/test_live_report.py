"""The running figures in the report, beside the figures computed from the exports, on
SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.live_factories import DFID, dsid

from citylive.actions import live as actions
from citylive.actions import sales
from citylive.festival import Festival
from citylive.live.figures import provisional_rows
from citylive.scope import SYSTEM


def _post(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as db:
        actions.post_figures(db=db, actor=SYSTEM, session_id=dsid(1), views=12000, gmv="35800.50")
        actions.post_figures(db=db, actor=SYSTEM, session_id=dsid(3), views=None, gmv=900)


def test_provisional_rows_beside_computed_gmv(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    _post(engine)
    with Session(engine) as db:
        rows = provisional_rows(db, DFID, None, {dsid(1): 3_000_000})
        guzhen = provisional_rows(db, DFID, "guzhen", {})
    assert rows == [
        {
            "session_id": dsid(1),
            "town": "guzhen",
            "enterprise": "huayi",
            "views": 12000,
            "provisional_gmv": "35800.50",
            "computed_gmv": "30000.00",
            "gap": "5800.50",
            "posted_by": "system",
        },
        {
            "session_id": dsid(3),
            "town": "shaxi",
            "enterprise": "ruiang",
            "views": None,
            "provisional_gmv": "900.00",
            "computed_gmv": None,
            "gap": None,
            "posted_by": "system",
        },
    ]
    assert [r["session_id"] for r in guzhen] == [dsid(1)]


def test_report_shows_the_posted_figures(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    _post(engine)
    with Session(engine) as db:
        page = sales.report_html(db=db, actor=SYSTEM, festival_id=DFID)
    assert '<h2 id="live-figures">直播中上报的实时数据（未核实）与导出数据</h2>' in page
    assert f"<td><code>{dsid(1)}</code></td><td>guzhen</td><td>12000</td>" in page
    assert "<td>¥35800.50</td>" in page


def test_figures_update_keeps_the_other_value(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    _post(engine)
    with Session(engine, expire_on_commit=False) as db:
        out = actions.post_figures(db=db, actor=SYSTEM, session_id=dsid(1), views=15000, gmv=None)
    assert (out.live.views, out.live.gmv_fen) == (15000, 3_580_050)
