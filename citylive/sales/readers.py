"""Reading the order exports of the platforms' merchant back ends, row by row, losing none.

A file is CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel on Chinese Windows writes
it) or XLSX.  Its platform is recognised from the header row.  Every data row comes out either
as a parsed `Line` or as a `Refused` row carrying the reason, so the caller can quarantine it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from citylive.errors import Invalid

# How far down a file a header row may start (some exports put a title line above it).
HEADER_SEARCH_ROWS = 10
# How many distinct texts per column the reader remembers parsed (times, prices, quantities).
CACHE_LIMIT = 500_000
_MISS: Any = object()
# 20 million yuan: more on one order line is a unit error, not a sale (and overflows int4).
MAX_LINE_FEN = 2_000_000_000


@dataclass(frozen=True)
class PlatformColumns:
    """The columns the product needs from one platform's export (Chinese header names)."""

    platform: str
    order_id: str
    paid_at: str
    amount: str
    quantity: str
    status: str
    line_id: tuple[str, ...] = ()  # first present wins; absent -> one row per order
    after_sale: tuple[str, ...] = ()
    refund: tuple[str, ...] = ()
    streamer: tuple[str, ...] = ()
    buyer: tuple[str, ...] = ()
    note: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return (self.order_id, self.paid_at, self.amount, self.quantity, self.status)


PLATFORMS: dict[str, PlatformColumns] = {
    "douyin": PlatformColumns(
        "douyin",
        "主订单编号",
        "支付完成时间",
        "订单应付金额",
        "商品数量",
        "订单状态",
        line_id=("子订单编号",),
        after_sale=("售后状态",),
        streamer=("达人ID",),
        buyer=("买家昵称", "用户昵称", "下单用户"),
        note=("商家备注",),
    ),
    "taobao": PlatformColumns(
        "taobao",
        "订单编号",
        "订单付款时间",
        "买家实际支付金额",
        "宝贝总数量",
        "订单状态",
        line_id=("子订单编号",),
        refund=("退款金额",),
        buyer=("买家会员名",),
        note=("订单备注", "商家备注"),
    ),
    "jd": PlatformColumns(
        "jd",
        "订单号",
        "付款确认时间",
        "应付金额",
        "订购数量",
        "订单状态",
        buyer=("下单帐号", "下单账号"),
        note=("商家备注", "订单备注"),
    ),
    "pdd": PlatformColumns(
        "pdd",
        "订单号",
        "订单成交时间",
        "用户实付金额(元)",
        "商品数量(件)",
        "订单状态",
        after_sale=("售后状态",),
        buyer=("买家昵称",),
        note=("商家备注",),
    ),
    "1688": PlatformColumns(
        "1688",
        "订单编号",
        "订单付款时间",
        "实付款(元)",
        "数量",
        "订单状态",
        after_sale=("退货状态",),
        buyer=("买家会员名",),
        note=("卖家备注", "商家备注"),
    ),
    "kuaishou": PlatformColumns(
        "kuaishou",
        "订单号",
        "支付时间",
        "实付款",
        "商品数量",
        "订单状态",
        after_sale=("售后状态",),
        streamer=("主播ID",),
        buyer=("买家昵称",),
        note=("商家备注",),
    ),
}
# Tmall's back end writes the same 订单报表 as Taobao's.
PLATFORM_ALIASES = {
    "tmall": "taobao",
    "tianmao": "taobao",
    "抖音": "douyin",
    "抖店": "douyin",
    "淘宝": "taobao",
    "天猫": "taobao",
    "京东": "jd",
    "拼多多": "pdd",
    "快手": "kuaishou",
}

# Order statuses: those that mean the sale did not stand, and those that leave it standing.
STATUS_NOT_STANDING = frozenset({"已关闭", "交易关闭", "已取消", "订单关闭", "取消", "已作废"})
STATUS_STANDING = frozenset(
    {
        "已完成",
        "完成",
        "交易成功",
        "交易完成",
        "已发货",
        "待发货",
        "已签收",
        "待收货",
        "已收货",
        "卖家已发货",
        "买家已付款",
        "等待卖家发货",
        "等待买家确认收货",
        "已支付",
        "已付款",
        "待评价",
        "部分发货",
        "待出库",
        "等待出库",
        "配送中",
        "待配送",
        "发货中",
        "已妥投",
        "等待发货",
        "已发货，待签收",
        "已签收待评价",
        "待确认收货",
        "交易成功(已评价)",
    }
)
# After-sale values that mean a refund went through; anything else leaves the sale standing.
AFTER_SALE_REFUNDED = frozenset(
    {"退款成功", "已退款", "售后完成", "退货退款成功", "退款完成", "仅退款成功"}
)

