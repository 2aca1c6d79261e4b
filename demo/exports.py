"""Realistic platform order exports for the sessions a festival planned, over eight weeks.

    python -m demo.exports --festival zs-2020 --out /tmp/exports     # uses CITYLIVE_DATABASE_URL

One file per enterprise and platform, in the platform's real layout (the whole header row of
citylive/sales/headers.py; rows written by demo/export_rows.py): douyin UTF-8 with a BOM and
tab-guarded ids, numeric 达人IDs, 流量体裁 and 流量来源; taobao's 订单明细 item lines; jd GBK with
`="..."` ids and the order's 应付金额 on each item row; pdd and kuaishou XLSX with their
live-room columns (and kuaishou's 分销 lines with a CPS达人ID); 1688 XLSX with the order's
cells merged over its item rows.  Each enterprise sells products of its industry, and each
platform's statuses are its own (paid, shipped, closed, unpaid, refunded).  Each file covers
the festival's windows
(`sales_windows`, 28 days before and after by default): a steady trade before, with weekends a
little busier and a warm-up in the last week; the festival's sessions (most orders inside
their slot, some in the 30 minutes after it, some later that day); after it, a rise that decays
over a few weeks, some of it from buyers the sessions brought, who come back.  Prices are each
product's list price with the occasional coupon; a few products are new at the festival.
Also written on purpose:
- a few loss-leader sessions, selling one product at well under half its price before;
- a few bad rows (bad money, a missing order id, an unknown status, an impossible time);
- a few orders sold by affiliates (精选联盟, 分销) and a few never paid;
- one duplicated file (the same export downloaded twice);
- one streamer whose self-reported GMV is far above what the exports show;
- one session whose merchant notes mark orders 刷单, bought by a few accounts.
Viewer figures and self-reported GMV go to `<out>/figures/session_figures.csv` (not an export:
upload it with `citylive sales figures`).  The same festival, sessions and seed give the same
files.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import models
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.sales.attribution import account_names
from demo.export_rows import FORMAT, ONE_LINE, export_rows, products_of, write_export
from models.enums import LIVE_STATUSES

FIGURES_FILE = Path("figures") / "session_figures.csv"


class _Order:
    __slots__ = (
        "order_id", "lines", "paid", "buyer", "state", "note", "account", "live", "affiliate",
    )  # fmt: skip

    def __init__(self, order_id: str, paid: datetime | None, buyer: str, account: str):
        self.order_id = order_id
        self.lines: list[tuple[str, str, str, int, int]] = []  # line id, title, id, qty, fen
        self.paid = paid
        self.buyer = buyer
        self.state = "done"  # done, transit, closed, unpaid, refunded (export_rows.STATES)
        self.note = ""
        self.account = account
        self.live = False  # made in a session's live room
        self.affiliate = False  # sold by an affiliate (精选联盟, 分销): `account` is theirs


def daily_trade(offset: int, days: int, retained: float = 1.0) -> float:
    """How busy an ordinary day is, against the weeks before (1.0): `offset` days from the
    festival's first day (negative before it), `days` the festival's length.  A warm-up in the
    last week before; after the festival, twice the usual, decaying towards a lasting lift."""
    if offset < 0:
        return 1.0 + (0.3 if offset >= -7 else 0.0)
    after = offset - days
    if after < 0:
        return 0.0  # festival days: the sessions carry the trade
    return 1.0 + retained * (0.3 + 0.9 * 0.5 ** (after / 6))


@dataclass
class _Shop:
    """One enterprise's products on one platform: titles, ids, list prices."""

    titles: list[str]
    ids: list[str]
    prices: list[int]
    new_from: int  # products from this index on are new at the festival

    def pick(self, rng: random.Random, festival: bool) -> int:
        top = len(self.titles) if festival else self.new_from
        return rng.randrange(top)


