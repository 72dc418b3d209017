"""Columnar reading of a ledger file: fastexcel's Arrow columns, with the old reader's findings.

:func:`read_columnar` returns the same :class:`~lumledger.ledger.Ledger` as the cell-by-cell path
of :mod:`lumledger.workbook.reader` — the same frames, findings, cell addresses and refusals —
without a Python object per cell:

1. :mod:`lumledger.workbook.package` checks the file as before; on the way it takes the
   :mod:`~lumledger.workbook.scan_notes` (which sheets hold TRUE/FALSE, numbers whose fraction a
   rendering loses, duration-styled cells, number-shaped inline strings, the first shared
   strings). One more pass over the shared strings notes every text a number column would read
   as a number (while fastexcel parses the largest sheet).
2. fastexcel parses each sheet once, on a worker thread (the GIL is released), every column
   typed by its kind: text -> ``string``, year/count/kronor -> ``float``, date -> ``duration``
   (the one type that passes exactly the date-formatted cells). A cell that does not convert
   comes back as a ``CellError`` holding calamine's own value; there are few of them.
3. Whole-array code turns the Arrow columns into the frame's columns (Int64, Decimal per
   distinct öre amount, datetime64, pandas ``str``). Every cell that is not plain — an error
   detail, a value a typed read could have coerced, a number with decimals in a whole-kronor
   column, a year out of range, a text with surrounding spaces, an Excel error — becomes the
   value python-calamine would have given (:mod:`~lumledger.workbook.calamine_values`, or the
   cell's own XML via :mod:`~lumledger.workbook.sheet_xml` when the read hid its type) and goes
   through the reader's own column parser, so messages and figures are the old ones by
   construction.
4. A sheet the fast path cannot vouch for (header not on row 1, XML without cell addresses,
   booleans other than 0/1, bytes that are not UTF-8, anything fastexcel refuses) is read by the
   old path, python-calamine and the reader's ``_load_table``: same result, old speed, and the
   same refusal message. :class:`ReadStats` says which sheets went which way.
"""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lumledger import ledger_format, progress
from lumledger.findings import Finding, LedgerReadError, finding
from lumledger.ledger import Ledger, Sheet, empty_series
from lumledger.ledger_format import Kind, column_letters, column_number
from lumledger.workbook import calamine_values as cv
from lumledger.workbook import cell_styles, reader, scan_notes, sheet_xml
from lumledger.workbook import package as package_module
from lumledger.workbook.native import native_panics_caught
from lumledger.workbook.package import Package, open_package

FASTEXCEL_DTYPE = {
    Kind.TEXT: "string",
    Kind.YEAR: "float",
    Kind.INTEGER: "float",
    Kind.WHOLE_KR: "float",
    Kind.KR: "float",
    Kind.DATE: "duration",
}
NUMBER_KINDS = (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR, Kind.KR)
MAX_ABS = float(reader.MAX_ABS_AMOUNT)
FAST_KRONOR = reader._FAST_KRONOR
MS = cv.MS_PER_DAY
EXCEL_TO_UNIX_DAYS = 25569  # 1899-12-30 -> 1970-01-01
# Serial day (1900 system, after the +1 shift below 60) of 10000-01-01: python-calamine gives a
# float, not a date, from there on.
LAST_SERIAL_DAY = (dt.date(9999, 12, 31) - dt.date(1899, 12, 30)).days


class Fallback(Exception):
    """This sheet is read by the old path (the reason is kept in :class:`ReadStats`)."""


@dataclass(slots=True)
class ReadStats:
    """What the fast path did, per sheet (for tools/compare_readers.py and the benchmark)."""

    fast_sheets: list[str] = field(default_factory=list)
    fallbacks: dict[str, str] = field(default_factory=dict)  # sheet ("*": all) -> reason
    unusual_cells: dict[str, int] = field(default_factory=dict)
    looked_up: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


# --- the workbook --------------------------------------------------------------------------------


