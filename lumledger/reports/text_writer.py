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

from collections.abc import Sequence

from lumledger.reports.layout import cell_text
from lumledger.reports.tables import BLANK, ParagraphKind, Report, Row, Table

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


def _cell(table: Table, row: Row, i: int) -> str:
    value = row.values[i]
    if value is None:
        return MISSING
    return cell_text(table, row, i)


def grid_lines(table: Table) -> list[str]:
    lines = [table.title] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    rows: list[Sequence[str]] = []
    for row in table.rows:
        if row.is_group:
            rows.append([row.values[0]])
            continue
        cells = [_cell(table, row, i) for i in range(len(table.columns))]
        rows.append([_cut(text) for text in cells])
    grid = [row for row in rows if len(row) == len(table.columns)]
    headings = table.headings
    widths = [max(map(len, cells)) for cells in zip(headings, *grid, strict=True)]
    pattern = "  ".join(
        f"{{:{'>' if column.kind.is_numeric else '<'}{width}}}"
        for column, width in zip(table.columns, widths, strict=True)
    )
    if table.has_header:
        lines.append(pattern.format(*headings).rstrip())
        lines.append("  ".join("-" * width for width in widths))
    for shown in rows:
        if len(shown) == len(table.columns):
            lines.append(pattern.format(*shown).rstrip())
        else:
            lines.append(shown[0])
    return lines


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def listing_lines(table: Table) -> list[str]:
    lines = [f"{table.title}:"] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    indent = INDENT if table.title else ""
    for row in table.rows:
        if row.is_group:
            lines.append(row.values[0])
            indent = INDENT
            continue
        fields = [_cell(table, row, i) for i, value in enumerate(row.values) if value is not BLANK]
        lines.append(indent + "  ".join(fields))
    return lines
