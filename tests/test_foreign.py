"""Foreign files told apart, not called damaged (issue 13, point 10).

The public test files of tests/data/foreign (see SOURCES.md there) are the issue's own examples;
the ledger in each foreign form (backslash or odd-case part names, an Excel 4.0 macro sheet,
recompressed parts) is built here from lumledger's valid ledger. Each test fails without its fix:
before it, these files were refused as "skadad", "ingen Excel-arbetsbok", "kan vara skadlig" or
"möjlig zip-bomb".
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_ledger

from lumledger.findings import LedgerReadError, LedgerWriteError
from lumledger.validation import validate_path
from lumledger.workbook import package as P
from lumledger.workbook import xlsb
from lumledger.workbook.reader import FileSource

DATA = Path(__file__).resolve().parent / "data" / "foreign"


def refusal(path: Path) -> str | None:
    try:
        P.open_package(path)
    except LedgerReadError as exc:
        return exc.message
    return None


def sheets_read(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet python-calamine reads through lumledger's FileSource (rows as lists)."""
    source = FileSource(path)
    try:
        return {
            title: [list(row) for row in source.read_sheet(title).rows]
            for title in source.package.sheets
        }
    finally:
        source.close()


def calamine_direct(path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {
        name: [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=True)]
        for name in book.sheet_names
    }


def rezip(
    source: Path,
    target: Path,
    *,
    rename: Callable[[str], str] = lambda name: name,
    change: Callable[[dict[str, bytes]], None] | None = None,
    level: int | None = None,
) -> Path:
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    if change is not None:
        change(parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            archive.writestr(rename(name), data)
    return target


# --- .xlsb ----------------------------------------------------------------------------------------


def test_xlsb_is_read_like_xlsx() -> None:
    """calamine tests/any_sheets.xlsb (before: "skadad, arbetsbokens XML går inte att läsa")."""
    path = DATA / "any_sheets.xlsb"
    package = P.open_package(path)
    assert package.format == "xlsb"
    assert list(package.sheets) == ["Visible", "Hidden", "VeryHidden"]
    assert package.ignored_sheets == {"Chart": "chartsheet"}
    assert package.hidden_sheets == {"Hidden": "hidden", "VeryHidden": "veryHidden"}
    assert sheets_read(path) == sheets_read(DATA / "any_sheets.xlsx")


def test_xlsb_ledger_commands_read_it(tmp_path: Path) -> None:
    """validate reads the .xlsb (exit 1: it is no ledger), never "skadad" (exit 2)."""
    result = validate_path(DATA / "any_sheets.xlsb")
    assert {f.code for f in result.findings} >= {"LUM-E001"}


def test_cycle_commands_refuse_to_write_xlsb(tmp_path: Path) -> None:
    from lumledger.workbook.safewrite import CellWrite, write_cells

    path = tmp_path / "liggare.xlsb"
    path.write_bytes((DATA / "any_sheets.xlsb").read_bytes())
    with pytest.raises(LedgerWriteError, match=r"binär Excel-arbetsbok \(\.xlsb\).*\.xlsm"):
        write_cells(path, [CellWrite("Visible", "A1", 1)])
    assert path.read_bytes() == (DATA / "any_sheets.xlsb").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["liggare.xlsb"]  # no backup either


def record(typ: int, payload: bytes) -> bytes:
    head = bytearray()
    if typ >= 0x80:
        head += bytes([(typ & 0x7F) | 0x80, typ >> 7])
    else:
        head.append(typ)
    size = len(payload)
    while True:
        byte = size & 0x7F
        size >>= 7
        head.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes(head) + payload


def test_xlsb_record_walk_finds_area_errors_and_habits() -> None:
    row_header = struct.pack("<IIHBBB", 4, 0, 300, 0, 0x10, 0)  # row 5, hidden (fDyZero)
    data = b"".join(
        [
            record(0x91, b""),  # BrtBeginSheetData
            record(0x00, struct.pack("<IIHBBB", 0, 0, 300, 0, 0, 0)),
            record(0x05, struct.pack("<IId", 0, 0, 1.5)),  # A1: a number
            record(0x00, row_header),
            record(0x03, struct.pack("<IIB", 2, 0, 0x2A)),  # C5: #N/A
            record(0x07, struct.pack("<III", 3, 0, 4)),  # D5: shared string 4
            record(0x92, b""),  # BrtEndSheetData
            record(0xB0, struct.pack("<IIII", 1, 2, 3, 3)),  # merged D2:D3
        ]
    )
    scan = xlsb.scan_sheet(data)
    assert scan.area == (1, 1, 5, 4)
    assert scan.errors == {(5, 3): "#N/A"}
    assert scan.max_isst == 4
    assert scan.habits.hidden_rows == [5] and scan.habits.merged == [(2, 4, 3, 4)]


def test_xlsb_shapes_calamine_panics_on_are_refused(tmp_path: Path) -> None:
    """A sheet without its relationship, a shared-string index beyond the table: calamine panics
    ("no entry found for key", "index out of bounds"); lumledger says "skadad" first."""

    def drop_relationship(parts: dict[str, bytes]) -> None:
        rels = parts["xl/_rels/workbook.bin.rels"]
        parts["xl/_rels/workbook.bin.rels"] = re.sub(
            rb'<Relationship [^>]*Target="worksheets/sheet1.bin"/>', b"", rels
        )

    no_rel = rezip(DATA / "any_sheets.xlsb", tmp_path / "a.xlsb", change=drop_relationship)
    assert "ett blad saknar sin del" in (refusal(no_rel) or "")

    def no_strings(parts: dict[str, bytes]) -> None:
        parts["xl/sharedStrings.bin"] = b""  # the sheets still point at strings 0, 1 …

    no_sst = rezip(DATA / "any_sheets.xlsb", tmp_path / "b.xlsb", change=no_strings)
    assert "pekar på text som saknas" in (refusal(no_sst) or "")


def test_xlsb_merges_are_seen() -> None:
    package = P.open_package(DATA / "merge_cells.xlsb")
    merged = [area for title in package.sheets for area in package.sheet_habits(title).merged]
    assert merged and all(top <= bottom and left <= right for top, left, bottom, right in merged)


# --- macro sheets and dialog sheets ---------------------------------------------------------------

MACRO_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><dimension ref="A1"/>'
    b'<sheetData><row r="1"><c r="A1" t="str"><f>HALT()</f><v>TRUE</v></c></row></sheetData>'
    b"</xm:macrosheet>"
)


