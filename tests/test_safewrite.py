"""Tests for lumledger.workbook.safewrite: writing cells into a ledger without damaging anything else."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.worksheet.formula import ArrayFormula

from lumledger.findings import LedgerWriteError
from lumledger.workbook import safewrite
from lumledger.workbook.safewrite import (
    CellWrite,
    excel_serial,
    is_date_format,
    lock_file_for,
    plan,
    replace,
    verify_only_cells_changed,
    write_cells,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXCEL_SAVED = FIXTURES / "excel-saved"
NOW = dt.datetime(2026, 3, 1, 9, 30, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# openpyxl (used here only to read) warns that it would drop the x14 extensions we keep.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.* is not supported and will be removed:UserWarning"
)


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_rich_ledger", FIXTURES / "make_rich_ledger.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


# --- helpers --------------------------------------------------------------------------------------


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def entry_layout(path: Path) -> list[tuple[str, int]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, info.compress_type) for info in archive.infolist()]


def changed_parts(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    names = before.keys() | after.keys()
    return {name for name in names if before.get(name) != after.get(name)}


def sheet_part(path: Path, title: str) -> str:
    """The zip part of a sheet, found through the workbook's relationships."""
    data = parts(path)
    workbook = data["xl/workbook.xml"].decode()
    rels = data["xl/_rels/workbook.xml.rels"].decode()
    match = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(rId\d+)"', workbook)
    assert match, title
    target = re.search(rf'Id="{match[1]}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{match[1]}"', rels
    )
    assert target
    return "xl/" + target[1].lstrip("/").removeprefix("xl/")


def outside_sheet_data(xml: bytes) -> str:
    text = xml.decode()
    text = re.sub(r"<sheetData>.*</sheetData>|<sheetData/>", "<sheetData/>", text, flags=re.S)
    return re.sub(r'<dimension ref="[^"]*"/>', "<dimension/>", text)


def all_values(path: Path, *, data_only: bool) -> dict[tuple[str, str], Any]:
    workbook = openpyxl.load_workbook(path, data_only=data_only)
    values: dict[tuple[str, str], Any] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = ("array", value.ref, value.text)
                if value is not None:
                    values[(sheet.title, cell.coordinate)] = value
    return values


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(EXCEL_SAVED / name, target)
    return target


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    return builder.build_rich_ledger(tmp_path / "liggare.xlsm")


