"""Sending one claimed row to its channel through Apprise, paced to the vendor's rate.

Sending is at-least-once by nature (a worker killed between the receiver's answer and the
row's update cannot know), so every send carries the row's idempotency key (the
`X-Idempotency-Key` header on webhooks and mail).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

from apprise import Apprise, AppriseAttachment
from apprise.common import NotifyFormat
from apprise.result import AppriseResultStatus

import models
from citylive.notify.claims import Outcome
from citylive.notify.messages import md_escape
from citylive.notify.routing import Routes, Target
from models._types import utcnow


class Pacer:
    """Spaces sends to one channel at the vendor's allowed rate, shared by all threads."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, target: Target) -> float:
        """The monotonic time this send may start."""
        if target.rate_per_minute <= 0:
            return time.monotonic()
        interval = 60.0 / target.rate_per_minute
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(target.name, now))
            self._next[target.name] = slot + interval
            return slot

    def unreserve(self, target: Target) -> None:
        if target.rate_per_minute <= 0:
            return
        with self._lock:
            self._next[target.name] -= 60.0 / target.rate_per_minute


class Channels:
    """Apprise objects kept alive for the whole run: one per channel per worker thread (a
    plugin's headers are set per send, so threads must not share one)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, target: Target) -> Apprise:
        cache: dict[str, Apprise] | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        ap = cache.get(target.name)
        if ap is None:
            ap = cache[target.name] = target.make_apprise()
        return ap


def body_for(plugin: Any, row: models.Notification) -> tuple[str, NotifyFormat]:
    """The body the channel takes: HTML, markdown, or plain text."""
    fmt = plugin.resolve_format(None)
    if fmt == NotifyFormat.HTML:
        return row.body_html or row.body_text, NotifyFormat.HTML
    if fmt == NotifyFormat.MARKDOWN:
        return row.body_markdown or row.body_text, NotifyFormat.MARKDOWN
    return row.body_text, NotifyFormat.TEXT


def title_for(plugin: Any, subject: str, fmt: NotifyFormat) -> str:
    """The subject as the channel will show it.  A channel without a title of its own gets
    it merged into the body by Apprise as it stands (a markdown heading, an HTML tag), so
    there the subject is escaped for that body like any other value."""
    if getattr(plugin, "title_maxlen", 1) > 0:
        return subject
    if fmt == NotifyFormat.MARKDOWN:
        return md_escape(subject)
    if fmt == NotifyFormat.HTML:
        return escape(subject)
    return subject


def send(
    channels: Channels,
    routes: Routes,
    row: models.Notification,
    target: Target,
    start_at: float,
    lease_margin: timedelta,
) -> Outcome:
    """Wait for the row's paced start, send it, and say how it went (never raises)."""
    assert row.id is not None
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    if row.claimed_until is not None and utcnow() + lease_margin >= row.claimed_until:
        # Too little of the lease is left to finish a send: another dispatcher may take the
        # row once it runs out, so hand it back untried rather than risk sending it twice.
        return Outcome(row.id, False, "lease ran out before sending", deferred_until=utcnow())
    try:
        ap = channels.get(target)
        plugin = ap[0]
        headers = getattr(plugin, "headers", None)
        if isinstance(headers, dict):
            # The receiver can drop a repeat: a send that timed out may have arrived.
            headers["X-Idempotency-Key"] = row.key
        body, fmt = body_for(plugin, row)
        files = [p for p in (row.attachments or []) if Path(p).is_file()]
        attach = (
            AppriseAttachment(list[Any](files))
            if files and getattr(plugin, "attachment_support", False)
            else None
        )
        result = ap.notify(
            body=body, title=title_for(plugin, row.subject, fmt), body_format=fmt, attach=attach
        )
    except Exception as exc:  # noqa: BLE001 - one row's failure must not stop the batch
        return Outcome(row.id, False, routes.redact(f"{exc.__class__.__name__}: {exc}")[:500])
    if result.status == AppriseResultStatus.SUCCESS:
        return Outcome(row.id, True)
    return Outcome(row.id, False, routes.redact(_reason(result, plugin))[:500])


def _reason(result: Any, plugin: Any) -> str:
    if result.status == AppriseResultStatus.TIMEOUT:
        return "timed out (it may have arrived; the receiver has the idempotency key)"
    own = getattr(plugin, "last_error", None)
    if own:
        return str(own)
    messages = []
    for service in result:
        for entry in service.logs():
            if entry.level in ("WARNING", "ERROR", "CRITICAL"):
                messages.append(entry.message)
    if messages:
        return "; ".join(dict.fromkeys(messages))
    return f"channel reported {result.status.name}"
