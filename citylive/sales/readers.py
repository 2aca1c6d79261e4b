"""Opening the platforms' order exports and reading them in columnar blocks, losing no row.

A file is CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel on Chinese Windows writes
it) or XLSX.  Its platform is recognised from the header row (a title line above it is
skipped).  CSV is read by pyarrow's streaming reader, GBK transcoded as it streams, in blocks
of text columns; a file whose rows are not all as wide as its header (a blank line, a short
row) is read again with Python's csv module, so every row keeps its exact number and nothing
is dropped.  XLSX is checked (xlsx.py) and read row by row with openpyxl.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from citylive.config import get_settings
from citylive.errors import Invalid
from citylive.sales.block import Block
from citylive.sales.platforms import (
    LAYOUTS,
    PlatformColumns,
    detect_layout,
    find,
    header_key,
    known_layouts,
    normalise_platform,
)
from citylive.sales.rows import Layout
from citylive.sales.split import fill_down
from citylive.sales.values import normalise_header
from citylive.sales.xlsx import XlsxRows
from citylive.xlsx_archive import check_workbook

# How far down a file a header row may start (some exports put a title line above it).
HEADER_SEARCH_ROWS = 10
BLOCK_BYTES = 1 << 22  # pyarrow's block: ~30,000 douyin rows
BLOCK_ROWS = 20_000  # rows per block when read row by row


class UnknownExport(Invalid):
    """A file whose header row matches no platform's export."""


class UndecodableExport(Invalid):
    """A CSV file with bytes its encoding cannot read."""


class Ragged(Exception):
    """A CSV row not as wide as the header (or a blank line): read the file again, row by
    row (`ExportFile.row_by_row`), from the start."""