def write_exports(
    *,
    engine: Engine,
    festival_id: str,
    out_dir: Path,
    seed: int = 2020,
    orders_per_session: tuple[int, int] = (20, 60),
    orders_per_day: float | None = None,
) -> list[Path]:
    """Write the exports for the festival's planned sessions and the weeks around it; returns
    the export paths.  `orders_per_day`: an ordinary day's orders per file before the
    festival (default: a twenty-fifth of a session's)."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    festival, sessions = _planned_sessions(engine, festival_id)
    per_day = orders_per_day if orders_per_day is not None else sum(orders_per_session) / 50
    by_file: dict[tuple[str, str], list[models.FestivalSession]] = defaultdict(list)
    for s in sessions:
        by_file[(s.enterprise, s.platform)].append(s)
    inflated_streamer = sorted({s.streamer for s in sessions})[
        rng.randrange(len({s.streamer for s in sessions}))
    ]
    candidates = [
        s for s in sessions if s.platform in ("douyin", "taobao", "jd", "1688")
    ] or sessions
    brushing = candidates[rng.randrange(len(candidates))].id
    leaders = {s.id for s in rng.sample(candidates, min(3, len(candidates)))} - {brushing}
    run = _Run(rng, seed, festival, orders_per_session, per_day, leaders, brushing)
    paths: list[Path] = []
    for file_no, ((enterprise, platform), group) in enumerate(sorted(by_file.items())):
        paths.append(_write_file(run, file_no, enterprise, platform, group, out_dir))
    # the same export downloaded twice
    dup = paths[0].with_name(paths[0].stem + "_重新导出" + paths[0].suffix)
    shutil.copyfile(paths[0], dup)
    paths.append(dup)
    _write_figures(out_dir / FIGURES_FILE, sessions, inflated_streamer, run.computed, rng)
    return paths


def _planned_sessions(
    engine: Engine, festival_id: str
) -> tuple[Festival, list[models.FestivalSession]]:
    with Session(engine) as db:
        festival = load_stored_festival(db, festival_id)
        sessions = list(
            db.exec(
                select(models.FestivalSession)
                .where(
                    models.FestivalSession.festival_id == festival_id,
                    col(models.FestivalSession.status).in_(sorted(s.value for s in LIVE_STATUSES)),
                )
                .order_by(models.FestivalSession.id)
            )
        )
    if not sessions:
        raise ValueError(f"festival {festival_id!r} has no planned sessions; plan it first")
    return festival, sessions


@dataclass
class _Run:
    """What every file of one run shares: the random source (drawn in one order, so the same
    seed gives the same files), the order numbers, the marked sessions, the GMV seen on air."""

    rng: random.Random
    seed: int
    festival: Festival
    orders_per_session: tuple[int, int]
    per_day: float
    leaders: set[str]
    brushing: str
    computed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    counter: int = 0


@dataclass
class _File:
    """One enterprise's export on one platform while its orders are made."""

    run: _Run
    platform: str
    shop: _Shop
    orders: list[_Order] = field(default_factory=list)
    regulars: list[str] = field(default_factory=list)  # buyers the sessions brought

    def order(self, paid: datetime, buyer: str, account: str, festival_day: bool) -> _Order:
        run, rng, shop, platform = self.run, self.run.rng, self.shop, self.platform
        run.counter += 1
        o = _Order(f"{platform[:2].upper()}{run.seed}{run.counter:08d}", paid, buyer, account)
        i = shop.pick(rng, festival_day)
        coupon = 0.9 if rng.random() < 0.15 else 1.0
        for k in range(1 if rng.random() < 0.8 or platform in ONE_LINE else 2):
            if k:  # one row per item: the second is another product
                i = (i + 1 + rng.randrange(shop.new_from - 1)) % shop.new_from
            o.lines.append(
                (
                    f"{o.order_id}{k + 1:02d}",
                    shop.titles[i],
                    shop.ids[i],
                    rng.choice((1, 1, 1, 2, 3)),
                    int(shop.prices[i] * coupon),
                )
            )
        q = rng.random()
        states = ((0.01, "unpaid"), (0.03, "closed"), (0.06, "refunded"), (0.12, "transit"))
        o.state = next((state for p, state in states if q < p), "done")
        if o.state == "unpaid":
            o.paid = None
        self.orders.append(o)
        return o


def _write_file(
    run: _Run,
    file_no: int,
    enterprise: str,
    platform: str,
    group: list[models.FestivalSession],
    out_dir: Path,
) -> Path:
    """One enterprise's export on one platform: its sessions' orders and the ordinary days'."""
    rng, festival = run.rng, run.festival
    titles = rng.sample(products_of(festival.enterprise[enterprise].industry), 5)
    shop = _Shop(
        titles,
        [f"{3_000_000 + file_no * 10 + k}" for k in range(5)],
        [
            rng.choice((990, 1990, 2990, 4990, 5990, 8800, 12900, 19900, 29900, 59900))
            for _ in range(5)
        ],
        new_from=4 if rng.random() < 0.5 else 5,
    )
    retained = rng.uniform(0.3, 1.6)
    f = _File(run, platform, shop)
    for s in group:
        _session_orders(f, s)
    _ordinary_orders(f, retained)
    f.orders.sort(key=lambda o: o.paid or datetime.min.replace(tzinfo=festival.tz))
    rows, spans = export_rows(platform, f.orders, festival, rng, bad=(file_no % 7 == 3))
    path = (
        out_dir
        / f"{enterprise}_{platform}_orders.{'xlsx' if FORMAT[platform] == 'xlsx' else 'csv'}"
    )
    write_export(path, platform, rows, spans)
    return path


