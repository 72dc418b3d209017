"""The reconciliation (:class:`~lumledger.reconciliation.Reconciliation`) as tables: the one
place that decides what each reconciliation output shows.

* :func:`reconciliation_listing` — what ``lumledger reconcile`` prints: the validation errors
  it worked around (if any), then what is open per year (the year's totals, then each
  application with something open), each year's findings, the checks that did not run, a
  summary line that says plainly what the ledger does not record at all.
* :func:`reconciliation_sheet` — the Excel sheet *Avstämning*: what is open per year, the
  findings (linked to their cells), the checks that did not run, where each application stands.
* :func:`reconciliation_workbook` — the *Avstämning* workbook (``lumledger reconcile -o``), a
  table per sheet for filtering: ``Öppet per år``, ``Avvikelser``, ``Avstämning per ansökan``,
  ``Beslut mot liggare``, ``Ej körda kontroller`` and ``Om avstämningen``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.findings import Finding, LedgerWriteError, plural
from lumledger.money import format_kr
from lumledger.reports import findings_table as ft
from lumledger.reports.tables import (
    BLANK,
    Column,
    ColumnKind,
    Paragraph,
    Report,
    Row,
    Table,
    body,
    group,
)

if TYPE_CHECKING:
    from lumledger.reconciliation import ApplicationStatement, Reconciliation, YearOpen

K = ColumnKind

# --- where each application stands -------------------------------------------------------------

S_YEAR = Column("year", "År", K.YEAR)
S_ID = Column("id", "Id")
S_TYPE = Column("type", "Typ")
S_ADMINISTRATION = Column("administration", "Förvaltning")
S_NAME = Column("name", "Namn", long=True)
S_GRANTED = Column("granted", "Beviljat", K.KRONOR)
S_PAID = Column("paid", "Utbetalt", K.KRONOR)
S_PAYMENTS = Column("payments", "Antal utbetalningar", K.NUMBER)
S_SUBMITTED = Column("submitted", "Redovisning inlämnad", K.DATE)
S_DUE = Column("due", "Sista dag för redovisning", K.DATE)
S_REPORT_STATE = Column("report_state", "Redovisning")
S_INCOME = Column("income", "Intäkter enligt redovisningen", K.KRONOR)
S_OWN = Column("own_contribution", "Varav egen insats", K.KRONOR)
S_COSTS = Column("costs", "Kostnader enligt redovisningen", K.KRONOR)
S_UNSPENT = Column("unspent", "Ej förbrukat (beräknat)", K.KRONOR)
S_UNSPENT_STATED = Column("unspent_stated", "Ej förbrukat (enligt redovisningen)", K.KRONOR)
S_REPAID = Column("repaid", "Återbetalt", K.KRONOR)
S_TO_PAY = Column("to_pay", "Kvar att betala ut", K.KRONOR)
S_TO_REPAY = Column("to_repay", "Kvar att återbetala", K.KRONOR)
S_OPEN = Column("open", "Öppet", long=True)
S_CODES = Column("codes", "Avvikelser")

STATEMENT_COLUMNS: tuple[Column, ...] = (
    S_YEAR,
    S_ID,
    S_TYPE,
    S_ADMINISTRATION,
    S_NAME,
    S_GRANTED,
    S_PAID,
    S_PAYMENTS,
    S_SUBMITTED,
    S_DUE,
    S_REPORT_STATE,
    S_INCOME,
    S_OWN,
    S_COSTS,
    S_UNSPENT,
    S_UNSPENT_STATED,
    S_REPAID,
    S_TO_PAY,
    S_TO_REPAY,
    S_OPEN,
    S_CODES,
)
#: The Excel sheet's shorter statement: the money and the dates, what is open.
SHEET_STATEMENT_COLUMNS: tuple[Column, ...] = (
    S_YEAR,
    S_ID,
    S_TYPE,
    S_ADMINISTRATION,
    S_GRANTED,
    S_PAID,
    S_SUBMITTED,
    S_DUE,
    S_REPORT_STATE,
    S_UNSPENT,
    S_REPAID,
    S_TO_PAY,
    S_TO_REPAY,
    S_OPEN,
)


def _statement(s: ApplicationStatement) -> dict[str, Any]:
    return {
        "year": s.year,
        "id": s.id,
        "type": s.type,
        "administration": s.administration,
        "name": s.name,
        "granted": s.granted,
        "paid": s.paid,
        "payments": s.payments,
        "submitted": s.submitted,
        "due": s.due,
        "report_state": s.report_state or BLANK,
        "income": s.income,
        "own_contribution": s.own_contribution,
        "costs": s.costs,
        "unspent": s.unspent,
        "unspent_stated": s.unspent_stated,
        "repaid": s.repaid,
        "to_pay": s.to_pay,
        "to_repay": s.to_repay,
        "open": "; ".join(s.open) or BLANK,
        "codes": ", ".join(s.codes) or BLANK,
    }


def statements_table(
    result: Reconciliation, columns: Sequence[Column], *, name: str, title: str | None = None
) -> Table:
    rows = []
    for statement in result.statements:
        figures = _statement(statement)
        rows.append(Row(values=tuple(figures[c.key] for c in columns)))
    return Table(name=name, columns=tuple(columns), rows=tuple(rows), title=title)


# --- what is open, per year --------------------------------------------------------------------

OPEN_YEAR_COLUMNS: tuple[Column, ...] = (
    Column("year", "År", K.YEAR),
    Column("status", "Status"),
    Column("granted_count", "Beviljade ansökningar", K.INTEGER),
    S_GRANTED,
    S_PAID,
    S_TO_PAY,
    Column("report_due", "Sista dag för redovisning", K.DATE),
    Column("reports_expected", "Redovisningar att lämna", K.INTEGER),
    Column("reports_received", "Inlämnade", K.INTEGER),
    Column("reports_not_due", "Ej förfallna", K.INTEGER),
    Column("reports_overdue", "Försenade", K.INTEGER),
    S_UNSPENT,
    S_REPAID,
    S_TO_REPAY,
    Column("open_count", "Ansökningar med något öppet", K.INTEGER),
)


def _open_year(year: YearOpen) -> dict[str, Any]:
    return {
        "year": year.year,
        "status": year.status,
        "granted_count": year.granted_count,
        "granted": year.granted,
        "paid": year.paid,
        "to_pay": year.to_pay,
        "report_due": year.report_due,
        "reports_expected": year.reports_expected,
        "reports_received": year.reports_received,
        "reports_not_due": year.reports_not_due,
        "reports_overdue": year.reports_overdue,
        "unspent": year.unspent,
        "repaid": year.repaid,
        "to_repay": year.to_repay,
        "open_count": len(year.open_ids),
    }


def open_years_table(result: Reconciliation) -> Table:
    """Each decided round (and each year with a grant): its totals and what is left."""
    rows = []
    for year in result.open_years:
        figures = _open_year(year)
        rows.append(Row(values=tuple(figures[c.key] for c in OPEN_YEAR_COLUMNS)))
    return Table(
        name="Öppet per år",
        title="Öppet per år",
        columns=OPEN_YEAR_COLUMNS,
        rows=tuple(rows),
        empty="Inga beslutade omgångar och inget beviljat att följa upp.",
    )


def open_year_line(year: YearOpen) -> str:
    """A year's totals in one line: ``2019 (Beslutad)  beviljat 3 510 450 kr till 26
    ansökningar · utbetalt 0 kr, kvar att betala ut 3 510 450 kr · …``."""
    status = f" ({year.status})" if year.status else ""
    parts = [
        f"beviljat {format_kr(year.granted, unit=True)} till "
        + plural(year.granted_count, "ansökan", "ansökningar"),
        f"utbetalt {format_kr(year.paid, unit=True)}, kvar att betala ut "
        f"{format_kr(year.to_pay, unit=True)}"
        + (f", {format_kr(year.overpaid, unit=True)} för mycket" if year.overpaid else ""),
    ]
    if year.reports_expected:
        states = [f"{year.reports_received} av {year.reports_expected} inlämnade"]
        if year.reports_overdue:
            states.append(f"{year.reports_overdue} försenade")
        if year.reports_not_due:
            states.append(f"{year.reports_not_due} ej förfallna")
        parts.append(f"redovisningar {', '.join(states)} (sista dag {year.report_due.isoformat()})")
    parts.append(
        f"ej förbrukat {format_kr(year.unspent, unit=True)}, återbetalt "
        f"{format_kr(year.repaid, unit=True)}"
        + (f", kvar att återbetala {format_kr(year.to_repay, unit=True)}" if year.to_repay else "")
    )
    return f"{year.year}{status}  " + " · ".join(parts)


OPEN_LISTING: tuple[Column, ...] = (
    S_ID,
    S_ADMINISTRATION,
    S_NAME,
    S_OPEN,
)


def open_listing(result: Reconciliation) -> Table:
    """The terminal's first part: per year its totals, then the applications with something
    open."""
    rows: list[Row] = []
    for year in result.open_years:
        rows.append(group(open_year_line(year)))
        for id_ in year.open_ids:
            statement = result.statement_of(id_)
            rows.append(
                body(
                    statement.id,
                    statement.administration,
                    statement.name,
                    "; ".join(statement.open),
                )
            )
    return Table(
        name="Öppet per år",
        title=f"Öppet per {result.as_of.isoformat()}",
        columns=OPEN_LISTING,
        rows=tuple(rows),
        empty="Inga beslutade omgångar och inget beviljat att följa upp.",
    )


# --- the findings ------------------------------------------------------------------------------


def _computed(result: Reconciliation) -> ft.Computed:
    from lumledger.reconciliation import difference, finding_label

    return {
        "about": lambda item: finding_label(result, item),
        "year": result.year_of_finding,
        "difference": difference,
    }


#: The terminal's line per finding under its year.
YEAR_LISTING: tuple[Column, ...] = (ft.ABOUT, ft.LOCATION, ft.CODE, ft.MESSAGE)
#: The Excel sheet: what the finding is about in the second column, headed "Id".
SHEET_FINDING_COLUMNS: tuple[Column, ...] = (
    ft.LOCATION,
    Column("about", "Id"),
    ft.CODE,
    ft.SEVERITY,
    ft.MESSAGE,
    ft.EXPECTED,
    ft.FOUND,
)
WORKBOOK_FINDING_COLUMNS: tuple[Column, ...] = (
    ft.YEAR,
    ft.ABOUT,
    ft.CODE,
    ft.RULE,
    ft.SEVERITY,
    ft.SHEET,
    ft.CELL,
    ft.ROW,
    ft.MESSAGE,
    ft.EXPECTED,
    ft.FOUND,
    ft.DIFFERENCE,
)


def _year_line(year: int, count: int) -> str:
    if not count:
        return f"{year} – inga avvikelser"
    return f"{year} – {plural(count, 'avvikelse', 'avvikelser')}"


def findings_by_year(result: Reconciliation) -> Table:
    """Every year (with a statement or a finding) in order, a group heading with its number of
    findings, its findings under it; findings without a year last, under "Utan år"."""
    by_year: dict[int | None, list[Finding]] = {}
    for item in result.findings:
        by_year.setdefault(result.year_of_finding(item), []).append(item)
    years: list[int | None] = [
        *sorted({y.year for y in result.years} | {y for y in by_year if y is not None})
    ]
    if None in by_year:
        years.append(None)
    computed = _computed(result)
    rows: list[Row] = []
    for year in years:
        items = by_year.get(year, [])
        if year is None:
            rows.append(group("Utan år"))
        else:
            rows.append(group(_year_line(year, len(items))))
        rows += ft.findings_table(items, YEAR_LISTING, computed=computed).rows
    return Table(
        name="Avvikelser",
        title="Avvikelser",
        columns=YEAR_LISTING,
        rows=tuple(rows),
        empty="Inga avvikelser.",
    )


# --- the checks that did not run ---------------------------------------------------------------

NOT_RUN_LINE = Column("reason", "", long=True)


def not_run_lines_table(result: Reconciliation, *, empty: str | None = None) -> Table:
    """The checks that did not run, folded for people: a line per cause."""
    from lumledger.reconciliation import not_run_lines

    return Table(
        name="Ej körda kontroller",
        title="Kontroller som inte kördes",
        columns=(NOT_RUN_LINE,),
        rows=tuple(body(line) for line in not_run_lines(result.not_run)),
        empty=empty,
    )


def not_run_table(result: Reconciliation) -> Table:
    """The checks that did not run, one row per check, year and application."""
    columns = (
        Column("code", "Kod"),
        Column("year", "År", K.YEAR),
        Column("id", "Id"),
        Column("reason", "Skäl", long=True),
    )
    return Table(
        name="Ej körda kontroller",
        columns=columns,
        rows=tuple(body(n.code, n.year, n.id, n.reason) for n in result.not_run),
    )


# --- the terminal ------------------------------------------------------------------------------


def _summary_line(result: Reconciliation) -> str:
    summary = result.summary()
    by_code = ", ".join(f"{code} {n}" for code, n in summary["by_code"].items())
    counted = plural(summary["findings"], "avvikelse", "avvikelser")
    parts = [f"{counted} ({by_code})" if by_code else counted]
    if summary["open_applications"]:
        parts.append(
            plural(
                summary["open_applications"],
                "ansökan med något öppet",
                "ansökningar med något öppet",
            )
        )
    parts += result.nothing_recorded()
    if result.not_run:
        parts.append(plural(len(result.not_run), "kontroll kördes inte", "kontroller kördes inte"))
    if result.validation_errors:
        parts.append(plural(result.validation_errors, "fel i liggaren", "fel i liggaren"))
    return f"{result.name} per {result.as_of.isoformat()}: {'; '.join(parts)}."


def reconciliation_listing(result: Reconciliation) -> Report:
    """What ``lumledger reconcile`` prints."""
    tables: list[Table] = []
    if result.validation:  # what the rest is built on comes first
        errors = ft.findings_listing(result.validation)
        title = (
            f"Liggaren har {plural(result.validation_errors, 'fel', 'fel')} "
            "(lumledger validate); avstämningen bygger på det som gick att läsa"
        )
        tables.append(dataclasses.replace(errors, title=title))
    tables.append(open_listing(result))
    tables.append(findings_by_year(result))
    if result.not_run:
        tables.append(not_run_lines_table(result))
    if result.budget:
        tables.append(budget_table(result))
    return Report(
        title=None,
        tables=tuple(tables),
        notes=(_summary_line(result),),
    )


# --- budget against outcome (issue 15) ------------------------------------------------------------

BUDGET_COLUMNS: tuple[Column, ...] = (
    Column("id", "Id"),
    Column("year", "År", K.YEAR),
    Column("line", "Rad i redovisningen"),
    Column("budget", "Budget", K.KRONOR),
    Column("outcome", "Redovisat", K.KRONOR),
    Column("difference", "Skillnad", K.KRONOR),
    Column("beyond", "Avviker"),
    Column("budget_id", "Budget enligt ansökan"),
)


def budget_table(result: Reconciliation) -> Table:
    """Each report against its application's budget, line by line (empty without budgets)."""
    rows = tuple(
        Row(
            values=(
                line.id,
                line.year,
                line.line,
                line.budget,
                line.outcome,
                line.difference,
                "ja" if line.beyond_tolerance else "",
                line.budget_id,
            )
        )
        for line in result.budget
    )
    return Table(
        name="Budget mot utfall", columns=BUDGET_COLUMNS, rows=rows, title="Budget mot utfall"
    )


