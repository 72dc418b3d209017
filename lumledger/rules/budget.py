"""The rules on what the forms add (issue 15): a report against its application's budget, the
report's two boxes, and an application form's own figures.

Reconciliation (:func:`check_budget`, run by the registry's loop):

* **LUM-R012** — a report line against the application's budget line for that year, beyond the
  tolerance (``ledger_format.BUDGET_TOLERANCE_SHARE_PERCENT`` of the budget line, at least
  ``BUDGET_TOLERANCE_MIN_KR``). The report's four cost lines are mapped onto the application's
  lines as the forms define them (:func:`budget_against_outcome`): each budget row names the report
  line it is reported in (``Budget!Redovisningsrad``); a report cost line the budget has no row
  for is counted under ``Övriga kostnader`` (the application form of 2020 had only personnel and
  other costs), an income line likewise under ``Övriga intäkter``. The grant line (R006) and the
  own contribution (R013) are not compared here.
* **LUM-R013** — the own contribution reported (``Egen insats``) below the own budget the
  application promised for the year (its ``Egen insats`` budget line, else ``Egen budget per år``).
* **LUM-R014** — the attest box ("genomförts enligt beslut om projektplan och budget") ticked
  while the report deviates: a deficit (R009), a budget deviation (R012) or an own-contribution
  shortfall (R013).
* **LUM-R015** — the unspent-money box disagreeing with the amount beside it, with the report's
  figures (a surplus of income over costs) or with ``Återbetalningar``.

Validation (:func:`check_application_forms`):

* **LUM-W010** — ``Sökt belopp totalt`` is not ``Sökt belopp`` times the years of the project
  period;
* **LUM-W011** — the project period does not match the project years: ``År`` outside the period,
  ``Projektår`` not the year's place in it, or a period longer than three years.

A report's budget is its application's own ``Budget`` rows or, for a later year of a multi-year
project without its own (its form was the first year's), the rows of the project's latest earlier
application that has them. Budget rows with a ``År`` count for that year only; rows without one
count for every year of the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lumledger import ledger_format
from lumledger.findings import Finding, finding
from lumledger.ledger import (
    ZERO,
    Application,
    ApplicationForm,
    BudgetItem,
    Ledger,
    Report,
    match_key,
)
from lumledger.ledger_format import (
    APPLICATIONS,
    BUDGET,
    BUDGET_TOLERANCE_MIN_KR,
    BUDGET_TOLERANCE_SHARE_PERCENT,
    NO,
    REPORT_COST_LINES,
    REPORT_INCOME_LINES,
    REPORTS,
    YES,
)
from lumledger.money import message_kr
from lumledger.rules.registry import Context

OTHER_COSTS = "Övriga kostnader"
OTHER_INCOME = "Övriga intäkter"
OWN_CONTRIBUTION = "Egen insats"
GRANT_LINE = "Beviljat belopp"


@dataclass(frozen=True, slots=True)
class LineComparison:
    """One report line (or the lines folded into it) against its budget for the report's year."""

    line: str  # the Redovisningar column
    budget: Decimal  # the budget rows' sum for the year
    outcome: Decimal  # the report's line(s), blank as 0
    reported_lines: tuple[str, ...]  # the report columns summed into ``outcome``

    @property
    def difference(self) -> Decimal:
        """``outcome - budget``."""
        return self.outcome - self.budget

    @property
    def tolerance(self) -> Decimal:
        share = self.budget * BUDGET_TOLERANCE_SHARE_PERCENT / Decimal(100)
        return max(share, Decimal(BUDGET_TOLERANCE_MIN_KR))

    @property
    def beyond_tolerance(self) -> bool:
        return abs(self.difference) > self.tolerance


@dataclass(frozen=True, slots=True)
class ReportBudget:
    """A report's application, the application whose budget applies and its rows for the year."""

    app: Application
    source: Application
    items: tuple[BudgetItem, ...]


def budget_for(ledger: Ledger, app: Application) -> ReportBudget | None:
    """The budget that applies to ``app``'s year (see the module doc), or ``None``."""
    if app.year is None:
        return None
    candidates = [app]
    if app.project:
        earlier = [a for a in ledger.project_chain(app.project) if a.year and a.year < app.year]
        candidates += list(reversed(earlier))
    for source in candidates:
        items = tuple(
            item for item in ledger.budget_of(source) if item.year is None or item.year == app.year
        )
        if items:
            return ReportBudget(app=app, source=source, items=items)
    return None


