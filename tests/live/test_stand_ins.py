"""Stand-ins on SQLite and PostgreSQL: candidates ranked with reasons, each checked by the
independent checker (the schedule with the stand-in keeps every hard rule; every streamer
left out breaks one), nobody fits with the reasons in words, taking one makes a version that
changes only that session and tells the four people concerned, a no-show enterprise's slot
offered to its town's waiting requests."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.live_factories import DFID, DayApi, dsid

import models
from citylive.actions import live as actions
from citylive.festival import Festival
from citylive.live.standins import candidates
from citylive.schedule.checker import check_schedule
from citylive.schedule.release import current_document
from citylive.scope import SYSTEM


def _with_streamer(engine: Engine, festival: Festival, sid: str, streamer: str) -> list[str]:
    """The checker's breaches of the current schedule with `streamer` on session `sid`."""
    with Session(engine) as db:
        doc = current_document(db=db, festival_id=festival.id)
    for s in doc.sessions:
        if s.id == sid:
            s.streamer = streamer
    return check_schedule(festival, doc)


def _no_show(day_api: DayApi, n: int, who: dict[str, str]) -> dict:
    r = day_api.post(f"/sessions/{dsid(n)}/no-show", who, {"who": "streamer", "reason": "没来"})
    assert r.status_code == 200, r.text
    return r.json()


def test_stand_ins_in_house_streamer_first(day_api: DayApi) -> None:
    _no_show(day_api, 1, day_api.guzhen)
    body = day_api.get(f"/sessions/{dsid(1)}/stand-ins", day_api.guzhen).json()
    assert [(c["streamer"], c["score"]) for c in body["data"]] == [
        ("huayi-host", 1040),
        ("wang-lei", 40),
        ("zhao-min", 20),
    ]
    assert body["data"][0]["reasons"] == [
        "in-house streamer of 华艺灯饰",
        "based in 古镇镇, the enterprise's town",
        "has not sold for 华艺灯饰 today",
        "no other session today",
        "sells 灯饰照明 on douyin",
    ]
    assert body["reasons"] == []


def test_stand_ins_keep_every_hard_rule_by_the_checker(day_db: tuple) -> None:
    engine, festival, _ = day_db
    assert _with_streamer(engine, festival, dsid(1), "li-ming") == []  # the plan is clean
    for n in range(1, 8):
        with Session(engine) as db:
            row = db.get(models.FestivalSession, dsid(n))
            assert row is not None
            found, _ = candidates(db, festival, row)
            current = row.streamer
        chosen = {c.streamer for c in found}
        for st in festival.streamers:
            if st.id == current:
                continue
            breaches = _with_streamer(engine, festival, dsid(n), st.id)
            assert (breaches == []) == (st.id in chosen), (n, st.id, breaches)


def test_stand_ins_none_fit_says_why(day_api: DayApi) -> None:
    _no_show(day_api, 4, day_api.shaxi)
    body = day_api.get(f"/sessions/{dsid(4)}/stand-ins", day_api.shaxi).json()
    assert body["data"] == []
    assert body["reasons"] == [
        f"no streamer can stand in for session {dsid(4)}: of 5 other streamers",
        "2 are not on 1688",
        "2 do not sell 服装",
        "1 in-house streamer(s) serve only their own enterprise",
    ]


def test_stand_in_makes_a_version_changing_one_session(day_api: DayApi) -> None:
    _no_show(day_api, 1, day_api.guzhen)
    r = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "huayi-host"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["streamer"], body["version"], body["outcome"]) == ("huayi-host", 2, "applied")
    assert body["live"]["state"] == "scheduled"
    assert body["live"]["replaced_streamer"] == "li-ming"
    with Session(day_api.engine) as db:
        SV = models.ScheduleVersion
        docs = {
            v.version: {s["id"]: s for s in v.document["sessions"]}
            for v in db.exec(select(SV).where(SV.festival_id == DFID))
        }
        festival_row = db.get(models.Festival, DFID)
        assert festival_row is not None and festival_row.current_version == 2
        keys = sorted(
            n.key
            for n in db.exec(
                select(models.Notification).where(models.Notification.event == "change")
            )
        )
    changed = [sid for sid in docs[1] if docs[1][sid] != docs[2][sid]]
    assert changed == [dsid(1)]
    assert {k for k, v in docs[2][dsid(1)].items() if docs[1][dsid(1)][k] != v} == {"streamer"}
    assert keys == [
        f"change:{DFID}:v2:coordinator:guzhen",
        f"change:{DFID}:v2:enterprise:huayi",
        f"change:{DFID}:v2:streamer:huayi-host",
        f"change:{DFID}:v2:streamer:li-ming",
    ]
    again = day_api.post(
        f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "huayi-host"}
    )
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    other = day_api.post(
        f"/sessions/{dsid(1)}/stand-in", day_api.organiser, {"streamer": "wang-lei"}
    )
    assert other.status_code == 409
    assert other.json()["winner"] == {"session": dsid(1), "streamer": "huayi-host", "by": "王芳"}


