"""The reader: what officers type or paste is parsed exactly, and every value keeps its cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE, make_ledger

from lumledger import ledger_format
from lumledger.ledger import to_decimal, to_int
from lumledger.money import check_payment_account, format_kr, parse_amount_text
from lumledger.validation import validate_path
from lumledger.workbook.reader import read_ledger

APPS = ledger_format.APPLICATIONS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("493 000", Decimal(493000)),
        ("493 000 kr", Decimal(493000)),
        ("493\u00a0000", Decimal(493000)),
        ("493\u202f000 kr", Decimal(493000)),
        ("1 457 956,00", Decimal("1457956.00")),
        ("  75000  ", Decimal(75000)),
        ("-25 000", Decimal(-25000)),
        ("\u221225 000", Decimal(-25000)),
        ("4 104,5", Decimal("4104.5")),
        ("12 500:-", Decimal(12500)),
    ],
)
def test_swedish_amount_spellings(text: str, value: Decimal) -> None:
    assert parse_amount_text(text) == value


@pytest.mark.parametrize(
    "text", ["", "abc", "1.000", "1,000,000", "12 34", "1 0000", "kr", "1e5", "--5"]
)
def test_not_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount_text(text)


def test_format_kr() -> None:
    assert format_kr(3_175_000) == "3 175 000"
    assert format_kr(Decimal("1457956.5")) == "1 457 956,50"
    assert format_kr(-350_000, unit=True) == "-350 000 kr"
    assert format_kr(0) == "0"


@pytest.mark.parametrize(
    ("account", "ok"),
    [
        ("Plusgiro 5 55 13-6", True),
        ("PG 555136", True),
        ("Bankgiro 5050-1055", True),
        ("bankgiro 5050-1055", True),
        ("5050-1055", True),
        ("Bankgiro 123-4567", False),
        ("Plusgiro 5 55 13-5", False),
        ("8327-9, 123 456 789-0", False),
    ],
)
def test_payment_accounts(account: str, ok: bool) -> None:
    assert check_payment_account(account).ok is ok


def test_amounts_are_exact_and_keep_their_cells(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS][0]["Sökt belopp"] = "1 457 956"
        rows[ledger_format.REPORTS] = [
            {
                "Id": "2019-P01",
                "Inlämnad": dt.date(2020, 2, 28),
                "Personalkostnader": 0.1,
                "Administrativa kostnader": "4 104,20",
                "Summa kostnader": 4104.3,
            }
        ]

    ledger = read_ledger(make_ledger(tmp_path, change=change))
    apps = ledger.sheets[APPS]
    assert to_int(apps.frame.at[2, "Sökt belopp"]) == 1_457_956
    assert apps.cell("Sökt belopp", 2) == "K2"
    reports = ledger.sheets[ledger_format.REPORTS].frame
    assert reports.at[2, "Personalkostnader"] == Decimal("0.1")
    assert reports.at[2, "Administrativa kostnader"] == Decimal("4104.20")
    total = to_decimal(reports.at[2, "Personalkostnader"]) + to_decimal(
        reports.at[2, "Administrativa kostnader"]
    )
    assert total == reports.at[2, "Summa kostnader"]  # exact: 0.1 + 4104.2 == 4104.3


def test_headers_in_any_case_and_order_with_spaces(tmp_path: Path) -> None:
    columns = [c.name for c in ledger_format.COLUMNS[APPS]][::-1]
    shown = {name: f"  {name.upper()} " for name in columns}

    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS] = [{shown[k]: v for k, v in row.items()} for row in rows[APPS]]

    path = make_ledger(tmp_path, change=change, headers={APPS: [shown[c] for c in columns]})
    result = validate_path(path)
    assert result.findings == []
    apps = result.ledger.sheets[APPS]
    assert apps.cell("Id", 2) == f"{openpyxl.utils.get_column_letter(len(columns))}2"


def test_iso_date_text_and_real_dates(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Inkom": " 2018-10-02 "}))
    ledger = read_ledger(path)
    frame = ledger.sheets[APPS].frame
    assert str(frame.at[2, "Inkom"])[:10] == "2018-10-01"
    assert str(frame.at[3, "Inkom"])[:10] == "2018-10-02"
    assert [f.code for f in ledger.findings] == ["LUM-W002"]


def test_empty_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS].insert(1, {})
        rows[APPS].insert(1, {"Namn": "   "})

    path = make_ledger(tmp_path, change=change)
    result = validate_path(path)
    assert result.findings == []
    assert list(result.ledger.sheets[APPS].frame.index) == [2, 5, 6]


def test_sheet_whose_data_does_not_start_in_column_a(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book[ledger_format.ADMINISTRATIONS]
    sheet.insert_cols(1)
    book.save(path)
    result = validate_path(path)
    assert result.findings == []
    assert result.ledger.sheets[ledger_format.ADMINISTRATIONS].cell("Namn", 2) == "B2"


def test_output_sheets_are_never_read(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, extra_sheets={"Fel": [{"Cell": "=HYPERLINK(1)", "Kod": 1}]})
    assert validate_path(path).findings == []


def test_sheet_names_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[" omgångar "] = rows.pop(ledger_format.ROUNDS)

    path = make_ledger(
        tmp_path,
        change=change,
        headers={" omgångar ": [c.name for c in ledger_format.COLUMNS[ledger_format.ROUNDS]]},
    )
    assert validate_path(path).findings == []


def test_example_ledger_figures() -> None:
    ledger = read_ledger(EXAMPLE)
    frame = ledger.sheets[APPS].frame
    y2019 = frame[frame["År"] == 2019]
    projects = y2019[y2019["Typ"] == ledger_format.PROJECT]
    visits = y2019[y2019["Typ"] == ledger_format.STUDY_VISIT]
    assert (len(projects), len(visits)) == (21, 16)
    assert int(projects["Sökt belopp"].sum()) == 10_950_780
    assert int(projects["Beviljat belopp"].sum()) == 3_175_000
    assert int(visits["Beviljat belopp"].sum()) == 335_450