def _outcome(report: Report, line: str) -> Decimal:
    return report.amounts.get(line) or ZERO


def budget_against_outcome(budget: ReportBudget, report: Report) -> list[LineComparison]:
    """The report line by line against the budget for its year, cost lines then income lines;
    lines neither budgeted nor reported are left out."""
    budgeted: dict[str, Decimal] = {}
    for item in budget.items:
        if item.report_line in ledger_format.REPORT_LINES_CHOICES and item.amount is not None:
            budgeted[item.report_line] = budgeted.get(item.report_line, ZERO) + item.amount
    out: list[LineComparison] = []
    for lines, other in ((REPORT_COST_LINES, OTHER_COSTS), (REPORT_INCOME_LINES, OTHER_INCOME)):
        folded = [
            line
            for line in lines
            if line not in budgeted
            and line != other
            and line != GRANT_LINE
            and line != OWN_CONTRIBUTION
        ]
        fold_into_other = other in budgeted
        for line in lines:
            if line in folded and fold_into_other:
                continue
            reported = (line, *folded) if line == other and fold_into_other else (line,)
            outcome = sum((_outcome(report, name) for name in reported), ZERO)
            planned = budgeted.get(line, ZERO)
            if line not in budgeted and outcome == ZERO:
                continue
            out.append(
                LineComparison(line=line, budget=planned, outcome=outcome, reported_lines=reported)
            )
    return out


def _percent(part: Decimal, whole: Decimal) -> str:
    if whole == ZERO:
        return ""
    return f" ({abs(part) * 100 / whole:.0f} %)"


def _tolerance_words() -> str:
    return (
        f"toleransen är {BUDGET_TOLERANCE_SHARE_PERCENT} % av budgetraden, minst "
        f"{message_kr(BUDGET_TOLERANCE_MIN_KR)}"
    )


def promised_own_contribution(
    ledger: Ledger, budget: ReportBudget | None, app: Application
) -> tuple[Decimal, Application] | None:
    """The own contribution promised for ``app``'s year: the budget's ``Egen insats`` rows, else
    ``Egen budget per år`` of the application (or of the project's earlier one)."""
    if budget is not None:
        own = [i.amount for i in budget.items if i.report_line == OWN_CONTRIBUTION and i.amount]
        if own:
            return sum(own, ZERO), budget.source
    sources = [app]
    if app.project and app.year is not None:
        sources += [
            a for a in reversed(ledger.project_chain(app.project)) if a.year and a.year < app.year
        ]
    for source in sources:
        form = ledger.form_of(source)
        if form is not None and form.own_budget is not None:
            return Decimal(form.own_budget), source
    return None


