"""``lumledger reconcile``: does the ledger add up? The reconciliation of a ledger, for people.

:func:`reconcile` validates the ledger, runs the reconciliation rules (LUM-R001 to LUM-R011,
:mod:`lumledger.rules.reconciliation`) through the rule registry's loop, and puts together what
the command reports: the findings in year order, the checks that could not run and why, a
statement per application (granted, paid, reported, unspent, repaid and what is open) and, per
year and type, the figures stated in ``Beslut`` against the ledger's own count.

Money is exact: whole kronor as ``int``, öre as ``Decimal``; JSON via
:func:`lumledger.money.to_json_amount`.

The statements and the open items are computed on columns (:class:`StatementTable`: one entry
per application listed, sums as integer öre); an :class:`ApplicationStatement` object is built
only when it is asked for: the terminal builds those with something open, JSON and the workbook
all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from lumledger.findings import Finding, plural, sort_key, summarize
from lumledger.ledger import (
    ZERO,
    Application,
    Ledger,
    Report,
    match_key,
    ore_to_decimal,
    report_due_date,
)
from lumledger.ledger_format import (
    APPLICATION_TYPES,
    APPLICATIONS,
    DECISIONS,
    PAYMENTS,
    PROJECT,
    REPAYMENTS,
    REPORTS,
)
from lumledger.money import format_kr, message_kr, to_json_amount
from lumledger.rules.budget import BudgetLineStatement, budget_statements
from lumledger.rules.reconciliation import (
    NO_PAYMENTS,
    NO_REPORTS,
    Figures,
    YearTypes,
    capped,
    exact_sum,
    id_codes,
    isin,
    per_code,
    surplus_ore,
    table_of,
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

    Built from the application's record and what is booked on it (the sums of
    :class:`~lumledger.ledger.Account`); the report figures are those of its last report."""

    application: Application
    paid: Decimal  # paid in all (blank amounts count as 0)
    payments: int  # how many payments
    repaid: Decimal
    report: Report | None  # the last report submitted
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
    def report_row(self) -> int | None:
        report = self.report
        return report.row if report is not None else None

    @property
    def submitted(self) -> dt.date | None:
        report = self.report
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
        if self.report is not None:
            return REPORT_RECEIVED
        return REPORT_OVERDUE if self.as_of > due else REPORT_NOT_DUE

    @property
    def income(self) -> Decimal | None:
        """The sum of the last report's income lines."""
        report = self.report
        return report.income if report is not None else None

    @property
    def own_contribution(self) -> Decimal | None:
        report = self.report
        return report.amounts.get("Egen insats") if report is not None else None

    @property
    def costs(self) -> Decimal | None:
        """The sum of the last report's cost lines."""
        report = self.report
        return report.costs if report is not None else None

    @property
    def unspent_stated(self) -> Decimal | None:
        report = self.report
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
    statement_table: StatementTable  # every statement as arrays; built one by one when asked
    years: list[YearStatement]
    validation_errors: int
    open_years: list[YearOpen] = field(default_factory=list)  # what is open, per year
    validation: list[Finding] = field(default_factory=list)  # the validation errors themselves
    year_of: dict[Finding, int | None] = field(default_factory=dict, repr=False)
    # Each report against its application's budget, line by line (issue 15; empty without Budget).
    budget: list[BudgetLineStatement] = field(default_factory=list)
    _statements: list[ApplicationStatement] | None = field(default=None, repr=False)
    _last_by_id: dict[str, int] | None = field(default=None, repr=False)
    _open: dict[int, ApplicationStatement] | None = field(default=None, repr=False)

    @property
    def statements(self) -> list[ApplicationStatement]:
        """Where each application stands, in (year, Id, row) order (built the first time)."""
        if self._statements is None:
            self._statements = self.statement_table.statements()
        return self._statements

    def statement_of(self, id_: str) -> ApplicationStatement:
        """The last statement whose Id is ``id_`` as written (built alone when the others are
        not needed)."""
        if self._last_by_id is None:
            self._last_by_id = {i: n for n, i in enumerate(self.statement_table.ids())}
        index = self._last_by_id[id_]
        if self._statements is not None:
            return self._statements[index]
        if self._open is None:  # those the terminal prints, built together the first time
            table = self.statement_table
            wanted = np.flatnonzero(table.open).tolist()
            self._open = dict(zip(wanted, table.statements_at(wanted), strict=True))
        found = self._open.get(index)
        return found if found is not None else self.statement_table.statement(index)

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
            "applications": len(self.statement_table),
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


# --- the statements ---------------------------------------------------------------------------------


