"""A city's festival day on a simulated clock: late alerts, stand-in candidates, the live board.

    .venv/bin/python bench/day.py [--viewers 100] [--poll 5] [--seconds 30] [--days 1]

On PostgreSQL (CITYLIVE_TEST_PG_URL, default the local `test` database) in a fresh schema:
the city instance (bench/generate.py city) is imported, planned by the greedy baseline
(bench/baselines.py, a fraction of a second) and released as version 1.  Then, slot by slot
over `--days` festival days, a simulated clock ticks once a minute from each slot's start:
- 85% of the sessions go live 0-9 minutes after their start, 10% are late (live 12-40
  minutes after), 5% are no-shows (the streamer, marked 3-8 minutes after the start);
- every tick runs one watch pass (`citylive.actions.live.watch`, what `citylive day watch`
  and the watch-festival flow run) at the tick's time;
- for every no-show, the stand-in candidates are computed and timed, and so are the town's
  waiting requests for the same slot (what an enterprise's no-show offers).
Checked: every late session alerted, within one watch period of becoming late, and no alert
queued twice.  Finally a uvicorn server (separate processes) serves the board's JSON
(`GET /festivals/{fid}/live?at=`) to `--viewers` clients polling every `--poll` seconds for
`--seconds` seconds, as the board's page does, and each town's coordinator opens its portal
at the same moment (its cards' live states and its no-shows' stand-ins), one page at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import Session, col, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import models  # noqa: E402
from bench._pg import drop_schema, fresh_schema  # noqa: E402
from bench.api_load import PG_URL, pct, start_server  # noqa: E402
from bench.baselines import greedy_floor  # noqa: E402
from bench.generate import generate  # noqa: E402
from citylive.actions import live as live_actions  # noqa: E402
from citylive.db import init_db, make_engine  # noqa: E402
from citylive.festival import parse_festival  # noqa: E402
from citylive.festival.storage import import_festival  # noqa: E402
from citylive.schedule import load_schedule, store_schedule  # noqa: E402
from citylive.scope import SYSTEM  # noqa: E402
from citylive.token_store import create_token  # noqa: E402

WATCH_PERIOD = timedelta(minutes=1)
TICKS = 45  # minutes watched after each slot's start


def prepare(engine: Any) -> dict[str, Any]:
    festival = parse_festival(generate("city"), "bench city")
    document = load_schedule(greedy_floor(festival), "greedy")
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        db.commit()
        store_schedule(db=db, festival=festival, document=document)
        db.commit()
        _, organiser = create_token(db=db, role="organiser", name="bench-board")
        coordinators = {
            t.id: create_token(db=db, role="coordinator", town=t.id, name=f"bench-{t.id}")[1]
            for t in festival.towns
        }
        db.commit()
    return {
        "festival": festival,
        "organiser": organiser,
        "coordinators": coordinators,
        "sessions": len(document.sessions),
    }


def plan_day(rows: list[models.FestivalSession], rng: random.Random) -> dict[str, Any]:
    """Who goes live when, who is late, who does not show."""
    events: list[tuple[Any, str, str]] = []  # (when, session, what)
    late, no_show = set(), set()
    for r in rows:
        draw = rng.random()
        if draw < 0.05:
            no_show.add(r.id)
            events.append((r.start + timedelta(minutes=rng.randint(3, 8)), r.id, "no_show"))
        elif draw < 0.15:
            late.add(r.id)
            events.append((r.start + timedelta(minutes=rng.randint(12, 40)), r.id, "live"))
        else:
            events.append((r.start + timedelta(minutes=rng.randint(0, 9)), r.id, "live"))
    events.sort()
    return {"events": events, "late": late, "no_show": no_show}


def simulate(engine: Any, festival_id: str, days: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    S = models.FestivalSession
    out: dict[str, Any] = {"late": 0, "alerted_in_time": 0, "worst_delay_s": 0.0, "no_shows": 0}
    watch_ms: list[float] = []
    stand_in_ms: list[float] = []
    offer_ms: list[float] = []  # the same slots' waiting requests, as if the enterprise left
    offered: list[int] = []
    alerted: dict[str, Any] = {}
    with Session(engine, expire_on_commit=False) as db:
        starts = sorted(set(db.exec(select(S.start).where(S.festival_id == festival_id))))
        day_list = sorted({s.date() for s in starts})[:days]
        starts = [s for s in starts if s.date() in day_list]
        for start in starts:
            rows = list(db.exec(select(S).where(S.festival_id == festival_id, S.start == start)))
            plan = plan_day(rows, rng)
            events = plan["events"]
            i = 0
            for minute in range(TICKS + 1):
                now = start + timedelta(minutes=minute)
                while i < len(events) and events[i][0] <= now:
                    when, sid, what = events[i]
                    who = "streamer" if what == "no_show" else None
                    live_actions.mark(
                        db=db, actor=SYSTEM, session_id=sid, state=what, at=when, who=who
                    )
                    if what == "no_show":
                        t0 = time.perf_counter()
                        live_actions.ranked_candidates(db, sid)
                        stand_in_ms.append((time.perf_counter() - t0) * 1000)
                        t0 = time.perf_counter()
                        offered.append(len(live_actions.ranked_offers(db, sid)))
                        offer_ms.append((time.perf_counter() - t0) * 1000)
                        db.rollback()
                    i += 1
                t0 = time.perf_counter()
                result = live_actions.watch(db=db, festival_id=festival_id, at=now)
                watch_ms.append((time.perf_counter() - t0) * 1000)
                for ids in result.by_town.values():
                    for sid in ids:
                        alerted.setdefault(sid, now)
            for sid in plan["late"]:
                out["late"] += 1
                became = start + timedelta(minutes=10)
                if sid in alerted:
                    delay = (alerted[sid] - became).total_seconds()
                    out["worst_delay_s"] = max(out["worst_delay_s"], delay)
                    out["alerted_in_time"] += delay <= WATCH_PERIOD.total_seconds()
            out["no_shows"] += len(plan["no_show"])
        N = models.Notification
        out["late_alerts"] = db.exec(
            select(func.count()).select_from(N).where(N.event == "late")
        ).one()
        out["alerted_sessions"] = len(alerted)
        out["false_alerts"] = len(set(alerted) - _late_ids(db, festival_id))
    out["watch_ms"] = (pct(watch_ms, 50), pct(watch_ms, 95), len(watch_ms))
    out["stand_in_ms"] = (pct(stand_in_ms, 50), pct(stand_in_ms, 95), len(stand_in_ms))
    out["waiting_requests_ms"] = (pct(offer_ms, 50), pct(offer_ms, 95), len(offer_ms))
    out["waiting_requests_offered"] = (sum(1 for n in offered if n), max(offered or [0]))
    out["board_at"] = starts[len(starts) // 2] + timedelta(minutes=15)
    return out


def _late_ids(db: Session, festival_id: str) -> set[str]:
    """Sessions that went live more than 10 minutes after their start."""
    L, S = models.SessionLive, models.FestivalSession
    rows = db.exec(
        select(S.id, S.start, L.started_at)
        .join(L, col(L.session_id) == col(S.id))
        .where(S.festival_id == festival_id, col(L.started_at).is_not(None))
    )
    return {sid for sid, start, started in rows if started - start > timedelta(minutes=10)}


async def viewers(base: str, fid: str, token: str, at: Any, args: argparse.Namespace) -> dict:
    url = f"{base}/api/v1/festivals/{fid}/live"
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    errors = 0
    stop = time.monotonic() + args.seconds

    async def viewer(i: int, http: aiohttp.ClientSession) -> None:
        nonlocal errors
        await asyncio.sleep(args.poll * i / args.viewers)  # spread like real pages
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            async with http.get(url, params={"at": at.isoformat()}, headers=headers) as r:
                await r.read()
                errors += r.status != 200
            times.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(max(0.0, args.poll - (time.perf_counter() - t0)))

    conn = aiohttp.TCPConnector(limit=args.viewers)
    async with aiohttp.ClientSession(connector=conn) as http:
        # the board has been on the command centre's screen all day: its first build (one per
        # server process) is done before the viewers arrive
        for _ in range(args.warm):
            async with http.get(url, params={"at": at.isoformat()}, headers=headers) as r:
                await r.read()
        stop = time.monotonic() + args.seconds
        await asyncio.gather(*(viewer(i, http) for i in range(args.viewers)))
    return {
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "max": max(times),
        "n": len(times),
        "errors": errors,
    }


def portal_pages(base: str, fid: str, tokens: dict[str, str], at: Any, rounds: int = 3) -> dict:
    """Each town's coordinator opens its portal at the board's moment (its cards with their
    live states, and the ranked stand-ins of its no-shows), one page at a time."""
    query = urllib.parse.urlencode({"festival": fid, "at": at.isoformat()})
    times: list[float] = []
    errors = 0
    for _ in range(rounds):
        for token in tokens.values():
            request = urllib.request.Request(
                f"{base}/portal?{query}", headers={"Cookie": f"citylive_token={token}"}
            )
            t0 = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as r:
                r.read()
                errors += r.status != 200
            times.append((time.perf_counter() - t0) * 1000)
    return {
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "max": max(times),
        "n": len(times),
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--viewers", type=int, default=100)
    ap.add_argument("--poll", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--warm", type=int, default=8, help="board requests before the viewers")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=8931)
    args = ap.parse_args()
    schema, url = fresh_schema(PG_URL)
    try:
        engine = make_engine(url)
        init_db(engine)
        t0 = time.monotonic()
        setup = prepare(engine)
        fid = setup["festival"].id
        print(
            f"city instance: {setup['sessions']} sessions placed (greedy), "
            f"prepared in {time.monotonic() - t0:.1f} s",
            flush=True,
        )
        t0 = time.monotonic()
        sim = simulate(engine, fid, args.days)
        print(f"simulated {args.days} day(s) in {time.monotonic() - t0:.1f} s: {sim}", flush=True)
        engine.dispose()
        server = start_server(url, args.port, args.workers)
        try:
            board = asyncio.run(
                viewers(
                    f"http://127.0.0.1:{args.port}", fid, setup["organiser"], sim["board_at"], args
                )
            )
            base = f"http://127.0.0.1:{args.port}"
            pages = portal_pages(base, fid, setup["coordinators"], sim["board_at"])
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"board, {args.viewers} viewers polling every {args.poll:g} s: {board}", flush=True)
        print(f"portal pages, each town's coordinator in turn: {pages}", flush=True)
    finally:
        drop_schema(PG_URL, schema)


if __name__ == "__main__":
    main()
