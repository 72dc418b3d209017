"""``lumledger reconcile``: does the ledger add up? Rules LUM-R001 to LUM-R011 as findings.

Modelled on plain-text accounting (beancount's balance assertions, hledger's named checks): each
rule is one function ``check_rNNN(ledger, ...) -> list[Finding]``; every discrepancy carries the
expected and the found figure and names the difference in one Swedish sentence. Unlike hledger,
every finding is reported, not the first; nothing is ever adjusted.

Conventions:

* ``found`` is the figure at the cited cell (what the decision, the report or the booking says),
  ``expected`` what the ledger's own records say it should be; the difference is
  ``found - expected`` (R009: costs found against income expected).
* Scope (``docs/ledger-format.md``): R001–R002 run for years (and types) with a ``Beslut`` row;
  R003 for years with at least one ``Utbetalningar`` row (R004 for every payment); R005–R010 for
  years with at least one ``Redovisningar`` row; R011 compares only stated ``Tidigare beviljat``
  and ``Projektår`` values. What cannot run is a :class:`NotRun` with a Swedish reason — never a
  silent pass, never a finding. A year is the ``År`` of the application a row belongs to.
* Money is exact: whole kronor as ``int``, öre as ``Decimal``; JSON via
  :func:`lumledger.money.to_json_amount`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lumledger import collector, ledger_format
from lumledger.findings import Finding, finding, sort_key, summarize
from lumledger.ledger import Ledger, Sheet, column_values
from lumledger.ledger_format import (
    APPLICATIONS,
    DECISIONS,
    PAYMENTS,
    PROJECT,
    REPAYMENTS,
    REPORT_COST_LINES,
    REPORT_INCOME_LINES,
    REPORTS,
    ROUNDS,
)
from lumledger.money import message_kr, to_json_amount
from lumledger.rules.cross_sheet import validate_ledger
from lumledger.rules.registry import NotRun
from lumledger.workbook.reader import read_ledger

Amount = int | Decimal

ZERO = Decimal(0)
DECIDED_STATUSES = (ledger_format.STATUS_DECIDED, ledger_format.STATUS_CLOSED)
RULE_CODES: tuple[str, ...] = tuple(f"LUM-R{n:03d}" for n in range(1, 12))


def report_due_date(year: int) -> dt.date:
    """The last day for a year's financial report: 28 February of the following year."""
    return dt.date(year + 1, 2, 28)


# --- results ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class ApplicationStatement:
    """Where one application stands: granted, paid, reported, unspent, repaid and what is open."""

    id: str
    year: int | None
    type: str | None
    administration: str | None
    name: str | None
    row: int
    granted: int | None
    paid: Decimal
    payments: int
    report_row: int | None
    submitted: dt.date | None
    due: dt.date | None  # projects only
    income: Decimal | None  # sum of the report's income lines
    own_contribution: Decimal | None
    costs: Decimal | None  # sum of the report's cost lines
    unspent: Decimal | None  # computed: min(Beviljat, max(0, income - costs))
    unspent_stated: Decimal | None
    repaid: Decimal
    to_pay: Decimal | None  # granted - paid
    to_repay: Decimal | None  # unspent - repaid
    open: list[str] = field(default_factory=list)  # Swedish, one item each
    codes: list[str] = field(default_factory=list)  # codes of this application's findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "year": self.year,
            "type": self.type,
            "administration": self.administration,
            "name": self.name,
            "row": self.row,
            "granted": to_json_amount(self.granted),
            "paid": to_json_amount(self.paid),
            "payments": self.payments,
            "report_row": self.report_row,
            "submitted": self.submitted.isoformat() if self.submitted else None,
            "due": self.due.isoformat() if self.due else None,
            "income": to_json_amount(self.income),
            "own_contribution": to_json_amount(self.own_contribution),
            "costs": to_json_amount(self.costs),
            "unspent": to_json_amount(self.unspent),
            "unspent_stated": to_json_amount(self.unspent_stated),
            "repaid": to_json_amount(self.repaid),
            "to_pay": to_json_amount(self.to_pay),
            "to_repay": to_json_amount(self.to_repay),
            "open": list(self.open),
            "codes": list(self.codes),
        }


@dataclass(frozen=True, slots=True)
class Figures:
    """The four figures a decision states for a year and type."""

    applications: int | None = None
    administrations: int | None = None
    applied: int | None = None
    granted: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "administrations": self.administrations,
            "applied": self.applied,
            "granted": self.granted,
        }


@dataclass(frozen=True, slots=True)
class YearStatement:
    """One year and type: the figures stated in ``Beslut`` against the ledger's own count."""

    year: int
    type: str
    decision_row: int | None  # None: the year has no Beslut row for this type
    stated: Figures
    counted: Figures
    paid: Decimal = ZERO
    repaid: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        differences = {
            name: (
                None
                if getattr(self.stated, name) is None
                else getattr(self.stated, name) - (getattr(self.counted, name) or 0)
            )
            for name in ("applications", "administrations", "applied", "granted")
        }
        return {
            "year": self.year,
            "type": self.type,
            "decision_row": self.decision_row,
            "stated": self.stated.to_dict(),
            "counted": self.counted.to_dict(),
            "difference": differences,
            "paid": to_json_amount(self.paid),
            "repaid": to_json_amount(self.repaid),
        }


@dataclass(slots=True)
class Reconciliation:
    """Everything ``lumledger reconcile`` reports about one ledger."""

    name: str
    as_of: dt.date
    findings: list[Finding]
    not_run: list[NotRun]
    statements: list[ApplicationStatement]
    years: list[YearStatement]
    validation_errors: int
    validation: list[Finding] = field(default_factory=list)  # the validation errors themselves
    year_of: dict[Finding, int | None] = field(default_factory=dict, repr=False)

    @property
    def clean(self) -> bool:
        """No reconciliation findings and no validation errors."""
        return not self.findings and not self.validation_errors

    def year_of_finding(self, item: Finding) -> int | None:
        return self.year_of.get(item)

    def finding_dict(self, item: Finding) -> dict[str, Any]:
        """The spec's keys plus ``id``, ``year`` and ``difference``."""
        data = item.to_dict()
        data["id"] = item.id
        data["year"] = self.year_of.get(item)
        data["difference"] = to_json_amount(difference(item))
        return data

    def summary(self) -> dict[str, Any]:
        counts = summarize(self.findings)
        return {
            "file": self.name,
            "as_of": self.as_of.isoformat(),
            "findings": len(self.findings),
            **counts.to_dict(),
            "not_run": len(self.not_run),
            "validation_errors": self.validation_errors,
            "valid": self.validation_errors == 0,
            "applications": len(self.statements),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [self.finding_dict(f) for f in self.findings],
            "summary": self.summary(),
            "not_run": [n.to_dict() for n in self.not_run],
            "statements": [s.to_dict() for s in self.statements],
            "years": [y.to_dict() for y in self.years],
            "validation_errors": [f.to_dict() for f in self.validation],
        }


def difference(item: Finding) -> Decimal | None:
    """``found - expected`` when both are amounts or counts, else ``None``."""
    expected, found = _as_decimal(item.expected), _as_decimal(item.found)
    if expected is None or found is None:
        return None
    return found - expected


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return None


# --- the ledger's facts, read once ----------------------------------------------------------------


def _key(text: str) -> str:
    return text.strip().casefold()


