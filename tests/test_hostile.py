"""Hostile and broken workbooks: refused quickly, with one Swedish sentence, in bounded memory.

Entity expansion ("billion laughs") and external entities in a sheet, in the shared strings, in
the workbook part, in a part not named ``.xml`` and in UTF-16; zip bombs with honest and with
lying sizes; cells beyond Excel's limits and used areas calamine could not hold; Rust panics;
pathological XML for the special-cell scan; and the output side: atomic writes that leave no
partial file, fixed output names, no ledger text that becomes a formula.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from lumledger import ledger_format
from lumledger.findings import LedgerReadError, LedgerWriteError
from lumledger.workbook.files import atomic_output
from lumledger.workbook.package import MAX_GRID_CELLS, open_package, scan_special_cells
from lumledger.workbook.reader import read_ledger
from tools import fuzz

ROOT = Path(__file__).resolve().parent.parent
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
PARAMETER_ENTITY = (
    '<!DOCTYPE worksheet [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd">%remote;]>'
)
REFUSAL_SECONDS = 1.0
REFUSAL_RSS_MB = 200
# The whole command, with Python's and pandas' start-up: about a second on an idle 2-core machine;
# generous, since a busy machine (CI, a fuzz run beside) slows the start-up, not the refusal.
COMMAND_SECONDS = 30.0

_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding="utf-8")
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "status": done.returncode,
    "stdout": done.stdout,
    "stderr": done.stderr,
}))
"""


def run_measured(*args: str) -> dict[str, Any]:
    """Run ``lumledger ARGS`` in a fresh process; its wall time and peak memory (RSS)."""
    command = [sys.executable, "-m", "lumledger.cli", *args]
    env = {k: v for k, v in os.environ.items() if k != "LUMLEDGER_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def refused_in_process(path: Path) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(LedgerReadError) as caught:
        read_ledger(path)
    return caught.value.message, time.perf_counter() - started


def assert_refused(path: Path, *words: str) -> dict[str, Any]:
    """``lumledger validate`` refuses ``path``: exit 2, one Swedish sentence, fast and small."""
    before = path.read_bytes()
    message, seconds = refused_in_process(path)
    assert seconds < REFUSAL_SECONDS, f"refusal took {seconds:.2f} s"
    for word in words:
        assert word in message
    result = run_measured("validate", str(path))
    assert result["status"] == 2, result
    assert result["stdout"] == ""
    lines = result["stderr"].strip().splitlines()
    assert len(lines) == 1, result["stderr"]
    assert lines[0] == message
    assert "Traceback" not in result["stderr"] and "panicked" not in result["stderr"]
    assert result["rss_kb"] < REFUSAL_RSS_MB * 1024, f"{result['rss_kb'] // 1024} MB"
    assert result["seconds"] < COMMAND_SECONDS
    assert path.read_bytes() == before
    return result


def openpyxl_book_with(part: str, change: Any) -> bytes:
    """An openpyxl-written workbook (which openpyxl itself can load) with one part changed."""
    book = openpyxl.Workbook()
    book.active.title = ledger_format.ROUNDS  # type: ignore[union-attr]
    book.active["A1"] = "År"  # type: ignore[index]
    book.active["A2"] = "x"  # type: ignore[index]
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def with_dtd(dtd: str, entity: str) -> Any:
    def change(data: bytes) -> bytes:
        data = data.replace(b"<worksheet", dtd.encode() + b"<worksheet", 1)
        return data.replace(b"<t>x</t>", f"<t>&{entity};</t>".encode(), 1)

    return change


# --- entity expansion and external entities ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dtd", "entity"),
    [(fuzz.billion_laughs(), "lol9"), (XXE, "xxe"), (PARAMETER_ENTITY, "amp")],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_entity_declarations_in_a_sheet_are_refused(tmp_path: Path, dtd: str, entity: str) -> None:
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package([(ledger_format.ROUNDS, fuzz.hostile_sheet(dtd, entity))]))
    result = assert_refused(path, "DOCTYPE/ENTITY", "skadlig")
    assert "root:" not in result["stdout"] + result["stderr"]


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_entity_declarations_in_other_parts_are_refused(tmp_path: Path, part: str) -> None:
    source = ROOT / "tests" / "fuzz_corpus" / "valid-shared-strings.xlsx"
    archive = zipfile.ZipFile(source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == part:
                head, _, rest = data.partition(b"?>")
                data = head + b"?>" + fuzz.billion_laughs().encode() + rest
            target.writestr(info.filename, data)
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(out.getvalue())
    assert_refused(path, "DOCTYPE/ENTITY")


def test_entity_declarations_in_a_part_not_named_xml_are_refused(tmp_path: Path) -> None:
    sheet = fuzz.hostile_sheet(XXE, "xxe")
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(
        fuzz.package([(ledger_format.ROUNDS, sheet)], sheet_targets=["worksheets/data.bin"])
    )
    assert_refused(path, "DOCTYPE/ENTITY")


def test_entity_declarations_in_utf16_are_refused(tmp_path: Path) -> None:
    sheet = fuzz.hostile_sheet(fuzz.billion_laughs(), "lol9")
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz._utf16_package(sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"')))
    assert_refused(path, "DOCTYPE/ENTITY")


def test_defusedxml_is_installed_and_a_dependency() -> None:
    import defusedxml  # noqa: F401 - fails when defusedxml is missing

    assert openpyxl.DEFUSEDXML is True, "openpyxl is only safe against entities with defusedxml"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [d.split(">")[0].split("=")[0].strip() for d in project["project"]["dependencies"]]
    assert "defusedxml" in names


@pytest.mark.parametrize(
    ("dtd", "entity"), [(fuzz.billion_laughs(), "lol9"), (XXE, "xxe")], ids=["laughs", "xxe"]
)
def test_openpyxl_refuses_entities_with_defusedxml(dtd: str, entity: str) -> None:
    from defusedxml import DefusedXmlException

    data = openpyxl_book_with("xl/worksheets/sheet1.xml", with_dtd(dtd, entity))
    started = time.perf_counter()
    with pytest.raises(Exception) as caught:
        openpyxl.load_workbook(io.BytesIO(data))
    assert time.perf_counter() - started < REFUSAL_SECONDS
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, DefusedXmlException) for e in chain), chain


