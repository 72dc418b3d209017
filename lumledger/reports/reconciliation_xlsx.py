"""The *Avstämning* workbook: a reconciliation written for people (``lumledger reconcile -o``).

Sheets: ``Avvikelser`` (the findings), ``Avstämning per ansökan`` (the statement per
application), ``Beslut mot liggare`` (stated against counted per year and type), ``Ej körda
kontroller`` and ``Om avstämningen``. Every table has a frozen, filterable header row, column
widths and Swedish number formats. Text from the ledger is written as explicit string cells,
never as formulas. openpyxl is imported inside :func:`write_workbook`; the file is written
through :func:`lumledger.workbook.files.atomic_output`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.findings import LedgerWriteError
from lumledger.money import is_whole
from lumledger.reconciliation import Reconciliation, difference, finding_label
from lumledger.rules import RULES
from lumledger.workbook.files import atomic_output

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FINDINGS_SHEET = "Avvikelser"
STATEMENT_SHEET = "Avstämning per ansökan"
YEARS_SHEET = "Beslut mot liggare"
NOT_RUN_SHEET = "Ej körda kontroller"
ABOUT_SHEET = "Om avstämningen"

WHOLE_KR = "#,##0"
ORE_KR = "#,##0.00"
DATE = "yyyy-mm-dd"
HEADER_FILL = "DDEBF7"
# Whole numbers that are not amounts: no thousands separator.
PLAIN_NUMBERS = frozenset({"År", "Rad", "Rad i Beslut"})

# (heading, width); a width above 40 wraps the column's text.
Columns = Sequence[tuple[str, float]]

_FINDING_COLUMNS: Columns = (
    ("År", 7),
    ("Avser", 14),
    ("Kod", 10),
    ("Regel", 42),
    ("Allvarlighet", 11),
    ("Blad", 15),
    ("Cell", 8),
    ("Rad", 6),
    ("Meddelande", 70),
    ("Förväntat", 14),
    ("Funnet", 14),
    ("Skillnad", 14),
)
_STATEMENT_COLUMNS: Columns = (
    ("År", 7),
    ("Id", 11),
    ("Typ", 12),
    ("Förvaltning", 22),
    ("Namn", 45),
    ("Beviljat", 13),
    ("Utbetalt", 13),
    ("Antal utbetalningar", 12),
    ("Redovisning inlämnad", 13),
    ("Sista dag för redovisning", 13),
    ("Intäkter enligt redovisningen", 15),
    ("Varav egen insats", 14),
    ("Kostnader enligt redovisningen", 15),
    ("Ej förbrukat (beräknat)", 14),
    ("Ej förbrukat (enligt redovisningen)", 14),
    ("Återbetalt", 13),
    ("Kvar att betala ut", 13),
    ("Kvar att återbetala", 13),
    ("Öppet", 45),
    ("Avvikelser", 20),
)
_FIGURES = (
    ("applications", "Antal ansökningar"),
    ("administrations", "Antal förvaltningar"),
    ("applied", "Summa sökt"),
    ("granted", "Summa beviljat"),
)
_YEAR_COLUMNS: Columns = (
    ("År", 7),
    ("Typ", 12),
    ("Rad i Beslut", 8),
    *(
        (f"{label} {suffix}", 14)
        for _name, label in _FIGURES
        for suffix in ("enligt beslutet", "i liggaren", "skillnad")
    ),
    ("Utbetalt", 13),
    ("Återbetalt", 13),
)
_NOT_RUN_COLUMNS: Columns = (("Kod", 10), ("År", 7), ("Id", 11), ("Skäl", 80))


def write_workbook(result: Reconciliation, path: Path, *, source: Path | None = None) -> Path:
    """Write the Avstämning workbook for ``result`` to ``path`` (``.xlsx``), atomically.

    Refuses to write over ``source`` (the ledger itself) or to a file that is not ``.xlsx``.
    Raises :class:`LedgerWriteError` (exit status 2).
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise LedgerWriteError(
            f"{path.name}: avstämningen skrivs som .xlsx; ange ett filnamn som slutar på .xlsx."
        )
    if (
        source is not None
        and path.exists()
        and Path(source).exists()
        and path.resolve() == Path(source).resolve()
    ):
        raise LedgerWriteError(
            f"{path.name} är liggaren själv; ange en annan fil för avstämningen."
        )

    book = Workbook()
    findings_sheet = book.active
    assert findings_sheet is not None
    findings_sheet.title = FINDINGS_SHEET
    _table(findings_sheet, _FINDING_COLUMNS, _finding_rows(result))
    _table(book.create_sheet(STATEMENT_SHEET), _STATEMENT_COLUMNS, _statement_rows(result))
    _table(book.create_sheet(YEARS_SHEET), _YEAR_COLUMNS, _year_rows(result))
    _table(
        book.create_sheet(NOT_RUN_SHEET),
        _NOT_RUN_COLUMNS,
        [[n.code, n.year, n.id, n.reason] for n in result.not_run],
    )
    _about(book.create_sheet(ABOUT_SHEET), result)
    with atomic_output(path) as temp:
        book.save(temp)
    return path


