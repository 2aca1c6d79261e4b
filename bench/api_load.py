"""API load: many town coordinators deciding sessions at once, with readers paging the schedule.

    .venv/bin/python bench/api_load.py [--coordinators 100] [--decisions 3000] [--workers 2]

On PostgreSQL (CITYLIVE_TEST_PG_URL, default the local `test` database) in a fresh schema:
the city instance (bench/generate.py city) is imported and planned, its sessions stored, then
a uvicorn server (separate processes) takes
- `--coordinators` concurrent clients, each a coordinator of one town working through its
  share of that town's sessions (confirm most, decline some with a reason, and re-send a few
  decisions as an impatient user would, which must come back `unchanged`);
- `--readers` clients paging the whole schedule as organisers meanwhile.
Afterwards the database is checked: every intended decision applied exactly once, no session
changed twice, one `applied` audit row per session.  Finally the schedule of one town is read
(API and the portal page) on an idle server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import sqlalchemy as sa
from sqlmodel import Session, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import models  # noqa: E402
from bench import _pg  # noqa: E402
from bench.generate import generate  # noqa: E402
from citylive.db import init_db, make_engine  # noqa: E402
from citylive.festival import Festival, parse_festival  # noqa: E402
from citylive.festival.storage import import_festival  # noqa: E402
from citylive.schedule import ScheduleDocument, store_schedule  # noqa: E402
from citylive.token_store import create_token  # noqa: E402

PG_URL = os.environ.get("CITYLIVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))]


def _cpu_seconds(pids: set[int] | None = None, comm: str | None = None) -> float:
    """utime + stime of the given processes (and their children), or of every process named
    `comm` (PostgreSQL's backends), read from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry)] = [name, *fields]
        parents[int(entry)] = int(fields[1])
    for pid, (name, *fields) in stats.items():
        inside = name == comm if comm else False
        if pids is not None:
            p = pid
            while p and not inside:
                inside = p in pids
                p = parents.get(p, 0)
        if inside:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def fresh_schema() -> tuple[str, str]:
    return _pg.fresh_schema(PG_URL)


def drop_schema(schema: str) -> None:
    _pg.drop_schema(PG_URL, schema)


def store_sessions(db: Session, festival: Festival, document: ScheduleDocument) -> str:
    """Store the planned sessions as the festival's first version."""
    store_schedule(db=db, festival=festival, document=document)
    return "citylive.schedule.store_schedule"


def prepare(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url)
    init_db(engine)
    festival = parse_festival(generate("city"), "bench city")
    t0 = time.monotonic()
    from citylive.planner import plan

    document = plan(festival, time_limit=args.plan_seconds, workers=2)
    plan_s = time.monotonic() - t0
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        db.commit()
        how = store_sessions(db, festival, document)
        db.commit()
        towns = sorted({t.id for t in festival.towns})
        tokens = {}
        for t in towns:
            _, tokens[t] = create_token(db=db, role="coordinator", town=t, name=f"bench:{t}")
        _, organiser = create_token(db=db, role="organiser", name="bench-organiser")
        db.commit()
        sessions = db.exec(
            select(models.FestivalSession.id, models.FestivalSession.town).where(
                models.FestivalSession.status == "proposed"
            )
        ).all()
    engine.dispose()
    return {
        "festival": festival.id,
        "tokens": tokens,
        "organiser": organiser,
        "sessions": [(sid, town) for sid, town in sessions],
        "placed": len(document.sessions),
        "plan_seconds": plan_s,
        "stored_by": how,
    }


def start_server(
    url: str, port: int, workers: int, receipts: bool = True
) -> subprocess.Popen[bytes]:
    env = os.environ | {"CITYLIVE_DATABASE_URL": url, "PREFECT_API_URL": ""}
    env.pop("PREFECT_API_URL")
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "uvicorn",
            "api.main:app" if receipts else "bench.api_app_no_receipts:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).status_code
                == 200
            ):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not start")


