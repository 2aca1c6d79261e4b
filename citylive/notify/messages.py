"""Message bodies from the Jinja2 templates in `citylive.templates/messages/<locale>/<event>.j2`.

Each template holds four blocks: `subject`, `text` (plain), `markdown` and `html`; the
dispatcher picks the body the channel takes.  zh-CN is the default locale, `en` the other;
the status and change labels and the table headers come from `citylive.i18n`.

Every value put into a body is made safe for that body, so a decline reason or a name shows
as the literal text it is, never as formatting, a link or a table cell of its own:
- all bodies: control and direction-changing characters become spaces (no fake lines, no
  reversed text);
- text (what chat bots post as it is): vendor mention syntax is neutralised (Feishu
  `<at user_id="all">`, `<@id>` and `<!here>` forms, `@所有人` / `@all`: the `<` and `@`
  become their full-width forms, so the words show and nobody is called), and links are
  defanged (`https://evil.example` -> `hxxps://evil[.]example`, `www.a.cn` -> `www[.]a[.]cn`), so a
  decline reason cannot put a live link in a group chat; the festival's own links (the
  portal, the report) are the only live ones (`Link`);
- markdown: the characters that start markup are backslash-escaped (`md_escape`), and link
  targets are URL-quoted (`md_url`);
- html: autoescaped.
Each body is rendered by its own Jinja environment whose `finalize` applies its rule to
every `{{ value }}`; the table helpers treat their cells the same way and return text that
is already formatted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from markupsafe import Markup

from citylive.i18n import LOCALES, normal_locale, words
from citylive.notify.recipients import MessageEvent

__all__ = [
    "LOCALES",
    "Rendered",
    "html_table",
    "md_escape",
    "md_table",
    "normal_locale",
    "plain",
    "render",
    "text_safe",
    "text_table",
]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    markdown: str
    html: str


class Formatted(str):
    """Text already written for its body (a table, a quoted URL): put in as it is."""


class Link(str):
    """A link CityLive itself gives (the portal, the report): left live in text bodies."""


# The context values that are CityLive's own links.
OWN_LINKS = ("portal_url", "programme_url", "report_link")


# C0 and C1 controls, zero-width and bidirectional formatting characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+")
# What starts markup anywhere in a line (CommonMark and the GFM table and strikethrough).
_MD_ANYWHERE = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~#"})
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What starts a block only at the beginning of a line: a list item (`- `, `+ `, `1. `), a
# rule or a heading underline (`---`, `===`); a value is escaped there and nowhere else, so
# `12345.60` or `-5` stay as they are.
_MD_LEADING_MARK = re.compile(r"^(?:[-+](?=\s|$)|(?=[-=]+$))")
_MD_LEADING_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def plain(value: Any) -> str:
    """One line of literal text: control and direction characters become a space."""
    s = str(value)
    # Most values are printable as they are; the check runs at C speed (a message has many).
    return (s if s.isprintable() else _UNSAFE.sub(" ", s)).strip()


# `<at user_id="all">` (Feishu), `<@userid>` (WeCom markdown, Slack), `<!here>` (Slack).
_MENTION_TAG = re.compile(r"<(?=\s*/?\s*(?:at\b|@|!))", re.IGNORECASE)
# `@所有人` / `@all` (DingTalk, WeCom), and the other words for everyone.
_MENTION_ALL = re.compile(
    r"@(?=\s*(?:所有人|全体成员|全体|all\b|everyone\b|here\b|channel\b))", re.IGNORECASE
)
_URL = re.compile(r"\b(?:(h)(?:tt|xx)p(s?)|(ftp)|file)://([^\s/?#]*)", re.IGNORECASE)
_WWW = re.compile(r"\bwww\.[^\s/?#]+", re.IGNORECASE)


def _defang(m: re.Match[str]) -> str:
    scheme = f"hxxp{m.group(2)}" if m.group(1) else ("fxp" if m.group(3) else "fxle")
    return f"{scheme}://{m.group(4).replace('.', '[.]')}"


def text_safe(value: Any) -> str:
    """`value` for a plain-text body: one line (`plain`), no vendor mention, no live link."""
    s = plain(value)
    if "<" in s:
        s = _MENTION_TAG.sub("\uff1c", s)
    if "@" in s:
        s = _MENTION_ALL.sub("\uff20", s)
    if ":" in s:
        s = _URL.sub(_defang, s)
    if "." in s:
        s = _WWW.sub(lambda m: m.group(0).replace(".", "[.]"), s)
    return s


def md_escape(value: Any) -> str:
    """`value` as markdown that renders as exactly its text (on one line)."""
    s = plain(value).translate(_MD_ANYWHERE)
    if "&" in s:
        s = _MD_ENTITY.sub(r"\\&", s)
    first = s[:1]
    if first in ("-", "+", "="):
        s = _MD_LEADING_MARK.sub(r"\\\g<0>", s)
    elif first.isdigit() and ("." in s or ")" in s):
        s = _MD_LEADING_NUMBER.sub(r"\1\\\2", s)
    return s


def md_url(value: Any) -> Formatted:
    """A link target that cannot close the link early or start another one."""
    return Formatted(quote(plain(value), safe=":/?#&=%~+,;@!$'*-._"))


@lru_cache(maxsize=65536)
def _width(s: str) -> int:
    # Chinese characters take two columns in a terminal or a monospaced chat window.
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def text_table(headers: list[Any], rows: list[list[Any]]) -> Formatted:
    cells = [[text_safe(c) for c in headers]] + [[text_safe(c) for c in r] for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip()

    return Formatted(
        "\n".join([line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])
    )


def md_table(headers: list[Any], rows: list[list[Any]]) -> Formatted:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return Formatted("\n".join(out))


def html_table(headers: list[Any], rows: list[list[Any]]) -> Markup:
    head = "".join(f"<th>{escape(plain(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(plain(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return Markup(
        '<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class _PackageLoader(BaseLoader):
    """Templates from the installed package (`citylive.templates`), wherever it lives."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, Any]:
        root = resources.files("citylive.templates") / "messages"
        node = root
        for part in template.split("/"):
            if part in ("", ".", ".."):
                raise TemplateNotFound(template)
            node = node / part
        if not node.is_file():
            raise TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), None, lambda: True


