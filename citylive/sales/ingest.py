"""Ingesting platform exports: every row becomes an order line or a quarantined row.

Each file is read first, with no transaction open (columnar.py: pyarrow, in blocks), its
lines attributed to their sessions and spilled to a temporary arrow file; only then is it
stored, in one transaction (writers.py).  The key of a line is (festival, platform, order id,
line id) within its enterprise: the same line again is a duplicate (its file noted as holding
it too), and the same key under another enterprise is stored and disputed: it counts for
neither until an organiser settles it (disputes.py).  Whose file it is comes first
(ownership.py): a file whose shop column names another enterprise's shop is refused whole
before anything is stored, and a collective store's file is split by product owner.
read = stored + quarantined + duplicates, for every file.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
from sqlalchemy.engine import Engine
from sqlmodel import Session

from citylive.config import get_settings
from citylive.errors import Invalid
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.sales import writers
from citylive.sales.attribution import SessionWindows, attribute
from citylive.sales.cache import ensure_current
from citylive.sales.columnar import LINE_SCHEMA, parse_block
from citylive.sales.ownership import (
    IngestError,
    ProductOwners,
    ShopBook,
    collective_stores,
    enterprise_for_file,
    owner_of,
    same_platform,
    split_by_owner,
)
from citylive.sales.platforms import normalise_platform
from citylive.sales.readers import ExportFile, Ragged, open_export
from citylive.sales.rows import Owner
from citylive.sales.state import bump, current_basis, lock_state

ANALYZE_AFTER = 10_000
SPILL_SCHEMA = LINE_SCHEMA.append(pa.field("session_id", pa.string()))
STORE_SPILL_SCHEMA = SPILL_SCHEMA.append(pa.field("enterprise_id", pa.string()))
WRITE_BATCH = 100_000


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
    clashes: int = 0  # stored but disputed: another enterprise's file holds the same line


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

    @property
    def clashes(self) -> int:
        return sum(f.clashes for f in self.files)

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


def check_sells_on(path: Path, festival: Festival, enterprise_id: str, platform: str) -> None:
    """Refuse a file for a platform the enterprise does not sell on (per the festival file).
    A collective store's file is checked against the store's platform when it is parsed."""
    if enterprise_id not in festival.enterprise:
        return
    listed = festival.enterprise[enterprise_id].platforms
    known = set()
    for p in listed:
        try:
            known.add(normalise_platform(p))
        except Invalid:
            continue
    if platform not in known:
        raise IngestError(
            f"{path.name}: a {platform} export, but enterprise {enterprise_id!r} sells on "
            f"{', '.join(listed)} only (the festival file's platforms for it); add {platform} "
            "there, or give the export of the right enterprise",
            field="files",
        )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class ParsedFile:
    export: ExportFile
    enterprise_id: str  # or a collective store's id
    lines: Path  # arrow IPC file of SPILL_SCHEMA (STORE_SPILL_SCHEMA for a collective store)
    refused: Path  # JSONL of refused rows
    read: int = 0
    refused_count: int = 0
    keep: pa.Array | None = None  # row numbers to store (None: all; the rest repeat a line)
    store: ProductOwners | None = None  # a collective store's file: split by product owner


def parse_file(
    export: ExportFile,
    festival: Festival,
    owner: Owner,
    windows: SessionWindows,
    spill: Path,
    progress: ProgressCallback | None = None,
) -> ParsedFile:
    """Read the whole file, attribute its lines, spill them; no database involved.  A file
    whose shop is another's is refused (ForeignShop) before anything is stored."""
    store = collective_stores(festival).get(owner.enterprise)
    while True:
        parsed = ParsedFile(
            export, owner.enterprise, spill / "lines.arrow", spill / "refused.jsonl"
        )
        if store is not None:
            if not same_platform(store.platform, export.platform):
                raise IngestError(
                    f"{export.path.name}: a {export.platform} export, but collective store "
                    f"{store.id!r} sells on {store.platform}",
                    field="platform",
                )
            parsed.store = ProductOwners.of(store, export.platform)
        try:
            _parse_into(parsed, festival, owner, windows, progress)
            break
        except Ragged:
            export.row_by_row = True
    keys = (
        ipc.open_file(pa.memory_map(str(parsed.lines)))
        .read_all()
        .select(["order_id", "line_id", "row_number"])
    )
    if keys.num_rows:
        firsts = keys.group_by(["order_id", "line_id"], use_threads=False).aggregate(
            [("row_number", "min")]
        )
        if firsts.num_rows < keys.num_rows:
            parsed.keep = firsts["row_number_min"].combine_chunks()
    return parsed


