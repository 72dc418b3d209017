"""The ledger format as data: sheet and column names, value kinds and cell addresses.

Everything here follows ``docs/ledger-format.md`` (format 1); its rule codes are declared in
:mod:`lumledger.rules.registry`. Standard library only, so every other module, including the
command line's start-up path, can import it for free.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# --- sheets -------------------------------------------------------------------------------------

ROUNDS = "Omgångar"
ADMINISTRATIONS = "Förvaltningar"
APPLICATIONS = "Ansökningar"
DECISIONS = "Beslut"
PAYMENTS = "Utbetalningar"
REPORTS = "Redovisningar"
REPAYMENTS = "Återbetalningar"
# An application's budget as its form states it, one row per line (issue 15).
BUDGET = "Budget"

REQUIRED_SHEETS: tuple[str, ...] = (ROUNDS, ADMINISTRATIONS, APPLICATIONS)
OPTIONAL_SHEETS: tuple[str, ...] = (DECISIONS, PAYMENTS, REPORTS, REPAYMENTS, BUDGET)
INPUT_SHEETS: tuple[str, ...] = REQUIRED_SHEETS + OPTIONAL_SHEETS
# Sheets lumledger writes; never read as input.
OUTPUT_SHEETS: tuple[str, ...] = ("Fel", "Summering", "Avstämning")

# --- vocabulary -----------------------------------------------------------------------------------

PROJECT = "Projekt"
STUDY_VISIT = "Studiebesök"
APPLICATION_TYPES: tuple[str, ...] = (PROJECT, STUDY_VISIT)

STATUS_OPEN = "Öppen"
STATUS_ASSESSMENT = "Bedömning"
STATUS_DECIDED = "Beslutad"
STATUS_CLOSED = "Stängd"
ROUND_STATUSES: tuple[str, ...] = (STATUS_OPEN, STATUS_ASSESSMENT, STATUS_DECIDED, STATUS_CLOSED)

ADMINISTRATION_TYPES: tuple[str, ...] = ("Stadsdelsförvaltning", "Fackförvaltning")

DEFAULT_MAX_GRANTED_PER_ADMINISTRATION = 2
PROJECT_YEARS: tuple[int, ...] = (1, 2, 3)

YES = "Ja"
NO = "Nej"
YES_NO: tuple[str, ...] = (YES, NO)

# The two parts of an application's budget (Budget!Del).
BUDGET_COSTS = "Kostnader"
BUDGET_INCOME = "Intäkter"
BUDGET_PARTS: tuple[str, ...] = (BUDGET_COSTS, BUDGET_INCOME)


class Kind(Enum):
    """How a column's cells are parsed."""

    TEXT = "text"
    YEAR = "year"  # a whole number 1900..9999
    INTEGER = "integer"  # a whole count
    WHOLE_KR = "whole_kr"  # whole kronor
    KR = "kr"  # kronor with at most two decimals (öre)
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    # Allowed words for a TEXT column (checked as LUM-E010).
    choices: tuple[str, ...] = ()


# The report lines a budget line is reported in (Budget!Redovisningsrad): Redovisningar's columns.
REPORT_LINES_CHOICES: tuple[str, ...] = (
    "Beviljat belopp",
    "Egen insats",
    "Övriga intäkter",
    "Personalkostnader",
    "Administrativa kostnader",
    "Utbildningskostnader",
    "Övriga kostnader",
)


def _cols(*columns: Column) -> tuple[Column, ...]:
    return columns


