"""The reconciliation rules, LUM-R001 to LUM-R011, by family, on the ledger's columns.

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
* Money is exact: whole kronor as ``int``, öre as ``Decimal``; on the columns, amounts are summed
  and compared as integer öre (``int64``, or Python ints should a sum not fit).
* Columns, not records (issue 16): each family works on the sheets as arrays
  (:meth:`~lumledger.ledger.Ledger.columns`, the Ids numbered once in
  :attr:`~lumledger.ledger.Ledger.ids`, the sums per Id in
  :attr:`~lumledger.ledger.Ledger.account_columns`) and picks, as one boolean array, the rows
  that could carry a finding or a check that cannot run; only those rows are visited one by one,
  in ledger order, with the same tests and messages as a row-by-row check (so the findings, the
  reasons and their order are the same). ``tests/test_reconcile_columns.py`` compares every
  output with the record-by-record implementation's on generated ledgers with every kind of
  discrepancy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from lumledger import ledger_format
from lumledger.findings import Finding, finding
from lumledger.ledger import (
    Ledger,
    Sheet,
    SheetColumns,
    StatedFigures,
    empty_frame,
    ore_to_decimal,
    report_due_date,
    sum_by,
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


def table_of(ledger: Ledger, name: str) -> SheetColumns:
    """A sheet's columns as arrays; an absent sheet as one without rows."""
    found = ledger.columns(name)
    if found is not None:
        return found
    return SheetColumns(Sheet(name=name, title=name, frame=empty_frame(name), letters={}))


def id_codes(ledger: Ledger, name: str) -> Any:
    """The numbers of each row's matched Id (:attr:`Ledger.ids`), -1 without an Id."""
    found = ledger.ids.codes.get(name)
    return found if found is not None else np.zeros(0, dtype=np.int64)


def _application_of(ledger: Ledger, name: str) -> Any:
    """Per row of ``name``: the position of the application its Id names, -1 when none or
    several have it."""
    return ledger.ids.application_of(name)


def isin(values: Any, wanted: Iterable[int]) -> Any:
    return np.isin(values, np.array(sorted(wanted), dtype=np.int64))


def years(ledger: Ledger) -> list[int]:
    """Every year with a round or an application (with an Id), ascending."""
    apps = table_of(ledger, APPLICATIONS)
    year, present = apps.whole("År")
    with_id = id_codes(ledger, APPLICATIONS) >= 0
    return sorted(set(ledger.rounds) | set(year[with_id & present].tolist()))


def _years_with(ledger: Ledger, name: str) -> set[int]:
    """The years of the applications the rows of ``name`` name (those that exactly one
    application has)."""
    positions = _application_of(ledger, name)
    positions = positions[positions >= 0]
    year, present = table_of(ledger, APPLICATIONS).whole("År")
    return set(year[positions][present[positions]].tolist())


def line_sums(ledger: Ledger, lines: Sequence[str]) -> Any:
    """Per report: the sum of ``lines`` in öre (a blank line counts as 0): the income or the
    costs of :class:`~lumledger.ledger.Report` as an array."""
    reports = table_of(ledger, REPORTS)
    total = np.zeros(len(reports), dtype=np.int64)
    for line in lines:
        total = total + reports.ore(line)[0]
    return total


def surplus_ore(ledger: Ledger) -> Any:
    """Per report: ``max(0, income lines - cost lines)`` in öre."""
    income = line_sums(ledger, REPORT_INCOME_LINES)
    costs = line_sums(ledger, REPORT_COST_LINES)
    return np.maximum(income - costs, 0)


def capped(surplus: Any, grant: Any, has_grant: Any) -> Any:
    """:meth:`Report.unspent` as arrays: the surplus, at most the grant where there is one."""
    return np.where(has_grant, np.minimum(grant, surplus), surplus)


def unspent_ore(ledger: Ledger) -> Any:
    """Per report: ``min(grant, max(0, income - costs))`` in öre (:meth:`Report.unspent` with
    :func:`grant_for`): the grant is that of the application the report names, else the one
    the report states."""
    positions = _application_of(ledger, REPORTS)
    granted, has_granted = table_of(ledger, APPLICATIONS).whole("Beviljat belopp")
    app_has = per_code(has_granted, positions, False)
    stated, has_stated = table_of(ledger, REPORTS).ore("Beviljat belopp")
    grant = np.where(app_has, per_code(granted, positions, 0) * 100, stated)
    return capped(surplus_ore(ledger), grant, app_has | has_stated)


def _resolve(ledger: Ledger, context: Context, code: str, name: str, position: int) -> None:
    """Record why row ``position`` of ``name`` names no application (as not run)."""
    table = table_of(ledger, name)
    row = int(table.rows[position])
    id_ = table.objects("Id")[position]
    number = int(id_codes(ledger, name)[position])
    where = f"{name} rad {row}"
    if id_ is None or number < 0:
        context.skip(code, None, f"{where}: Id saknas")
    elif ledger.ids.applications[number] > 1:
        context.skip(code, None, f"{where}: Id {id_} förekommer flera gånger i Ansökningar", id_)
    else:
        context.skip(code, None, f"{where}: Id {id_} finns inte i Ansökningar", id_)


