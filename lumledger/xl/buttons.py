"""The buttons: plain functions of a book that work on every xlwings host.

Each ``run_*`` function reads the book's values once, has :mod:`lumledger.api` do the work and
writes the result back as values, fills, hyperlinks, column widths and sheets (only what the
host applies, :mod:`lumledger.xl.host`). Nothing here reads a format, a note or a cell it wrote
in the same run, and nothing waits for an answer from the officer:

* ``Fel`` (Validera) and ``Avstämning`` (Stäm av): one row per finding, the first cell a
  hyperlink to the ledger cell. The cells a finding names get a light red (error) or light
  yellow (warning) fill. What lumledger marked is kept as values on the hidden sheet
  ``lumledger`` (sheet, cell, command, severity, text); the next run of the same command
  removes the fill of the cells it no longer names (a cell still named by the other command
  keeps its mark). The fill of a marked cell is lumledger's: an officer's own fill there is not
  restored (it cannot be read on every host).
* ``Summering``: the roll-up. ``Bilaga 1`` and ``Bilaga 2``: the official appendices of the
  year as sheets, on every host; on desktop Excel the files are also written beside the
  workbook.
* The budget cycle in two steps: "Ny omgång", "Besluta" and "Stäng år" write their plan to the
  sheet ``Plan`` — every cell that will change, its value now and after, and why — and change
  nothing else. "Genomför" computes the plan again from the ledger as it is now; only when it
  is exactly the plan on the sheet (its check code matches) are the cells written. The ledger
  that results is checked from the cells read plus the plan (not read back), and ``Fel``
  written when it has errors. The officer saves the workbook.

The year for the export and the cycle is ``Start!C3`` when filled; otherwise export takes the
latest round, "Ny omgång" the year after it, "Besluta" the latest round not yet decided and
"Stäng år" the latest decided one. Every message is a Swedish message box with only an OK button.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from lumledger import api, collector, ledger_format
from lumledger.findings import Finding, LedgerReadError, LedgerWriteError, plural, summarize
from lumledger.reports.findings_table import SHEET_COLUMNS, findings_table
from lumledger.reports.reconciliation_tables import reconciliation_sheet
from lumledger.reports.rollup_tables import rollup_overview
from lumledger.reports.tables import Link, Report
from lumledger.xl.host import (
    ERROR_FILL,
    WARNING_FILL,
    Host,
    find_sheet,
    hide,
    host_of,
    key,
    output_sheet,
    workbook_folder,
)
from lumledger.xl.live import Snapshot, XlwingsSource
from lumledger.xl.sheets import excel_value, link_address, write_report, write_rows

if TYPE_CHECKING:
    from lumledger.cycle import Plan
    from lumledger.ledger import Ledger
    from lumledger.validation import Validation

log = logging.getLogger(__name__)

T = TypeVar("T")

TITLE = "LUM-liggaren"
FEL = "Fel"
SUMMERING = "Summering"
AVSTAMNING = "Avstämning"
PLAN = "Plan"
MARKS_SHEET = "lumledger"  # hidden: the cells lumledger marked, as values

YEAR_SHEET = "Start"
YEAR_CELL = "C3"

VALIDATE = "validera"
RECONCILE = "avstämning"
MARK_HEADER = ["Blad", "Cell", "Kommando", "Allvarlighet", "Text"]

#: The cycle steps: key, the button's caption, what the plan sheet calls it.
STEPS: dict[str, str] = {"new-round": "Ny omgång", "decide": "Besluta", "close": "Stäng år"}
PLAN_HEADER = ["Cell", "Nu", "Blir", "Varför"]


# --- reading ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Live:
    """The book as read when the button was pressed: its cells and the ledger parsed from them."""

    book: Any
    host: Host
    cells: Snapshot
    ledger: Ledger


def read_live(book: Any) -> Live:
    cells = Snapshot.of(XlwingsSource(book))
    return Live(book=book, host=host_of(book), cells=cells, ledger=api.load_cells(cells))


def read_book(book: Any) -> Ledger:
    """Parse the live ``book`` (values as Excel holds them now, saved or not)."""
    return read_live(book).ledger


def _title_for(ledger: Ledger | None, book: Any, sheet: str) -> str | None:
    """The workbook's title for the format's sheet name (it may differ in case or spaces)."""
    if ledger is not None:
        table = ledger.sheet(sheet)
        if table is not None:
            return table.title
    found = find_sheet(book, sheet)
    return None if found is None else str(found.name)


def _titles(book: Any, ledger: Ledger | None) -> Callable[[str], str | None]:
    return lambda sheet: _title_for(ledger, book, sheet)


def _year_arg(value: Any) -> int | None:
    """A cell's year (the worksheet functions' reading of one), or ``None``."""
    from lumledger.xl.functions import year_arg

    try:
        return year_arg(value)
    except ValueError:
        return None


def start_year(book: Any) -> int | None:
    """The year in ``Start!C3``, or ``None`` when the cell (or the sheet) is empty.

    Raises :class:`LedgerReadError` when the cell holds something that is not a year."""
    start = find_sheet(book, YEAR_SHEET)
    raw = start.range(YEAR_CELL).value if start is not None else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    year = _year_arg(raw)
    if year is None:
        raise LedgerReadError(
            f"{YEAR_SHEET}!{YEAR_CELL} ska innehålla ett årtal (t.ex. 2019), inte ”{raw}”."
        )
    return year


# --- marks -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """One command's mark on one cell, as recorded on the hidden sheet."""

    sheet: str
    cell: str
    command: str
    error: bool
    text: str

    @property
    def place(self) -> tuple[str, str]:
        return (key(self.sheet), self.cell.upper())


