"""Routing: which channel(s) a recipient's messages go to, from an Apprise YAML config.

The config is Apprise's own YAML format.  Tags name recipients:
`organiser`, `coordinator:<town>`, `enterprise:<id>`, `streamer:<id>`; a channel tagged
`town:<town>` is the default for everyone of that town without a channel of their own, and
one tagged `default` catches everyone else.  Secrets never sit in the file: write
`{{ env.NAME }}` (or `{{ env.NAME | quote }}` to URL-quote it) and the value is read from the
environment when the config is loaded; `{{ secret.NAME }}` asks a registered resolver (the
Prefect flows register one that reads Secret blocks).  The database stores only a channel's
secret-free name; every value read this way is scrubbed from log lines and stored errors.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from apprise import Apprise, AppriseAsset, AppriseConfig

from citylive.config import get_settings
from citylive.errors import Invalid
from citylive.folding import fold
from citylive.notify import vendors
from citylive.notify.recipients import Recipient, RecipientKind
from citylive.notify.settings import NotifySettings, get_notify_settings

log = logging.getLogger("citylive.notify")

PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<kind>env|secret)\.(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\|\s*(?P<filter>quote)\s*)?\}\}"
)
REDACTED = "***"

# name -> value; a flow registers `secret` resolvers (e.g. Prefect Secret blocks) here.
SECRET_RESOLVERS: dict[str, Callable[[str], str]] = {}


class NotifyConfigError(Invalid):
    """The notification config cannot be used; the message names the place and the fix."""


class _Secrets:
    """Every secret value read for a config, to scrub from logs and stored errors."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) < 4:  # too short to scrub without mangling ordinary words
            return
        with self._lock:
            self._values |= {value, quote(value, safe=""), quote(value)}

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text


SECRETS = _Secrets()


class SecretFilter(logging.Filter):
    """Scrubs known secret values from a record before any handler (or Apprise's own result
    capture) sees it; Apprise logs raw config text and vendor URLs at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is passed on untouched
            return True
        clean = SECRETS.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_filter = SecretFilter()


def install_log_filter() -> None:
    for name in ("apprise", "citylive"):
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


def substitute(text: str, source: str) -> str:
    """Replace `{{ env.NAME }}` / `{{ secret.NAME }}` placeholders, remembering the values."""
    errors: list[str] = []
    line = 0

    def one(match: re.Match[str]) -> str:
        kind, name = match["kind"], match["name"]
        value: str | None
        if kind == "env":
            value = os.environ.get(name)
            if value is None:
                errors.append(
                    f"{source}, line {line}: environment variable {name} is not set; "
                    f"export it before running (the value is never written anywhere)"
                )
                return ""
        else:
            resolver = SECRET_RESOLVERS.get("secret")
            if resolver is None:
                errors.append(
                    f"{source}, line {line}: {{{{ secret.{name} }}}} needs a secret store; "
                    "run under the Prefect flows, or use {{ env.NAME }} instead"
                )
                return ""
            try:
                value = resolver(name)
            except Exception as exc:  # noqa: BLE001 - reported with the place
                errors.append(
                    f"{source}, line {line}: secret {name!r} could not be read ({exc.__class__.__name__})"
                )
                return ""
        SECRETS.add(value)
        return quote(value, safe="") if match["filter"] == "quote" else value

    out = []
    for line, text_line in enumerate(text.splitlines(keepends=True), 1):  # noqa: B007 - read by one()
        # Comment lines are left alone: they may show the placeholder syntax itself.
        is_comment = text_line.lstrip().startswith("#")
        out.append(text_line if is_comment else PLACEHOLDER.sub(one, text_line))
    result = "".join(out)
    if errors:
        raise NotifyConfigError("\n".join(errors))
    return result


@dataclass(eq=False)
class Target:
    """One configured channel.  `url` holds secrets and stays in memory only."""

    name: str
    scheme: str
    tags: frozenset[str]
    rate_per_minute: float
    url: str = field(repr=False)
    settings: NotifySettings = field(repr=False)

    def make_apprise(self) -> Apprise:
        """A fresh Apprise object holding this channel alone (one per worker thread)."""
        asset = AppriseAsset(app_id="CityLive", app_desc="CityLive", async_mode=False)
        ap = Apprise(asset=asset)
        plugin = Apprise.instantiate(self.url, asset=asset, suppress_exceptions=False)
        if plugin is None:
            raise NotifyConfigError(f"channel {self.name} could not be built")
        # The dispatcher paces vendors itself (Target.rate_per_minute, shared by all threads);
        # Apprise's per-object throttle (5.5 s for most plugins) would serialise every send.
        plugin.request_rate_per_sec = 0
        plugin.socket_read_timeout = self.settings.request_timeout
        ap.add(plugin)
        return ap


@dataclass
class Routes:
    source: str
    targets: list[Target]
    by_tag: dict[str, list[Target]]
    by_name: dict[str, Target]

    def candidates(self, recipient: Recipient, town: str | None) -> list[str]:
        """The tags tried, in order: the recipient's own, its town's default, `default`.
        Tags compare folded (citylive.folding: case, width, invisible characters), as ids do
        in a festival file, which refuses two ids that fold alike: one town, one key."""
        tags = [fold(recipient.tag)]
        if town and recipient.kind != RecipientKind.organiser:
            tags.append(fold(f"town:{town}"))
        tags.append("default")
        return tags

    def resolve(self, recipient: Recipient, town: str | None = None) -> list[Target]:
        """The channels for a recipient: its own tag, else its town's default, else `default`."""
        for tag in self.candidates(recipient, town):
            found = self.by_tag.get(tag)
            if found:
                return found
        return []

    @staticmethod
    def redact(text: str) -> str:
        return SECRETS.redact(text)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(SECRETS.redact(record.getMessage()))


