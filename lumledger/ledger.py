"""The ledger, built once by the reader: every sheet as typed columns, every fact as a typed record.

:mod:`lumledger.workbook.reader` turns a workbook into one :class:`Ledger`. Everything else —
the rules, the roll-up, reconciliation, the official tables, the budget cycle and the Excel front
end — asks the ledger, never the raw cells:

* **Columns** (the large path): :class:`Sheet` holds one pandas frame per input sheet, indexed by
  Excel row, with every column of the format already parsed (``Int64`` whole kronor and years,
  ``Decimal`` öre amounts, ``datetime64`` dates, text). Rules over millions of rows work on these
  whole columns.
* **Records** (single facts): :class:`Round`, :class:`Administration`, :class:`Application`,
  :class:`StatedFigures` (a ``Beslut`` row), :class:`Booking` (a payment or repayment) and
  :class:`Report`, each knowing its sheet and Excel row and which of its cells failed parsing
  (``bad``). They are built by keyword, once, the first time they are asked for.
* **Lookups** every service needs: the round of a year, an administration by name and its name
  as ``Förvaltningar`` writes it, the applications of a year and type, an application by Id (or
  the one a booking or report names), what is booked on an application (:class:`Account`, with
  its sums), the multi-year chain of a project, and the year a row or a finding belongs to.

Ids, administration names and project keys are matched as the officers type them: ignoring case
and surrounding spaces (:func:`match_key`). Money is exact: ``int`` whole kronor, ``Decimal`` öre.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from lumledger import ledger_format
from lumledger.findings import Finding
from lumledger.ledger_format import (
    ADMINISTRATIONS,
    APPLICATIONS,
    BUDGET,
    DECISIONS,
    PAYMENTS,
    PROJECT,
    REPAYMENTS,
    REPORT_COST_LINES,
    REPORT_INCOME_LINES,
    REPORTS,
    ROUNDS,
    Kind,
)

if TYPE_CHECKING:
    import pandas as pd

Amount = int | Decimal
ZERO = Decimal(0)
DECIDED_STATUSES: tuple[str, ...] = (ledger_format.STATUS_DECIDED, ledger_format.STATUS_CLOSED)


def match_key(text: str) -> str:
    """How Ids, administration names and project keys are compared: case and spaces ignored."""
    return text.strip().casefold()


# What Python's str.strip() removes from ASCII text (Arrow's own "whitespace" lacks \x1c-\x1f).
_ASCII_SPACE = "".join(chr(code) for code in range(128) if chr(code).isspace())


#: Texts whose every character lowers as it casefolds, in Python and in Arrow alike: ASCII and
#: the Latin-1 letters (Swedish among them) but ß and µ, which casefold to other letters; no-break
#: space and the other whitespace beyond ASCII are outside, so ``ascii_trim`` is ``str.strip()``.
LOWERS_AS_IT_CASEFOLDS = r"^[\x00-\x7f\x{c0}-\x{de}\x{e0}-\x{ff}]*$"


def text_array(series: pd.Series) -> Any:
    """A column as one Arrow string array when every cell is text or empty (a text column's
    without a copy), else ``None`` (the caller then goes value by value)."""
    import pandas as pd
    import pyarrow as pa

    try:
        if isinstance(series.dtype, pd.StringDtype):
            return pa.array(series.array)
        return pa.array(series.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def match_keys(series: pd.Series) -> pd.Series:
    """:func:`match_key` of every text cell of a column (other values kept), as a series with the
    same index: the whole-column form, one home for every rule and roll-up that matches keys.

    A million Ids are not casefolded one Python call each: ASCII and Latin-1 texts (nearly all,
    Swedish names among them) are trimmed and lowered by Arrow as whole arrays (for them
    ``casefold`` is ``lower``), the others by :func:`match_key`. A column that is not all text is
    mapped cell by cell."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = text_array(series)
    if texts is None:
        return series.map(lambda value: match_key(value) if isinstance(value, str) else value)
    keys = pc.utf8_lower(pc.ascii_trim(texts, _ASCII_SPACE))
    other = pc.invert(pc.match_substring_regex(texts, LOWERS_AS_IT_CASEFOLDS).fill_null(True))
    if pc.any(other).as_py():
        unusual = texts.filter(other).to_pylist()
        keys = pc.replace_with_mask(
            keys, other, pa.array([match_key(text) for text in unusual], type=keys.type)
        )
    return pd.Series(pd.arrays.ArrowStringArray(keys), index=series.index, name=series.name)


#: Every character ``str.strip()`` removes (``str.isspace``), for Arrow's ``utf8_trim``.
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def stripped_texts(series: pd.Series) -> Any:
    """A text column as :func:`column_values` gives it (text stripped, blank or not text ->
    missing), as an Arrow string array: no Python object per cell."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(series.dtype, pd.StringDtype):
        texts = pa.array(series.array)
    else:
        values = [value if isinstance(value, str) else None for value in series.tolist()]
        texts = pa.array(values, type=pa.large_string())
    texts = pc.utf8_trim(texts, SPACES)
    return pc.if_else(pc.greater(pc.binary_length(texts), 0), texts, pa.scalar(None, texts.type))


def report_due_date(year: int) -> dt.date:
    """The last day for a year's financial report: 28 February of the following year."""
    return dt.date(year + 1, 2, 28)


# --- one sheet as columns --------------------------------------------------------------------------


@dataclass(slots=True)
class Sheet:
    """One input sheet, parsed. ``frame`` has every column of the format (absent ones all empty)
    and is indexed by Excel row number (index name ``row``)."""

    name: str  # the format's name, e.g. "Ansökningar"
    title: str  # the title in the workbook (may differ in case or spaces)
    frame: pd.DataFrame
    letters: dict[str, str]  # column name -> column letter, for columns present in the sheet
    header_row: int = 1
    invalid: set[tuple[int, str]] = field(default_factory=set)  # (row, column) that failed parsing
    extra_columns: dict[str, str] = field(default_factory=dict)  # unknown header -> letter

    def cell(self, column: str, row: int) -> str | None:
        """``M5`` for column ``Beviljat belopp`` on row 5; ``None`` when the column is absent."""
        letter = self.letters.get(column)
        return f"{letter}{row}" if letter else None

    def has(self, column: str) -> bool:
        return column in self.letters

    @property
    def rows(self) -> list[int]:
        """The Excel rows of the sheet's non-empty data rows, in order."""
        return [int(row) for row in self.frame.index.tolist()]

    def values(self, column: str) -> list[Any]:
        """Column ``column`` as plain Python values, one per row (see :func:`column_values`)."""
        return column_values(self.frame, self.name, column)

    def bad_columns(self) -> list[frozenset[str]]:
        """Per row (aligned with :attr:`rows`), the columns whose cell failed parsing."""
        if not self.invalid:
            return [_NO_COLUMNS] * len(self.frame)
        by_row: dict[int, set[str]] = {}
        for row, column in self.invalid:
            by_row.setdefault(int(row), set()).add(column)
        frozen = {row: frozenset(columns) for row, columns in by_row.items()}
        return [frozen.get(row, _NO_COLUMNS) for row in self.rows]


