"""Layout rules the writers share: how a value reads in Swedish, how wide a sheet's column is,
how many lines a wrapped text takes. Standard library only.

One home for each rule, so that the terminal, the workbooks, the documents and the Excel sheets
agree: amounts ``3 175 000`` (a no-break space in documents), a share ``29,0 %``, a date
``2020-02-28``, a span of years ``2020–2021``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from lumledger.money import format_kr
from lumledger.reports.tables import BLANK, Column, ColumnKind, Row, Table

NBSP = "\u00a0"

#: The font of every workbook and document: Arial (Liberation Sans in LibreOffice, same metrics).
FONT = "Arial"
#: The size of a sheet's cells, in points.
CELL_SIZE = 9
#: A sheet's heading wraps to at most this many lines; its column is made wide enough for that
#: and for its longest word, so a printed header is never cut.
HEADER_LINES = 3


# --- values as text -------------------------------------------------------------------------------


def percent(share: Fraction) -> float:
    """A share as a percentage rounded half up to one decimal (:func:`lumledger.rollups.percent`)."""
    from lumledger.rollups import percent as rounded

    value = rounded(share)
    assert value is not None
    return value


def formatter(
    kind: ColumnKind, *, sep: str = " ", unit: bool = False, missing: str = ""
) -> Callable[[Any], str]:
    """A function giving each value of a ``kind`` column as a Swedish reader sees it: amounts
    grouped by ``sep`` (`` kr`` added with ``unit``), a share ``29,0 %``, a date ``ÅÅÅÅ-MM-DD``,
    a span of years ``2020–2021``, yes or no. ``None`` (missing) gives ``missing``;
    :data:`BLANK` (nothing applies) gives ``""``; a text is itself, in any column.

    Made once per column: a large table is formatted with a fast path for the kind's usual type.
    """

    def general(value: Any) -> str:
        if value is None:
            return missing
        if value is BLANK:
            return ""
        if isinstance(value, bool):
            return "ja" if value else "nej"
        if isinstance(value, str):
            return value
        if kind is ColumnKind.PERCENT and isinstance(value, Fraction):
            from lumledger.rollups import format_percent

            return format_percent(value)
        if isinstance(value, tuple):  # a span of years
            first, last = value
            return str(last) if first == last else f"{first}–{last}"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int | Decimal) and kind in _GROUPED:
            text = format_kr(value, sep=sep, unit=unit)
            return text.replace(" kr", f"{NBSP}kr") if sep == NBSP else text
        if isinstance(value, Decimal):
            return format_kr(value, sep=sep)
        return str(value)

    if kind in _GROUPED and sep == " ":

        def amount(value: Any) -> str:
            if type(value) is int:
                return format_kr(value, unit=unit)
            return general(value)

        return amount
    if kind in (ColumnKind.INTEGER, ColumnKind.YEAR, ColumnKind.VALUE):

        def plain(value: Any) -> str:
            return str(value) if type(value) is int else general(value)

        return plain
    if kind is ColumnKind.YEARS:

        def years(value: Any) -> str:
            if type(value) is tuple:
                first, last = value
                return str(last) if first == last else f"{first}–{last}"
            return general(value)

        return years
    if kind is ColumnKind.TEXT:

        def text(value: Any) -> str:
            return value if type(value) is str else general(value)

        return text
    return general


_GROUPED = frozenset({ColumnKind.KRONOR, ColumnKind.NUMBER})


def shown(value: Any, kind: ColumnKind, *, sep: str = " ", unit: bool = False) -> str:
    """One value as text (see :func:`formatter`); ``None`` and :data:`BLANK` are ``""``."""
    return formatter(kind, sep=sep, unit=unit)(value)


def cell_text(table: Table, row: Row, i: int, *, sep: str = " ") -> str:
    """Cell ``i`` of ``row`` as text (a totals row states the unit where the column asks)."""
    column = table.columns[i]
    unit = row.is_total and column.unit_on_totals
    return shown(row.values[i], column.kind, sep=sep, unit=unit)


# --- text in the cells of a sheet or a document ----------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Drop characters that XML (and so xlsx and docx) cannot hold."""
    return _XML_INVALID.sub("", text)


# --- widths of sheet columns ----------------------------------------------------------------------

#: Rows looked at to size a column: enough to see its values, few enough for a large ledger.
_SAMPLE_ROWS = 1000