class ColumnarSource:
    """The file, its package check (with its scan notes), and fastexcel on one worker thread."""

    def __init__(self, path: Path, *, refuse_when_open: bool) -> None:
        self.path = path
        self.stats = ReadStats()
        self.package: Package = open_package(path, refuse_when_open=refuse_when_open)
        self.notes = self.package.notes or scan_notes.ScanNotes()
        self.formats = self.notes.formats
        if self.package.notes is None or not _small_parts_utf8(path):
            self.formats = None  # the old reader refuses (or reads) it as it does
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lumledger-fastexcel")
        self._reader: Future[Any] | None = None  # fastexcel's workbook, opened by open_book()
        self._sheet_names: list[str] = []  # its sheets' titles, as fastexcel lists them
        self._is_1904 = _is_1904(path)
        self._old: reader.FileSource | None = None
        self.number_texts = np.zeros(0, dtype=np.float64)
        self.texts_by_number: dict[float, list[str]] = {}

    def _open(self) -> Any:
        import fastexcel

        with native_panics_caught():
            book = fastexcel.read_excel(str(self.path))
            # Asked here, on the worker: the book is not to be touched from another thread
            # while the worker reads a sheet of it.
            self._sheet_names = list(book.sheet_names)
        return book

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._reader = None
        if self._old is not None:
            self._old.close()

    def number_cell(self, cell: sheet_xml.RawCell) -> Any:
        """python-calamine's value of a number cell (``<v>`` and its style), from its XML."""
        value = float(cell.v or "nan")
        formats = self.formats
        kind = formats[cell.s] if formats and cell.s < len(formats) else cell_styles.OTHER
        if kind == cell_styles.OTHER:
            return value
        return cv.excel_datetime(
            value, duration=kind == cell_styles.TIMEDELTA, is_1904=self._is_1904
        )

    def shared_string(self, index: int) -> str | None:
        """A number-shaped shared string by index (one counting pass, the first time)."""
        if not self.notes.shared_by_index:
            part = _part_name(self.path, "xl/sharedstrings.xml")
            if part is None:
                return None
            scan_notes.scan_number_strings(str(self.path), part, self.notes, indexed=True)
        return self.notes.shared_by_index.get(index)

    def open_book(self) -> None:
        """Have the worker open the workbook with fastexcel (its shared strings first)."""
        self._reader = self._worker.submit(self._open)

    def input_titles(self) -> dict[str, str]:
        """Input sheet -> title, from the workbook's own list of sheets (fastexcel's list, known
        once the book is open, is the one that counts: see :func:`_read`)."""
        by_key: dict[str, str] = {}
        for present in self.package.sheets:
            by_key.setdefault(reader._key(present), present)
        return {
            sheet: by_key[reader._key(sheet)]
            for sheet in ledger_format.INPUT_SHEETS
            if reader._key(sheet) in by_key
        }

    def is_pending(self, title: str) -> bool:
        """Whether the sheet's part still waits for its check (a very large part)."""
        return self.package.sheets.get(title) in self.package.pending

    def check_sheet_part(self, title: str) -> None:
        """Check the sheet's pending part now. A part that fails is reported as the whole
        check would have reported it: the first failing part in the workbook's order."""
        try:
            self.package.check_pending([self.package.sheets[title]])
        except LedgerReadError:
            self.package.check_pending(self._input_parts())
            raise

    def _input_parts(self) -> list[str]:
        wanted = {reader._key(sheet) for sheet in ledger_format.INPUT_SHEETS}
        return [part for title, part in self.package.sheets.items() if reader._key(title) in wanted]

    def titles(self) -> list[str]:
        """fastexcel's sheet titles, once the input sheets' pending parts are checked."""
        if self._reader is None:
            self.open_book()
        assert self._reader is not None
        self.package.check_pending(self._input_parts())
        self._reader.result()
        return list(self._sheet_names)

    def note_number_strings(self, parts: list[str]) -> None:
        """The shared strings (and the inline and formula strings of the sheet ``parts``) a
        number column would read as numbers: one pass over each checked part, on this thread
        while the worker parses the largest sheet."""
        if _part_name(self.path, "xl/workbook.xml") is None:
            raise Fallback("workbook not at xl/workbook.xml")
        part = _part_name(self.path, "xl/sharedstrings.xml")
        if part is not None:
            scan_notes.scan_number_strings(str(self.path), part, self.notes)
            if self.notes.shared_strings_bad_utf8:
                raise Fallback("shared strings not UTF-8")
        for sheet_part in parts:
            if self.notes.part(sheet_part).inline_or_formula_strings:
                scan_notes.scan_inline_strings(str(self.path), sheet_part, self.notes)
        self.texts_by_number = {}
        for text in self.notes.ambiguous_texts:
            self.texts_by_number.setdefault(float(text), []).append(text)
        self.number_texts = np.array(
            sorted(v for v in self.texts_by_number if v == v), dtype=np.float64
        )

    def load(self, title: str, dtypes: dict[int, str]) -> Future[Any]:
        return self._worker.submit(self._load, title, dtypes)

    def _load(self, title: str, dtypes: dict[int, str]) -> tuple[Any, Any, dict[int, int]]:
        self.package.check_sheet(title)
        assert self._reader is not None
        book = self._reader.result()
        with native_panics_caught():
            sheet = book.load_sheet(title, header_row=None, dtypes=dtypes)
            absolute = {c.index: c.absolute_index for c in sheet.selected_columns}
            if any(c.dtype_from != "provided_by_index" for c in sheet.selected_columns):
                raise Fallback("a column beyond the typed ones")
            batch, errors = sheet.to_arrow_with_errors()
        del sheet
        return batch, errors, absolute

    def old_cells(self, title: str) -> reader.SheetCells:
        """The old path's cells for one sheet (python-calamine, with its own refusals)."""
        if self._old is None:
            self._old = reader.FileSource(self.path, package=self.package)
        return self._old.read_sheet(title)

    def part_size(self, title: str) -> int:
        """The inflated size of the sheet's part (as declared), 0 when unknown."""
        part = self.package.sheets.get(title)
        try:
            with zipfile.ZipFile(self.path) as archive:
                return archive.getinfo(part).file_size if part is not None else 0
        except (KeyError, OSError, zipfile.BadZipFile):
            return 0

    def input_bytes(self) -> int:
        """The inflated size of the input sheets' parts and the shared strings (as declared)."""
        wanted = {reader._key(sheet) for sheet in ledger_format.INPUT_SHEETS}
        parts = {p for t, p in self.package.sheets.items() if reader._key(t) in wanted}
        try:
            with zipfile.ZipFile(self.path) as archive:
                return sum(
                    info.file_size
                    for info in archive.infolist()
                    if info.filename in parts or info.filename.casefold() == _SHARED_STRINGS
                )
        except (OSError, zipfile.BadZipFile):
            return 0

    def old_ledger(self) -> Ledger:
        """The whole workbook the old way (the fast path cannot read this file)."""
        if self._old is None:
            self._old = reader.FileSource(self.path, package=self.package)
        return reader.load_ledger(self._old)


_SHARED_STRINGS = "xl/sharedstrings.xml"


