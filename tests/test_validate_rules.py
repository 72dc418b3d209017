"""One ledger per validation rule: each breaks only that rule, and the finding is at its cell.

Every test starts from the valid ledger of ``conftest.make_ledger`` and changes one thing.
``assert_only`` checks that the set of codes found is exactly the one rule broken.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import make_ledger, patch_cell_xml

from lumledger import ledger_format
from lumledger.findings import Finding
from lumledger.validation import validate_path

APPS = ledger_format.APPLICATIONS
ROUNDS = ledger_format.ROUNDS


def findings_of(path: Path) -> list[Finding]:
    return validate_path(path).findings


def assert_only(path: Path, code: str) -> list[Finding]:
    found = findings_of(path)
    codes = {f.code for f in found}
    assert codes == {code}, [f"{f.location} {f.code} {f.message}" for f in found]
    return [f for f in found if f.code == code]


def at(found: list[Finding], sheet: str, cell: str | None) -> Finding:
    matches = [f for f in found if f.sheet == sheet and f.cell == cell]
    assert matches, [(f.sheet, f.cell) for f in found]
    return matches[0]


def test_base_ledger_is_clean(tmp_path: Path) -> None:
    assert findings_of(make_ledger(tmp_path)) == []


@pytest.mark.rule("LUM-E001")
def test_e001_required_sheet_missing(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, drop=[ledger_format.ADMINISTRATIONS])
    found = findings_of(path)
    e001 = [f for f in found if f.code == "LUM-E001"]
    assert (
        len(e001) == 1 and e001[0].sheet == ledger_format.ADMINISTRATIONS and e001[0].cell is None
    )
    # Without Förvaltningar nothing can be checked against it: no cascade of E006/W006.
    assert {f.code for f in found} == {"LUM-E001"}


@pytest.mark.rule("LUM-E002")
def test_e002_required_column_missing_names_closest_header(tmp_path: Path) -> None:
    columns = [c.name for c in ledger_format.COLUMNS[APPS]]
    columns[columns.index("Sökt belopp")] = "Sökt belop"

    def rename(rows: dict[str, list[dict[str, Any]]]) -> None:
        for row in rows[APPS]:
            row["Sökt belop"] = row.pop("Sökt belopp")

    path = make_ledger(tmp_path, change=rename, headers={APPS: columns})
    found = findings_of(path)
    e002 = [f for f in found if f.code == "LUM-E002"]
    assert len(e002) == 1
    assert e002[0].expected == "Sökt belopp" and e002[0].found == "Sökt belop"
    assert e002[0].cell == "K1"  # the look-alike header, where the officer corrects it
    assert "Sökt belop" in e002[0].message
    # The unrecognised header is also reported as unknown (W003), and nothing else.
    assert {f.code for f in found} == {"LUM-E002", "LUM-W003"}


@pytest.mark.rule("LUM-E003")
def test_e003_wrong_type(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Sökt belopp": "fyrahundra"}))
    found = assert_only(path, "LUM-E003")
    assert at(found, APPS, "K3").found == "fyrahundra"


def test_e003_formula_without_cached_value(tmp_path: Path) -> None:
    # openpyxl writes formulas without a cached value, as a file never opened in Excel has.
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][1].update({"Sökt belopp": "=300000+100000"})
    )
    found = assert_only(path, "LUM-E003")
    assert "spara" in at(found, APPS, "K3").message


def test_e003_excel_error_cell(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    patch_cell_xml(
        path, "xl/worksheets/sheet3.xml", "K3", '<c r="K3" t="e"><f>NA()</f><v>#N/A</v></c>'
    )
    found = assert_only(path, "LUM-E003")
    assert "#N/A" in at(found, APPS, "K3").message


@pytest.mark.rule("LUM-E004")
def test_e004_required_value_empty(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Namn": None}))
    at(assert_only(path, "LUM-E004"), APPS, "F3")


@pytest.mark.rule("LUM-E005")
def test_e005_duplicate_id(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][2].update({"Id": "2019-P01"}))
    found = assert_only(path, "LUM-E005")
    assert len(found) == 1 and "rad 2" in at(found, APPS, "A4").message


def test_e005_duplicate_id_differing_only_in_case_and_spaces(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][2].update({"Id": " 2019-p01 "}))
    at(assert_only(path, "LUM-E005"), APPS, "A4")


def test_e005_duplicate_round_year(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[ROUNDS].append(dict(r[ROUNDS][0])))
    at(assert_only(path, "LUM-E005"), ROUNDS, "A3")


@pytest.mark.rule("LUM-E006")
def test_e006_unknown_administration_suggests_closest(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Förvaltning": "Farstaa"}))
    finding = at(assert_only(path, "LUM-E006"), APPS, "D3")
    assert finding.expected == "Farsta" and "Farsta" in finding.message


def test_e006_administration_not_valid_that_year(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[ROUNDS].append({"År": 2021, "Status": "Öppen"})
        rows[APPS].append(
            {
                "Id": "2021-S01",
                "År": 2021,
                "Typ": "Studiebesök",
                "Förvaltning": "Älvsjö",
                "Namn": "Malmö",
                "Sökt belopp": 10_000,
            }
        )

    finding = at(assert_only(make_ledger(tmp_path, change=change), "LUM-E006"), APPS, "D5")
    assert "2021" in finding.message and finding.expected == "Hägersten-Älvsjö"


@pytest.mark.rule("LUM-E007")
def test_e007_negative_amount(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Tidigare beviljat": -5}))
    at(assert_only(path, "LUM-E007"), APPS, "J2")


@pytest.mark.rule("LUM-E008")
def test_e008_granted_above_applied(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Beviljat belopp": 400_000}))
    finding = at(assert_only(path, "LUM-E008"), APPS, "M2")
    assert finding.message == "Beviljat belopp (400 000 kr) är större än sökt belopp (317 000 kr)"
    assert (finding.expected, finding.found) == (317_000, 400_000)


@pytest.mark.rule("LUM-E009")
def test_e009_too_many_grants_names_every_row(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        for number in (3, 4):
            rows[APPS].append(
                {
                    "Id": f"2019-P0{number}",
                    "År": 2019,
                    "Typ": "Projekt",
                    "Förvaltning": "Bromma",
                    "Namn": f"Projekt {number}",
                    "Sökt belopp": 100_000,
                    "Beviljat belopp": 50_000,
                }
            )

    found = assert_only(make_ledger(tmp_path, change=change), "LUM-E009")
    assert sorted(f.cell for f in found if f.cell) == ["M2", "M5", "M6"]
    assert all("rad 2, 5, 6" in f.message for f in found)


def test_e009_limit_from_round(tmp_path: Path) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[ROUNDS][0]["Max beviljade per förvaltning"] = 1
        rows[APPS][1].update({"Förvaltning": "Bromma", "Beviljat belopp": 10_000})

    assert len(assert_only(make_ledger(tmp_path, change=change), "LUM-E009")) == 2


@pytest.mark.rule("LUM-E010")
def test_e010_type_not_allowed(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Typ": "Projket"}))
    finding = at(assert_only(path, "LUM-E010"), APPS, "C3")
    assert "Projekt" in finding.message


@pytest.mark.rule("LUM-E010")
def test_e010_status_not_allowed(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[ROUNDS][0].update({"Status": "Klar"}))
    at(assert_only(path, "LUM-E010"), ROUNDS, "K2")


@pytest.mark.rule("LUM-E011")
def test_e011_project_year_out_of_range(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Projektår": 4}))
    at(assert_only(path, "LUM-E011"), APPS, "I2")


@pytest.mark.rule("LUM-E011")
def test_e011_project_year_for_study_visit(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][2].update({"Projektår": 1}))
    at(assert_only(path, "LUM-E011"), APPS, "I4")


@pytest.mark.rule("LUM-E012")
def test_e012_year_without_round(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"År": 2018, "Inkom": None}))
    at(assert_only(path, "LUM-E012"), APPS, "B3")


@pytest.mark.rule("LUM-E013")
def test_e013_fraction_in_whole_kronor(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Sökt belopp": 400_000.5}))
    finding = at(assert_only(path, "LUM-E013"), APPS, "K3")
    assert "400 000,50" in finding.message


@pytest.mark.rule("LUM-E014")
def test_e014_frame_exceeded(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[ROUNDS][0].update({"Ram projekt": 150_000}))
    finding = at(assert_only(path, "LUM-E014"), ROUNDS, "D2")
    assert (finding.expected, finding.found) == (150_000, 200_000)
    assert "50 000 kr" in finding.message


@pytest.mark.rule("LUM-E015")
def test_e015_applied_above_max(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Sökt belopp": 800_000}))
    at(assert_only(path, "LUM-E015"), APPS, "K3")


@pytest.mark.rule("LUM-E016")
@pytest.mark.parametrize(
    "account",
    ["Bankgiro 123-4567", "Plusgiro 5 55 13-7", "Swedbank 8327-9 123 456 789-0", "Bankgiro 12-34"],
)
def test_e016_payment_account(tmp_path: Path, account: str) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Betalkonto": account}))
    at(assert_only(path, "LUM-E016"), APPS, "Q2")


@pytest.mark.rule("LUM-E017")
def test_e017_unknown_id_in_payments(tmp_path: Path) -> None:
    payments = [{"Id": "2019-P99", "Datum": dt.date(2019, 2, 1), "Belopp": 1000}]
    path = make_ledger(tmp_path, extra_sheets={ledger_format.PAYMENTS: payments})
    finding = at(assert_only(path, "LUM-E017"), ledger_format.PAYMENTS, "A2")
    assert finding.id == "2019-P99"


@pytest.mark.rule("LUM-E018")
def test_e018_granted_changed_after_decision(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][0].update({"Beviljat vid beslut": 150_000})
    )
    finding = at(assert_only(path, "LUM-E018"), APPS, "M2")
    assert (finding.expected, finding.found) == (150_000, 200_000)


@pytest.mark.rule("LUM-W001")
def test_w001_number_stored_as_text(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][0].update({"Sökt belopp": "317\u00a0000 kr"})
    )
    finding = at(assert_only(path, "LUM-W001"), APPS, "K2")
    assert validate_path(path).valid and "317 000" in finding.message


@pytest.mark.rule("LUM-W002")
def test_w002_date_stored_as_text(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Inkom": "2018-10-01"}))
    at(assert_only(path, "LUM-W002"), APPS, "O2")


@pytest.mark.rule("LUM-W003")
def test_w003_unknown_column(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][0].update({"Anteckning": "ring tillbaka"})
    )
    # The first column after the format's (issue 15 added seven to Ansökningar).
    letter = ledger_format.column_letters(len(ledger_format.COLUMNS[APPS]) + 1)
    finding = at(assert_only(path, "LUM-W003"), APPS, f"{letter}1")
    assert "Anteckning" in finding.message


@pytest.mark.rule("LUM-W004")
def test_w004_received_outside_window(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r[APPS][0].update({"Inkom": dt.date(2018, 11, 30)})
    )
    at(assert_only(path, "LUM-W004"), APPS, "O2")


@pytest.mark.rule("LUM-W005")
def test_w005_granted_empty_in_decided_round(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][1].update({"Beviljat belopp": None}))
    at(assert_only(path, "LUM-W005"), APPS, "M3")


@pytest.mark.rule("LUM-W006")
def test_w006_unknown_co_applicant(tmp_path: Path) -> None:
    path = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Medsökande": "Farsta; Brma"}))
    finding = at(assert_only(path, "LUM-W006"), APPS, "E2")
    assert finding.found == "Brma" and finding.expected == "Bromma"