def test_openpyxl_loads_the_same_book_without_a_dtd() -> None:
    data = openpyxl_book_with("xl/worksheets/sheet1.xml", lambda data: data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.active["A2"].value == "x"  # type: ignore[index]


# --- zip bombs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_gigabytes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    path.write_bytes(fuzz.zip_bomb(3_000_000_000))
    return path


def test_zip_bomb_of_three_gigabytes_is_refused(three_gigabytes: Path) -> None:
    assert three_gigabytes.stat().st_size < 4_000_000
    info = zipfile.ZipFile(three_gigabytes).getinfo("xl/worksheets/sheet2.xml")
    assert info.file_size == 3_000_000_000
    assert_refused(three_gigabytes, "zip-bomb")


@pytest.mark.parametrize("declared", [1000, 0, 9_000_000, 1_400_000_000])
def test_zip_bomb_that_lies_about_its_size_is_refused(
    three_gigabytes: Path, tmp_path: Path, declared: int
) -> None:
    """The same 3 GB part with its local and central headers patched to ``declared`` bytes."""
    data = bytearray(three_gigabytes.read_bytes())
    name = b"xl/worksheets/sheet2.xml"
    patched = 0
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                # zip64: the 32-bit field says 0xFFFFFFFF and the extra field has the real size
                extra_at = name_at + len(name)
                if data[at + size_at : at + size_at + 4] == b"\xff\xff\xff\xff":
                    data[extra_at + 4 : extra_at + 12] = declared.to_bytes(8, "little")
                else:
                    data[at + size_at : at + size_at + 4] = declared.to_bytes(4, "little")
                patched += 1
            at = data.find(signature, at + 4)
    assert patched == 2
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bytes(data))
    message, seconds = refused_in_process(path)
    assert seconds < REFUSAL_SECONDS
    assert "zip-bomb" in message or "skadad" in message
    assert_refused(path)


