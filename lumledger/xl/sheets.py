"""Reports onto a live Excel sheet, through the calls xlwings offers (the Excel side's writer).

A report reads down the sheet from ``A1``: its title and preamble and a blank row, then each
table (a blank row between tables): its title, its header, its rows; an empty table's header is
followed by its ``empty`` text. The title, the tables' titles and headers, group headings and
totals rows are bold where the host applies bold (:class:`~lumledger.xl.host.Host`). All values go to Excel in one call; text keeps a leading apostrophe so
Excel stores it as text (never a number, a date or a formula). No number formats are set: a
share is written as a number of per cent, its heading saying "(%)". A row with a link gets a
hyperlink to the ledger's cell in its first cell, when the workbook has the sheet. Column widths
come from :func:`lumledger.reports.layout.sheet_widths` of the tables with a header (in the
host's unit; a host without column widths gets its columns autofitted).

This module works on the objects xlwings hands over and imports nothing from xlwings itself
(``lumledger.xl`` is the only module that does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from lumledger.reports.layout import percent, sheet_widths, shown
from lumledger.reports.tables import BLANK, Column, ColumnKind, Link, Report, Row, Table
from lumledger.xl.host import Host


class Target(Protocol):
    """What a link points at: a finding or a :class:`~lumledger.reports.tables.Link`."""

    @property
    def cell(self) -> str | None: ...

    @property
    def row(self) -> int | None: ...


def excel_value(value: Any) -> Any:
    """A value as it should be handed to Excel: text with a leading apostrophe (stored as text,
    never converted to a number, date or formula), whole ``Decimal`` as ``int``, öre as
    ``float`` (display only; the library keeps exact values)."""
    if value is None or value is BLANK:
        return None
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, bool | int | float | dt.date):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return "'" + str(value)


def write_rows(
    sheet: Any,
    rows: Sequence[Sequence[Any]],
    host: Host,
    *,
    top: int = 1,
    header: bool = True,
) -> None:
    """Write ``rows`` at ``A{top}`` in one call; the first row (the header) in bold."""
    if not rows:
        return
    width = max(max(len(row) for row in rows), 1)
    values = [[excel_value(v) for v in row] + [None] * (width - len(row)) for row in rows]
    sheet.range((top, 1)).value = values
    if header and host.bold:
        sheet.range((top, 1), (top, width)).font.bold = True


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def link_address(target: Target, title: str) -> str:
    """The internal hyperlink to a cell of sheet ``title``: the cell, its row's first cell,
    or the sheet."""
    place = Link(sheet=title, cell=target.cell, row=target.row).target
    return f"#{_quote_sheet(title)}!{place}"


def _cell(value: Any, column: Column) -> Any:
    if isinstance(value, Fraction) and column.kind is ColumnKind.PERCENT:
        return percent(value)
    if isinstance(value, tuple):
        return shown(value, column.kind)
    return value


def _heading(column: Column) -> str:
    return f"{column.heading} (%)" if column.kind is ColumnKind.PERCENT else column.heading


def write_report(
    sheet: Any,
    report: Report,
    host: Host,
    *,
    sheet_title: Callable[[str], str | None],
    print_ready: bool = False,
) -> None:
    """Write ``report`` onto ``sheet`` (cleared by the caller). ``sheet_title`` gives the
    workbook's own title of a ledger sheet a link points at, or ``None`` when it has none.
    ``print_ready``: long text columns wrap and the print area is the report (where the host
    can set them)."""
    grid: list[list[Any]] = []
    bold: list[tuple[int, int]] = []  # (row, columns), 1-based rows
    links: list[tuple[int, Link, Any]] = []

    def add(values: list[Any], *, strong: bool = False) -> None:
        grid.append(values)
        if strong:
            bold.append((len(grid), max(len(values), 1)))

    if report.title:
        add([report.title], strong=True)
    for paragraph in report.preamble:
        add([paragraph.text])
    if grid:
        add([])
    for i, table in enumerate(report.tables):
        if i:
            add([])
        _add_table(table, add, links, grid)
    write_rows(sheet, grid, host, header=False)
    if host.bold:
        for row, columns in bold:
            sheet.range((row, 1), (row, columns)).font.bold = True
    for row, link, text in links:
        title = sheet_title(link.sheet)
        if title is not None:
            sheet.range((row, 1)).add_hyperlink(link_address(link, title), text, "Gå till cellen")
    # Lines under a title (a table without a header) run over the empty cells to their right.
    sized = [table for table in report.tables if table.has_header]
    widths = sheet_widths(sized)
    if host.column_widths:
        for j, column_width in enumerate(widths, start=1):
            sheet.range((1, j)).column_width = host.width(column_width)
    elif widths:
        sheet.range((1, 1), (1, len(widths))).columns.autofit()
    if print_ready and host.print_layout and grid:
        columns = max(len(row) for row in grid)
        for table in sized:
            for j, column in enumerate(table.columns, start=1):
                if column.long:
                    sheet.range((1, j), (len(grid), j)).wrap_text = True
        sheet.page_setup.print_area = sheet.range((1, 1), (len(grid), columns)).address


def _add_table(
    table: Table,
    add: Callable[..., None],
    links: list[tuple[int, Link, Any]],
    grid: list[list[Any]],
) -> None:
    if table.title:
        add([table.title], strong=True)
    if table.has_header:
        add([_heading(column) for column in table.columns], strong=True)
    if not table.rows and table.empty:
        add([table.empty])
    for row in table.rows:
        if row.is_group:
            add([row.values[0]], strong=True)
            continue
        values = [
            _cell(value, column) for value, column in zip(row.values, table.columns, strict=True)
        ]
        add(values, strong=row.is_total)
        if row.link is not None:
            links.append((len(grid), row.link, _first_text(row)))


def _first_text(row: Row) -> Any:
    first = row.values[0]
    return first if isinstance(first, str) else None
