"""Ingesting platform exports: every row becomes an order line or a quarantined row.

Rows are parsed as they stream out of the file and written in batches through the database's
bulk path: PostgreSQL `COPY` into a temporary staging table and one `INSERT ... ON CONFLICT DO
NOTHING` per batch; SQLite `executemany`.  The key (festival, platform, order id, line id) makes
re-ingesting a file, or one that overlaps an earlier one, count duplicates instead of storing
them twice.  Each line is attributed to its session while it is read (see attribution.py).
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from citylive.errors import Invalid
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.sales._tables import ORDER_LINE, QUARANTINED_ROW, SALES_FILE
from citylive.sales.attribution import KeyWindows, SessionWindows
from citylive.sales.readers import ExportFile, Line, Refused, open_export, read_lines
from models._types import utcnow

BATCH_ROWS = 50_000
ANALYZE_AFTER = 10_000

STAGE_COLUMNS = (
    "order_id",
    "line_id",
    "paid_at",
    "amount_fen",
    "refund_fen",
    "quantity",
    "status",
    "after_sale",
    "stands",
    "streamer_account",
    "buyer",
    "note",
    "session_id",
)


class IngestError(Invalid):
    """A file the ingest cannot take as it is; the message says what to do."""


@dataclass
class FileResult:
    path: Path
    file_id: int
    platform: str
    enterprise_id: str
    encoding: str
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    attributed: int = 0  # stored lines that count for a session


@dataclass
class IngestResult:
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    files: list[FileResult] = field(default_factory=list)

    @property
    def attributed(self) -> int:
        return sum(f.attributed for f in self.files)

    def summary_line(self) -> str:
        return (
            f"read={self.read} stored={self.stored} "
            f"quarantined={self.quarantined} duplicates={self.duplicates}"
        )


@dataclass
class Progress:
    path: Path
    done: int  # bytes (CSV) or rows (XLSX) read so far
    total: int
    rows: int


ProgressCallback = Callable[[Progress], None]


def _names(stem: str, name: str) -> bool:
    """Whether `name` stands in the file name as a word (not inside a longer id)."""
    start = stem.find(name)
    while start >= 0:
        end = start + len(name)
        before = stem[start - 1] if start else ""
        after = stem[end] if end < len(stem) else ""
        if not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum()
        ):
            return True
        start = stem.find(name, start + 1)
    return False


def enterprise_for_file(path: Path, festival: Festival, given: str | None) -> str:
    """The enterprise a file belongs to: given, or named in the file name (id, name or shop)."""
    if given:
        if given not in festival.enterprise:
            raise IngestError(
                f"unknown enterprise {given!r} for festival {festival.id!r}; "
                f"known: {', '.join(sorted(festival.enterprise)[:20])}"
            )
        return given
    stem = path.stem
    found: list[tuple[int, str]] = []
    for e in festival.enterprises:
        names = [e.id, e.name, *e.shops.values()]
        for name in names:
            if name and _names(stem, name):
                found.append((len(name), e.id))
    if not found:
        raise IngestError(
            f"{path.name}: which enterprise's export is this? Give --enterprise ID, or put the "
            f"enterprise id in the file name (e.g. {festival.enterprises[0].id}_douyin.csv)"
        )
    return max(found)[1]


def ingest_files(
    *,
    engine: Engine,
    festival_id: str,
    paths: list[Path],
    enterprise_id: str | None = None,
    platform: str | None = None,
    progress: ProgressCallback | None = None,
    reported_by: str | None = None,
) -> IngestResult:
    """Ingest export files for a festival; each file in its own transaction.

    Every file is checked (shape, platform, enterprise) before any is stored, so a wrong file
    in the list stores nothing.
    """
    with Session(engine) as db:
        festival = load_stored_festival(db, festival_id)
        windows = SessionWindows.load(db=db, festival=festival)
    plan: list[tuple[Path, str, str]] = []
    problems = []
    for p in paths:
        path = Path(p)
        try:
            export = open_export(path, platform=platform)
            plan.append((path, export.platform, enterprise_for_file(path, festival, enterprise_id)))
            export.close()
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            problems.append(str(exc) if not isinstance(exc, OSError) else f"{path}: {exc.strerror}")
    if problems:
        raise IngestError("nothing was stored:\n" + "\n".join(problems))
    result = IngestResult()
    for path, plat, enterprise in plan:
        export = open_export(path, platform=plat)
        fr = _ingest_one(
            engine=engine,
            festival=festival,
            export=export,
            enterprise_id=enterprise,
            windows=windows.for_key(enterprise, export.platform),
            progress=progress,
        )
        result.files.append(fr)
        result.read += fr.read
        result.stored += fr.stored
        result.quarantined += fr.quarantined
        result.duplicates += fr.duplicates
    if result.stored >= ANALYZE_AFTER and engine.dialect.name == "postgresql":
        # fresh statistics, so the summaries' GROUP BY plans for the rows just stored
        with engine.begin() as conn:
            for table in ("order_line", "enterprise", "festival_session", "session_figures"):
                conn.exec_driver_sql(f"ANALYZE {table}")
    return result


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _ingest_one(
    *,
    engine: Engine,
    festival: Festival,
    export: ExportFile,
    enterprise_id: str,
    windows: KeyWindows,
    progress: ProgressCallback | None,
) -> FileResult:
    files = SALES_FILE
    with engine.begin() as conn:
        file_id = conn.execute(
            sa.insert(files).values(
                festival_id=festival.id,
                enterprise_id=enterprise_id,
                platform=export.platform,
                filename=export.path.name,
                sha256=_sha256(export.path),
                ingested_at=utcnow(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        fr = FileResult(export.path, int(file_id), export.platform, enterprise_id, export.encoding)
        writer: _Writer = (
            _PostgresWriter(conn, festival.id, fr)
            if conn.dialect.name == "postgresql"
            else _SqliteWriter(conn, festival.id, fr)
        )
        quarantine: list[dict[str, Any]] = []
        pending = 0
        try:
            for item in read_lines(export, festival.tz):
                fr.read += 1
                if isinstance(item, Refused):
                    quarantine.append(
                        {
                            "festival_id": festival.id,
                            "file_id": fr.file_id,
                            "row_number": item.row_number,
                            "reason": item.reason,
                            "raw": item.raw,
                            "created_at": utcnow(),
                        }
                    )
                    continue
                writer.add(item, windows.match(item.paid_at, item.streamer_account))
                pending += 1
                if pending >= BATCH_ROWS:
                    writer.flush(quarantine)
                    quarantine = []
                    pending = 0
                    if progress:
                        progress(
                            Progress(
                                export.path, export.position.done, export.position.total, fr.read
                            )
                        )
            writer.flush(quarantine)
        except UnicodeDecodeError as exc:
            writer.abandon()
            raise IngestError(
                f"{export.path.name}: undecodable bytes for {export.encoding} near byte "
                f"{export.position.done}: {exc.reason}. Save the file again as UTF-8 or GBK."
            ) from exc
        except BaseException:
            writer.abandon()
            raise
        writer.finish()
        fr.duplicates = fr.read - fr.quarantined - fr.stored
        conn.execute(
            sa.update(files)
            .where(files.c.id == fr.file_id)
            .values(
                read=fr.read, stored=fr.stored, quarantined=fr.quarantined, duplicates=fr.duplicates
            )
        )
    if progress:
        progress(Progress(export.path, export.position.total, export.position.total, fr.read))
    return fr


class _Writer:
    """Batches of lines and quarantined rows, written through the database's bulk path."""

    def __init__(self, conn: Connection, festival_id: str, fr: FileResult):
        self.conn = conn
        self.festival_id = festival_id
        self.fr = fr
        self.rows: list[tuple[Any, ...]] = []

    def add(self, line: Line, session_id: str | None) -> None:
        raise NotImplementedError

    def flush(self, quarantine: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Wait for the last batch; count what was stored and attributed."""

    def abandon(self) -> None:
        """Stop after an error (the transaction rolls back)."""

    def write_quarantine(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(sa.insert(QUARANTINED_ROW), rows)
            self.fr.quarantined += len(rows)


class _PostgresWriter(_Writer):
    """COPY into a temporary staging table, then INSERT ... ON CONFLICT DO NOTHING.

    A second thread does the database's part of each batch while the next one is parsed
    (it waits on the server, so it does not hold the GIL): parsing and inserting overlap.
    """

    def __init__(self, conn: Connection, festival_id: str, fr: FileResult):
        super().__init__(conn, festival_id, fr)
        self.cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _order_line_stage ("
            "order_id text, line_id text, paid_at timestamptz, amount_fen integer, "
            "refund_fen integer, quantity integer, status text, after_sale text, stands boolean, "
            "streamer_account text, buyer text, note text, session_id text)"
        )
        self.cur.execute("TRUNCATE _order_line_stage")
        self.jobs: queue.Queue[tuple[list[tuple[Any, ...]], list[dict[str, Any]]] | None] = (
            queue.Queue(maxsize=1)
        )
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="citylive-ingest-writer", daemon=True)
        self.thread.start()

    def add(self, line: Line, session_id: str | None) -> None:
        self.rows.append(
            (
                line.order_id,
                line.line_id,
                line.paid_at,
                line.amount_fen,
                line.refund_fen,
                line.quantity,
                line.status,
                line.after_sale,
                line.stands,
                line.streamer_account,
                line.buyer,
                line.note,
                session_id,
            )
        )

    def flush(self, quarantine: list[dict[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        if self.rows or quarantine:
            self.jobs.put((self.rows, quarantine))
            self.rows = []

    def _run(self) -> None:
        cols = ", ".join(STAGE_COLUMNS)
        insert = (
            f"WITH ins AS (INSERT INTO order_line (festival_id, file_id, enterprise_id, platform, "
            f"{cols}) SELECT %s, %s, %s, %s, {cols} FROM _order_line_stage "
            "ON CONFLICT ON CONSTRAINT uq_order_line DO NOTHING RETURNING session_id) "
            "SELECT count(*), count(session_id) FROM ins"
        )
        params = (self.festival_id, self.fr.file_id, self.fr.enterprise_id, self.fr.platform)
        while True:
            job = self.jobs.get()
            if job is None or self.error is not None:
                if job is None:
                    return
                continue
            rows, quarantine = job
            try:
                if rows:
                    with self.cur.copy(f"COPY _order_line_stage ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    self.cur.execute(insert, params)
                    stored, attributed = self.cur.fetchone()
                    self.fr.stored += stored
                    self.fr.attributed += attributed
                    self.cur.execute("TRUNCATE _order_line_stage")
                self.write_quarantine(quarantine)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                self.error = exc

    def finish(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        self.error = self.error or RuntimeError("ingest abandoned")
        self.jobs.put(None)  # the thread skips what is queued, then stops here
        self.thread.join()


class _SqliteWriter(_Writer):
    """executemany of INSERT ... ON CONFLICT DO NOTHING on the sqlite3 connection."""

    def add(self, line: Line, session_id: str | None) -> None:
        paid = (
            line.paid_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if line.paid_at else None
        )
        self.rows.append(
            (
                self.festival_id,
                self.fr.file_id,
                self.fr.enterprise_id,
                self.fr.platform,
                line.order_id,
                line.line_id,
                paid,
                line.amount_fen,
                line.refund_fen,
                line.quantity,
                line.status,
                line.after_sale,
                1 if line.stands else 0,
                line.streamer_account,
                line.buyer,
                line.note,
                session_id,
            )
        )

    def flush(self, quarantine: list[dict[str, Any]]) -> None:
        if self.rows:
            cols = "festival_id, file_id, enterprise_id, platform, " + ", ".join(STAGE_COLUMNS)
            marks = ", ".join("?" * (4 + len(STAGE_COLUMNS)))
            cur = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cur.executemany(
                f"INSERT INTO order_line ({cols}) VALUES ({marks}) "
                "ON CONFLICT (festival_id, platform, order_id, line_id) DO NOTHING",
                self.rows,
            )
            self.fr.stored += cur.rowcount
            cur.close()
            self.rows = []
        self.write_quarantine(quarantine)

    def finish(self) -> None:
        # Only lines that were stored (not duplicates) count; ask the database.
        t = ORDER_LINE
        self.fr.attributed = self.conn.execute(
            sa.select(sa.func.count())
            .select_from(t)
            .where(t.c.file_id == self.fr.file_id, t.c.session_id.is_not(None))
        ).scalar_one()