def _part_name(path: Path, wanted: str) -> str | None:
    """The part called ``wanted`` (case ignored), as the zip spells it."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.casefold() == wanted:
                return name
    return None


# Parts python-calamine 0.9.1 (calamine 0.37) decodes as UTF-8 when it opens a workbook; the
# shared strings are checked by note_number_strings, each sheet by the scan.
_OPENED_PARTS = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")


def _small_parts_utf8(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.casefold(): name for name in archive.namelist()}
            for part in _OPENED_PARTS:
                name = names.get(part.casefold())
                if name is None:
                    continue
                info = archive.getinfo(name)
                if info.file_size > cell_styles.MAX_STYLES_BYTES:
                    return False
                with archive.open(info) as stream:
                    stream.read(cell_styles.MAX_STYLES_BYTES + 1).decode("utf-8")
    except UnicodeDecodeError:
        return False
    except Exception:  # anything odd: the old reader decides
        return False
    return True


def _is_1904(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            head = archive.read("xl/workbook.xml")[:65536]
    except (KeyError, OSError, zipfile.BadZipFile):
        return False
    return b'date1904="1"' in head or b'date1904="true"' in head


# Below this much sheet XML the cell-by-cell path is quicker: the columnar path's fixed cost
# (fastexcel's workbook, each sheet's header read from its XML, a second pandas frame per sheet)
# is ~30 ms, and python-calamine reads a 1 000-row ledger (1.4 MB of XML) as fast.
CELLS_PATH_BELOW_BYTES = 2_000_000


def read_columnar(
    path: str | Path, *, refuse_when_open: bool = True, cells_below: int = CELLS_PATH_BELOW_BYTES
) -> tuple[Ledger, ReadStats]:
    """Open ``path`` read-only and parse it (see the module docstring); raises
    :class:`LedgerReadError` as :func:`lumledger.workbook.reader.read_ledger` does. A workbook
    whose input sheets hold less than ``cells_below`` bytes of XML is read cell by cell."""
    progress.report("Kontrollerar filen", 0.0)
    with progress.part(0.0, 0.15):  # the package check inflates every part once
        source = ColumnarSource(Path(path), refuse_when_open=refuse_when_open)
    try:
        with progress.part(0.15, 1.0):
            if cells_below and source.input_bytes() < cells_below:
                source.stats.fallbacks["*"] = "small workbook: read cell by cell"
                return source.old_ledger(), source.stats
            return _read(source), source.stats
    finally:
        source.close()


def _read(source: ColumnarSource) -> Ledger:
    stats = source.stats
    if source.formats is None:
        stats.fallbacks["*"] = "styles.xml unreadable or a part not UTF-8"
        return source.old_ledger()
    # The worker opens the book and reads the sheets the package check has read already, largest
    # first, while this thread checks the very large parts, largest first: each is read by the
    # worker as soon as it is checked, while this thread checks the next.
    plans: dict[str, _Plan | Fallback] = {}
    futures: dict[str, Future[Any]] = {}
    planned_as: dict[str, str] = {}  # input sheet -> the title it was planned under

    def plan_and_load(sheets: dict[str, str]) -> None:
        for sheet in sorted(sheets, key=lambda s: -source.part_size(sheets[s])):
            plans[sheet] = plan = _plan(source, sheet, sheets[sheet])
            planned_as[sheet] = sheets[sheet]
            if isinstance(plan, _Plan):
                futures[sheet] = source.load(plan.title, plan.dtypes)

    try:
        source.open_book()
        listed = source.input_titles()
        plan_and_load({s: t for s, t in listed.items() if not source.is_pending(t)})
        for sheet in sorted(
            (s for s in listed if source.is_pending(listed[s])),
            key=lambda s: -source.part_size(listed[s]),
        ):
            source.check_sheet_part(listed[sheet])
            plan_and_load({sheet: listed[sheet]})
        titles = source.titles()
    except LedgerReadError:
        raise
    except Exception:  # fastexcel cannot open it: the old reader decides (and words it)
        stats.fallbacks["*"] = "fastexcel could not open the workbook"
        return source.old_ledger()
    by_key: dict[str, str] = {}
    for present in titles:
        by_key.setdefault(reader._key(present), present)
    later: dict[str, str] = {}
    for sheet in ledger_format.INPUT_SHEETS:
        title = by_key.get(reader._key(sheet))
        if planned_as.get(sheet) == title:
            continue
        # Not planned yet (its part was pending), or fastexcel names the sheet otherwise than
        # the workbook's list did: the early read (if any) is not used.
        plans.pop(sheet, None)
        futures.pop(sheet, None)
        if title is not None:
            later[sheet] = title
    plan_and_load(later)
    if futures:
        try:
            source.note_number_strings([p.part for p in plans.values() if isinstance(p, _Plan)])
        except Fallback:
            for future in futures.values():
                future.cancel()
            stats.fallbacks["*"] = "workbook layout"
            return source.old_ledger()
    order = list(futures)  # as the worker reads them
    # Parse each sheet as the worker delivers it, while it reads the next.
    outcomes: dict[str, Any] = {}
    total = sum(max(_part_size(plans[s]), 1) for s in futures) or 1
    done = 0
    try:
        for sheet in (s for s in order if s in futures):
            share = max(_part_size(plans[sheet]), 1)
            with progress.part(done / total, (done + share) / total):
                progress.report(f"Läser {sheet}", 0.0)
                future = futures[sheet]
                future.exception()  # wait for it
                progress.report(f"Tolkar {sheet}", _READ_SHARE)
                started = time.perf_counter()
                outcomes[sheet] = _outcome(source, plans[sheet], future)
                stats.seconds[sheet] = round(time.perf_counter() - started, 3)
            done += share
    finally:
        for future in futures.values():
            future.cancel()
    source._worker.shutdown(wait=True, cancel_futures=True)
    source._reader = None  # fastexcel's workbook (its shared strings) is no longer needed
    # Assemble in the format's order; refusals surface in that order, as in the old reader.
    tables: dict[str, Sheet] = {}
    findings: list[Finding] = []
    missing: list[str] = []
    for sheet in ledger_format.INPUT_SHEETS:
        title = by_key.get(reader._key(sheet))
        if title is None:
            if sheet in ledger_format.REQUIRED_SHEETS:
                missing.append(sheet)
                findings.append(_missing_sheet(sheet, titles))
            continue
        outcome = outcomes.get(sheet, plans[sheet])
        if isinstance(outcome, LedgerReadError):
            raise outcome
        if isinstance(outcome, Fallback):
            stats.fallbacks[sheet] = str(outcome)
            with progress.part(1.0, 1.0):  # the progress of this rare case is not shown
                table, sheet_findings = reader._load_table(sheet, source.old_cells(title))
        else:
            table, sheet_findings = outcome
        tables[sheet] = table
        findings.extend(sheet_findings)
    return Ledger(name=source.path.name, sheets=tables, findings=findings, missing_sheets=missing)


_READ_SHARE = 0.8  # of a sheet's reading time, fastexcel's; the rest is making its columns


def _outcome(source: ColumnarSource, plan: Any, future: Future[Any]) -> Any:
    """A sheet's table and findings, or why it goes the old way (or is refused)."""
    try:
        result = _fast_table(source, plan, future)
    except (Fallback, LedgerReadError) as exc:
        return exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # fastexcel refused the sheet: the old path words it
        first_line = str(exc).splitlines()[0][:80] if str(exc) else ""
        return Fallback(f"fastexcel: {type(exc).__name__}: {first_line}")
    if _ends_with_totals_row(result[0]):
        return Fallback("a totals row under the table (LUM-W013 is the cell-by-cell path's)")
    source.stats.fast_sheets.append(plan.sheet)
    return result