_NO_COLUMNS: frozenset[str] = frozenset()


# --- records ----------------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Round:
    """A row of ``Omgångar``: one application round."""

    sheet: ClassVar[str] = ROUNDS
    row: int
    year: int | None
    opens: dt.date | None = None
    closes: dt.date | None = None
    frame_projects: int | None = None
    frame_visits: int | None = None
    max_granted_per_administration: int | None = None
    max_amount_projects: int | None = None
    max_amount_visits: int | None = None
    decided_on: dt.date | None = None
    diary_number: str | None = None
    status: str | None = None
    bad: frozenset[str] = _NO_COLUMNS

    @property
    def state(self) -> str:
        """``Status``, blank meaning ``Öppen``."""
        return self.status or ledger_format.STATUS_OPEN

    @property
    def decided(self) -> bool:
        """Whether the round is ``Beslutad`` or ``Stängd``."""
        return self.status in DECIDED_STATUSES

    def frame(self, kind: str) -> int | None:
        """``Ram projekt`` or ``Ram studiebesök``."""
        return self.frame_projects if kind == PROJECT else self.frame_visits

    def max_amount(self, kind: str) -> int | None:
        """``Max belopp projekt`` or ``Max belopp studiebesök``."""
        return self.max_amount_projects if kind == PROJECT else self.max_amount_visits

    @property
    def max_granted(self) -> int:
        """``Max beviljade per förvaltning``, blank meaning 2."""
        limit = self.max_granted_per_administration
        return ledger_format.DEFAULT_MAX_GRANTED_PER_ADMINISTRATION if limit is None else limit


@dataclass(slots=True, kw_only=True)
class Administration:
    """A row of ``Förvaltningar``: who may apply."""

    sheet: ClassVar[str] = ADMINISTRATIONS
    row: int
    name: str | None
    full_name: str | None = None
    type: str | None = None
    cost_centre: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    bad: frozenset[str] = _NO_COLUMNS

    def valid_in(self, year: int | None) -> bool:
        """Whether the administration may apply in ``year`` (an unknown year: yes)."""
        if year is None:
            return True
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass(slots=True, kw_only=True)
class Application:
    """A row of ``Ansökningar``: one application for one year."""

    sheet: ClassVar[str] = APPLICATIONS
    row: int
    id: str | None
    year: int | None
    type: str | None
    administration: str | None
    name: str | None = None
    project: str | None = None
    project_year: int | None = None
    earlier_granted: int | None = None
    applied: int | None = None
    granted: int | None = None
    granted_at_decision: int | None = None
    bad: frozenset[str] = _NO_COLUMNS
    key: str | None = field(init=False, repr=False, compare=False)  # the Id as Ids are matched

    def __post_init__(self) -> None:
        self.key = None if self.id is None else match_key(self.id)

    @property
    def is_project(self) -> bool:
        return self.type == PROJECT

    @property
    def report_due(self) -> dt.date | None:
        """A project's report is due 28 February of the following year; study visits report none."""
        return report_due_date(self.year) if self.is_project and self.year is not None else None


@dataclass(slots=True, kw_only=True)
class ApplicationDetails:
    """What an application says beyond its figures: the texts the official tables print and the
    budget cycle carries into the next year (:meth:`Ledger.details`). Kept apart from
    :class:`Application` so that reconciling or rolling up a large ledger never reads them: they
    are most of its text."""

    row: int
    co_applicants: str | None = None
    purpose: str | None = None
    assessment: str | None = None
    decision: str | None = None
    received: dt.date | None = None
    cost_centre: str | None = None
    account: str | None = None


@dataclass(slots=True, kw_only=True)
class ApplicationForm:
    """What an application's form states beyond the format-1 columns (issue 15): the project
    period, the total applied for all years, the own budget per year, the department and who
    signed when (:meth:`Ledger.form_of`). Only rows with one of these cells filled have one."""

    row: int
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    applied_total: int | None = None
    own_budget: int | None = None  # per year
    department: str | None = None
    signed_by: str | None = None
    signed_on: dt.date | None = None
    bad: frozenset[str] = _NO_COLUMNS

    @property
    def period_years(self) -> list[int] | None:
        """The calendar years the project period touches (``None`` without a whole period)."""
        if self.period_from is None or self.period_to is None:
            return None
        return list(range(self.period_from.year, self.period_to.year + 1))


@dataclass(slots=True, kw_only=True)
class BudgetItem:
    """A row of ``Budget``: one line of an application's budget as its form states it."""

    sheet: ClassVar[str] = BUDGET
    row: int
    id: str | None
    part: str | None  # Kostnader / Intäkter
    item: str | None  # Post
    specification: str | None = None
    amount: Decimal | None = None
    year: int | None = None  # None: per year of the project
    report_line: str | None = None  # the Redovisningar column it is reported in
    bad: frozenset[str] = _NO_COLUMNS
    key: str | None = field(init=False, repr=False, compare=False)  # the Id as Ids are matched

    def __post_init__(self) -> None:
        self.key = None if self.id is None else match_key(self.id)


@dataclass(slots=True, kw_only=True)
class StatedFigures:
    """A row of ``Beslut``: the four figures the committee's decision states for a year and type."""

    sheet: ClassVar[str] = DECISIONS
    row: int
    year: int | None
    type: str | None
    applications: int | None = None
    administrations: int | None = None
    applied: int | None = None
    granted: int | None = None
    bad: frozenset[str] = _NO_COLUMNS


@dataclass(slots=True, kw_only=True)
class Booking:
    """A row of ``Utbetalningar`` (a payment) or ``Återbetalningar`` (a repayment)."""

    sheet: str
    row: int
    id: str | None
    date: dt.date | None = None
    amount: Decimal | None = None
    voucher: str | None = None
    bad: frozenset[str] = _NO_COLUMNS
    key: str | None = field(init=False, repr=False, compare=False)  # the Id as Ids are matched

    def __post_init__(self) -> None:
        self.key = None if self.id is None else match_key(self.id)