def _keys(texts: list[str | None]) -> list[str | None]:
    """:func:`_key` of each text (inline: a call per row costs more than the work), None kept."""
    return [None if text is None else text.strip().casefold() for text in texts]


@dataclass(slots=True)
class App:
    row: int
    id: str
    key: str  # the Id as Ids are matched (casefolded)
    year: int | None
    type: str | None
    administration: str | None
    name: str | None
    project: str | None
    project_year: int | None
    previous: int | None
    applied: int | None
    granted: int | None
    bad: frozenset[str]  # columns whose cell failed parsing


@dataclass(slots=True)
class Decision:
    row: int
    year: int | None
    type: str | None
    figures: Figures
    bad: frozenset[str]


@dataclass(slots=True)
class Booking:
    """A payment or a repayment."""

    sheet: str
    row: int
    id: str | None
    key: str | None  # the Id casefolded, None when blank
    app: App | None  # the application with this Id, when exactly one has it
    date: dt.date | None
    amount: Decimal | None
    bad: frozenset[str]


@dataclass(slots=True)
class Report:
    row: int
    id: str | None
    key: str | None  # the Id casefolded, None when blank
    app: App | None  # the application with this Id, when exactly one has it
    submitted: dt.date | None
    values: dict[str, Decimal | None]  # every amount column of Redovisningar
    income: Decimal  # the sum of the income lines (blank as 0)
    costs: Decimal  # the sum of the cost lines (blank as 0)
    bad: frozenset[str]


@dataclass(slots=True)
class Account:
    """What is booked on one Id: its payments, the sums paid and repaid (blank amounts as 0)
    and its last report."""

    payments: list[Booking] = field(default_factory=list)
    paid: Decimal = ZERO
    repaid: Decimal = ZERO
    report: Report | None = None


YearType = tuple[int | None, str | None]  # an application's (År, Typ)


@dataclass(slots=True)
class Facts:
    """The parts of a ledger reconciliation compares, typed, with their rows."""

    ledger: Ledger
    apps: list[App]
    by_key: dict[str, App]  # unique Ids only (casefolded)
    duplicates: set[str]  # casefolded Ids that occur more than once
    statuses: dict[int, str | None]  # Omgångar: year -> status
    decisions: list[Decision]
    payments: list[Booking]
    repayments: list[Booking]
    reports: list[Report]
    years: list[int]  # every year in Omgångar or Ansökningar
    by_year_type: dict[YearType, list[App]]  # applications by (År, Typ), in ledger order
    unreadable_years: list[int]  # rows of Ansökningar whose År failed parsing
    paid_years: set[int]  # years with a payment to a known application
    reported_years: set[int]  # years with a report on a known application
    reported: set[str]  # casefolded Ids with a report
    accounts: dict[str, Account]  # casefolded Id -> what is booked on it
    counted: dict[tuple[int, str], Figures] = field(default_factory=dict)  # see _counted
    flawed: dict[tuple[int, str], list[App]] = field(default_factory=dict)  # see _flawed

    def sheet(self, sheet: str) -> Sheet | None:
        return self.ledger.sheet(sheet)

    def cell(self, sheet: str, column: str, row: int) -> str | None:
        table = self.ledger.sheet(sheet)
        return table.cell(column, row) if table is not None else None

    def app(self, id_: str | None) -> App | None:
        return self.by_key.get(_key(id_)) if id_ else None

    def decided(self, year: int | None) -> bool:
        return year is not None and self.statuses.get(year) in DECIDED_STATUSES

    def year_of(self, id_: str | None) -> int | None:
        app = self.app(id_)
        return app.year if app is not None else None


_NO_COLUMNS: frozenset[str] = frozenset()


class _Columns:
    """One sheet column by column, as plain Python lists (empty when the sheet is absent).

    ``rows`` are the Excel rows, ``bad`` each row's columns whose cell failed parsing, and
    :meth:`values` one column as the checks use it.
    """

    def __init__(self, table: Sheet | None) -> None:
        self.table = table
        self.rows: list[int] = [] if table is None else table.frame.index.tolist()
        invalid: dict[int, set[str]] = {}
        for row, column in table.invalid if table is not None else ():
            invalid.setdefault(int(row), set()).add(column)
        frozen = {row: frozenset(columns) for row, columns in invalid.items()}
        self.bad: list[frozenset[str]] = (
            [frozen.get(row, _NO_COLUMNS) for row in self.rows]
            if frozen
            else [_NO_COLUMNS] * len(self.rows)
        )

    def values(self, name: str) -> list[Any]:
        """Column ``name`` as plain Python values (see :func:`lumledger.workbook.reader.column_values`)."""
        if self.table is None:
            return []
        return column_values(self.table.frame, self.table.name, name)

    def ids(
        self, by_key: dict[str, App]
    ) -> tuple[list[str | None], list[str | None], list[App | None]]:
        """The Id column, each Id as it is matched (casefolded) and the application it names
        when exactly one has it (``by_key``); blank Ids are None throughout."""
        ids: list[str | None] = self.values("Id")
        keys = _keys(ids)
        return ids, keys, [None if key is None else by_key.get(key) for key in keys]


def _line_totals(rows: int, lines: Iterable[list[Decimal | None]]) -> list[Decimal]:
    """Per row, the sum of the amounts of ``lines``, a blank (or zero) amount counting as 0."""
    totals = [ZERO] * rows
    for line in lines:
        totals = [total + (value or ZERO) for total, value in zip(totals, line, strict=True)]
    return totals


def _accounts(
    payments: list[Booking], repayments: list[Booking], reports: list[Report]
) -> dict[str, Account]:
    """Per casefolded Id with a payment, repayment or report: what is booked on it."""
    accounts: dict[str, Account] = {}

    def account(key: str) -> Account:
        found = accounts.get(key)
        if found is None:
            found = accounts[key] = Account()
        return found

    for payment in payments:
        if payment.key:
            paid = account(payment.key)
            paid.payments.append(payment)
            paid.paid += payment.amount or ZERO
    for repayment in repayments:
        if repayment.key:
            account(repayment.key).repaid += repayment.amount or ZERO
    for report in reports:
        if report.key:
            reported = account(report.key)
            last = reported.report
            if last is None or (report.submitted or dt.date.min) >= (last.submitted or dt.date.min):
                reported.report = report
    return accounts


def _years_with(items: Iterable[Booking | Report]) -> set[int]:
    """The years of the known applications ``items`` refer to."""
    return {item.app.year for item in items if item.app is not None and item.app.year is not None}


def _applications(sheet: _Columns) -> list[App]:
    """Every Ansökningar row with an Id."""
    ids = sheet.values("Id")
    columns = [
        sheet.rows,
        ids,
        _keys(ids),
        *(
            sheet.values(name)
            for name in (
                "År",
                "Typ",
                "Förvaltning",
                "Namn",
                "Projekt",
                "Projektår",
                "Tidigare beviljat",
                "Sökt belopp",
                "Beviljat belopp",
            )
        ),
        sheet.bad,
    ]
    if None in ids:  # rows without an Id are no application
        has_id = [id_ is not None for id_ in ids]
        columns = [list(itertools.compress(column, has_id)) for column in columns]
    # The columns in App's field order: row, id, key, year, type, ..., granted, bad.
    return list(map(App, *columns))


