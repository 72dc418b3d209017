"""Reading a ledger: sheets of cell values with their addresses, parsed into typed frames.

Two layers:

* a :class:`CellSource` gives "sheets of cell values with their addresses" — from a file
  (:class:`FileSource`: python-calamine, after :mod:`lumledger.workbook.package` has checked the file) or
  from a live Excel book (``lumledger.xl`` adapts xlwings to the same interface);
* :func:`load_ledger` turns those cells into a :class:`Ledger`: one pandas frame per sheet with
  the format's column names, indexed by the Excel row number, every value parsed and coerced
  (Swedish amounts typed as text, ISO date text, surrounding spaces, headers in any case). What
  cannot be parsed becomes one finding at its cell (``LUM-E003``/``E013``/``W001``/``W002``) and
  an empty value, so the schemas never see a bad cell twice.

Frames hold: ``Int64`` for years, counts and whole kronor; ``Decimal`` objects for kronor with
öre; ``datetime64`` for dates; text as pandas strings (missing text is NA: test with
``isinstance(value, str)`` or ``pd.isna``). Never floats for money.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lumledger import ledger_format, progress
from lumledger.findings import Finding, LedgerReadError, finding
from lumledger.ledger import Ledger, Sheet, empty_series
from lumledger.ledger_format import Kind
from lumledger.money import (
    AmountError,
    decimal_from_number,
    format_kr,
    has_at_most_two_decimals,
    is_whole,
    parse_amount_text,
    parse_date_text,
)
from lumledger.workbook.habits import SheetHabits
from lumledger.workbook.native import NativePanic, native_panics_caught
from lumledger.workbook.package import (
    FORMULA_WITHOUT_VALUE,
    Package,
    calamine_source,
    column_letters,
    open_package,
)

if TYPE_CHECKING:
    pass

MAX_ABS_AMOUNT = Decimal(10) ** 15  # beyond any budget; also keeps Int64 safe


# --- cells -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class SheetCells:
    """One sheet's cell values. ``rows[i][j]`` is the cell at Excel row ``first_row + i``, column
    ``first_col + j``. Empty cells are ``None`` or ``""``. ``special`` marks cells whose value
    the reader could not see: an Excel error (``"#N/A"`` …) or a formula without cached value."""

    title: str
    rows: Sequence[Sequence[Any]]
    first_row: int = 1
    first_col: int = 1
    special: dict[tuple[int, int], str] = field(default_factory=dict)
    # What the package layer saw in the sheet's XML (a file only): merged ranges, hidden rows,
    # the AutoFilter; and whether the sheet itself is hidden ("hidden", "veryHidden").
    habits: SheetHabits | None = None
    state: str = "visible"


class CellSource(Protocol):
    """Sheets of cell values with their addresses: a file, or a live workbook in Excel."""

    @property
    def name(self) -> str: ...

    def sheet_titles(self) -> list[str]: ...

    def read_sheet(self, title: str) -> SheetCells: ...


class FileSource:
    """A ``.xlsx``/``.xlsm`` file on disk, read read-only with python-calamine.

    python-calamine parses a sheet without holding the GIL, so the workbook is opened and its
    sheets are parsed on one worker thread (:meth:`read_sheets`) while the calling thread checks
    the next large part or parses the previous sheet into columns. Every python-calamine call runs
    on that one thread, one at a time, and only on parts :mod:`lumledger.workbook.package` has checked.
    """

    def __init__(
        self, path: str | Path, *, refuse_when_open: bool = True, package: Package | None = None
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.path = Path(path)
        # ``package``: the file's check, already done (the columnar reader's fallback).
        self.package: Package = package or open_package(
            self.path, refuse_when_open=refuse_when_open
        )
        self._sizes: dict[str, int] | None = None
        # Opening parses the shared strings: on the worker, while this thread checks large parts.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lumledger-calamine")
        self._book_opened = self._worker.submit(self._open_book)

    def _open_book(self) -> Any:
        from python_calamine import CalamineWorkbook

        try:
            with native_panics_caught():
                # A book with Excel 4.0 macro sheets: a copy without them (calamine refuses them).
                copy = calamine_source(self.package)
                if copy is not None:
                    return CalamineWorkbook.from_filelike(copy)
                return CalamineWorkbook.from_path(str(self.path))
        except Exception:  # calamine raises its own error types for broken files
            raise LedgerReadError(
                f"Filen {self.path.name} går inte att läsa som Excel-arbetsbok; "
                "öppna den i Excel och spara den på nytt."
            ) from None

    @property
    def _book(self) -> Any:
        return self._book_opened.result()

    def close(self) -> None:
        """Let the worker thread go (pending reads are dropped; a running one is waited for)."""
        self._worker.shutdown(wait=True, cancel_futures=True)

    @property
    def name(self) -> str:
        return self.path.name

    def sheet_titles(self) -> list[str]:
        # While the worker opens the book, check the large parts of the sheets to be read.
        wanted = {_key(sheet) for sheet in ledger_format.INPUT_SHEETS}
        to_read = [part for title, part in self.package.sheets.items() if _key(title) in wanted]
        self.package.check_pending(to_read)
        return list(self._book.sheet_names)

    def sheet_size(self, title: str) -> int:
        """The size of the sheet's XML in bytes (as the zip declares it), 0 when unknown."""
        if self._sizes is None:
            try:
                with zipfile.ZipFile(self.path) as archive:
                    self._sizes = {i.filename: i.file_size for i in archive.infolist()}
            except (OSError, zipfile.BadZipFile):
                self._sizes = {}
        return self._sizes.get(self.package.sheets.get(title, ""), 0)

    def read_sheet(self, title: str) -> SheetCells:
        return self._worker.submit(self._check_and_read, title).result()

    def read_sheets(self, titles: Sequence[str]) -> Iterator[Callable[[], SheetCells]]:
        """Read ``titles`` ahead on the worker, largest first; yield, in the order given, a call
        that returns the sheet's cells or raises its :class:`LedgerReadError` (so the caller
        meets errors in the order it asked for the sheets, as if read one by one)."""
        from concurrent.futures import Future

        reads: dict[str, Future[SheetCells]] = {
            title: self._worker.submit(self._check_and_read, title)
            for title in sorted(titles, key=lambda t: -self.sheet_size(t))
        }
        try:
            for title in titles:
                yield reads[title].result
        finally:
            for pending in reads.values():
                pending.cancel()

    def _check_and_read(self, title: str) -> SheetCells:
        # The check comes first: calamine allocates the sheet's whole used area.
        self.package.check_sheet(title)
        return self._read_checked(title)

    def _read_checked(self, title: str) -> SheetCells:
        """Read a sheet :meth:`check_sheet` has passed (on the worker thread)."""
        book = self._book
        try:
            with native_panics_caught():  # a Rust panic is a BaseException
                sheet = book.get_sheet_by_name(title)
                rows = sheet.to_python(skip_empty_area=True)
                start = sheet.start
        except (NativePanic, OverflowError):  # a date or time far outside Excel's range
            raise LedgerReadError(
                f"Bladet {title} i {self.path.name} går inte att läsa: ett tal som är formaterat "
                "som datum eller tid ligger långt utanför Excels datumintervall (Excel visar "
                "#####); ge cellen formatet Tal eller rätta värdet."
            ) from None
        except Exception:
            raise LedgerReadError(
                f"Bladet {title} i {self.path.name} går inte att läsa; "
                "öppna filen i Excel och spara den på nytt."
            ) from None
        first_row, first_col = (start[0] + 1, start[1] + 1) if start else (1, 1)
        return SheetCells(
            title=title,
            rows=rows,
            first_row=first_row,
            first_col=first_col,
            special=self.package.special_cells(title),
            habits=self.package.sheet_habits(title),
            state=self.package.hidden_sheets.get(title, "visible"),
        )