def read_marks(book: Any) -> list[Mark]:
    """The marks recorded on the hidden sheet (values written by an earlier run)."""
    sheet = find_sheet(book, MARKS_SHEET)
    if sheet is None:
        return []
    marks = []
    for row in (sheet.used_range.options(ndim=2).value or [])[1:]:
        title, cell, command, severity, text = [*list(row), None, None, None, None, None][:5]
        if title and cell and command:
            marks.append(
                Mark(
                    sheet=str(title),
                    cell=str(cell).strip().upper(),
                    command=str(command),
                    error=str(severity) == "fel",
                    text=str(text or ""),
                )
            )
    return marks


def _marks_for(
    book: Any, ledger: Ledger | None, command: str, items: Iterable[Finding]
) -> list[Mark]:
    """This run's findings as marks, one per cell (findings without a cell mark nothing)."""
    by_place: dict[tuple[str, str], list[Finding]] = {}
    titles: dict[tuple[str, str], str] = {}
    for item in items:
        if not item.sheet or not item.cell:
            continue
        title = _title_for(ledger, book, item.sheet)
        if title is None:
            continue
        place = (key(title), item.cell.upper())
        by_place.setdefault(place, []).append(item)
        titles[place] = title
    return [
        Mark(
            sheet=titles[place],
            cell=place[1],
            command=command,
            error=any(f.is_error for f in found),
            text="\n".join(f"{f.code} {f.message}" for f in found),
        )
        for place, found in by_place.items()
    ]


def mark_cells(
    book: Any, command: str, items: Iterable[Finding], ledger: Ledger | None = None
) -> None:
    """Replace ``command``'s marks with marks for ``items``; the other command's marks stay."""
    host = host_of(book)
    old = read_marks(book)
    kept = [mark for mark in old if mark.command != command]
    new = _marks_for(book, ledger, command, items)
    now = kept + new
    fills: dict[tuple[str, str], tuple[Mark, bool]] = {}
    for mark in now:
        _, error = fills.get(mark.place, (mark, False))
        fills[mark.place] = (mark, error or mark.error)
    for mark in old:
        if mark.command == command and mark.place not in fills:
            _fill(book, mark, host.no_fill)
    for mark, error in fills.values():
        _fill(book, mark, ERROR_FILL if error else WARNING_FILL)
    sheet = find_sheet(book, MARKS_SHEET)
    if sheet is None:
        if not now:
            return
        sheet = book.sheets.add(MARKS_SHEET, after=book.sheets[-1])
        hide(book, sheet)
    else:
        sheet.clear_contents()
    rows = [MARK_HEADER] + [
        [m.sheet, m.cell, m.command, "fel" if m.error else "varning", m.text] for m in now
    ]
    write_rows(sheet, rows, host)


