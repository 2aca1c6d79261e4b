"""An enterprise's no-show on SQLite and PostgreSQL: its slot offered to the town's waiting
requests (each checked by the independent checker: the schedule with the newcomer keeps
every hard rule, and every enterprise of the town left out breaks one), taking one makes a
version that changes only that session and tells those concerned, the same one again is
unchanged, a second racer is told the winner, nobody fits says why in words."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.factories import add_session
from support.live_factories import DFID, DayApi, dsid

import models
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.live.offers import offers, platform_for
from citylive.schedule.checker import check_schedule
from citylive.schedule.release import current_document


def _with_enterprise(engine: Engine, festival: Festival, sid: str, enterprise: str) -> list[str]:
    """The checker's breaches of the current schedule with `enterprise` on session `sid`."""
    with Session(engine) as db:
        doc = current_document(db=db, festival_id=festival.id)
        row = db.get(models.FestivalSession, sid)
        assert row is not None
        platform = platform_for(festival, row, festival.enterprise[enterprise])
    for s in doc.sessions:
        if s.id == sid:
            s.enterprise, s.platform = enterprise, platform
    return check_schedule(festival, doc)


def _no_show(day_api: DayApi, n: int, who: dict[str, str]) -> dict:
    r = day_api.post(f"/sessions/{dsid(n)}/no-show", who, {"who": "enterprise", "reason": "未到"})
    assert r.status_code == 200, r.text
    return r.json()


def _eighth(engine: Engine, festival: Festival) -> None:
    """钜豪照明's second session: 古镇分会场 on 06-07 at 19:00 with 王磊 on pdd, so that
    古镇家饰 (one session asked for) fits two slots."""
    with Session(engine) as db:
        add_session(
            db, festival, 8, "juhao", "wang-lei", "pdd", "guzhen-venue", 2, 1, 2, "confirmed"
        )
        db.commit()


GUZHEN_DECO = {
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


def test_replacements_listed_best_first_with_reasons(day_api: DayApi) -> None:
    assert _no_show(day_api, 1, day_api.guzhen)["stand_ins"] == [GUZHEN_DECO]
    body = day_api.get(f"/sessions/{dsid(1)}/replacements", day_api.guzhen).json()
    assert body == {"data": [GUZHEN_DECO], "count": 1, "reasons": []}
    other = day_api.get(f"/sessions/{dsid(1)}/replacements", day_api.shaxi)
    assert other.status_code == 404  # another town's session


def test_replacements_keep_every_hard_rule_by_the_checker(day_db: tuple) -> None:
    engine, festival, _ = day_db
    _eighth(engine, festival)
    for n in range(1, 9):
        with Session(engine) as db:
            row = db.get(models.FestivalSession, dsid(n))
            assert row is not None
            found, _ = offers(db, festival, row)
            own, town = row.enterprise, row.town
        chosen = {str(o["enterprise"]) for o in found}
        for ent in festival.enterprises:
            if ent.town != town or ent.id == own:
                continue
            breaches = _with_enterprise(engine, festival, dsid(n), ent.id)
            assert (breaches == []) == (ent.id in chosen), (n, ent.id, breaches)
    assert chosen == {"guzhen-deco"}  # the eighth session's


def test_replacement_none_fit_says_why(day_api: DayApi) -> None:
    _no_show(day_api, 3, day_api.shaxi)
    body = day_api.get(f"/sessions/{dsid(3)}/replacements", day_api.shaxi).json()
    assert body == {
        "data": [],
        "count": 0,
        "reasons": [
            f"no waiting request of 沙溪镇 fits session {dsid(3)}: of 0 waiting",
        ],
    }
    _no_show(day_api, 2, day_api.guzhen)
    body = day_api.get(f"/sessions/{dsid(2)}/replacements", day_api.guzhen).json()
    assert body["data"] == []
    assert body["reasons"] == [
        f"no waiting request of 古镇镇 fits session {dsid(2)}: of 1 waiting",
        "1 share no platform with the streamer",
    ]


def test_replacement_makes_a_version_changing_one_session(day_api: DayApi) -> None:
    _no_show(day_api, 1, day_api.guzhen)
    r = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "guzhen-deco"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["enterprise"], body["version"], body["outcome"]) == ("guzhen-deco", 2, "applied")
    assert (body["platform"], body["industry"], body["town"]) == ("douyin", "lighting", "guzhen")
    assert body["live"]["state"] == "scheduled"
    assert body["live"]["replaced_enterprise"] == "huayi"
    with Session(day_api.engine) as db:
        SV = models.ScheduleVersion
        docs = {
            v.version: {s["id"]: s for s in v.document["sessions"]}
            for v in db.exec(select(SV).where(SV.festival_id == DFID))
        }
        changes = db.exec(select(SV.changes).where(SV.version == 2)).one()
        keys = sorted(
            n.key
            for n in db.exec(
                select(models.Notification).where(models.Notification.event == "change")
            )
        )
        placed = {
            r.enterprise_id: r.placed
            for r in db.exec(
                select(models.SessionRequest).where(models.SessionRequest.festival_id == DFID)
            )
        }
        festival = load_stored_festival(db, DFID)
        assert check_schedule(festival, current_document(db=db, festival_id=DFID)) == []
        trail = [
            (d.action, d.outcome, d.reason)
            for d in db.exec(
                select(models.Decision)
                .where(models.Decision.session_id == dsid(1))
                .order_by(models.Decision.id)  # type: ignore[arg-type]
            )
        ]
    changed = [sid for sid in docs[1] if docs[1][sid] != docs[2][sid]]
    assert changed == [dsid(1)]
    assert {k for k, v in docs[2][dsid(1)].items() if docs[1][dsid(1)][k] != v} == {"enterprise"}
    assert (changes["moved"], changes["replacement"]) == ([dsid(1)], [dsid(1)])
    assert keys == [
        f"change:{DFID}:v2:coordinator:guzhen",
        f"change:{DFID}:v2:enterprise:guzhen-deco",
        f"change:{DFID}:v2:enterprise:huayi",
        f"change:{DFID}:v2:streamer:li-ming",
    ]
    assert (placed["guzhen-deco"], placed["huayi"]) == (1, 1)
    assert trail == [
        ("no_show", "applied", "enterprise: 未到"),
        ("replacement", "applied", "guzhen-deco for huayi"),
    ]
    again = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.organiser, {"enterprise": "guzhen-deco"}
    )
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    other = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.organiser, {"enterprise": "juhao"}
    )
    assert other.status_code == 409
    assert other.json()["winner"] == {"session": dsid(1), "enterprise": "guzhen-deco", "by": "王芳"}


