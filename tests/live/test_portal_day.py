"""The festival day on the portal's session cards, on SQLite and PostgreSQL: a card shows
its live state and, on the day shown, 开播 / 结束 / 未到场 (the API's actions: the same
audit trail and scope); after a streamer's no-show the ranked stand-ins with their reasons
and one tap to take one, after an enterprise's the waiting requests; a race lost comes back to
the card by a redirect, the winner named in Chinese from the database."""

from __future__ import annotations

import re

from sqlmodel import Session, select
from support.factories import add_session
from support.live_factories import DFID, DayApi, dsid

import models

AT = "2020-06-06T19:15:00+08:00"


def _as(day_api: DayApi, who: dict[str, str]) -> None:
    day_api.client.cookies.set("citylive_token", who["Authorization"][7:])


def _page(day_api: DayApi, query: str = "") -> str:
    r = day_api.client.get(f"/portal?at={AT.replace('+', '%2B')}{query}")
    assert r.status_code == 200, r.text
    return r.text


def _card(page: str, sid: str) -> str:
    start = page.index(f'<article class="card" id="{sid}"')
    return page[start : page.index("</article>", start)]


def _tap(day_api: DayApi, sid: str, action: str, **form: str) -> object:
    return day_api.client.post(
        f"/portal/day/{sid}/{action}",
        data={"festival": DFID, "at": AT, **form},
        follow_redirects=False,
    )


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash" role="status" id="flash">([^<]*)</p>', page)
    assert found is not None
    return found.group(1)


def test_card_shows_the_live_state_and_one_tap_marks(day_api: DayApi) -> None:
    _as(day_api, day_api.guzhen)
    page = _page(day_api)
    assert dsid(3) not in page  # another town's
    card = _card(page, dsid(2))
    assert 'data-live="late"' in card and '<span class="live-badge live-late">迟到</span>' in card
    assert '<button class="go" type="submit">开播</button>' in card
    assert 'value="streamer">主播未到场</button>' in card
    assert 'value="enterprise">企业未到场</button>' in card
    assert "开播</button>" not in _card(page, dsid(6))  # 06-07: not the day shown
    r = _tap(day_api, dsid(2), "live")
    assert r.status_code == 303
    assert r.headers["location"] == (
        f"/portal?festival={DFID}&at=2020-06-06T19%3A15%3A00%2B08%3A00&done=day_applied"
        f"&sid={dsid(2)}#{dsid(2)}"
    )
    after = day_api.client.get(r.headers["location"]).text
    assert _flash(after) == f"已保存：场次 {dsid(2)} 现为直播中。"
    assert '<button class="end" type="submit">结束</button>' in _card(after, dsid(2))
    again = day_api.client.get(_tap(day_api, dsid(2), "live").headers["location"]).text
    assert _flash(again) == f"场次 {dsid(2)} 已是直播中，无需重复操作。"
    with Session(day_api.engine) as db:
        trail = [
            (d.action, d.outcome, d.actor)
            for d in db.exec(select(models.Decision).where(models.Decision.session_id == dsid(2)))
        ]
    assert trail == [("live", "applied", "王芳"), ("live", "unchanged", "王芳")]
    state = day_api.get(f"/festivals/{DFID}/live?at={AT.replace('+', '%2B')}", day_api.organiser)
    assert state.json()["counts"]["live"] == 1
    other = _tap(day_api, dsid(3), "live")
    assert "done=not_found" in other.headers["location"]  # another town's session
    evil = day_api.client.post(
        f"/portal/day/{dsid(2)}/ended", headers={"Origin": "http://evil.example"}
    )
    assert evil.status_code == 403