def add_macro_sheet(parts: dict[str, bytes]) -> None:
    parts["xl/macrosheets/sheet1.xml"] = MACRO_SHEET
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdMacro" Type="http://schemas.microsoft.com/office/2006/'
        b'relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>',
    )
    parts["xl/workbook.xml"] = re.sub(
        rb"<sheets>",
        b'<sheets><sheet name="Makro1" sheetId="99" r:id="rIdMacro"/>',
        parts["xl/workbook.xml"],
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/'
        b'vnd.ms-excel.macrosheet+xml"/></Types>',
    )


@pytest.mark.parametrize("name", ["xlmmacro.xlsm", "BlankSheetTypes.xlsm", "BlankSheetTypes.xlsb"])
def test_macro_and_dialog_sheets_are_ignored(name: str) -> None:
    """POI xlmmacro.xlsm, SheetJS BlankSheetTypes: before, "går inte att läsa som
    Excel-arbetsbok" (python-calamine: "Unrecognized sheet type")."""
    package = P.open_package(DATA / name)
    assert "macrosheet" in package.ignored_sheets.values()
    assert not set(package.ignored_sheets) & set(package.sheets)
    read = sheets_read(DATA / name)
    assert set(read) == set(package.sheets)


def test_ledger_with_a_macro_sheet_is_valid(tmp_path: Path) -> None:
    plain = make_ledger(tmp_path)
    path = rezip(plain, tmp_path / "makro.xlsm", change=add_macro_sheet)
    assert validate_path(path).findings == []
    assert sheets_read(path) == sheets_read(plain)


# --- part names -----------------------------------------------------------------------------------


def test_backslash_part_names_are_read() -> None:
    """ExcelDataReader Test_git_issue_385_backslash.xlsx (before: "ingen Excel-arbetsbok")."""
    path = DATA / "Test_git_issue_385_backslash.xlsx"
    assert sheets_read(path) == calamine_direct(path)


def test_odd_case_part_names_are_read() -> None:
    path = DATA / "Test_git_issue_301_IgnoreCase.xlsx"
    assert sheets_read(path) == calamine_direct(path)


@pytest.mark.parametrize(
    "rename",
    [lambda name: name.replace("/", "\\"), lambda name: name.upper()],
    ids=["backslash", "upper-case"],
)
def test_ledger_with_odd_part_names_is_valid(tmp_path: Path, rename: Callable[[str], str]) -> None:
    plain = make_ledger(tmp_path)
    path = rezip(plain, tmp_path / "udda.xlsx", rename=rename)
    assert validate_path(path).findings == []
    assert sheets_read(path) == sheets_read(plain)


def test_parts_named_twice_are_refused(tmp_path: Path) -> None:
    """Two parts calamine takes for one (case, backslash): lumledger could check one while
    calamine reads the other."""
    plain = make_ledger(tmp_path)

    def twice(parts: dict[str, bytes]) -> None:
        parts["XL/WORKSHEETS/SHEET1.XML"] = parts["xl/worksheets/sheet1.xml"]

    path = rezip(plain, tmp_path / "dubbel.xlsx", change=twice)
    assert "finns två gånger" in (refusal(path) or "")


