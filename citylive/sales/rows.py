"""One export row at a time: the reference reading of a row, and the reason when it is refused.

The columnar reader (columnar.py) reads the common shapes of every column in bulk; a row with
anything unusual in it (a `¥1,280.5`, a time with slashes, an unknown status, a bad cell) is
read here instead, so every refusal carries the same reason whichever path met it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from citylive.sales.platforms import (
    AFTER_SALE_REFUNDED,
    STATUS_NOT_STANDING,
    STATUS_STANDING,
    PlatformColumns,
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


@dataclass
class Refused:
    row_number: int
    reason: str
    raw: dict[str, str]
    clash_with: str | None = None


def _index(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


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

    @classmethod
    def of(cls, headers: list[str], cols: PlatformColumns) -> Layout:
        return cls(
            headers,
            cols,
            headers.index(cols.order_id),
            headers.index(cols.paid_at),
            headers.index(cols.amount),
            headers.index(cols.quantity),
            headers.index(cols.status),
            _index(headers, cols.line_id),
            _index(headers, cols.after_sale),
            _index(headers, cols.refund),
            _index(headers, cols.streamer),
            _index(headers, cols.buyer),
            _index(headers, cols.note),
            _index(headers, cols.product_id),
            _index(headers, cols.product_title),
            _index(headers, cols.shop),
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
    cols = h.columns

    def refuse(reason: str, clash_with: str | None = None) -> Refused:
        return Refused(number, reason, raw_of(h, cells, extra), clash_with)

    if not any(c.strip() for c in cells):
        return None
    for k, c in enumerate(cells):
        if len(c) > owner.max_cell:
            return refuse(
                f"cell longer than {owner.max_cell:,} characters in {h.headers[k] or f'column {k + 1}'}"
            )
    order_id = clean_text(cells[h.order])
    if not order_id:
        return refuse(f"missing order id ({cols.order_id})")
    if len(order_id) > 64:
        return refuse(f"order id longer than 64 characters ({cols.order_id})")
    if CONTROL.search(order_id):
        return refuse(f"control character in order id ({cols.order_id})")
    try:
        amount = parse_money_fen(cells[h.amount])
    except ValueError as exc:
        return refuse(f"bad money in {cols.amount}: {exc}")
    if amount > MAX_LINE_FEN:
        return refuse(f"bad money in {cols.amount}: more than one line can hold")
    try:
        quantity = parse_quantity(cells[h.quantity])
    except ValueError as exc:
        return refuse(f"bad quantity in {cols.quantity}: {exc}")
    try:
        paid_at = parse_local_time(cells[h.paid], tz)
    except ValueError as exc:
        return refuse(f"bad time in {cols.paid_at}: {exc}")
    status = CONTROL.sub("", clean_text(cells[h.status]))
    if status in STATUS_STANDING:
        stands = True
    elif status in STATUS_NOT_STANDING:
        stands = False
    else:
        return refuse(f"unknown status in {cols.status}: {status[:40]!r}")
    after_sale = None
    if h.after is not None:
        after_sale = cells[h.after]
        if after_sale != "-":
            after_sale = CONTROL.sub("", clean_text(after_sale))
    if after_sale in AFTER_SALE_REFUNDED:
        stands = False
    refund = 0
    if h.refund is not None and clean_text(cells[h.refund]) not in ("", "-"):
        try:
            refund = parse_money_fen(cells[h.refund])
        except ValueError as exc:
            return refuse(f"bad money in {h.name(h.refund)}: {exc}")
        if refund > MAX_LINE_FEN:
            return refuse(f"bad money in {h.name(h.refund)}: more than one line can hold")
        if refund > 0:
            stands = False
    if paid_at is None and stands:
        return refuse(f"missing paid time ({cols.paid_at}) on a standing order")
    line_id = ""
    if h.line is not None:
        line_id = clean_text(cells[h.line])
        if not line_id:
            return refuse(f"missing line id ({h.name(h.line)})")
        if len(line_id) > 64:
            return refuse(f"line id longer than 64 characters ({h.name(h.line)})")
        if CONTROL.search(line_id):
            return refuse(f"control character in line id ({h.name(h.line)})")
    account = None
    if h.streamer is not None:
        account = CONTROL.sub("", clean_text(cells[h.streamer]))[:128]
        other = owner.foreign_accounts.get(account) if account else None
        if other is not None:
            return refuse(
                f"streamer {account!r} in {h.name(h.streamer)} streams for enterprise {other!r} "
                f"only, not for {owner.enterprise!r}: is this {other}'s export?",
                clash_with=other,
            )
    if h.shop is not None and owner.foreign_shops:
        shop = clean_text(cells[h.shop])
        other = owner.foreign_shops.get(shop)
        if other is not None:
            return refuse(
                f"shop {shop!r} in {h.name(h.shop)} belongs to enterprise {other!r}, not to "
                f"{owner.enterprise!r}: is this {other}'s export?",
                clash_with=other,
            )
    buyer = (
        CONTROL.sub("", clean_text(cells[h.buyer]))[:128] or None if h.buyer is not None else None
    )
    note = (
        CONTROL_IN_TEXT.sub("", clean_text(cells[h.note])) or None if h.note is not None else None
    )
    title = None
    if h.product_title is not None:
        title = CONTROL.sub("", clean_text(cells[h.product_title]))[:200] or None
    product = None
    if h.product_id is not None:
        product = CONTROL.sub("", clean_text(cells[h.product_id]))[:128] or None
    product = product or (title[:128] if title else None)
    if h.line is None:
        line_id = line_key(product)
    return Line(
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
        account,
        buyer,
        note,
        product,
        title,
    )
