"""The Excel front end's parts that need no remote engine, and the desktop-only paths.

Everything a button does is tested on xlwings' real remote engine in ``tests/test_xl_remote.py``.
Here: the live reader against the file reader (through the real engine's book), Excel error
values (including the COM error integers only desktop Excel passes), the worksheet functions as
desktop Excel calls them (COM UDFs: scalars unwrapped, floats for whole numbers), and the
desktop-only paths — ``xw.Book.caller()`` and files beside the workbook — with
:class:`DesktopBook`, a real remote-engine book that answers like a saved desktop workbook.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xl_actions as act
import xl_payload as pl
import xlwings as xw
from conftest import EXAMPLE, base_rows, make_ledger, write_ledger

from lumledger import api, ledger_format, xl
from lumledger.reports.tables import Link
from lumledger.validation import validate_source
from lumledger.workbook.reader import FileSource
from lumledger.xl import buttons, functions, host, live

APPS = ledger_format.APPLICATIONS


def live_book(path: Path, client: str = "Office.js") -> Any:
    """The workbook at ``path`` opened by the remote engine, as ``client`` would send it."""
    return xw.Book(json=pl.payload_from_xlsx(path, client=client))  # type: ignore[arg-type]


def broken_ledger(tmp_path: Path) -> Path:
    """A ledger with one of most kinds of finding, each at a known cell."""

    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        apps = rows[APPS]
        apps[0]["Sökt belopp"] = "abc"  # K2: E003
        apps[0]["Inkom"] = "2018-10-01"  # O2: W002
        apps[1]["Sökt belopp"] = "400 000 kr"  # K3: W001
        apps[1]["Beviljat belopp"] = 500_000  # M3: E008
        apps[1]["Betalkonto"] = "Bankgiro 123-4567"  # Q3: E016
        apps[2]["Förvaltning"] = "Hägersten-Älvsjö"  # D4: E006 (valid from 2021)
        apps[2]["Beviljat belopp"] = 1000.5  # M4: E013

    return make_ledger(tmp_path, change=change)


def _error_cell_ledger(tmp_path: Path) -> Path:
    path = make_ledger(tmp_path)
    book = openpyxl.load_workbook(path)
    book[APPS]["K3"] = "#N/A"  # openpyxl writes an error cell (t="e")
    book[APPS]["M4"] = "#DIV/0!"
    book.save(path)
    return path


def _offset_ledger(tmp_path: Path) -> Path:
    """Beslut starts in column B; Utbetalningar has only its header; Redovisningar is empty."""
    rows = base_rows()
    path = write_ledger(tmp_path / "offset.xlsx", rows)
    book = openpyxl.load_workbook(path)
    beslut = book.create_sheet(ledger_format.DECISIONS)
    beslut.append([None, "År", "Typ", "Antal ansökningar", "Summa sökt", "Summa beviljat"])
    beslut.append([None, 2019, "Projekt", 2, 717_000, 200_000])
    book.create_sheet(ledger_format.PAYMENTS).append(["Id", "Datum", "Belopp"])
    book.create_sheet(ledger_format.REPORTS)
    book.save(path)
    return path


def _case_ledger(tmp_path: Path) -> Path:
    """Sheet titles and headers in another case and with spaces; an unknown column."""
    path = make_ledger(tmp_path, change=lambda rows: rows[APPS][0].update({"Anteckning": "x"}))
    book = openpyxl.load_workbook(path)
    book[APPS].title = "ansökningar "
    book["ansökningar "]["A1"] = "  ID "
    book.save(path)
    return path


SCENARIOS: dict[str, Callable[[Path], Path]] = {
    "example": lambda tmp: EXAMPLE,
    "valid": lambda tmp: make_ledger(tmp),
    "broken": broken_ledger,
    "error-cells": _error_cell_ledger,
    "offset-and-empty-sheets": _offset_ledger,
    "titles-and-headers": _case_ledger,
    "missing-sheet": lambda tmp: make_ledger(tmp, drop=[ledger_format.ADMINISTRATIONS]),
}


@pytest.mark.parametrize("client", ["Office.js", "VBA"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_file_and_live_book_give_identical_findings(
    scenario: str, client: str, tmp_path: Path
) -> None:
    path = SCENARIOS[scenario](tmp_path)
    from_file = validate_source(FileSource(path))
    book = live_book(path, client)
    try:
        checked = validate_source(xl.XlwingsSource(book))
    finally:
        book.close()
    assert [f.to_dict() for f in checked.findings] == [f.to_dict() for f in from_file.findings]
    assert set(checked.ledger.sheets) == set(from_file.ledger.sheets)
    for sheet, table in from_file.ledger.sheets.items():
        other = checked.ledger.sheets[sheet]
        assert other.title == table.title and other.letters == table.letters
        pd.testing.assert_frame_equal(other.frame, table.frame)


def test_the_scenarios_cover_what_they_claim(tmp_path: Path) -> None:
    codes = {f.code for f in validate_source(FileSource(broken_ledger(tmp_path))).findings}
    assert {
        "LUM-E003",
        "LUM-W002",
        "LUM-W001",
        "LUM-E008",
        "LUM-E016",
        "LUM-E006",
        "LUM-E013",
    } <= codes
    errors = validate_source(FileSource(_error_cell_ledger(tmp_path))).findings
    assert {(f.cell, f.found) for f in errors if f.code == "LUM-E003"} == {
        ("K3", "#N/A"),
        ("M4", "#DIV/0!"),
    }
    offset = validate_source(FileSource(_offset_ledger(tmp_path)))
    assert offset.ledger.sheets[ledger_format.DECISIONS].letters["År"] == "B"
    assert {f.code for f in offset.findings} >= {"LUM-E002"}  # Redovisningar has no header


def test_spill_and_other_newer_errors_are_e003_at_their_cell(tmp_path: Path) -> None:
    payload = pl.payload_from_xlsx(make_ledger(tmp_path))
    pl.set_cell(payload, APPS, "D2", "#SPILL!")
    book = xw.Book(json=payload)
    try:
        found = validate_source(xl.XlwingsSource(book)).findings
    finally:
        book.close()
    assert {(f.cell, f.found) for f in found if f.code == "LUM-E003"} == {("D2", "#SPILL!")}


def test_com_error_integers_are_e003_at_their_cell() -> None:
    """Windows xlwings passes newer error kinds through as COM error integers."""
    cells = live.sheet_cells("Ansökningar", [["Id", -2146828288 + 2045], ["x", 5]], 3, 2)
    assert cells.special == {(3, 3): "#SPILL!"}
    assert cells.rows == [["Id", None], ["x", 5]]


def test_excel_error_recognises_strings_and_com_codes() -> None:
    assert xl.excel_error("#N/A") == "#N/A"
    assert xl.excel_error(-2146826281) == "#DIV/0!"
    assert xl.excel_error(-2146828288 + 2045) == "#SPILL!"
    assert xl.excel_error("N/A") is None
    assert xl.excel_error(5) is None
    assert xl.excel_error(True) is None


def test_excel_value_keeps_text_as_text() -> None:
    assert xl.excel_value("2018-10-26") == "'2018-10-26"
    assert xl.excel_value("=1+1") == "'=1+1"
    assert xl.excel_value("") is None
    assert xl.link_address(Link(sheet="x", cell="M5"), "It's") == ("#'It''s'!M5")


# --- the worksheet functions as desktop Excel calls them (COM UDFs) --------------------------------


def _rows(path: Path, sheet: str) -> list[list[Any]]:
    return act.WorkbookModel.from_payload(pl.payload_from_xlsx(path)).rows(sheet)


def test_desktop_functions_equal_the_rollup_with_floats_and_whole_columns() -> None:
    apps = _rows(EXAMPLE, APPS)
    rollup = api.rollup(EXAMPLE).rollup
    assert rollup is not None
    data = rollup.to_dict()
    whole = apps + [[None] * len(apps[0])] * 500  # =LUM_SUMMA(Ansökningar!A:Q; …)
    for line in data["per_year_and_type"]:
        year = float(line["year"])  # COM passes numbers as floats
        assert xl.LUM_SUMMA(whole, year, line["type"]) == line["granted"]
        assert xl.LUM_SUMMA(apps, year, line["type"], "Sökt belopp") == line["applied"]
        assert xl.LUM_ANTAL(apps, year, line["type"]) == line["applications"]


def test_desktop_function_argument_errors_are_readable_text() -> None:
    apps = _rows(EXAMPLE, APPS)
    assert xl.LUM_SUMMA(apps, 2019.0, "Projekt", "Namn").startswith("#LUM: fältet ”Namn”")
    assert xl.LUM_ANTAL(apps, 2019.0, "Resa").startswith("#LUM: typen ”Resa” finns inte")
    assert xl.LUM_ANTAL(apps, "nästa år").startswith("#LUM: ”nästa år” är inte ett årtal")
    assert xl.LUM_ANTAL(apps, True).startswith("#LUM:")
    assert xl.LUM_ANTAL([], 2019).startswith("#LUM: området för Ansökningar är tomt")


def test_lum_kvar_with_frames(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    apps, rounds = _rows(path, APPS), _rows(path, ledger_format.ROUNDS)
    assert xl.LUM_KVAR(apps, rounds, 2019.0, "Projekt") == 1_000_000 - 200_000
    assert xl.LUM_KVAR(apps, rounds, 2019.0, "Studiebesök") == 100_000 - 25_000


def test_the_functions_reuse_the_parse_of_the_last_few_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = api.load_cells

    def counting(source: Any) -> Any:
        calls.append(1)
        return real(source)

    monkeypatch.setattr(api, "load_cells", counting)
    functions.RANGE_CACHE.clear()
    apps = _rows(EXAMPLE, APPS)
    first = functions.ledger_of_ranges(apps)
    assert functions.ledger_of_ranges(copy.deepcopy(apps)) is first and len(calls) == 1
    changed = copy.deepcopy(apps)
    changed[1][10] = 1
    assert functions.ledger_of_ranges(changed) is not first and len(calls) == 2
    for extra in range(functions.RANGE_CACHE.size):
        other = copy.deepcopy(apps)
        other[1][10] = 2 + extra
        functions.ledger_of_ranges(other)
    assert len(functions.RANGE_CACHE) == functions.RANGE_CACHE.size
    functions.ledger_of_ranges(apps)  # the least recently used was let go
    assert len(calls) == 2 + functions.RANGE_CACHE.size + 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 457 956,00 kr", 1457956),
        ("493 000", 493000),
        ("4 104,50", 4104.5),
        ("-25 000", -25000),
        (493000.0, 493000),
        (12.5, 12.5),
        (None, None),
        ("  ", None),
    ],
)
def test_lum_belopp(text: Any, value: Any) -> None:
    assert xl.LUM_BELOPP(text) == value
    assert type(xl.LUM_BELOPP(text)) is type(value)


def test_lum_belopp_rejects_other_text() -> None:
    assert xl.LUM_BELOPP("1.000") == "#LUM: ”1.000” är inte ett belopp"
    assert xl.LUM_BELOPP(True).startswith("#LUM:")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Plusgiro 5 55 13-6", True),
        ("Bankgiro 5050-1055", True),
        ("Bankgiro 123-4567", False),
        ("", False),
        (None, False),
        (5551361.0, False),
    ],
)
def test_lum_giro_ok(text: Any, ok: bool) -> None:
    assert xl.LUM_GIRO_OK(text) is ok


@pytest.mark.parametrize(
    "name", ["LUM_SUMMA", "LUM_ANTAL", "LUM_KVAR", "LUM_BELOPP", "LUM_GIRO_OK"]
)
def test_worksheet_function_signatures_suit_xlwings(name: str) -> None:
    """On Windows xlwings turns type hints into converters; only ``Any`` passes values through
    (a union like ``int | str`` has no converter). Names must be ASCII (VBA identifiers); no
    ``caller``: a function gets its ranges as arguments on every host."""
    import inspect
    import typing

    function = getattr(xl, name)
    hints = typing.get_type_hints(function)
    assert set(hints.values()) == {typing.Any}
    params = list(inspect.signature(function).parameters)
    assert all(p.isascii() for p in params) and "caller" not in params
    assert function.__doc__


def test_only_xl_imports_xlwings() -> None:
    root = Path(xl.__file__).parent.parent
    importers = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"^\s*(import|from) xlwings", p.read_text(), re.M)
    )
    assert all(name.startswith("xl/") for name in importers), importers


# --- the desktop-only paths: xw.Book.caller() and a folder beside the workbook ---------------------


class DesktopBook:
    """A remote-engine book that answers like a saved desktop workbook: a COM-like ``api`` (not
    the client's payload) and a ``fullname`` in a real folder. Everything else is the engine's."""

    def __init__(self, book: Any, fullname: Path) -> None:
        self._book = book
        self.api = object()
        self.fullname = str(fullname)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


@pytest.fixture
def desktop(tmp_path: Path) -> Any:
    payload = pl.payload_from_xlsx(EXAMPLE)
    book = xw.Book(json=payload)
    yield DesktopBook(book, tmp_path / "lum-exempel.xlsx"), payload
    book.close()


def test_desktop_export_writes_the_sheets_and_the_files_beside_the_workbook(
    desktop: Any, tmp_path: Path
) -> None:
    book, payload = desktop
    paths = buttons.run_export(book)
    assert sorted(p.name for p in paths) == [
        "bilaga1-2021.csv",
        "bilaga2-2021.csv",
        "fordelning-2021.docx",
        "fordelning-2021.xlsx",
    ]
    assert all(p.parent == tmp_path and p.is_file() for p in paths)
    actions = book.json()["actions"]
    model = act.WorkbookModel.from_payload(payload).apply(actions)
    assert {"Bilaga 1", "Bilaga 2"} <= set(model.sheet_names)
    alert = next(a["args"][0] for a in actions if a["func"] == "alert")
    assert f"Filerna är skrivna i {tmp_path}" in alert


def test_desktop_column_widths_are_in_characters(desktop: Any) -> None:
    book, _payload = desktop
    assert host.host_of(book) == host.Host(client="COM")
    buttons.run_validate(book)
    widths = [a["args"][0] for a in book.json()["actions"] if a["func"] == "setColumnWidth"]
    assert widths and max(widths) < 100  # characters, not points


def test_entry_points_run_on_the_caller_book(desktop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    book, _payload = desktop
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    xl.validate()
    alerts = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert alerts == ["Liggaren är giltig: inga fel, 5 varningar. Se bladet Fel."]


def test_an_unexpected_error_becomes_a_message_box(
    desktop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, _payload = desktop

    def boom(_book: Any) -> None:
        raise RuntimeError("trasig\nrad två")

    assert buttons.guarded(book, boom) is None
    alert = next(a for a in book.json()["actions"] if a["func"] == "alert")
    assert alert["args"][0].startswith(
        "Ett oväntat fel inträffade i lumledger (RuntimeError: trasig)"
    )
    assert alert["args"][3] == "critical"


def test_a_bad_start_year_is_its_own_sentence() -> None:
    payload = pl.payload_from_rows({"Start": [[None, None, None], [None, None, None]]})
    pl.set_cell(payload, "Start", "C3", "nästa år")
    book = xw.Book(json=payload)
    try:
        assert buttons.guarded(book, buttons.start_year) is None
        alert = next(a for a in book.json()["actions"] if a["func"] == "alert")
    finally:
        book.close()
    assert alert["args"][0] == "Start!C3 ska innehålla ett årtal (t.ex. 2019), inte ”nästa år”."
