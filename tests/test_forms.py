"""The form reader (issue 15): the real HV forms read the same from every layout (paragraphs, two-
column tables, the tagged blank form filled in); check boxes of every kind; amounts; label variants;
hostile or broken files get one Swedish sentence; the blank forms and fixtures build reproducibly."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import random
import re
import struct
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from lumledger.forms.reading import (
    APPLICATION,
    COSTS,
    INCOME,
    REPORT,
    BudgetLine,
    FormResult,
    Problem,
    parse_period,
    read_form,
)
from lumledger.forms.rows import ledger_rows
from lumledger.workbook.package import OLE_MAGIC

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COMMITTED_FIXTURES = HERE / "data" / "forms"
BLANKS_DIR = ROOT / "workbooks" / "blanketter"
HV_CSV = ROOT / "workbooks" / "data" / "hv-2020-2022.csv"


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blanketter_build", BLANKS_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bf = _load_build()
APP_FILES = (
    "ansokan-hv-2020-stycken.docx",
    "ansokan-hv-2020-tabell.docx",
    "ansokan-hv-2020-ifylld.docx",
)
REPORT_FILES = (
    "redovisning-hv-2021-stycken.docx",
    "redovisning-hv-2021-tabell.docx",
    "redovisning-hv-2021-ifylld.docx",
)
HV_NAME = (
    "Ett systematiskt, skyndsamt och tryggt förändringsarbete för en modern och hållbar "
    "socialtjänst"
)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    bf.build_all(out)
    return out


@pytest.fixture(scope="session")
def hv_csv() -> dict[tuple[str, str], str]:
    with HV_CSV.open(encoding="utf-8", newline="") as handle:
        return {(r["Källa"], r["Fält"]): r["Värde"] for r in csv.DictReader(handle)}


def read(built: Path, name: str) -> FormResult:
    return read_form(built / name)


# --- reproducible build ---------------------------------------------------------------------------


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    bf.build_all(tmp_path)
    for name in bf.FIXTURES:
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name
        zipped = zipfile.ZipFile(built / name)
        assert {i.date_time for i in zipped.infolist()} == {bf.ZIP_TIME}
        assert zipped.namelist()[0] == "[Content_Types].xml"


def test_committed_fixtures_equal_a_fresh_build(built: Path) -> None:
    for name in bf.FIXTURES:
        committed = (BLANKS_DIR if name in bf.BLANKS else COMMITTED_FIXTURES) / name
        assert committed.read_bytes() == (built / name).read_bytes(), name


def test_blank_forms_have_tagged_controls(built: Path) -> None:
    for name, tags in (
        (
            "ansokan-blankett.docx",
            {
                "projektets_namn",
                "sokt_belopp",
                "kst",
                "ansokan_avser_ar_1",
                "kostnad_personal",
                "intakt_egen_budget",
                "undertecknad_datum",
            },
        ),
        (
            "redovisning-blankett.docx",
            {
                "intygar_genomfort",
                "ej_forbrukat",
                "ej_forbrukat_belopp",
                "kostnad_utbildning",
                "kostnad_utbildning_spec",
                "intakt_summa",
            },
        ),
    ):
        xml = zipfile.ZipFile(built / name).read("word/document.xml").decode()
        found = set(re.findall(r'<w:tag w:val="([^"]+)"/>', xml))
        assert tags <= found
        assert "w14:checkbox" in xml and "<w:showingPlcHdr/>" in xml


def test_blank_forms_read_as_empty_with_required_fields_missing(built: Path) -> None:
    app = read(built, "ansokan-blankett.docx")
    assert app.kind == APPLICATION and app.error is None
    assert app.fields["projektets_namn"] is None and app.fields["budget"] == []
    assert {p.field for p in app.problems} >= {"Projektets namn", "Sökt belopp"}
    report = read(built, "redovisning-blankett.docx")
    assert report.kind == REPORT and report.fields["kostnad_personal"] is None
    assert "Projektets namn: saknas" in [str(p) for p in report.problems]


# --- the HV application (seed 002) -------------------------------------------------------------------


def test_application_reads_the_same_from_every_encoding(built: Path) -> None:
    results = [read(built, name) for name in APP_FILES]
    assert [r.encoding for r in results] == ["stycken", "tabell", "innehållskontroller"]
    assert all(r.kind == APPLICATION and r.problems == [] for r in results)
    first = results[0].fields
    for other in results[1:]:
        assert other.fields == first


@pytest.mark.parametrize("name", APP_FILES)
def test_application_values_are_the_seeds(
    built: Path, name: str, hv_csv: dict[tuple[str, str], str]
) -> None:
    f = read(built, name).fields
    src = "002_568fb514a8b7edf1.txt"
    assert f["ar"] == 2020
    assert f["projektets_namn"] == hv_csv[(src, "Namn")] == HV_NAME
    # The contact person's name, phone and e-mail are left out of the repository's copies.
    assert (f["kontaktperson"], f["kontaktperson_telefon"], f["kontaktperson_epost"]) == (
        None,
        None,
        None,
    )
    assert f["ansokan_avser_ar"] == [1]  # "1 av 3 (2020-2022)"
    assert (f["projektperiod_fran"], f["projektperiod_till"]) == (
        dt.date(2020, 1, 1),
        dt.date(2022, 12, 31),
    )
    assert hv_csv[(src, "Tidigare beviljat belopp")] == "-" and f["tidigare_beviljat_belopp"] == 0
    assert f["sokt_belopp"] == int(hv_csv[(src, "Sökt belopp per år")]) == 500_000
    assert f["sokt_belopp_totalt"] == int(hv_csv[(src, "Sökt belopp totalt")]) == 1_500_000
    assert f["huvudsokande_forvaltning"] == "Hässelby-Vällingby stadsdelsförvaltning"
    assert f["forvaltning"] == hv_csv[(src, "Förvaltning")] == "Hässelby-Vällingby"
    assert f["huvudsokande_avdelning"] == (
        "Avdelningen för barn och ungdom (myndighetsutövning, förebyggande, öppenvård, fritid)"
    )
    assert f["huvudsokande_adress"] is None
    assert f["medsokande"] == []
    assert [b.as_tuple() for b in f["budget"]] == [  # type: ignore[union-attr]
        (COSTS, "Personalkostnader inkl. sociala avgifter", 1_450_000, None),
        (COSTS, "Övriga kostnader", 50_000, None),
        (INCOME, "Sökt belopp från Socialförvaltningen", 500_000, None),
        (INCOME, "Egen budget", 1_000_000, None),
    ]
    budget_csv = {k[1]: int(v) for k, v in hv_csv.items() if k[1].startswith("Budget")}
    assert f["budget_summa_kostnader"] == budget_csv["Budget kostnader: Summa (per år)"]
    assert f["budget_summa_intakter"] == budget_csv["Budget intäkter: Summa (per år)"]
    assert f["egen_budget"] == budget_csv["Budget intäkter: Egen budget (per år)"] == 1_000_000
    assert f["kst"] == hv_csv[(src, "KST")] == "1002"
    assert f["betalkonto"] == hv_csv[(src, "Betalkonto")] == "Plusgiro 5 55 13-6"
    assert f["undertecknad_namn"] == "Andrea Hormazabal"
    assert f["undertecknad_ort"] == "Stockholm"
    assert f["undertecknad_datum"] == dt.date.fromisoformat(hv_csv[(src, "Undertecknad")])
    assert f["metod_uppfoljning"] is None  # the seed's section is empty (a figure was lost)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def test_purpose_is_the_forms_projektets_syfte_section(built: Path) -> None:
    seed = (bf.SEEDS / bf.APPLICATION_SEED).read_text(encoding="utf-8")
    section = seed.split("\nProjektets syfte\n", 1)[1].split("\nFigur 2", 1)[0]
    for name in APP_FILES:
        purpose = read(built, name).fields["projektets_syfte"]
        assert isinstance(purpose, str)
        assert _normalise(purpose) == _normalise(section)
        assert purpose.startswith("Den psykiska ohälsan hos barn och unga ökar")
        assert "är högre i stadsdelsområdet än i staden" in purpose  # the page break is mended
        assert purpose.count("\n") == 2 and "Figur" not in purpose


def test_application_warnings(built: Path) -> None:
    paragraphs, table, controls = (read(built, n).warnings for n in APP_FILES)
    due = [w for w in paragraphs if "28 februari 2020" in w]
    assert len(due) == 1 and "2021-02-28" in due[0]
    assert [w for w in table if "28 februari 2020" in w] == due
    assert any("Jan 2020- dec 2022" in w for w in paragraphs)  # the period came from free text
    assert len(paragraphs) == 2 and len(table) == 1
    assert controls == []  # the blank form states the rule; the period is a field


@pytest.mark.parametrize("name", [APP_FILES[2], REPORT_FILES[2]])
def test_filled_blank_form_reads_the_same_by_its_labels_alone(
    built: Path, tmp_path: Path, name: str
) -> None:
    """Without its tags (e.g. pasted into another document) the form still reads by labels."""
    xml = zipfile.ZipFile(built / name).read("word/document.xml")
    untagged = re.sub(rb'<w:tag w:val="[^"]*"/>', b"", xml)
    path = _rezip(built / name, tmp_path / "utan-taggar.docx", {"word/document.xml": untagged})
    result, tagged = read_form(path), read(built, name)
    assert result.encoding in ("tabell", "stycken") and result.problems == []
    assert result.fields == tagged.fields


def test_the_bare_text_extraction_lacks_only_the_year_boxes(tmp_path: Path) -> None:
    """Seed 002 exactly as extracted (check boxes lost): one problem, everything else read."""
    text = bf.read_seed(bf.APPLICATION_SEED).replace("<u>", "").replace("</u>", "")
    lines = [line for line in bf.seed_lines(text) if line.strip() and line.strip() != "--\t---"]
    result = read_form(bf.make_docx(lines, tmp_path / "text.docx"))
    assert result.problems == [Problem("Ansökan avser år", "ingen kryssruta hittades", "1 2 3")]
    assert result.fields["sokt_belopp"] == 500_000 and result.fields["kst"] == "1002"


def test_applied_amount_in_words_is_one_problem_and_no_value(built: Path, tmp_path: Path) -> None:
    seed = (bf.SEEDS / bf.APPLICATION_SEED).read_text(encoding="utf-8")
    original = "Sökt belopp\n\n500 000 kr per år. Totalt 1 500 000 kr.\n"
    assert original in seed
    text = seed.replace(original, "Sökt belopp: ca en halv miljon\n")
    path = bf.save_reproducibly(bf.build_application_paragraphs(text), tmp_path / "ord.docx")
    values = dict(bf.application_values())
    values.update(sokt_belopp="ca en halv miljon", sokt_belopp_totalt="")
    filled = bf.save_reproducibly(
        bf.fill_form(bf.build_blank_application(), values), tmp_path / "ord-ifylld.docx"
    )
    for result in (read_form(path), read_form(filled)):
        assert result.problems == [Problem("Sökt belopp", "kunde inte tolkas", "ca en halv miljon")]
        assert str(result.problems[0]) == "Sökt belopp: kunde inte tolkas: 'ca en halv miljon'"
        assert result.fields["sokt_belopp"] is None and result.fields["sokt_belopp_totalt"] is None
        assert result.fields["projektets_namn"] == HV_NAME  # the rest is read


# --- the HV report (seed 004) -------------------------------------------------------------------------


def test_report_reads_the_same_from_every_encoding(built: Path) -> None:
    results = [read(built, name) for name in REPORT_FILES]
    assert [r.encoding for r in results] == ["stycken", "tabell", "innehållskontroller"]
    for r in results:
        assert r.kind == REPORT and r.problems == [] and r.warnings == []
        assert r.fields == results[0].fields


@pytest.mark.parametrize("name", REPORT_FILES)
def test_report_values_are_the_seeds(
    built: Path, name: str, hv_csv: dict[tuple[str, str], str]
) -> None:
    f = read(built, name).fields
    src = "004_dbc242ee135760d4.txt"
    assert f["projektets_namn"] == HV_NAME
    assert f["beviljat_belopp"] == int(hv_csv[(src, "Beviljat belopp")]) == 500_000
    assert f["ar"] == int(hv_csv[(src, "År")]) == 2021
    assert (f["forvaltning_namn"], f["forvaltning"], f["avdelning_enhet"]) == (
        "Hässelby-Vällingby stadsdelsförvaltning",
        "Hässelby-Vällingby",
        "Avdelningen för barn och unga",
    )
    assert (f["kontaktperson"], f["kontaktperson_epost"], f["kontaktperson_telefon"]) == (
        None,
        None,
        None,
    )
    assert f["ansvarig_chef"] == "Aida Rizvic, avdelningschef"
    assert f["intygar_genomfort"] is True
    assert (
        f["ej_forbrukat"] is False and hv_csv[(src, "Ej förbrukade medel (ruta kryssad)")] == "nej"
    )
    assert f["ej_forbrukat_belopp"] is None
    assert f["undertecknad_namn"] == "Aida Rizvic" and f["undertecknad_ort"] == "Stockholm"
    assert f["undertecknad_datum"] == dt.date(2022, 2, 28)
    income = (f["intakt_beviljat"], f["intakt_egen_insats"], f["intakt_ovriga"], f["intakt_summa"])
    assert income == (500_000, 650_000, None, 1_150_000)
    assert (
        500_000 + 650_000
        == f["intakt_summa"]
        == int(hv_csv[(src, "Intäkter: Summa (som angiven)")])
    )
    costs = (
        f["kostnad_personal"],
        f["kostnad_administration"],
        f["kostnad_utbildning"],
        f["kostnad_ovriga"],
        f["kostnad_summa"],
    )
    assert costs == (1_457_956, 4_104, 37_940, None, 1_500_000)
    assert f["kostnad_summa"] == 1_457_956 + 4_104 + 37_940
    assert f["kostnad_utbildning_spec"] == "HBTQ utbildning"
    assert all(type(v) is int for v in (*income, *costs) if v is not None)


def test_ledger_rows_for_the_hv_forms(built: Path) -> None:
    app = ledger_rows(read(built, APP_FILES[0]), "2020-P01")
    row = app["Ansökningar"][0]
    assert {
        k: row[k]
        for k in (
            "År",
            "Förvaltning",
            "Namn",
            "Projektår",
            "Tidigare beviljat",
            "Sökt belopp",
            "KST",
            "Betalkonto",
            "Medsökande",
        )
    } == {
        "År": 2020,
        "Förvaltning": "Hässelby-Vällingby",
        "Namn": HV_NAME,
        "Projektår": 1,
        "Tidigare beviljat": 0,
        "Sökt belopp": 500_000,
        "KST": "1002",
        "Betalkonto": "Plusgiro 5 55 13-6",
        "Medsökande": None,
    }
    assert row["Sökt belopp totalt"] == 1_500_000 and row["Egen budget per år"] == 1_000_000
    assert [
        (b["Del"], b["Post"], b["Belopp"], b["År"], b["Redovisningsrad"]) for b in app["Budget"]
    ] == [
        (COSTS, "Personalkostnader inkl. sociala avgifter", 1_450_000, None, "Personalkostnader"),
        (COSTS, "Övriga kostnader", 50_000, None, "Övriga kostnader"),
        (INCOME, "Sökt belopp från Socialförvaltningen", 500_000, None, "Beviljat belopp"),
        (INCOME, "Egen budget", 1_000_000, None, "Egen insats"),
    ]
    report = ledger_rows(read(built, REPORT_FILES[0]), "2021-P01")["Redovisningar"][0]
    assert report["Inlämnad"] == dt.date(2022, 2, 28) and report["Ej förbrukat"] == 0
    assert report["Intygat genomfört"] == "Ja" and report["Ej förbrukat kryssad"] == "Nej"
    assert (
        report["Summa kostnader"] == 1_500_000
        and report["Ansvarig chef"] == "Aida Rizvic, avdelningschef"
    )


# --- check boxes, label variants, amounts ---------------------------------------------------------------

REPORT_HEAD = ["Redovisning av LUM", f"Projektets namn {HV_NAME}", "År 2021"]
SIGNED = "Undertecknad av I Stockholm den 2022-02-28 Aida Rizvic namnförtydligande"


def _report(tmp_path: Path, lines: list[str], name: str = "r.docx") -> FormResult:
    return read_form(bf.make_docx(lines, tmp_path / name))


@pytest.mark.parametrize(
    ("attest", "unspent", "expected"),
    [
        ("{X}", "{ }", (True, False)),  # legacy form field, w:checked
        ("{X*}", "{ }", (True, False)),  # legacy form field ticked by w:default only
        ("{ }", "{X}", (False, True)),
        ("{g:X}", "{g: }", (True, False)),  # the characters ☒/☐
        ("{sym:X}", "{sym: }", (True, False)),  # Wingdings symbols
        ("{cc:X}", "{cc: }", (True, False)),  # untagged w14 content controls
        ("[X]", "[ ]", (True, False)),  # typed
    ],
)
def test_check_boxes_of_every_kind(
    tmp_path: Path, attest: str, unspent: str, expected: tuple[bool, bool]
) -> None:
    result = _report(
        tmp_path,
        [
            *REPORT_HEAD,
            f"{attest} {bf.REPORT_CHECK_ATTEST}",
            f"{unspent} {bf.REPORT_CHECK_UNSPENT} 12 500 kr.",
            SIGNED,
        ],
    )
    assert (result.fields["intygar_genomfort"], result.fields["ej_forbrukat"]) == expected
    assert result.fields["ej_forbrukat_belopp"] == 12_500


def test_legacy_year_boxes_and_box_after_number(tmp_path: Path) -> None:
    for boxes, expected in (("{ } 1 {X} 2 { } 3", [2]), ("1 {g: }  2 {g: }  3 {g:X}", [3])):
        path = bf.make_docx(
            [
                "Ansökan om medel för lokalt utvecklingsprojekt 2021",
                "Projektets namn",
                "Test",
                "Ansökan avser år",
                boxes,
                "Sökt belopp",
                "100 000 kr",
            ],
            tmp_path / "a.docx",
        )
        assert read_form(path).fields["ansokan_avser_ar"] == expected


def test_unspent_ticked_without_amount_is_a_problem(tmp_path: Path) -> None:
    result = _report(
        tmp_path,
        [
            *REPORT_HEAD,
            f"{{X}} {bf.REPORT_CHECK_ATTEST}",
            f"{{X}} {bf.REPORT_CHECK_UNSPENT} _____kr.",
            SIGNED,
        ],
    )
    assert [p.field for p in result.problems] == ["Ej förbrukade medel, belopp"]
    assert ledger_rows(result)["Redovisningar"][0]["Ej förbrukat"] is None


def test_report_label_variants_like_the_two_extractions(tmp_path: Path) -> None:
    """Lost diacritics, upper case, hard-wrapped labels, inflections, odd spaces, öre."""
    result = _report(
        tmp_path,
        [
            "Stockholms",
            "stad",
            "REDOVISNING AV LUM",
            f"PROJEKTETS NAMN: {HV_NAME}",
            "Beviljat belopp\u00a0\u00a0500\u00a0000 kr  ",
            "Ar\t2021",
            "Stadsdelsförvaltningens namn,",
            "avdelning/enhet Hässelby-Vällingby stadsdelsförvaltning, Avdelningen för barn och unga",
            "Kontaktperson för projekt, namn, e-post, tfn Kim Exempel 08-508 00 000 "
            "Kim.Exempel@stockholm.se",
            "Ansvarig avdelnings-/enhetschef, namn, befattning Aida Rizvic, avdelningschef "
            f"{{g:X}} {bf.REPORT_CHECK_ATTEST} {{g: }} {bf.REPORT_CHECK_UNSPENT} _____kr. {SIGNED}",
            "Ekonomisk redovisning",
            "Intäkter",
            "Beviljat belopp från socialnämnden\t500 000 kr",
            "Egen insats\t650 000,50 kr",
            "Övriga intäkter\t-",
            "Summa\t1 150 000,50 kr",
            "Kostnader",
            "Personalkostnader inkl. sociala avgifter\t1 457 956",
            "Summa kostnader\t1 457 956",
        ],
    )
    f = result.fields
    assert result.problems == [], result.problems
    assert (f["projektets_namn"], f["beviljat_belopp"], f["ar"]) == (HV_NAME, 500_000, 2021)
    assert f["avdelning_enhet"] == "Avdelningen för barn och unga"
    assert f["kontaktperson_telefon"] == "08-508 00 000"
    assert (f["intygar_genomfort"], f["ej_forbrukat"]) == (True, False)
    assert f["intakt_egen_insats"] == Decimal("650000.50") and f["intakt_ovriga"] == 0
    assert f["undertecknad_datum"] == dt.date(2022, 2, 28)


def test_sum_mismatch_unknown_line_and_late_signature_are_warnings(tmp_path: Path) -> None:
    result = _report(
        tmp_path,
        [
            *REPORT_HEAD,
            f"{{X}} {bf.REPORT_CHECK_ATTEST}",
            f"{{ }} {bf.REPORT_CHECK_UNSPENT} _____kr.",
            "Undertecknad av I Stockholm den 2022-03-15 Aida Rizvic namnförtydligande",
            "Ekonomisk redovisning",
            "Intäkter",
            "Beviljat belopp från socialnämnden\t400 000",
            "Summa\t500 000",
            "Kostnader",
            "Personalkostnader inkl. sociala avgifter\t300 000",
            "Resor\t10 000",
            "Summa\t310 000",
        ],
    )
    text = " | ".join(result.warnings)
    assert (
        "Intäkter: angiven summa 500 000 kr stämmer inte med raderna, som blir 400 000 kr." in text
    )
    assert "raden 'Resor' (10 000 kr) finns inte i blanketten" in text
    assert "efter sista dag 2022-02-28" in text
    assert "Beviljat belopp överst" not in text  # no header amount given
    assert result.problems == []


def test_amount_forms(tmp_path: Path) -> None:
    path = bf.make_docx(
        [
            "Ansökan om medel för lokalt utvecklingsprojekt 2021",
            "Projektets namn",
            "Test",
            "Huvudsökande förvaltning, avdelning, enhet och adress",
            "Spånga-Tensta stadsdelsförvaltning",
            "Tidigare beviljat belopp",
            "300 000 kr",
            "Sökt belopp",
            "250 000 kronor per år",
            "Budget",
            "Kostnader",
            "Personalkostnader\t2021: 200 000 kr; 2022: 250 000 kr",
            "Resor\t5 000",
            "Övriga kostnader\tungefär tiotusen",
            "Summa kostnader\t455 000",
        ],
        tmp_path / "a.docx",
    )
    result = read_form(path)
    f = result.fields
    assert (f["tidigare_beviljat_belopp"], f["sokt_belopp"], f["sokt_belopp_totalt"]) == (
        300_000,
        250_000,
        None,
    )
    assert f["forvaltning"] == "Spånga-Tensta"
    assert [b.as_tuple() for b in f["budget"]] == [  # type: ignore[union-attr]
        (COSTS, "Personalkostnader inkl. sociala avgifter", 200_000, 2021),
        (COSTS, "Personalkostnader inkl. sociala avgifter", 250_000, 2022),
        (COSTS, "Resor", 5_000, None),
    ]
    assert result.problems == [
        Problem("Kostnader: Övriga kostnader", "kunde inte tolkas", "ungefär tiotusen")
    ]


def test_money_is_never_float(built: Path) -> None:
    def walk(value: object) -> None:
        assert not isinstance(value, float)
        if isinstance(value, list):
            for v in value:
                walk(v)
        if isinstance(value, BudgetLine):
            walk(value.amount)

    for name in APP_FILES + REPORT_FILES:
        for value in read(built, name).fields.values():
            walk(value)


def test_periods() -> None:
    assert parse_period("Jan 2020- dec 2022") == (dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    assert parse_period("2020-03-01 – 2021-02-28") == (dt.date(2020, 3, 1), dt.date(2021, 2, 28))
    assert parse_period("från 2020 till 2022") == (dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    assert parse_period("Under 2020 och 2021 planerar vi") is None


def test_compilation_and_other_documents_are_refused(tmp_path: Path) -> None:
    compilation = bf.make_docx(
        [
            "Bilaga",
            "Redovisning av lokala utvecklingsprojekt 2020",
            "Egenmakt – privatekonomi",
            "Hägersten-Liljeholmen stadsdelsförvaltning",
            "Den digitala utvecklingen rasar och är till stor hjälp för många.",
        ],
        tmp_path / "bilaga.docx",
    )
    result = read_form(compilation)
    assert result.kind is None and result.error is not None and "sammanställning" in result.error
    other = read_form(bf.make_docx(["Protokoll", "Socialnämnden"], tmp_path / "p.docx"))
    assert other.error is not None and "ingen LUM-blankett" in other.error


# --- hostile and broken files ---------------------------------------------------------------------------


def _rezip(
    src: Path,
    dst: Path,
    replace: dict[str, bytes | None] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])  # type: ignore[arg-type]
                continue
            zout.writestr(info, zin.read(info.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _doc_xml(built: Path) -> bytes:
    return zipfile.ZipFile(built / REPORT_FILES[2]).read("word/document.xml")


def _lying_sizes(path: Path, member: str = "word/media/zeros.bin") -> Path:
    """Declare a 1-byte inflated size for ``member`` in its local header and central entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        struct.pack_into("<I", data, z.getinfo(member).header_offset + 22, 1)
    for m in re.finditer(rb"PK\x01\x02", bytes(data)):
        length = struct.unpack_from("<H", data, m.start() + 28)[0]
        if data[m.start() + 46 : m.start() + 46 + length] == member.encode():
            struct.pack_into("<I", data, m.start() + 24, 1)
    path.write_bytes(bytes(data))
    return path


