"""Factories for the sales tests: a stored festival with sessions, and export files shaped as the
platforms' back ends write them (Chinese headers, Excel guards, GBK or UTF-8 with BOM, XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

import models
from citylive.festival import Festival, SlotRef, load_festival
from citylive.festival.storage import import_festival
from citylive.sales.ingest import ingest_files

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"

DOUYIN_HEADERS = [
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
]
TAOBAO_HEADERS = [
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
]
JD_HEADERS = [
    "订单号",
    "商品ID",
    "商品名称",
    "订购数量",
    "下单帐号",
    "应付金额",
    "付款确认时间",
    "订单状态",
]
PDD_HEADERS = [
    "商品",
    "订单号",
    "订单状态",
    "用户实付金额(元)",
    "商品数量(件)",
    "订单成交时间",
    "售后状态",
    "商品id",
    "商家备注",
]
ALIBABA_HEADERS = [
    "订单编号",
    "买家会员名",
    "货品标题",
    "数量",
    "实付款(元)",
    "订单状态",
    "订单付款时间",
    "退货状态",
]
KUAISHOU_HEADERS = [
    "订单号",
    "商品ID",
    "商品名称",
    "商品数量",
    "实付款",
    "支付时间",
    "订单状态",
    "售后状态",
    "主播ID",
]


# Sessions of the small festival used across the sales tests: (n, enterprise, streamer,
# platform, venue, day index, slot index).  Slots: 10-12, 14-16, 19-21, 21-23 (Asia/Shanghai).
SESSIONS = [
    (1, "huayi", "li-ming", "douyin", "guzhen-venue", 0, 2),  # 2020-06-06 19:00-21:00
    (2, "huayi", "huayi-host", "taobao", "guzhen-venue", 1, 0),  # 2020-06-07 10:00-12:00
    (3, "ruiang", "ren-jing", "douyin", "main", 0, 0),  # 2020-06-06 10:00-12:00
    (4, "juhao", "chen-hua", "pdd", "guzhen-venue", 0, 1),  # 2020-06-06 14:00-16:00
    (5, "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, 1),  # 2020-06-07 14:00-16:00
    (6, "ruiang", "ren-jing", "douyin", "main", 1, 2),  # 2020-06-07 19:00-21:00, declined
]


def session_id(festival: Festival, n: int) -> str:
    return f"{festival.id}-s{n:05d}"


def add_session(
    db: Session,
    festival: Festival,
    n: int,
    enterprise: str,
    streamer: str,
    platform: str,
    venue: str,
    day: int,
    slot: int,
    status: str = "confirmed",
) -> models.FestivalSession:
    ref = SlotRef(day, slot)
    e = festival.enterprise[enterprise]
    row = models.FestivalSession(
        id=session_id(festival, n),
        festival_id=festival.id,
        enterprise=enterprise,
        streamer=streamer,
        platform=platform,
        venue=venue,
        studio=1,
        start=festival.slot_start(ref),
        end=festival.slot_end(ref),
        status=status,  # type: ignore[arg-type]
        town=e.town,
        industry=e.industry,
        day=festival.days[day],
        slot=slot,
        version=1,
    )
    db.add(row)
    return row


def small_festival_with_sessions(
    engine: Engine, festival: Festival | None = None, venues: dict[int, str] | None = None
) -> Festival:
    """examples/small.yaml (or `festival`, with the same ids) imported, with SESSIONS stored
    (session 6 declined; `venues` moves session n to another venue)."""
    festival = festival or load_festival(SMALL)
    moved = venues or {}
    with Session(engine) as db:
        import_festival(db, festival)
        for n, ent, st, platform, venue, day, slot in SESSIONS:
            status = "declined" if n == 6 else "confirmed"
            add_session(db, festival, n, ent, st, platform, moved.get(n, venue), day, slot, status)
        db.commit()
    return festival


def write_csv(
    path: Path, headers: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


def write_xlsx(
    path: Path, headers: list[str], rows: list[list[Any]], title: str | None = None
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def douyin_row(
    order: str,
    line: str,
    paid: str,
    amount: str = "100.00",
    qty: int = 1,
    status: str = "已完成",
    after: str = "-",
    account: str = "liming_dy",
    note: str = "",
    buyer: str = "buyer-a",
) -> list[Any]:
    # ids guarded against Excel the way 抖店 writes them: a leading tab
    return [
        f"\t{order}",
        f"\t{line}",
        "LED吸顶灯",
        "\t3456789",
        qty,
        amount,
        paid,
        status,
        after,
        account,
        "李明",
        "直播",
        note,
        buyer,
    ]


def build_sales(engine: Engine, tmp_path: Path) -> None:
    """The hand-computed data set (see the expected values in each test)."""
    small_festival_with_sessions(engine)
    ingest_sales(engine, tmp_path)


def ingest_sales(engine: Engine, tmp_path: Path) -> None:
    """The hand-computed data set's export files, ingested into the stored small-2020."""
    huayi_dy = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00", 1, buyer="A"),
            douyin_row("o1", "o1-2", "2020-06-06 19:10:00", "50.00", 2, buyer="A"),
            douyin_row(
                "o2", "o2-1", "2020-06-06 19:20:00", "200.00", 1, after="退款成功", buyer="B"
            ),
            douyin_row("o3", "o3-1", "2020-06-06 20:50:00", "80.00", 1, status="已关闭", buyer="C"),
            douyin_row(
                "o4", "o4-1", "2020-06-06 21:10:00", "300.00", 3, buyer="A", note="刷单 返现"
            ),
            douyin_row("o5", "o5-1", "2020-06-06 22:00:00", "70.00", 1, buyer="D"),
        ],
        encoding="gbk",
    )
    huayi_tb = write_csv(
        tmp_path / "huayi_taobao.csv",
        TAOBAO_HEADERS,
        [
            [
                "7001",
                "tb1",
                "99.00",
                "交易成功",
                "2020-06-07 10:30:00",
                "灯",
                1,
                "华艺灯饰旗舰店",
                "",
                "",
            ],
            [
                "7002",
                "tb2",
                "99.00",
                "交易成功",
                "2020-06-07 10:40:00",
                "灯",
                1,
                "华艺灯饰旗舰店",
                "99.00",
                "",
            ],
        ],
    )
    ruiang = write_csv(
        tmp_path / "ruiang_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row(
                "r1", "r1-1", "2020-06-06 11:00:00", "500.00", 5, account="renjing_live", buyer="R"
            ),
        ],
    )
    result = ingest_files(
        engine=engine, festival_id="small-2020", paths=[huayi_dy, huayi_tb, ruiang]
    )
    assert result.summary_line() == "read=9 stored=9 quarantined=0 duplicates=0"