def test_size_limits_let_a_full_height_ledger_through() -> None:
    """A ledger with Excel's 1 048 575 rows and every column: 1.5 GB of XML in its largest sheet,
    1.7 GB in all, packed about ten to one. A bomb of the same size packs a thousand to one."""
    from lumledger.workbook import package

    class Archive:
        def __init__(self, *sizes: tuple[int, int]) -> None:
            self.infos = []
            for i, (size, packed) in enumerate(sizes):
                info = zipfile.ZipInfo(f"xl/worksheets/sheet{i}.xml")
                info.file_size, info.compress_size = size, packed
                self.infos.append(info)

        def infolist(self) -> list[zipfile.ZipInfo]:
            return self.infos

    ledger = Archive(
        (1_514_161_309, 140_000_000), (102_320_100, 9_000_000), (101_127_679, 9_000_000)
    )
    package.check_sizes(ledger, "stor.xlsx")  # type: ignore[arg-type]
    with pytest.raises(LedgerReadError, match="zip-bomb"):
        package.check_sizes(Archive((1_514_161_309, 1_500_000)), "bomb.xlsx")  # type: ignore[arg-type]


def test_many_parts_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "delar.xlsx"
    extra = [(f"junk/{i}.txt", b"x") for i in range(10_001)]
    path.write_bytes(fuzz.package([(ledger_format.ROUNDS, fuzz.worksheet(""))], extra=extra))
    assert_refused(path, "orimligt många delar")


# --- cells beyond Excel's limits and absurd used areas --------------------------------------------


def _sheets(rounds_xml: str) -> list[tuple[str, str]]:
    return [
        (ledger_format.ROUNDS, rounds_xml),
        (ledger_format.ADMINISTRATIONS, fuzz.worksheet("")),
        (ledger_format.APPLICATIONS, fuzz.worksheet("")),
    ]


HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>År</t></is></c></row>'


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="2"><c r="XFE2"><v>1</v></c></row>',
        '<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
        '<row r="2"><c r="ZZZZ2"><v>1</v></c></row>',
        '<row r="2"><c r="A99999999999"><v>1</v></c></row>',
        '<row r="2"><c r="xfe2"><v>1</v></c></row>',
        '<x:row r="2"><x:c r="XFE2"><x:v>1</x:v></x:c></x:row>',
    ],
    ids=["column-XFE", "row-1048577", "four-letters", "eleven-digits", "lower-case", "prefixed"],
)
def test_cells_beyond_excels_limits_are_refused(tmp_path: Path, cells: str) -> None:
    xml = fuzz.worksheet(HEADER + cells)
    if "x:" in cells:
        xml = xml.replace("<worksheet ", f'<worksheet xmlns:x="{fuzz._NS}" ')
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(xml)))
    assert_refused(path, "utanför Excels gränser")


def test_dimension_beyond_excels_limits_is_refused(tmp_path: Path) -> None:
    xml = fuzz.worksheet(HEADER, head='<dimension ref="A1:XFE2000000"/>')
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(xml)))
    assert_refused(path, "utanför Excels gränser")


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        '<row r="999999"><c r="ZZ999999"><v>1</v></c></row>',
        # no references: calamine counts 16 384 columns and 100 000 rows
        "<row>"
        + "<c><v>1</v></c>" * 16_384
        + "</row>"
        + "<row/>" * 100_000
        + "<row><c><v>1</v></c></row>",
    ],
    ids=["XFD1048576", "ZZ999999", "counted"],
)
def test_absurd_used_area_is_refused(tmp_path: Path, cells: str) -> None:
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(fuzz.worksheet(HEADER + cells))))
    assert_refused(path, "orimligt stort", "Omgångar")