# --- the Excel sheet ---------------------------------------------------------------------------

#: What Förväntat and Funnet mean, for every code (LUM-R001/R002: the Beslut cell's figure is
#: found, the ledger's own expected): said on the Excel sheet and in the workbook.
FIGURES_NOTE = (
    "Förväntat är vad liggarens egna uppgifter ger, Funnet är vad som står i den angivna "
    "cellen (beslutet, redovisningen eller bokningen); Skillnad = Funnet − Förväntat."
)


def reconciliation_sheet(result: Reconciliation) -> Report:
    """The Excel sheet *Avstämning*."""
    preamble: list[Paragraph] = []
    if result.validation_errors:
        errors = plural(result.validation_errors, "valideringsfel", "valideringsfel")
        preamble.append(
            Paragraph(
                f"Obs: liggaren har {errors}; avstämningen gäller det som gick att läsa. "
                "Tryck på Validera för att se dem."
            )
        )
    preamble += [Paragraph(f"Obs: {line}.") for line in result.nothing_recorded()]
    preamble.append(Paragraph(FIGURES_NOTE))
    findings = ft.findings_table(
        result.findings,
        SHEET_FINDING_COLUMNS,
        name="Avvikelser",
        empty="Inga avvikelser.",
        computed=_computed(result),
    )
    return Report(
        title=f"Avstämning av {result.name} per {result.as_of.isoformat()}",
        preamble=tuple(preamble),
        tables=(
            open_years_table(result),
            findings,
            not_run_lines_table(result, empty="Alla kontroller kördes."),
            statements_table(
                result, SHEET_STATEMENT_COLUMNS, name="Läge per ansökan", title="Läge per ansökan"
            ),
            *((budget_table(result),) if result.budget else ()),
        ),
    )