@dataclass(slots=True, kw_only=True)
class Report:
    """A row of ``Redovisningar``: a project's financial report as it states it."""

    sheet: ClassVar[str] = REPORTS
    row: int
    id: str | None
    submitted: dt.date | None = None
    amounts: dict[str, Decimal | None] = field(default_factory=dict)  # every amount column
    bad: frozenset[str] = _NO_COLUMNS
    # The report form's boxes and signatory (issue 15): "Ja"/"Nej" as written, blank when unknown.
    attested: str | None = None  # Intygat genomfört
    unspent_ticked: str | None = None  # Ej förbrukat kryssad
    manager: str | None = None  # Ansvarig chef
    key: str | None = field(init=False, repr=False, compare=False)  # the Id as Ids are matched

    income: Decimal = field(init=False, repr=False, compare=False)
    costs: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = None if self.id is None else match_key(self.id)
        # The sums of the income and the cost lines (a blank line counts as 0), not the stated sums.
        amounts = self.amounts
        income = costs = ZERO
        for line in REPORT_INCOME_LINES:
            income += amounts.get(line) or ZERO
        for line in REPORT_COST_LINES:
            costs += amounts.get(line) or ZERO
        self.income, self.costs = income, costs

    def unspent(self, granted: Amount | None) -> Decimal:
        """``min(Beviljat, max(0, income lines - cost lines))``: what is to be repaid."""
        surplus = max(ZERO, self.income - self.costs)
        return surplus if granted is None else min(Decimal(granted), surplus)


@dataclass(slots=True, kw_only=True)
class Account:
    """What is booked on one application: its payments, repayments and reports, in ledger order."""

    payments: list[Booking] = field(default_factory=list)
    repayments: list[Booking] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        """Paid in all (blank amounts count as 0)."""
        return _booked(self.payments)

    @property
    def repaid(self) -> Decimal:
        """Repaid in all (blank amounts count as 0)."""
        return _booked(self.repayments)

    @property
    def report(self) -> Report | None:
        """The last report submitted (by ``Inlämnad``; the later row on a tie)."""
        reports = self.reports
        if len(reports) < 2:
            return reports[0] if reports else None
        last = reports[0]
        for report in reports[1:]:
            if (report.submitted or dt.date.min) >= (last.submitted or dt.date.min):
                last = report
        return last


def _booked(bookings: list[Booking]) -> Decimal:
    total = ZERO
    for booking in bookings:
        total += booking.amount or ZERO
    return total


# --- the ledger --------------------------------------------------------------------------------------

R = TypeVar("R")