def minimal_xlsx(
    path: Path, sheet_xml: str, *, styles: str | None = None, date1904: bool = False
) -> Path:
    """A hand-written one-sheet workbook (sheet "Blad1"), for XML shapes real writers produce."""
    styles = styles or (
        f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" xfId="0"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="http://'
            f'schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets><sheet '
            'name="Blad1" sheetId="1" r:id="rId7"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
            '"worksheets/data.xml"/><Relationship Id="rId8" Type="http://schemas.openxmlformats'
            '.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8"?>' + styles,
        "xl/worksheets/data.xml": '<?xml version="1.0" encoding="UTF-8"?>' + sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def sheet_text(path: Path, part: str = "xl/worksheets/data.xml") -> str:
    return parts(path)[part].decode()


# --- the rich ledger built in code ------------------------------------------------------------------


def test_rich_ledger_keeps_everything_but_the_written_cells(rich: Path) -> None:
    original = rich.read_bytes()
    before = parts(rich)
    formulas_before = all_values(rich, data_only=False)
    values_before = all_values(rich, data_only=True)
    rounds_part = sheet_part(rich, "Omgångar")
    applications_part = sheet_part(rich, "Ansökningar")

    result = write_cells(
        rich,
        [
            CellWrite("Omgångar", "K3", "Beslutad"),  # replace a shared string
            CellWrite("omgångar", "I3", dt.date(2019, 12, 17)),  # existing empty date cell
            CellWrite("Omgångar", "J3", "SoN 2019/77"),  # new cell in an existing row
            CellWrite("Omgångar", "A4", 2021),  # appended row
            CellWrite("Omgångar", "B4", dt.date(2020, 8, 1)),
            CellWrite("Omgångar", "D4", Decimal("1200000")),
            CellWrite("Omgångar", "E4", Decimal("99999.50")),
            CellWrite("Omgångar", "K4", "Öppen"),
            CellWrite("Ansökningar", "G3", 180_000),  # replace a number
            CellWrite("Ansökningar", "E4", None),  # clear a value
        ],
        now=NOW,
    )

    assert result.path == rich
    assert result.backup == rich.with_name("liggare.backup-20260301-093000.xlsm")
    assert result.backup.read_bytes() == original
    assert result.changed_cells[:2] == ("Omgångar!K3", "Omgångar!I3")
    assert "Ansökningar!E4" in result.changed_cells

    after = parts(rich)
    # xlsxwriter already sets fullCalcOnLoad and the dates reuse the column's date style, so only
    # the two sheets change; every other part (VBA, chart, drawings, comments, styles ...) is equal.
    assert changed_parts(before, after) == {rounds_part, applications_part}
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert entry_layout(rich) == entry_layout(result.backup)
    for part in (rounds_part, applications_part):
        assert outside_sheet_data(after[part]) == outside_sheet_data(before[part])
    rounds_xml = after[rounds_part].decode()
    assert '<dimension ref="A1:L4"/>' in rounds_xml
    assert "<dataValidation " in rounds_xml and "<conditionalFormatting " in rounds_xml
    assert "<legacyDrawing " in rounds_xml
    assert "x14:dataBar" in after[applications_part].decode()
    assert "x14:sparklineGroups" in after[sheet_part(rich, "Översikt")].decode()
    assert "xl/charts/chart1.xml" in after and "xl/drawings/drawing1.xml" in after

    formulas_after = all_values(rich, data_only=False)
    values_after = all_values(rich, data_only=True)
    written = {
        ("Omgångar", "K3"),
        ("Omgångar", "I3"),
        ("Omgångar", "J3"),
        ("Omgångar", "A4"),
        ("Omgångar", "B4"),
        ("Omgångar", "D4"),
        ("Omgångar", "E4"),
        ("Omgångar", "K4"),
        ("Ansökningar", "G3"),
        ("Ansökningar", "E4"),
    }
    for key in formulas_before.keys() | formulas_after.keys():
        if key not in written:
            assert formulas_after.get(key) == formulas_before.get(key), key
            assert values_after.get(key) == values_before.get(key), key
    assert formulas_after[("Översikt", "B1")] == builder.TOTAL_FORMULA
    assert values_after[("Översikt", "B1")] == builder.TOTAL_VALUE
    assert formulas_after[("Omgångar", "L3")] == "=D3+E3"
    assert values_after[("Omgångar", "L3")] == 1_100_000

    workbook = openpyxl.load_workbook(rich, data_only=True)
    rounds = workbook["Omgångar"]
    assert rounds["K3"].value == "Beslutad"
    assert rounds["J3"].value == "SoN 2019/77"
    assert rounds["I3"].value == dt.datetime(2019, 12, 17)
    assert rounds["I3"].is_date and rounds["I3"].number_format == "yyyy-mm-dd"
    assert rounds["A4"].value == 2021 and type(rounds["A4"].value) is int
    assert rounds["B4"].value == dt.datetime(2020, 8, 1)
    assert rounds["B4"].number_format == "yyyy-mm-dd"
    assert rounds["D4"].value == 1_200_000 and type(rounds["D4"].value) is int
    assert rounds["E4"].value == 99999.5
    assert rounds["K4"].value == "Öppen"
    # The appended row looks like the rows above it: each new cell has its column's style.
    for column in "ABDEK":
        assert rounds[f"{column}4"].style_id == rounds[f"{column}3"].style_id, column
    assert len(rounds.data_validations.dataValidation) == 1
    assert len(rounds.conditional_formatting) == 1
    applications = workbook["Ansökningar"]
    assert applications["G3"].value == 180_000
    assert applications["E4"].value is None
    assert applications["E4"].style_id == applications["E3"].style_id
    assert workbook.defined_names["Ramar"].attr_text == "Omgångar!$D$2:$D$200"
    assert verify_only_cells_changed(result.backup, rich, {("Omgångar", "K3")}) != []


def test_exact_xml_of_written_cells(rich: Path) -> None:
    part = sheet_part(rich, "Omgångar")
    shared_strings = parts(rich)["xl/sharedStrings.xml"]
    write_cells(
        rich,
        [
            CellWrite("Omgångar", "K3", "  två  & <tre>\n"),
            CellWrite("Omgångar", "D3", Decimal("1234.50")),
            CellWrite("Omgångar", "E3", Decimal("-0.10")),
            CellWrite("Omgångar", "C3", dt.date(2019, 10, 26)),
        ],
        now=NOW,
    )
    xml = parts(rich)[part].decode()
    assert (
        '<c r="K3" s="2" t="inlineStr"><is><t xml:space="preserve">  två  &amp; &lt;tre&gt;\n'
        "</t></is></c>"
    ) in xml
    assert '<c r="D3" s="4"><v>1234.5</v></c>' in xml
    assert '<c r="E3" s="4"><v>-0.1</v></c>' in xml
    assert '<c r="C3" s="3"><v>43764</v></c>' in xml
    # The formula that sums D3 and E3 is untouched, cached value and all.
    assert '<c r="L3" s="4"><f>D3+E3</f><v>1100000</v></c>' in xml
    assert parts(rich)["xl/sharedStrings.xml"] == shared_strings  # text goes inline


def test_backups_are_never_overwritten(rich: Path) -> None:
    first = write_cells(rich, [CellWrite("Omgångar", "J3", "a")], now=NOW)
    second = write_cells(rich, [CellWrite("Omgångar", "J3", "b")], now=NOW)
    third = write_cells(rich, [CellWrite("Omgångar", "J3", "c")], now=NOW)
    assert first.backup.name == "liggare.backup-20260301-093000.xlsm"
    assert second.backup.name == "liggare.backup-20260301-093000-2.xlsm"
    assert third.backup.name == "liggare.backup-20260301-093000-3.xlsm"
    assert openpyxl.load_workbook(second.backup)["Omgångar"]["J3"].value == "a"
    assert openpyxl.load_workbook(rich)["Omgångar"]["J3"].value == "c"


def test_date_into_a_cell_without_date_format_adds_one_style(rich: Path) -> None:
    before = parts(rich)
    write_cells(
        rich,
        [
            CellWrite("Ansökningar", "H2", dt.date(2018, 10, 1)),
            CellWrite("Ansökningar", "H3", dt.date(2018, 10, 2)),
            CellWrite("Ansökningar", "J9", dt.datetime(2018, 10, 2, 12, 0)),
            CellWrite("Omgångar", "J4", dt.date(2019, 1, 2)),  # below bordered text cells
        ],
        now=NOW,
    )
    after = parts(rich)
    assert changed_parts(before, after) == {
        sheet_part(rich, "Ansökningar"),
        sheet_part(rich, "Omgångar"),
        "xl/styles.xml",
    }
    workbook = openpyxl.load_workbook(rich)
    sheet = workbook["Ansökningar"]
    assert sheet["H2"].value == dt.datetime(2018, 10, 1)
    assert sheet["H2"].is_date and sheet["H2"].number_format.replace("\\", "") == "yyyy-mm-dd"
    assert sheet["H2"].style_id == sheet["H3"].style_id  # one new style, reused
    assert sheet["J9"].value == dt.datetime(2018, 10, 2, 12, 0)
    assert sheet["J9"].is_date
    rounds = workbook["Omgångar"]
    assert rounds["J4"].value == dt.datetime(2019, 1, 2)
    assert rounds["J4"].number_format.replace("\\", "") == "yyyy-mm-dd"
    assert rounds["J4"].border.left.style == rounds["J2"].border.left.style == "thin"
    styles_before = before["xl/styles.xml"].decode()
    styles_after = after["xl/styles.xml"].decode()
    old_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles_before, re.S)
    new_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles_after, re.S)
    assert old_xfs and new_xfs and new_xfs[1].startswith(old_xfs[1])