# --- the ledger ------------------------------------------------------------------------------------


def read_ledger(path: str | Path, *, refuse_when_open: bool = True) -> Ledger:
    """Open ``path`` read-only and parse it. Raises :class:`LedgerReadError` (exit 2).

    The columnar path (:mod:`lumledger.workbook.columnar`: fastexcel's Arrow columns) reads the
    file; a sheet it cannot vouch for is read by the cell-by-cell path below
    (:func:`read_ledger_by_cells`), with the same result.
    """
    from lumledger.workbook.columnar import read_columnar

    return read_columnar(path, refuse_when_open=refuse_when_open)[0]


def read_ledger_by_cells(path: str | Path, *, refuse_when_open: bool = True) -> Ledger:
    """:func:`read_ledger` the old way: python-calamine's cells, parsed sheet by sheet (the
    columnar reader's fallback, and the reference ``tools/compare_readers.py`` compares with)."""
    progress.report("Kontrollerar filen", 0.0)
    with progress.part(0.0, 0.15):  # the package check inflates every part once
        source = FileSource(path, refuse_when_open=refuse_when_open)
    try:
        with progress.part(0.15, 1.0):
            return load_ledger(source)
    finally:
        source.close()


def load_ledger(source: CellSource) -> Ledger:
    """Every input sheet of ``source``, parsed; structure and parsing findings on the ledger."""
    return _load_ledger(source)