_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_MONEY_STRIP = re.compile(r"[¥￥,，\s]|元$")


class UnknownExport(Invalid):
    """A file whose header row matches no platform's export."""


@dataclass(slots=True)
class Line:
    """One order line as it stands in the file, parsed and checked."""

    row_number: int
    order_id: str
    line_id: str
    paid_at: datetime | None  # aware, UTC
    amount_fen: int
    refund_fen: int
    quantity: int
    status: str
    after_sale: str | None
    stands: bool
    streamer_account: str | None  # None: the file has no streamer column; "": column, no value
    buyer: str | None
    note: str | None


@dataclass
class Refused:
    row_number: int
    reason: str
    raw: dict[str, str]


@dataclass
class Position:
    """How far through its file a reader is: bytes for CSV, rows for XLSX."""

    done: int = 0
    total: int = 0


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, position: Position):
        self._raw = raw
        self._position = position

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._position.done += n or 0
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class ExportFile:
    path: Path
    platform: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    headers: list[str]
    columns: PlatformColumns
    header_row: int
    rows: Iterator[tuple[int, list[Any]]] = field(repr=False)
    position: Position = field(default_factory=Position)
    source: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Release the file (a generator left unfinished holds it open)."""
        if self.source is not None:
            self.source.close()


def normalise_platform(name: str) -> str:
    key = name.strip().lower()
    key = PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise ValueError(
            f"unknown platform {name!r}: CityLive reads exports of {', '.join(PLATFORMS)}"
        )
    return key


_GUARD_LEAD = frozenset("='`")


def clean_text(value: Any) -> str:
    """A cell as text, without the guards Excel users put before ids (tab, `=`, `'`, quotes)."""
    if type(value) is str:
        # most cells: printable (no tab, no BOM), no guard, no padding -> as they are
        if value.isprintable() and (
            not value or (value[0] not in _GUARD_LEAD and value[0] != " " and value[-1] != " ")
        ):
            return value
    elif value is None:
        return ""
    elif isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    elif isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value).replace("\ufeff", "").strip()
    if text.startswith("="):
        text = text[1:].strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
    text = text.lstrip("'`\t").strip()
    return text


def normalise_header(value: Any) -> str:
    text = clean_text(value)
    return text.replace("（", "(").replace("）", ")").replace(" ", "")


def parse_money_fen(value: Any) -> int:
    """Yuan as written in an export (`128.00`, `¥1,280.5`, `1280`) -> integer fen, exactly."""
    if isinstance(value, bool):
        raise ValueError("not money")
    if isinstance(value, int):
        return value * 100
    text = clean_text(value)
    text = _MONEY_STRIP.sub("", text)
    if not text:
        raise ValueError("empty")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a positive amount: {text!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def parse_quantity(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)
    text = clean_text(value)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if number != number.to_integral_value() or number <= 0:
        raise ValueError(f"not a positive whole number: {text!r}")
    return int(number)


def parse_local_time(value: Any, tz: tzinfo) -> datetime | None:
    """A local `YYYY-MM-DD HH:MM:SS` in the festival's time zone -> aware UTC; empty -> None."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=tz)
        return local.astimezone(UTC)
    if isinstance(value, date):
        raise ValueError(f"a date without a time: {value}")
    text = clean_text(value)
    if text in ("", "-", "--"):
        return None
    for fmt in _TIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz).astimezone(UTC)
    raise ValueError(f"not a time (YYYY-MM-DD HH:MM:SS): {text!r}")


_FAST_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_FAST_MONEY = re.compile(r"\d{1,12}\.\d\d")


