"""Reading a block of export rows in bulk (pyarrow compute): ids, money, quantities, times,
statuses, all at once per column.

A row goes through here when every cell it needs has one of the common shapes (`128.00`,
`2020-06-06 19:30:05`, a known status, an id without control characters...).  Any other row
is read by `rows.parse_row`, the reference reading, which also gives every refusal its
reason, so the two paths cannot disagree on what a cell means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from citylive.sales.block import Block
from citylive.sales.column_text import clean, money
from citylive.sales.platforms import (
    AFFILIATE_MARKS,
    AFTER_SALE_REFUNDED,
    LIVE_ROOM_YES,
    NO_REFUND,
    STATUS_NOT_STANDING,
    STATUS_REFUNDED,
    STATUS_STANDING,
    STATUS_UNPAID,
    header_key,
)
from citylive.sales.readers import Ragged
from citylive.sales.rows import LINE_KEY_LENGTH, Layout, Line, Owner, Refused, parse_row
from citylive.sales.split import per_order_split, weights_of
from citylive.sales.values import MAX_LINE_FEN

LINE_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),
        ("order_id", pa.string()),
        ("line_id", pa.string()),
        ("paid_at", pa.timestamp("us", "UTC")),
        ("amount_fen", pa.int64()),
        ("refund_fen", pa.int64()),
        ("quantity", pa.int64()),
        ("status", pa.string()),
        ("after_sale", pa.string()),
        ("stands", pa.bool_()),
        ("streamer_account", pa.string()),
        ("buyer", pa.string()),
        ("note", pa.string()),
        ("product", pa.string()),
        ("product_title", pa.string()),
        ("live_room", pa.bool_()),
        ("affiliate", pa.bool_()),
    ]
)
# control characters and the BOM: such a cell is read the reference way
CONTROL_RE = r"[\x00-\x1f\x7f-\x9f\x{feff}]"
TIME_RE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"
SHORT_TIME_RE = r"^\d{4}-\d\d-\d\d \d\d:\d\d$"
_STANDING = pa.array(sorted(STATUS_STANDING))
_NOT_STANDING = pa.array(sorted(STATUS_NOT_STANDING))
_REFUNDED = pa.array(sorted(AFTER_SALE_REFUNDED))
_EMPTY = pa.array(["", "-", "--"])
_UNPAID = pa.array(sorted(STATUS_UNPAID))
_REFUNDED_STATUS = pa.array(sorted(STATUS_REFUNDED))
_NOT_STANDING_ALL = pa.array(sorted(STATUS_NOT_STANDING | STATUS_REFUNDED))
_STATUSES = pa.array(
    sorted(STATUS_STANDING | STATUS_NOT_STANDING | STATUS_UNPAID | STATUS_REFUNDED)
)
_NO_REFUND = pa.array(sorted(NO_REFUND))
_LIVE_YES = pa.array(sorted(LIVE_ROOM_YES))
_AFTER_SALES = pa.array(
    ["", "-", "无售后或售后取消", "售后关闭", "退款中", *sorted(AFTER_SALE_REFUNDED)]
)


@dataclass
class Parsed:
    lines: pa.Table  # LINE_SCHEMA, in row order
    refused: list[Refused]


def _local_times(t: Any, tz: str) -> tuple[Any, Any, Any]:
    """Local `YYYY-MM-DD HH:MM:SS` (or with slashes, or without seconds) -> (UTC timestamps,
    empty, ok)."""
    empty = pc.is_in(t, value_set=_EMPTY)
    shaped = pc.match_substring_regex(t, TIME_RE)
    if not pc.all(pc.or_(shaped, empty)).as_py():  # slashes, or no seconds, somewhere
        if pc.any(pc.match_substring(t, "/")).as_py():
            t = pc.replace_substring(t, "/", "-")
        short = pc.match_substring_regex(t, SHORT_TIME_RE)
        if pc.any(short).as_py():
            t = pc.if_else(short, pc.binary_join_element_wise(t, ":00", ""), t)
        shaped = pc.match_substring_regex(t, TIME_RE)
    text = pc.if_else(shaped, t, pa.scalar(None, pa.string()))
    fmt = "%Y-%m-%d %H:%M:%S"
    seconds = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    # strptime rolls 2020-06-31 over to 07-01: only a time that prints back as written is one
    real = pc.equal(pc.strftime(seconds, format=fmt), text)
    naive = pc.cast(seconds, pa.timestamp("us"))
    year = pc.year(naive)
    ok = pc.and_(
        pc.fill_null(real, False),
        pc.and_(pc.greater_equal(year, 1970), pc.less_equal(year, 2200)),
    )
    naive = pc.if_else(ok, naive, pa.scalar(None, naive.type))
    aware = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    # a local time skipped by a clock change is read the reference way
    ok = pc.and_(ok, pc.fill_null(pc.equal(pc.local_timestamp(aware), naive), False))
    ok = pc.fill_null(pc.or_(empty, ok), False)
    return pc.cast(aware, pa.timestamp("us", "UTC")), empty, ok


def _known_or_clean(a: Any, known: pa.Array) -> Any:
    """A column of few values (statuses): cleaned only when some cell is not a known value
    as it stands (cleaning every cell costs more than looking it up)."""
    if pc.all(pc.is_in(a, value_set=known)).as_py():
        return a
    return clean(a)


def _none_if_empty(a: Any) -> Any:
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def _standing(c: list[Any], h: Layout, n: int, need: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Status, whether the sale stood, after-sale, refund (fen) and not-paid-yet, per row."""
    status = _known_or_clean(c[h.status], _STATUSES)
    standing = pc.is_in(status, value_set=_STANDING)
    not_paid = pc.is_in(status, value_set=_UNPAID)
    need(pc.or_(pc.or_(standing, not_paid), pc.is_in(status, value_set=_NOT_STANDING_ALL)))
    stands = standing
    after: Any = pa.nulls(n, pa.string())
    if h.after is not None:
        raw = c[h.after]
        after = _known_or_clean(raw, _AFTER_SALES)
        after = pc.if_else(pc.equal(raw, "-"), raw, after)
        stands = pc.and_(stands, pc.invert(pc.is_in(after, value_set=_REFUNDED)))
        after = _none_if_empty(pc.utf8_slice_codeunits(after, 0, 32))
    refund: Any = pa.array(np.zeros(n, dtype=np.int64))
    if h.refund is not None:
        text = clean(c[h.refund])
        blank = pc.is_in(text, value_set=_NO_REFUND)
        value, refund_ok = money(text)
        need(pc.or_(blank, pc.and_(refund_ok, pc.less_equal(value, MAX_LINE_FEN))))
        refund = pc.if_else(blank, 0, value)
        stands = pc.and_(stands, pc.equal(refund, 0))
    return status, stands, after, refund, not_paid


