"""The neutral table model (lumledger.reports.tables) and its writers, on small tables built here.

The golden outputs (tools/golden.py) prove that the real reports come out as before; these tests
pin the rules each writer applies to any table: how a missing value and an empty cell read, when
a table is a grid or a listing, number formats by kind, totals as formulas, links, csv safety.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from lumledger.reports import csv_writer, json_writer, text_writer, xlsx_writer
from lumledger.reports.layout import column_width, shown, text_lines
from lumledger.reports.tables import (
    BLANK,
    Column,
    ColumnKind,
    Link,
    Paragraph,
    Report,
    Table,
    body,
    group,
    total,
)

K = ColumnKind
NAME = Column("name", "Förvaltning")
AMOUNT = Column("amount", "Beviljat", K.KRONOR)
SHARE = Column("share", "Andel", K.PERCENT)
YEAR = Column("year", "År", K.YEAR)
MESSAGE = Column("message", "Meddelande", long=True)


def grid() -> Table:
    return Table(
        name="Per förvaltning",
        title="Per förvaltning",
        columns=(YEAR, NAME, AMOUNT, SHARE),
        rows=(
            body(2019, "Bromma", 3_175_000, Fraction(1, 3)),
            body(2019, "Ett mycket långt namn på en förvaltning som inte får plats", None, None),
            total("Summa", BLANK, 3_175_000, BLANK),
        ),
    )


def test_a_row_must_have_a_value_per_column() -> None:
    with pytest.raises(ValueError, match="2 values for 4 columns"):
        Table(name="x", columns=(YEAR, NAME, AMOUNT, SHARE), rows=(body(1, 2),))
    assert Table(name="x", columns=(YEAR, NAME), rows=(group("rubrik"),)).rows[0].is_group


def test_values_read_in_swedish() -> None:
    assert shown(3_175_000, K.KRONOR) == "3 175 000"
    assert shown(Decimal("1457956.5"), K.KRONOR, unit=True) == "1 457 956,50 kr"
    assert shown(3_175_000, K.INTEGER) == "3175000"
    assert shown(Fraction(3_175_000, 10_950_780), K.PERCENT) == "29,0 %"
    assert shown((2020, 2021), K.YEARS) == "2020–2021" and shown((2019, 2019), K.YEARS) == "2019"
    assert shown(dt.date(2020, 2, 28), K.DATE) == "2020-02-28"
    assert shown(None, K.KRONOR) == shown(BLANK, K.KRONOR) == ""


def test_text_grid_aligns_numbers_and_tells_missing_from_empty() -> None:
    assert text_writer.table_lines(grid()) == [
        "Per förvaltning",
        "År     Förvaltning                                Beviljat   Andel",
        "-----  ----------------------------------------  ---------  ------",
        "2019   Bromma                                    3 175 000  33,3 %",
        "2019   Ett mycket långt namn på en förvaltning…          –       –",  # cut; missing
        "Summa                                            3 175 000",  # nothing applies
    ]
    empty = Table(name="x", title="Studiebesök", columns=(YEAR,), empty="Inga studiebesök.")
    assert text_writer.table_lines(empty) == ["Studiebesök", "Inga studiebesök."]


def test_text_listing_for_running_text() -> None:
    table = Table(
        name="Avvikelser",
        columns=(Column("id", "Id"), NAME, MESSAGE),
        rows=(
            group("2019"),
            body("2019-P01", "Bromma", "Något stämmer inte"),
            body(BLANK, None, "Utan id"),
        ),
    )
    assert text_writer.table_lines(table) == [
        "2019",
        "  2019-P01  Bromma  Något stämmer inte",
        "  –  Utan id",
    ]
    titled = Table(
        name="x", title="Kontroller som inte kördes", columns=(MESSAGE,), rows=(body("en rad"),)
    )
    assert text_writer.table_lines(titled) == ["Kontroller som inte kördes:", "  en rad"]


def test_text_report_separates_tables_and_notes() -> None:
    listing = Table(name="y", columns=(MESSAGE,), rows=(body("rad"),))
    report = Report(
        title=None,
        preamble=(Paragraph("Inledning:"),),
        tables=(listing, Table(name="z", columns=(MESSAGE,)), listing),
        notes=("Summa.",),
    )
    assert text_writer.render_report(report) == "Inledning:\nrad\n\n\nrad\n\nSumma.\n"
    assert text_writer.render_report(Report(title="T")) == "T\n\n"


def test_json_keeps_values_exact_and_leaves_out_empty_cells() -> None:
    table = Table(
        name="x",
        columns=(NAME, AMOUNT, SHARE, Column("years", "År", K.YEARS), Column("d", "D", K.DATE)),
        rows=(
            body("Bromma", Decimal("299999.50"), Fraction(1, 8), (2020, 2021), None),
            total("Summa", 1, BLANK, BLANK, dt.date(2020, 2, 28)),
        ),
    )
    data = json.loads(json_writer.render_json(Report(title="T", tables=(table,))))
    rows = data["tables"][0]["rows"]
    assert rows[0] == {
        "kind": "body",
        "values": {
            "name": "Bromma",
            "amount": "299999.50",
            "share": 12.5,
            "years": [2020, 2021],
            "d": None,
        },
    }
    assert rows[1]["values"] == {"name": "Summa", "amount": 1, "d": "2020-02-28"}
    assert data["tables"][0]["columns"][1] == {
        "key": "amount",
        "heading": "Beviljat",
        "kind": "kronor",
    }


def test_csv_neutralises_text_but_not_amounts(tmp_path: Path) -> None:
    table = Table(
        name="x",
        columns=(NAME, Column("granted", "Beviljas", K.KRONOR, unit_on_totals=True)),
        rows=(body("=HYPERLINK(1)", -25_000), body("-cmd", None), total("Summa", 335_450)),
    )
    path = csv_writer.write_csv(table, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert raw.decode("utf-8-sig").splitlines() == [
        "Förvaltning;Beviljas",
        "'=HYPERLINK(1);-25 000",
        "'-cmd;",
        "Summa;335 450 kr",
    ]


def test_xlsx_number_formats_totals_and_filter(tmp_path: Path) -> None:
    rows = (
        body(2019, "Bromma", 100, Fraction(1, 4)),
        body(2019, "", Decimal("50.50"), None),
        total("Summa", BLANK, 150, BLANK),
    )
    table = Table(name="Blad", title="Rubrik", columns=(YEAR, NAME, AMOUNT, SHARE), rows=rows)
    printed = xlsx_writer.write_xlsx(
        Report(title="T", tables=(table,), editable=True), tmp_path / "a.xlsx"
    )
    sheet = openpyxl.load_workbook(printed)["Blad"]
    assert sheet["A1"].value == "Rubrik" and sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == ["År", "Förvaltning", "Beviljat", "Andel"]
    assert (sheet["A3"].value, sheet["A3"].number_format) == (2019, "General")
    assert (sheet["C3"].number_format, sheet["D3"].value, sheet["D3"].number_format) == (
        "#,##0",
        0.25,
        "0.0 %",
    )
    assert sheet["B4"].data_type == "s" and sheet["B4"].value in ("", None)
    assert (sheet["C4"].value, sheet["C4"].number_format) == (50.5, "#,##0.00")
    assert sheet["C5"].value == "=SUM(C3:C4)" and sheet["C5"].font.bold
    assert openpyxl.load_workbook(printed, data_only=True)["Blad"]["C5"].value == 150
    assert sheet.auto_filter.ref is None

    listed = xlsx_writer.write_xlsx(
        Report(title="T", tables=(table,), filterable=True), tmp_path / "b.xlsx"
    )
    sheet = openpyxl.load_workbook(listed)["Blad"]
    assert sheet["A1"].value == "År" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
    assert sheet["C4"].value == 150  # a plain value: the report is not editable


def test_sheet_widths_and_wrapped_lines() -> None:
    assert column_width(MESSAGE, ["kort"]) == 30
    assert column_width(MESSAGE, ["x" * 200]) == 60
    assert column_width(NAME, ["x" * 200]) == 40
    assert column_width(AMOUNT, ["10 950 780"]) == 12
    assert text_lines("kort", 100, 9) == 1
    assert text_lines("ord " * 40, 100, 9) > 3


def test_links_point_at_the_cell_then_the_row_then_the_sheet() -> None:
    assert Link(sheet="Ansökningar", cell="M5", row=5).target == "M5"
    assert Link(sheet="Ansökningar", row=5).target == "A5"
    assert Link(sheet="Beslut").target == "A1"


def test_rollup_overview_places_the_years_totals() -> None:
    from conftest import EXAMPLE

    from lumledger.reports.rollup_tables import rollup_overview
    from lumledger.rollups import compute_rollup
    from lumledger.workbook.reader import read_ledger

    r = compute_rollup(read_ledger(EXAMPLE))

    def shape(year_totals_last: bool) -> list[tuple[object, object]]:
        table = rollup_overview(r, year_totals_last=year_totals_last).tables[0]
        return [(row.values[0], row.values[1]) for row in table.rows]

    assert shape(False) == [
        (2019, "Projekt"),
        (2019, "Studiebesök"),
        (2019, "Summa"),
        (2020, "Projekt"),
        (2020, "Summa"),
        (2021, "Projekt"),
        (2021, "Summa"),
    ]
    assert shape(True) == [
        (2019, "Projekt"),
        (2019, "Studiebesök"),
        (2020, "Projekt"),
        (2021, "Projekt"),
        (2019, "Summa"),
        (2020, "Summa"),
        (2021, "Summa"),
    ]


def test_docx_cells_are_formatted_as_python_docx_formats_each(tmp_path: Path) -> None:
    """The writer formats one cell per column and kind and copies it (issue 16's warm runs):
    every cell must come out as python-docx's own calls make it, text with tabs and line
    breaks included."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from lxml import etree

    from lumledger.reports.docx_writer import _widths, write_docx
    from lumledger.reports.layout import NBSP, cell_text
    from lumledger.reports.tables import (
        Column,
        ColumnKind,
        Report,
        RowKind,
        Table,
        body,
        group,
        total,
    )

    columns = (Column("a", "Namn"), Column("b", "Belopp", ColumnKind.KRONOR))
    rows = (
        group("Projekt"),
        body("Ett", 1000),
        body("Två\tmed tabb", 25_000),
        body(" kant ", None),
        body("rad ett\nrad två", 3),
        total("Summa", 26_003),
        body("", 0),
    )
    table = Table(name="Tabell", columns=columns, rows=rows, title="Rubrik")
    path = write_docx(Report(title="T", tables=(table,)), tmp_path / "t.docx")
    written = Document(str(path)).tables[0]

    reference = Document().add_table(rows=1, cols=2)
    widths = _widths(table)

    def expected(values: list[str], *, bold: bool, shade: str | None) -> list[bytes]:
        cells = reference.add_row().cells
        for col, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.width = widths[col]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.line_spacing = 1.0
            if col == 1:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(value)
            run.font.size = Pt(8.5)
            run.bold = bold
            if shade:
                shading = OxmlElement("w:shd")
                for name, text in (("val", "clear"), ("color", "auto"), ("fill", shade)):
                    shading.set(qn(f"w:{name}"), text)
                cell._tc.get_or_add_tcPr().append(shading)
        return [etree.tostring(cell._tc) for cell in cells]

    got = [[etree.tostring(cell._tc) for cell in row.cells] for row in written.rows]
    assert got[0] == expected(["Namn", "Belopp"], bold=True, shade="D9D9D9")
    for item, cells in zip(rows, got[1:], strict=True):
        if item.is_group:
            values = [item.values[0], ""]
        else:
            values = [cell_text(table, item, i, sep=NBSP) for i in range(2)]
        shade = "F2F2F2" if item.is_total else None
        assert cells == expected(values, bold=item.kind is not RowKind.BODY, shade=shade)
    assert "Två\tmed tabb" in written.rows[3].cells[0].text


def test_text_widths_sum_each_characters_width() -> None:
    """The C-loop sum of character widths equals the sum of :func:`_char_width` per character,
    ASCII or not (åäö, a no-break space, an emoji, a control character)."""
    import random

    from lumledger.reports import layout

    rng = random.Random(16)
    alphabet = [chr(c) for c in range(32, 127)] + list("åäöÅÄÖé\u00a0–😀\x07")
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert layout._widths_sum(text) == sum(layout._char_width(c) for c in text), text
