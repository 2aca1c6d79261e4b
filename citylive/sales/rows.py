"""One export row at a time: the reference reading of a row, and the reason when it is refused.

The columnar reader (columnar.py) reads the common shapes of every column in bulk; a row with
anything unusual in it (a `¥1,280.5`, a time with slashes, an unknown status, a bad cell) is
read here instead, so every refusal carries the same reason whichever path met it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from citylive.folding import fold
from citylive.sales.platforms import (
    AFTER_SALE_REFUNDED_KEYS,
    NO_REFUND,
    PlatformColumns,
    find,
    header_key,
    is_affiliate_channel,
    live_room_of,
    status_kind,
)
from citylive.sales.values import (
    CONTROL,
    CONTROL_IN_TEXT,
    MAX_LINE_FEN,
    clean_text,
    parse_local_time,
    parse_money_fen,
    parse_quantity,
)

LINE_KEY_LENGTH = 64


def line_key(product: str | None) -> str:
    """The line id of a row from an export without a line-id column: its product (id, else
    title).  Such exports hold one row per order, or one per item line; an order's item lines
    differ by product, and the same row exported again keeps its key (a duplicate)."""
    return (product or "")[:LINE_KEY_LENGTH]


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
    product: str | None = None  # the product id, else its title
    product_title: str | None = None
    live_room: bool | None = None  # None: the file does not say
    affiliate: bool = False  # the file says an affiliate sold it (精选联盟, 分销, CPS达人ID)


@dataclass
class Refused:
    row_number: int
    reason: str
    raw: dict[str, str]
    clash_with: str | None = None


@dataclass(frozen=True)
class Layout:
    """Where the columns the product reads stand in one export's header row."""

    headers: list[str]
    columns: PlatformColumns
    order: int
    paid: int
    amount: int
    quantity: int
    status: int
    line: int | None
    after: int | None
    refund: int | None
    streamer: int | None
    buyer: int | None
    note: int | None
    product_id: int | None
    product_title: int | None
    shop: int | None
    unit_price: int | None = None
    line_price: int | None = None
    live_room: int | None = None
    channel: int | None = None

    @classmethod
    def of(cls, headers: list[str], cols: PlatformColumns) -> Layout:
        keys = [header_key(h) for h in headers]

        def need(names: tuple[str, ...]) -> int:
            i = find(keys, names)
            if i is None:
                raise ValueError(f"no {names[0]} in the header row")
            return i

        return cls(
            headers,
            cols,
            need(cols.order_id),
            need(cols.paid_at),
            need(cols.amount),
            need(cols.quantity),
            need(cols.status),
            find(keys, cols.line_id),
            find(keys, cols.after_sale),
            find(keys, cols.refund),
            find(keys, cols.streamer),
            find(keys, cols.buyer),
            find(keys, cols.note),
            find(keys, cols.product_id),
            find(keys, cols.product_title),
            find(keys, cols.shop),
            find(keys, cols.unit_price),
            find(keys, cols.line_price),
            find(keys, cols.live_room),
            find(keys, cols.channel),
        )

    @property
    def width(self) -> int:
        return len(self.headers)

    def name(self, i: int | None) -> str:
        return self.headers[i] if i is not None else ""


@dataclass(frozen=True)
class Owner:
    """The enterprise a file belongs to, and what in a row would show it is another's: a
    shop name of another enterprise on this platform, or the account of another enterprise's
    in-house streamer."""

    enterprise: str
    foreign_shops: dict[str, str] = field(default_factory=dict)
    foreign_accounts: dict[str, str] = field(default_factory=dict)
    max_cell: int = 32_767  # characters in one cell (Excel's own limit)


def _kept(text: str) -> str:
    # a NUL cannot be stored in a JSON document (PostgreSQL refuses it): shown as ␀
    return text[:1000].replace("\x00", "\u2400")


def raw_of(layout: Layout, cells: list[str], extra: str | None = None) -> dict[str, str]:
    out = {}
    for k, name in enumerate(layout.headers):
        if k < len(cells) and name:
            out[name] = _kept(cells[k])
    if extra:
        out["(extra cells)"] = _kept(extra)
    return out


class _Refuse(Exception):
    def __init__(self, reason: str, clash_with: str | None = None):
        self.reason = reason
        self.clash_with = clash_with


def parse_row(
    cells: list[str],
    number: int,
    layout: Layout,
    tz: tzinfo,
    owner: Owner,
    extra: str | None = None,
) -> Line | Refused | None:
    """A row of text cells (as wide as the header) -> a Line, a Refused with its reason, or
    None for a row of blanks (not a row)."""
    h = layout
    if not any(c.strip() for c in cells):
        return None
    try:
        for k, c in enumerate(cells):
            if len(c) > owner.max_cell:
                where = h.headers[k] or f"column {k + 1}"
                raise _Refuse(f"cell longer than {owner.max_cell:,} characters in {where}")
        order_id = _id(cells[h.order], h.name(h.order), "order id")
        money = _money_of(cells, h, tz)
        line_id = _id(cells[h.line], h.name(h.line), "line id") if h.line is not None else ""
        return _line(cells, number, h, owner, order_id, line_id, money)
    except _Refuse as r:
        return Refused(number, r.reason, raw_of(h, cells, extra), r.clash_with)