class Ledger:
    """A parsed ledger: its sheets as columns, its facts as records, and the lookups on them.

    ``findings`` are those of reading (structure and cell parsing); the rules add the rest.
    """

    def __init__(
        self,
        *,
        name: str,
        sheets: dict[str, Sheet],
        findings: list[Finding],
        missing_sheets: list[str] | None = None,
        hidden: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.sheets = sheets
        self.findings = findings
        self.missing_sheets = list(missing_sheets or [])
        # What the reader saw but the values do not show (hidden rows, sheets …), by kind.
        self.hidden = dict(hidden or {})
        # Sheet -> row -> year, filled one sheet at a time by year_of.
        self._row_years: dict[str, dict[int, int | None]] = {}
        # Sheet -> its columns as arrays, made by columns() the first time a sheet is asked for.
        self._columns: dict[str, SheetColumns] = {}

    def __repr__(self) -> str:
        return f"Ledger({self.name!r}, sheets={list(self.sheets)})"

    # --- columns ---

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    def frame(self, name: str) -> pd.DataFrame:
        """The sheet's frame, or an empty frame with the format's columns when the sheet is absent."""
        sheet = self.sheets.get(name)
        return sheet.frame if sheet is not None else empty_frame(name)

    def cell(self, sheet: str, column: str, row: int) -> str | None:
        found = self.sheets.get(sheet)
        return found.cell(column, row) if found is not None else None

    def columns(self, name: str) -> SheetColumns | None:
        """The sheet's columns as arrays (:class:`SheetColumns`), ``None`` when it is absent."""
        found = self._columns.get(name)
        if found is None:
            sheet = self.sheets.get(name)
            if sheet is None:
                return None
            found = self._columns[name] = SheetColumns(sheet)
        return found

    @cached_property
    def ids(self) -> IdIndex:
        """The matched Ids of Ansökningar, Utbetalningar, Återbetalningar and Redovisningar,
        numbered once (the columnar twin of :meth:`application_of` and :attr:`accounts`)."""
        import numpy as np
        import pandas as pd

        keyed = [
            name
            for name in (APPLICATIONS, PAYMENTS, REPAYMENTS, REPORTS)
            if self.sheets.get(name) is not None
        ]
        keys = [self._sheet_columns(name).keys for name in keyed]
        everything = np.concatenate(keys) if keys else np.empty(0, dtype=object)
        numbers, distinct = pd.factorize(everything, use_na_sentinel=True)
        numbers = numbers.astype(np.int64)
        codes: dict[str, Any] = {}
        start = 0
        for name, part in zip(keyed, keys, strict=True):
            codes[name] = numbers[start : start + len(part)]
            start += len(part)
        size = len(distinct)
        apps = codes.get(APPLICATIONS, np.zeros(0, dtype=np.int64))
        with_id = apps >= 0
        count = np.bincount(apps[with_id], minlength=size).astype(np.int64)
        application = np.full(size, -1, dtype=np.int64)
        positions = np.flatnonzero(with_id)
        application[apps[positions]] = positions
        application[count != 1] = -1
        return IdIndex(codes=codes, size=size, applications=count, application=application)

    def _sheet_columns(self, name: str) -> SheetColumns:
        found = self.columns(name)
        assert found is not None
        return found

    @cached_property
    def account_columns(self) -> AccountColumns:
        """What is booked on each Id as arrays (:class:`AccountColumns`, numbered by :attr:`ids`)."""
        import numpy as np

        ids = self.ids
        size = ids.size
        sums: dict[str, tuple[Any, Any]] = {}
        for name in (PAYMENTS, REPAYMENTS):
            table = self.columns(name)
            if table is None:
                sums[name] = (np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64))
                continue
            codes = ids.codes[name]
            counted = np.bincount(codes[codes >= 0], minlength=size).astype(np.int64)
            sums[name] = (counted, sum_by(codes, table.ore("Belopp")[0], size))
        report = np.full(size, -1, dtype=np.int64)
        reports = np.zeros(size, dtype=np.int64)
        table = self.columns(REPORTS)
        if table is not None:
            codes = ids.codes[REPORTS]
            reports = np.bincount(codes[codes >= 0], minlength=size).astype(np.int64)
            positions = np.flatnonzero(codes >= 0)
            # The last by Inlämnad (blank: before any date), the later row on a tie.
            order = positions[np.lexsort((positions, table.days("Inlämnad")[positions]))]
            report[codes[order]] = order  # the last assignment per Id wins
        return AccountColumns(
            payments=sums[PAYMENTS][0],
            paid=sums[PAYMENTS][1],
            repayments=sums[REPAYMENTS][0],
            repaid=sums[REPAYMENTS][1],
            reports=reports,
            report=report,
        )

    @cached_property
    def _application_positions(self) -> dict[str, int]:
        """Matched Id -> the position of the one application with it (none for duplicated Ids)."""
        apps = self.columns(APPLICATIONS)
        if apps is None:
            return {}
        positions = self.ids.application_of(APPLICATIONS)
        return {
            key: position
            for key, position in zip(apps.keys.tolist(), positions.tolist(), strict=True)
            if position >= 0
        }

    def application_position(self, id_: str | None) -> int:
        """The position in Ansökningar of the application with Id ``id_`` (as :meth:`application`
        finds it), -1 when no application or more than one has it."""
        return -1 if id_ is None else self._application_positions.get(match_key(id_), -1)

    def application_at(self, position: int) -> Application:
        """The application on the ``position``-th data row of Ansökningar (one record, built from
        the columns, unless the records of the whole sheet are there already)."""
        return self.applications_at([position])[0]

    def applications_at(self, positions: list[int]) -> list[Application]:
        """The applications on these data rows of Ansökningar (:meth:`application_at` for many:
        each column read once for all of them)."""
        built: list[Application] | None = self.__dict__.get("applications")
        if built is not None or not positions:
            return [built[p] for p in positions] if built is not None else []
        table = self._sheet_columns(APPLICATIONS)
        columns = [table.values_at(name, positions) for name in _APPLICATION_COLUMNS]
        return [
            _application(int(table.rows[p]), list(values), table.bad_at(p))
            for p, values in zip(positions, zip(*columns, strict=True), strict=True)
        ]

    def report_at(self, position: int) -> Report:
        """The report on the ``position``-th data row of Redovisningar (one record)."""
        return self.reports_at([position])[0]

    def reports_at(self, positions: list[int]) -> list[Report]:
        """The reports on these data rows of Redovisningar (:meth:`report_at` for many)."""
        built: list[Report] | None = self.__dict__.get("reports")
        if built is not None or not positions:
            return [built[p] for p in positions] if built is not None else []
        table = self._sheet_columns(REPORTS)
        columns = [table.values_at(name, positions) for name in _REPORT_COLUMNS]
        return [
            _report(int(table.rows[p]), list(values), table.bad_at(p))
            for p, values in zip(positions, zip(*columns, strict=True), strict=True)
        ]

    def _records(self, name: str, make: Callable[[Sheet], Iterator[R]]) -> list[R]:
        sheet = self.sheets.get(name)
        return [] if sheet is None else list(make(sheet))

    # --- records ---

    @cached_property
    def round_rows(self) -> list[Round]:
        """Every row of ``Omgångar``, in order (duplicated years included)."""
        return self._records(ROUNDS, _rounds)

    @cached_property
    def rounds(self) -> dict[int, Round]:
        """Year -> its round (the first ``Omgångar`` row for that year), in year order."""
        out: dict[int, Round] = {}
        for item in self.round_rows:
            if item.year is not None and item.year not in out:
                out[item.year] = item
        return dict(sorted(out.items()))

    def round_of(self, year: int | None) -> Round | None:
        return None if year is None else self.rounds.get(year)

    @cached_property
    def administration_rows(self) -> list[Administration]:
        return self._records(ADMINISTRATIONS, _administrations)

    @cached_property
    def administrations(self) -> dict[str, Administration]:
        """Matched name (:func:`match_key`) -> the first ``Förvaltningar`` row with that name."""
        out: dict[str, Administration] = {}
        for item in self.administration_rows:
            if item.name is not None:
                out.setdefault(match_key(item.name), item)
        return out

    @property
    def administration_names(self) -> list[str]:
        """Every administration's name as ``Förvaltningar`` writes it, in the sheet's order."""
        return [a.name for a in self.administrations.values() if a.name is not None]

    def administration(self, name: str | None) -> Administration | None:
        return None if name is None else self.administrations.get(match_key(name))

    def canonical_name(self, name: str) -> str:
        """An administration's name as ``Förvaltningar`` writes it (the name itself when unknown)."""
        found = self.administration(name)
        return found.name if found is not None and found.name is not None else name.strip()

    @cached_property
    def applications(self) -> list[Application]:
        """Every row of ``Ansökningar``, in order (rows without an Id included)."""
        return self._records(APPLICATIONS, _applications)

    def details(self, app: Application) -> ApplicationDetails:
        """The texts of an application (co-applicants, purpose, assessment, decision, received,
        cost centre, payment account); read for the whole sheet the first time one is asked for."""
        return self._details_by_row.get(app.row) or ApplicationDetails(row=app.row)

    @cached_property
    def _details_by_row(self) -> dict[int, ApplicationDetails]:
        return {item.row: item for item in self._records(APPLICATIONS, _details)}

    @cached_property
    def _forms_by_row(self) -> dict[int, ApplicationForm]:
        sheet = self.sheets.get(APPLICATIONS)
        if sheet is None or not any(sheet.has(name) for name in _FORM_COLUMNS):
            return {}
        return {item.row: item for item in _application_forms(sheet)}

    @property
    def application_forms(self) -> dict[int, ApplicationForm]:
        """Excel row -> what that application's form states (only rows with some of it filled)."""
        return self._forms_by_row

    def form_of(self, app: Application) -> ApplicationForm | None:
        """What ``app``'s form states beyond the format-1 columns; ``None`` when none of it is
        filled in (no project period, total, own budget, department or signature)."""
        return self._forms_by_row.get(app.row)

    @cached_property
    def budget_items(self) -> list[BudgetItem]:
        """Every row of ``Budget``, in order."""
        return self._records(BUDGET, _budget_items)

    @cached_property
    def _budget_by_key(self) -> dict[str, list[BudgetItem]]:
        return _by_key(self.budget_items)

    def budget_of(self, app: Application) -> list[BudgetItem]:
        """The budget lines of ``app`` (by its Id), in ledger order."""
        return [] if app.key is None else list(self._budget_by_key.get(app.key, []))

    @cached_property
    def _applications_by_key(self) -> tuple[dict[str, Application], frozenset[str]]:
        seen: dict[str, Application] = {}
        duplicated: set[str] = set()
        for app in self.applications:
            key = app.key
            if key is None:
                continue
            if key in seen:
                duplicated.add(key)
            else:
                seen[key] = app
        for key in duplicated:
            del seen[key]
        return seen, frozenset(duplicated)

    def application(self, id_: str | None) -> Application | None:
        """The application with Id ``id_`` (case and spaces ignored); ``None`` when no
        application or more than one has it (see :attr:`duplicated_ids`)."""
        return None if id_ is None else self._applications_by_key[0].get(match_key(id_))

    def application_of(self, item: Booking | Report | BudgetItem) -> Application | None:
        """The application a payment, repayment or report is booked on (by its Id, as
        :meth:`application` finds it)."""
        return None if item.key is None else self._applications_by_key[0].get(item.key)

    @property
    def duplicated_ids(self) -> frozenset[str]:
        """Matched Ids (:func:`match_key`) that more than one application has."""
        return self._applications_by_key[1]

    @cached_property
    def _by_year_type(self) -> dict[tuple[int | None, str | None], list[Application]]:
        out: dict[tuple[int | None, str | None], list[Application]] = {}
        for app in self.applications:
            out.setdefault((app.year, app.type), []).append(app)
        return out

    @cached_property
    def _by_year(self) -> dict[int | None, list[Application]]:
        out: dict[int | None, list[Application]] = {}
        for app in self.applications:
            out.setdefault(app.year, []).append(app)
        return out

    def applications_of(self, year: int | None, kind: str | None = None) -> list[Application]:
        """The applications of ``year`` (and type ``kind``; ``None`` = both), in ledger order."""
        if kind is not None:
            return list(self._by_year_type.get((year, kind), []))
        return list(self._by_year.get(year, []))

    @property
    def year_types(self) -> list[tuple[int | None, str | None]]:
        """Every (År, Typ) pair the applications have, as written (invalid ones included)."""
        return list(self._by_year_type)

    @cached_property
    def years(self) -> list[int]:
        """Every year with a round or an application, ascending."""
        found = set(self.rounds) | {a.year for a in self.applications if a.year is not None}
        return sorted(found)

    @cached_property
    def decisions(self) -> list[StatedFigures]:
        """Every row of ``Beslut``, in order."""
        return self._records(DECISIONS, _decisions)

    def decision_of(self, year: int, kind: str) -> StatedFigures | None:
        """The first ``Beslut`` row for ``year`` and ``kind``."""
        return next((d for d in self.decisions if d.year == year and d.type == kind), None)

    @cached_property
    def payments(self) -> list[Booking]:
        return self._records(PAYMENTS, _bookings)

    @cached_property
    def repayments(self) -> list[Booking]:
        return self._records(REPAYMENTS, _bookings)

    @cached_property
    def reports(self) -> list[Report]:
        return self._records(REPORTS, _reports)

    @cached_property
    def accounts(self) -> dict[str, Account]:
        """Matched Id -> what is booked on it, for every Id with a payment, repayment or report."""
        payments = _by_key(self.payments)
        repayments = _by_key(self.repayments)
        reports = _by_key(self.reports)
        return {
            key: Account(
                payments=payments.get(key) or [],
                repayments=repayments.get(key) or [],
                reports=reports.get(key) or [],
            )
            for key in {**payments, **repayments, **reports}
        }

    def account(self, id_: str | None) -> Account:
        """What is booked on the application with Id ``id_`` (an empty account when nothing)."""
        found = None if id_ is None else self.accounts.get(match_key(id_))
        return found if found is not None else Account()

    @cached_property
    def projects(self) -> dict[str, list[Application]]:
        """Matched ``Projekt`` key -> its project applications with a year, by year then row."""
        out: dict[str, list[Application]] = {}
        for app in self.applications:
            if app.project and app.year is not None:
                out.setdefault(match_key(app.project), []).append(app)
        for chain in out.values():
            chain.sort(key=lambda a: (a.year or 0, a.row))
        return out

    def project_chain(self, key: str | None) -> list[Application]:
        """The multi-year chain of project ``key`` (``Projekt``), earliest year first."""
        return [] if not key else list(self.projects.get(match_key(key), []))

    def year_of(self, sheet: str | None, row: int | None, id_: str | None = None) -> int | None:
        """The budget year a finding or a row belongs to: with an Id, the ``År`` of the
        application with that Id (``None`` when no application or more than one has it);
        without, the row's own ``År`` (Omgångar, Ansökningar, Beslut) or, for a booking or a
        report, the year of the application its Id names."""
        if id_ is not None:
            position = self.application_position(id_)
            return (
                None if position < 0 else self._sheet_columns(APPLICATIONS).int_at("År", position)
            )
        if sheet is None or row is None:
            return None
        years = self._row_years.get(sheet)
        if years is None:
            years = self._row_years[sheet] = self._years_of_rows(sheet)
        return years.get(row)

    def _years_of_rows(self, sheet: str) -> dict[int, int | None]:
        dated: dict[str, list[Round] | list[StatedFigures]] = {
            ROUNDS: self.round_rows,
            DECISIONS: self.decisions,
        }
        if sheet in dated:
            return {item.row: item.year for item in dated[sheet]}
        if sheet in (APPLICATIONS, PAYMENTS, REPAYMENTS, REPORTS):  # by columns
            table = self.columns(sheet)
            if table is None:
                return {}
            if sheet == APPLICATIONS:
                years, present = table.whole("År")
            else:
                apps = self.columns(APPLICATIONS)
                if apps is None:  # no application: no row has a year
                    return dict.fromkeys(table.rows.tolist())
                positions = self.ids.application_of(sheet)
                app_years, app_present = apps.whole("År")
                years = app_years[positions]
                present = (positions >= 0) & app_present[positions]
            return dict(
                zip(
                    table.rows.tolist(),
                    [
                        y if p else None
                        for y, p in zip(years.tolist(), present.tolist(), strict=True)
                    ],
                    strict=True,
                )
            )
        booked: dict[str, list[BudgetItem]] = {BUDGET: self.budget_items}
        out: dict[int, int | None] = {}
        for item in booked.get(sheet, []):
            app = self.application_of(item)
            out[item.row] = app.year if app is not None else None
        return out


