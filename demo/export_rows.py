"""The rows of the demo's exports, written as each back end writes them: the whole header row
of the platform's real export (citylive/sales/headers.py), its statuses, its money (per line,
or the order's amount on each of its item rows for jd and 1688), numeric 达人IDs, live-room
and traffic-source columns, 1688's order cells merged over the order's item rows (XLSX), and
products of the enterprise's industry."""

from __future__ import annotations

import csv
import random
from datetime import datetime
from pathlib import Path
from typing import Any

from citylive.festival import Festival
from citylive.sales.headers import EXPORT_HEADERS, SAMPLE_LAYOUT, export_row, layout_of
from citylive.sales.platforms import find, header_key

# how each platform's back end saves its export
FORMAT = {
    "douyin": "utf-8-sig",
    "taobao": "utf-8-sig",
    "jd": "gbk",
    "pdd": "xlsx",
    "1688": "xlsx",
    "kuaishou": "xlsx",
}
# exports with one product per order row (the others: one row per item line)
ONE_LINE = ("pdd", "kuaishou")
PRODUCTS: dict[str, list[str]] = {
    "lighting": ["LED吸顶灯", "水晶吊灯", "护眼台灯", "筒灯射灯", "户外庭院灯", "智能感应灯"],
    "apparel": ["牛仔裤", "休闲衬衫", "连衣裙", "针织开衫", "运动卫衣", "真丝围巾"],
    "locks-hardware": ["智能门锁", "指纹锁", "防盗门锁芯", "不锈钢合页", "抽屉滑轨", "门吸"],
    "kitchen-appliances": ["燃气灶", "油烟机", "消毒柜", "集成灶", "电热水器", "洗碗机"],
    "home-appliances": ["双门冰箱", "冷柜", "滚筒洗衣机", "空调扇", "除湿机", "酒柜"],
    "small-appliances": ["电饭煲", "空气炸锅", "电热水壶", "破壁机", "电吹风", "加湿器"],
    "tissue-paper": ["抽纸 24 包", "卷纸 30 卷", "湿巾", "厨房用纸", "手帕纸", "洗脸巾"],
    "office-furniture": ["办公椅", "办公桌", "文件柜", "会议桌", "屏风工位", "书架"],
    "baby-products": ["儿童推车", "婴儿床", "安全座椅", "学步车", "儿童餐椅", "婴儿背带"],
    "aquatic-products": ["脆肉鲩", "罗非鱼片", "虾干", "鱼干礼盒", "冻虾仁", "鱼腐"],
    "furniture": ["红木茶几", "实木沙发", "红木餐桌", "电视柜", "衣柜", "床头柜"],
    "electronics": ["蓝牙音箱", "充电宝", "智能插座", "无线耳机", "行车记录仪", "路由器"],
    "food": ["腊肠礼盒", "杏仁饼", "咀香园礼盒", "腊肉", "凉茶", "月饼礼盒"],
    "snacks": ["杏仁饼", "牛肉干", "坚果礼盒", "薯片", "蛋卷", "果干"],
    "cosmetics": ["保湿面霜", "洗面奶", "精华液", "防晒霜", "口红", "面膜"],
    "plants": ["发财树盆栽", "富贵竹", "兰花", "绿萝", "多肉组合", "金钱树"],
}
# What each platform calls an order in each state: done, in transit, closed, unpaid, refunded.
STATUS = {
    "douyin": ("已完成", "已发货", "已关闭", "待支付", "已完成"),
    "taobao": ("交易成功", "卖家已发货，等待买家确认", "交易关闭", "等待买家付款", "交易关闭"),
    "jd": ("完成", "等待确认收货", "已取消", "等待付款", "已取消"),
    "pdd": ("已签收", "已发货，待签收", "已取消", "待付款", "未发货，退款成功"),
    "kuaishou": ("交易成功", "已发货", "交易关闭", "待付款", "交易成功"),
    "1688": ("交易成功", "等待买家确认收货", "交易关闭", "等待买家付款", "交易关闭"),
}
STATES = ("done", "transit", "closed", "unpaid", "refunded")