def _bad(table: SheetColumns, position: int, *columns: str) -> list[str]:
    bad = table.bad_at(position)
    return [c for c in columns if c in bad] if bad else []


def _grouped(codes: Any, size: int) -> tuple[Any, Any]:
    """Positions grouped by code, in ledger order within each: ``order[starts[c]:starts[c+1]]``
    are the positions with code ``c``."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(size + 1))
    return order, starts


def _positions(grouped: tuple[Any, Any], code: int) -> list[int]:
    order, starts = grouped
    return [int(p) for p in order[starts[code] : starts[code + 1]]]


def _kr(ore: Any) -> Decimal:
    return ore_to_decimal(ore)


def per_code(values: Any, codes: Any, fill: Any) -> Any:
    """``values[codes]``, with ``fill`` where a code is -1 (no Id, or no application)."""
    return np.append(values, fill)[codes]


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


def _invalid(ledger: Ledger, sheet: str, columns: Sequence[str], row: int) -> str:
    cells = [ledger.cell(sheet, c, row) or c for c in columns]
    return f"ogiltigt värde i {', '.join(f'{sheet}!{c}' for c in cells)}"


def _type_words(kind: str | None) -> str:
    return "projektansökningar" if kind == PROJECT else "ansökningar om studiebesök"


def _type_noun(kind: str | None) -> str:
    return "projekt" if kind == PROJECT else "studiebesök"


# --- R001, R002: the decision's figures --------------------------------------------------------------


class YearTypes:
    """The applications (with an Id) by their (År, Typ) as written, as masks over Ansökningar:
    what the decision figures count and the roll of years and types they are stated for."""

    def __init__(self, ledger: Ledger) -> None:
        apps = table_of(ledger, APPLICATIONS)
        self.ledger = ledger
        self.apps = apps
        codes = id_codes(ledger, APPLICATIONS)
        self.with_id = codes >= 0
        self.duplicated = per_code(ledger.ids.applications, codes, 0) > 1
        self.year, self.has_year = apps.whole("År")
        self.kind = apps.index_of("Typ", APPLICATION_TYPES)  # -1: another type or none
        self.blank_kind = apps.blank("Typ")
        dated = self.with_id & self.has_year
        self.years: set[int] = set(np.unique(self.year[dated]).tolist())
        self.kinds_by_year: dict[int, set[str]] = {}
        known = dated & (self.kind >= 0)
        pairs = np.unique(self.year[known] * len(APPLICATION_TYPES) + self.kind[known])
        for pair in pairs.tolist():
            year, kind = divmod(pair, len(APPLICATION_TYPES))
            self.kinds_by_year.setdefault(year, set()).add(APPLICATION_TYPES[kind])
        self.unreadable_years = self.with_id & apps.bad("År")
        self._of: dict[tuple[int, str], Any] = {}
        self._counted: dict[tuple[int, str], Figures] = {}
        self._unsure: dict[int, Any] = {}  # year -> rows that could belong to any of its types
        self._bad: dict[tuple[str, ...], Any] = {}

    def of(self, year: int, kind: str) -> Any:
        """Which applications have ``year`` and ``kind``."""
        found = self._of.get((year, kind))
        if found is None:
            found = self._of[(year, kind)] = (
                self.with_id
                & self.has_year
                & (self.year == year)
                & (self.kind == APPLICATION_TYPES.index(kind))
            )
        return found

    def pairs(self) -> list[tuple[int, str]]:
        """Every (year, type of the format) some application has."""
        return [(year, kind) for year, kinds in self.kinds_by_year.items() for kind in kinds]

    def counted(self, year: int, kind: str) -> Figures:
        """The ledger's own figures for the applications of one year and type."""
        found = self._counted.get((year, kind))
        if found is not None:
            return found
        mask = self.of(year, kind)
        names = self.apps.keys_of("Förvaltning")[mask]
        applied, has_applied = self.apps.whole("Sökt belopp")
        granted, has_granted = self.apps.whole("Beviljat belopp")
        found = self._counted[(year, kind)] = Figures(
            applications=int(mask.sum()),
            administrations=len(np.unique(names[names >= 0])),
            applied=exact_sum(applied[mask & has_applied]),
            granted=exact_sum(granted[mask & has_granted]),
        )
        return found

    def uncertain(self, year: int, kind: str, columns: Sequence[str]) -> str | None:
        """Why a count for the year and type cannot be trusted: rows whose År or Typ is
        unreadable (they could belong here), rows of this year and type whose ``columns`` are
        unreadable, or duplicated Ids (LUM-E005)."""
        mask = self.of(year, kind)
        rows = self._unsure.get(year)
        if rows is None:
            rows = self.unreadable_years.copy()
            of_year = self.has_year & (self.year == year)
            rows |= self.with_id & of_year & (self.kind < 0)
            if (of_year & self.blank_kind).any():
                # As Ledger.applications_of(year, None) gives them: the whole year's applications.
                rows |= self.with_id & of_year
            self._unsure[year] = rows
        if columns:
            bad = self._bad.get(tuple(columns))
            if bad is None:
                bad = self._bad[tuple(columns)] = self.apps.bad_any(*columns)
            rows = rows | (mask & bad)
        listed = sorted(set(self.apps.rows[rows].tolist()))
        duplicated = mask & self.duplicated
        ids = sorted({i for i in self.apps.objects("Id")[duplicated].tolist() if i is not None})
        reasons: list[str] = []
        if listed:
            what = ", ".join(["År", "Typ", *columns])
            reasons.append(
                f"ogiltiga värden i Ansökningar ({what}) på rad {', '.join(map(str, listed))}"
            )
        if ids:
            reasons.append(f"Id förekommer flera gånger i Ansökningar ({', '.join(ids)})")
        return "; ".join(reasons) or None


