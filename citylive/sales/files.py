"""Export files: kept under the data folder when uploaded, listed, and taken back out.

Removing a file takes its quarantined rows and the lines no other listed file holds, and
rebuilds the rollup from what stays: a line the enterprise sent again in a later file stays
(now that file's), and a line another enterprise's file also holds is no longer disputed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.config import get_settings
from citylive.errors import Invalid, NotFound, TooLarge
from citylive.sales._tables import ORDER_LINE, ORDER_LINE_FILE, QUARANTINED_ROW, SALES_FILE
from citylive.sales.disputes import undispute_orphans
from citylive.sales.reattribution import rebuild_from_stored
from citylive.sales.state import bump, lock_state


@dataclass(frozen=True)
class Upload:
    """A file sent through the API: its name as the client gave it, and its bytes."""

    filename: str
    body: bytes


@dataclass
class RemovedFile:
    file_id: int
    filename: str
    enterprise: str | None
    lines: int  # lines that went
    quarantined: int
    kept: int = 0  # lines of the file another listed file still holds: they stay


def save_uploads(festival_id: str, uploads: list[Upload]) -> list[Path]:
    """Each upload under `data/uploads/<festival>/`, its name sanitised and prefixed with its
    hash (the same file twice is one file; no name can leave the folder)."""
    limit = get_settings().max_upload_bytes
    if not uploads:
        raise Invalid("send at least one file", field="files")
    for u in uploads:
        if len(u.body) > limit:
            raise TooLarge(
                f"{u.filename[:100]}: larger than {limit // 2**20} MiB; use `citylive sales ingest`",
                field="files",
            )
    folder = get_settings().data_dir / "uploads" / festival_id
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for u in uploads:
        name = re.sub(r"[^\w.\-]+", "_", Path(u.filename or "export.csv").name)[-120:]
        name = name.lstrip(".") or "export.csv"
        path = folder / f"{hashlib.sha256(u.body).hexdigest()[:12]}_{name}"
        path.write_bytes(u.body)
        paths.append(path)
    return paths


def remove_file(conn: Connection, festival_id: str, file_id: int) -> RemovedFile:
    """In `conn`'s transaction: the file, its lines and quarantined rows go; the rollup is
    rebuilt from the lines that stay; a new data version."""
    lock_state(conn, festival_id)
    f = SALES_FILE
    row = conn.execute(
        sa.select(f.c.filename, f.c.enterprise_id).where(
            f.c.festival_id == festival_id, f.c.id == file_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no ingested file {file_id} in festival {festival_id!r}", field="file_id")
    ol, q = ORDER_LINE, QUARANTINED_ROW
    kept = _hand_over(conn, festival_id, file_id)
    lines = conn.execute(
        sa.delete(ol).where(ol.c.festival_id == festival_id, ol.c.file_id == file_id)
    ).rowcount
    quarantined = conn.execute(sa.delete(q).where(q.c.file_id == file_id)).rowcount
    conn.execute(sa.delete(f).where(f.c.id == file_id))
    undispute_orphans(conn, festival_id)
    rebuild_from_stored(conn, festival_id)
    bump(conn, festival_id)
    return RemovedFile(
        file_id, row.filename, row.enterprise_id, int(lines or 0), int(quarantined or 0), kept
    )


_HOLDER = (
    "h.festival_id = order_line.festival_id AND h.platform = order_line.platform "
    "AND h.order_id = order_line.order_id AND h.line_id = order_line.line_id "
    "AND h.enterprise_id = order_line.enterprise_id AND h.file_id <> :file"
)


def _hand_over(conn: Connection, festival_id: str, file_id: int) -> int:
    """The file's lines another file of the same enterprise also holds become that file's
    (the earliest); the notes naming the file, or now naming a line's own file, go."""
    p = {"f": festival_id, "file": file_id}
    kept = conn.execute(
        sa.text(
            "UPDATE order_line SET file_id = (SELECT min(h.file_id) FROM order_line_file h "
            f"WHERE {_HOLDER}) WHERE festival_id = :f AND file_id = :file AND EXISTS "
            f"(SELECT 1 FROM order_line_file h WHERE {_HOLDER})"
        ),
        p,
    ).rowcount
    conn.execute(
        sa.text(
            "DELETE FROM order_line_file WHERE festival_id = :f AND (file_id = :file OR EXISTS "
            "(SELECT 1 FROM order_line o WHERE o.festival_id = order_line_file.festival_id "
            "AND o.platform = order_line_file.platform AND o.order_id = order_line_file.order_id "
            "AND o.line_id = order_line_file.line_id "
            "AND o.enterprise_id = order_line_file.enterprise_id "
            "AND o.file_id = order_line_file.file_id))"
        ),
        p,
    )
    return int(kept or 0)


def list_files(conn: Connection, festival_id: str) -> list[dict[str, Any]]:
    f = SALES_FILE
    cols = [
        f.c.id,
        f.c.enterprise_id,
        f.c.platform,
        f.c.filename,
        f.c.read,
        f.c.stored,
        f.c.quarantined,
        f.c.duplicates,
        f.c.clashes,
        f.c.collective_store,
        f.c.ingested_at,
    ]
    query = sa.select(*cols).where(f.c.festival_id == festival_id).order_by(f.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def remove_enterprises(conn: Connection, festival_id: str, enterprise_ids: list[str]) -> int:
    """In `conn`'s transaction: the sales of enterprises a festival file dropped (their files,
    lines and quarantined rows) go; the rollup is rebuilt from the lines that stay; a new data
    version.  Returns how many lines went."""
    lock_state(conn, festival_id)
    f, ol, q = SALES_FILE, ORDER_LINE, QUARANTINED_ROW
    files = sa.select(f.c.id).where(
        f.c.festival_id == festival_id, f.c.enterprise_id.in_(enterprise_ids)
    )
    conn.execute(sa.delete(q).where(q.c.file_id.in_(files)))
    conn.execute(
        sa.delete(ORDER_LINE_FILE).where(
            ORDER_LINE_FILE.c.festival_id == festival_id,
            ORDER_LINE_FILE.c.enterprise_id.in_(enterprise_ids),
        )
    )
    lines = conn.execute(
        sa.delete(ol).where(ol.c.festival_id == festival_id, ol.c.enterprise_id.in_(enterprise_ids))
    ).rowcount
    conn.execute(
        sa.delete(f).where(f.c.festival_id == festival_id, f.c.enterprise_id.in_(enterprise_ids))
    )
    undispute_orphans(conn, festival_id)
    rebuild_from_stored(conn, festival_id)
    bump(conn, festival_id)
    return int(lines or 0)