def test_a_large_and_almost_empty_area_is_refused(tmp_path: Path) -> None:
    """Found by the fuzzer (seed 1, case 5005): 2.8 kB whose cells without references span
    100 columns by 100 002 rows (here one header row more); each command spent seconds on ten million empty cells."""
    row = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(fuzz.worksheet(HEADER + row + "<row/>" * 100_000 + row))))
    assert path.stat().st_size < 10_000
    assert_refused(path, "orimligt stort", "A1:CV100003")


def test_a_stray_cell_far_right_in_a_small_sheet_is_read(tmp_path: Path) -> None:
    """XFD5 beside a five-row table is 82 000 cells: fine, read as an unknown column."""
    cells = (
        '<row r="2"><c r="A2"><v>2019</v></c><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(fuzz.worksheet(HEADER + cells))))
    package = open_package(path)
    assert package.oversized == {}
    ledger = read_ledger(path)
    assert ledger.frame(ledger_format.ROUNDS)["År"].tolist() == [2019]


def test_an_oversized_sheet_that_is_not_read_does_not_stop_the_others(tmp_path: Path) -> None:
    far = fuzz.worksheet(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    sheets = [*_sheets(fuzz.worksheet(HEADER)), ("Anteckningar", far)]
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(sheets))
    package = open_package(path)
    assert list(package.oversized.values()) == [(1, 1, 1_048_576, 16_384)]
    read_ledger(path)  # Anteckningar is never read


# A large worksheet is checked just before it is read (so that its check can run while calamine
# parses another sheet): with the threshold at 0 every worksheet is such a sheet.
DEFERRED_CASES = {
    "beyond-limits": (
        fuzz.worksheet(HEADER + '<row r="2"><c r="XFE2"><v>1</v></c></row>'),
        "utanför Excels gränser",
    ),
    "absurd-area": (
        fuzz.worksheet(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
        "orimligt stort",
    ),
    "entities": (fuzz.hostile_sheet(XXE, "xxe"), "DOCTYPE/ENTITY"),
}


@pytest.mark.parametrize("case", sorted(DEFERRED_CASES))
def test_a_deferred_sheet_is_checked_before_calamine_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from lumledger.workbook import package, reader

    xml, words = DEFERRED_CASES[case]
    sheets = [
        (ledger_format.ROUNDS, fuzz.worksheet(HEADER)),
        (ledger_format.ADMINISTRATIONS, fuzz.worksheet("")),
        (ledger_format.APPLICATIONS, xml),
    ]
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(sheets))
    read_by_calamine: list[str] = []
    real_read = reader.FileSource._read_checked

    def spying_read(self: reader.FileSource, title: str) -> reader.SheetCells:
        read_by_calamine.append(title)
        return real_read(self, title)

    monkeypatch.setattr(package, "DEFER_SCAN_BYTES", 0)
    monkeypatch.setattr(reader.FileSource, "_read_checked", spying_read)
    assert ledger_format.APPLICATIONS in open_package(path).sheets
    assert open_package(path).pending  # nothing of the worksheets checked yet
    with pytest.raises(LedgerReadError) as caught:
        read_ledger(path)
    assert words in caught.value.message
    assert ledger_format.APPLICATIONS not in read_by_calamine


def test_a_ledger_read_with_deferred_checks_is_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lumledger.validation import validate_path
    from lumledger.workbook import package

    example = ROOT / "workbooks" / "lum-exempel.xlsx"
    expected = [f.to_dict() for f in validate_path(example).findings]
    copy = tmp_path / "kopia.xlsx"  # a new file: the package check is not reused
    copy.write_bytes(example.read_bytes())
    monkeypatch.setattr(package, "DEFER_SCAN_BYTES", 0)
    with package.checks_reused():  # as a command runs: the reader reuses the check made here
        assert open_package(copy).pending
        assert [f.to_dict() for f in validate_path(copy).findings] == expected
        checked = open_package(copy)
    read_parts = {
        checked.sheets[title] for title in ledger_format.INPUT_SHEETS if title in checked.sheets
    }
    assert read_parts and not read_parts & set(checked.pending)  # sheets not read stay unchecked


def test_the_limit_lets_a_full_height_ledger_of_52_columns_through() -> None:
    assert 1_048_576 * 52 <= MAX_GRID_CELLS < 1_048_576 * 16_384


# --- native panics and pathological XML ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "style"), [("-1E+308", 1), ("-inf", 2), ("inf", 3), ("1E+10", 3)]
)
def test_a_date_styled_number_calamine_cannot_convert_is_refused_without_a_panic(
    tmp_path: Path, value: str, style: int
) -> None:
    """Styles 1 and 2 are dates, 3 a duration ([h]:mm:ss); calamine panics or overflows."""
    cells = f'<row r="2"><c r="A2" s="{style}"><v>{value}</v></c></row>'
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(fuzz.worksheet(HEADER + cells))))
    result = assert_refused(path, "datumintervall")
    assert "thread" not in result["stderr"]


