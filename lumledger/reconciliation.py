"""``lumledger reconcile``: does the ledger add up? The reconciliation of a ledger, for people.

:func:`reconcile` validates the ledger, runs the reconciliation rules (LUM-R001 to LUM-R011,
:mod:`lumledger.rules.reconciliation`) through the rule registry's loop, and puts together what
the command reports: the findings in year order, the checks that could not run and why, a
statement per application (granted, paid, reported, unspent, repaid and what is open) and, per
year and type, the figures stated in ``Beslut`` against the ledger's own count.

Money is exact: whole kronor as ``int``, öre as ``Decimal``; JSON via
:func:`lumledger.money.to_json_amount`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lumledger.findings import Finding, plural, sort_key, summarize
from lumledger.ledger import ZERO, Account, Application, Ledger, match_key, report_due_date
from lumledger.ledger_format import APPLICATION_TYPES, APPLICATIONS, DECISIONS
from lumledger.money import format_kr, message_kr, to_json_amount
from lumledger.rules.budget import BudgetLineStatement, budget_statements
from lumledger.rules.reconciliation import (
    NO_PAYMENTS,
    NO_REPORTS,
    Figures,
    applications,
    counted,
    grant_for,
    of_year_and_type,
)
from lumledger.rules.registry import RECONCILIATION, Context, NotRun, codes_of, run
from lumledger.validation import validate_ledger
from lumledger.workbook.reader import read_ledger

# A granted project's report, as of the reconciliation's day.
REPORT_RECEIVED = "inlämnad"
REPORT_NOT_DUE = "ej förfallen"
REPORT_OVERDUE = "försenad"

# --- results ---------------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class ApplicationStatement:
    """Where one application stands: granted, paid, reported, unspent, repaid and what is open.

    Built from the application's record and what is booked on it (:class:`~lumledger.ledger.Account`);
    the report figures are those of its last report."""

    application: Application
    account: Account
    unspent: Decimal | None  # computed: min(Beviljat, max(0, income - costs)) of the last report
    as_of: dt.date  # the day the report's state is judged by
    open: list[str] = field(default_factory=list)  # Swedish, one item each
    codes: list[str] = field(default_factory=list)  # codes of this application's findings

    @property
    def id(self) -> str:
        return self.application.id or ""

    @property
    def year(self) -> int | None:
        return self.application.year

    @property
    def type(self) -> str | None:
        return self.application.type

    @property
    def administration(self) -> str | None:
        return self.application.administration

    @property
    def name(self) -> str | None:
        return self.application.name

    @property
    def row(self) -> int:
        return self.application.row

    @property
    def granted(self) -> int | None:
        return self.application.granted

    @property
    def paid(self) -> Decimal:
        return self.account.paid

    @property
    def payments(self) -> int:
        return len(self.account.payments)

    @property
    def repaid(self) -> Decimal:
        return self.account.repaid

    @property
    def report_row(self) -> int | None:
        report = self.account.report
        return report.row if report is not None else None

    @property
    def submitted(self) -> dt.date | None:
        report = self.account.report
        return report.submitted if report is not None else None

    @property
    def due(self) -> dt.date | None:
        """When the report is due (projects only)."""
        return self.application.report_due

    @property
    def report_state(self) -> str | None:
        """A granted project's report: received, not yet due or overdue as of :attr:`as_of`
        (``None`` for a study visit or an application with nothing granted)."""
        due = self.due
        if due is None or not self.granted or self.granted < 0:
            return None
        if self.account.report is not None:
            return REPORT_RECEIVED
        return REPORT_OVERDUE if self.as_of > due else REPORT_NOT_DUE

    @property
    def income(self) -> Decimal | None:
        """The sum of the last report's income lines."""
        report = self.account.report
        return report.income if report is not None else None

    @property
    def own_contribution(self) -> Decimal | None:
        report = self.account.report
        return report.amounts.get("Egen insats") if report is not None else None

    @property
    def costs(self) -> Decimal | None:
        """The sum of the last report's cost lines."""
        report = self.account.report
        return report.costs if report is not None else None

    @property
    def unspent_stated(self) -> Decimal | None:
        report = self.account.report
        return report.amounts.get("Ej förbrukat") if report is not None else None

    @property
    def to_pay(self) -> Decimal | None:
        """Granted less paid."""
        granted = self.application.granted
        return Decimal(granted) - self.paid if granted is not None else None

    @property
    def to_repay(self) -> Decimal | None:
        """Unspent less repaid."""
        return self.unspent - self.repaid if self.unspent is not None else None

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
            "report_state": self.report_state,
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


