"""Reports as xlsx workbooks (XlsxWriter): one sheet per table, printable on A4 landscape.

Every layout decision of lumledger's workbooks is made here, once:

* a sheet starts with the table's title (13 pt bold), then the header row — unless the report
  is ``filterable``, when the header is the first row and carries a filter; the header is frozen
  and repeated on every printed page;
* Arial 9, thin grey borders, the header on grey, totals rows bold on light grey under a
  thicker line; running text wraps at the top of its cell, and the rows of a table with running
  text are as tall as their text (neither Excel nor LibreOffice grows a row it did not lay out);
* numbers by the column's kind: amounts ``#,##0`` (öre ``#,##0.00``; ``#,##0 "kr"`` on a total
  that states its unit), shares ``0.0 %``, dates ``yyyy-mm-dd``, counts and years as plain
  numbers; a missing value is an empty cell;
* an ``editable`` report's totals are ``SUM`` formulas over the rows above, their values cached
  in the file, so every reader shows them without recalculating;
* column widths from :func:`lumledger.reports.layout.sheet_widths` (never narrower than the
  heading needs, so a printed header is never cut), except the official appendices, whose
  columns are fixed to reproduce the committee's printed decision;
* printed on A4 (:func:`print_layout`): portrait when the columns fit its width at full size,
  else landscape; all columns on the width of the page (as many pages down as needed) when
  that keeps at least :data:`MIN_SCALE` of the size; a table wider still (the reconciliation's
  20 columns per application) prints in bands of whole columns side by side at a readable
  size, its first columns (the Id) repeated on every page; the header row repeats on every
  page; the table's name and the report's title (and reference) in the page header, "Sida N
  av M" in the footer, no gridlines;
* a report with a ``mark`` (a draft's "UTKAST") has it in large bold letters in the page
  header and in the footer of every page, and before the title of every sheet;
* a table marked ``chart`` gets a bar chart of its amount columns beside it.

Text is always written as an explicit string cell, never a formula, whatever it starts with;
characters XML cannot hold are dropped. XlsxWriter is imported inside :func:`write_xlsx`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from lumledger.money import is_whole
from lumledger.official import BILAGA1_SHEET, BILAGA2_SHEET
from lumledger.reports.layout import (
    CELL_SIZE,
    FONT,
    clean,
    heading_width,
    percent,
    row_height,
    sheet_widths,
    shown,
)
from lumledger.reports.tables import BLANK, Column, ColumnKind, Report, Row, Table

AMOUNT = "#,##0"  # Swedish Excel shows it as "# ##0": 3 175 000
AMOUNT_ORE = "#,##0.00"
AMOUNT_KR = '#,##0 "kr"'
PERCENT = "0.0 %"
DATE = "yyyy-mm-dd"

SIZE = CELL_SIZE  # points, every cell
TITLE_SIZE = 13
HEADER_FILL = "#D9D9D9"
TOTAL_FILL = "#F2F2F2"
BORDER_COLOR = "#808080"

#: The appendices as the committee prints them (Excel characters; each adds up to about A4
#: landscape at 100 %).
FIXED_WIDTHS: dict[str, tuple[float, ...]] = {
    BILAGA1_SHEET: (26, 40, 52, 11, 11),
    BILAGA2_SHEET: (24, 60, 12, 44),
}

CM = 96 / 2.54  # pixels per centimetre
ROW_PIXELS = 17  # the default row height

MARGIN_INCHES = 0.5  # left and right
#: The printable width of A4 in pixels (96 per inch), portrait and landscape.
PORTRAIT_PIXELS = (21.0 - 2 * MARGIN_INCHES * 2.54) * CM
LANDSCAPE_PIXELS = (29.7 - 2 * MARGIN_INCHES * 2.54) * CM
#: The smallest print scale at which 9-point cells still read well (6.3 points).
MIN_SCALE = 0.7
#: The leading columns repeated on every band of a table too wide for one page take at most
#: this share of the page.
REPEATED_SHARE = 0.2
#: The share of the page's width the columns are planned to fill: programs differ a little in
#: how wide they draw a column.
PAGE_SLACK = 0.95
#: Running text narrows down to this many characters (wrapping over more lines) before a table
#: is printed smaller than :data:`MIN_SCALE` or in bands.
LONG_MIN = 30


@dataclass(frozen=True, slots=True)
class PrintLayout:
    """How one sheet prints on A4: orientation, and either fitted to the page width
    (``scale`` ``None``) or at ``scale`` in bands of columns, each band starting after a
    vertical page break (``breaks``), the first ``repeated`` columns on every page."""

    landscape: bool
    scale: float | None = None
    breaks: tuple[int, ...] = ()
    repeated: int = 0

    @property
    def bands(self) -> int:
        return len(self.breaks) + 1


def column_pixels(width: float) -> int:
    """A column's width in pixels, as Excel and LibreOffice draw it (Arial 10's digit: 7 px)."""
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def _page_pixels(landscape: bool) -> float:
    return (LANDSCAPE_PIXELS if landscape else PORTRAIT_PIXELS) * PAGE_SLACK


def print_widths(table: Table, widths: Sequence[float]) -> list[float]:
    """``widths``, with the running-text columns narrowed (to :data:`LONG_MIN`, never below
    what the heading needs) as far as it takes for the table to fit the landscape page at
    :data:`MIN_SCALE`; the texts wrap over more lines instead."""
    fitted = list(widths)
    limit = _page_pixels(True) / MIN_SCALE
    excess = sum(column_pixels(width) for width in fitted) - limit
    if excess <= 0:
        return fitted
    floors = {
        i: max(LONG_MIN, heading_width(column.heading))
        for i, column in enumerate(table.columns)
        if column.long and fitted[i] > max(LONG_MIN, heading_width(column.heading))
    }
    room = sum(fitted[i] - floor for i, floor in floors.items()) * 7
    share = min(1.0, excess / room) if room else 0.0
    for i, floor in floors.items():
        fitted[i] = max(floor, math.floor(fitted[i] - (fitted[i] - floor) * share))
    return fitted


def print_layout(widths: Sequence[float]) -> PrintLayout:
    """The page set-up for columns of ``widths`` (see the module's notes)."""
    pixels = [column_pixels(width) for width in widths]
    total = sum(pixels)
    if total <= _page_pixels(False):
        return PrintLayout(landscape=False)
    if total * MIN_SCALE <= _page_pixels(True):
        return PrintLayout(landscape=True)
    repeated, used = 0, 0
    for width in pixels[:-1]:
        if used + width > REPEATED_SHARE * _page_pixels(True) / MIN_SCALE:
            break
        repeated, used = repeated + 1, used + width
    fewest = _bands(pixels, repeated, MIN_SCALE)
    scale = 1.0
    while len(_bands(pixels, repeated, scale)) > len(fewest):
        scale = round(scale - 0.05, 2)
    return PrintLayout(
        landscape=True, scale=scale, breaks=_bands(pixels, repeated, scale)[1:], repeated=repeated
    )


def _bands(pixels: Sequence[int], repeated: int, scale: float) -> tuple[int, ...]:
    """The first column of each band when ``pixels`` print at ``scale``, ``repeated`` columns
    on every page: as many whole columns per page as fit."""
    page = _page_pixels(True) / scale - sum(pixels[:repeated])
    starts = [repeated]
    used = 0
    for col in range(repeated, len(pixels)):
        if used and used + pixels[col] > page:
            starts.append(col)
            used = 0
        used += pixels[col]
    return tuple(starts)


def write_xlsx(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` (see the module's notes for the layout)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            # Arial 10 as the book's font: its digit is 7 px wide like Calibri 11's, so column
            # widths mean the same in Excel, and LibreOffice (Liberation Sans) lays it out alike.
            "default_format_properties": {"font_name": FONT, "font_size": 10},
            "default_row_height": ROW_PIXELS,
        },
    )
    book.set_properties(
        {
            "title": " – ".join(filter(None, (report.mark, report.title))),
            "author": "",
            "company": "",
            "comments": "Skapad av lumledger",
        }
    )
    formats = _Formats(book)
    for table in report.tables:
        _write_sheet(book, formats, report, table)
    book.close()
    return path


class _Formats:
    """The book's cell formats, made once each."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._made: dict[tuple[Any, ...], Any] = {}
        self.title = book.add_format({"font_name": FONT, "font_size": TITLE_SIZE, "bold": True})

    def _get(self, key: tuple[Any, ...], properties: dict[str, Any]) -> Any:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._book.add_format(properties)
        return made

    def header(self, numeric: bool) -> Any:
        properties = {**self._cell(), "bold": True, "bg_color": HEADER_FILL, "valign": "bottom"}
        if numeric:
            properties["align"] = "right"
        return self._get(("header", numeric), properties)

    def cell(self, number_format: str | None, total: bool) -> Any:
        properties = self._cell()
        if total:
            properties.update({"bold": True, "top": 2, "bg_color": TOTAL_FILL})
        if number_format:
            properties["num_format"] = number_format
        return self._get(("cell", number_format, total), properties)

    @staticmethod
    def _cell() -> dict[str, Any]:
        return {
            "font_name": FONT,
            "font_size": SIZE,
            "valign": "top",
            "text_wrap": True,
            "border": 1,
            "border_color": BORDER_COLOR,
        }


def _header_footer_text(text: str) -> str:
    return clean(text).replace("&", "&&")


def _page_setup(sheet: Any, report: Report, table: Table, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    layout = print_layout(widths)
    if layout.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES, top=0.75, bottom=0.75)
    if layout.scale is None:
        sheet.fit_to_pages(1, 0)  # all columns on the page width, as many pages as needed
    else:
        sheet.set_print_scale(round(layout.scale * 100))
        sheet.set_v_pagebreaks(list(layout.breaks))
        sheet.repeat_columns(0, layout.repeated - 1)
        sheet.print_across()
    title = _header_footer_text(report.title or "")
    reference = f"&R&8{_header_footer_text(report.reference)}" if report.reference else ""
    name = _header_footer_text(table.name)
    if report.mark:
        mark = f'&"{FONT},Bold"&16{_header_footer_text(report.mark)}'
        sheet.set_header(
            f'&L&"{FONT},Bold"&10{name}&C{mark}\n&"{FONT},Regular"&8{title}{reference}'
        )
        sheet.set_footer(f"&L{mark}&C&8Sida &P av &N&R{mark}")
    else:
        sheet.set_header(f'&L&"{FONT},Bold"&10{name}&C&8{title}{reference}')
        sheet.set_footer("&C&8Sida &P av &N")
    sheet.hide_gridlines(2)


def _write_sheet(book: Any, formats: _Formats, report: Report, table: Table) -> None:
    sheet = book.add_worksheet(table.name)
    widths = FIXED_WIDTHS.get(table.name) or print_widths(table, sheet_widths([table]))
    _page_setup(sheet, report, table, widths)
    row = 0
    if not report.filterable:
        title = table.title or report.title or ""
        if report.mark:
            title = f"{report.mark} – {title}"
        sheet.write_string(0, 0, clean(title), formats.title)
        sheet.set_row(0, 24)
        row = 1
    header = row
    if table.has_header:
        heights = list(zip(table.headings, widths, strict=True))
        sheet.set_row(row, row_height(heights, SIZE, bold=True))
        for col, column in enumerate(table.columns):
            header_format = formats.header(column.kind.is_numeric)
            sheet.write_string(row, col, clean(column.heading), header_format)
        sheet.freeze_panes(row + 1, 0)
        sheet.repeat_rows(row)
        row += 1
    first = row  # the first row the next totals row adds up
    for item in table.rows:
        if item.is_group:
            sheet.write_string(row, 0, clean(item.values[0]), formats.title)
        else:
            if table.has_long_text and not item.is_total:
                sheet.set_row(row, _height(item, widths))
            for col, column in enumerate(table.columns):
                _write_cell(sheet, formats, row, col, column, item, report, first)
            if item.is_total:
                first = row + 1
        row += 1
    if report.filterable and table.has_header:
        sheet.autofilter(header, 0, max(header, row - 1), len(table.columns) - 1)
    if table.chart:
        _chart(book, sheet, table, header, row - 1)


def _height(item: Row, widths: Sequence[float]) -> float:
    """The height of a body row: its texts wrapped in their columns."""
    cells = [(value, widths[i]) for i, value in enumerate(item.values) if isinstance(value, str)]
    return row_height(cells, SIZE)


def _number_format(column: Column, value: Any, total: bool) -> str | None:
    kind = column.kind
    if kind is ColumnKind.PERCENT:
        return PERCENT
    if isinstance(value, dt.date) or kind is ColumnKind.DATE:
        return DATE
    if kind in (ColumnKind.KRONOR, ColumnKind.NUMBER) or isinstance(value, Decimal):
        if total and column.unit_on_totals:
            return AMOUNT_KR
        if isinstance(value, Decimal) and not is_whole(value):
            return AMOUNT_ORE
        return AMOUNT
    return None


def _write_cell(
    sheet: Any,
    formats: _Formats,
    row: int,
    col: int,
    column: Column,
    item: Row,
    report: Report,
    first: int,
) -> None:
    value = item.values[col]
    total = item.is_total
    if isinstance(value, bool | tuple):  # yes or no, a span of years: as text
        value = shown(value, column.kind)
    if isinstance(value, str):  # even an empty text is a text cell
        sheet.write_string(row, col, clean(value), formats.cell(None, total))
        return
    style = formats.cell(_number_format(column, value, total), total)
    if value is None or value is BLANK:
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, Fraction):
        sheet.write_number(row, col, percent(value) / 100, style)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, style)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, int(value) if is_whole(value) else float(value), style)
    elif total and report.editable and column.kind is ColumnKind.KRONOR and row > first:
        from xlsxwriter.utility import xl_rowcol_to_cell

        top, bottom = xl_rowcol_to_cell(first, col), xl_rowcol_to_cell(row - 1, col)
        sheet.write_formula(row, col, f"=SUM({top}:{bottom})", style, value)
    else:
        sheet.write_number(row, col, value, style)


def _chart(book: Any, sheet: Any, table: Table, header: int, last: int) -> None:
    """Bars of the amount columns per value of the first column (totals rows left out), beside
    the table; the sheet prints on one landscape page."""
    body = [i for i, row in enumerate(table.rows) if not row.is_total and not row.is_group]
    first_row, last_row = header + 1, header + 1 + (body[-1] if body else -1)
    chart = book.add_chart({"type": "bar"})  # horizontal bars: long names stay readable
    name = table.name
    for col, column in enumerate(table.columns):
        if column.kind is ColumnKind.KRONOR:
            chart.add_series(
                {
                    "name": [name, header, col],
                    "categories": [name, first_row, 0, last_row, 0],
                    "values": [name, first_row, col, last_row, col],
                }
            )
    chart.set_title({"name": table.title or table.name})
    chart.set_x_axis(
        {"name": "kronor", "num_format": AMOUNT, "major_gridlines": {"visible": False}}
    )
    # The first category on top, and the kronor axis still at the bottom.
    chart.set_y_axis({"reverse": True, "crossing": "max"})
    chart.set_legend({"position": "bottom"})
    height = round(max(8, round(0.8 * len(body) + 3)) * CM)
    chart.set_size({"width": round(20 * CM), "height": height})
    sheet.insert_chart(header, len(table.columns) + 1, chart)
    sheet.print_area(0, 0, max(last, header + math.ceil(height / ROW_PIXELS) + 1), 15)
    sheet.set_landscape()  # the table and the chart beside it
    sheet.fit_to_pages(1, 1)
