"""Build the two shipped ledger workbooks reproducibly with XlsxWriter.

``python workbooks/build.py`` rewrites ``workbooks/lum-mall.xlsx`` (the empty ledger an officer
starts from) and ``workbooks/lum-exempel.xlsx`` (the real 2019-2021 example ledger). Every sheet
and column comes from :mod:`lumledger.ledger_format`; the example's figures come from the CSV files in
``workbooks/data/`` and nowhere else.

The output is byte-for-byte reproducible: the document properties carry a fixed creation date,
the workbook is assembled in memory (XlsxWriter then stamps every zip member with 1980-01-01
and fixed permissions), and nothing else depends on the clock or the file system.

Reusable parts, e.g. for building a macro-enabled ``.xlsm`` with the same sheets:

- :func:`write_ledger_sheets` writes every sheet of the format into an open XlsxWriter workbook;
- :func:`set_fixed_properties` sets the reproducible document properties;
- :func:`example_rows` returns the example ledger's rows;
- :func:`build_template` and :func:`build_example` write the two ``.xlsx`` files.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # `python workbooks/build.py` from a plain checkout
    sys.path.insert(0, str(HERE.parent))

from lumledger.ledger_format import (  # noqa: E402
    ADMINISTRATION_TYPES,
    ADMINISTRATIONS,
    APPLICATION_TYPES,
    APPLICATIONS,
    BUDGET,
    BUDGET_PARTS,
    COLUMNS,
    DECISIONS,
    INPUT_SHEETS,
    PROJECT,
    REPORT_LINES_CHOICES,
    REPORTS,
    ROUND_STATUSES,
    ROUNDS,
    STATUS_DECIDED,
    YES_NO,
    Column,
    Kind,
)
from tools.ledger_book import CellFormats, Formats, SheetWriter, check_kind  # noqa: E402

DATA_DIR = HERE / "data"
# The filled Hässelby-Vällingby forms (built by workbooks/blanketter/build.py).
FORMS_DIR = HERE.parent / "tests" / "data" / "forms"
HV_APPLICATION_FORM = "ansokan-hv-2020-ifylld.docx"
HV_REPORT_FORM = "redovisning-hv-2021-ifylld.docx"
TEMPLATE_PATH = HERE / "lum-mall.xlsx"
EXAMPLE_PATH = HERE / "lum-exempel.xlsx"

INSTRUCTIONS_SHEET = "Instruktioner"

# Rows 2..LAST_ROW (1-based, as Excel shows them) get drop-down validations.
LAST_ROW = 1000
# The Förvaltningar names offered in the Ansökningar drop-down: rows 2..ADMINISTRATION_LAST_ROW.
ADMINISTRATION_LAST_ROW = 200
ADMINISTRATION_NAMES = "Förvaltningsnamn"  # defined name for the drop-down source

# Fixed document properties: the creation date is what makes two builds byte-identical.
DOCUMENT_PROPERTIES: dict[str, Any] = {
    "title": "LUM-liggaren",
    "subject": "Lokala utvecklingsmedel (LUM), Stockholms stad",
    "author": "lumledger",
    "company": "Stockholms stad, socialförvaltningen",
    "keywords": "LUM, lokala utvecklingsmedel, liggare",
    "comments": "Format 1, se docs/ledger-format.md. Byggd med workbooks/build.py.",
    "created": datetime(2019, 1, 1),
}

# --- the administrations ------------------------------------------------------------------------

_DISTRICT = ADMINISTRATION_TYPES[0]  # Stadsdelsförvaltning
_SPECIALIST = ADMINISTRATION_TYPES[1]  # Fackförvaltning


def _district(
    name: str, valid_from: int | None = None, valid_to: int | None = None
) -> dict[str, Any]:
    return {
        "Namn": name,
        "Fullständigt namn": f"{name} stadsdelsförvaltning",
        "Typ": _DISTRICT,
        "Giltig från": valid_from,
        "Giltig till": valid_to,
    }


# Stockholm's 14 district administrations of 2019 plus Socialförvaltningen. Hägersten-Liljeholmen
# and Älvsjö merged into Hägersten-Älvsjö on 1 July 2020: the old two may apply up to the 2020
# round, the merged one from the 2021 round. KST is not documented and left blank.
STOCKHOLM_ADMINISTRATIONS: tuple[dict[str, Any], ...] = (
    _district("Rinkeby-Kista"),
    _district("Spånga-Tensta"),
    _district("Hässelby-Vällingby"),
    _district("Bromma"),
    _district("Kungsholmen"),
    _district("Norrmalm"),
    _district("Östermalm"),
    _district("Södermalm"),
    _district("Enskede-Årsta-Vantör"),
    _district("Skarpnäck"),
    _district("Farsta"),
    _district("Älvsjö", valid_to=2020),
    _district("Hägersten-Liljeholmen", valid_to=2020),
    _district("Hägersten-Älvsjö", valid_from=2021),
    _district("Skärholmen"),
    {
        "Namn": "Socialförvaltningen",
        "Fullständigt namn": "Socialförvaltningen",
        "Typ": _SPECIALIST,
    },
)

# --- the instructions sheet (Swedish: officers read it) -----------------------------------------

# (label, text): an empty text makes the label a heading; an empty label makes a paragraph.
INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    ("LUM-liggaren – lokala utvecklingsmedel", ""),
    (
        "",
        "Arbetsboken är liggaren över socialförvaltningens lokala utvecklingsmedel (LUM). "
        "Varje blad är en tabell: rad 1 är rubrikraden och uppgifterna börjar på rad 2. "
        "En liggare kan omfatta flera år; varje rad anger sitt år.",
    ),
    ("Bladen", ""),
    (
        ROUNDS,
        "En rad per ansökningsomgång (år): ansökningsperiod, ramar, maxbelopp, högsta antal "
        "beviljade ansökningar per förvaltning och typ (tomt = 2), beslutsdatum och status "
        "(Öppen, Bedömning, Beslutad, Stängd; tomt = Öppen).",
    ),
    (
        ADMINISTRATIONS,
        "Förvaltningarna som får söka. Namn skrivs som i besluten, t.ex. Spånga-Tensta. "
        "Giltig från och Giltig till anger första och sista år förvaltningen får söka "
        "(tomt = alltid). Nya förvaltningar läggs till här först.",
    ),
    (
        APPLICATIONS,
        "En rad per ansökan och år. Id skrivs som 2019-P01 (projekt) eller 2019-S01 "
        "(studiebesök). Förvaltning väljs i listan. Flera medsökande skiljs åt med semikolon. "
        "Fleråriga projekt knyts ihop med samma värde i kolumnen Projekt. Beviljat belopp "
        "lämnas tomt tills beslut finns; 0 betyder avslag.",
    ),
    (
        DECISIONS,
        "Antal och summor precis som de står i beslutet. De stäms av mot liggaren.",
    ),
    ("Utbetalningar", "Bokförda utbetalningar. Id är ansökans Id i bladet Ansökningar."),
    (
        REPORTS,
        "Projektens ekonomiska redovisningar, som ska lämnas senast 28 februari året efter "
        "bidragsåret. Skriv summorna som de står i redovisningen; de kontrolleras.",
    ),
    ("Återbetalningar", "Återbetalda medel som socialförvaltningen har tagit emot."),
    (
        BUDGET,
        "Ansökans budget som blanketten anger den: en rad per ansökan och budgetpost (Del är "
        "Kostnader eller Intäkter, Belopp per år om År är tomt). Redovisningsrad anger vilken "
        "kolumn i Redovisningar posten redovisas i; avstämningen jämför dem.",
    ),
    ("Så fyller du i", ""),
    (
        "Rubrikraden",
        "Rad 1 i varje blad måste stå kvar. Byt inte namn på blad eller kolumner. Egna "
        "kolumner får läggas till. Rubriker med mörkare färg är obligatoriska.",
    ),
    (
        "Belopp",
        "Bidragsbelopp (sökt, beviljat, tidigare beviljat, ramar, maxbelopp och summorna i "
        "Beslut) anges i hela kronor, utan decimaler. Utbetalningar, redovisningar och "
        "återbetalningar får anges med öre. Skriv belopp som tal: 493000, inte 493 000 kr.",
    ),
    ("Datum", "Skriv datum som ÅÅÅÅ-MM-DD, t.ex. 2018-10-26."),
    (
        "Personuppgifter",
        "Kontaktperson och E-post är personuppgifter. De kommer aldrig med i de officiella "
        "tabellerna.",
    ),
    (
        "Blanketter",
        "Ifyllda ansöknings- och redovisningsblanketter (.docx) läses in med  lumledger import "
        "FIL BLANKETT.docx  eller knappen Läs in blanketter: planen visas först och inget skrivs "
        "utan säkerhetskopia. Tomma blanketter finns i mappen blanketter.",
    ),
    ("Kontrollera liggaren", ""),
    (
        "lumledger",
        "Kontrollera liggaren med kommandot  lumledger validate FIL  (t.ex. lumledger "
        "validate lum-liggare.xlsx), eller med knapparna i den makroaktiverade versionen "
        "(.xlsm). Fel och varningar anges med blad och cell, t.ex. Ansökningar!K14.",
    ),
    (
        "",
        "Fler kommandon: lumledger rollup FIL (summering), lumledger export FIL --year ÅÅÅÅ "
        "-o MAPP (bilagorna till beslutet) och lumledger reconcile FIL (avstämning); "
        "lumledger --help visar alla kommandon och deras flaggor. Bladen "
        "Fel, Summering och Avstämning skapas av verktyget och läses aldrig som indata.",
    ),
)

# --- layout -------------------------------------------------------------------------------------

_NUMBER_FORMATS: dict[Kind, str | None] = {
    Kind.TEXT: None,
    Kind.YEAR: "0",
    Kind.INTEGER: "0",
    Kind.WHOLE_KR: "#,##0",  # Swedish Excel shows "# ##0"
    Kind.KR: "#,##0.00",
    Kind.DATE: "yyyy-mm-dd",
}

_DEFAULT_WIDTHS: dict[Kind, float] = {
    Kind.TEXT: 18,
    Kind.YEAR: 8,
    Kind.INTEGER: 12,
    Kind.WHOLE_KR: 14,
    Kind.KR: 15,
    Kind.DATE: 12,
}

# Wider or narrower columns by name, then by (sheet, name).
_WIDTHS: dict[str, float] = {
    "Id": 10,
    "Ansökan öppnar": 13,
    "Ansökan stänger": 13,
    "Max beviljade per förvaltning": 16,
    "Beslutsdatum": 13,
    "Namn": 24,
    "Fullständigt namn": 40,
    "Typ": 20,
    "KST": 10,
    "Giltig från": 10,
    "Giltig till": 10,
    "Förvaltning": 22,
    "Medsökande": 28,
    "Syfte": 60,
    "Projekt": 22,
    "Projektår": 10,
    "Utvärdering": 60,
    "Beslut": 40,
    "Betalkonto": 20,
    "Kontaktperson": 22,
    "E-post": 28,
    "Verifikation": 16,
    "Personalkostnader": 19,
    "Utbildningskostnader": 22,
}
_SHEET_WIDTHS: dict[tuple[str, str], float] = {
    (APPLICATIONS, "Typ"): 13,
    (APPLICATIONS, "Namn"): 45,
    (DECISIONS, "Typ"): 13,
}
# Long text columns whose cells wrap.
_WRAPPED: frozenset[tuple[str, str]] = frozenset(
    {
        (APPLICATIONS, "Namn"),
        (APPLICATIONS, "Syfte"),
        (APPLICATIONS, "Utvärdering"),
        (APPLICATIONS, "Beslut"),
        (APPLICATIONS, "Medsökande"),
    }
)
# Code-like text columns: Excel keeps what is typed as text (a KST like 0102 keeps its zero).
_TEXT_FORMATTED: frozenset[str] = frozenset({"KST"})

_LINE_HEIGHT = 15.0  # points per line of the default 11-point font
_HEADER_FILL = "#DDEBF7"
_REQUIRED_HEADER_FILL = "#9BC2E6"


def _width(sheet: str, col: Column) -> float:
    return _SHEET_WIDTHS.get((sheet, col.name), _WIDTHS.get(col.name, _DEFAULT_WIDTHS[col.kind]))


class _Formats(Formats):
    """The shipped workbooks' formats: headers and each column's cells."""

    def header(self, required: bool) -> Any:
        return self.get(
            bold=True,
            text_wrap=True,
            valign="top",
            bg_color=_REQUIRED_HEADER_FILL if required else _HEADER_FILL,
            bottom=1,
        )

    def cell(self, sheet: str, col: Column) -> Any:
        properties: dict[str, Any] = {"valign": "top"}
        number_format = "@" if col.name in _TEXT_FORMATTED else _NUMBER_FORMATS[col.kind]
        if number_format is not None:
            properties["num_format"] = number_format
        if (sheet, col.name) in _WRAPPED:
            properties["text_wrap"] = True
        return self.get(**properties)


# --- writing ------------------------------------------------------------------------------------


def set_fixed_properties(workbook: Workbook) -> None:
    """Set the document properties with a fixed creation date (needed for reproducible files)."""
    workbook.set_properties(dict(DOCUMENT_PROPERTIES))


def write_ledger_sheets(
    workbook: Workbook,
    ledger_rows: Mapping[str, Sequence[Mapping[str, Any]]] | None,
    administrations: Sequence[Mapping[str, Any]] = STOCKHOLM_ADMINISTRATIONS,
    instructions: Sequence[tuple[str, str]] | None = INSTRUCTIONS,
) -> dict[str, Worksheet]:
    """Add every sheet of the ledger format to an open XlsxWriter ``workbook``.

    Sheets are added after any the workbook already has: ``Instruktioner`` (unless
    ``instructions`` is None), then the input sheets of :data:`lumledger.ledger_format.INPUT_SHEETS`,
    each with the header of :data:`lumledger.ledger_format.COLUMNS` in row 1, column widths and formats,
    a frozen header row and drop-down validations.

    ``ledger_rows`` maps a sheet name to its data rows, each a mapping from column name to value
    (``int`` for years, counts and whole kronor; ``int`` or ``Decimal`` for kronor; ``date`` for
    dates; ``str`` for text; ``None`` or missing for blank). ``None`` means no data rows.
    ``Förvaltningar`` rows come from ``administrations`` only. The workbook is neither given
    properties nor closed here, so the caller decides the file name and type (``.xlsx`` or
    ``.xlsm``). Returns the ledger worksheets by sheet name.
    """
    rows: Mapping[str, Sequence[Mapping[str, Any]]] = ledger_rows or {}
    unknown = set(rows) - set(INPUT_SHEETS)
    if unknown:
        raise ValueError(f"unknown sheets in ledger_rows: {sorted(unknown)}")
    if ADMINISTRATIONS in rows:
        raise ValueError(f"pass the {ADMINISTRATIONS} rows as administrations=, not in ledger_rows")

    formats = _Formats(workbook)
    if instructions is not None:
        _write_instructions(workbook.add_worksheet(INSTRUCTIONS_SHEET), instructions, formats)

    sheets: dict[str, Worksheet] = {}
    for sheet in INPUT_SHEETS:
        sheet_rows = administrations if sheet == ADMINISTRATIONS else rows.get(sheet, ())
        worksheet = workbook.add_worksheet(sheet)
        _write_table(worksheet, sheet, sheet_rows, formats)
        sheets[sheet] = worksheet

    _add_validations(workbook, sheets)
    return sheets


def _write_instructions(
    worksheet: Worksheet, lines: Sequence[tuple[str, str]], formats: _Formats
) -> None:
    _set_print_layout(worksheet, landscape=False)
    worksheet.set_column(0, 0, 22)
    worksheet.set_column(1, 1, 90)
    title = formats.get(bold=True, font_size=14)
    heading = formats.get(bold=True, font_size=12, valign="top")
    label = formats.get(bold=True, valign="top")
    text = formats.get(text_wrap=True, valign="top")
    for row, (left, right) in enumerate(lines):
        if not right:
            worksheet.write_string(row, 0, left, title if row == 0 else heading)
            continue
        if left:
            worksheet.write_string(row, 0, left, label)
        worksheet.write_string(row, 1, right, text)
        worksheet.set_row(row, _text_height([(right, 90)]))


def _text_height(cells: Sequence[tuple[str, float]]) -> float:
    """An explicit row height for wrapped text: (text, column width) pairs, tallest wins.

    Excel fits rows to wrapped text by itself, but other spreadsheet programs (LibreOffice)
    keep one line unless the file says otherwise. A column width unit is one digit of the
    default font; ordinary text runs about 1.1 characters per unit, so the estimate errs
    towards one spare line rather than clipped text.
    """
    lines = 1
    for text, width in cells:
        per_line = max(1, int(width * 1.1))
        lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in text.split("\n")))
    return _LINE_HEIGHT * lines


def _set_print_layout(worksheet: Worksheet, landscape: bool) -> None:
    """A4, as wide as one page, so that a printed sheet keeps its columns together."""
    worksheet.set_paper(9)  # A4
    if landscape:
        worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)


def _write_table(
    worksheet: Worksheet, sheet: str, rows: Sequence[Mapping[str, Any]], formats: _Formats
) -> None:
    columns = COLUMNS[sheet]
    names = {col.name for col in columns}
    writer = SheetWriter(worksheet, formats)
    for index, col in enumerate(columns):
        cell_format = formats.cell(sheet, col)
        worksheet.set_column(index, index, _width(sheet, col), cell_format)
        writer.put(0, index, col.name, CellFormats.same(formats.header(col.required)))
    # Header cells wrap; bold text is a little wider, hence the narrower effective width.
    worksheet.set_row(0, _text_height([(col.name, _width(sheet, col) - 2) for col in columns]))
    worksheet.freeze_panes(1, 0)
    _set_print_layout(worksheet, landscape=True)
    worksheet.repeat_rows(0)

    for row_index, row in enumerate(rows, start=1):
        unknown = set(row) - names
        if unknown:
            raise ValueError(f"{sheet} row {row_index + 1}: unknown columns {sorted(unknown)}")
        wrapped = [
            (row[col.name], _width(sheet, col))
            for col in columns
            if (sheet, col.name) in _WRAPPED and isinstance(row.get(col.name), str)
        ]
        if wrapped:
            worksheet.set_row(row_index, _text_height(wrapped))
        for index, col in enumerate(columns):
            value = row.get(col.name)
            if value is None or value == "":
                continue
            check_kind(f"{sheet}!{xl_col_to_name(index)}{row_index + 1} ({col.name})", col, value)
            writer.put(row_index, index, value, CellFormats.same(formats.cell(sheet, col)))


def _column_index(sheet: str, name: str) -> int:
    return [col.name for col in COLUMNS[sheet]].index(name)


def _add_list_validation(
    worksheet: Worksheet,
    sheet: str,
    column_name: str,
    source: Sequence[str] | str,
    input_title: str,
    input_message: str,
    error_message: str,
) -> None:
    index = _column_index(sheet, column_name)
    worksheet.data_validation(
        1,
        index,
        LAST_ROW - 1,
        index,
        {
            "validate": "list",
            "source": list(source) if not isinstance(source, str) else source,
            "ignore_blank": True,
            "input_title": input_title,
            "input_message": input_message,
            "error_title": "Ogiltigt värde",
            "error_message": error_message,
            "error_type": "stop",
        },
    )


def _add_validations(workbook: Workbook, sheets: Mapping[str, Worksheet]) -> None:
    types = " eller ".join(APPLICATION_TYPES)
    _add_list_validation(
        sheets[APPLICATIONS],
        APPLICATIONS,
        "Typ",
        APPLICATION_TYPES,
        "Typ av ansökan",
        f"Välj {types}.",
        f"Typ ska vara {types}.",
    )
    _add_list_validation(
        sheets[DECISIONS],
        DECISIONS,
        "Typ",
        APPLICATION_TYPES,
        "Typ av ansökan",
        f"Välj {types}.",
        f"Typ ska vara {types}.",
    )
    statuses = ", ".join(ROUND_STATUSES[:-1]) + " eller " + ROUND_STATUSES[-1]
    _add_list_validation(
        sheets[ROUNDS],
        ROUNDS,
        "Status",
        ROUND_STATUSES,
        "Omgångens status",
        f"Välj {statuses}. Tomt betyder {ROUND_STATUSES[0]}.",
        f"Status ska vara {statuses}.",
    )
    admin_types = " eller ".join(ADMINISTRATION_TYPES)
    _add_list_validation(
        sheets[ADMINISTRATIONS],
        ADMINISTRATIONS,
        "Typ",
        ADMINISTRATION_TYPES,
        "Typ av förvaltning",
        f"Välj {admin_types}.",
        f"Typ ska vara {admin_types}.",
    )

    # The forms' columns (issue 15).
    for column, title in (
        ("Intygat genomfört", "Genomfört enligt plan och budget"),
        ("Ej förbrukat kryssad", "Ej förbrukade medel"),
    ):
        _add_list_validation(
            sheets[REPORTS],
            REPORTS,
            column,
            YES_NO,
            title,
            "Välj Ja om rutan i redovisningen är kryssad, annars Nej.",
            "Skriv Ja eller Nej.",
        )
    _add_list_validation(
        sheets[BUDGET],
        BUDGET,
        "Del",
        BUDGET_PARTS,
        "Del av budgeten",
        "Välj Kostnader eller Intäkter.",
        "Del ska vara Kostnader eller Intäkter.",
    )
    _add_list_validation(
        sheets[BUDGET],
        BUDGET,
        "Redovisningsrad",
        REPORT_LINES_CHOICES,
        "Rad i redovisningen",
        "Kolumnen i Redovisningar som posten redovisas i.",
        "Välj en av kolumnerna i Redovisningar.",
    )

    name_column = xl_col_to_name(_column_index(ADMINISTRATIONS, "Namn"))
    workbook.define_name(
        ADMINISTRATION_NAMES,
        f"={quote_sheetname(ADMINISTRATIONS)}!${name_column}$2:${name_column}$"
        f"{ADMINISTRATION_LAST_ROW}",
    )
    _add_list_validation(
        sheets[APPLICATIONS],
        APPLICATIONS,
        "Förvaltning",
        f"={ADMINISTRATION_NAMES}",
        "Huvudsökande förvaltning",
        "Välj förvaltningen i listan. Listan hämtas från bladet Förvaltningar, kolumnen Namn.",
        "Förvaltningen finns inte i bladet Förvaltningar. Lägg först till den där, med rätt "
        "giltighetsår, eller välj ett namn i listan.",
    )


# --- the example ledger's rows ------------------------------------------------------------------

_APPLICATIONS_CSV = "lum-2019-ansokningar.csv"
_DECISIONS_CSV = "lum-2019-beslut.csv"
_HV_CSV = "hv-2020-2022.csv"
_HV_APPLICATION = "002_568fb514a8b7edf1.txt"  # the 2020 application
_HV_REPORT = "004_dbc242ee135760d4.txt"  # the 2021 financial report

# Columns of the CSV files that are not ledger columns.
_CSV_ONLY_APPLICATION_COLUMNS = frozenset({"Rubrik i beslutet"})
_CSV_ONLY_DECISION_COLUMNS = frozenset(
    {
        "Beslutsinstans",
        "Tjänsteutlåtande daterat",
        "Ansökan öppnar",
        "Ansökan stänger",
        "Max beviljade per förvaltning",
    }
)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parse(sheet: str, name: str, text: str) -> Any:
    """A CSV cell as the value the ledger column holds (None for blank)."""
    text = text.strip()
    if not text:
        return None
    kind = next(col.kind for col in COLUMNS[sheet] if col.name == name)
    if kind is Kind.TEXT:
        return text
    if kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
        return int(text)
    if kind is Kind.KR:
        amount = Decimal(text)
        return int(amount) if amount == amount.to_integral_value() else amount
    return date.fromisoformat(text)


def _ledger_row(sheet: str, record: Mapping[str, str], csv_only: frozenset[str]) -> dict[str, Any]:
    known = {col.name for col in COLUMNS[sheet]}
    unexpected = set(record) - known - csv_only
    if unexpected:
        raise ValueError(f"{sheet}: unexpected CSV columns {sorted(unexpected)}")
    return {name: _parse(sheet, name, text) for name, text in record.items() if name in known}


def _single(records: Sequence[Mapping[str, str]], field: str) -> str:
    values = {record[field] for record in records}
    if len(values) != 1:
        raise ValueError(f"{field}: expected one value, found {sorted(values)}")
    return values.pop()


def example_rows(
    data_dir: Path = DATA_DIR, forms_dir: Path = FORMS_DIR
) -> dict[str, list[dict[str, Any]]]:
    """The example ledger's rows by sheet, built from the CSV files in ``data_dir`` and the filled
    Hässelby-Vällingby forms in ``forms_dir``."""
    decisions = _read_csv(data_dir / _DECISIONS_CSV)
    applications: list[dict[str, Any]] = [
        _ledger_row(APPLICATIONS, record, _CSV_ONLY_APPLICATION_COLUMNS)
        for record in _read_csv(data_dir / _APPLICATIONS_CSV)
    ]
    # Projects whose project year the decision states are multi-year projects: tie their years
    # together with a Projekt key (lumledger's bookkeeping, not a figure from the documents).
    for row in applications:
        if row.get("Typ") == PROJECT and row.get("Projektår") and not row.get("Projekt"):
            row["Projekt"] = f"{row['Förvaltning']}: {row['Namn']}"
    hv: dict[str, dict[str, str]] = {}
    for record in _read_csv(data_dir / _HV_CSV):
        hv.setdefault(record["Källa"], {})[record["Fält"]] = record["Värde"]
    application, report = hv[_HV_APPLICATION], hv[_HV_REPORT]

    # The Hässelby-Vällingby rows are exactly what `lumledger import` gives for the two forms
    # (the application of 2020 and the financial report of 2021, rebuilt as filled .docx by
    # workbooks/blanketter/build.py); tests/test_forms_import.py imports them into the template
    # and compares cell for cell.
    hv_rows = hv_form_rows(forms_dir)
    hv_application = hv_rows[APPLICATIONS][0]
    # The forms agree with the transcription in hv-2020-2022.csv.
    match = re.fullmatch(r"(\d) av (\d) \((\d{4})-(\d{4})\)", application["Projektår"])
    if match is None:
        raise ValueError(f"Projektår: unexpected form {application['Projektår']!r}")
    first_year, report_year = int(match.group(3)), int(report["År"])
    expected = {
        "År": first_year,
        "Förvaltning": application["Förvaltning"],
        "Namn": application["Namn"],
        "Projektår": int(match.group(1)),
        "Sökt belopp": int(application["Sökt belopp per år"]),
        "Sökt belopp totalt": int(application["Sökt belopp totalt"]),
        "Egen budget per år": int(application["Budget intäkter: Egen budget (per år)"]),
        "KST": application["KST"],
        "Betalkonto": application["Betalkonto"],
        "Undertecknad datum": date.fromisoformat(application["Undertecknad"]),
    }
    found = {name: hv_application.get(name) for name in expected}
    if found != expected:
        raise ValueError(f"the HV application form differs from {_HV_CSV}: {found} != {expected}")
    if hv_rows[REPORTS][0]["Summa kostnader"] != int(report["Kostnader: Summa (som angiven)"]):
        raise ValueError(f"the HV report form differs from {_HV_CSV}")
    applications += hv_rows[APPLICATIONS]
    reports: list[dict[str, Any]] = list(hv_rows[REPORTS])

    decision_year = int(_single(decisions, "År"))
    rounds: list[dict[str, Any]] = [
        {
            "År": decision_year,
            "Ansökan öppnar": date.fromisoformat(_single(decisions, "Ansökan öppnar")),
            "Ansökan stänger": date.fromisoformat(_single(decisions, "Ansökan stänger")),
            "Max beviljade per förvaltning": int(
                _single(decisions, "Max beviljade per förvaltning")
            ),
            # Beslutsdatum, frames and max amounts are not stated in the documents: blank.
            "Status": STATUS_DECIDED,
        },
        # The 2020 round's decision is not documented: status blank (= Öppen).
        {"År": first_year},
        # The 2021 grant is documented by the financial report.
        {"År": report_year, "Status": STATUS_DECIDED},
    ]

    return {
        ROUNDS: rounds,
        APPLICATIONS: applications,
        DECISIONS: [
            _ledger_row(DECISIONS, record, _CSV_ONLY_DECISION_COLUMNS) for record in decisions
        ],
        REPORTS: reports,
        BUDGET: hv_rows[BUDGET],
    }


def hv_form_rows(forms_dir: Path = FORMS_DIR) -> dict[str, list[dict[str, Any]]]:
    """The Hässelby-Vällingby rows as importing its two filled forms into an empty ledger gives
    them: ``2020-P01`` with its budget, ``2021-P01`` carried from it with the report's grant, and
    the 2021 report (:mod:`lumledger.forms`)."""
    from lumledger.forms.reading import read_form
    from lumledger.forms.rows import continuation_row, ledger_rows, project_key

    application = ledger_rows(read_form(forms_dir / HV_APPLICATION_FORM), "2020-P01")
    report = ledger_rows(read_form(forms_dir / HV_REPORT_FORM), "2021-P01")
    if not application or not report:
        raise ValueError("the HV forms could not be read")
    first = dict(application[APPLICATIONS][0])
    first["Projekt"] = project_key(first)
    later = continuation_row(
        first,
        id="2021-P01",
        year=2021,
        granted=report[REPORTS][0]["Beviljat belopp"],
        earlier_granted=first.get("Beviljat belopp"),
    )
    return {
        APPLICATIONS: [first, later],
        BUDGET: [dict(line) for line in application[BUDGET]],
        REPORTS: [dict(report[REPORTS][0])],
    }


# --- the two files ------------------------------------------------------------------------------


def _build(path: Path, ledger_rows: Mapping[str, Sequence[Mapping[str, Any]]] | None) -> Path:
    path = Path(path)
    # in_memory: zip members get fixed timestamps and permissions, no temporary files.
    workbook = Workbook(str(path), {"in_memory": True})
    set_fixed_properties(workbook)
    write_ledger_sheets(workbook, ledger_rows)
    workbook.close()
    return path


def build_template(path: Path | str = TEMPLATE_PATH) -> Path:
    """Write the empty ledger (only the administrations are filled in) to ``path``."""
    return _build(Path(path), None)


def build_example(path: Path | str = EXAMPLE_PATH, data_dir: Path = DATA_DIR) -> Path:
    """Write the real example ledger (2019 decision, Hässelby-Vällingby 2020-2021) to ``path``."""
    return _build(Path(path), example_rows(data_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build lum-mall.xlsx and lum-exempel.xlsx.")
    parser.add_argument(
        "-o", "--out-dir", type=Path, default=HERE, help="output folder (default: workbooks/)"
    )
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for built in (
        build_template(args.out_dir / TEMPLATE_PATH.name),
        build_example(args.out_dir / EXAMPLE_PATH.name),
    ):
        print(built)
    return 0


if __name__ == "__main__":
    sys.exit(main())
