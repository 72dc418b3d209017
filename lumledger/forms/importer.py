"""``lumledger import``: filled-in forms into the ledger, as a plan first, then safely written.

:func:`plan_import` reads each form (:func:`lumledger.forms.reading.read_form`), turns it into
ledger rows (:mod:`lumledger.forms.rows`) and matches it to its application:

* an **application** form is matched by year, administration and project name; a new one gets
  the next free ``ÅÅÅÅ-Pnn``, its ``Ansökningar`` row and one ``Budget`` row per budget line; a
  multi-year project (its project period spans more than one year) gets the ``Projekt`` key
  ``Förvaltning: Namn``, the key the example ledger uses;
* a **report** form is matched the same way to the application of the report's year; when the
  ledger has the project only for an earlier year (a multi-year project whose later years were
  granted without a new form), the year's application row is added, carried from the project's
  latest application as ``cycle new-round`` carries it, with the grant the report states.

Applications are planned before reports, so one run can import an application and its report.
A form with problems (a field that cannot be read, a required field missing) is reported field
by field and nothing of it is written; so is a form whose cells the ledger already holds with
other values, unless ``update``. A file that is not a readable form at all raises
:class:`~lumledger.findings.LedgerReadError` before anything is written. :func:`import_forms`
writes the cells of the accepted forms with the safe writer (lock check, backup, verification).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lumledger import ledger_format
from lumledger.cycle import Plan, _Columns, _next_row
from lumledger.findings import LedgerReadError
from lumledger.forms.reading import APPLICATION, REPORT, FormResult, fold, read_form
from lumledger.forms.rows import continuation_row, ledger_rows, project_key
from lumledger.ledger import Ledger, Sheet, match_key
from lumledger.ledger_format import APPLICATIONS, BUDGET, REPORTS
from lumledger.money import format_kr
from lumledger.workbook.reader import read_ledger
from lumledger.workbook.safewrite import CellWrite, write_cells

READY = "klar"
REFUSED = "avvisad"
NOTHING = "inget att göra"

_SHOWN_LENGTH = 70
_MONEY_COLUMNS = frozenset(
    col.name
    for columns in ledger_format.COLUMNS.values()
    for col in columns
    if col.kind in (ledger_format.Kind.WHOLE_KR, ledger_format.Kind.KR)
)


@dataclass(slots=True)
class PlannedCell:
    sheet: str
    cell: str
    column: str
    row: int
    value: Any
    before: Any = None  # the cell's value in the ledger (None: empty or a new row)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "row": self.row,
            "value": _plain(self.value),
            "before": _plain(self.before),
        }


@dataclass(slots=True)
class FormPlan:
    """What one form adds to the ledger, or why it adds nothing."""

    path: Path
    kind: str | None
    id: str | None = None
    cells: list[PlannedCell] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # Swedish, one line per row
    problems: list[str] = field(default_factory=list)  # "Sökt belopp: kunde inte tolkas: '…'"
    refused: str | None = None  # Swedish: why nothing of the form is written
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.problems or self.refused:
            return REFUSED
        return READY if self.cells else NOTHING

    @property
    def accepted(self) -> bool:
        return self.status == READY

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "kind": self.kind,
            "id": self.id,
            "status": self.status,
            "refused": self.refused,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "summary": list(self.summary),
            "cells": [cell.to_dict() for cell in self.cells],
        }

    def lines(self) -> list[str]:
        """The plan in Swedish for the command line."""
        kind = {APPLICATION: "ansökan", REPORT: "redovisning"}.get(self.kind or "", "blankett")
        head = f"{self.path.name} ({kind}{', ' + self.id if self.id else ''}): {self.status}"
        out = [head]
        out += [f"  {line}" for line in self.summary]
        if self.accepted:
            out += [
                f"    {c.sheet}!{c.cell} {c.column}: {_shown(c.value, c.column)}"
                + (f" (var {_shown(c.before, c.column)})" if c.before is not None else "")
                for c in self.cells
            ]
        out += [f"  Fel: {problem}" for problem in self.problems]
        if self.refused:
            out.append(f"  Avvisad: {self.refused}")
        out += [f"  Varning: {warning}" for warning in self.warnings]
        return out


@dataclass(slots=True)
class ImportResult:
    """The plan of every form, and what was written (``written`` false: nothing)."""

    ledger: Path
    forms: list[FormPlan]
    dry_run: bool = False
    written: bool = False
    backup: Path | None = None

    @property
    def refused(self) -> list[FormPlan]:
        return [form for form in self.forms if form.status == REFUSED]

    @property
    def writes(self) -> list[CellWrite]:
        return [
            CellWrite(cell.sheet, cell.cell, cell.value)
            for form in self.forms
            if form.accepted
            for cell in form.cells
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ledger": str(self.ledger),
            "dry_run": self.dry_run,
            "written": self.written,
            "backup": None if self.backup is None else str(self.backup),
            "forms": [form.to_dict() for form in self.forms],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _shown(value: Any, column: str | None = None) -> str:
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, int | Decimal):
        return format_kr(value) if column is None or column in _MONEY_COLUMNS else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\n", " / ")
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, int | Decimal) and isinstance(b, int | Decimal):
        return Decimal(a) == Decimal(b)
    return bool(a == b)


# --- what the ledger holds ------------------------------------------------------------------------


@dataclass(slots=True)
class _App:
    """An application the forms are matched against: in the ledger or planned in this run."""

    id: str
    year: int | None
    administration: str | None
    name: str | None
    row: int
    values: dict[str, Any]  # its Ansökningar cells by column (what a continuation copies)
    planned: bool = False


def _name_key(text: Any) -> str:
    return " ".join(fold(str(text)).split()) if text else ""


class _Book:
    """The ledger as the plan sees it, growing with the rows planned so far."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.next_rows: dict[str, int] = {}
        self.ids = {app.key for app in ledger.applications if app.key}
        self.apps: list[_App] = []
        self._values: dict[tuple[str, str], dict[int, Any]] = {}
        self.planned_reports: set[str] = set()  # matched Ids given a report in this run
        table = ledger.sheet(APPLICATIONS)
        columns = [col.name for col in ledger_format.COLUMNS[APPLICATIONS]]
        values = (
            {name: dict(zip(table.rows, table.values(name), strict=True)) for name in columns}
            if table is not None
            else {}
        )
        for app in ledger.applications:
            if app.id is None:
                continue
            self.apps.append(
                _App(
                    id=app.id,
                    year=app.year,
                    administration=app.administration,
                    name=app.name,
                    row=app.row,
                    values={name: values[name][app.row] for name in columns},
                )
            )

    def table(self, sheet: str) -> Sheet | None:
        return self.ledger.sheet(sheet)

    def next_row(self, sheet: str) -> int:
        table = self.ledger.sheet(sheet)
        assert table is not None
        row = self.next_rows.get(sheet) or _next_row(table)
        self.next_rows[sheet] = row + 1
        return row

    def next_id(self, year: int) -> str:
        number = 1
        while match_key(f"{year}-P{number:02d}") in self.ids:
            number += 1
        new_id = f"{year}-P{number:02d}"
        self.ids.add(match_key(new_id))
        return new_id

    def find(self, year: Any, administration: Any, name: Any) -> list[_App]:
        admin = match_key(self.ledger.canonical_name(str(administration or "")))
        wanted = _name_key(name)
        return [
            app
            for app in self.apps
            if (year is None or app.year == year)
            and match_key(app.administration or "") == admin
            and _name_key(app.name) == wanted
        ]

    def current(self, sheet: str, column: str, row: int) -> Any:
        """The value of ``column`` on ``row`` of ``sheet`` in the ledger (None when empty)."""
        cached = self._values.get((sheet, column))
        if cached is None:
            table = self.ledger.sheet(sheet)
            cached = (
                {}
                if table is None or column not in table.frame.columns
                else dict(zip(table.rows, table.values(column), strict=True))
            )
            self._values[(sheet, column)] = cached
        return cached.get(row)


