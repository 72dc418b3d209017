"""Reports as Word documents (python-docx), laid out like the committee's decisions.

The title and the preamble on A4 portrait (Arial 11; headings bold, black, without the default
theme's colours and borders), then every table in an A4 landscape section, each on a new page
under its name (``Bilaga 1``) and title. Tables: a grey header row that repeats on every page,
rows that never break over a page, totals bold on light grey, Arial 8.5, amounts right-aligned
with no-break spaces (``3 175 000``, never split over two lines). The page header holds the
report's title and reference, the footer "Sida N av M". A report with a ``mark`` (a draft's
"UTKAST") has it in large bold red letters at the top of every page's header, in every footer
and before the title. Core properties hold no person: the author is empty. python-docx is
imported inside the functions that use it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lumledger.official import BILAGA1_SHEET, BILAGA2_SHEET
from lumledger.reports.layout import FONT, NBSP, cell_text, clean, sheet_widths
from lumledger.reports.tables import ParagraphKind, Report, RowKind, Table

LANDSCAPE_TEXT_WIDTH_CM = 29.7 - 2 * 1.7
_BREAKS = frozenset("\t\r\n")  # what python-docx's run.text turns into elements of their own

#: The appendices as the committee prints them (centimetres, the width of the landscape page).
FIXED_WIDTHS_CM: dict[str, tuple[float, ...]] = {
    BILAGA1_SHEET: (5.0, 7.0, 8.7, 2.8, 2.8),
    BILAGA2_SHEET: (5.0, 10.3, 2.8, 8.2),
}


def write_docx(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` (see the module's notes for the layout)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt

    document = Document()
    _styles(document)
    props = document.core_properties
    props.title = " – ".join(filter(None, (report.mark, report.title)))
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
    _header_footer(section, report)

    style_ids: dict[str, str | None] = {}

    def add(text: str, style: str) -> None:
        """``document.add_paragraph(text, style=style)``, the style's id looked up once
        (python-docx searches the styles part for it, and for the default style, every time)."""
        paragraph = document.add_paragraph(text)
        if style not in style_ids:
            style_ids[style] = document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        paragraph._p.style = style_ids[style]

    if report.title:
        title = f"{report.mark} – {report.title}" if report.mark else report.title
        add(title, "Title")
    for paragraph in report.preamble:
        if paragraph.kind is ParagraphKind.HEADING:
            add(paragraph.text, f"Heading {paragraph.level}")
        elif paragraph.kind is ParagraphKind.BULLET:
            add(paragraph.text, "List Bullet")
        else:
            document.add_paragraph(paragraph.text)

    for i, table in enumerate(report.tables):
        if i == 0:
            _landscape(document.add_section(WD_SECTION.NEW_PAGE))
        else:
            page_break = document.add_paragraph()
            page_break.add_run().add_break(WD_BREAK.PAGE)
            page_break.paragraph_format.space_after = Pt(0)
        add(table.name, "Heading 2")
        if table.title:
            add(table.title, "Heading 1")
        _table(document, table, _widths(table))
    document.save(str(path))
    return path


def _widths(table: Table) -> list[Any]:
    """Column widths: fixed for the appendices, else the sheet widths spread over the page."""
    from docx.shared import Cm

    fixed = FIXED_WIDTHS_CM.get(table.name)
    if fixed is not None:
        return [Cm(width) for width in fixed]
    characters = sheet_widths([table])
    scale = LANDSCAPE_TEXT_WIDTH_CM / sum(characters)
    return [Cm(round(width * scale, 2)) for width in characters]


def _styles(document: Any) -> None:
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


def _header_footer(section: Any, report: Report) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    header = section.header.paragraphs[0]
    if report.mark:
        mark = header.add_run(clean(report.mark))
        mark.bold = True
        mark.font.size = Pt(20)
        mark.font.color.rgb = RGBColor(0xC0, 0, 0)
        header = section.header.add_paragraph()
    text = report.title or ""
    if report.reference:
        text += f"\t{report.reference}"
    run = header.add_run(clean(text))
    run.font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.style.font.size = Pt(8)
    if report.mark:
        mark = footer.add_run(f"{clean(report.mark)} – ")
        mark.bold = True
        mark.font.size = Pt(8)
        mark.font.color.rgb = RGBColor(0xC0, 0, 0)
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


def _table(document: Any, table: Table, widths: Sequence[Any]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from docx.table import _Row
    from docx.text.run import Run

    numeric = {i for i, column in enumerate(table.columns) if column.kind.is_numeric}
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)

    def format_cell(cell: Any, col: int, *, bold: bool, shade: str | None) -> Any:
        """Give an empty cell its width, paragraph, run and shading; returns the run."""
        cell.width = widths[col]
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        if col in numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run()
        run.font.size = Pt(8.5)
        run.bold = bold
        if shade:
            properties = cell._tc.get_or_add_tcPr()
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), shade)
            properties.append(shading)
        return run

    # python-docx's setters look each element up again (XPath, schema order) for every cell;
    # a cell of a column and kind is formatted once, the others get a copy of its elements.
    formatted: dict[tuple[int, bool, str | None], Any] = {}

    def fill(cells: Any, values: Sequence[str], *, bold: bool, shade: str | None) -> None:
        for col, (cell, value) in enumerate(zip(cells, values, strict=True)):
            tc = cell._tc
            like = formatted.get((col, bold, shade))
            if like is None:
                run = format_cell(cell, col, bold=bold, shade=shade)
                formatted[col, bold, shade] = copy.deepcopy(tc)
            else:
                tc[:] = [copy.deepcopy(child) for child in like]
                paragraph = cell.paragraphs[0]
                run = Run(paragraph._p.r_lst[-1], paragraph)
            text = clean(value)
            if _BREAKS.isdisjoint(text):  # one <w:t>, as python-docx's run.text makes it
                if text:
                    run._r.add_t(text)
            else:
                run.text = text  # tabs and line breaks become their own elements

    header = grid.rows[0]
    fill(header.cells, table.headings, bold=True, shade="D9D9D9")
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    empty_row = None  # a new row as python-docx adds it (a cell per column), to copy
    for item in table.rows:
        if empty_row is None:
            row = grid.add_row()
            empty_row = copy.deepcopy(row._tr)
        else:
            row = _Row(copy.deepcopy(empty_row), grid)
            grid._tbl.append(row._tr)  # where add_row puts it: rows are the table's last elements
        if item.is_group:
            values = [item.values[0]] + [""] * (len(table.columns) - 1)
        else:
            values = [cell_text(table, item, i, sep=NBSP) for i in range(len(table.columns))]
        shade = "F2F2F2" if item.is_total else None
        fill(row.cells, values, bold=item.kind is not RowKind.BODY, shade=shade)
        if not item.is_total:
            no_split = OxmlElement("w:cantSplit")
            no_split.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(no_split)
    for col, width in enumerate(widths):
        grid.columns[col].width = width