class LocalTimes:
    """`parse_local_time` with the zone offset remembered per local hour (exports are long)."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self._offsets: dict[str, Any] = {}

    def parse(self, value: Any) -> datetime | None:
        if isinstance(value, str) and _FAST_TIME.fullmatch(value):
            try:
                naive = datetime(
                    int(value[0:4]),
                    int(value[5:7]),
                    int(value[8:10]),
                    int(value[11:13]),
                    int(value[14:16]),
                    int(value[17:19]),
                )
            except ValueError:
                return parse_local_time(value, self.tz)  # names the bad value
            hour = value[:13]
            offset = self._offsets.get(hour)
            if offset is None:
                offset = naive.replace(tzinfo=self.tz).utcoffset() or timedelta(0)
                self._offsets[hour] = offset
            return (naive - offset).replace(tzinfo=UTC)
        return parse_local_time(value, self.tz)


def money_fen(value: Any) -> int:
    if isinstance(value, str) and _FAST_MONEY.fullmatch(value):
        return int(value[:-3]) * 100 + int(value[-2:])
    return parse_money_fen(value)


def detect_platform(headers: list[str]) -> str | None:
    present = set(headers)
    matches = [p for p, cols in PLATFORMS.items() if all(h in present for h in cols.required)]
    if not matches:
        return None

    # The most specific match: the platform whose optional columns are also present.
    def score(p: str) -> int:
        cols = PLATFORMS[p]
        extra = cols.line_id + cols.after_sale + cols.refund + cols.streamer + cols.buyer
        return sum(1 for h in extra if h in present)

    return max(matches, key=score)


def expected_headers_message() -> str:
    return "; ".join(f"{p}: {', '.join(cols.required)}" for p, cols in PLATFORMS.items())


def sniff_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # a superset of GBK and GB2312


def _csv_rows(path: Path, encoding: str, position: Position) -> Generator[list[Any], None, None]:
    position.total = path.stat().st_size
    raw = _CountingReader(path.open("rb"), position)
    # A bad byte fails the file naming it; errors="replace" would silently change ids.
    with io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=encoding, newline="") as fh:
        yield from csv.reader(fh)


def _xlsx_rows(path: Path, position: Position) -> Generator[list[Any], None, None]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        position.total = ws.max_row or 0
        for row in ws.iter_rows(values_only=True):
            position.done += 1
            yield list(row)
    finally:
        wb.close()


def open_export(path: Path, *, platform: str | None = None) -> ExportFile:
    """Open an export, find its header row and platform; refuse a file of unknown shape."""
    path = Path(path)
    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    if not is_xlsx:
        with path.open("rb") as fh:
            is_xlsx = fh.read(4) == b"PK\x03\x04"
    encoding = "xlsx" if is_xlsx else sniff_encoding(path)
    position = Position()
    source = _xlsx_rows(path, position) if is_xlsx else _csv_rows(path, encoding, position)
    wanted = normalise_platform(platform) if platform else None
    number = 0
    seen: list[list[str]] = []
    for raw in source:
        number += 1
        headers = [normalise_header(h) for h in raw]
        found = detect_platform(headers)
        if wanted and wanted in PLATFORMS and all(h in headers for h in PLATFORMS[wanted].required):
            found = wanted
        if found and (wanted is None or found == wanted):
            return ExportFile(
                path,
                found,
                encoding,
                headers,
                PLATFORMS[found],
                number,
                enumerate(source, number + 1),
                position,
                source,
            )
        seen.append(headers)
        if number >= HEADER_SEARCH_ROWS:
            break
    source.close()
    first = next((h for h in seen if any(h)), [])
    shown = ", ".join(h for h in first if h)[:300] or "(empty file)"
    if wanted:
        cols = PLATFORMS[wanted]
        raise UnknownExport(
            f"{path.name}: not a {wanted} order export: its header row needs "
            f"{', '.join(cols.required)}; found {shown}. Export the order list from the "
            f"{wanted} merchant back end, or give the right --platform."
        )
    raise UnknownExport(
        f"{path.name}: header row matches no platform's order export; found {shown}. "
        f"Expected headers per platform — {expected_headers_message()}"
    )


def _index(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def read_lines(export: ExportFile, tz: tzinfo) -> Iterator[Line | Refused]:
    """Every data row of the export, parsed (`Line`) or refused with its reason (`Refused`)."""
    h = export.headers
    cols = export.columns
    i_order = h.index(cols.order_id)
    i_paid = h.index(cols.paid_at)
    i_amount = h.index(cols.amount)
    i_qty = h.index(cols.quantity)
    i_status = h.index(cols.status)
    i_line = _index(h, cols.line_id)
    i_after = _index(h, cols.after_sale)
    i_refund = _index(h, cols.refund)
    i_streamer = _index(h, cols.streamer)
    i_buyer = _index(h, cols.buyer)
    i_note = _index(h, cols.note)
    width = len(h)
    times = LocalTimes(tz)

    def raw_of(row: list[Any]) -> dict[str, str]:
        out = {}
        for k, name in enumerate(h):
            if k < len(row) and name:
                out[name] = "" if row[k] is None else str(row[k])
        if len(row) > width:
            out["(extra cells)"] = " | ".join("" if c is None else str(c) for c in row[width:])
        return out

    # Exports repeat the same times, prices and quantities a great deal: parse each text once.
    paid_cache: dict[Any, datetime | None] = {}
    money_cache: dict[Any, int] = {}
    qty_cache: dict[Any, int] = {}
    parse_time = times.parse
    miss = _MISS
    not_standing, standing, refunded = STATUS_NOT_STANDING, STATUS_STANDING, AFTER_SALE_REFUNDED
    for number, row in export.rows:
        if not any(row):
            continue  # blank lines are not rows
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        order_id = clean_text(row[i_order])
        if not order_id:
            if not any(str(c).strip() for c in row if c is not None):
                continue  # a row of blanks
            yield Refused(number, f"missing order id ({cols.order_id})", raw_of(row))
            continue
        if len(order_id) > 64:
            yield Refused(
                number, f"order id longer than 64 characters ({cols.order_id})", raw_of(row)
            )
            continue
        cell = row[i_amount]
        amount = money_cache.get(cell, miss)
        if amount is miss:
            try:
                amount = money_fen(cell)
            except ValueError as exc:
                yield Refused(number, f"bad money in {cols.amount}: {exc}", raw_of(row))
                continue
            if len(money_cache) < CACHE_LIMIT:
                money_cache[cell] = amount
        if amount > MAX_LINE_FEN:
            yield Refused(
                number, f"bad money in {cols.amount}: more than one line can hold", raw_of(row)
            )
            continue
        cell = row[i_qty]
        quantity = qty_cache.get(cell, miss)
        if quantity is miss:
            try:
                quantity = parse_quantity(cell)
            except ValueError as exc:
                yield Refused(number, f"bad quantity in {cols.quantity}: {exc}", raw_of(row))
                continue
            if len(qty_cache) < CACHE_LIMIT:
                qty_cache[cell] = quantity
        cell = row[i_paid]
        paid_at = paid_cache.get(cell, miss)
        if paid_at is miss:
            try:
                paid_at = parse_time(cell)
            except ValueError as exc:
                yield Refused(number, f"bad time in {cols.paid_at}: {exc}", raw_of(row))
                continue
            if len(paid_cache) < CACHE_LIMIT:
                paid_cache[cell] = paid_at
        status = row[i_status]
        if status not in standing and status not in not_standing:
            status = clean_text(status)
        if status in standing:
            stands = True
        elif status in not_standing:
            stands = False
        else:
            yield Refused(number, f"unknown status in {cols.status}: {status!r}", raw_of(row))
            continue
        after_sale = None
        if i_after is not None:
            after_sale = row[i_after]
            if after_sale != "-":
                after_sale = clean_text(after_sale)
        if after_sale in refunded:
            stands = False
        refund = 0
        if i_refund is not None and clean_text(row[i_refund]) not in ("", "-"):
            try:
                refund = parse_money_fen(row[i_refund])
            except ValueError as exc:
                yield Refused(number, f"bad money in {cols.refund[0]}: {exc}", raw_of(row))
                continue
            if refund > 0:
                stands = False
        if paid_at is None and stands:
            yield Refused(
                number, f"missing paid time ({cols.paid_at}) on a standing order", raw_of(row)
            )
            continue
        if i_line is not None:
            line_id = clean_text(row[i_line])
            if not line_id:
                yield Refused(number, f"missing line id ({cols.line_id[0]})", raw_of(row))
                continue
            if len(line_id) > 64:
                yield Refused(
                    number, f"line id longer than 64 characters ({cols.line_id[0]})", raw_of(row)
                )
                continue
        else:
            line_id = ""
        yield Line(
            number,
            order_id,
            line_id,
            paid_at,
            amount,
            refund if refund else (amount if not stands and paid_at else 0),
            quantity,
            status,
            (after_sale[:32] or None) if after_sale else None,
            stands,
            clean_text(row[i_streamer])[:128] if i_streamer is not None else None,
            (clean_text(row[i_buyer])[:128] or None) if i_buyer is not None else None,
            (clean_text(row[i_note]) or None) if i_note is not None else None,
        )