def test_special_cell_scan_is_linear_on_hostile_xml() -> None:
    xml = b"<!-- " + b'<c t="e" ' * 300_000 + b"-->" + b'<c r="B2"><f>1</f></c>'
    started = time.perf_counter()
    found = scan_special_cells(xml)
    assert time.perf_counter() - started < 1.0
    assert found == {(2, 2): "formula-without-value"}


def test_deep_nesting_is_read_or_refused_cleanly(tmp_path: Path) -> None:
    deep = "<a>" * 100_000 + "</a>" * 100_000
    sheet = fuzz.worksheet(HEADER, head=deep)
    path = tmp_path / "liggare.xlsx"
    path.write_bytes(fuzz.package(_sheets(sheet)))
    result = run_measured("validate", str(path))
    assert result["status"] in (0, 1, 2)
    assert "Traceback" not in result["stderr"]


def test_large_ledger_prescan_is_a_small_part_of_reading(tmp_path: Path) -> None:
    """The checks before calamine (inflate, CRC, DTD, cell limits) stay well below its read."""
    from python_calamine import CalamineWorkbook

    columns = ledger_format.COLUMNS[ledger_format.APPLICATIONS]
    header = "".join(
        f'<c r="{ledger_format.column_letters(j + 1)}1" t="inlineStr"><is><t>{c.name}</t></is></c>'
        for j, c in enumerate(columns)
    )
    rows = [f'<row r="1">{header}</row>']
    for r in range(2, 30_002):
        cells = "".join(
            f'<c r="{ledger_format.column_letters(j + 1)}{r}"><v>{r * 7 + j}</v></c>'
            if j % 3
            else f'<c r="{ledger_format.column_letters(j + 1)}{r}" t="inlineStr"><is><t>Text {r} om boende</t></is></c>'
            for j in range(len(columns))
        )
        rows.append(f'<row r="{r}">{cells}</row>')
    path = tmp_path / "stor.xlsx"
    path.write_bytes(fuzz.package([(ledger_format.APPLICATIONS, fuzz.worksheet("".join(rows)))]))
    best_scan = best_read = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        open_package(path)
        best_scan = min(best_scan, time.perf_counter() - started)
        started = time.perf_counter()
        book = CalamineWorkbook.from_path(str(path))
        book.get_sheet_by_name(ledger_format.APPLICATIONS).to_python(skip_empty_area=True)
        best_read = min(best_read, time.perf_counter() - started)
    assert best_scan < 0.6 * best_read, (best_scan, best_read)


# --- writing: atomic outputs and names ------------------------------------------------------------


def test_atomic_output_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LedgerWriteError) as caught, atomic_output(tmp_path / "saknas" / "x.csv"):
        pass
    assert "finns inte" in caught.value.message
    assert not (tmp_path / "saknas").exists()


def test_failure_mid_write_leaves_the_original_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "fordelning-2019.csv"
    target.write_text("original", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_text("halv", encoding="utf-8")
        raise RuntimeError("avbrott mitt i skrivningen")
    assert target.read_text(encoding="utf-8") == "original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fordelning-2019.csv"]


