"""The reconciliation rules, LUM-R001 to LUM-R011, by family, on the ledger's records.

Modelled on plain-text accounting (beancount's balance assertions, hledger's named checks): every
discrepancy carries the expected and the found figure and names the difference in one Swedish
sentence. Unlike hledger, every finding is reported, not the first; nothing is ever adjusted.
Each family is one function of the ledger and a :class:`~lumledger.rules.registry.Context`, run by
the registry's loop (:func:`lumledger.rules.registry.run`):

* :func:`check_decision_figures` — R001 (counts) and R002 (sums) stated in ``Beslut``;
* :func:`check_payments` — R003 (granted against paid) and R004 (paid without a grant);
* :func:`check_reports` — R005 (report missing) to R010 (unspent funds and repayments);
* :func:`check_projects` — R011 (multi-year projects).

Conventions:

* ``found`` is the figure at the cited cell (what the decision, the report or the booking says),
  ``expected`` what the ledger's own records say it should be; the difference is
  ``found - expected`` (R001/R002: the Beslut cell's figure found against the ledger's count
  expected; R009: costs found against income expected).
* Scope (``docs/ledger-format.md``): R001–R002 run for years (and types) with a ``Beslut`` row;
  R003 for years with at least one ``Utbetalningar`` row (R004 for every payment); R005–R010 for
  years with at least one ``Redovisningar`` row; R011 compares only stated ``Tidigare beviljat``
  and ``Projektår`` values. What cannot run is recorded in the context with a Swedish reason
  (:meth:`~lumledger.rules.registry.Context.skip`) — never a silent pass, never a finding. A year
  is the ``År`` of the application a row belongs to; an ``Ansökningar`` row without an Id is no
  application here.
* Money is exact: whole kronor as ``int``, öre as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lumledger import ledger_format
from lumledger.findings import Finding, finding
from lumledger.ledger import (
    ZERO,
    Amount,
    Application,
    Booking,
    Ledger,
    Report,
    StatedFigures,
    match_key,
    report_due_date,
)
from lumledger.ledger_format import (
    APPLICATION_TYPES,
    APPLICATIONS,
    DECISIONS,
    PAYMENTS,
    PROJECT,
    REPAYMENTS,
    REPORT_COST_LINES,
    REPORT_INCOME_LINES,
    REPORTS,
)
from lumledger.money import message_kr
from lumledger.rules.registry import Context
from lumledger.swedish import plural

#: Why a check did not run for a year because the ledger records nothing to compare (the
#: reconciliation's open items say what that leaves open; ``cycle close`` does not count these
#: as unchecked, since the unpaid and unreported are listed as open instead).
NO_PAYMENTS = "inga utbetalningar registrerade"
NO_REPORTS = "inga redovisningar registrerade"
NOTHING_RECORDED: frozenset[str] = frozenset({NO_PAYMENTS, NO_REPORTS})

# --- what the families share -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """The four figures of a year and type: as a decision states them, or as the ledger counts."""

    applications: int | None = None
    administrations: int | None = None
    applied: int | None = None
    granted: int | None = None

    @classmethod
    def stated_in(cls, decision: StatedFigures) -> Figures:
        return cls(
            applications=decision.applications,
            administrations=decision.administrations,
            applied=decision.applied,
            granted=decision.granted,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "administrations": self.administrations,
            "applied": self.applied,
            "granted": self.granted,
        }


def applications(ledger: Ledger) -> list[Application]:
    """The applications reconciliation looks at: every ``Ansökningar`` row with an Id."""
    return [app for app in ledger.applications if app.id is not None]


def of_year_and_type(ledger: Ledger) -> dict[tuple[int | None, str | None], list[Application]]:
    """The applications (with an Id) by their (År, Typ) as written, in ledger order."""
    out: dict[tuple[int | None, str | None], list[Application]] = {}
    for year, kind in ledger.year_types:
        apps = [a for a in ledger.applications_of(year, kind) if a.id is not None]
        if apps:
            out[(year, kind)] = apps
    return out


def years(ledger: Ledger) -> list[int]:
    """Every year with a round or an application (with an Id), ascending."""
    return sorted(set(ledger.rounds) | {a.year for a in applications(ledger) if a.year is not None})


def counted(apps: Sequence[Application]) -> Figures:
    """The ledger's own figures for the applications of one year and type."""
    names = {a.administration for a in apps if a.administration}
    return Figures(
        applications=len(apps),
        administrations=len({match_key(name) for name in names}),
        applied=sum(a.applied or 0 for a in apps),
        granted=sum(a.granted or 0 for a in apps),
    )