def _ends_with_totals_row(table: Sheet) -> bool:
    """Whether one of the table's last three rows starts like a totals row ("Summa", "Totalt" …
    in one of its first eight columns): such a sheet is read cell by cell, where the whole rule
    (a number in the row, the key column empty) decides."""
    frame = table.frame
    if not len(frame):
        return False
    names = sorted(table.letters, key=lambda name: column_number(table.letters[name]))[:8]
    tail = frame[names].tail(3)
    return any(
        isinstance(value, str) and reader._totals_word(value) is not None
        for column in tail.columns
        for value in tail[column].tolist()
    )


def _missing_sheet(sheet: str, titles: list[str]) -> Finding:
    return finding(
        "LUM-E001",
        sheet,
        None,
        None,
        f"Bladet {sheet} saknas i arbetsboken"
        + reader._closest_hint(
            [t for t in titles if reader._key(t) not in reader._OUTPUT_KEYS], sheet
        ),
        expected=sheet,
        found=None,
    )


def _part_size(plan: _Plan | Fallback) -> int:
    if not isinstance(plan, _Plan):
        return 0
    return plan.size


# --- planning a sheet: its header, from the XML --------------------------------------------------


@dataclass(slots=True)
class _Plan:
    sheet: str
    title: str
    part: str
    size: int
    header: list[Any]  # python-calamine values of row 1, from column A
    header_table: Sheet
    header_findings: list[Finding]
    columns: dict[str, int]  # format column name -> 0-based absolute column
    dtypes: dict[int, str]


def _plan(source: ColumnarSource, sheet: str, title: str) -> _Plan | Fallback:
    part = source.package.sheets.get(title)
    if part is None:
        return Fallback("no part for the sheet")
    # What the cell-by-cell path reports as the officer's spreadsheet habits (LUM-W012..W014:
    # merged cells, hidden or filtered rows, a hidden sheet) and binary sheets are read there.
    if source.package.format != "xlsx":
        return Fallback("a binary workbook (.xlsb)")
    if source.package.sheet_habits(title):
        return Fallback("merged cells, hidden rows or an AutoFilter")
    if source.package.hidden_sheets.get(title):
        return Fallback("a hidden sheet")
    notes = source.notes.part(part)
    if notes.unplaced:
        return Fallback("a duration-styled cell without an address")
    if notes.odd_bools:
        return Fallback("a boolean cell other than 0/1 (the two calamine versions differ)")
    if notes.single_quoted:
        return Fallback("a single-quoted cell type")
    if notes.bad_utf8:
        return Fallback("bytes that are not UTF-8 (calamine 0.37 refuses them, 0.36.1 does not)")
    try:
        first = sheet_xml.first_row(str(source.path), part)
    except (OSError, zipfile.BadZipFile, KeyError):
        return Fallback("first row unreadable")
    if first is None:
        return Fallback("no plain first row")
    row, cells, declared_width = first
    if row != 1:
        return Fallback(f"used area starts on row {row}")
    width = max((c.col for c in cells if c.has_value), default=0)
    header: list[Any] = [None] * width
    for cell in cells:
        if cell.has_value and cell.col <= width:
            try:
                header[cell.col - 1] = _header_value(source, cell)
            except cv.Unconvertible as why:
                return Fallback(f"header cell: {why}")
    with progress.part(0.0, 0.0):  # a header alone: nothing to show
        table, findings = reader._load_table(
            sheet, reader.SheetCells(title=title, rows=[header], first_row=1, first_col=1)
        )
    columns = {name: column_number(letter) - 1 for name, letter in table.letters.items()}
    kinds = {col.name: col.kind for col in ledger_format.COLUMNS[sheet]}
    # Every other column (unknown headers, no header) is read as text: it only decides which
    # rows are empty.
    # A type for every column the used area may have: the declared dimension (Excel writes it),
    # else every column Excel allows; a column beyond it sends the sheet the old way.
    last = max(width, declared_width or package_module.MAX_COLUMNS)
    dtypes = {i: "string" for i in range(min(last + 64, package_module.MAX_COLUMNS))}
    for name, index in columns.items():
        if kinds[name] not in FASTEXCEL_DTYPE:  # a kind of column this path does not know
            return Fallback(f"column {name}: kind {kinds[name]}")
        dtypes[index] = FASTEXCEL_DTYPE[kinds[name]]
    try:
        with zipfile.ZipFile(source.path) as archive:
            size = archive.getinfo(part).file_size
    except (KeyError, OSError, zipfile.BadZipFile):
        size = 0
    return _Plan(sheet, title, part, size, header, table, findings, columns, dtypes)


