"""Messages in a city with districts (west: guzhen, henglan; centre: shiqi; shaxi in none):
the assignment, change, reminder and summary messages greet their recipient with its
district and their session tables carry a district column; a city without districts
writes them as before."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.districts import districts_festival, districts_schedule
from support.sales_factories import ingest_sales, small_festival_with_sessions

import models
from citylive.actions.notifications import queue_summaries
from citylive.festival.storage import import_festival
from citylive.notify import enqueue_schedule_release
from citylive.notify.events import enqueue_reminders
from citylive.notify.messages import render
from citylive.schedule import store_schedule

FID = "small-2020"
S = f"{FID}-s"


def _body(db: Session, key: str, body: str = "body_markdown") -> str:
    row = db.exec(select(models.Notification).where(models.Notification.key == key)).one()
    return str(getattr(row, body))


def test_assignment_and_change_name_the_district(engine: Engine) -> None:
    festival = districts_festival()
    first = districts_schedule(festival)
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        v1 = store_schedule(db=db, festival=festival, document=first)
        enqueue_schedule_release(db=db, festival_id=FID, version=v1.version)
        second = first.model_copy(deep=True)
        second.sessions[0].venue = "guzhen-venue"  # 华艺's 19:00 session leaves the main venue
        v2 = store_schedule(db=db, festival=festival, document=second)
        enqueue_schedule_release(db=db, festival_id=FID, version=v2.version)
        db.commit()
        guzhen = _body(db, f"assignment:{FID}:v1:coordinator:guzhen")
        shaxi = _body(db, f"assignment:{FID}:v1:coordinator:shaxi")
        change = _body(db, f"change:{FID}:v2:coordinator:guzhen")
        text = _body(db, f"assignment:{FID}:v1:enterprise:huayi", "body_text")
    assert guzhen.startswith("**古镇镇**（西部组团），您好：")
    assert "| 场次 | 日期 | 时段 | 片区 | 会场 | 直播间 | 企业 | 主播 | 平台 | 状态 |" in guzhen
    assert f"| {S}00003 | 2020-06-06 | 14:00-16:00 | 西部组团 | 西部分会场 | 1 |" in guzhen
    assert shaxi.startswith("**沙溪镇**，您好：")  # shaxi is in no district
    assert f"| {S}00005 | 2020-06-06 | 19:00-21:00 | \\- | 沙溪分会场 |" in shaxi
    assert change.startswith("**古镇镇**（西部组团），您好：")
    assert "| 变更 | 场次 | 日期 | 时段 | 片区 | 会场 |" in change
    assert f"| 调整 | {S}00001 | 2020-06-06 | 19:00-21:00 | 西部组团 | 古镇分会场 |" in change
    assert text.startswith("华艺灯饰（西部组团），您好：")
    assert "华艺直播间" in text


def test_reminder_names_the_district(engine: Engine) -> None:
    festival = districts_festival()
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        v1 = store_schedule(db=db, festival=festival, document=districts_schedule(festival))
        db.commit()
        now = datetime(2020, 6, 6, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert enqueue_reminders(db=db, festival_id=FID, now=now) == 6
        db.commit()
        assert v1.version == 1
        coordinator = _body(db, f"reminder:{FID}:20200606T1100Z:coordinator:guzhen", "body_text")
        streamer = _body(db, f"reminder:{FID}:{S}00001:streamer:li-ming", "body_text")
    assert coordinator.startswith("古镇镇（西部组团），您好：")
    assert "场次" in coordinator and "片区" in coordinator and "西部组团  主会场" in coordinator
    assert streamer.startswith("李明，您好：")  # a streamer works anywhere: no district of its own


def test_summary_has_a_district_table_for_the_organisers(engine: Engine, tmp_path: Path) -> None:
    small_festival_with_sessions(engine, districts_festival(), venues={2: "huayi-rooms"})
    ingest_sales(engine, tmp_path)
    with Session(engine, expire_on_commit=False) as db:
        assert queue_summaries(db=db, festival_id=FID, report_path=None, figures={}) == 3
        organiser = _body(db, f"summary:{FID}:organiser")
        guzhen = _body(db, f"summary:{FID}:coordinator:guzhen")
    assert "各片区数据：\n\n| 片区 | GMV | 订单数 |\n|---|---|---|\n" in organiser
    assert "| 西部组团 | ¥998.00 | 7 |\n| 不属于片区 | ¥500.00 | 1 |" in organiser
    assert guzhen.startswith("**古镇镇**（西部组团），您好：")
    assert "各片区数据" not in guzhen


def test_messages_without_districts_are_unchanged() -> None:
    ctx = {
        "festival_name": "小型直播节",
        "recipient_kind": "coordinator",
        "recipient_name": "古镇镇",
        "version": 1,
        "count": 0,
        "session_rows": [],
        "portal_url": "http://x/portal",
        "deadline": None,
    }
    body = render("assignment", ctx).markdown  # type: ignore[arg-type]
    assert body.startswith("**古镇镇**，您好：")
    assert "| 场次 | 日期 | 时段 | 会场 | 直播间 |" in body


def test_digest_lists_the_towns_by_district(engine: Engine) -> None:
    from datetime import date

    from citylive.notify.events import enqueue_daily_digest

    festival = districts_festival()
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        store_schedule(db=db, festival=festival, document=districts_schedule(festival))
        assert enqueue_daily_digest(db=db, festival_id=FID, day=date(2020, 6, 6)) == 1
        db.commit()
        body = _body(db, f"digest:{FID}:2020-06-06:organiser")
    lines = [line for line in body.splitlines() if line.startswith("| ") and "镇" in line]
    assert [line.split(" | ")[0] for line in lines] == [
        "| 镇街",
        "| 古镇镇（西部组团）",
        "| 横栏镇（西部组团）",
        "| 沙溪镇",
    ]
