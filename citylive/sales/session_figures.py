"""Viewer figures and self-reported GMV per session, as agencies and streamers report them.

A CSV (UTF-8 or GBK) or the API gives, per session: views (场观), peak concurrent viewers
(人数峰值), new followers (新增粉丝) and the GMV the reporter claims (自报GMV, yuan).  A later report
for the same session replaces the earlier one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

import models
from citylive.errors import Invalid
from citylive.sales.readers import clean_text, normalise_header, parse_money_fen, sniff_encoding
from models._types import utcnow

COLUMNS: dict[str, tuple[str, ...]] = {
    "session_id": ("session_id", "session", "场次", "场次编号", "场次ID"),
    "views": ("views", "场观", "观看人次", "累计观看人次"),
    "peak_viewers": ("peak_viewers", "人数峰值", "最高在线", "在线人数峰值"),
    "new_followers": ("new_followers", "新增粉丝", "涨粉", "新增粉丝数"),
    "claimed_gmv": ("claimed_gmv", "自报GMV", "自报成交额", "成交额(自报)", "GMV"),
}


class FiguresError(Invalid):
    """Figures that cannot be stored; the message lists every problem with its place."""


@dataclass
class FiguresRow:
    session_id: str
    views: int | None = None
    peak_viewers: int | None = None
    new_followers: int | None = None
    claimed_gmv_fen: int | None = None


def _count(value: Any, where: str, problems: list[str]) -> int | None:
    text = clean_text(value).replace(",", "")
    if text in ("", "-"):
        return None
    if not text.isdigit():
        problems.append(f"{where}: {text!r} is not a whole number")
        return None
    return int(text)


def parse_figures(records: list[dict[str, Any]], source: str = "figures") -> list[FiguresRow]:
    """Rows given as dicts (column -> value; Chinese or English names) -> checked rows."""
    problems: list[str] = []
    out: list[FiguresRow] = []
    for i, rec in enumerate(records, start=1):
        norm = {normalise_header(k): v for k, v in rec.items()}
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
        row = FiguresRow(
            session_id=sid,
            views=_count(got.get("views"), f"{where} views", problems),
            peak_viewers=_count(got.get("peak_viewers"), f"{where} peak_viewers", problems),
            new_followers=_count(got.get("new_followers"), f"{where} new_followers", problems),
        )
        claimed = got.get("claimed_gmv")
        if claimed is not None and clean_text(claimed) not in ("", "-"):
            try:
                row.claimed_gmv_fen = parse_money_fen(claimed)
            except ValueError as exc:
                problems.append(f"{where} claimed_gmv: {exc}")
        out.append(row)
    if problems:
        raise FiguresError("\n".join(problems))
    return out


def read_figures_csv(path: Path) -> list[FiguresRow]:
    path = Path(path)
    with path.open("r", encoding=sniff_encoding(path), newline="") as fh:
        records = list(csv.DictReader(fh))
    if not records:
        raise FiguresError(
            f"{path.name}: no rows; expected a header row with session_id, views, ..."
        )
    return parse_figures(records, path.name)


def store_figures(
    *, db: Session, festival_id: str, rows: list[FiguresRow], reported_by: str | None = None
) -> int:
    """Upsert the rows into session_figures; refuses all of them if a session id is unknown."""
    ids = {r.session_id for r in rows}
    known = set(
        db.exec(
            select(models.FestivalSession.id).where(
                models.FestivalSession.festival_id == festival_id,
                col(models.FestivalSession.id).in_(ids),
            )
        )
    )
    unknown = sorted(ids - known)
    if unknown:
        raise FiguresError(
            f"unknown session ids for festival {festival_id!r}: {', '.join(unknown[:10])}"
            + (f" ... and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            + "; use the ids of the schedule (e.g. "
            + f"{festival_id}-s00001)"
        )
    for r in rows:
        row = db.get(models.SessionFigures, r.session_id)
        if row is None:
            row = models.SessionFigures(session_id=r.session_id, festival_id=festival_id)
        row.views = r.views
        row.peak_viewers = r.peak_viewers
        row.new_followers = r.new_followers
        row.claimed_gmv_fen = r.claimed_gmv_fen
        row.reported_by = reported_by
        row.updated_at = utcnow()
        db.add(row)
    db.flush()
    return len(rows)
