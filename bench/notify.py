"""Benchmark: the outbox dispatcher sending one message to every enterprise and streamer.

    .venv/bin/python bench/notify.py                       # 9,000 enterprises + 1,000 streamers
    .venv/bin/python bench/notify.py --enterprises 5000    # the xl generator's own size
    .venv/bin/python bench/notify.py --database-url postgresql+psycopg://postgres@127.0.0.1/test

It generates the festival with bench/generate.py ("xl"), stores it, gives every enterprise one
session (streamers taken round-robin, so every streamer has at least one), queues the
assignment messages with `enqueue_schedule_release`, then:

1. dispatches them to a local webhook receiver (a separate process) and reports messages/s
   and whether each arrived exactly once;
2. queues them again to a receiver that fails 30% of requests with HTTP 500, and dispatches
   with retries until every message is delivered, reporting the time it took.

The receiver counts each idempotency key it accepted; "exactly once" means every key once and
no repeats.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(port: int, fail_rate: float, ready: Any) -> None:
    """A webhook receiver: 200 for accepted posts, 500 for an injected share; GET /stats."""
    keys: Counter[str] = Counter()
    failed = 0
    lock = threading.Lock()
    rnd = random.Random(5)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per answer and no Nagle delay: keep-alive clients would otherwise wait
        # for the 40 ms delayed ACK between the header and body writes.
        disable_nagle_algorithm = True
        wbufsize = 65536

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                stats = {
                    "accepted": sum(keys.values()),
                    "unique": len(keys),
                    "repeats": sum(n - 1 for n in keys.values()),
                    "failed": failed,
                }
            self._answer(200, stats)

        def do_POST(self) -> None:  # noqa: N802
            nonlocal failed
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            key = self.headers.get("X-Idempotency-Key", "")
            with lock:
                if fail_rate and rnd.random() < fail_rate:
                    failed += 1
                    status = 500
                else:
                    keys[key] += 1
                    status = 200
            self._answer(status, {"ok": status == 200})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    ready.set()
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receiver(fail_rate: float) -> tuple[multiprocessing.Process, int]:
    port = free_port()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(port, fail_rate, ready), daemon=True)
    proc.start()
    ready.wait(10)
    return proc, port


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as r:
        return json.loads(r.read())


def prepare(engine: Any, enterprises: int, streamers: int, seed: int) -> tuple[str, int, float]:
    from datetime import timedelta

    from sqlmodel import Session

    import models
    from bench.generate import generate
    from citylive.festival import SlotRef, parse_festival
    from citylive.festival.storage import import_festival
    from citylive.notify import outbox

    festival = parse_festival(
        generate("xl", enterprises=enterprises, streamers=streamers, seed=seed), "xl"
    )
    refs = [SlotRef(d, s) for d in range(len(festival.days)) for s in range(len(festival.slots))]
    with Session(engine) as db:
        import_festival(db, festival)
        db.commit()
        sessions = []
        for n, e in enumerate(festival.enterprises):
            streamer = festival.streamers[n % len(festival.streamers)]
            ref = refs[n % len(refs)]
            venue = festival.sub_venue_of_town.get(e.town) or festival.main_venue
            start = festival.slot_start(ref)
            sessions.append(
                models.FestivalSession(
                    id=f"{festival.id}-s{n + 1:05d}",
                    festival_id=festival.id,
                    enterprise=e.id,
                    streamer=streamer.id,
                    platform=e.platforms[0],
                    venue=venue.id,
                    studio=1 + n % venue.studios,
                    start=start,
                    end=start + timedelta(hours=2),
                    town=e.town,
                    industry=e.industry,
                    day=festival.days[ref.day],
                    slot=ref.slot,
                    version=1,
                )
            )
        db.add_all(sessions)
        db.add(
            models.ScheduleVersion(
                festival_id=festival.id,
                version=1,
                document={"sessions": []},
                changes={"new": [s.id for s in sessions]},
            )
        )
        db.commit()
        t0 = time.perf_counter()
        queued = outbox.enqueue_schedule_release(db=db, festival_id=festival.id, version=1)
        db.commit()
        return festival.id, queued, time.perf_counter() - t0


def run(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from citylive.db import init_db, make_engine
    from citylive.notify.dispatch import dispatch
    from citylive.notify.routing import load_routes_text
    from citylive.notify.settings import NotifySettings

    tmp = Path(tempfile.mkdtemp(prefix="citylive-bench-notify-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = init_db(make_engine(url))
    fid, queued, enqueue_s = prepare(engine, args.enterprises, args.streamers, args.seed)
    recipients = queued
    print(
        f"queued {queued} messages in {enqueue_s:.1f}s ({queued / enqueue_s:.0f}/s rendering + insert)"
    )
    out: dict[str, Any] = {
        "database": engine.dialect.name,
        "messages": queued,
        "enqueue_s": round(enqueue_s, 2),
    }

    settings = NotifySettings(workers=args.workers, batch_size=args.batch)
    proc, port = start_receiver(0.0)
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{port}/hook:\n      tag: default\n", settings=settings
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    result = dispatch(engine=engine, routes=routes, settings=settings)
    clean_s, clean_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    s = stats(port)
    proc.terminate()
    exactly_once = s["unique"] == recipients and s["repeats"] == 0 and result.sent == recipients
    print(
        f"clean: {result.line()} in {clean_s:.1f}s = {recipients / clean_s:.0f} msg/s; receiver {s}; "
        f"exactly once: {exactly_once}; dispatcher CPU {clean_cpu * 1000 / recipients:.2f} ms/msg"
    )
    out.update(
        clean_s=round(clean_s, 2),
        clean_rate=round(recipients / clean_s),
        clean_receiver=s,
        clean_cpu_ms_per_msg=round(clean_cpu * 1000 / recipients, 2),
        load_1min=round(os.getloadavg()[0], 1),
        clean_exactly_once=exactly_once,
    )

    # Again, to a receiver failing 30% of requests: back to pending, retries until all are in.
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE notification SET status='pending', attempts=0, sent_at=NULL, "
                "next_attempt_at=CURRENT_TIMESTAMP"
            )
        )
    flaky = NotifySettings(
        workers=args.workers,
        batch_size=args.batch,
        backoff_seconds=1.0,
        backoff_factor=2.0,
        backoff_max_seconds=20.0,
        max_attempts=12,
    )
    proc, port = start_receiver(0.3)
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{port}/hook:\n      tag: default\n", settings=flaky
    )
    t0 = time.perf_counter()
    result = dispatch(engine=engine, routes=routes, settings=flaky, wait_for_retries=180)
    flaky_s = time.perf_counter() - t0
    s = stats(port)
    proc.terminate()
    exactly_once = s["unique"] == recipients and s["repeats"] == 0 and result.sent == recipients
    print(
        f"30% failing: {result.line()} retried={result.retried} in {flaky_s:.1f}s; receiver {s}; "
        f"exactly once: {exactly_once}"
    )
    out.update(
        flaky_s=round(flaky_s, 2),
        flaky_receiver=s,
        flaky_retried=result.retried,
        flaky_exactly_once=exactly_once,
        flaky_pending=result.pending,
        flaky_failed=result.failed,
    )
    out["machine"] = f"{multiprocessing.cpu_count()} cores, python {platform.python_version()}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=9000)
    parser.add_argument("--streamers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    out = run(args)
    print(json.dumps(out, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
