"""A change notice shows the session a new one replaces; enterprises left unplaced are told
why and what they may do; links go to the page that acts."""

from __future__ import annotations

from sqlmodel import Session, col, select
from support.notify_factories import SMALL_V1, S, release, session_id, store_festival

import models
from citylive.notify import enqueue_schedule_release

UNPLACED = {
    "enterprise": "juhao",
    "count": 1,
    "reason": "no streamer fits industry 'lighting' on platform 'pdd' in any free slot: 1 "
    "fitting streamer, each booked, at the daily limit, unavailable or declined then",
}


def _rows(db: Session) -> dict[str, models.Notification]:
    return {
        n.key: n for n in db.exec(select(models.Notification).order_by(col(models.Notification.id)))
    }


def _with_unplaced(db: Session, row: models.ScheduleVersion, unplaced: list[dict]) -> None:
    row.document = {**row.document, "unplaced": unplaced}
    db.add(row)
    db.flush()


def test_change_notice_shows_the_declined_session_a_new_one_replaces(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    enqueue_schedule_release(db=db, festival_id=f.id, version=1)
    declined = db.get(models.FestivalSession, session_id(f, 7))
    assert declined is not None
    declined.status = "declined"  # type: ignore[assignment]
    db.add(declined)
    # v2: shaxi-denim's declined session 7 is answered by a new session 8 on day 2
    v2 = [s for s in SMALL_V1 if s.n != 7] + [
        S(7, "shaxi-denim", "chen-hua", "1688", "main", 0, 3, status="declined"),
        S(8, "shaxi-denim", "chen-hua", "1688", "main", 1, 3),
    ]
    changes = {"new": [session_id(f, 8)], "moved": [], "cancelled": [],
               "unchanged": [session_id(f, n) for n in range(1, 7)]}  # fmt: skip
    release(db, f, v2, version=2, changes=changes)
    enqueue_schedule_release(db=db, festival_id=f.id, version=2)
    db.commit()
    denim = _rows(db)["change:small-2020:v2:enterprise:shaxi-denim"]
    line = next(ln for ln in denim.body_text.splitlines() if ln.startswith("新增"))
    assert line.split()[1:4] == [session_id(f, 8), "2020-06-07", "21:00-23:00"]
    assert line.endswith("2020-06-06 21:00 主会场 #1 陈华 (已拒绝)")
    assert "| 2020-06-06 21:00 主会场 \\#1 陈华 (已拒绝) |" in denim.body_markdown
    assert "详情见活动日程：http://127.0.0.1:8000/programme/small-2020" in denim.body_text
    shaxi = _rows(db)["change:small-2020:v2:coordinator:shaxi"]
    assert "请登录门户确认新增或调整的场次：http://127.0.0.1:8000/portal" in shaxi.body_text


def test_unplaced_enterprise_told_why_and_what_to_do_once(db: Session) -> None:
    f = store_festival(db)
    _with_unplaced(db, release(db, f, SMALL_V1), [UNPLACED])
    enqueue_schedule_release(db=db, festival_id=f.id, version=1)
    db.commit()
    got = _rows(db)
    told = got["unplaced:small-2020:v1:enterprise:juhao"]
    assert told.subject == "【小型直播节】您有 1 场直播未能排入（第 1 版）"
    assert "原因：合适的主播在企业有空的时段都已排满、达到每日上限或不可用。" in told.body_text
    assert (
        "您可以：增加一位能卖该行业、在同一平台直播的主播，提高合适主播的每日场次上限，换一天，"
        "或减少场次。"
    ) in told.body_text
    assert "http://127.0.0.1:8000/programme/small-2020" in told.body_text
    assert not [k for k in got if k.startswith("unplaced:") and "juhao" not in k]
    # the same count and reason in the next version: not told again
    changes = {"new": [], "moved": [], "cancelled": [],
               "unchanged": [session_id(f, n) for n in range(1, 8)]}  # fmt: skip
    _with_unplaced(db, release(db, f, SMALL_V1, version=2, changes=changes), [UNPLACED])
    enqueue_schedule_release(db=db, festival_id=f.id, version=2)
    db.commit()
    assert [k for k in _rows(db) if k.startswith("unplaced:")] == [
        "unplaced:small-2020:v1:enterprise:juhao"
    ]


def test_sign_in_page_promises_no_token_in_a_message() -> None:
    from citylive.i18n import words

    assert words("zh-CN", "web")["signin_help"] == (
        "请输入主办方发给您的访问令牌（主办方用 citylive token create 生成）。没有令牌请联系主办方。"
    )
    assert "message" not in words("en", "web")["signin_help"]