def _header_value(source: ColumnarSource, cell: sheet_xml.RawCell) -> Any:
    """A header cell's python-calamine value, from its XML."""
    if cell.t == "s":
        index = int(cell.v or "-1")
        text = source.notes.first_shared.get(index)
        if text is None:
            raise cv.Unconvertible(f"shared string {index} beyond the first ones")
        return text
    if cell.t == "inlineStr":
        return cell.inline or ""
    if cell.t == "str":
        return cell.v or ""
    if cell.t in ("", "n"):
        if not cell.v:
            return None
        try:
            return source.number_cell(cell)
        except cv.DateOverflow:
            raise cv.Unconvertible("date overflow in the header") from None
    if cell.t == "b":
        return cell.v == "1"  # only 0/1 reach here (see scan_notes.PartNotes.odd_bools)
    if cell.t == "e":
        return ""
    raise cv.Unconvertible(f"header cell of type {cell.t!r}")


# --- reading a sheet the fast way ----------------------------------------------------------------


@dataclass(slots=True)
class _Sheet:
    """One sheet's fastexcel result, and what is needed to parse its columns."""

    source: ColumnarSource
    plan: _Plan
    columns: dict[int, Any]  # absolute index -> Arrow array (data rows only)
    details: dict[int, dict[int, str]]  # absolute index -> data position -> detail
    n: int
    rows: Any  # Excel row numbers of the data rows
    special: dict[tuple[int, int], str]

    # Per text column: each text's length, first and last byte (see _first_last).
    edges: dict[int, tuple[Any, Any, Any]] = field(default_factory=dict)

    @property
    def notes(self) -> scan_notes.PartNotes:
        return self.source.notes.part(self.plan.part)

    def first_last(self, array: Any) -> tuple[Any, Any, Any]:
        """:func:`_first_last` of one of this sheet's columns, computed once."""
        key = id(array)
        if key not in self.edges:
            self.edges[key] = _first_last(array)
        return self.edges[key]


def _fast_table(
    source: ColumnarSource, plan: _Plan, future: Future[Any]
) -> tuple[Sheet, list[Finding]]:

    batch, errors, absolute = future.result()
    n = batch.num_rows - 1  # row 0 is the header
    if n < 0:
        raise Fallback("empty batch")
    details: dict[int, dict[int, str]] = {}
    header_details: dict[int, str] = {}
    for error in errors.errors if errors else ():
        row, relative = error.offset_position
        col = absolute[relative]
        if row == 0:
            header_details[col] = error.detail
        else:
            details.setdefault(col, {})[row - 1] = error.detail
    first = {
        absolute[i]: batch.column(i)[0].as_py() if batch.num_rows else None
        for i in range(batch.num_columns)
    }
    _check_header(plan, first, header_details)
    columns = {absolute[i]: batch.column(i).slice(1) for i in range(batch.num_columns)}
    sheet = _Sheet(
        source=source,
        plan=plan,
        columns=columns,
        details=details,
        n=n,
        rows=np.arange(2, 2 + n, dtype=np.int64),
        special=source.package.special_cells(plan.title),
    )
    return _parse_sheet(sheet)


def _check_header(plan: _Plan, first: dict[int, Any], header_details: dict[int, str]) -> None:
    """fastexcel's first row is the row 1 the XML showed (else the old path reads the sheet)."""
    for index in plan.columns.values():
        expected = plan.header[index] if index < len(plan.header) else None
        if index in header_details:
            try:
                _kind, got = cv.value_of_detail(header_details[index])
            except (cv.Unconvertible, cv.DateOverflow):
                raise Fallback("header cell unreadable") from None
        else:
            got = first.get(index)
        if got != expected:
            raise Fallback(f"header mismatch at column {index + 1}: {got!r} != {expected!r}")


# Every character str.isspace() accepts (Python 3.11), listed once rather than found at import.
_WHITESPACE = [
    chr(c)
    for c in (
        *range(0x09, 0x0E),
        *range(0x1C, 0x21),
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
]
assert all(ch.isspace() for ch in _WHITESPACE)
_BOOL_SHAPE_RE = "^(?:true|false)$"
_DATETIME_SHAPE_RE = r"^[+-]?\d{4,}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$"
# Renderings of a number cell that may differ from lumledger's text of the number (str(int(v))
# or repr(v)): a point, 16 digits or more, zero (a tiny number renders as "0"), inf/NaN; and of
# an ISO-date cell (t="d", rendered as written) that python-calamine turns into a datetime or a
# time with a fraction.
_NUMBER_SHAPE_RE = (
    r"^-?\d+\.\d+$|^-?\d{16,}$|^-?0$|^-?inf$|^NaN$"
    r"|^[+-]?\d{4,}-\d{2}-\d{2}T|^\d{2}:\d{2}:\d{2}\.\d+$"
)


def _utf8(chars: list[str]) -> list[bytes]:
    return [ch.encode("utf-8") for ch in chars]


# Python's str.strip() removes these; their UTF-8 first and last bytes, for a byte-level sieve.
_WS_FIRST = np.zeros(256, dtype=bool)
_WS_LAST = np.zeros(256, dtype=bool)
for _encoded in _utf8(_WHITESPACE):
    _WS_FIRST[_encoded[0]] = True
    _WS_LAST[_encoded[-1]] = True
# First bytes of the renderings a text column must look at (see _ambiguous).
_SHAPE_FIRST = np.zeros(256, dtype=bool)
for _ch in b"0123456789+-iNtf":
    _SHAPE_FIRST[_ch] = True


def _bytes_view(array: Any) -> tuple[Any, Any]:
    """``(offsets, data)`` of an Arrow string array as numpy views (no copy)."""
    import pyarrow as pa

    _validity, offsets_buf, data_buf = array.buffers()[:3]
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=kind)[array.offset : array.offset + len(array) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    )
    return offsets, data