def test_no_show_lists_stand_ins_and_one_tap_takes_one(day_api: DayApi) -> None:
    _as(day_api, day_api.guzhen)
    r = _tap(day_api, dsid(1), "no-show", who="streamer", reason="联系不上")
    card = _card(day_api.client.get(r.headers["location"]).text, dsid(1))
    assert "未到场：主播 · 联系不上" in card
    assert re.findall(r"<b>([^<]*)</b> <span class=\"muted\">推荐分 ([\d,]+)</span>", card) == [
        ("华艺主播", "1,040"),
        ("王磊", "40"),
        ("赵敏", "20"),
    ]
    assert "<li>华艺灯饰的自有主播</li>" in card
    assert "<li>在抖音直播灯饰照明</li>" in card
    assert 'name="streamer" value="huayi-host">请TA替补</button>' in card
    taken = _tap(day_api, dsid(1), "stand-in", streamer="huayi-host")
    page = day_api.client.get(taken.headers["location"]).text
    assert _flash(page) == f"已安排替补：场次 {dsid(1)} 现由 华艺主播 直播。"
    card = _card(page, dsid(1))
    assert "替下 李明" in card
    assert 'data-live="scheduled"' in card and "请TA替补" not in card  # on air next
    with Session(day_api.engine) as db:
        row = db.get(models.FestivalSession, dsid(1))
        assert row is not None and (row.streamer, row.version) == ("huayi-host", 2)


def test_stand_in_race_lost_names_the_winner_in_chinese(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(1)}/no-show", day_api.guzhen, {"who": "streamer"})
    day_api.post(f"/sessions/{dsid(3)}/no-show", day_api.shaxi, {"who": "streamer"})
    won = day_api.post(f"/sessions/{dsid(1)}/stand-in", day_api.organiser, {"streamer": "wang-lei"})
    assert won.status_code == 200
    _as(day_api, day_api.shaxi)
    lost = _tap(day_api, dsid(3), "stand-in", streamer="wang-lei")
    assert lost.status_code == 303  # post/redirect/get: reloading the page posts nothing
    assert lost.headers["location"] == (
        f"/portal?festival={DFID}&at=2020-06-06T19%3A15%3A00%2B08%3A00&done=race_streamer"
        f"&sid={dsid(3)}&pick=wang-lei#{dsid(3)}"
    )
    page = day_api.client.get(lost.headers["location"])
    assert page.status_code == 200
    assert _flash(page.text) == (
        "未能安排：王磊 刚刚已被 主办方 安排为 主会场 06-06 19:00 场次的替补，请另选一位。"
    )
    assert 'id="flash"' in _card(page.text, dsid(3))
    # the winner comes from the database: a link naming someone else's race says nothing
    forged = day_api.client.get(lost.headers["location"].replace("wang-lei", "zhao-min"))
    assert 'id="flash"' not in forged.text and "主办方 安排为" not in forged.text
    _as(day_api, day_api.organiser)
    here = _tap(day_api, dsid(1), "stand-in", streamer="zhao-min", town="guzhen")
    assert here.status_code == 303
    assert "done=race_streamer" in here.headers["location"]
    assert _flash(day_api.client.get(here.headers["location"]).text) == (
        "未能安排：本场次已由 主办方 安排 王磊 替补。"
    )
    bad = _tap(day_api, dsid(3), "stand-in", streamer="li-ming", town="shaxi")
    assert _flash(day_api.client.get(bad.headers["location"]).text) == (
        "未能保存：所选人选不符合排期规则，请从推荐名单中选择。"
    )


def test_enterprise_no_show_offers_the_waiting_requests(day_api: DayApi) -> None:
    _as(day_api, day_api.organiser)
    assert day_api.client.get("/portal", follow_redirects=False).status_code == 303
    assert day_api.client.get("/portal?town=nowhere").status_code == 404
    overview = day_api.client.get("/portal/overview").text
    assert (
        f'<a href="/portal?festival={DFID}&amp;town=guzhen" title="查看各场次">古镇镇</a>'
        in overview
    )
    r = _tap(day_api, dsid(1), "no-show", who="enterprise", town="guzhen")
    assert "town=guzhen" in r.headers["location"]
    card = _card(day_api.client.get(r.headers["location"]).text, dsid(1))
    assert "可接场的企业（按预计成交排序）" in card
    assert '<b>古镇家饰</b> <span class="muted">推荐分 80,000</span>' in card
    assert 'name="enterprise" value="guzhen-deco">由TA接场</button>' in card
    assert "<li>申请 1 场，已排 0 场（还差 1 场）</li>" in card
    assert "<li>2020-06-06 19:00 有空；预计成交 80,000 元</li>" in card
    taken = _tap(day_api, dsid(1), "replacement", enterprise="guzhen-deco", town="guzhen")
    page = day_api.client.get(taken.headers["location"]).text
    assert _flash(page) == f"已安排接场：场次 {dsid(1)} 现由 古镇家饰 带货。"
    assert "替下 华艺灯饰" in _card(page, dsid(1))
    _as(day_api, day_api.guzhen)
    lost = _tap(day_api, dsid(1), "replacement", enterprise="juhao")
    assert lost.status_code == 303
    assert lost.headers["location"] == (
        f"/portal?festival={DFID}&at=2020-06-06T19%3A15%3A00%2B08%3A00&done=race_enterprise"
        f"&sid={dsid(1)}&pick=juhao#{dsid(1)}"
    )
    assert _flash(day_api.client.get(lost.headers["location"]).text) == (
        "未能安排：本场次已由 主办方 安排 古镇家饰 接场。"
    )


