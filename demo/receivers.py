"""Real receivers on loopback: what messages reach in the demo, the tests and the benchmark.

`Receiver` is a threading HTTP server: a generic webhook (json://) or a stand-in for the
DingTalk / WeCom bot APIs (answers 200 with a JSON errcode).  It can fail a share of requests
(HTTP 500, seeded), and a receiver can start late ("down for a while": connection refused).
Every accepted request is recorded; a repeat of an idempotency key already accepted is
answered 200 but counted as a duplicate, as a well-behaved receiver would.  `GET /stats`
answers its counts as JSON, for a receiver running in another process (the benchmark's).

`Mailbox` is an SMTP server (aiosmtpd) that keeps every message.  `Sinks` is the pair the demo
routes messages to: the organiser's mail to the mailbox, everyone else's to a webhook; nothing
leaves the machine.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Receiver:
    fail_rate: float = 0.0
    seed: int = 7
    errcode: int = 0  # non-zero: answer like a vendor refusing the message
    errmsg: str = "ok"
    delay: float = 0.0  # seconds before answering each request
    port: int = field(default_factory=free_port)
    accepted: list[Request] = field(default_factory=list)
    refused: int = 0
    failed: int = 0
    keys: Counter[str] = field(default_factory=Counter)  # accepted sends per idempotency key
    duplicates: int = 0
    times: list[float] = field(default_factory=list)  # monotonic arrival of each request

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, int]:
        """Accepted sends, distinct idempotency keys among them, repeats, injected failures
        and vendor-style refusals."""
        with self._lock:
            return {
                "accepted": len(self.accepted),
                "unique": len(self.keys),
                "repeats": self.duplicates,
                "failed": self.failed,
                "refused": self.refused,
            }

    def start(self, delay: float = 0.0) -> Receiver:
        """Start serving; with `delay`, the port refuses connections until then."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer and no Nagle delay: keep-alive clients would otherwise wait
            # for the 40 ms delayed ACK between the header and body writes.
            disable_nagle_algorithm = True
            wbufsize = 65536

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if urlsplit(self.path).path == "/stats":
                    self._reply(200, receiver.stats())
                else:
                    self._reply(404, {"error": "only GET /stats"})

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                req = Request(
                    parts.path, parse_qs(parts.query), {k: v for k, v in self.headers.items()}, body
                )
                self._reply(*receiver._answer(req))

        class Server(ThreadingHTTPServer):
            # A dispatcher opens many connections at once; the default backlog of 5 drops
            # SYNs, and each dropped one costs a second before the client tries again.
            request_queue_size = 1024
            daemon_threads = True

        def serve() -> None:
            if delay:
                time.sleep(delay)
            server = Server(("127.0.0.1", self.port), Handler)
            self._server = server
            server.serve_forever(poll_interval=0.05)

        threading.Thread(target=serve, daemon=True).start()
        if not delay:
            deadline = time.monotonic() + 5
            while self._server is None and time.monotonic() < deadline:
                time.sleep(0.01)
        return self

    def _answer(self, req: Request) -> tuple[int, dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.times.append(time.monotonic())
            if self.fail_rate and self._random.random() < self.fail_rate:
                self.failed += 1
                return 500, {"error": "injected failure"}
            if self.errcode:
                self.refused += 1
                return 200, {"errcode": self.errcode, "errmsg": self.errmsg}
            key = req.headers.get("X-Idempotency-Key")
            if key is not None:
                if self.keys[key]:
                    self.duplicates += 1
                self.keys[key] += 1
            self.accepted.append(req)
            return 200, {"errcode": 0, "errmsg": "ok"}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class Mailbox:
    """An aiosmtpd SMTP server on loopback that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.port = free_port()
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                from email import message_from_bytes, policy

                box.messages.append(
                    (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
                )
                return "250 Message accepted for delivery"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class Received:
    channel: str  # "mail" or "webhook"
    title: str
    to: str


class Sinks:
    """The demo's mailbox and webhook, and the Apprise config that routes messages to them."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.webhook = Receiver()

    @property
    def smtp_port(self) -> int:
        return self.mailbox.port

    @property
    def http_port(self) -> int:
        return self.webhook.port

    def start(self) -> Sinks:
        self.mailbox.start()
        self.webhook.start()
        return self

    def stop(self) -> None:
        self.webhook.stop()
        self.mailbox.stop()

    @property
    def received(self) -> list[Received]:
        mail = [
            Received("mail", str(message["Subject"] or ""), ",".join(to))
            for to, message in list(self.mailbox.messages)
        ]
        hooks = []
        for req in list(self.webhook.accepted):
            try:
                title = str(req.json().get("title", ""))
            except (ValueError, AttributeError):
                title = ""
            hooks.append(Received("webhook", title, req.path))
        return mail + hooks

    def apprise_config(self) -> str:
        """Apprise YAML: the organiser by mail, everyone else (tag `default`) by webhook."""
        return (
            "# Written by `citylive demo`: loopback receivers only.\n"
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
        return Counter(r.channel for r in self.received)
