"""The roll-up as a *Summering* workbook for people, with a native Excel chart (openpyxl).

Written through :func:`lumledger.workbook.files.atomic_output`; text is always an explicit string
cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from lumledger.reports.official_files import AMOUNT_FORMAT, FONT, _clean
from lumledger.workbook.files import atomic_output

# --- the Summering workbook ----------------------------------------------------------------------


class SupportsToDict(Protocol):
    """A roll-up (``lumledger.rollups.Rollup``): export depends on its JSON form only."""

    def to_dict(self) -> dict[str, Any]: ...


def write_summary_workbook(r: SupportsToDict, path: Path) -> Path:
    """The roll-up as a *Summering* workbook for people (openpyxl), written atomically.

    Sheets: ``Summering`` (per year and type, a total per year), ``Per förvaltning``,
    ``Studiebesök``, ``Fleråriga projekt`` and one ``Diagram ÅÅÅÅ`` per year with a native bar
    chart of applied against granted per administration. Swedish headings, ``# ##0`` amounts,
    totals rows, frozen headers, A4 landscape.
    """
    data = r.to_dict()
    path = Path(path)
    with atomic_output(path) as temp:
        _summary_book(data).save(temp)
    return path


_SUMMARY_COLUMNS: tuple[tuple[str, str, float], ...] = (
    # (heading, key in the roll-up's JSON, width)
    ("År", "year", 8),
    ("Typ", "type", 13),
    ("Ansökningar", "applications", 12),
    ("Förvaltningar", "administrations", 13),
    ("Sökt (kr)", "applied", 14),
    ("Beviljat (kr)", "granted", 14),
    ("Beviljade", "granted_count", 10),
    ("Avslag", "rejected_count", 9),
    ("Ej beslutade", "undecided_count", 12),
    ("Andel beviljat", "share_granted_percent", 13),
    ("Ram (kr)", "frame", 14),
    ("Kvar av ram (kr)", "frame_left", 16),
)
_AMOUNT_KEYS = {
    "applied",
    "granted",
    "frame",
    "frame_left",
    "earlier_stated",
    "granted_recorded",
    "granted_so_far",
}


def _summary_book(data: dict[str, Any]) -> Any:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    thin = Side(style="thin", color="808080")
    styles = {
        "title": Font(name=FONT, size=13, bold=True),
        "header_font": Font(name=FONT, size=10, bold=True),
        "header_fill": PatternFill("solid", fgColor="D9D9D9"),
        "total_fill": PatternFill("solid", fgColor="F2F2F2"),
        "font": Font(name=FONT, size=10),
        "bold": Font(name=FONT, size=10, bold=True),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "total_border": Border(left=thin, right=thin, top=Side(style="medium"), bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="bottom"),
    }
    scope = f"år {data['year']}" if data.get("year") is not None else "alla år"
    title = f"Summering av LUM-liggaren {data.get('file', '')} – {scope}"

    def sheet_with(
        name: str,
        columns: Sequence[tuple[str, str, float]],
        rows: Sequence[tuple[dict[str, Any], bool]],
    ) -> Any:
        sheet = book.create_sheet(name)
        _put_text(sheet.cell(row=1, column=1), title, styles["title"])
        for col, (heading, _key, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=2, column=col)
            _put_text(cell, heading, styles["header_font"])
            cell.fill = styles["header_fill"]
            cell.border = styles["border"]
            cell.alignment = styles["wrap"]
            sheet.column_dimensions[cell.column_letter].width = width
        for offset, (record, is_total) in enumerate(rows):
            excel_row = 3 + offset
            for col, (_heading, key, _width) in enumerate(columns, start=1):
                cell = sheet.cell(row=excel_row, column=col)
                _put_value(cell, key, record.get(key))
                cell.font = styles["bold"] if is_total else styles["font"]
                cell.border = styles["total_border"] if is_total else styles["border"]
                if is_total:
                    cell.fill = styles["total_fill"]
        sheet.freeze_panes = "A3"
        _print_setup(sheet, name, len(columns))
        return sheet

    # Summering: per year and type, with a total row per year.
    per_year = {item["year"]: item for item in data["per_year"]}
    rows: list[tuple[dict[str, Any], bool]] = []
    for year in data["years"]:
        for item in data["per_year_and_type"]:
            if item["year"] == year:
                rows.append((item, False))
        rows.append(({**per_year[year], "year": None, "type": f"Summa {year}"}, True))
    if len(data["years"]) > 1:
        rows.append(({**data["total"], "year": None, "type": "Summa alla år"}, True))
    sheet_with("Summering", _SUMMARY_COLUMNS, rows)

    # Per förvaltning, with a total row per year and type.
    admin_columns = (
        ("År", "year", 8),
        ("Typ", "type", 13),
        ("Förvaltning", "administration", 26),
        *[c for c in _SUMMARY_COLUMNS if c[1] not in ("year", "type", "administrations")][:6],
    )
    rows = []
    for item in data["per_year_and_type"]:
        for admin in data["per_administration"]:
            if admin["year"] == item["year"] and admin["type"] == item["type"]:
                rows.append((admin, False))
        rows.append(({**item, "administration": f"Summa {item['type'].lower()}"}, True))
    sheet_with("Per förvaltning", admin_columns, rows)

    # Studiebesök: per year and a total.
    visit_columns = tuple(c for c in _SUMMARY_COLUMNS if c[1] != "type")
    rows = [(item, False) for item in data["study_visits"]["per_year"]]
    rows.append(({**data["study_visits"]["total"], "year": "Summa"}, True))
    sheet_with("Studiebesök", visit_columns, rows)

    # Fleråriga projekt.
    commitment_columns = (
        ("Projekt", "key", 22),
        ("Förvaltning", "administration", 22),
        ("Namn", "name", 40),
        ("Första år", "first_year", 10),
        ("Senaste år", "last_year", 10),
        ("Projektår", "project_year", 10),
        ("År kvar", "years_left", 9),
        ("Tidigare beviljat (kr)", "earlier_stated", 16),
        ("Beviljat i liggaren (kr)", "granted_recorded", 16),
        ("Beviljat hittills (kr)", "granted_so_far", 16),
    )
    rows = [(item, False) for item in data["commitments"]]
    rows.append(
        (
            {
                "key": "Summa",
                "earlier_stated": sum(c["earlier_stated"] for c in data["commitments"]),
                "granted_recorded": sum(c["granted_recorded"] for c in data["commitments"]),
                "granted_so_far": sum(c["granted_so_far"] for c in data["commitments"]),
            },
            True,
        )
    )
    sheet = sheet_with("Fleråriga projekt", commitment_columns, rows)
    for row in sheet.iter_rows(min_row=3, min_col=3, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    # One chart per year: applied against granted per administration (both types).
    for year in data["years"]:
        sums: dict[str, list[int]] = {name: [0, 0] for name in data.get("administrations", [])}
        present = {a["administration"] for a in data["per_administration"] if a["year"] == year}
        for admin in data["per_administration"]:
            if admin["year"] == year:
                pair = sums.setdefault(admin["administration"], [0, 0])
                pair[0] += admin["applied"]
                pair[1] += admin["granted"]
        chart_rows = [
            ({"administration": name, "applied": a, "granted": g}, False)
            for name, (a, g) in sums.items()
            if name in present
        ]
        chart_rows.append(
            (
                {
                    "administration": "Summa",
                    "applied": per_year[year]["applied"],
                    "granted": per_year[year]["granted"],
                },
                True,
            )
        )
        sheet = sheet_with(
            f"Diagram {year}",
            (
                ("Förvaltning", "administration", 26),
                ("Sökt (kr)", "applied", 14),
                ("Beviljat (kr)", "granted", 14),
            ),
            chart_rows,
        )
        sheet.cell(row=1, column=1).value = f"Sökt och beviljat per förvaltning {year}"
        chart = BarChart()
        chart.type = "bar"  # horizontal bars: long administration names stay readable
        chart.grouping = "clustered"
        chart.title = f"Sökt och beviljat per förvaltning {year}"
        chart.y_axis.title = "kronor"
        chart.y_axis.numFmt = AMOUNT_FORMAT
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # first administration on top
        chart.y_axis.crosses = "max"  # ... and the kronor axis stays at the bottom
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        last = 2 + len(chart_rows) - 1
        values = Reference(sheet, min_col=2, max_col=3, min_row=2, max_row=last)
        categories = Reference(sheet, min_col=1, min_row=3, max_row=last)
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(categories)
        chart.legend.position = "b"
        chart.height = max(8, round(0.8 * (len(chart_rows) - 1) + 3))  # cm
        chart.width = 20
        sheet.add_chart(chart, "E2")
        sheet.print_area = f"A1:P{max(last + 1, int(chart.height * 2) + 2)}"
        sheet.page_setup.fitToHeight = 1
    return book


def _put_text(cell: Any, text: str, font: Any = None) -> None:
    """An explicit string cell: never a formula, whatever the text starts with."""
    cell.value = _clean(text)
    cell.data_type = "s"
    if font is not None:
        cell.font = font


def _put_value(cell: Any, key: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        _put_text(cell, value)
        return
    cell.value = value
    if key in _AMOUNT_KEYS:
        cell.number_format = AMOUNT_FORMAT
    elif key == "share_granted_percent":
        cell.value = value / 100
        cell.number_format = "0.0 %"


def _print_setup(sheet: Any, name: str, columns: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "2:2"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.oddHeader.left.text = name
    sheet.oddFooter.center.text = "Sida &P av &N"
    sheet.sheet_view.showGridLines = False
