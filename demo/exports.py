"""Realistic platform order exports for the sessions a festival planned, over eight weeks.

    python -m demo.exports --festival zs-2020 --out /tmp/exports     # uses CITYLIVE_DATABASE_URL

One file per enterprise and platform, shaped as each back end writes it: douyin as GBK CSV
(Excel on Chinese Windows) with tab-guarded ids, taobao as UTF-8 CSV with a BOM, jd as UTF-8
CSV, pdd and kuaishou as XLSX, 1688 as GB18030 CSV.  Each file covers the festival's windows
(`sales_windows`, 28 days before and after by default): a steady trade before, with weekends a
little busier and a warm-up in the last week; the festival's sessions (most orders inside
their slot, some in the 30 minutes after it, some later that day); after it, a rise that decays
over a few weeks, some of it from buyers the sessions brought, who come back.  Prices are each
product's list price with the occasional coupon; a few products are new at the festival.
Also written on purpose:
- a few loss-leader sessions, selling one product at well under half its price before;
- a few bad rows (bad money, a missing order id, an unknown status, an impossible time);
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
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import models
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from models.enums import LIVE_STATUSES

FIGURES_FILE = Path("figures") / "session_figures.csv"

HEADERS: dict[str, list[str]] = {
    "douyin": [
        "主订单编号",
        "子订单编号",
        "选购商品",
        "商品ID",
        "商品数量",
        "订单应付金额",
        "支付完成时间",
        "订单状态",
        "售后状态",
        "达人ID",
        "达人昵称",
        "流量来源",
        "商家备注",
        "买家昵称",
    ],
    "taobao": [
        "订单编号",
        "买家会员名",
        "买家实际支付金额",
        "订单状态",
        "订单付款时间",
        "宝贝标题",
        "宝贝总数量",
        "店铺名称",
        "退款金额",
        "订单备注",
    ],
    "jd": [
        "订单号",
        "商品ID",
        "商品名称",
        "订购数量",
        "下单帐号",
        "应付金额",
        "付款确认时间",
        "订单状态",
        "商家备注",
    ],
    "pdd": [
        "商品",
        "订单号",
        "订单状态",
        "用户实付金额(元)",
        "商品数量(件)",
        "订单成交时间",
        "售后状态",
        "商品id",
        "商家备注",
    ],
    "1688": [
        "订单编号",
        "买家会员名",
        "货品标题",
        "数量",
        "实付款(元)",
        "订单状态",
        "订单付款时间",
        "退货状态",
        "卖家备注",
    ],
    "kuaishou": [
        "订单号",
        "商品ID",
        "商品名称",
        "商品数量",
        "实付款",
        "支付时间",
        "订单状态",
        "售后状态",
        "主播ID",
        "商家备注",
    ],
}
# how each platform's back end saves its export
FORMAT = {
    "douyin": "gbk",
    "taobao": "utf-8-sig",
    "jd": "utf-8",
    "pdd": "xlsx",
    "1688": "gb18030",
    "kuaishou": "xlsx",
}
PRODUCTS = [
    "LED吸顶灯",
    "水晶吊灯",
    "护眼台灯",
    "牛仔裤",
    "休闲衬衫",
    "连衣裙",
    "智能门锁",
    "电饭煲",
    "纸巾 24 包",
    "儿童推车",
    "腊肠礼盒",
    "红木茶几",
    "发财树盆栽",
    "保湿面霜",
]


class _Order:
    __slots__ = ("order_id", "lines", "paid", "buyer", "status", "after", "note", "account")

    def __init__(self, order_id: str, paid: datetime | None, buyer: str, account: str):
        self.order_id = order_id
        self.lines: list[tuple[str, str, str, int, int]] = []  # line id, title, id, qty, fen
        self.paid = paid
        self.buyer = buyer
        self.status = "已完成"
        self.after = "-"
        self.note = ""
        self.account = account


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _local(dt: datetime | None, festival: Festival) -> str:
    return dt.astimezone(festival.tz).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


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
    computed: dict[str, int] = defaultdict(int)
    paths: list[Path] = []
    counter = 0
    first, last = festival.days[0], festival.days[-1]
    windows = festival.doc.sales_windows
    for file_no, ((enterprise, platform), group) in enumerate(sorted(by_file.items())):
        titles = rng.sample(PRODUCTS, 5)
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
        orders: list[_Order] = []
        regulars: list[str] = []  # buyers the sessions brought

        def order(
            paid: datetime,
            buyer: str,
            account: str,
            festival_day: bool,
            shop: _Shop = shop,
            orders: list[_Order] = orders,
            platform: str = platform,
        ) -> _Order:
            nonlocal counter
            counter += 1
            o = _Order(f"{platform[:2].upper()}{seed}{counter:08d}", paid, buyer, account)
            i = shop.pick(rng, festival_day)
            coupon = 0.9 if rng.random() < 0.15 else 1.0
            for k in range(1 if rng.random() < 0.8 else 2):
                if k and platform == "douyin":  # one row per item: the second can differ
                    i = shop.pick(rng, festival_day)
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
            if q < 0.02:
                o.status = "已关闭"
            elif q < 0.05:
                o.after = "退款成功"
            orders.append(o)
            return o

        for s in group:
            streamer = festival.streamer.get(s.streamer)
            account = (streamer.accounts.get(platform, "") if streamer else "") or ""
            span = (s.end - s.start).total_seconds()
            for _ in range(rng.randint(*orders_per_session)):
                r = rng.random()
                if r < 0.82:
                    paid = s.start + timedelta(seconds=rng.uniform(0, span - 1))
                elif r < 0.92:
                    paid = s.end + timedelta(seconds=rng.uniform(0, 29 * 60))
                else:  # the sales that stay after the session
                    paid = s.end + timedelta(hours=rng.uniform(1, 20))
                o = order(paid, f"buyer_{rng.randrange(4000):04d}", account, True)
                if s.id in leaders and rng.random() < 0.75:
                    # the loss leader: the dearest product, three for the price of one
                    i = max(range(shop.new_from), key=lambda k: shop.prices[k])
                    o.lines = [(o.lines[0][0], shop.titles[i], shop.ids[i], 3, shop.prices[i] // 3)]
                if s.id == brushing and rng.random() < 0.5:
                    o.note = "刷单 返现"
                    o.buyer = rng.choice(("shuadan_01", "shuadan_02"))
                    o.after = "-"
                    o.status = "已完成"
                elif s.start <= paid < s.end + timedelta(minutes=30):
                    regulars.append(o.buyer)
                if s.start <= paid < s.end:  # what the agency saw on air (grace minutes aside)
                    computed[s.id] += sum(q_ * fen for *_, q_, fen in o.lines)
        for offset in range(-windows.before_days, len(festival.days) + windows.after_days):
            day = first + timedelta(days=offset)
            if first <= day <= last:
                continue
            busy = daily_trade(offset, (last - first).days + 1, retained)
            if day.weekday() >= 5:
                busy *= 1.2
            n = int(per_day * busy + rng.random())
            for _ in range(n):
                local = datetime.combine(day, time(9, 0)) + timedelta(
                    seconds=rng.uniform(0, 14 * 3600)
                )
                back = day > last and regulars and rng.random() < 0.35
                buyer = rng.choice(regulars) if back else f"buyer_{rng.randrange(4000):04d}"
                order(local.replace(tzinfo=festival.tz), buyer, "", day > last)
        orders.sort(key=lambda o: o.paid or datetime.min.replace(tzinfo=festival.tz))
        rows = _rows(platform, orders, festival, rng, bad=(file_no % 7 == 3))
        path = (
            out_dir
            / f"{enterprise}_{platform}_orders.{'xlsx' if FORMAT[platform] == 'xlsx' else 'csv'}"
        )
        _write(path, HEADERS[platform], rows, FORMAT[platform])
        paths.append(path)
    # the same export downloaded twice
    dup = paths[0].with_name(paths[0].stem + "_重新导出" + paths[0].suffix)
    shutil.copyfile(paths[0], dup)
    paths.append(dup)
    _write_figures(out_dir / FIGURES_FILE, sessions, inflated_streamer, computed, rng)
    return paths


def _rows(
    platform: str, orders: list[_Order], festival: Festival, rng: random.Random, bad: bool
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for o in orders:
        paid = _local(o.paid, festival)
        total_qty = sum(q for *_, q, _ in o.lines)
        total = sum(q * fen for *_, q, fen in o.lines)
        if platform == "douyin":
            for line_id, product, product_id, qty, fen in o.lines:
                rows.append(
                    [
                        f"\t{o.order_id}",
                        f"\t{line_id}",
                        product,
                        f"\t{product_id}",
                        qty,
                        _yuan(qty * fen),
                        paid,
                        o.status,
                        o.after,
                        o.account,
                        "",
                        "直播",
                        o.note,
                        o.buyer,
                    ]
                )
        elif platform == "taobao":
            refund = _yuan(total) if o.after == "退款成功" else "0.00"
            rows.append(
                [
                    o.order_id,
                    o.buyer,
                    f"¥{total / 100:,.2f}",
                    "交易关闭" if o.status == "已关闭" else "交易成功",
                    paid,
                    o.lines[0][1],
                    total_qty,
                    "旗舰店",
                    refund,
                    o.note,
                ]
            )
        elif platform == "jd":
            status = "已取消" if o.status == "已关闭" or o.after == "退款成功" else "已完成"
            rows.append(
                [
                    f'="{o.order_id}"',
                    o.lines[0][2],
                    o.lines[0][1],
                    total_qty,
                    o.buyer,
                    _yuan(total),
                    paid,
                    status,
                    o.note,
                ]
            )
        elif platform == "pdd":
            rows.append(
                [
                    o.lines[0][1],
                    o.order_id,
                    "已签收" if o.status != "已关闭" else "已取消",
                    total / 100,
                    total_qty,
                    o.paid.astimezone(festival.tz).replace(tzinfo=None) if o.paid else None,
                    "退款成功" if o.after == "退款成功" else "无售后或售后取消",
                    o.lines[0][2],
                    o.note,
                ]
            )
        elif platform == "1688":
            rows.append(
                [
                    o.order_id,
                    o.buyer,
                    o.lines[0][1],
                    total_qty,
                    f"{total / 100:,.2f}",
                    "交易关闭" if o.status == "已关闭" else "交易成功",
                    paid,
                    o.after if o.after != "-" else "",
                    o.note,
                ]
            )
        else:  # kuaishou
            rows.append(
                [
                    o.order_id,
                    f"\t{o.lines[0][2]}",
                    o.lines[0][1],
                    total_qty,
                    f"¥{_yuan(total)}",
                    paid,
                    "已关闭" if o.status == "已关闭" else "已完成",
                    o.after,
                    o.account,
                    o.note,
                ]
            )
    if bad and rows:
        h = HEADERS[platform]
        for kind in ("money", "order", "status", "time"):
            r = list(rng.choice(rows))
            if kind == "money":
                r[
                    _col(
                        h,
                        (
                            "订单应付金额",
                            "买家实际支付金额",
                            "应付金额",
                            "用户实付金额(元)",
                            "实付款(元)",
                            "实付款",
                        ),
                    )
                ] = "12.3.4"
            elif kind == "order":
                r[_col(h, ("主订单编号", "订单编号", "订单号"))] = ""
            elif kind == "status":
                r[_col(h, ("订单状态",))] = "待审核"
            else:
                r[
                    _col(
                        h,
                        (
                            "支付完成时间",
                            "订单付款时间",
                            "付款确认时间",
                            "订单成交时间",
                            "支付时间",
                        ),
                    )
                ] = "2020-13-01 10:00:00"
            rows.insert(rng.randrange(len(rows) + 1), r)
    return rows


def _col(headers: list[str], names: tuple[str, ...]) -> int:
    return next(headers.index(n) for n in names if n in headers)


def _write(path: Path, headers: list[str], rows: list[list[Any]], fmt: str) -> None:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("订单")
        ws.append(headers)
        for r in rows:
            ws.append(r)
        wb.save(path)
        return
    with path.open("w", encoding=fmt, newline="", errors="strict") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow([str(c).replace("¥", "￥") if fmt in ("gbk", "gb18030") else c for c in r])


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
