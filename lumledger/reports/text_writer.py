"""Reports as terminal text: aligned columns, Swedish amounts ``3 175 000``, "–" for a value
that is missing.

A report reads: its title and a blank line, its preamble, then each table (a blank line before
every table but the first), then a blank line and each note. A table is one of two shapes:

* a *grid* — its title, the header, a rule of dashes and the rows in aligned columns (numbers to
  the right, text to the left, a text longer than :data:`MAX_CELL` cut with "…");
* a *listing*, for a table with running text (a finding's message), which no column can hold
  aligned — one line per row, the values two spaces apart, no header. Under a title
  (``Title:``) or a group heading the rows are indented two spaces. A :data:`BLANK` value is
  left out of the line.

An empty table shows its title and its ``empty`` text, or nothing when it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from lumledger.reports.layout import formatter
from lumledger.reports.tables import BLANK, ColumnKind, ParagraphKind, Report, Row, RowKind, Table

MISSING = "–"
MAX_CELL = 40
INDENT = "  "


def render_report(report: Report) -> str:
    """The whole report as text, ending with a newline (empty when there is nothing to say)."""
    lines: list[str] = []
    if report.title:
        lines += [report.title, ""]
    for paragraph in report.preamble:
        prefix = "• " if paragraph.kind is ParagraphKind.BULLET else ""
        lines.append(prefix + paragraph.text)
    for i, table in enumerate(report.tables):
        if i:
            lines.append("")
        lines += table_lines(table)
    for note in report.notes:
        lines += ["", note]
    return "\n".join(lines) + "\n" if lines else ""


def table_lines(table: Table) -> list[str]:
    """One table as lines: a listing when it holds running text, else a grid."""
    if table.has_long_text:
        return listing_lines(table)
    return grid_lines(table)


class _Cells:
    """The table's values as text, one formatter per column ("–" for a missing value)."""

    def __init__(self, table: Table) -> None:
        self.plain = [formatter(c.kind, missing=MISSING) for c in table.columns]
        self.totals = [
            formatter(c.kind, unit=True, missing=MISSING) if c.unit_on_totals else plain
            for c, plain in zip(table.columns, self.plain, strict=True)
        ]

    def __call__(self, row: Row) -> list[str]:
        formats = self.totals if row.is_total else self.plain
        return [show(value) for show, value in zip(formats, row.values, strict=True)]


def grid_lines(table: Table) -> list[str]:
    """The grid, built column by column: a roll-up can have hundreds of thousands of rows, so
    each column is formatted, cut, measured and padded by whole-list operations, and the lines
    joined in one go."""
    lines = [table.title] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    # Kinds compared by identity (an enum's hash is a Python call).
    has_groups = RowKind.GROUP in map(_kind, table.rows)
    rows = [r for r in table.rows if not r.is_group] if has_groups else table.rows
    cells = _Cells(table)
    by_column = list(zip(*map(_values, rows), strict=True)) or [() for _ in table.columns]
    texts = [
        column_texts(show, values) for show, values in zip(cells.plain, by_column, strict=True)
    ]
    if cells.totals != cells.plain and RowKind.TOTAL in map(_kind, rows):  # unit on totals
        for i, row in enumerate(rows):
            if row.kind is RowKind.TOTAL:
                for j, text in enumerate(cells(row)):
                    texts[j][i] = text
    for column, shown in zip(table.columns, texts, strict=True):
        if column.kind is ColumnKind.TEXT and max(map(len, shown), default=0) > MAX_CELL:
            shown[:] = [t if len(t) <= MAX_CELL else t[: MAX_CELL - 1] + "…" for t in shown]
    headings = table.headings
    widths = [
        max(len(heading), max(map(len, shown), default=0))
        for heading, shown in zip(headings, texts, strict=True)
    ]
    if table.has_header:
        pattern = "  ".join(
            f"{{:{'>' if column.kind.is_numeric else '<'}{width}}}"
            for column, width in zip(table.columns, widths, strict=True)
        )
        lines.append(pattern.format(*headings).rstrip())
        lines.append("  ".join("-" * width for width in widths))
    padded = [
        list(map(str.rjust if column.kind.is_numeric else str.ljust, shown, repeat(width)))
        for column, shown, width in zip(table.columns, texts, widths, strict=True)
    ]
    body = list(map(str.rstrip, map("  ".join, zip(*padded, strict=True))))
    if not has_groups:
        return lines + body
    formatted = iter(body)
    for row in table.rows:
        lines.append(row.values[0] if row.is_group else next(formatted))
    return lines


def column_texts(show: Callable[[Any], str], values: Sequence[Any]) -> list[str]:
    """``show`` of every value of a column, by whole-list operations where the values allow: a
    text is itself in every kind of column, whole numbers are ``str``, whole kronor grouped by
    Python's own formatting (:func:`lumledger.money.format_kr`); other values once per distinct
    value when they are of types whose equal values read alike, else one call each."""
    types = set(map(type, values))
    if types <= {str}:
        return list(values)
    if types == {int} and show(-1234567) == "-1234567":  # whole numbers shown plain
        distinct = dict.fromkeys(values)
        if len(distinct) * 4 > len(values):
            return list(map(str, values))
        texts = {value: str(value) for value in distinct}  # years, counts
        return list(map(texts.__getitem__, values))
    if types == {int} and show(-1234567) == "-1 234 567":  # grouped as format_kr groups them
        return "\n".join(map(format, values, repeat(","))).replace(",", " ").split("\n")
    if types <= _ALIKE or (
        types == {tuple} and set(map(type, chain.from_iterable(values))) <= {int}
    ):
        shown = {value: show(value) for value in dict.fromkeys(values)}
        return list(map(shown.__getitem__, values))
    return list(map(show, values))


#: Types whose equal values are always shown alike (a span of years is a tuple of ints).
_ALIKE = frozenset({int, str, type(None), type(BLANK)})

_kind = attrgetter("kind")
_values = attrgetter("values")


def listing_lines(table: Table) -> list[str]:
    lines = [f"{table.title}:"] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    cells = _Cells(table)
    indent = INDENT if table.title else ""
    for row in table.rows:
        if row.is_group:
            lines.append(row.values[0])
            indent = INDENT
            continue
        shown = cells(row)
        fields = [text for text, value in zip(shown, row.values, strict=True) if value is not BLANK]
        lines.append(indent + "  ".join(fields))
    return lines