# --- planning -------------------------------------------------------------------------------------


def plan_import(
    ledger: Ledger, paths: Sequence[str | Path], *, update: bool = False
) -> list[FormPlan]:
    """The plan for ``paths`` on ``ledger`` (nothing is written). Raises
    :class:`~lumledger.findings.LedgerReadError` when a file is not a readable form."""
    results = [read_form(path) for path in paths]
    for result in results:
        if result.error is not None:
            raise LedgerReadError(result.error)
    book = _Book(ledger)
    plans: dict[int, FormPlan] = {}
    order = sorted(range(len(results)), key=lambda i: results[i].kind != APPLICATION)
    for index in order:
        result = results[index]
        plan = FormPlan(path=Path(result.path), kind=result.kind, warnings=list(result.warnings))
        plans[index] = plan
        if result.problems:
            plan.problems = [str(problem) for problem in result.problems]
            continue
        if result.kind == APPLICATION:
            _plan_application(book, result, plan, update=update)
        else:
            _plan_report(book, result, plan, update=update)
        if plan.status == REFUSED:
            plan.cells.clear()
        plan.cells.sort(key=_cell_order)
    return [plans[index] for index in range(len(results))]


def _cell_order(cell: PlannedCell) -> tuple[int, int, int]:
    sheets = ledger_format.INPUT_SHEETS
    sheet = next(
        (i for i, name in enumerate(sheets) if match_key(name) == match_key(cell.sheet)), 0
    )
    letters = cell.cell.rstrip("0123456789")
    return (sheet, cell.row, ledger_format.column_number(letters))


