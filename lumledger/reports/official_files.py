"""The official tables as files: ``fordelning-ÅÅÅÅ.xlsx``, ``.docx`` and ``bilaga1/2-ÅÅÅÅ.csv``.

Three writers turn :class:`~lumledger.official.OfficialTables` into ``fordelning-ÅÅÅÅ.xlsx``
(XlsxWriter: explicit string cells, totals as ``SUM`` formulas with their values cached, A4
landscape print set-up), ``fordelning-ÅÅÅÅ.docx`` (python-docx: the decision's summary text and
both tables) and ``bilaga1-ÅÅÅÅ.csv``/``bilaga2-ÅÅÅÅ.csv`` (UTF-8 with BOM, ``;``, as Swedish
Excel opens them).

Rules every writer keeps: ledger text is always text (an explicit string cell in xlsx; OWASP
neutralisation in csv), and every file goes through
:func:`lumledger.workbook.files.atomic_output`, so a failure leaves no half-written file. The
writing libraries are imported inside the functions that use them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.money import format_kr
from lumledger.official import (
    BILAGA1_COLUMNS,
    BILAGA1_SHEET,
    BILAGA2_COLUMNS,
    BILAGA2_SHEET,
    FORMATS,
    NoApplicationsError,
    OfficialTables,
    official_tables,
)
from lumledger.workbook.files import atomic_output, check_output_dir, csv_safe

if TYPE_CHECKING:
    from lumledger.ledger import Ledger

# --- writing all formats ---------------------------------------------------------------------------


def export_year(
    ledger: Ledger,
    year: int,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """Write the year's appendices into ``out_dir`` in ``formats``; return the paths written.

    ``out_dir`` is created when missing. All files are written to temporary names first and
    renamed only when every one is complete, so an error leaves none of them behind. Raises :class:`NoApplicationsError` for a year with
    no applications, ``ValueError`` for an unknown format.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"okänt format: {', '.join(unknown)} (välj bland {', '.join(FORMATS)})")
    tables = official_tables(ledger, year)
    if tables.is_empty:
        raise NoApplicationsError(year)
    out_dir = check_output_dir(Path(out_dir))
    targets: list[tuple[Path, Any]] = []
    if "xlsx" in formats:
        targets.append((out_dir / f"fordelning-{year}.xlsx", write_tables_xlsx))
    if "docx" in formats:
        targets.append((out_dir / f"fordelning-{year}.docx", write_tables_docx))
    if "csv" in formats:
        targets.append((out_dir / f"bilaga1-{year}.csv", write_bilaga1_csv))
        targets.append((out_dir / f"bilaga2-{year}.csv", write_bilaga2_csv))
    with contextlib.ExitStack() as stack:
        for target, writer in targets:
            temp = stack.enter_context(atomic_output(target))
            writer(tables, temp)
    return [target for target, _writer in targets]


# --- csv -----------------------------------------------------------------------------------------


def _csv_amount(value: int | None, *, unit: bool = False) -> str:
    return format_kr(value, unit=unit)


def write_bilaga1_csv(tables: OfficialTables, path: Path) -> Path:
    """Bilaga 1 as ``;``-separated UTF-8 with BOM; text neutralised against formulas (OWASP)."""
    rows: list[list[str]] = [list(BILAGA1_COLUMNS)]
    for heading, purpose, assessment, applied, granted in tables.bilaga1_rows():
        rows.append(
            [
                csv_safe(heading),
                csv_safe(purpose),
                csv_safe(assessment),
                _csv_amount(applied),
                _csv_amount(granted),
            ]
        )
    label, _b, _c, applied_total, granted_total = tables.bilaga1_total()
    rows.append([label, "", "", _csv_amount(applied_total), _csv_amount(granted_total)])
    return _write_csv(path, rows)


def write_bilaga2_csv(tables: OfficialTables, path: Path) -> Path:
    """Bilaga 2 as ``;``-separated UTF-8 with BOM; text neutralised against formulas (OWASP)."""
    rows: list[list[str]] = [list(BILAGA2_COLUMNS)]
    for admin, place, granted, decision in tables.bilaga2_rows():
        rows.append([csv_safe(admin), csv_safe(place), _csv_amount(granted), csv_safe(decision)])
    label, _b, total, _d = tables.bilaga2_total()
    rows.append([label, "", _csv_amount(total, unit=True), ""])
    return _write_csv(path, rows)


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerows(rows)
    return path


# --- xlsx ----------------------------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Drop characters that XML (and so xlsx and docx) cannot hold."""
    return _XML_INVALID.sub("", text)


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


def _char_width(char: str) -> int:
    width = _WIDTH.get(char)
    if width is None:
        import unicodedata

        base = unicodedata.normalize("NFD", char)[:1]
        width = _WIDTH.get(base, 556)
    return width


