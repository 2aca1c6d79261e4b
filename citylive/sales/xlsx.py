"""XLSX exports, opened only after the workbook has shown it is what it claims (the archive
is checked first, citylive/xlsx_archive.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from citylive.sales.values import cell_text
from citylive.xlsx_archive import BadWorkbook, refuse_workbook


class XlsxRows:
    """The first sheet's rows as lists of text cells (typed cells written as CSV holds them)."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.path = path
        try:
            self.workbook: Any = load_workbook(path, read_only=True, data_only=True)
            sheet = self.workbook.worksheets[0]
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise refuse_workbook(path, exc.__class__.__name__) from exc
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
            raise refuse_workbook(self.path, exc.__class__.__name__) from exc

    def close(self) -> None:
        self.workbook.close()
