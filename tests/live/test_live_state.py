"""Live states through the API, on SQLite and PostgreSQL: each transition with its time and
actor in the audit trail, repeats answered unchanged, another town's session refused."""

from __future__ import annotations

from datetime import timedelta

from support.live_factories import DayApi, dsid, local

from citylive.festival import load_festival_text
from citylive.live.state import late_after


def test_live_marks_started_with_time_and_actor(day_api: DayApi) -> None:
    at = local("2020-06-06 19:02")
    r = day_api.post(f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": at.isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == dsid(1)
    assert body["status"] == "confirmed"  # the decision status stays as it was
    assert body["live"] == {
        "state": "live",
        "late": False,
        "started_at": "2020-06-06T19:02:00+08:00",
    }
    assert body["outcome"] == "applied"
    trail = day_api.get(f"/sessions/{dsid(1)}/decisions", day_api.guzhen).json()
    (entry,) = [d for d in trail["data"] if d["action"] == "live"]
    assert (entry["actor"], entry["role"], entry["outcome"]) == ("王芳", "coordinator", "applied")
    assert entry["at"] in ("2020-06-06T11:02:00Z", "2020-06-06T19:02:00+08:00")


def test_live_again_is_unchanged(day_api: DayApi) -> None:
    first = day_api.post(
        f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": "2020-06-06T19:01:00+08:00"}
    )
    again = day_api.post(
        f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": "2020-06-06T19:30:00+08:00"}
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["live"] == first.json()["live"]
    assert again.json()["outcome"] == "unchanged"
    trail = day_api.get(f"/sessions/{dsid(1)}/decisions", day_api.organiser).json()["data"]
    assert sorted(d["outcome"] for d in trail if d["action"] == "live") == ["applied", "unchanged"]


def test_ended_after_live_keeps_both_times(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": "2020-06-06T19:00:00+08:00"})
    r = day_api.post(
        f"/sessions/{dsid(1)}/ended", day_api.guzhen, {"at": "2020-06-06T21:00:00+08:00"}
    )
    assert r.status_code == 200
    assert r.json()["live"] == {
        "state": "ended",
        "late": False,
        "started_at": "2020-06-06T19:00:00+08:00",
        "ended_at": "2020-06-06T21:00:00+08:00",
    }
    again = day_api.post(f"/sessions/{dsid(1)}/ended", day_api.guzhen)
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")


def test_ended_session_cannot_go_live_again(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(1)}/ended", day_api.organiser)
    r = day_api.post(f"/sessions/{dsid(1)}/live", day_api.guzhen)
    assert r.status_code == 409
    assert r.json()["message"] == f"session {dsid(1)} is ended; it cannot be marked live"
    trail = day_api.get(f"/sessions/{dsid(1)}/decisions", day_api.guzhen).json()["data"]
    assert [d["outcome"] for d in trail if d["action"] == "live"] == ["conflict"]


def test_no_show_records_who_and_reason(day_api: DayApi) -> None:
    r = day_api.post(
        f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "streamer", "reason": "航班延误"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["live"] == {
        "state": "no_show",
        "late": False,
        "no_show_who": "streamer",
        "no_show_reason": "航班延误",
    }
    assert [c["streamer"] for c in body["stand_ins"]] == ["wang-lei"]
    again = day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "streamer"})
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    trail = day_api.get(f"/sessions/{dsid(3)}/decisions", day_api.shaxi).json()["data"]
    (applied,) = [d for d in trail if d["action"] == "no_show" and d["outcome"] == "applied"]
    assert (applied["actor"], applied["reason"]) == ("李强", "streamer: 航班延误")


def test_no_show_of_a_live_session_is_refused(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(3)}/live", day_api.shaxi)
    r = day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "streamer"})
    assert r.status_code == 409
    assert r.json()["live"]["state"] == "live"


def test_no_show_needs_who(day_api: DayApi) -> None:
    r = day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "nobody"})
    assert r.status_code == 422


def test_live_of_another_towns_session_is_not_found(day_api: DayApi) -> None:
    for path in ("live", "ended"):
        r = day_api.post(f"/sessions/{dsid(3)}/{path}", day_api.guzhen)
        assert r.status_code == 404, path
    r = day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.guzhen, {"who": "streamer"})
    assert r.status_code == 404
    assert day_api.get(f"/sessions/{dsid(3)}/stand-ins", day_api.guzhen).status_code == 404


def test_live_by_organiser_in_any_town(day_api: DayApi) -> None:
    for n in (1, 3, 5):
        r = day_api.post(f"/sessions/{dsid(n)}/live", day_api.organiser)
        assert (r.status_code, r.json()["live"]["state"]) == (200, "live")


def test_live_needs_an_aware_time(day_api: DayApi) -> None:
    r = day_api.post(f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": "2020-06-06T19:00:00"})
    assert r.status_code == 422


def test_late_after_minutes_defaults_to_ten() -> None:
    assert late_after({}) == timedelta(minutes=10)
    assert late_after({"late_after_minutes": 25}) == timedelta(minutes=25)


def test_late_after_minutes_read_from_the_festival_file() -> None:
    from support.live_factories import DAY_FILE

    text = DAY_FILE.read_text().replace("late_after_minutes: 10", "late_after_minutes: 15")
    assert load_festival_text(text).info.late_after_minutes == 15
    bare = DAY_FILE.read_text().replace("  late_after_minutes: 10\n", "")
    assert load_festival_text(bare).info.late_after_minutes == 10