async def run_load(base: str, setup: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    chosen = rng.sample(setup["sessions"], min(args.decisions, len(setup["sessions"])))
    by_town: dict[str, list[str]] = defaultdict(list)
    for sid, town in chosen:
        by_town[town].append(sid)
    towns = sorted(by_town)
    # coordinators spread over towns in proportion to their sessions (at least one each)
    clients: list[tuple[str, list[str]]] = []
    shares = {t: max(1, round(args.coordinators * len(by_town[t]) / len(chosen))) for t in towns}
    for t in towns:
        k = shares[t]
        for i in range(k):
            clients.append((t, by_town[t][i::k]))
    intended: dict[str, str] = {
        sid: ("decline" if rng.random() < 0.1 else "confirm") for sid, _ in chosen
    }
    latencies: list[float] = []
    started_at: list[float] = []  # seconds into the load when each request went out
    outcomes: Counter[str] = Counter()
    codes: Counter[int] = Counter()
    read_lat: list[float] = []
    read_errors: list[int] = []
    done = asyncio.Event()

    # aiohttp: about half the CPU per request of httpx, which matters when the load generator
    # shares the machine's two cores with the API and PostgreSQL
    connector = aiohttp.TCPConnector(limit=args.coordinators + args.readers + 10)
    timeout = aiohttp.ClientTimeout(total=120)
    jar = aiohttp.CookieJar(unsafe=True)  # the portal cookie of a server at 127.0.0.1
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=timeout, cookie_jar=jar
    ) as client:
        # --rate R: the coordinators together offer R decisions a second; without it each
        # decides back to back
        interval = 1.0 / args.rate if args.rate else 0.0
        start = time.perf_counter()

        async def decide(headers: dict[str, str], sid: str) -> None:
            action = intended[sid]
            body = {"reason": "主播档期冲突"} if action == "decline" else None
            t0 = time.perf_counter()
            for attempt in range(3):
                # A dropped connection is retried, as a client would: decisions are
                # idempotent, so a retry of an applied one answers `unchanged`.
                try:
                    async with client.post(
                        f"/api/v1/sessions/{sid}/{action}", headers=headers, json=body
                    ) as r:
                        status, data = r.status, await r.json()
                    break
                except aiohttp.ClientError:
                    codes[0] += 1
                    if attempt == 2:
                        raise
            latencies.append(time.perf_counter() - t0)
            started_at.append(t0 - start)
            codes[status] += 1
            outcomes[data.get("outcome", "?")] += 1

        async def coordinator(town: str, sids: list[str]) -> None:
            """Back to back: the next decision once the last is answered."""
            headers = {"Authorization": f"Bearer {setup['tokens'][town]}"}
            for sid in sids:
                for _ in range(2 if rng.random() < 0.05 else 1):
                    await decide(headers, sid)

        async def paced() -> None:
            """With --rate: the decisions of all coordinators in turn, one every 1/rate
            seconds on a shared clock, answered or not (an open system, as many people
            clicking are)."""
            turns = []
            for k in range(max(len(sids) for _t, sids in clients)):
                for town, sids in clients:
                    if k < len(sids):
                        turns += [(town, sids[k])] * (2 if rng.random() < 0.05 else 1)
            pending = []
            for i, (town, sid) in enumerate(turns):
                await asyncio.sleep(max(0.0, start + i / args.rate - time.perf_counter()))
                headers = {"Authorization": f"Bearer {setup['tokens'][town]}"}
                pending.append(asyncio.create_task(decide(headers, sid)))
            await asyncio.gather(*pending)

        async def reader() -> None:
            """An organiser paging the schedule: back to back, or (with --rate) a page a
            second, as a person reading does."""
            headers = {"Authorization": f"Bearer {setup['organiser']}"}
            offset = 0
            while not done.is_set():
                if interval:
                    await asyncio.sleep(1.0)
                t0 = time.perf_counter()
                try:
                    async with client.get(
                        f"/api/v1/festivals/{setup['festival']}/sessions",
                        params={"limit": 100, "offset": offset},
                        headers=headers,
                    ) as r:
                        status, data = r.status, await r.json()
                except aiohttp.ClientError:
                    read_errors.append(1)
                    continue
                read_lat.append(time.perf_counter() - t0)
                if status != 200:
                    read_errors.append(status)
                    continue
                offset = (offset + 100) % max(data["count"], 1)

        t0 = time.perf_counter()
        cpu0 = (
            time.process_time(),
            _cpu_seconds({args.server_pid}),
            _cpu_seconds(comm="postgres"),
        )
        readers = [asyncio.create_task(reader()) for _ in range(args.readers)]
        if args.rate:
            await paced()
        else:
            await asyncio.gather(*(coordinator(t, s) for t, s in clients))
        wall = time.perf_counter() - t0
        cpu = (
            time.process_time() - cpu0[0],
            _cpu_seconds({args.server_pid}) - cpu0[1],
            _cpu_seconds(comm="postgres") - cpu0[2],
        )
        done.set()
        await asyncio.gather(*readers)

        # one town's schedule on an idle server
        town = max(towns, key=lambda t: len(by_town[t]))
        headers = {"Authorization": f"Bearer {setup['tokens'][town]}"}
        api_lat, page_lat = [], []
        n_town = 0
        for _ in range(50):
            t1 = time.perf_counter()
            async with client.get(
                f"/api/v1/festivals/{setup['festival']}/sessions",
                params={"limit": 1000},
                headers=headers,
            ) as r:
                n_town = (await r.json())["count"]
            api_lat.append(time.perf_counter() - t1)
        async with client.post("/portal/signin", data={"token": setup["tokens"][town]}) as r:
            assert r.status == 200, r.status  # after the redirect to /portal
        for _ in range(50):
            t1 = time.perf_counter()
            async with client.get("/portal", params={"festival": setup["festival"]}) as r:
                await r.read()
                assert r.status == 200, r.status
            page_lat.append(time.perf_counter() - t1)

    return {
        "clients": len(clients),
        "towns": len(towns),
        "intended": intended,
        "requests": len(latencies),
        "wall": wall,
        "cpu": cpu,
        "latencies": latencies,
        "started_at": started_at,
        "outcomes": outcomes,
        "codes": codes,
        "read_lat": read_lat,
        "read_errors": len(read_errors),
        "town": town,
        "town_sessions": n_town,
        "api_lat": api_lat,
        "page_lat": page_lat,
    }