HOSTILE: dict[str, Callable[[Path, Path], Path]] = {
    "dtd-entity": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "dtd.docx",
        {
            "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>'
        },
    ),
    "dtd-utf16-in-other-part": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "dtd16.docx",
        {
            "docProps/app.xml": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM '
            '"http://evil/x.dtd"><x/>'.encode("utf-16-le")
        },
    ),
    "zip-bomb": lambda b, t: _rezip(
        b / REPORT_FILES[2], t / "bomb.docx", add={"word/media/zeros.bin": bytes(60 << 20)}
    ),
    "zip-bomb-lying-sizes": lambda b, t: _lying_sizes(
        _rezip(b / REPORT_FILES[2], t / "liar.docx", add={"word/media/zeros.bin": bytes(40 << 20)})
    ),
    "external-template": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "tmpl.docx",
        add={
            "word/_rels/settings.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
            b'Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>'
        },
    ),
    "external-image": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "img.docx",
        {
            "word/_rels/document.xml.rels": zipfile.ZipFile(b / REPORT_FILES[2])
            .read("word/_rels/document.xml.rels")
            .replace(
                b"</Relationships>",
                b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.'
                b'org/officeDocument/2006/relationships/image" Target="\\\\evil\\share\\a.png" '
                b'TargetMode="External"/></Relationships>',
            )
        },
    ),
    "relationship-escapes": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "esc.docx",
        {
            "_rels/.rels": zipfile.ZipFile(b / REPORT_FILES[2])
            .read("_rels/.rels")
            .replace(b'Target="word/document.xml"', b'Target="../../../etc/passwd"')
        },
    ),
    "missing-document": lambda b, t: _rezip(
        b / REPORT_FILES[2], t / "nodoc.docx", {"word/document.xml": None}
    ),
    "path-traversal-member": lambda b, t: _rezip(
        b / REPORT_FILES[2], t / "trav.docx", add={"../../evil.txt": b"x"}
    ),
    "not-a-zip": lambda b, t: _write(t / "text.docx", "Sökt belopp: 500 000 kr".encode()),
    "empty": lambda b, t: _write(t / "empty.docx", b""),
    "old-doc": lambda b, t: _write(t / "old.docx", OLE_MAGIC + bytes(600)),
    "encrypted": lambda b, t: _write(
        t / "enc.docx", OLE_MAGIC + "EncryptionInfo".encode("utf-16-le")
    ),
    "pdf": lambda b, t: _write(t / "form.docx", b"%PDF-1.7\n"),
    "truncated": lambda b, t: _write(t / "trunc.docx", (b / REPORT_FILES[2]).read_bytes()[:5000]),
    "crc-error": lambda b, t: _corrupt(b / REPORT_FILES[2], t / "crc.docx"),
    "deep-nesting": lambda b, t: _rezip(
        b / REPORT_FILES[2],
        t / "deep.docx",
        {
            "word/document.xml": _doc_xml(b).replace(
                b"<w:body>",
                b"<w:body>"
                + b"<w:tbl><w:tr><w:tc>" * 300
                + b"<w:p/>"
                + b"</w:tc></w:tr></w:tbl>" * 300,
                1,
            )
        },
    ),
    "broken-xml": lambda b, t: _rezip(
        b / REPORT_FILES[2], t / "xml.docx", {"word/document.xml": _doc_xml(b)[:-40]}
    ),
    "missing-file": lambda b, t: t / "finns-inte.docx",
    "directory": lambda b, t: t,
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _corrupt(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + 20
    data[start] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_broken_file_gives_one_swedish_sentence(
    built: Path, tmp_path: Path, case: str
) -> None:
    path = HOSTILE[case](built, tmp_path)
    result = read_form(path)
    assert result.kind is None and result.fields == {} and result.problems == []
    message = result.error
    assert message is not None and "\n" not in message and message.endswith(".")
    assert len(re.findall(r"[.;!?](?:\s|$)", message.replace("t.ex.", ""))) <= 2
    assert re.search(r"[åäöÅÄÖ]|\b(?:filen|blanketten|och|inte)\b", message, re.IGNORECASE)
    assert "Traceback" not in message


def test_external_hyperlinks_are_allowed(built: Path, tmp_path: Path) -> None:
    rels = zipfile.ZipFile(built / REPORT_FILES[2]).read("word/_rels/document.xml.rels")
    path = _rezip(
        built / REPORT_FILES[2],
        tmp_path / "link.docx",
        {
            "word/_rels/document.xml.rels": rels.replace(
                b"</Relationships>",
                b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/hyperlink" Target="mailto:fou.sof@stockholm.se" '
                b'TargetMode="External"/></Relationships>',
            )
        },
    )
    assert read_form(path).error is None


def test_mutated_documents_never_raise(built: Path, tmp_path: Path) -> None:
    rng = random.Random(15)
    xml = _doc_xml(built)
    for i in range(40):
        data = bytearray(xml)
        for _ in range(rng.randint(1, 30)):
            pos = rng.randrange(len(data))
            data[pos] = rng.choice(b"<>/\"'=&; wxX0123456789:\xe2\x98\x92")
        path = _rezip(
            built / REPORT_FILES[2], tmp_path / f"m{i}.docx", {"word/document.xml": bytes(data)}
        )
        result = read_form(path)
        assert isinstance(result, FormResult)
        assert result.error is None or ("\n" not in result.error and "oväntat" not in result.error)


def test_a_huge_document_is_refused_quickly(tmp_path: Path, built: Path) -> None:
    body = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * ((70 << 20) // 34)
    xml = _doc_xml(built).replace(b"<w:body>", b"<w:body>" + body, 1)
    path = _rezip(built / REPORT_FILES[2], tmp_path / "huge.docx", {"word/document.xml": xml})
    result = read_form(path)
    assert result.error is not None and ("orimligt" in result.error)


def test_json_output_is_plain(built: Path) -> None:
    import json

    data = read(built, REPORT_FILES[0]).to_json()
    text = json.dumps(data, ensure_ascii=False)
    assert '"kostnad_personal": 1457956' in text and data["blankett"] == "redovisning"