# --- workbooks saved by Excel ---------------------------------------------------------------------

EXCEL_FILES = [
    "fibonacci.xlsm",
    "database.xlsm",
    "macro-book.xlsm",
    "tables.xlsx",
    "cell_errors.xlsx",
]


@pytest.mark.parametrize("name", EXCEL_FILES)
def test_excel_saved_workbooks_change_only_the_written_cells(name: str, tmp_path: Path) -> None:
    path = copy_fixture(name, tmp_path)
    original = path.read_bytes()
    before = parts(path)
    title = openpyxl.load_workbook(path).sheetnames[0]
    part = sheet_part(path, title)
    values_before = all_values(path, data_only=False)

    result = write_cells(
        path,
        [CellWrite(title, "Z1", "lumledger"), CellWrite(title, "Z300", 4711)],
        now=NOW,
    )

    assert result.backup.read_bytes() == original
    after = parts(path)
    changed = changed_parts(before, after)
    has_formulas = any(
        re.search(rb"<f[ >]", data)
        for name, data in before.items()
        if name.startswith("xl/worksheets/")
    )
    assert changed == ({part, "xl/workbook.xml"} if has_formulas else {part})
    assert entry_layout(path) == entry_layout(result.backup)
    # Controls, ActiveX, drawings, tables, printer settings: outside sheetData, all unchanged.
    assert outside_sheet_data(after[part]) == outside_sheet_data(before[part])
    if "xl/vbaProject.bin" in before:
        assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    if "xl/workbook.xml" in changed:
        workbook_xml = after["xl/workbook.xml"]
        assert workbook_xml.count(b' fullCalcOnLoad="1"') == 1
        assert workbook_xml.replace(b' fullCalcOnLoad="1"', b"") == before["xl/workbook.xml"]
    values_after = all_values(path, data_only=False)
    assert values_after.pop((title, "Z1")) == "lumledger"
    assert values_after.pop((title, "Z300")) == 4711
    assert values_after == values_before
    assert verify_only_cells_changed(result.backup, path, {(title, "Z1"), (title, "Z300")}) == []