def _session_orders(f: _File, s: models.FestivalSession) -> None:
    """A session's orders: most inside its slot, some in the half hour after, some later."""
    run, rng, shop = f.run, f.run.rng, f.shop
    streamer = run.festival.streamer.get(s.streamer)
    names = account_names(streamer.accounts.get(f.platform)) if streamer else ()
    account = names[0] if names else ""
    span = (s.end - s.start).total_seconds()
    for _ in range(rng.randint(*run.orders_per_session)):
        r = rng.random()
        if r < 0.82:
            paid = s.start + timedelta(seconds=rng.uniform(0, span - 1))
        elif r < 0.92:
            paid = s.end + timedelta(seconds=rng.uniform(0, 29 * 60))
        else:  # the sales that stay after the session
            paid = s.end + timedelta(hours=rng.uniform(1, 20))
        o = f.order(paid, f"buyer_{rng.randrange(4000):04d}", str(account), True)
        o.live = True
        if s.id in run.leaders and rng.random() < 0.75:
            # the loss leader: the dearest product, three for the price of one
            i = max(range(shop.new_from), key=lambda k: shop.prices[k])
            o.lines = [(o.lines[0][0], shop.titles[i], shop.ids[i], 3, shop.prices[i] // 3)]
        if s.id == run.brushing and rng.random() < 0.5:
            o.note = "刷单 返现"
            o.buyer = rng.choice(("shuadan_01", "shuadan_02"))
            o.state = "done"
            o.paid = paid
        elif s.start <= paid < s.end + timedelta(minutes=30):
            f.regulars.append(o.buyer)
        if o.paid and s.start <= paid < s.end:  # what the agency saw on air
            run.computed[s.id] += sum(q_ * fen for *_, q_, fen in o.lines)


def _ordinary_orders(f: _File, retained: float) -> None:
    """The ordinary days in the sales windows around the festival (its own days excluded)."""
    run, rng, festival = f.run, f.run.rng, f.run.festival
    first, last = festival.days[0], festival.days[-1]
    windows = festival.doc.sales_windows
    for offset in range(-windows.before_days, len(festival.days) + windows.after_days):
        day = first + timedelta(days=offset)
        if first <= day <= last:
            continue
        busy = daily_trade(offset, (last - first).days + 1, retained)
        if day.weekday() >= 5:
            busy *= 1.2
        n = int(run.per_day * busy + rng.random())
        for _ in range(n):
            local = datetime.combine(day, time(9, 0)) + timedelta(seconds=rng.uniform(0, 14 * 3600))
            back = day > last and f.regulars and rng.random() < 0.35
            buyer = rng.choice(f.regulars) if back else f"buyer_{rng.randrange(4000):04d}"
            # an affiliate (精选联盟, 分销) sells a few of the orders outside the sessions
            daren = str(rng.randrange(10**11, 10**12)) if rng.random() < 0.04 else ""
            o = f.order(local.replace(tzinfo=festival.tz), buyer, daren, day > last)
            o.affiliate = bool(daren)


def _write_figures(
    path: Path,
    sessions: list[models.FestivalSession],
    inflated: str,
    computed: dict[str, int],
    rng: random.Random,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["场次编号", "场观", "人数峰值", "新增粉丝", "自报GMV", "填报人"])
        for s in sessions:
            views = rng.randint(3_000, 60_000)
            # agencies round up a little; the inflated streamer's agency triples and more
            factor = rng.uniform(3.0, 5.0) if s.streamer == inflated else rng.uniform(1.0, 1.15)
            claim_yuan = int(computed.get(s.id, 0) * factor / 100)
            w.writerow(
                [
                    s.id,
                    views,
                    views // rng.randint(8, 20),
                    views // rng.randint(40, 120),
                    f"{claim_yuan}.00",
                    s.streamer,
                ]
            )


def main(argv: list[str] | None = None) -> int:
    from citylive.db import get_engine, init_db

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--festival", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=2020)
    args = p.parse_args(argv)
    paths = write_exports(
        engine=init_db(get_engine()), festival_id=args.festival, out_dir=args.out, seed=args.seed
    )
    for path in paths:
        print(path)
    print(args.out / FIGURES_FILE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
