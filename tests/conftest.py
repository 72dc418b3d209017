"""Shared test helpers: ledgers built in code with the one ledger generator (tools/ledger_book.py).

``make_ledger(tmp_path, ...)`` writes a small *valid* ledger (one decided 2019 round, a few
administrations, two projects and a study visit) and lets a test change exactly what it needs:
replace rows, add columns, rename headers, drop or add sheets. Column letters follow the
format's column order, so ``Ansökningar!M2`` is the first application's ``Beviljat belopp``.
"""

from __future__ import annotations

import os

# xlwings registers its remote engine when it is imported, and only with a licence key in the
# environment: the tests of the Excel front end (tests/test_xl_remote.py) run xlwings' remote
# engine under the noncommercial licence (see docs/excel.md). The test environment only.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from lumledger import ledger_format
from tools import ledger_book

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
EXAMPLE = WORKBOOKS / "lum-exempel.xlsx"
TEMPLATE = WORKBOOKS / "lum-mall.xlsx"

Rows = Sequence[Mapping[str, Any]]


def base_rows() -> dict[str, list[dict[str, Any]]]:
    """A valid ledger's rows, sheet by sheet (fresh copies each call)."""
    return ledger_book.small_ledger_rows()


def write_ledger(
    path: Path,
    sheets: Mapping[str, Rows],
    *,
    headers: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write ``sheets`` (name -> rows as dicts). Headers default to the format's columns in order;
    text starting with ``=`` is a formula without a cached value (see tools/ledger_book.py)."""
    ledger_book.write_ledger(path, sheets, headers=headers, formulas=True)
    return path


def make_ledger(
    tmp_path: Path,
    *,
    name: str = "liggare.xlsx",
    change: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None,
    extra_sheets: Mapping[str, Rows] | None = None,
    drop: Sequence[str] = (),
    headers: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """A valid ledger, changed by ``change(rows)`` (mutate the dict of sheet rows in place)."""
    rows = base_rows()
    if extra_sheets:
        for sheet, sheet_rows in extra_sheets.items():
            rows[sheet] = [dict(r) for r in sheet_rows]
    if change is not None:
        change(rows)
    for sheet in drop:
        rows.pop(sheet, None)
    return write_ledger(tmp_path / name, rows, headers=headers)


def patch_cell_xml(path: Path, sheet_part: str, cell: str, xml: str) -> None:
    """Replace the ``<c r="CELL">…</c>`` element of one sheet part (for error cells etc.)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    text = parts[sheet_part].decode()
    pattern = re.compile(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', re.DOTALL)
    assert pattern.search(text), f"no cell {cell} in {sheet_part}"
    parts[sheet_part] = pattern.sub(xml, text, count=1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.fixture
def ledger_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(**kwargs: Any) -> Path:
        return make_ledger(tmp_path, **kwargs)

    return factory


# --- proving that every rule is tested (tests/test_meta.py) -----------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--switch-off-rules",
        action="store_true",
        help="run every test marked rule(...) once per marked code, with that rule switched off "
        "(lumledger.rules.switched_off): each such run should fail",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not metafunc.config.getoption("--switch-off-rules"):
        return
    codes = [code for mark in metafunc.definition.iter_markers("rule") for code in mark.args]
    if codes:
        metafunc.parametrize("switched_off_rule", codes, indirect=True)


@pytest.fixture(autouse=True)
def switched_off_rule(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The rule this run of a marked test goes without (``--switch-off-rules``); none otherwise."""
    code: str | None = getattr(request, "param", None)
    if code is None:
        yield None
        return
    from lumledger import rules

    with rules.switched_off(code):
        yield code


def settled_rows(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Change the small ledger (:func:`base_rows`) so that 2019 is paid, reported and reconciled:
    nothing left open, the year can close."""
    rows[ledger_format.DECISIONS] = [
        {
            "År": 2019,
            "Typ": "Projekt",
            "Antal ansökningar": 2,
            "Antal förvaltningar": 2,
            "Summa sökt": 717_000,
            "Summa beviljat": 200_000,
        },
        {
            "År": 2019,
            "Typ": "Studiebesök",
            "Antal ansökningar": 1,
            "Antal förvaltningar": 1,
            "Summa sökt": 25_000,
            "Summa beviljat": 25_000,
        },
    ]
    rows[ledger_format.PAYMENTS] = [
        {"Id": "2019-P01", "Datum": dt.date(2019, 1, 15), "Belopp": 200_000},
        {"Id": "2019-S01", "Datum": dt.date(2019, 1, 15), "Belopp": 25_000},
    ]
    rows[ledger_format.REPORTS] = [
        {
            "Id": "2019-P01",
            "Inlämnad": dt.date(2020, 2, 20),
            "Beviljat belopp": 200_000,
            "Summa intäkter": 200_000,
            "Personalkostnader": 200_000,
            "Summa kostnader": 200_000,
            "Ej förbrukat": 0,
        }
    ]
