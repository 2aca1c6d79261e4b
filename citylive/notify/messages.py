"""Message bodies from Jinja2 templates in templates/messages/<locale>/<event>.j2.

Each template holds four blocks: `subject`, `text` (plain), `markdown` and `html`; the
dispatcher picks the body the channel takes.  zh-CN is the default locale, `en` the other.
Tables (a coordinator's 40 sessions in one message) are drawn by the helpers below so every
template lays them out alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Path(str(resources.files("citylive.templates") / "messages"))
LOCALES = ("zh-CN", "en")
EVENTS = ("assignment", "change", "reminder", "receipt", "digest", "summary")

STATUS_LABELS = {
    "zh-CN": {
        "proposed": "待确认",
        "confirmed": "已确认",
        "declined": "已拒绝",
        "cancelled": "已取消",
    },
    "en": {
        "proposed": "awaiting confirmation",
        "confirmed": "confirmed",
        "declined": "declined",
        "cancelled": "cancelled",
    },
}
CHANGE_LABELS = {
    "zh-CN": {"new": "新增", "moved": "调整", "cancelled": "取消"},
    "en": {"new": "new", "moved": "moved", "cancelled": "cancelled"},
}
SESSION_HEADERS = {
    "zh-CN": ["场次", "日期", "时段", "会场", "直播间", "企业", "主播", "平台", "状态"],
    "en": [
        "Session",
        "Date",
        "Time",
        "Venue",
        "Studio",
        "Enterprise",
        "Streamer",
        "Platform",
        "Status",
    ],
}
CHANGE_HEADERS = {
    "zh-CN": ["变更", *SESSION_HEADERS["zh-CN"], "原安排"],
    "en": ["Change", *SESSION_HEADERS["en"], "Was"],
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    markdown: str
    html: str


@lru_cache(maxsize=65536)
def _width(s: str) -> int:
    # Chinese characters take two columns in a terminal or a monospaced chat window.
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def text_table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip()

    return "\n".join(
        [line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]]
    )


def md_table(headers: list[str], rows: list[list[Any]]) -> str:
    def cell(c: Any) -> str:
        return str(c).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def html_table(headers: list[str], rows: list[list[Any]]) -> Markup:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return Markup(
        '<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False,  # the html block turns escaping on for itself
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.update(text_table=text_table, md_table=md_table, html_table=html_table)
    return env


def normal_locale(locale: str | None) -> str:
    if not locale:
        return "zh-CN"
    low = locale.replace("_", "-").lower()
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("en"):
        return "en"
    return "zh-CN"


def render(event: str, context: dict[str, Any], locale: str | None = "zh-CN") -> Rendered:
    """Render the four bodies of `event` for `context` in `locale` (zh-CN unless `en`)."""
    if event not in EVENTS:
        raise ValueError(f"unknown message event {event!r}; one of {', '.join(EVENTS)}")
    loc = normal_locale(locale)
    template = environment().get_template(f"{loc}/{event}.j2")
    ctx = dict(context)
    ctx.setdefault("status_label", STATUS_LABELS[loc])
    ctx.setdefault("change_label", CHANGE_LABELS[loc])
    ctx.setdefault("session_headers", SESSION_HEADERS[loc])
    ctx.setdefault("change_headers", CHANGE_HEADERS[loc])

    def block(name: str) -> str:
        return "".join(template.blocks[name](template.new_context(ctx))).strip()

    return Rendered(
        subject=" ".join(block("subject").split()),
        text=block("text") + "\n",
        markdown=block("markdown") + "\n",
        html=block("html") + "\n",
    )