def test_excel_error_cells_and_calc_chain_survive(tmp_path: Path) -> None:
    path = copy_fixture("cell_errors.xlsx", tmp_path)
    before = parts(path)
    write_cells(path, [CellWrite("Sheet1", "B5", 7)], now=NOW)
    after = parts(path)
    assert after["xl/calcChain.xml"] == before["xl/calcChain.xml"]
    assert after["xl/metadata.xml"] == before["xl/metadata.xml"]
    xml = after["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="A3" t="e" cm="1"><f t="array" aca="1" ref="A3" ca="1">NAME()</f>' in xml
    assert '<c r="A5" t="e"><f>99999999999999^9999999999999990</f><v>#NUM!</v></c>' in xml
    assert '<c r="B5"><v>7</v></c>' in xml


def test_replacing_a_formula_drops_the_calculation_chain(tmp_path: Path) -> None:
    path = copy_fixture("cell_errors.xlsx", tmp_path)
    before = parts(path)
    result = write_cells(path, [CellWrite("Sheet1", "A7", "ersatt")], now=NOW)
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert changed_parts(before, after) == {
        "xl/calcChain.xml",
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
    }
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert after["xl/metadata.xml"] == before["xl/metadata.xml"]
    xml = after["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="A7" t="inlineStr"><is><t>ersatt</t></is></c>' in xml
    assert openpyxl.load_workbook(path)["Sheet1"]["A7"].value == "ersatt"
    assert verify_only_cells_changed(result.backup, path, {("Sheet1", "A7")}) == []
    # Without A7 among the allowed cells the same change is reported.
    assert verify_only_cells_changed(result.backup, path, {("Sheet1", "B1")}) != []


# --- XML shapes -------------------------------------------------------------------------------------


def test_prefixed_namespace_self_closing_rows_and_cells(tmp_path: Path) -> None:
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:dimension ref="A1:C3"/><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Rubrik</x:t></x:is></x:c></x:row>'
        '<x:row r="2" spans="1:2" ht="20" customHeight="1"/>'
        '<x:row r="3"><x:c r="A3"/><x:c r="C3"><x:v>3</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = minimal_xlsx(tmp_path / "prefix.xlsx", sheet)
    write_cells(
        path,
        [
            CellWrite("BLAD1", "B2", "ny"),
            CellWrite("Blad1", "A3", 1),
            CellWrite("Blad1", "B3", 2),
            CellWrite("Blad1", "E5", 5),
        ],
        now=NOW,
    )
    xml = sheet_text(path)
    assert (
        '<x:row r="2" spans="1:2" ht="20" customHeight="1"><x:c r="B2" t="inlineStr"><x:is>'
        "<x:t>ny</x:t></x:is></x:c></x:row>"
    ) in xml
    assert '<x:c r="A3"><x:v>1</x:v></x:c><x:c r="B3"><x:v>2</x:v></x:c><x:c r="C3">' in xml
    # A new row copies the look (height ...) of the nearest row above it: row 3, not row 2.
    assert '<x:row r="5"><x:c r="E5"><x:v>5</x:v></x:c></x:row>' in xml
    assert '<x:dimension ref="A1:E5"/>' in xml
    sheet_values = openpyxl.load_workbook(path)["Blad1"]
    assert [sheet_values[ref].value for ref in ("B2", "A3", "B3", "C3", "E5")] == ["ny", 1, 2, 3, 5]


def test_empty_sheet_data_and_spans_grow(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "tom.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1"/><sheetData/></worksheet>',
    )
    write_cells(path, [CellWrite("Blad1", "B2", "x"), CellWrite("Blad1", "A1", "y")], now=NOW)
    xml = sheet_text(path)
    assert (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>y</t></is></c></row><row r="2">'
        '<c r="B2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    ) in xml
    assert '<dimension ref="A1:B2"/>' in xml
    write_cells(path, [CellWrite("Blad1", "D2", "z")], now=NOW)
    assert '<c r="D2"' in sheet_text(path)

    spans = minimal_xlsx(
        tmp_path / "spans.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1" spans="1:2"><c r="A1"><v>1</v></c>'
        "</row></sheetData></worksheet>",
    )
    write_cells(spans, [CellWrite("Blad1", "E1", 5)], now=NOW)
    assert (
        '<row r="1" spans="1:5"><c r="A1"><v>1</v></c><c r="E1"><v>5</v></c></row>'
        in sheet_text(spans)
    )


def test_text_that_xml_cannot_hold_is_escaped_the_excel_way(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "text.xlsx", f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'
    )
    write_cells(path, [CellWrite("Blad1", "A1", "a\x01b_x0041_c\r")], now=NOW)
    assert '<t xml:space="preserve">a_x0001_b_x005F_x0041_c_x000D_</t>' in sheet_text(path)
    assert openpyxl.load_workbook(path)["Blad1"]["A1"].value is not None


def test_date_1904_system(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "mac.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>',
        date1904=True,
    )
    write_cells(path, [CellWrite("Blad1", "A1", dt.date(2019, 1, 1))], now=NOW)
    assert f"<v>{43466 - 1462}</v>" in sheet_text(path)
    assert openpyxl.load_workbook(path)["Blad1"]["A1"].value == dt.datetime(2019, 1, 1)


def test_helpers() -> None:
    assert excel_serial(dt.date(2019, 1, 1)) == "43466"
    assert excel_serial(dt.date(1900, 1, 1)) == "1"
    assert excel_serial(dt.date(1900, 2, 28)) == "59"
    assert excel_serial(dt.date(1900, 3, 1)) == "61"
    assert excel_serial(dt.datetime(2019, 1, 1, 12, 0)) == "43466.5"
    assert excel_serial(dt.date(1904, 1, 2), date1904=True) == "1"
    assert is_date_format("yyyy\\-mm\\-dd")
    assert is_date_format("[$-41D]d\\ mmmm\\ yyyy;@")
    assert is_date_format("[h]:mm")
    assert not is_date_format("General")
    assert not is_date_format('#,##0 "kr"')
    assert not is_date_format("[Red]0.00")
    assert lock_file_for(Path("/a/liggare.xlsx")) == Path("/a/~$liggare.xlsx")


# --- refusals ---------------------------------------------------------------------------------------


def test_refuses_when_excel_has_the_file_open(rich: Path) -> None:
    original = rich.read_bytes()
    lock_file_for(rich).write_bytes(b"owner")
    with pytest.raises(LedgerWriteError) as caught:
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert "öppen i Excel" in caught.value.message
    assert "stäng den och försök igen" in caught.value.message
    assert rich.read_bytes() == original
    assert sorted(p.name for p in rich.parent.iterdir()) == ["liggare.xlsm", "~$liggare.xlsm"]


def test_refuses_with_excels_short_lock_name_and_libreoffice_lock(tmp_path: Path) -> None:
    path = builder.build_rich_ledger(tmp_path / "lumliggaren-2019.xlsm")
    original = path.read_bytes()
    short = tmp_path / "~$mliggaren-2019.xlsm"
    short.write_bytes(b"owner")
    with pytest.raises(LedgerWriteError, match="öppen i Excel"):
        write_cells(path, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    short.unlink()
    (tmp_path / ".~lock.lumliggaren-2019.xlsm#").write_text("owner")
    with pytest.raises(LedgerWriteError, match="LibreOffice"):
        write_cells(path, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert path.read_bytes() == original


def test_refuses_missing_and_non_workbooks(tmp_path: Path) -> None:
    with pytest.raises(LedgerWriteError, match="finns inte"):
        write_cells(tmp_path / "saknas.xlsx", [CellWrite("Omgångar", "A1", 1)])
    text = tmp_path / "inte.xlsx"
    text.write_text("År;Ram\n2019;1000000\n")
    with pytest.raises(LedgerWriteError, match="inte ett zip-arkiv"):
        write_cells(text, [CellWrite("Omgångar", "A1", 1)])
    assert text.read_text() == "År;Ram\n2019;1000000\n"
    old = tmp_path / "gammal.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(LedgerWriteError, match="lösenordsskyddad"):
        write_cells(old, [CellWrite("Omgångar", "A1", 1)])
    csv_file = tmp_path / "liggare.csv"
    csv_file.write_text("x")
    with pytest.raises(LedgerWriteError, match=r"\.xlsx eller \.xlsm"):
        write_cells(csv_file, [CellWrite("Omgångar", "A1", 1)])
    not_workbook = tmp_path / "arkiv.xlsx"
    with zipfile.ZipFile(not_workbook, "w") as archive:
        archive.writestr("readme.txt", "hej")
    with pytest.raises(LedgerWriteError, match="ingen Excel-arbetsbok"):
        write_cells(not_workbook, [CellWrite("Omgångar", "A1", 1)])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "arkiv.xlsx",
        "gammal.xlsx",
        "inte.xlsx",
        "liggare.csv",
    ]


def test_refuses_a_zip_bomb_and_xml_declarations_as_reading_does(
    tmp_path: Path, rich: Path
) -> None:
    """The writer loads the workbook through the package layer's checks of reading."""
    folder = tmp_path / "ut"
    folder.mkdir()
    bomb = folder / "bomb.xlsm"
    declared = folder / "dtd.xlsm"
    with (
        zipfile.ZipFile(rich) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as big,
        zipfile.ZipFile(declared, "w", zipfile.ZIP_DEFLATED) as dtd,
    ):
        for info in source.infolist():
            data = source.read(info)
            big.writestr(info, data)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
            dtd.writestr(info, data)
        big.writestr("customXml/item9.xml", b" " * 20_000_000)
    for path, words in ((bomb, "zip-bomb"), (declared, "DOCTYPE/ENTITY")):
        original = path.read_bytes()
        with pytest.raises(LedgerWriteError, match=words):
            write_cells(path, [CellWrite("Omgångar", "J3", "x")], now=NOW)
        assert path.read_bytes() == original
    assert sorted(p.name for p in folder.iterdir()) == ["bomb.xlsm", "dtd.xlsm"]


def test_refuses_what_would_break_the_workbook(tmp_path: Path, rich: Path) -> None:
    original = rich.read_bytes()
    with pytest.raises(LedgerWriteError, match="Bladet Fel finns inte"):
        write_cells(rich, [CellWrite("Fel", "A1", 1)])
    tables = copy_fixture("tables.xlsx", tmp_path)
    with pytest.raises(LedgerWriteError, match="rubrik i tabellen Table1"):
        write_cells(tables, [CellWrite("template", "A1", "Ny rubrik")])
    assert rich.read_bytes() == original

    merged = tmp_path / "merged.xlsx"
    workbook = xlsxwriter.Workbook(str(merged))
    sheet = workbook.add_worksheet("Blad1")
    sheet.merge_range("A1:C1", "Rubrik")
    sheet.write_formula("A3", "{=A1:A2*2}")
    sheet.write_array_formula("B3:B4", "{=A1:A2*2}", None, 0)
    workbook.close()
    with pytest.raises(LedgerWriteError, match="sammanfogade cellerna A1:C1; skriv i A1"):
        write_cells(merged, [CellWrite("Blad1", "B1", "x")])
    with pytest.raises(LedgerWriteError, match="matrisformel"):
        write_cells(merged, [CellWrite("Blad1", "B4", 1)])

    shared = minimal_xlsx(
        tmp_path / "shared.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row><row r="2">'
        '<c r="B2"><f t="shared" si="0"/><v>0</v></c></row></sheetData></worksheet>',
    )
    with pytest.raises(LedgerWriteError, match="delad formel"):
        write_cells(shared, [CellWrite("Blad1", "B1", 5)])
    write_cells(shared, [CellWrite("Blad1", "B2", 5)], now=NOW)  # a dependent cell is fine
    assert '<c r="B2"><v>5</v></c>' in sheet_text(shared)

    with pytest.raises(LedgerWriteError, match="15 siffror"):
        write_cells(rich, [CellWrite("Omgångar", "A5", 10**15)])
    with pytest.raises(LedgerWriteError, match="tidigaste datum"):
        write_cells(rich, [CellWrite("Omgångar", "B5", dt.date(1899, 12, 31))])
    assert rich.read_bytes() == original
    assert not [p for p in rich.parent.iterdir() if p.name.startswith("liggare.backup")]


def test_programming_errors(rich: Path) -> None:
    with pytest.raises(TypeError, match="float"):
        write_cells(rich, [CellWrite("Omgångar", "A5", 1.5)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cell address"):
        write_cells(rich, [CellWrite("Omgångar", "5A", 1)])
    with pytest.raises(ValueError, match="twice"):
        write_cells(rich, [CellWrite("Omgångar", "A5", 1), CellWrite("OMGÅNGAR", "a5", 2)])
    with pytest.raises(ValueError, match="at least one"):
        write_cells(rich, [])


# --- failures -----------------------------------------------------------------------------------


def test_failure_while_writing_leaves_the_original_and_no_temp_file(
    rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich.read_bytes()
    calls: list[str] = []
    real_write_entry = replace.write_entry

    def failing(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
        calls.append(info.filename)
        if len(calls) > 8:  # about half of the 20 entries are written
            raise OSError(28, "No space left on device")
        real_write_entry(archive, info, data)

    monkeypatch.setattr(replace, "write_entry", failing)
    with pytest.raises(LedgerWriteError, match="No space left on device"):
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert len(calls) == 9
    assert rich.read_bytes() == original
    assert [p.name for p in rich.parent.iterdir()] == ["liggare.xlsm"]


def test_interrupt_while_writing_leaves_the_original(
    rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich.read_bytes()

    def interrupted(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(replace, "write_entry", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert rich.read_bytes() == original
    assert [p.name for p in rich.parent.iterdir()] == ["liggare.xlsm"]


def test_verification_catches_an_unintended_change(
    rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich.read_bytes()
    real_edit: Callable[..., Any] = plan.edit_sheet_xml

    def sloppy(*args: Any, **kwargs: Any) -> Any:
        edit = real_edit(*args, **kwargs)
        edit.xml = edit.xml.replace(
            b'<c r="A2" s="2"><v>2019</v></c>', b'<c r="A2" s="2"><v>2018</v></c>'
        )
        return edit

    monkeypatch.setattr(plan, "edit_sheet_xml", sloppy)
    with pytest.raises(LedgerWriteError) as caught:
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert "cellen A2 har ändrats" in caught.value.message
    assert "oförändrad" in caught.value.message
    assert rich.read_bytes() == original
    assert [p.name for p in rich.parent.iterdir()] == ["liggare.xlsm"]


def test_verification_after_replacing_restores_the_backup(
    rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich.read_bytes()
    monkeypatch.setattr(
        safewrite,
        "verify_only_cells_changed",
        lambda before, after, allowed: ["delen x har ändrats"],
    )
    with pytest.raises(LedgerWriteError) as caught:
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert (
        "återställts från säkerhetskopian liggare.backup-20260301-093000.xlsm"
        in caught.value.message
    )
    assert rich.read_bytes() == original
    assert sorted(p.name for p in rich.parent.iterdir()) == [
        "liggare.backup-20260301-093000.xlsm",
        "liggare.xlsm",
    ]


def test_refuses_when_the_file_changes_during_the_write(
    rich: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write_temp = safewrite.write_temp

    def meddling(file: Path, *args: Any) -> Path:
        temp = real_write_temp(file, *args)
        file.write_bytes(file.read_bytes() + b" ")  # Excel or a sync client saved meanwhile
        return temp

    monkeypatch.setattr(safewrite, "write_temp", meddling)
    with pytest.raises(LedgerWriteError, match="ändrades av ett annat program"):
        write_cells(rich, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert [p.name for p in rich.parent.iterdir()] == ["liggare.xlsm"]


def test_verify_reports_other_changes(rich: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.xlsm"
    with (
        zipfile.ZipFile(rich) as source,
        zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/vbaProject.bin":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            target.writestr(info, data)
    problems = verify_only_cells_changed(rich, other, {("Omgångar", "A1")})
    assert problems == ["delen xl/vbaProject.bin har ändrats"]


# --- LibreOffice ----------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_opens_the_written_workbook(rich: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    write_cells(
        rich,
        [
            CellWrite("Omgångar", "K3", "Stängd"),
            CellWrite("Omgångar", "A4", 2021),
            CellWrite("Omgångar", "B4", dt.date(2020, 8, 1)),
            CellWrite("Omgångar", "D4", Decimal("1234567.25")),
        ],
        now=NOW,
    )
    errors = copy_fixture("cell_errors.xlsx", tmp_path)
    write_cells(errors, [CellWrite("Sheet1", "A7", "ersatt")], now=NOW)
    out = tmp_path / "csv"
    completed = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(rich),
            str(errors),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with (out / "liggare.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[2][10] == "Stängd"
    assert rows[3][0] == "2021"
    assert rows[3][1] == "2020-08-01"
    assert re.sub(r"[^0-9]", "", rows[3][3]).startswith("1234567")
    assert rows[1][11] and rows[2][11]  # the formulas' values are still there
    with (out / "cell_errors.csv").open(encoding="utf-8") as handle:
        error_rows = list(csv.reader(handle))
    assert error_rows[6][0] == "ersatt"
    assert error_rows[1][0] == "#N/A"


def test_writes_through_a_symbolic_link(rich: Path, tmp_path: Path) -> None:
    link = tmp_path / "genväg.xlsm"
    link.symlink_to(rich)
    result = write_cells(link, [CellWrite("Omgångar", "J3", "via länk")], now=NOW)
    assert link.is_symlink()
    assert result.path == link
    assert result.backup.parent == rich.parent
    assert openpyxl.load_workbook(rich)["Omgångar"]["J3"].value == "via länk"


def test_refuses_a_digitally_signed_workbook(rich: Path, tmp_path: Path) -> None:
    signed = tmp_path / "signerad.xlsm"
    with zipfile.ZipFile(rich) as source, zipfile.ZipFile(signed, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("_xmlsignatures/sig1.xml", "<Signature/>")
    original = signed.read_bytes()
    with pytest.raises(LedgerWriteError, match="digitalt signerad"):
        write_cells(signed, [CellWrite("Omgångar", "J3", "x")], now=NOW)
    assert signed.read_bytes() == original


def test_writing_into_a_table_body_and_clearing_a_missing_cell(tmp_path: Path) -> None:
    path = copy_fixture("tables.xlsx", tmp_path)
    before = parts(path)
    write_cells(
        path,
        [CellWrite("template", "A2", "rad i tabellen"), CellWrite("template", "C7", None)],
        now=NOW,
    )
    after = parts(path)
    assert changed_parts(before, after) == {"xl/worksheets/sheet1.xml"}
    assert openpyxl.load_workbook(path)["template"]["A2"].value == "rad i tabellen"
    assert b'r="C7"' not in after["xl/worksheets/sheet1.xml"]  # nothing to clear, nothing added


def test_calc_pr_is_added_where_the_schema_wants_it(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "formel.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="B1"><f>A1*2</f><v>2</v></c></row></sheetData></worksheet>',
    )
    before = parts(path)
    write_cells(path, [CellWrite("Blad1", "A1", 5)], now=NOW)
    after = parts(path)
    assert changed_parts(before, after) == {"xl/worksheets/data.xml", "xl/workbook.xml"}
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><calcPr fullCalcOnLoad="1"/>'
    )
    # The formula and its (now stale) cached value stay; Excel recalculates on opening.
    assert '<c r="B1"><f>A1*2</f><v>2</v></c>' in sheet_text(path)


def test_cell_extensions_row_styles_and_cells_without_address(tmp_path: Path) -> None:
    path = minimal_xlsx(
        tmp_path / "diverse.xlsx",
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s" vm="1"><v>0</v><extLst><ext uri="{X}"/></extLst></c></row>'
        '<row r="2" s="0" customFormat="1"><c r="A2"><v>1</v></c></row>'
        '<row r="3"><c><v>1</v></c><c><v>2</v></c></row>'
        "</sheetData></worksheet>",
    )
    write_cells(path, [CellWrite("Blad1", "A1", 7), CellWrite("Blad1", "C2", "x")], now=NOW)
    xml = sheet_text(path)
    assert '<c r="A1"><v>7</v><extLst><ext uri="{X}"/></extLst></c>' in xml
    assert '<c r="C2" t="inlineStr">' in xml
    write_cells(path, [CellWrite("Blad1", "C3", 3)], now=NOW)  # after the address-less cells
    assert '<c><v>2</v></c><c r="C3"><v>3</v></c></row>' in sheet_text(path)
    write_cells(path, [CellWrite("Blad1", "B3", 4)], now=NOW)  # an address-less cell
    assert '<row r="3"><c><v>1</v></c><c><v>4</v></c><c r="C3"><v>3</v></c></row>' in sheet_text(
        path
    )