def exact_sum(values: Any) -> int:
    """The sum of whole kronor (``int64``) as an exact ``int``."""
    if not values.size:
        return 0
    if float(np.abs(values.astype(np.float64)).sum()) < 2**62:  # bounds the size only
        return int(values.sum())
    return sum(int(v) for v in values.tolist())


def check_decision_figures(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R001 (``Antal ansökningar``, ``Antal förvaltningar``) and LUM-R002 (``Summa sökt``,
    ``Summa beviljat``): the figures stated in ``Beslut`` against the ledger's own."""
    view = YearTypes(ledger)
    return _stated_counts(ledger, context, view) + _stated_sums(ledger, context, view)


_DECISION_NEEDS = ((DECISIONS, "År"), (DECISIONS, "Typ"), (APPLICATIONS, "Typ"))


def _stated_counts(ledger: Ledger, context: Context, view: YearTypes) -> list[Finding]:
    code = "LUM-R001"
    if _missing(ledger, context, code, _DECISION_NEEDS):
        return []
    out: list[Finding] = []
    apps_table = ledger.sheet(APPLICATIONS)
    for decision in _decision_scope(ledger, context, code, view):
        assert decision.year is not None and decision.type is not None
        figures = view.counted(decision.year, decision.type)
        words = _type_words(decision.type)
        item = _compare_figure(
            ledger,
            context,
            code=code,
            decision=decision,
            column="Antal ansökningar",
            stated=decision.applications,
            counted=figures.applications or 0,
            uncertain=view.uncertain(decision.year, decision.type, []),
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
            uncertain=view.uncertain(decision.year, decision.type, ["Förvaltning"]),
            sentence=f"Beslutet anger {{stated}} förvaltningar med {words} {decision.year}",
            money=False,
        )
        if item:
            out.append(item)
    return out


def _stated_sums(ledger: Ledger, context: Context, view: YearTypes) -> list[Finding]:
    code = "LUM-R002"
    if _missing(ledger, context, code, _DECISION_NEEDS):
        return []
    out: list[Finding] = []
    apps_table = ledger.sheet(APPLICATIONS)
    for decision in _decision_scope(ledger, context, code, view):
        assert decision.year is not None and decision.type is not None
        figures = view.counted(decision.year, decision.type)
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
                uncertain=view.uncertain(decision.year, decision.type, [source]),
                sentence=f"Beslutet anger summa {what} {{stated}} för {noun} {decision.year}",
                money=True,
            )
            if item:
                out.append(item)
    return out


