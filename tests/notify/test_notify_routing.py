"""Routing config, secrets and message templates (no database)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from citylive.notify.messages import render, text_table
from citylive.notify.recipients import Recipient
from citylive.notify.routing import NotifyConfigError, load_routes, load_routes_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SECRETS = [
    "SMTP_PASSWORD",
    "WECOM_CORPID",
    "WECOM_CORPSECRET",
    "WECOMBOT_GUZHEN",
    "DINGTALK_SHAXI_SIGN",
    "DINGTALK_SHAXI",
    "FEISHU_HENGLAN",
    "WECOMBOT_GUZHEN_MERCHANTS",
    "HUAYI_HOOK",
    "AGENCY_SMTP",
]


def test_example_config_loads_every_channel_type(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in EXAMPLE_SECRETS:
        monkeypatch.setenv(f"CITYLIVE_SECRET_{name}", f"abc123{name.lower().replace('_', '')}")
    monkeypatch.setenv("CITYLIVE_SECRET_SMTP_PASSWORD", "p@ss/w0rd")
    routes = load_routes(ROOT / "examples" / "notify.yaml")
    assert [t.scheme for t in routes.targets] == [
        "mailtos",
        "wechat",
        "wecombot",
        "dingtalk",
        "feishu",
        "wecombot",
        "json",
        "mailtos",
        "json",
    ]
    assert [t.rate_per_minute for t in routes.targets] == [0, 0, 20, 20, 100, 20, 0, 0, 0]
    names = " ".join(t.name for t in routes.targets)
    assert "p@ss" not in names and "p%40ss" not in names and "abc123" not in names
    # own tag, else the town's default, else `default`
    assert [t.scheme for t in routes.resolve(Recipient.parse("coordinator:guzhen"), "guzhen")] == [
        "wecombot"
    ]
    assert routes.resolve(Recipient.parse("enterprise:juhao"), "guzhen")[0].tags == frozenset(
        {"town:guzhen"}
    )
    assert routes.resolve(Recipient.parse("enterprise:ruiang"), "shaxi")[0].tags == frozenset(
        {"default"}
    )
    assert [t.scheme for t in routes.resolve(Recipient.parse("organiser"))] == ["mailtos", "wechat"]
    assert [t.scheme for t in routes.resolve(Recipient.parse("streamer:li-ming"), "guzhen")] == [
        "mailtos"
    ]


def test_config_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(NotifyConfigError) as err:
        load_routes(tmp_path / "nope.yaml")
    assert str(err.value) == (
        f"notification config {tmp_path / 'nope.yaml'} does not exist; fix CITYLIVE_NOTIFY_CONFIG "
        "or create the file (see docs/notifications.md)"
    )


def test_config_bad_url_is_refused_with_apprise_reason() -> None:
    with pytest.raises(NotifyConfigError) as err:
        load_routes_text("urls:\n  - wecombot://:\n      tag: default\n")
    assert str(err.value).startswith("notification config <config> has entries Apprise cannot use:")


def test_config_without_channels_is_refused() -> None:
    with pytest.raises(NotifyConfigError, match="defines no channels"):
        load_routes_text("version: 1\nurls: []\n")


def test_config_secret_resolver_absent_is_explained() -> None:
    with pytest.raises(NotifyConfigError) as err:
        load_routes_text("urls:\n  - dingtalk://{{ secret.shaxi-bot }}:\n      tag: default\n")
    assert str(err.value) == (
        "<config>, line 2: {{ secret.shaxi-bot }} needs a secret store; run under the Prefect "
        "flows, or use {{ env.NAME }} instead"
    )


def test_secret_filter_scrubs_apprise_debug_lines(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CITYLIVE_SECRET_T", "tok3nV4lue99")
    caplog.set_level(logging.DEBUG, logger="apprise")
    load_routes_text("urls:\n  - wecombot://{{ env.CITYLIVE_SECRET_T }}:\n      tag: default\n")
    logging.getLogger("apprise").debug("url https://x/send?key=tok3nV4lue99 done")
    assert "tok3nV4lue99" not in caplog.text
    assert "url https://x/send?key=*** done" in caplog.text


def test_render_english_assignment_for_a_coordinator() -> None:
    rows = [
        ["s-1", "2020-06-06", "19:00-21:00", "Main", 1, "Huayi", "Li Ming", "douyin", "confirmed"]
    ]
    body = render(
        "assignment",
        {
            "festival_name": "Small",
            "recipient_kind": "coordinator",
            "recipient_name": "Guzhen",
            "version": 1,
            "count": 1,
            "session_rows": rows,
            "portal_url": "http://portal",
            "deadline": "2020-06-01 18:00",
        },
        "en",
    )
    assert body.subject == "[Small] Your livestream sessions (1): please confirm"
    assert body.text.splitlines()[:3] == [
        "Hello Guzhen,",
        "",
        "Version 1 of the Small schedule is out. You have 1 session(s):",
    ]
    assert (
        "Please confirm or decline each session in the coordinator portal: http://portal"
        in body.text
    )
    assert "Deadline for confirmations: 2020-06-01 18:00." in body.text
    assert (
        "| s-1 | 2020-06-06 | 19:00-21:00 | Main | 1 | Huayi | Li Ming | douyin | confirmed |"
        in body.markdown
    )
    assert '<a href="http://portal">coordinator portal</a>' in body.html


def test_render_html_escapes_names() -> None:
    rows = [["s-1", "d", "t", "<b>venue</b>", 1, "A&B", "x", "y", "z"]]
    body = render(
        "reminder",
        {
            "festival_name": "<script>",
            "recipient_kind": "enterprise",
            "recipient_name": "A&B",
            "lead_minutes": 60,
            "start": "19:00",
            "count": 1,
            "session_rows": rows,
        },
        "zh-CN",
    )
    assert "<script>" not in body.html
    assert "A&amp;B，您好" in body.html and "&lt;b&gt;venue&lt;/b&gt;" in body.html
    assert body.subject == "【<script>】开播提醒：19:00 共 1 场"


def test_text_table_aligns_chinese_by_display_width() -> None:
    assert text_table(["会场", "n"], [["主会场", 1], ["ab", 22]]).splitlines() == [
        "会场    n",
        "------  --",
        "主会场  1",
        "ab      22",
    ]


def test_routing_tags_fold_like_festival_ids() -> None:
    from citylive.notify.recipients import Recipient

    routes = load_routes_text(
        "urls:\n"
        "  - json://127.0.0.1:9/a:\n      tag: coordinator:ｇｕｚｈｅｎ\n"
        "  - json://127.0.0.1:9/b:\n      tag: coordinator:guzhen2\n"
        "  - json://127.0.0.1:9/c:\n      tag: Town:ShaXi\n"
        "  - json://127.0.0.1:9/d:\n      tag: default\n"
    )
    named = {t.name.rsplit("/", 1)[-1]: t for t in routes.targets}
    for tag in ("coordinator:guzhen", "coordinator:GuZhen", "coordinator:gu\u200dzhen"):
        assert routes.resolve(Recipient.parse(tag)) == [named["a"]]
    assert routes.resolve(Recipient.parse("coordinator:guzhen2")) == [named["b"]]
    assert routes.resolve(Recipient.parse("coordinator:guzhen3")) == [named["d"]]
    assert routes.resolve(Recipient.coordinator("xiaolan"), town="SHAXI") == [named["c"]]
    assert routes.candidates(Recipient.parse("coordinator:GuZhen"), "Ｇuzhen") == [
        "coordinator:guzhen",
        "town:guzhen",
        "default",
    ]