@dataclass(frozen=True, slots=True, kw_only=True)
class YearOpen:
    """One year as the officers live it: what was granted, paid, reported and repaid, and what is
    left (computed always, whether or not the checks of the year could run)."""

    year: int
    status: str | None  # the round's Status; None when Omgångar has no row for the year
    granted_count: int  # applications with Beviljat belopp > 0
    granted: int
    paid: Decimal
    to_pay: Decimal  # granted less paid, summed over the applications not fully paid
    overpaid: Decimal  # paid beyond the grant (or without one), summed over the applications
    report_due: dt.date  # 28 February of the year after
    reports_expected: int  # granted projects
    reports_received: int
    reports_not_due: int
    reports_overdue: int
    unspent: Decimal  # computed from the reports received
    repaid: Decimal
    to_repay: Decimal  # unspent less repaid, summed over the applications that owe
    payments_recorded: bool  # any Utbetalningar row for an application of the year
    reports_recorded: bool  # any Redovisningar row for an application of the year
    open_ids: tuple[str, ...]  # the applications of the year with something open

    @property
    def open(self) -> bool:
        return bool(self.open_ids)

    def nothing_recorded(self) -> list[str]:
        """What the ledger does not record at all for the year although something is due (money
        granted, reports past their due date), in plain Swedish: ``inga utbetalningar registrerade för 2019 – 26 beviljade ansökningar,
        3 510 450 kr``."""
        out: list[str] = []
        if self.granted_count and not self.payments_recorded:
            applications = plural(self.granted_count, "beviljad ansökan", "beviljade ansökningar")
            out.append(
                f"{NO_PAYMENTS} för {self.year} – {applications}, {format_kr(self.granted)} kr"
            )
        if self.reports_overdue and not self.reports_recorded:
            projects = plural(self.reports_overdue, "beviljat projekt", "beviljade projekt")
            out.append(
                f"{NO_REPORTS} för {self.year} – {projects}, sista dag "
                f"{self.report_due.isoformat()}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "status": self.status,
            "granted_applications": self.granted_count,
            "granted": self.granted,
            "paid": to_json_amount(self.paid),
            "to_pay": to_json_amount(self.to_pay),
            "overpaid": to_json_amount(self.overpaid),
            "report_due": self.report_due.isoformat(),
            "reports_expected": self.reports_expected,
            "reports_received": self.reports_received,
            "reports_not_due": self.reports_not_due,
            "reports_overdue": self.reports_overdue,
            "unspent": to_json_amount(self.unspent),
            "repaid": to_json_amount(self.repaid),
            "to_repay": to_json_amount(self.to_repay),
            "payments_recorded": self.payments_recorded,
            "reports_recorded": self.reports_recorded,
            "open_applications": list(self.open_ids),
            "nothing_recorded": self.nothing_recorded(),
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
    open_years: list[YearOpen] = field(default_factory=list)  # what is open, per year
    validation: list[Finding] = field(default_factory=list)  # the validation errors themselves
    year_of: dict[Finding, int | None] = field(default_factory=dict, repr=False)
    # Each report against its application's budget, line by line (issue 15; empty without Budget).
    budget: list[BudgetLineStatement] = field(default_factory=list)

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
            "open_applications": sum(len(y.open_ids) for y in self.open_years),
            "nothing_recorded": self.nothing_recorded(),
        }

    def nothing_recorded(self) -> list[str]:
        """Every year's :meth:`YearOpen.nothing_recorded`, in year order."""
        return [line for year in self.open_years for line in year.nothing_recorded()]

    def open_in(self, year: int) -> YearOpen | None:
        return next((y for y in self.open_years if y.year == year), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [self.finding_dict(f) for f in self.findings],
            "summary": self.summary(),
            "open_by_year": [y.to_dict() for y in self.open_years],
            "not_run": [n.to_dict() for n in self.not_run],
            "statements": [s.to_dict() for s in self.statements],
            "years": [y.to_dict() for y in self.years],
            "validation_errors": [f.to_dict() for f in self.validation],
            # Only for a ledger whose reports have a budget (issue 15).
            **({"budget": [line.to_dict() for line in self.budget]} if self.budget else {}),
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


# --- the statements ---------------------------------------------------------------------------------


def _statements(
    ledger: Ledger, as_of: dt.date, findings: list[Finding]
) -> list[ApplicationStatement]:
    accounts = ledger.accounts
    nothing = Account()
    codes: dict[str, set[str]] = {}
    for found in findings:
        if found.id:
            codes.setdefault(match_key(found.id), set()).add(found.code)
    listed = [app for app in applications(ledger) if app.granted or app.key in accounts]
    out: list[ApplicationStatement] = []
    for app in sorted(listed, key=lambda a: (a.year or 0, a.id or "", a.row)):
        key = app.key or ""
        account = accounts.get(key, nothing)
        report = account.report
        unspent = report.unspent(grant_for(report, app)) if report is not None else None
        statement = ApplicationStatement(
            application=app,
            account=account,
            unspent=unspent,
            as_of=as_of,
            codes=sorted(codes.get(key, ())),
        )
        statement.open = _open_items(statement)
        out.append(statement)
    return out


def _open_items(statement: ApplicationStatement) -> list[str]:
    """What is left to do on an application, in Swedish, one item each."""
    out: list[str] = []
    to_pay, to_repay, due = statement.to_pay, statement.to_repay, statement.due
    if to_pay and to_pay > 0:
        out.append(f"att betala ut {message_kr(to_pay)}")
    elif to_pay and to_pay < 0:
        out.append(f"utbetalt {message_kr(-to_pay)} mer än beviljat")
    elif to_pay is None and statement.paid:
        out.append(f"utbetalt {message_kr(statement.paid)} utan beviljat belopp")
    state = statement.report_state
    if due is not None and state == REPORT_OVERDUE:
        out.append(f"redovisning saknas (sista dag {due.isoformat()})")
    elif due is not None and state == REPORT_NOT_DUE:
        out.append(f"redovisning senast {due.isoformat()}")
    if to_repay and to_repay > 0:
        out.append(f"att återbetala {message_kr(to_repay)}")
    elif to_repay and to_repay < 0:
        out.append(f"återbetalt {message_kr(-to_repay)} mer än ej förbrukat")
    return out


def _open_years(ledger: Ledger, statements: Sequence[ApplicationStatement]) -> list[YearOpen]:
    """Per decided round (and per year with a grant): the year's totals and what is open."""
    by_year: dict[int, list[ApplicationStatement]] = {}
    for statement in statements:
        if statement.year is not None:
            by_year.setdefault(statement.year, []).append(statement)
    decided = {year for year, round_ in ledger.rounds.items() if round_.decided}
    granted_years = {
        year for year, items in by_year.items() if any((s.granted or 0) > 0 for s in items)
    }
    out: list[YearOpen] = []
    for year in sorted(decided | granted_years):
        items = by_year.get(year, [])
        granted = [s for s in items if (s.granted or 0) > 0]
        states = [s.report_state for s in granted]
        to_pay = [s.to_pay for s in items if s.to_pay is not None]
        to_repay = [s.to_repay for s in items if s.to_repay is not None]
        round_ = ledger.round_of(year)
        out.append(
            YearOpen(
                year=year,
                status=round_.state if round_ is not None else None,
                granted_count=len(granted),
                granted=sum((s.granted or 0 for s in granted), 0),
                paid=sum((s.paid for s in items), ZERO),
                to_pay=sum((d for d in to_pay if d > 0), ZERO),
                overpaid=sum((-d for d in to_pay if d < 0), ZERO)
                + sum((s.paid for s in items if s.to_pay is None), ZERO),
                report_due=report_due_date(year),
                reports_expected=sum(1 for state in states if state is not None),
                reports_received=states.count(REPORT_RECEIVED),
                reports_not_due=states.count(REPORT_NOT_DUE),
                reports_overdue=states.count(REPORT_OVERDUE),
                unspent=sum((s.unspent for s in items if s.unspent is not None), ZERO),
                repaid=sum((s.repaid for s in items), ZERO),
                to_repay=sum((d for d in to_repay if d > 0), ZERO),
                payments_recorded=any(s.payments for s in items),
                reports_recorded=any(s.account.report is not None for s in items),
                open_ids=tuple(s.id for s in items if s.open),
            )
        )
    return out


def _year_statements(ledger: Ledger) -> list[YearStatement]:
    paid: dict[tuple[int, str], Decimal] = {}
    repaid: dict[tuple[int, str], Decimal] = {}
    for sink, items in ((paid, ledger.payments), (repaid, ledger.repayments)):
        for booking in items:
            app = ledger.application_of(booking)
            if app is not None and app.year is not None and app.type:
                key = (app.year, app.type)
                sink[key] = sink.get(key, ZERO) + (booking.amount or ZERO)
    by_year_type = of_year_and_type(ledger)
    keys = {
        (decision.year, decision.type)
        for decision in ledger.decisions
        if decision.year is not None and decision.type in APPLICATION_TYPES
    } | {
        (year, kind)
        for year, kind in by_year_type
        if year is not None and kind in APPLICATION_TYPES
    }
    out: list[YearStatement] = []
    for year, kind in sorted(keys, key=lambda k: (k[0], APPLICATION_TYPES.index(k[1]))):
        decision = ledger.decision_of(year, kind)
        out.append(
            YearStatement(
                year=year,
                type=kind,
                decision_row=decision.row if decision else None,
                stated=Figures.stated_in(decision) if decision else Figures(),
                counted=counted(by_year_type.get((year, kind), [])),
                paid=paid.get((year, kind), ZERO),
                repaid=repaid.get((year, kind), ZERO),
            )
        )
    return out


# --- the whole reconciliation -----------------------------------------------------------------------


def reconcile(ledger: Ledger, as_of: dt.date | None = None) -> Reconciliation:
    """Validate, then run LUM-R001..R011 on what is readable; never raises for ledger content."""
    as_of = as_of or dt.date.today()
    validation = validate_ledger(ledger)
    return _reconcile(ledger, as_of, validation.errors)


def _reconcile(ledger: Ledger, as_of: dt.date, validation: list[Finding]) -> Reconciliation:
    """:func:`reconcile` after validation (which found ``validation``)."""
    context = Context(as_of=as_of)
    if ledger.sheet(APPLICATIONS) is None:
        for code in codes_of(RECONCILIATION):
            context.skip(code, None, f"bladet {APPLICATIONS} saknas")
        found: list[Finding] = []
    else:
        found = run(ledger, context, RECONCILIATION)
    year_of = {item: ledger.year_of(item.sheet, item.row, item.id) for item in found}
    ordered = sorted(
        found,
        key=lambda f: (
            year_of.get(f) is None,
            year_of.get(f) or 0,
            f.id is not None,
            match_key(f.id or ""),
            sort_key(f),
        ),
    )
    not_run = list(dict.fromkeys(context.not_run))  # each reason once, in the order found
    not_run.sort(key=lambda n: (n.code, n.year is None, n.year or 0, n.id or ""))
    statements = _statements(ledger, as_of, ordered)
    return Reconciliation(
        name=ledger.name,
        as_of=as_of,
        findings=ordered,
        not_run=not_run,
        statements=statements,
        open_years=_open_years(ledger, statements),
        years=_year_statements(ledger),
        validation_errors=len(validation),
        validation=validation,
        year_of=year_of,
        budget=budget_statements(ledger),
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