def text_lines(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a cell ``width_pt`` wide (greedy, at spaces).

    Used to set row heights: neither Excel nor LibreOffice reliably grows a row for wrapped
    text in a file it did not lay out itself, so the writer sets the height.
    """
    scale = size_pt / 1000 * (1.07 if bold else 1.0) * 1.04  # a little slack for hinting
    limit = max(width_pt, 1.0)
    lines = 0
    for paragraph in text.split("\n") or [""]:
        lines += 1
        used = 0.0
        space = _char_width(" ") * scale
        for word in paragraph.split(" "):
            width = sum(_char_width(c) for c in word) * scale
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
        width_pt = (int(width_chars * 7 + 5) - 6) * 0.75  # column pixels less padding, in pt
        most = max(most, text_lines(text, width_pt, size_pt, bold=bold))
    return min(409.0, round(most * line_height + 4, 1))


AMOUNT_FORMAT = "#,##0"  # Swedish Excel shows it as "# ##0": 3 175 000
AMOUNT_KR_FORMAT = '#,##0 "kr"'
FONT = "Arial"
# Column widths (Excel characters); each sheet adds up to about A4 landscape at 100 %.
BILAGA1_WIDTHS: tuple[float, ...] = (26, 40, 52, 11, 11)
BILAGA2_WIDTHS: tuple[float, ...] = (24, 60, 12, 44)


def write_tables_xlsx(tables: OfficialTables, path: Path) -> Path:
    """``fordelning-ÅÅÅÅ.xlsx``: sheets ``Bilaga 1`` and ``Bilaga 2``, printable on A4 landscape.

    Every text cell is written with ``write_string`` (never a formula, whatever it starts
    with); amounts are numbers formatted ``#,##0``; the totals rows are ``SUM`` formulas whose
    values are cached in the file, so any reader shows them without recalculating.
    """
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
            "default_row_height": 17,
        },
    )
    book.set_properties(
        {
            "title": tables.document_title,
            "subject": "Bilaga 1 och 2",
            "author": "",
            "company": "",
            "comments": "Skapad av lumledger",
        }
    )
    base = {"font_name": FONT, "font_size": 9, "valign": "top", "text_wrap": True}
    border = {"border": 1, "border_color": "#808080"}
    fmt = {
        "title": book.add_format({"font_name": FONT, "font_size": 13, "bold": True}),
        "header": book.add_format(
            {**base, **border, "bold": True, "bg_color": "#D9D9D9", "valign": "bottom"}
        ),
        "header_amount": book.add_format(
            {
                **base,
                **border,
                "bold": True,
                "bg_color": "#D9D9D9",
                "valign": "bottom",
                "align": "right",
            }
        ),
        "text": book.add_format({**base, **border}),
        "amount": book.add_format({**base, **border, "num_format": AMOUNT_FORMAT}),
        "total_text": book.add_format(
            {**base, **border, "bold": True, "top": 2, "bg_color": "#F2F2F2"}
        ),
        "total_amount": book.add_format(
            {
                **base,
                **border,
                "bold": True,
                "top": 2,
                "bg_color": "#F2F2F2",
                "num_format": AMOUNT_FORMAT,
            }
        ),
        "total_amount_kr": book.add_format(
            {
                **base,
                **border,
                "bold": True,
                "top": 2,
                "bg_color": "#F2F2F2",
                "num_format": AMOUNT_KR_FORMAT,
            }
        ),
    }

    # Bilaga 1: A = heading, B = Syfte/mål, C = Utvärdering, D/E = amounts.
    sheet = book.add_worksheet(BILAGA1_SHEET)
    widths = BILAGA1_WIDTHS
    _page_setup(sheet, tables, BILAGA1_SHEET, widths=widths)
    header_row = _sheet_heading(sheet, fmt, tables.bilaga1_title)
    _header(sheet, fmt, header_row, BILAGA1_COLUMNS, widths, amount_columns={3, 4})
    row = header_row + 1
    first = row
    for heading, purpose, assessment, applied, granted in tables.bilaga1_rows():
        texts = (heading, purpose, assessment)
        sheet.set_row(row, row_height(list(zip(texts, widths, strict=False)), 9))
        sheet.write_string(row, 0, _clean(heading), fmt["text"])
        sheet.write_string(row, 1, _clean(purpose), fmt["text"])
        sheet.write_string(row, 2, _clean(assessment), fmt["text"])
        sheet.write_number(row, 3, applied, fmt["amount"])
        _write_amount(sheet, row, 4, granted, fmt["amount"])
        row += 1
    label, _b, _c, applied_total, granted_total = tables.bilaga1_total()
    sheet.write_string(row, 0, label, fmt["total_text"])
    sheet.write_blank(row, 1, None, fmt["total_text"])
    sheet.write_blank(row, 2, None, fmt["total_text"])
    _write_sum(sheet, row, 3, first, applied_total, fmt["total_amount"])
    _write_sum(sheet, row, 4, first, granted_total, fmt["total_amount"])

    # Bilaga 2: A = förvaltning, B = Ort och syfte, C = amount, D = Förslag till beslut.
    sheet = book.add_worksheet(BILAGA2_SHEET)
    widths = BILAGA2_WIDTHS
    _page_setup(sheet, tables, BILAGA2_SHEET, widths=widths)
    header_row = _sheet_heading(sheet, fmt, tables.bilaga2_title)
    _header(sheet, fmt, header_row, BILAGA2_COLUMNS, widths, amount_columns={2})
    row = header_row + 1
    first = row
    for admin, place, granted, decision in tables.bilaga2_rows():
        cells = [(admin, widths[0]), (place, widths[1]), (decision, widths[3])]
        sheet.set_row(row, row_height(cells, 9))
        sheet.write_string(row, 0, _clean(admin), fmt["text"])
        sheet.write_string(row, 1, _clean(place), fmt["text"])
        _write_amount(sheet, row, 2, granted, fmt["amount"])
        sheet.write_string(row, 3, _clean(decision), fmt["text"])
        row += 1
    label, _b, total, _d = tables.bilaga2_total()
    sheet.write_string(row, 0, label, fmt["total_text"])
    sheet.write_blank(row, 1, None, fmt["total_text"])
    _write_sum(sheet, row, 2, first, total, fmt["total_amount_kr"])
    sheet.write_blank(row, 3, None, fmt["total_text"])

    book.close()
    return path


def _page_setup(sheet: Any, tables: OfficialTables, label: str, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    sheet.fit_to_pages(1, 0)  # all columns on the page width, as many pages as needed
    sheet.repeat_rows(1)  # the header row (row 2) on every page
    title = _header_footer_text(tables.document_title)
    dnr = (
        f"&R&8Dnr {_header_footer_text(tables.registration_number)}"
        if tables.registration_number
        else ""
    )
    sheet.set_header(f'&L&"{FONT},Bold"&10{label}&C&8{title}{dnr}')
    sheet.set_footer("&C&8Sida &P av &N")
    sheet.hide_gridlines(2)
    sheet.freeze_panes(2, 0)


def _header_footer_text(text: str) -> str:
    return _clean(text).replace("&", "&&")


def _sheet_heading(sheet: Any, fmt: dict[str, Any], title: str) -> int:
    """Row 1: the appendix's title ("Bilaga N" is the sheet's name and the page header).

    Returns the header row (0-based)."""
    sheet.write_string(0, 0, title, fmt["title"])
    sheet.set_row(0, 24)
    return 1


def _header(
    sheet: Any,
    fmt: dict[str, Any],
    row: int,
    columns: Sequence[str],
    widths: Sequence[float],
    amount_columns: set[int],
) -> None:
    sheet.set_row(row, row_height(list(zip(columns, widths, strict=True)), 9, bold=True))
    for col, name in enumerate(columns):
        style = fmt["header_amount"] if col in amount_columns else fmt["header"]
        sheet.write_string(row, col, name, style)


def _write_amount(sheet: Any, row: int, col: int, value: int | None, style: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, style)
    else:
        sheet.write_number(row, col, value, style)


def _write_sum(sheet: Any, row: int, col: int, first: int, total: int, style: Any) -> None:
    from xlsxwriter.utility import xl_rowcol_to_cell

    if row == first:  # no data rows
        sheet.write_number(row, col, total, style)
        return
    top = xl_rowcol_to_cell(first, col)
    bottom = xl_rowcol_to_cell(row - 1, col)
    sheet.write_formula(row, col, f"=SUM({top}:{bottom})", style, total)


# --- docx ----------------------------------------------------------------------------------------


def write_tables_docx(tables: OfficialTables, path: Path) -> Path:
    """``fordelning-ÅÅÅÅ.docx``: the decision's summary, then Bilaga 1 and 2 on A4 landscape."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt

    document = Document()
    _docx_styles(document)
    props = document.core_properties
    props.title = tables.document_title
    props.author = ""  # never a person's name: the export holds no personal data
    props.last_modified_by = ""
    props.comments = "Skapad av lumledger"
    props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.revision = 1

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    _docx_header_footer(section, tables)

    document.add_paragraph(tables.document_title, style="Title")
    document.add_paragraph("Sammanfattning", style="Heading 1")
    lead, bullets, closing = tables.summary_paragraphs(sep=NBSP)
    document.add_paragraph(lead)
    for bullet in bullets:
        document.add_paragraph(bullet, style="List Bullet")
    document.add_paragraph(closing)
    document.add_paragraph("Bilagor", style="Heading 2")
    document.add_paragraph(f"1. {tables.bilaga1_title}")
    document.add_paragraph(f"2. {tables.bilaga2_title}")

    # Bilaga 1
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _landscape(section)
    document.add_paragraph("Bilaga 1", style="Heading 2")
    document.add_paragraph(tables.bilaga1_title, style="Heading 1")
    widths1 = (Cm(5.0), Cm(7.0), Cm(8.7), Cm(2.8), Cm(2.8))
    rows1: list[Sequence[str]] = [
        (heading, purpose, assessment, _kr(applied), _kr(granted))
        for heading, purpose, assessment, applied, granted in tables.bilaga1_rows()
    ]
    label, _b, _c, applied_total, granted_total = tables.bilaga1_total()
    _docx_table(
        document,
        BILAGA1_COLUMNS,
        rows1,
        (label, "", "", _kr(applied_total), _kr(granted_total)),
        widths1,
        amount_columns={3, 4},
    )

    # Bilaga 2
    paragraph = document.add_paragraph()
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    paragraph.paragraph_format.space_after = Pt(0)
    document.add_paragraph("Bilaga 2", style="Heading 2")
    document.add_paragraph(tables.bilaga2_title, style="Heading 1")
    widths2 = (Cm(5.0), Cm(10.3), Cm(2.8), Cm(8.2))
    rows2: list[Sequence[str]] = [
        (admin, place, _kr(granted), decision)
        for admin, place, granted, decision in tables.bilaga2_rows()
    ]
    label, _b, total, _d = tables.bilaga2_total()
    _docx_table(
        document,
        BILAGA2_COLUMNS,
        rows2,
        (label, "", _kr(total, unit=True), ""),
        widths2,
        amount_columns={2},
    )
    document.save(str(path))
    return path


