"""``lumledger import`` (issue 15) and the rules on what the forms add (LUM-R012..R015, W010, W011).

The Done-when of the issue: importing the two seed forms (both layouts, and the tagged blank form
filled in) into the template gives the Hässelby-Vällingby application, its budget lines and its
2021 report cell for cell as in the example; a form with an unreadable or missing field writes
nothing and names the field; reconcile on the example reports the new discrepancies.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lumledger import api
from lumledger.cli import main
from lumledger.ledger_format import APPLICATIONS, BUDGET, COLUMNS, REPAYMENTS, REPORTS
from lumledger.reconciliation import reconcile
from lumledger.validation import validate_ledger
from lumledger.workbook.reader import read_ledger
from tools import ledger_book

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "tests" / "data" / "forms"
TEMPLATE = ROOT / "workbooks" / "lum-mall.xlsx"
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
HV_IDS = ("2020-P01", "2021-P01")
AS_OF = dt.date(2026, 12, 1)
LAYOUTS = ("stycken", "tabell", "ifylld")

Sheets = dict[str, list[dict[str, Any]]]


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _module(ROOT / "workbooks" / "build.py", "workbooks_build_for_forms")
blanks = _module(ROOT / "workbooks" / "blanketter" / "build.py", "blanketter_build_for_import")


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def forms(layout: str) -> tuple[Path, Path]:
    return FORMS / f"ansokan-hv-2020-{layout}.docx", FORMS / f"redovisning-hv-2021-{layout}.docx"


def template_copy(tmp_path: Path, name: str = "liggare.xlsx") -> Path:
    path = tmp_path / name
    shutil.copyfile(TEMPLATE, path)
    return path


def hv_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The HV rows of a ledger, every column of the format by name."""
    ledger = read_ledger(path, refuse_when_open=False)
    out: dict[str, list[dict[str, Any]]] = {}
    for sheet in (APPLICATIONS, BUDGET, REPORTS):
        table = ledger.sheet(sheet)
        assert table is not None, sheet
        columns = [col.name for col in COLUMNS[sheet]]
        values = {name: table.values(name) for name in columns}
        rows = [{name: values[name][i] for name in columns} for i in range(len(table.rows))]
        out[sheet] = [row for row in rows if row["Id"] in HV_IDS]
    return out


# --- Done when: the seed forms give the example's HV rows ------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_importing_the_seed_forms_into_the_template_gives_the_example(
    tmp_path: Path, layout: str
) -> None:
    ledger = template_copy(tmp_path)
    result = cli("import", ledger, *forms(layout))
    assert result.exit_code == 0, result.output
    assert "skrivet (säkerhetskopia" in result.output
    imported, example = hv_rows(ledger), hv_rows(EXAMPLE)
    assert [row["Id"] for row in imported[APPLICATIONS]] == list(HV_IDS)
    assert len(imported[BUDGET]) == 4 and len(imported[REPORTS]) == 1
    assert imported == example
    purpose = imported[APPLICATIONS][0]["Syfte"]
    assert purpose.startswith("Den psykiska ohälsan hos barn och unga ökar")  # the form's own
    assert list(tmp_path.glob("liggare.backup-*.xlsx"))


def test_the_example_is_built_from_the_forms() -> None:
    rows = build.hv_form_rows()
    assert [r["Id"] for r in rows[APPLICATIONS]] == list(HV_IDS)
    first, later = rows[APPLICATIONS]
    assert (first["Projektperiod från"], first["Projektperiod till"]) == (
        dt.date(2020, 1, 1),
        dt.date(2022, 12, 31),
    )
    assert (first["Sökt belopp totalt"], first["Egen budget per år"]) == (1_500_000, 1_000_000)
    assert (later["Projektår"], later["Beviljat belopp"], later["Projekt"]) == (
        2,
        500_000,
        first["Projekt"],
    )
    report = rows[REPORTS][0]
    assert (report["Intygat genomfört"], report["Ej förbrukat kryssad"]) == ("Ja", "Nej")


