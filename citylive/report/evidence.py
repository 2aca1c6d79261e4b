"""A flag's evidence as a sentence a reader can check, with names instead of ids, in the
page's language (the flag's own `message` is bilingual and terse)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citylive.money import money

Names = dict[str, str]


def _pct(x: Any) -> str:
    return "-" if x is None else f"{float(x):.0%}"


def _n(x: Any) -> str:
    return "-" if x is None else f"{int(x):,}"


def _refund(ev: dict, who: str, lang: str, names: Names) -> str:
    if lang == "en":
        return (
            f"{who}: {_n(ev.get('refunded_orders'))} of {_n(ev.get('orders'))} orders were "
            f"refunded ({_pct(ev.get('refund_rate'))}), against "
            f"{_pct(ev.get('festival_refund_rate'))} across the festival."
        )
    return (
        f"{who}本场 {_n(ev.get('orders'))} 笔订单中有 {_n(ev.get('refunded_orders'))} 笔退款"
        f"（退款率 {_pct(ev.get('refund_rate'))}），全节平均为 "
        f"{_pct(ev.get('festival_refund_rate'))}。"
    )


def _buyers(ev: dict, who: str, lang: str, names: Names) -> str:
    top = ev.get("top_buyers") or []
    held = sum(int(b["orders"]) for b in top)
    listed = "、".join(f"{b['buyer']} {b['orders']} 单" for b in top[:3])
    if lang == "en":
        listed = ", ".join(f"{b['buyer']} ({b['orders']})" for b in top[:3])
        return (
            f"{who}: the top {len(top)} buyers ({listed}) placed {held:,} of the session's "
            f"{_n(ev.get('orders'))} orders ({_pct(ev.get('share'))})."
        )
    return (
        f"{who}本场前 {len(top)} 位买家（{listed}）共下单 {held:,} 笔，"
        f"占全场 {_n(ev.get('orders'))} 笔的 {_pct(ev.get('share'))}。"
    )


def _conversion(ev: dict, who: str, lang: str, names: Names) -> str:
    if lang == "en":
        return (
            f"{who}: {_n(ev.get('buyers'))} buyers from {_n(ev.get('views'))} views is a "
            f"conversion of {_pct(ev.get('conversion'))}, above the plausible "
            f"{_pct(ev.get('threshold'))}."
        )
    return (
        f"{who}本场场观 {_n(ev.get('views'))}，买家却有 {_n(ev.get('buyers'))} 位，转化率 "
        f"{_pct(ev.get('conversion'))}，超过可信上限 {_pct(ev.get('threshold'))}。"
    )


def _claim(ev: dict, who: str, lang: str, names: Names) -> str:
    ratio = ev.get("ratio")
    claimed, computed = money(ev.get("claimed_gmv"), lang), money(ev.get("computed_gmv"), lang)
    gap = money(ev.get("gap"), lang)
    if lang == "en":
        times = f", {ratio}x" if ratio else ""
        return (
            f"{who} reported {claimed} of GMV; its order lines add up to {computed} "
            f"({gap} more claimed{times})."
        )
    times = f"，是订单数据的 {ratio} 倍" if ratio else ""
    return f"{who}自报 GMV {claimed}，订单数据合计只有 {computed}，多报 {gap}{times}。"


def _brushing(ev: dict, who: str, lang: str, names: Names) -> str:
    ids = "、".join(str(x) for x in (ev.get("order_ids") or [])[:3])
    amount = money(ev.get("amount"), lang)
    if lang == "en":
        return (
            f"{who}: the merchant's notes mark {_n(ev.get('orders'))} orders ({amount}) as "
            f"brushing (刷单), e.g. orders {ids.replace('、', ', ')}."
        )
    return f"{who}有 {_n(ev.get('orders'))} 笔订单（合计 {amount}）的商家备注写有“刷单”，如订单 {ids}。"


def _loss_leader(ev: dict, who: str, lang: str, names: Names) -> str:
    gmv, deep = money(ev.get("gmv"), lang), money(ev.get("deep_gmv"), lang)
    if lang == "en":
        return (
            f"{who}: {deep} of the session's {gmv} ({_pct(ev.get('deep_share'))}) sold far "
            "below the products' pre-festival median price."
        )
    return (
        f"{who}本场 GMV {gmv} 中有 {deep}（{_pct(ev.get('deep_share'))}）"
        "以远低于节前中位价的价格卖出。"
    )


def _clash(ev: dict, who: str, lang: str, names: Names) -> str:
    other = ev.get("other_enterprise") or ""
    other_name = names.get(other, other)
    if lang == "en":
        return (
            f"{who} uploaded {ev.get('filename')}, whose {_n(ev.get('rows'))} rows are "
            f"{other_name}'s orders; they were refused."
        )
    return (
        f"{who}上传的文件 {ev.get('filename')} 中有 {_n(ev.get('rows'))} 行是{other_name}的订单，"
        "已拒收。"
    )


SENTENCES: dict[str, Callable[[dict, str, str, Names], str]] = {
    "refund": _refund,
    "buyers": _buyers,
    "conversion": _conversion,
    "claim": _claim,
    "brushing": _brushing,
    "loss_leader": _loss_leader,
    "clash": _clash,
}


def evidence_sentence(flag: dict[str, Any], lang: str, names: Names) -> str:
    """The flag's evidence in one sentence of `lang` ("zh-CN" or "en"), naming the
    enterprise (and streamer) by their names."""
    lang = "en" if lang.startswith("en") else "zh-CN"
    enterprise = names.get(flag.get("enterprise") or "", flag.get("enterprise") or "")
    streamer = names.get(flag.get("streamer") or "", flag.get("streamer") or "")
    who = enterprise + (f"（{streamer}）" if streamer and lang != "en" else "")
    if lang == "en" and streamer:
        who += f" with {streamer}"
    write = SENTENCES.get(str(flag.get("kind")))
    return write(flag.get("evidence") or {}, who, lang, names) if write else flag["message"]