def verify(url: str, intended: dict[str, str]) -> dict[str, Any]:
    engine = make_engine(url)
    want = {"confirm": "confirmed", "decline": "declined"}
    with Session(engine) as db:
        rows = db.exec(
            select(
                models.FestivalSession.id,
                models.FestivalSession.status,
                models.FestivalSession.row_version,
            )
        ).all()
        state = {sid: (status, rv) for sid, status, rv in rows}
        applied = Counter(
            sid
            for (sid,) in db.execute(
                sa.select(models.Decision.session_id).where(models.Decision.outcome == "applied")
            )
        )
        audit_rows = db.exec(select(func.count()).select_from(models.Decision)).one()
    engine.dispose()
    lost = [s for s, a in intended.items() if state[s][0] != want[a]]
    doubled = [s for s, n in applied.items() if n != 1] + [s for s in intended if state[s][1] != 2]
    untouched_changed = [s for s, (st, rv) in state.items() if s not in intended and rv != 1]
    return {
        "lost": lost,
        "doubled": doubled,
        "others_changed": untouched_changed,
        "applied_rows": sum(applied.values()),
        "audit_rows": audit_rows,
    }


def inprocess(url: str, setup: dict[str, Any], n: int, receipts: bool) -> dict[str, Any]:
    """CPU per decision with the app in this process, one request at a time (FastAPI's
    TestClient): robust to other load on the machine, unlike wall-clock rates."""
    os.environ["CITYLIVE_DATABASE_URL"] = url
    from citylive.config import get_settings

    get_settings.cache_clear()
    if receipts:
        from api.main import app
    else:
        from bench.api_app_no_receipts import app  # type: ignore[no-redef]
    from fastapi.testclient import TestClient

    rng = random.Random(11)
    chosen = rng.sample(setup["sessions"], min(n + 20, len(setup["sessions"])))
    cpu: list[float] = []
    wall: list[float] = []
    with TestClient(app) as client:
        for i, (sid, town) in enumerate(chosen):
            headers = {"Authorization": f"Bearer {setup['tokens'][town]}"}
            c0, t0 = time.process_time(), time.perf_counter()
            r = client.post(f"/api/v1/sessions/{sid}/confirm", headers=headers)
            c1, t1 = time.process_time(), time.perf_counter()
            assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
            if i >= 20:  # after warming up
                cpu.append((c1 - c0) * 1000)
                wall.append((t1 - t0) * 1000)
    return {
        "decisions": len(cpu),
        "receipts": "on" if receipts else "off",
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "cpu_ms_p50": round(pct(cpu, 50), 2),
        "wall_ms_p50": round(pct(wall, 50), 2),
        "wall_ms_p99": round(pct(wall, 99), 2),
        "loadavg_1m": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--coordinators", type=int, default=100)
    ap.add_argument("--decisions", type=int, default=3000)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="decisions a second the coordinators offer together (default: back to back)",
    )
    ap.add_argument("--plan-seconds", type=float, default=30.0)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    ap.add_argument(
        "--receipts",
        choices=["on", "off"],
        default="on",
        help="off: the outbox receipt is skipped, to measure the API's own share",
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--inprocess",
        type=int,
        metavar="N",
        help="instead of the load: N decisions one at a time in this process; CPU per decision",
    )
    args = ap.parse_args()

    if args.inprocess:
        schema, url = fresh_schema()
        try:
            setup = prepare(url, args)
            figures = inprocess(url, setup, args.inprocess, args.receipts == "on")
        finally:
            if not args.keep:
                drop_schema(schema)
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        return

    schema, url = fresh_schema()
    try:
        t0 = time.monotonic()
        setup = prepare(url, args)
        print(
            f"prepared in {time.monotonic() - t0:.1f}s: {setup['placed']} sessions placed "
            f"(plan {setup['plan_seconds']:.1f}s), stored by {setup['stored_by']}",
            flush=True,
        )
        load_before = os.getloadavg()
        server = start_server(url, args.port, args.workers, receipts=args.receipts == "on")
        args.server_pid = server.pid
        try:
            res = asyncio.run(run_load(f"http://127.0.0.1:{args.port}", setup, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
        load_after = os.getloadavg()
        check = verify(url, res["intended"])
    finally:
        if not args.keep:
            drop_schema(schema)

    lat = [x * 1000 for x in res["latencies"]]
    warm = [x * 1000 for x, t in zip(res["latencies"], res["started_at"], strict=True) if t >= 5.0]
    figures = {
        "sessions_placed": setup["placed"],
        "stored_by": setup["stored_by"],
        "coordinators": res["clients"],
        "towns": res["towns"],
        "sessions_decided": len(res["intended"]),
        "requests": res["requests"],
        "wall_s": round(res["wall"], 2),
        "offered_per_s": args.rate or "back to back",
        "decisions_per_s": round(res["requests"] / res["wall"], 1),
        # CPU seconds during the load, per request: the load generator (this process), the
        # API's worker processes, PostgreSQL's backends
        "cpu_ms_per_request": {
            name: round(1000 * seconds / res["requests"], 2)
            for name, seconds in zip(("client", "api", "postgres"), res["cpu"], strict=True)
        },
        "p50_ms": round(pct(lat, 50), 1),
        "p99_ms": round(pct(lat, 99), 1),
        # the same once the server is warm: its first seconds open database connections and
        # compile templates and statements, which a server that has been up does not
        "warm_p50_ms": round(pct(warm, 50), 1),
        "warm_p99_ms": round(pct(warm, 99), 1),
        "max_ms": round(max(lat), 1),
        "outcomes": dict(res["outcomes"]),
        "status_codes": {str(k): v for k, v in res["codes"].items()},
        "reader_requests": len(res["read_lat"]),
        "reader_errors": res["read_errors"],
        "reader_p50_ms": round(pct([x * 1000 for x in res["read_lat"]], 50), 1),
        "reader_p99_ms": round(pct([x * 1000 for x in res["read_lat"]], 99), 1),
        "town": res["town"],
        "town_sessions": res["town_sessions"],
        "town_api_p50_ms": round(pct([x * 1000 for x in res["api_lat"]], 50), 1),
        "town_api_p99_ms": round(pct([x * 1000 for x in res["api_lat"]], 99), 1),
        "town_page_p50_ms": round(pct([x * 1000 for x in res["page_lat"]], 50), 1),
        "town_page_p99_ms": round(pct([x * 1000 for x in res["page_lat"]], 99), 1),
        "lost": len(check["lost"]),
        "doubled": len(check["doubled"]),
        "other_sessions_changed": len(check["others_changed"]),
        "applied_audit_rows": check["applied_rows"],
        "audit_rows": check["audit_rows"],
        "workers": args.workers,
        "receipts": args.receipts,
        "loadavg_1m_before_after": [round(load_before[0], 1), round(load_after[0], 1)],
        "statistics_mean_ms": round(statistics.fmean(lat), 1),
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = not check["lost"] and not check["doubled"] and not check["others_changed"]
    ok = ok and check["applied_rows"] == len(res["intended"])
    print("verified: no decision lost or doubled" if ok else "VERIFY FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
