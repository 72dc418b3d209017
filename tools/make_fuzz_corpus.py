"""Build the seed corpus in ``tests/fuzz_corpus/``: small valid, broken and hostile workbooks.

Each file has the exit status ``lumledger validate`` must give it, kept in ``expected.json``
(``tests/test_fuzz.py`` checks them all); the fuzzer also mutates these files
(``python -m tools.fuzz --corpus tests/fuzz_corpus``). The bytes are reproducible: run
``python tools/make_fuzz_corpus.py`` and ``git diff`` shows no change unless a generator changed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from lumledger import ledger_format  # noqa: E402
from tools import fuzz, ledger_book  # noqa: E402

CORPUS = ROOT / "tests" / "fuzz_corpus"
FIXED_TIME = (2019, 1, 1, 0, 0, 0)


def ledger(change: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None) -> bytes:
    """The small valid ledger of the tests, changed by ``change``, from the one generator."""
    rows = ledger_book.small_ledger_rows()
    if change is not None:
        change(rows)
    return fuzz.reproducible(ledger_book.write_ledger(None, rows, formulas=True))


def openpyxl_saved(data: bytes) -> bytes:
    """The same workbook loaded and saved by openpyxl (its XML shapes, for the fuzzer's corpus)."""
    return edited(data, lambda book: None)


def edited(data: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return fuzz.reproducible(buffer.getvalue())


def patched(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, change(content) if info.filename == part else content)
    return out.getvalue()


def _wrong_types(rows: dict[str, list[dict[str, Any]]]) -> None:
    rows[ledger_format.APPLICATIONS][0]["Sökt belopp"] = "trehundratusen"
    rows[ledger_format.APPLICATIONS][1]["Sökt belopp"] = "400 000 kr"  # a warning, not an error
    rows[ledger_format.APPLICATIONS][2]["Inkom"] = "26/10/2018"
    rows[ledger_format.APPLICATIONS][0]["Beviljat belopp"] = 200_000.5


def _long_text(rows: dict[str, list[dict[str, Any]]]) -> None:
    rows[ledger_format.APPLICATIONS][0]["Syfte"] = ("Lång text med å, ä och ö. " * 1300)[:32_767]
    rows[ledger_format.APPLICATIONS][1]["Utvärdering"] = "+46 8 508 00 00 @ -1 är ingen formel här"


def _old_dates(rows: dict[str, list[dict[str, Any]]]) -> None:
    rows[ledger_format.APPLICATIONS][0]["Inkom"] = dt.date(1899, 12, 31)
    rows[ledger_format.APPLICATIONS][1]["Inkom"] = dt.date(1900, 2, 28)
    rows[ledger_format.APPLICATIONS][2]["Inkom"] = dt.date(1800, 1, 1)


def _error_cells(book: openpyxl.Workbook) -> None:
    sheet = book[ledger_format.APPLICATIONS]
    sheet["K2"] = "#N/A"
    sheet["M3"] = "#DIV/0!"
    sheet["O4"] = "=TODAY()"  # a formula without a cached value


def _merged_hidden(book: openpyxl.Workbook) -> None:
    sheet = book[ledger_format.APPLICATIONS]
    sheet.merge_cells("L2:L3")  # Utvärdering over two rows: the second cell reads as empty
    sheet.row_dimensions[3].hidden = True
    book[ledger_format.ADMINISTRATIONS].sheet_state = "hidden"


def _renamed_headers(book: openpyxl.Workbook) -> None:
    sheet = book[ledger_format.APPLICATIONS]
    sheet["A1"] = "  id "
    sheet["K1"] = "SÖKT BELOPP"
    sheet.move_range("A1:S4", cols=2)  # the table does not start in column A
    book.create_sheet("Anteckningar")["A1"] = "ett extra blad"
    book.move_sheet(ledger_format.APPLICATIONS, offset=-2)


def _missing_sheet(book: openpyxl.Workbook) -> None:
    del book[ledger_format.ROUNDS]


def _date_overflow(book: openpyxl.Workbook) -> None:
    cell = book[ledger_format.APPLICATIONS]["O2"]
    cell.value = -1e308
    cell.number_format = "yyyy-mm-dd"


def build() -> dict[str, tuple[bytes, int]]:
    shared = ledger()  # XlsxWriter keeps texts in xl/sharedStrings.xml
    valid = openpyxl_saved(shared)
    files: dict[str, tuple[bytes, int]] = {
        "valid.xlsx": (valid, 0),
        "valid-long-text.xlsx": (ledger(_long_text), 0),
        "valid-merged-hidden.xlsx": (edited(valid, _merged_hidden), 0),
        "valid-renamed-headers.xlsx": (edited(valid, _renamed_headers), 0),
        "wrong-types.xlsx": (ledger(_wrong_types), 1),
        "dates-before-1900.xlsx": (ledger(_old_dates), 1),
        "error-cells.xlsx": (edited(valid, _error_cells), 1),
        "missing-sheet.xlsx": (edited(valid, _missing_sheet), 1),
        "date-overflow.xlsx": (edited(valid, _date_overflow), 2),
        "truncated.xlsx": (valid[: len(valid) * 2 // 3], 2),
        "empty.xlsx": (b"", 2),
        "not-a-workbook.xlsx": ("Id;År\n2019-P01;2019\n".encode(), 2),
        "old-format.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), 2),
        "valid-shared-strings.xlsx": (shared, 0),
        "corrupt-shared-strings.xlsx": (
            patched(shared, "xl/sharedStrings.xml", lambda x: x.replace(b"</si>", b"", 3)),
            2,
        ),
        "shared-string-out-of-range.xlsx": (
            patched(
                shared,
                "xl/worksheets/sheet3.xml",
                lambda x: re.sub(rb'(t="s"><v>)\d+', rb"\g<1>99999", x, count=1),
            ),
            2,
        ),
        "billion-laughs.xlsx": (
            fuzz.package([("Omgångar", fuzz.hostile_sheet(fuzz.billion_laughs(), "lol9"))]),
            2,
        ),
        "external-entity.xlsx": (
            fuzz.package(
                [
                    (
                        "Omgångar",
                        fuzz.hostile_sheet(
                            '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                            "xxe",
                        ),
                    )
                ]
            ),
            2,
        ),
        "zip-bomb-lying.xlsx": (fuzz.zip_bomb(30_000_000, declared=1000), 2),
        "zip-bomb-ratio.xlsx": (fuzz.zip_bomb(30_000_000), 2),
        "beyond-limits.xlsx": (
            fuzz.package(
                [("Omgångar", fuzz.worksheet('<row r="1"><c r="XFE1"><v>1</v></c></row>'))]
            ),
            2,
        ),
        "huge-area.xlsx": (
            fuzz.package(
                [
                    (
                        ledger_format.ROUNDS,
                        fuzz.worksheet(
                            '<row r="1"><c r="A1" t="inlineStr"><is><t>År</t></is></c></row>'
                            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                        ),
                    ),
                    (ledger_format.ADMINISTRATIONS, fuzz.worksheet("")),
                    (ledger_format.APPLICATIONS, fuzz.worksheet("")),
                ]
            ),
            2,
        ),
    }
    rng = random.Random(20190101)
    for i in range(4):
        data = fuzz.make_rawxml(rng)
        files[f"rawxml-{i}.xlsx"] = (data, -1)  # any of 0, 1, 2: a base for mutations
    return files


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        if old.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".json"):
            old.unlink()
    expected: dict[str, int] = {}
    for name, (data, status) in build().items():
        (CORPUS / name).write_bytes(data)
        expected[name] = status
    (CORPUS / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in CORPUS.iterdir())
    print(f"{len(expected)} filer, {total // 1024} KB i {CORPUS}")


if __name__ == "__main__":
    main()
