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
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(port: int, fail_rate: float, ready: Any) -> None:
    """The loopback webhook receiver of the demo and the tests, in this process until killed."""
    from demo.receivers import Receiver

    Receiver(port=port, fail_rate=fail_rate, seed=5).start()
    ready.set()
    threading.Event().wait()


def start_receiver(fail_rate: float) -> tuple[multiprocessing.Process, int]:
    """A receiver in its own process, so its work does not share the dispatcher's GIL."""
    from demo.receivers import free_port

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
    from citylive.notify import enqueue_schedule_release

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
            venue = (festival.sub_venues_of_town.get(e.town) or [festival.main_venue])[0]
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
        queued = enqueue_schedule_release(db=db, festival_id=festival.id, version=1)
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
