"""The report's charts: static SVG drawn here, so the report opens in any browser with no
network, and Chinese labels are SVG text (the browser's own CJK fonts render them)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from citylive.sales.figures import yuan

FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
PALETTE = ("#c0392b", "#2e86de", "#27ae60", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d")


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(label: str, limit: int = 13) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def every_hour(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """GMV per hour from the first sale to the last, quiet hours included as zero."""
    if not rows:
        return []
    fen = {r["key"]: r["gmv_fen"] for r in rows}
    hour = datetime.strptime(rows[0]["key"], "%Y-%m-%d %H:%M")
    last = datetime.strptime(rows[-1]["key"], "%Y-%m-%d %H:%M")
    out = []
    while hour <= last:
        key = hour.strftime("%Y-%m-%d %H:%M")
        out.append((key, fen.get(key, 0)))
        hour += timedelta(hours=1)
    return out


def hbar_chart(items: list[tuple[str, int]], *, unit: str = "¥", width: int = 640) -> Markup:
    """Horizontal bars, one per label; values in fen shown as yuan."""
    if not items:
        return Markup("")
    row_h, label_w, value_w = 26, 210, 110
    height = row_h * len(items) + 10
    top = max(v for _, v in items) or 1
    bar_w = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="13" role="img">'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = max(1, round(bar_w * value / top)) if value > 0 else 0
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_esc(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" fill="{color}" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 17}">{unit}{_esc(yuan(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(items: list[tuple[str, int]], *, width: int = 900, height: int = 240) -> Markup:
    """Vertical bars in time order (GMV by hour), labels every few bars."""
    if not items:
        return Markup("")
    left, bottom, top_pad = 70, 46, 12
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max(v for _, v in items) or 1
    step = plot_w / len(items)
    every = max(1, len(items) // 12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top_pad + 8}" text-anchor="end">¥{_esc(yuan(top))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (label, value) in enumerate(items):
        h = round(plot_h * value / top) if value > 0 else 0
        x = left + i * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top_pad + plot_h - h}" width="{max(1.0, step - 2):.1f}" '
            f'height="{h}" fill="#c0392b"><title>{_esc(label)} ¥{_esc(yuan(value))}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle">'
                f"{_esc(label[5:])}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def daily_lines_chart(
    days: list[str],
    windows: list[str | None],
    series: list[tuple[str, list[int]]],
    labels: dict[str, str],
    *,
    width: int = 900,
    height: int = 300,
) -> Markup:
    """Net GMV per day, one line per group, the festival's days shaded, the windows named."""
    if not days or not series:
        return Markup("")
    left, right, bottom, top_pad = 70, 150, 40, 22
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    peak = max((max(v) for _, v in series if v), default=0) or 1
    # The festival's days tower over the rest; the scale is set by the ordinary days, so the
    # weeks before and after can be compared, and the festival's peak is written above it.
    ordinary = max(
        (v for _, vs in series for v, w in zip(vs, windows, strict=True) if w != "festival"),
        default=0,
    )
    top = min(peak, round(ordinary * 1.3)) if ordinary else peak
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top_pad + plot_h - plot_h * min(v, top) / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">'
    ]
    for w, a, b in _spans(windows):
        x0, x1 = x(a) - step / 2, x(b) + step / 2
        if w == "festival":
            parts.append(
                f'<rect x="{max(left, x0):.1f}" y="{top_pad}" width="{x1 - max(left, x0):.1f}" '
                f'height="{plot_h}" fill="#fdecea"/>'
            )
            if peak > top:
                parts.append(
                    f'<text x="{x1 + 4:.1f}" y="{top_pad + 12}" fill="#c0392b">'
                    f"↑ ¥{_esc(yuan(peak))}</text>"
                )
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{top_pad - 8}" text-anchor="middle" '
            f'fill="#555">{_esc(labels.get(w, w))}</text>'
        )
    parts += [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top_pad + 8}" text-anchor="end">¥{_esc(yuan(top))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, len(days) // 8)
    for i, d in enumerate(days):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle">{_esc(d[5:])}</text>'
            )
    for k, (label, values) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(_line_and_key(k, label, points, left + plot_w, top_pad))
    parts.append("</svg>")
    return Markup("".join(parts))


def _spans(windows: list[str | None]) -> list[tuple[str, int, int]]:
    """Runs of days in one window: (window, first day, last day)."""
    spans: list[tuple[str, int, int]] = []
    for i, w in enumerate(windows):
        if w is None:
            continue
        if spans and spans[-1][0] == w and spans[-1][2] == i - 1:
            spans[-1] = (w, spans[-1][1], i)
        else:
            spans.append((w, i, i))
    return spans


def _line_and_key(k: int, label: str, points: str, right: float, top_pad: int) -> str:
    """One group's line, and its entry in the key to the right of the plot."""
    color = PALETTE[k % len(PALETTE)]
    ly = top_pad + 14 + k * 16
    return (
        f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{points}">'
        f"<title>{_esc(label)}</title></polyline>"
        f'<rect x="{right + 12}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
        f'<text x="{right + 26}" y="{ly}">{_esc(_short(label, 10))}</text>'
    )