def _round_warning(book: _Book, year: Any, plan: FormPlan) -> None:
    if isinstance(year, int) and book.ledger.round_of(year) is None:
        plan.warnings.append(
            f"Omgången {year} finns inte i bladet Omgångar; lägg till den (lumledger cycle "
            "new-round) innan ansökan bedöms."
        )


class _Writer:
    """Cells of one form into one sheet row, new or existing; conflicts collected."""

    def __init__(self, book: _Book, plan: FormPlan, *, update: bool) -> None:
        self.book = book
        self.plan = plan
        self.update = update
        self.conflicts: list[str] = []
        self.missing: dict[str, list[str]] = {}  # sheet -> columns the ledger lacks
        self._columns: dict[str, _Columns] = {}

    def columns(self, sheet: str) -> _Columns | None:
        table = self.book.table(sheet)
        if table is None:
            return None
        if sheet not in self._columns:
            # Columns are only looked up (never added): the plan of cycle steps stays empty.
            self._columns[sheet] = _Columns(table, Plan(step="import", year=0))
        return self._columns[sheet]

    def row(self, sheet: str, row: int, values: Mapping[str, Any], *, new: bool) -> None:
        columns = self.columns(sheet)
        assert columns is not None
        table = columns.table
        for column, value in values.items():
            if value is None:
                continue
            before = None if new else self.book.current(sheet, column, row)
            if before is not None and _same(before, value):
                continue
            if before is not None and not self.update:
                self.conflicts.append(
                    f"{sheet} rad {row} {column}: {_shown(before, column)} → "
                    f"{_shown(value, column)}"
                )
                continue
            letter = columns.letter(column)
            if letter is None:
                missing = self.missing.setdefault(sheet, [])
                if column not in missing:
                    missing.append(column)
                continue
            self.plan.cells.append(
                PlannedCell(
                    sheet=table.title,
                    cell=f"{letter}{row}",
                    column=column,
                    row=row,
                    value=value,
                    before=before,
                )
            )

    def finish(self) -> None:
        for sheet, columns in self.missing.items():
            names = ", ".join(f"”{column}”" for column in columns)
            self.plan.warnings.append(
                f"Bladet {sheet} saknar kolumnerna {names}, så de värdena skrivs inte; lägg till "
                "kolumnerna (som i lum-mall.xlsx) och läs in blanketten igen."
            )
        if self.conflicts:
            self.plan.refused = (
                "liggaren har redan andra värden i cellerna blanketten fyller ("
                + "; ".join(self.conflicts[:5])
                + ("; …" if len(self.conflicts) > 5 else "")
                + "); inget av blanketten skrivs. Kör med --uppdatera för att skriva över dem."
            )