def build_weeks(engine: Engine, tmp_path: Path) -> None:
    """The after-the-hype data set, small enough to check by hand (tests/sales/test_sales_lift.py
    works every expected figure out from these lines).

    huayi on douyin, product 3456789 (吸顶灯) and, new at the festival, 3456790 (台灯):
    - before (05-30 .. 06-03): A buys 2 x 100.00; B 1 x 120.00; C 1 x 80.00, refunded;
    - festival, session 1 (06-06 19:00-21:00, li-ming): D 1 x 50.00 of 3456789, E 1 x 200.00
      of the new 3456790, A 1 x 95.00 of 3456789;
    - after: D again 06-10, 1 x 100.00; F 06-12, 60.00, the order closed (cancelled).
    ruiang on douyin: R in session 3 (06-06 10:00-12:00), 1 x 300.00, never seen before.
    """
    small_festival_with_sessions(engine)

    def row(
        order: str,
        paid: str,
        amount: str,
        qty: int,
        buyer: str,
        product: str = "3456789",
        **kw: Any,
    ) -> list[Any]:
        r = douyin_row(order, f"{order}-1", paid, amount, qty, buyer=buyer, **kw)
        r[3] = f"\t{product}"
        r[2] = "台灯" if product == "3456790" else "吸顶灯"
        return r

    huayi = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [
            row("b1", "2020-05-30 10:00:00", "200.00", 2, "A", account=""),
            row("b2", "2020-06-01 11:00:00", "120.00", 1, "B", account=""),
            row("b3", "2020-06-03 12:00:00", "80.00", 1, "C", after="退款成功", account=""),
            row("f1", "2020-06-06 19:30:00", "50.00", 1, "D"),
            row("f2", "2020-06-06 19:40:00", "200.00", 1, "E", product="3456790"),
            row("f3", "2020-06-06 20:10:00", "95.00", 1, "A"),
            row("a1", "2020-06-10 09:00:00", "100.00", 1, "D", account=""),
            row("a2", "2020-06-12 09:00:00", "60.00", 1, "F", status="已关闭", account=""),
        ],
        encoding="gbk",
    )
    ruiang = write_csv(
        tmp_path / "ruiang_douyin.csv",
        DOUYIN_HEADERS,
        [
            row(
                "r1",
                "2020-06-06 11:00:00",
                "300.00",
                1,
                "R",
                product="8800",
                account="renjing_live",
            )
        ],
    )
    result = ingest_files(engine=engine, festival_id="small-2020", paths=[huayi, ruiang])
    assert result.summary_line() == "read=9 stored=9 quarantined=0 duplicates=0"
