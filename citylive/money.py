"""One way to write money for people: thousands separators always, and 万 (ten thousand
yuan) on Chinese pages and messages from 10,000 yuan up, as Chinese readers count.

    money("208106.00")               -> "¥20.81万"
    money("208106.00", "en")         -> "¥208,106.00"
    money("998")                     -> "¥998.00"
    money(208106, plain=True)        -> "208,106.00"        (a CLI column)

The API keeps money as decimal strings in yuan (docs/api.md); this is for what people read.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

WAN = Decimal(10_000)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def money(value: object, lang: str = "zh-CN", *, plain: bool = False) -> str:
    """`value` (yuan: a number or a decimal string) as people read it; "-" when there is
    none.  `plain`: separators only, no sign and no 万 (for columns that name the unit)."""
    v = _decimal(value)
    if v is None:
        return "-" if not isinstance(value, str) or not value else value
    if plain:
        return f"{v:,.2f}"
    if lang.startswith("zh") and abs(v) >= WAN:
        return f"¥{v / WAN:,.2f}万"
    return f"¥{v:,.2f}"


def money_fen(fen: int | None, lang: str = "zh-CN", *, plain: bool = False) -> str:
    """The same, from an amount in fen (1/100 yuan)."""
    return "-" if fen is None else money(Decimal(fen) / 100, lang, plain=plain)
