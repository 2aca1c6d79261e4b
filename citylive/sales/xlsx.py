"""XLSX exports, opened only after the workbook has shown it is what it claims.

Before openpyxl sees a file, the archive is checked as it is: a zip with `[Content_Types].xml`
and a workbook, at most the set uncompressed size (counted while decompressing, not taken from
the zip's own headers), no DTD or entity declaration in any XML part (so nothing can expand),
and no run of text longer than a cell may hold.  A zip bomb of 150 KB holding a 150 MB cell is
refused here, before anything is parsed or stored.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from citylive.errors import Invalid, TooLarge
from citylive.sales.values import cell_text

CHUNK = 1 << 20
_LT = ord("<")


class BadWorkbook(Invalid):
    """A file that claims to be an XLSX workbook and is not a readable one."""


def _refuse(path: Path, why: str) -> BadWorkbook:
    return BadWorkbook(
        f"{path.name}: not a readable XLSX workbook ({why}); export the order list again, "
        "or save it as CSV",
        field="files",
    )


def check_workbook(path: Path, *, max_bytes: int, max_cell_chars: int) -> None:
    """Refuse an archive that is no workbook, too large unpacked, or carries a DTD or a cell
    longer than `max_cell_chars` (UTF-8: at most 4 bytes a character)."""
    longest = max_cell_chars * 4 + 64  # a cell's text, its escapes and the tag around it
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, "not a zip archive") from exc
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise _refuse(path, "no [Content_Types].xml")
        if "xl/workbook.xml" not in names:
            raise _refuse(path, "no xl/workbook.xml")
        if len(names) > 10_000:
            raise _refuse(path, f"{len(names)} parts")
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    run = 0  # bytes since the last '<', carried across chunks
                    tail = b""
                    for chunk in iter(lambda m=member: m.read(CHUNK), b""):  # type: ignore[misc]
                        total += len(chunk)
                        if total > max_bytes:
                            raise TooLarge(
                                f"{path.name}: more than {max_bytes // 2**20} MiB once unpacked; "
                                "split the export, or save it as CSV",
                                field="files",
                            )
                        if not info.filename.endswith((".xml", ".rels")):
                            continue
                        probe = tail + chunk
                        if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
                            raise _refuse(path, f"{info.filename} declares a DTD")
                        tail = chunk[-16:]
                        run = _longest_run(chunk, run, longest, path)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                if isinstance(exc, (TooLarge, BadWorkbook)):
                    raise
                raise _refuse(path, f"damaged part {info.filename}") from exc


def _longest_run(chunk: bytes, run: int, longest: int, path: Path) -> int:
    marks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _LT)
    if marks.size == 0:
        run += len(chunk)
    else:
        gaps = run + int(marks[0])
        if marks.size > 1:
            gaps = max(gaps, int(np.diff(marks).max()) - 1)
        if gaps > longest:
            raise _refuse(path, "a cell longer than a cell may hold")
        run = len(chunk) - int(marks[-1]) - 1
    if run > longest:
        raise _refuse(path, "a cell longer than a cell may hold")
    return run


class XlsxRows:
    """The first sheet's rows as lists of text cells (typed cells written as CSV holds them)."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.path = path
        try:
            self.workbook: Any = load_workbook(path, read_only=True, data_only=True)
            sheet = self.workbook.worksheets[0]
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise _refuse(path, exc.__class__.__name__) from exc
        self.sheet = sheet
        self.total = sheet.max_row or 0
        self.done = 0

    def __iter__(self) -> Iterator[list[str]]:
        try:
            for row in self.sheet.iter_rows(values_only=True):
                self.done += 1
                yield [cell_text(v) for v in row]
        except BadWorkbook:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged sheet part
            raise _refuse(self.path, exc.__class__.__name__) from exc

    def close(self) -> None:
        self.workbook.close()