NBSP = "\u00a0"


def _kr(value: int | None, *, unit: bool = False) -> str:
    """An amount for Word: ``3 175 000`` with no-break spaces, so it never breaks over lines."""
    return format_kr(value, sep=NBSP, unit=unit)


def _docx_styles(document: Any) -> None:
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    _set_east_asian_font(normal, FONT)
    for name, size in (("Title", 16), ("Heading 1", 13), ("Heading 2", 11)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_east_asian_font(style, FONT)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    title = styles["Title"]
    # The default Title style has a coloured bottom border; a decision's title has none.
    ppr = title.element.pPr
    if ppr is not None:
        for child in list(ppr):
            if child.tag.endswith("}pBdr"):
                ppr.remove(child)


def _set_east_asian_font(style: Any, font: str) -> None:
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), font)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attribute), None)


def _docx_header_footer(section: Any, tables: OfficialTables) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    header = section.header.paragraphs[0]
    text = tables.document_title
    if tables.registration_number:
        text += f"\tDnr {tables.registration_number}"
    run = header.add_run(_clean(text))
    run.font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.style.font.size = Pt(8)
    _add_page_number(footer)


def _add_page_number(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    def field(instruction: str) -> None:
        run = paragraph.add_run()
        run.font.size = Pt(8)
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        code = OxmlElement("w:instrText")
        code.set(qn("xml:space"), "preserve")
        code.text = f" {instruction} "
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        value = OxmlElement("w:t")
        value.text = "1"
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        for element in (begin, code, separate, value, end):
            run._r.append(element)

    lead = paragraph.add_run("Sida ")
    lead.font.size = Pt(8)
    field("PAGE")
    middle = paragraph.add_run(" av ")
    middle.font.size = Pt(8)
    field("NUMPAGES")


def _landscape(section: Any) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.7)
    section.top_margin = section.bottom_margin = Cm(1.7)


def _docx_table(
    document: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    total: Sequence[str],
    widths: Sequence[Any],
    amount_columns: set[int],
) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)

    def fill(cells: Any, values: Sequence[str], *, bold: bool, shade: str | None) -> None:
        for col, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.width = widths[col]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.line_spacing = 1.0
            if col in amount_columns:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(_clean(value))
            run.font.size = Pt(8.5)
            run.bold = bold
            if shade:
                properties = cell._tc.get_or_add_tcPr()
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), shade)
                properties.append(shading)

    header = table.rows[0]
    fill(header.cells, columns, bold=True, shade="D9D9D9")
    header_props = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for values in rows:
        row = table.add_row()
        fill(row.cells, values, bold=False, shade=None)
        no_split = OxmlElement("w:cantSplit")
        no_split.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(no_split)
    row = table.add_row()
    fill(row.cells, total, bold=True, shade="F2F2F2")
    for col, width in enumerate(widths):
        table.columns[col].width = width