def test_used_area_is_checked_wherever_the_sheet_part_is(tmp_path: Path) -> None:
    """A sheet part outside xl/worksheets/ (or with backslashes) escaped the used-area check
    while calamine read it: 17 billion cells."""
    plain = make_ledger(tmp_path)

    def elsewhere(parts: dict[str, bytes]) -> None:
        sheet = parts.pop("xl/worksheets/sheet1.xml")
        parts["xl/data/sheet1.xml"] = sheet.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
        )
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b'Target="worksheets/sheet1.xml"', b'Target="data/sheet1.xml"'
        )

    path = rezip(plain, tmp_path / "flyttad.xlsx", change=elsewhere)
    package = P.open_package(path)
    assert "xl/data/sheet1.xml" in package.oversized
    with pytest.raises(LedgerReadError, match="orimligt stort område"):
        package.check_sheet(next(iter(package.sheets)))


# --- other kinds of zip ---------------------------------------------------------------------------


def test_numbers_file_is_named() -> None:
    """SheetJS minimal_112.numbers (before: "kan vara skadlig", its plist has a DOCTYPE)."""
    message = refusal(DATA / "minimal_112.numbers") or ""
    assert "Numbers-fil från Apple" in message and "Exportera till > Excel" in message


@pytest.mark.parametrize(
    ("parts", "said"),
    [
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, "OpenDocument"),
        ({"word/document.xml": b"<w:document/>"}, "Word-dokument"),
        ({"ppt/presentation.xml": b"<p:presentation/>"}, "PowerPoint-presentation"),
    ],
)
def test_office_documents_are_named(tmp_path: Path, parts: dict[str, bytes], said: str) -> None:
    path = tmp_path / "fil.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {"[Content_Types].xml": b"<Types/>", **parts}.items():
            archive.writestr(name, data)
    assert said in (refusal(path) or "")


# --- the zip-bomb rule ----------------------------------------------------------------------------


class Archive:
    def __init__(self, *sizes: tuple[int, int]) -> None:
        self.infos = []
        for i, (size, packed) in enumerate(sizes):
            info = zipfile.ZipInfo(f"xl/worksheets/sheet{i}.xml")
            info.file_size, info.compress_size = size, packed
            self.infos.append(info)

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.infos


@pytest.mark.parametrize(
    ("sizes", "refused"),
    [
        ([(57_032_955, 228_133)], False),  # SheetJS large_strings.xlsx, zlib level 6: 250:1
        ([(57_032_955, 219_860)], False),  # level 9: 259:1
        ([(112_000_000, 336_651)], False),  # its .xlsb twin at level 9: 333:1
        ([(30_000_000, 29_326)], True),  # a bomb of one repeated byte: 1 023:1
        ([(1_500_000_000, 1_500_000)], True),  # 1.5 GB at 1 000:1
        ([(300_000_000, 700_000)], True),  # 430:1 but above 256 MiB
        ([(250_000_000, 500_000)] * 4, True),  # 500:1 four times: 600 MB beyond 200:1
    ],
)
def test_zip_bomb_rule_bounds_the_expanded_size(
    sizes: list[tuple[int, int]], refused: bool
) -> None:
    if refused:
        with pytest.raises(LedgerReadError, match="zip-bomb"):
            P.check_sizes(Archive(*sizes), "fil.xlsx")  # type: ignore[arg-type]
    else:
        P.check_sizes(Archive(*sizes), "fil.xlsx")  # type: ignore[arg-type]


def test_recompressed_part_is_read_and_a_real_bomb_is_not(tmp_path: Path) -> None:
    """A 12 MB part packed about 300:1 (an Excel file recompressed by zlib) is read; the same
    size of one repeated byte (1 000:1) is refused while it is inflated."""
    plain = make_ledger(tmp_path)
    pattern = bytes(range(256)) * 4
    dense = b"".join(pattern[i % 997 :][:60] + b" " * 1940 for i in range(6000))
    ratio = len(dense) / zipfile.ZipFile(_zip_of(dense)).infolist()[0].compress_size
    assert 200 < ratio < 500, ratio

    def add(part: bytes) -> Callable[[dict[str, bytes]], None]:
        return lambda parts: parts.update({"xl/media/data.bin": part})

    fine = rezip(plain, tmp_path / "fin.xlsx", change=add(dense), level=9)
    assert refusal(fine) is None
    bomb = rezip(plain, tmp_path / "bomb.xlsx", change=add(b"\0" * 12_000_000), level=9)
    assert "zip-bomb" in (refusal(bomb) or "")


def _zip_of(data: bytes) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("x", data)
    buffer.seek(0)
    return buffer
