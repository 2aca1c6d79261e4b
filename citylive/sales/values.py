"""Cell values as the platforms' exports write them, one at a time: Excel guards on ids, money
in yuan, quantities, local times.  The columnar reader handles the common shapes in bulk and
hands every other cell to these, so both give the same answer and the same reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

# 20 million yuan: more on one order line is a unit error, not a sale (and overflows int4).
MAX_LINE_FEN = 2_000_000_000
# More units than this on one line is a typo (and overflows int4 when summed per order).
MAX_QUANTITY = 10_000_000

_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_MONEY_STRIP = re.compile(r"[¥￥,，\s]|元$")
_GUARD_LEAD = frozenset("='`")
# C0 and C1 control characters: never part of an id; a NUL would even make PostgreSQL refuse
# the row.  Tabs and line breaks are allowed inside notes and titles only.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
    elif isinstance(value, bool):
        return str(value)
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


def cell_text(value: Any) -> str:
    """A typed spreadsheet cell as the text a CSV export would hold."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


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
    if len(text) > 40:
        raise ValueError(f"not a number: {text[:20]!r}...")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a positive amount: {text!r}")
    if amount.adjusted() > 15:
        raise ValueError(f"more than any sale: {text!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def parse_quantity(value: Any) -> int:
    text = clean_text(value)
    if len(text) > 40:
        raise ValueError(f"not a number: {text[:20]!r}...")
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not number.is_finite() or number != number.to_integral_value() or number <= 0:
        raise ValueError(f"not a positive whole number: {text!r}")
    if number > MAX_QUANTITY:
        raise ValueError(f"more than {MAX_QUANTITY:,} units on one line: {text!r}")
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
        if not 1970 <= naive.year <= 2200:
            raise ValueError(f"a time outside 1970-2200: {text!r}")
        return naive.replace(tzinfo=tz).astimezone(UTC)
    raise ValueError(f"not a time (YYYY-MM-DD HH:MM:SS): {text[:40]!r}")
