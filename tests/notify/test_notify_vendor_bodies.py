"""Plain-text bodies as each vendor's Apprise plugin posts them (captured by a real HTTP
receiver on loopback): a decline reason cannot call everyone in a group chat or put a live
link there; the festival's own portal link stays live, and the markdown body stays escaped."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from test_notify_dispatch import fast
from test_notify_messages import context

import models
from citylive.notify.dispatch import dispatch
from citylive.notify.messages import render, text_safe
from citylive.notify.recipients import MessageEvent
from citylive.notify.routing import load_routes_text
from demo.receivers import Receiver

REASON = (
    '<at user_id="all">所有人</at> @所有人 @all 请看 https://evil.example/pay?x=1 或 www.evil.cn'
)
SAFE = '＜at user_id="all">所有人＜/at> ＠所有人 ＠all 请看 hxxps://evil[.]example/pay?x=1 或 www[.]evil[.]cn'


def test_text_safe_neutralises_mentions_and_defangs_links() -> None:
    assert text_safe(REASON) == SAFE
    assert text_safe("<@zhangsan> <!here> @everyone mail a@b.cn") == (
        "＜@zhangsan> ＜!here> ＠everyone mail a@b.cn"
    )
    assert text_safe("HTTP://A.B/c ftp://x.y file:///etc/passwd 12:30") == (
        "hxxp://A[.]B/c fxp://x[.]y fxle:///etc/passwd 12:30"
    )


def _receipt_row(db: Session, town: str) -> str:
    body = render(MessageEvent.receipt, context(reason=REASON), "zh-CN")
    key = f"receipt:f:v1:coordinator:{town}"
    db.add(
        models.Notification(
            status="pending",
            event="receipt",
            recipient=f"coordinator:{town}",
            subject=body.subject,
            key=key,
            body_text=body.text,
            body_markdown=body.markdown,
            body_html=body.html,
            context={"town": town, "locale": "zh-CN"},
        )
    )
    return key


def test_vendor_text_bodies_carry_no_mention_and_no_live_link(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apprise.plugins.feishu import NotifyFeishu

    vendor = Receiver().start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        monkeypatch.setenv("CITYLIVE_NOTIFY_WECOM_API", vendor.url)
        # Feishu's plugin has one fixed address: point it at the receiver
        monkeypatch.setattr(NotifyFeishu, "notify_url", vendor.url + "/feishu/{token}")
        with Session(engine) as db:
            for town in ("guzhen", "shaxi", "xiaolan"):
                _receipt_row(db, town)
            db.commit()
        s = fast(rates={"dingtalk": 0, "wecombot": 0, "feishu": 0})
        routes = load_routes_text(
            "urls:\n"
            "  - dingtalk://dtoken1:\n      tag: coordinator:guzhen\n"
            "  - wecombot://wkey1:\n      tag: coordinator:shaxi\n"
            "  - feishu://ftoken1:\n      tag: coordinator:xiaolan\n",
            settings=s,
        )
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 3
        posted: dict[str, Any] = {r.path: r.json() for r in vendor.accepted}
        texts = {
            "dingtalk": posted["/robot/send"]["text"]["content"],
            "wecom": posted["/cgi-bin/webhook/send"]["text"]["content"],
            "feishu": posted["/feishu/ftoken1"]["content"]["text"],
        }
        assert posted["/feishu/ftoken1"]["msg_type"] == "text"
        for vendor_name, text in texts.items():
            assert f"原因：{SAFE}\n" in text.replace("\r\n", "\n"), vendor_name
            for live in ("<at", "@所有人", "@all", "https://evil", "www.evil"):
                assert live not in text, (vendor_name, live)
    finally:
        vendor.stop()


def test_markdown_and_portal_link_stay_as_they_were() -> None:
    body = render(MessageEvent.assignment, context(portal_url="https://portal.city.cn/p"), "zh-CN")
    assert "https://portal.city.cn/p" in body.text  # the festival's own link stays live
    receipt = render(MessageEvent.receipt, context(reason=REASON), "zh-CN")
    assert (
        '原因：\\<at user\\_id="all"\\>所有人\\</at\\> @所有人 @all 请看 '
        "https://evil.example/pay?x=1 或 www.evil.cn" in receipt.markdown
    )
