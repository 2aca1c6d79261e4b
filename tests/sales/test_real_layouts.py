"""Every layout the product reads, each as a file with the header row the back end writes.

The header rows are citylive/sales/headers.py's EXPORT_HEADERS, taken from public code that
reads the platforms' real exports (found by searching public repositories' code):
- douyin: a settlement app's 抖店 order fixture (`PLATFORM_HEAD = '主订单编号,子订单编号,选购商品,
  商品规格,...'`) and an order-replay script's CSV (`主订单编号,子订单编号,订单提交时间,商品ID,选购商品,
  商家编码,商品金额,平台优惠,流量体裁,流量渠道,流量来源,流量类型`);
- taobao 千牛 订单报表 / 订单明细: a Taobao order importer (`r['买家实付金额']`, `r['买家应付邮费']`,
  `r['确认收货打款金额']`; `r['子订单编号']`, `r['主订单编号']`, `r['商品价格']`, `r['购买数量']`,
  `r['退款状态']`); ExportOrderList: analyses of the public tmall_order_report.csv
  (`'订单编号', '买家会员名', '买家实际支付金额', '收货地址', '宝贝种类', '宝贝总数量', '退款金额'`);
- jd: an order-import controller's column list (`0-->订单号 ... 10-->应付金额 ... 24-->付款确认时间`);
- pdd: pandas scripts (`PDD_COL_USER_ACTUAL_PAYMENT = '用户实付金额(元)'`, `'商品数量(件)'`, `'商品id'`);
- kuaishou: a shop-data importer's file spec of the 61-column 快手订单 export (`"订单号", "赠品订单号",
  "活动订单编号", "订单创建时间", "订单支付时间", ... "订单载体", ... "渠道", "CPS达人ID", ...`);
- 1688: a browser extension that writes 1688's own order export (`{ header: "实付款", key:
  "actualPayment" }`, ... `"货品标题"`, `"单价(元)"`, `"数量"`, `"Offer ID"`, merging columns A-R and
  AC-AF over an order's item rows); 退货状态, 卖家备注 per shared/spec/sales-exports.md.

Each file holds a two-item order, a refund, a cancellation, an unpaid order and (where the
platform has the columns) an affiliate's line and a live-room column; GMV and net GMV are
asserted to the fen.  GMV: lines with a paid time; net: those whose sale stood.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support.sales_factories import write_csv, write_xlsx

from citylive.sales.columnar import read_lines
from citylive.sales.headers import EXPORT_HEADERS, export_row
from citylive.sales.readers import open_export
from citylive.sales.rows import Line, Refused

TZ = ZoneInfo("Asia/Shanghai")
T = "2020-06-06 19:30:00"


def read(path: Path) -> tuple[str, list[Line], list[Refused]]:
    export = open_export(path)
    got = list(read_lines(export, TZ))
    lines = [x for x in got if isinstance(x, Line)]
    refused = [x for x in got if isinstance(x, Refused)]
    return f"{export.platform} {export.columns.layout}", lines, refused


def money(lines: list[Line]) -> tuple[int, int]:
    gmv = sum(x.amount_fen for x in lines if x.paid_at is not None)
    net = sum(x.amount_fen for x in lines if x.paid_at is not None and x.stands)
    return gmv, net


def test_douyin_layout_reads_affiliates_live_room_and_refunds(tmp_path: Path) -> None:
    def row(order: str, line: str, amount: str, status: str, **kw: Any) -> list[Any]:
        values = {
            "order_id": f"\t{order}",
            "line_id": f"\t{line}",
            "product_title": kw.get("title", "LED吸顶灯"),
            "quantity": kw.get("qty", 1),
            "unit_price": kw.get("price", amount),
            "amount": amount,
            "paid_at": kw.get("paid", T),
            "status": status,
            "after_sale": kw.get("after", "-"),
            "streamer": f"\t{kw.get('account', '108314295234')}",
            "live_room": kw.get("live", "直播"),
            "channel": kw.get("channel", "自然流量"),
        }
        return export_row("douyin", values)

    rows = [
        row("4923001", "4923001-1", "33.00", "已完成"),
        row("4923001", "4923001-2", "66.99", "已完成", title="LED台灯", qty=2, price="33.50"),
        row("4923002", "4923002-1", "50.00", "已完成", after="退款成功"),
        row("4923003", "4923003-1", "20.00", "已关闭"),
        row("4923004", "4923004-1", "10.00", "待支付", paid=""),
        # an affiliate's sale (精选联盟, another 达人ID) and one from a short video
        row("4923005", "4923005-1", "40.00", "已发货", account="70012345", channel="精选联盟"),
        row("4923006", "4923006-1", "15.00", "已完成", live="短视频"),
    ]
    path = write_csv(tmp_path / "huayi_douyin.csv", EXPORT_HEADERS["douyin"], rows)
    layout, lines, refused = read(path)
    assert (layout, refused) == ("douyin 抖店 订单导出", [])
    assert money(lines) == (22499, 15499)
    by = {x.line_id: x for x in lines}
    assert by["4923004-1"].paid_at is None and not by["4923004-1"].stands  # stored, not a sale
    assert (by["4923005-1"].affiliate, by["4923005-1"].streamer_account) == (True, "70012345")
    assert [by[k].live_room for k in ("4923001-1", "4923006-1")] == [True, False]
    assert by["4923001-1"].affiliate is False


def _taobao_detail(order: str, sub: str, title: str, price: str, qty: int, paid: str, **kw: Any):
    return export_row(
        "taobao 订单明细",
        {
            "line_id": sub,
            "order_id": order,
            "product_title": title,
            "unit_price": price,
            "quantity": qty,
            "amount": paid,
            "status": kw.get("status", "买家已付款，等待卖家发货"),
            "paid_at": kw.get("at", "2020/06/06 19:30"),
            "after_sale": kw.get("refund_status", "无退款申请"),
            "refund": kw.get("refund", "无退款申请"),
        },
    )


def test_taobao_item_lines_read_real_statuses_and_refund_columns(tmp_path: Path) -> None:
    rows = [
        _taobao_detail("3001", "3001-1", "吊灯", "33.00", 1, "33.00"),
        _taobao_detail("3001", "3001-2", "台灯", "33.50", 2, "66.99"),
        _taobao_detail(
            "3002", "3002-1", "吊灯", "50.00", 1, "50.00",
            status="交易关闭", refund_status="退款成功", refund="50.00",
        ),
        _taobao_detail("3003", "3003-1", "壁灯", "20.00", 1, "20.00", status="交易关闭"),
        _taobao_detail("3004", "3004-1", "壁灯", "10.00", 1, "10.00", status="等待买家付款", at=""),
        _taobao_detail("3005", "3005-1", "落地灯", "40.00", 1, "40.00", status="卖家已发货，等待买家确认"),
        # a refund asked for and not yet through: the sale stands, the status kept as written
        _taobao_detail("3006", "3006-1", "筒灯", "15.00", 1, "15.00", status="退款中"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "huayi_taobao.csv", EXPORT_HEADERS["taobao 订单明细"], rows)
    layout, lines, refused = read(path)
    assert (layout, refused) == ("taobao 订单明细", [])
    assert money(lines) == (22499, 15499)
    by = {x.line_id: x for x in lines}
    assert (by["3006-1"].stands, by["3006-1"].status) == (True, "退款中")
    assert (by["3002-1"].refund_fen, by["3001-1"].refund_fen) == (5000, 0)


def _order_report(key: str, order: str, title: str, qty: int, paid: str, status: str, **kw: Any):
    amount_role = {"order_id": order, "product_title": title, "quantity": qty, "amount": paid}
    return export_row(
        key,
        {
            **amount_role,
            "status": status,
            "paid_at": kw.get("at", T),
            "refund": kw.get("refund", "0.00"),
            "shop": "华艺灯饰旗舰店",
        },
    )


@pytest.mark.parametrize(
    ("key", "encoding", "suffix"),
    [("taobao 千牛 订单报表", None, ".xlsx"), ("taobao ExportOrderList", "gbk", ".csv")],
)
def test_taobao_order_reports_count_an_orders_money_once_over_its_item_rows(
    tmp_path: Path, key: str, encoding: str | None, suffix: str
) -> None:
    # the order's 买家实付金额 / 买家实际支付金额 written on each of its item rows: split by
    # quantity (no price column), 1 and 2 units of 99.99 -> 33.33 and 66.66
    rows = [
        _order_report(key, "7001", "吊灯", 1, "99.99", "买家已付款，等待卖家发货"),
        _order_report(key, "7001", "台灯", 2, "99.99", "买家已付款，等待卖家发货"),
        _order_report(key, "7002", "吊灯", 1, "50.00", "交易关闭", refund="50.00"),
        _order_report(key, "7003", "壁灯", 1, "20.00", "交易关闭"),
        _order_report(key, "7004", "壁灯", 1, "10.00", "等待买家付款", at=""),
        _order_report(key, "7005", "落地灯", 1, "40.00", "卖家已发货，等待买家确认"),
    ]
    headers = EXPORT_HEADERS[key]
    path = (
        write_xlsx(tmp_path / f"huayi{suffix}", headers, rows)
        if suffix == ".xlsx"
        else write_csv(tmp_path / f"huayi{suffix}", headers, rows, encoding=encoding or "utf-8")
    )
    layout, lines, refused = read(path)
    assert (layout, refused) == (key, [])
    assert [(x.order_id, x.amount_fen) for x in lines if x.order_id == "7001"] == [
        ("7001", 3333),
        ("7001", 6666),
    ]
    assert money(lines) == (20999, 13999)
    assert [x.refund_fen for x in lines if x.order_id == "7002"] == [5000]


def test_jd_counts_the_orders_payable_once_split_by_list_price(tmp_path: Path) -> None:
    def row(order: str, sku: str, qty: int, price: str, payable: str, status: str, at: str = T):
        return export_row(
            "jd",
            {
                "order_id": order,
                "product_id": sku,
                "product_title": f"商品{sku}",
                "quantity": qty,
                "unit_price": price,
                "amount": payable,
                "status": status,
                "paid_at": at,
                "buyer": "jd_buyer",
            },
            {"订单金额": payable, "支付方式": "在线支付"},
        )

    # 应付金额 99.99 on both rows of order 1001: 33.00 x1 and 66.00 x2 weigh 3300 : 13200,
    # so 19.99 and 80.00 (the remainder on the last line); GBK as the back end writes it
    rows = [
        row("1001", "A1", 1, "33.00", "99.99", "等待出库"),
        row("1001", "A2", 2, "66.00", "99.99", "等待出库"),
        row("1002", "B1", 1, "50.00", "50.00", "(删除)等待出库"),
        row("1003", "C1", 1, "20.00", "20.00", "已取消"),
        row("1004", "D1", 1, "10.00", "10.00", "等待付款", at=""),
        row("1005", "E1", 1, "40.00", "40.00", "等待确认收货", at="2020/06/06 19:31"),
    ]
    path = write_csv(tmp_path / "huayi_jd.csv", EXPORT_HEADERS["jd"], rows, encoding="gbk")
    layout, lines, refused = read(path)
    assert (layout, refused) == ("jd 京东 订单导出", [])
    assert [x.amount_fen for x in lines if x.order_id == "1001"] == [1999, 8000]
    assert money(lines) == (20999, 13999)


def test_pdd_reads_paid_time_refund_status_and_live_room(tmp_path: Path) -> None:
    def row(order: str, paid: str, status: str, live: str, **kw: Any) -> list[Any]:
        return export_row(
            "pdd",
            {
                "product_title": "LED吸顶灯",
                "order_id": order,
                "status": status,
                "line_price": paid,
                "amount": paid,
                "quantity": 1,
                "product_id": "889900",
                "paid_at": kw.get("at", T),
                "after_sale": kw.get("after", "无售后或售后取消"),
                "live_room": live,
            },
            # 订单成交时间 is when the order was placed: the paid time is 支付时间
            {"订单成交时间": "2020-06-06 18:00:00"},
        )

    rows = [
        row("200606-01", "99.99", "已签收", "是"),
        row("200606-02", "50.00", "未发货，退款成功", "是", after="退款成功"),
        row("200606-03", "20.00", "已取消", "是"),
        row("200606-04", "10.00", "待付款", "是", at=""),
        row("200606-05", "40.00", "已发货，待签收", "否"),
    ]
    path = write_csv(tmp_path / "juhao_pdd.csv", EXPORT_HEADERS["pdd"], rows)
    layout, lines, refused = read(path)
    assert (layout, refused) == ("pdd 拼多多 订单导出", [])
    assert money(lines) == (20999, 13999)
    first = lines[0]
    assert (first.paid_at.isoformat() if first.paid_at else None) == "2020-06-06T11:30:00+00:00"
    assert [x.live_room for x in lines] == [True, True, True, True, False]


def test_kuaishou_reads_its_columns_yuan_signs_and_distribution(tmp_path: Path) -> None:
    def row(order: str, paid: str, status: str, **kw: Any) -> list[Any]:
        return export_row(
            "kuaishou",
            {
                "order_id": order,
                "paid_at": kw.get("at", T),
                "status": status,
                "product_id": "KS-01",
                "product_title": "真丝围巾",
                "unit_price": paid,
                "quantity": kw.get("qty", 1),
                "amount": paid,
                "after_sale": kw.get("after", "-"),
                "live_room": kw.get("live", "直播间"),
                "channel": kw.get("channel", "自卖"),
                "streamer": kw.get("cps", ""),
            },
        )

    rows = [
        row("KS01", "￥1,099.99", "交易成功", qty=2),
        row("KS02", "¥50.00", "已发货", after="退款成功"),
        row("KS03", "20.00", "交易关闭"),
        row("KS04", "10.00", "待付款", at=""),
        row("KS05", "40.00", "已收货", channel="分销", cps="2059348843"),
        row("KS06", "15.00", "已发货", live="商品卡", cps="0"),  # 0: no CPS达人
    ]
    path = write_xlsx(tmp_path / "ruiang_kuaishou.xlsx", EXPORT_HEADERS["kuaishou"], rows)
    layout, lines, refused = read(path)
    assert (layout, refused) == ("kuaishou 快手小店 订单导出", [])
    assert money(lines) == (122499, 115499)
    by = {x.order_id: x for x in lines}
    assert (by["KS05"].affiliate, by["KS05"].streamer_account) == (True, "2059348843")
    assert (by["KS01"].affiliate, by["KS01"].streamer_account, by["KS01"].quantity) == (
        False,
        None,
        2,
    )
    assert [by[k].live_room for k in ("KS01", "KS06")] == [True, False]
    assert (by["KS06"].affiliate, by["KS06"].streamer_account) == (False, None)


def _alibaba_rows() -> list[list[Any]]:
    def row(order: str, title: str, price: str, qty: int, paid: str, status: str, **kw: Any):
        return export_row(
            "1688",
            {
                "order_id": order,
                "amount": paid,
                "status": status,
                "paid_at": kw.get("at", "2020/06/06 19:30:00"),
                "product_title": title,
                "unit_price": price,
                "quantity": qty,
                "after_sale": kw.get("returned", ""),
                "shop": "沙溪牛仔",
                "buyer": "buyer-co",
            },
        )

    rows = [
        row("168801", "牛仔裤", "33.00", 1, "99.99", "等待买家确认收货"),
        row("168801", "牛仔外套", "66.00", 2, "99.99", "等待买家确认收货"),
        row("168802", "牛仔裙", "50.00", 1, "50.00", "交易关闭", returned="退款成功"),
        row("168803", "牛仔裙", "20.00", 1, "20.00", "交易关闭"),
        row("168804", "牛仔裙", "10.00", 1, "10.00", "等待买家付款", at=""),
        row("168805", "牛仔衬衫", "40.00", 1, "40.00", "退款中"),
    ]
    # the order's cells are written once, on its first row (merged over both in the sheet)
    item_columns = {"货品标题", "单价(元)", "数量", "退货状态"}
    headers = EXPORT_HEADERS["1688"]
    rows[1] = [v if h in item_columns else "" for h, v in zip(headers, rows[1], strict=True)]
    return rows


def test_1688_merged_order_cells_hold_for_every_item_row(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    headers = EXPORT_HEADERS["1688"]
    path = write_xlsx(tmp_path / "shaxi-denim_1688.xlsx", headers, _alibaba_rows())
    wb = load_workbook(path)
    ws = wb.active
    for k, h in enumerate(headers, 1):
        if h not in {"货品标题", "单价(元)", "数量", "退货状态"}:
            ws.merge_cells(start_row=2, start_column=k, end_row=3, end_column=k)
    wb.save(path)
    layout, lines, refused = read(path)
    assert (layout, refused) == ("1688 1688 订单导出", [])
    assert [(x.order_id, x.amount_fen, x.status) for x in lines[:2]] == [
        ("168801", 1999, "等待买家确认收货"),
        ("168801", 8000, "等待买家确认收货"),
    ]
    assert money(lines) == (20999, 13999)
    assert [(x.status, x.stands) for x in lines if x.order_id == "168805"] == [("退款中", True)]


def test_1688_csv_with_empty_order_cells_on_later_item_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "shaxi-denim_1688.csv", EXPORT_HEADERS["1688"], _alibaba_rows())
    layout, lines, refused = read(path)
    assert (layout, refused) == ("1688 1688 订单导出", [])
    assert [x.amount_fen for x in lines if x.order_id == "168801"] == [1999, 8000]
    assert money(lines) == (20999, 13999)


def test_headers_match_whatever_their_spacing_brackets_and_bom(tmp_path: Path) -> None:
    headers = list(EXPORT_HEADERS["pdd"])
    headers[headers.index("用户实付金额(元)")] = "用户实付金额（元）"
    headers[headers.index("商品数量(件)")] = " 商品数量 （件） "
    headers[0] = "\ufeff商品"
    row = export_row(
        "pdd", {"order_id": "P1", "amount": "12.34", "quantity": 1, "status": "待发货"}
    )
    row[EXPORT_HEADERS["pdd"].index("支付时间")] = T
    path = write_csv(tmp_path / "juhao_pdd.csv", headers, [row])
    layout, lines, refused = read(path)
    assert (layout, [(x.order_id, x.amount_fen) for x in lines], refused) == (
        "pdd 拼多多 订单导出",
        [("P1", 1234)],
        [],
    )


def test_unknown_status_quarantines_the_row_naming_it(tmp_path: Path) -> None:
    rows = [_taobao_detail("3001", "3001-1", "吊灯", "33.00", 1, "33.00", status="神秘状态")]
    path = write_csv(tmp_path / "huayi_taobao.csv", EXPORT_HEADERS["taobao 订单明细"], rows)
    _, lines, refused = read(path)
    assert lines == []
    assert [r.reason for r in refused] == ["unknown status in 订单状态: '神秘状态'"]


def test_per_order_layout_with_amounts_per_line_keeps_them(tmp_path: Path) -> None:
    # a customised ExportOrderList writing each item's own payment: not the order's, repeated
    key = "taobao ExportOrderList"
    rows = [
        _order_report(key, "7101", "吊灯", 1, "30.00", "交易成功"),
        _order_report(key, "7101", "台灯", 2, "69.99", "交易成功"),
    ]
    path = write_csv(tmp_path / "huayi.csv", EXPORT_HEADERS[key], rows)
    _, lines, refused = read(path)
    assert ([x.amount_fen for x in lines], refused) == ([3000, 6999], [])