Keyed = TypeVar("Keyed", Booking, Report, BudgetItem)


def _by_key(items: list[Keyed]) -> dict[str, list[Keyed]]:
    """Items with an Id, grouped by matched Id, in ledger order."""
    out: dict[str, list[Keyed]] = {}
    for item in items:
        key = item.key
        if key:
            group = out.get(key)
            if group is None:
                out[key] = [item]
            else:
                group.append(item)
    return out


# --- building the records from the columns (by keyword, once) ----------------------------------------


def _columns(sheet: Sheet, names: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sheet`` as tuples: the Excel row, then ``names`` as plain values, then ``bad``."""
    return zip(
        sheet.rows, *(sheet.values(name) for name in names), sheet.bad_columns(), strict=True
    )


def _rounds(sheet: Sheet) -> Iterator[Round]:
    names = (
        "År",
        "Ansökan öppnar",
        "Ansökan stänger",
        "Ram projekt",
        "Ram studiebesök",
        "Max beviljade per förvaltning",
        "Max belopp projekt",
        "Max belopp studiebesök",
        "Beslutsdatum",
        "Diarienummer",
        "Status",
    )
    for row, year, opens, closes, fp, fv, mg, mp, mv, decided, dnr, status, bad in _columns(
        sheet, names
    ):
        yield Round(
            row=row,
            year=year,
            opens=opens,
            closes=closes,
            frame_projects=fp,
            frame_visits=fv,
            max_granted_per_administration=mg,
            max_amount_projects=mp,
            max_amount_visits=mv,
            decided_on=decided,
            diary_number=dnr,
            status=status,
            bad=bad,
        )


def _administrations(sheet: Sheet) -> Iterator[Administration]:
    names = ("Namn", "Fullständigt namn", "Typ", "KST", "Giltig från", "Giltig till")
    for row, name, full_name, kind, kst, valid_from, valid_to, bad in _columns(sheet, names):
        yield Administration(
            row=row,
            name=name,
            full_name=full_name,
            type=kind,
            cost_centre=kst,
            valid_from=valid_from,
            valid_to=valid_to,
            bad=bad,
        )


_APPLICATION_COLUMNS: tuple[str, ...] = (
    "Id",
    "År",
    "Typ",
    "Förvaltning",
    "Namn",
    "Projekt",
    "Projektår",
    "Tidigare beviljat",
    "Sökt belopp",
    "Beviljat belopp",
    "Beviljat vid beslut",
)


def _applications(sheet: Sheet) -> Iterator[Application]:
    # Personal data (Kontaktperson, E-post) is not read; the texts are read by _details.
    for row, *values, bad in _columns(sheet, _APPLICATION_COLUMNS):
        yield _application(row, values, bad)


def _application(row: int, values: list[Any], bad: frozenset[str]) -> Application:
    """An application from its row and the values of :data:`_APPLICATION_COLUMNS`."""
    (
        id_,
        year,
        kind,
        administration,
        name,
        project,
        project_year,
        earlier_granted,
        applied,
        granted,
        granted_at_decision,
    ) = values
    return Application(
        row=row,
        id=id_,
        year=year,
        type=kind,
        administration=administration,
        name=name,
        project=project,
        project_year=project_year,
        earlier_granted=earlier_granted,
        applied=applied,
        granted=granted,
        granted_at_decision=granted_at_decision,
        bad=bad,
    )


def _details(sheet: Sheet) -> Iterator[ApplicationDetails]:
    names = ("Medsökande", "Syfte", "Utvärdering", "Beslut", "Inkom", "KST", "Betalkonto")
    for row, co_applicants, purpose, assessment, decision, received, kst, account in zip(
        sheet.rows, *(sheet.values(name) for name in names), strict=True
    ):
        yield ApplicationDetails(
            row=row,
            co_applicants=co_applicants,
            purpose=purpose,
            assessment=assessment,
            decision=decision,
            received=received,
            cost_centre=kst,
            account=account,
        )


def _decisions(sheet: Sheet) -> Iterator[StatedFigures]:
    names = (
        "År",
        "Typ",
        "Antal ansökningar",
        "Antal förvaltningar",
        "Summa sökt",
        "Summa beviljat",
    )
    for row, year, kind, applications, administrations, applied, granted, bad in _columns(
        sheet, names
    ):
        yield StatedFigures(
            row=row,
            year=year,
            type=kind,
            applications=applications,
            administrations=administrations,
            applied=applied,
            granted=granted,
            bad=bad,
        )


def _bookings(sheet: Sheet) -> Iterator[Booking]:
    for row, id_, date, amount, voucher, bad in _columns(
        sheet, ("Id", "Datum", "Belopp", "Verifikation")
    ):
        yield Booking(
            sheet=sheet.name, row=row, id=id_, date=date, amount=amount, voucher=voucher, bad=bad
        )


_REPORT_AMOUNTS: tuple[str, ...] = tuple(
    c.name for c in ledger_format.COLUMNS[REPORTS] if c.kind is Kind.KR
)


_REPORT_COLUMNS: tuple[str, ...] = (
    "Id",
    "Inlämnad",
    "Intygat genomfört",
    "Ej förbrukat kryssad",
    "Ansvarig chef",
    *_REPORT_AMOUNTS,
)


def _reports(sheet: Sheet) -> Iterator[Report]:
    for row, *values, bad in _columns(sheet, _REPORT_COLUMNS):
        yield _report(row, values, bad)


def _report(row: int, values: list[Any], bad: frozenset[str]) -> Report:
    """A report from its row and the values of :data:`_REPORT_COLUMNS`."""
    id_, submitted, attested, ticked, manager, *amounts = values
    return Report(
        row=row,
        id=id_,
        submitted=submitted,
        amounts=dict(zip(_REPORT_AMOUNTS, amounts, strict=True)),
        bad=bad,
        attested=attested,
        unspent_ticked=ticked,
        manager=manager,
    )


_FORM_COLUMNS: tuple[str, ...] = ledger_format.FORM_COLUMNS[APPLICATIONS]


def _application_forms(sheet: Sheet) -> Iterator[ApplicationForm]:
    """The rows of ``Ansökningar`` with one of the form's cells filled (the others are skipped
    in one vectorised step)."""
    present = [name for name in _FORM_COLUMNS if name in sheet.frame.columns]
    filled = sheet.frame[present].notna().any(axis=1).to_numpy()
    if not filled.any():
        return
    frame = sheet.frame[present][filled]  # the form's columns only, of the rows with one filled
    rows = [int(row) for row in frame.index.tolist()]
    values = [column_values(frame, sheet.name, name) for name in _FORM_COLUMNS]
    bad_by_row = dict(zip(sheet.rows, sheet.bad_columns(), strict=True))
    for position, row in enumerate(rows):
        first, last, total, own, department, signed_by, signed_on = (
            column[position] for column in values
        )
        yield ApplicationForm(
            row=row,
            period_from=first,
            period_to=last,
            applied_total=total,
            own_budget=own,
            department=department,
            signed_by=signed_by,
            signed_on=signed_on,
            bad=bad_by_row.get(row, _NO_COLUMNS),
        )


def _budget_items(sheet: Sheet) -> Iterator[BudgetItem]:
    names = ("Id", "Del", "Post", "Specifikation", "Belopp", "År", "Redovisningsrad")
    for row, id_, part, item, spec, amount, year, line, bad in _columns(sheet, names):
        yield BudgetItem(
            row=row,
            id=id_,
            part=part,
            item=item,
            specification=spec,
            amount=amount,
            year=year,
            report_line=line,
            bad=bad,
        )


# --- plain values from the columns --------------------------------------------------------------------


def column_values(frame: pd.DataFrame, sheet: str, name: str) -> list[Any]:
    """Column ``name`` of a frame of ``sheet`` as plain Python values, one per row: text stripped
    (blank -> None), years, counts and whole kronor as ``int``, kronor with öre as ``Decimal``,
    dates as ``date``, empty cells ``None``. A column the frame lacks is all ``None``."""
    import pandas as pd

    if name not in frame.columns:
        return [None] * len(frame)
    series = frame[name]
    kind = ledger_format.column(sheet, name).kind
    if kind is Kind.TEXT:
        return [(v.strip() or None) if isinstance(v, str) else None for v in series.tolist()]
    if kind is Kind.KR:
        return [v if v is None or type(v) is Decimal else to_decimal(v) for v in series.tolist()]
    if kind is Kind.DATE and series.dtype.kind == "M":  # datetime64
        codes, distinct = pd.factorize(series)
        return _decode(codes, distinct.to_numpy().astype("datetime64[D]").tolist())
    if kind is Kind.DATE:
        return [to_date(v) for v in series.tolist()]
    if isinstance(series.dtype, pd.Int64Dtype):
        codes, distinct = pd.factorize(series)
        return _decode(codes, distinct.tolist())
    return [to_int(v) for v in series.tolist()]


def _decode(codes: Any, distinct: list[Any]) -> list[Any]:
    """``pandas.factorize``'s codes as values: one object per distinct value (so a year or a date
    is shared by all its rows, not made again for each), None for an empty cell (code -1)."""
    return list(map([*distinct, None].__getitem__, codes.tolist()))


def to_int(value: Any) -> int | None:
    """A frame's Int64 value as ``int`` or ``None``."""
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return int(value)


