"""Neutral tables: what a report says, never how it looks.

Every output lumledger writes for people — the roll-up, the official appendices, the
reconciliation and the findings — is built once as a :class:`Report` of :class:`Table` objects,
and the writers (``text_writer``, ``json_writer``, ``xlsx_writer``, ``docx_writer``,
``csv_writer`` and the Excel sheet writer in :mod:`lumledger.xl.sheets`) render it. A table
holds Python values (``int``, :class:`~decimal.Decimal`, :class:`~fractions.Fraction`,
:class:`~datetime.date`, ``str``, ``None``), never text formatted for one target; its columns
say what *kind* of value they hold. Column widths, wrapping, number formats, fonts and page
set-up belong to the writers alone.

Missing and empty: ``None`` is a value that is missing (no frame stated, no project year) and
is shown as such ("–" in the terminal); :data:`BLANK` is a cell where nothing applies (the
frame in a year's totals row) and is shown as nothing at all.

Standard library only: the command line imports this module on its start-up path.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
from typing import Any, Final, NamedTuple


class ColumnKind(enum.Enum):
    """What the values of a column are; writers choose alignment and number formats from it."""

    TEXT = "text"
    #: A whole number shown as it is, without grouping: a count, a row number, a project year.
    INTEGER = "integer"
    YEAR = "year"
    #: A span of years as ``(first, last)``: ``2020–2021``, or ``2019`` when both are the same.
    YEARS = "years"
    #: An amount: whole kronor as ``int``, öre as :class:`~decimal.Decimal`.
    KRONOR = "kronor"
    #: A figure compared with others of its kind, grouped in thousands: a count or an amount
    #: (``int`` or :class:`~decimal.Decimal`), or a text where the figure is not a number.
    NUMBER = "number"
    #: A share between 0 and 1 as an exact :class:`~fractions.Fraction`, shown as a percentage.
    PERCENT = "percent"
    DATE = "date"
    #: Any of the above, shown by its Python type (a whole number plain, a date as a date).
    VALUE = "value"

    @property
    def is_numeric(self) -> bool:
        """Numbers align right."""
        return self in _NUMERIC


_NUMERIC = frozenset(
    {
        ColumnKind.INTEGER,
        ColumnKind.KRONOR,
        ColumnKind.NUMBER,
        ColumnKind.PERCENT,
    }
)


class _Blank:
    """The type of :data:`BLANK`."""

    _instance: _Blank | None = None

    def __new__(cls) -> _Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BLANK"

    def __bool__(self) -> bool:
        return False


#: A cell where nothing applies: shown as nothing (unlike ``None``, a value that is missing).
BLANK: Final = _Blank()


@dataclass(frozen=True, slots=True)
class Column:
    """One column: a key (stable, for code and JSON), the Swedish heading, the kind of values.

    ``long``: the column holds running text (a purpose, a message), which wraps in sheets and
    documents. ``unit_on_totals``: the totals rows state the unit (``335 450 kr``), as the
    committee's decision prints Bilaga 2. An empty heading means the column needs none (a list
    of lines under the table's title); a table none of whose columns has a heading has no
    header row.
    """

    key: str
    heading: str
    kind: ColumnKind = ColumnKind.TEXT
    long: bool = False
    unit_on_totals: bool = False


class RowKind(enum.Enum):
    BODY = "body"
    #: A sum of the rows above it (a year's total, the appendix's total).
    TOTAL = "total"
    #: A heading over the rows that follow, in place of values: ``values`` is ``(text,)``.
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Link:
    """A cell of the ledger a row is about (a finding's cell); sheets turn it into a hyperlink.

    ``cell`` when the row names one, else ``row`` (its first cell), else the sheet itself.
    """

    sheet: str
    cell: str | None = None
    row: int | None = None

    @property
    def target(self) -> str:
        """``M5``, ``A5`` for a whole row, ``A1`` for the sheet."""
        if self.cell:
            return self.cell
        if self.row is not None:
            return f"A{self.row}"
        return "A1"


class Row(NamedTuple):
    """One row: a value per column (a group row: its heading alone), what it is, its link.

    A named tuple: immutable and cheap, for tables of tens of thousands of rows."""

    values: tuple[Any, ...]
    kind: RowKind = RowKind.BODY
    link: Link | None = None

    @property
    def is_total(self) -> bool:
        return self.kind is RowKind.TOTAL

    @property
    def is_group(self) -> bool:
        return self.kind is RowKind.GROUP


def body(*values: Any, link: Link | None = None) -> Row:
    return Row(values=values, link=link)


def body_rows(values: Iterable[tuple[Any, ...]]) -> list[Row]:
    """A body row for each tuple of values, as :func:`body` makes it, without a Python call per
    row (for tables of hundreds of thousands of rows)."""
    return list(map(tuple.__new__, repeat(Row), zip(values, repeat(RowKind.BODY), repeat(None))))


def total(*values: Any) -> Row:
    return Row(values=values, kind=RowKind.TOTAL)


def group(text: str) -> Row:
    return Row(values=(text,), kind=RowKind.GROUP)


_values = attrgetter("values")
_kind = attrgetter("kind")


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its short ``name`` (a sheet's name), ``title`` (the heading printed above it),
    columns and rows in the order they are shown.

    ``empty`` is what is said in place of the rows when there are none ("Inga studiebesök.");
    ``chart`` asks for the rows (without totals) to be drawn as bars of the kronor columns, one
    bar group per value of the first column.
    """

    name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...] = ()
    title: str | None = None
    empty: str | None = None
    chart: bool = False

    def __post_init__(self) -> None:
        width = len(self.columns)
        lengths = set(map(len, map(_values, self.rows)))
        if lengths <= {width} and (width == 1 or RowKind.GROUP not in map(_kind, self.rows)):
            return  # every row fits (checked by whole-list operations: tables can be large)
        for row in self.rows:
            expected = 1 if row.kind is RowKind.GROUP else width
            if len(row.values) != expected:
                raise ValueError(
                    f"{self.name}: a row has {len(row.values)} values for {expected} columns"
                )

    @property
    def has_header(self) -> bool:
        return any(column.heading for column in self.columns)

    @property
    def headings(self) -> list[str]:
        return [column.heading for column in self.columns]

    @property
    def has_long_text(self) -> bool:
        return any(column.long for column in self.columns)


class ParagraphKind(enum.Enum):
    TEXT = "text"
    HEADING = "heading"
    BULLET = "bullet"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of running text before the tables (a heading has a ``level``, 1 the top)."""

    text: str
    kind: ParagraphKind = ParagraphKind.TEXT
    level: int = 1


@dataclass(frozen=True, slots=True)
class Report:
    """A document of tables: a title, paragraphs before the tables, the tables, closing notes.

    ``reference`` is printed in page headers (``Dnr KS 2018/123``). ``mark`` is printed on every
    page and before the title (a draft's ``UTKAST``). ``editable``: officers edit
    the rows before the document is final, so totals are kept as sums of the rows (formulas in
    a spreadsheet). ``filterable``: officers sort and filter the tables, so a sheet starts with
    the header row and carries a filter.
    """

    title: str | None
    tables: tuple[Table, ...] = ()
    preamble: tuple[Paragraph, ...] = ()
    notes: tuple[str, ...] = ()
    reference: str | None = None
    editable: bool = False
    filterable: bool = False
    mark: str | None = None
