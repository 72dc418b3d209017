"""The official fördelning tables (Bilaga 1 and 2) of one year, as the committee's decision prints them.

:func:`official_tables` builds, for one year, the two appendices exactly as the decision prints
them (``docs/ledger-format.md``, "The official tables"); :mod:`lumledger.reports.official_files`
writes them as xlsx, docx and csv. Personal data (``Kontaktperson``, ``E-post``) is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lumledger import ledger_format
from lumledger.money import format_kr

if TYPE_CHECKING:
    from lumledger.ledger import Ledger, Sheet

FORMATS: tuple[str, ...] = ("xlsx", "docx", "csv")

BILAGA1_SHEET = "Bilaga 1"
BILAGA2_SHEET = "Bilaga 2"
BILAGA1_COLUMNS: tuple[str, ...] = (
    "Stadsdelsförvaltning och Namn på projektet",
    "Syfte/mål",
    "Utvärdering",
    "Ansökt om (SKR)",
    "Beviljas (SKR)",
)
BILAGA1_TOTAL = "Summa beviljade medel"
BILAGA2_COLUMNS: tuple[str, ...] = (
    "Stadsdelsförvaltning",
    "Ort och syfte",
    "Beviljas summa",
    "Förslag till beslut",
)
BILAGA2_TOTAL = "Summa beviljade studiebesök"


#: The mark printed on every page of a draft (``lumledger export --utkast``).
DRAFT_MARK = "UTKAST"


class NoApplicationsError(LookupError):
    """The ledger has no applications for the year asked for (exit status 1)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.message = f"Liggaren har inga ansökningar för år {year}; inget har skrivits."
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Undecided:
    """An application of the year without a proposed or granted amount (``Beviljat belopp``)."""

    id: str
    text: str  # the row's heading as Bilaga 1 or 2 prints it
    location: str  # ``Ansökningar!M5``, or ``Ansökningar!5`` without the column

    @property
    def line(self) -> str:
        """``Ansökningar!M5  2020-P01  Bromma: Namn``."""
        return f"{self.location}  {self.id}  {self.text}"


class IncompleteError(LookupError):
    """Some applications of the year lack a proposed or granted amount: the appendices would not
    be the decision (exit status 1, nothing written; ``--utkast`` writes a draft)."""

    def __init__(self, year: int, undecided: Sequence[Undecided]) -> None:
        self.year = year
        self.undecided = tuple(undecided)
        count = len(self.undecided)
        self.message = (
            f"{_count(count, 'ansökan', 'ansökningar')} för {year} saknar föreslaget eller "
            "beviljat belopp (Beviljat belopp är tomt), så bilagorna blir inte fullständiga; inget har skrivits. Fyll i "
            "beloppen (0 för avslag), eller skriv ett utkast med --utkast."
        )
        super().__init__(self.message)

    def lines(self) -> list[str]:
        """One line per application (:attr:`Undecided.line`)."""
        return [item.line for item in self.undecided]


# --- the tables ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """One row of Bilaga 1."""

    id: str
    location: str  # the cell of its Beviljat belopp (``Ansökningar!M5``)
    heading: str  # "Förvaltning (Medsökande A och B): Namn"
    purpose: str  # Syfte/mål
    assessment: str  # Utvärdering
    applied: int
    granted: int | None  # None: not decided yet

    def cells(self) -> tuple[str, str, str, int, int | None]:
        return (self.heading, self.purpose, self.assessment, self.applied, self.granted)


@dataclass(frozen=True, slots=True)
class StudyVisitRow:
    """One row of Bilaga 2."""

    id: str
    location: str  # the cell of its Beviljat belopp (``Ansökningar!M5``)
    administration: str  # "Förvaltning (Medsökande A och B)"
    place_and_purpose: str  # "Namn. Syfte"
    granted: int | None
    decision: str  # Förslag till beslut (the Beslut text)
    applied: int  # not printed in Bilaga 2, but part of the summary's applied total

    def cells(self) -> tuple[str, str, int | None, str]:
        return (self.administration, self.place_and_purpose, self.granted, self.decision)


