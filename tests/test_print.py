"""Every workbook lumledger writes prints legibly on A4 (issue 13, point 6).

The page set-up is decided once, in :func:`lumledger.reports.xlsx_writer.print_layout`: tested
here on made-up widths, then on every xlsx written from the example ledger (Summering,
Avstämning, Fel, fördelning). Then LibreOffice prints each to PDF (``tools/render_docs.py``, the
same code that makes the pictures in ``docs/``) and ``pdftotext`` shows that every heading is
printed whole and that the pages stay within the bounds below; last, the pictures in ``docs/``
are the ones that code makes.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from lumledger.reports import xlsx_writer
from lumledger.reports.layout import HEADER_LINES, heading_width, text_lines, usable_width
from lumledger.reports.tables import Column, ColumnKind, Report, Table, body
from lumledger.reports.xlsx_writer import (
    MIN_SCALE,
    PrintLayout,
    column_pixels,
    print_layout,
    print_widths,
)
from tools import render_docs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: Printed pages of each output of the example ledger, at most (measured: the same numbers).
PAGE_BOUNDS = {
    "summering": 7,  # one page per sheet: four tables and three charts
    "avstamning": 9,  # Öppet per år 1, Avvikelser 1, per ansökan 2 bands x 2 pages, 1 + 1 + 1
    "fel": 1,
    "fordelning-xlsx": 5,  # Bilaga 1 on 4 pages, Bilaga 2 on 1
    "fordelning-docx": 6,  # the summary, Bilaga 1 on 4 pages, Bilaga 2 on 1
}
#: Pages side by side (bands of columns) a sheet may take, at most.
MOST_BANDS = 2
#: Sheets that are a list of lines without a header row.
HEADERLESS = {"Om avstämningen"}


# --- the layout, on made-up widths -------------------------------------------------------------------


def test_narrow_tables_print_portrait_wide_ones_landscape_fitted_to_the_width() -> None:
    assert print_layout([10, 20, 30]) == PrintLayout(landscape=False)
    assert print_layout([20] * 8) == PrintLayout(landscape=True)  # 1 160 px: 88 %
    assert print_layout([12] * 14) == PrintLayout(landscape=True)  # 1 246 px: fits at 70 %


def test_a_table_too_wide_for_a_readable_page_prints_in_bands_with_its_first_columns() -> None:
    widths = [8, 10, 13, 23, 30] + [12] * 13 + [30, 10]
    layout = print_layout(widths)
    assert layout.landscape and layout.scale is not None and layout.scale >= MIN_SCALE
    assert layout.repeated == 3 and layout.bands == 2
    pixels = [column_pixels(w) for w in widths]
    page = xlsx_writer.LANDSCAPE_PIXELS / layout.scale
    starts = (layout.repeated, *layout.breaks, len(widths))
    for start, end in itertools.pairwise(starts):
        assert sum(pixels[: layout.repeated]) + sum(pixels[start:end]) <= page


def test_running_text_narrows_before_the_table_prints_small() -> None:
    columns = (
        Column("a", "År", ColumnKind.YEAR),
        Column("b", "Regel", long=True),
        Column("c", "Meddelande", long=True),
        *(Column(f"n{i}", "Förväntat", ColumnKind.NUMBER) for i in range(8)),
    )
    table = Table(name="T", columns=columns)
    widths = [8.0, 47.0, 60.0] + [11.0] * 8
    assert print_layout(widths).scale is not None  # as wide as it is, it would need bands
    fitted = print_widths(table, widths)
    assert fitted[0] == 8 and fitted[3:] == widths[3:]
    assert 30 <= fitted[1] < 47 and 30 <= fitted[2] < 60
    assert print_layout(fitted) == PrintLayout(landscape=True)


def test_a_heading_fits_its_column_in_at_most_three_lines_never_cut_in_a_word() -> None:
    for heading in (
        "Antal ansökningar enligt beslutet",
        "Ej förbrukat (enligt redovisningen)",
        "Beviljat i liggaren (kr)",
        "Stadsdelsförvaltning och Namn på projektet",
    ):
        width = heading_width(heading)
        assert text_lines(heading, usable_width(width), 9, bold=True) <= HEADER_LINES
        longest = max(heading.split(), key=len)
        assert text_lines(longest, usable_width(width), 9, bold=True) == 1


# --- the page set-up of every workbook written from the example ----------------------------------------


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return render_docs.example_outputs(tmp_path_factory.mktemp("utskrift"))


XLSX = ("summering", "avstamning", "fel", "fordelning-xlsx")


@pytest.mark.parametrize("name", XLSX)
def test_every_sheet_is_set_up_for_a4(outputs: dict[str, Path], name: str) -> None:
    book = openpyxl.load_workbook(outputs[name])
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9, sheet.title
        assert setup.orientation in ("portrait", "landscape")
        if sheet._charts:  # the table and its chart on one landscape page
            assert setup.orientation == "landscape", sheet.title
            assert (setup.fitToWidth, setup.fitToHeight) in ((1, 1), (None, None)), sheet.title
            continue
        if sheet.title in HEADERLESS:
            assert sheet.sheet_properties.pageSetUpPr.fitToPage
            continue
        assert sheet.print_title_rows, f"{sheet.title}: the header repeats on every page"
        header_row = int(sheet.print_title_rows.split(":")[0].strip("$"))
        widths = _widths(sheet)
        if sheet.sheet_properties.pageSetUpPr.fitToPage:
            assert (setup.fitToWidth, setup.fitToHeight) in ((1, 0), (None, 0)), sheet.title
        else:  # bands of columns, the first ones repeated
            assert setup.scale is not None and setup.scale >= MIN_SCALE * 100
            assert sheet.print_title_cols and len(sheet.col_breaks.brk) < MOST_BANDS
        for cell in sheet[header_row]:
            if isinstance(cell.value, str) and cell.value:
                letter = cell.column_letter
                assert widths[letter] >= heading_width(cell.value), f"{sheet.title}!{letter}"
                assert cell.alignment.wrap_text


def _widths(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, float]:
    """Column widths by letter (openpyxl groups equal neighbours into one dimension)."""
    from openpyxl.utils import get_column_letter

    widths: dict[str, float] = {}
    for dimension in sheet.column_dimensions.values():
        for number in range(dimension.min or 1, (dimension.max or dimension.min or 1) + 1):
            widths[get_column_letter(number)] = dimension.width
    return widths


def test_the_roll_up_shows_no_internal_key(outputs: dict[str, Path]) -> None:
    sheet = openpyxl.load_workbook(outputs["summering"])["Fleråriga projekt"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "HV-socialtjanst-2020" not in texts
    assert "Hässelby-Vällingby" in texts
    assert any(text.startswith("Ett systematiskt, skyndsamt") for text in texts)
    # A wrapped name makes its row taller: it never spills over the next row.
    for row in sheet.iter_rows(min_row=3):
        name = row[1].value
        if isinstance(name, str) and len(name) > 60:
            assert (sheet.row_dimensions[row[1].row].height or 0) > 20


def test_a_report_with_a_mark_has_it_on_every_sheet(tmp_path: Path) -> None:
    table = Table(name="Blad", columns=(Column("a", "A"),), rows=(body("x"),))
    path = xlsx_writer.write_xlsx(
        Report(title="T", tables=(table,), mark="UTKAST"), tmp_path / "u.xlsx"
    )
    sheet = openpyxl.load_workbook(path)["Blad"]
    assert "UTKAST" in sheet.oddHeader.center.text and "UTKAST" in sheet.oddFooter.right.text
    assert sheet["A1"].value == "UTKAST – T"


# --- printed by LibreOffice ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def printed(outputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _require_rendering()
    work = tmp_path_factory.mktemp("pdf")
    return {name: render_docs.to_pdf(path, work) for name, path in outputs.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(PAGE_BOUNDS))
def test_pages_stay_within_their_bound(printed: dict[str, Path], name: str) -> None:
    pages = render_docs.page_count(printed[name])
    assert 1 <= pages <= PAGE_BOUNDS[name], f"{name}: {pages} pages"


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", XLSX)
def test_every_heading_is_printed_whole(
    outputs: dict[str, Path], printed: dict[str, Path], name: str
) -> None:
    """Each sheet's headings, word by word, on the sheet's first page (each band's): a heading
    cut at the column's edge ("Antal ansökninga") loses a whole word there."""
    pages = render_docs.pages_text(printed[name])
    book = openpyxl.load_workbook(outputs[name])
    for sheet in book.worksheets:
        if not sheet.print_title_rows:
            continue
        header_row = int(sheet.print_title_rows.split(":")[0].strip("$"))
        headings = [c.value for c in sheet[header_row] if isinstance(c.value, str) and c.value]
        own = render_docs.sheet_pages(pages, sheet.title)
        assert own, f"no printed page of {sheet.title}"
        bands = 1 + len(sheet.col_breaks.brk)
        printed_words = Counter(w for page in own[:bands] for w in _words(page))
        wanted = Counter(w for heading in headings for w in _words(heading))
        for word, count in wanted.items():
            assert printed_words[word] >= count, f"{name} {sheet.title}: ”{word}”"


def _words(text: str) -> list[str]:
    return re.findall(r"[\wÅÄÖåäö%()-]+", text)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["fordelning-xlsx", "fordelning-docx"])