COLUMNS: dict[str, tuple[Column, ...]] = {
    ROUNDS: _cols(
        Column("År", Kind.YEAR, required=True),
        Column("Ansökan öppnar", Kind.DATE),
        Column("Ansökan stänger", Kind.DATE),
        Column("Ram projekt", Kind.WHOLE_KR),
        Column("Ram studiebesök", Kind.WHOLE_KR),
        Column("Max beviljade per förvaltning", Kind.INTEGER),
        Column("Max belopp projekt", Kind.WHOLE_KR),
        Column("Max belopp studiebesök", Kind.WHOLE_KR),
        Column("Beslutsdatum", Kind.DATE),
        Column("Diarienummer", Kind.TEXT),
        Column("Status", Kind.TEXT, choices=ROUND_STATUSES),
        # Added by lumledger: why a year was closed with something still open
        # (`lumledger cycle close --force --reason SKÄL`), and what was open.
        Column("Stängningsanteckning", Kind.TEXT),
    ),
    ADMINISTRATIONS: _cols(
        Column("Namn", Kind.TEXT, required=True),
        Column("Fullständigt namn", Kind.TEXT),
        Column("Typ", Kind.TEXT, choices=ADMINISTRATION_TYPES),
        Column("KST", Kind.TEXT),
        Column("Giltig från", Kind.YEAR),
        Column("Giltig till", Kind.YEAR),
    ),
    APPLICATIONS: _cols(
        Column("Id", Kind.TEXT, required=True),
        Column("År", Kind.YEAR, required=True),
        Column("Typ", Kind.TEXT, required=True, choices=APPLICATION_TYPES),
        Column("Förvaltning", Kind.TEXT, required=True),
        Column("Medsökande", Kind.TEXT),
        Column("Namn", Kind.TEXT, required=True),
        Column("Syfte", Kind.TEXT),
        Column("Projekt", Kind.TEXT),
        Column("Projektår", Kind.INTEGER),
        Column("Tidigare beviljat", Kind.WHOLE_KR),
        Column("Sökt belopp", Kind.WHOLE_KR, required=True),
        Column("Utvärdering", Kind.TEXT),
        Column("Beviljat belopp", Kind.WHOLE_KR),
        Column("Beslut", Kind.TEXT),
        Column("Inkom", Kind.DATE),
        Column("KST", Kind.TEXT),
        Column("Betalkonto", Kind.TEXT),
        Column("Kontaktperson", Kind.TEXT),
        Column("E-post", Kind.TEXT),
        # Added by lumledger (format 1 allows extra columns): the granted amount as frozen by
        # `lumledger cycle decide`; a later change of `Beviljat belopp` is LUM-E018.
        Column("Beviljat vid beslut", Kind.WHOLE_KR),
        # Added for the application form (issue 15).
        Column("Projektperiod från", Kind.DATE),
        Column("Projektperiod till", Kind.DATE),
        Column("Sökt belopp totalt", Kind.WHOLE_KR),
        Column("Egen budget per år", Kind.WHOLE_KR),
        Column("Avdelning/enhet", Kind.TEXT),
        Column("Undertecknad av", Kind.TEXT),
        Column("Undertecknad datum", Kind.DATE),
    ),
    DECISIONS: _cols(
        Column("År", Kind.YEAR, required=True),
        Column("Typ", Kind.TEXT, required=True, choices=APPLICATION_TYPES),
        Column("Antal ansökningar", Kind.INTEGER),
        Column("Antal förvaltningar", Kind.INTEGER),
        Column("Summa sökt", Kind.WHOLE_KR),
        Column("Summa beviljat", Kind.WHOLE_KR),
    ),
    PAYMENTS: _cols(
        Column("Id", Kind.TEXT, required=True),
        Column("Datum", Kind.DATE, required=True),
        Column("Belopp", Kind.KR, required=True),
        Column("Verifikation", Kind.TEXT),
        Column("KST", Kind.TEXT),
    ),
    REPORTS: _cols(
        Column("Id", Kind.TEXT, required=True),
        Column("Inlämnad", Kind.DATE, required=True),
        Column("Beviljat belopp", Kind.KR),
        Column("Egen insats", Kind.KR),
        Column("Övriga intäkter", Kind.KR),
        Column("Summa intäkter", Kind.KR),
        Column("Personalkostnader", Kind.KR),
        Column("Administrativa kostnader", Kind.KR),
        Column("Utbildningskostnader", Kind.KR),
        Column("Övriga kostnader", Kind.KR),
        Column("Summa kostnader", Kind.KR),
        Column("Ej förbrukat", Kind.KR),
        # Added for the report form (issue 15).
        Column("Intygat genomfört", Kind.TEXT, choices=YES_NO),
        Column("Ej förbrukat kryssad", Kind.TEXT, choices=YES_NO),
        Column("Ansvarig chef", Kind.TEXT),
    ),
    REPAYMENTS: _cols(
        Column("Id", Kind.TEXT, required=True),
        Column("Datum", Kind.DATE, required=True),
        Column("Belopp", Kind.KR, required=True),
        Column("Verifikation", Kind.TEXT),
    ),
    BUDGET: _cols(
        Column("Id", Kind.TEXT, required=True),
        Column("Del", Kind.TEXT, required=True, choices=BUDGET_PARTS),
        Column("Post", Kind.TEXT, required=True),
        Column("Specifikation", Kind.TEXT),
        Column("Belopp", Kind.KR, required=True),
        Column("År", Kind.YEAR),
        Column("Redovisningsrad", Kind.TEXT, choices=(*REPORT_LINES_CHOICES,)),
    ),
}

# The columns the forms add (issue 15), by sheet; the whole Budget sheet is the forms' too.
FORM_COLUMNS: dict[str, tuple[str, ...]] = {
    APPLICATIONS: (
        "Projektperiod från",
        "Projektperiod till",
        "Sökt belopp totalt",
        "Egen budget per år",
        "Avdelning/enhet",
        "Undertecknad av",
        "Undertecknad datum",
    ),
    REPORTS: ("Intygat genomfört", "Ej förbrukat kryssad", "Ansvarig chef"),
}

# The columns of Omgångar holding a round's frame and its largest amount per application, by type.
FRAME_COLUMNS: dict[str, str] = {PROJECT: "Ram projekt", STUDY_VISIT: "Ram studiebesök"}
MAX_AMOUNT_COLUMNS: dict[str, str] = {
    PROJECT: "Max belopp projekt",
    STUDY_VISIT: "Max belopp studiebesök",
}

# Report lines: income and cost parts whose sums are checked against the stated sums.
REPORT_INCOME_LINES: tuple[str, ...] = ("Beviljat belopp", "Egen insats", "Övriga intäkter")
REPORT_COST_LINES: tuple[str, ...] = (
    "Personalkostnader",
    "Administrativa kostnader",
    "Utbildningskostnader",
    "Övriga kostnader",
)

# The Omgångar column in which `cycle close --force --reason` records why and what was open.
CLOSING_NOTE = "Stängningsanteckning"

# Columns holding personal data: never exported.
PERSONAL_DATA_COLUMNS: tuple[str, ...] = ("Kontaktperson", "E-post")

# Budget deviations (LUM-R012): a report line deviates from its budget line when the difference
# exceeds this share of the budget line and at least this many kronor.
BUDGET_TOLERANCE_SHARE_PERCENT = 10
BUDGET_TOLERANCE_MIN_KR = 5_000


# --- cell addresses -------------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """``"A"`` -> 1, ``"AA"`` -> 27 (case-insensitive)."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - 64)
    return number


def column_letters(number: int) -> str:
    """1 -> ``"A"``, 27 -> ``"AA"``."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column(sheet: str, name: str) -> Column:
    for col in COLUMNS[sheet]:
        if col.name == name:
            return col
    raise KeyError(f"{sheet}!{name}")
