"""Benchmark: 1,000,000 douyin order lines over eight weeks in one GBK CSV, on PostgreSQL.

    python bench/ingest.py [--lines 1000000] [--keep] [--file PATH] [--repeat N]

Measures, in a fresh process (so the peak memory is the ingest's own), CPU seconds beside wall
time (client: the Python process; server: its PostgreSQL backends, from /proc), since the
machine is shared:
- ingest + attribution (`citylive.sales.ingest.ingest_files`);
- every summary (`summary(by=...)` for the nine groupings, district among them: the bench
  festival puts huayi's town in a district), the flags, the lift (by town and
  for the whole festival), the discount depth per session: first computed, then read back
  from the cache;
- the whole report at a new data version (nothing cached), then again;
- peak resident memory of that process;
and beside them the floor: `psql \\copy` of the same file into a bare table of text columns.
Targets on a 2-core machine: ingest + attribution <= 20 s, end to end with every figure
<= 30 s, <= 1 GB, each summary <= 1.5 s computed and <= 50 ms cached, the report <= 10 s.
The PostgreSQL server is CITYLIVE_BENCH_PG_URL (default: the test server,
postgresql+psycopg://postgres@127.0.0.1:5432/test); each run uses a fresh schema.
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
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _pg  # noqa: E402
from citylive.sales.figures import GROUPINGS  # noqa: E402
from citylive.sales.headers import EXPORT_HEADERS, layout_of  # noqa: E402
from citylive.sales.platforms import find, header_key  # noqa: E402
from demo.exports import daily_trade  # noqa: E402

PG_URL = os.environ.get(
    "CITYLIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HEADERS = EXPORT_HEADERS["douyin"]  # the 抖店 export's own header row
LIMING = "108314295234"  # li-ming's 达人ID on douyin (the festival file gets it in prepare)
# title, id, list price (fen); the last is new at the festival
PRODUCTS = [
    ("LED吸顶灯 客厅卧室", "3456000", 12900),
    ("水晶吊灯 轻奢", "3456001", 29900),
    ("护眼台灯 学生", "3456002", 3990),
    ("筒灯 射灯 嵌入式", "3456003", 990),
    ("户外庭院灯", "3456004", 5990),
    ("智能感应灯 新品", "3456005", 1990),
]
FIRST_DAY = date(2020, 6, 6)
FESTIVAL_DAYS = 2
WINDOW_DAYS = 28
FESTIVAL_BUSY = 8.0  # a festival day against an ordinary day before it
SLOTS = [(10, 12), (14, 16), (19, 21), (21, 23)]
LOSS_LEADER_SLOT = (0, 2)  # day 0, 19:00: the crystal chandelier at 40% of its price


def _day_weights() -> list[tuple[date, float]]:
    out = []
    for offset in range(-WINDOW_DAYS, FESTIVAL_DAYS + WINDOW_DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        busy = FESTIVAL_BUSY if 0 <= offset < FESTIVAL_DAYS else daily_trade(offset, FESTIVAL_DAYS)
        out.append((day, busy * (1.2 if day.weekday() >= 5 else 1.0)))
    return out


def write_file(path: Path, lines: int, seed: int = 7) -> None:
    """A douyin export of `lines` order lines for enterprise huayi (examples/small.yaml) over
    the festival's 28 days before and after: the curve of demo/exports.py, the festival's
    sessions on its two days, a loss-leader session, a product new at the festival, buyers
    the sessions brought coming back; GBK."""
    rng = random.Random(seed)
    keys = [header_key(h) for h in HEADERS]
    cols = layout_of("douyin")
    at_ = {
        role: find(keys, getattr(cols, role))
        for role in (
            "order_id", "line_id", "product_title", "product_id", "quantity", "unit_price",
            "amount", "paid_at", "status", "after_sale", "streamer", "live_room", "channel",
            "note", "buyer",
        )
    }  # fmt: skip
    nick = HEADERS.index("达人昵称")
    statuses = ["已完成"] * 90 + ["已发货"] * 5 + ["已关闭"] * 3 + ["待发货"] * 2
    after = ["-"] * 90 + ["退款成功"] * 6 + ["售后关闭"] * 4
    weights = _day_weights()
    per_weight = lines / sum(w for _, w in weights)
    regulars: list[str] = []
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        order = 0
        n = 0
        carry = 0.0
        for k, (day, weight) in enumerate(weights):
            carry += weight * per_weight
            quota = int(carry) if k < len(weights) - 1 else lines - n
            carry -= quota
            festival_day = FIRST_DAY <= day < FIRST_DAY + timedelta(days=FESTIVAL_DAYS)
            written = 0
            while written < quota:
                order += 1
                oid = f"49230{order:014d}"
                slot = None
                if festival_day and rng.random() < 0.85:
                    slot = rng.randrange(len(SLOTS))
                    start, end = SLOTS[slot]
                    minute = rng.uniform(0, (end - start) * 60 + (30 if rng.random() < 0.1 else 0))
                    at = datetime.combine(day, datetime.min.time()) + timedelta(
                        hours=start, minutes=minute
                    )
                else:
                    at = datetime.combine(day, datetime.min.time()) + timedelta(
                        seconds=rng.uniform(8 * 3600, 23.9 * 3600)
                    )
                paid = at.strftime("%Y-%m-%d %H:%M:%S")
                status, after_sale = rng.choice(statuses), rng.choice(after)
                account = rng.choice([LIMING] * 8 + ["70012345678", ""]) if festival_day else ""
                if (
                    day >= FIRST_DAY + timedelta(days=FESTIVAL_DAYS)
                    and regulars
                    and rng.random() < 0.3
                ):
                    buyer = rng.choice(regulars)
                else:
                    buyer = f"用户{rng.randrange(300_000):06d}"
                    if slot is not None and len(regulars) < 50_000:
                        regulars.append(buyer)
                leader = (
                    festival_day
                    and (day - FIRST_DAY).days == LOSS_LEADER_SLOT[0]
                    and slot == LOSS_LEADER_SLOT[1]
                )
                for i in range(min(rng.choice((1, 1, 1, 2, 3)), quota - written)):
                    n += 1
                    written += 1
                    title, pid, price = PRODUCTS[
                        rng.randrange(6 if festival_day or day > FIRST_DAY else 5)
                    ]
                    qty = rng.choice((1, 1, 1, 2, 3))
                    if leader and i == 0 and rng.random() < 0.8:
                        title, pid, price = PRODUCTS[1]
                        qty, price = 2, PRODUCTS[1][2] * 4 // 10
                    elif rng.random() < 0.15:
                        price = price * 9 // 10  # a coupon
                    bad = n % 100_000 == 0  # a few bad rows, as real files have
                    amount = "12.3.4" if bad else f"{qty * price // 100}.{qty * price % 100:02d}"
                    note = "刷单" if n % 50_000 == 1 else ""
                    row = [""] * len(HEADERS)
                    for role, value in (
                        ("order_id", f"\t{oid}"),
                        ("line_id", f"\t{oid}{i + 1:02d}"),
                        ("product_title", title),
                        ("product_id", f"\t{pid}"),
                        ("quantity", qty),
                        ("unit_price", f"{price // 100}.{price % 100:02d}"),
                        ("amount", amount),
                        ("paid_at", paid),
                        ("status", status),
                        ("after_sale", after_sale),
                        ("streamer", f"\t{account}" if account else ""),
                        ("live_room", "直播" if slot is not None else "商品卡"),
                        ("channel", "精选联盟" if account == "70012345678" else "自然流量"),
                        ("note", note),
                        ("buyer", buyer),
                    ):
                        row[at_[role]] = value  # type: ignore[index]
                    row[nick] = "李明" if account == LIMING else ""
                    w.writerow(row)


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
    import yaml

    doc = yaml.safe_load((ROOT / "examples" / "small.yaml").read_text(encoding="utf-8"))
    doc["districts"] = [{"id": "west", "name": "西部组团", "towns": ["guzhen", "henglan"]}]
    for s in doc["streamers"]:
        if s["id"] == "li-ming":
            s["accounts"] = {"douyin": int(LIMING)}  # a 达人ID is a number
    path = Path(tempfile.mkdtemp(prefix="citylive-bench-")) / "small.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    festival = load_festival(path)
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

    from citylive.actions import sales as actions
    from citylive.db import make_engine
    from citylive.report import render_html
    from citylive.sales.ingest import ingest_files
    from citylive.sales.state import bump, lock_state
    from citylive.scope import Actor

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

    fid, actor = "small-2020", Actor.system("bench")

    def timed(name: str, out: dict, fn) -> None:  # type: ignore[no-untyped-def]
        t, c, before = time.perf_counter(), time.process_time(), server_cpu()
        got = fn()
        out[name] = {
            "wall": round(time.perf_counter() - t, 3),
            "client": round(time.process_time() - c, 2),
            "server": round(server_cpu() - before, 2),
            "rows": len(got) if hasattr(got, "__len__") else None,
        }

    t0, c0 = time.perf_counter(), time.process_time()
    result = ingest_files(engine=engine, festival_id=fid, paths=[path], enterprise_id="huayi")
    t_ingest, c_ingest, s_ingest = time.perf_counter() - t0, time.process_time() - c0, server_cpu()
    rss_ingest = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    computed: dict = {}
    cached: dict = {}
    with Session(engine) as db:
        for out in (computed, cached):  # first computed, then read back at the same version
            for by in GROUPINGS:
                timed(
                    by,
                    out,
                    lambda by=by: actions.sales_summary(db=db, actor=actor, festival_id=fid, by=by),
                )
            timed("flags", out, lambda: actions.sales_flags(db=db, actor=actor, festival_id=fid))
            timed(
                "lift by town",
                out,
                lambda: actions.sales_lift(db=db, actor=actor, festival_id=fid, by="town"),
            )
            timed(
                "lift, festival",
                out,
                lambda: actions.sales_lift(db=db, actor=actor, festival_id=fid, by="festival"),
            )
            timed(
                "discount depth",
                out,
                lambda: actions.sales_discounts(db=db, actor=actor, festival_id=fid),
            )
            if out is computed:
                t_all = time.perf_counter() - t0
                s_all = server_cpu()
                c_all = time.process_time() - c0
        reports: dict = {}
        with engine.begin() as conn:  # a new data version: nothing cached any more
            lock_state(conn, fid)
            bump(conn, fid)
        timed("report, new version", reports, lambda: render_html(db=db, festival_id=fid))
        db.commit()
        timed("report, cached", reports, lambda: render_html(db=db, festival_id=fid))
        db.commit()
        lift = actions.sales_lift(db=db, actor=actor, festival_id=fid, by="festival")[0]
        depths = actions.sales_discounts(db=db, actor=actor, festival_id=fid, limit=3)
    return {
        "line": result.summary_line(),
        "attributed": result.attributed,
        "ingest_s": round(t_ingest, 2),
        "client_cpu_ingest_s": round(c_ingest, 2),
        "server_cpu_ingest_s": round(s_ingest, 2),
        "end_to_end_s": round(t_all, 2),
        "client_cpu_end_to_end_s": round(c_all, 2),
        "server_cpu_end_to_end_s": round(s_all, 2),
        "computed": computed,
        "cached": cached,
        "reports": reports,
        "lift": {
            k: lift[k]
            for k in (
                "before_daily",
                "festival_daily",
                "after_daily",
                "festival_lift",
                "retained_lift",
                "session_buyers",
                "returning_buyers",
                "retention",
            )
        },
        "deepest": [
            (d["session_id"], d["deep_share"], d["gmv"], d["deep_gmv"], d["new_gmv"])
            for d in depths
        ],
        "peak_rss_ingest_mb": rss_ingest,
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


def run_once(path: Path, keep: bool) -> dict:
    schema, url = fresh_schema_url()
    try:
        prepare(url)
        load_before = os.getloadavg()
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["load_before"] = load_before
        res["floor_s"], res["floor_server_cpu_s"] = bare_copy(schema, path)
    finally:
        if not keep:
            drop_schema(schema)
    return res


def report(res: dict, lines: int) -> None:
    print(res["line"], f"attributed={res['attributed']}")
    print(
        f"ingest + attribution: {res['ingest_s']} s wall ({round(lines / res['ingest_s'])} rows/s); "
        f"CPU client {res['client_cpu_ingest_s']} s + server {res['server_cpu_ingest_s']} s"
    )
    print(
        f"end to end with every figure: {res['end_to_end_s']} s wall; CPU client "
        f"{res['client_cpu_end_to_end_s']} s + server {res['server_cpu_end_to_end_s']} s"
    )
    print(f"floor, psql \\copy: {res['floor_s']} s wall, {res['floor_server_cpu_s']} s server CPU")
    print(
        f"peak memory: {res['peak_rss_ingest_mb']} MB after the ingest, {res['peak_rss_mb']} MB "
        f"with every figure and the report; load average {res['load_before']} -> {res['load']}"
    )
    print(
        f"{'figure':<16} {'computed: wall':>14} {'client':>7} {'server':>7}   {'cached: wall':>12}"
    )
    for name, c in res["computed"].items():
        k = res["cached"][name]
        print(
            f"{name:<16} {c['wall']:>12.3f} s {c['client']:>6.2f} {c['server']:>7.2f}   {k['wall'] * 1000:>9.1f} ms"
        )
    for name, r in res["reports"].items():
        print(f"{name:<22} {r['wall']:.2f} s wall, CPU client {r['client']} + server {r['server']}")
    print("lift, whole festival:", res["lift"])
    print("deepest-discount sessions:", res["deepest"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="1M douyin lines over 8 weeks, GBK CSV, on PostgreSQL")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--keep", action="store_true", help="keep the schema and the file")
    p.add_argument(
        "--file", type=Path, help="reuse this export (written there first if missing), kept"
    )
    p.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh schema")
    p.add_argument("--json", type=Path, help="also write every run's numbers here")
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
    runs = []
    try:
        for i in range(args.repeat):
            res = run_once(path, args.keep)
            print(f"--- run {i + 1} of {args.repeat}")
            report(res, args.lines)
            runs.append(res)
    finally:
        if not args.file and not args.keep:
            path.unlink(missing_ok=True)
            tmp.rmdir()
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