def test_replacement_taken_meanwhile_names_the_winner(day_api: DayApi) -> None:
    _eighth(day_api.engine, day_api.festival)
    _no_show(day_api, 1, day_api.guzhen)
    _no_show(day_api, 8, day_api.organiser)
    first = day_api.post(
        f"/sessions/{dsid(8)}/replacement", day_api.organiser, {"enterprise": "guzhen-deco"}
    )
    second = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "guzhen-deco"}
    )
    assert first.status_code == 200, first.text
    assert second.status_code == 409
    assert second.json()["winner"]["session"] == dsid(8)
    assert second.json()["winner"]["by"] == "主办方"
    assert second.json()["message"] == (
        f"guzhen-deco was taken meanwhile: session {dsid(8)} (taken by 主办方)"
    )
    assert day_api.get(f"/sessions/{dsid(1)}/replacements", day_api.guzhen).json()["data"] == []


def test_replacement_refused_before_a_no_show_or_breaking_a_rule(day_api: DayApi) -> None:
    before = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "guzhen-deco"}
    )
    assert before.status_code == 409
    assert "a replacement is for an enterprise marked as not showing" in before.json()["message"]
    streamer = day_api.post(f"/sessions/{dsid(2)}/no-show", day_api.guzhen, {"who": "streamer"})
    assert streamer.status_code == 200
    r = day_api.post(
        f"/sessions/{dsid(2)}/replacement", day_api.guzhen, {"enterprise": "guzhen-deco"}
    )
    assert r.status_code == 409  # a streamer's no-show takes a stand-in, not a replacement
    _no_show(day_api, 1, day_api.guzhen)
    r = day_api.post(f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "juhao"})
    assert r.status_code == 422
    assert r.json()["breaches"] == ["钜豪照明 has another session at 19:00"]
    r = day_api.post(f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "ruiang"})
    assert r.status_code == 422  # another town's enterprise
    r = day_api.post(
        f"/sessions/{dsid(1)}/replacement", day_api.shaxi, {"enterprise": "guzhen-deco"}
    )
    assert r.status_code == 404  # another town's session


def test_an_enterprise_replaced_stays_absent_that_day(day_api: DayApi) -> None:
    from citylive.live.offers import absent_enterprises

    _no_show(day_api, 1, day_api.guzhen)
    day_api.post(f"/sessions/{dsid(1)}/replacement", day_api.guzhen, {"enterprise": "guzhen-deco"})
    with Session(day_api.engine) as db:
        row = db.get(models.FestivalSession, dsid(2))
        assert row is not None
        assert absent_enterprises(db, row) == {"huayi"}  # not the newcomer