def _parse_into(
    parsed: ParsedFile,
    festival: Festival,
    owner: Owner,
    windows: SessionWindows,
    progress: ProgressCallback | None,
) -> None:
    export = parsed.export
    layout = export.layout
    shops = ShopBook.of(festival, export.platform)
    schema = STORE_SPILL_SCHEMA if parsed.store else SPILL_SCHEMA
    with (
        pa.OSFile(str(parsed.lines), "wb") as sink,
        ipc.new_file(sink, schema) as spill,
        parsed.refused.open("w", encoding="utf-8") as refused,
    ):
        for block in export.blocks():
            if layout.shop is not None:
                shops.check(
                    block.columns[layout.shop],
                    layout.name(layout.shop),
                    owner.enterprise,
                    export.path.name,
                )
            got = parse_block(block, layout, festival.tz, owner)
            lines = got.lines
            streamer_column = layout.streamer is not None
            if parsed.store is not None:
                lines, unowned = split_by_owner(
                    lines, block, layout, parsed.store, windows, streamer_column
                )
                got.refused.extend(unowned)
            else:
                key = windows.for_key(owner.enterprise, export.platform)
                lines, sessions = attribute(lines, key, streamer_column)
                lines = lines.append_column("session_id", sessions)
            spill.write_table(lines)
            for r in got.refused:
                refused.write(
                    json.dumps(
                        {
                            "row_number": r.row_number,
                            "reason": r.reason,
                            "raw": r.raw,
                            "clash_with": r.clash_with,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            parsed.read += lines.num_rows + len(got.refused)
            parsed.refused_count += len(got.refused)
            if progress:
                p = export.position
                progress(Progress(export.path, p.done, p.total, parsed.read))


def ingest_files(
    *,
    engine: Engine,
    festival_id: str,
    paths: list[Path],
    enterprise_id: str | None = None,
    platform: str | None = None,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest export files for a festival; each file read, then stored in its own transaction.

    Every file is checked (shape, platform, enterprise) before any is stored, so a wrong file
    in the list stores nothing.
    """
    with Session(engine) as db:
        festival = load_stored_festival(db, festival_id)
        ensure_current(db, festival_id)  # earlier lines attributed against today's sessions
        windows = SessionWindows.load(db=db, festival=festival)
        basis = current_basis(db.connection(), festival_id).attribution
        db.commit()
    settings = get_settings()
    plan: list[tuple[Path, str, str]] = []
    problems = []
    for p in paths:
        path = Path(p)
        try:
            export = open_export(path, platform=platform, max_cell=settings.sales_cell_max_chars)
            enterprise = enterprise_for_file(path, festival, enterprise_id)
            check_sells_on(path, festival, enterprise, export.platform)
            plan.append((path, export.platform, enterprise))
        except OSError as exc:
            problems.append(f"{path.name}: {exc.strerror or exc}")
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(str(exc))
    if problems:
        sep = "\n" if len(problems) > 1 else " "
        raise IngestError("nothing was stored:" + sep + "\n".join(problems), field="files")
    result = IngestResult()
    with ExitStack() as stack:
        parsed_files = []
        for path, plat, enterprise in plan:  # every file read (and its shop checked) first
            export = open_export(path, platform=plat, max_cell=settings.sales_cell_max_chars)
            owner = owner_of(festival, enterprise, export.platform)
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="citylive-ingest-"))
            # a file whose shop is another's is refused here (ForeignShop), nothing stored yet
            parsed_files.append(parse_file(export, festival, owner, windows, Path(tmp), progress))
        for parsed in parsed_files:
            fr = store_parsed(engine, festival, parsed, basis)
            total = parsed.export.position.total
            if progress:
                progress(Progress(parsed.export.path, total, total, fr.read))
            result.files.append(fr)
            result.read += fr.read
            result.stored += fr.stored
            result.quarantined += fr.quarantined
            result.duplicates += fr.duplicates
    if result.stored >= ANALYZE_AFTER and engine.dialect.name == "postgresql":
        # fresh statistics, so the summaries' GROUP BY plans for the rows just stored
        with engine.begin() as conn:
            for table in ("order_line", "order_rollup", "enterprise", "festival_session"):
                conn.exec_driver_sql(f"ANALYZE {table}")
    return result


def _batches(parsed: ParsedFile) -> list[pa.Table]:
    table = ipc.open_file(pa.memory_map(str(parsed.lines))).read_all()
    if parsed.keep is not None:
        table = table.filter(pc.is_in(table["row_number"], value_set=parsed.keep))
    return [pa.Table.from_batches([b]) for b in table.to_batches(max_chunksize=WRITE_BATCH)]


def _groups(parsed: ParsedFile) -> list[tuple[str, list[pa.Table]]]:
    """The file's lines per enterprise: one group, or a collective store's owners."""
    batches = _batches(parsed)
    if parsed.store is None:
        return [(parsed.enterprise_id, batches)]
    if not batches:
        return []
    table = pa.Table.from_batches([b for t in batches for b in t.to_batches()])
    groups = []
    for e in sorted(pc.unique(table["enterprise_id"]).to_pylist()):
        mine = table.filter(pc.equal(table["enterprise_id"], e)).drop_columns(["enterprise_id"])
        groups.append((e, [pa.Table.from_batches([b]) for b in mine.to_batches(WRITE_BATCH)]))
    return groups


def store_parsed(engine: Engine, festival: Festival, parsed: ParsedFile, basis: str) -> FileResult:
    """One transaction: the file's row, its lines and rollup, its quarantine, a new version."""
    export = parsed.export
    fr = FileResult(export.path, 0, export.platform, parsed.enterprise_id, export.encoding)
    fr.read = parsed.read
    sha = _sha256(export.path)
    store = parsed.store.store if parsed.store else None
    with engine.begin() as conn:
        lock_state(conn, festival.id)
        t = writers.Target(
            festival.id, export.platform, parsed.enterprise_id, 0, festival.tz.key, export.headers
        )
        t.file_id = writers.new_file(conn, t, export.path.name, sha, store)
        fr.file_id = t.file_id
        for enterprise, batches in _groups(parsed):
            t.enterprise_id = enterprise
            if conn.dialect.name == "postgresql" and not writers.festival_has_platform(
                conn, festival.id, export.platform
            ):
                written = writers.copy_fresh(conn, t, batches)
            else:
                w = writers.StagedWriter(conn, t, writers.others_on_platform(conn, t))
                for b in batches:
                    w.add(b)
                written = w.out
                written.disputed = w.finish()
            fr.stored += written.stored
            fr.attributed += written.attributed
            fr.clashes += written.disputed
        fr.quarantined = writers.write_quarantine(conn, festival.id, t.file_id, parsed.refused, [])
        fr.duplicates = fr.read - fr.stored - fr.quarantined
        conn.execute(
            writers.SALES_FILE.update()
            .where(writers.SALES_FILE.c.id == t.file_id)
            .values(
                read=fr.read,
                stored=fr.stored,
                quarantined=fr.quarantined,
                duplicates=fr.duplicates,
                clashes=fr.clashes,
            )
        )
        bump(conn, festival.id, basis)
    return fr
