"""Reading a live workbook: its cells as a :class:`~lumledger.workbook.reader.CellSource`.

:class:`XlwingsSource` uses only ``book.name``, ``book.sheets``, ``sheet.name`` and
``sheet.used_range`` (its top-left ``.row``/``.column`` and ``.options(ndim=2,
err_to_str=True).value``), which every xlwings host answers. :class:`Snapshot` keeps the input
sheets as read when the button was pressed; :meth:`Snapshot.with_writes` is that snapshot with
a plan's cells written into it, so a step can re-check the ledger it is about to leave behind
without reading its own writes back (the remote engine cannot).

Excel errors arrive as ``"#N/A"``-style text (``err_to_str``) or, from COM for error kinds
newer than xlwings' table (``#SPILL!``, ``#CALC!`` …), as error integers; both become
``special`` cells, reported as ``LUM-E003`` at their cell like the file reader does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from lumledger import ledger_format
from lumledger.ledger_format import column_number
from lumledger.workbook.reader import SheetCells
from lumledger.xl.host import key

#: Excel error values: xlwings' ``err_to_str`` spellings and the COM error codes behind them
#: (``0x800A0000 + xlErr…``), including the kinds newer than xlwings' own table.
EXCEL_ERRORS: dict[int, str] = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
    2043: "#GETTING_DATA",
    2045: "#SPILL!",
    2046: "#CONNECT!",
    2047: "#BLOCKED!",
    2048: "#UNKNOWN!",
    2049: "#FIELD!",
    2050: "#CALC!",
}
_COM_ERROR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit integer
_ERROR_TEXTS = frozenset(EXCEL_ERRORS.values())
_INPUT_KEYS = frozenset(key(sheet) for sheet in ledger_format.INPUT_SHEETS)


def excel_error(value: Any) -> str | None:
    """The Excel error a cell value from xlwings stands for, or ``None``."""
    if isinstance(value, str):
        text = value.strip()
        return text if text in _ERROR_TEXTS else None
    if isinstance(value, int) and not isinstance(value, bool):
        code = value - _COM_ERROR_BASE
        if code in EXCEL_ERRORS:
            return EXCEL_ERRORS[code]
    return None


def sheet_cells(title: str, raw: Any, first_row: int = 1, first_col: int = 1) -> SheetCells:
    """Cells as xlwings returns them (a list of rows), Excel errors set apart."""
    rows: list[list[Any]] = []
    special: dict[tuple[int, int], str] = {}
    for i, raw_row in enumerate(raw or []):
        row = list(raw_row)
        for j, value in enumerate(row):
            if value is None or isinstance(value, (float, dt.date)):
                continue
            error = excel_error(value)
            if error is not None:
                special[(first_row + i, first_col + j)] = error
                row[j] = None
        rows.append(row)
    return SheetCells(
        title=title, rows=rows, first_row=first_row, first_col=first_col, special=special
    )


class XlwingsSource:
    """A live workbook as a :class:`~lumledger.workbook.reader.CellSource`."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @property
    def name(self) -> str:
        return str(self.book.name)

    def sheet_titles(self) -> list[str]:
        return [str(sheet.name) for sheet in self.book.sheets]

    def read_sheet(self, title: str) -> SheetCells:
        used = self.book.sheets[title].used_range
        raw = used.options(ndim=2, err_to_str=True).value
        return sheet_cells(title, raw, int(used.row), int(used.column))


class Snapshot:
    """The input sheets of a source, read once (a :class:`CellSource` that compares by value)."""

    def __init__(self, name: str, titles: list[str], cells: dict[str, SheetCells]) -> None:
        self.name = name
        self.titles = titles
        self.cells = cells

    @classmethod
    def of(cls, source: Any) -> Snapshot:
        titles = source.sheet_titles()
        cells = {title: source.read_sheet(title) for title in titles if key(title) in _INPUT_KEYS}
        return cls(source.name, titles, cells)

    def sheet_titles(self) -> list[str]:
        return list(self.titles)

    def read_sheet(self, title: str) -> SheetCells:
        # A copy: the reader may let go of a SheetCells' rows once it has parsed them.
        cells = self.cells[title]
        return replace(cells, rows=[list(row) for row in cells.rows])

    def same_as(self, other: Snapshot) -> bool:
        return self.titles == other.titles and self.cells == other.cells

    def value(self, sheet: str, cell: str) -> Any:
        """The value of ``sheet!cell`` as read (``None`` when empty or outside the sheet)."""
        cells = self._sheet(sheet)
        if cells is None:
            return None
        row, col = _row_col(cell)
        i, j = row - cells.first_row, col - cells.first_col
        if 0 <= i < len(cells.rows) and 0 <= j < len(cells.rows[i]):
            return cells.rows[i][j]
        return None

    def with_writes(self, writes: list[tuple[str, str, Any]]) -> Snapshot:
        """This snapshot with ``(sheet, cell, value)`` written into it (a date as Excel reads
        it back, a datetime at midnight)."""
        cells = {title: self.read_sheet(title) for title in self.cells}
        for sheet, cell, value in writes:
            title = next((t for t in cells if key(t) == key(sheet)), None)
            if title is None:
                continue
            target = cells[title]
            rows = [list(row) for row in target.rows]
            row, col = _row_col(cell)
            i, j = row - target.first_row, col - target.first_col
            if i < 0 or j < 0:
                continue  # above or left of the used range: nothing the reader looks at
            while len(rows) <= i:
                rows.append([])
            if len(rows[i]) <= j:
                rows[i].extend([None] * (j + 1 - len(rows[i])))
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            rows[i][j] = value
            cells[title] = replace(target, rows=rows)
        return Snapshot(self.name, list(self.titles), cells)

    def _sheet(self, sheet: str) -> SheetCells | None:
        return next((c for t, c in self.cells.items() if key(t) == key(sheet)), None)


def _row_col(cell: str) -> tuple[int, int]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits), column_number(letters.upper())