def test_stand_in_breaking_a_hard_rule_is_refused(day_api: DayApi) -> None:
    _no_show(day_api, 1, day_api.guzhen)
    r = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "chen-hua"})
    assert r.status_code == 422
    assert r.json()["breaches"] == ["陈华 is not on douyin", f"陈华 has session {dsid(2)} at 19:00"]
    r = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "nobody"})
    assert r.status_code == 422


def test_stand_in_before_a_no_show_is_refused(day_api: DayApi) -> None:
    r = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "huayi-host"})
    assert r.status_code == 409
    assert "a stand-in is for a streamer marked as not showing" in r.json()["message"]


def test_stand_in_taken_meanwhile_names_the_winner(day_api: DayApi) -> None:
    _no_show(day_api, 1, day_api.guzhen)
    _no_show(day_api, 3, day_api.shaxi)
    first = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.guzhen, {"streamer": "wang-lei"})
    second = day_api.post(f"/sessions/{dsid(3)}/stand-in", day_api.shaxi, {"streamer": "wang-lei"})
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["winner"]["session"] == dsid(1)
    assert second.json()["winner"]["by"] == "王芳"
    assert second.json()["message"].startswith(
        f"wang-lei was taken meanwhile: they now have session {dsid(1)} at that time"
    )


def test_stand_in_late_clock_restarts_at_the_stand_in(day_db: tuple) -> None:
    from support.live_factories import local

    engine, _, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(1), state="no_show", who="streamer")
        actions.take_stand_in(
            db=db,
            actor=SYSTEM,
            session_id=dsid(1),
            streamer="huayi-host",
            now=local("2020-06-06 19:20"),
        )
        assert dsid(1) not in actions.watch(
            db=db, festival_id=DFID, at=local("2020-06-06 19:30")
        ).by_town.get("guzhen", [])
        late = actions.watch(db=db, festival_id=DFID, at=local("2020-06-06 19:31"))
    assert dsid(1) in late.by_town["guzhen"]


def test_no_show_enterprise_offers_the_towns_waiting_requests(day_api: DayApi) -> None:
    r = day_api.post(f"/sessions/{dsid(1)}/no-show", day_api.guzhen, {"who": "enterprise"})
    assert r.status_code == 200
    assert r.json()["stand_ins"] == [
        {
            "enterprise": "guzhen-deco",
            "name": "古镇家饰",
            "platform": "douyin",
            "score": 80000,
            "reasons": [
                "asked for 1 sessions and got 0 (1 waiting)",
                "李明 sells its industry on douyin",
                "free on 2020-06-06 at 19:00; expected GMV 80,000 CNY",
            ],
        }
    ]
    body = day_api.get(f"/sessions/{dsid(1)}/stand-ins", day_api.guzhen).json()
    assert [o["enterprise"] for o in body["data"]] == ["guzhen-deco"]


def test_a_streamer_replaced_stays_absent_that_day(day_db: tuple) -> None:
    """李明 did not show at 19:00 and 华艺主播 stood in: 李明 is no stand-in elsewhere that
    day, though the session is no longer marked as a no-show."""
    from citylive.live.standins import absent_today

    engine, festival, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(1), state="no_show", who="streamer")
        actions.take_stand_in(db=db, actor=SYSTEM, session_id=dsid(1), streamer="huayi-host")
        row = db.get(models.FestivalSession, dsid(2))
        assert row is not None
        assert absent_today(db, row) == {"li-ming"}
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(2), state="no_show", who="streamer")
        found, _ = candidates(db, festival, row)
    assert "li-ming" not in {c.streamer for c in found}
