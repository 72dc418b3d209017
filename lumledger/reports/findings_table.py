"""Findings as a table: one column per thing a finding says, and the choices of columns each
output shows (the terminal's one-line listing, the Excel sheet *Fel*, the workbook *Fel* that
``lumledger validate -o`` writes, the reconciliation's sheets).

:func:`findings_table` takes the columns to show; a column's value comes from the finding
itself (its location, code, message, figures …) or, for what only the caller knows (what a
reconciliation finding is about, its year), from ``computed``. Every row links to the finding's
cell. Expected and found figures are numbers where they are amounts (öre as
:class:`~decimal.Decimal`), text otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.findings import Finding, LedgerWriteError, plural, summarize
from lumledger.reports.tables import BLANK, Column, ColumnKind, Link, Report, Row, Table
from lumledger.rules import RULES

if TYPE_CHECKING:
    from lumledger.validation import Validation

K = ColumnKind

LOCATION = Column("location", "Cell")  # Ansökningar!M5
ID = Column("id", "Id")
ABOUT = Column("about", "Avser")  # the application Id, or "2019 Projekt" for a decision row
YEAR = Column("year", "År", K.YEAR)
CODE = Column("code", "Kod")
RULE = Column("rule", "Regel", long=True)
SEVERITY = Column("severity", "Allvarlighet")
SHEET = Column("sheet", "Blad")
CELL = Column("cell", "Cell")
ROW = Column("row", "Rad", K.INTEGER)
MESSAGE = Column("message", "Meddelande", long=True)
EXPECTED = Column("expected", "Förväntat", K.NUMBER)
FOUND = Column("found", "Funnet", K.NUMBER)
DIFFERENCE = Column("difference", "Skillnad", K.NUMBER)

#: The terminal's line per finding: ``Ansökningar!M5  LUM-E008  Beviljat belopp …``.
LISTING: tuple[Column, ...] = (LOCATION, CODE, MESSAGE)
#: The Excel sheet *Fel*.
SHEET_COLUMNS: tuple[Column, ...] = (LOCATION, CODE, SEVERITY, MESSAGE, EXPECTED, FOUND)
#: The workbook *Fel* (``lumledger validate -o``): the sheet's columns and what to do.
WORKBOOK_COLUMNS: tuple[Column, ...] = (
    LOCATION,
    CODE,
    SEVERITY,
    MESSAGE,
    EXPECTED,
    FOUND,
    Column("action", "Gör så här", long=True),
)

Computed = Mapping[str, Callable[[Finding], Any]]


def figure(value: Any) -> Any:
    """An expected or found figure: an öre string back to an exact decimal, other text as text."""
    if isinstance(value, str):
        try:
            return Decimal(value) if value.replace(".", "", 1).lstrip("-").isdigit() else value
        except ArithmeticError:
            return value
    return value


_VALUES: dict[str, Callable[[Finding], Any]] = {
    "location": lambda f: f.location or None,
    "id": lambda f: f.id or BLANK,
    "code": lambda f: f.code,
    "rule": lambda f: RULES[f.code].title if f.code in RULES else None,
    "action": lambda f: RULES[f.code].action.replace("`", "") if f.code in RULES else None,
    "severity": lambda f: "fel" if f.is_error else "varning",
    "sheet": lambda f: f.sheet,
    "cell": lambda f: f.cell,
    "row": lambda f: f.row,
    "message": lambda f: f.message,
    "expected": lambda f: figure(f.expected),
    "found": lambda f: figure(f.found),
}


def link(item: Finding) -> Link | None:
    """The cell a finding names (or its row, or its sheet); ``None`` without a sheet."""
    if not item.sheet:
        return None
    return Link(sheet=item.sheet, cell=item.cell, row=item.row)


def findings_table(
    items: Iterable[Finding],
    columns: Sequence[Column],
    *,
    name: str = "Fel",
    title: str | None = None,
    empty: str | None = None,
    computed: Computed | None = None,
) -> Table:
    """``items`` as rows of ``columns`` (see the module's notes), each linked to its cell."""
    values = {**_VALUES, **(computed or {})}
    getters = [values[column.key] for column in columns]
    rows = tuple(Row(values=tuple(get(item) for get in getters), link=link(item)) for item in items)
    return Table(name=name, columns=tuple(columns), rows=rows, title=title, empty=empty)


def findings_listing(items: Iterable[Finding], *, with_id: bool = False) -> Table:
    """The terminal's listing; ``with_id`` starts each line with the application's Id, when
    the finding has one."""
    return findings_table(items, (ID, *LISTING) if with_id else LISTING)


def findings_report(result: Validation) -> Report:
    """The workbook *Fel*: every finding of ``result`` on one sheet, for filtering and print."""
    summary = summarize(result.findings)
    counts = (
        f"{plural(summary.errors, 'fel', 'fel')}, "
        f"{plural(summary.warnings, 'varning', 'varningar')}"
    )
    title = f"Kontroll av {result.ledger.name}: {counts}"
    table = findings_table(
        result.findings, WORKBOOK_COLUMNS, name="Fel", empty="Inga fel eller varningar."
    )
    return Report(title=title, tables=(table,), filterable=True)


def write_findings_workbook(result: Validation, path: Path, *, source: Path | None = None) -> Path:
    """Write the workbook *Fel* (:func:`findings_report`) to ``path`` (``.xlsx``), atomically.

    Refuses to write over ``source`` (the ledger itself) or to a file that is not ``.xlsx``
    (:class:`LedgerWriteError`, exit status 2)."""
    from lumledger.reports.xlsx_writer import write_xlsx
    from lumledger.workbook.files import atomic_output

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise LedgerWriteError(
            f"{path.name}: felen skrivs som .xlsx; ange ett filnamn som slutar på .xlsx."
        )
    if source is not None and path.exists() and path.resolve() == Path(source).resolve():
        raise LedgerWriteError(f"{path.name} är liggaren själv; ange en annan fil för felen.")
    with atomic_output(path) as temp:
        write_xlsx(findings_report(result), temp)
    return path
