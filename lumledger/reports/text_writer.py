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
    return "".join(line + "\n" for line in lines)


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
    """The grid, formatted column by column (a roll-up can have tens of thousands of rows)."""
    lines = [table.title] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    rows = [row for row in table.rows if row.kind is not RowKind.GROUP]
    cells = _Cells(table)
    by_column = list(zip(*(row.values for row in rows), strict=True)) or [() for _ in table.columns]
    texts = [list(map(show, values)) for show, values in zip(cells.plain, by_column, strict=True)]
    if cells.totals != cells.plain:  # a column states its unit on totals rows
        for i, row in enumerate(rows):
            if row.kind is RowKind.TOTAL:
                for j, text in enumerate(cells(row)):
                    texts[j][i] = text
    for column, shown in zip(table.columns, texts, strict=True):
        if column.kind is ColumnKind.TEXT:
            shown[:] = [t if len(t) <= MAX_CELL else t[: MAX_CELL - 1] + "…" for t in shown]
    headings = table.headings
    widths = [
        max([len(heading), *map(len, shown)])
        for heading, shown in zip(headings, texts, strict=True)
    ]
    pattern = "  ".join(
        f"{{:{'>' if column.kind.is_numeric else '<'}{width}}}"
        for column, width in zip(table.columns, widths, strict=True)
    )
    if table.has_header:
        lines.append(pattern.format(*headings).rstrip())
        lines.append("  ".join("-" * width for width in widths))
    formatted = iter(zip(*texts, strict=True))
    for row in table.rows:
        if row.kind is RowKind.GROUP:
            lines.append(row.values[0])
        else:
            lines.append(pattern.format(*next(formatted)).rstrip())
    return lines


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
