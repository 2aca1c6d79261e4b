"""The portal and the programme in a real browser: Debian's chromium driven by Playwright,
against a real uvicorn server.  Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.browser import ARTIFACTS, chromium
from support.factories import FID, live_server, seed_small, sid, token

import models
from citylive.db import init_db, make_engine

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page() -> Iterator[object]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Engine, dict[str, str]]]:
    eng = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    init_db(eng)
    with Session(eng, expire_on_commit=False) as db:
        seed_small(db, deadline=datetime(2030, 6, 1, 10, 0, tzinfo=UTC))
        tokens = {
            "guzhen": token(db, "coordinator", "guzhen", name="王芳"),
            "organiser": token(db, "organiser", name="主办方"),
        }
    with live_server(eng) as base:
        yield base, eng, tokens
    eng.dispose()


def _card(page, session_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"article[data-session='{session_id}']")


def _sign_in(page, base: str, token: str, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """Sign in through the form, as a coordinator does; returns every URL the browser saw
    and every message the console printed (a CSP refusal would be one)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("console", lambda m: seen.append(f"console: {m.text}"))
    page.goto(f"{base}/portal{query}")
    page.locator("input[name=token]").fill(token)
    page.get_by_role("button", name="登录" if "lang=en" not in query else "Sign in").click()
    return seen


