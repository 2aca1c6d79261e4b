"""The columnar reader reads every row as the reference reading (rows.parse_row) does: the same
values, the same refusals with the same reasons, the same row numbers, whatever the cells."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.sales_factories import DOUYIN_HEADERS, TAOBAO_HEADERS, douyin_row, write_csv

from citylive.sales.columnar import read_lines
from citylive.sales.readers import open_export
from citylive.sales.rows import Line, Owner, Refused, parse_row

TZ = ZoneInfo("Asia/Shanghai")

# cells as exports write them, and as they go wrong
IDS = [
    "4923001",
    "\t4923001",
    '="4923001"',
    "'4923001",
    " 4923002 ",
    "4923\x003",
    "",
    "x" * 65,
    "\ufeff4923004",
    "4923 005",
]
MONEY = [
    "128.00",
    "128",
    "0.5",
    "¥1,280.50",
    "12.345",
    "-5.00",
    "abc",
    "",
    "1e3",
    "１２.００",
    "12.",
    "99999999999.99",
    "20000000.01",
]
QTY = ["1", "2", "0", "1.5", "01", "1,000", "abc", "10000001", " 3 "]
TIMES = [
    "2020-06-06 19:30:05",
    "2020/06/06 19:30:05",
    "2020-06-06 19:30",
    "2020-06-31 19:30:00",
    "2020-02-30 10:00:00",
    "2020-06-06 23:59:60",
    "1969-12-31 23:00:00",
    "",
    "-",
    "yesterday",
]
STATUSES = ["已完成", "已关闭", " 已发货 ", "待审核", "交易成功(已评价)", "已完成\x07"]
AFTER = ["-", "退款成功", "售后关闭", "", " 退款成功 "]
TEXT = ["", "买家A", " buyer b ", "刷单 返现", "line\nbreak", "tab\there", "\x00nul", "=SUM(A1)"]

cell = st.sampled_from


@st.composite
def douyin_rows(draw: st.DrawFn) -> list[str]:
    return [
        draw(cell(IDS)),
        draw(cell(IDS)),
        draw(cell(TEXT)),
        draw(cell(IDS)),
        draw(cell(QTY)),
        draw(cell(MONEY)),
        draw(cell(TIMES)),
        draw(cell(STATUSES)),
        draw(cell(AFTER)),
        draw(cell(TEXT)),
        draw(cell(TEXT)),
        "直播",
        draw(cell(TEXT)),
        draw(cell(TEXT)),
    ]


def _reference(path: Path, rows: list[list[str]]) -> list[Line | Refused]:
    export = open_export(path)
    out: list[Line | Refused] = []
    for number, cells in enumerate(rows, start=2):
        got = parse_row([str(c) for c in cells], number, export.layout, TZ, Owner(""))
        if got is not None:
            out.append(got)
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(douyin_rows(), min_size=1, max_size=25))
def test_columnar_reads_every_row_as_the_reference_does(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write_csv(tmp_path / "huayi_douyin.csv", DOUYIN_HEADERS, rows, encoding="utf-8")
    assert read_lines(open_export(path), TZ) == _reference(path, rows)


def test_taobao_money_and_refunds_read_in_bulk_as_one_by_one(tmp_path: Path) -> None:
    rows = [
        [
            "7001",
            "tb1",
            "¥1,299.00",
            "交易成功",
            "2020-06-07 10:15:00",
            "吸顶灯",
            1,
            "旗舰店",
            "0.00",
            "",
        ],
        [
            "7002",
            "tb2",
            "59.90",
            "交易成功",
            "2020-06-07 10:20:00",
            "台灯",
            2,
            "旗舰店",
            "59.90",
            "",
        ],
        ["7003", "tb3", "10.00", "交易关闭", "", "台灯", 1, "旗舰店", "", ""],
        [
            "7004",
            "tb4",
            "10.00",
            "交易成功",
            "2020-06-07 10:20:00",
            "台灯",
            1,
            "旗舰店",
            "1.234",
            "",
        ],
    ]
    path = write_csv(tmp_path / "huayi_taobao.csv", TAOBAO_HEADERS, rows)
    got = read_lines(open_export(path), TZ)
    assert got == _reference(path, [[str(c) for c in r] for r in rows])
    assert [
        (x.order_id, x.amount_fen, x.refund_fen, x.stands) for x in got if isinstance(x, Line)
    ] == [
        ("7001", 129900, 0, True),
        ("7002", 5990, 5990, False),
        ("7003", 1000, 0, False),
    ]
    assert [x.reason for x in got if isinstance(x, Refused)] == [
        "bad money in 退款金额: more than two decimals: '1.234'"
    ]


def test_blank_lines_short_rows_and_a_title_line_keep_every_row_number(tmp_path: Path) -> None:
    path = tmp_path / "huayi_douyin.csv"
    lines = [
        "抖店订单导出 2020-06-08",
        ",".join(DOUYIN_HEADERS),
        ",".join(str(c) for c in douyin_row("1", "1-1", "2020-06-06 19:30:00")),
        "",
        ",".join(str(c) for c in douyin_row("2", "2-1", "2020-06-06 19:31:00")[:9]),
        ",".join(str(c) for c in douyin_row("3", "3-1", "2020-06-06 19:32:00")) + ",extra,cells",
        ",".join(str(c) for c in douyin_row("", "4-1", "2020-06-06 19:33:00")),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    export = open_export(path)
    assert export.header_row == 2
    got = read_lines(export, TZ)
    assert export.row_by_row  # the blank line and the short row: read again, row by row
    assert [(x.row_number, x.order_id if isinstance(x, Line) else x.reason) for x in got] == [
        (3, "1"),
        (5, "2"),
        (6, "3"),
        (7, "missing order id (主订单编号)"),
    ]
    assert [x.streamer_account for x in got[:3]] == ["liming_dy", "", "liming_dy"]  # type: ignore[union-attr]


def test_a_title_line_over_a_regular_file_is_read_in_bulk(tmp_path: Path) -> None:
    path = tmp_path / "huayi_douyin.csv"
    body = [
        ",".join(str(c) for c in douyin_row(str(i), f"{i}-1", "2020-06-06 19:30:00"))
        for i in range(5)
    ]
    path.write_text(
        "\n".join(["抖店订单导出", ",".join(DOUYIN_HEADERS), *body]) + "\n", encoding="gbk"
    )
    export = open_export(path)
    got = read_lines(export, TZ)
    assert not export.row_by_row
    assert [(x.row_number, x.order_id) for x in got if isinstance(x, Line)] == [
        (3, "0"),
        (4, "1"),
        (5, "2"),
        (6, "3"),
        (7, "4"),
    ]