def _who(c: list[Any], h: Layout, n: int, owner: Owner, need: Any) -> dict[str, Any]:
    """Who sold and bought each row, and what: account (checked against other enterprises'
    streamers), shop, buyer, note, title, product, live room, affiliate."""
    account: Any = pa.nulls(n, pa.string())
    if h.streamer is not None:
        account = pc.utf8_slice_codeunits(clean(c[h.streamer]), 0, 128)
        if owner.foreign_accounts:
            need(pc.invert(pc.is_in(account, value_set=pa.array(list(owner.foreign_accounts)))))
    if h.shop is not None and owner.foreign_shops:
        shop = clean(c[h.shop])
        need(pc.invert(pc.is_in(shop, value_set=pa.array(list(owner.foreign_shops)))))
    buyer: Any = pa.nulls(n, pa.string())
    if h.buyer is not None:
        buyer = pc.utf8_slice_codeunits(clean(c[h.buyer]), 0, 128)
        buyer = _none_if_empty(buyer)
    note: Any = pa.nulls(n, pa.string())
    if h.note is not None:
        note = clean(c[h.note])
        note = _none_if_empty(note)
    title: Any = pa.nulls(n, pa.string())
    if h.product_title is not None:
        title = pc.utf8_slice_codeunits(clean(c[h.product_title]), 0, 200)
        title = _none_if_empty(title)
    product: Any = pa.nulls(n, pa.string())
    if h.product_id is not None:
        product = pc.utf8_slice_codeunits(clean(c[h.product_id]), 0, 128)
        product = _none_if_empty(product)
    product = pc.coalesce(product, pc.utf8_slice_codeunits(title, 0, 128))
    live_room: Any = pa.nulls(n, pa.bool_())
    if h.live_room is not None:
        live = pc.utf8_trim_whitespace(c[h.live_room])
        live_room = pc.if_else(
            pc.is_in(live, value_set=_EMPTY),
            pa.scalar(None, pa.bool_()),
            pc.is_in(pc.utf8_lower(live), value_set=_LIVE_YES),
        )
    affiliate: Any = pa.array(np.zeros(n, dtype=bool))
    if h.channel is not None:
        affiliate = pa.array(np.zeros(n, dtype=bool))
        for mark in AFFILIATE_MARKS:  # plain substring searches: cheaper than one regex
            affiliate = pc.or_(affiliate, pc.match_substring(c[h.channel], mark))
    if h.streamer is not None and header_key(h.name(h.streamer)).startswith("cps"):
        named = pc.and_(pc.greater(pc.utf8_length(account), 0), pc.not_equal(account, "0"))
        affiliate = pc.or_(affiliate, named)
        account = pc.if_else(named, account, pa.scalar(None, pa.string()))
    return {
        "account": account,
        "buyer": buyer,
        "note": note,
        "title": title,
        "product": product,
        "live_room": live_room,
        "affiliate": affiliate,
    }