def test_coordinator_confirms_and_declines_in_browser(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, engine, tokens = site
    seen = _sign_in(page, base, tokens["guzhen"])
    page.wait_for_url(f"{base}/portal")
    assert not [u for u in seen if tokens["guzhen"] in u]  # never in an address
    cookie = next(c for c in page.context.cookies() if c["name"] == "citylive_token")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert page.locator("h1").inner_text() == "古镇镇 的场次 · 小型直播节"
    assert page.locator("#deadline strong").inner_text() == "2030-06-01 18:00"
    assert page.locator("article.card").count() == 3
    assert [
        page.locator("article.card").nth(i).get_attribute("data-session") for i in range(3)
    ] == [sid(3), sid(1), sid(2)]
    # the stylesheet loads under the page's CSP, and nothing was refused
    header = page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(155, 35, 53)"
    assert not [m for m in seen if "Content Security Policy" in m or "Refused" in m]
    page.screenshot(path=str(ARTIFACTS / "portal-before.png"), full_page=True)

    _card(page, sid(1)).get_by_role("button", name="确认").click()
    page.wait_for_url(f"{base}/portal?*")
    assert page.locator("#flash").inner_text() == f"已保存：场次 {sid(1)} 现为已确认。"
    assert _card(page, sid(1)).get_attribute("data-status") == "confirmed"
    assert _card(page, sid(1)).locator(".badge").inner_text() == "已确认"
    # a decided card offers only to withdraw the decision (until the deadline)
    assert _card(page, sid(1)).get_by_role("button").all_inner_texts() == ["撤回决定"]

    decline = _card(page, sid(2))
    decline.get_by_role("textbox").fill("主播当天无法到场")
    decline.get_by_role("button", name="拒绝").click()
    page.wait_for_function(
        f"document.querySelector(\"article[data-session='{sid(2)}']\").dataset.status === 'declined'"
    )
    assert _card(page, sid(2)).locator(".badge").inner_text() == "已拒绝"
    assert _card(page, sid(3)).get_attribute("data-status") == "proposed"
    assert page.locator("#counts").inner_text() == "待确认 1 · 已确认 1 · 已拒绝 1"
    page.screenshot(path=str(ARTIFACTS / "portal-after.png"), full_page=True)

    with Session(engine) as db:
        rows = db.exec(select(models.Decision).order_by(models.Decision.id)).all()
        assert [(d.session_id, d.action, d.outcome, d.actor, d.reason) for d in rows] == [
            (sid(1), "confirm", "applied", "王芳", None),
            (sid(2), "decline", "applied", "王芳", "主播当天无法到场"),
        ]
        assert rows[0].remote_addr == "127.0.0.1"

    # English, and signing out
    page.goto(f"{base}/portal?lang=en")
    assert page.locator("h1").inner_text() == "Sessions of 古镇镇 · 小型直播节"
    assert _card(page, sid(3)).get_by_role("button", name="Confirm").count() == 1
    page.goto(f"{base}/portal/signout")
    assert page.get_by_role("button", name="登录").count() == 1


def test_portal_link_with_a_token_does_not_sign_in(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    """Login CSRF: a link carrying someone's token must not sign the browser in as them."""
    page = browser_page
    base, _, tokens = site
    page.goto(f"{base}/portal?token={tokens['guzhen']}")
    assert page.get_by_role("button", name="登录").count() == 1
    assert [c for c in page.context.cookies() if c["name"] == "citylive_token"] == []
    assert page.locator("article.card").count() == 0


def test_programme_grid_renders_in_browser(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, _, _ = site
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/programme/{FID}")
    grid = page.locator("table#programme")
    assert grid.locator("thead th").all_inner_texts() == [
        "会场",
        "10:00–12:00",
        "14:00–16:00",
        "19:00–21:00",
        "21:00–23:00",
    ]
    assert grid.locator("tbody th").all_inner_texts() == ["主会场", "古镇分会场", "沙溪分会场"]
    # day 1: s3 at guzhen-venue 14:00, s1 at main 19:00, s5 at shaxi-base 19:00
    main_row = grid.locator("tr[data-venue='main'] td")
    assert main_row.nth(2).locator("[data-session]").get_attribute("data-session") == sid(1)
    assert "华艺灯饰" in main_row.nth(2).inner_text()
    assert sorted(
        x.get_attribute("data-session") for x in grid.locator("[data-session]").all()
    ) == [sid(1), sid(3), sid(5)]
    page.screenshot(path=str(ARTIFACTS / "programme-day1.png"), full_page=True)

    page.select_option("select[name=town]", "shaxi")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**town=shaxi**")
    assert [x.get_attribute("data-session") for x in grid.locator("[data-session]").all()] == [
        sid(5)
    ]
    page.get_by_role("link", name="2020-06-07").click()
    page.wait_for_url("**day=2020-06-07**")
    assert [x.get_attribute("data-session") for x in grid.locator("[data-session]").all()] == [
        sid(6)
    ]
    page.screenshot(path=str(ARTIFACTS / "programme-day2-shaxi.png"), full_page=True)


def test_organiser_overview_in_browser(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, _, tokens = site
    _sign_in(page, base, tokens["organiser"], "?lang=en")
    page.wait_for_url(f"{base}/portal/overview?lang=en")
    rows = page.locator("#confirmations tbody tr")
    assert [r.get_attribute("data-town") for r in rows.all()] == [
        "guzhen",
        "henglan",
        "shaxi",
        "shiqi",
    ]
    assert rows.nth(0).locator("td.num").all_inner_texts() == ["3", "0", "0", "3"]
    assert page.locator("#confirmations tfoot th.num").all_inner_texts() == ["6", "0", "0", "6"]
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def test_decision_stays_in_view_and_can_be_withdrawn_in_browser(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, _engine, tokens = site
    _sign_in(page, base, tokens["guzhen"])
    page.wait_for_url(f"{base}/portal")
    assert _card(page, sid(1)).locator("dd").nth(3).inner_text() == "抖音"
    decline = _card(page, sid(2))
    decline.get_by_role("textbox").fill("主播当天无法到场")
    decline.get_by_role("button", name="拒绝").click()
    page.wait_for_url(f"{base}/portal?*")
    # the confirmation sits in the decided card, and the card is in view
    flash = _card(page, sid(2)).locator(".flash")
    assert flash.inner_text() == f"已保存：场次 {sid(2)} 现为已拒绝。"
    box = flash.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 915
    assert _card(page, sid(2)).locator("dd.reason").inner_text() == "主播当天无法到场"
    page.screenshot(path=str(ARTIFACTS / "portal-declined-in-view.png"))
    _card(page, sid(2)).get_by_role("button", name="撤回决定").click()
    page.wait_for_url(f"{base}/portal?*")
    assert _card(page, sid(2)).get_attribute("data-status") == "proposed"
    assert _card(page, sid(2)).locator(".flash").inner_text() == (
        f"已撤回对场次 {sid(2)} 的决定，现为：待确认。"
    )
    assert _card(page, sid(2)).get_by_role("button", name="确认").count() == 1


def test_downloads_work_with_the_portal_cookie_within_scope(browser_page, site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, _engine, tokens = site
    _sign_in(page, base, tokens["guzhen"])
    page.wait_for_url(f"{base}/portal")
    links = page.locator("#downloads a")
    assert links.all_inner_texts() == ["排期表（Excel）", "日历（.ics）", "销售报告"]
    request = page.context.request  # the browser's cookies
    xlsx = request.get(base + links.nth(0).get_attribute("href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    ics = request.get(base + links.nth(1).get_attribute("href"))
    assert ics.status == 200
    ids = sorted({ln.split("UID:")[1].split("@")[0] for ln in ics.text().splitlines()
                  if ln.startswith("UID:")})  # fmt: skip
    assert ids == [sid(1), sid(2), sid(3)]
    report = request.get(base + links.nth(2).get_attribute("href"))
    assert report.status == 200 and "古镇镇" in report.text()
    # another town's report is not the coordinator's to read
    other = request.get(f"{base}/api/v1/festivals/{FID}/report?town=shaxi")
    assert other.status in (403, 404)
    # signed out, the same link answers 401
    page.goto(f"{base}/portal/signout")
    assert request.get(f"{base}/api/v1/festivals/{FID}/schedule.xlsx").status == 401