def _bookings(sheet_name: str, sheet: _Columns, by_key: dict[str, App]) -> list[Booking]:
    return [
        Booking(sheet_name, row, id_, key, app, date, amount, bad)  # positional: in field order
        for row, id_, key, app, date, amount, bad in zip(
            sheet.rows,
            *sheet.ids(by_key),
            sheet.values("Datum"),
            sheet.values("Belopp"),
            sheet.bad,
            strict=True,
        )
    ]


def _reports(sheet: _Columns, by_key: dict[str, App]) -> list[Report]:
    amounts = {
        c.name: sheet.values(c.name)
        for c in ledger_format.COLUMNS[REPORTS]
        if c.kind is ledger_format.Kind.KR
    }
    rows = len(sheet.rows)
    by_row = [dict(zip(amounts, row, strict=True)) for row in zip(*amounts.values(), strict=True)]
    return [
        # Positional, in field order (a keyword call costs twice as much).
        Report(row, id_, key, app, submitted, values, income, costs, bad)
        for row, id_, key, app, submitted, values, income, costs, bad in zip(
            sheet.rows,
            *sheet.ids(by_key),
            sheet.values("Inlämnad"),
            by_row,
            _line_totals(rows, (amounts[c] for c in REPORT_INCOME_LINES)),
            _line_totals(rows, (amounts[c] for c in REPORT_COST_LINES)),
            sheet.bad,
            strict=True,
        )
    ]


def collect_facts(ledger: Ledger) -> Facts:
    """Read what reconciliation needs from a parsed ledger (nothing raises)."""
    apps = _applications(_Columns(ledger.sheet(APPLICATIONS)))
    keys = [app.key for app in apps]
    by_key = dict(zip(keys, apps, strict=True))  # for a duplicated Id, its last application
    duplicates: set[str] = set()
    if len(by_key) < len(apps):
        duplicates = {key for key, app in zip(keys, apps, strict=True) if by_key[key] is not app}
        for key in duplicates:
            del by_key[key]
    by_year_type: dict[YearType, list[App]] = {}
    for app in apps:
        by_year_type.setdefault((app.year, app.type), []).append(app)

    statuses: dict[int, str | None] = {}
    rounds = _Columns(ledger.sheet(ROUNDS))
    for year, status in zip(rounds.values("År"), rounds.values("Status"), strict=True):
        if year is not None and year not in statuses:
            statuses[year] = status

    sheet = _Columns(ledger.sheet(DECISIONS))
    decisions = [
        Decision(
            row=row,
            year=year,
            type=kind,
            figures=Figures(
                applications=applications,
                administrations=administrations,
                applied=applied,
                granted=granted,
            ),
            bad=bad,
        )
        for row, year, kind, applications, administrations, applied, granted, bad in zip(
            sheet.rows,
            sheet.values("År"),
            sheet.values("Typ"),
            sheet.values("Antal ansökningar"),
            sheet.values("Antal förvaltningar"),
            sheet.values("Summa sökt"),
            sheet.values("Summa beviljat"),
            sheet.bad,
            strict=True,
        )
    ]

    payments = _bookings(PAYMENTS, _Columns(ledger.sheet(PAYMENTS)), by_key)
    repayments = _bookings(REPAYMENTS, _Columns(ledger.sheet(REPAYMENTS)), by_key)
    reports = _reports(_Columns(ledger.sheet(REPORTS)), by_key)
    return Facts(
        ledger=ledger,
        apps=apps,
        by_key=by_key,
        duplicates=duplicates,
        statuses=statuses,
        decisions=decisions,
        payments=payments,
        repayments=repayments,
        reports=reports,
        years=sorted(set(statuses) | {year for year, _kind in by_year_type if year is not None}),
        by_year_type=by_year_type,
        unreadable_years=[a.row for a in apps if "År" in a.bad],
        paid_years=_years_with(payments),
        reported_years=_years_with(reports),
        reported={r.key for r in reports if r.key},
        accounts=_accounts(payments, repayments, reports),
    )


# --- shared helpers for the checks ------------------------------------------------------------------


class _Skips:
    """Collects :class:`NotRun` entries for one check."""

    def __init__(self, code: str, sink: list[NotRun] | None) -> None:
        self.code = code
        self.sink = sink if sink is not None else []

    def add(self, year: int | None, cause: str, id_: str | None = None) -> None:
        self.sink.append(NotRun(code=self.code, year=year, cause=cause, id=id_))

    def missing(self, facts: Facts, needs: Iterable[tuple[str, str | None]]) -> bool:
        """Record a missing sheet or column among ``needs``; True when the check cannot run."""
        missing = False
        for sheet, column in needs:
            table = facts.sheet(sheet)
            if table is None:
                if sheet in ledger_format.REQUIRED_SHEETS:
                    self.add(None, f"bladet {sheet} saknas")
                    missing = True
                continue  # an absent optional sheet simply has no rows
            if column is not None and not table.has(column):
                self.add(None, f"kolumnen {sheet}!{column} saknas")
                missing = True
        return missing


def _resolve(facts: Facts, skips: _Skips, item: Booking | Report, sheet: str) -> App | None:
    """The application a row refers to, or None (recorded as not run with the reason)."""
    if item.app is not None:
        return item.app
    where = f"{sheet} rad {item.row}"
    if item.id is None or item.key is None:
        skips.add(None, f"{where}: Id saknas")
        return None
    if item.key in facts.duplicates:
        skips.add(None, f"{where}: Id {item.id} förekommer flera gånger i Ansökningar", item.id)
        return None
    skips.add(None, f"{where}: Id {item.id} finns inte i Ansökningar", item.id)
    return None


def _bad(item: App | Booking | Report | Decision, *columns: str) -> list[str]:
    return [c for c in columns if c in item.bad] if item.bad else []


def _invalid(sheet: str, columns: Sequence[str], facts: Facts, row: int) -> str:
    cells = [facts.cell(sheet, c, row) or c for c in columns]
    return f"ogiltigt värde i {', '.join(f'{sheet}!{c}' for c in cells)}"


def _type_words(kind: str | None) -> str:
    return "projektansökningar" if kind == PROJECT else "ansökningar om studiebesök"


def _type_noun(kind: str | None) -> str:
    return "projekt" if kind == PROJECT else "studiebesök"


def _prepare(
    ledger: Ledger, facts: Facts | None, code: str, not_run: list[NotRun] | None
) -> tuple[Facts, _Skips]:
    return (facts if facts is not None else collect_facts(ledger)), _Skips(code, not_run)


# --- R001, R002: the decision's figures -----------------------------------------------------------


def _counted(facts: Facts, year: int, kind: str) -> Figures:
    """The ledger's own figures for ``year`` and ``kind`` (counted once, then remembered)."""
    figures = facts.counted.get((year, kind))
    if figures is None:
        rows = facts.by_year_type.get((year, kind), [])
        names = {a.administration for a in rows if a.administration}
        figures = facts.counted[(year, kind)] = Figures(
            applications=len(rows),
            administrations=len({_key(name) for name in names}),
            applied=sum(a.applied or 0 for a in rows),
            granted=sum(a.granted or 0 for a in rows),
        )
    return figures