# --- the workbook ------------------------------------------------------------------------------

_FIGURES = (
    ("applications", "Antal ansökningar"),
    ("administrations", "Antal förvaltningar"),
    ("applied", "Summa sökt"),
    ("granted", "Summa beviljat"),
)


def years_table(result: Reconciliation) -> Table:
    """Each year and type: the figures the decision states against the ledger's own count."""
    columns: list[Column] = [
        Column("year", "År", K.YEAR),
        Column("type", "Typ"),
        Column("decision_row", "Rad i Beslut", K.INTEGER),
    ]
    for name, label in _FIGURES:
        columns += [
            Column(f"{name}_stated", f"{label} enligt beslutet", K.NUMBER),
            Column(f"{name}_counted", f"{label} i liggaren", K.NUMBER),
            Column(f"{name}_difference", f"{label} skillnad", K.NUMBER),
        ]
    columns += [Column("paid", "Utbetalt", K.KRONOR), Column("repaid", "Återbetalt", K.KRONOR)]
    rows = []
    for year in result.years:
        values: list[Any] = [year.year, year.type, year.decision_row]
        for name, _label in _FIGURES:
            stated = getattr(year.stated, name)
            counted = getattr(year.counted, name)
            values += [stated, counted, None if stated is None else stated - (counted or 0)]
        values += [year.paid, year.repaid]
        rows.append(Row(values=tuple(values)))
    return Table(name="Beslut mot liggare", columns=tuple(columns), rows=tuple(rows))