def test_failing_rename_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fordelning-2019.xlsx"
    target.write_bytes(b"original")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Åtkomst nekad")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(LedgerWriteError) as caught, atomic_output(target) as temp:
        temp.write_bytes(b"ny")
    assert "kunde inte skrivas" in caught.value.message
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fordelning-2019.xlsx"]


def test_interrupt_mid_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "bilaga1-2019.csv"
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as temp:
        temp.write_text("halv", encoding="utf-8")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _cli_commands() -> dict[str, Any]:
    from lumledger.cli import main

    return dict(getattr(main, "commands", {}))


@pytest.mark.parametrize("year", ["../../x", "2019/../../x", "..", "2019.5", "x"])
def test_export_year_with_path_tricks_is_refused_by_click(tmp_path: Path, year: str) -> None:
    if "export" not in _cli_commands():
        pytest.skip("lumledger export finns inte ännu")
    from click.testing import CliRunner

    from lumledger.cli import main

    ledger = ROOT / "tests" / "fuzz_corpus" / "valid.xlsx"
    out = tmp_path / "ut"
    result = CliRunner().invoke(main, ["export", str(ledger), "--year", year, "-o", str(out)])
    assert result.exit_code == 2
    assert not out.exists() or list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["ut"])


def test_export_writes_only_its_own_fixed_names(tmp_path: Path) -> None:
    if "export" not in _cli_commands():
        pytest.skip("lumledger export finns inte ännu")
    from click.testing import CliRunner

    from lumledger.cli import main

    ledger = tmp_path / "..fordelning-2019.xlsx"
    ledger.write_bytes((ROOT / "tests" / "fuzz_corpus" / "valid.xlsx").read_bytes())
    out = tmp_path / "ut"
    result = CliRunner().invoke(main, ["export", str(ledger), "--year", "2019", "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    allowed = {
        "fordelning-2019.xlsx",
        "fordelning-2019.docx",
        "bilaga1-2019.csv",
        "bilaga2-2019.csv",
    }
    assert names and set(names) <= allowed, names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["..fordelning-2019.xlsx", "ut"]


# --- data handling across the outputs (export, rollup, reconcile) ---------------------------------

CONTACT = "Zlatana Kontaktsdóttir"
EMAIL = "zlatana.hemlig@example.se"
INJECTIONS = ("=cmd|' /C calc'!A0", "+46 8 1", "-2+3", "@SUM(A1)", "\t=1", "\uff1d1+1")


def _hostile_texts_ledger(tmp_path: Path) -> Path:
    from conftest import make_ledger

    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        for i, row in enumerate(rows[ledger_format.APPLICATIONS]):
            row["Kontaktperson"] = CONTACT
            row["E-post"] = EMAIL
            row["Namn"] = INJECTIONS[i % len(INJECTIONS)] + " namn"
            row["Syfte"] = INJECTIONS[(i + 1) % len(INJECTIONS)]
            row["Utvärdering"] = INJECTIONS[(i + 2) % len(INJECTIONS)]
            row["Beslut"] = INJECTIONS[(i + 3) % len(INJECTIONS)]

    path = make_ledger(tmp_path, change=change)
    # openpyxl stores a text that starts with "=" as a formula: make those cells texts again.
    book = openpyxl.load_workbook(path)
    for row in book[ledger_format.APPLICATIONS].iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    book.save(path)
    return path


def _outputs(tmp_path: Path, ledger: Path) -> tuple[dict[str, bytes], str]:
    from click.testing import CliRunner

    from lumledger.cli import main

    commands = _cli_commands()
    out = tmp_path / "ut"
    out.mkdir()
    printed = []
    runs = [["validate", str(ledger), "--json"]]
    if "export" in commands:
        runs.append(["export", str(ledger), "--year", "2019", "-o", str(out)])
    if "rollup" in commands:
        runs.append(["rollup", str(ledger), "--json", "-o", str(out / "summering.xlsx")])
    if "reconcile" in commands:
        runs.append(["reconcile", str(ledger), "--json", "-o", str(out / "avstamning.xlsx")])
    for args in runs:
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1), (args, result.output)
        printed.append(result.output)
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    return files, "\n".join(printed)