def _statements(ledger: Ledger, as_of: dt.date, findings: list[Finding]) -> StatementTable:
    """Where each application stands, as arrays over the applications listed (those with an Id
    and a grant or something booked on them), in (year, Id, row) order."""
    apps = table_of(ledger, APPLICATIONS)
    codes = id_codes(ledger, APPLICATIONS)
    accounts = ledger.account_columns
    granted, has_granted = apps.whole("Beviljat belopp")
    booked = (
        per_code(accounts.payments, codes, 0)
        + per_code(accounts.repayments, codes, 0)
        + per_code(accounts.reports, codes, 0)
    ) > 0
    listed = np.flatnonzero((codes >= 0) & ((granted != 0) | booked))
    year, has_year = apps.whole("År")
    ids = apps.objects("Id")
    rows = apps.rows
    order = sorted(
        listed.tolist(),
        key=lambda p: (int(year[p]) if has_year[p] else 0, ids[p] or "", int(rows[p])),
    )
    positions = np.array(order, dtype=np.int64)
    numbers = codes[positions]
    paid = accounts.paid[numbers]
    repaid = accounts.repaid[numbers]
    report = accounts.report[numbers]
    has_report = report >= 0
    # The unspent funds of each statement's last report, capped by this application's grant
    # (else by the grant the report states).
    stated, has_stated = table_of(ledger, REPORTS).ore("Beviljat belopp")
    app_has = has_granted[positions]
    unspent = capped(
        per_code(surplus_ore(ledger), report, 0),
        np.where(app_has, granted[positions] * 100, per_code(stated, report, 0)),
        app_has | per_code(has_stated, report, False),
    )
    grant = granted[positions]
    has_grant = has_granted[positions]
    to_pay = grant * 100 - paid
    to_repay = unspent - repaid
    is_project = apps.index_of("Typ", APPLICATION_TYPES)[positions] == APPLICATION_TYPES.index(
        PROJECT
    )
    years_ = year[positions]
    due = is_project & has_year[positions]
    overdue_years = [y for y in set(years_[due].tolist()) if as_of > report_due_date(y)]
    state = np.full(len(positions), _NO_STATE, dtype=np.int8)
    stated = due & has_grant & (grant > 0)
    state[stated & has_report] = _RECEIVED
    state[stated & ~has_report] = _NOT_DUE
    state[stated & ~has_report & isin(years_, overdue_years)] = _OVERDUE
    open_ = (
        (has_grant & (to_pay != 0))
        | (~has_grant & (paid != 0))
        | (state == _NOT_DUE)
        | (state == _OVERDUE)
        | (has_report & (to_repay != 0))
    )
    by_key: dict[str, set[str]] = {}
    for found in findings:
        if found.id:
            by_key.setdefault(match_key(found.id), set()).add(found.code)
    return StatementTable(
        ledger=ledger,
        as_of=as_of,
        positions=positions,
        paid=paid,
        payments=accounts.payments[numbers],
        repaid=repaid,
        report=report,
        unspent=unspent,
        state=state,
        open=open_,
        codes=by_key,
    )


_NO_STATE, _RECEIVED, _NOT_DUE, _OVERDUE = 0, 1, 2, 3


@dataclass(slots=True, kw_only=True)
class StatementTable:
    """Every :class:`ApplicationStatement` as arrays (one entry per statement, in order); a
    statement is built as an object only when it is asked for."""

    ledger: Ledger
    as_of: dt.date
    positions: Any  # position in Ansökningar
    paid: Any  # öre
    payments: Any
    repaid: Any  # öre
    report: Any  # position in Redovisningar of the last report, -1
    unspent: Any  # öre (only where there is a report)
    state: Any  # _NO_STATE, _RECEIVED, _NOT_DUE or _OVERDUE
    open: Any  # something open
    codes: dict[str, set[str]]  # matched Id -> codes of its findings

    def __len__(self) -> int:
        return len(self.positions)

    def statement(self, index: int) -> ApplicationStatement:
        """The ``index``-th statement as an object (its records built alone)."""
        return self.statements_at([index])[0]

    def statements_at(self, indices: list[int]) -> list[ApplicationStatement]:
        """These statements as objects (their records built together, from the columns)."""
        ledger = self.ledger
        apps = ledger.applications_at([int(self.positions[i]) for i in indices])
        reported = [int(self.report[i]) for i in indices]
        reports = iter(ledger.reports_at([r for r in reported if r >= 0]))
        return [
            self._statement(index, app, next(reports) if report >= 0 else None)
            for index, app, report in zip(indices, apps, reported, strict=True)
        ]

    def statements(self) -> list[ApplicationStatement]:
        """Every statement as an object (the records built for the whole sheets at once)."""
        apps, reports = self.ledger.applications, self.ledger.reports
        return [
            self._statement(index, apps[position], reports[report] if report >= 0 else None)
            for index, (position, report) in enumerate(
                zip(self.positions.tolist(), self.report.tolist(), strict=True)
            )
        ]

    def _statement(
        self, index: int, app: Application, report: Report | None
    ) -> ApplicationStatement:
        statement = ApplicationStatement(
            application=app,
            paid=ore_to_decimal(self.paid[index]),
            payments=int(self.payments[index]),
            repaid=ore_to_decimal(self.repaid[index]),
            report=report,
            unspent=ore_to_decimal(self.unspent[index]) if report is not None else None,
            as_of=self.as_of,
            codes=sorted(self.codes.get(app.key or "", ())),
        )
        statement.open = _open_items(statement)
        return statement

    def ids(self) -> list[str]:
        apps = table_of(self.ledger, APPLICATIONS)
        ids = apps.objects("Id")
        return [ids[p] or "" for p in self.positions.tolist()]


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


