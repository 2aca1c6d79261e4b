"""The live board on SQLite and PostgreSQL: the JSON for scripts (now and next per venue,
late and no-show first, the counts, a coordinator's own town), the HTML page and its buttons,
the running figures marked provisional."""

from __future__ import annotations

from support.live_factories import DFID, DayApi, dsid

AT = "2020-06-06T19:15:00%2B08:00"


def _start(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(1)}/live", day_api.guzhen, {"at": "2020-06-06T19:01:00+08:00"})
    day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "streamer"})


def test_board_now_late_and_no_show_first(day_api: DayApi) -> None:
    _start(day_api)
    r = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["at"] == "2020-06-06T19:15:00+08:00"
    assert body["counts"] == {"scheduled": 0, "live": 1, "late": 1, "no_show": 1, "ended": 0}
    assert [(v["venue"], [s["id"] for s in v["now"]], v["next"]) for v in body["venues"]] == [
        ("guzhen-venue", [dsid(2)], []),
        ("shaxi-base", [dsid(3)], []),
        ("main", [dsid(1)], []),
    ]
    late = body["venues"][0]["now"][0]
    assert (late["live"]["state"], late["live"]["late"]) == ("scheduled", True)
    assert body["towns"] == {
        "古镇镇": {"scheduled": 0, "live": 1, "late": 1, "no_show": 0, "ended": 0},
        "沙溪镇": {"scheduled": 0, "live": 0, "late": 0, "no_show": 1, "ended": 0},
    }


def test_board_next_before_the_first_slot(day_api: DayApi) -> None:
    r = day_api.get(f"/festivals/{DFID}/live?at=2020-06-07T12:00:00%2B08:00", day_api.organiser)
    body = r.json()
    # 10:00-12:00 was never marked: late, though its slot is over; 14:00 and 19:00 come next
    assert body["counts"] == {"scheduled": 3, "live": 0, "late": 1, "no_show": 0, "ended": 0}
    shown = [
        (v["venue"], [s["id"] for s in v["now"]], [s["id"] for s in v["next"]])
        for v in body["venues"]
    ]
    assert shown == [("main", [], [dsid(5)]), ("shaxi-base", [], [dsid(4)])]


def test_board_of_a_coordinator_is_its_town(day_api: DayApi) -> None:
    _start(day_api)
    body = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.guzhen).json()
    ids = sorted(s["id"] for v in body["venues"] for s in v["now"] + v["next"])
    assert ids == [dsid(1), dsid(2)]
    assert body["counts"] == {"scheduled": 0, "live": 1, "late": 1, "no_show": 0, "ended": 0}
    assert list(body["towns"]) == ["古镇镇"]


def test_board_needs_an_aware_time(day_api: DayApi) -> None:
    r = day_api.get(f"/festivals/{DFID}/live?at=2020-06-06T19:15:00", day_api.organiser)
    assert r.status_code == 422


def test_figures_shown_as_provisional(day_api: DayApi) -> None:
    _start(day_api)
    r = day_api.post(
        f"/sessions/{dsid(1)}/figures", day_api.guzhen, {"views": 12000, "gmv": "35800.50"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["live"]["gmv"] == 35800.5
    assert r.json()["live"]["views"] == 12000
    assert r.json()["live"]["provisional"] is True
    other = day_api.post(f"/sessions/{dsid(3)}/figures", day_api.guzhen, {"views": 1})
    assert other.status_code == 404
    body = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser).json()
    (main,) = [v for v in body["venues"] if v["venue"] == "main"]
    assert main["now"][0]["live"]["gmv"] == 35800.5
    day_api.client.cookies.set("citylive_token", day_api.organiser["Authorization"][7:])
    page = day_api.client.get(f"/live/{DFID}?at={AT}")
    assert "观看 12,000" in page.text
    assert "成交额 ¥35,800.50" in page.text
    assert "实时（未核实）" in page.text


def test_board_page_shows_the_moment_and_signs_in(day_api: DayApi) -> None:
    _start(day_api)
    assert day_api.client.get(f"/live/{DFID}").status_code == 401
    day_api.client.cookies.set("citylive_token", day_api.guzhen["Authorization"][7:])
    page = day_api.client.get(f"/live/{DFID}?at={AT}")
    assert page.status_code == 200
    assert 'data-session="day-2020-s00002" data-state="late"' in page.text
    assert 'data-session="day-2020-s00001" data-state="live"' in page.text
    assert dsid(3) not in page.text  # another town's
    assert '<div class="count late" data-count="late"><b>1</b><span>迟到</span></div>' in page.text
    assert page.text.index(dsid(2)) < page.text.index(dsid(1))  # late first
    body = day_api.client.get(f"/live/{DFID}/body?at={AT}")
    assert body.status_code == 200 and "<html" not in body.text


def test_board_button_marks_a_session(day_api: DayApi) -> None:
    day_api.client.cookies.set("citylive_token", day_api.guzhen["Authorization"][7:])
    base = str(day_api.client.base_url)
    r = day_api.client.post(
        f"/live/{DFID}/sessions/{dsid(2)}/live", headers={"Origin": base, "X-Board": "1"}
    )
    assert r.status_code == 204
    r = day_api.client.post(
        f"/live/{DFID}/sessions/{dsid(3)}/live", headers={"Origin": base, "X-Board": "1"}
    )
    assert r.status_code == 404  # another town's
    r = day_api.client.post(
        f"/live/{DFID}/sessions/{dsid(2)}/live", headers={"Origin": "http://evil.example"}
    )
    assert r.status_code == 403
    state = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.guzhen).json()
    (venue,) = [v for v in state["venues"] if v["venue"] == "guzhen-venue"]
    assert venue["now"][0]["live"]["state"] == "live"


def test_board_shared_yet_fresh_after_each_change(day_api: DayApi) -> None:
    first = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser).json()
    again = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser).json()
    assert first == again
    assert first["counts"]["late"] == 3
    day_api.post(f"/sessions/{dsid(2)}/live", day_api.guzhen)
    after = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser).json()
    assert (after["counts"]["late"], after["counts"]["live"]) == (2, 1)
    day_api.post(f"/sessions/{dsid(2)}/figures", day_api.organiser, {"views": 7})
    figures = day_api.get(f"/festivals/{DFID}/live?at={AT}", day_api.organiser).json()
    (venue,) = [v for v in figures["venues"] if v["venue"] == "guzhen-venue"]
    assert venue["now"][0]["live"]["views"] == 7