def grant_for(report: Report, app: Application) -> Amount | None:
    """What caps a report's unspent funds: the ledger's grant, else the grant the report states."""
    return app.granted if app.granted is not None else report.amounts.get("Beviljat belopp")


def _years_with(ledger: Ledger, items: Iterable[Booking | Report]) -> set[int]:
    """The years of the applications ``items`` name (those that exactly one application has)."""
    out: set[int] = set()
    for item in items:
        app = ledger.application_of(item)
        if app is not None and app.year is not None:
            out.add(app.year)
    return out


def _missing(
    ledger: Ledger, context: Context, code: str, needs: Iterable[tuple[str, str | None]]
) -> bool:
    """Record a missing sheet or column among ``needs``; True when the check cannot run."""
    missing = False
    for sheet, column in needs:
        table = ledger.sheet(sheet)
        if table is None:
            if sheet in ledger_format.REQUIRED_SHEETS:
                context.skip(code, None, f"bladet {sheet} saknas")
                missing = True
            continue  # an absent optional sheet simply has no rows
        if column is not None and not table.has(column):
            context.skip(code, None, f"kolumnen {sheet}!{column} saknas")
            missing = True
    return missing


def _resolve(
    ledger: Ledger, context: Context, code: str, item: Booking | Report
) -> Application | None:
    """The application a row refers to, or None (recorded as not run with the reason)."""
    app = ledger.application_of(item)
    if app is not None:
        return app
    where = f"{item.sheet} rad {item.row}"
    if item.id is None or item.key is None:
        context.skip(code, None, f"{where}: Id saknas")
    elif item.key in ledger.duplicated_ids:
        context.skip(
            code, None, f"{where}: Id {item.id} förekommer flera gånger i Ansökningar", item.id
        )
    else:
        context.skip(code, None, f"{where}: Id {item.id} finns inte i Ansökningar", item.id)
    return None


def _bad(item: Application | Booking | Report | StatedFigures, *columns: str) -> list[str]:
    return [c for c in columns if c in item.bad] if item.bad else []


def _invalid(ledger: Ledger, sheet: str, columns: Sequence[str], row: int) -> str:
    cells = [ledger.cell(sheet, c, row) or c for c in columns]
    return f"ogiltigt värde i {', '.join(f'{sheet}!{c}' for c in cells)}"


def _type_words(kind: str | None) -> str:
    return "projektansökningar" if kind == PROJECT else "ansökningar om studiebesök"


def _type_noun(kind: str | None) -> str:
    return "projekt" if kind == PROJECT else "studiebesök"


# --- R001, R002: the decision's figures --------------------------------------------------------------