def _first_last(array: Any) -> tuple[Any, Any, Any]:
    offsets, data = _bytes_view(array)
    lengths = np.diff(offsets)
    if array.null_count:
        lengths[~np.asarray(array.is_valid())] = 0
    present = lengths > 0
    first = np.zeros(len(lengths), dtype=np.uint8)
    last = np.zeros(len(lengths), dtype=np.uint8)
    if present.any():
        first[present] = data[offsets[:-1][present]]
        last[present] = data[offsets[1:][present] - 1]
    return lengths, first, last


def _parse_sheet(sheet: _Sheet) -> tuple[Sheet, list[Finding]]:
    import pandas as pd

    plan = sheet.plan
    spec = ledger_format.COLUMNS[plan.sheet]
    n = sheet.n
    # 1. Which data rows hold anything (every column of the used area, special cells too).
    nonempty = np.zeros(n, dtype=bool)
    for absolute, array in sheet.columns.items():
        nonempty |= _nonblank(sheet, array, sheet.details.get(absolute, {}))
    for r, _c in sheet.special:
        i = r - 2
        if 0 <= i < n:
            nonempty[i] = True
    keep = np.flatnonzero(nonempty)
    kept_rows = sheet.rows[keep]
    # 2. Cells whose type the typed read may hide: look them up in the XML, in one pass.
    ambiguous: dict[str, Any] = {}
    for col in spec:
        found = plan.columns.get(col.name)
        if found is None or found not in sheet.columns:
            continue
        ambiguous[col.name] = _ambiguous(sheet, col, sheet.columns[found])
    wanted = [
        (int(sheet.rows[i]), plan.columns[name] + 1)
        for name, positions in ambiguous.items()
        for i in positions
    ]
    raw_cells: dict[tuple[int, int], sheet_xml.RawCell] = {}
    if wanted:
        try:
            raw_cells = sheet_xml.lookup_cells(str(sheet.source.path), plan.part, wanted)
        except sheet_xml.LookupMiss as miss:
            raise Fallback(f"cell not found in order: {miss}") from None
    sheet.source.stats.looked_up[plan.sheet] = len(raw_cells)
    # 3. Each column: whole arrays for plain cells, lumledger's parser for the rest.
    findings = list(plan.header_findings)
    frame_columns: dict[str, Any] = {}
    invalid: set[tuple[int, str]] = set()
    unusual_total = 0
    for col in spec:
        index = plan.columns.get(col.name)
        if index is None or index not in sheet.columns:
            frame_columns[col.name] = _empty_series(col.kind, len(keep))
            continue
        column_special = {r: m for (r, c), m in sheet.special.items() if c == index + 1}
        parsed = _parse_column(
            sheet,
            col,
            sheet.columns[index],
            sheet.details.get(index, {}),
            keep,
            kept_rows,
            column_special,
            raw_cells,
            set(ambiguous.get(col.name, ())),
        )
        values, column_findings, bad_rows, unusual = parsed
        unusual_total += unusual
        if col.kind is Kind.TEXT and values is not None and not isinstance(values, np.ndarray):
            values = pd.array(values, dtype="str")
        frame_columns[col.name] = values
        findings.extend(column_findings)
        invalid.update((r, col.name) for r in bad_rows)
    sheet.source.stats.unusual_cells[plan.sheet] = unusual_total
    frame = pd.DataFrame(frame_columns, index=pd.Index(kept_rows, name="row"))
    table = Sheet(
        name=plan.sheet,
        title=plan.title,
        frame=frame,
        letters=plan.header_table.letters,
        invalid=invalid,
        extra_columns=plan.header_table.extra_columns,
    )
    return table, findings


def _empty_series(kind: Kind, length: int) -> Any:
    """An absent column: ``ledger.empty_series`` without a Python object per row."""
    import pandas as pd

    if kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
        return pd.arrays.IntegerArray(np.zeros(length, np.int64), np.ones(length, bool))
    return empty_series(kind, length)


def _nonblank(sheet: _Sheet, array: Any, details: dict[int, str]) -> Any:
    """Which cells of one column hold something (python-calamine's value is not None/blank)."""
    import pyarrow as pa

    out = np.asarray(array.is_valid()).copy()
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        lengths, first, last = sheet.first_last(array)
        out &= lengths > 0
        for i in np.flatnonzero((lengths > 0) & (_WS_FIRST[first] | _WS_LAST[last])).tolist():
            out[i] = bool(array[i].as_py().strip())
    for i, detail in details.items():
        try:
            _kind, value = cv.value_of_detail(detail)
        except cv.DateOverflow:
            raise Fallback("date overflow") from None
        except cv.Unconvertible:
            raise Fallback(f"detail {detail[:60]}") from None
        out[i] = not reader._is_empty(value)
    return out


def _ambiguous(sheet: _Sheet, col: ledger_format.Column, array: Any) -> Any:
    """Positions whose type the typed read may have hidden (see :mod:`scannotes`)."""
    import pyarrow.compute as pc

    notes = sheet.notes
    if col.kind in NUMBER_KINDS:
        values = np.asarray(array.fill_null(np.nan), dtype=np.float64)
        suspects = np.isnan(values) & np.asarray(array.is_valid())
        numbers = sheet.source.number_texts
        if numbers.size:
            suspects |= np.isin(values, numbers)
        if notes.bools:
            suspects |= (values == 0.0) | (values == 1.0)
        return np.flatnonzero(suspects)
    if col.kind is Kind.TEXT:
        # A number, date or TRUE renders as text; where the rendering may differ from the old
        # reader's text of the value (or from a text of the same shape), ask the XML. A byte
        # sieve first: those renderings start with a digit, a sign, i/N (inf, NaN) or t/f.
        lengths, first, _last = sheet.first_last(array)
        sieve = np.flatnonzero((lengths > 0) & _SHAPE_FIRST[first])
        if not sieve.size:
            return sieve
        import pyarrow as pa

        some = array.take(pa.array(sieve))
        patterns = [_NUMBER_SHAPE_RE, _DATETIME_SHAPE_RE]
        if notes.bools:
            patterns.append(_BOOL_SHAPE_RE)
        if notes.near_integers:  # 5.0000000001 renders as "5": ask the XML for whole numbers too
            patterns.append(r"^-?\d+$")
        hit = np.asarray(pc.match_substring_regex(some, "|".join(f"(?:{p})" for p in patterns)))
        return sieve[hit]
    # Dates: "duration" passes date cells only; those python-calamine gives as a time (below
    # 1.0) or a float (year 10000 on) need the exact serial number: ask the XML.
    ms = np.asarray(array.cast("int64").fill_null(MS), dtype=np.int64)
    return np.flatnonzero(~_plain_dates(ms, sheet.source._is_1904)[1])


