"""Reading each platform's export as its back end writes it (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.sales_factories import (
    ALIBABA_HEADERS,
    DOUYIN_HEADERS,
    JD_HEADERS,
    KUAISHOU_HEADERS,
    PDD_HEADERS,
    TAOBAO_HEADERS,
    douyin_row,
    write_csv,
    write_xlsx,
)

from citylive.sales.columnar import read_lines
from citylive.sales.readers import UnknownExport, open_export
from citylive.sales.rows import Line, Refused
from citylive.sales.values import clean_text, parse_money_fen

TZ = ZoneInfo("Asia/Shanghai")


def read_all(path: Path, platform: str | None = None) -> tuple[str, str, list[Line | Refused]]:
    export = open_export(path, platform=platform)
    return export.platform, export.encoding, list(read_lines(export, TZ))


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_douyin_gbk_with_tab_guards_reads_ids_money_and_local_time(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row(
                "4923000000000000001",
                "4923000000000000002",
                "2020-06-06 19:30:05",
                "￥1,280.50",
                2,
                after="售后关闭",
                note="送运费险",
            )
        ],
        encoding="gbk",
    )
    platform, encoding, lines = read_all(path)
    assert (platform, encoding) == ("douyin", "gb18030")
    [line] = lines
    assert isinstance(line, Line)
    assert line.order_id == "4923000000000000001"
    assert line.line_id == "4923000000000000002"
    assert line.amount_fen == 128050
    assert line.quantity == 2
    assert line.paid_at == datetime(2020, 6, 6, 11, 30, 5, tzinfo=UTC)
    assert line.stands is True
    assert line.streamer_account == "liming_dy"
    assert line.buyer == "buyer-a"
    assert line.note == "送运费险"
    assert line.row_number == 2


def test_taobao_utf8_bom_refund_amount_means_sale_did_not_stand(tmp_path: Path) -> None:
    rows = [
        [
            '="2001"',
            "tb_buyer1",
            "¥1,299.00",
            "交易成功",
            "2020-06-07 10:15:00",
            "吸顶灯",
            1,
            "华艺灯饰旗舰店",
            "0.00",
            "",
        ],
        [
            "'2002",
            "tb_buyer2",
            "59.90",
            "交易成功",
            "2020-06-07 10:20:00",
            "台灯",
            1,
            "华艺灯饰旗舰店",
            "59.90",
            "",
        ],
        ["2003", "tb_buyer3", "10.00", "交易关闭", "", "台灯", 1, "华艺灯饰旗舰店", "", ""],
    ]
    path = write_csv(tmp_path / "huayi_taobao.csv", TAOBAO_HEADERS, rows, encoding="utf-8-sig")
    platform, encoding, lines = read_all(path)
    assert (platform, encoding) == ("taobao", "utf-8-sig")
    assert [
        (x.order_id, x.amount_fen, x.refund_fen, x.stands) for x in lines if isinstance(x, Line)
    ] == [
        ("2001", 129900, 0, True),
        ("2002", 5990, 5990, False),
        ("2003", 1000, 0, False),
    ]
    assert lines[2].paid_at is None  # closed before payment: kept, never paid
    assert all(x.streamer_account is None for x in lines if isinstance(x, Line))


def test_jd_utf8_without_bom_reads_buyer_and_equals_guard(tmp_path: Path) -> None:
    rows = [
        ['="300100"', "\t100012", "筒灯", 3, "jd_user_1", "89.70", "2020-06-06 14:05:00", "已完成"]
    ]
    path = write_csv(tmp_path / "juhao_jd.csv", JD_HEADERS, rows, encoding="utf-8")
    platform, encoding, [line] = read_all(path)
    assert (platform, encoding) == ("jd", "utf-8")
    assert isinstance(line, Line)
    assert (line.order_id, line.quantity, line.amount_fen, line.buyer) == (
        "300100",
        3,
        8970,
        "jd_user_1",
    )


def test_pdd_xlsx_with_title_row_numbers_and_datetime_cells(tmp_path: Path) -> None:
    rows = [
        [
            "LED灯泡",
            "200606-123456789",
            "已发货，待签收",
            19.9,
            2,
            datetime(2020, 6, 6, 14, 30),
            "无售后或售后取消",
            55,
            "",
        ],
        [
            "LED灯泡",
            "200606-123456790",
            "已签收",
            9.9,
            1,
            "2020-06-06 15:00:00",
            "退款成功",
            55,
            "",
        ],
    ]
    path = write_xlsx(
        tmp_path / "juhao_pdd.xlsx", PDD_HEADERS, rows, title="拼多多订单导出 2020-06-08"
    )
    platform, encoding, lines = read_all(path)
    assert (platform, encoding) == ("pdd", "xlsx")
    assert [
        (x.order_id, x.amount_fen, x.quantity, x.paid_at, x.stands)
        for x in lines
        if isinstance(x, Line)
    ] == [
        ("200606-123456789", 1990, 2, utc("2020-06-06 06:30"), True),
        ("200606-123456790", 990, 1, utc("2020-06-06 07:00"), False),
    ]
    assert lines[0].row_number == 3  # title row 1, header row 2


def test_1688_gb18030_return_status_refunded(tmp_path: Path) -> None:
    rows = [
        [
            "5001",
            "denim_wholesale",
            "牛仔裤 批发",
            50,
            "2,500.00",
            "交易成功",
            "2020-06-07 14:10:00",
            "退款成功",
        ],
        ["5002", "denim_shop", "牛仔裤", 10, "500.00", "交易成功", "2020-06-07 14:20:00", ""],
    ]
    path = write_csv(tmp_path / "shaxi-denim_1688.csv", ALIBABA_HEADERS, rows, encoding="gb18030")
    platform, _, lines = read_all(path)
    assert platform == "1688"
    assert [(x.amount_fen, x.stands, x.buyer) for x in lines if isinstance(x, Line)] == [
        (250000, False, "denim_wholesale"),
        (50000, True, "denim_shop"),
    ]


def test_kuaishou_xlsx_reads_streamer_account(tmp_path: Path) -> None:
    rows = [
        [
            "KS0001",
            "\t778899",
            "衬衫",
            1,
            "¥88.00",
            "2020-06-06 10:30:00",
            "已完成",
            "-",
            "ks_renjing",
        ]
    ]
    path = write_xlsx(tmp_path / "ruiang_kuaishou.xlsx", KUAISHOU_HEADERS, rows)
    platform, _, [line] = read_all(path)
    assert platform == "kuaishou"
    assert isinstance(line, Line)
    assert (line.order_id, line.amount_fen, line.streamer_account) == ("KS0001", 8800, "ks_renjing")


def test_unknown_export_is_refused_naming_each_missing_column(tmp_path: Path) -> None:
    # kuaishou's layout with two columns renamed: each missing one named, with the nearest
    path = write_csv(
        tmp_path / "x.csv",
        ["订单号", "订单支付时刻", "实付金额", "成交数量", "订单状态", "售后状态"],
        [["1", "2", "3", "1", "交易成功", "-"]],
    )
    with pytest.raises(UnknownExport) as err:
        open_export(path)
    msg = str(err.value)
    assert (
        "x.csv: header row matches no platform's order export. Nearest layout kuaishou 快手小店 订单导出 misses 2 column(s)"
        in msg
    )
    assert "订单支付时间 (or 支付时间): closest header found '订单支付时刻'" in msg
    assert "实付款: closest header found '实付金额'" in msg
    assert (
        "douyin 抖店 订单导出 (主订单编号, 支付完成时间, 订单应付金额, 商品数量, 订单状态)" in msg
    )
    assert "pdd 拼多多 订单导出 (订单号, 支付时间, 用户实付金额(元), 商品数量(件), 订单状态)" in msg


def test_platform_option_that_does_not_match_the_file_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv", DOUYIN_HEADERS, [douyin_row("1", "1-1", "2020-06-06 19:30:00")]
    )
    with pytest.raises(UnknownExport, match="not a pdd order export. Nearest layout pdd"):
        open_export(path, platform="pdd")
    assert open_export(path, platform="抖音").platform == "douyin"


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("128.00", 12800),
        ("¥1,280.5", 128050),
        ("￥ 3", 300),
        ("\t0.01", 1),
        ("1,234,567.89元", 123456789),
    ],
)
def test_money_parses_exactly_to_fen(text: str, fen: int) -> None:
    assert parse_money_fen(text) == fen


@pytest.mark.parametrize("text", ["12.345", "-5.00", "abc", "", "NaN"])
def test_money_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money_fen(text)


def test_clean_text_strips_excel_guards() -> None:
    assert [clean_text(v) for v in ["\t123", '="456"', "'789", "=012", 1.0, None]] == [
        "123",
        "456",
        "789",
        "012",
        "1",
        "",
    ]


def test_each_quarantine_reason_is_given_with_the_raw_row(tmp_path: Path) -> None:
    rows = [
        douyin_row("", "a-1", "2020-06-06 19:30:00"),
        douyin_row("2", "b-1", "2020-06-06 19:30:00", amount="12,3x"),
        douyin_row("3", "c-1", "2020-06-06 19:30:00", qty=0),
        douyin_row("4", "d-1", "2020-06-31 19:30:00"),
        douyin_row("5", "e-1", "2020-06-06 19:30:00", status="神秘状态"),
        douyin_row("6", "f-1", ""),
        douyin_row("7", "", "2020-06-06 19:30:00"),
        douyin_row("8", "h-1", "2020-06-06 19:30:00"),
        [],
    ]
    path = write_csv(tmp_path / "huayi_douyin.csv", DOUYIN_HEADERS, rows)
    _, _, items = read_all(path)
    refused = [(x.row_number, x.reason) for x in items if isinstance(x, Refused)]
    assert refused == [
        (2, "missing order id (主订单编号)"),
        (3, "bad money in 订单应付金额: not a number: '123x'"),
        (4, "bad quantity in 商品数量: not a positive whole number: '0'"),
        (5, "bad time in 支付完成时间: not a time (YYYY-MM-DD HH:MM:SS): '2020-06-31 19:30:00'"),
        (6, "unknown status in 订单状态: '神秘状态'"),
        (7, "missing paid time (支付完成时间) on a standing order"),
        (8, "missing line id (子订单编号)"),
    ]
    assert [x.order_id for x in items if isinstance(x, Line)] == ["8"]
    first = next(x for x in items if isinstance(x, Refused))
    assert first.raw["子订单编号"] == "\ta-1"
    assert first.raw["订单应付金额"] == "100.00"


def test_unknown_export_never_quotes_a_file_that_is_no_export(tmp_path: Path) -> None:
    path = tmp_path / "passwd.csv"
    path.write_text("root:x:0:0:root:/root:/bin/bash\nsecret-token-line\n", encoding="utf-8")
    with pytest.raises(UnknownExport) as err:
        open_export(path)
    msg = str(err.value)
    assert "root" not in msg and "secret" not in msg
    assert "主订单编号: no header like it" in msg