def _load_ledger(source: CellSource) -> Ledger:
    titles = source.sheet_titles()
    by_key: dict[str, str] = {}
    for present in titles:
        by_key.setdefault(_key(present), present)
    tables: dict[str, Sheet] = {}
    findings: list[Finding] = []
    missing: list[str] = []
    # Progress: each sheet's share of the reading is its share of the workbook's XML.
    sizes = {
        sheet: _sheet_size(source, by_key[_key(sheet)])
        for sheet in ledger_format.INPUT_SHEETS
        if _key(sheet) in by_key
    }
    total, done = sum(sizes.values()) or 1, 0
    to_read = [by_key[key] for key in map(_key, ledger_format.INPUT_SHEETS) if key in by_key]
    reads = _read_sheets(source, to_read)
    try:
        for sheet in ledger_format.INPUT_SHEETS:
            title = by_key.get(_key(sheet))
            if title is None:
                if sheet in ledger_format.REQUIRED_SHEETS:
                    missing.append(sheet)
                    findings.append(
                        finding(
                            "LUM-E001",
                            sheet,
                            None,
                            None,
                            f"Bladet {sheet} saknas i arbetsboken"
                            + _closest_hint(
                                [t for t in titles if _key(t) not in _OUTPUT_KEYS], sheet
                            ),
                            expected=sheet,
                            found=None,
                        )
                    )
                continue
            with progress.part(done / total, (done + sizes[sheet]) / total):
                progress.report(f"Läser {sheet}", 0.0)
                cells = next(reads)()
                progress.report(f"Tolkar {sheet}", _READ_SHARE)
                table, sheet_findings = _load_table(sheet, cells)
                del cells
            done += sizes[sheet]
            tables[sheet] = table
            findings.extend(sheet_findings)
    finally:
        reads.close()
    return Ledger(name=source.name, sheets=tables, findings=findings, missing_sheets=missing)


_OUTPUT_KEYS = {title.casefold() for title in ledger_format.OUTPUT_SHEETS}
_READ_SHARE = 0.7  # of a sheet's reading time, python-calamine's; the rest is parsing


def _read_sheets(source: CellSource, titles: list[str]) -> Generator[Callable[[], SheetCells]]:
    """Calls that return each sheet's cells, in order: read ahead when the source can."""
    if isinstance(source, FileSource):
        yield from source.read_sheets(titles)
        return
    for title in titles:
        yield functools.partial(source.read_sheet, title)


def _sheet_size(source: CellSource, title: str) -> int:
    """A sheet's weight for progress: its XML size when the source knows it, else 1."""
    size = getattr(source, "sheet_size", None)
    return max(int(size(title)), 1) if callable(size) else 1


def _key(text: object) -> str:
    return str(text).strip().casefold()


def _closest_hint(candidates: list[str], wanted: str) -> str:
    close = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
    return f" (närmast liknande: ”{close[0]}”)" if close else ""


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _load_table(sheet: str, cells: SheetCells) -> tuple[Sheet, list[Finding]]:
    import numpy as np

    findings: list[Finding] = habit_findings(sheet, cells)
    spec = ledger_format.COLUMNS[sheet]
    spec_by_key = {_key(col.name): col for col in spec}
    rows = cells.rows
    header: Sequence[Any] = rows[0] if rows and cells.first_row == 1 else ()
    data_rows = rows[1:] if cells.first_row == 1 else rows
    first_data_row = 2 if cells.first_row == 1 else cells.first_row

    positions: dict[str, int] = {}  # column name -> index within the row lists
    letters: dict[str, str] = {}
    extra: dict[str, str] = {}
    header_texts: list[str] = []
    for j, raw in enumerate(header):
        if _is_empty(raw):
            continue
        text = str(raw).strip()
        header_texts.append(text)
        letter = column_letters(cells.first_col + j)
        col = spec_by_key.get(_key(text))
        if col is not None and col.name not in positions:
            positions[col.name] = j
            letters[col.name] = letter
            continue
        extra[text] = letter
        reason = "finns redan tidigare i bladet" if col is not None else "ingår inte i formatet"
        findings.append(
            finding(
                "LUM-W003",
                sheet,
                f"{letter}1",
                1,
                f"Kolumnen ”{text}” {reason} och ignoreras",
                found=text,
            )
        )
    for col in spec:
        if col.required and col.name not in positions:
            close = difflib.get_close_matches(
                col.name, [t for t in header_texts if _key(t) not in spec_by_key], n=1, cutoff=0.5
            )
            hint = f" (närmast liknande rubrik: ”{close[0]}”)" if close else ""
            # Point at the look-alike header when there is one: that is the cell to correct.
            near = f"{extra[close[0]]}1" if close and close[0] in extra else None
            findings.append(
                finding(
                    "LUM-E002",
                    sheet,
                    near,
                    1,
                    f"Den obligatoriska kolumnen ”{col.name}” saknas i bladet {sheet}{hint}",
                    expected=col.name,
                    found=close[0] if close else None,
                )
            )

    n = len(data_rows)
    row_numbers = np.arange(first_data_row, first_data_row + n, dtype=np.int64)
    # Each column classified once (types, trimmed text, empty cells), as numpy object arrays.
    raw = _raw_columns(data_rows)
    # The rows are consumed: let their lists go before parsing (a large sheet's are ~200 MB).
    cells.rows = ()
    del rows, data_rows

    # Which rows are empty (every cell empty), counting special cells as content.
    nonempty = np.zeros(n, dtype=bool)
    for column in raw:
        nonempty |= ~column.blank
    for r, _c in cells.special:
        i = r - first_data_row
        if 0 <= i < n:
            nonempty[i] = True
    findings.extend(
        _drop_totals_rows(
            sheet, raw, nonempty, first_data_row, cells.first_col, positions.get(spec[0].name)
        )
    )
    keep = np.flatnonzero(nonempty)
    kept_rows = row_numbers[keep]

    import pandas as pd

    index = pd.Index(kept_rows, name="row")
    frame_columns: dict[str, Any] = {}
    invalid: set[tuple[int, str]] = set()
    for number, col in enumerate(spec):
        progress.report(f"Tolkar {sheet}", _READ_SHARE + (1 - _READ_SHARE) * number / len(spec))
        position = positions.get(col.name)
        if position is None or position >= len(raw):
            frame_columns[col.name] = empty_series(col.kind, len(keep))
            continue
        selected = raw[position] if len(keep) == n else raw[position].take(keep)
        special = {
            r: marker for (r, c), marker in cells.special.items() if c == cells.first_col + position
        }
        series, col_findings, bad_rows = _parse_column(
            sheet, col, letters[col.name], selected, kept_rows, special
        )
        if col.kind is Kind.TEXT and _has_values(series):
            # Text as pandas' ``str`` dtype, as the frame would infer it, minus the inference.
            series = pd.array(series, dtype="str")
        frame_columns[col.name] = series
        findings.extend(col_findings)
        invalid.update((r, col.name) for r in bad_rows)
    frame = pd.DataFrame(frame_columns, index=index)
    table = Sheet(
        name=sheet,
        title=cells.title,
        frame=frame,
        letters=letters,
        invalid=invalid,
        extra_columns=extra,
    )
    return table, findings


