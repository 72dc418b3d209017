"""The budget cycle's new round as tables: the projects expected to apply for their next project
year (:func:`lumledger.cycle.expected_continuations`), for the Excel sheet *Summering* after
**Ny omgång** (the command line prints the same list from the plan's summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lumledger.reports.tables import Column, ColumnKind, Paragraph, Report, Table, body


class Expected(Protocol):
    """What the table needs of an expected continuation (``cycle.ExpectedContinuation``)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def administration(self) -> str | None: ...
    @property
    def previous_id(self) -> str | None: ...
    @property
    def next_project_year(self) -> int | None: ...
    @property
    def granted_so_far(self) -> int: ...
    @property
    def undecided_ids(self) -> tuple[str, ...]: ...


EXPECTED_COLUMNS: tuple[Column, ...] = (
    Column("key", "Projekt"),
    Column("name", "Namn", long=True),
    Column("administration", "Förvaltning"),
    Column("previous_id", "Senaste ansökan"),
    Column("next_project_year", "Nästa projektår", ColumnKind.INTEGER),
    Column("granted_so_far", "Beviljat hittills", ColumnKind.KRONOR),
    Column("note", "Obs", long=True),
)


def expected_table(year: int, expected: Sequence[Expected]) -> Table:
    rows = tuple(
        body(
            item.key,
            item.name,
            item.administration,
            item.previous_id,
            item.next_project_year,
            item.granted_so_far,
            f"beviljat belopp saknas för {', '.join(item.undecided_ids)}"
            if item.undecided_ids
            else None,
        )
        for item in expected
    )
    return Table(
        name="Väntade ansökningar",
        title=f"Fleråriga projekt som väntas söka för nästa projektår {year}",
        columns=EXPECTED_COLUMNS,
        rows=rows,
        empty=f"Inga fleråriga projekt väntas söka för nästa projektår {year}.",
    )


def new_round_report(year: int, expected: Sequence[Expected]) -> Report:
    """What **Ny omgång** leaves on the sheet *Summering*."""
    return Report(
        title=f"Ny omgång {year}",
        preamble=(
            Paragraph(
                f"Omgången {year} är öppnad. Inga ansökningar har lagts in: fortsättning är inte "
                "automatisk. Registrera ansökningarna i Ansökningar när de kommer; valideringen "
                "kontrollerar projektår och tidigare beviljat mot liggaren."
            ),
        ),
        tables=(expected_table(year, expected),),
    )
