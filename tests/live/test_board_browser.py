"""The live board in a real browser (Debian's chromium driven by Playwright, a real uvicorn
server): the big screen at 1920 px and a phone at 390 px with Chinese text; a coordinator
marks a session live on the phone and the big screen shows it without a reload.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.browser import ARTIFACTS, chromium
from support.factories import live_server, token
from support.live_factories import DFID, dsid, seed_day

from citylive.db import init_db, make_engine

pytestmark = pytest.mark.browser

AT = "2020-06-06T19:15:00%2B08:00"


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Engine, dict[str, str]]]:
    eng = make_engine(f"sqlite:///{tmp_path / 'board.db'}")
    init_db(eng)
    with Session(eng, expire_on_commit=False) as db:
        seed_day(db)
        tokens = {
            "guzhen": token(db, "coordinator", "guzhen", name="王芳"),
            "organiser": token(db, "organiser", name="指挥中心"),
        }
    with live_server(eng) as base:
        yield base, eng, tokens
    eng.dispose()


def _page(browser, base: str, value: str, width: int, height: int):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.add_cookies([{"name": "citylive_token", "value": value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _state(page, sid: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(f"article[data-session='{sid}']").get_attribute("data-state"))


def test_board_big_screen_and_phone_mark_live_without_reload(browser, site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, _, tokens = site
    screen = _page(browser, base, tokens["organiser"], 1920, 1080)
    console: list[str] = []
    screen.on("console", lambda m: console.append(m.text))
    screen.goto(f"{base}/live/{DFID}?at={AT}&refresh=1")
    assert screen.locator("h1").inner_text() == "小型直播节 · 直播大屏"
    assert screen.locator(".count.late").inner_text().split() == ["3", "迟到"]
    assert screen.locator(".board-grid").evaluate("e => getComputedStyle(e).display") == "grid"
    assert [_state(screen, dsid(n)) for n in (1, 2, 3)] == ["late", "late", "late"]
    assert screen.locator("#towns tbody tr").count() == 2
    screen.evaluate("window.__notReloaded = true")
    screen.screenshot(path=str(ARTIFACTS / "live-board-1920.png"), full_page=True)

    phone = _page(browser, base, tokens["guzhen"], 390, 844)
    phone.goto(f"{base}/live/{DFID}?at={AT}&refresh=1")
    assert phone.locator("h1").inner_text() == "小型直播节 · 直播大屏 · 本镇街"
    assert phone.locator("article.live-card").count() == 2  # its own town's
    assert phone.locator(".board-grid").evaluate("e => getComputedStyle(e).display") == "block"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    button = phone.locator(f"article[data-session='{dsid(2)}'] button.go")
    assert button.inner_text() == "开播"
    assert button.bounding_box()["height"] >= 44  # one tap on a phone
    phone.screenshot(path=str(ARTIFACTS / "live-board-390-before.png"), full_page=True)
    button.click()
    expect(phone.locator(f"article[data-session='{dsid(2)}']")).to_have_attribute(
        "data-state", "live"
    )
    phone.screenshot(path=str(ARTIFACTS / "live-board-390-after.png"), full_page=True)

    # the big screen polls its body every second: no reload, no click
    expect(screen.locator(f"article[data-session='{dsid(2)}']")).to_have_attribute(
        "data-state", "live", timeout=5_000
    )
    assert screen.evaluate("window.__notReloaded") is True
    assert screen.locator(".count.late").inner_text().split() == ["2", "迟到"]
    assert screen.locator(".count.live").inner_text().split() == ["1", "直播中"]
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m]
    screen.screenshot(path=str(ARTIFACTS / "live-board-1920-after.png"), full_page=True)


def test_portal_card_marks_live_on_a_phone_and_the_board_follows(browser, site) -> None:  # type: ignore[no-untyped-def]
    """The coordinator's own portal on a 390 px phone: one tap on a card's 开播; the big
    screen (1920 px, polling) shows the session live without a reload."""
    from playwright.sync_api import expect

    base, _, tokens = site
    screen = _page(browser, base, tokens["organiser"], 1920, 1080)
    screen.goto(f"{base}/live/{DFID}?at={AT}&refresh=1")
    assert _state(screen, dsid(1)) == "late"
    screen.evaluate("window.__notReloaded = true")

    phone = _page(browser, base, tokens["guzhen"], 390, 844)
    phone.goto(f"{base}/portal?at={AT}")
    card = phone.locator(f"article.card[data-session='{dsid(1)}']")
    assert card.locator(".live-badge.live-late").inner_text() == "迟到"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    button = card.locator("button.go")
    assert button.inner_text() == "开播"
    assert button.bounding_box()["height"] >= 44  # one tap on a phone
    assert card.locator("button.noshow").all_inner_texts() == ["主播未到场", "企业未到场"]
    phone.screenshot(path=str(ARTIFACTS / "portal-day-390-before.png"), full_page=True)
    button.click()
    card = phone.locator(f"article.card[data-session='{dsid(1)}']")
    expect(card.locator(".day")).to_have_attribute("data-live", "live")
    assert phone.locator("#flash").inner_text() == f"已保存：场次 {dsid(1)} 现为直播中。"
    assert card.locator("button.end").inner_text() == "结束"
    phone.screenshot(path=str(ARTIFACTS / "portal-day-390-after.png"), full_page=True)

    expect(screen.locator(f"article[data-session='{dsid(1)}']")).to_have_attribute(
        "data-state", "live", timeout=5_000
    )
    assert screen.evaluate("window.__notReloaded") is True
    assert screen.locator(".count.live").inner_text().split() == ["1", "直播中"]
    screen.screenshot(path=str(ARTIFACTS / "live-board-1920-from-portal.png"), full_page=True)


def test_portal_stand_in_after_a_no_show_on_a_phone(browser, site) -> None:  # type: ignore[no-untyped-def]
    """未到场 on the phone, the ranked stand-ins with their reasons, one tap on the first."""
    base, _, tokens = site
    phone = _page(browser, base, tokens["guzhen"], 390, 844)
    phone.goto(f"{base}/portal?at={AT}")
    card = phone.locator(f"article.card[data-session='{dsid(1)}']")
    card.locator("input[name=reason]").fill("主播联系不上")
    card.locator("button.noshow[value=streamer]").click()
    card = phone.locator(f"article.card[data-session='{dsid(1)}']")
    takers = card.locator("form.taker b")
    assert takers.all_inner_texts() == ["华艺主播", "王磊", "赵敏"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "portal-stand-ins-390.png"), full_page=True)
    card.locator("button.take").first.click()
    assert (
        phone.locator("#flash").inner_text() == f"已安排替补：场次 {dsid(1)} 现由 华艺主播 直播。"
    )