# --- one column ----------------------------------------------------------------------------------


def _parse_column(
    sheet: _Sheet,
    col: ledger_format.Column,
    array: Any,
    details: dict[int, str],
    keep: Any,
    kept_rows: Any,
    special: dict[int, str],
    raw_cells: dict[tuple[int, int], sheet_xml.RawCell],
    ambiguous: set[int],
) -> tuple[Any, list[Finding], list[int], int]:
    """The frame column (kept rows), its findings and bad rows, and how many cells went the
    slow way."""
    n = sheet.n
    index = sheet.plan.columns[col.name]
    # Python values of the unusual cells, by data position.
    odd: dict[int, Any] = {}
    for i, detail in details.items():
        try:
            _kind, value = cv.value_of_detail(detail)
        except cv.DateOverflow:
            raise Fallback("date overflow") from None
        except cv.Unconvertible:
            raise Fallback(f"detail {detail[:60]}") from None
        odd[i] = value
    for i in ambiguous:
        try:
            odd[i] = _resolve(sheet, col, array, i, raw_cells[(int(sheet.rows[i]), index + 1)])
        except cv.DateOverflow:
            raise Fallback("date overflow") from None
    # Cells the typed read passed although python-calamine gives another type: a
    # duration-styled number in a date column (a timedelta), an ISO-date cell in a text column.
    if col.kind is Kind.DATE:
        for row, c in sheet.notes.duration_cells:
            i = row - 2
            if c == index + 1 and 0 <= i < n and i not in odd and array[i].is_valid:
                odd[i] = _passed_value(col, array[i])
    if col.kind in NUMBER_KINDS:
        fast_values, fast = _numbers_fast(col, array, odd)
    elif col.kind is Kind.DATE:
        fast_values, fast = _dates_fast(col, array, odd, sheet.source._is_1904)
    else:
        fast_values, fast = _texts_fast(sheet, array, odd)
    # Position in the kept rows of every data position (-1: an empty row, dropped).
    where = np.full(n, -1, dtype=np.int64)
    where[keep] = np.arange(len(keep))
    special_positions = [int(where[r - 2]) for r in special if 0 <= r - 2 < n and where[r - 2] >= 0]
    slow = sorted({int(where[i]) for i in odd if where[i] >= 0} | set(special_positions))
    slow_values = np.empty(len(slow), dtype=object)
    data_pos = keep[np.array(slow, dtype=np.int64)] if slow else np.zeros(0, dtype=np.int64)
    for j, i in enumerate(data_pos.tolist()):
        slow_values[j] = odd.get(i, "")  # a special cell reads as "" in python-calamine
    out = reader._Collector(sheet.plan.sheet, col, column_letters(index + 1))
    sub = None
    if slow:
        kinds = reader._TypeCodes()
        types = np.fromiter(
            (kinds[type(v)] for v in slow_values), dtype=np.int16, count=len(slow_values)
        )
        raw = reader._RawColumn.of(slow_values, types, kinds)
        sub = reader._PARSERS[col.kind](raw, kept_rows[np.array(slow)], special, out)
    values = _assemble(col, fast_values, fast, keep, slow, sub)
    return values, out.findings, out.bad_rows, len(slow)


def _resolve(
    sheet: _Sheet, col: ledger_format.Column, array: Any, i: int, cell: sheet_xml.RawCell
) -> Any:
    """python-calamine's value of a cell whose type the typed read hid, from its XML."""
    if cell.t == "s":
        if col.kind is Kind.TEXT:
            return array[i].as_py()
        # The shared string a number column read as ``value``: the noted text that parses to it,
        # or, when two do ("394000", "394000.0", "nan", "NaN"), the one at the cell's index.
        value = float(array[i].as_py())
        texts = sheet.source.texts_by_number.get(value, []) if value == value else []
        if len(texts) == 1:
            return texts[0]
        text = sheet.source.shared_string(int(cell.v or "-1"))
        if text is None:
            raise Fallback(f"shared string {cell.v} not found")
        return text
    if cell.t == "str":
        return cell.v or ""
    if cell.t == "inlineStr":
        return cell.inline or ""
    if cell.t == "b":
        return cell.v == "1"  # only 0/1 reach here (see scan_notes.PartNotes.odd_bools)
    if cell.t == "e":
        return ""
    if cell.t == "d":  # an ISO date: python-calamine parses the common forms
        text = cell.v or ""
        try:
            return cv.iso_datetime(text)
        except cv.Unconvertible:
            return text
    # A number cell: its exact value is the XML's, a date or a duration by its style.
    if cell.v is None:
        return ""
    return sheet.source.number_cell(cell)


def _passed_value(col: ledger_format.Column, scalar: Any) -> Any:
    """A duration-styled number the ``duration`` type passed in a date column: python-calamine
    gives a ``timedelta`` (fastexcel's duration is calamine's, in milliseconds)."""
    try:
        return dt.timedelta(milliseconds=int(scalar.value))
    except OverflowError:
        raise Fallback("date overflow") from None


