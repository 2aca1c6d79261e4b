"""Local message sinks for the demo: an SMTP server and a webhook receiver on loopback.

Nothing leaves the machine: the generated Apprise config sends the organiser's mail to the
SMTP server and everyone else's messages to the webhook, and both keep what they receive.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    channel: str  # "mail" or "webhook"
    title: str
    to: str


@dataclass
class Sinks:
    smtp_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._smtp: Any = None
        self._http: ThreadingHTTPServer | None = None

    def _keep(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def start(self) -> Sinks:
        from aiosmtpd.controller import Controller

        sinks = self

        class MailHandler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
                from email import message_from_bytes, policy

                message = message_from_bytes(envelope.content, policy=policy.default)
                sinks._keep(
                    Received("mail", str(message["Subject"] or ""), ",".join(envelope.rcpt_tos))
                )
                return "250 Message accepted for delivery"

        class WebhookHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # the demo prints its own account
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    title = str(json.loads(body.decode("utf-8")).get("title", ""))
                except (ValueError, AttributeError):
                    title = ""
                sinks._keep(Received("webhook", title, self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._smtp = Controller(MailHandler(), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.http_port), WebhookHandler)
        self._http.daemon_threads = True
        threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None

    def apprise_config(self) -> str:
        """Apprise YAML: the organiser by mail, everyone else (tag `default`) by webhook."""
        return (
            "# Written by `citylive demo`: loopback sinks only.\n"
            "urls:\n"
            f'  - "mailto://127.0.0.1:{self.smtp_port}?from=citylive@localhost'
            '&to=organiser@localhost&mode=insecure":\n'
            "      - tag: organiser\n"
            f'  - "json://127.0.0.1:{self.http_port}/messages":\n'
            "      - tag: default\n"
        )

    def write_config(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.apprise_config(), encoding="utf-8")
        return path

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(r.channel for r in self.received)