@dataclass(slots=True)
class _RawColumn:
    """One column of cell values, classified once with whole-array operations.

    ``values``: the cells as a numpy object array; ``types``: the type of each cell as a small
    integer, the code of ``type(value)`` in ``kinds`` (so a parser selects e.g. every ``float``
    cell at once); ``text``: ``value.strip()`` where the value is a ``str``, else the value;
    ``blank``: the cell is empty (``None``, or text of spaces only).
    Only the cells that need it (a number typed as text, a date typed as text …) are then
    looked at one by one: no per-cell Python loop on the common path of a large ledger.
    """

    values: Any
    types: Any
    kinds: dict[type, int]
    text: Any
    blank: Any

    @classmethod
    def of(cls, values: Any, types: Any, kinds: dict[type, int]) -> _RawColumn:
        """Classify one column: ``values`` (object array) and ``types`` (codes in ``kinds``)."""
        import numpy as np

        is_str = types == kinds.get(str, -1)
        is_none = types == kinds.get(type(None), -1)
        text = values
        blank = is_none.copy()
        strings = np.flatnonzero(is_str)
        if strings.size:
            text = values.copy()
            stripped = np.fromiter(
                map(str.strip, values[strings]), dtype=object, count=strings.size
            )
            text[strings] = stripped
            blank[strings] = stripped == ""
        unusual = [code for kind, code in kinds.items() if kind not in _PLAIN_TYPE_SET]
        for i in np.flatnonzero(np.isin(types, unusual)) if unusual else ():
            blank[i] = bool(values[i] == "")  # an unusual cell type (a live book's): empty if == ""
        return cls(values, types, kinds, text, blank)

    def __len__(self) -> int:
        return len(self.values)

    def take(self, positions: Any) -> _RawColumn:
        return _RawColumn(
            self.values[positions],
            self.types[positions],
            self.kinds,
            self.text[positions],
            self.blank[positions],
        )

    def of_type(self, kind: type) -> Any:
        """Boolean mask of the cells whose value is exactly of type ``kind``."""
        return self.types == self.kinds.get(kind, -1)


def _raw_columns(rows: Sequence[Sequence[Any]]) -> list[_RawColumn]:
    """The columns of ``rows`` (a sheet's data rows), each classified by :meth:`_RawColumn.of`.

    The rows become one two-dimensional object array in a single pass (calamine's rows are
    rectangular); ragged rows (a live book's) are padded with ``None`` cell by cell.
    """
    import itertools

    import numpy as np

    n = len(rows)
    widths = set(map(len, rows))
    width = max(widths, default=0)
    if len(widths) == 1:
        cells = itertools.chain.from_iterable(rows)
        grid: Any = np.fromiter(cells, dtype=object, count=n * width).reshape(n, width)
    else:
        grid = np.empty((n, width), dtype=object)  # filled with None
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                grid[i, j] = value
    # Each cell's type as a small integer, numbered in order of appearance: one pass.
    kinds = _TypeCodes()
    types = map(kinds.__getitem__, map(type, grid.ravel()))
    codes = np.fromiter(types, dtype=np.int16, count=grid.size).reshape(grid.shape)
    return [_RawColumn.of(grid[:, j], codes[:, j], kinds) for j in range(grid.shape[1])]


