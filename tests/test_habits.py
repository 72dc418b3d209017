"""Spreadsheet habits (issue 13, point 8): merged cells, a totals row, co-applicants separated by
commas, hidden rows, filtered rows and hidden sheets. Each ledger is the valid one of
``conftest.make_ledger`` with one habit added through openpyxl, as an officer would in Excel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import make_ledger

from lumledger import ledger_format
from lumledger.findings import Finding
from lumledger.validation import validate_path

APPS = ledger_format.APPLICATIONS
ADMINS = ledger_format.ADMINISTRATIONS


def habit(path: Path, edit: Callable[[Any], None]) -> Path:
    """``path`` opened in openpyxl, changed by ``edit(book)`` and saved in place."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def findings(path: Path) -> list[Finding]:
    return validate_path(path).findings


def only(path: Path, code: str) -> list[Finding]:
    found = findings(path)
    assert {f.code for f in found} == {code}, [f"{f.location} {f.code} {f.message}" for f in found]
    return found


@pytest.mark.rule("LUM-W012")
def test_merged_cells_are_one_finding_at_the_range(tmp_path: Path) -> None:
    """D2:D3 merged holding "Bromma": one warning at D2:D3, not "D3 … Förvaltning är tomt"; the
    second application is read with the name the officer sees."""

    def same_administration(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS][1]["Förvaltning"] = "Bromma"

    path = make_ledger(tmp_path, change=same_administration)
    habit(path, lambda book: book[APPS].merge_cells("D2:D3"))
    (merged,) = only(path, "LUM-W012")
    assert (merged.sheet, merged.cell, merged.row) == (APPS, "D2:D3", 2)
    assert "sammanfogade" in merged.message and "”Bromma”" in merged.message
    ledger = validate_path(path).ledger
    assert ledger is not None
    assert list(ledger.sheet(APPS).frame["Förvaltning"])[:2] == ["Bromma", "Bromma"]


@pytest.mark.rule("LUM-W012")
def test_a_merge_across_columns_is_reported_not_spread(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Syfte": None}))
    habit(path, lambda book: book[APPS].merge_cells("F2:G2"))  # Namn over Syfte
    (merged,) = only(path, "LUM-W012")
    assert merged.cell == "F2:G2" and "bara den första cellen" in merged.message


@pytest.mark.rule("LUM-W013")
def test_a_totals_row_is_one_finding(tmp_path: Path) -> None:
    """A "Summa" row under the applications with their sums: one warning, not five errors (Id, År,
    Typ, Förvaltning empty …), and the sums are not counted as an application."""

    def totals(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS].append({"Id": "Summa", "Sökt belopp": 742_000, "Beviljat belopp": 225_000})

    path = make_ledger(tmp_path, change=totals)
    (total,) = only(path, "LUM-W013")
    assert (total.sheet, total.row, total.found) == (APPS, 5, "Summa")
    assert total.cell is not None and total.cell.startswith("A5:")
    ledger = validate_path(path).ledger
    assert ledger is not None and len(ledger.sheet(APPS).frame) == 3


def test_a_project_named_like_a_total_is_read(tmp_path: Path) -> None:
    """A last application called "Summa kultur" (its Id filled) is an application."""
    path = make_ledger(tmp_path, change=lambda r: r[APPS][2].update({"Namn": "Summa kultur"}))
    assert findings(path) == []


def test_co_applicants_with_commas_get_the_semicolon_hint(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][0].update({"Medsökande": "Farsta, Socialförvaltningen"})
    )
    (hint,) = only(path, "LUM-W006")
    assert "semikolon" in hint.message and "menade du" not in hint.message
    assert hint.expected == "Farsta; Socialförvaltningen"
    assert hint.found == "Farsta, Socialförvaltningen"