def to_decimal(value: Any) -> Decimal | None:
    """A frame's amount (Int64 whole kronor or Decimal öre) as ``Decimal`` or ``None``."""
    if isinstance(value, Decimal):
        return value
    number = to_int(value)
    return None if number is None else Decimal(number)


def to_date(value: Any) -> dt.date | None:
    """A frame's date value (``datetime64``/``Timestamp``/``NaT``) as ``datetime.date`` or ``None``."""
    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date()


def empty_series(kind: Kind, length: int) -> Any:
    """A column of ``length`` empty cells of ``kind``, typed as the reader types that kind."""
    import numpy as np
    import pandas as pd

    if kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
        return pd.array([pd.NA] * length, dtype="Int64")
    if kind is Kind.DATE:
        return np.full(length, np.datetime64("NaT"), dtype="datetime64[s]")
    return np.full(length, None, dtype=object)


def empty_frame(sheet: str) -> pd.DataFrame:
    """A frame with every column of ``sheet`` and no rows."""
    import pandas as pd

    spec = ledger_format.COLUMNS[sheet]
    return pd.DataFrame(
        {col.name: empty_series(col.kind, 0) for col in spec},
        index=pd.Index([], name="row", dtype="int64"),
    )


# --- the sheets as arrays (the large path) -----------------------------------------------------------