class _TypeCodes(dict[type, int]):
    """``type -> small integer``, a new number for each type the first time it is looked up."""

    def __missing__(self, kind: type) -> int:
        code = self[kind] = len(self)
        return code


# Cell types that are text, empty, or never equal "" (so are never blank).
_PLAIN_TYPE_SET: frozenset[type] = frozenset(
    (str, type(None), float, int, bool, dt.date, dt.datetime, dt.time, dt.timedelta)
)


def _has_values(values: Any) -> bool:
    """Whether an object array holds anything but ``None`` (stops at the first value)."""
    return any(value is not None for value in values)


# --- parsing one column ----------------------------------------------------------------------------

_KIND_NOUN = {
    Kind.YEAR: "ett årtal",
    Kind.INTEGER: "ett heltal",
    Kind.WHOLE_KR: "ett belopp i hela kronor",
    Kind.KR: "ett belopp i kronor",
    Kind.DATE: "ett datum",
}


def _show(value: Any) -> str:
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return f"”{text}”"


class _Collector:
    """Gathers one column's findings and invalid rows."""

    def __init__(self, sheet: str, column: ledger_format.Column, letter: str) -> None:
        self.sheet = sheet
        self.column = column
        self.letter = letter
        self.findings: list[Finding] = []
        self.bad_rows: list[int] = []

    def add(
        self, code: str, row: int, message: str, *, expected: Any = None, found: Any = None
    ) -> None:
        self.findings.append(
            finding(
                code,
                self.sheet,
                f"{self.letter}{row}",
                row,
                message,
                expected=expected,
                found=found,
            )
        )
        if code.startswith("LUM-E"):
            self.bad_rows.append(row)

    def wrong_type(self, row: int, value: Any, extra: str = "") -> None:
        noun = _KIND_NOUN.get(self.column.kind, "ett giltigt värde")
        self.add(
            "LUM-E003",
            row,
            f"{self.column.name}: {_show(value)} är inte {noun}{extra}",
            expected=noun,
            found=str(value),
        )

    def special(self, row: int, marker: str) -> None:
        if marker == FORMULA_WITHOUT_VALUE:
            message = (
                f"{self.column.name}: formeln saknar sparat värde; öppna filen i Excel och spara "
                "den först"
            )
            found = "formel utan värde"
        else:
            message = f"{self.column.name}: cellen innehåller Excel-felet {marker}"
            found = marker
        self.add(
            "LUM-E003",
            row,
            message,
            expected=_KIND_NOUN.get(self.column.kind, "ett värde"),
            found=found,
        )


def _parse_column(
    sheet: str,
    column: ledger_format.Column,
    letter: str,
    values: _RawColumn,
    rows: Any,
    special: dict[int, str],
) -> tuple[Any, list[Finding], list[int]]:
    collector = _Collector(sheet, column, letter)
    parser = _PARSERS[column.kind]
    series = parser(values, rows, special, collector)
    return series, collector.findings, collector.bad_rows


def _parse_text(raw: _RawColumn, rows: Any, special: dict[int, str], out: _Collector) -> Any:
    import numpy as np

    result = np.full(len(raw), None, dtype=object)
    is_str = raw.of_type(str)
    result[is_str] = raw.text[is_str]
    result[is_str & raw.blank] = None
    for i in np.flatnonzero(~is_str & ~raw.of_type(type(None))):
        result[i] = _text_of(raw.values[i])
    for pos in _special_positions(rows, special, out):
        result[pos] = None
    return result


def _text_of(v: Any) -> str | None:
    """A non-text cell (number, truth value, date …) in a text column, as text."""
    t = type(v)
    if t is float:
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if t is bool:
        return "SANT" if v else "FALSKT"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip() or None


def _special_positions(rows: Any, special: dict[int, str], out: _Collector) -> list[int]:
    """Report each special cell (error, formula without value) once; their positions in ``rows``."""
    positions: list[int] = []
    for row, marker in special.items():
        pos = _position(rows, row)
        if pos is not None:
            out.special(row, marker)
            positions.append(pos)
    return positions


def _position(rows: Any, row: int) -> int | None:
    import numpy as np

    i = int(np.searchsorted(rows, row))
    if i < len(rows) and rows[i] == row:
        return i
    return None