def _decision_scope(
    ledger: Ledger, context: Context, code: str, view: YearTypes
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
    kinds_by_year = view.kinds_by_year
    for year in sorted(set(ledger.rounds) | view.years):
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
    in_scope = _years_with(ledger, PAYMENTS)
    for year in years(ledger):
        if year not in in_scope:
            context.skip(code, year, NO_PAYMENTS)
    apps = table_of(ledger, APPLICATIONS)
    payments = table_of(ledger, PAYMENTS)
    codes = id_codes(ledger, APPLICATIONS)
    ids = ledger.ids
    accounts = ledger.account_columns
    year, has_year = apps.whole("År")
    granted, _has_granted = apps.whole("Beviljat belopp")
    scope = (codes >= 0) & has_year & isin(year, in_scope)
    duplicated = per_code(ids.applications, codes, 0) > 1
    bad_granted = apps.bad("Beviljat belopp")
    count = per_code(accounts.payments, codes, 0)
    paid = per_code(accounts.paid, codes, 0)
    pay_codes = id_codes(ledger, PAYMENTS)
    broken_codes = pay_codes[payments.bad("Belopp") & (pay_codes >= 0)]
    broken = isin(codes, set(broken_codes.tolist())) & (codes >= 0)
    decided = isin(year, [y for y, r in ledger.rounds.items() if r.decided])
    wrong = (count == 0) & decided | (count > 0) & (paid != granted * 100)
    candidates = scope & (duplicated | bad_granted | (granted != 0) & (broken | wrong))
    by_code = _grouped(pay_codes, ids.size)
    app_ids = apps.objects("Id")
    out: list[Finding] = []
    for position in np.flatnonzero(candidates).tolist():
        app_id = app_ids[position]
        app_year = int(year[position])
        row = int(apps.rows[position])
        if duplicated[position]:
            context.skip(
                code, app_year, f"Id {app_id} förekommer flera gånger i Ansökningar", app_id
            )
            continue
        if bad_granted[position]:
            where = _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], row)
            context.skip(code, app_year, f"{app_id}: {where}", app_id)
            continue
        number = int(codes[position])
        booked = _positions(by_code, number)
        rows = [int(payments.rows[p]) for p in booked]
        broken_rows = [r for p, r in zip(booked, rows, strict=True) if payments.bad("Belopp")[p]]
        if broken_rows:
            where = _invalid(ledger, PAYMENTS, ["Belopp"], broken_rows[0])
            context.skip(code, app_year, f"{app_id}: {where}", app_id)
            continue
        app_granted = int(granted[position])
        if not booked:
            out.append(
                finding(
                    code,
                    APPLICATIONS,
                    ledger.cell(APPLICATIONS, "Beviljat belopp", row),
                    row,
                    f"Beviljat {message_kr(app_granted)} men ingenting är utbetalt",
                    expected=app_granted,
                    found=0,
                    id=app_id,
                )
            )
            continue
        paid_kr = _kr(paid[position])
        granted_kr = Decimal(app_granted)
        listing = ", ".join(str(r) for r in rows)
        count_text = plural(len(rows), "utbetalning", "utbetalningar")
        more = "mer" if paid_kr > granted_kr else "mindre"
        out.append(
            finding(
                code,
                PAYMENTS,
                ledger.cell(PAYMENTS, "Belopp", rows[-1]) if len(rows) == 1 else None,
                rows[-1] if len(rows) == 1 else rows[0],
                f"Utbetalt {message_kr(paid_kr)} ({count_text}, rad {listing}) men beviljat "
                f"{message_kr(app_granted)}: {message_kr(abs(paid_kr - granted_kr))} {more} "
                "än beviljat",
                expected=app_granted,
                found=paid_kr,
                id=app_id,
            )
        )
    return out


def _paid_without_grant(ledger: Ledger, context: Context) -> list[Finding]:
    code = "LUM-R004"
    needs = ((APPLICATIONS, "Beviljat belopp"), (PAYMENTS, "Id"), (PAYMENTS, "Belopp"))
    if _missing(ledger, context, code, needs):
        return []
    payments = table_of(ledger, PAYMENTS)
    if not len(payments):
        context.skip(code, None, NO_PAYMENTS)
        return []
    apps = table_of(ledger, APPLICATIONS)
    positions = _application_of(ledger, PAYMENTS)
    resolved = positions >= 0
    granted, has_granted = apps.whole("Beviljat belopp")
    app_granted = per_code(granted, positions, 0)
    app_bad = per_code(apps.bad("Beviljat belopp"), positions, False)
    amount, _present = payments.ore("Belopp")
    bad = payments.bad("Belopp")
    candidates = ~resolved | bad | app_bad | (amount != 0) & (app_granted == 0)
    app_ids = apps.objects("Id")
    years_, has_year = apps.whole("År")
    out: list[Finding] = []
    for index in np.flatnonzero(candidates).tolist():
        position = int(positions[index])
        if position < 0:
            _resolve(ledger, context, code, PAYMENTS, index)
            continue
        app_id = app_ids[position]
        app_year = int(years_[position]) if has_year[position] else None
        row = int(payments.rows[index])
        if bad[index] or app_bad[index]:
            cells = (
                _invalid(ledger, PAYMENTS, ["Belopp"], row)
                if bad[index]
                else _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], int(apps.rows[position]))
            )
            context.skip(code, app_year, f"{app_id}: {cells}", app_id)
            continue
        value = payments.objects("Belopp")[index]
        shown = "0 kr (avslag)" if has_granted[position] else "tomt (inget beslut)"
        out.append(
            finding(
                code,
                PAYMENTS,
                ledger.cell(PAYMENTS, "Belopp", row),
                row,
                f"Utbetalning {message_kr(value)} till en ansökan utan beviljat belopp "
                f"(beviljat: {shown})",
                expected=0,
                found=value,
                id=app_id,
            )
        )
    return out


# --- R005-R010: reports ------------------------------------------------------------------------------