def _fill(book: Any, mark: Mark, color: str | None) -> None:
    sheet = find_sheet(book, mark.sheet)
    if sheet is not None:  # a sheet deleted or renamed since: nothing to do there
        sheet.range(mark.cell).color = color


# --- messages and the guard ------------------------------------------------------------------------


def alert(book: Any, message: str, *, critical: bool = False) -> None:
    """A message box with an OK button (it never waits for an answer in Python)."""
    book.app.alert(message, TITLE, "ok", "critical" if critical else "info")


UNEXPECTED = (
    "Ett oväntat fel inträffade i lumledger ({kind}: {text}). Arbetsboken har inte ändrats av "
    "lumledger. Prova samma sak på kommandoraden och skicka utskriften till förvaltningens IT-stöd."
)


def guarded(book: Any, action: Callable[[Any], T]) -> T | None:
    """Run ``action(book)``; any exception becomes a message box, never a traceback."""
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


# --- Validera --------------------------------------------------------------------------------------


def publish_validation(book: Any, result: Validation, *, activate: bool = True) -> Any:
    """Write ``Fel`` and mark the failing cells (removing the previous validation's marks)."""
    host = host_of(book)
    sheet = output_sheet(book, FEL)
    findings = findings_table(
        result.findings, SHEET_COLUMNS, name=FEL, empty="Inga fel eller varningar hittades."
    )
    write_report(
        sheet,
        Report(title=None, tables=(findings,)),
        host,
        sheet_title=_titles(book, result.ledger),
    )
    mark_cells(book, VALIDATE, result.findings, result.ledger)
    if activate:
        sheet.activate()
    return sheet


def _verdict(result: Validation) -> str:
    summary = summarize(result.findings)
    if not result.findings:
        return "Inga fel eller varningar hittades."
    warnings = plural(summary.warnings, "varning", "varningar")
    if result.valid:
        return f"Liggaren är giltig: inga fel, {warnings}. Se bladet Fel."
    errors = plural(summary.errors, "fel", "fel")
    return (
        f"Liggaren har {errors} och {warnings}. De står på bladet Fel, och cellerna är markerade."
    )


def run_validate(book: Any) -> Validation:
    """Validera: read the live book, write ``Fel``, mark the cells, say the verdict."""
    result = api.validate(read_book(book))
    publish_validation(book, result)
    alert(book, _verdict(result))
    return result


def _refused(book: Any, result: Validation, what: str) -> None:
    summary = summarize(result.findings)
    alert(
        book,
        f"Liggaren har {plural(summary.errors, 'fel', 'fel')}, så {what} görs inte. "
        "Felen står på bladet Fel; rätta dem och försök igen.",
        critical=True,
    )


def _refresh_fel(book: Any, result: Validation) -> None:
    """Write ``Fel`` when the ledger is invalid, or refresh it when it exists (so that it never
    shows errors that are gone)."""
    if not result.valid or find_sheet(book, FEL) is not None:
        publish_validation(book, result, activate=not result.valid)


# --- Summera ---------------------------------------------------------------------------------------


def run_rollup(book: Any) -> Any:
    """Summera: roll up the live book onto ``Summering`` (refused for an invalid ledger)."""
    ledger = read_book(book)
    result = api.rollup(ledger)
    _refresh_fel(book, result.validation)
    if result.rollup is None:
        if not result.valid:
            _refused(book, result.validation, "summeringen")
        else:
            alert(book, "Liggaren har inga ansökningar att summera.", critical=True)
        return None
    sheet = output_sheet(book, SUMMERING)
    write_report(
        sheet,
        rollup_overview(result.rollup, year_totals_last=True),
        host_of(book),
        sheet_title=_titles(book, ledger),
    )
    sheet.activate()
    years = ", ".join(str(y) for y in result.rollup.years) or "inga år"
    alert(book, f"Summeringen ({years}) står på bladet Summering.")
    return result.rollup


