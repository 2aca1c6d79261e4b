"""Cells of a text column read all at once (pyarrow compute): the guards platforms put
around ids and numbers taken off, money read to the fen.  Shared by the bulk reading
(columnar) and the split of an order's amount over its lines (split)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

MONEY_RE = r"^(?P<y>\d{1,13})(?:\.(?P<f>\d{1,2}))?$"


def clean(a: Any) -> Any:
    """`values.clean_text` for a column of text, but for a BOM inside a cell (which the
    bulk reading's control check sends to the reference reading)."""
    t = pc.utf8_trim_whitespace(a)
    eq = pc.starts_with(t, "=")
    if pc.any(eq).as_py():
        u = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(t, 1))
        quoted = pc.and_(
            pc.and_(pc.starts_with(u, '"'), pc.ends_with(u, '"')),
            pc.greater_equal(pc.utf8_length(u), 2),
        )
        u = pc.if_else(quoted, pc.utf8_slice_codeunits(u, 1, -1), u)
        t = pc.if_else(eq, u, t)
    return pc.utf8_trim_whitespace(pc.utf8_ltrim(t, characters="'`\t"))


def money(t: Any) -> tuple[Any, Any]:
    """Yuan text (guards already cleaned) -> (fen, ok)."""
    t = pc.replace_substring_regex(t, r"[¥￥,，\s]", "")
    t = pc.replace_substring_regex(t, r"元$", "")
    parts = pc.extract_regex(t, MONEY_RE)
    ok = pc.fill_null(pc.is_valid(parts), False)
    y = pc.if_else(ok, pc.struct_field(parts, "y"), "0")
    f = pc.utf8_rpad(pc.if_else(ok, pc.struct_field(parts, "f"), "0"), 2, "0")
    fen = pc.add(pc.multiply(pc.cast(y, pa.int64()), 100), pc.cast(f, pa.int64()))
    return fen, ok