def _to_decimal(value: Any, row: int, out: _Collector) -> Decimal | None:
    """One cell of a numeric column as an exact Decimal, or None (empty or reported)."""
    t = type(value)
    if value is None or (t is str and not value.strip()):
        return None
    if t is float or t is int:
        try:
            return decimal_from_number(value)
        except AmountError:
            out.wrong_type(row, value)
            return None
    if t is str:
        try:
            parsed = parse_amount_text(value)
        except AmountError:
            out.wrong_type(row, value.strip())
            return None
        shown = format_kr(parsed) if out.column.kind in (Kind.WHOLE_KR, Kind.KR) else str(parsed)
        unit = " kr" if out.column.kind in (Kind.WHOLE_KR, Kind.KR) else ""
        out.add(
            "LUM-W001",
            row,
            f"{out.column.name}: talet {_show(value.strip())} är lagrat som text (tolkat som {shown}{unit})",
            expected="tal",
            found=value.strip(),
        )
        return parsed
    out.wrong_type(row, value)
    return None


def _parse_integers(raw: _RawColumn, rows: Any, special: dict[int, str], out: _Collector) -> Any:
    """Years, counts and whole kronor -> Int64, vectorised for the common all-number column."""
    import numpy as np
    import pandas as pd

    values = raw.values
    n = len(values)
    kind = out.column.kind
    data = np.zeros(n, dtype=np.int64)
    mask = np.ones(n, dtype=bool)  # True = missing
    is_float = raw.of_type(float)
    if is_float.any():
        floats = values[is_float].astype(np.float64)
        ok = (
            np.isfinite(floats)
            & (np.abs(floats) < float(MAX_ABS_AMOUNT))
            & (floats == np.floor(floats))
        )
        idx = np.flatnonzero(is_float)
        data[idx[ok]] = floats[ok].astype(np.int64)
        mask[idx[ok]] = False
        for i in idx[~ok]:
            _integer_problem(
                decimal_from_number(values[i]) if np.isfinite(values[i]) else None,
                values[i],
                int(rows[i]),
                out,
            )
    for i in np.flatnonzero(~is_float & ~raw.blank):  # text, integers, dates …: one by one
        v = values[i]
        row = int(rows[i])
        dec = _to_decimal(v, row, out)
        if dec is None:
            continue
        if abs(dec) >= MAX_ABS_AMOUNT or not is_whole(dec):
            _integer_problem(dec, v, row, out)
            continue
        data[i] = int(dec)
        mask[i] = False
    if kind is Kind.YEAR:
        bad_year = ~mask & ((data < 1900) | (data > 9999))
        for i in np.flatnonzero(bad_year):
            out.wrong_type(
                int(rows[i]), int(data[i]), " (ett årtal skrivs med fyra siffror, t.ex. 2019)"
            )
        mask |= bad_year
    for pos in _special_positions(rows, special, out):
        mask[pos] = True
    return pd.arrays.IntegerArray(data, mask)


def _integer_problem(dec: Decimal | None, raw: Any, row: int, out: _Collector) -> None:
    if dec is None or abs(dec) >= MAX_ABS_AMOUNT:
        out.wrong_type(row, raw, " (orimligt stort värde)" if dec is not None else "")
        return
    if out.column.kind is Kind.WHOLE_KR:
        out.add(
            "LUM-E013",
            row,
            f"{out.column.name}: {format_kr(dec)} kr har decimaler; kolumnen ska ha hela kronor",
            expected="hela kronor",
            found=str(dec),
        )
    else:
        out.wrong_type(row, raw if not isinstance(raw, float) else str(dec))


def _parse_kronor(raw: _RawColumn, rows: Any, special: dict[int, str], out: _Collector) -> Any:
    """Kronor with öre -> Decimal objects (exact).

    Number cells are checked as whole arrays: a double has at most two decimals exactly when
    ``rint(v * 100) / 100 == v`` (below ``_FAST_KRONOR`` the cents fit a double exactly), and the
    Decimal of each distinct amount is made once. Everything else goes cell by cell.
    """
    import numpy as np

    values = raw.values
    result = np.full(len(values), None, dtype=object)
    fast = np.zeros(len(values), dtype=bool)
    floats_at = np.flatnonzero(raw.of_type(float))
    if floats_at.size:
        floats = values[floats_at].astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            ok = np.isfinite(floats) & (np.abs(floats) < _FAST_KRONOR)
            ok &= ~((floats == 0) & np.signbit(floats))  # -0.0 keeps its sign: cell by cell
            ok &= np.rint(floats * 100) / 100 == floats
        whole = ok & (floats == np.floor(floats))
        fast[floats_at[ok]] = True
        for selected, make in ((whole, _decimal_of_whole), (ok & ~whole, _decimal_of_float)):
            if selected.any():
                distinct, inverse = np.unique(floats[selected], return_inverse=True)
                made = np.fromiter(map(make, distinct.tolist()), dtype=object, count=distinct.size)
                result[floats_at[selected]] = made[inverse]
    for i in np.flatnonzero(~fast & ~raw.blank):  # text, odd numbers …: one by one
        v = values[i]
        row = int(rows[i])
        dec = _to_decimal(v, row, out)
        if dec is not None and abs(dec) >= MAX_ABS_AMOUNT:
            out.wrong_type(row, v, " (orimligt stort belopp)")
            dec = None
        elif dec is not None and not has_at_most_two_decimals(dec):
            out.wrong_type(row, str(dec), " (högst två decimaler, öre)")
            dec = None
        elif dec is not None and dec == dec.to_integral_value():
            dec = dec.quantize(Decimal(1))
        result[i] = dec
    for pos in _special_positions(rows, special, out):
        result[pos] = None
    return result


