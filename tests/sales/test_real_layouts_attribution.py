"""Whose sale a line is, by the file's own columns (real header rows: see test_real_layouts.py):
an affiliate's line (another 达人ID, 精选联盟) is the affiliate's and reported as the
enterprise's affiliate sales, a line not made in a live room is off-session, numeric and listed
streamer accounts match, and a file for a platform the enterprise does not sell on is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.sales_factories import SESSIONS, SMALL, add_session, write_csv

from citylive.festival import load_festival
from citylive.festival.storage import import_festival
from citylive.sales.headers import EXPORT_HEADERS, export_row
from citylive.sales.ingest import IngestError, ingest_files

FID = "small-2020"
S1 = "small-2020-s00001"  # huayi, li-ming, douyin, 2020-06-06 19:00-21:00
S4 = "small-2020-s00004"  # juhao, chen-hua, pdd, 2020-06-06 14:00-16:00


def festival_with_listed_accounts(engine: Engine, tmp_path: Path) -> None:
    """examples/small.yaml, li-ming's douyin accounts a number and a name (as YAML has them)."""
    doc = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    for s in doc["streamers"]:
        if s["id"] == "li-ming":
            s["accounts"] = {"douyin": [108314295234, "liming_dy"]}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    festival = load_festival(path)
    assert festival.streamer["li-ming"].accounts == {"douyin": "108314295234\nliming_dy"}
    with Session(engine) as db:
        import_festival(db, festival)
        for spec in SESSIONS:
            add_session(db, festival, *spec, status="declined" if spec[0] == 6 else "confirmed")
        db.commit()


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT order_id, amount_fen, session_id, affiliate, live_room "
                    "FROM order_line ORDER BY order_id"
                )
            )
        ]


def douyin(order: str, amount: str, account: str, live: str = "直播", channel: str = "自然流量"):
    return export_row(
        "douyin",
        {
            "order_id": f"\t{order}",
            "line_id": f"\t{order}-1",
            "product_title": "LED吸顶灯",
            "quantity": 1,
            "amount": amount,
            "paid_at": "2020-06-06 19:30:00",
            "status": "已完成",
            "after_sale": "-",
            "streamer": f"\t{account}",
            "live_room": live,
            "channel": channel,
        },
    )


def test_affiliate_and_short_video_lines_are_not_the_sessions(
    engine: Engine, tmp_path: Path
) -> None:
    from citylive.sales.figures import summary

    festival_with_listed_accounts(engine, tmp_path)
    rows = [
        douyin("1", "100.00", "108314295234"),  # the session streamer's number
        douyin("2", "60.00", "liming_dy"),  # the same streamer's other account
        douyin("3", "40.00", "70012345", channel="精选联盟"),  # an affiliate's sale
        douyin("4", "25.50", "99887766"),  # another account, no channel mark
        douyin("5", "30.00", "108314295234", live="短视频"),  # not made in the live room
    ]
    path = write_csv(tmp_path / "huayi_douyin.csv", EXPORT_HEADERS["douyin"], rows)
    ingest_files(engine=engine, festival_id=FID, paths=[path])
    assert stored(engine) == [
        ("1", 10000, S1, False, True),
        ("2", 6000, S1, False, True),
        ("3", 4000, None, True, True),
        ("4", 2550, None, True, True),
        ("5", 3000, None, False, False),
    ]
    with Session(engine) as db:
        [huayi] = summary(db=db, festival_id=FID, by="enterprise")
    assert (huayi["key"], huayi["gmv"], huayi["session_gmv"], huayi["affiliate_gmv"]) == (
        "huayi",
        "255.50",
        "160.00",
        "65.50",
    )


def test_reattribution_keeps_what_the_file_said(engine: Engine, tmp_path: Path) -> None:
    from citylive.actions.sales import reattribute_festival
    from citylive.scope import Actor

    festival_with_listed_accounts(engine, tmp_path)
    rows = [douyin("1", "100.00", "108314295234"), douyin("5", "30.00", "108314295234", "短视频")]
    path = write_csv(tmp_path / "huayi_douyin.csv", EXPORT_HEADERS["douyin"], rows)
    ingest_files(engine=engine, festival_id=FID, paths=[path])
    with Session(engine) as db:
        assert reattribute_festival(db=db, actor=Actor.system(), festival_id=FID) == 0
    assert [r[2] for r in stored(engine)] == [S1, None]


def test_pdd_line_not_made_in_the_live_room_is_off_session(engine: Engine, tmp_path: Path) -> None:
    festival_with_listed_accounts(engine, tmp_path)

    def row(order: str, live: str) -> list[Any]:
        return export_row(
            "pdd",
            {
                "order_id": order,
                "amount": "88.00",
                "quantity": 1,
                "status": "待发货",
                "paid_at": "2020-06-06 14:30:00",
                "live_room": live,
                "product_title": "筒灯",
            },
        )

    path = write_csv(
        tmp_path / "juhao_pdd.csv", EXPORT_HEADERS["pdd"], [row("P1", "是"), row("P2", "否")]
    )
    ingest_files(engine=engine, festival_id=FID, paths=[path])
    assert stored(engine) == [("P1", 8800, S4, False, True), ("P2", 8800, None, False, False)]


def test_file_for_a_platform_the_enterprise_does_not_sell_on_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    festival_with_listed_accounts(engine, tmp_path)
    path = write_csv(
        tmp_path / "juhao_douyin.csv", EXPORT_HEADERS["douyin"], [douyin("1", "1.00", "x")]
    )
    with pytest.raises(IngestError) as err:
        ingest_files(engine=engine, festival_id=FID, paths=[path])
    assert str(err.value) == (
        "nothing was stored: juhao_douyin.csv: a douyin export, but enterprise 'juhao' sells on "
        "pdd only (the festival file's platforms for it); add douyin there, or give the export "
        "of the right enterprise"
    )
    assert stored(engine) == []