def _finding_rows(result: Reconciliation) -> list[list[Any]]:
    return [
        [
            result.year_of_finding(item),
            finding_label(result, item),
            item.code,
            RULES[item.code].title if item.code in RULES else None,
            "fel" if item.is_error else "varning",
            item.sheet,
            item.cell,
            item.row,
            item.message,
            _figure(item.expected),
            _figure(item.found),
            difference(item),
        ]
        for item in result.findings
    ]


def _statement_rows(result: Reconciliation) -> list[list[Any]]:
    return [
        [
            s.year,
            s.id,
            s.type,
            s.administration,
            s.name,
            s.granted,
            s.paid,
            s.payments,
            s.submitted,
            s.due,
            s.income,
            s.own_contribution,
            s.costs,
            s.unspent,
            s.unspent_stated,
            s.repaid,
            s.to_pay,
            s.to_repay,
            "; ".join(s.open),
            ", ".join(s.codes),
        ]
        for s in result.statements
    ]


def _year_rows(result: Reconciliation) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for year in result.years:
        row: list[Any] = [year.year, year.type, year.decision_row]
        for name, _label in _FIGURES:
            stated = getattr(year.stated, name)
            counted = getattr(year.counted, name)
            row += [stated, counted, None if stated is None else stated - (counted or 0)]
        row += [year.paid, year.repaid]
        rows.append(row)
    return rows


def _figure(value: Any) -> Any:
    """An expected/found figure: öre strings back to exact decimals, other text as text."""
    if isinstance(value, str):
        try:
            return Decimal(value) if value.replace(".", "", 1).lstrip("-").isdigit() else value
        except ArithmeticError:
            return value
    return value


def _table(sheet: Worksheet, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    bold = Font(bold=True)
    fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for j, (heading, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=j)
        _put(cell, heading)
        cell.font = bold
        cell.fill = fill
        cell.alignment = wrap
        sheet.column_dimensions[get_column_letter(j)].width = width
    for i, values in enumerate(rows, start=2):
        for j, value in enumerate(values, start=1):
            cell = sheet.cell(row=i, column=j)
            _put(cell, value, plain=columns[j - 1][0] in PLAIN_NUMBERS)
            cell.alignment = wrap if columns[j - 1][1] > 40 else top
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _put(cell: Any, value: Any, *, plain: bool = False) -> None:
    """One cell: amounts with Swedish number formats, dates as dates, text never a formula."""
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = "ja" if value else "nej"
        cell.data_type = "s"
    elif isinstance(value, Decimal):
        if is_whole(value):
            cell.value = int(value)
            cell.number_format = WHOLE_KR
        else:
            cell.value = value
            cell.number_format = ORE_KR
    elif isinstance(value, int):
        cell.value = value
        if not plain:
            cell.number_format = WHOLE_KR
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE
    else:
        cell.value = str(value)
        cell.data_type = "s"


def _about(sheet: Worksheet, result: Reconciliation) -> None:
    from openpyxl.styles import Alignment, Font

    summary = result.summary()
    lines: list[tuple[str, Any]] = [
        ("Avstämning av LUM-liggaren", None),
        ("Liggare", result.name),
        ("Per datum", result.as_of),
        ("Avvikelser", summary["findings"]),
        ("Kontroller som inte kördes", summary["not_run"]),
        ("Fel i liggaren (lumledger validate)", result.validation_errors),
        ("Ansökningar i avstämningen", summary["applications"]),
        (
            "Om tabellerna",
            "Förväntat är vad liggarens egna uppgifter ger, Funnet är vad som står i den angivna "
            "cellen (beslutet, redovisningen eller bokningen); Skillnad = Funnet − Förväntat. "
            "Redovisningar ska lämnas senast 28 februari året efter bidragsåret. Verktyget "
            "ändrar aldrig liggaren.",
        ),
    ]
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 90
    for i, (label, value) in enumerate(lines, start=1):
        _put(sheet.cell(row=i, column=1), label)
        sheet.cell(row=i, column=1).font = Font(bold=True, size=14 if i == 1 else 11)
        _put(sheet.cell(row=i, column=2), value, plain=True)
    sheet.cell(row=len(lines), column=2).alignment = Alignment(wrap_text=True, vertical="top")
