"""``lumledger reconcile``: one ledger per rule LUM-R001..R011 that breaks only that rule, a control
that keeps it, a clean multi-year ledger, the scope rules (not run, never a finding), the real
example ledger's two discrepancies, the command line and the Avstämning workbook.

Every ledger is built in code with openpyxl by :func:`make_ledger`, starting from
:func:`clean_rows`: two decided years (2019, 2020) with decisions, payments, reports and a repaid
surplus, valid under ``lumledger validate`` and without a single reconciliation finding.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from lumledger import ledger_format
from lumledger.cli import main
from lumledger.findings import Finding
from lumledger.reconciliation import (
    Reconciliation,
    not_run_lines,
    reconcile,
    reconcile_path,
)
from lumledger.rules import Context
from lumledger.rules.reconciliation import check_reports
from lumledger.validation import validate_ledger
from lumledger.workbook.reader import read_ledger

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
AS_OF = dt.date(2021, 6, 1)  # both years' reports are due (2020-02-28, 2021-02-28)

Rows = list[dict[str, Any]]
Sheets = dict[str, Rows]


def clean_rows() -> Sheets:
    """A valid two-year ledger in which everything reconciles (fresh copies each call)."""
    return {
        ledger_format.ROUNDS: [
            {"År": 2019, "Status": "Beslutad", "Beslutsdatum": dt.date(2018, 12, 18)},
            {"År": 2020, "Status": "Beslutad", "Beslutsdatum": dt.date(2019, 12, 17)},
        ],
        ledger_format.ADMINISTRATIONS: [
            {"Namn": "Bromma", "Typ": "Stadsdelsförvaltning"},
            {"Namn": "Farsta", "Typ": "Stadsdelsförvaltning"},
            {"Namn": "Socialförvaltningen", "Typ": "Fackförvaltning"},
        ],
        ledger_format.APPLICATIONS: [
            {
                "Id": "2019-P01",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Namn": "Boendefrågan",
                "Projekt": "BR-BOENDE",
                "Projektår": 1,
                "Sökt belopp": 300_000,
                "Beviljat belopp": 200_000,
            },
            {
                "Id": "2019-P02",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Farsta",
                "Namn": "Kristeamet",
                "Sökt belopp": 400_000,
                "Beviljat belopp": 0,
            },
            {
                "Id": "2019-S01",
                "År": 2019,
                "Typ": "Studiebesök",
                "Förvaltning": "Socialförvaltningen",
                "Namn": "Oslo",
                "Sökt belopp": 25_000,
                "Beviljat belopp": 25_000,
            },
            {
                "Id": "2020-P01",
                "År": 2020,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Namn": "Boendefrågan",
                "Projekt": "BR-BOENDE",
                "Projektår": 2,
                "Tidigare beviljat": 200_000,
                "Sökt belopp": 300_000,
                "Beviljat belopp": 250_000,
            },
            {
                "Id": "2020-P02",
                "År": 2020,
                "Typ": "Projekt",
                "Förvaltning": "Farsta",
                "Namn": "Uppföljning",
                "Sökt belopp": 150_000,
                "Beviljat belopp": 100_000,
            },
        ],
        ledger_format.DECISIONS: [
            {
                "År": 2019,
                "Typ": "Projekt",
                "Antal ansökningar": 2,
                "Antal förvaltningar": 2,
                "Summa sökt": 700_000,
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
            {
                "År": 2020,
                "Typ": "Projekt",
                "Antal ansökningar": 2,
                "Antal förvaltningar": 2,
                "Summa sökt": 450_000,
                "Summa beviljat": 350_000,
            },
        ],
        ledger_format.PAYMENTS: [
            {"Id": "2019-P01", "Datum": dt.date(2019, 1, 15), "Belopp": 200_000},
            {"Id": "2019-S01", "Datum": dt.date(2019, 1, 15), "Belopp": 25_000},
            {"Id": "2020-P01", "Datum": dt.date(2020, 1, 20), "Belopp": 250_000},
            {"Id": "2020-P02", "Datum": dt.date(2020, 1, 20), "Belopp": 100_000},
        ],
        ledger_format.REPORTS: [
            {
                # A surplus of 50 000, stated and repaid below: no finding.
                "Id": "2019-P01",
                "Inlämnad": dt.date(2020, 2, 20),
                "Beviljat belopp": 200_000,
                "Egen insats": 100_000,
                "Summa intäkter": 300_000,
                "Personalkostnader": 250_000,
                "Summa kostnader": 250_000,
                "Ej förbrukat": 50_000,
            },
            {
                # Öre: 280 000,50 + 19 999,50 = 300 000 exactly.
                "Id": "2020-P01",
                "Inlämnad": dt.date(2021, 2, 26),
                "Beviljat belopp": 250_000,
                "Egen insats": 50_000,
                "Summa intäkter": 300_000,
                "Personalkostnader": Decimal("280000.50"),
                "Administrativa kostnader": Decimal("19999.50"),
                "Summa kostnader": 300_000,
                "Ej förbrukat": 0,
            },
            {
                "Id": "2020-P02",
                "Inlämnad": dt.date(2021, 2, 1),
                "Beviljat belopp": 100_000,
                "Summa intäkter": 100_000,
                "Personalkostnader": 90_000,
                "Utbildningskostnader": 10_000,
                "Summa kostnader": 100_000,
            },
        ],
        ledger_format.REPAYMENTS: [
            {"Id": "2019-P01", "Datum": dt.date(2020, 3, 10), "Belopp": 50_000},
        ],
    }


def make_ledger(
    tmp_path: Path,
    sheets: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    change: Callable[[Sheets], None] | None = None,
    name: str = "liggare.xlsx",
) -> Path:
    """Write a ledger: ``sheets`` (default :func:`clean_rows`), changed by ``change(rows)``.

    Headers are the format's columns in order, so column letters are predictable
    (``Beslut!C2`` = first decision's ``Antal ansökningar``, ``Redovisningar!K2`` = first report's
    ``Summa kostnader``, ``Redovisningar!L2`` = its ``Ej förbrukat``).
    """
    rows: Sheets = {k: [dict(r) for r in v] for k, v in sheets.items()} if sheets else clean_rows()
    if change is not None:
        change(rows)
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for sheet, sheet_rows in rows.items():
        worksheet = book.create_sheet(sheet)
        columns = [c.name for c in ledger_format.COLUMNS[sheet]]
        worksheet.append(columns)
        for i, row in enumerate(sheet_rows, start=2):
            unknown = set(row) - set(columns)
            assert not unknown, unknown
            for j, column in enumerate(columns, start=1):
                cell = worksheet.cell(row=i, column=j, value=row.get(column))
                if isinstance(row.get(column), str):
                    cell.data_type = "s"  # text, even when it starts with "="
    path = tmp_path / name
    book.save(path)
    return path


def run(path: Path, as_of: dt.date = AS_OF) -> Reconciliation:
    result = reconcile(read_ledger(path), as_of)
    assert result.validation_errors == 0, [f"{f.location} {f.message}" for f in result.validation]
    return result


def show(items: Sequence[Finding]) -> list[str]:
    return [f"{f.id} {f.location} {f.code} {f.message}" for f in items]


def only(result: Reconciliation, code: str, id_: str | None) -> Finding:
    """Exactly one finding, with this code and application Id."""
    assert [(f.code, f.id) for f in result.findings] == [(code, id_)], show(result.findings)
    return result.findings[0]


def app(rows: Sheets, id_: str) -> dict[str, Any]:
    return next(r for r in rows[ledger_format.APPLICATIONS] if r["Id"] == id_)


def report(rows: Sheets, id_: str) -> dict[str, Any]:
    return next(r for r in rows[ledger_format.REPORTS] if r["Id"] == id_)


# --- the clean ledger -------------------------------------------------------------------------------


def test_clean_multi_year_ledger_has_no_findings(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    assert validate_ledger(read_ledger(path)).findings == []
    result = run(path)
    assert result.findings == [], show(result.findings)
    assert result.not_run == []
    assert result.clean


def test_surplus_stated_and_repaid_is_not_a_finding(tmp_path: Path) -> None:
    result = run(make_ledger(tmp_path))
    statement = next(s for s in result.statements if s.id == "2019-P01")
    assert statement.unspent == Decimal(50_000)
    assert statement.unspent_stated == Decimal(50_000)
    assert statement.repaid == Decimal(50_000)
    assert statement.to_repay == 0 and statement.to_pay == 0
    assert statement.open == []
    assert not [f for f in result.findings if f.id == "2019-P01"]


def test_statement_per_application_and_year(tmp_path: Path) -> None:
    result = run(make_ledger(tmp_path))
    by_id = {s.id: s for s in result.statements}
    assert set(by_id) == {"2019-P01", "2019-S01", "2020-P01", "2020-P02"}  # P02 2019: rejected
    p01 = by_id["2020-P01"]
    assert (p01.granted, p01.paid, p01.income, p01.costs) == (
        250_000,
        Decimal(250_000),
        Decimal(300_000),
        Decimal("300000.00"),
    )
    assert p01.due == dt.date(2021, 2, 28) and p01.submitted == dt.date(2021, 2, 26)
    assert p01.own_contribution == Decimal(50_000)
    data = result.to_dict()["statements"][2]
    assert data["id"] == "2020-P01" and data["paid"] == 250_000 and data["costs"] == 300_000
    years = {(y.year, y.type): y for y in result.years}
    assert years[(2019, "Projekt")].stated == years[(2019, "Projekt")].counted
    assert years[(2020, "Projekt")].counted.granted == 350_000
    assert years[(2019, "Studiebesök")].paid == Decimal(25_000)


# --- one ledger per rule ----------------------------------------------------------------------------


@pytest.mark.rule("LUM-R001")
def test_r001_stated_count_of_applications(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.DECISIONS][0]["Antal ansökningar"] = 3

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R001", None)
    assert (item.sheet, item.cell, item.row) == (ledger_format.DECISIONS, "C2", 2)
    assert (item.expected, item.found) == (2, 3)  # counted in the ledger, found in Beslut!C2
    assert "3 projektansökningar 2019" in item.message and "liggaren har 2" in item.message


@pytest.mark.rule("LUM-R001")
def test_r001_stated_count_of_administrations(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.DECISIONS][1]["Antal förvaltningar"] = 2

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R001", None)
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.DECISIONS,
        "D3",
        1,
        2,
    )


def test_r001_kept_when_co_applicants_and_same_administration_twice(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        # Bromma's second project in 2020: 3 applications, still 2 distinct main applicants.
        rows[ledger_format.APPLICATIONS].append(
            {
                "Id": "2020-P03",
                "År": 2020,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Medsökande": "Farsta",
                "Namn": "Avslag",
                "Sökt belopp": 10_000,
                "Beviljat belopp": 0,
            }
        )
        rows[ledger_format.DECISIONS][2].update({"Antal ansökningar": 3, "Summa sökt": 460_000})

    assert run(make_ledger(tmp_path, change=change)).findings == []


@pytest.mark.rule("LUM-R002")
def test_r002_stated_sum_granted(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.DECISIONS][2]["Summa beviljat"] = 300_000

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R002", None)
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.DECISIONS,
        "F4",
        350_000,
        300_000,
    )
    assert "50 000 kr mindre" in item.message


def test_r002_stated_sum_applied(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.DECISIONS][0]["Summa sökt"] = 800_000

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R002", None)
    assert (item.cell, item.expected, item.found) == ("E2", 700_000, 800_000)


@pytest.mark.rule("LUM-R003")
def test_r003_granted_but_not_paid(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS] = [
            p for p in rows[ledger_format.PAYMENTS] if p["Id"] != "2019-S01"
        ]

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R003", "2019-S01")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.APPLICATIONS,
        "M4",
        25_000,
        0,
    )


@pytest.mark.rule("LUM-R003")
def test_r003_paid_twice(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2020-P01", "Datum": dt.date(2020, 2, 1), "Belopp": 250_000}
        )

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R003", "2020-P01")
    assert (item.expected, item.found) == (250_000, 500_000)
    assert "2 utbetalningar" in item.message and "250 000 kr mer" in item.message


def test_r003_kept_when_round_not_decided(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.ROUNDS][1]["Status"] = "Bedömning"
        rows[ledger_format.PAYMENTS] = [
            p for p in rows[ledger_format.PAYMENTS] if p["Id"] != "2020-P02"
        ]

    assert run(make_ledger(tmp_path, change=change)).findings == []


@pytest.mark.rule("LUM-R004")
def test_r004_payment_without_grant(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-P02", "Datum": dt.date(2019, 2, 1), "Belopp": 10_000}
        )

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R004", "2019-P02")
    assert (item.sheet, item.cell, item.row, item.expected, item.found) == (
        ledger_format.PAYMENTS,
        "C6",
        6,
        0,
        10_000,
    )


@pytest.mark.rule("LUM-R005")
def test_r005_report_missing_after_due_date(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.REPORTS] = [
            r for r in rows[ledger_format.REPORTS] if r["Id"] != "2020-P02"
        ]

    path = make_ledger(tmp_path, change=change)
    item = only(run(path), "LUM-R005", "2020-P02")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.APPLICATIONS,
        "A6",
        "redovisning senast 2021-02-28",
        None,
    )
    # The control: on the due date itself the report is not yet overdue.
    assert run(path, as_of=dt.date(2021, 2, 28)).findings == []


def test_r005_study_visits_and_rejected_projects_need_no_report(tmp_path: Path) -> None:
    result = run(make_ledger(tmp_path), as_of=dt.date(2030, 1, 1))
    assert result.findings == []  # 2019-S01 and 2019-P02 (rejected) have no report


@pytest.mark.rule("LUM-R006")
def test_r006_report_states_another_grant(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        # 240 000 + 60 000 keeps the income lines at the stated 300 000: only R006 breaks.
        report(rows, "2020-P01").update({"Beviljat belopp": 240_000, "Egen insats": 60_000})

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R006", "2020-P01")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.REPORTS,
        "C3",
        250_000,
        240_000,
    )


@pytest.mark.rule("LUM-R007")
def test_r007_stated_income_sum(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        report(rows, "2020-P01")["Summa intäkter"] = 310_000

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R007", "2020-P01")
    assert (item.cell, item.expected, item.found) == ("F3", 300_000, 310_000)


@pytest.mark.rule("LUM-R008")
def test_r008_stated_cost_sum(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        report(rows, "2020-P01")["Summa kostnader"] = Decimal("299999.50")

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R008", "2020-P01")
    assert (item.cell, item.expected, item.found) == ("K3", 300_000, "299999.50")
    assert "0,50 kr för lite" in item.message


@pytest.mark.rule("LUM-R009")
def test_r009_costs_exceed_income(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        report(rows, "2020-P02").update({"Personalkostnader": 120_000, "Summa kostnader": 130_000})

    path = make_ledger(tmp_path, change=change)
    item = only(run(path), "LUM-R009", "2020-P02")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.REPORTS,
        "K4",
        100_000,
        130_000,
    )
    assert (
        item.message == "Kostnaderna (130 000 kr) överstiger intäkterna (100 000 kr) med 30 000 kr"
    )
    # The rule family on its own, as the library offers it.
    found = check_reports(read_ledger(path), Context(as_of=AS_OF))
    assert [f.id for f in found if f.code == "LUM-R009"] == ["2020-P02"]


def test_r009_kept_when_costs_equal_income(tmp_path: Path) -> None:
    result = run(make_ledger(tmp_path))  # 2020-P01: 300 000,00 against 300 000
    assert not [f for f in result.findings if f.code == "LUM-R009"]


@pytest.mark.rule("LUM-R010")
def test_r010_stated_unspent_differs_from_lines(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        report(rows, "2019-P01")["Ej förbrukat"] = 40_000

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R010", "2019-P01")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.REPORTS,
        "L2",
        50_000,
        40_000,
    )


@pytest.mark.rule("LUM-R010")
def test_r010_surplus_not_repaid(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.REPAYMENTS] = []

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R010", "2019-P01")
    assert (item.expected, item.found) == (50_000, 0)
    assert item.message.startswith("Återbetalt 0 kr men 50 000 kr ska återbetalas")


def test_r010_unspent_is_capped_by_the_grant(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        # Income 400 000 (grant 100 000 + own 300 000), costs 100 000: only the grant comes back.
        report(rows, "2020-P02").update(
            {"Egen insats": 300_000, "Summa intäkter": 400_000, "Ej förbrukat": 100_000}
        )
        rows[ledger_format.REPAYMENTS].append(
            {"Id": "2020-P02", "Datum": dt.date(2021, 3, 1), "Belopp": 100_000}
        )

    assert run(make_ledger(tmp_path, change=change)).findings == []


@pytest.mark.rule("LUM-R011")
def test_r011_previous_grants(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2020-P01")["Tidigare beviljat"] = 150_000

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R011", "2020-P01")
    assert (item.sheet, item.cell, item.expected, item.found) == (
        ledger_format.APPLICATIONS,
        "J5",
        200_000,
        150_000,
    )


@pytest.mark.rule("LUM-R011")
def test_r011_project_year_steps_by_one(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2020-P01")["Projektår"] = 3

    item = only(run(make_ledger(tmp_path, change=change)), "LUM-R011", "2020-P01")
    assert (item.cell, item.expected, item.found) == ("I5", 2, 3)


def test_r011_blank_previous_is_not_compared(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2020-P01")["Tidigare beviljat"] = None

    assert run(make_ledger(tmp_path, change=change)).findings == []


# --- scope: what is not recorded is not run, never a finding ---------------------------------------


def test_years_without_payments_reports_or_decisions_are_not_run(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS] = [
            p for p in rows[ledger_format.PAYMENTS] if not p["Id"].startswith("2020")
        ]
        rows[ledger_format.REPORTS] = [
            r for r in rows[ledger_format.REPORTS] if not r["Id"].startswith("2020")
        ]
        rows[ledger_format.DECISIONS] = rows[ledger_format.DECISIONS][:2]

    result = run(make_ledger(tmp_path, change=change))
    assert result.findings == [], show(result.findings)
    reasons = {(n.code, n.reason) for n in result.not_run}
    assert ("LUM-R003", "2020: inga utbetalningar registrerade") in reasons
    assert ("LUM-R005", "2020: inga redovisningar registrerade") in reasons
    assert ("LUM-R001", "2020: ingen rad i Beslut") in reasons
    assert not any(n.year == 2019 for n in result.not_run)
    assert "LUM-R005–LUM-R010  2020: inga redovisningar registrerade" in not_run_lines(
        result.not_run
    )


def test_optional_sheets_absent(tmp_path: Path) -> None:
    rows = clean_rows()
    for sheet in (
        ledger_format.PAYMENTS,
        ledger_format.REPORTS,
        ledger_format.REPAYMENTS,
        ledger_format.DECISIONS,
    ):
        del rows[sheet]
    result = run(make_ledger(tmp_path, rows))
    assert result.findings == []
    assert {n.code for n in result.not_run} == {f"LUM-R{n:03d}" for n in range(1, 11)}


def test_invalid_ledger_is_reported_and_the_rest_reconciled(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-S01")["Beviljat belopp"] = "tjugofem tusen"  # LUM-E003
        report(rows, "2020-P02").update({"Personalkostnader": 120_000, "Summa kostnader": 130_000})

    result = reconcile(read_ledger(make_ledger(tmp_path, change=change)), AS_OF)
    assert result.validation_errors == 1 and result.validation[0].code == "LUM-E003"
    assert [(f.code, f.id) for f in result.findings] == [("LUM-R009", "2020-P02")]
    skipped = [
        n for n in result.not_run if n.id == "2019-S01" or n.cause.startswith("Studiebesök:")
    ]
    assert {n.code for n in skipped} >= {"LUM-R002", "LUM-R003"}
    assert not result.clean


def test_duplicate_and_unknown_ids_are_not_run_not_findings(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.APPLICATIONS].append(dict(app(rows, "2020-P02")))  # LUM-E005
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-P99", "Datum": dt.date(2019, 1, 1), "Belopp": 5}
        )

    result = reconcile(read_ledger(make_ledger(tmp_path, change=change)), AS_OF)
    assert {f.code for f in result.validation} == {"LUM-E005", "LUM-E017"}
    assert result.findings == [], show(result.findings)
    causes = {(n.code, n.cause) for n in result.not_run}
    assert (
        "LUM-R001",
        "Projekt: Id förekommer flera gånger i Ansökningar (2020-P02)",
    ) in causes
    assert ("LUM-R004", "Utbetalningar rad 6: Id 2019-P99 finns inte i Ansökningar") in causes


def test_ids_match_in_any_case_and_rows_without_id_are_left_out(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS][0]["Belopp"] = 150_000
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-p01", "Datum": dt.date(2019, 6, 1), "Belopp": 50_000}
        )
        rows[ledger_format.PAYMENTS].append({"Datum": dt.date(2019, 6, 1), "Belopp": 1})  # no Id
        report(rows, "2020-P02")["Id"] = "2020-p02"
        rows[ledger_format.REPAYMENTS][0]["Id"] = "2019-p01"
        blank = dict(app(rows, "2019-P02"))
        del blank["Id"]
        rows[ledger_format.APPLICATIONS].append(blank)  # counted nowhere: not an application

    result = reconcile(read_ledger(make_ledger(tmp_path, change=change)), AS_OF)
    assert result.findings == [], show(result.findings)
    assert [(n.code, n.cause) for n in result.not_run] == [
        ("LUM-R004", "Utbetalningar rad 7: Id saknas")
    ]
    by_id = {s.id: s for s in result.statements}
    assert (by_id["2019-P01"].paid, by_id["2019-P01"].payments) == (Decimal(200_000), 2)
    assert by_id["2019-P01"].repaid == Decimal(50_000)
    assert by_id["2020-P02"].report_row == 4
    years = {(y.year, y.type): y for y in result.years}
    assert years[(2019, "Projekt")].counted == years[(2019, "Projekt")].stated


# --- the real example ledger -----------------------------------------------------------------------


def test_example_ledger_has_exactly_the_two_real_discrepancies() -> None:
    result = reconcile_path(EXAMPLE, dt.date.today())
    assert result.validation_errors == 0
    found = [(f.code, f.id, f.sheet, f.cell, f.expected, f.found) for f in result.findings]
    assert found == [
        ("LUM-R001", None, ledger_format.DECISIONS, "C2", 21, 23),
        # Issue 15: the report against its application's budget (tests/test_forms_import.py).
        ("LUM-R013", "2021-P01", ledger_format.REPORTS, "D2", 1_000_000, 650_000),
        ("LUM-R012", "2021-P01", ledger_format.REPORTS, "J2", 50_000, 42_044),
        ("LUM-R009", "2021-P01", ledger_format.REPORTS, "K2", 1_150_000, 1_500_000),
        ("LUM-R014", "2021-P01", ledger_format.REPORTS, "M2", "Nej", "Ja"),
    ]
    r001, _r013, _r012, r009, _r014 = result.findings
    assert result.year_of_finding(r001) == 2019
    assert r009.message == (
        "Kostnaderna (1 500 000 kr) överstiger intäkterna (1 150 000 kr) med 350 000 kr"
    )
    assert result.to_dict()["findings"][3]["difference"] == 350_000
    # R001 sits at Beslut!C2: found is that cell's 23, expected the ledger's 21, +2 as in the
    # years table ("Beslut mot liggare") — one sign and one meaning everywhere.
    assert result.to_dict()["findings"][0]["difference"] == 2
    year_2019 = next(y for y in result.to_dict()["years"] if y["year"] == 2019)
    assert year_2019["difference"]["applications"] == 2
    # No payments in the example: R003 is not run for any of its years, and says so.
    r003 = {n.reason for n in result.not_run if n.code == "LUM-R003"}
    assert r003 == {f"{y}: inga utbetalningar registrerade" for y in (2019, 2020, 2021)}
    # The own contribution (650 000 against a budget of 1 000 000) is shown, and LUM-R013.
    hv = next(s for s in result.statements if s.id == "2021-P01")
    assert hv.own_contribution == Decimal(650_000)


# --- the command line -------------------------------------------------------------------------------


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cli_clean_ledger_exit_0(tmp_path: Path) -> None:
    res = cli("reconcile", str(make_ledger(tmp_path)), "--as-of", "2021-06-01")
    assert res.exit_code == 0, res.output
    assert "0 avvikelser" in res.output and "per 2021-06-01" in res.output


def test_cli_example_terminal_output_grouped_by_year() -> None:
    res = cli("reconcile", str(EXAMPLE))
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    r009 = next(i for i, line in enumerate(lines) if "LUM-R009" in line)
    assert lines[r009].strip() == (
        "2021-P01  Redovisningar!K2  LUM-R009  Kostnaderna (1 500 000 kr) överstiger intäkterna "
        "(1 150 000 kr) med 350 000 kr"
    )
    assert any(line.startswith("2021 ") for line in lines[:r009])
    assert "  2019 Projekt  Beslut!C2  LUM-R001  Beslutet anger 23" in res.output
    assert "LUM-R003  2019, 2020, 2021: inga utbetalningar registrerade" in res.output
    assert "5 avvikelser (LUM-R001 1, LUM-R009 1, LUM-R012 1, LUM-R013 1, LUM-R014 1)" in res.output


def test_cli_json_carries_every_key() -> None:
    res = cli("reconcile", str(EXAMPLE), "--json", "--as-of", "2022-03-01")
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert set(data) >= {"findings", "summary", "not_run", "statements", "years"}
    for item in data["findings"]:
        assert {"code", "severity", "sheet", "cell", "row", "message", "expected", "found"} <= set(
            item
        )
    assert [f["code"] for f in data["findings"]] == [
        "LUM-R001",
        "LUM-R013",
        "LUM-R012",
        "LUM-R009",
        "LUM-R014",
    ]
    assert data["summary"]["as_of"] == "2022-03-01" and data["summary"]["findings"] == 5
    assert {
        "code": "LUM-R004",
        "year": None,
        "id": None,
        "reason": "inga utbetalningar registrerade",
    } in data["not_run"]


def test_cli_cannot_read_exit_2(tmp_path: Path) -> None:
    assert cli("reconcile", str(tmp_path / "saknas.xlsx")).exit_code == 2
    text = tmp_path / "inte.xlsx"
    text.write_text("inte en arbetsbok", encoding="utf-8")
    assert cli("reconcile", str(text)).exit_code == 2


def test_cli_bad_as_of(tmp_path: Path) -> None:
    res = cli("reconcile", str(make_ledger(tmp_path)), "--as-of", "1 mars")
    assert res.exit_code == 2 and "ÅÅÅÅ-MM-DD" in res.output


def test_cli_invalid_ledger_reported_first(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-S01")["Beviljat belopp"] = "tjugofem tusen"

    res = cli("reconcile", str(make_ledger(tmp_path, change=change)), "--as-of", "2021-06-01")
    assert res.exit_code == 1
    assert res.output.startswith("Liggaren har 1 fel")
    assert "Kontroller som inte kördes:" in res.output


def test_cli_output_workbook(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2020-P02")["Namn"] = '=HYPERLINK("http://example.com")'
        report(rows, "2020-P02").update({"Personalkostnader": 120_000, "Summa kostnader": 130_000})

    ledger = make_ledger(tmp_path, change=change)
    before = ledger.read_bytes()
    out = tmp_path / "avstamning.xlsx"
    res = cli("reconcile", str(ledger), "--as-of", "2021-06-01", "-o", str(out))
    assert res.exit_code == 1, res.output
    assert ledger.read_bytes() == before
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:4] == [
        "Öppet per år",
        "Avvikelser",
        "Avstämning per ansökan",
        "Beslut mot liggare",
    ]
    open_years = book["Öppet per år"]
    header = [c.value for c in open_years[1]]
    years = [dict(zip(header, [c.value for c in r], strict=True)) for r in open_years.iter_rows(2)]
    assert [y["År"] for y in years] == [2019, 2020]
    assert {"Beviljat", "Utbetalt", "Kvar att betala ut", "Försenade", "Återbetalt"} <= set(header)
    findings = book["Avvikelser"]
    assert findings.freeze_panes == "A2" and findings.auto_filter.ref == "A1:L2"
    header = [c.value for c in findings[1]]
    row = dict(zip(header, [c.value for c in findings[2]], strict=True))
    assert (row["Kod"], row["Avser"], row["Cell"], row["Skillnad"]) == (
        "LUM-R009",
        "2020-P02",
        "K4",
        30_000,
    )
    assert findings.cell(row=2, column=header.index("Funnet") + 1).number_format == "#,##0"
    statement = book["Avstämning per ansökan"]
    names = [c for c in statement["E"] if c.value and str(c.value).startswith("=")]
    assert names and all(c.data_type == "s" for c in names)
    assert book["Beslut mot liggare"].auto_filter.ref


def test_cli_output_never_overwrites_the_ledger(tmp_path: Path) -> None:
    ledger = make_ledger(tmp_path)
    before = ledger.read_bytes()
    res = cli("reconcile", str(ledger), "-o", str(ledger))
    assert res.exit_code == 2
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("as_of", ["2020-02-28", "2020-02-29"])
def test_as_of_decides_overdue(tmp_path: Path, as_of: str) -> None:
    def change(rows: Sheets) -> None:
        # 2019 keeps one report (2019-P01), so R005 runs for 2019; add a second granted project.
        rows[ledger_format.APPLICATIONS].append(
            {
                "Id": "2019-P03",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Socialförvaltningen",
                "Namn": "Brukarskola",
                "Sökt belopp": 50_000,
                "Beviljat belopp": 50_000,
            }
        )
        rows[ledger_format.DECISIONS][0].update(
            {
                "Antal ansökningar": 3,
                "Antal förvaltningar": 3,
                "Summa sökt": 750_000,
                "Summa beviljat": 250_000,
            }
        )
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-P03", "Datum": dt.date(2019, 1, 15), "Belopp": 50_000}
        )

    result = run(make_ledger(tmp_path, change=change), as_of=dt.date.fromisoformat(as_of))
    codes = [(f.code, f.id) for f in result.findings if f.code == "LUM-R005"]
    assert codes == ([] if as_of == "2020-02-28" else [("LUM-R005", "2019-P03")])


# --- what is open, per year (issue 13, point 1) -------------------------------------------------------


def test_open_items_of_a_clean_ledger_are_none_and_every_report_received(tmp_path: Path) -> None:
    result = run(make_ledger(tmp_path))
    years = {y.year: y for y in result.open_years}
    assert sorted(years) == [2019, 2020]
    y2019 = years[2019]
    assert (y2019.granted_count, y2019.granted, y2019.paid, y2019.to_pay) == (
        2,
        225_000,
        225_000,
        0,
    )
    assert (y2019.reports_expected, y2019.reports_received, y2019.reports_overdue) == (1, 1, 0)
    assert (y2019.unspent, y2019.repaid, y2019.to_repay) == (50_000, 50_000, 0)
    assert y2019.report_due == dt.date(2020, 2, 28)
    assert not any(y.open for y in years.values())
    assert result.nothing_recorded() == []


def test_open_items_computed_although_nothing_is_paid_or_reported(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS] = [
            p for p in rows[ledger_format.PAYMENTS] if not str(p["Id"]).startswith("2020")
        ]
        rows[ledger_format.REPORTS] = [
            r for r in rows[ledger_format.REPORTS] if not str(r["Id"]).startswith("2020")
        ]

    result = run(make_ledger(tmp_path, change=change), dt.date(2021, 3, 1))
    y2020 = result.open_in(2020)
    assert y2020 is not None
    assert (y2020.granted, y2020.paid, y2020.to_pay) == (350_000, 0, 350_000)
    assert (y2020.reports_expected, y2020.reports_overdue, y2020.reports_received) == (2, 2, 0)
    assert y2020.open_ids == ("2020-P01", "2020-P02")
    assert y2020.nothing_recorded() == [
        "inga utbetalningar registrerade för 2020 – 2 beviljade ansökningar, 350 000 kr",
        "inga redovisningar registrerade för 2020 – 2 beviljade projekt, sista dag 2021-02-28",
    ]
    by_id = {s.id: s for s in result.statements}
    assert by_id["2020-P01"].report_state == "försenad"
    assert by_id["2019-P01"].report_state == "inlämnad"
    assert by_id["2019-S01"].report_state is None  # a study visit reports nothing
    # Before the due date the report is not yet due, and not called missing.
    early = run(make_ledger(tmp_path, change=change, name="tidig.xlsx"), dt.date(2021, 2, 1))
    assert {s.id: s.report_state for s in early.statements}["2020-P01"] == "ej förfallen"
    assert early.open_in(2020).reports_not_due == 2  # type: ignore[union-attr]


def test_open_items_owe_a_repayment(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.REPAYMENTS] = []

    result = run(make_ledger(tmp_path, change=change))
    y2019 = result.open_in(2019)
    assert y2019 is not None and y2019.to_repay == 50_000 and y2019.open_ids == ("2019-P01",)


def test_cli_prints_what_is_open_first_then_the_discrepancies(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.PAYMENTS] = [
            p for p in rows[ledger_format.PAYMENTS] if not str(p["Id"]).startswith("2020")
        ]

    res = cli("reconcile", str(make_ledger(tmp_path, change=change)), "--as-of", "2021-06-01")
    assert res.exit_code == 0, res.output  # nothing to compare is not a discrepancy
    lines = res.output.splitlines()
    assert lines[0] == "Öppet per 2021-06-01:"
    y2020 = next(i for i, line in enumerate(lines) if line.startswith("2020 (Beslutad)"))
    assert "kvar att betala ut 350 000 kr" in lines[y2020]
    assert lines[y2020 + 1].startswith("  2020-P01  Bromma  Boendefrågan  att betala ut 250 000 kr")
    assert lines.index("Avvikelser:") > y2020
    assert lines[-1] == (
        "liggare.xlsx per 2021-06-01: 0 avvikelser; 2 ansökningar med något öppet; inga "
        "utbetalningar registrerade för 2020 – 2 beviljade ansökningar, 350 000 kr; "
        "1 kontroll kördes inte."
    )
    data = json.loads(cli("reconcile", str(make_ledger(tmp_path, change=change)), "--json").output)
    open_2020 = next(y for y in data["open_by_year"] if y["year"] == 2020)
    assert (open_2020["granted"], open_2020["paid"], open_2020["to_pay"]) == (350_000, 0, 350_000)
    assert open_2020["open_applications"] == ["2020-P01", "2020-P02"]
    assert data["summary"]["nothing_recorded"] == [
        "inga utbetalningar registrerade för 2020 – 2 beviljade ansökningar, 350 000 kr"
    ]


def test_example_says_what_is_open_and_keeps_its_two_discrepancies() -> None:
    res = cli("reconcile", str(EXAMPLE), "--as-of", "2022-03-01")
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0] == "Öppet per 2022-03-01:"
    assert lines[1].startswith("2019 (Beslutad)  beviljat 3 510 450 kr till 26 ansökningar")
    assert lines.index("Avvikelser:") > 1
    assert (
        "inga utbetalningar registrerade för 2019 – 26 beviljade ansökningar, 3 510 450 kr"
        in (lines[-1])
    )
    # The two of issue 13 and the budget findings of HV 2021's report (issue 15).
    assert "5 avvikelser (LUM-R001 1, LUM-R009 1, LUM-R012 1, LUM-R013 1, LUM-R014 1)" in lines[-1]


def test_open_items_name_a_payment_without_a_grant(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-P02")["Beviljat belopp"] = None
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-P02", "Datum": dt.date(2019, 2, 1), "Belopp": 10_000}
        )

    result = reconcile(read_ledger(make_ledger(tmp_path, change=change)), AS_OF)
    y2019 = result.open_in(2019)
    assert y2019 is not None and y2019.overpaid == 10_000 and "2019-P02" in y2019.open_ids
    by_id = {s.id: s for s in result.statements}
    assert by_id["2019-P02"].open == ["utbetalt 10 000 kr utan beviljat belopp"]