def load_routes(path: str | Path, settings: NotifySettings | None = None) -> Routes:
    """Read and check an Apprise YAML config; every problem raises NotifyConfigError."""
    settings = settings or get_notify_settings()
    vendors.register()
    install_log_filter()
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotifyConfigError(
            f"notification config {source} does not exist; fix CITYLIVE_NOTIFY_CONFIG or "
            "create the file (see docs/notifications.md)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotifyConfigError(f"notification config {source} cannot be read: {exc}") from None
    text = substitute(raw, source)
    return _build(text, source, settings)


def load_routes_text(
    text: str, source: str = "<config>", settings: NotifySettings | None = None
) -> Routes:
    settings = settings or get_notify_settings()
    vendors.register()
    install_log_filter()
    return _build(substitute(text, source), source, settings)


def _build(text: str, source: str, settings: NotifySettings) -> Routes:
    collect = _Collect()
    apprise_log = logging.getLogger("apprise")
    apprise_log.addHandler(collect)
    try:
        cfg = AppriseConfig()
        if not cfg.add_config(text, format="yaml"):
            raise NotifyConfigError(f"notification config {source}: not Apprise YAML")
        services = list(cfg.services())
    finally:
        apprise_log.removeHandler(collect)
    problems = [m for m in collect.messages if "YAML" in m or "Invalid" in m or "not" in m]
    if problems:
        raise NotifyConfigError(
            f"notification config {source} has entries Apprise cannot use:\n  "
            + "\n  ".join(problems)
            + "\nFix those URLs (see docs/notifications.md for each channel's form)."
        )
    if not services:
        raise NotifyConfigError(f"notification config {source} defines no channels under `urls:`")
    targets: list[Target] = []
    by_tag: dict[str, list[Target]] = {}
    by_name: dict[str, Target] = {}
    for service in services:
        full_url = service.url(privacy=False)
        scheme = full_url.split("://", 1)[0].lower()
        tags = frozenset(fold(str(t)) for t in service.tags)
        base = SECRETS.redact(service.url(privacy=True).split("?", 1)[0])
        name = base
        n = 1
        while name in by_name:
            n += 1
            name = f"{base}#{n}"
        target = Target(
            name=name[:255],
            scheme=scheme,
            tags=tags,
            rate_per_minute=settings.rate_per_minute(scheme),
            url=full_url,
            settings=settings,
        )
        targets.append(target)
        by_name[target.name] = target
        for tag in tags:
            by_tag.setdefault(tag, []).append(target)
    return Routes(source=source, targets=targets, by_tag=by_tag, by_name=by_name)


def routes_from_settings() -> Routes | None:
    """The configured routes, or None when CITYLIVE_NOTIFY_CONFIG is not set."""
    path = get_settings().notify_config
    if path is None or str(path) == "":
        return None
    return load_routes(path)


__all__ = [
    "NotifyConfigError",
    "Routes",
    "SECRET_RESOLVERS",
    "Target",
    "load_routes",
    "load_routes_text",
    "routes_from_settings",
]