# Below this size a kronor amount's cents (value * 100) are exact in a double.
_FAST_KRONOR = 1e13


def _decimal_of_whole(value: float) -> Decimal:
    return Decimal(int(value))


def _decimal_of_float(value: float) -> Decimal:
    return decimal_from_number(value)


def _parse_dates(raw: _RawColumn, rows: Any, special: dict[int, str], out: _Collector) -> Any:
    import numpy as np

    values = raw.values
    result = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    is_date = raw.of_type(dt.date)
    if is_date.any():
        result[is_date] = _days(values[is_date])
    is_datetime = raw.of_type(dt.datetime)
    if is_datetime.any():
        result[is_datetime] = _days(values[is_datetime])  # the date; the time is dropped
    for i in np.flatnonzero(~is_date & ~is_datetime & ~raw.blank):  # text and others: one by one
        v = values[i]
        row = int(rows[i])
        if type(v) is str:
            text = v.strip()
            try:
                parsed = parse_date_text(text)
            except ValueError:
                out.wrong_type(row, text, " (skriv datum som 2018-10-26 eller som Excel-datum)")
                continue
            out.add(
                "LUM-W002",
                row,
                f"{out.column.name}: datumet {_show(text)} är lagrat som text (tolkat som {parsed.isoformat()})",
                expected="datum",
                found=text,
            )
            result[i] = np.datetime64(parsed, "s")
        else:
            out.wrong_type(row, v)
    for pos in _special_positions(rows, special, out):
        result[pos] = np.datetime64("NaT")
    return result