def check_decision_figures(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R001 (``Antal ansökningar``, ``Antal förvaltningar``) and LUM-R002 (``Summa sökt``,
    ``Summa beviljat``): the figures stated in ``Beslut`` against the ledger's own."""
    by_year_type = of_year_and_type(ledger)
    unreadable = {a.row for apps in by_year_type.values() for a in apps if "År" in a.bad}
    view = _Applications(by_year_type=by_year_type, unreadable_years=unreadable)
    return _stated_counts(ledger, context, view) + _stated_sums(ledger, context, view)


_DECISION_NEEDS = ((DECISIONS, "År"), (DECISIONS, "Typ"), (APPLICATIONS, "Typ"))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Applications:
    """The applications as the decision figures count them, gathered once."""

    by_year_type: dict[tuple[int | None, str | None], list[Application]]
    unreadable_years: set[int]  # rows whose År could not be read


def _stated_counts(ledger: Ledger, context: Context, view: _Applications) -> list[Finding]:
    code = "LUM-R001"
    if _missing(ledger, context, code, _DECISION_NEEDS):
        return []
    out: list[Finding] = []
    apps_table = ledger.sheet(APPLICATIONS)
    for decision in _decision_scope(ledger, context, code, view):
        assert decision.year is not None and decision.type is not None
        figures = counted(view.by_year_type.get((decision.year, decision.type), []))
        words = _type_words(decision.type)
        item = _compare_figure(
            ledger,
            context,
            code=code,
            decision=decision,
            column="Antal ansökningar",
            stated=decision.applications,
            counted=figures.applications or 0,
            uncertain=_uncertain(ledger, view, decision, []),
            sentence=f"Beslutet anger {{stated}} {words} {decision.year}",
            money=False,
        )
        if item:
            out.append(item)
        if apps_table is None or not apps_table.has("Förvaltning"):
            context.skip(code, decision.year, "kolumnen Ansökningar!Förvaltning saknas")
            continue
        item = _compare_figure(
            ledger,
            context,
            code=code,
            decision=decision,
            column="Antal förvaltningar",
            stated=decision.administrations,
            counted=figures.administrations or 0,
            uncertain=_uncertain(ledger, view, decision, ["Förvaltning"]),
            sentence=f"Beslutet anger {{stated}} förvaltningar med {words} {decision.year}",
            money=False,
        )
        if item:
            out.append(item)
    return out


def _stated_sums(ledger: Ledger, context: Context, view: _Applications) -> list[Finding]:
    code = "LUM-R002"
    if _missing(ledger, context, code, _DECISION_NEEDS):
        return []
    out: list[Finding] = []
    apps_table = ledger.sheet(APPLICATIONS)
    for decision in _decision_scope(ledger, context, code, view):
        assert decision.year is not None and decision.type is not None
        figures = counted(view.by_year_type.get((decision.year, decision.type), []))
        noun = _type_noun(decision.type)
        for column, source, stated, count, what in (
            ("Summa sökt", "Sökt belopp", decision.applied, figures.applied, "sökt"),
            ("Summa beviljat", "Beviljat belopp", decision.granted, figures.granted, "beviljat"),
        ):
            if apps_table is None or not apps_table.has(source):
                context.skip(code, decision.year, f"kolumnen {APPLICATIONS}!{source} saknas")
                continue
            item = _compare_figure(
                ledger,
                context,
                code=code,
                decision=decision,
                column=column,
                stated=stated,
                counted=count or 0,
                uncertain=_uncertain(ledger, view, decision, [source]),
                sentence=f"Beslutet anger summa {what} {{stated}} för {noun} {decision.year}",
                money=True,
            )
            if item:
                out.append(item)
    return out


def _uncertain(
    ledger: Ledger, view: _Applications, decision: StatedFigures, columns: Sequence[str]
) -> str | None:
    """Why a count for the decision's year and type cannot be trusted: rows whose År or Typ is
    unreadable (they could belong here), rows of this year and type whose ``columns`` are
    unreadable, or duplicated Ids (LUM-E005)."""
    year = decision.year
    apps = view.by_year_type.get((year, decision.type), [])
    duplicated = ledger.duplicated_ids
    flawed = [a for a in apps if a.bad or a.key in duplicated]
    rows = set(view.unreadable_years)
    for (app_year, app_type), others in view.by_year_type.items():
        if app_year == year and app_type not in APPLICATION_TYPES:
            rows.update(a.row for a in others)
    rows.update(a.row for a in flawed if a.bad and _bad(a, *columns))
    ids = sorted({a.id for a in flawed if a.id is not None and a.key in duplicated})
    reasons: list[str] = []
    if rows:
        what = ", ".join(["År", "Typ", *columns])
        listing = ", ".join(str(r) for r in sorted(rows))
        reasons.append(f"ogiltiga värden i Ansökningar ({what}) på rad {listing}")
    if ids:
        reasons.append(f"Id förekommer flera gånger i Ansökningar ({', '.join(ids)})")
    return "; ".join(reasons) or None


def _decision_scope(
    ledger: Ledger, context: Context, code: str, view: _Applications
) -> list[StatedFigures]:
    """Beslut rows that can be compared; years and types without one are recorded as not run."""
    usable: list[StatedFigures] = []
    covered: set[tuple[int, str]] = set()
    for decision in ledger.decisions:
        if decision.year is None or decision.type not in APPLICATION_TYPES:
            context.skip(
                code,
                decision.year,
                f"Beslut rad {decision.row}: År eller Typ saknas eller är ogiltigt",
            )
            continue
        covered.add((decision.year, decision.type))
        usable.append(decision)
    kinds_by_year: dict[int, set[str]] = {}
    for app_year, app_type in view.by_year_type:
        if app_year is not None and app_type in APPLICATION_TYPES:
            kinds_by_year.setdefault(app_year, set()).add(app_type)
    for year in sorted(set(ledger.rounds) | {y for y, _k in view.by_year_type if y is not None}):
        if not any(y == year for y, _k in covered):
            context.skip(code, year, "ingen rad i Beslut")
            continue
        for kind in APPLICATION_TYPES:
            if kind in kinds_by_year.get(year, set()) and (year, kind) not in covered:
                context.skip(code, year, f"ingen rad i Beslut för {_type_noun(kind)}")
    return usable


def _compare_figure(
    ledger: Ledger,
    context: Context,
    *,
    code: str,
    decision: StatedFigures,
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
        context.skip(
            code, decision.year, f"{label}: {_invalid(ledger, DECISIONS, [column], decision.row)}"
        )
        return None
    if stated is None:
        context.skip(code, decision.year, f"{label}: {column} anges inte i Beslut")
        return None
    if uncertain:
        context.skip(code, decision.year, f"{label}: {uncertain}")
        return None
    if stated == counted:
        return None
    shown: Callable[[int], str] = message_kr if money else str
    diff = stated - counted
    more = ("mer" if diff > 0 else "mindre") if money else ("fler" if diff > 0 else "färre")
    return finding(
        code,
        DECISIONS,
        ledger.cell(DECISIONS, column, decision.row),
        decision.row,
        f"{sentence.format(stated=shown(stated))} men liggaren har {shown(counted)} "
        f"({shown(abs(diff))} {more} enligt beslutet)",
        # The finding sits at the Beslut cell: found is that cell's figure, expected the
        # ledger's own (as for every other code; difference = found - expected = stated - counted).
        expected=counted,
        found=stated,
    )


# --- R003, R004: payments ----------------------------------------------------------------------------


def check_payments(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R003 (granted but not paid, or paid differs from granted) and LUM-R004 (a payment for
    an application with nothing granted)."""
    return _granted_against_paid(ledger, context) + _paid_without_grant(ledger, context)


def _granted_against_paid(ledger: Ledger, context: Context) -> list[Finding]:
    code = "LUM-R003"
    needs = (
        (APPLICATIONS, "År"),
        (APPLICATIONS, "Beviljat belopp"),
        (PAYMENTS, "Id"),
        (PAYMENTS, "Belopp"),
    )
    if _missing(ledger, context, code, needs):
        return []
    in_scope = _years_with(ledger, ledger.payments)
    for year in years(ledger):
        if year not in in_scope:
            context.skip(code, year, NO_PAYMENTS)
    duplicated = ledger.duplicated_ids
    accounts = ledger.accounts
    out: list[Finding] = []
    for app in applications(ledger):
        if app.year not in in_scope:
            continue
        if app.key in duplicated:
            context.skip(
                code, app.year, f"Id {app.id} förekommer flera gånger i Ansökningar", app.id
            )
            continue
        if "Beviljat belopp" in app.bad:
            where = _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], app.row)
            context.skip(code, app.year, f"{app.id}: {where}", app.id)
            continue
        if not app.granted:
            continue  # nothing granted: a payment is LUM-R004
        account = accounts.get(app.key) if app.key else None
        payments = account.payments if account is not None else []
        broken = [p for p in payments if "Belopp" in p.bad]
        if broken:
            where = _invalid(ledger, PAYMENTS, ["Belopp"], broken[0].row)
            context.skip(code, app.year, f"{app.id}: {where}", app.id)
            continue
        paid = account.paid if account is not None else ZERO
        granted = Decimal(app.granted)
        if not payments:
            round_ = ledger.round_of(app.year)
            if round_ is None or not round_.decided:
                continue
            out.append(
                finding(
                    code,
                    APPLICATIONS,
                    ledger.cell(APPLICATIONS, "Beviljat belopp", app.row),
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
        count = plural(len(payments), "utbetalning", "utbetalningar")
        more = "mer" if paid > granted else "mindre"
        last = payments[-1]
        out.append(
            finding(
                code,
                PAYMENTS,
                ledger.cell(PAYMENTS, "Belopp", last.row) if len(payments) == 1 else None,
                last.row if len(payments) == 1 else payments[0].row,
                f"Utbetalt {message_kr(paid)} ({count}, rad {rows}) men beviljat "
                f"{message_kr(app.granted)}: {message_kr(abs(paid - granted))} {more} än beviljat",
                expected=app.granted,
                found=paid,
                id=app.id,
            )
        )
    return out


def _paid_without_grant(ledger: Ledger, context: Context) -> list[Finding]:
    code = "LUM-R004"
    needs = ((APPLICATIONS, "Beviljat belopp"), (PAYMENTS, "Id"), (PAYMENTS, "Belopp"))
    if _missing(ledger, context, code, needs):
        return []
    if not ledger.payments:
        context.skip(code, None, NO_PAYMENTS)
        return []
    out: list[Finding] = []
    for payment in ledger.payments:
        app = _resolve(ledger, context, code, payment)
        if app is None:
            continue
        bad = _bad(payment, "Belopp")
        if bad or "Beviljat belopp" in app.bad:
            cells = (
                _invalid(ledger, PAYMENTS, bad, payment.row)
                if bad
                else _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], app.row)
            )
            context.skip(code, app.year, f"{app.id}: {cells}", app.id)
            continue
        if not payment.amount or app.granted:
            continue
        granted = "0 kr (avslag)" if app.granted == 0 else "tomt (inget beslut)"
        out.append(
            finding(
                code,
                PAYMENTS,
                ledger.cell(PAYMENTS, "Belopp", payment.row),
                payment.row,
                f"Utbetalning {message_kr(payment.amount)} till en ansökan utan beviljat belopp "
                f"(beviljat: {granted})",
                expected=0,
                found=payment.amount,
                id=app.id,
            )
        )
    return out


# --- R005-R010: reports ------------------------------------------------------------------------------


def check_reports(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R005 to LUM-R010: reports missing after their due date, what a report states against
    the ledger and against its own lines, and the unspent funds against the repayments."""
    in_scope = _years_with(ledger, ledger.reports)
    all_years = years(ledger)
    out = _report_missing(ledger, context, in_scope, all_years)
    out += _report_grant(ledger, context, in_scope, all_years)
    out += _stated_sum(
        ledger,
        context,
        code="LUM-R007",
        column="Summa intäkter",
        lines=REPORT_INCOME_LINES,
        total=lambda report: report.income,
        noun="intäktsraderna",
        scope=(in_scope, all_years),
    )
    out += _stated_sum(
        ledger,
        context,
        code="LUM-R008",
        column="Summa kostnader",
        lines=REPORT_COST_LINES,
        total=lambda report: report.costs,
        noun="kostnadsraderna",
        scope=(in_scope, all_years),
    )
    out += _deficit(ledger, context, in_scope, all_years)
    out += _unspent(ledger, context, in_scope, all_years)
    return out


def _report_scope(context: Context, code: str, in_scope: set[int], all_years: list[int]) -> None:
    for year in all_years:
        if year not in in_scope:
            context.skip(code, year, NO_REPORTS)


def _report_missing(
    ledger: Ledger, context: Context, in_scope: set[int], all_years: list[int]
) -> list[Finding]:
    """LUM-R005: a granted project with no report after its due date (28 February of År + 1)."""
    code = "LUM-R005"
    needs = (
        (APPLICATIONS, "År"),
        (APPLICATIONS, "Typ"),
        (APPLICATIONS, "Beviljat belopp"),
        (REPORTS, "Id"),
    )
    if _missing(ledger, context, code, needs):
        return []
    today = context.as_of
    _report_scope(context, code, in_scope, all_years)
    reported = {report.key for report in ledger.reports if report.key}
    out: list[Finding] = []
    for app in applications(ledger):
        if app.year not in in_scope or app.type != PROJECT:
            continue
        if "Beviljat belopp" in app.bad:
            where = _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], app.row)
            context.skip(code, app.year, f"{app.id}: {where}", app.id)
            continue
        if not app.granted or app.key in reported:
            continue
        assert app.year is not None
        due = report_due_date(app.year)
        if today <= due:
            continue
        out.append(
            finding(
                code,
                APPLICATIONS,
                ledger.cell(APPLICATIONS, "Id", app.row),
                app.row,
                f"Redovisning saknas: beviljat {message_kr(app.granted)} {app.year}, sista dag "
                f"för redovisningen var {due.isoformat()} "
                f"({plural((today - due).days, 'dag', 'dagar')} sedan "
                f"per {today.isoformat()})",
                expected=f"redovisning senast {due.isoformat()}",
                found=None,
                id=app.id,
            )
        )
    return out


def _resolved_reports(
    ledger: Ledger, context: Context, code: str
) -> Iterator[tuple[Report, Application]]:
    """Report rows whose Id names exactly one application, with it (the others as not run)."""
    for report in ledger.reports:
        app = _resolve(ledger, context, code, report)
        if app is not None:
            yield report, app


def _report_grant(
    ledger: Ledger, context: Context, in_scope: set[int], all_years: list[int]
) -> list[Finding]:
    """LUM-R006: a report's ``Beviljat belopp`` differs from the ledger's grant."""
    code = "LUM-R006"
    needs = ((APPLICATIONS, "Beviljat belopp"), (REPORTS, "Id"), (REPORTS, "Beviljat belopp"))
    if _missing(ledger, context, code, needs):
        return []
    _report_scope(context, code, in_scope, all_years)
    out: list[Finding] = []
    for report, app in _resolved_reports(ledger, context, code):
        stated = report.amounts.get("Beviljat belopp")
        if "Beviljat belopp" in report.bad or "Beviljat belopp" in app.bad:
            where = REPORTS if "Beviljat belopp" in report.bad else APPLICATIONS
            row = report.row if where == REPORTS else app.row
            invalid = _invalid(ledger, where, ["Beviljat belopp"], row)
            context.skip(code, app.year, f"{app.id}: {invalid}", app.id)
            continue
        if stated is None:
            context.skip(
                code, app.year, f"{app.id}: redovisningen anger inget beviljat belopp", app.id
            )
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
                f"{message_kr(granted)} ({message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} i redovisningen)"
            )
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Beviljat belopp", report.row),
                report.row,
                message,
                expected=granted,
                found=stated,
                id=app.id,
            )
        )
    return out