@dataclass(frozen=True, slots=True)
class OfficialTables:
    """Bilaga 1 and 2 for one year, with their totals: what every writer prints."""

    year: int
    projects: tuple[ProjectRow, ...]
    study_visits: tuple[StudyVisitRow, ...]
    registration_number: str | None = None  # Diarienummer of the round, if any

    @property
    def project_applied(self) -> int:
        return sum(row.applied for row in self.projects)

    @property
    def project_granted(self) -> int:
        return sum(row.granted or 0 for row in self.projects)

    @property
    def study_visit_applied(self) -> int:
        return sum(row.applied for row in self.study_visits)

    @property
    def study_visit_granted(self) -> int:
        return sum(row.granted or 0 for row in self.study_visits)

    @property
    def applied_total(self) -> int:
        return self.project_applied + self.study_visit_applied

    @property
    def granted_total(self) -> int:
        return self.project_granted + self.study_visit_granted

    @property
    def is_empty(self) -> bool:
        return not self.projects and not self.study_visits

    @property
    def undecided(self) -> tuple[Undecided, ...]:
        """The applications without a proposed or granted amount, in the appendices' order."""
        return tuple(
            Undecided(id=row.id, text=row.heading, location=row.location)
            for row in self.projects
            if row.granted is None
        ) + tuple(
            Undecided(
                id=row.id,
                text=f"{row.administration}: {row.place_and_purpose}",
                location=row.location,
            )
            for row in self.study_visits
            if row.granted is None
        )

    @property
    def is_complete(self) -> bool:
        """Every application has its proposed or granted amount: the appendices can be final."""
        return not self.undecided

    @property
    def bilaga1_title(self) -> str:
        return "Utvärdering och förslag lokala utvecklingsprojekt"

    @property
    def bilaga2_title(self) -> str:
        return f"Utvärdering och förslag studiebesök/studieresor {self.year}"

    @property
    def document_title(self) -> str:
        return (
            "Förslag till fördelning av medel till lokala utvecklingsprojekt och studiebesök "
            f"{self.year}"
        )

    def bilaga1_rows(self) -> list[tuple[str, str, str, int, int | None]]:
        return [row.cells() for row in self.projects]

    def bilaga1_total(self) -> tuple[str, str, str, int, int]:
        return (BILAGA1_TOTAL, "", "", self.project_applied, self.project_granted)

    def bilaga2_rows(self) -> list[tuple[str, str, int | None, str]]:
        return [row.cells() for row in self.study_visits]

    def bilaga2_total(self) -> tuple[str, str, int, str]:
        return (BILAGA2_TOTAL, "", self.study_visit_granted, "")

    def summary_paragraphs(self, *, sep: str = " ") -> tuple[str, list[str], str]:
        """The decision's opening: one paragraph, two bullets and the closing sentence.

        ``sep`` groups the digits (a no-break space keeps an amount on one line in Word)."""
        lead = (
            "I årets ansökningsomgång om lokala utvecklingsmedel inkom ansökningar för totalt "
            f"{format_kr(self.applied_total, sep=sep)} kronor ({_count(len(self.projects), 'utvecklingsprojekt', 'utvecklingsprojekt')} "
            f"och {_count(len(self.study_visits), 'studiebesök', 'studiebesök')}). I detta ärende föreslås "
            "fördelning av lokala utvecklingsmedel samt studiebesök för totalt "
            f"{format_kr(self.granted_total, sep=sep)} kronor. Förvaltningens förslag på fördelning av "
            "medel innebär att:"
        )
        bullets = [
            f"{format_kr(self.project_granted, sep=sep)} kronor avsätts till lokala utvecklingsprojekt",
            f"{format_kr(self.study_visit_granted, sep=sep)} kronor avsätts för studiebesök/studieresor",
        ]
        closing = (
            "Förvaltningen föreslår att medel till lokala utvecklingsprojekt och "
            "studieresor/studiebesök beviljas i enlighet med förslag i bilaga 1 och 2."
        )
        return lead, bullets, closing


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def join_names(names: Sequence[str]) -> str:
    """``["A"]`` -> ``"A"``, ``["A", "B"]`` -> ``"A och B"``, ``["A", "B", "C"]`` -> ``"A, B och C"``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} och {names[-1]}"


def applicant_text(administration: str, co_applicants: str) -> str:
    """``Kungsholmen`` + ``"Östermalm; Norrmalm"`` -> ``Kungsholmen (Medsökande Östermalm och Norrmalm)``."""
    names = [part.strip() for part in co_applicants.split(";") if part.strip()]
    if not names:
        return administration
    return f"{administration} (Medsökande {join_names(names)})"


def place_and_purpose(place: str, purpose: str) -> str:
    """``Malmö`` + ``Hur arbetar man …`` -> ``Malmö. Hur arbetar man …``."""
    if not purpose:
        return place
    if not place:
        return purpose
    separator = " " if place.endswith((".", "!", "?", ":")) else ". "
    return f"{place}{separator}{purpose}"


def official_tables(ledger: Ledger, year: int) -> OfficialTables:
    """Bilaga 1 (projects) and Bilaga 2 (study visits) of ``year``, in the ledger's row order.

    Reads the application records and their details, which never carry personal data.
    Administrations are named as ``Förvaltningar`` writes them. An undecided application (blank
    ``Beviljat belopp``) is listed with an empty grant. ``Förslag till beslut`` is the ``Beslut``
    text; when that is blank, the ``Utvärdering``.
    """
    projects: list[ProjectRow] = []
    visits: list[StudyVisitRow] = []
    sheet = ledger.sheet(ledger_format.APPLICATIONS)
    for app in ledger.applications_of(year):
        cell = sheet.cell("Beviljat belopp", app.row) if sheet is not None else None
        location = f"{ledger_format.APPLICATIONS}!{cell or app.row}"
        details = ledger.details(app)
        admin = ledger.canonical_name(app.administration or "")
        co = ";".join(
            ledger.canonical_name(part)
            for part in (details.co_applicants or "").split(";")
            if part.strip()
        )
        applicant = applicant_text(admin, co)
        name = app.name or ""
        purpose = details.purpose or ""
        applied = app.applied or 0
        if app.type == ledger_format.PROJECT:
            projects.append(
                ProjectRow(
                    id=app.id or "",
                    location=location,
                    heading=f"{applicant}: {name}" if name else applicant,
                    purpose=purpose,
                    assessment=details.assessment or "",
                    applied=applied,
                    granted=app.granted,
                )
            )
        elif app.type == ledger_format.STUDY_VISIT:
            visits.append(
                StudyVisitRow(
                    id=app.id or "",
                    location=location,
                    administration=applicant,
                    place_and_purpose=place_and_purpose(name, purpose),
                    granted=app.granted,
                    decision=details.decision or details.assessment or "",
                    applied=applied,
                )
            )
    round_ = ledger.round_of(year)
    return OfficialTables(
        year=year,
        projects=tuple(projects),
        study_visits=tuple(visits),
        registration_number=round_.diary_number if round_ is not None else None,
    )


# --- the figures the decision states --------------------------------------------------------------

_TYPE_WORDS = {
    ledger_format.PROJECT: ("utvecklingsprojekt", "utvecklingsprojekt"),
    ledger_format.STUDY_VISIT: ("studiebesök", "studiebesök"),
}


def stated_differences(ledger: Ledger, tables: OfficialTables) -> list[str]:
    """Where the ``Beslut`` sheet states other figures for the year than the appendices' summary
    prints (which are the ledger's: counts, applied and granted per type), one Swedish sentence
    each; empty when they agree or ``Beslut`` states nothing for the year.

    The summary always states the ledger's figures; these sentences say where the decision's own
    text, as recorded in ``Beslut``, differs (2019: 23 project applications stated, 21 rows)."""
    counted = {
        ledger_format.PROJECT: (
            len(tables.projects),
            tables.project_applied,
            tables.project_granted,
        ),
        ledger_format.STUDY_VISIT: (
            len(tables.study_visits),
            tables.study_visit_applied,
            tables.study_visit_granted,
        ),
    }
    sheet = ledger.sheet(ledger_format.DECISIONS)
    sentences: list[str] = []
    for kind, (count, applied, granted) in counted.items():
        stated = ledger.decision_of(tables.year, kind)
        if stated is None:
            continue
        one, many = _TYPE_WORDS[kind]
        if stated.applications is not None and stated.applications != count:
            sentences.append(
                f"{_cell(sheet, 'Antal ansökningar', stated.row)} anger {stated.applications} ansökningar om "
                f"{many} {tables.year}, liggaren har {count}; sammanfattningen anger "
                f"liggarens {_count(count, one, many)}."
            )
        for column, label, stated_value, value in (
            ("Summa sökt", "sökt", stated.applied, applied),
            ("Summa beviljat", "beviljat", stated.granted, granted),
        ):
            if stated_value is not None and stated_value != value:
                sentences.append(
                    f"{_cell(sheet, column, stated.row)} anger {label} {format_kr(stated_value)} kr för {many} "
                    f"{tables.year}, liggaren har {format_kr(value)} kr; sammanfattningen anger "
                    "liggarens belopp."
                )
    return sentences


def _cell(sheet: Sheet | None, column: str, row: int) -> str:
    """``Beslut!C2``, or ``Beslut!2`` when the column is not in the sheet."""
    cell = sheet.cell(column, row) if sheet is not None else None
    return f"{ledger_format.DECISIONS}!{cell or row}"