def check_reports(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R005 to LUM-R010: reports missing after their due date, what a report states against
    the ledger and against its own lines, and the unspent funds against the repayments."""
    in_scope = _years_with(ledger, REPORTS)
    all_years = years(ledger)
    out = _report_missing(ledger, context, in_scope, all_years)
    out += _report_grant(ledger, context, in_scope, all_years)
    out += _stated_sum(
        ledger,
        context,
        code="LUM-R007",
        column="Summa intäkter",
        lines=REPORT_INCOME_LINES,
        noun="intäktsraderna",
        scope=(in_scope, all_years),
    )
    out += _stated_sum(
        ledger,
        context,
        code="LUM-R008",
        column="Summa kostnader",
        lines=REPORT_COST_LINES,
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
    apps = table_of(ledger, APPLICATIONS)
    codes = id_codes(ledger, APPLICATIONS)
    year, has_year = apps.whole("År")
    granted, _has_granted = apps.whole("Beviljat belopp")
    reported = per_code(ledger.account_columns.reports, codes, 0) > 0
    projects = (
        (codes >= 0)
        & has_year
        & isin(year, in_scope)
        & (apps.index_of("Typ", APPLICATION_TYPES) == APPLICATION_TYPES.index(PROJECT))
    )
    overdue = isin(year, [y for y in in_scope if today > report_due_date(y)])
    bad = apps.bad("Beviljat belopp")
    candidates = projects & (bad | (granted != 0) & ~reported & overdue)
    out: list[Finding] = []
    for position in np.flatnonzero(candidates).tolist():
        app_id = apps.objects("Id")[position]
        app_year = int(year[position])
        row = int(apps.rows[position])
        if bad[position]:
            where = _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], row)
            context.skip(code, app_year, f"{app_id}: {where}", app_id)
            continue
        app_granted = int(granted[position])
        due = report_due_date(app_year)
        out.append(
            finding(
                code,
                APPLICATIONS,
                ledger.cell(APPLICATIONS, "Id", row),
                row,
                f"Redovisning saknas: beviljat {message_kr(app_granted)} {app_year}, sista dag "
                f"för redovisningen var {due.isoformat()} "
                f"({plural((today - due).days, 'dag', 'dagar')} sedan "
                f"per {today.isoformat()})",
                expected=f"redovisning senast {due.isoformat()}",
                found=None,
                id=app_id,
            )
        )
    return out


def _report_grant(
    ledger: Ledger, context: Context, in_scope: set[int], all_years: list[int]
) -> list[Finding]:
    """LUM-R006: a report's ``Beviljat belopp`` differs from the ledger's grant."""
    code = "LUM-R006"
    needs = ((APPLICATIONS, "Beviljat belopp"), (REPORTS, "Id"), (REPORTS, "Beviljat belopp"))
    if _missing(ledger, context, code, needs):
        return []
    _report_scope(context, code, in_scope, all_years)
    apps = table_of(ledger, APPLICATIONS)
    reports = table_of(ledger, REPORTS)
    positions = _application_of(ledger, REPORTS)
    granted, has_granted = apps.whole("Beviljat belopp")
    app_granted = per_code(granted, positions, 0)
    app_has = per_code(has_granted, positions, False)
    app_bad = per_code(apps.bad("Beviljat belopp"), positions, False)
    stated, has_stated = reports.ore("Beviljat belopp")
    report_bad = reports.bad("Beviljat belopp")
    candidates = (
        (positions < 0)
        | report_bad
        | app_bad
        | ~has_stated
        | ~app_has
        | (stated != app_granted * 100)
    )
    years_, has_year = apps.whole("År")
    out: list[Finding] = []
    for index in np.flatnonzero(candidates).tolist():
        position = int(positions[index])
        if position < 0:
            _resolve(ledger, context, code, REPORTS, index)
            continue
        app_id = apps.objects("Id")[position]
        app_year = int(years_[position]) if has_year[position] else None
        row = int(reports.rows[index])
        value = reports.objects("Beviljat belopp")[index]
        if report_bad[index] or app_bad[index]:
            where = REPORTS if report_bad[index] else APPLICATIONS
            at = row if where == REPORTS else int(apps.rows[position])
            invalid = _invalid(ledger, where, ["Beviljat belopp"], at)
            context.skip(code, app_year, f"{app_id}: {invalid}", app_id)
            continue
        if value is None:
            context.skip(
                code, app_year, f"{app_id}: redovisningen anger inget beviljat belopp", app_id
            )
            continue
        ledger_grant = int(granted[position]) if has_granted[position] else None
        if ledger_grant is not None and value == ledger_grant:
            continue
        if ledger_grant is None:
            message = (
                f"Redovisningen anger beviljat belopp {message_kr(value)} men liggaren har inget "
                "beviljat belopp"
            )
        else:
            diff = value - ledger_grant
            message = (
                f"Redovisningen anger beviljat belopp {message_kr(value)} men liggaren har "
                f"{message_kr(ledger_grant)} ({message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} i redovisningen)"
            )
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Beviljat belopp", row),
                row,
                message,
                expected=ledger_grant,
                found=value,
                id=app_id,
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


def _report_label(ledger: Ledger, index: int, position: int) -> str:
    """What a report is about: its application's Id, else its own Id, else its row."""
    if position >= 0:
        app_id: str = table_of(ledger, APPLICATIONS).objects("Id")[position]
        return app_id
    reports = table_of(ledger, REPORTS)
    own: str | None = reports.objects("Id")[index]
    return own or f"{REPORTS} rad {int(reports.rows[index])}"


def _report_year(ledger: Ledger, position: int) -> int | None:
    return None if position < 0 else table_of(ledger, APPLICATIONS).int_at("År", position)


def _report_id(ledger: Ledger, index: int, position: int) -> str | None:
    """The Id a report's finding names: its application's, else its own."""
    if position >= 0:
        app_id: str | None = table_of(ledger, APPLICATIONS).objects("Id")[position]
        return app_id
    own: str | None = table_of(ledger, REPORTS).objects("Id")[index]
    return own


def _stated_sum(
    ledger: Ledger,
    context: Context,
    *,
    code: str,
    column: str,
    lines: Sequence[str],
    noun: str,
    scope: tuple[set[int], list[int]],
) -> list[Finding]:
    """LUM-R007 and LUM-R008: a report's stated ``column`` against the sum of its ``lines``;
    ``scope`` is (the years with a report, every year)."""
    if _missing(ledger, context, code, [(REPORTS, "Id"), (REPORTS, column)]):
        return []
    if _line_columns_missing(ledger, context, code, [lines]):
        return []
    _report_scope(context, code, *scope)
    reports = table_of(ledger, REPORTS)
    positions = _application_of(ledger, REPORTS)
    computed = line_sums(ledger, lines)
    stated, has_stated = reports.ore(column)
    bad = reports.bad_any(column, *lines)
    candidates = bad | ~has_stated | (stated != computed)
    out: list[Finding] = []
    for index in np.flatnonzero(candidates).tolist():
        position = int(positions[index])
        row = int(reports.rows[index])
        label = _report_label(ledger, index, position)
        year = _report_year(ledger, position)
        own_id = reports.objects("Id")[index]
        broken = _bad(reports, index, column, *lines)
        if broken:
            where = _invalid(ledger, REPORTS, broken, row)
            context.skip(code, year, f"{label}: {where}", own_id)
            continue
        value = reports.objects(column)[index]
        if value is None:
            context.skip(code, year, f"{label}: {column} anges inte i redovisningen", own_id)
            continue
        total = _kr(computed[index])
        diff = value - total
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, column, row),
                row,
                f"{column} ({message_kr(value)}) stämmer inte med {noun} "
                f"({message_kr(total)}): {message_kr(abs(diff))} "
                f"{'för mycket' if diff > 0 else 'för lite'}",
                expected=total,
                found=value,
                id=_report_id(ledger, index, position),
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
    reports = table_of(ledger, REPORTS)
    positions = _application_of(ledger, REPORTS)
    income = line_sums(ledger, REPORT_INCOME_LINES)
    costs = line_sums(ledger, REPORT_COST_LINES)
    lines = (*REPORT_INCOME_LINES, *REPORT_COST_LINES)
    candidates = reports.bad_any(*lines) | (costs > income)
    out: list[Finding] = []
    for index in np.flatnonzero(candidates).tolist():
        position = int(positions[index])
        row = int(reports.rows[index])
        broken = _bad(reports, index, *lines)
        if broken:
            where = _invalid(ledger, REPORTS, broken, row)
            context.skip(
                code,
                _report_year(ledger, position),
                f"{_report_label(ledger, index, position)}: {where}",
                reports.objects("Id")[index],
            )
            continue
        income_kr, costs_kr = _kr(income[index]), _kr(costs[index])
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Summa kostnader", row) if has_sum else None,
                row,
                f"Kostnaderna ({message_kr(costs_kr)}) överstiger intäkterna "
                f"({message_kr(income_kr)}) med {message_kr(costs_kr - income_kr)}",
                expected=income_kr,
                found=costs_kr,
                id=_report_id(ledger, index, position),
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
    apps = table_of(ledger, APPLICATIONS)
    reports = table_of(ledger, REPORTS)
    repayments = table_of(ledger, REPAYMENTS)
    ids = ledger.ids
    positions = _application_of(ledger, REPORTS)
    resolved = positions >= 0
    lines = (*REPORT_INCOME_LINES, *REPORT_COST_LINES)
    report_bad = reports.bad_any("Ej förbrukat", *lines)
    app_bad = per_code(apps.bad("Beviljat belopp"), positions, False)
    valid = resolved & ~report_bad & ~app_bad
    unspent = unspent_ore(ledger)
    stated = reports.ore("Ej förbrukat")[0]  # a blank counts as 0
    years_, has_year = apps.whole("År")
    out: list[Finding] = []
    for index in np.flatnonzero(~valid | (stated != unspent)).tolist():
        position = int(positions[index])
        if position < 0:
            _resolve(ledger, context, code, REPORTS, index)
            continue
        app_id = apps.objects("Id")[position]
        app_year = int(years_[position]) if has_year[position] else None
        row = int(reports.rows[index])
        if not valid[index]:
            broken = _bad(reports, index, "Ej förbrukat", *lines)
            cells = (
                _invalid(ledger, REPORTS, broken, row)
                if broken
                else _invalid(ledger, APPLICATIONS, ["Beviljat belopp"], int(apps.rows[position]))
            )
            context.skip(code, app_year, f"{app_id}: {cells}", app_id)
            continue
        value = reports.objects("Ej förbrukat")[index]
        found_kr, due_kr = _kr(stated[index]), _kr(unspent[index])
        diff = found_kr - due_kr
        out.append(
            finding(
                code,
                REPORTS,
                ledger.cell(REPORTS, "Ej förbrukat", row),
                row,
                f"Ej förbrukat anges till {message_kr(value)} men enligt raderna är "
                f"{message_kr(due_kr)} ej förbrukat ({message_kr(abs(diff))} "
                f"{'för mycket' if diff > 0 else 'för lite'})",
                expected=due_kr,
                found=found_kr if value is None else value,
                id=app_id,
            )
        )

    # What is due per application: its last valid report (by Inlämnad, the later row on a tie),
    # in the order each application's first valid report comes.
    report_codes = id_codes(ledger, REPORTS)
    valid_at = np.flatnonzero(valid)
    last_first = valid_at[np.lexsort((valid_at, reports.days("Inlämnad")[valid_at]))]
    due_report = np.full(ids.size, -1, dtype=np.int64)
    due_report[report_codes[last_first]] = last_first
    due_codes = report_codes[valid_at]
    _unique, first = np.unique(due_codes, return_index=True)
    due_order = due_codes[np.sort(first)]

    back = _application_of(ledger, REPAYMENTS)
    for index in np.flatnonzero(back < 0).tolist():
        _resolve(ledger, context, code, REPAYMENTS, index)
    back_year = per_code(years_, back, 0)
    kept = (back >= 0) & per_code(has_year, back, False) & isin(back_year, in_scope)
    back_codes = np.where(kept, id_codes(ledger, REPAYMENTS), -1)
    kept_codes = back_codes[kept]
    _unique, first = np.unique(kept_codes, return_index=True)
    reported = ledger.account_columns.reports
    for number in kept_codes[np.sort(first)].tolist():
        if due_report[number] < 0 and reported[number] == 0:
            position = int(ids.application[number])
            app_id = apps.objects("Id")[position]
            context.skip(
                code,
                int(years_[position]),
                f"{app_id}: återbetalning utan redovisning; vad som ska återbetalas är okänt",
                app_id,
            )

    repaid = sum_by(back_codes, repayments.ore("Belopp")[0], ids.size)
    broken_codes = set(back_codes[kept & repayments.bad("Belopp")].tolist())
    owed = unspent[due_report[due_order]] if len(due_order) else np.zeros(0, dtype=np.int64)
    differs = (repaid[due_order] != owed) | isin(due_order, broken_codes)
    by_code = _grouped(back_codes, ids.size)
    for number in due_order[differs].tolist():
        index = int(due_report[number])
        position = int(positions[index])
        app_id = apps.objects("Id")[position]
        app_year = int(years_[position]) if has_year[position] else None
        booked = _positions(by_code, number)
        rows = [int(repayments.rows[p]) for p in booked]
        unreadable = [r for p, r in zip(booked, rows, strict=True) if repayments.bad("Belopp")[p]]
        if unreadable:
            where = _invalid(ledger, REPAYMENTS, ["Belopp"], unreadable[0])
            context.skip(code, app_year, f"{app_id}: {where}", app_id)
            continue
        repaid_kr, due_kr = _kr(repaid[number]), _kr(unspent[index])
        diff = repaid_kr - due_kr
        report_row = int(reports.rows[index])
        if len(rows) == 1:
            sheet, cell, row = REPAYMENTS, ledger.cell(REPAYMENTS, "Belopp", rows[0]), rows[0]
        elif rows:
            sheet, cell, row = REPAYMENTS, None, rows[0]
        else:
            sheet, cell, row = (
                REPORTS,
                ledger.cell(REPORTS, "Ej förbrukat", report_row),
                report_row,
            )
        listing = (
            f" ({len(rows)} återbetalningar, rad {', '.join(str(r) for r in rows)})"
            if len(rows) > 1
            else ""
        )
        out.append(
            finding(
                code,
                sheet,
                cell,
                row,
                f"Återbetalt {message_kr(repaid_kr)}{listing} men {message_kr(due_kr)} ska "
                f"återbetalas ({message_kr(abs(diff))} {'för mycket' if diff > 0 else 'för lite'})",
                expected=due_kr,
                found=repaid_kr,
                id=app_id,
            )
        )
    return out


