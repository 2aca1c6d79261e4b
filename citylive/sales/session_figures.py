"""Viewer figures and self-reported GMV per session, as agencies and streamers report them.

A CSV (UTF-8 or GBK) or the API gives, per session: views (场观), peak concurrent viewers
(人数峰值), new followers (新增粉丝) and the GMV the reporter claims (自报GMV, yuan).  A later report
for the same session replaces the earlier one.  Numbers are bounded (settings
`CITYLIVE_FIGURES_MAX_COUNT`, `CITYLIVE_FIGURES_MAX_CLAIMED_YUAN`): a figure no session can
have is refused with its place, never stored to break the summaries that add it up.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

import models
from citylive.config import get_settings
from citylive.errors import Invalid
from citylive.sales.readers import sniff_encoding
from citylive.sales.state import bump, lock_state
from citylive.sales.values import clean_text, normalise_header, parse_money_fen
from models._types import utcnow

COLUMNS: dict[str, tuple[str, ...]] = {
    "session_id": ("session_id", "session", "场次", "场次编号", "场次ID"),
    "views": ("views", "场观", "观看人次", "累计观看人次"),
    "peak_viewers": ("peak_viewers", "人数峰值", "最高在线", "在线人数峰值"),
    "new_followers": ("new_followers", "新增粉丝", "涨粉", "新增粉丝数"),
    "claimed_gmv": ("claimed_gmv", "自报GMV", "自报成交额", "成交额(自报)", "GMV"),
}
MAX_ROWS = 100_000


class FiguresError(Invalid):
    """Figures that cannot be stored; the message lists every problem with its place."""


@dataclass
class FiguresRow:
    session_id: str
    views: int | None = None
    peak_viewers: int | None = None
    new_followers: int | None = None
    claimed_gmv_fen: int | None = None


def _count(value: Any, where: str, problems: list[str], most: int) -> int | None:
    if isinstance(value, bool):
        problems.append(f"{where}: {value!r} is not a whole number")
        return None
    if isinstance(value, int):
        number = value
    else:
        text = clean_text(value).replace(",", "")
        if text in ("", "-"):
            return None
        # ASCII digits only: '²' and other digits Python would take are not counts
        if not (text.isascii() and text.isdigit()) or len(text) > 20:
            problems.append(f"{where}: {text[:30]!r} is not a whole number")
            return None
        number = int(text)
    if not 0 <= number <= most:
        problems.append(f"{where}: {number} is outside 0..{most:,}")
        return None
    return number


def parse_figures(records: list[dict[str, Any]], source: str = "figures") -> list[FiguresRow]:
    """Rows given as dicts (column -> value; Chinese or English names) -> checked rows."""
    settings = get_settings()
    most = settings.figures_max_count
    most_claimed = settings.figures_max_claimed_yuan * 100
    problems: list[str] = []
    out: list[FiguresRow] = []
    if len(records) > MAX_ROWS:
        raise FiguresError(f"{source}: {len(records)} rows; at most {MAX_ROWS:,} at once")
    for i, rec in enumerate(records, start=1):
        norm = {normalise_header(k): v for k, v in rec.items() if k is not None}
        got: dict[str, Any] = {}
        for name, aliases in COLUMNS.items():
            for a in aliases:
                if normalise_header(a) in norm:
                    got[name] = norm[normalise_header(a)]
                    break
        where = f"{source} row {i}"
        sid = clean_text(got.get("session_id"))
        if not sid:
            problems.append(f"{where}: no session id (column session_id or 场次编号)")
            continue
        if len(sid) > 96:
            problems.append(f"{where}: session id longer than 96 characters")
            continue
        row = FiguresRow(
            session_id=sid,
            views=_count(got.get("views"), f"{where} views", problems, most),
            peak_viewers=_count(got.get("peak_viewers"), f"{where} peak_viewers", problems, most),
            new_followers=_count(
                got.get("new_followers"), f"{where} new_followers", problems, most
            ),
        )
        claimed = got.get("claimed_gmv")
        if claimed is not None and clean_text(claimed) not in ("", "-"):
            try:
                fen = parse_money_fen(claimed)
            except ValueError as exc:
                problems.append(f"{where} claimed_gmv: {exc}")
            else:
                if fen > most_claimed:
                    problems.append(
                        f"{where} claimed_gmv: more than {settings.figures_max_claimed_yuan:,} yuan"
                    )
                else:
                    row.claimed_gmv_fen = fen
        out.append(row)
    if problems:
        shown = problems[:50] + (
            [f"... and {len(problems) - 50} more"] if len(problems) > 50 else []
        )
        raise FiguresError("\n".join(shown), field="data")
    return out


def read_figures_csv(path: Path) -> list[FiguresRow]:
    path = Path(path)
    try:
        with path.open("r", encoding=sniff_encoding(path), newline="") as fh:
            records = []
            for rec in csv.DictReader(fh):
                records.append(rec)
                if len(records) > MAX_ROWS:
                    break
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FiguresError(f"{path.name}: not a readable CSV file ({exc})") from exc
    if not records:
        raise FiguresError(
            f"{path.name}: no rows; expected a header row with session_id, views, ..."
        )
    return parse_figures(records, path.name)


def store_figures(
    *, db: Session, festival_id: str, rows: list[FiguresRow], reported_by: str | None = None
) -> int:
    """Upsert the rows into session_figures (a new data version); refuses all of them if a
    session id is unknown.  The caller commits."""
    ids = sorted({r.session_id for r in rows})
    S = models.FestivalSession
    known: set[str] = set()
    for i in range(0, len(ids), 500):
        known.update(
            db.exec(
                select(S.id).where(S.festival_id == festival_id, col(S.id).in_(ids[i : i + 500]))
            )
        )
    unknown = sorted(set(ids) - known)
    if unknown:
        raise FiguresError(
            f"unknown session ids for festival {festival_id!r}: {', '.join(unknown[:10])}"
            + (f" ... and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            + "; use the ids of the schedule (e.g. "
            + f"{festival_id}-s00001)",
            field="data",
        )
    lock_state(db.connection(), festival_id)
    for r in rows:
        row = db.get(models.SessionFigures, r.session_id)
        if row is None:
            row = models.SessionFigures(session_id=r.session_id, festival_id=festival_id)
        row.views = r.views
        row.peak_viewers = r.peak_viewers
        row.new_followers = r.new_followers
        row.claimed_gmv_fen = r.claimed_gmv_fen
        row.reported_by = (reported_by or "")[:200] or None
        row.updated_at = utcnow()
        db.add(row)
    db.flush()
    bump(db.connection(), festival_id)
    return len(rows)
