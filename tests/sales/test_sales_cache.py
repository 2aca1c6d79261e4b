"""Figures are cached per data version: read back while nothing changed, recomputed after an
ingest, a figures upload, a re-attribution (asked for, or found needed after a re-plan)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.sales_factories import DOUYIN_HEADERS, build_sales, douyin_row, write_csv

import models
from citylive.actions.sales import reattribute_festival, report_figures, sales_summary
from citylive.sales.ingest import ingest_files
from citylive.scope import Actor

FID = "small-2020"
ORG = Actor.system("test")


def _sessions(db: Session) -> dict:
    return {
        r["key"]: (r["gmv"], r.get("views"))
        for r in sales_summary(db=db, actor=ORG, festival_id=FID, by="session")
    }


def _cache_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT key, stamp FROM sales_cache"))]


def test_a_summary_is_read_back_until_the_data_changes(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        first = sales_summary(db=db, actor=ORG, festival_id=FID, by="town")
        [(key, stamp)] = _cache_rows(engine)
        # what is read back is the stored result: change it underneath, and it is what comes out
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sales_cache SET payload = :p WHERE key = :k"),
                {"p": '[{"key": "cached", "gmv_fen": 1}]', "k": key},
            )
        assert sales_summary(db=db, actor=ORG, festival_id=FID, by="town") == [
            {"key": "cached", "gmv_fen": 1}
        ]
        assert [r["key"] for r in first] == ["guzhen", "shaxi"]
        # a new ingest is a new version: the summary is computed again, with the new line
        more = write_csv(
            tmp_path / "ruiang_more_douyin.csv",
            DOUYIN_HEADERS,
            [douyin_row("r9", "r9-1", "2020-06-06 11:30:00", "40.00", account="renjing_live")],
        )
        ingest_files(engine=engine, festival_id=FID, paths=[more], enterprise_id="ruiang")
        after = sales_summary(db=db, actor=ORG, festival_id=FID, by="town")
    assert [(r["key"], r["gmv"]) for r in after] == [("guzhen", "998.00"), ("shaxi", "540.00")]
    assert [stamp] != [s for _, s in _cache_rows(engine)]


def test_a_figures_upload_makes_a_new_version(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        assert _sessions(db)["small-2020-s00001"] == ("730.00", None)
        report_figures(
            db=db,
            actor=ORG,
            festival_id=FID,
            records=[{"session_id": "small-2020-s00001", "views": 1000}],
        )
        assert _sessions(db)["small-2020-s00001"] == ("730.00", 1000)


def test_a_re_attribution_makes_a_new_version(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        before = _sessions(db)
        assert before[None] == ("70.00", None)  # o5 at 22:00, after session 1's grace minutes
        # the re-plan adds a 21:00-23:00 session for huayi with li-ming: o5 belongs to it
        s1 = db.get(models.FestivalSession, "small-2020-s00001")
        assert s1 is not None
        db.add(
            models.FestivalSession(
                **{
                    **{name: getattr(s1, name) for name in models.FestivalSession.model_fields},
                    "id": "small-2020-s00007",
                    "slot": 3,
                    "start": s1.end,
                    "end": s1.end.replace(hour=s1.end.hour + 2),
                }
            )
        )
        db.commit()
        after = _sessions(db)  # found on the next read: nobody had to ask
        assert None not in after
        # and o4 (21:10, in session 1's grace minutes) goes to the session on air at the time
        assert after["small-2020-s00007"] == ("370.00", None)
        assert after["small-2020-s00001"] == ("430.00", None)
        # asked for explicitly: nothing more moves, and the figures stay
        assert reattribute_festival(db=db, actor=ORG, festival_id=FID) == 0
        assert _sessions(db) == after
        # a decline takes the session off the air: its line is off-session again
        added = db.get(models.FestivalSession, "small-2020-s00007")
        assert added is not None
        added.status = models.SessionStatus.declined
        db.add(added)
        db.commit()
        assert _sessions(db)[None] == ("70.00", None)