def _slow(
    block: Block, layout: Layout, tz: tzinfo, owner: Owner, fast: Any
) -> tuple[list[Line], list[Refused]]:
    """The rows the bulk reading left: read the reference way, one at a time."""
    slow = np.flatnonzero(pc.invert(fast).to_numpy(zero_copy_only=False))
    refused: list[Refused] = []
    lines: list[Line] = []
    for i in slow:
        got = parse_row(
            block.cells(int(i)), int(block.numbers[i]), layout, tz, owner, block.extras.get(int(i))
        )
        if isinstance(got, Line):
            lines.append(got)
        elif got is not None:
            refused.append(got)
    return lines, refused


def parse_block(block: Block, layout: Layout, tz: tzinfo, owner: Owner) -> Parsed:
    """Every row of the block: a parsed line, a refused row with its reason, or (a row of
    blanks) nothing."""
    n = block.size
    c = block.columns
    h = layout
    # A blank row has no order id, so it goes to parse_row, which drops it.  Bytes bound
    # characters from above: a cell over the limit in bytes is counted exactly there.
    ok = pa.array(np.ones(n, dtype=bool))
    for col in c:
        ok = pc.and_(ok, pc.less_equal(pc.binary_length(col), owner.max_cell))

    def need(cond: Any) -> None:
        nonlocal ok
        ok = pc.and_(ok, pc.fill_null(cond, False))

    order_id = clean(c[h.order])
    size = pc.utf8_length(order_id)
    need(pc.and_(pc.greater(size, 0), pc.less_equal(size, 64)))
    amount, money_ok = money(clean(c[h.amount]))
    need(money_ok)
    need(pc.less_equal(amount, MAX_LINE_FEN))
    qty_text = clean(c[h.quantity])
    qty_ok = pc.match_substring_regex(qty_text, r"^[1-9]\d{0,6}$")
    need(qty_ok)
    quantity = pc.cast(pc.if_else(qty_ok, qty_text, "1"), pa.int64())
    paid_at, unpaid, time_ok = _local_times(clean(c[h.paid]), getattr(tz, "key", str(tz)))
    need(time_ok)
    status, stands, after, refund, not_paid = _standing(c, h, n, need)
    unpaid = pc.or_(unpaid, not_paid)
    need(pc.or_(pc.invert(unpaid), pc.invert(stands)))
    line_id: Any = pa.array([""] * n, pa.string())
    if h.line is not None:
        line_id = clean(c[h.line])
        size = pc.utf8_length(line_id)
        need(pc.and_(pc.greater(size, 0), pc.less_equal(size, 64)))
    w = _who(c, h, n, owner, need)
    account, buyer, note, title, product = (
        w["account"], w["buyer"], w["note"], w["title"], w["product"]
    )  # fmt: skip
    if h.line is None:  # as rows.line_key: the product keys the line
        line_id = pc.utf8_slice_codeunits(pc.fill_null(product, ""), 0, LINE_KEY_LENGTH)
    refund_fen = pc.if_else(
        pc.greater(refund, 0),
        refund,
        pc.if_else(pc.and_(pc.invert(stands), pc.invert(unpaid)), amount, 0),
    )
    # one look for control characters over every text that is stored
    stored = [order_id, line_id, status, after, account, buyer, note, title, product]
    joined = pc.binary_join_element_wise(*stored, "", null_handling="replace", null_replacement="")
    fast = pc.and_(ok, pc.invert(pc.match_substring_regex(joined, CONTROL_RE)))
    table = pa.table(
        [
            pa.array(block.numbers),
            order_id,
            line_id,
            pc.if_else(unpaid, pa.scalar(None, paid_at.type), paid_at),
            amount,
            refund_fen,
            quantity,
            status,
            after,
            stands,
            account,
            buyer,
            note,
            product,
            title,
            w["live_room"],
            w["affiliate"],
        ],
        schema=LINE_SCHEMA,
    ).filter(fast)
    lines, refused = _slow(block, layout, tz, owner, fast)
    if lines:
        table = pa.concat_tables([table, lines_table(lines)]).sort_by("row_number")
    if h.columns.per_order and table.num_rows:
        table = per_order_split(table, weights_of(block, h), block.numbers)
    return Parsed(table, refused)


def lines_table(lines: list[Line]) -> pa.Table:
    return pa.table(
        {name: [getattr(x, name) for x in lines] for name in LINE_SCHEMA.names},
        schema=LINE_SCHEMA,
    )


def read_lines(export: Any, tz: tzinfo, owner: Owner | None = None) -> list[Line | Refused]:
    """Every row of a (small) export, parsed or refused, in file order: for tests and tools;
    the ingest streams the blocks instead."""
    owner = owner or Owner("")
    while True:
        items: list[Line | Refused] = []
        try:
            for block in export.blocks():
                got = parse_block(block, export.layout, tz, owner)
                items.extend(
                    Line(**{k: v for k, v in row.items()}) for row in got.lines.to_pylist()
                )
                items.extend(got.refused)
            break
        except Ragged:
            export.row_by_row = True
    items.sort(key=lambda x: x.row_number)
    return items
