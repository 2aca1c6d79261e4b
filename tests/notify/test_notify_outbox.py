"""Queuing messages: one row per recipient per event, idempotent keys, change notices only
to those affected, receipts, reminders, digest and summary (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select
from support.notify_factories import (
    SMALL_V1,
    S,
    outbox_rows,
    release,
    session_id,
    small_variant,
    store_festival,
)

import models
from citylive.festival import SlotRef
from citylive.notify import (
    enqueue_daily_digest,
    enqueue_receipt_for,
    enqueue_reminders,
    enqueue_schedule_release,
    enqueue_summary,
)
from citylive.notify.queue import requeue


def rows(db: Session) -> dict[str, models.Notification]:
    return {
        n.key: n for n in db.exec(select(models.Notification).order_by(col(models.Notification.id)))
    }


def test_schedule_release_v1_one_assignment_per_recipient(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    assert enqueue_schedule_release(db=db, festival_id=f.id, version=1) == 12
    db.commit()
    got = rows(db)
    assert sorted(k.split(":v1:")[1] for k in got) == sorted(
        ["coordinator:guzhen", "coordinator:henglan", "coordinator:shaxi"]
        + [f"enterprise:{e}" for e in ("huayi", "juhao", "henglan-light", "ruiang", "shaxi-denim")]
        + [f"streamer:{s}" for s in ("huayi-host", "li-ming", "chen-hua", "ren-jing")]
    )
    guzhen = got["assignment:small-2020:v1:coordinator:guzhen"]
    assert guzhen.subject == "【小型直播节】直播场次安排（3 场），请确认"
    assert guzhen.status == "pending"
    assert guzhen.context == {"town": "guzhen", "locale": "zh-CN"}
    # one message with a table of the town's three sessions, in start order
    lines = [ln for ln in guzhen.body_text.splitlines() if ln.startswith("small-2020-s")]
    assert [ln.split()[0] for ln in lines] == [session_id(f, 3), session_id(f, 1), session_id(f, 2)]
    assert "请登录协调员门户逐场确认或拒绝：http://127.0.0.1:8000" in guzhen.body_text
    assert guzhen.body_markdown.count("| small-2020-s") == 3
    assert guzhen.body_html.count("<tr><td>small-2020-s") == 3
    streamer = got["assignment:small-2020:v1:streamer:chen-hua"]
    assert streamer.subject == "【小型直播节】直播场次安排（3 场）"
    assert streamer.context["town"] == "henglan"


def test_schedule_release_twice_queues_nothing_new(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    assert enqueue_schedule_release(db=db, festival_id=f.id, version=1) == 12
    assert enqueue_schedule_release(db=db, festival_id=f.id, version=1) == 0
    db.commit()
    assert len(rows(db)) == 12


def test_schedule_release_v2_tells_only_those_changed(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    enqueue_schedule_release(db=db, festival_id=f.id, version=1)
    # v2: session 5 (ruiang / ren-jing) moves from day 0 19:00 to day 1 21:00; session 7 is cancelled
    v2 = [s for s in SMALL_V1 if s.n not in (5, 7)] + [
        S(5, "ruiang", "ren-jing", "douyin", "shaxi-base", 1, 3)
    ]
    changes = {
        "new": [],
        "moved": [session_id(f, 5)],
        "cancelled": [session_id(f, 7)],
        "unchanged": [session_id(f, n) for n in (1, 2, 3, 4, 6)],
    }
    release(db, f, v2, version=2, changes=changes, cancelled=[7])
    assert enqueue_schedule_release(db=db, festival_id=f.id, version=2) == 5
    db.commit()
    changed = {k.split(":v2:")[1]: n for k, n in rows(db).items() if k.startswith("change:")}
    assert sorted(changed) == [
        "coordinator:shaxi",
        "enterprise:ruiang",
        "enterprise:shaxi-denim",
        "streamer:chen-hua",
        "streamer:ren-jing",
    ]
    ren = changed["streamer:ren-jing"]
    assert ren.subject == "【小型直播节】排期变更（第 2 版，1 场有变化）"
    moved_line = next(ln for ln in ren.body_text.splitlines() if ln.startswith("调整"))
    assert moved_line.split()[1:5] == [session_id(f, 5), "2020-06-07", "21:00-23:00", "沙溪分会场"]
    assert moved_line.endswith("2020-06-06 19:00 沙溪分会场 #1 任静")
    denim = changed["enterprise:shaxi-denim"]
    assert "取消" in denim.body_text and "您目前没有安排场次。" in denim.body_text


def test_decision_receipt_goes_to_the_town_coordinator(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    decision = models.Decision(
        session_id=session_id(f, 5),
        festival_id=f.id,
        town="shaxi",
        action="decline",
        reason="主播档期冲突",
        actor="沙溪协调员",
        role="coordinator",
        outcome="applied",
    )
    db.add(decision)
    db.flush()
    assert decision.id is not None
    session = db.get(models.FestivalSession, session_id(f, 5))
    assert enqueue_receipt_for(db=db, decision=decision, session=session) == 1
    assert enqueue_receipt_for(db=db, decision=decision, session=session) == 0
    db.commit()
    (row,) = rows(db).values()
    assert row.key == f"receipt:small-2020:d{decision.id}:coordinator:shaxi"
    assert row.subject == f"【小型直播节】回执：场次 {session_id(f, 5)} 已拒绝"
    assert "原因：主播档期冲突" in row.body_text


def test_reminders_within_lead_time_never_twice(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    # day 0, 19:00 Asia/Shanghai: sessions 1 (guzhen) and 5 (shaxi) start then; lead 60 min
    start = f.slot_start(SlotRef(0, 2))
    now = start - timedelta(minutes=45)
    assert enqueue_reminders(db=db, festival_id=f.id, now=now) == 6
    assert enqueue_reminders(db=db, festival_id=f.id, now=now + timedelta(minutes=10)) == 0
    assert enqueue_reminders(db=db, festival_id=f.id, now=start - timedelta(minutes=61)) == 0
    db.commit()
    keys = sorted(rows(db))
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    assert keys == sorted(
        [
            f"reminder:small-2020:{session_id(f, 1)}:enterprise:huayi",
            f"reminder:small-2020:{session_id(f, 1)}:streamer:huayi-host",
            f"reminder:small-2020:{session_id(f, 5)}:enterprise:ruiang",
            f"reminder:small-2020:{session_id(f, 5)}:streamer:ren-jing",
            f"reminder:small-2020:{stamp}:coordinator:guzhen",
            f"reminder:small-2020:{stamp}:coordinator:shaxi",
        ]
    )


def test_daily_digest_counts_towns_and_failed_notifications(db: Session) -> None:
    f = store_festival(db)
    release(
        db,
        f,
        [
            *SMALL_V1[:4],
            S(5, "ruiang", "ren-jing", "douyin", "shaxi-base", 0, 2, status="confirmed"),
            *SMALL_V1[5:],
        ],
    )
    outbox_rows(db, 2, prefix="x")
    for n in db.exec(select(models.Notification)):
        n.festival_id = f.id
        n.status = "failed"  # type: ignore[assignment]
        n.last_error = "after 6 attempts: HTTP 500"
        db.add(n)
    db.commit()
    assert enqueue_daily_digest(db=db, festival_id=f.id, day=date(2020, 6, 6)) == 1
    db.commit()
    digest = rows(db)["digest:small-2020:2020-06-06:organiser"]
    assert digest.subject == "【小型直播节】每日简报 2020-06-06"
    assert "发送失败的通知：2 条；无法投递（未配置渠道）：0 条" in digest.body_text
    shaxi = next(ln for ln in digest.body_text.splitlines() if ln.startswith("沙溪镇"))
    assert shaxi.split() == ["沙溪镇", "2", "1", "0", "0"]
    total = next(ln for ln in digest.body_text.splitlines() if ln.startswith("合计"))
    assert total.split() == ["合计", "6", "1", "0", "0"]


def test_summary_to_organiser_and_coordinators_with_report(db: Session, tmp_path) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    report = tmp_path / "report.html"
    report.write_text("<h1>报告</h1>", encoding="utf-8")
    assert (
        enqueue_summary(
            db=db,
            festival_id=f.id,
            report_path=str(report),
            figures={"GMV（元）": "12345.60", "订单": 321},
        )
        == 4
    )
    db.commit()
    got = rows(db)
    assert sorted(got) == [
        "summary:small-2020:coordinator:guzhen",
        "summary:small-2020:coordinator:henglan",
        "summary:small-2020:coordinator:shaxi",
        "summary:small-2020:organiser",
    ]
    org = got["summary:small-2020:organiser"]
    assert org.attachments == [str(report)]
    assert "http://127.0.0.1:8000/reports/small-2020/report.html" in org.body_text
    assert "12345.60" in org.body_text


def test_requeue_puts_failed_rows_back(db: Session) -> None:
    outbox_rows(db, 3)
    for n in db.exec(select(models.Notification)):
        n.status = "undeliverable"  # type: ignore[assignment]
        n.attempts = 2
        db.add(n)
    db.commit()
    assert requeue(db=db) == 3
    db.commit()
    assert {(n.status, n.attempts) for n in rows(db).values()} == {("pending", 0)}
    assert all(n.next_attempt_at <= datetime.now(UTC) for n in rows(db).values())


def test_release_queues_assignments_then_change_notices_in_its_transaction(
    db: Session,
) -> None:
    from support.notify_factories import doc_session

    from citylive.schedule import ScheduleDocument, load_schedule, store_schedule

    f = store_festival(db)

    def document(sessions: list[S]) -> ScheduleDocument:
        return load_schedule(
            {
                "format": "citylive/schedule@1",
                "festival": f.id,
                "version": 0,
                "sessions": [doc_session(f, s) for s in sessions],
                "unplaced": [],
                "stats": {},
            }
        )

    def release(sessions: list[S]) -> None:
        # as the release action does: store the version, then queue what it changed
        stored = store_schedule(db=db, festival=f, document=document(sessions))
        enqueue_schedule_release(db=db, festival_id=f.id, version=stored.version)

    release(SMALL_V1)
    db.commit()
    assert len([k for k in rows(db) if k.startswith("assignment:small-2020:v1:")]) == 12
    moved = [s for s in SMALL_V1 if s.n != 5] + [
        S(5, "ruiang", "ren-jing", "douyin", "shaxi-base", 1, 3)
    ]
    release(moved)
    db.rollback()  # not committed: the version and its messages go together
    assert not [k for k in rows(db) if k.startswith("change:")]
    release(moved)
    db.commit()
    assert sorted(k for k in rows(db) if k.startswith("change:")) == [
        "change:small-2020:v2:coordinator:shaxi",
        "change:small-2020:v2:enterprise:ruiang",
        "change:small-2020:v2:streamer:ren-jing",
    ]


def test_silence_at_the_deadline_sends_each_town_a_receipt(db: Session, tmp_path) -> None:
    from citylive.actions.decisions import expire_unanswered

    f = store_festival(
        db,
        small_variant(
            tmp_path, confirmation_deadline="2020-06-01T18:00:00+08:00", silence="decline"
        ),
    )
    release(db, f, SMALL_V1)
    db.commit()
    deadline = datetime(2020, 6, 1, 10, 0, tzinfo=UTC)
    assert expire_unanswered(db=db, festival_id=f.id, now=deadline).declined == 7
    receipts = {k: n for k, n in rows(db).items() if k.startswith("receipt:")}
    decisions = {d.session_id: d for d in db.exec(select(models.Decision))}
    shaxi = decisions[session_id(f, 5)]
    assert (shaxi.action, shaxi.actor) == ("expire", "system")
    assert sorted(receipts) == sorted(
        f"receipt:small-2020:d{d.id}:coordinator:{d.town}" for d in decisions.values()
    )
    row = receipts[f"receipt:small-2020:d{shaxi.id}:coordinator:shaxi"]
    assert row.subject == f"【小型直播节】回执：场次 {session_id(f, 5)} 已逾期处理"
    assert f"system 于 2020-06-01 18:00 逾期未确认场次 {session_id(f, 5)}。" in row.body_text
    assert "原因：no answer by the confirmation deadline" in row.body_text


def test_decline_reason_and_names_in_a_receipt_render_as_literal_markdown(db: Session) -> None:
    from markdown_it import MarkdownIt

    from citylive.actions.decisions import decide
    from citylive.scope import Actor
    from models.enums import Role

    f = store_festival(db)
    release(db, f, SMALL_V1)
    ruiang = db.get(models.Enterprise, (f.id, "ruiang"))
    assert ruiang is not None
    ruiang.name = "锐昂|照明 **旗舰**"
    db.add(ruiang)
    db.commit()
    shaxi = Actor(role=Role.coordinator, name="沙溪 _协调员_", town="shaxi", festival_id=f.id)
    reason = "**x** [link](http://evil.example) | a"
    decide(db=db, actor=shaxi, session_id=session_id(f, 5), action="decline", reason=reason)
    (row,) = [n for k, n in rows(db).items() if k.startswith("receipt:")]
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(row.body_markdown)
    assert f"\n原因：{reason}</p>" in html
    assert "<td>锐昂|照明 **旗舰**</td>" in html
    assert "<p>沙溪 _协调员_ 于 " in html
    assert 'evil.example"' not in html and "<em>" not in html
    assert html.count("<strong>") == 2  # the template's own: the name and the action
    # the text body defangs the link a decline reason carries (hxxp, [.])
    assert "原因：**x** [link](hxxp://evil[.]example) | a\n" in row.body_text
    assert "锐昂|照明 **旗舰**" in row.body_html and "<td>锐昂|照明 **旗舰**</td>" in row.body_html


def test_daily_digest_names_sessions_unanswered_past_the_deadline(db: Session, tmp_path) -> None:
    f = store_festival(
        db, small_variant(tmp_path, confirmation_deadline="2020-06-01T18:00:00+08:00")
    )
    release(db, f, SMALL_V1)
    before = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)
    after = datetime(2020, 6, 1, 11, 0, tzinfo=UTC)
    assert enqueue_daily_digest(db=db, festival_id=f.id, day=date(2020, 5, 31), now=before) == 1
    assert enqueue_daily_digest(db=db, festival_id=f.id, day=date(2020, 6, 1), now=after) == 1
    db.commit()
    got = rows(db)
    assert "已过确认截止时间" not in got["digest:small-2020:2020-05-31:organiser"].body_text
    assert (
        "- 已过确认截止时间仍有 7 场未确认"
        in got["digest:small-2020:2020-06-01:organiser"].body_text
    )


def test_summary_shows_town_figures_to_that_towns_coordinator_only(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    lift = [
        ("节前日均（元）", "1000.00"),
        ("节中日均（元）", "2500.00"),
        ("节后日均（元）", "1300.00"),
    ]
    assert (
        enqueue_summary(
            db=db,
            festival_id=f.id,
            report_path=None,
            figures={"GMV（元）": "12345.60"},
            town_figures={"guzhen": lift, "nowhere": [("x", "1")]},
        )
        == 4
    )
    db.commit()
    got = rows(db)
    guzhen = got["summary:small-2020:coordinator:guzhen"]
    text = guzhen.body_text.splitlines()
    at = text.index("古镇镇的数据：")
    assert [ln.split() for ln in text[at + 2 : at + 7]] == [
        ["指标", "数值"],
        ["--------------", "-------"],
        ["节前日均（元）", "1000.00"],
        ["节中日均（元）", "2500.00"],
        ["节后日均（元）", "1300.00"],
    ]
    assert "| 节中日均（元） | 2500.00 |" in guzhen.body_markdown
    assert "<td>节中日均（元）</td><td>2500.00</td>" in guzhen.body_html
    for other in ("coordinator:shaxi", "coordinator:henglan", "organiser"):
        body = got[f"summary:small-2020:{other}"]
        assert "日均" not in body.body_text + body.body_markdown + body.body_html
    assert "完整报告稍后发布。" in guzhen.body_text


def test_festival_portal_and_reminder_lead_come_from_its_file(db: Session, tmp_path) -> None:
    f = store_festival(
        db, small_variant(tmp_path, portal_url="https://portal.example/zs", reminder_minutes=30)
    )
    release(db, f, SMALL_V1)
    start = f.slot_start(SlotRef(0, 2))
    assert enqueue_reminders(db=db, festival_id=f.id, now=start - timedelta(minutes=45)) == 0
    assert enqueue_reminders(db=db, festival_id=f.id, now=start - timedelta(minutes=25)) == 6
    assert enqueue_schedule_release(db=db, festival_id=f.id, version=1) == 12
    db.commit()
    got = rows(db)
    guzhen = got["assignment:small-2020:v1:coordinator:guzhen"]
    assert "请登录协调员门户逐场确认或拒绝：https://portal.example/zs" in guzhen.body_text
    assert "[协调员门户](https://portal.example/zs)" in guzhen.body_markdown
    reminder = got[f"reminder:small-2020:{session_id(f, 1)}:enterprise:huayi"]
    assert "（提前 30 分钟提醒）" in reminder.body_text