def _plan_application(book: _Book, result: FormResult, plan: FormPlan, *, update: bool) -> None:
    rows = ledger_rows(result)
    row_values: dict[str, Any] = dict(rows[APPLICATIONS][0])
    year = row_values["År"]
    found = book.find(year, row_values["Förvaltning"], row_values["Namn"])
    if len(found) > 1:
        plan.refused = (
            f"flera ansökningar i liggaren har samma år, förvaltning och namn "
            f"({', '.join(app.id for app in found)}); rätta liggaren först"
        )
        return
    writer = _Writer(book, plan, update=update)
    existing = found[0] if found else None
    if existing is not None and existing.planned:
        plan.refused = (
            f"samma ansökan ({existing.id}) som en annan blankett i samma inläsning; läs in "
            "en av dem"
        )
        return
    if existing is None:
        app_id = book.next_id(int(year))
        row = book.next_row(APPLICATIONS)
        new = True
    else:
        app_id, row, new = existing.id, existing.row, False
    plan.id = app_id
    row_values["Id"] = app_id
    row_values["Förvaltning"] = book.ledger.canonical_name(str(row_values["Förvaltning"]))
    key = project_key(row_values)
    if key is not None and (existing is None or existing.values.get("Projekt") is None):
        row_values["Projekt"] = key
    writer.row(APPLICATIONS, row, row_values, new=new)
    plan.summary.insert(
        0,
        f"Ansökningar rad {row}{' (ny)' if new else ''}: {app_id} {row_values['Förvaltning']}: "
        f"{_shown(row_values['Namn'])}",
    )
    if new:
        book.apps.append(
            _App(
                id=app_id,
                year=year,
                administration=row_values["Förvaltning"],
                name=row_values["Namn"],
                row=row,
                values=row_values,
                planned=True,
            )
        )
    _plan_budget(book, writer, plan, app_id, rows.get(BUDGET, []), update=update)
    writer.finish()
    _round_warning(book, year, plan)


def _plan_budget(
    book: _Book,
    writer: _Writer,
    plan: FormPlan,
    app_id: str,
    lines: Sequence[Mapping[str, Any]],
    *,
    update: bool,
) -> None:
    if not lines:
        return
    if book.table(BUDGET) is None:
        plan.warnings.append(
            "Liggaren saknar bladet Budget, så budgetraderna skrivs inte; lägg till bladet "
            "(som i lum-mall.xlsx) och läs in blanketten igen."
        )
        return
    existing = [item for item in book.ledger.budget_items if item.key == match_key(app_id)]
    wanted = [{**line, "Id": app_id} for line in lines]
    if existing:
        same = len(existing) == len(wanted) and all(
            _same(item.item, line["Post"]) and _same(item.amount or 0, line["Belopp"])
            for item, line in zip(existing, wanted, strict=True)
        )
        if same:
            return
        if not update:
            writer.conflicts.append(
                f"Budget har redan {len(existing)} rader för {app_id} med andra poster eller belopp"
            )
            return
    for index, line in enumerate(wanted):
        if index < len(existing):
            writer.row(BUDGET, existing[index].row, line, new=False)
        else:
            writer.row(BUDGET, book.next_row(BUDGET), line, new=True)
    for item in existing[len(wanted) :]:
        columns = writer.columns(BUDGET)
        assert columns is not None
        for column in ("Id", "Del", "Post", "Specifikation", "Belopp", "År", "Redovisningsrad"):
            letter = columns.letter(column)
            if letter is not None:
                plan.cells.append(
                    PlannedCell(
                        sheet=columns.table.title,
                        cell=f"{letter}{item.row}",
                        column=column,
                        row=item.row,
                        value=None,
                    )
                )
    totals = {
        part: sum((Decimal(line["Belopp"]) for line in wanted if line["Del"] == part), Decimal(0))
        for part in ledger_format.BUDGET_PARTS
    }
    plan.summary.append(
        f"Budget: {len(wanted)} rader för {app_id} (kostnader "
        f"{format_kr(totals[ledger_format.BUDGET_COSTS])} kr, intäkter "
        f"{format_kr(totals[ledger_format.BUDGET_INCOME])} kr per år)"
    )


