"""After the hype: lift, retention and discount depth against figures worked out by hand from
support.sales_factories.build_weeks, on SQLite and PostgreSQL.

The data covers 05-30 .. 06-12, so the window before counts 7 days (05-30 .. 06-05), the
festival 2 (06-06, 06-07), the window after 5 (06-08 .. 06-12).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.sales_factories import build_weeks

from citylive.actions.sales import sales_discounts, sales_flags, sales_lift, sales_summary
from citylive.config import Settings
from citylive.sales.discounts import session_depths
from citylive.sales.figures import Filters
from citylive.scope import Actor

FID = "small-2020"
S1 = "small-2020-s00001"
S3 = "small-2020-s00003"
ORG = Actor.system("test")
FIGURES = ("before_daily", "festival_daily", "after_daily", "festival_lift", "retained_lift")
BUYERS = ("session_buyers", "returning_buyers", "retention")


def test_lift_of_the_festival_and_per_town_exactly(engine: Engine, tmp_path: Path) -> None:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        whole = sales_lift(db=db, actor=ORG, festival_id=FID, by="festival")
        towns = sales_lift(db=db, actor=ORG, festival_id=FID, by="town")
    [w] = whole
    # net before 200 + 120 (C's 80 was refunded) over 7 days; during 50 + 200 + 95 + 300 over
    # 2; after 100 (F's order was cancelled) over 5
    assert [w[k] for k in FIGURES] == ["45.71", "322.50", "20.00", 6.0547, -0.5625]
    assert (w["before_days"], w["festival_days"], w["after_days"]) == (7, 2, 5)
    assert (w["before_net_gmv"], w["festival_net_gmv"], w["after_net_gmv"]) == (
        "320.00",
        "645.00",
        "100.00",
    )
    # first orders in a session: D, E (huayi) and R (ruiang); only D ordered again after
    assert [w[k] for k in BUYERS] == [3, 1, 0.3333]
    assert [(t["key"], t["label"], *[t[k] for k in FIGURES + BUYERS]) for t in towns] == [
        ("guzhen", "古镇镇", "45.71", "172.50", "20.00", 2.7734, -0.5625, 2, 1, 0.5),
        ("shaxi", "沙溪镇", "0.00", "150.00", "0.00", None, None, 1, 0, 0.0),
    ]


def test_lift_per_enterprise_and_platform_and_a_coordinators_own_town(
    engine: Engine, tmp_path: Path
) -> None:
    build_weeks(engine, tmp_path)
    shaxi = Actor(role=Actor.system().role.__class__("coordinator"), name="李强", town="shaxi")
    with Session(engine) as db:
        ents = sales_lift(db=db, actor=ORG, festival_id=FID, by="enterprise")
        plats = sales_lift(db=db, actor=ORG, festival_id=FID, by="platform")
        own = sales_lift(db=db, actor=shaxi, festival_id=FID, by="enterprise")
    assert [(r["key"], r["festival_daily"], r["retained_lift"]) for r in ents] == [
        ("huayi", "172.50", -0.5625),
        ("ruiang", "150.00", None),
    ]
    assert [(r["key"], r["festival_lift"], r["retention"]) for r in plats] == [
        ("douyin", 6.0547, 0.3333)
    ]
    assert [r["key"] for r in own] == ["ruiang"]


def test_summaries_by_window_count_refunds_and_cancellations_as_the_spec_says(
    engine: Engine, tmp_path: Path
) -> None:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:

        def window(name: str) -> tuple:
            [r] = sales_summary(
                db=db, actor=ORG, festival_id=FID, by="platform", filters=Filters(window=name)
            )
            return (r["gmv"], r["net_gmv"], r["orders"], r["buyers"], r["refund_rate"])

        assert window("before") == ("400.00", "320.00", 3, 3, 0.3333)
        assert window("festival") == ("645.00", "645.00", 4, 4, 0.0)
        assert window("after") == ("160.00", "100.00", 2, 2, 0.5)
        by_day = sales_summary(
            db=db,
            actor=ORG,
            festival_id=FID,
            by="enterprise",
            filters=Filters(window="after", day="2020-06-10"),
        )
        assert [(r["key"], r["gmv"]) for r in by_day] == [("huayi", "100.00")]


def test_discount_depth_per_session_with_products_new_at_the_festival(
    engine: Engine, tmp_path: Path
) -> None:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        depths = sales_discounts(db=db, actor=ORG, festival_id=FID)
    assert [
        (
            d["session_id"],
            d["orders"],
            d["gmv"],
            d["deep_gmv"],
            d["deep_share"],
            d["new_gmv"],
            d["new_share"],
        )
        for d in depths
    ] == [
        # 3456789's median before: 100 (200/2), 120, 80 -> 100.00; 50.00 is 50% below it
        (S1, 3, "345.00", "50.00", 0.1449, "200.00", 0.5797),
        (S3, 1, "300.00", "0.00", 0.0, "300.00", 1.0),
    ]
    assert depths[0]["products"] == [
        {
            "product": "3456789",
            "title": "吸顶灯",
            "new": False,
            "median_before": "100.00",
            "lowest_price": "50.00",
            "highest_price": "95.00",
            "depth": 0.5,
            "gmv": "145.00",
            "deep_gmv": "50.00",
        },
        {
            "product": "3456790",
            "title": "台灯",
            "new": True,
            "median_before": None,
            "lowest_price": "200.00",
            "highest_price": "200.00",
            "depth": None,
            "gmv": "200.00",
            "deep_gmv": "0.00",
        },
    ]


def test_loss_leader_flag_beside_the_inflation_flags(engine: Engine, tmp_path: Path) -> None:
    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        assert [
            f for f in sales_flags(db=db, actor=ORG, festival_id=FID) if f.kind == "loss_leader"
        ] == []
        from citylive.sales.flags import flag_sessions

        cfg = Settings(discount_share=0.1, discount_min_orders=3)
        flags = [
            f
            for f in flag_sessions(db=db, festival_id=FID, settings=cfg)
            if f.kind == "loss_leader"
        ]
        assert [
            (f.session_id, f.enterprise, f.town, f.evidence["deep_share"], f.evidence["deep_gmv"])
            for f in flags
        ] == [(S1, "huayi", "guzhen", 0.1449, "50.00")]
        assert [p["product"] for p in flags[0].evidence["products"]] == ["3456789"]
        # a deeper threshold finds no line 60% below the median
        deeper = session_depths(db.connection(), FID, Settings(discount_depth=0.6))
        assert [(d["session_id"], d["deep_gmv"]) for d in deeper] == [(S1, "0.00"), (S3, "0.00")]


def test_town_lifts_for_the_coordinators_summaries(engine: Engine, tmp_path: Path) -> None:
    from citylive.actions.sales import town_lifts

    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        lifts = town_lifts(db=db, festival_id=FID)
        db.commit()
    assert sorted(lifts) == ["guzhen", "shaxi"]
    assert [lifts["guzhen"][k] for k in FIGURES + BUYERS] == [
        "45.71",
        "172.50",
        "20.00",
        2.7734,
        -0.5625,
        2,
        1,
        0.5,
    ]


def test_each_coordinators_summary_carries_its_towns_lift(engine: Engine, tmp_path: Path) -> None:
    from sqlmodel import select

    import models
    from citylive.actions.notifications import queue_summaries

    build_weeks(engine, tmp_path)
    with Session(engine) as db:
        queued = queue_summaries(
            db=db, festival_id=FID, report_path=None, figures={"gmv": "1,065.00"}, locale="zh-CN"
        )
        bodies = {
            n.recipient: n.body_text
            for n in db.exec(
                select(models.Notification).where(models.Notification.event == "summary")
            )
        }
    assert queued == len(bodies) and {"organiser", "coordinator:guzhen"} <= set(bodies)
    guzhen = bodies["coordinator:guzhen"]
    for label, value in (
        ("节前日均", "¥45.71"),
        ("节中日均", "¥172.50"),
        ("节后日均", "¥20.00"),
        ("节后留存提升", "-56.2%"),
        ("复购率", "50.0% (1/2)"),
    ):
        assert any(
            label in line and line.rstrip().endswith(value) for line in guzhen.splitlines()
        ), (label, guzhen)
    assert "45.71" not in bodies["organiser"]
    assert any(
        "GMV（支付金额）" in line and line.rstrip().endswith("¥1,065.00")
        for line in bodies["organiser"].splitlines()
    ), bodies["organiser"]