def test_replacement_race_lost_elsewhere_names_the_winner_after_the_redirect(
    day_api: DayApi,
) -> None:
    with Session(day_api.engine) as db:  # 钜豪照明's second session, on 06-07 at 19:00
        add_session(
            db,
            day_api.festival,
            8,
            "juhao",
            "wang-lei",
            "pdd",
            "guzhen-venue",
            2,
            1,
            2,
            "confirmed",
        )
        db.commit()
    for n in (1, 8):
        day_api.post(f"/sessions/{dsid(n)}/no-show", day_api.organiser, {"who": "enterprise"})
    won = day_api.post(
        f"/sessions/{dsid(8)}/replacement", day_api.organiser, {"enterprise": "guzhen-deco"}
    )
    assert won.status_code == 200, won.text
    _as(day_api, day_api.guzhen)
    lost = _tap(day_api, dsid(1), "replacement", enterprise="guzhen-deco")
    assert lost.status_code == 303
    assert "done=race_enterprise" in lost.headers["location"]
    page = day_api.client.get(lost.headers["location"]).text
    assert _flash(page) == (
        "未能安排：古镇家饰 刚刚已被 主办方 安排到 古镇分会场 06-07 19:00 的场次，请另选一家。"
    )
    assert 'id="flash"' in _card(page, dsid(1))


def test_nobody_fits_says_why_in_chinese(day_api: DayApi) -> None:
    day_api.post(f"/sessions/{dsid(4)}/no-show", day_api.shaxi, {"who": "streamer"})
    _as(day_api, day_api.shaxi)
    card = _card(_page(day_api), dsid(4))
    assert "<b>" not in card  # nobody to take
    assert re.findall(r"<li>([^<]*)</li>", card) == [
        f"没有主播可以替补场次 {dsid(4)}：其他 5 位主播中",
        "2 位不在1688 阿里巴巴",
        "2 位不播服装",
        "1 位是其他企业的自有主播",
    ]
    english = day_api.client.get(f"/portal?lang=en&at={AT.replace('+', '%2B')}").text
    assert "<li>2 do not sell 服装</li>" in _card(english, dsid(4))


def test_board_links_a_no_show_to_its_takers_and_lists_a_given_slot(day_api: DayApi) -> None:
    _as(day_api, day_api.organiser)
    _tap(day_api, dsid(1), "no-show", who="enterprise", town="guzhen")
    at = AT.replace("+", "%2B")
    board = day_api.client.get(f"/live/{DFID}?at={at}").text
    assert (
        f'<a class="takers" href="/portal?festival={DFID}&amp;town=guzhen&amp;'
        f'at=2020-06-06T19%3A15%3A00%2B08%3A00#{dsid(1)}">找替补 →</a>'
    ) in board
    _tap(day_api, dsid(1), "replacement", enterprise="guzhen-deco", town="guzhen")
    board = day_api.client.get(f"/live/{DFID}?at={at}").text
    assert '<div class="standin">企业接场：古镇家饰（替下 华艺灯饰）</div>' in board
    assert "<li>19:00 企业接场：古镇家饰（替下 华艺灯饰）</li>" in board
    data = day_api.get(f"/festivals/{DFID}/live?at={at}", day_api.organiser).json()
    assert [
        (s["id"], s["enterprise"], s["live"]["replaced_enterprise"]) for s in data["stand_ins"]
    ] == [(dsid(1), "guzhen-deco", "huayi")]


def test_the_other_language_keeps_the_moment_shown(day_api: DayApi) -> None:
    _as(day_api, day_api.guzhen)
    page = _page(day_api)
    assert (
        '<a href="/portal?at=2020-06-06T19%3A15%3A00%2B08%3A00&amp;lang=en" hreflang="en">' in page
    )
