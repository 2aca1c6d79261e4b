"""What every request goes through before any route: a body size limit enforced before the
body is read, and the security headers every response carries."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citylive.config import get_settings

# Pages may not be framed (clickjacking), load nothing from elsewhere, and send no referrer
# to other sites (a portal URL in their logs would tell them who coordinates what).  Same-
# origin referrers stay: under `no-referrer` browsers send `Origin: null` on form posts,
# which the portal's same-origin check must refuse.
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]
# The interactive API docs load their script and styles from a CDN; they get a looser policy.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    b"https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)

# The live board refreshes itself: its own script (no inline code) may fetch its own body.
LIVE_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    b"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class _BodyTooLarge(Exception):
    pass


class LimitsAndHeaders:
    """A pure ASGI middleware: refuses a body over `max_request_bytes` with 413, before any
    of it is read when Content-Length says so, or as soon as a streamed body passes the
    limit; adds the security headers to every response."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes or get_settings().max_request_bytes
        docs = scope.get("path", "") in ("/docs", "/docs/oauth2-redirect")
        board = scope.get("path", "").startswith("/live/")
        started = False
        over = False  # the body passed the limit: whatever the app answers, the client gets 413

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if over:
                return
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in SECURITY_HEADERS}
                ]
                for name, value in SECURITY_HEADERS:
                    if docs and name == b"content-security-policy":
                        value = DOCS_CSP
                    elif board and name == b"content-security-policy":
                        value = LIVE_CSP
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send_with_headers, limit)
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not started:
                    over = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _BodyTooLarge:
            pass
        if over:
            over = False
            await _too_large(send_with_headers, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "message": f"the request body is larger than {limit:,} bytes; send less "
            "(large sales exports: `citylive sales ingest` or the inbox folder)",
            "field": "body",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def content_disposition(kind: str, filename: str) -> str:
    """`attachment` or `inline` with a file name as RFC 6266 and RFC 5987 say: an ASCII
    fallback with anything unsafe replaced, and the UTF-8 name percent-encoded."""
    name = _CONTROL.sub("", filename)[:150] or "download"
    fallback = _UNSAFE_NAME.sub("_", name).strip("._") or "download"
    if "." in name and "." not in fallback[-6:]:
        fallback += "." + name.rsplit(".", 1)[-1].encode("ascii", "ignore").decode()
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
