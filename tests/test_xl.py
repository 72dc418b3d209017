"""``lumledger.xl`` — the Excel buttons and worksheet functions — tested on Linux with a stand-in.

xlwings cannot reach Excel on Linux (``xw.Book.caller()`` needs a running Excel), so these tests
drive ``lumledger.xl`` through ``FakeBook``: a small stand-in that implements exactly the xlwings
calls ``xl.py`` makes, and nothing else:

* ``book.name``, ``book.fullname``, ``book.app.alert(prompt, title, buttons, mode)``,
  ``book.app.screen_updating``, ``book.sheets`` (iteration, ``[name]``, ``.add(name, after=…)``);
* ``sheet.name``, ``sheet.visible``, ``sheet.activate()``, ``sheet.cells.clear()``,
  ``sheet.used_range`` (``.row``, ``.column``, ``.options(ndim=2, err_to_str=True).value``),
  ``sheet.range("A1")`` / ``sheet.range((row, col))`` / ``sheet.range((r1, c1), (r2, c2))``;
* ``range.value`` (read and write, with Excel's typing of written text: ``'`` makes text, ``=``
  a formula, number- and date-like text is converted), ``range.color``, ``range.note`` /
  ``range.add_note(text)`` / ``note.text`` / ``note.delete()``, ``range.add_hyperlink(address,
  text_to_display, screen_tip)``, ``range.font.bold``, ``range.column_width``;
* ``caller.sheet.book`` for the worksheet functions' ``caller`` argument.

(``FakeSheet.value()``, ``FakeBook.sheet()``/``has_sheet()`` and the public dictionaries of
cells, fills and notes are test helpers for setting up and inspecting, not xlwings calls.)
Its values follow xlwings on Windows: numbers come back as ``float``, dates as ``datetime``,
empty cells as ``None``, Excel errors as ``None`` or (``err_to_str``) ``"#N/A"``; a one-row or
one-cell range gives a flat list or a scalar unless ``ndim=2``. ``FakeBook.from_file`` loads an
``.xlsx`` with openpyxl (cached values), so the same ledger runs through the file reader
(:class:`~lumledger.workbook.reader.FileSource`) and the live reader (:class:`~lumledger.xl.XlwingsSource`)
and the findings must be identical. What only real Excel can show is listed in ``docs/excel.md``
(acceptance test).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlwings as xw
from conftest import EXAMPLE, base_rows, make_ledger, settled_rows, write_ledger

from lumledger import ledger_format, xl
from lumledger.findings import LedgerReadError
from lumledger.rollups import compute_rollup
from lumledger.validation import validate_source
from lumledger.workbook.reader import FileSource, load_ledger, read_ledger

APPS = ledger_format.APPLICATIONS

# --- the stand-in ------------------------------------------------------------------------------------

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
COM_ERRORS = {text: -2146828288 + code for code, text in xl.EXCEL_ERRORS.items()}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def col_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def col_letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def parse_address(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", text.strip())
    assert match, text
    return int(match[2]), col_number(match[1])


def as_excel_holds(value: Any) -> Any:
    """A value as Excel holds it: numbers as ``float``, dates as ``datetime``, others unchanged."""
    if isinstance(value, bool | str | dt.datetime):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


class FakeNote:
    def __init__(self, sheet: FakeSheet, at: tuple[int, int]) -> None:
        self._sheet = sheet
        self._at = at

    @property
    def text(self) -> str:
        return self._sheet.notes[self._at]

    @text.setter
    def text(self, value: str) -> None:
        self._sheet.notes[self._at] = value[: self._sheet.note_limit]

    def delete(self) -> None:
        del self._sheet.notes[self._at]


class FakeFont:
    def __init__(self, rng: FakeRange) -> None:
        self._rng = rng

    @property
    def bold(self) -> bool:
        return all(at in self._rng.sheet.bold for at in self._rng.cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        for at in self._rng.cells():
            if value:
                self._rng.sheet.bold.add(at)
            else:
                self._rng.sheet.bold.discard(at)


class FakeRange:
    OPTIONS = frozenset({"ndim", "err_to_str"})

    def __init__(
        self, sheet: FakeSheet, top: tuple[int, int], bottom: tuple[int, int], **options: Any
    ) -> None:
        self.sheet = sheet
        self.r1, self.c1 = top
        self.r2, self.c2 = bottom
        self._options = options

    # geometry
    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def address(self) -> str:
        first = f"${col_letters(self.c1)}${self.r1}"
        if self.shape == (1, 1):
            return first
        return f"{first}:${col_letters(self.c2)}${self.r2}"

    def cells(self) -> Iterator[tuple[int, int]]:
        assert self.shape[0] * self.shape[1] <= 100_000, "the stand-in only iterates small ranges"
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                yield (r, c)

    def options(self, convert: Any = None, **options: Any) -> FakeRange:
        assert convert is None and set(options) <= self.OPTIONS, options
        return FakeRange(self.sheet, (self.r1, self.c1), (self.r2, self.c2), **options)

    # values
    def _read(self, at: tuple[int, int]) -> Any:
        if at in self.sheet.errors:
            if self.sheet.com_errors:
                return COM_ERRORS[self.sheet.errors[at]]
            return self.sheet.errors[at] if self._options.get("err_to_str") else None
        return self.sheet.values.get(at)

    @property
    def value(self) -> Any:
        grid = [
            [self._read((r, c)) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self._options.get("ndim") == 2:
            return grid
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        if isinstance(data, list | tuple):
            grid = (
                [list(row) for row in data]
                if data and isinstance(data[0], list | tuple)
                else [list(data)]
            )
        else:
            grid = [[data]]
        for i, row in enumerate(grid):
            for j, item in enumerate(row):
                self.sheet.put((self.r1 + i, self.c1 + j), item)

    # formatting
    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.sheet.colors.get((self.r1, self.c1))

    @color.setter
    def color(self, value: tuple[int, int, int] | None) -> None:
        for at in self.cells():
            if value is None:
                self.sheet.colors.pop(at, None)
            else:
                assert isinstance(value, tuple) and len(value) == 3
                self.sheet.colors[at] = value

    @property
    def note(self) -> FakeNote | None:
        at = (self.r1, self.c1)
        return FakeNote(self.sheet, at) if at in self.sheet.notes else None

    def add_note(self, text: str) -> FakeNote:
        # The checks xlwings 0.37 makes before it calls Excel.
        if not isinstance(text, str):
            raise TypeError("Note text must be a string")
        if not text:
            raise ValueError("Note text must not be empty")
        if self.shape != (1, 1):
            raise ValueError("A note can only be added to a single cell")
        if self.note is not None:
            raise ValueError("This cell already has a note")
        self.sheet.notes[(self.r1, self.c1)] = text[: self.sheet.note_limit]
        return FakeNote(self.sheet, (self.r1, self.c1))

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        assert self.shape == (1, 1)
        self.sheet.links[(self.r1, self.c1)] = address
        self.sheet.values[(self.r1, self.c1)] = text_to_display or address

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.c1, 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = value

    def clear(self) -> None:
        for store in (
            self.sheet.values,
            self.sheet.errors,
            self.sheet.colors,
            self.sheet.notes,
            self.sheet.links,
            self.sheet.formulas,
        ):
            for at in [at for at in store if self._contains(at)]:
                del store[at]
        self.sheet.bold = {at for at in self.sheet.bold if not self._contains(at)}

    def _contains(self, at: tuple[int, int]) -> bool:
        return self.r1 <= at[0] <= self.r2 and self.c1 <= at[1] <= self.c2


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book = book
        self.name = name
        self.values: dict[tuple[int, int], Any] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.colors: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.links: dict[tuple[int, int], str] = {}
        self.bold: set[tuple[int, int]] = set()
        self.widths: dict[int, float] = {}
        self.visible = True
        self.com_errors = False  # True: errors come back as COM integers (newer error kinds)
        self.note_limit: int | None = None  # an Excel that cuts passed-in text (KB 213841)
        self.fail_reading = False

    def put(self, at: tuple[int, int], item: Any) -> None:
        """Excel's typing of a value written through COM."""
        self.errors.pop(at, None)
        self.formulas.pop(at, None)
        if item is None or item == "":
            self.values.pop(at, None)
            return
        if isinstance(item, Decimal):
            raise TypeError("a Decimal would reach Excel as a Currency value")
        if isinstance(item, str):
            if item.startswith("'"):
                self.values[at] = item[1:]
                return
            if item.startswith("="):
                self.formulas[at] = item
                self.values[at] = None
                return
            text = item.strip()
            if text in xl.EXCEL_ERRORS.values():
                self.values.pop(at, None)
                self.errors[at] = text
                return
            try:
                self.values[at] = float(text.replace(" ", ""))
                return
            except ValueError:
                pass
            if _ISO.match(text):
                self.values[at] = dt.datetime.fromisoformat(text)
                return
            self.values[at] = item
            return
        if not isinstance(item, bool | int | float | dt.date):
            raise TypeError(f"Excel cannot hold {item!r}")
        self.values[at] = as_excel_holds(item)

    def value(self, address: str) -> Any:
        """What Excel shows in a cell (test helper, not an xlwings call)."""
        return self.values.get(parse_address(address))

    def range(self, first: Any, second: Any = None) -> FakeRange:
        def point(spec: Any) -> tuple[int, int]:
            if isinstance(spec, tuple):
                return (int(spec[0]), int(spec[1]))
            return parse_address(spec)

        if isinstance(first, str) and ":" in first:
            a, b = first.split(":")
            return FakeRange(self, parse_address(a), parse_address(b))
        top = point(first)
        return FakeRange(self, top, point(second) if second is not None else top)

    @property
    def cells(self) -> FakeRange:
        return FakeRange(self, (1, 1), (MAX_ROWS, MAX_COLS))

    @property
    def used_range(self) -> FakeRange:
        if self.fail_reading:
            raise RuntimeError("(-2147352567, 'Undantag inträffade.', None, None)")
        used = set(self.values) | set(self.errors) | set(self.colors) | set(self.notes)
        if not used:
            return FakeRange(self, (1, 1), (1, 1))
        rows = [r for r, _ in used]
        cols = [c for _, c in used]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def activate(self) -> None:
        self.book.active = self


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self._book = book
        self._items: list[FakeSheet] = []

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self._items[key]
        for sheet in self._items:  # Excel looks sheet names up case-insensitively
            if sheet.name.casefold() == key.casefold():
                return sheet
        raise KeyError(key)

    def add(
        self,
        name: str | None = None,
        before: FakeSheet | None = None,
        after: FakeSheet | None = None,
    ) -> FakeSheet:
        name = name or f"Blad{len(self._items) + 1}"
        if any(s.name.casefold() == name.casefold() for s in self._items):
            raise ValueError(f"a sheet named {name} exists")
        sheet = FakeSheet(self._book, name)
        if after is not None:
            self._items.insert(self._items.index(after) + 1, sheet)
        elif before is not None:
            self._items.insert(self._items.index(before), sheet)
        else:
            self._items.insert(0, sheet)
        self._book.active = sheet
        return sheet


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.screen_updating = True
        self.answer = "ok"

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str:
        assert buttons in ("ok", "ok_cancel", "yes_no", "yes_no_cancel")
        assert mode in (None, "info", "critical")
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return self.answer