def _days(dates: Any) -> Any:
    """``date``/``datetime`` objects -> ``datetime64[s]`` at midnight of their date (by ordinal:
    a C call each, where numpy's own conversion parses every object)."""
    import numpy as np

    ordinals = np.fromiter(map(dt.date.toordinal, dates), dtype=np.int64, count=len(dates))
    return (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[s]")


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


_PARSERS: dict[Kind, Callable[[_RawColumn, Any, dict[int, str], _Collector], Any]] = {
    Kind.TEXT: _parse_text,
    Kind.YEAR: _parse_integers,
    Kind.INTEGER: _parse_integers,
    Kind.WHOLE_KR: _parse_integers,
    Kind.KR: _parse_kronor,
    Kind.DATE: _parse_dates,
}


# --- spreadsheet habits: merged cells, totals rows, hidden and filtered rows, hidden sheets --------
#
# The facts come from the package layer's pass over the sheet's XML (SheetCells.habits); a live
# book (lumledger.xl) gives none. Each habit is one finding where the officer made it, instead of
# the errors its cells would otherwise cause one by one.


def habit_findings(sheet: str, cells: SheetCells) -> list[Finding]:
    """LUM-W012 (merged ranges, filled down as the officer sees them) and LUM-W014 (hidden or
    filtered rows, a hidden sheet) of one sheet; fills ``cells.rows`` in place."""
    out: list[Finding] = []
    if cells.state != "visible":
        out.append(
            finding(
                "LUM-W014",
                sheet,
                None,
                None,
                f"Bladet {cells.title} är dolt i arbetsboken; det läses ändå som en del av "
                "liggaren",
                found="dolt blad",
            )
        )
    habits = cells.habits
    if not habits:
        return out
    for area in habits.merged:
        merged = _unmerge(sheet, cells, area)
        if merged is not None:
            out.append(merged)
    hidden = [row for row in habits.hidden_rows if row >= 2 and _holds_values(cells, row)]
    if hidden:
        out.append(_hidden_rows_finding(sheet, cells, hidden))
    return out


def _holds_values(cells: SheetCells, row: int) -> bool:
    """Whether Excel row ``row`` of ``cells`` has any value (a hidden empty row does not count)."""
    i = row - cells.first_row
    return 0 <= i < len(cells.rows) and not all(map(_is_empty, cells.rows[i]))


def _unmerge(sheet: str, cells: SheetCells, area: tuple[int, int, int, int]) -> Finding | None:
    """One merged range: a single-column range below the header is filled down with its value
    (every row shows it in Excel); a finding at the range when it touches the table."""
    top, left, bottom, right = area
    rows = cells.rows
    last_row = cells.first_row + len(rows) - 1
    width = max((len(row) for row in rows), default=0)
    if top > last_row or bottom < cells.first_row or left >= cells.first_col + width:
        return None
    if right < cells.first_col:
        return None
    ref = f"{column_letters(left)}{top}:{column_letters(right)}{bottom}"
    i, j = top - cells.first_row, left - cells.first_col
    value = rows[i][j] if 0 <= i < len(rows) and 0 <= j < len(rows[i]) else None
    header = rows[0][j] if cells.first_row == 1 and rows and 0 <= j < len(rows[0]) else None
    column = f"{str(header).strip()} " if not _is_empty(header) else ""
    if left == right and top >= 2 and not _is_empty(value):
        for r in range(max(top + 1, cells.first_row), min(bottom, last_row) + 1):
            row = rows[r - cells.first_row]
            if not isinstance(row, list):
                row = rows[r - cells.first_row] = list(row)  # type: ignore[index]
            if j < len(row) and _is_empty(row[j]):
                row[j] = value
        message = (
            f"Cellerna {ref} är sammanfogade: {column}{_show(value)} gäller för rad "
            f"{top}–{bottom} och läses på varje rad; dela upp cellerna och skriv värdet på varje rad"
        )
    else:
        message = (
            f"Cellerna {ref} är sammanfogade; bara den första cellen, "
            f"{column_letters(left)}{top}, har ett värde och de andra läses som tomma; dela upp "
            "cellerna och skriv varje värde i sin egen cell"
        )
    return finding(
        "LUM-W012",
        sheet,
        ref,
        top,
        message,
        expected="en cell per värde",
        found=f"sammanfogade celler {ref}",
    )


def _hidden_rows_finding(sheet: str, cells: SheetCells, hidden: list[int]) -> Finding:
    habits = cells.habits or SheetHabits()
    area = habits.auto_filter if habits.filter_active else None
    filtered = [r for r in hidden if area is not None and area[0] < r <= area[2]]
    plain = [r for r in hidden if r not in set(filtered)]
    parts = []
    if plain:
        parts.append(f"{_rows_count(len(plain))} är dolda ({_row_list(plain)})")
    if filtered:
        verb = "är bortfiltrerad" if len(filtered) == 1 else "är bortfiltrerade"
        parts.append(f"{_rows_count(len(filtered))} {verb} av autofiltret ({_row_list(filtered)})")
    return finding(
        "LUM-W014",
        sheet,
        None,
        hidden[0],
        f"I bladet {cells.title} {' och '.join(parts)}; alla rader läses ändå, även de som "
        "inte syns",
        found=len(hidden),
    )


def _rows_count(n: int) -> str:
    return "1 rad" if n == 1 else f"{n} rader"


def _row_list(rows: list[int], most: int = 8) -> str:
    shown = ", ".join(map(str, rows[:most]))
    return f"rad {shown}" + (" …" if len(rows) > most else "")


_TOTALS_WORDS = ("summa", "totalt", "total", "totalsumma", "sum", "s:a", "summering")


def _totals_word(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    first = text.casefold().split(maxsplit=1)[0].rstrip(":") if text else ""
    return text if first in _TOTALS_WORDS or first.rstrip(":") + ":" in _TOTALS_WORDS else None


def _drop_totals_rows(
    sheet: str,
    raw: list[_RawColumn],
    nonempty: Any,
    first_data_row: int,
    first_col: int,
    key: int | None,
) -> list[Finding]:
    """LUM-W013: the last rows of the table, when one is a totals row ("Summa", "Totalt" … in
    one of its first cells, at least one number, and the key column (Id, År, Namn) empty or
    holding that word): not read as data (``nonempty`` cleared), one finding."""
    import numpy as np

    out: list[Finding] = []
    filled = np.flatnonzero(nonempty)
    for i in filled[::-1][:3]:  # at most the last three rows: "Summa", "Totalt", "Varav …"
        values = [column.values[i] for column in raw]
        word = next(filter(None, map(_totals_word, values[:8])), None)
        numbers = sum(1 for v in values if isinstance(v, int | float) and not isinstance(v, bool))
        key_value = values[key] if key is not None and key < len(values) else None
        if word is None or numbers == 0:
            break
        if not _is_empty(key_value) and _totals_word(key_value) is None:
            break
        nonempty[i] = False
        row = first_data_row + int(i)
        out.append(
            finding(
                "LUM-W013",
                sheet,
                f"{column_letters(first_col)}{row}:{column_letters(first_col + len(raw) - 1)}{row}",
                row,
                f"Rad {row} ser ut som en summarad ({_show(word)}) och läses inte som en rad i "
                "liggaren; lumledger räknar summorna själv — flytta summorna till ett eget blad",
                expected="en rad per post",
                found=word,
            )
        )
    return out