# --- Exportera bilagor -----------------------------------------------------------------------------


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


def run_export(book: Any) -> list[Any]:
    """Exportera bilagor: Bilaga 1 and 2 of the year as sheets (every host) and as files beside
    the workbook (where the host has a folder). Returns the paths written."""
    from lumledger.official import IncompleteError, NoApplicationsError

    ledger = read_book(book)
    checked = api.validate(ledger)
    _refresh_fel(book, checked)
    if not checked.valid:
        _refused(book, checked, "exporten")
        return []
    year, source = export_year_choice(book, ledger)
    try:
        reports = api.appendices(ledger, year)
    except NoApplicationsError as exc:
        alert(book, f"{exc.message} Året är {source}.", critical=True)
        return []
    except IncompleteError as exc:
        lines = "\n".join(exc.lines())
        alert(
            book,
            f"{plural(len(exc.undecided), 'ansökan', 'ansökningar')} för {year} ({source}) saknar "
            "föreslaget eller beviljat belopp, så bilagorna blir inte fullständiga; inget har "
            f"skrivits. Fyll i Beviljat belopp (0 för avslag) och försök igen.\n{lines}",
            critical=True,
        )
        return []
    host = host_of(book)
    first = None
    for report in reports:
        sheet = output_sheet(book, report.tables[0].name)
        write_report(sheet, report, host, sheet_title=_titles(book, ledger), print_ready=True)
        first = first or sheet
    if first is not None:
        first.activate()
    text = f"Bilaga 1 och Bilaga 2 för {year} ({source}) står på bladen Bilaga 1 och Bilaga 2."
    folder = workbook_folder(book)
    paths: list[Any] = []
    if folder is not None:
        paths = list(api.export(ledger, year, folder).files)
        listing = "\n".join(str(path) for path in paths)
        text += f" Filerna är skrivna i {folder}:\n{listing}"
    else:
        text += " Skriv ut dem eller spara dem som PDF från Excel."
    alert(book, text)
    return paths


# --- Stäm av ---------------------------------------------------------------------------------------


def run_reconcile(book: Any, as_of: dt.date | None = None) -> Any:
    """Stäm av: reconcile the live book onto ``Avstämning`` and mark the cells it names."""
    ledger = read_book(book)
    result = api.reconcile(ledger, as_of)
    sheet = output_sheet(book, AVSTAMNING)
    write_report(
        sheet, reconciliation_sheet(result), host_of(book), sheet_title=_titles(book, ledger)
    )
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


# --- the budget cycle: plan, then Genomför ---------------------------------------------------------


def cycle_year(book: Any, ledger: Ledger, step: str) -> tuple[int, str]:
    """The year a cycle step works on: ``Start!C3`` when filled, else from ``Omgångar``."""
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


def make_plan(ledger: Ledger, step: str, year: int, today: dt.date) -> Plan:
    """The step's plan (raises ``CycleRefusal``): "Besluta" takes the date and diary number from
    the round's row in Omgångar (the date defaults to ``today``); "Stäng år" is never forced."""
    if step == "new-round":
        return api.plan_new_round(ledger, year)
    if step == "decide":
        round_ = ledger.round_of(year)
        decided_on = (round_.decided_on if round_ else None) or today
        diary = round_.diary_number if round_ else None
        return api.plan_decide(ledger, year, decided_on=decided_on, diary_number=diary)
    return api.plan_close(ledger, year, as_of=today)


def _writes(plan: Plan) -> list[tuple[str, str, Any]]:
    return [(write.sheet, write.cell.upper(), write.value) for write in plan.writes]


