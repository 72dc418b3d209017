"""Tests for workbooks/build.py and the two workbooks it builds (lum-mall.xlsx, lum-exempel.xlsx)."""

from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.workbook import Workbook

from lumledger.ledger_format import (
    ADMINISTRATIONS,
    APPLICATIONS,
    COLUMNS,
    DECISIONS,
    INPUT_SHEETS,
    PAYMENTS,
    REPAYMENTS,
    REPORTS,
    ROUNDS,
    Kind,
)

REPO = Path(__file__).resolve().parent.parent
WORKBOOKS = REPO / "workbooks"
TEMPLATE = WORKBOOKS / "lum-mall.xlsx"
EXAMPLE = WORKBOOKS / "lum-exempel.xlsx"
SHEET_ORDER = ["Instruktioner", *INPUT_SHEETS]


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("workbooks_build", WORKBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


@pytest.fixture(scope="module")
def template() -> Iterator[openpyxl.Workbook]:
    workbook = openpyxl.load_workbook(TEMPLATE)
    yield workbook
    workbook.close()


@pytest.fixture(scope="module")
def example() -> Iterator[openpyxl.Workbook]:
    workbook = openpyxl.load_workbook(EXAMPLE)
    yield workbook
    workbook.close()


def _records(worksheet: Worksheet) -> list[dict[str, Any]]:
    rows = worksheet.iter_rows(values_only=True)
    header = [str(name) for name in next(rows)]
    return [
        dict(zip(header, row, strict=True))
        for row in rows
        if any(value is not None for value in row)
    ]


def _column_dimensions(worksheet: Worksheet) -> dict[int, Any]:
    """Column number -> its dimension (XlsxWriter joins equal neighbours into one min..max)."""
    return {
        number: dimension
        for dimension in worksheet.column_dimensions.values()
        for number in range(dimension.min or 0, (dimension.max or 0) + 1)
    }


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- reproducibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "committed"),
    [("build_template", TEMPLATE), ("build_example", EXAMPLE)],
)
def test_fresh_build_equals_committed_file(builder: str, committed: Path, tmp_path: Path) -> None:
    fresh = getattr(build, builder)(tmp_path / committed.name).read_bytes()
    expected = committed.read_bytes()
    # Part by part first, so that a failure names what changed.
    fresh_parts, expected_parts = _parts(fresh), _parts(expected)
    assert list(fresh_parts) == list(expected_parts)
    changed = [name for name in fresh_parts if fresh_parts[name] != expected_parts[name]]
    assert not changed, f"{committed.name} is stale in {changed}: run python workbooks/build.py"
    assert fresh == expected, f"{committed.name} differs: run python workbooks/build.py"


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = build.build_example(tmp_path / "a.xlsx").read_bytes()
    second = build.build_example(tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2019-01-01T00:00:00Z" in core


def test_build_script_reads_only_the_repository() -> None:
    source = (WORKBOOKS / "build.py").read_text(encoding="utf-8")
    assert "shared" not in source
    assert build.DATA_DIR == WORKBOOKS / "data"
    for name in ("lum-2019-ansokningar.csv", "lum-2019-beslut.csv", "hv-2020-2022.csv"):
        assert (build.DATA_DIR / name).is_file()
    readme = (build.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "2019-S02" in readme and "2019-S06" in readme and "25 000" in readme


def test_main_builds_both_files(tmp_path: Path) -> None:
    assert build.main(["--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "lum-mall.xlsx").read_bytes() == TEMPLATE.read_bytes()
    assert (tmp_path / "lum-exempel.xlsx").read_bytes() == EXAMPLE.read_bytes()


# --- layout of both files -----------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["template", "example"])
def test_sheets_headers_and_layout(fixture: str, request: pytest.FixtureRequest) -> None:
    workbook: openpyxl.Workbook = request.getfixturevalue(fixture)
    assert workbook.sheetnames == SHEET_ORDER
    assert workbook.active is not None and workbook.active.title == "Instruktioner"
    for sheet in INPUT_SHEETS:
        worksheet = workbook[sheet]
        header = [cell.value for cell in worksheet[1]]
        assert header == [col.name for col in COLUMNS[sheet]], sheet
        assert all(cell.font.bold for cell in worksheet[1]), sheet
        assert all(cell.alignment.wrap_text for cell in worksheet[1]), sheet
        assert all(cell.fill.fgColor.rgb not in (None, "00000000") for cell in worksheet[1])
        assert worksheet.freeze_panes == "A2", sheet
        dimensions = _column_dimensions(worksheet)
        for index, col in enumerate(COLUMNS[sheet], start=1):
            dimension = dimensions[index]
            expected = {
                Kind.WHOLE_KR: "#,##0",
                Kind.KR: "#,##0.00",
                Kind.DATE: "yyyy-mm-dd",
            }.get(col.kind)
            if expected is not None:
                assert dimension.number_format == expected, f"{sheet} {col.name}"
            assert dimension.width and dimension.width >= 7, f"{sheet} {col.name}"
    applications = workbook[APPLICATIONS]
    dimensions = _column_dimensions(applications)
    widths = {cell.value: dimensions[cell.column or 0].width for cell in applications[1]}
    assert widths["Syfte"] >= 50 and widths["Utvärdering"] >= 50


@pytest.mark.parametrize("fixture", ["template", "example"])
def test_drop_down_validations(fixture: str, request: pytest.FixtureRequest) -> None:
    workbook: openpyxl.Workbook = request.getfixturevalue(fixture)

    def validations(sheet: str, column_name: str) -> list[Any]:
        worksheet = workbook[sheet]
        header = [cell.value for cell in worksheet[1]]
        letter = get_column_letter(header.index(column_name) + 1)
        return [
            dv
            for dv in worksheet.data_validations.dataValidation
            if f"{letter}2:{letter}1000" in str(dv.sqref)
        ]

    def only(sheet: str, column_name: str) -> Any:
        found = validations(sheet, column_name)
        assert len(found) == 1, f"{sheet} {column_name}"
        dv = found[0]
        assert dv.type == "list"
        assert dv.showErrorMessage and dv.showInputMessage
        assert dv.error and dv.prompt  # Swedish messages
        return dv

    assert only(APPLICATIONS, "Typ").formula1 == '"Projekt,Studiebesök"'
    assert only(DECISIONS, "Typ").formula1 == '"Projekt,Studiebesök"'
    assert only(ROUNDS, "Status").formula1 == '"Öppen,Bedömning,Beslutad,Stängd"'
    assert only(ADMINISTRATIONS, "Typ").formula1 == '"Stadsdelsförvaltning,Fackförvaltning"'
    assert only(APPLICATIONS, "Förvaltning").formula1 == "Förvaltningsnamn"
    defined = workbook.defined_names["Förvaltningsnamn"]
    assert defined.attr_text == "Förvaltningar!$A$2:$A$200"


def test_instructions_sheet_is_swedish_and_points_to_the_tool(
    template: openpyxl.Workbook,
) -> None:
    text = " ".join(
        str(value)
        for row in template["Instruktioner"].iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for sheet in INPUT_SHEETS:
        assert sheet in text
    assert "lumledger validate FIL" in text
    assert "knapparna" in text
    assert "Rad 1" in text and "hela kronor" in text


# --- the template -------------------------------------------------------------------------------


def test_template_holds_only_the_administrations(template: openpyxl.Workbook) -> None:
    for sheet in INPUT_SHEETS:
        if sheet != ADMINISTRATIONS:
            assert _records(template[sheet]) == [], sheet
    administrations = {row["Namn"]: row for row in _records(template[ADMINISTRATIONS])}
    assert len(administrations) == 16
    districts = [
        name for name, row in administrations.items() if row["Typ"] == "Stadsdelsförvaltning"
    ]
    assert len(districts) == 15  # 14 of 2019 plus Hägersten-Älvsjö from 2021
    assert administrations["Socialförvaltningen"]["Typ"] == "Fackförvaltning"
    assert administrations["Spånga-Tensta"]["Fullständigt namn"] == (
        "Spånga-Tensta stadsdelsförvaltning"
    )
    for name in ("Hägersten-Liljeholmen", "Älvsjö"):
        assert administrations[name]["Giltig till"] == 2020
        assert administrations[name]["Giltig från"] is None
    assert administrations["Hägersten-Älvsjö"]["Giltig från"] == 2021
    assert administrations["Hägersten-Älvsjö"]["Giltig till"] is None
    in_2019 = [
        name
        for name, row in administrations.items()
        if (row["Giltig från"] or 0) <= 2019 <= (row["Giltig till"] or 9999)
    ]
    assert len(in_2019) == 15


# --- the example --------------------------------------------------------------------------------


def test_example_applications(example: openpyxl.Workbook) -> None:
    rows = _records(example[APPLICATIONS])
    assert len(rows) == 39
    ids = [row["Id"] for row in rows]
    assert len(set(ids)) == 39
    assert ids[-2:] == ["2020-P01", "2021-P01"]

    def total(year: int, kind: str, column: str) -> int:
        return sum(row[column] or 0 for row in rows if row["År"] == year and row["Typ"] == kind)

    assert total(2019, "Projekt", "Sökt belopp") == 10_950_780
    assert total(2019, "Projekt", "Beviljat belopp") == 3_175_000
    assert total(2019, "Studiebesök", "Sökt belopp") == 385_450
    assert total(2019, "Studiebesök", "Beviljat belopp") == 335_450
    assert sum(1 for row in rows if row["År"] == 2019 and row["Typ"] == "Projekt") == 21
    for row in rows:
        assert isinstance(row["År"], int) and isinstance(row["Sökt belopp"], int)
        assert row["Kontaktperson"] is None and row["E-post"] is None
        assert row["Beviljat vid beslut"] is None

    by_id = {row["Id"]: row for row in rows}
    first, second = by_id["2020-P01"], by_id["2021-P01"]
    assert first["Förvaltning"] == second["Förvaltning"] == "Hässelby-Vällingby"
    # Issue 15: the HV rows are what importing its forms gives (the key `Förvaltning: Namn`).
    assert first["Projekt"] == second["Projekt"] == f"Hässelby-Vällingby: {first['Namn']}"
    assert (first["Projektår"], second["Projektår"]) == (1, 2)
    assert first["Sökt belopp"] == second["Sökt belopp"] == 500_000
    assert first["Beviljat belopp"] is None
    assert second["Beviljat belopp"] == 500_000
    # The form says "-" for the 2020 application; the 2020 grant (for 2021) is not documented.
    assert first["Tidigare beviljat"] == 0 and second["Tidigare beviljat"] is None
    assert first["KST"] == "1002"
    assert first["Betalkonto"] == "Plusgiro 5 55 13-6"
    assert first["Namn"].startswith("Ett systematiskt, skyndsamt och tryggt")
    assert first["Syfte"]


def test_example_2019_rows_match_the_data_files(example: openpyxl.Workbook) -> None:
    with (build.DATA_DIR / "lum-2019-ansokningar.csv").open(encoding="utf-8", newline="") as f:
        source = list(csv.DictReader(f))
    rows = {row["Id"]: row for row in _records(example[APPLICATIONS])}
    assert len(source) == 37
    for record in source:
        row = rows[record["Id"]]
        for name, text in record.items():
            if name == "Rubrik i beslutet":
                continue
            value = row[name]
            assert ("" if value is None else str(value)) == text, f"{record['Id']} {name}"


def test_example_administrations_are_valid_for_their_years(example: openpyxl.Workbook) -> None:
    administrations = {row["Namn"]: row for row in _records(example[ADMINISTRATIONS])}
    for row in _records(example[APPLICATIONS]):
        names = [row["Förvaltning"]]
        names += [name.strip() for name in (row["Medsökande"] or "").split(";") if name.strip()]
        for name in names:
            valid = administrations[name]
            assert (valid["Giltig från"] or 0) <= row["År"] <= (valid["Giltig till"] or 9999)


def test_example_rounds(example: openpyxl.Workbook) -> None:
    rounds = {row["År"]: row for row in _records(example[ROUNDS])}
    assert sorted(rounds) == [2019, 2020, 2021]
    first = rounds[2019]
    assert first["Ansökan öppnar"] == datetime(2018, 8, 1)
    assert first["Ansökan stänger"] == datetime(2018, 10, 26)
    assert first["Max beviljade per förvaltning"] == 2
    assert first["Status"] == "Beslutad"
    for blank in ("Beslutsdatum", "Ram projekt", "Ram studiebesök", "Max belopp projekt"):
        assert first[blank] is None
    assert rounds[2020]["Status"] is None
    assert rounds[2021]["Status"] == "Beslutad"
    cell = example[ROUNDS]["B2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"


def test_example_decisions_keep_the_stated_figures(example: openpyxl.Workbook) -> None:
    decisions = _records(example[DECISIONS])
    assert decisions == [
        {
            "År": 2019,
            "Typ": "Projekt",
            "Antal ansökningar": 23,  # stated; Bilaga 1 lists 21 rows
            "Antal förvaltningar": 13,
            "Summa sökt": 10_950_780,
            "Summa beviljat": 3_175_000,
        },
        {
            "År": 2019,
            "Typ": "Studiebesök",
            "Antal ansökningar": 16,
            "Antal förvaltningar": 11,
            "Summa sökt": 385_450,
            "Summa beviljat": 335_450,
        },
    ]


def test_example_report_and_empty_sheets(example: openpyxl.Workbook) -> None:
    reports = _records(example[REPORTS])
    assert len(reports) == 1
    report = reports[0]
    assert report["Id"] == "2021-P01"
    assert report["Inlämnad"] == datetime(2022, 2, 28)
    assert {name: value for name, value in report.items() if name not in ("Id", "Inlämnad")} == {
        "Beviljat belopp": 500_000,
        "Egen insats": 650_000,
        "Övriga intäkter": None,
        "Summa intäkter": 1_150_000,
        "Personalkostnader": 1_457_956,
        "Administrativa kostnader": 4_104,
        "Utbildningskostnader": 37_940,
        "Övriga kostnader": None,
        "Summa kostnader": 1_500_000,
        "Ej förbrukat": 0,
        # Issue 15: the report form's boxes and responsible manager.
        "Intygat genomfört": "Ja",
        "Ej förbrukat kryssad": "Nej",
        "Ansvarig chef": "Aida Rizvic, avdelningschef",
    }
    assert _records(example[PAYMENTS]) == []
    assert _records(example[REPAYMENTS]) == []


# --- write_ledger_sheets as a reusable function -------------------------------------------------


def test_write_ledger_sheets_into_another_workbook() -> None:
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet("Knappar")  # e.g. a macro workbook's own first sheet
    sheets = build.write_ledger_sheets(
        workbook,
        {APPLICATIONS: [{"Id": "2024-S01", "År": 2024, "Typ": "Studiebesök"}]},
        administrations=[{"Namn": "Bromma"}],
        instructions=None,
    )
    workbook.close()
    assert list(sheets) == list(INPUT_SHEETS)
    loaded = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert loaded.sheetnames == ["Knappar", *INPUT_SHEETS]
    assert _records(loaded[ADMINISTRATIONS])[0]["Namn"] == "Bromma"
    assert _records(loaded[APPLICATIONS])[0]["Id"] == "2024-S01"


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ({APPLICATIONS: [{"Idd": "x"}]}, ValueError),
        ({"Okänt blad": []}, ValueError),
        ({ADMINISTRATIONS: [{"Namn": "Bromma"}]}, ValueError),
        ({APPLICATIONS: [{"Sökt belopp": "493 000"}]}, TypeError),
        ({APPLICATIONS: [{"Sökt belopp": 1.5}]}, TypeError),
        ({APPLICATIONS: [{"Inkom": "2018-10-26"}]}, TypeError),
    ],
)
def test_write_ledger_sheets_rejects_bad_rows(rows: dict, error: type[Exception]) -> None:
    workbook = Workbook(io.BytesIO(), {"in_memory": True})
    with pytest.raises(error):
        build.write_ledger_sheets(workbook, rows)