def _texts(name: str, data: bytes) -> str:
    """Every piece of text in an output file (the XML parts of a zip, or the file itself)."""
    if name.endswith((".xlsx", ".docx")):
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8-sig", "replace")


def test_personal_data_never_leaves_the_ledger(tmp_path: Path) -> None:
    ledger = _hostile_texts_ledger(tmp_path)
    files, printed = _outputs(tmp_path, ledger)
    assert files, "no output written"
    for name, data in files.items():
        text = _texts(name, data)
        assert CONTACT not in text and EMAIL not in text, name
        assert "hemlig" not in text and "Kontaktsd" not in text, name
    assert CONTACT not in printed and EMAIL not in printed


def test_no_ledger_text_becomes_a_formula_in_any_output(tmp_path: Path) -> None:
    import csv

    ledger = _hostile_texts_ledger(tmp_path)
    files, _printed = _outputs(tmp_path, ledger)
    triggers = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    for name, data in files.items():
        if name.endswith(".csv"):
            text = data.decode("utf-8-sig")
            dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
            for row in csv.reader(io.StringIO(text), dialect):
                for cell in row:
                    if any(marker in cell for marker in ("cmd|", "SUM(A1)", "+1", "=1")):
                        assert not cell.startswith(triggers), (name, cell)
        elif name.endswith(".xlsx"):
            archive = zipfile.ZipFile(io.BytesIO(data))
            for part in archive.namelist():
                if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                    xml = archive.read(part).decode("utf-8")
                    for marker in ("cmd|", "SUM(A1)", "calc"):
                        for formula in xml.split("<f>")[1:]:
                            assert marker not in formula.split("</f>")[0], (name, part)
        elif name.endswith(".docx"):
            xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
            assert "DDE" not in xml and "<w:instrText" not in xml and "<w:fldSimple" not in xml


def test_macros_call_only_lumledgers_own_entry_points() -> None:
    import re

    import lumledger.xl

    sources = sorted((ROOT / "xl").glob("*.bas"))
    assert sources
    calls: list[str] = []
    for source in sources:
        code = source.read_bytes().decode("cp1252")
        lowered = code.lower()
        for forbidden in ("shell", "createobject", "declare ", "urldownload", "wscript", "kill "):
            assert forbidden not in lowered, (source.name, forbidden)
        calls += re.findall(r'RunPython\s+"([^"]*)"', code)
        for target in re.findall(r"Application\.Run\s+(.*)", code):
            assert "LumLedger." in target, target
    assert calls
    for call in calls:
        match = re.fullmatch(r"import lumledger\.xl; lumledger\.xl\.([a-z_]+)\(\)", call)
        assert match is not None, call
        assert callable(getattr(lumledger.xl, match.group(1)))


def test_the_shipped_macro_workbook_calls_only_lumledger() -> None:
    """lumledger.xlsm holds our two modules, xlwings' own runtime module and empty document
    modules; every RunPython of ours names a function in lumledger.xl."""
    import re

    from oletools.olevba import VBA_Parser

    workbook = ROOT / "workbooks" / "lumledger.xlsm"
    if not workbook.exists():
        pytest.skip("lumledger.xlsm is not built")
    parser = VBA_Parser(str(workbook))
    try:
        modules = {name: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()
    ours = {"LumLedger.bas", "LumRibbon.bas"}
    assert ours <= set(modules)
    for name, code in modules.items():
        if name in ours:
            calls = re.findall(r'^\s*RunPython\s+"([^"]*)"', code, re.MULTILINE)
            for call in calls:
                assert re.fullmatch(r"import lumledger\.xl; lumledger\.xl\.[a-z_]+\(\)", call)
            assert "Shell" not in code and "CreateObject" not in code
        elif name != "xlwings.bas":  # ThisWorkbook and the sheets: no code beyond attributes
            lines = [line for line in code.splitlines() if line.strip()]
            assert all(line.startswith("Attribute ") for line in lines), (name, lines)
