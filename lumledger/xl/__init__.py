"""Excel front end: the buttons' entry points and the worksheet functions, through xlwings.

This is the only module that imports xlwings. It works on the *live* workbook: values are read
through Excel (so unsaved edits count) into the same reader the file path uses, the library does
the work, and the results are written back through Excel itself, never by saving the file with a
spreadsheet library.

Layers:

* :class:`XlwingsSource` adapts an ``xlwings.Book`` to :class:`~lumledger.workbook.reader.CellSource`
  using only ``book.sheets``, ``sheet.name`` and ``sheet.used_range`` (its ``.row``/``.column``
  and ``.options(ndim=2, err_to_str=True).value``).
* ``run_validate``, ``run_rollup``, ``run_export``, ``run_reconcile``, ``run_new_round``,
  ``run_decide`` and ``run_close`` are plain functions of a book object. The RunPython entry
  points (:func:`validate`, :func:`rollup`, :func:`export`, :func:`reconcile`, :func:`new_round`,
  :func:`decide`, :func:`close`; one per button in ``xl/buttons.json``) call them with
  ``xw.Book.caller()`` inside :func:`guarded`, which turns any exception into a Swedish message
  box (``book.app.alert``) instead of a traceback dialog. On Linux the tests call the ``run_*``
  functions and the entry points with a stand-in book (``tests/test_xl.py``).
* The worksheet functions ``LUM_SUMMA``, ``LUM_ANTAL``, ``LUM_KVAR``, ``LUM_BELOPP`` and
  ``LUM_GIRO_OK`` (``@xw.func``) are thin wrappers over plain functions (:func:`lum_summa` …)
  that take a parsed :class:`~lumledger.ledger.Ledger` or a text.

What the buttons write:

* ``Fel`` (validation) and ``Avstämning`` (reconciliation): one row per finding; the first column
  is a hyperlink to the cell (``#'Ansökningar'!M5``). ``Summering``: the roll-up tables.
  Each sheet is created after the ledger's sheets the first time, and cleared on every run.
  The sheets are the tables of :mod:`lumledger.reports` (findings, reconciliation, roll-up),
  laid out by :mod:`lumledger.xl.sheets`.
* The cells a finding names are marked: light red fill for an error, light yellow for a warning,
  and a note with the rule code and message. What was marked, and the fill and note the cell had
  before, is kept on the hidden sheet ``lumledger``. The next run of the same command restores
  exactly those cells (a cell keeps the officer's own fill and note) and marks the new findings.
  A mark the officer has changed since (another fill, an edited note) is left alone.
* Exports go to the folder of the workbook (``Path(book.fullname).parent``; a OneDrive address
  is mapped to the synced folder by xlwings); a message box lists the files.
* The year for "Exportera bilagor" and the budget-cycle buttons is ``Start!C3`` when it is
  filled; otherwise export takes the latest round, "Ny omgång" the year after it, "Besluta" the
  latest round not yet decided and "Stäng år" the latest decided one. The message says which.
* The budget-cycle buttons compute the same plan as ``lumledger cycle`` (:mod:`lumledger.cycle`),
  show it and ask OK/Avbryt, then write the plan's cells through Excel (not saved: the officer
  saves) and validate again. "Besluta" takes the date and diary number from the round's row in
  Omgångar (the date defaults to today); "Stäng år" never forces.

Limits of the live reader (documented, not silently wrong):

* Excel errors in cells arrive as ``"#N/A"``-style strings (``err_to_str``) or, for newer error
  kinds Windows xlwings does not name (``#SPILL!``, ``#CALC!`` …), as COM error integers; both are
  reported as ``LUM-E003`` at their cell, like the file reader does. A text cell whose text *is*
  an error literal (``'#N/A``) is indistinguishable and is reported the same way.
* A formula always has a value in a live book, so the file reader's "formula without a cached
  value" finding never occurs here.
* Text written into cells is prefixed with an apostrophe, so Excel stores it as text and never
  turns ``2018-10-26``, ``-25 000`` or ``=…`` into a date, number or formula.
* Marks are recorded by cell address. Excel moves a cell's fill and note with it when rows or
  columns are inserted or deleted, so after such an edit a mark may sit at an address the record
  does not name; it is then left for the officer to clear (the next run marks afresh).

"Summera" and "Exportera bilagor" refuse an invalid ledger, as the command line does: they write
``Fel`` (and its marks) and say so. When the ledger is valid they refresh an existing ``Fel``
so that it never shows errors that are gone. "Stäm av" runs on what can be read and says how
many validation errors there are.

Worksheet functions: ``LUM_SUMMA``, ``LUM_ANTAL`` and ``LUM_KVAR`` are volatile (Excel cannot
see that they depend on the ledger's sheets) and read the calling workbook's input sheets on
every recalculation, so unsaved edits count; the parse is reused while the cells are exactly the
same (:func:`ledger_of_book`). ``LUM_BELOPP`` returns whole kronor as an integer and öre as a
float (Excel has no decimal type). A bad argument gives the text ``#LUM: …`` in the cell.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import xlwings as xw

from lumledger import collector, ledger_format
from lumledger.findings import Finding, LedgerReadError, LedgerWriteError, plural, summarize
from lumledger.ledger import Ledger
from lumledger.money import AmountError, check_payment_account, parse_amount_text
from lumledger.reports.findings_table import SHEET_COLUMNS, findings_table
from lumledger.reports.reconciliation_tables import reconciliation_sheet
from lumledger.reports.rollup_tables import rollup_overview
from lumledger.reports.tables import Report
from lumledger.validation import Validation, validate_ledger
from lumledger.workbook.reader import CellSource, SheetCells, load_ledger
from lumledger.xl.sheets import excel_value, write_report, write_rows
from lumledger.xl.sheets import link_address as link_address  # the public name of the front end

log = logging.getLogger(__name__)

T = TypeVar("T")

TITLE = "LUM-liggaren"

FEL = "Fel"
SUMMERING = "Summering"
AVSTAMNING = "Avstämning"
MARKS_SHEET = "lumledger"  # hidden: the cells lumledger marked and what they looked like before

#: The Start sheet's cell holding the year for "Exportera bilagor" and the budget-cycle buttons.
YEAR_SHEET = "Start"
YEAR_CELL = "C3"

#: Our part of a note is kept this short: Excel may cut longer texts passed through COM.
NOTE_LIMIT = 255

ERROR_FILL: tuple[int, int, int] = (255, 199, 206)  # Excel's "Bad" fill, light red
WARNING_FILL: tuple[int, int, int] = (255, 235, 156)  # Excel's "Neutral" fill, light yellow

#: The header of ``Fel``.
FINDING_HEADER = [column.heading for column in SHEET_COLUMNS]
MARK_HEADER = [
    "Blad",
    "Cell",
    "Kommando",
    "Allvarlighet",
    "Text",
    "Färg före",
    "Anteckning före",
    "Satt färg",
    "Satt anteckning",
]

VALIDATE = "validera"
RECONCILE = "avstämning"

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


# --- reading the live book -------------------------------------------------------------------------


def _key(title: str) -> str:
    return str(title).strip().casefold()


_INPUT_KEYS = frozenset(_key(sheet) for sheet in ledger_format.INPUT_SHEETS)


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


class XlwingsSource:
    """A live workbook as a :class:`~lumledger.workbook.reader.CellSource`.

    Uses ``book.name``, ``book.sheets`` (iteration and lookup by name), ``sheet.name`` and
    ``sheet.used_range``: its top-left ``.row``/``.column`` give the offset, and
    ``.options(ndim=2, err_to_str=True).value`` the values as a list of rows even for one row
    or one cell. Excel errors become ``special`` cells (see the module's notes).
    """

    def __init__(self, book: Any) -> None:
        self.book = book

    @property
    def name(self) -> str:
        return str(self.book.name)

    def sheet_titles(self) -> list[str]:
        return [str(sheet.name) for sheet in self.book.sheets]

    def read_sheet(self, title: str) -> SheetCells:
        used = self.book.sheets[title].used_range
        first_row, first_col = int(used.row), int(used.column)
        raw = used.options(ndim=2, err_to_str=True).value
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


class _Snapshot:
    """The input sheets of a source, read once (a :class:`CellSource` that compares by value)."""

    def __init__(self, source: CellSource) -> None:
        self.name = source.name
        self.titles = source.sheet_titles()
        self.cells = {
            title: source.read_sheet(title) for title in self.titles if _key(title) in _INPUT_KEYS
        }

    def sheet_titles(self) -> list[str]:
        return list(self.titles)

    def read_sheet(self, title: str) -> SheetCells:
        # A copy: the reader may let go of a SheetCells' rows once it has parsed them.
        return replace(self.cells[title])

    def same_as(self, other: _Snapshot) -> bool:
        return self.titles == other.titles and self.cells == other.cells


def read_book(book: Any) -> Ledger:
    """Parse the live ``book`` (values as Excel holds them now, saved or not)."""
    return load_ledger(XlwingsSource(book))


# --- writing into the live book --------------------------------------------------------------------


def _find_sheet(book: Any, title: str) -> Any | None:
    for sheet in book.sheets:
        if _key(sheet.name) == _key(title):
            return sheet
    return None


def _output_sheet(book: Any, title: str) -> Any:
    """The sheet ``title``, cleared; created after the ledger's sheets when it does not exist."""
    sheet = _find_sheet(book, title)
    if sheet is not None:
        sheet.cells.clear()
        return sheet
    sheets = list(book.sheets)
    known = {_key(name) for name in (*ledger_format.INPUT_SHEETS, *ledger_format.OUTPUT_SHEETS)}
    after = sheets[-1]
    for candidate in sheets:
        if _key(candidate.name) in known:
            after = candidate
    return book.sheets.add(title, after=after)


def _title_for(ledger: Ledger | None, book: Any, sheet: str) -> str | None:
    """The workbook's title for the format's sheet name (it may differ in case or spaces)."""
    if ledger is not None:
        table = ledger.sheet(sheet)
        if table is not None:
            return table.title
    found = _find_sheet(book, sheet)
    return None if found is None else str(found.name)


def _titles(book: Any, ledger: Ledger | None) -> Callable[[str], str | None]:
    """The workbook's title of each format sheet a link points at (see :func:`_title_for`)."""
    return lambda sheet: _title_for(ledger, book, sheet)


# --- marking failing cells -------------------------------------------------------------------------


@dataclass(slots=True)
class CellMark:
    """One cell lumledger has marked: what each command found there, and what it looked like."""

    sheet: str  # the workbook's sheet title
    cell: str
    entries: dict[str, tuple[bool, str]] = field(default_factory=dict)  # command -> (error, text)
    color_before: tuple[int, int, int] | None = None
    note_before: str | None = None
    color_set: tuple[int, int, int] | None = None
    note_set: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (_key(self.sheet), self.cell.upper())

    def fill(self) -> tuple[int, int, int]:
        return ERROR_FILL if any(error for error, _ in self.entries.values()) else WARNING_FILL

    def note(self) -> str:
        """The note: the officer's own text (if any), then ours, at most :data:`NOTE_LIMIT`
        characters of ours (the full messages are on the output sheet)."""
        ours = "lumledger:\n" + "\n".join(text for _, text in self.entries.values())
        if len(ours) > NOTE_LIMIT:
            ours = ours[: NOTE_LIMIT - 1].rstrip() + "…"
        return f"{self.note_before}\n\n{ours}" if self.note_before else ours


def same_note(now: str | None, written: str | None) -> bool:
    """Whether a cell's note is still the one lumledger wrote. Excel may have cut a long text
    at 255 characters when it was passed in (KB 213841), so that cut form counts as ours too."""
    if now == written:
        return True
    if now is None or written is None or len(written) <= NOTE_LIMIT:
        return False
    return now == _norm_note(written[:NOTE_LIMIT])


def _hex(color: tuple[int, int, int] | None) -> str:
    return "" if color is None else "#{:02x}{:02x}{:02x}".format(*color)


def _unhex(text: Any) -> tuple[int, int, int] | None:
    if not isinstance(text, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", text.strip()):
        return None
    value = text.strip()
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def _color(value: Any) -> tuple[int, int, int] | None:
    if value is None:
        return None
    if isinstance(value, tuple | list) and len(value) == 3:
        return (int(value[0]), int(value[1]), int(value[2]))
    return None


def _norm_note(text: Any) -> str | None:
    if text is None:
        return None
    value = str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


def _note_text(rng: Any) -> str | None:
    note = rng.note
    return None if note is None else _norm_note(note.text)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def read_marks(book: Any) -> dict[tuple[str, str], CellMark]:
    """The marks recorded on the hidden sheet, by (sheet key, cell)."""
    sheet = _find_sheet(book, MARKS_SHEET)
    marks: dict[tuple[str, str], CellMark] = {}
    if sheet is None:
        return marks
    values = sheet.used_range.options(ndim=2).value or []
    for row in values[1:]:
        row = [*list(row), *([None] * len(MARK_HEADER))][: len(MARK_HEADER)]
        title, cell, command, severity, text = row[:5]
        if not title or not cell or not command:
            continue
        mark = CellMark(
            sheet=str(title),
            cell=str(cell).strip().upper(),
            color_before=_unhex(row[5]),
            note_before=_norm_note(_text_or_none(row[6])),
            color_set=_unhex(row[7]),
            note_set=_norm_note(_text_or_none(row[8])),
        )
        existing = marks.setdefault(mark.key, mark)
        existing.entries[str(command)] = (str(severity) == "fel", str(text or ""))
    return marks


def _write_marks(book: Any, marks: Iterable[CellMark]) -> None:
    rows: list[list[Any]] = [list(MARK_HEADER)]
    for mark in marks:
        for command, (error, text) in mark.entries.items():
            rows.append(
                [
                    mark.sheet,
                    mark.cell,
                    command,
                    "fel" if error else "varning",
                    text,
                    _hex(mark.color_before),
                    mark.note_before,
                    _hex(mark.color_set),
                    mark.note_set,
                ]
            )
    sheet = _find_sheet(book, MARKS_SHEET)
    if sheet is None:
        if len(rows) == 1:
            return
        sheets = list(book.sheets)
        sheet = book.sheets.add(MARKS_SHEET, after=sheets[-1])
        sheet.visible = False
    else:
        sheet.cells.clear()
    write_rows(sheet, rows)


def _entries_for(
    book: Any, ledger: Ledger | None, items: Iterable[Finding]
) -> dict[tuple[str, str], CellMark]:
    """This run's findings grouped by cell (findings without a cell mark nothing)."""
    out: dict[tuple[str, str], CellMark] = {}
    lines: dict[tuple[str, str], list[tuple[bool, str]]] = {}
    for item in items:
        if not item.sheet or not item.cell:
            continue
        title = _title_for(ledger, book, item.sheet)
        if title is None:
            continue
        mark = CellMark(sheet=title, cell=item.cell.upper())
        out.setdefault(mark.key, mark)
        lines.setdefault(mark.key, []).append((item.is_error, f"{item.code} {item.message}"))
    for key, found in lines.items():
        error = any(e for e, _ in found)
        text = "\n".join(t for _, t in found)
        out[key].entries["*"] = (error, text)
    return out


def mark_cells(
    book: Any, command: str, items: Iterable[Finding], ledger: Ledger | None = None
) -> None:
    """Replace ``command``'s marks with marks for ``items``; other commands' marks stay."""
    old = read_marks(book)
    new = _entries_for(book, ledger, items)
    keys = list(old) + [k for k in new if k not in old]
    kept: list[CellMark] = []
    for key in keys:
        before = old.get(key)
        now = new.get(key)
        entries: dict[str, tuple[bool, str]] = {}
        if before is not None:
            entries = {c: e for c, e in before.entries.items() if c != command}
        if now is not None:
            entries[command] = now.entries["*"]
        base = before if before is not None else now
        assert base is not None
        sheet = _find_sheet(book, base.sheet)
        if sheet is None:
            continue  # the sheet was deleted or renamed: nothing to restore
        rng = sheet.range(base.cell)
        color_now = _color(rng.color)
        note_now = _note_text(rng)
        if before is not None:
            ours_color = color_now == before.color_set
            ours_note = same_note(note_now, before.note_set)
            color_before = before.color_before if ours_color else color_now
            note_before = before.note_before if ours_note else note_now
        else:
            ours_color = ours_note = False
            color_before, note_before = color_now, note_now
        if not entries:
            if before is not None:
                if ours_color:
                    rng.color = color_before
                if ours_note:
                    _set_note(rng, note_before)
            continue
        mark = CellMark(
            sheet=str(sheet.name),
            cell=base.cell,
            entries=entries,
            color_before=color_before,
            note_before=note_before,
        )
        mark.color_set = mark.fill()
        mark.note_set = _norm_note(mark.note())
        if color_now != mark.color_set:
            rng.color = mark.color_set
        if not same_note(note_now, mark.note_set):
            _set_note(rng, mark.note_set)
        kept.append(mark)
    _write_marks(book, kept)


def _set_note(rng: Any, text: str | None) -> None:
    note = rng.note
    if text is None:
        if note is not None:
            note.delete()
    elif note is None:
        rng.add_note(text)
    else:
        note.text = text


# --- the message box and the guard -----------------------------------------------------------------


def alert(book: Any, message: str, *, critical: bool = False) -> None:
    book.app.alert(message, TITLE, "ok", "critical" if critical else "info")


UNEXPECTED = (
    "Ett oväntat fel inträffade i lumledger ({kind}: {text}). Arbetsboken har inte sparats. "
    "Prova samma sak "
    "på kommandoraden (se bladet Start) och skicka utskriften till förvaltningens IT-stöd."
)


def guarded(book: Any, action: Callable[[Any], T]) -> T | None:
    """Run ``action(book)``; any exception becomes a message box, never a traceback dialog."""
    try:
        with collector.paused():  # one button, one pause: see lumledger.collector
            return action(book)
    except (LedgerReadError, LedgerWriteError) as exc:
        message = exc.message
    except MemoryError:
        message = "Arbetsboken är för stor för datorns minne; dela upp liggaren."
    except Exception as exc:
        log.exception("lumledger.xl: %s failed", getattr(action, "__name__", "action"))
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "inget meddelande"
        message = UNEXPECTED.format(kind=type(exc).__name__, text=text[:300])
    try:
        alert(book, message, critical=True)
    except Exception:  # the alert itself failed: let xlwings show what went wrong
        log.exception("lumledger.xl: the message box failed")
        raise
    return None


@contextmanager
def _quiet(book: Any) -> Iterator[None]:
    """Screen updating off while many cells are written (restored afterwards)."""
    app = book.app
    try:
        before = app.screen_updating
        app.screen_updating = False
    except Exception:  # not every host has it
        yield
        return
    try:
        yield
    finally:
        app.screen_updating = before


def _caller() -> Any:
    return xw.Book.caller()


# --- Validera --------------------------------------------------------------------------------------


def publish_validation(book: Any, result: Validation, *, activate: bool = True) -> Any:
    """Write ``Fel`` and mark the failing cells (clearing the previous validation's marks)."""
    with _quiet(book):
        sheet = _output_sheet(book, FEL)
        findings = findings_table(
            result.findings, SHEET_COLUMNS, name=FEL, empty="Inga fel eller varningar hittades."
        )
        write_report(
            sheet, Report(title=None, tables=(findings,)), sheet_title=_titles(book, result.ledger)
        )
        mark_cells(book, VALIDATE, result.findings, result.ledger)
    if activate:
        sheet.activate()
    return sheet


def _verdict(result: Validation) -> str:
    summary = summarize(result.findings)
    if not result.findings:
        return "Inga fel eller varningar hittades."
    counts = f"{plural(summary.errors, 'fel', 'fel')} och {plural(summary.warnings, 'varning', 'varningar')}"
    if result.valid:
        return f"Liggaren är giltig: inga fel, {plural(summary.warnings, 'varning', 'varningar')}. Se bladet Fel."
    return f"Liggaren har {counts}. De står på bladet Fel, och cellerna är markerade."


def run_validate(book: Any) -> Validation:
    """Validera: read the live book, write ``Fel``, mark the cells, show the verdict."""
    result = validate_ledger(read_book(book))
    publish_validation(book, result)
    alert(book, _verdict(result))
    return result


def _checked_ledger(book: Any, what: str) -> Ledger | None:
    """The ledger when it is valid. Otherwise ``Fel`` is written and ``None`` returned."""
    result = validate_ledger(read_book(book))
    if not result.valid or _find_sheet(book, FEL) is not None:
        publish_validation(book, result, activate=not result.valid)
    if result.valid:
        return result.ledger
    summary = summarize(result.findings)
    alert(
        book,
        f"Liggaren har {plural(summary.errors, 'fel', 'fel')}, så {what} görs inte. "
        "Felen står på bladet Fel; rätta dem och försök igen.",
        critical=True,
    )
    return None


# --- Summera ---------------------------------------------------------------------------------------


def run_rollup(book: Any) -> Any:
    """Summera: roll up the live book onto ``Summering`` (refused for an invalid ledger)."""
    from lumledger.rollups import compute_rollup

    ledger = _checked_ledger(book, "summeringen")
    if ledger is None:
        return None
    result = compute_rollup(ledger)
    with _quiet(book):
        sheet = _output_sheet(book, SUMMERING)
        write_report(
            sheet, rollup_overview(result, year_totals_last=True), sheet_title=_titles(book, ledger)
        )
    sheet.activate()
    years = ", ".join(str(y) for y in result.years) or "inga år"
    alert(book, f"Summeringen ({years}) står på bladet Summering.")
    return result


# --- Exportera bilagor -----------------------------------------------------------------------------


def workbook_folder(book: Any) -> Path:
    """The folder the workbook is saved in (a OneDrive/SharePoint address is mapped to the
    synced local folder by xlwings). Raises :class:`LedgerWriteError` for an unsaved book."""
    fullname = str(book.fullname)
    if fullname.lower().startswith(("http://", "https://")):
        try:
            fullname = str(xw.utils.fullname_url_to_local_path(fullname))
        except Exception:
            raise LedgerWriteError(
                "Arbetsboken ligger i OneDrive eller SharePoint och den lokala mappen gick inte "
                "att hitta; spara en kopia i en vanlig mapp eller använd kommandoraden."
            ) from None
    path = Path(fullname)
    if not path.is_absolute() or not path.parent.is_dir():
        raise LedgerWriteError(
            "Arbetsboken är inte sparad i någon mapp ännu; spara den först, så hamnar bilagorna "
            "bredvid den."
        )
    return path.parent


def start_year(book: Any) -> int | None:
    """The year in ``Start!C3``, or ``None`` when the cell (or the sheet) is empty.

    Raises :class:`LedgerReadError` when the cell holds something that is not a year."""
    start = _find_sheet(book, YEAR_SHEET)
    raw = start.range(YEAR_CELL).value if start is not None else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        year = _year_arg(raw)
    except ValueError:
        year = None
    if year is None:
        raise LedgerReadError(
            f"{YEAR_SHEET}!{YEAR_CELL} ska innehålla ett årtal (t.ex. 2019), inte ”{raw}”."
        )
    return year


def export_year_choice(book: Any, ledger: Ledger) -> tuple[int, str]:
    """The year to export and where it came from: ``Start!C3`` when filled, else the latest
    ``Omgångar`` year. Raises :class:`LedgerReadError` when neither gives a year."""
    where = f"{YEAR_SHEET}!{YEAR_CELL}"
    year = start_year(book)
    if year is not None:
        return year, f"året i {where}"
    years = list(ledger.rounds)
    if not years:
        raise LedgerReadError(
            f"Det finns ingen omgång i bladet Omgångar; skriv året i {where} eller lägg till "
            "omgången."
        )
    return max(years), f"senaste året i Omgångar ({where} är tomt)"


def run_export(book: Any) -> list[Path]:
    """Exportera bilagor: Bilaga 1 and 2 for the year, next to the workbook."""
    from lumledger.official import NoApplicationsError
    from lumledger.reports.official_files import export_year

    folder = workbook_folder(book)
    ledger = _checked_ledger(book, "exporten")
    if ledger is None:
        return []
    year, source = export_year_choice(book, ledger)
    try:
        paths = export_year(ledger, year, folder)
    except NoApplicationsError as exc:
        alert(book, f"{exc.message} Året är {source}.", critical=True)
        return []
    listing = "\n".join(str(path) for path in paths)
    alert(book, f"Bilagorna för {year} ({source}) är skrivna i {folder}:\n{listing}")
    return paths


# --- Stäm av ---------------------------------------------------------------------------------------


def run_reconcile(book: Any, as_of: dt.date | None = None) -> Any:
    """Stäm av: reconcile the live book onto ``Avstämning`` and mark the cells it names."""
    from lumledger.reconciliation import reconcile

    ledger = read_book(book)
    result = reconcile(ledger, as_of)
    with _quiet(book):
        sheet = _output_sheet(book, AVSTAMNING)
        write_report(sheet, reconciliation_sheet(result), sheet_title=_titles(book, ledger))
        mark_cells(book, RECONCILE, result.findings, ledger)
    sheet.activate()
    summary = summarize(result.findings)
    if result.findings:
        text = (
            f"Avstämningen har {plural(len(result.findings), 'avvikelse', 'avvikelser')} "
            f"({plural(summary.errors, 'fel', 'fel')}, "
            f"{plural(summary.warnings, 'varning', 'varningar')}); se bladet Avstämning."
        )
    else:
        text = "Avstämningen har inga avvikelser; se bladet Avstämning."
    if result.not_run:
        text += " Några kontroller kunde inte köras; skälen står på bladet."
    if result.validation_errors:
        text += (
            f" Liggaren har {plural(result.validation_errors, 'valideringsfel', 'valideringsfel')}."
        )
    alert(book, text)
    return result


# --- the budget cycle: Ny omgång, Besluta, Stäng år -----------------------------------------------

UNDO_WARNING = (
    "Ändringen görs i arbetsboken i Excel och kan inte ångras med Ctrl+Z; spara arbetsboken "
    "efteråt (eller stäng utan att spara för att slippa den)."
)


def _cycle_year(book: Any, ledger: Ledger, step: str) -> tuple[int, str]:
    """The year a cycle step works on: ``Start!C3`` when filled, else from ``Omgångar``:
    the year after the latest round (new round), the latest round not yet decided (decide),
    the latest decided round (close)."""
    where = f"{YEAR_SHEET}!{YEAR_CELL}"
    year = start_year(book)
    if year is not None:
        return year, f"året i {where}"
    years = list(ledger.rounds)  # ascending
    if step == "new-round":
        if not years:
            raise LedgerReadError(f"Bladet Omgångar är tomt; skriv det nya året i {where}.")
        return years[-1] + 1, f"året efter den senaste omgången ({where} är tomt)"
    wanted = (
        (None, ledger_format.STATUS_OPEN, ledger_format.STATUS_ASSESSMENT)
        if step == "decide"
        else (ledger_format.STATUS_DECIDED,)
    )
    for candidate in reversed(years):
        if ledger.rounds[candidate].status in wanted:
            label = "ej beslutade" if step == "decide" else "beslutade"
            return candidate, f"den senaste {label} omgången ({where} är tomt)"
    what = "som inte är beslutad" if step == "decide" else "med status Beslutad"
    raise LedgerReadError(f"Det finns ingen omgång {what}; skriv året i {where}.")


def apply_writes(book: Any, writes: Sequence[Any]) -> int:
    """Write a plan's cells through Excel; every target sheet is found before anything is
    written. Returns the number of cells written."""
    targets = []
    for write in writes:
        sheet = _find_sheet(book, write.sheet)
        if sheet is None:
            raise LedgerWriteError(f"Bladet {write.sheet} finns inte längre; inget ändrades.")
        targets.append((sheet, write))
    with _quiet(book):
        for sheet, write in targets:
            sheet.range(write.cell).value = excel_value(write.value)
    return len(targets)


def _run_cycle_step(
    book: Any, step: str, make_plan: Callable[[Ledger, int], Any], title: str
) -> Any:
    from lumledger.cycle import CycleRefusal

    ledger = read_book(book)
    year, source = _cycle_year(book, ledger, step)
    try:
        plan = make_plan(ledger, year)
    except CycleRefusal as refusal:
        validation = validate_ledger(ledger)
        if not validation.valid:
            publish_validation(book, validation)
        listing = [f"{f.code} {f.id or f.location}: {f.message}" for f in refusal.findings[:8]]
        if len(refusal.findings) > 8:
            listing.append(f"… och {len(refusal.findings) - 8} till.")
        text = "\n".join([f"{title} {year} ({source}): {refusal.message}", *listing])
        alert(book, text, critical=True)
        return None
    question = "\n".join(
        [f"{title} {year} ({source}):", *plan.summary, "", UNDO_WARNING, "", "Fortsätta?"]
    )
    if book.app.alert(question, TITLE, "ok_cancel", "info") != "ok":
        alert(book, "Inget ändrades.")
        return None
    count = apply_writes(book, plan.writes)
    after = validate_ledger(read_book(book))
    if not after.valid or _find_sheet(book, FEL) is not None:
        publish_validation(book, after, activate=not after.valid)
    text = f"{title} {year}: {plural(count, 'cell', 'celler')} skrevs. Spara arbetsboken."
    if not after.valid:
        text += f" Obs: liggaren har nu {plural(len(after.errors), 'fel', 'fel')}; se bladet Fel."
    alert(book, text)
    return plan


def run_new_round(book: Any) -> Any:
    """Ny omgång: add the next round to Omgångar and carry multi-year projects into it."""
    from lumledger.cycle import plan_new_round

    return _run_cycle_step(book, "new-round", plan_new_round, "Ny omgång")


def run_decide(book: Any, today: dt.date | None = None) -> Any:
    """Besluta: the round's ``Beslutsdatum`` (or today) and ``Diarienummer`` from Omgångar."""
    from lumledger.cycle import plan_decide

    def make_plan(ledger: Ledger, year: int) -> Any:
        round_ = ledger.round_of(year)
        decided_on = (round_.decided_on if round_ else None) or today or dt.date.today()
        diary = round_.diary_number if round_ else None
        return plan_decide(ledger, year, decided_on=decided_on, diary_number=diary)

    return _run_cycle_step(book, "decide", make_plan, "Besluta")


def run_close(book: Any, as_of: dt.date | None = None) -> Any:
    """Stäng år: only when reconciliation has nothing open for the year (never forced here)."""
    from lumledger.cycle import plan_close

    def make_plan(ledger: Ledger, year: int) -> Any:
        return plan_close(ledger, year, as_of=as_of)

    return _run_cycle_step(book, "close", make_plan, "Stäng år")


# --- the worksheet functions -----------------------------------------------------------------------


class _LedgerCache:
    """The last parsed ledgers of the open books, least recently used first, at most ``size``.

    Keyed by the book's full name; an entry is only used when the cells read now are exactly the
    cells it was parsed from, so a stale or mistaken key costs a parse, never a wrong figure.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[_Snapshot, Ledger]] = OrderedDict()

    def get(self, key: str, snapshot: _Snapshot) -> Ledger | None:
        entry = self._entries.get(key)
        if entry is None or not entry[0].same_as(snapshot):
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, snapshot: _Snapshot, ledger: Ledger) -> None:
        self._entries[key] = (snapshot, ledger)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_LEDGER_CACHE = _LedgerCache(size=3)


def ledger_of_book(book: Any) -> Ledger:
    """The parsed ledger of a live book for the worksheet functions.

    The cells are read every time (so the figures follow unsaved edits); parsing is skipped when
    they are exactly the cells of an earlier call for the same book (one of the last few books).
    """
    snapshot = _Snapshot(XlwingsSource(book))
    key = str(book.fullname)
    cached = _LEDGER_CACHE.get(key, snapshot)
    if cached is not None:
        return cached
    ledger = load_ledger(snapshot)
    _LEDGER_CACHE.put(key, snapshot, ledger)
    return ledger


def _year_arg(value: Any, *, required: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError("året saknas")
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} är inte ett årtal")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1900 <= value <= 9999:
        return value
    raise ValueError(f"”{value}” är inte ett årtal")


def _kind_arg(value: Any, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError("typen saknas (Projekt eller Studiebesök)")
        return None
    for kind in ledger_format.APPLICATION_TYPES:
        if str(value).strip().casefold() == kind.casefold():
            return kind
    raise ValueError(f"typen ”{value}” finns inte; skriv Projekt eller Studiebesök")


def _field_arg(value: Any) -> str:
    from lumledger.rollups import SUM_FIELDS

    for name in SUM_FIELDS:
        if str(value).strip().casefold() == name.casefold():
            return name
    raise ValueError(f"fältet ”{value}” går inte att summera; välj {', '.join(SUM_FIELDS)}")


def lum_summa(ledger: Ledger, year: Any, kind: Any, field: Any) -> int:
    """LUM_SUMMA: the sum of ``field`` in Ansökningar for ``year`` and ``kind`` (blank = all)."""
    from lumledger.rollups import sum_field

    return sum_field(ledger, _year_arg(year), _kind_arg(kind), _field_arg(field))


def lum_antal(ledger: Ledger, year: Any, kind: Any) -> int:
    """LUM_ANTAL: the number of applications for ``year`` and ``kind`` (blank = all)."""
    from lumledger.rollups import count_applications

    return count_applications(ledger, _year_arg(year), _kind_arg(kind))


def lum_kvar(ledger: Ledger, year: Any, kind: Any) -> int | None:
    """LUM_KVAR: the year's frame for ``kind`` minus what is granted; ``None`` without a frame."""
    from lumledger.rollups import frame_left

    year_value = _year_arg(year, required=True)
    kind_value = _kind_arg(kind, required=True)
    assert year_value is not None and kind_value is not None
    return frame_left(ledger, year_value, kind_value)


def lum_belopp(text: Any) -> int | float | None:
    """LUM_BELOPP: a Swedish amount typed as text as a number.

    Whole kronor come back as ``int``; an amount with öre as ``float``, only because Excel
    cells hold binary doubles (the exact value is the decimal shown). Blank gives ``None``
    (an empty cell); a number is returned as it is. Raises ``ValueError`` for other text.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise ValueError(f"{text!r} är inte ett belopp")
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return int(text) if text.is_integer() else text
    try:
        value = parse_amount_text(str(text))
    except AmountError:
        raise ValueError(f"”{str(text).strip()}” är inte ett belopp") from None
    return int(value) if value == value.to_integral_value() else float(value)


def lum_giro_ok(text: Any) -> bool:
    """LUM_GIRO_OK: whether a bankgiro/plusgiro number passes the mod-10 check."""
    if text is None:
        return False
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return check_payment_account(str(text)).ok


def _udf(compute: Callable[[], T]) -> T | str:
    """Run a worksheet function's body; a problem becomes ``#LUM: …`` text in the cell."""
    try:
        return compute()
    except (ValueError, LedgerReadError) as exc:
        message = exc.message if isinstance(exc, LedgerReadError) else str(exc)
        return f"#LUM: {message}"
    except Exception as exc:
        log.exception("lumledger.xl: worksheet function failed")
        return f"#LUM: oväntat fel ({type(exc).__name__})"


def _book_of(caller: Any) -> Any:
    return caller.sheet.book


# Rules xlwings sets for these signatures (on Windows its decorators are live):
# * argument names are ASCII, because xlwings turns them into VBA identifiers;
# * ``caller`` is xlwings' reserved argument: the calling cell (an ``xw.Range``), not shown in
#   Excel;
# * every annotation is ``Any``: xlwings uses type hints as converters, and a union such as
#   ``int | str`` has no converter (the call would fail in Excel).


@xw.func(category="LUM", volatile=True)
@xw.arg("ar", doc="Året, t.ex. 2019 (tomt = alla år)")
@xw.arg("typ", doc="Projekt eller Studiebesök (tomt = båda)")
@xw.arg("falt", doc="Sökt belopp, Beviljat belopp eller Tidigare beviljat")
def LUM_SUMMA(ar: Any, typ: Any, falt: Any, caller: Any) -> Any:
    """Summan av ett beloppsfält i Ansökningar för ett år och en typ."""
    return _udf(lambda: lum_summa(ledger_of_book(_book_of(caller)), ar, typ, falt))


@xw.func(category="LUM", volatile=True)
@xw.arg("ar", doc="Året, t.ex. 2019 (tomt = alla år)")
@xw.arg("typ", doc="Projekt eller Studiebesök (tomt = båda)")
def LUM_ANTAL(ar: Any, typ: Any, caller: Any) -> Any:
    """Antalet ansökningar för ett år och en typ."""
    return _udf(lambda: lum_antal(ledger_of_book(_book_of(caller)), ar, typ))


@xw.func(category="LUM", volatile=True)
@xw.arg("ar", doc="Året, t.ex. 2019")
@xw.arg("typ", doc="Projekt eller Studiebesök")
def LUM_KVAR(ar: Any, typ: Any, caller: Any) -> Any:
    """Det som återstår av årets ram för typen efter beviljade belopp."""
    return _udf(lambda: lum_kvar(ledger_of_book(_book_of(caller)), ar, typ))


@xw.func(category="LUM")
@xw.arg("text", doc="Ett belopp i svensk form, t.ex. 1 457 956,00 kr")
def LUM_BELOPP(text: Any) -> Any:
    """Ett belopp skrivet som text i svensk form, som tal."""
    return _udf(lambda: lum_belopp(text))


@xw.func(category="LUM")
@xw.arg("text", doc="T.ex. Bankgiro 123-4567 eller Plusgiro 5 55 13-6")
def LUM_GIRO_OK(text: Any) -> Any:
    """SANT om bankgiro- eller plusgironumret klarar kontrollsiffran."""
    return _udf(lambda: lum_giro_ok(text))


# --- RunPython entry points ------------------------------------------------------------------------


def validate() -> None:
    """Knappen Validera (RunPython ``lumledger.xl.validate()``)."""
    guarded(_caller(), run_validate)


def rollup() -> None:
    """Knappen Summera."""
    guarded(_caller(), run_rollup)


def export() -> None:
    """Knappen Exportera bilagor."""
    guarded(_caller(), run_export)


def reconcile() -> None:
    """Knappen Stäm av."""
    guarded(_caller(), run_reconcile)


def new_round() -> None:
    """Knappen Ny omgång."""
    guarded(_caller(), run_new_round)


def decide() -> None:
    """Knappen Besluta."""
    guarded(_caller(), run_decide)


def close() -> None:
    """Knappen Stäng år."""
    guarded(_caller(), run_close)


def import_forms() -> None:
    """Knappen Läs in blanketter (issue 15; the work is in :mod:`lumledger.xl.forms`)."""
    from lumledger.xl import forms

    guarded(_caller(), forms.import_forms)