def _text_value(value: Any) -> Any:
    if isinstance(value, Formatted):
        return value
    return plain(value) if isinstance(value, Link) else text_safe(value)


def _markdown_value(value: Any) -> Any:
    return value if isinstance(value, Formatted) else md_escape(value)


def _html_value(value: Any) -> Any:
    # Markup (a table) passes; anything else is cleaned here and escaped by autoescape.
    return value if isinstance(value, Markup) else plain(value)


_FINALIZE = {"text": _text_value, "markdown": _markdown_value, "html": _html_value}


@lru_cache(maxsize=len(_FINALIZE))
def environment(body: str) -> Environment:
    """The environment that renders one kind of body (`text`, `markdown` or `html`)."""
    env = Environment(
        loader=_PackageLoader(),
        autoescape=body == "html",
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_FINALIZE[body],
    )
    env.globals.update(text_table=text_table, md_table=md_table, html_table=html_table)
    env.filters["md_url"] = md_url
    return env


@lru_cache(maxsize=2 * len(LOCALES))
def _labels(locale: str, districts: bool = False) -> dict[str, Any]:
    """The locale's labels; with `districts`, the session tables' headers name the district
    (the column Directory.session_row adds before the venue)."""
    session_headers = list(words(locale, "session_headers"))
    change_headers = list(words(locale, "change_headers"))
    if districts:
        word = words(locale, "web")["district"]
        session_headers.insert(3, word)
        change_headers.insert(4, word)
    return {
        "status_label": words(locale, "status"),
        "change_label": words(locale, "change"),
        "session_headers": session_headers,
        "change_headers": change_headers,
    }


def render(event: MessageEvent, context: dict[str, Any], locale: str | None = "zh-CN") -> Rendered:
    """Render the four bodies of `event` for `context` in `locale` (zh-CN unless `en`)."""
    event = MessageEvent(event)
    loc = normal_locale(locale)
    name = f"{loc}/{event.value}.j2"
    ctx = {**_labels(loc, bool(context.get("districts"))), **context}
    for key in OWN_LINKS:
        if isinstance(ctx.get(key), str):
            ctx[key] = Link(ctx[key])

    def block(body: str, block_name: str) -> str:
        template = environment(body).get_template(name)
        return "".join(template.blocks[block_name](template.new_context(ctx))).strip()

    return Rendered(
        subject=" ".join(block("text", "subject").split()),
        text=block("text", "text") + "\n",
        markdown=block("markdown", "markdown") + "\n",
        html=block("html", "html") + "\n",
    )


def compile_templates() -> int:
    """Compile every message template for every body and locale now (a server does this as it
    starts, so its first decisions do not pay for it); returns how many."""
    n = 0
    for body in _FINALIZE:
        for locale in LOCALES:
            for event in MessageEvent:
                environment(body).get_template(f"{locale}/{event.value}.j2")
                n += 1
    return n