class FakeBook:
    def __init__(self, fullname: str | Path) -> None:
        self.fullname = str(fullname)
        self.name = Path(self.fullname).name
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        self.active: FakeSheet | None = None

    @classmethod
    def from_file(cls, path: Path) -> FakeBook:
        """The workbook's cached values as Excel would hand them to xlwings."""
        book = cls(path.resolve())
        source = openpyxl.load_workbook(path, data_only=True)
        for ws in source.worksheets:
            sheet = book.sheets.add(ws.title, after=book.sheets[-1] if len(book.sheets) else None)
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    at = (cell.row, cell.column)
                    if cell.comment is not None:
                        sheet.notes[at] = cell.comment.text
                    if value is None:
                        continue
                    if cell.data_type == "e":
                        sheet.errors[at] = str(value)
                    else:
                        sheet.values[at] = as_excel_holds(value)
        book.app.alerts.clear()
        return book

    def sheet(self, name: str) -> FakeSheet:
        return self.sheets[name]

    def has_sheet(self, name: str) -> bool:
        return any(s.name.casefold() == name.casefold() for s in self.sheets)


class FakeCaller:
    """The ``caller`` argument xlwings gives a worksheet function: the calling cell."""

    def __init__(self, sheet: FakeSheet) -> None:
        self.sheet = sheet


# --- helpers -----------------------------------------------------------------------------------------


def prompts(book: FakeBook) -> list[str]:
    return [a["prompt"] for a in book.app.alerts]


def fel_rows(book: FakeBook) -> list[list[Any]]:
    return book.sheet("Fel").used_range.options(ndim=2).value


def cell_of(book: FakeBook, sheet: str, address: str) -> tuple[FakeSheet, tuple[int, int]]:
    return book.sheet(sheet), parse_address(address)


def broken_ledger(tmp_path: Path) -> Path:
    """A ledger with one of most kinds of finding, each at a known cell."""

    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        apps = rows[APPS]
        apps[0]["Sökt belopp"] = "abc"  # K2: E003
        apps[0]["Inkom"] = "2018-10-01"  # O2: W002
        apps[1]["Sökt belopp"] = "400 000 kr"  # K3: W001
        apps[1]["Beviljat belopp"] = 500_000  # M3: E008
        apps[1]["Betalkonto"] = "Bankgiro 123-4567"  # Q3: E016
        apps[2]["Förvaltning"] = "Hägersten-Älvsjö"  # D4: E006 (valid from 2021)
        apps[2]["Beviljat belopp"] = 1000.5  # M4: E013

    return make_ledger(tmp_path, change=change)