def _id(cell: str, name: str, what: str) -> str:
    text = clean_text(cell)
    if not text:
        raise _Refuse(f"missing {what} ({name})")
    if len(text) > 64:
        raise _Refuse(f"{what} longer than 64 characters ({name})")
    if CONTROL.search(text):
        raise _Refuse(f"control character in {what} ({name})")
    return text


@dataclass
class _Money:
    paid_at: datetime | None
    amount: int
    refund: int
    quantity: int
    status: str
    after_sale: str | None
    stands: bool


def _fen(cell: str, name: str) -> int:
    try:
        fen = parse_money_fen(cell)
    except ValueError as exc:
        raise _Refuse(f"bad money in {name}: {exc}") from exc
    if fen > MAX_LINE_FEN:
        raise _Refuse(f"bad money in {name}: more than one line can hold")
    return fen


def _money_of(cells: list[str], h: Layout, tz: tzinfo) -> _Money:
    """Amount, quantity, paid time, status, after-sale and refund of a row, checked."""
    name = h.name
    amount = _fen(cells[h.amount], name(h.amount))
    try:
        quantity = parse_quantity(cells[h.quantity])
    except ValueError as exc:
        raise _Refuse(f"bad quantity in {name(h.quantity)}: {exc}") from exc
    try:
        paid_at = parse_local_time(cells[h.paid], tz)
    except ValueError as exc:
        raise _Refuse(f"bad time in {name(h.paid)}: {exc}") from exc
    status = CONTROL.sub("", clean_text(cells[h.status]))
    kind = status_kind(status)
    if kind is None:
        raise _Refuse(f"unknown status in {name(h.status)}: {status[:40]!r}")
    stands = kind == "stands"
    if kind == "unpaid":
        paid_at = None  # not a sale: stored, counted in no figure
    after_sale = None
    if h.after is not None:
        after_sale = cells[h.after]
        if after_sale != "-":
            after_sale = CONTROL.sub("", clean_text(after_sale))
    if after_sale and fold(after_sale) in AFTER_SALE_REFUNDED_KEYS:
        stands = False
    refund = 0
    refund_text = clean_text(cells[h.refund]) if h.refund is not None else ""
    if refund_text not in NO_REFUND:
        refund = _fen(refund_text, name(h.refund))
        if refund > 0:
            stands = False
    if paid_at is None and stands:
        raise _Refuse(f"missing paid time ({name(h.paid)}) on a standing order")
    after = (after_sale[:32] or None) if after_sale else None
    return _Money(paid_at, amount, refund, quantity, status, after, stands)


def _text(cells: list[str], i: int | None, size: int) -> str | None:
    if i is None:
        return None
    return CONTROL.sub("", clean_text(cells[i]))[:size] or None


def _line(
    cells: list[str],
    number: int,
    h: Layout,
    owner: Owner,
    order_id: str,
    line_id: str,
    m: _Money,
) -> Line:
    """Who sold the row and what: account, shop, buyer, note, product, live room."""
    account = None
    cps = h.streamer is not None and header_key(h.name(h.streamer)).startswith("cps")
    if h.streamer is not None:
        # a blank CPS达人ID: no affiliate, and no account named either
        account = CONTROL.sub("", clean_text(cells[h.streamer]))[:128] or (None if cps else "")
        if cps and account == "0":
            account = None  # kuaishou writes 0 for no CPS达人
        other = owner.foreign_accounts.get(account) if account else None
        if other is not None:
            raise _Refuse(
                f"streamer {account!r} in {h.name(h.streamer)} streams for enterprise {other!r} "
                f"only, not for {owner.enterprise!r}: is this {other}'s export?",
                clash_with=other,
            )
    if h.shop is not None and owner.foreign_shops:
        shop = clean_text(cells[h.shop])
        other = owner.foreign_shops.get(shop)
        if other is not None:
            raise _Refuse(
                f"shop {shop!r} in {h.name(h.shop)} belongs to enterprise {other!r}, not to "
                f"{owner.enterprise!r}: is this {other}'s export?",
                clash_with=other,
            )
    note = (
        CONTROL_IN_TEXT.sub("", clean_text(cells[h.note])) or None if h.note is not None else None
    )
    title = _text(cells, h.product_title, 200)
    product = _text(cells, h.product_id, 128) or (title[:128] if title else None)
    if h.line is None:
        line_id = line_key(product)
    live_room = live_room_of(cells[h.live_room]) if h.live_room is not None else None
    affiliate = h.channel is not None and is_affiliate_channel(clean_text(cells[h.channel]))
    if cps and account:
        affiliate = True  # a CPS account is an affiliate's by definition
    refund = m.refund if m.refund else (m.amount if not m.stands and m.paid_at else 0)
    return Line(
        number,
        order_id,
        line_id,
        m.paid_at,
        m.amount,
        refund,
        m.quantity,
        m.status,
        m.after_sale,
        m.stands,
        account,
        _text(cells, h.buyer, 128),
        note,
        product,
        title,
        live_room,
        affiliate,
    )