def check_code(plan: Plan) -> str:
    """A short code for exactly these cells and values (what "Genomför" compares)."""
    data = [plan.step, plan.year, [[key(s), c, _plain(v)] for s, c, v in _writes(plan)]]
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _reason(ledger: Ledger, title: str, cell: str, label: str, year: int) -> str:
    """Why a cell is written: the column it is in, a new column or a new row."""
    table = ledger.sheet(title)
    letters = "".join(ch for ch in cell if ch.isalpha())
    row = int("".join(ch for ch in cell if ch.isdigit()))
    if table is None:
        return f"{label} {year}"
    if row == table.header_row:
        return f"{label} {year}: ny kolumn i bladet {table.name}"
    column = next((c for c, letter in table.letters.items() if letter == letters), None)
    if column is None:
        column = next((h for h, letter in table.extra_columns.items() if letter == letters), "")
    index = table.frame.index
    new_row = not len(index) or row > int(index.max())
    where = "ny rad" if new_row else f"rad {row}"
    return f"{label} {year}: {column} ({where})"


def write_plan(book: Any, live: Live, plan: Plan, source: str) -> Any:
    """The plan sheet: the step, the year, the check code, the summary, then one row per cell."""
    label = STEPS[plan.step]
    sheet = output_sheet(book, PLAN)
    head: list[list[Any]] = [
        [f"Plan: {label} {plan.year}"],
        ["Steg", label],
        ["År", plan.year],
        ["Kontrollkod", check_code(plan)],
        [f"Året är {source}. Inget är ändrat än: granska cellerna nedan och tryck på Genomför."],
        [],
        *[[line] for line in plan.summary],
        [],
        PLAN_HEADER,
    ]
    top = len(head) + 1
    rows = []
    for title, cell, value in _writes(plan):
        before = live.cells.value(title, cell)
        if isinstance(before, dt.datetime) and before.time() == dt.time():
            before = before.date()  # a date cell, shown as a date
        rows.append(
            [
                f"{title}!{cell}",
                before,
                value,
                _reason(live.ledger, title, cell, label, plan.year),
            ]
        )
    write_rows(sheet, head, live.host, header=False)
    write_rows(sheet, rows or [["Planen ändrar inga celler."]], live.host, top=top, header=False)
    host = live.host
    if host.bold:
        sheet.range((1, 1)).font.bold = True
        sheet.range((top - 1, 1), (top - 1, len(PLAN_HEADER))).font.bold = True
    for i, (title, cell, _value) in enumerate(_writes(plan)):
        address = link_address(Link(sheet=title, cell=cell), title)
        sheet.range((top + i, 1)).add_hyperlink(address, f"{title}!{cell}", "Gå till cellen")
    if host.column_widths:
        for j, width in enumerate((24, 18, 18, 60), start=1):
            sheet.range((1, j)).column_width = host.width(width)
    sheet.activate()
    return sheet


def _run_plan_step(book: Any, step: str, today: dt.date | None = None) -> Plan | None:
    from lumledger.cycle import CycleRefusal

    live = read_live(book)
    label = STEPS[step]
    year, source = cycle_year(book, live.ledger, step)
    try:
        plan = make_plan(live.ledger, step, year, today or dt.date.today())
    except CycleRefusal as refusal:
        validation = api.validate(live.ledger)
        if not validation.valid:
            publish_validation(book, validation)
        listing = [f"{f.code} {f.id or f.location}: {f.message}" for f in refusal.findings[:8]]
        if len(refusal.findings) > 8:
            listing.append(f"… och {len(refusal.findings) - 8} till.")
        text = "\n".join([f"{label} {year} ({source}): {refusal.message}", *listing])
        alert(book, text, critical=True)
        return None
    if step == "new-round":  # the projects expected to apply again, as the command lists them
        from lumledger.reports.cycle_tables import new_round_report

        expected = output_sheet(book, SUMMERING)
        report = new_round_report(plan.year, plan.expected)
        write_report(expected, report, live.host, sheet_title=lambda _name: None)
    write_plan(book, live, plan, source)
    count = plural(len(plan.writes), "cell", "celler")
    alert(
        book,
        f"{label} {year}: planen ({count}) står på bladet Plan. Inget är ändrat än; tryck på "
        "Genomför för att skriva cellerna.",
    )
    return plan