@dataclass
class Position:
    """How far through its file a reader is: bytes for CSV, rows for XLSX."""

    done: int = 0
    total: int = 0


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, position: Position):
        self._raw = raw
        self._position = position

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._position.done += n or 0
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class ExportFile:
    path: Path
    platform: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    headers: list[str]
    columns: PlatformColumns
    header_row: int
    position: Position = field(default_factory=Position)
    row_by_row: bool = False

    @property
    def layout(self) -> Layout:
        return Layout.of(self.headers, self.columns)

    def blocks(self) -> Iterator[Block]:
        """Every row after the header, in blocks, in file order.  Ragged when a CSV turns
        out to need reading row by row: start again with `row_by_row` set."""
        self.position.done = 0
        if self.columns.per_order:
            yield from self._whole()
        else:
            yield from self._read_blocks()

    def _whole(self) -> Iterator[Block]:
        """A per-order layout in one block: an order's item rows (and the split of its
        amount over them) never straddle two blocks; merged cells filled down."""
        parts = list(self._read_blocks())
        if not parts:
            return
        extras: dict[int, str] = {}
        at = 0
        for p in parts:
            extras.update({at + i: v for i, v in p.extras.items()})
            at += p.size
        columns = [
            pa.concat_arrays([p.columns[k] for p in parts]) for k in range(len(parts[0].columns))
        ]
        whole = Block(columns, np.concatenate([p.numbers for p in parts]), extras)
        yield fill_down(whole, self.layout)

    def _read_blocks(self) -> Iterator[Block]:
        if self.encoding == "xlsx":
            yield from self._blocks_of_rows(self._xlsx_rows())
        elif self.row_by_row:
            yield from self._blocks_of_rows(self._csv_rows())
        else:
            yield from self._arrow_blocks()

    def _arrow_blocks(self) -> Iterator[Block]:
        width = len(self.headers)
        names = [f"c{i}" for i in range(width)]
        self.position.total = self.path.stat().st_size

        met: list[bool] = []

        def ragged(row: Any) -> str:
            met.append(True)
            return "error"  # stop here: the file is read again, row by row

        raw = _CountingReader(self.path.open("rb"), self.position)
        # pyarrow decodes UTF-8 itself; other encodings go through Python's codec, as it reads
        encoding = "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        try:
            reader = pacsv.open_csv(
                raw,
                read_options=pacsv.ReadOptions(
                    encoding=encoding,
                    column_names=names,
                    skip_rows=self.header_row - 1,
                    block_size=BLOCK_BYTES,
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=ragged
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            number = self.header_row
            first = True
            for batch in reader:
                if first:
                    # the header row read again, to be sure pyarrow starts where csv did
                    first = False
                    got = [normalise_header(c[0].as_py()) for c in batch.columns]
                    if batch.num_rows == 0 or got != self.headers:
                        raise Ragged()
                    batch = batch.slice(1)
                    number += 1
                n = batch.num_rows
                if n:
                    yield Block(list(batch.columns), np.arange(number, number + n, dtype=np.int64))
                number += n
        except Ragged:
            raise
        except pa.ArrowInvalid as exc:
            if met:
                raise Ragged() from exc
            raise Invalid(f"{self.path.name}: not a readable CSV file: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise self._undecodable(exc) from exc
        finally:
            raw.close()

    def _undecodable(self, exc: UnicodeDecodeError) -> UndecodableExport:
        return UndecodableExport(
            f"{self.path.name}: undecodable bytes for {self.encoding} near byte "
            f"{self.position.done}: {exc.reason}. Save the file again as UTF-8 or GBK.",
            field="files",
        )

    def _csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        self.position.total = self.path.stat().st_size
        raw = _CountingReader(self.path.open("rb"), self.position)
        # A bad byte fails the file naming it; errors="replace" would silently change ids.
        try:
            with io.TextIOWrapper(
                io.BufferedReader(raw, 1 << 16), encoding=self.encoding, newline=""
            ) as fh:
                for number, row in enumerate(csv.reader(fh), 1):
                    if number > self.header_row:
                        yield number, row
        except UnicodeDecodeError as exc:
            raise self._undecodable(exc) from exc
        except csv.Error as exc:
            raise Invalid(f"{self.path.name}: not a readable CSV file: {exc}") from exc

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str]]]:
        rows = XlsxRows(self.path)
        self.position.total = rows.total
        try:
            for number, row in enumerate(rows, 1):
                self.position.done = number
                if number > self.header_row:
                    yield number, row
        finally:
            rows.close()

    def _blocks_of_rows(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[Block]:
        width = len(self.headers)
        pending: list[list[str]] = []
        numbers: list[int] = []
        extras: dict[int, str] = {}

        def block() -> Block:
            columns = [pa.array(col, type=pa.string()) for col in zip(*pending, strict=True)]
            return Block(columns, np.array(numbers, dtype=np.int64), dict(extras))

        for number, row in rows:
            if not row or not any(row):
                continue  # blank lines are not rows
            if len(row) > width:
                extras[len(pending)] = " | ".join(row[width:])
                row = row[:width]
            elif len(row) < width:
                row = row + [""] * (width - len(row))
            pending.append(row)
            numbers.append(number)
            if len(pending) >= BLOCK_ROWS:
                yield block()
                pending, numbers, extras = [], [], {}
        if pending:
            yield block()


def sniff_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # a superset of GBK and GB2312


def _first_rows(path: Path, encoding: str) -> list[list[str]]:
    if encoding == "xlsx":
        rows = XlsxRows(path)
        try:
            out = []
            for row in rows:
                out.append(row)
                if len(out) >= HEADER_SEARCH_ROWS:
                    break
            return out
        finally:
            rows.close()
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    text = head.decode(encoding, errors="replace")
    if len(head) == 1 << 20:
        text = text[: text.rfind("\n") + 1] or text
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    try:
        for row in reader:
            out.append(row)
            if len(out) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise Invalid(f"{path.name}: not a readable CSV file: {exc}") from exc
    return out


def open_export(
    path: Path, *, platform: str | None = None, max_bytes: int | None = None, max_cell: int = 32_767
) -> ExportFile:
    """Open an export, find its header row and platform; refuse a file of unknown shape."""
    path = Path(path)
    settings = get_settings()
    with path.open("rb") as fh:
        magic = fh.read(4)
    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm") or magic == b"PK\x03\x04"
    if is_xlsx:
        check_workbook(
            path,
            max_bytes=max_bytes or settings.sales_xlsx_max_bytes,
            max_cell_chars=max_cell,
        )
    encoding = "xlsx" if is_xlsx else sniff_encoding(path)
    wanted = normalise_platform(platform) if platform else None
    seen: list[list[str]] = []
    for number, raw in enumerate(_first_rows(path, encoding), 1):
        headers = [normalise_header(h) for h in raw]
        found = detect_layout(headers, wanted)
        if found:
            if len(headers) > 1000:
                raise Invalid(f"{path.name}: {len(headers)} columns in the header row")
            return ExportFile(path, found.platform, encoding, headers, found, number)
        seen.append(headers)
    raise UnknownExport(unknown_layout_message(path.name, seen, wanted), field="files")


def unknown_layout_message(name: str, seen: list[list[str]], wanted: str | None) -> str:
    """Why no layout fits: for the closest layout, each missing column with the nearest header
    the file has; then the layouts known."""
    rows = [h for h in seen if any(h)]
    if not rows:
        return f"{name}: an empty file (no header row)"
    candidates = [c for c in LAYOUTS if wanted is None or c.platform == wanted]

    def fit(row: list[str], c: PlatformColumns) -> int:
        keys = [header_key(h) for h in row]
        return sum(find(keys, names) is not None for names in c.required)

    row, cols = max(((r, c) for r in rows for c in candidates), key=lambda rc: fit(rc[0], rc[1]))
    keys = [header_key(h) for h in row]
    by_key = {header_key(h): h for h in row if h}
    missing = []
    for names in cols.required:
        if find(keys, names) is not None:
            continue
        near = difflib.get_close_matches(header_key(names[0]), list(by_key), n=1, cutoff=0.3)
        also = f" (or {' / '.join(names[1:])})" if len(names) > 1 else ""
        missing.append(
            f"{names[0]}{also}: closest header found {by_key[near[0]]!r}"
            if near
            else f"{names[0]}{also}: no header like it"
        )
    what = (
        f"not a {wanted} order export"
        if wanted
        else "header row matches no platform's order export"
    )
    return (
        f"{name}: {what}. Nearest layout {cols.platform} {cols.layout} misses "
        f"{len(missing)} column(s): "
        + "; ".join(missing)
        + ". Known layouts: "
        + known_layouts()
        + ". Export the order list from the merchant back end"
        + (", or give the right --platform." if wanted else ".")
    )