class SheetColumns:
    """One sheet's columns as numpy arrays, for whole-column work over every row without a
    record per row (:meth:`Ledger.columns`). Positions are those of the sheet's frame (its
    ``n``-th data row); each column is converted the first time it is asked for, with the
    values :func:`column_values` gives (text stripped, blank -> ``None``)."""

    def __init__(self, sheet: Sheet) -> None:
        import numpy as np

        self.sheet = sheet
        self.rows = sheet.frame.index.to_numpy(dtype=np.int64)
        self._cache: dict[tuple[str, str], Any] = {}
        self._kinds = {c.name: c.kind for c in ledger_format.COLUMNS[sheet.name]}

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, column: str) -> bool:
        return self.sheet.has(column)

    def _cached(self, what: str, column: str, make: Callable[[], Any]) -> Any:
        found = self._cache.get((what, column))
        if found is None:
            found = self._cache[(what, column)] = make()
        return found

    def values(self, column: str) -> list[Any]:
        """The column as plain Python values (:func:`column_values`), one per row."""
        return self._cached("values", column, lambda: self.sheet.values(column))  # type: ignore[no-any-return]

    def objects(self, column: str) -> Any:
        """:meth:`values` as a numpy object array."""
        import numpy as np

        def make() -> Any:
            out = np.empty(len(self.rows), dtype=object)
            out[:] = self.values(column)
            return out

        return self._cached("objects", column, make)

    def values_at(self, column: str, positions: list[int]) -> list[Any]:
        """The cells of these rows as :meth:`values` gives them (a few records built from the
        columns): a text or whole-number column is not converted whole for them."""
        import numpy as np

        if not positions:
            return []
        found = self._cache.get(("objects", column))
        kind = self._kinds[column]
        at = np.array(positions, dtype=np.int64)
        if found is None and kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
            values, present = self.whole(column)
            return [
                v if p else None
                for v, p in zip(values[at].tolist(), present[at].tolist(), strict=True)
            ]
        if found is None and kind is Kind.TEXT:
            distinct = self._cache.get(("distinct", column))
            if distinct is not None:
                texts = [*distinct[1], None]
                return [texts[code] for code in distinct[0][at].tolist()]
            frame = self.sheet.frame
            if column not in frame.columns:
                return [None] * len(positions)
            cells = frame[column].array.take(at).tolist()
            return [(v.strip() or None) if isinstance(v, str) else None for v in cells]
        return self.objects(column)[at].tolist()  # type: ignore[no-any-return]

    def distinct(self, column: str) -> tuple[Any, list[Any]]:
        """A text column by its distinct texts: (per row the number of its text, -1 for an empty
        cell; the texts as :meth:`values` gives them, in order of first appearance). Each
        distinct text is stripped once, so a column of few texts costs no Python call per row."""
        import numpy as np
        import pandas as pd

        def make() -> tuple[Any, list[Any]]:
            frame = self.sheet.frame
            if column not in frame.columns:
                return np.full(len(self.rows), -1, dtype=np.int64), []
            if len(self.rows) < _SMALL:
                return _factorized(self.values(column))
            codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
            texts = [(v.strip() or None) if isinstance(v, str) else None for v in uniques.tolist()]
            return codes.astype(np.int64), texts

        return self._cached("distinct", column, make)  # type: ignore[no-any-return]

    def index_of(self, column: str, values: tuple[str, ...]) -> Any:
        """Per row: the position of its (text) value among ``values``, -1 for any other."""
        import numpy as np

        def make() -> Any:
            codes, texts = self.distinct(column)
            found = [values.index(t) if t in values else -1 for t in texts]
            return np.array([*found, -1], dtype=np.int64)[codes]

        return self._cached(f"index_of {values!r}", column, make)

    def blank(self, column: str) -> Any:
        """Which rows' (text) ``column`` is empty."""
        import numpy as np

        codes, texts = self.distinct(column)
        return np.array([t is None for t in texts] + [True], dtype=bool)[codes]

    def keys_of(self, column: str) -> Any:
        """Per row: the number of its text's :func:`match_key` (-1 for a blank), numbered by
        first appearance; ``match_key`` runs once per distinct text."""
        import numpy as np
        import pandas as pd

        def make() -> Any:
            codes, texts = self.distinct(column)
            keys = np.array([None if t is None else match_key(t) for t in texts], dtype=object)
            numbers, _unique = pd.factorize(keys, use_na_sentinel=True)
            return np.append(numbers.astype(np.int64), -1)[codes]

        return self._cached("keys_of", column, make)

    def whole(self, column: str) -> tuple[Any, Any]:
        """A year, count or whole-kronor column: (``int64`` values, 0 where blank; present)."""
        import numpy as np
        import pandas as pd

        def make() -> tuple[Any, Any]:
            frame = self.sheet.frame
            if column in frame.columns and isinstance(frame[column].dtype, pd.Int64Dtype):
                series = frame[column]
                return (
                    series.to_numpy(dtype=np.int64, na_value=0),
                    series.notna().to_numpy(dtype=bool),
                )
            values = self.values(column)
            present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
            return np.array([v or 0 for v in values], dtype=np.int64), present

        return self._cached("whole", column, make)  # type: ignore[no-any-return]

    def ore(self, column: str) -> tuple[Any, Any]:
        """A kronor column in öre: (``int64`` öre, 0 where blank; present). Exact: the reader
        keeps at most two decimals, and each distinct amount is converted once."""
        import numpy as np
        import pandas as pd

        def make() -> tuple[Any, Any]:
            if len(self.rows) < _SMALL:
                codes, amounts = _factorized(self.values(column))
            else:
                codes, uniques = pd.factorize(self.objects(column), use_na_sentinel=True)
                amounts = uniques.tolist()
            present = codes >= 0
            ore = np.array([int(Decimal(v) * 100) for v in amounts] + [0], dtype=object)
            if not ore.size or max(abs(int(v)) for v in ore) < 2**62:
                ore = ore.astype(np.int64)
            return ore[codes], present

        return self._cached("ore", column, make)  # type: ignore[no-any-return]

    def days(self, column: str) -> Any:
        """A date column as ``int64`` days, blank as the smallest ``int64`` (before any date)."""
        import numpy as np

        def make() -> Any:
            series = self.sheet.frame[column] if column in self.sheet.frame.columns else None
            if series is not None and series.dtype.kind == "M":
                days = series.to_numpy().astype("datetime64[D]").astype(np.int64)
                return days  # NaT is the smallest int64
            epoch = dt.date(1970, 1, 1)
            blank = np.iinfo(np.int64).min
            return np.array(
                [blank if v is None else (v - epoch).days for v in self.values(column)],
                dtype=np.int64,
            )

        return self._cached("days", column, make)

    def bad(self, column: str) -> Any:
        """Which rows' ``column`` failed parsing."""
        import numpy as np

        def make() -> Any:
            rows = [row for row, name in self.sheet.invalid if name == column]
            return np.isin(self.rows, np.array(rows, dtype=np.int64))

        return self._cached("bad", column, make)

    def bad_any(self, *columns: str) -> Any:
        import numpy as np

        out = np.zeros(len(self.rows), dtype=bool)
        for column in columns:
            out |= self.bad(column)
        return out

    @cached_property
    def bad_by_row(self) -> dict[int, frozenset[str]]:
        """Excel row -> the columns whose cell failed parsing (only rows with one)."""
        by_row: dict[int, set[str]] = {}
        for row, column in self.sheet.invalid:
            by_row.setdefault(int(row), set()).add(column)
        return {row: frozenset(columns) for row, columns in by_row.items()}

    def bad_at(self, position: int) -> frozenset[str]:
        return self.bad_by_row.get(int(self.rows[position]), _NO_COLUMNS)

    def int_at(self, column: str, position: int) -> int | None:
        values, present = self.whole(column)
        return int(values[position]) if present[position] else None

    @cached_property
    def keys(self) -> Any:
        """The matched Id (:func:`match_key`) of every row, ``None`` without an Id."""
        import numpy as np

        out = np.empty(len(self.rows), dtype=object)
        # match_key inline (a million calls): the text is already stripped by values().
        out[:] = [None if v is None else v.strip().casefold() for v in self.values("Id")]
        return out