def _flawed(facts: Facts, year: int, kind: str) -> list[App]:
    """The applications of ``year`` and ``kind`` with an unreadable cell or a duplicated Id
    (found once, then remembered)."""
    flawed = facts.flawed.get((year, kind))
    if flawed is None:
        rows = facts.by_year_type.get((year, kind), [])
        flawed = facts.flawed[(year, kind)] = [
            a for a in rows if a.bad or a.key in facts.duplicates
        ]
    return flawed


def _uncertain(facts: Facts, year: int, kind: str, columns: Sequence[str]) -> str | None:
    """Why a count for ``year`` and ``kind`` cannot be trusted: rows whose År or Typ is unreadable
    (they could belong here), rows of this year and type whose ``columns`` are unreadable, or
    duplicated Ids (LUM-E005)."""
    apps = _flawed(facts, year, kind)
    rows = set(facts.unreadable_years)
    for (app_year, app_type), others in facts.by_year_type.items():
        if app_year == year and app_type not in ledger_format.APPLICATION_TYPES:
            rows.update(a.row for a in others)
    rows.update(a.row for a in apps if a.bad and _bad(a, *columns))
    duplicated = sorted({a.id for a in apps if a.key in facts.duplicates})
    reasons: list[str] = []
    if rows:
        what = ", ".join(["År", "Typ", *columns])
        listing = ", ".join(str(r) for r in sorted(rows))
        reasons.append(f"ogiltiga värden i Ansökningar ({what}) på rad {listing}")
    if duplicated:
        reasons.append(f"Id förekommer flera gånger i Ansökningar ({', '.join(duplicated)})")
    return "; ".join(reasons) or None


def _decision_scope(facts: Facts, skips: _Skips) -> list[Decision]:
    """Beslut rows that can be compared; years and types without one are recorded as not run."""
    usable: list[Decision] = []
    covered: set[tuple[int, str]] = set()
    for decision in facts.decisions:
        if decision.year is None or decision.type not in ledger_format.APPLICATION_TYPES:
            skips.add(
                decision.year, f"Beslut rad {decision.row}: År eller Typ saknas eller är ogiltigt"
            )
            continue
        covered.add((decision.year, decision.type))
        usable.append(decision)
    kinds_by_year: dict[int, set[str]] = {}
    for app_year, app_type in facts.by_year_type:
        if app_year is not None and app_type in ledger_format.APPLICATION_TYPES:
            kinds_by_year.setdefault(app_year, set()).add(app_type)
    for year in facts.years:
        if not any(y == year for y, _k in covered):
            skips.add(year, "ingen rad i Beslut")
            continue
        for kind in ledger_format.APPLICATION_TYPES:
            if kind in kinds_by_year.get(year, set()) and (year, kind) not in covered:
                skips.add(year, f"ingen rad i Beslut för {_type_noun(kind)}")
    return usable


def _compare_figure(
    facts: Facts,
    skips: _Skips,
    code: str,
    decision: Decision,
    column: str,
    stated: int | None,
    counted: int,
    uncertain: str | None,
    sentence: str,
    money: bool,
) -> Finding | None:
    assert decision.year is not None
    label = decision.type or ""
    if column in decision.bad:
        skips.add(decision.year, f"{label}: {_invalid(DECISIONS, [column], facts, decision.row)}")
        return None
    if stated is None:
        skips.add(decision.year, f"{label}: {column} anges inte i Beslut")
        return None
    if uncertain:
        skips.add(decision.year, f"{label}: {uncertain}")
        return None
    if stated == counted:
        return None
    shown = message_kr if money else str
    diff = stated - counted
    more = ("mer" if diff > 0 else "mindre") if money else ("fler" if diff > 0 else "färre")
    return finding(
        code,
        DECISIONS,
        facts.cell(DECISIONS, column, decision.row),
        decision.row,
        f"{sentence.format(stated=shown(stated))} men liggaren har {shown(counted)} "
        f"({shown(abs(diff))} {more} enligt beslutet)",
        # Like a balance assertion: the decision states what is expected, the ledger is found.
        expected=stated,
        found=counted,
    )