def _line_columns_missing(
    ledger: Ledger, context: Context, code: str, groups: Sequence[Sequence[str]]
) -> bool:
    table = ledger.sheet(REPORTS)
    if table is None:
        return False
    for columns in groups:
        if not any(table.has(c) for c in columns):
            context.skip(code, None, f"bladet {REPORTS} saknar kolumnerna {', '.join(columns)}")
            return True
    return False


def _report_label(report: Report, app: Application | None) -> str:
    if app is not None and app.id is not None:
        return app.id
    return report.id or f"{REPORTS} rad {report.row}"


def _stated_sum(
    ledger: Ledger,
    context: Context,
    *,
    code: str,
    column: str,
    lines: Sequence[str],
    total: Callable[[Report], Decimal],
    noun: str,
    scope: tuple[set[int], list[int]],
) -> list[Finding]:
    """LUM-R007 and LUM-R008: a report's stated ``column`` against ``total``, the sum of its
    ``lines``; ``scope`` is (the years with a report, every year)."""
    if _missing(ledger, context, code, [(REPORTS, "Id"), (REPORTS, column)]):
        return []
    if _line_columns_missing(ledger, context, code, [lines]):
        return []
    _report_scope(context, code, *scope)
    out: list[Finding] = []
    for report in ledger.reports:
        app = ledger.application_of(report)
        label = _report_label(report, app)
        year = app.year if app else None
        bad = _bad(report, column, *lines)
        if bad:
            where = _invalid(ledger, REPORTS, bad, report.row)
            context.skip(code, year, f"{label}: {where}", report.id)
            continue
        stated = report.amounts.get(column)
        if stated is None:
            context.skip(code, year, f"{label}: {column} anges inte i redovisningen", report.id)
            continue
        computed = total(report)
        if stated == computed:
            continue
        diff = stated - computed
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, column, report.row),
                report.row,
                f"{column} ({message_kr(stated)}) stämmer inte med {noun} "
                f"({message_kr(computed)}): {message_kr(abs(diff))} "
                f"{'för mycket' if diff > 0 else 'för lite'}",
                expected=computed,
                found=stated,
                id=report.id if app is None else app.id,
            )
        )
    return out


