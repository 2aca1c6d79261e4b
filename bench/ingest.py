"""Benchmark: 1,000,000 douyin order lines in one GBK CSV, on PostgreSQL.

    python bench/ingest.py [--lines 1000000] [--keep]

Measures, in a fresh process (so the peak memory is the ingest's own):
- ingest + attribution (`citylive.sales.ingest.ingest_files`): wall time, rows/s;
- the figures: `summary(by=...)` for every grouping, and the flags;
- peak resident memory of that process;
and beside them the floor: `psql \\copy` of the same file into a bare table of text columns.
Targets on a 2-core machine: <= 30 s end to end, within 3x the bare copy, <= 2 GB, and each
summary query <= 1 s.  The PostgreSQL server is CITYLIVE_BENCH_PG_URL (default: the test
server, postgresql+psycopg://postgres@127.0.0.1:5432/test); each run uses a fresh schema.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _pg  # noqa: E402
from demo.exports import HEADERS as EXPORT_HEADERS  # noqa: E402

PG_URL = os.environ.get(
    "CITYLIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HEADERS = EXPORT_HEADERS["douyin"]
PRODUCTS = [
    "LED吸顶灯 客厅卧室",
    "水晶吊灯 轻奢",
    "护眼台灯 学生",
    "筒灯 射灯 嵌入式",
    "户外庭院灯",
    "智能感应灯",
]
GROUPINGS = ("session", "streamer", "enterprise", "town", "industry", "platform", "venue", "hour")


def write_file(path: Path, lines: int, seed: int = 7) -> None:
    """A douyin export of `lines` order lines for enterprise huayi (examples/small.yaml), GBK."""
    rng = random.Random(seed)
    start = datetime(2020, 6, 6, 8, 0, 0)
    span = int(timedelta(days=2).total_seconds() - 8 * 3600)
    statuses = ["已完成"] * 90 + ["已发货"] * 5 + ["已关闭"] * 3 + ["待发货"] * 2
    after = ["-"] * 90 + ["退款成功"] * 6 + ["售后关闭"] * 4
    accounts = ["liming_dy"] * 8 + ["other_daren", ""]
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        order = 0
        n = 0
        while n < lines:
            order += 1
            oid = f"49230{order:014d}"
            paid = (start + timedelta(seconds=rng.randrange(span))).strftime("%Y-%m-%d %H:%M:%S")
            status, after_sale = rng.choice(statuses), rng.choice(after)
            account = rng.choice(accounts)
            buyer = f"用户{rng.randrange(300_000):06d}"
            for k in range(min(rng.choice((1, 1, 1, 2, 3)), lines - n)):
                n += 1
                qty = rng.choice((1, 1, 1, 2, 3))
                price = rng.choice((990, 1990, 3990, 5990, 12900, 29900))
                bad = n % 100_000 == 0  # a few bad rows, as real files have
                amount = "12.3.4" if bad else f"{qty * price // 100}.{qty * price % 100:02d}"
                note = "刷单" if n % 50_000 == 1 else ""
                w.writerow(
                    [
                        f"\t{oid}",
                        f"\t{oid}{k + 1:02d}",
                        rng.choice(PRODUCTS),
                        f"\t{3_456_000 + k}",
                        qty,
                        amount,
                        paid,
                        status,
                        after_sale,
                        account,
                        "李明" if account == "liming_dy" else "",
                        "直播",
                        note,
                        buyer,
                    ]
                )


def fresh_schema_url() -> tuple[str, str]:
    return _pg.fresh_schema(PG_URL)


def drop_schema(schema: str) -> None:
    _pg.drop_schema(PG_URL, schema)


def prepare(url: str) -> None:
    """The small festival, with huayi selling on douyin with li-ming in all eight slots."""
    from sqlmodel import Session

    import models
    from citylive.db import init_db, make_engine
    from citylive.festival import SlotRef, load_festival
    from citylive.festival.storage import import_festival

    engine = make_engine(url)
    init_db(engine)
    festival = load_festival(ROOT / "examples" / "small.yaml")
    with Session(engine) as db:
        import_festival(db, festival)
        n = 0
        for day in range(len(festival.days)):
            for slot in range(len(festival.slots)):
                n += 1
                ref = SlotRef(day, slot)
                db.add(
                    models.FestivalSession(
                        id=f"{festival.id}-s{n:05d}",
                        festival_id=festival.id,
                        enterprise="huayi",
                        streamer="li-ming",
                        platform="douyin",
                        venue="guzhen-venue",
                        studio=1,
                        start=festival.slot_start(ref),
                        end=festival.slot_end(ref),
                        status=models.SessionStatus.confirmed,
                        town="guzhen",
                        industry="lighting",
                        day=festival.days[day],
                        slot=slot,
                        version=1,
                    )
                )
        db.commit()
    engine.dispose()


def _ticks(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (a PostgreSQL backend)."""
    try:
        return _ticks(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0.0


def child(url: str, path: Path) -> dict:
    """The measured part, in its own process.  CPU seconds are measured beside wall time
    (client: this process; server: its PostgreSQL backends), as wall time on a shared machine
    depends on what else runs."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from citylive.db import make_engine
    from citylive.sales.figures import summary
    from citylive.sales.flags import flag_sessions
    from citylive.sales.ingest import ingest_files

    engine = make_engine(url)
    backends: list[int] = []

    @sa.event.listens_for(engine, "connect")
    def _pid(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("select pg_backend_pid()")
        backends.append(cur.fetchone()[0])
        cur.close()

    def server_cpu() -> float:
        return sum(proc_cpu(pid) for pid in backends)

    t0, c0 = time.perf_counter(), time.process_time()
    result = ingest_files(
        engine=engine, festival_id="small-2020", paths=[path], enterprise_id="huayi"
    )
    t_ingest, c_ingest, s_ingest = time.perf_counter() - t0, time.process_time() - c0, server_cpu()
    queries = {}
    with Session(engine) as db:
        for by in GROUPINGS:
            t, before = time.perf_counter(), server_cpu()
            rows = summary(db=db, festival_id="small-2020", by=by)
            queries[by] = (
                round(time.perf_counter() - t, 3),
                len(rows),
                round(server_cpu() - before, 2),
            )
        t, before = time.perf_counter(), server_cpu()
        flags = flag_sessions(db=db, festival_id="small-2020")
        queries["flags"] = (
            round(time.perf_counter() - t, 3),
            len(flags),
            round(server_cpu() - before, 2),
        )
        db.commit()
    total = time.perf_counter() - t0
    return {
        "line": result.summary_line(),
        "attributed": result.attributed,
        "ingest_s": round(t_ingest, 2),
        "figures_s": round(total - t_ingest, 2),
        "total_s": round(total, 2),
        "client_cpu_ingest_s": round(c_ingest, 2),
        "server_cpu_ingest_s": round(s_ingest, 2),
        "client_cpu_figures_s": round(time.process_time() - c0 - c_ingest, 2),
        "server_cpu_figures_s": round(server_cpu() - s_ingest, 2),
        "queries": queries,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load": os.getloadavg(),
    }


def bare_copy(schema: str, path: Path) -> tuple[float, float]:
    """Wall time and the backend's CPU seconds of `psql \\copy` into a bare text table."""
    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    cols = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    subprocess.run(["psql", url, "-q", "-c", f'CREATE TABLE "{schema}".bare ({cols})'], check=True)
    stat = "select pg_read_file('/proc/self/stat')"
    copy = f"\\copy \"{schema}\".bare FROM '{path}' WITH (FORMAT csv, HEADER true, ENCODING 'GBK')"
    t = time.perf_counter()
    out = subprocess.run(
        ["psql", url, "-q", "-A", "-t", "-c", stat, "-c", copy, "-c", stat],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = round(time.perf_counter() - t, 2)
    before, after = [ln for ln in out.stdout.splitlines() if ln.strip()][:2]
    return wall, round(_ticks(after) - _ticks(before), 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="1M douyin lines, GBK CSV, on PostgreSQL")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--keep", action="store_true", help="keep the schema and the file")
    p.add_argument(
        "--file", type=Path, help="reuse this export (written there first if missing), kept"
    )
    p.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="citylive-bench-"))
    path = args.file or tmp / "huayi_douyin_1m.csv"
    if not path.exists():
        t = time.perf_counter()
        write_file(path, args.lines)
        print(
            f"wrote {args.lines} lines ({path.stat().st_size / 1e6:.0f} MB, GBK) in {time.perf_counter() - t:.1f} s"
        )
    schema, url = fresh_schema_url()
    try:
        prepare(url)
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        floor, floor_cpu = bare_copy(schema, path)
    finally:
        if not args.keep:
            drop_schema(schema)
            if not args.file:
                path.unlink(missing_ok=True)
            tmp.rmdir()
    rate = round(args.lines / res["ingest_s"])
    print(res["line"], f"attributed={res['attributed']}")
    print(f"ingest + attribution: {res['ingest_s']} s ({rate} rows/s)")
    print(f"figures (8 groupings + flags): {res['figures_s']} s")
    print(
        f"end to end: {res['total_s']} s; bare psql \\copy: {floor} s; ratio {res['total_s'] / floor:.1f}x"
    )
    print(f"peak memory: {res['peak_rss_mb']} MB")
    print(
        f"CPU seconds: ingest client {res['client_cpu_ingest_s']} + server "
        f"{res['server_cpu_ingest_s']}; figures client {res['client_cpu_figures_s']} + server "
        f"{res['server_cpu_figures_s']}; bare copy server {floor_cpu}"
    )
    print(f"load average at the end of the measured part: {res['load']}")
    for name, (secs, n, cpu) in res["queries"].items():
        print(f"  {name:<10} {secs:>7.3f} s wall, {cpu:>6.2f} s server CPU  ({n} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