def check_r001(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R001: ``Antal ansökningar`` / ``Antal förvaltningar`` in Beslut against the ledger."""
    facts, skips = _prepare(ledger, facts, "LUM-R001", not_run)
    if skips.missing(facts, [(DECISIONS, "År"), (DECISIONS, "Typ"), (APPLICATIONS, "Typ")]):
        return []
    out: list[Finding] = []
    for decision in _decision_scope(facts, skips):
        assert decision.year is not None and decision.type is not None
        counted = _counted(facts, decision.year, decision.type)
        words = _type_words(decision.type)
        item = _compare_figure(
            facts,
            skips,
            "LUM-R001",
            decision,
            "Antal ansökningar",
            decision.figures.applications,
            counted.applications or 0,
            _uncertain(facts, decision.year, decision.type, []),
            f"Beslutet anger {{stated}} {words} {decision.year}",
            money=False,
        )
        if item:
            out.append(item)
        apps_table = facts.sheet(APPLICATIONS)
        if apps_table is None or not apps_table.has("Förvaltning"):
            skips.add(decision.year, "kolumnen Ansökningar!Förvaltning saknas")
            continue
        item = _compare_figure(
            facts,
            skips,
            "LUM-R001",
            decision,
            "Antal förvaltningar",
            decision.figures.administrations,
            counted.administrations or 0,
            _uncertain(facts, decision.year, decision.type, ["Förvaltning"]),
            f"Beslutet anger {{stated}} förvaltningar med {words} {decision.year}",
            money=False,
        )
        if item:
            out.append(item)
    return out


def check_r002(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R002: ``Summa sökt`` / ``Summa beviljat`` in Beslut against the ledger's sums."""
    facts, skips = _prepare(ledger, facts, "LUM-R002", not_run)
    if skips.missing(facts, [(DECISIONS, "År"), (DECISIONS, "Typ"), (APPLICATIONS, "Typ")]):
        return []
    out: list[Finding] = []
    apps_table = facts.sheet(APPLICATIONS)
    for decision in _decision_scope(facts, skips):
        assert decision.year is not None and decision.type is not None
        counted = _counted(facts, decision.year, decision.type)
        noun = _type_noun(decision.type)
        for column, source, stated, count, what in (
            ("Summa sökt", "Sökt belopp", decision.figures.applied, counted.applied, "sökt"),
            (
                "Summa beviljat",
                "Beviljat belopp",
                decision.figures.granted,
                counted.granted,
                "beviljat",
            ),
        ):
            if apps_table is None or not apps_table.has(source):
                skips.add(decision.year, f"kolumnen {APPLICATIONS}!{source} saknas")
                continue
            item = _compare_figure(
                facts,
                skips,
                "LUM-R002",
                decision,
                column,
                stated,
                count or 0,
                _uncertain(facts, decision.year, decision.type, [source]),
                f"Beslutet anger summa {what} {{stated}} för {noun} {decision.year}",
                money=True,
            )
            if item:
                out.append(item)
    return out


# --- R003, R004: payments ------------------------------------------------------------------------


def check_r003(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R003: granted but not paid (round decided), or paid total differs from granted."""
    facts, skips = _prepare(ledger, facts, "LUM-R003", not_run)
    if skips.missing(
        facts,
        [
            (APPLICATIONS, "År"),
            (APPLICATIONS, "Beviljat belopp"),
            (PAYMENTS, "Id"),
            (PAYMENTS, "Belopp"),
        ],
    ):
        return []
    in_scope = facts.paid_years
    for year in facts.years:
        if year not in in_scope:
            skips.add(year, "inga utbetalningar registrerade")
    out: list[Finding] = []
    for app in facts.apps:
        if app.year not in in_scope:
            continue
        if app.key in facts.duplicates:
            skips.add(app.year, f"Id {app.id} förekommer flera gånger i Ansökningar", app.id)
            continue
        if "Beviljat belopp" in app.bad:
            skips.add(
                app.year,
                f"{app.id}: {_invalid(APPLICATIONS, ['Beviljat belopp'], facts, app.row)}",
                app.id,
            )
            continue
        if not app.granted:
            continue  # nothing granted: a payment is LUM-R004
        account = facts.accounts.get(app.key)
        payments = account.payments if account is not None else []
        broken = [p for p in payments if "Belopp" in p.bad]
        if broken:
            skips.add(
                app.year,
                f"{app.id}: {_invalid(PAYMENTS, ['Belopp'], facts, broken[0].row)}",
                app.id,
            )
            continue
        paid = account.paid if account is not None else ZERO
        granted = Decimal(app.granted)
        if not payments:
            if not facts.decided(app.year):
                continue
            out.append(
                finding(
                    "LUM-R003",
                    APPLICATIONS,
                    facts.cell(APPLICATIONS, "Beviljat belopp", app.row),
                    app.row,
                    f"Beviljat {message_kr(app.granted)} men ingenting är utbetalt",
                    expected=app.granted,
                    found=0,
                    id=app.id,
                )
            )
            continue
        if paid == granted:
            continue
        rows = ", ".join(str(p.row) for p in payments)
        count = "1 utbetalning" if len(payments) == 1 else f"{len(payments)} utbetalningar"
        more = "mer" if paid > granted else "mindre"
        last = payments[-1]
        out.append(
            finding(
                "LUM-R003",
                PAYMENTS,
                facts.cell(PAYMENTS, "Belopp", last.row) if len(payments) == 1 else None,
                last.row if len(payments) == 1 else payments[0].row,
                f"Utbetalt {message_kr(paid)} ({count}, rad {rows}) men beviljat {message_kr(app.granted)}: "
                f"{message_kr(abs(paid - granted))} {more} än beviljat",
                expected=app.granted,
                found=paid,
                id=app.id,
            )
        )
    return out


def check_r004(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R004: a payment for an application with nothing granted."""
    facts, skips = _prepare(ledger, facts, "LUM-R004", not_run)
    if skips.missing(
        facts, [(APPLICATIONS, "Beviljat belopp"), (PAYMENTS, "Id"), (PAYMENTS, "Belopp")]
    ):
        return []
    if not facts.payments:
        skips.add(None, "inga utbetalningar registrerade")
        return []
    out: list[Finding] = []
    for payment in facts.payments:
        app = _resolve(facts, skips, payment, PAYMENTS)
        if app is None:
            continue
        bad = _bad(payment, "Belopp")
        if bad or "Beviljat belopp" in app.bad:
            cells = (
                _invalid(PAYMENTS, bad, facts, payment.row)
                if bad
                else _invalid(APPLICATIONS, ["Beviljat belopp"], facts, app.row)
            )
            skips.add(app.year, f"{app.id}: {cells}", app.id)
            continue
        if not payment.amount or app.granted:
            continue
        granted = "0 kr (avslag)" if app.granted == 0 else "tomt (inget beslut)"
        out.append(
            finding(
                "LUM-R004",
                PAYMENTS,
                facts.cell(PAYMENTS, "Belopp", payment.row),
                payment.row,
                f"Utbetalning {message_kr(payment.amount)} till en ansökan utan beviljat belopp "
                f"(beviljat: {granted})",
                expected=0,
                found=payment.amount,
                id=app.id,
            )
        )
    return out


# --- R005-R010: reports -------------------------------------------------------------------------


def _report_scope(facts: Facts, skips: _Skips) -> set[int]:
    in_scope = facts.reported_years
    for year in facts.years:
        if year not in in_scope:
            skips.add(year, "inga redovisningar registrerade")
    return in_scope


def check_r005(
    ledger: Ledger,
    *,
    as_of: dt.date | None = None,
    facts: Facts | None = None,
    not_run: list[NotRun] | None = None,
) -> list[Finding]:
    """LUM-R005: a granted project with no report after its due date (28 February of År + 1)."""
    facts, skips = _prepare(ledger, facts, "LUM-R005", not_run)
    if skips.missing(
        facts,
        [
            (APPLICATIONS, "År"),
            (APPLICATIONS, "Typ"),
            (APPLICATIONS, "Beviljat belopp"),
            (REPORTS, "Id"),
        ],
    ):
        return []
    today = as_of or dt.date.today()
    in_scope = _report_scope(facts, skips)
    out: list[Finding] = []
    for app in facts.apps:
        if app.year not in in_scope or app.type != PROJECT:
            continue
        if "Beviljat belopp" in app.bad:
            skips.add(
                app.year,
                f"{app.id}: {_invalid(APPLICATIONS, ['Beviljat belopp'], facts, app.row)}",
                app.id,
            )
            continue
        if not app.granted or app.key in facts.reported:
            continue
        assert app.year is not None
        due = report_due_date(app.year)
        if today <= due:
            continue
        out.append(
            finding(
                "LUM-R005",
                APPLICATIONS,
                facts.cell(APPLICATIONS, "Id", app.row),
                app.row,
                f"Redovisning saknas: beviljat {message_kr(app.granted)} {app.year}, sista dag för "
                f"redovisningen var {due.isoformat()} ({(today - due).days} dagar sedan "
                f"per {today.isoformat()})",
                expected=f"redovisning senast {due.isoformat()}",
                found=None,
                id=app.id,
            )
        )
    return out


def _resolved_reports(facts: Facts, skips: _Skips) -> Iterator[tuple[Report, App]]:
    """Report rows whose Id names exactly one application, with it (the others as not run)."""
    for report in facts.reports:
        app = _resolve(facts, skips, report, REPORTS)
        if app is not None:
            yield report, app


def _report_label(report: Report, app: App | None) -> str:
    return app.id if app is not None else report.id or f"{REPORTS} rad {report.row}"


def check_r006(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R006: a report's ``Beviljat belopp`` differs from the ledger's grant."""
    facts, skips = _prepare(ledger, facts, "LUM-R006", not_run)
    if skips.missing(
        facts, [(APPLICATIONS, "Beviljat belopp"), (REPORTS, "Id"), (REPORTS, "Beviljat belopp")]
    ):
        return []
    _report_scope(facts, skips)
    out: list[Finding] = []
    for report, app in _resolved_reports(facts, skips):
        stated = report.values.get("Beviljat belopp")
        if "Beviljat belopp" in report.bad or "Beviljat belopp" in app.bad:
            where = REPORTS if "Beviljat belopp" in report.bad else APPLICATIONS
            row = report.row if where == REPORTS else app.row
            skips.add(
                app.year, f"{app.id}: {_invalid(where, ['Beviljat belopp'], facts, row)}", app.id
            )
            continue
        if stated is None:
            skips.add(app.year, f"{app.id}: redovisningen anger inget beviljat belopp", app.id)
            continue
        granted = app.granted
        if granted is not None and stated == granted:
            continue
        if granted is None:
            message = (
                f"Redovisningen anger beviljat belopp {message_kr(stated)} men liggaren har inget "
                "beviljat belopp"
            )
        else:
            diff = stated - granted
            message = (
                f"Redovisningen anger beviljat belopp {message_kr(stated)} men liggaren har "
                f"{message_kr(granted)} ({message_kr(abs(diff))} {'mer' if diff > 0 else 'mindre'} i redovisningen)"
            )
        out.append(
            finding(
                "LUM-R006",
                REPORTS,
                facts.cell(REPORTS, "Beviljat belopp", report.row),
                report.row,
                message,
                expected=granted,
                found=stated,
                id=app.id,
            )
        )
    return out


def _line_columns_missing(facts: Facts, skips: _Skips, groups: Sequence[Sequence[str]]) -> bool:
    table = facts.sheet(REPORTS)
    if table is None:
        return False
    for columns in groups:
        if not any(table.has(c) for c in columns):
            skips.add(None, f"bladet {REPORTS} saknar kolumnerna {', '.join(columns)}")
            return True
    return False


def _check_stated_sum(
    ledger: Ledger,
    facts: Facts | None,
    not_run: list[NotRun] | None,
    code: str,
    column: str,
    lines: Sequence[str],
    total: Callable[[Report], Decimal],
    noun: str,
) -> list[Finding]:
    """``column`` against ``total``, a report's precomputed sum of ``lines``."""
    facts, skips = _prepare(ledger, facts, code, not_run)
    if skips.missing(facts, [(REPORTS, "Id"), (REPORTS, column)]) or _line_columns_missing(
        facts, skips, [lines]
    ):
        return []
    _report_scope(facts, skips)
    out: list[Finding] = []
    for report in facts.reports:
        app = report.app
        label = _report_label(report, app)
        year = app.year if app else None
        bad = _bad(report, column, *lines)
        if bad:
            skips.add(year, f"{label}: {_invalid(REPORTS, bad, facts, report.row)}", report.id)
            continue
        stated = report.values.get(column)
        if stated is None:
            skips.add(year, f"{label}: {column} anges inte i redovisningen", report.id)
            continue
        computed = total(report)
        if stated == computed:
            continue
        diff = stated - computed
        out.append(
            finding(
                code,
                REPORTS,
                facts.cell(REPORTS, column, report.row),
                report.row,
                f"{column} ({message_kr(stated)}) stämmer inte med {noun} ({message_kr(computed)}): "
                f"{message_kr(abs(diff))} {'för mycket' if diff > 0 else 'för lite'}",
                expected=computed,
                found=stated,
                id=report.id if app is None else app.id,
            )
        )
    return out


def check_r007(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R007: a report's ``Summa intäkter`` differs from its income lines."""
    return _check_stated_sum(
        ledger,
        facts,
        not_run,
        "LUM-R007",
        "Summa intäkter",
        REPORT_INCOME_LINES,
        lambda report: report.income,
        "intäktsraderna",
    )


def check_r008(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R008: a report's ``Summa kostnader`` differs from its cost lines."""
    return _check_stated_sum(
        ledger,
        facts,
        not_run,
        "LUM-R008",
        "Summa kostnader",
        REPORT_COST_LINES,
        lambda report: report.costs,
        "kostnadsraderna",
    )


def check_r009(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R009: a report's costs exceed its income (sums of the lines), with the deficit."""
    facts, skips = _prepare(ledger, facts, "LUM-R009", not_run)
    if skips.missing(facts, [(REPORTS, "Id")]) or _line_columns_missing(
        facts, skips, [REPORT_INCOME_LINES, REPORT_COST_LINES]
    ):
        return []
    _report_scope(facts, skips)
    out: list[Finding] = []
    for report in facts.reports:
        app = report.app
        label = _report_label(report, app)
        bad = _bad(report, *REPORT_INCOME_LINES, *REPORT_COST_LINES)
        if bad:
            skips.add(
                app.year if app else None,
                f"{label}: {_invalid(REPORTS, bad, facts, report.row)}",
                report.id,
            )
            continue
        income, costs = report.income, report.costs
        if costs <= income:
            continue
        table = facts.sheet(REPORTS)
        cell = (
            facts.cell(REPORTS, "Summa kostnader", report.row)
            if table is not None and table.has("Summa kostnader")
            else None
        )
        out.append(
            finding(
                "LUM-R009",
                REPORTS,
                cell,
                report.row,
                f"Kostnaderna ({message_kr(costs)}) överstiger intäkterna ({message_kr(income)}) med "
                f"{message_kr(costs - income)}",
                expected=income,
                found=costs,
                id=report.id if app is None else app.id,
            )
        )
    return out


def computed_unspent(report: Report, granted: Amount | None) -> Decimal:
    """``min(Beviljat, max(0, income lines - cost lines))`` (the grant caps what is repaid)."""
    surplus = max(ZERO, report.income - report.costs)
    return surplus if granted is None else min(Decimal(granted), surplus)


def _grant_for(report: Report, app: App) -> Amount | None:
    return app.granted if app.granted is not None else report.values.get("Beviljat belopp")


def check_r010(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R010: stated ``Ej förbrukat`` against the lines, and repayments against what is due.

    A blank ``Ej förbrukat`` counts as 0 (the report's box for unspent funds is not ticked). What is
    due is the computed unspent amount of the application's (last) report; a surplus that is stated
    and repaid is no finding.
    """
    facts, skips = _prepare(ledger, facts, "LUM-R010", not_run)
    if skips.missing(
        facts, [(APPLICATIONS, "Beviljat belopp"), (REPORTS, "Id"), (REPORTS, "Ej förbrukat")]
    ) or _line_columns_missing(facts, skips, [REPORT_INCOME_LINES, REPORT_COST_LINES]):
        return []
    in_scope = _report_scope(facts, skips)
    out: list[Finding] = []
    due_by_app: dict[str, tuple[App, Report, Decimal]] = {}
    for report, app in _resolved_reports(facts, skips):
        bad = _bad(report, "Ej förbrukat", *REPORT_INCOME_LINES, *REPORT_COST_LINES)
        if bad or "Beviljat belopp" in app.bad:
            cells = (
                _invalid(REPORTS, bad, facts, report.row)
                if bad
                else _invalid(APPLICATIONS, ["Beviljat belopp"], facts, app.row)
            )
            skips.add(app.year, f"{app.id}: {cells}", app.id)
            continue
        unspent = computed_unspent(report, _grant_for(report, app))
        previous = due_by_app.get(app.key)
        if previous is None or (report.submitted or dt.date.min) >= (
            previous[1].submitted or dt.date.min
        ):
            due_by_app[app.key] = (app, report, unspent)
        stated = report.values.get("Ej förbrukat")
        stated_value = stated if stated is not None else ZERO
        if stated_value == unspent:
            continue
        diff = stated_value - unspent
        out.append(
            finding(
                "LUM-R010",
                REPORTS,
                facts.cell(REPORTS, "Ej förbrukat", report.row),
                report.row,
                f"Ej förbrukat anges till {message_kr(stated)} men enligt raderna är {message_kr(unspent)} "
                f"ej förbrukat ({message_kr(abs(diff))} {'för mycket' if diff > 0 else 'för lite'})",
                expected=unspent,
                found=stated_value,
                id=app.id,
            )
        )

    repaid_by_app: dict[str, list[Booking]] = {}
    for repayment in facts.repayments:
        if repayment.app is None:
            _resolve(facts, skips, repayment, REPAYMENTS)
        elif repayment.app.year in in_scope:
            repaid_by_app.setdefault(repayment.app.key, []).append(repayment)

    for key in repaid_by_app:
        if key not in due_by_app:
            app = facts.by_key[key]
            if app.year in in_scope and key not in facts.reported:
                skips.add(
                    app.year,
                    f"{app.id}: återbetalning utan redovisning; vad som ska återbetalas är okänt",
                    app.id,
                )
    for key, (app, report, unspent) in due_by_app.items():
        repayments = repaid_by_app.get(key, [])
        broken = [r for r in repayments if "Belopp" in r.bad]
        if broken:
            skips.add(
                app.year,
                f"{app.id}: {_invalid(REPAYMENTS, ['Belopp'], facts, broken[0].row)}",
                app.id,
            )
            continue
        repaid = sum((r.amount or ZERO for r in repayments), ZERO)
        if repaid == unspent:
            continue
        diff = repaid - unspent
        if len(repayments) == 1:
            sheet, cell, row = (
                REPAYMENTS,
                facts.cell(REPAYMENTS, "Belopp", repayments[0].row),
                repayments[0].row,
            )
        else:
            sheet, cell, row = (
                (REPAYMENTS, None, repayments[0].row)
                if repayments
                else (REPORTS, facts.cell(REPORTS, "Ej förbrukat", report.row), report.row)
            )
        rows = (
            f" ({len(repayments)} återbetalningar, rad {', '.join(str(r.row) for r in repayments)})"
            if len(repayments) > 1
            else ""
        )
        out.append(
            finding(
                "LUM-R010",
                sheet,
                cell,
                row,
                f"Återbetalt {message_kr(repaid)}{rows} men {message_kr(unspent)} ska återbetalas "
                f"({message_kr(abs(diff))} {'för mycket' if diff > 0 else 'för lite'})",
                expected=unspent,
                found=repaid,
                id=app.id,
            )
        )
    return out


# --- R011: multi-year projects --------------------------------------------------------------------


def check_r011(
    ledger: Ledger, *, facts: Facts | None = None, not_run: list[NotRun] | None = None
) -> list[Finding]:
    """LUM-R011: ``Tidigare beviljat`` against earlier years' grants; ``Projektår`` steps by one."""
    facts, skips = _prepare(ledger, facts, "LUM-R011", not_run)
    if skips.missing(facts, [(APPLICATIONS, "År")]):
        return []
    table = facts.sheet(APPLICATIONS)
    has_key = table is not None and table.has("Projekt")
    projects: dict[str, list[App]] = {}  # casefolded Projekt -> its applications
    project_of: list[list[App] | None] = []  # each application's, aligned with facts.apps
    for app in facts.apps:
        rows = None
        if app.project and app.year is not None:
            key = _key(app.project)
            rows = projects.get(key)
            if rows is None:
                rows = projects[key] = []
            rows.append(app)
        project_of.append(rows)
    for rows in projects.values():
        if len(rows) > 1:
            rows.sort(key=lambda a: (a.year or 0, a.row))  # each project's years in order
    out: list[Finding] = []
    for app, rows in zip(facts.apps, project_of, strict=True):
        if app.previous is None or app.year is None:
            if "Tidigare beviljat" in app.bad:
                skips.add(
                    app.year,
                    f"{app.id}: {_invalid(APPLICATIONS, ['Tidigare beviljat'], facts, app.row)}",
                    app.id,
                )
            continue
        if not has_key or not app.project:
            skips.add(
                app.year,
                f"{app.id}: Tidigare beviljat anges men Projekt saknas; tidigare år kan inte "
                "knytas till ansökan",
                app.id,
            )
            continue
        assert rows is not None  # the application has a Projekt and an År
        earlier = (
            [a for a in rows if a.year is not None and a.year < app.year] if len(rows) > 1 else []
        )
        unknown = [a.id for a in earlier if a.granted is None] if earlier else []
        if unknown:
            skips.add(
                app.year,
                f"{app.id}: beviljat belopp saknas för {', '.join(unknown)}",
                app.id,
            )
            continue
        recorded = sum(a.granted or 0 for a in earlier) if earlier else 0
        if recorded == app.previous:
            continue
        ids = ", ".join(a.id for a in earlier) if earlier else "inga tidigare år i liggaren"
        diff = app.previous - recorded
        out.append(
            finding(
                "LUM-R011",
                APPLICATIONS,
                facts.cell(APPLICATIONS, "Tidigare beviljat", app.row),
                app.row,
                f"Tidigare beviljat anges till {message_kr(app.previous)} men liggaren har "
                f"{message_kr(recorded)} beviljat tidigare år ({ids}); {message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} enligt ansökan",
                expected=recorded,
                found=app.previous,
                id=app.id,
            )
        )
    for rows in projects.values():
        if len(rows) == 1:
            continue
        stated = [a for a in rows if a.project_year is not None]
        for before, after in itertools.pairwise(stated):
            assert before.year is not None and after.year is not None
            assert before.project_year is not None and after.project_year is not None
            wanted = before.project_year + (after.year - before.year)
            if after.project_year == wanted:
                continue
            out.append(
                finding(
                    "LUM-R011",
                    APPLICATIONS,
                    facts.cell(APPLICATIONS, "Projektår", after.row),
                    after.row,
                    f"Projektår {after.project_year} {after.year} följer inte på projektår "
                    f"{before.project_year} {before.year} ({before.id}); väntat projektår {wanted}",
                    expected=wanted,
                    found=after.project_year,
                    id=after.id,
                )
            )
    return out


# --- the statement --------------------------------------------------------------------------------


def _statements(
    facts: Facts, as_of: dt.date, findings: list[Finding]
) -> list[ApplicationStatement]:
    accounts = facts.accounts
    nothing = Account()
    codes: dict[str, set[str]] = {}
    for found in findings:
        if found.id:
            codes.setdefault(_key(found.id), set()).add(found.code)
    listed = [app for app in facts.apps if app.granted or app.key in accounts]
    out: list[ApplicationStatement] = []
    for app in sorted(listed, key=lambda a: (a.year or 0, a.id, a.row)):
        account = accounts.get(app.key, nothing)
        paid, repaid, report = account.paid, account.repaid, account.report
        app_codes = codes.get(app.key)
        due = report_due_date(app.year) if app.type == PROJECT and app.year is not None else None
        income = costs = unspent = own_contribution = unspent_stated = None
        if report is not None:
            income, costs = report.income, report.costs
            unspent = computed_unspent(report, _grant_for(report, app))
            own_contribution = report.values.get("Egen insats")
            unspent_stated = report.values.get("Ej förbrukat")
        to_pay = Decimal(app.granted) - paid if app.granted is not None else None
        to_repay = unspent - repaid if unspent is not None else None
        open_items: list[str] = []
        if to_pay and to_pay > 0:
            open_items.append(f"att betala ut {message_kr(to_pay)}")
        elif to_pay and to_pay < 0:
            open_items.append(f"utbetalt {message_kr(-to_pay)} mer än beviljat")
        if due is not None and app.granted and report is None:
            if as_of > due:
                open_items.append(f"redovisning saknas (sista dag {due.isoformat()})")
            else:
                open_items.append(f"redovisning senast {due.isoformat()}")
        if to_repay and to_repay > 0:
            open_items.append(f"att återbetala {message_kr(to_repay)}")
        elif to_repay and to_repay < 0:
            open_items.append(f"återbetalt {message_kr(-to_repay)} mer än ej förbrukat")
        out.append(
            # Positional, in field order: a call with 22 keywords costs four times as much.
            ApplicationStatement(
                app.id,
                app.year,
                app.type,
                app.administration,
                app.name,
                app.row,
                app.granted,
                paid,
                len(account.payments),
                report.row if report else None,  # report_row
                report.submitted if report else None,  # submitted
                due,
                income,
                own_contribution,
                costs,
                unspent,
                unspent_stated,
                repaid,
                to_pay,
                to_repay,
                open_items,
                sorted(app_codes) if app_codes else [],  # codes
            )
        )
    return out


def _year_statements(facts: Facts) -> list[YearStatement]:
    paid: dict[tuple[int, str], Decimal] = {}
    repaid: dict[tuple[int, str], Decimal] = {}
    for sink, items in ((paid, facts.payments), (repaid, facts.repayments)):
        for booking in items:
            app = booking.app
            if app is not None and app.year is not None and app.type:
                key = (app.year, app.type)
                sink[key] = sink.get(key, ZERO) + (booking.amount or ZERO)
    decisions: dict[tuple[int, str], Decision] = {}
    for row in facts.decisions:
        if row.year is not None and row.type in ledger_format.APPLICATION_TYPES:
            decisions.setdefault((row.year, row.type), row)
    keys = set(decisions) | {
        (year, kind)
        for year, kind in facts.by_year_type
        if year is not None and kind in ledger_format.APPLICATION_TYPES
    }
    out: list[YearStatement] = []
    for year, kind in sorted(
        keys, key=lambda k: (k[0], ledger_format.APPLICATION_TYPES.index(k[1]))
    ):
        decision = decisions.get((year, kind))
        out.append(
            YearStatement(
                year=year,
                type=kind,
                decision_row=decision.row if decision else None,
                stated=decision.figures if decision else Figures(),
                counted=_counted(facts, year, kind),
                paid=paid.get((year, kind), ZERO),
                repaid=repaid.get((year, kind), ZERO),
            )
        )
    return out


# --- the whole reconciliation -----------------------------------------------------------------------


def run_checks(
    ledger: Ledger, as_of: dt.date, facts: Facts | None = None
) -> tuple[list[Finding], list[NotRun]]:
    """Every rule, in code order: the findings and what could not run."""
    facts = facts if facts is not None else collect_facts(ledger)
    not_run: list[NotRun] = []
    found: list[Finding] = []
    if ledger.sheet(APPLICATIONS) is None:
        return [], [
            NotRun(code=code, year=None, cause=f"bladet {APPLICATIONS} saknas")
            for code in RULE_CODES
        ]
    found += check_r001(ledger, facts=facts, not_run=not_run)
    found += check_r002(ledger, facts=facts, not_run=not_run)
    found += check_r003(ledger, facts=facts, not_run=not_run)
    found += check_r004(ledger, facts=facts, not_run=not_run)
    found += check_r005(ledger, as_of=as_of, facts=facts, not_run=not_run)
    found += check_r006(ledger, facts=facts, not_run=not_run)
    found += check_r007(ledger, facts=facts, not_run=not_run)
    found += check_r008(ledger, facts=facts, not_run=not_run)
    found += check_r009(ledger, facts=facts, not_run=not_run)
    found += check_r010(ledger, facts=facts, not_run=not_run)
    found += check_r011(ledger, facts=facts, not_run=not_run)
    unique: list[NotRun] = []
    seen: set[NotRun] = set()
    for item in not_run:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return found, unique


def reconcile(ledger: Ledger, as_of: dt.date | None = None) -> Reconciliation:
    """Validate, then run LUM-R001..R011 on what is readable; never raises for ledger content."""
    as_of = as_of or dt.date.today()
    validation = validate_ledger(ledger)
    with collector.paused():  # see lumledger.collector
        return _reconcile(ledger, as_of, validation.errors)


def _reconcile(ledger: Ledger, as_of: dt.date, validation: list[Finding]) -> Reconciliation:
    """:func:`reconcile` after validation (which found ``validation``)."""
    facts = collect_facts(ledger)
    found, not_run = run_checks(ledger, as_of, facts)
    year_of: dict[Finding, int | None] = {}
    for item in found:
        if item.id is not None:
            year_of[item] = facts.year_of(item.id)
        elif item.sheet == DECISIONS and item.row is not None:
            year_of[item] = next((d.year for d in facts.decisions if d.row == item.row), None)
        else:
            year_of[item] = None
    ordered = sorted(
        found,
        key=lambda f: (
            year_of.get(f) is None,
            year_of.get(f) or 0,
            f.id is not None,
            _key(f.id or ""),
            sort_key(f),
        ),
    )
    not_run.sort(key=lambda n: (n.code, n.year is None, n.year or 0, n.id or ""))
    return Reconciliation(
        name=ledger.name,
        as_of=as_of,
        findings=ordered,
        not_run=not_run,
        statements=_statements(facts, as_of, ordered),
        years=_year_statements(facts),
        validation_errors=len(validation),
        validation=validation,
        year_of=year_of,
    )


def reconcile_path(path: str | Path, as_of: dt.date | None = None) -> Reconciliation:
    """Read ``path`` read-only and reconcile it. Raises ``LedgerReadError`` (exit 2)."""
    return reconcile(read_ledger(path), as_of)


# --- text for people --------------------------------------------------------------------------------


def finding_label(result: Reconciliation, item: Finding) -> str:
    """What a finding is about: the application Id, or ``2019 Projekt`` for a decision row."""
    if item.id:
        return item.id
    if item.sheet == DECISIONS and item.row is not None:
        facts_year = result.year_of.get(item)
        kind = next(
            (y.type for y in result.years if y.decision_row == item.row and y.year == facts_year),
            None,
        )
        if facts_year is not None:
            return f"{facts_year} {kind}" if kind else str(facts_year)
    return "–"


def _code_span(codes: Sequence[str]) -> str:
    ordered = sorted(set(codes))
    numbers = [int(c.rsplit("R", 1)[1]) for c in ordered]
    if len(ordered) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(ordered)


def not_run_lines(items: Sequence[NotRun]) -> list[str]:
    """The not-run list folded for people: one line per cause, codes and years together."""
    by_cause: dict[tuple[str, str | None], dict[int | None, set[str]]] = {}
    for item in items:
        by_cause.setdefault((item.cause, item.id), {}).setdefault(item.year, set()).add(item.code)
    lines: list[tuple[str, str]] = []
    for (cause, _id), years in by_cause.items():
        by_codes: dict[frozenset[str], list[int | None]] = {}
        for year, year_codes in years.items():
            by_codes.setdefault(frozenset(year_codes), []).append(year)
        for codes, year_list in by_codes.items():
            shown = [str(y) for y in sorted(y for y in year_list if y is not None)]
            when = f"{', '.join(shown)}: " if shown else ""
            span = _code_span(sorted(codes))
            lines.append((min(codes), f"{span}  {when}{cause}"))
    return [text for _code, text in sorted(lines)]
