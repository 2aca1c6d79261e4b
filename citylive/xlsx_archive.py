"""An XLSX archive checked as it is, before openpyxl opens it: a zip with
`[Content_Types].xml` and a workbook, at most the set uncompressed size (counted while
decompressing, not taken from the zip's own headers), no DTD or entity declaration in any XML
part (so nothing can expand), and no run of text longer than a cell may hold.  A zip bomb of
150 KB holding a 150 MB cell is refused here, before anything is parsed or stored.

Both the sales exports (sales/xlsx.py) and the festival workbook (festival/loader.py) are
checked with it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from citylive.errors import Invalid, TooLarge

CHUNK = 1 << 20
_LT = ord("<")


class BadWorkbook(Invalid):
    """A file that claims to be an XLSX workbook and is not a readable one."""


def refuse_workbook(path: Path, why: str) -> BadWorkbook:
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
        raise refuse_workbook(path, "not a zip archive") from exc
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise refuse_workbook(path, "no [Content_Types].xml")
        if "xl/workbook.xml" not in names:
            raise refuse_workbook(path, "no xl/workbook.xml")
        if len(names) > 10_000:
            raise refuse_workbook(path, f"{len(names)} parts")
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
                            raise refuse_workbook(path, f"{info.filename} declares a DTD")
                        tail = chunk[-16:]
                        run = _longest_run(chunk, run, longest, path)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                if isinstance(exc, (TooLarge, BadWorkbook)):
                    raise
                raise refuse_workbook(path, f"damaged part {info.filename}") from exc


def _longest_run(chunk: bytes, run: int, longest: int, path: Path) -> int:
    marks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _LT)
    if marks.size == 0:
        run += len(chunk)
    else:
        gaps = run + int(marks[0])
        if marks.size > 1:
            gaps = max(gaps, int(np.diff(marks).max()) - 1)
        if gaps > longest:
            raise refuse_workbook(path, "a cell longer than a cell may hold")
        run = len(chunk) - int(marks[-1]) - 1
    if run > longest:
        raise refuse_workbook(path, "a cell longer than a cell may hold")
    return run