def fixed_ledger_values(book: FakeBook) -> None:
    """Undo ``broken_ledger``'s changes in the live book (as an officer would, without saving)."""
    apps = book.sheet(APPS)
    apps.range("K2").value = 317_000
    apps.range("O2").value = dt.date(2018, 10, 1)
    apps.range("K3").value = 400_000
    apps.range("M3").value = 0
    apps.range("Q3").value = "Bankgiro 5050-1055"
    apps.range("D4").value = "Socialförvaltningen"
    apps.range("M4").value = 25_000


# --- the reader: the same findings from the file and from the live book ------------------------------


def _error_cell_ledger(tmp_path: Path) -> Path:
    path = make_ledger(tmp_path)
    book = openpyxl.load_workbook(path)
    book[APPS]["K3"] = "#N/A"  # openpyxl writes an error cell (t="e")
    book[APPS]["M4"] = "#DIV/0!"
    book.save(path)
    return path


def _offset_ledger(tmp_path: Path) -> Path:
    """Beslut starts in column B; Utbetalningar has only its header; Redovisningar is empty."""
    rows = base_rows()
    path = write_ledger(tmp_path / "offset.xlsx", rows)
    book = openpyxl.load_workbook(path)
    beslut = book.create_sheet(ledger_format.DECISIONS)
    beslut.append([None, "År", "Typ", "Antal ansökningar", "Summa sökt", "Summa beviljat"])
    beslut.append([None, 2019, "Projekt", 2, 717_000, 200_000])
    book.create_sheet(ledger_format.PAYMENTS).append(["Id", "Datum", "Belopp"])
    book.create_sheet(ledger_format.REPORTS)
    book.save(path)
    return path


def _case_ledger(tmp_path: Path) -> Path:
    """Sheet titles and headers in another case and with spaces; an unknown column."""
    path = make_ledger(tmp_path, change=lambda rows: rows[APPS][0].update({"Anteckning": "x"}))
    book = openpyxl.load_workbook(path)
    book[APPS].title = "ansökningar "
    book["ansökningar "]["A1"] = "  ID "
    book.save(path)
    return path


