"""Sales after the festival: the one owner of every sales action.

The API, the command line and the flows call these and nothing else of substance.  Each takes
who acts (`citylive.scope.Actor`; `Actor.system()` for the command line and flows), checks
scope, and owns its transaction: it commits before it returns, and no transaction is held open
while a file is read (ingest reads each file first, then stores it in one transaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from citylive.actions.sales_ownership import (  # noqa: F401 - the sales actions, in one place
    require_file_owner,
    sales_disputes,
    settle_disputes,
)
from citylive.config import get_settings
from citylive.errors import Invalid, NotFound
from citylive.report import render_html, render_report
from citylive.report.data import published_figures
from citylive.sales import inbox as inbox_files
from citylive.sales.discounts import depth_figures
from citylive.sales.figures import Filters, summary
from citylive.sales.files import RemovedFile, Upload, list_files, remove_file, save_uploads
from citylive.sales.flags import Flag, flag_sessions
from citylive.sales.ingest import IngestResult, ProgressCallback, ingest_files
from citylive.sales.labels import known_town
from citylive.sales.lift import lift_figures
from citylive.sales.reattribution import reattribute_locked
from citylive.sales.session_figures import parse_figures, read_figures_csv, store_figures
from citylive.sales.state import current_basis, lock_state
from citylive.scope import (
    Actor,
    require_festival,
    require_organiser,
    require_sessions,
    require_writer,
    town_filter,
)


def _engine(db: Session) -> Engine:
    bind = db.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _town(db: Session, actor: Actor, festival_id: str, town: str | None) -> str | None:
    """The town a read covers (a coordinator's own), checked to exist."""
    scoped = town_filter(actor, town)
    if scoped is not None and not known_town(db.connection(), festival_id, scoped):
        raise NotFound(f"no town {scoped!r} in festival {festival_id!r}", field="town")
    return scoped


# -- ingest ------------------------------------------------------------------------------


def ingest_uploads(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    uploads: list[Upload],
    enterprise: str | None = None,
    platform: str | None = None,
) -> IngestResult:
    """Exports sent through the API: kept under the data folder, then ingested.  A
    coordinator uploads for an enterprise of its own town, and names it."""
    require_writer(actor)
    require_festival(db, actor, festival_id)
    if not actor.is_organiser and not enterprise:
        raise Invalid("name the enterprise the files belong to", field="enterprise")
    if enterprise:
        require_file_owner(db, actor, festival_id, enterprise)
    db.commit()
    paths = save_uploads(festival_id, uploads)
    return ingest_files(
        engine=_engine(db),
        festival_id=festival_id,
        paths=paths,
        enterprise_id=enterprise,
        platform=platform,
    )


def ingest_paths(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    paths: list[Path],
    enterprise: str | None = None,
    platform: str | None = None,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Exports on the organisers' machine (`citylive sales ingest`)."""
    require_writer(actor)
    require_festival(db, actor, festival_id)
    if enterprise:
        require_file_owner(db, actor, festival_id, enterprise)
    elif not actor.is_organiser:
        raise Invalid("name the enterprise the files belong to", field="enterprise")
    db.commit()
    return ingest_files(
        engine=_engine(db),
        festival_id=festival_id,
        paths=[Path(p) for p in paths],
        enterprise_id=enterprise,
        platform=platform,
        progress=progress,
    )


def collect_inbox(
    *,
    db: Session,
    festival_id: str,
    files: list[str] | None = None,
    figures: list[str] | None = None,
    move: bool = True,
) -> inbox_files.InboxResult:
    """Ingest exports from the festival's inbox (all waiting, or the given ones), then the
    viewer figures in its figures/ folder (all waiting, or the given ones).  A path outside
    the folders flows may read (citylive/paths.py) is refused by name, never read."""
    require_festival(db, Actor.system("inbox"), festival_id)
    db.commit()
    if files is None:
        files = inbox_files.waiting_files(festival_id)
    if figures is None:
        figures = inbox_files.waiting_figures(festival_id)
    result = inbox_files.InboxResult()
    readable, result.files = inbox_files.within_reach(files, move)
    if readable:
        result.files += inbox_files.ingest_inbox_files(_engine(db), festival_id, readable, move)
    readable, result.figures = inbox_files.within_reach(figures, move)
    for f in readable:
        result.figures.append(inbox_files.store_inbox_figures(db, festival_id, f, move))
    db.commit()
    return result


def waiting_in_inbox(*, festival_id: str) -> list[str]:
    return inbox_files.waiting_files(festival_id)


def festivals_with_inbox() -> list[str]:
    return inbox_files.inbox_festivals()


# -- viewer figures -------------------------------------------------------------------------


def report_figures(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    records: list[dict[str, Any]],
    reported_by: str | None = None,
) -> int:
    """Viewer figures and self-reported GMV per session; a coordinator reports for its town's
    sessions only.  Returns how many sessions were stored."""
    require_writer(actor)
    require_festival(db, actor, festival_id)
    rows = parse_figures(records, "data")
    require_sessions(db, actor, festival_id, [r.session_id for r in rows])
    n = store_figures(
        db=db, festival_id=festival_id, rows=rows, reported_by=reported_by or actor.name
    )
    db.commit()
    return n


def report_figures_file(
    *, db: Session, actor: Actor, festival_id: str, path: Path, reported_by: str | None = None
) -> int:
    require_writer(actor)
    require_festival(db, actor, festival_id)
    rows = read_figures_csv(Path(path))
    require_sessions(db, actor, festival_id, [r.session_id for r in rows])
    n = store_figures(db=db, festival_id=festival_id, rows=rows, reported_by=reported_by)
    db.commit()
    return n


# -- figures ----------------------------------------------------------------------------------


def sales_summary(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    by: str,
    town: str | None = None,
    filters: Filters | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Figures per group; a coordinator's cover its own town only, whatever it asks."""
    require_festival(db, actor, festival_id)
    rows = summary(
        db=db,
        festival_id=festival_id,
        by=by,
        town=_town(db, actor, festival_id, town),
        filters=filters,
        limit=limit,
    )
    db.commit()
    return rows


def sales_flags(
    *, db: Session, actor: Actor, festival_id: str, town: str | None = None, kind: str | None = None
) -> list[Flag]:
    """Signs of inflated figures and loss-leader sessions, each with its evidence (clashes
    between enterprises' files: organisers only)."""
    require_festival(db, actor, festival_id)
    flags = flag_sessions(db=db, festival_id=festival_id, town=_town(db, actor, festival_id, town))
    db.commit()
    return [f for f in flags if kind is None or f.kind == kind]


def sales_lift(
    *, db: Session, actor: Actor, festival_id: str, by: str = "town", town: str | None = None
) -> list[dict[str, Any]]:
    """Mean daily net GMV before, during and after, the lifts, and retention, per group."""
    require_festival(db, actor, festival_id)
    rows = lift_figures(db, festival_id, by, _town(db, actor, festival_id, town))
    db.commit()
    return rows


def sales_discounts(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    town: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Every session's discount depth against the products' pre-festival median prices,
    deepest first."""
    require_festival(db, actor, festival_id)
    rows = depth_figures(db, festival_id, get_settings(), _town(db, actor, festival_id, town))
    db.commit()
    return rows[:limit] if limit else rows


def town_lifts(*, db: Session, festival_id: str) -> dict[str, dict[str, Any]]:
    """Every town's lift row by town id (for the coordinators' summary messages), in the
    caller's transaction: call it before writing (a re-attribution it finds needed commits)."""
    require_festival(db, Actor.system(), festival_id)
    return {str(r["key"]): r for r in lift_figures(db, festival_id, "town")}


# -- keeping the data right -------------------------------------------------------------------


def reattribute_festival(*, db: Session, actor: Actor, festival_id: str) -> int:
    """Attribute every stored line afresh (after a re-plan moved sessions); returns how many
    lines changed session.  Figures read later do this by themselves when needed; this is for
    callers who want it done now."""
    require_writer(actor)
    require_organiser(actor, "re-attribute sales")
    require_festival(db, actor, festival_id)
    db.commit()
    conn = db.connection()
    lock_state(conn, festival_id)
    changed = reattribute_locked(conn, festival_id, current_basis(conn, festival_id).attribution)
    db.commit()
    return changed


def remove_sales_file(*, db: Session, actor: Actor, festival_id: str, file_id: int) -> RemovedFile:
    """Take an ingested file back out: its quarantined rows, the file's record, and its lines
    but those another listed file still holds.  For the organisers."""
    require_writer(actor)
    require_organiser(actor, "remove an ingested file")
    require_festival(db, actor, festival_id)
    db.commit()
    removed = remove_file(db.connection(), festival_id, file_id)
    db.commit()
    return removed


def list_sales_files(*, db: Session, actor: Actor, festival_id: str) -> list[dict[str, Any]]:
    require_organiser(actor, "list ingested files")
    require_festival(db, actor, festival_id)
    rows = list_files(db.connection(), festival_id)
    db.commit()
    return rows


# -- the report --------------------------------------------------------------------------------


def report_html(
    *, db: Session, actor: Actor, festival_id: str, locale: str = "zh-CN", town: str | None = None
) -> str:
    """The report page; a coordinator's holds its own town only."""
    require_festival(db, actor, festival_id)
    page = render_html(
        db=db, festival_id=festival_id, locale=locale, town=_town(db, actor, festival_id, town)
    )
    db.commit()
    return page


def write_report(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    out: Path,
    locale: str = "zh-CN",
    town: str | None = None,
) -> Path:
    """The report written to `out` (a folder gets `report-<festival>[-<town>].html`)."""
    require_festival(db, actor, festival_id)
    path = render_report(
        db=db,
        festival_id=festival_id,
        out=out,
        locale=locale,
        town=_town(db, actor, festival_id, town),
    )
    db.commit()
    return path


def festival_figures(*, db: Session, festival_id: str) -> dict[str, Any]:
    """What summarise-festival publishes: totals, figures per town and platform, lift per town
    and for the whole festival, and the loss-leader sessions (money as yuan strings)."""
    require_festival(db, Actor.system(), festival_id)
    out = published_figures(db, festival_id)
    db.commit()
    return out