def sheet_widths(tables: Sequence[Table]) -> list[float]:
    """Column widths in Excel characters for ``tables`` laid out in the same sheet columns.

    Numbers, dates and short texts: their longest value (or the longest word of the heading,
    which wraps) plus a margin; short texts at most 40. Running text (``long``): its longest
    value between 30 and 60 characters, where it wraps.
    """
    widths: list[float] = []
    for table in tables:
        sample = [row for row in table.rows if not row.is_group]
        if len(sample) > _SAMPLE_ROWS:
            sample = sample[:_SAMPLE_ROWS] + [row for row in sample if row.is_total]
        for i, column in enumerate(table.columns):
            texts = (cell_text(table, row, i) for row in sample)
            width = column_width(column, texts)
            if i < len(widths):
                widths[i] = max(widths[i], width)
            else:
                widths.append(width)
    return widths


def column_width(column: Column, texts: Iterable[str]) -> float:
    """The width of one column (see :func:`sheet_widths`), never narrower than its heading needs
    (:func:`heading_width`)."""
    longest = max((len(text) for text in texts), default=0)
    heading = heading_width(column.heading)
    if column.long:
        return float(max(min(max(longest, 30), 60), heading))
    width = longest + 2
    if column.kind is ColumnKind.TEXT:
        return float(max(min(max(width, 8), 40), heading))
    return float(max(width, 8, heading))


def heading_width(heading: str, size_pt: float = CELL_SIZE) -> float:
    """The narrowest column (Excel characters, in halves) that holds ``heading`` in bold without
    breaking a word and in at most :data:`HEADER_LINES` lines."""
    words = heading.split()
    if not words:
        return 0.0
    widest = max(text_width(word, size_pt, bold=True) for word in words)
    width = math.ceil(chars_for(widest) * 2) / 2
    while text_lines(heading, usable_width(width), size_pt, bold=True) > HEADER_LINES:
        width += 0.5
    return width


def usable_width(width_chars: float) -> float:
    """The width in points that text has in a column ``width_chars`` Excel characters wide:
    the column's pixels (Arial 10's digit is 7 px, plus 5) less the cell's padding."""
    return (int(width_chars * 7 + 5) - 6) * 0.75


def chars_for(width_pt: float) -> float:
    """The Excel column width whose :func:`usable_width` is at least ``width_pt``."""
    return (width_pt / 0.75 + 6 - 5 + 1) / 7


# --- wrapped text: lines and row heights -----------------------------------------------------------

# Helvetica/Arial advance widths (1/1000 em) of the printable ASCII characters, from the
# standard AFM metrics; Liberation Sans, which LibreOffice substitutes, has the same metrics.
_ARIAL_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_WIDTH = {chr(32 + i): int(w) for i, w in enumerate(_ARIAL_WIDTHS.split())}
_WIDEST = max(_WIDTH.values())


@lru_cache(maxsize=4096)  # the characters of Swedish text, accents and all, a few hundred
def _char_width(char: str) -> int:
    width = _WIDTH.get(char)
    if width is None:
        base = unicodedata.normalize("NFD", char)[:1]
        width = _WIDTH.get(base, 556)
    return width


def _widths_sum(text: str) -> int:
    """The sum of :func:`_char_width` over ``text`` (printable ASCII looked up in one C loop)."""
    try:
        return sum(map(_WIDTH.__getitem__, text))
    except KeyError:
        return sum(map(_char_width, text))


def _scale(size_pt: float, bold: bool) -> float:
    """Points per 1/1000 em: the size, a bold face's wider letters, a little slack for hinting."""
    return size_pt / 1000 * (1.10 if bold else 1.0) * 1.04


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of ``text`` on one line, in points (with the slack of :func:`text_lines`)."""
    return _widths_sum(text) * _scale(size_pt, bold)


def text_lines(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a cell ``width_pt`` wide (greedy, at spaces).

    Used to set row heights: neither Excel nor LibreOffice reliably grows a row for wrapped
    text in a file it did not lay out itself, so the writer sets the height.
    """
    scale = _scale(size_pt, bold)
    limit = max(width_pt, 1.0)
    if "\n" not in text and len(text) * _WIDEST * scale <= limit:
        return 1  # fits even in the widest characters
    lines = 0
    for paragraph in text.split("\n") or [""]:
        lines += 1
        used = 0.0
        space = _char_width(" ") * scale
        for word in paragraph.split(" "):
            width = _widths_sum(word) * scale
            needed = width if used == 0 else used + space + width
            if needed <= limit:
                used = needed
                continue
            if used > 0:
                lines += 1
            while width > limit:  # a word longer than the line breaks anywhere
                lines += 1
                width -= limit
            used = width
    return lines


def row_height(cells: Sequence[tuple[str, float]], size_pt: float, *, bold: bool = False) -> float:
    """Row height in points for ``cells`` of (text, Excel column width in characters)."""
    line_height = size_pt * 1.2
    most = 1
    for text, width_chars in cells:
        most = max(most, text_lines(text, usable_width(width_chars), size_pt, bold=bold))
    return min(409.0, round(most * line_height + 4, 1))