def _deficit(
    ledger: Ledger, context: Context, in_scope: set[int], all_years: list[int]
) -> list[Finding]:
    """LUM-R009: a report's costs exceed its income (sums of the lines), with the deficit."""
    code = "LUM-R009"
    if _missing(ledger, context, code, [(REPORTS, "Id")]) or _line_columns_missing(
        ledger, context, code, [REPORT_INCOME_LINES, REPORT_COST_LINES]
    ):
        return []
    _report_scope(context, code, in_scope, all_years)
    table = ledger.sheet(REPORTS)
    has_sum = table is not None and table.has("Summa kostnader")
    out: list[Finding] = []
    for report in ledger.reports:
        app = ledger.application_of(report)
        bad = _bad(report, *REPORT_INCOME_LINES, *REPORT_COST_LINES)
        if bad:
            where = _invalid(ledger, REPORTS, bad, report.row)
            context.skip(
                code, app.year if app else None, f"{_report_label(report, app)}: {where}", report.id
            )
            continue
        income, costs = report.income, report.costs
        if costs <= income:
            continue
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Summa kostnader", report.row) if has_sum else None,
                report.row,
                f"Kostnaderna ({message_kr(costs)}) överstiger intäkterna ({message_kr(income)}) "
                f"med {message_kr(costs - income)}",
                expected=income,
                found=costs,
                id=report.id if app is None else app.id,
            )
        )
    return out