# Below this many rows a column is numbered by a Python dict: pandas' factorize costs more to call.
_SMALL = 2000


def _factorized(values: list[Any]) -> tuple[Any, list[Any]]:
    """``values`` numbered by first appearance (``None`` -> -1), and the distinct values."""
    import numpy as np

    numbers: dict[Any, int] = {}
    codes = [-1 if v is None else numbers.setdefault(v, len(numbers)) for v in values]
    return np.array(codes, dtype=np.int64), list(numbers)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdIndex:
    """Every matched Id of the keyed sheets numbered once (:attr:`Ledger.ids`): per sheet the
    number of each row's Id (-1 without one), and per number the application that has it."""

    codes: dict[str, Any]  # sheet -> int64 number of each row's Id, -1 without an Id
    size: int  # how many distinct Ids
    applications: Any  # number -> how many Ansökningar rows have it
    application: Any  # number -> position of the one application with it (-1: none or several)

    def application_of(self, sheet: str) -> Any:
        """Per row of ``sheet``: the position of the application its Id names (as
        :meth:`Ledger.application_of` finds it), -1 when none or several have it."""
        import numpy as np

        codes = self.codes.get(sheet)
        if codes is None:
            return np.zeros(0, dtype=np.int64)
        lookup = np.append(self.application, -1)
        return lookup[codes]  # code -1 takes the appended -1


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountColumns:
    """What is booked on each Id (:class:`Account` as arrays, by the numbers of :class:`IdIndex`):
    sums in öre (``int64``, or Python ints in an object array should a sum not fit)."""

    payments: Any  # how many payments
    paid: Any  # öre, blank amounts count as 0
    repayments: Any
    repaid: Any
    reports: Any  # how many reports
    report: (
        Any  # position in Redovisningar of the last report (by Inlämnad, later row on a tie), -1
    )


def sum_by(codes: Any, values: Any, size: int) -> Any:
    """Exact sums of integer ``values`` per code (``0 <= code < size``; others left out): an
    ``int64`` array, or an object array of Python ints where ``int64`` could overflow."""
    import numpy as np

    keep = (codes >= 0) & (codes < size)
    codes, values = codes[keep], values[keep]
    if values.dtype != object and (
        not values.size or float(np.abs(values.astype(np.float64)).sum()) < 2**62
    ):  # the float only bounds the size of the sum; the sum itself is in integers
        out = np.zeros(size, dtype=np.int64)
        np.add.at(out, codes, values.astype(np.int64))
        return out
    out = np.zeros(size, dtype=object)
    np.add.at(out, codes, np.array([int(v) for v in values], dtype=object))
    return out


def ore_to_decimal(value: Any) -> Decimal:
    """An öre figure of :class:`SheetColumns`/:func:`sum_by` as kronor (``Decimal``)."""
    return Decimal(int(value)).scaleb(-2) if int(value) % 100 else Decimal(int(value) // 100)