ABOUT_NOTE = (
    FIGURES_NOTE + " "
    "Redovisningar ska lämnas senast 28 februari året efter bidragsåret. Verktyget "
    "ändrar aldrig liggaren."
)


def about_table(result: Reconciliation) -> Table:
    summary = result.summary()
    facts: list[tuple[str, Any]] = [
        ("Liggare", result.name),
        ("Per datum", result.as_of),
        ("Avvikelser", summary["findings"]),
        ("Kontroller som inte kördes", summary["not_run"]),
        ("Fel i liggaren (lumledger validate)", result.validation_errors),
        ("Ansökningar i avstämningen", summary["applications"]),
        ("Ansökningar med något öppet", summary["open_applications"]),
        *(("Registreras inte", line) for line in result.nothing_recorded()),
        ("Om tabellerna", ABOUT_NOTE),
    ]
    return Table(
        name="Om avstämningen",
        columns=(Column("label", ""), Column("value", "", K.VALUE, long=True)),
        rows=(group("Avstämning av LUM-liggaren"), *(body(k, v) for k, v in facts)),
    )


def reconciliation_workbook(result: Reconciliation) -> Report:
    """The *Avstämning* workbook: a table per sheet, each with a filter on its header."""
    return Report(
        title=f"Avstämning av {result.name} per {result.as_of.isoformat()}",
        tables=(
            open_years_table(result),
            ft.findings_table(
                result.findings,
                WORKBOOK_FINDING_COLUMNS,
                name="Avvikelser",
                computed=_computed(result),
            ),
            statements_table(result, STATEMENT_COLUMNS, name="Avstämning per ansökan"),
            *((budget_table(result),) if result.budget else ()),
            years_table(result),
            not_run_table(result),
            about_table(result),
        ),
        filterable=True,
    )


def write_reconciliation_workbook(
    result: Reconciliation, path: Path, *, source: Path | None = None
) -> Path:
    """Write the *Avstämning* workbook for ``result`` to ``path`` (``.xlsx``), atomically.

    Refuses to write over ``source`` (the ledger itself) or to a file that is not ``.xlsx``.
    Raises :class:`LedgerWriteError` (exit status 2).
    """
    from lumledger.reports.xlsx_writer import write_xlsx
    from lumledger.workbook.files import atomic_output

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
    with atomic_output(path) as temp:
        write_xlsx(reconciliation_workbook(result), temp)
    return path