def _unspent(
    ledger: Ledger, context: Context, in_scope: set[int], all_years: list[int]
) -> list[Finding]:
    """LUM-R010: stated ``Ej förbrukat`` against the lines, and repayments against what is due.

    A blank ``Ej förbrukat`` counts as 0 (the report's box for unspent funds is not ticked). What is
    due is the computed unspent amount of the application's (last) report; a surplus that is stated
    and repaid is no finding.
    """
    code = "LUM-R010"
    needs = ((APPLICATIONS, "Beviljat belopp"), (REPORTS, "Id"), (REPORTS, "Ej förbrukat"))
    if _missing(ledger, context, code, needs) or _line_columns_missing(
        ledger, context, code, [REPORT_INCOME_LINES, REPORT_COST_LINES]
    ):
        return []
    _report_scope(context, code, in_scope, all_years)
    out: list[Finding] = []
    due_by_app: dict[str, tuple[Application, Report, Decimal]] = {}
    for report, app in _resolved_reports(ledger, context, code):
        bad = _bad(report, "Ej förbrukat", *REPORT_INCOME_LINES, *REPORT_COST_LINES)
        if bad or "Beviljat belopp" in app.bad:
            cells = (
                _invalid(ledger, REPORTS, bad, report.row)
                if bad
                else _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], app.row)
            )
            context.skip(code, app.year, f"{app.id}: {cells}", app.id)
            continue
        unspent = report.unspent(grant_for(report, app))
        assert app.key is not None
        previous = due_by_app.get(app.key)
        if previous is None or (report.submitted or dt.date.min) >= (
            previous[1].submitted or dt.date.min
        ):
            due_by_app[app.key] = (app, report, unspent)
        stated = report.amounts.get("Ej förbrukat")
        stated_value = stated if stated is not None else ZERO
        if stated_value == unspent:
            continue
        diff = stated_value - unspent
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Ej förbrukat", report.row),
                report.row,
                f"Ej förbrukat anges till {message_kr(stated)} men enligt raderna är "
                f"{message_kr(unspent)} ej förbrukat ({message_kr(abs(diff))} "
                f"{'för mycket' if diff > 0 else 'för lite'})",
                expected=unspent,
                found=stated_value,
                id=app.id,
            )
        )

    repaid_by_app: dict[str, list[Booking]] = {}
    repaid_apps: dict[str, Application] = {}
    for repayment in ledger.repayments:
        repaid_app = ledger.application_of(repayment)
        if repaid_app is None:
            _resolve(ledger, context, code, repayment)
        elif repaid_app.year in in_scope and repaid_app.key is not None:
            repaid_by_app.setdefault(repaid_app.key, []).append(repayment)
            repaid_apps[repaid_app.key] = repaid_app

    reported = {report.key for report in ledger.reports if report.key}
    for key in repaid_by_app:
        if key not in due_by_app:
            app = repaid_apps[key]
            if app.year in in_scope and key not in reported:
                context.skip(
                    code,
                    app.year,
                    f"{app.id}: återbetalning utan redovisning; vad som ska återbetalas är okänt",
                    app.id,
                )
    for key, (app, report, unspent) in due_by_app.items():
        repayments = repaid_by_app.get(key, [])
        broken = [r for r in repayments if "Belopp" in r.bad]
        if broken:
            where = _invalid(ledger, REPAYMENTS, ["Belopp"], broken[0].row)
            context.skip(code, app.year, f"{app.id}: {where}", app.id)
            continue
        repaid = sum((r.amount or ZERO for r in repayments), ZERO)
        if repaid == unspent:
            continue
        diff = repaid - unspent
        if len(repayments) == 1:
            sheet, cell, row = (
                REPAYMENTS,
                ledger.cell(REPAYMENTS, "Belopp", repayments[0].row),
                repayments[0].row,
            )
        else:
            sheet, cell, row = (
                (REPAYMENTS, None, repayments[0].row)
                if repayments
                else (REPORTS, ledger.cell(REPORTS, "Ej förbrukat", report.row), report.row)
            )
        rows = (
            f" ({len(repayments)} återbetalningar, rad {', '.join(str(r.row) for r in repayments)})"
            if len(repayments) > 1
            else ""
        )
        out.append(
            finding(
                code,
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


# --- R011: multi-year projects -----------------------------------------------------------------------


def check_projects(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R011: ``Tidigare beviljat`` against earlier years' grants; ``Projektår`` steps by one."""
    code = "LUM-R011"
    if _missing(ledger, context, code, [(APPLICATIONS, "År")]):
        return []
    table = ledger.sheet(APPLICATIONS)
    has_key = table is not None and table.has("Projekt")
    projects = ledger.projects
    out: list[Finding] = []
    for app in applications(ledger):
        if app.earlier_granted is None or app.year is None:
            if "Tidigare beviljat" in app.bad:
                where = _invalid(ledger, APPLICATIONS, ["Tidigare beviljat"], app.row)
                context.skip(code, app.year, f"{app.id}: {where}", app.id)
            continue
        if not has_key or not app.project:
            context.skip(
                code,
                app.year,
                f"{app.id}: Tidigare beviljat anges men Projekt saknas; tidigare år kan inte "
                "knytas till ansökan",
                app.id,
            )
            continue
        chain = projects[match_key(app.project)]
        earlier = [
            a for a in chain if a.id is not None and a.year is not None and a.year < app.year
        ]
        unknown = [a.id or "" for a in earlier if a.granted is None]
        if unknown:
            context.skip(
                code, app.year, f"{app.id}: beviljat belopp saknas för {', '.join(unknown)}", app.id
            )
            continue
        recorded = sum(a.granted or 0 for a in earlier)
        if recorded == app.earlier_granted:
            continue
        ids = ", ".join(a.id or "" for a in earlier) if earlier else "inga tidigare år i liggaren"
        diff = app.earlier_granted - recorded
        out.append(
            finding(
                code,
                APPLICATIONS,
                ledger.cell(APPLICATIONS, "Tidigare beviljat", app.row),
                app.row,
                f"Tidigare beviljat anges till {message_kr(app.earlier_granted)} men liggaren har "
                f"{message_kr(recorded)} beviljat tidigare år ({ids}); {message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} enligt ansökan",
                expected=recorded,
                found=app.earlier_granted,
                id=app.id,
            )
        )
    for chain in projects.values():
        if len(chain) == 1:
            continue
        # Rows without an Id are no application here: they neither break nor carry the steps.
        stated = [a for a in chain if a.id is not None and a.project_year is not None]
        for before, after in itertools.pairwise(stated):
            assert before.year is not None and after.year is not None
            assert before.project_year is not None and after.project_year is not None
            wanted = before.project_year + (after.year - before.year)
            if after.project_year == wanted:
                continue
            out.append(
                finding(
                    code,
                    APPLICATIONS,
                    ledger.cell(APPLICATIONS, "Projektår", after.row),
                    after.row,
                    f"Projektår {after.project_year} {after.year} följer inte på projektår "
                    f"{before.project_year} {before.year} ({before.id}); väntat projektår {wanted}",
                    expected=wanted,
                    found=after.project_year,
                    id=after.id,
                )
            )
    return out