SCENARIOS: dict[str, Callable[[Path], Path]] = {
    "example": lambda tmp: EXAMPLE,
    "valid": lambda tmp: make_ledger(tmp),
    "broken": broken_ledger,
    "error-cells": _error_cell_ledger,
    "offset-and-empty-sheets": _offset_ledger,
    "titles-and-headers": _case_ledger,
    "missing-sheet": lambda tmp: make_ledger(tmp, drop=[ledger_format.ADMINISTRATIONS]),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_file_and_live_book_give_identical_findings(scenario: str, tmp_path: Path) -> None:
    path = SCENARIOS[scenario](tmp_path)
    from_file = validate_source(FileSource(path))
    live = validate_source(xl.XlwingsSource(FakeBook.from_file(path)))
    assert [f.to_dict() for f in live.findings] == [f.to_dict() for f in from_file.findings]
    assert set(live.ledger.sheets) == set(from_file.ledger.sheets)
    for sheet, table in from_file.ledger.sheets.items():
        other = live.ledger.sheets[sheet]
        assert other.title == table.title and other.letters == table.letters
        pd.testing.assert_frame_equal(other.frame, table.frame)


def test_the_scenarios_cover_what_they_claim(tmp_path: Path) -> None:
    codes = {f.code for f in validate_source(FileSource(broken_ledger(tmp_path))).findings}
    assert {
        "LUM-E003",
        "LUM-W002",
        "LUM-W001",
        "LUM-E008",
        "LUM-E016",
        "LUM-E006",
        "LUM-E013",
    } <= codes
    errors = validate_source(FileSource(_error_cell_ledger(tmp_path))).findings
    assert {(f.cell, f.found) for f in errors if f.code == "LUM-E003"} == {
        ("K3", "#N/A"),
        ("M4", "#DIV/0!"),
    }
    offset = validate_source(FileSource(_offset_ledger(tmp_path)))
    assert offset.ledger.sheets[ledger_format.DECISIONS].letters["År"] == "B"
    assert {f.code for f in offset.findings} >= {"LUM-E002"}  # Redovisningar has no header


def test_live_reader_uses_ndim2_for_one_row_and_one_cell_sheets(tmp_path: Path) -> None:
    book = FakeBook(tmp_path / "bok.xlsx")
    one_row = book.sheets.add("Utbetalningar")
    one_row.range("A1").value = [["'Id", "'Datum", "'Belopp"]]
    one_cell = book.sheets.add("Redovisningar")
    one_cell.range("C5").value = "'Id"
    assert one_row.used_range.value == ["Id", "Datum", "Belopp"]  # what a naive read would get
    source = xl.XlwingsSource(book)
    cells = source.read_sheet("Utbetalningar")
    assert cells.rows == [["Id", "Datum", "Belopp"]] and (cells.first_row, cells.first_col) == (
        1,
        1,
    )
    cells = source.read_sheet("Redovisningar")
    assert cells.rows == [["Id"]] and (cells.first_row, cells.first_col) == (5, 3)
    empty = book.sheets.add("Tomt")
    assert source.read_sheet(empty.name).rows == [[None]]


def test_live_reader_reports_com_error_codes_at_their_cell(tmp_path: Path) -> None:
    book = FakeBook.from_file(_error_cell_ledger(tmp_path))
    apps = book.sheet(APPS)
    apps.com_errors = True  # Windows xlwings passes newer error kinds through as integers
    apps.errors[parse_address("D2")] = "#SPILL!"
    found = validate_source(xl.XlwingsSource(book)).findings
    e003 = {(f.cell, f.found) for f in found if f.code == "LUM-E003"}
    assert e003 == {("D2", "#SPILL!"), ("K3", "#N/A"), ("M4", "#DIV/0!")}
    assert all(f.sheet == APPS for f in found if f.code == "LUM-E003")


def test_excel_error_recognises_strings_and_com_codes() -> None:
    assert xl.excel_error("#N/A") == "#N/A"
    assert xl.excel_error(-2146826281) == "#DIV/0!"
    assert xl.excel_error(-2146828288 + 2045) == "#SPILL!"
    assert xl.excel_error("N/A") is None
    assert xl.excel_error(5) is None
    assert xl.excel_error(True) is None


# --- Validera ----------------------------------------------------------------------------------------


def test_validate_writes_fel_with_links_and_marks_cells(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    result = xl.run_validate(book)
    assert not result.valid
    fel = book.sheet("Fel")
    rows = fel_rows(book)
    assert rows[0] == xl.FINDING_HEADER
    assert len(rows) == 1 + len(result.findings)
    assert {(1, c) for c in range(1, 7)} <= fel.bold
    for i, item in enumerate(result.findings, start=2):
        assert rows[i - 1][0] == item.location
        assert rows[i - 1][1] == item.code
        assert rows[i - 1][2] == ("fel" if item.is_error else "varning")
        assert rows[i - 1][3] == item.message
        assert fel.links[(i, 1)] == f"#'{item.sheet}'!{item.cell}"
    # Text stays text: the ISO date and the amount typed as text were not converted by Excel.
    w002 = next(i for i, f in enumerate(result.findings, start=2) if f.code == "LUM-W002")
    assert fel.values[(w002, 6)] == "2018-10-01"
    w001 = next(i for i, f in enumerate(result.findings, start=2) if f.code == "LUM-W001")
    assert fel.values[(w001, 6)] == "400 000 kr"
    assert not fel.formulas
    # The failing cells: red for errors, yellow for warnings, a note with code and message.
    apps = book.sheet(APPS)
    assert apps.colors[parse_address("K2")] == xl.ERROR_FILL
    assert apps.colors[parse_address("O2")] == xl.WARNING_FILL
    assert apps.colors[parse_address("M3")] == xl.ERROR_FILL
    assert "LUM-E008" in apps.notes[parse_address("M3")]
    assert apps.notes[parse_address("K3")].startswith("lumledger:\nLUM-W001")
    # The record of the marks is a hidden sheet; Fel is shown; a message box gives the verdict.
    assert not book.sheet(xl.MARKS_SHEET).visible
    assert book.active is fel
    assert book.app.alerts[-1]["title"] == xl.TITLE
    assert "fel" in prompts(book)[-1] and "bladet Fel" in prompts(book)[-1]
    assert book.app.screen_updating is True


def test_validate_reads_live_values_not_the_saved_file(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    book = FakeBook.from_file(path)
    assert xl.run_validate(book).findings == []
    assert fel_rows(book)[1][0] == "Inga fel eller varningar hittades."
    book.sheet(APPS).range("M2").value = 400_000  # typed in Excel, not saved: > Sökt belopp
    result = xl.run_validate(book)
    assert [(f.code, f.cell) for f in result.findings] == [("LUM-E008", "M2")]
    assert read_ledger(path).frame(APPS).at[2, "Beviljat belopp"] == 200_000  # file untouched
    assert fel_rows(book)[1][:2] == ["Ansökningar!M2", "LUM-E008"]


def test_second_run_after_fixing_clears_exactly_the_marks(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    apps = book.sheet(APPS)
    # The officer's own formatting: a fill and a note on a failing cell, and elsewhere.
    apps.colors[parse_address("M3")] = (0, 176, 80)
    apps.notes[parse_address("M3")] = "Kolla med nämndsekreteraren"
    apps.colors[parse_address("B2")] = (0, 112, 192)
    apps.notes[parse_address("C2")] = "Egen anteckning"
    xl.run_validate(book)
    assert apps.colors[parse_address("M3")] == xl.ERROR_FILL
    assert apps.notes[parse_address("M3")].startswith("Kolla med nämndsekreteraren\n\nlumledger:")
    marked = {at for at, color in apps.colors.items() if color in (xl.ERROR_FILL, xl.WARNING_FILL)}
    assert len(marked) >= 6

    fixed_ledger_values(book)
    result = xl.run_validate(book)
    assert result.findings == []
    assert fel_rows(book)[1][0] == "Inga fel eller varningar hittades."
    assert apps.colors == {parse_address("M3"): (0, 176, 80), parse_address("B2"): (0, 112, 192)}
    assert apps.notes == {
        parse_address("M3"): "Kolla med nämndsekreteraren",
        parse_address("C2"): "Egen anteckning",
    }
    assert book.sheet(xl.MARKS_SHEET).used_range.options(ndim=2).value == [xl.MARK_HEADER]
    assert "Inga fel" in prompts(book)[-1]


def test_marks_follow_the_findings_between_runs(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    apps = book.sheet(APPS)
    xl.run_validate(book)
    apps.range("K2").value = 317_000  # fix one error, leave the rest
    xl.run_validate(book)
    assert parse_address("K2") not in apps.colors and parse_address("K2") not in apps.notes
    assert apps.colors[parse_address("M3")] == xl.ERROR_FILL
    # A run without changes leaves the marks as they are (no stacking of notes).
    before = (dict(apps.colors), dict(apps.notes))
    xl.run_validate(book)
    assert (apps.colors, apps.notes) == before
    assert apps.notes[parse_address("M3")].count("lumledger:") == 1


def test_long_notes_cut_by_excel_are_still_recognised_and_cleared(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    apps = book.sheet(APPS)
    apps.note_limit = 255
    long_own = "Beslut enligt protokoll " + "x" * 200
    apps.notes[parse_address("M3")] = long_own
    xl.run_validate(book)
    assert len(apps.notes[parse_address("M3")]) == 255
    xl.run_validate(book)  # unchanged: the cut notes are recognised as ours, not stacked
    assert apps.notes[parse_address("M3")].count("lumledger:") == 1
    fixed_ledger_values(book)
    xl.run_validate(book)
    assert apps.notes == {parse_address("M3"): long_own}
    assert not apps.colors


def test_our_part_of_a_note_is_kept_short() -> None:
    mark = xl.CellMark("Ansökningar", "K2")
    mark.entries = {"validera": (True, "LUM-E003 " + "a" * 200), "avstämning": (True, "b" * 200)}
    assert len(mark.note()) == xl.NOTE_LIMIT and mark.note().endswith("…")
    mark.note_before = "Egen"
    assert mark.note().startswith("Egen\n\nlumledger:\nLUM-E003")


def test_a_mark_the_officer_changed_is_left_alone(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    apps = book.sheet(APPS)
    xl.run_validate(book)
    apps.colors[parse_address("K2")] = (255, 0, 0)  # recoloured by hand after the run
    apps.notes[parse_address("O2")] = "Datumet kontrollerat"  # note rewritten by hand
    fixed_ledger_values(book)
    xl.run_validate(book)
    assert apps.colors == {parse_address("K2"): (255, 0, 0)}
    assert apps.notes == {parse_address("O2"): "Datumet kontrollerat"}


def test_fel_is_reused_and_cleared_not_duplicated(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    old = book.sheets.add("fel", after=book.sheets[-1])  # an earlier Fel, other case
    old.range("A1").value = [["'gammalt"] for _ in range(60)]
    old.links[(50, 1)] = "#'Omgångar'!A1"
    xl.run_validate(book)
    assert [s.name.casefold() for s in book.sheets].count("fel") == 1
    rows = fel_rows(book)
    assert len(rows) < 50 and all(row[0] != "gammalt" for row in rows)
    assert (50, 1) not in old.links


def test_output_sheets_go_after_the_ledger_sheets(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    conf = book.sheets.add("xlwings.conf", after=book.sheets[-1])
    xl.run_validate(book)
    names = [s.name for s in book.sheets]
    assert names.index("Fel") == names.index(APPS) + 1
    assert names.index("Fel") < names.index(conf.name)


def test_findings_without_a_cell_link_to_the_row_or_sheet(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path, drop=[ledger_format.ADMINISTRATIONS]))
    result = xl.run_validate(book)
    fel = book.sheet("Fel")
    e001 = next(i for i, f in enumerate(result.findings, start=2) if f.code == "LUM-E001")
    assert fel.values[(e001, 1)] == "Förvaltningar" and (e001, 1) not in fel.links
    from lumledger.findings import finding

    row_only = finding("LUM-E002", APPS, None, 1, "x")
    assert xl.link_address(row_only, APPS) == "#'Ansökningar'!A1"
    sheet_only = finding("LUM-R001", ledger_format.DECISIONS, None, None, "x")
    assert xl.link_address(sheet_only, "Beslut") == "#'Beslut'!A1"


def test_links_and_marks_use_the_workbooks_own_sheet_title(tmp_path: Path) -> None:
    book = FakeBook.from_file(_case_ledger(tmp_path))
    book.sheet("ansökningar ").range("K2").value = "abc"
    xl.run_validate(book)
    fel = book.sheet("Fel")
    rows = fel_rows(book)
    row = next(i for i, r in enumerate(rows, start=1) if r[1] == "LUM-E003")
    assert fel.links[(row, 1)] == "#'ansökningar '!K2"
    assert book.sheet("ansökningar ").colors[parse_address("K2")] == xl.ERROR_FILL


def test_link_address_quotes_sheet_titles() -> None:
    from lumledger.findings import finding

    item = finding("LUM-E003", APPS, "K2", 2, "x")
    assert xl.link_address(item, "Ansökningar") == "#'Ansökningar'!K2"
    assert xl.link_address(item, "Olle's blad") == "#'Olle''s blad'!K2"


def test_excel_value_keeps_text_as_text() -> None:
    assert xl.excel_value("2018-10-26") == "'2018-10-26"
    assert xl.excel_value("=SUMMA(A1)") == "'=SUMMA(A1)"
    assert xl.excel_value("") is None
    assert xl.excel_value(Decimal("1457956.00")) == 1457956
    assert xl.excel_value(Decimal("4104.50")) == 4104.5
    assert xl.excel_value(12) == 12


def test_a_message_starting_with_equals_stays_text(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    book.sheet(APPS).range("C2").value = "'=Projekt"  # the officer typed text starting with =
    xl.run_validate(book)
    fel = book.sheet("Fel")
    assert not fel.formulas
    assert "=Projekt" in str(fel_rows(book)[1][5])


# --- entry points and the error guard ------------------------------------------------------------------


@pytest.fixture
def caller(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeBook], None]:
    def use(book: FakeBook) -> None:
        monkeypatch.setattr(xw.Book, "caller", lambda: book)

    return use


def test_entry_points_call_the_caller_book(
    tmp_path: Path, caller: Callable[[FakeBook], None]
) -> None:
    path = make_ledger(tmp_path)
    book = FakeBook.from_file(path)
    caller(book)
    xl.validate()
    assert book.has_sheet("Fel") and prompts(book) == ["Inga fel eller varningar hittades."]
    xl.rollup()
    assert book.has_sheet("Summering")
    xl.reconcile()
    assert book.has_sheet("Avstämning")
    book.sheet("Fel")  # still there
    xl.export()
    assert (tmp_path / "fordelning-2019.xlsx").exists()


def test_an_unexpected_error_becomes_a_message_box(
    tmp_path: Path, caller: Callable[[FakeBook], None]
) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    book.sheet(APPS).fail_reading = True
    caller(book)
    xl.validate()  # no exception
    alert = book.app.alerts[-1]
    assert alert["mode"] == "critical" and alert["title"] == xl.TITLE
    assert alert["prompt"].startswith("Ett oväntat fel inträffade i lumledger (RuntimeError:")
    assert "Traceback" not in alert["prompt"]


def test_a_read_error_shows_its_own_sentence(tmp_path: Path) -> None:
    book = FakeBook(tmp_path / "bok.xlsx")

    def action(_book: Any) -> None:
        raise LedgerReadError("Bladet Omgångar går inte att läsa.")

    assert xl.guarded(book, action) is None
    assert prompts(book) == ["Bladet Omgångar går inte att läsa."]


def test_guard_reraises_when_even_the_message_box_fails(tmp_path: Path) -> None:
    book = FakeBook(tmp_path / "bok.xlsx")

    def broken_alert(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("Excel svarar inte")

    book.app.alert = broken_alert  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        xl.guarded(book, lambda b: 1 / 0)


def test_guard_returns_the_result() -> None:
    assert xl.guarded(object(), lambda b: 42) == 42


# --- Summera -----------------------------------------------------------------------------------------


def test_rollup_writes_summering_with_the_rollups_figures(tmp_path: Path) -> None:
    book = FakeBook.from_file(EXAMPLE)
    result = xl.run_rollup(book)
    expected = compute_rollup(read_ledger(EXAMPLE))
    assert result == expected
    rows = book.sheet("Summering").used_range.options(ndim=2).value
    first = rows.index(["Per år och typ"] + [None] * (len(rows[0]) - 1))
    header = rows[first + 1]
    assert header[:6] == ["År", "Typ", "Ansökningar", "Förvaltningar", "Sökt", "Beviljat"]
    by_key = {(r[0], r[1]): r for r in rows[first + 2 : first + 2 + len(expected.by_year_kind)]}
    for item in expected.by_year_kind:
        row = by_key[(float(item.year), item.kind)]
        assert row[2:6] == [
            item.totals.applications,
            item.administrations,
            item.totals.applied,
            item.totals.granted,
        ]
    assert any(r[0] == "Per förvaltning" for r in rows)
    assert any(r[0] == "Fleråriga projekt (åtaganden)" for r in rows)
    assert book.active is book.sheet("Summering")
    assert "Summering" in prompts(book)[-1]
    assert not book.has_sheet("Fel")  # a valid ledger creates no Fel sheet


def test_rollup_of_an_invalid_ledger_shows_fel_instead(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    assert xl.run_rollup(book) is None
    assert not book.has_sheet("Summering")
    assert book.has_sheet("Fel") and book.active is book.sheet("Fel")
    assert book.app.alerts[-1]["mode"] == "critical"
    assert "summeringen görs inte" in prompts(book)[-1]
    assert book.sheet(APPS).colors[parse_address("K2")] == xl.ERROR_FILL


def test_rollup_refreshes_an_existing_fel(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    xl.run_validate(book)
    fixed_ledger_values(book)
    xl.run_rollup(book)
    assert fel_rows(book)[1][0] == "Inga fel eller varningar hittades."
    assert not book.sheet(APPS).colors
    assert book.active is book.sheet("Summering")


# --- Exportera bilagor -------------------------------------------------------------------------------


def _example_copy(tmp_path: Path) -> Path:
    target = tmp_path / "liggare" / "lum-exempel.xlsx"
    target.parent.mkdir()
    target.write_bytes(EXAMPLE.read_bytes())
    return target


def test_export_writes_next_to_the_workbook_for_the_start_year(tmp_path: Path) -> None:
    path = _example_copy(tmp_path)
    book = FakeBook.from_file(path)
    start = book.sheets.add("Start", before=book.sheets[0])
    start.range("C3").value = 2019
    paths = xl.run_export(book)
    names = sorted(p.name for p in paths)
    assert names == [
        "bilaga1-2019.csv",
        "bilaga2-2019.csv",
        "fordelning-2019.docx",
        "fordelning-2019.xlsx",
    ]
    assert all(p.parent == path.parent and p.exists() for p in paths)
    message = prompts(book)[-1]
    assert "2019" in message and "Start!C3" in message
    assert all(str(p) in message for p in paths)


def test_export_without_a_start_year_takes_the_latest_round(tmp_path: Path) -> None:
    path = _example_copy(tmp_path)
    book = FakeBook.from_file(path)
    paths = xl.run_export(book)
    assert {p.name for p in paths} >= {"fordelning-2021.xlsx"}
    assert "senaste året i Omgångar" in prompts(book)[-1]


def test_export_refuses_a_bad_start_year_and_an_unsaved_book(
    tmp_path: Path, caller: Callable[[FakeBook], None]
) -> None:
    book = FakeBook.from_file(_example_copy(tmp_path))
    book.sheets.add("Start").range("C3").value = "'nästa år"
    caller(book)
    xl.export()
    assert "Start!C3" in prompts(book)[-1] and "nästa år" in prompts(book)[-1]
    unsaved = FakeBook.from_file(EXAMPLE)
    unsaved.fullname = "Bok1"
    caller(unsaved)
    xl.export()
    assert "spara den först" in prompts(unsaved)[-1]
    assert not list(Path.cwd().glob("fordelning-*.xlsx"))


def test_export_of_a_year_without_applications(tmp_path: Path) -> None:
    book = FakeBook.from_file(_example_copy(tmp_path))
    book.sheets.add("Start").range("C3").value = 2030
    assert xl.run_export(book) == []
    assert "inga ansökningar för år 2030" in prompts(book)[-1]


def test_export_of_an_invalid_ledger_writes_nothing(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    assert xl.run_export(book) == []
    assert not list(tmp_path.glob("fordelning-*"))
    assert "exporten görs inte" in prompts(book)[-1]


# --- Stäm av -----------------------------------------------------------------------------------------


def test_reconcile_writes_avstamning_and_marks_cells(tmp_path: Path) -> None:
    book = FakeBook.from_file(EXAMPLE)
    result = xl.run_reconcile(book, dt.date(2023, 1, 1))
    sheet = book.sheet("Avstämning")
    rows = sheet.used_range.options(ndim=2).value
    header_row = next(i for i, r in enumerate(rows, start=1) if r[:3] == ["Cell", "Id", "Kod"])
    codes = [rows[header_row + k][2] for k in range(len(result.findings))]
    assert codes == [f.code for f in result.findings] and "LUM-R001" in codes
    r001 = header_row + 1 + codes.index("LUM-R001")
    assert sheet.links[(r001, 1)] == "#'Beslut'!C2"
    assert rows[r001 - 1][1] == "2019 Projekt"
    # Found is Beslut!C2's 23, expected the ledger's 21 (issue 13), as the sheet's note says.
    assert rows[r001 - 1][5:7] == [21, 23]
    assert any(
        isinstance(r[0], str) and "Funnet är vad som står i den angivna" in r[0] for r in rows
    )
    texts = [r[0] for r in rows]
    assert "Kontroller som inte kördes" in texts
    assert any(isinstance(t, str) and "inga utbetalningar registrerade" in t for t in texts)
    assert "Läge per ansökan" in texts
    # What is open comes first, and what the ledger does not record is said plainly.
    assert texts.index("Öppet per år") < texts.index("Läge per ansökan")
    assert any(
        isinstance(t, str) and t.startswith("Obs: inga utbetalningar registrerade för 2019")
        for t in texts
    )
    assert book.sheet("Beslut").colors[parse_address("C2")] == xl.ERROR_FILL
    assert "LUM-R001" in book.sheet("Beslut").notes[parse_address("C2")]
    assert book.active is sheet
    assert "avvikelser" in prompts(book)[-1]


def test_reconcile_and_validate_marks_do_not_clear_each_other(tmp_path: Path) -> None:
    book = FakeBook.from_file(EXAMPLE)
    xl.run_reconcile(book, dt.date(2023, 1, 1))
    beslut = book.sheet("Beslut")
    apps = book.sheet(APPS)
    apps.range("K2").value = "abc"
    xl.run_validate(book)
    assert apps.colors[parse_address("K2")] == xl.ERROR_FILL
    assert beslut.colors[parse_address("C2")] == xl.ERROR_FILL  # validation left it alone
    beslut.range("C2").value = 21  # the decision's count corrected
    xl.run_reconcile(book, dt.date(2023, 1, 1))
    assert parse_address("C2") not in beslut.colors and parse_address("C2") not in beslut.notes
    assert apps.colors[parse_address("K2")] == xl.ERROR_FILL  # reconciliation left it alone
    apps.range("K2").value = 493_000
    xl.run_validate(book)
    assert parse_address("K2") not in apps.colors


def test_one_cell_named_by_both_commands(tmp_path: Path) -> None:
    book = FakeBook.from_file(EXAMPLE)
    beslut = book.sheet("Beslut")
    xl.run_reconcile(book, dt.date(2023, 1, 1))  # R001 at Beslut!C2
    beslut.range("C2").value = -23.0
    xl.run_validate(book)  # E007 at the same cell
    note = beslut.notes[parse_address("C2")]
    assert "LUM-R001" in note and "LUM-E007" in note
    beslut.range("C2").value = 21
    xl.run_validate(book)
    note = beslut.notes[parse_address("C2")]
    assert "LUM-R001" in note and "LUM-E007" not in note
    assert beslut.colors[parse_address("C2")] == xl.ERROR_FILL
    xl.run_reconcile(book, dt.date(2023, 1, 1))
    assert parse_address("C2") not in beslut.colors and parse_address("C2") not in beslut.notes


# --- worksheet functions -----------------------------------------------------------------------------


def test_worksheet_functions_match_the_rollup_on_the_example() -> None:
    ledger = read_ledger(EXAMPLE)
    r = compute_rollup(ledger)
    for item in r.by_year_kind:
        assert xl.lum_summa(ledger, item.year, item.kind, "Sökt belopp") == item.totals.applied
        assert xl.lum_summa(ledger, float(item.year), item.kind.lower(), "beviljat belopp") == (
            item.totals.granted
        )
        assert xl.lum_antal(ledger, item.year, item.kind) == item.totals.applications
        assert xl.lum_kvar(ledger, item.year, item.kind) == item.frame_left
    assert xl.lum_summa(ledger, None, None, "Sökt belopp") == r.total.applied
    assert xl.lum_antal(ledger, "", "") == r.total.applications
    assert xl.lum_antal(ledger, 2019, None) == sum(
        y.totals.applications for y in r.by_year if y.year == 2019
    )


def test_worksheet_functions_equal_lumledger_rollup_json() -> None:
    """The done-when of issue 5: the functions give the figures ``lumledger rollup`` prints."""
    import json

    from click.testing import CliRunner

    from lumledger.cli import main

    result = CliRunner().invoke(main, ["rollup", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    rollup = json.loads(result.output)["rollup"]
    book = FakeBook.from_file(EXAMPLE)
    here = FakeCaller(book.sheet("Start") if book.has_sheet("Start") else book.sheet(APPS))
    assert rollup["per_year_and_type"]
    for item in rollup["per_year_and_type"]:
        year, kind = float(item["year"]), item["type"]  # Excel passes numbers as floats
        assert xl.LUM_SUMMA(year, kind, "Sökt belopp", here) == item["applied"]
        assert xl.LUM_SUMMA(year, kind, "Beviljat belopp", here) == item["granted"]
        assert xl.LUM_ANTAL(year, kind, here) == item["applications"]
        assert xl.LUM_KVAR(year, kind, here) == item["frame_left"]
    assert xl.LUM_SUMMA(None, None, "Beviljat belopp", here) == rollup["total"]["granted"]
    assert xl.LUM_ANTAL(None, None, here) == rollup["total"]["applications"]


def test_worksheet_functions_through_the_caller_book() -> None:
    book = FakeBook.from_file(EXAMPLE)
    here = FakeCaller(book.sheet("Omgångar"))
    r = compute_rollup(read_ledger(EXAMPLE))
    p2019 = next(i for i in r.by_year_kind if i.year == 2019 and i.kind == "Projekt")
    assert (
        xl.LUM_SUMMA(2019.0, "Projekt", "Beviljat belopp", here)
        == p2019.totals.granted
        == 3_175_000
    )
    assert xl.LUM_ANTAL(2019.0, "Projekt", here) == 21
    assert xl.LUM_KVAR(2019.0, "Projekt", here) is None  # the example states no frames
    # An unsaved edit counts at once.
    apps = book.sheet(APPS)
    row = next(r for (r, c), v in apps.values.items() if c == 1 and v == "2019-P02")
    old = apps.values[(row, 13)]
    apps.range((row, 13)).value = old + 1000
    assert xl.LUM_SUMMA(2019.0, "Projekt", "Beviljat belopp", here) == 3_176_000


def test_lum_kvar_with_frames(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    here = FakeCaller(book.sheet(APPS))
    assert xl.LUM_KVAR(2019.0, "Projekt", here) == 1_000_000 - 200_000
    assert xl.LUM_KVAR(2019.0, "Studiebesök", here) == 100_000 - 25_000
    assert xl.LUM_KVAR(None, "Projekt", here) == "#LUM: året saknas"


def test_worksheet_function_argument_errors_are_readable_text() -> None:
    book = FakeBook.from_file(EXAMPLE)
    here = FakeCaller(book.sheet(APPS))
    assert xl.LUM_SUMMA(2019.0, "Projekt", "Namn", here).startswith("#LUM: fältet ”Namn”")
    assert xl.LUM_ANTAL(2019.0, "Resa", here).startswith("#LUM: typen ”Resa” finns inte")
    assert xl.LUM_ANTAL("nästa år", "Projekt", here).startswith(
        "#LUM: ”nästa år” är inte ett årtal"
    )
    assert xl.LUM_ANTAL(True, "Projekt", here).startswith("#LUM:")


def test_worksheet_functions_reuse_the_parse_while_the_cells_are_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = FakeBook.from_file(EXAMPLE)
    calls: list[str] = []
    real = load_ledger

    def counting(source: Any) -> Any:
        calls.append(source.name)
        return real(source)

    monkeypatch.setattr(xl, "load_ledger", counting)
    xl._LEDGER_CACHE.clear()
    first = xl.ledger_of_book(book)
    assert xl.ledger_of_book(book) is first and len(calls) == 1
    book.sheet(APPS).range("K2").value = 1.0
    assert xl.ledger_of_book(book) is not first and len(calls) == 2


def test_worksheet_functions_keep_the_parse_of_a_few_books_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []
    real = load_ledger

    def counting(source: Any) -> Any:
        calls.append(source.name)
        return real(source)

    monkeypatch.setattr(xl, "load_ledger", counting)
    xl._LEDGER_CACHE.clear()
    books = []
    for number in range(xl._LEDGER_CACHE.size + 1):
        book = FakeBook.from_file(EXAMPLE)
        book.fullname = str(tmp_path / f"bok{number}.xlsx")
        books.append(book)
        xl.ledger_of_book(book)
    assert len(xl._LEDGER_CACHE) == xl._LEDGER_CACHE.size
    xl.ledger_of_book(books[-1])  # still remembered
    assert len(calls) == len(books)
    xl.ledger_of_book(books[0])  # the least recently used was let go
    assert len(calls) == len(books) + 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 457 956,00 kr", 1457956),
        ("493 000", 493000),
        ("4 104,50", 4104.5),
        ("-25 000", -25000),
        (493000.0, 493000),
        (12.5, 12.5),
        (None, None),
        ("  ", None),
    ],
)
def test_lum_belopp(text: Any, value: Any) -> None:
    assert xl.LUM_BELOPP(text) == value
    assert type(xl.LUM_BELOPP(text)) is type(value)


def test_lum_belopp_rejects_other_text() -> None:
    assert xl.LUM_BELOPP("1.000") == "#LUM: ”1.000” är inte ett belopp"
    assert xl.LUM_BELOPP(True).startswith("#LUM:")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Plusgiro 5 55 13-6", True),
        ("Bankgiro 5050-1055", True),
        ("Bankgiro 123-4567", False),
        ("", False),
        (None, False),
        (5551361.0, False),
    ],
)
def test_lum_giro_ok(text: Any, ok: bool) -> None:
    assert xl.LUM_GIRO_OK(text) is ok


@pytest.mark.parametrize(
    "name", ["LUM_SUMMA", "LUM_ANTAL", "LUM_KVAR", "LUM_BELOPP", "LUM_GIRO_OK"]
)
def test_worksheet_function_signatures_suit_xlwings(name: str) -> None:
    """On Windows xlwings turns type hints into converters; only ``Any`` passes values through
    (a union like ``int | str`` has no converter). Names must be ASCII (VBA identifiers)."""
    import inspect
    import typing

    function = getattr(xl, name)
    hints = typing.get_type_hints(function)
    assert set(hints.values()) == {typing.Any}
    params = list(inspect.signature(function).parameters)
    assert all(p.isascii() for p in params)
    assert ("caller" in params) == (name in ("LUM_SUMMA", "LUM_ANTAL", "LUM_KVAR"))
    assert function.__doc__


def test_only_xl_imports_xlwings() -> None:
    root = Path(xl.__file__).parent.parent
    importers = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"^\s*(import|from) xlwings", p.read_text(), re.M)
    )
    assert all(name.startswith("xl/") for name in importers), importers


# --- the budget cycle: Ny omgång, Besluta, Stäng år ----------------------------------------------------


def test_new_round_asks_then_writes_through_excel(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    book = FakeBook.from_file(path)
    plan = xl.run_new_round(book)
    assert plan is not None and plan.year == 2020
    question = book.app.alerts[0]
    assert question["buttons"] == "ok_cancel"
    assert "Ny omgång 2020 (året efter den senaste omgången" in question["prompt"]
    assert "Ctrl+Z" in question["prompt"]
    rounds = book.sheet(ledger_format.ROUNDS)
    assert rounds.value("A3") == 2020.0 and rounds.value("K3") == "Öppen"
    assert rounds.value("B3") == dt.datetime(2019, 8, 1)
    live = xl.read_book(book)
    assert xl.validate_ledger(live).valid
    assert "skrevs" in prompts(book)[-1] and "Spara arbetsboken" in prompts(book)[-1]
    assert read_ledger(path).frame(ledger_format.ROUNDS).shape[0] == 1  # the file is not touched
    # The round only: BR-BOENDE (2019-P01, year 1) is listed on Summering, not entered.
    assert live.applications_of(2020) == []
    summering = book.sheet("Summering")
    rows = summering.used_range.options(ndim=2).value
    assert rows[0][0] == "Ny omgång 2020" and book.active is summering
    header = next(i for i, r in enumerate(rows) if r[0] == "Projekt")
    assert rows[header + 1][:6] == [
        "BR-BOENDE",
        "Den ständiga boendefrågan",
        "Bromma",
        "2019-P01",
        2,
        200_000,
    ]


def test_new_round_for_an_existing_year_is_refused(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    book.sheets.add("Start").range("C3").value = 2019
    assert xl.run_new_round(book) is None
    assert len(book.app.alerts) == 1 and book.app.alerts[0]["mode"] == "critical"
    assert "Omgången 2019 finns redan" in prompts(book)[0]
    assert book.sheet(ledger_format.ROUNDS).value("A3") is None


def test_cancel_writes_nothing(tmp_path: Path, caller: Callable[[FakeBook], None]) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    before = dict(book.sheet(ledger_format.ROUNDS).values), dict(book.sheet(APPS).values)
    book.app.answer = "cancel"
    caller(book)
    xl.new_round()
    assert prompts(book)[-1] == "Inget ändrades."
    assert (dict(book.sheet(ledger_format.ROUNDS).values), dict(book.sheet(APPS).values)) == before


def test_decide_freezes_the_granted_amounts(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    rounds = book.sheet(ledger_format.ROUNDS)
    rounds.range("K2").value = "Bedömning"  # live edit: the round is not decided yet
    plan = xl.run_decide(book)
    assert plan is not None and plan.year == 2019
    assert "den senaste ej beslutade omgången" in book.app.alerts[0]["prompt"]
    assert rounds.value("K2") == "Beslutad"
    assert rounds.value("I2") == dt.datetime(2018, 12, 18)  # the date already in Omgångar
    apps = book.sheet(APPS)
    frozen = col_letters(
        [c.name for c in ledger_format.COLUMNS[APPS]].index("Beviljat vid beslut") + 1
    )
    assert [apps.value(f"{frozen}{r}") for r in (2, 3, 4)] == [200_000.0, 0.0, 25_000.0]
    assert xl.validate_ledger(xl.read_book(book)).valid


def test_close_a_reconciled_year(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path, change=settled_rows))
    plan = xl.run_close(book, as_of=dt.date(2020, 3, 1))
    assert plan is not None and plan.year == 2019
    assert book.sheet(ledger_format.ROUNDS).value("K2") == "Stängd"


def test_close_refuses_a_year_with_nothing_paid(tmp_path: Path) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    assert xl.run_close(book, as_of=dt.date(2020, 1, 1)) is None
    assert "2019 kan inte stängas" in prompts(book)[-1]
    assert "att betala ut 200 000 kr" in prompts(book)[-1]
    assert book.sheet(ledger_format.ROUNDS).value("K2") == "Beslutad"


def test_close_with_open_items_is_refused_and_names_them(tmp_path: Path) -> None:
    book = FakeBook.from_file(EXAMPLE)
    book.sheets.add("Start").range("C3").value = "2019"
    before = dict(book.sheet(ledger_format.ROUNDS).values)
    assert xl.run_close(book, as_of=dt.date(2023, 1, 1)) is None
    message = prompts(book)[-1]
    assert message.startswith(
        "Stäng år 2019 (året i Start!C3): 2019 kan inte stängas: 26 ansökningar har något öppet"
    )
    assert "LUM-R001" in message
    assert dict(book.sheet(ledger_format.ROUNDS).values) == before


def test_a_cycle_step_on_an_invalid_ledger_shows_fel(tmp_path: Path) -> None:
    book = FakeBook.from_file(broken_ledger(tmp_path))
    assert xl.run_new_round(book) is None
    assert book.has_sheet("Fel") and book.active is book.sheet("Fel")
    assert "rätta dem" in prompts(book)[-1]
    assert book.sheet(APPS).colors[parse_address("K2")] == xl.ERROR_FILL


def test_cycle_entry_points_run_through_the_guard(
    tmp_path: Path, caller: Callable[[FakeBook], None]
) -> None:
    book = FakeBook.from_file(make_ledger(tmp_path))
    book.sheets.add("Start").range("C3").value = "'nästa år"
    caller(book)
    for entry in (xl.new_round, xl.decide, xl.close):
        entry()
        assert "Start!C3 ska innehålla ett årtal" in prompts(book)[-1]


def test_apply_writes_checks_every_sheet_first(tmp_path: Path) -> None:
    from lumledger.findings import LedgerWriteError
    from lumledger.workbook.safewrite import CellWrite

    book = FakeBook.from_file(make_ledger(tmp_path))
    writes = [CellWrite(ledger_format.ROUNDS, "A3", 2020), CellWrite("Borta", "A1", "x")]
    with pytest.raises(LedgerWriteError):
        xl.apply_writes(book, writes)
    assert book.sheet(ledger_format.ROUNDS).value("A3") is None
    assert xl.apply_writes(book, [CellWrite("omgångar", "A3", 2020)]) == 1
    assert book.sheet(ledger_format.ROUNDS).value("A3") == 2020.0