def _numbers_fast(col: ledger_format.Column, array: Any, odd: dict[int, Any]) -> tuple[Any, Any]:
    """Plain number cells: ``(values, mask of cells done here)``; the rest joins ``odd``."""
    values = np.asarray(array.fill_null(np.nan), dtype=np.float64)
    valid = np.asarray(array.is_valid())
    done = valid.copy()
    if odd:
        done[np.fromiter(odd, dtype=np.int64, count=len(odd))] = False
    with np.errstate(invalid="ignore", over="ignore"):
        if col.kind is Kind.KR:
            fast = done & np.isfinite(values) & (np.abs(values) < FAST_KRONOR)
            fast &= ~((values == 0) & np.signbit(values))
            fast &= np.rint(values * 100) / 100 == values
        else:
            fast = done & np.isfinite(values) & (np.abs(values) < MAX_ABS)
            fast &= values == np.floor(values)
            if col.kind is Kind.YEAR:
                fast &= (values >= 1900) & (values <= 9999)
    for i in np.flatnonzero(done & ~fast).tolist():
        odd[i] = float(values[i])
    return values, fast


def _dates_fast(
    col: ledger_format.Column, array: Any, odd: dict[int, Any], is_1904: bool
) -> tuple[Any, Any]:
    """Date cells (from fastexcel's duration: serial days in ms) -> days since 1970."""
    ms = np.asarray(array.cast("int64").fill_null(0), dtype=np.int64)
    valid = np.asarray(array.is_valid())
    done = valid.copy()
    if odd:
        done[np.fromiter(odd, dtype=np.int64, count=len(odd))] = False
    days, plain = _plain_dates(ms, is_1904)
    fast = done & plain
    for i in np.flatnonzero(done & ~fast).tolist():
        try:
            odd[i] = cv.excel_datetime(int(ms[i]) / MS, duration=False, is_1904=is_1904)
        except cv.DateOverflow:
            raise Fallback("date overflow") from None
    return days - EXCEL_TO_UNIX_DAYS, fast


def _plain_dates(ms: Any, is_1904: bool) -> tuple[Any, Any]:
    """Serial days (calamine's date of each duration in ms), and which are plain dates:
    python-calamine gives a time below 1.0 and a float from year 10000 on."""
    shifted = ms + (cv.DAYS_1904 * MS if is_1904 else 0)
    shifted = np.where(shifted < 60 * MS, shifted + MS, shifted)
    days = np.floor_divide(shifted, MS)
    return days, (ms >= MS) & (days <= LAST_SERIAL_DAY)


def _texts_fast(sheet: _Sheet, array: Any, odd: dict[int, Any]) -> tuple[Any, Any]:
    """Text cells: as read, except empty ones and those with surrounding whitespace."""
    lengths, first, last = sheet.first_last(array)
    edge = (lengths > 0) & (_WS_FIRST[first] | _WS_LAST[last])
    for i in np.flatnonzero(edge).tolist():
        if i not in odd:
            text = array[i].as_py()
            if text.strip() != text:
                odd[i] = text
    done = np.asarray(array.is_valid()) & (lengths > 0)
    if odd:
        done[np.fromiter(odd, dtype=np.int64, count=len(odd))] = False
    return array, done


def _assemble(
    col: ledger_format.Column, fast_values: Any, fast: Any, keep: Any, slow: list[int], sub: Any
) -> Any:
    """The frame column over the kept rows: fast cells, then the parser's values at ``slow``."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    k = len(keep)
    fast_kept = fast[keep]
    slow_at = np.array(slow, dtype=np.int64)
    if col.kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
        data = np.zeros(k, dtype=np.int64)
        mask = np.ones(k, dtype=bool)
        data[fast_kept] = fast_values[keep][fast_kept].astype(np.int64)
        mask[fast_kept] = False
        if sub is not None:
            sub_data = np.asarray(sub._data)
            sub_mask = np.asarray(sub._mask)
            data[slow_at] = sub_data
            mask[slow_at] = sub_mask
        return pd.arrays.IntegerArray(data, mask)
    if col.kind is Kind.KR:
        result = np.full(k, None, dtype=object)
        values = fast_values[keep]
        at = np.flatnonzero(fast_kept)
        if at.size:
            floats = values[at]
            whole = floats == np.floor(floats)
            for selected, make in (
                (whole, reader._decimal_of_whole),
                (~whole, reader._decimal_of_float),
            ):
                if selected.any():
                    distinct, inverse = np.unique(floats[selected], return_inverse=True)
                    made = np.fromiter(
                        map(make, distinct.tolist()), dtype=object, count=distinct.size
                    )
                    result[at[selected]] = made[inverse]
        if sub is not None:
            result[slow_at] = sub
        return result
    if col.kind is Kind.DATE:
        days = fast_values[keep]
        result = np.full(k, np.datetime64("NaT"), dtype="datetime64[s]")
        result[fast_kept] = days[fast_kept].astype("datetime64[D]").astype("datetime64[s]")
        if sub is not None:
            result[slow_at] = sub
        return result
    # Text: the Arrow strings as read; one copy only where cells change (blank -> missing,
    # the parser's text for the slow cells), and none when every row is kept as it is.
    taken = fast_values if k == len(fast_values) else fast_values.take(pa.array(keep))
    slow_mask = _slow_mask(k, slow_at)
    blank = ~fast_kept & ~slow_mask & np.asarray(taken.is_valid())
    if len(slow_at) or blank.any():
        change = slow_mask | blank
        replacements = np.full(int(change.sum()), None, dtype=object)
        if len(slow_at):
            order = np.flatnonzero(change)
            replacements[np.searchsorted(order, slow_at)] = sub
        taken = pc.replace_with_mask(
            taken, pa.array(change), pa.array(replacements.tolist(), type=taken.type)
        )
    if taken.null_count == k:
        return np.full(k, None, dtype=object)
    return taken


def _slow_mask(k: int, slow_at: Any) -> Any:
    mask = np.zeros(k, dtype=bool)
    mask[slow_at] = True
    return mask