def check_budget(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R012 to LUM-R015 (see the module doc)."""
    out: list[Finding] = []
    table = ledger.columns(REPORTS)
    if table is None or not len(table):
        return out
    if (
        not ledger.budget_items
        and not ledger.application_forms
        and all(v is None for v in table.values("Intygat genomfört"))
        and all(v is None for v in table.values("Ej förbrukat kryssad"))
    ):
        return out  # a ledger without anything the forms add: nothing to compare (fast path)
    reports = ledger.reports
    # A ledger that records no budgets at all (no Budget sheet, or an empty one) is out of R012's
    # scope, as a year without reports is out of R005's: nothing is listed as not run.
    has_budget = bool(ledger.budget_items)
    without_budget: dict[int | None, int] = {}
    for report in reports:
        app = ledger.application_of(report)
        if app is None or app.id is None:
            continue  # R005–R010 name reports without an application
        budget = budget_for(ledger, app) if has_budget else None
        if has_budget and budget is None:
            without_budget[app.year] = without_budget.get(app.year, 0) + 1
        reasons: list[str] = []
        if report.costs > report.income:
            reasons.append(f"underskott {message_kr(report.costs - report.income)}")
        if budget is not None:
            out += _budget_lines(ledger, report, app, budget, reasons)
        out += _own_contribution(ledger, context, report, app, budget, reasons)
        out += _attest(ledger, report, app, reasons)
        out += _unspent_box(ledger, report, app)
    for year, count in without_budget.items():
        context.skip(
            "LUM-R012",
            year,
            f"{count} {'redovisning' if count == 1 else 'redovisningar'} utan budget i bladet "
            f"{BUDGET}",
        )
    return out


def _budget_lines(
    ledger: Ledger, report: Report, app: Application, budget: ReportBudget, reasons: list[str]
) -> list[Finding]:
    out: list[Finding] = []
    for comparison in budget_against_outcome(budget, report):
        if comparison.line in (GRANT_LINE, OWN_CONTRIBUTION) or not comparison.beyond_tolerance:
            continue
        diff = comparison.difference
        parts = (
            " ("
            + " + ".join(
                f"{name} {message_kr(_outcome(report, name))}" for name in comparison.reported_lines
            )
            + ")"
            if len(comparison.reported_lines) > 1
            else ""
        )
        source = "" if budget.source is app else f" i ansökan {budget.source.id}"
        out.append(
            finding(
                "LUM-R012",
                REPORTS,
                ledger.cell(REPORTS, comparison.line, report.row),
                report.row,
                f"{comparison.line}: budget{source} {message_kr(comparison.budget)}, redovisat "
                f"{message_kr(comparison.outcome)}{parts} – {message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} än budget"
                f"{_percent(diff, comparison.budget)}; {_tolerance_words()}",
                expected=comparison.budget,
                found=comparison.outcome,
                id=app.id,
            )
        )
        reasons.append(f"{comparison.line} avviker från budget")
    return out


def _own_contribution(
    ledger: Ledger,
    context: Context,
    report: Report,
    app: Application,
    budget: ReportBudget | None,
    reasons: list[str],
) -> list[Finding]:
    promised = promised_own_contribution(ledger, budget, app)
    if promised is None:
        return []
    amount, source = promised
    if OWN_CONTRIBUTION in report.bad:
        context.skip(
            "LUM-R013", app.year, f"{app.id}: {OWN_CONTRIBUTION} går inte att läsa", app.id
        )
        return []
    reported = _outcome(report, OWN_CONTRIBUTION)
    if reported >= amount:
        return []
    shortfall = amount - reported
    reasons.append(f"egen insats {message_kr(shortfall)} under utlovad")
    where = "ansökan" if source is app else f"ansökan {source.id}"
    return [
        finding(
            "LUM-R013",
            REPORTS,
            ledger.cell(REPORTS, OWN_CONTRIBUTION, report.row),
            report.row,
            f"Egen insats {message_kr(reported)} är {message_kr(shortfall)} lägre än den egna "
            f"budget som {where} utlovade för året ({message_kr(amount)})",
            expected=amount,
            found=reported,
            id=app.id,
        )
    ]


def _attest(ledger: Ledger, report: Report, app: Application, reasons: list[str]) -> list[Finding]:
    if report.attested is None or match_key(report.attested) != match_key(YES) or not reasons:
        return []
    return [
        finding(
            "LUM-R014",
            REPORTS,
            ledger.cell(REPORTS, "Intygat genomfört", report.row),
            report.row,
            "Rutan ”genomförts enligt beslut om projektplan och budget” är kryssad men "
            f"redovisningen avviker: {'; '.join(reasons)}",
            expected=NO,
            found=YES,
            id=app.id,
        )
    ]


def _unspent_box(ledger: Ledger, report: Report, app: Application) -> list[Finding]:
    ticked_text = report.unspent_ticked
    if ticked_text is None or match_key(ticked_text) not in (match_key(YES), match_key(NO)):
        return []
    ticked = match_key(ticked_text) == match_key(YES)
    stated = report.amounts.get("Ej förbrukat")
    surplus = report.unspent(app.granted if app.granted is not None else None)
    repaid = ledger.account(app.id).repaid
    problems: list[str] = []
    if ticked:
        if not stated:
            problems.append("inget belopp anges bredvid rutan")
        if surplus == ZERO:
            problems.append("enligt raderna är inget ej förbrukat")
    else:
        if stated:
            problems.append(f"Ej förbrukat anges till {message_kr(stated)}")
        if surplus > ZERO:
            problems.append(f"enligt raderna är {message_kr(surplus)} ej förbrukat")
        if repaid > ZERO:
            problems.append(f"{message_kr(repaid)} är återbetalt enligt Återbetalningar")
    if not problems:
        return []
    return [
        finding(
            "LUM-R015",
            REPORTS,
            ledger.cell(REPORTS, "Ej förbrukat kryssad", report.row),
            report.row,
            f"Rutan för ej förbrukade medel är {'kryssad' if ticked else 'inte kryssad'} men "
            + "; ".join(problems),
            expected=NO if ticked else YES,
            found=YES if ticked else NO,
            id=app.id,
        )
    ]


# --- validation: the application form's own figures -------------------------------------------------


def check_application_forms(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W010 and LUM-W011 (see the module doc)."""
    out: list[Finding] = []
    forms = ledger.application_forms
    if ledger.sheet(APPLICATIONS) is None or not forms:
        return out
    for app in ledger.applications:
        form = forms.get(app.row)
        if form is None:
            continue
        out += _stated_total(ledger, app, form)
        out += _period(ledger, app, form)
    return out


def _stated_total(ledger: Ledger, app: Application, form: ApplicationForm) -> list[Finding]:
    years = form.period_years
    if form.applied_total is None or app.applied is None or not years:
        return []
    if {"Sökt belopp", "Sökt belopp totalt"} & app.bad | form.bad:
        return []
    expected = app.applied * len(years)
    if form.applied_total == expected:
        return []
    return [
        finding(
            "LUM-W010",
            APPLICATIONS,
            ledger.cell(APPLICATIONS, "Sökt belopp totalt", app.row),
            app.row,
            f"Sökt belopp totalt ({message_kr(form.applied_total)}) är inte sökt belopp per år "
            f"({message_kr(app.applied)}) gånger projektperiodens {len(years)} år "
            f"({message_kr(expected)})",
            expected=expected,
            found=form.applied_total,
            id=app.id,
        )
    ]


def _period(ledger: Ledger, app: Application, form: ApplicationForm) -> list[Finding]:
    years = form.period_years
    if not years or app.year is None:
        return []
    problems: list[str] = []
    expected: int | None = None
    if len(years) > max(ledger_format.PROJECT_YEARS):
        problems.append(
            f"perioden omfattar {len(years)} år men ett projekt får högst "
            f"{max(ledger_format.PROJECT_YEARS)}"
        )
    if app.year not in years:
        problems.append(f"året {app.year} ligger utanför perioden")
    elif app.project_year is not None and app.project_year != years.index(app.year) + 1:
        expected = years.index(app.year) + 1
        problems.append(
            f"{app.year} är projektår {expected} enligt perioden, inte {app.project_year}"
        )
    if not problems:
        return []
    assert form.period_from is not None and form.period_to is not None
    return [
        finding(
            "LUM-W011",
            APPLICATIONS,
            ledger.cell(APPLICATIONS, "Projektperiod från", app.row),
            app.row,
            f"Projektperioden {form.period_from.isoformat()} – {form.period_to.isoformat()} "
            f"stämmer inte med projektåren: {'; '.join(problems)}",
            expected=expected,
            found=app.project_year if expected is not None else None,
            id=app.id,
        )
    ]


# --- budget against outcome, line by line (the reconciliation's statement) ---------------------------


@dataclass(frozen=True, slots=True)
class BudgetLineStatement:
    """One line of one report against its budget, for the statement per application."""

    id: str
    year: int | None
    budget_id: str | None  # the application whose Budget rows apply
    line: str  # the report line, with the lines folded into it: "Övriga kostnader + …"
    budget: Decimal
    outcome: Decimal
    beyond_tolerance: bool  # a deviation reconcile reports (R012; R013 for the own contribution)

    @property
    def difference(self) -> Decimal:
        return self.outcome - self.budget

    def to_dict(self) -> dict[str, object]:
        from lumledger.money import to_json_amount

        return {
            "id": self.id,
            "year": self.year,
            "budget_id": self.budget_id,
            "line": self.line,
            "budget": to_json_amount(self.budget),
            "outcome": to_json_amount(self.outcome),
            "difference": to_json_amount(self.difference),
            "beyond_tolerance": self.beyond_tolerance,
        }


def budget_statements(ledger: Ledger) -> list[BudgetLineStatement]:
    """Every report with a budget, line by line (its last report per application), in ledger
    order of the applications."""
    if ledger.sheet(BUDGET) is None or not ledger.budget_items:
        return []
    out: list[BudgetLineStatement] = []
    for app in ledger.applications:
        if app.id is None:
            continue
        report = ledger.account(app.id).report
        if report is None or ledger.application_of(report) is not app:
            continue
        budget = budget_for(ledger, app)
        if budget is None:
            continue
        for comparison in budget_against_outcome(budget, report):
            out.append(
                BudgetLineStatement(
                    id=app.id,
                    year=app.year,
                    budget_id=budget.source.id,
                    line=" + ".join(comparison.reported_lines),
                    budget=comparison.budget,
                    outcome=comparison.outcome,
                    beyond_tolerance=(
                        comparison.outcome < comparison.budget
                        if comparison.line == OWN_CONTRIBUTION
                        else comparison.beyond_tolerance and comparison.line != GRANT_LINE
                    ),
                )
            )
    return out