def test_a_draft_says_utkast_on_every_printed_page(tmp_path: Path, name: str) -> None:
    import lumledger

    _require_rendering()
    result = lumledger.export(render_docs.EXAMPLE, 2020, tmp_path, ("xlsx", "docx"), draft=True)
    source = result.files[0 if name.endswith("xlsx") else 1]
    pages = render_docs.pages_text(render_docs.to_pdf(source, tmp_path / "pdf"))
    assert pages and all("UTKAST" in page for page in pages)


@pytest.mark.libreoffice
def test_the_pictures_in_docs_are_those_the_tool_makes(tmp_path: Path) -> None:
    """``docs/`` holds exactly :data:`render_docs.PICTURES` (besides docs/excel.md's pictures of
    the Excel sheets, ``excel-*.png``, made by xl/doc_pictures.py), each referenced from the
    user's guide; rendered again with the LibreOffice that made them, each is the same, byte for
    byte."""
    names = {picture.name for picture in render_docs.PICTURES}
    pictures = {path.name for path in DOCS.glob("*.png") if not path.name.startswith("excel-")}
    assert pictures == names
    guide = (DOCS / "anvandarguide.md").read_text(encoding="utf-8")
    for name in names:
        assert f"]({name})" in guide, name
    manifest = (DOCS / render_docs.MANIFEST).read_text(encoding="utf-8").splitlines()
    recorded = dict(reversed(line.split("  ", 1)) for line in manifest[1:])
    for name in names:
        assert hashlib.sha256((DOCS / name).read_bytes()).hexdigest() == recorded[name], name
    _require_rendering()
    version = render_docs.libreoffice_version()
    if manifest[0] != f"# {version}":
        pytest.skip(f"the pictures were made with {manifest[0][2:]}, this is {version}")
    made = render_docs.render_pictures(tmp_path, tmp_path / "docs")
    for name, path in made.items():
        assert path.read_bytes() == (DOCS / name).read_bytes(), name


def _require_rendering() -> None:
    missing = render_docs.tools_missing()
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
