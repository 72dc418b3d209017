"""The official appendices (:class:`~lumledger.official.OfficialTables`) as a report: the
decision's summary as the preamble, then Bilaga 1 and Bilaga 2 with their totals rows, as the
committee's decision prints them.

The report is ``editable`` (the officer may adjust a row before the decision; a spreadsheet's
totals follow) and carries the round's diary number as its reference.
"""

from __future__ import annotations

from lumledger.official import (
    BILAGA1_COLUMNS,
    BILAGA1_SHEET,
    BILAGA2_COLUMNS,
    BILAGA2_SHEET,
    DRAFT_MARK,
    OfficialTables,
)
from lumledger.reports.layout import NBSP
from lumledger.reports.tables import (
    BLANK,
    Column,
    ColumnKind,
    Paragraph,
    ParagraphKind,
    Report,
    Table,
    body,
    total,
)

HEADING, PURPOSE, ASSESSMENT, APPLIED, GRANTED = BILAGA1_COLUMNS
ADMINISTRATION, PLACE_AND_PURPOSE, GRANTED_SUM, DECISION = BILAGA2_COLUMNS

BILAGA1: tuple[Column, ...] = (
    Column("heading", HEADING, long=True),
    Column("purpose", PURPOSE, long=True),
    Column("assessment", ASSESSMENT, long=True),
    Column("applied", APPLIED, ColumnKind.KRONOR),
    Column("granted", GRANTED, ColumnKind.KRONOR),
)
BILAGA2: tuple[Column, ...] = (
    Column("administration", ADMINISTRATION, long=True),
    Column("place_and_purpose", PLACE_AND_PURPOSE, long=True),
    Column("granted", GRANTED_SUM, ColumnKind.KRONOR, unit_on_totals=True),
    Column("decision", DECISION, long=True),
)


def bilaga1(tables: OfficialTables) -> Table:
    label, _b, _c, applied, granted = tables.bilaga1_total()
    return Table(
        name=BILAGA1_SHEET,
        title=tables.bilaga1_title,
        columns=BILAGA1,
        rows=(
            *(body(*cells) for cells in tables.bilaga1_rows()),
            total(label, BLANK, BLANK, applied, granted),
        ),
    )


def bilaga2(tables: OfficialTables) -> Table:
    label, _b, granted, _d = tables.bilaga2_total()
    return Table(
        name=BILAGA2_SHEET,
        title=tables.bilaga2_title,
        columns=BILAGA2,
        rows=(
            *(body(*cells) for cells in tables.bilaga2_rows()),
            total(label, BLANK, granted, BLANK),
        ),
    )


def official_report(tables: OfficialTables, *, draft: bool = False) -> Report:
    """``fordelning-ÅÅÅÅ``: the summary (amounts with no-break spaces, so that none breaks over
    two lines), the list of appendices, Bilaga 1 and Bilaga 2; a ``draft`` is marked "UTKAST"
    on every page."""
    lead, bullets, closing = tables.summary_paragraphs(sep=NBSP)
    preamble = (
        Paragraph("Sammanfattning", ParagraphKind.HEADING, level=1),
        Paragraph(lead),
        *(Paragraph(text, ParagraphKind.BULLET) for text in bullets),
        Paragraph(closing),
        Paragraph("Bilagor", ParagraphKind.HEADING, level=2),
        Paragraph(f"1. {tables.bilaga1_title}"),
        Paragraph(f"2. {tables.bilaga2_title}"),
    )
    number = tables.registration_number
    return Report(
        title=tables.document_title,
        preamble=preamble,
        tables=(bilaga1(tables), bilaga2(tables)),
        reference=f"Dnr {number}" if number else None,
        editable=True,
        mark=DRAFT_MARK if draft else None,
    )