# --- R011: multi-year projects -----------------------------------------------------------------------


def check_projects(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-R011: ``Tidigare beviljat`` against earlier years' grants; ``Projektår`` steps by one."""
    import pandas as pd

    code = "LUM-R011"
    if _missing(ledger, context, code, [(APPLICATIONS, "År")]):
        return []
    table = ledger.sheet(APPLICATIONS)
    has_key = table is not None and table.has("Projekt")
    apps = table_of(ledger, APPLICATIONS)
    with_id = id_codes(ledger, APPLICATIONS) >= 0
    year, has_year = apps.whole("År")
    earlier, has_earlier = apps.whole("Tidigare beviljat")
    granted, has_granted = apps.whole("Beviljat belopp")
    project_year, has_project_year = apps.whole("Projektår")
    app_ids = apps.objects("Id")
    # The chains of Ledger.projects: rows with a Projekt and a year, numbered by first appearance.
    keys = apps.keys_of("Projekt")  # numbered by first appearance, as Ledger.projects' chains
    in_chain = has_year & (keys >= 0)
    chain = np.full(len(apps), -1, dtype=np.int64)
    chain[in_chain] = pd.factorize(keys[in_chain])[0]
    # Members with an Id, by chain, year and row: what "earlier years" sums over.
    members = np.flatnonzero(in_chain & with_id)
    members = members[np.lexsort((apps.rows[members], year[members], chain[members]))]
    first_year = int(year[has_year].min()) if has_year.any() else 0
    span = (int(year[has_year].max()) - first_year + 2) if has_year.any() else 1
    place = chain[members] * span + (year[members] - first_year)
    member_grants = granted[members]
    if member_grants.size and float(np.abs(member_grants.astype(np.float64)).sum()) >= 2**62:
        member_grants = np.array([int(v) for v in member_grants.tolist()], dtype=object)
    amounts = np.concatenate(([0], np.cumsum(member_grants)))
    unknown = np.concatenate(([0], np.cumsum(~has_granted[members])))

    out: list[Finding] = []
    stated = with_id & has_earlier & has_year
    flagged = with_id & ~stated & apps.bad("Tidigare beviljat")
    looked = stated & in_chain & has_key
    start = np.searchsorted(place, chain * span, side="left")
    end = np.searchsorted(place, chain * span + (year - first_year), side="left")
    recorded = amounts[end] - amounts[start]
    missing_grants = unknown[end] - unknown[start]
    wrong = looked & ((missing_grants > 0) | (recorded != earlier))
    for position in np.flatnonzero(flagged | (stated & ~looked) | wrong).tolist():
        app_id = app_ids[position]
        app_year = int(year[position]) if has_year[position] else None
        row = int(apps.rows[position])
        if flagged[position]:
            where = _invalid(ledger, APPLICATIONS, ["Tidigare beviljat"], row)
            context.skip(code, app_year, f"{app_id}: {where}", app_id)
            continue
        if not looked[position]:
            context.skip(
                code,
                app_year,
                f"{app_id}: Tidigare beviljat anges men Projekt saknas; tidigare år kan inte "
                "knytas till ansökan",
                app_id,
            )
            continue
        before = members[start[position] : end[position]].tolist()
        unknown_ids = [app_ids[p] or "" for p in before if not has_granted[p]]
        if unknown_ids:
            context.skip(
                code,
                app_year,
                f"{app_id}: beviljat belopp saknas för {', '.join(unknown_ids)}",
                app_id,
            )
            continue
        total = exact_sum(granted[before]) if before else 0
        stated_earlier = int(earlier[position])
        ids = (
            ", ".join(app_ids[p] or "" for p in before) if before else "inga tidigare år i liggaren"
        )
        diff = stated_earlier - total
        out.append(
            finding(
                code,
                APPLICATIONS,
                ledger.cell(APPLICATIONS, "Tidigare beviljat", row),
                row,
                f"Tidigare beviljat anges till {message_kr(stated_earlier)} men liggaren har "
                f"{message_kr(total)} beviljat tidigare år ({ids}); {message_kr(abs(diff))} "
                f"{'mer' if diff > 0 else 'mindre'} enligt ansökan",
                expected=total,
                found=stated_earlier,
                id=app_id,
            )
        )
    # Projektår steps by one along each chain (rows without an Id or a Projektår neither break
    # nor carry the steps), chains in the order they first appear.
    steps = members[has_project_year[members]]
    if len(steps) > 1:
        before, after = steps[:-1], steps[1:]
        wanted = project_year[before] + (year[after] - year[before])
        broken = (chain[before] == chain[after]) & (project_year[after] != wanted)
        for b, a, w in zip(
            before[broken].tolist(), after[broken].tolist(), wanted[broken].tolist(), strict=True
        ):
            row = int(apps.rows[a])
            out.append(
                finding(
                    code,
                    APPLICATIONS,
                    ledger.cell(APPLICATIONS, "Projektår", row),
                    row,
                    f"Projektår {int(project_year[a])} {int(year[a])} följer inte på projektår "
                    f"{int(project_year[b])} {int(year[b])} ({app_ids[b]}); väntat projektår {w}",
                    expected=w,
                    found=int(project_year[a]),
                    id=app_ids[a],
                )
            )
    return out
