"""Message bodies: every value shows as its literal text (markdown escaped, text without
control characters, html escaped), templates from the installed package, labels from the
i18n catalogue; and recipients as typed tags."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from markdown_it import MarkdownIt

from citylive.errors import Invalid
from citylive.i18n import words
from citylive.notify.messages import md_escape, render
from citylive.notify.recipients import MessageEvent, Recipient, RecipientKind

# CommonMark with the GFM table and strikethrough: what chat clients that take markdown read.
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
EVIL_REASON = "**x** [link](http://evil.example) | a"
ROW = ["s-1", "2020-06-06", "19:00-21:00", "主会场", 1, "华艺灯饰", "李明", "douyin", "已确认"]
EVIL_NAME = "华艺|灯饰 **好**"
EVIL_ROW = [*ROW[:5], EVIL_NAME, *ROW[6:]]


def context(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "festival_id": "f",
        "festival_name": "小型直播节",
        "recipient": "coordinator:guzhen",
        "recipient_kind": "coordinator",
        "recipient_name": "古镇镇",
        "portal_url": "http://127.0.0.1:8000",
        "programme_url": "http://127.0.0.1:8000/programme/f",
        "reason_zh": "没有主播能在企业的平台上卖该行业的商品",
        "remedy_zh": "增加一位能卖该行业、在同一平台直播的主播",
        "remedy": "a streamer who sells 'lighting' on platform 'pdd'",
        "scarce": "streamers",
        "deadline": "2020-06-05 18:00",
        "version": 2,
        "count": 1,
        "session_rows": [ROW],
        "change_rows": [["调整", *ROW, "2020-06-06 19:00 主会场 #1 李明"]],
        "lead_minutes": 60,
        "start": "2020-06-06 19:00",
        "action": "decline",
        "outcome": "applied",
        "reason": "主播档期冲突",
        "actor": "古镇协调员",
        "at": "2020-06-04 10:00",
        "session_id": "s-1",
        "day": "2020-06-06",
        "town_rows": [["古镇镇", 1, 2, 0, 0]],
        "totals": [1, 2, 0, 0],
        "unplaced_rows": [["华艺灯饰", 1, "没有空闲直播间"]],
        "overdue": 1,
        "failed_count": 1,
        "undeliverable_count": 0,
        "failed_rows": [["enterprise:huayi", "assignment", "failed", "after 6 attempts: HTTP 500"]],
        "figure_rows": [["GMV（元）", "12345.60"]],
        "town_figure_rows": [["节中销售额（元）", "2345.00"]],
        "report_path": "/r/report.html",
        "report_link": "http://127.0.0.1:8000/reports/f/report.html",
    }
    base.update(kw)
    return base


def md_html(markdown: str) -> str:
    return MD.render(markdown)


def test_markdown_receipt_shows_a_decline_reason_as_its_literal_text() -> None:
    body = render(
        MessageEvent.receipt, context(reason=EVIL_REASON, session_rows=[EVIL_ROW]), "zh-CN"
    )
    assert "原因：\\*\\*x\\*\\* \\[link\\](http://evil.example) \\| a" in body.markdown
    html = md_html(body.markdown)
    assert f"\n原因：{EVIL_REASON}</p>" in html
    assert 'href="http://evil.example"' not in html
    # the only bold is the template's own (the action), none from the reason or the name
    assert html.count("<strong>") == 2 and "<strong>x</strong>" not in html
    assert "<strong>好</strong>" not in html


def test_markdown_table_cell_with_pipe_and_stars_stays_one_literal_cell() -> None:
    body = render(MessageEvent.assignment, context(session_rows=[EVIL_ROW]), "zh-CN")
    html = md_html(body.markdown)
    (row,) = [r for r in html.split("<tr>") if "s-1" in r]
    cells = [unescape(c.split("</td>")[0]) for c in row.split("<td>")[1:]]
    assert cells == [str(c) for c in EVIL_ROW]


def test_markdown_name_at_line_start_makes_no_heading_list_or_code() -> None:
    for name, tag in (
        ("# 假标题", "<h1>"),
        ("- 假列表", "<li>"),
        ("1. 假编号", "<ol>"),
        ("    代码", "<code>"),
    ):
        body = render(MessageEvent.assignment, context(festival_name=name), "zh-CN")
        html = md_html(body.markdown)
        assert tag not in html, name
        assert f"<p>{name.strip()} 第 2 版排期已发布" in html


def test_markdown_links_are_the_templates_only() -> None:
    body = render(MessageEvent.change, context(recipient_name="[点此](http://evil.example)"), "en")
    html = md_html(body.markdown)
    assert html.count("<a href=") == 1
    assert '<a href="http://127.0.0.1:8000">portal</a>' in html
    assert "<strong>[点此](http://evil.example)</strong>" in html


def test_markdown_link_target_cannot_be_closed_early() -> None:
    body = render(
        MessageEvent.assignment,
        context(portal_url="http://p.example/a) [x](http://evil.example"),
        "en",
    )
    html = md_html(body.markdown)
    assert 'href="http://evil.example"' not in html
    assert html.count("<a href=") == 1
    assert '<a href="http://p.example/a%29%20%5Bx%5D%28http://evil.example">' in html


def test_text_bodies_carry_no_markup_of_their_own() -> None:
    for locale in ("zh-CN", "en"):
        for event in MessageEvent:
            text = render(event, context(), locale).text
            for mark in ("**", "](", "<", ">", "`", "|---", "\\"):
                assert mark not in text, (locale, event, mark)


def test_text_values_lose_control_and_direction_characters() -> None:
    reason = "档期冲突\n\n【官方通知】请转账\u202e"
    body = render(MessageEvent.receipt, context(reason=reason), "zh-CN")
    (line,) = [ln for ln in body.text.splitlines() if ln.startswith("原因：")]
    assert line == "原因：档期冲突 【官方通知】请转账"
    assert "\u202e" not in body.text + body.markdown + body.html + body.subject


def test_html_stays_escaped() -> None:
    body = render(
        MessageEvent.receipt,
        context(reason='<a href="http://evil.example">x</a> & y', session_rows=[EVIL_ROW]),
        "en",
    )
    assert (
        "<p>Reason: &lt;a href=&#34;http://evil.example&#34;&gt;x&lt;/a&gt; &amp; y</p>"
        in body.html
    )
    assert "<td>华艺|灯饰 **好**</td>" in body.html


def test_md_escape_keeps_ordinary_text_readable() -> None:
    assert md_escape("small-2020-s00001") == "small-2020-s00001"
    assert md_escape("2020-06-06 19:00") == "2020-06-06 19:00"
    assert md_escape("A_B & C") == "A\\_B & C"
    assert md_escape("&amp; &#35;") == "\\&amp; &\\#35;"
    assert md_escape("-5") == "-5" and md_escape("12345.60") == "12345.60"
    assert md_escape("- x") == "\\- x" and md_escape("+ x") == "\\+ x"
    assert md_escape("1. x") == "1\\. x" and md_escape("2)") == "2\\)"
    assert md_escape("---") == "\\---" and md_escape("==") == "\\=="


def test_labels_and_headers_come_from_the_i18n_catalogue() -> None:
    body = render(MessageEvent.change, context(), "en")
    assert " | ".join(words("en", "change_headers")) in body.markdown
    assert words("en", "change_headers") == ["Change", *words("en", "session_headers"), "Was"]
    assert words("zh-CN", "change_headers")[0] == "变更"


def test_receipt_of_silence_at_the_deadline() -> None:
    body = render(
        MessageEvent.receipt,
        context(action="expire", actor="system", reason="no answer by the confirmation deadline"),
        "zh-CN",
    )
    assert body.subject == "【小型直播节】回执：场次 s-1 已逾期处理"
    assert "system 于 2020-06-04 10:00 逾期未确认场次 s-1。" in body.text


def test_recipient_tags_round_trip() -> None:
    for tag in ("organiser", "coordinator:guzhen", "enterprise:huayi", "streamer:li-ming"):
        assert Recipient.parse(tag).tag == tag
    assert Recipient.parse("coordinator:guzhen") == Recipient.coordinator("guzhen")
    assert Recipient.parse("organiser").kind is RecipientKind.organiser
    assert str(Recipient.streamer("li-ming")) == "streamer:li-ming"


@pytest.mark.parametrize(
    "tag", ["", "boss", "town:guzhen", "coordinator", "coordinator:", "organiser:x"]
)
def test_recipient_bad_tag_is_refused_with_the_forms(tag: str) -> None:
    with pytest.raises(Invalid) as err:
        Recipient.parse(tag)
    assert "organiser" in str(err.value)
