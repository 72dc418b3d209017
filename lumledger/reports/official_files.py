"""The official tables as files: ``fordelning-ÅÅÅÅ.xlsx``, ``.docx`` and ``bilaga1/2-ÅÅÅÅ.csv``.

:func:`export_year` builds the year's appendices (:func:`lumledger.official.official_tables`),
turns them into a report (:func:`lumledger.reports.official_tables.official_report`) and has the
writers render it: ``fordelning-ÅÅÅÅ.xlsx`` (:mod:`~lumledger.reports.xlsx_writer`),
``fordelning-ÅÅÅÅ.docx`` (:mod:`~lumledger.reports.docx_writer`) and ``bilaga1-ÅÅÅÅ.csv`` /
``bilaga2-ÅÅÅÅ.csv`` (:mod:`~lumledger.reports.csv_writer`). Every file goes through
:func:`lumledger.workbook.files.atomic_output`, so a failure leaves no half-written file.

A year some of whose applications lack a proposed or granted amount is refused
(:class:`~lumledger.official.IncompleteError`), unless a draft is asked for: then every page of
the xlsx and the docx is marked "UTKAST" (page header and footer, the title), and every file
name ends in ``-utkast`` (``fordelning-2020-utkast.xlsx``, ``bilaga1-2020-utkast.csv``) — the
csv files have no pages to mark and are read by programs that expect the header in the first
row, so their name is their mark; nor can a draft overwrite the final files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.official import (
    FORMATS,
    IncompleteError,
    NoApplicationsError,
    OfficialTables,
    official_tables,
)
from lumledger.reports.official_tables import bilaga1, bilaga2, official_report
from lumledger.workbook.files import atomic_output, check_output_dir

if TYPE_CHECKING:
    from lumledger.ledger import Ledger

# --- writing all formats ---------------------------------------------------------------------------


def export_year(
    ledger: Ledger,
    year: int,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    *,
    draft: bool = False,
    tables: OfficialTables | None = None,
) -> list[Path]:
    """Write the year's appendices into ``out_dir`` in ``formats``; return the paths written.

    ``out_dir`` is created when missing. All files are written to temporary names first and
    renamed only when every one is complete, so an error leaves none of them behind. Raises
    :class:`NoApplicationsError` for a year with no applications,
    :class:`~lumledger.official.IncompleteError` for one with applications lacking an amount
    (unless ``draft``), ``ValueError`` for an unknown format. ``tables``: the year's tables
    when the caller has built them already.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"okänt format: {', '.join(unknown)} (välj bland {', '.join(FORMATS)})")
    if tables is None:
        tables = official_tables(ledger, year)
    if tables.is_empty:
        raise NoApplicationsError(year)
    if not draft and not tables.is_complete:
        raise IncompleteError(year, tables.undecided)
    out_dir = check_output_dir(Path(out_dir))
    tail = "-utkast" if draft else ""
    targets: list[tuple[Path, Any]] = []
    if "xlsx" in formats:
        targets.append((out_dir / f"fordelning-{year}{tail}.xlsx", write_tables_xlsx))
    if "docx" in formats:
        targets.append((out_dir / f"fordelning-{year}{tail}.docx", write_tables_docx))
    if "csv" in formats:
        targets.append((out_dir / f"bilaga1-{year}{tail}.csv", write_bilaga1_csv))
        targets.append((out_dir / f"bilaga2-{year}{tail}.csv", write_bilaga2_csv))
    with contextlib.ExitStack() as stack:
        for target, writer in targets:
            temp = stack.enter_context(atomic_output(target))
            writer(tables, temp, draft=draft)
    return [target for target, _writer in targets]


# --- the writers, one per file -------------------------------------------------------------------


def write_tables_xlsx(tables: OfficialTables, path: Path, *, draft: bool = False) -> Path:
    """``fordelning-ÅÅÅÅ.xlsx``: sheets ``Bilaga 1`` and ``Bilaga 2``, printable on A4 landscape,
    the totals ``SUM`` formulas with their values cached."""
    from lumledger.reports.xlsx_writer import write_xlsx

    return write_xlsx(official_report(tables, draft=draft), path)


def write_tables_docx(tables: OfficialTables, path: Path, *, draft: bool = False) -> Path:
    """``fordelning-ÅÅÅÅ.docx``: the decision's summary, then Bilaga 1 and 2 on A4 landscape."""
    from lumledger.reports.docx_writer import write_docx

    return write_docx(official_report(tables, draft=draft), path)


def write_bilaga1_csv(tables: OfficialTables, path: Path, *, draft: bool = False) -> Path:
    """Bilaga 1 as ``;``-separated UTF-8 with BOM; text neutralised against formulas (OWASP)."""
    from lumledger.reports.csv_writer import write_csv

    return write_csv(bilaga1(tables), path)


def write_bilaga2_csv(tables: OfficialTables, path: Path, *, draft: bool = False) -> Path:
    """Bilaga 2 as ``;``-separated UTF-8 with BOM; text neutralised against formulas (OWASP)."""
    from lumledger.reports.csv_writer import write_csv

    return write_csv(bilaga2(tables), path)