@pytest.mark.rule("LUM-W014")
def test_hidden_rows_are_counted(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)

    def hide(book: Any) -> None:
        book[APPS].row_dimensions[3].hidden = True
        book[APPS].row_dimensions[4].hidden = True
        book[APPS].row_dimensions[9].hidden = True  # empty: not counted

    habit(path, hide)
    (hidden,) = only(path, "LUM-W014")
    assert hidden.sheet == APPS and hidden.found == 2
    assert "2 rader är dolda (rad 3, 4)" in hidden.message and "läses ändå" in hidden.message


@pytest.mark.rule("LUM-W014")
def test_filtered_rows_are_counted(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)

    def filtered(book: Any) -> None:
        sheet = book[APPS]
        sheet.auto_filter.ref = "A1:T4"
        sheet.auto_filter.add_filter_column(3, ["Bromma"])
        sheet.row_dimensions[3].hidden = True
        sheet.row_dimensions[4].hidden = True

    habit(path, filtered)
    (hidden,) = only(path, "LUM-W014")
    assert "2 rader är bortfiltrerade av autofiltret (rad 3, 4)" in hidden.message


@pytest.mark.rule("LUM-W014")
def test_a_hidden_sheet_is_said(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    habit(path, lambda book: setattr(book[ADMINS], "sheet_state", "hidden"))
    (hidden,) = only(path, "LUM-W014")
    assert hidden.sheet == ADMINS and "dolt" in hidden.message


def test_habits_come_from_the_one_pass_over_the_sheet(tmp_path: Path) -> None:
    """The package's scan notes merges, hidden rows and the filter; chunk borders do not lose or
    double them."""
    from lumledger.workbook.habits import HabitScan

    row = b'<row r="7" spans="1:3" hidden="1"><c r="A7"><v>1</v></c></row>'
    xml = b"<sheetData>" + b'<row r="1"/>' * 50 + row + b"</sheetData>"
    xml += b'<autoFilter ref="A1:C9"><filterColumn colId="0"/></autoFilter>'
    xml += b'<mergeCells count="1"><mergeCell ref="B2:B4"/></mergeCells>'
    for size in (7, 64, 100, len(xml)):
        scan = HabitScan()
        for at in range(0, len(xml), size):
            scan.feed(xml[at : at + size])
        assert scan.found.hidden_rows == [7], size
        assert scan.found.merged == [(2, 2, 4, 2)], size
        assert scan.found.auto_filter == (1, 1, 9, 3) and scan.found.filter_active, size


@pytest.mark.parametrize(
    ("name", "change", "edit"),
    [
        (
            "merged",
            lambda r: r[APPS][1].update({"Förvaltning": "Bromma"}),
            lambda book: book[APPS].merge_cells("D2:D3"),
        ),
        (
            "totals",
            lambda r: r[APPS].append(
                {"Id": "Summa", "Sökt belopp": 742_000, "Beviljat belopp": 225_000}
            ),
            lambda book: None,
        ),
        ("hidden rows", None, lambda book: setattr(book[APPS].row_dimensions[3], "hidden", True)),
        ("hidden sheet", None, lambda book: setattr(book[ADMINS], "sheet_state", "hidden")),
    ],
)
def test_the_columnar_reader_reports_each_habit_alike(
    tmp_path: Path, name: str, change: Any, edit: Callable[[Any], None]
) -> None:
    """A large ledger is read by columns (lumledger.workbook.columnar); a sheet with a habit
    goes the cell-by-cell way there, so the finding is the same whichever path reads it."""
    from lumledger.workbook.columnar import read_columnar
    from lumledger.workbook.reader import read_ledger_by_cells

    path = habit(make_ledger(tmp_path, change=change), edit)
    by_columns, stats = read_columnar(path, cells_below=0)  # forced: the columnar path
    assert "*" not in stats.fallbacks, stats.fallbacks
    assert stats.fallbacks, f"{name}: the sheet with the habit was read by columns"
    by_cells = read_ledger_by_cells(path)
    assert by_columns.findings == by_cells.findings
    assert {f.code for f in by_columns.findings} & {"LUM-W012", "LUM-W013", "LUM-W014"}