def run_new_round(book: Any) -> Plan | None:
    """Ny omgång: plan the next round in Omgångar (and the projects carried into it)."""
    return _run_plan_step(book, "new-round")


def run_decide(book: Any, today: dt.date | None = None) -> Plan | None:
    """Besluta: plan the decision (date and diary number from the round's row in Omgångar)."""
    return _run_plan_step(book, "decide", today)


def run_close(book: Any, as_of: dt.date | None = None) -> Plan | None:
    """Stäng år: plan closing the year (only when nothing of it is open)."""
    return _run_plan_step(book, "close", as_of)


@dataclass(frozen=True, slots=True)
class PlanOnSheet:
    step: str
    year: int
    code: str


def read_plan(book: Any) -> PlanOnSheet | None:
    """The step, year and check code on the plan sheet (``None`` when there is no plan)."""
    sheet = find_sheet(book, PLAN)
    if sheet is None:
        return None
    fields: dict[str, Any] = {}
    for row in (sheet.used_range.options(ndim=2).value or [])[:6]:
        if len(row) >= 2 and isinstance(row[0], str):
            fields[row[0].strip()] = row[1]
    step = next((k for k, v in STEPS.items() if v == fields.get("Steg")), None)
    year = _year_arg(fields.get("År"))
    code = fields.get("Kontrollkod")
    if step is None or year is None or not isinstance(code, str):
        return None
    return PlanOnSheet(step=step, year=year, code=code.strip())


def run_apply_plan(book: Any, today: dt.date | None = None) -> Plan | None:
    """Genomför: write the plan on the plan sheet, when the ledger still gives exactly that plan."""
    from lumledger.cycle import CycleRefusal

    wanted = read_plan(book)
    if wanted is None:
        alert(
            book,
            "Det finns ingen plan att genomföra. Tryck först på Ny omgång, Besluta eller Stäng år.",
            critical=True,
        )
        return None
    label = STEPS[wanted.step]
    live = read_live(book)
    try:
        plan = make_plan(live.ledger, wanted.step, wanted.year, today or dt.date.today())
    except CycleRefusal as refusal:
        alert(book, f"{label} {wanted.year} går inte längre: {refusal.message}", critical=True)
        return None
    if check_code(plan) != wanted.code:
        alert(
            book,
            f"Liggaren har ändrats sedan planen för {label} {wanted.year} gjordes, så inget "
            f"skrevs. Tryck på {label} igen för en ny plan.",
            critical=True,
        )
        return None
    count = apply_writes(book, _writes(plan))
    after = api.validate(api.load_cells(live.cells.with_writes(_writes(plan))))
    _refresh_fel(book, after)
    sheet = output_sheet(book, PLAN)
    done = f"{label} {plan.year} är genomförd: {plural(count, 'cell', 'celler')} skrevs."
    write_rows(sheet, [[done], ["Spara arbetsboken."]], live.host, header=False)
    text = f"{done} Spara arbetsboken."
    if not after.valid:
        text += f" Obs: liggaren har nu {plural(len(after.errors), 'fel', 'fel')}; se bladet Fel."
    alert(book, text)
    return plan


def apply_writes(book: Any, writes: Sequence[tuple[str, str, Any]]) -> int:
    """Write cells through Excel; every target sheet is found before anything is written.
    Returns the number of cells written."""
    targets = []
    for title, cell, value in writes:
        sheet = find_sheet(book, title)
        if sheet is None:
            raise LedgerWriteError(f"Bladet {title} finns inte längre; inget ändrades.")
        targets.append((sheet, cell, value))
    for sheet, cell, value in targets:
        sheet.range(cell).value = excel_value(value)
    return len(targets)


__all__ = [
    "AVSTAMNING",
    "FEL",
    "PLAN",
    "SUMMERING",
    "guarded",
    "link_address",
    "mark_cells",
    "read_book",
    "run_apply_plan",
    "run_close",
    "run_decide",
    "run_export",
    "run_new_round",
    "run_reconcile",
    "run_rollup",
    "run_validate",
]