def test_dry_run_and_json_write_nothing(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    before = ledger.read_bytes()
    result = cli("import", ledger, *forms("ifylld"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Ansökningar!K2 Sökt belopp: 500 000" in result.output
    assert "--dry-run, ingenting skrevs" in result.output
    result = cli("import", ledger, *forms("tabell"), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["written"] is False and data["dry_run"] is True
    assert [(f["kind"], f["id"], f["status"]) for f in data["forms"]] == [
        ("ansökan", "2020-P01", "klar"),
        ("redovisning", "2021-P01", "klar"),
    ]
    cells = {(c["sheet"], c["cell"]): c["value"] for c in data["forms"][0]["cells"]}
    assert cells[("Ansökningar", "U2")] == "2020-01-01"
    assert ledger.read_bytes() == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_import_warns_where_the_form_contradicts_the_rules(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    result = cli("import", ledger, forms("tabell")[0], "--dry-run")
    assert "senast 28 februari 2020" in result.output
    assert "för bidragsåret 2020 senast 2021-02-28" in result.output


def test_reimporting_is_nothing_to_do_and_other_values_are_refused(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    assert cli("import", ledger, *forms("ifylld")).exit_code == 0
    again = cli("import", ledger, *forms("stycken"))
    assert again.exit_code == 0 and again.output.count(": inget att göra") == 2
    values = dict(blanks.application_values())
    values.update(sokt_belopp="400 000", sokt_belopp_totalt="1 200 000")
    changed = blanks.save_reproducibly(
        blanks.fill_form(blanks.build_blank_application(), values), tmp_path / "ny.docx"
    )
    before = ledger.read_bytes()
    refused = cli("import", ledger, changed)
    assert refused.exit_code == 1, refused.output
    assert "Ansökningar rad 2 Sökt belopp: 500 000 → 400 000" in refused.output
    assert "--uppdatera" in refused.output
    assert ledger.read_bytes() == before
    updated = cli("import", ledger, changed, "--uppdatera")
    assert updated.exit_code == 0, updated.output
    app = read_ledger(ledger, refuse_when_open=False).application("2020-P01")
    assert app is not None and app.applied == 400_000


def test_an_unreadable_field_writes_nothing_and_names_the_field(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    values = dict(blanks.application_values())
    values.update(sokt_belopp="ca en halv miljon", sokt_belopp_totalt="")
    broken = blanks.save_reproducibly(
        blanks.fill_form(blanks.build_blank_application(), values), tmp_path / "fel.docx"
    )
    before = ledger.read_bytes()
    result = cli("import", ledger, broken)
    assert result.exit_code == 1, result.output
    assert "Fel: Sökt belopp: kunde inte tolkas: 'ca en halv miljon'" in result.output
    assert "fel.docx (ansökan): avvisad" in result.output
    assert ledger.read_bytes() == before


def test_a_missing_required_field_writes_nothing_and_names_it(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    values = dict(blanks.application_values())
    values["projektets_namn"] = ""
    broken = blanks.save_reproducibly(
        blanks.fill_form(blanks.build_blank_application(), values), tmp_path / "utan.docx"
    )
    report = forms("ifylld")[1]
    before = ledger.read_bytes()
    result = cli("import", ledger, broken, report)
    assert result.exit_code == 1, result.output
    assert "Fel: Projektets namn: saknas" in result.output
    # The report has no application to belong to, so it is refused too; nothing is written.
    assert "ingen ansökan för Hässelby-Vällingby" in result.output
    assert ledger.read_bytes() == before


def test_a_hostile_form_gets_one_sentence_and_exit_2(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    before = ledger.read_bytes()
    source = forms("ifylld")[0]
    hostile = tmp_path / "ond.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(hostile, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(
                    b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1
                )
            zout.writestr(info, data)
    result = cli("import", ledger, source, hostile)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "DOCTYPE/ENTITY" in lines[0], result.output
    assert ledger.read_bytes() == before
    missing = cli("import", ledger, tmp_path / "finns-inte.docx")
    assert missing.exit_code == 2 and "finns inte" in missing.output
    assert ledger.read_bytes() == before


def test_the_facade_returns_the_plan(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    result = api.import_forms(ledger, forms("tabell"), dry_run=True)
    assert [form.id for form in result.forms] == list(HV_IDS)
    assert result.to_dict()["forms"][1]["summary"][0].startswith("Ansökningar rad 3 (ny): 2021-P01")


# --- the rules ----------------------------------------------------------------------------------------


def example_ledger(tmp_path: Path, change: Callable[[Sheets], None] | None = None) -> Path:
    rows: Sheets = build.example_rows()
    if change is not None:
        change(rows)
    path = tmp_path / "exempel.xlsx"
    ledger_book.write_ledger(path, rows)
    return path


def hv_report(rows: Sheets) -> dict[str, Any]:
    return next(r for r in rows[REPORTS] if r["Id"] == "2021-P01")


def hv_application(rows: Sheets) -> dict[str, Any]:
    return next(r for r in rows[APPLICATIONS] if r["Id"] == "2020-P01")


def codes(path: Path) -> list[tuple[str, str | None, Any, Any]]:
    result = reconcile(read_ledger(path), AS_OF)
    return [(f.code, f.cell, f.expected, f.found) for f in result.findings if f.id == "2021-P01"]


def test_reconcile_on_the_example_reports_the_forms_discrepancies() -> None:
    result = reconcile(read_ledger(EXAMPLE), AS_OF)
    assert sorted(f.code for f in result.findings) == [
        "LUM-R001",
        "LUM-R009",
        "LUM-R012",
        "LUM-R013",
        "LUM-R014",
    ]
    lines = [(b.line, b.budget, b.outcome, b.beyond_tolerance) for b in result.budget]
    assert lines == [
        ("Personalkostnader", 1_450_000, 1_457_956, False),
        (
            "Övriga kostnader + Administrativa kostnader + Utbildningskostnader",
            50_000,
            42_044,
            True,
        ),
        ("Beviljat belopp", 500_000, 500_000, False),
        ("Egen insats", 1_000_000, 650_000, True),
    ]


@pytest.mark.rule("LUM-R012")
def test_r012_budget_line_beyond_the_tolerance(tmp_path: Path) -> None:
    found = codes(example_ledger(tmp_path))
    assert ("LUM-R012", "J2", 50_000, 42_044) in found
    assert not any(code == "LUM-R012" and cell == "G2" for code, cell, *_ in found)


def test_r012_within_the_tolerance(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        next(b for b in rows[BUDGET] if b["Post"] == "Övriga kostnader")["Belopp"] = 46_000

    assert "LUM-R012" not in [code for code, *_ in codes(example_ledger(tmp_path, change))]


@pytest.mark.rule("LUM-R013")
def test_r013_own_contribution_below_the_promise(tmp_path: Path) -> None:
    assert ("LUM-R013", "D2", 1_000_000, 650_000) in codes(example_ledger(tmp_path))


@pytest.mark.rule("LUM-R013")
def test_r013_from_the_own_budget_column_without_budget_rows(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[BUDGET] = []
        hv_application(rows)["Egen budget per år"] = 700_000

    assert ("LUM-R013", "D2", 700_000, 650_000) in codes(example_ledger(tmp_path, change))


@pytest.mark.rule("LUM-R014")
def test_r014_attest_ticked_while_the_report_deviates(tmp_path: Path) -> None:
    found = codes(example_ledger(tmp_path))
    assert ("LUM-R014", "M2", "Nej", "Ja") in found


def test_r014_not_when_the_box_is_not_ticked(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        hv_report(rows)["Intygat genomfört"] = "Nej"

    assert "LUM-R014" not in [code for code, *_ in codes(example_ledger(tmp_path, change))]


@pytest.mark.rule("LUM-R015")
def test_r015_unspent_box_ticked_without_amount_or_surplus(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        hv_report(rows)["Ej förbrukat kryssad"] = "Ja"

    assert ("LUM-R015", "N2", "Nej", "Ja") in codes(example_ledger(tmp_path, change))


@pytest.mark.rule("LUM-R015")
def test_r015_unspent_box_not_ticked_but_repaid(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[REPAYMENTS] = [{"Id": "2021-P01", "Datum": dt.date(2022, 3, 1), "Belopp": 10_000}]

    found = reconcile(read_ledger(example_ledger(tmp_path, change)), AS_OF).findings
    item = next(f for f in found if f.code == "LUM-R015")
    assert "10 000 kr är återbetalt" in item.message


def validation_codes(path: Path) -> list[tuple[str, str | None, Any, Any]]:
    found = validate_ledger(read_ledger(path)).findings
    return [(f.code, f.cell, f.expected, f.found) for f in found]


@pytest.mark.rule("LUM-W010")
def test_w007_total_applied_not_yearly_times_years(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        hv_application(rows)["Sökt belopp totalt"] = 1_400_000

    found = validation_codes(example_ledger(tmp_path, change))
    assert [f for f in found if f[0] == "LUM-W010"] == [
        ("LUM-W010", f"W{_row(tmp_path)}", 1_500_000, 1_400_000)
    ]


@pytest.mark.rule("LUM-W011")
def test_w008_period_does_not_match_the_project_years(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        hv_application(rows)["Projektperiod från"] = dt.date(2019, 1, 1)

    found = validation_codes(example_ledger(tmp_path, change))
    assert [f for f in found if f[0] == "LUM-W011"] == [("LUM-W011", f"U{_row(tmp_path)}", 2, 1)]


def test_the_example_validates_without_the_new_warnings() -> None:
    """The forms' own figures agree (no LUM-W010/W011); the example's only findings are the
    decision's own (LUM-W008 twice, LUM-W009 three times: issue 13)."""
    codes = [f.code for f in validate_ledger(read_ledger(EXAMPLE)).findings]
    assert sorted(codes) == ["LUM-W008", "LUM-W008", "LUM-W009", "LUM-W009", "LUM-W009"]


def _row(tmp_path: Path) -> int:
    """The Excel row of 2020-P01 in the example's Ansökningar (after the 2019 applications)."""
    ledger = read_ledger(tmp_path / "exempel.xlsx")
    app = ledger.application("2020-P01")
    assert app is not None
    return app.row


@pytest.mark.rule("LUM-E017")
def test_e017_a_budget_row_for_an_unknown_application(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[BUDGET][0]["Id"] = "2020-P99"

    found = validation_codes(example_ledger(tmp_path, change))
    assert [f[:2] for f in found if f[0] == "LUM-E017"] == [("LUM-E017", "A2")]


def test_the_same_form_twice_in_one_run_is_refused_once(tmp_path: Path) -> None:
    ledger = template_copy(tmp_path)
    application, report = forms("tabell")
    result = cli("import", ledger, application, forms("ifylld")[0], report, forms("stycken")[1])
    assert result.exit_code == 1, result.output
    assert result.output.count(": avvisad") == 2
    assert "samma ansökan (2020-P01) som en annan blankett" in result.output
    assert "redan redovisningen för 2021-P01" in result.output
    assert hv_rows(ledger) == hv_rows(EXAMPLE)


def test_a_ledger_without_the_forms_columns_gets_what_fits_and_one_warning(
    tmp_path: Path,
) -> None:
    from lumledger.ledger_format import FORM_COLUMNS

    rows: Sheets = build.example_rows()
    rows[APPLICATIONS] = [r for r in rows[APPLICATIONS] if r["År"] == 2019]
    rows[REPORTS] = []
    del rows[BUDGET]
    headers = {
        sheet: [c.name for c in COLUMNS[sheet] if c.name not in FORM_COLUMNS.get(sheet, ())]
        for sheet in rows
    }
    path = tmp_path / "gammal.xlsx"
    ledger_book.write_ledger(path, rows, headers=headers)
    result = api.import_forms(path, forms("tabell"))
    assert result.written and [form.status for form in result.forms] == ["klar", "klar"]
    warnings = result.forms[0].warnings
    assert any(
        w.startswith("Bladet Ansökningar saknar kolumnerna ”Projektperiod från”") for w in warnings
    )
    assert any("saknar bladet Budget" in w for w in warnings)
    ledger = read_ledger(path)
    app = ledger.application("2020-P01")
    assert app is not None and app.applied == 500_000 and ledger.form_of(app) is None
    assert ledger.reports[0].attested is None  # no column for it either
