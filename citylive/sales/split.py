"""Money counted once where an export writes the order's amount on each of its item rows.

jd 应付金额, 1688 实付款(元) and Taobao's order-level reports write what the buyer paid for the
whole order on every item row of it (or in a cell merged over them).  Such an order is counted
once: its amount is split over its lines in proportion to their list price (单价 x 数量, or the
line's list total where the file has one, else the quantity), to the fen, the remainder on the
last line.  An order whose rows carry different amounts was written per line after all (an
older or customised export): its amounts are kept as they are.  Done a column at a time (numpy), for the layouts whose amount is per order only.

Merged cells: openpyxl gives a merged range's value on its first row only (and a CSV saved from
such a sheet leaves the order's cells empty on its later rows); `fill_down` gives every row of
the range the value, so the second item of an order is not a row without an order id.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from citylive.sales.block import Block
from citylive.sales.column_text import clean, money
from citylive.sales.rows import Layout


def _fen(text: Any) -> np.ndarray:
    """Yuan text -> fen (0 where not money), for weights only."""
    fen, ok = money(clean(text))
    return np.where(
        pc.fill_null(ok, False).to_numpy(zero_copy_only=False),
        pc.fill_null(fen, 0).to_numpy(zero_copy_only=False),
        0,
    ).astype(np.int64)


def weights_of(block: Block, h: Layout) -> np.ndarray:
    """Each row's list price in fen (the weight of its share of the order's amount)."""
    qty_text = clean(block.columns[h.quantity])
    qty_ok = pc.match_substring_regex(qty_text, r"^[1-9]\d{0,6}$")
    qty = pc.cast(pc.if_else(qty_ok, qty_text, "1"), pa.int64()).to_numpy(zero_copy_only=False)
    if h.line_price is not None:
        w = _fen(block.columns[h.line_price])
    elif h.unit_price is not None:
        w = _fen(block.columns[h.unit_price]) * qty
    else:
        w = qty.astype(np.int64)
    return w


def _shares(total: np.ndarray, w: np.ndarray, starts: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's total over its rows by weight, to the fen, remainder on the last."""
    n = len(w)
    sums = np.add.reduceat(w, starts)
    even = sums[group] == 0  # no price anywhere in the order: split evenly
    w = np.where(even, 1, w)
    sums = np.add.reduceat(w, starts)
    # exact integer arithmetic (amount x weight can pass 2^63)
    share = (total[group].astype(object) * w.astype(object)) // sums[group].astype(object)
    share = share.astype(np.int64)
    ends = np.r_[starts[1:], n] - 1
    before = np.add.reduceat(share, starts) - share[ends]
    share[ends] = total - before
    return share


def per_order_split(table: pa.Table, weights: np.ndarray, numbers: np.ndarray) -> pa.Table:
    """Lines of a per-order layout (in file order) with each order's amount (and refund)
    split over its lines; an order of one line keeps its amount.  A row repeated in the file
    (the same order line again) takes no share: it gets its first copy's, and is then
    dropped as a duplicate."""
    rows = table["row_number"].to_numpy()
    keys = pc.binary_join_element_wise(table["order_id"], table["line_id"], "\x1f")
    line_codes = _codes(keys)
    _, first_at, inverse = np.unique(line_codes, return_index=True, return_inverse=True)
    firsts = np.sort(first_at)
    sub = table.take(pa.array(firsts))
    split = _split(sub, weights[np.searchsorted(numbers, rows[firsts])])
    if split is sub and len(firsts) == table.num_rows:
        return table
    # every row takes its first copy's amounts
    pos = np.empty(len(line_codes), dtype=np.int64)
    pos[firsts] = np.arange(len(firsts))
    source = pos[first_at[inverse]]
    for name in ("amount_fen", "refund_fen"):
        values = split[name].to_numpy()[source]
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
    return table


def _codes(a: Any) -> np.ndarray:
    encoded = pc.dictionary_encode(a)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return encoded.indices.to_numpy().astype(np.int64)


def _split(table: pa.Table, w: np.ndarray) -> pa.Table:
    n = table.num_rows
    rows = table["row_number"].to_numpy()
    codes = _codes(table["order_id"])
    order = np.lexsort((rows, codes))
    c = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
    if len(starts) == n:
        return table
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    amount = table["amount_fen"].to_numpy()[order]
    refund = table["refund_fen"].to_numpy()[order]
    # an order whose rows carry different amounts was written per line after all: kept
    repeated = (np.maximum.reduceat(amount, starts) == np.minimum.reduceat(amount, starts))[group]
    new_amount = np.where(repeated, _shares(amount[starts], w[order], starts, group), amount)
    # a refund derived from a cancelled line's amount follows it; a refunded sum is split
    refunded = _shares(np.maximum.reduceat(refund, starts), w[order], starts, group)
    new_refund = np.where(refund == amount, new_amount, refunded)
    new_refund = np.where(refund == 0, 0, np.where(repeated, new_refund, refund))
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    table = table.set_column(
        table.schema.get_field_index("amount_fen"), "amount_fen", pa.array(new_amount[back])
    )
    return table.set_column(
        table.schema.get_field_index("refund_fen"), "refund_fen", pa.array(new_refund[back])
    )


def fill_down(block: Block, h: Layout) -> Block:
    """Rows whose order-id cell is empty are further item rows of the order above (merged
    cells): their empty order-level cells take the value above."""
    col = block.columns[h.order]
    empty = pc.equal(pc.utf8_trim_whitespace(col), "").to_numpy(zero_copy_only=False)
    if not empty[1:].any():
        return block
    item = {h.quantity, h.unit_price, h.line_price, h.product_id, h.product_title, h.line, h.after}
    n = block.size
    columns = []
    for k, cells in enumerate(block.columns):
        if k in item:
            columns.append(cells)
            continue
        blank = empty & (pc.utf8_length(cells).to_numpy(zero_copy_only=False) == 0)
        idx = np.where(blank, 0, np.arange(n))
        idx = np.maximum.accumulate(idx)
        columns.append(cells.take(pa.array(idx)) if blank.any() else cells)
    return Block(columns, block.numbers, block.extras)