def products_of(industry: str) -> list[str]:
    return PRODUCTS.get(industry, PRODUCTS["lighting"])


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _local(dt: datetime | None, festival: Festival) -> str:
    return dt.astimezone(festival.tz).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _order_values(platform: str, o: Any, festival: Festival) -> dict[str, Any]:
    """The order-level cells of an order's rows, by role."""
    state = STATES.index(o.state)
    status = STATUS[platform][state]
    paid = "" if o.state == "unpaid" else _local(o.paid, festival)
    total = sum(q * fen for *_, q, fen in o.lines)
    v: dict[str, Any] = {"order_id": o.order_id, "paid_at": paid, "status": status}
    refunded = o.state == "refunded"
    if platform == "douyin":
        v.update(
            order_id=f"\t{o.order_id}",
            after_sale="退款成功" if refunded else "-",
            streamer=f"\t{o.account}" if o.account else "",
            live_room="直播" if o.live else "商品卡",
            channel="精选联盟" if o.affiliate else ("直播" if o.live else "自然流量"),
            buyer=o.buyer,
        )
    elif platform == "taobao":
        v.update(after_sale="退款成功" if refunded else "无退款申请")
    elif platform == "jd":
        v.update(order_id=f'="{o.order_id}"', amount=_yuan(total), buyer=o.buyer)
    elif platform == "pdd":
        v.update(
            after_sale="退款成功" if refunded else "无售后或售后取消",
            live_room="是" if o.live else "否",
        )
    elif platform == "kuaishou":
        v.update(
            after_sale="退款成功" if refunded else "-",
            live_room="直播间" if o.live else "商品卡",
            channel="分销" if o.affiliate else "自卖",
            streamer=str(o.account) if o.affiliate else "",
        )  # the 61-column export names no buyer account
    else:  # 1688
        v.update(amount=_yuan(total), buyer=o.buyer)
    if o.note:
        v["note"] = o.note
    return v


def _line_values(platform: str, o: Any, line: tuple[str, str, str, int, int]) -> dict[str, Any]:
    line_id, title, product_id, qty, fen = line
    v: dict[str, Any] = {"product_title": title, "quantity": qty}
    if platform == "douyin":
        v.update(line_id=f"\t{line_id}", product_id=f"\t{product_id}", amount=_yuan(qty * fen))
        v["unit_price"] = _yuan(fen)
    elif platform == "taobao":
        refund = _yuan(qty * fen) if o.state == "refunded" else "无退款申请"
        v.update(line_id=line_id, product_id=product_id, amount=_yuan(qty * fen), refund=refund)
        v["unit_price"] = _yuan(fen)
    elif platform == "jd":
        v.update(product_id=product_id, unit_price=_yuan(fen))
    elif platform == "pdd":
        v.update(product_id=product_id, amount=_yuan(qty * fen), line_price=_yuan(qty * fen))
    elif platform == "kuaishou":
        v.update(product_id=product_id, unit_price=_yuan(fen), amount=f"￥{qty * fen / 100:,.2f}")
    else:
        v.update(unit_price=_yuan(fen), after_sale="退款成功" if o.state == "refunded" else "")
    return v


def export_rows(
    platform: str, orders: list[Any], festival: Festival, rng: random.Random, bad: bool
) -> tuple[list[list[Any]], list[tuple[int, int]]]:
    """The rows of one export, and the (first row, rows) of each order spanning several rows
    (merged in 1688's XLSX)."""
    key = SAMPLE_LAYOUT[platform]
    rows: list[list[Any]] = []
    spans: list[tuple[int, int]] = []
    for o in orders:
        order = _order_values(platform, o, festival)
        if len(o.lines) > 1:
            spans.append((len(rows), len(o.lines)))
        for line in o.lines:
            rows.append(export_row(key, {**order, **_line_values(platform, o, line)}))
    if bad and rows:
        _spoil(key, rows, rng)
    return rows, spans


def _spoil(key: str, rows: list[list[Any]], rng: random.Random) -> None:
    """A few bad rows, as real files have: bad money, no order id, an unknown status, an
    impossible time."""
    cols = layout_of(key)
    keys = [header_key(h) for h in EXPORT_HEADERS[key]]
    spoils = [("amount", "12.3.4"), ("status", "待审核"), ("paid_at", "2020-13-01 10:00:00")]
    if not cols.per_order:  # there, a row without an order id is the next item of the one above
        spoils.append(("order_id", ""))
    for role, value in spoils:
        r = list(rng.choice(rows))
        i = find(keys, getattr(cols, role))
        assert i is not None
        r[i] = value
        rows.append(r)  # after the orders: 1688's merged ranges stay where they are


def write_export(
    path: Path, platform: str, rows: list[list[Any]], spans: list[tuple[int, int]]
) -> None:
    headers = EXPORT_HEADERS[SAMPLE_LAYOUT[platform]]
    fmt = FORMAT[platform]
    if fmt != "xlsx":
        with path.open("w", encoding=fmt, newline="", errors="strict") as fh:
            w = csv.writer(fh)
            w.writerow(headers)
            w.writerows(rows)
        return
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    if platform == "1688":  # the order's cells merged over its item rows
        cols = layout_of(SAMPLE_LAYOUT[platform])
        keys = [header_key(h) for h in headers]
        item = {find(keys, n) for n in (cols.quantity, cols.unit_price, cols.product_title)}
        item.add(find(keys, cols.after_sale))
        for first, n in spans:
            for k in range(len(headers)):
                if k not in item:
                    ws.merge_cells(
                        start_row=first + 2,
                        start_column=k + 1,
                        end_row=first + n + 1,
                        end_column=k + 1,
                    )
    wb.save(path)
