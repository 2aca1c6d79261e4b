"""Figures and flags against values computed by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.sales_factories import build_sales

from citylive.config import Settings
from citylive.sales.figures import Filters, summary, totals
from citylive.sales.flags import flag_sessions
from citylive.sales.session_figures import FiguresError, read_figures_csv, store_figures

S1 = "small-2020-s00001"  # huayi, li-ming, douyin, guzhen-venue, 2020-06-06 19:00-21:00
S2 = "small-2020-s00002"  # huayi, huayi-host, taobao, guzhen-venue, 2020-06-07 10:00-12:00
S3 = "small-2020-s00003"  # ruiang, ren-jing, douyin, main, 2020-06-06 10:00-12:00


def test_summary_by_session_matches_hand_computed(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        rows = summary(db=db, festival_id="small-2020", by="session")
    got = [
        (
            r["key"],
            r["gmv"],
            r["net_gmv"],
            r["orders"],
            r["units"],
            r["buyers"],
            r["aov"],
            r["refund_rate"],
        )
        for r in rows
    ]
    assert got == [
        (S1, "730.00", "450.00", 4, 8, 3, "182.50", 0.5),
        (S3, "500.00", "500.00", 1, 5, 1, "500.00", 0.0),
        (S2, "198.00", "99.00", 2, 2, 2, "99.00", 0.5),
        (None, "70.00", "70.00", 1, 1, 1, "70.00", 0.0),
    ]
    assert rows[0]["label"] == "华艺灯饰 · 李明 · douyin · 06-06 19:00"
    assert rows[-1]["label"] == "场外销售 (off-session)"


def test_summary_by_enterprise_town_industry_venue_platform(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:

        def by(kind: str, **kw: object) -> list[tuple]:
            return [
                (r["key"], r["gmv"], r["orders"])
                for r in summary(db=db, festival_id="small-2020", by=kind, **kw)
            ]  # type: ignore[arg-type]

        ent = summary(db=db, festival_id="small-2020", by="enterprise")
        assert [
            (
                r["key"],
                r["gmv"],
                r["net_gmv"],
                r["orders"],
                r["units"],
                r["buyers"],
                r["aov"],
                r["refund_rate"],
                r["session_gmv"],
                r["off_session_gmv"],
            )
            for r in ent
        ] == [
            ("huayi", "998.00", "619.00", 7, 11, 6, "142.57", 0.4286, "928.00", "70.00"),
            ("ruiang", "500.00", "500.00", 1, 5, 1, "500.00", 0.0, "500.00", "0.00"),
        ]
        assert by("town") == [("guzhen", "998.00", 7), ("shaxi", "500.00", 1)]
        assert by("industry") == [("lighting", "998.00", 7), ("apparel", "500.00", 1)]
        assert by("venue") == [
            ("guzhen-venue", "928.00", 6),
            ("main", "500.00", 1),
            (None, "70.00", 1),
        ]
        assert by("platform") == [("douyin", "1300.00", 6), ("taobao", "198.00", 2)]
        assert by("streamer") == [
            ("li-ming", "730.00", 4),
            ("ren-jing", "500.00", 1),
            ("huayi-host", "198.00", 2),
            (None, "70.00", 1),
        ]
        assert by("town", town="shaxi") == [("shaxi", "500.00", 1)]
        assert by("session", town="shaxi") == [(S3, "500.00", 1)]
        assert by("enterprise", filters=Filters(platform="taobao")) == [("huayi", "198.00", 2)]
        assert by("platform", filters=Filters(day="2020-06-07")) == [("taobao", "198.00", 2)]
        t = totals(db=db, festival_id="small-2020")
        assert (t["gmv"], t["net_gmv"], t["orders"], t["refund_rate"], t["off_session_gmv"]) == (
            "1498.00",
            "1119.00",
            8,
            0.375,
            "70.00",
        )


def test_summary_by_hour_in_festival_time(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        rows = summary(db=db, festival_id="small-2020", by="hour")
    assert [(r["key"], r["gmv"]) for r in rows] == [
        ("2020-06-06 11:00", "500.00"),
        ("2020-06-06 19:00", "350.00"),
        ("2020-06-06 20:00", "80.00"),
        ("2020-06-06 21:00", "300.00"),
        ("2020-06-06 22:00", "70.00"),
        ("2020-06-07 10:00", "198.00"),
    ]


def test_viewer_figures_give_gpm_conversion_and_claim_gap(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    csv_path = tmp_path / "figures.csv"
    csv_path.write_text(
        f'场次编号,场观,人数峰值,新增粉丝,自报GMV\n{S1},1000,120,30,"￥2,000.00"\n{S3},5000,,,\n',
        encoding="gbk",
    )
    with Session(engine) as db:
        n = store_figures(
            db=db, festival_id="small-2020", rows=read_figures_csv(csv_path), reported_by="玄度科技"
        )
        db.commit()
        assert n == 2
        rows = {r["key"]: r for r in summary(db=db, festival_id="small-2020", by="session")}
        streamer = {r["key"]: r for r in summary(db=db, festival_id="small-2020", by="streamer")}
    s1 = rows[S1]
    assert (s1["views"], s1["peak_viewers"], s1["new_followers"], s1["gpm"], s1["conversion"]) == (
        1000,
        120,
        30,
        "730.00",
        0.003,
    )
    assert (s1["claimed_gmv"], s1["computed_gmv_of_claims"], s1["claim_gap"]) == (
        "2000.00",
        "730.00",
        "1270.00",
    )
    assert (rows[S3]["views"], rows[S3]["gpm"], rows[S3]["conversion"]) == (5000, "100.00", 0.0002)
    assert "claimed_gmv" not in rows[S3]
    assert "views" not in rows[S2]
    assert (streamer["li-ming"]["views"], streamer["li-ming"]["gpm"]) == (1000, "730.00")


def test_figures_refuse_unknown_session_and_bad_numbers(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("session_id,views,claimed_gmv\nsmall-2020-s00001,12a,1.234\n", encoding="utf-8")
    with pytest.raises(FiguresError) as err:
        read_figures_csv(bad)
    assert str(err.value) == (
        "bad.csv row 1 views: '12a' is not a whole number\n"
        "bad.csv row 1 claimed_gmv: more than two decimals: '1.234'"
    )
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("session_id,views\nsmall-2020-s09999,100\n", encoding="utf-8")
    with (
        Session(engine) as db,
        pytest.raises(FiguresError, match="unknown session ids .*small-2020-s09999"),
    ):
        store_figures(db=db, festival_id="small-2020", rows=read_figures_csv(unknown))


def test_each_flag_with_its_evidence(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        store_figures(
            db=db,
            festival_id="small-2020",
            rows=read_figures_csv(_figures(tmp_path, f"{S1},1000,120,30,2000.00")),
        )
        db.commit()
        cfg = Settings(
            flag_min_orders=2,
            flag_refund_rate_factor=1.2,
            flag_refund_rate_min=0.2,
            flag_top_buyers=1,
            flag_top_buyers_share=0.3,
            flag_conversion_max=0.002,
            flag_claim_ratio=1.5,
        )
        flags = flag_sessions(db=db, festival_id="small-2020", settings=cfg)
    got = [(f.session_id, f.kind, f.evidence) for f in flags]
    assert got == [
        (
            S1,
            "refund",
            {"refund_rate": 0.5, "festival_refund_rate": 0.375, "orders": 4, "refunded_orders": 2},
        ),
        (S1, "buyers", {"top_buyers": [{"buyer": "A", "orders": 2}], "share": 0.5, "orders": 4}),
        (S1, "conversion", {"conversion": 0.003, "buyers": 3, "views": 1000, "threshold": 0.002}),
        (
            S1,
            "claim",
            {"claimed_gmv": "2000.00", "computed_gmv": "730.00", "gap": "1270.00", "ratio": 2.74},
        ),
        (
            S1,
            "brushing",
            {"orders": 1, "amount": "300.00", "order_ids": ["o4"], "notes": ["刷单 返现"]},
        ),
        (
            S2,
            "refund",
            {"refund_rate": 0.5, "festival_refund_rate": 0.375, "orders": 2, "refunded_orders": 1},
        ),
    ]
    assert (
        flags[0].town == "guzhen"
        and flags[0].streamer == "li-ming"
        and flags[0].enterprise == "huayi"
    )


def test_flags_with_default_thresholds_and_town_scope(engine: Engine, tmp_path: Path) -> None:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        store_figures(
            db=db,
            festival_id="small-2020",
            rows=read_figures_csv(_figures(tmp_path, f"{S1},1000,120,30,2000.00")),
        )
        db.commit()
        # too few orders for the refund and buyer signs; the claim and the notes stand alone
        assert [
            (f.session_id, f.kind)
            for f in flag_sessions(db=db, festival_id="small-2020", settings=Settings())
        ] == [
            (S1, "claim"),
            (S1, "brushing"),
        ]
        assert (
            flag_sessions(db=db, festival_id="small-2020", town="shaxi", settings=Settings()) == []
        )


def _figures(tmp_path: Path, row: str) -> Path:
    p = tmp_path / "f.csv"
    p.write_text(
        "session_id,views,peak_viewers,new_followers,claimed_gmv\n" + row + "\n", encoding="utf-8"
    )
    return p