def _open_years(ledger: Ledger, table: StatementTable) -> list[YearOpen]:
    """Per decided round (and per year with a grant): the year's totals and what is open."""
    apps = table_of(ledger, APPLICATIONS)
    positions = table.positions
    year, has_year = apps.whole("År")
    granted, has_granted = apps.whole("Beviljat belopp")
    years_ = year[positions]
    dated = has_year[positions]
    grant = granted[positions]
    has_grant = has_granted[positions]
    is_granted = has_grant & (grant > 0)
    decided = {y for y, round_ in ledger.rounds.items() if round_.decided}
    granted_years = set(years_[dated & is_granted].tolist())
    ids = table.ids()
    has_report = table.report >= 0
    to_pay = grant * 100 - table.paid
    to_repay = table.unspent - table.repaid
    out: list[YearOpen] = []
    for y in sorted(decided | granted_years):
        items = dated & (years_ == y)
        given = items & is_granted
        owing = items & has_grant
        repaying = items & has_report
        round_ = ledger.round_of(y)
        out.append(
            YearOpen(
                year=y,
                status=round_.state if round_ is not None else None,
                granted_count=int(given.sum()),
                granted=exact_sum(grant[given]),
                paid=_kronor(table.paid[items]),
                to_pay=_kronor(to_pay[owing & (to_pay > 0)]),
                overpaid=_kronor(-to_pay[owing & (to_pay < 0)])
                + _kronor(table.paid[items & ~has_grant]),
                report_due=report_due_date(y),
                reports_expected=int((given & (table.state != _NO_STATE)).sum()),
                reports_received=int((given & (table.state == _RECEIVED)).sum()),
                reports_not_due=int((given & (table.state == _NOT_DUE)).sum()),
                reports_overdue=int((given & (table.state == _OVERDUE)).sum()),
                unspent=_kronor(table.unspent[repaying]),
                repaid=_kronor(table.repaid[items]),
                to_repay=_kronor(to_repay[repaying & (to_repay > 0)]),
                payments_recorded=bool((table.payments[items] > 0).any()),
                reports_recorded=bool(has_report[items].any()),
                open_ids=tuple(ids[i] for i in np.flatnonzero(items & table.open).tolist()),
            )
        )
    return out


def _kronor_ore(values: Any) -> int:
    if values.dtype != object and float(np.abs(values.astype(np.float64)).sum()) < 2**62:
        return int(values.sum())  # the float only bounds the size of the sum
    return sum(int(v) for v in values.tolist())


def _kronor(values: Any) -> Decimal:
    """Exact sum of öre figures as kronor (0 for none)."""
    return ore_to_decimal(_kronor_ore(values)) if values.size else ZERO


def _year_statements(ledger: Ledger) -> list[YearStatement]:
    apps = table_of(ledger, APPLICATIONS)
    year, has_year = apps.whole("År")
    kinds = apps.index_of("Typ", APPLICATION_TYPES)
    view = YearTypes(ledger)
    keys = {
        (decision.year, decision.type)
        for decision in ledger.decisions
        if decision.year is not None and decision.type in APPLICATION_TYPES
    } | set(view.pairs())
    booked: dict[str, tuple[Any, Any, Any]] = {}
    for name in (PAYMENTS, REPAYMENTS):
        positions = ledger.ids.application_of(name)
        resolved = positions >= 0
        table = ledger.columns(name)
        amounts = table.ore("Belopp")[0] if table is not None else np.zeros(0, dtype=np.int64)
        booked[name] = (
            per_code(year, positions, 0),
            np.where(
                resolved & per_code(has_year, positions, False),
                per_code(kinds, positions, -1),
                -1,
            ),
            amounts,
        )

    def total(name: str, y: int, kind: str) -> Decimal:
        years_, kinds, amounts = booked[name]
        return _kronor(amounts[(years_ == y) & (kinds == APPLICATION_TYPES.index(kind))])

    out: list[YearStatement] = []
    for y, kind in sorted(keys, key=lambda k: (k[0], APPLICATION_TYPES.index(k[1]))):
        decision = ledger.decision_of(y, kind)
        out.append(
            YearStatement(
                year=y,
                type=kind,
                decision_row=decision.row if decision else None,
                stated=Figures.stated_in(decision) if decision else Figures(),
                counted=view.counted(y, kind),
                paid=total(PAYMENTS, y, kind),
                repaid=total(REPAYMENTS, y, kind),
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
        statement_table=statements,
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