def _plan_report(book: _Book, result: FormResult, plan: FormPlan, *, update: bool) -> None:
    if book.table(REPORTS) is None:
        plan.refused = "liggaren saknar bladet Redovisningar; lägg till det (som i lum-mall.xlsx)"
        return
    f = result.fields
    year, administration, name = f.get("ar"), f.get("forvaltning"), f.get("projektets_namn")
    report_values: dict[str, Any] = dict(ledger_rows(result)[REPORTS][0])
    writer = _Writer(book, plan, update=update)
    found = book.find(year, administration, name)
    if len(found) > 1:
        plan.refused = (
            f"flera ansökningar för {year} har samma förvaltning och namn "
            f"({', '.join(app.id for app in found)}); rätta liggaren först"
        )
        return
    app = found[0] if found else None
    if app is None:
        app = _plan_continuation(book, writer, plan, year, administration, name, report_values)
        if app is None:
            return
    plan.id = app.id
    if match_key(app.id) in book.planned_reports:
        plan.refused = (
            f"en annan blankett i samma inläsning är redan redovisningen för {app.id}; läs in "
            "en av dem"
        )
        return
    book.planned_reports.add(match_key(app.id))
    report_values["Id"] = app.id
    existing = [r for r in book.ledger.reports if r.key == match_key(app.id)]
    if existing:
        row, new = existing[-1].row, False
    else:
        row, new = book.next_row(REPORTS), True
    writer.row(REPORTS, row, report_values, new=new)
    plan.summary.append(
        f"Redovisningar rad {row}{' (ny)' if new else ''}: {app.id}, redovisning för {year}"
    )
    writer.finish()


def _plan_continuation(
    book: _Book,
    writer: _Writer,
    plan: FormPlan,
    year: Any,
    administration: Any,
    name: Any,
    report_values: Mapping[str, Any],
) -> _App | None:
    """The application of the report's year, carried from the project's latest earlier one."""
    earlier = sorted(
        (
            app
            for app in book.find(None, administration, name)
            if isinstance(app.year, int) and isinstance(year, int) and app.year < year
        ),
        key=lambda app: app.year or 0,
    )
    latest = earlier[-1] if earlier else None
    if latest is None or not _in_project(latest, year):
        plan.refused = (
            f"ingen ansökan för {administration}: {_shown(name)} år {year} finns i liggaren; "
            "läs in eller skriv in ansökan först"
        )
        return None
    app_id = book.next_id(int(year))
    row = book.next_row(APPLICATIONS)
    earlier_grants: list[Any] = [app.values.get("Beviljat belopp") for app in earlier]
    values: dict[str, Any] = continuation_row(
        latest.values,
        id=app_id,
        year=int(year),
        granted=report_values.get("Beviljat belopp"),
        earlier_granted=(
            sum(earlier_grants, 0) if all(g is not None for g in earlier_grants) else None
        ),
    )
    writer.row(APPLICATIONS, row, values, new=True)
    plan.summary.append(
        f"Ansökningar rad {row} (ny): {app_id}, projektår {values.get('Projektår')} av projektet "
        f"i {latest.id}; ansökan för {year} finns inte i liggaren, så raden förs vidare från "
        f"{latest.id} med det beviljade beloppet enligt redovisningen."
    )
    app = _App(
        id=app_id,
        year=int(year),
        administration=values["Förvaltning"],
        name=values["Namn"],
        row=row,
        values=values,
        planned=True,
    )
    book.apps.append(app)
    return app


def _in_project(app: _App, year: int) -> bool:
    """Whether ``year`` lies in ``app``'s project: its period, else its three project years."""
    first, last = app.values.get("Projektperiod från"), app.values.get("Projektperiod till")
    if isinstance(first, dt.date) and isinstance(last, dt.date):
        return first.year <= year <= last.year
    project_year = app.values.get("Projektår")
    if app.year is None or not isinstance(project_year, int):
        return False
    return project_year + (year - app.year) <= max(ledger_format.PROJECT_YEARS)


# --- applying ---------------------------------------------------------------------------------------


def import_forms(
    path: str | Path,
    forms: Sequence[str | Path],
    *,
    update: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Plan ``forms`` on the ledger at ``path`` and, unless ``dry_run``, write the accepted forms'
    cells with the safe writer (backup, lock check, verification)."""
    ledger = read_ledger(Path(path))
    result = ImportResult(ledger=Path(path), forms=plan_import(ledger, forms, update=update))
    result.dry_run = dry_run
    writes = result.writes
    if dry_run or not writes:
        return result
    written = write_cells(path, writes)
    result.written = True
    result.backup = written.backup
    return result
