"""Write a few cells into the officer's own workbook without damaging anything else in it.

openpyxl cannot be used to save a workbook it has loaded: it silently drops shapes, form
controls, ActiveX, cached formula values, Excel 2010 extensions (x14 validations, sparklines) and
more. :func:`write_cells` therefore never re-serialises a workbook. It treats the ``.xlsx``/
``.xlsm`` file as a zip of XML parts and

* copies every part it does not need to change with the same content, byte for byte (same
  order, same compression method, same time stamps and attributes; ``vbaProject.bin`` and every
  other binary part included; only the deflate stream is re-encoded, as Excel itself does),
* edits only the worksheet parts that receive values, as text: each written ``<c>`` element (and
  a ``<row>`` where a new row is needed) is replaced or inserted at its place and everything else
  in the part is kept character for character (namespace prefixes, ``mc:Ignorable``,
  ``x14ac:dyDescent``, extensions); the ``<dimension>`` and a row's ``spans`` hint grow to cover
  new cells,
* touches other parts only when it must:

  - ``xl/workbook.xml``: ``fullCalcOnLoad="1"`` is set on ``<calcPr>`` when the workbook has
    formulas. Excel does not recalculate a workbook on opening it when the file says it was
    calculated by the same engine, so formulas that depend on a written cell (sums, look-ups,
    cross-sheet references) would keep showing their stale cached values. The flag makes Excel
    recalculate once; Excel clears it when it next saves. A workbook without formulas is left
    alone. (LibreOffice ignores the flag unless told to recalculate on load.)
  - ``xl/styles.xml``: only when a date is written into a cell whose style has no date format;
    a ``yyyy-mm-dd`` number format and a copy of the cell's style with that format are appended
    (existing entries are never changed or reordered).
  - ``xl/calcChain.xml``: only when a write replaces a formula. Excel reports a workbook whose
    calculation chain names a cell without a formula as corrupt; as Microsoft recommends, the
    chain is then removed, with its relationship (``xl/_rels/workbook.xml.rels``) and content
    type (``[Content_Types].xml``), and Excel rebuilds it.

Strings are written as inline strings (``sharedStrings.xml`` is never touched), numbers exactly
as given (``Decimal`` without binary rounding), dates as serial numbers (1900 or 1904 system)
with a date format. A new cell takes the style of the nearest cell above it in its column (below
the header row), else its row's or column's style, so an appended row looks like the rows above.
Writes that would break the workbook are refused: part of a multi-cell array formula or data
table, the master of a shared formula other cells use, the inside of a merged range, the header
of an Excel table; so are digitally signed workbooks and workbooks open in Excel or LibreOffice.

Before anything is written the workbook is copied to a time-stamped backup beside it. The new
workbook is built in a temporary file in the same folder, compared part by part with the
original (:func:`verify_only_cells_changed`), and only then moved over the original with
:func:`os.replace`, which is atomic. The comparison is repeated on the file in place; if it ever
finds a change other than the intended cells, the backup is put back and
:class:`~lumledger.findings.LedgerWriteError` is raised. Standard library (and defusedxml) only.

Limits: cached values of formulas that depend on a written cell stay stale until Excel
recalculates (readers that take cached values, such as lumledger's, see the old figures until
the workbook has been opened and saved in Excel); rows appended below an Excel table do not
extend the table; strict Open XML is handled like transitional (not tried in Excel).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lumledger.findings import LedgerWriteError
from lumledger.workbook.safewrite.cells import CellValue, CellWrite, excel_serial, parse_cell_ref
from lumledger.workbook.safewrite.loaded import LoadedPackage
from lumledger.workbook.safewrite.plan import check_not_signed, normalise_writes, plan_writes
from lumledger.workbook.safewrite.replace import (
    check_writable,
    lock_file_for,
    make_backup,
    read_original,
    restore,
    sync_directory,
    write_temp,
)
from lumledger.workbook.safewrite.styles import is_date_format
from lumledger.workbook.safewrite.verify import (
    check_written,
    compare,
    summary,
    verify_only_cells_changed,
)

__all__ = [
    "CellValue",
    "CellWrite",
    "WriteResult",
    "excel_serial",
    "is_date_format",
    "lock_file_for",
    "parse_cell_ref",
    "verify_only_cells_changed",
    "write_cells",
]


@dataclass(frozen=True)
class WriteResult:
    path: Path
    backup: Path
    changed_cells: tuple[str, ...]  # "Omgångar!K3", ...


def write_cells(
    path: str | Path, writes: Sequence[CellWrite], *, now: dt.datetime | None = None
) -> WriteResult:
    """Set ``writes`` in the workbook at ``path`` in place, after a backup; see the module doc.

    Raises :class:`LedgerWriteError` (one Swedish sentence) when the workbook cannot be written
    safely; the original is then unchanged. ``ValueError``/``TypeError`` mean a programming error
    (a malformed cell address, the same cell twice, an unsupported value type).
    """
    given = Path(path)
    targets = normalise_writes(writes)
    check_writable(given)
    # Write through a symbolic link to the real file instead of replacing the link.
    file = given.resolve() if given.is_symlink() else given
    if file != given:
        check_writable(file)
    original = read_original(file)
    package = LoadedPackage.load(original, file.name)
    check_not_signed(package)
    plan = plan_writes(package, targets)

    backup = make_backup(file, original, now or dt.datetime.now())
    temp: Path | None = None
    replaced = False
    try:
        temp = write_temp(file, package, plan.parts, plan.removed)
        after = LoadedPackage.load(temp.read_bytes(), file.name)
        problems = compare(package, after, plan.allowed)
        problems += check_written(after, plan)
        if problems:
            raise LedgerWriteError(
                "Skrivningen avbröts eftersom kontrollen hittade oväntade ändringar ("
                + summary(problems)
                + "); arbetsboken är oförändrad."
            )
        if read_original(file) != original:
            raise LedgerWriteError(
                f"Arbetsboken {file.name} ändrades av ett annat program medan den skrevs; "
                "ingenting har ändrats, försök igen."
            )
        shutil.copymode(file, temp)
        try:
            os.replace(temp, file)
        except OSError as exc:
            raise LedgerWriteError(
                f"Arbetsboken {file.name} kunde inte ersättas ({exc.strerror}), kanske för att "
                "den är öppen i ett annat program; ingenting har ändrats, stäng den och försök igen."
            ) from None
        replaced = True
        sync_directory(file.parent)
    except BaseException:
        if temp is not None and not replaced:
            temp.unlink(missing_ok=True)
        if not replaced:
            backup.unlink(missing_ok=True)
        raise

    problems = verify_only_cells_changed(backup, file, plan.allowed)
    if problems:
        try:
            restore(backup, file)
        except OSError as exc:
            raise LedgerWriteError(
                "Kontrollen efter skrivningen hittade oväntade ändringar ("
                + summary(problems)
                + f") och arbetsboken kunde inte återställas ({exc.strerror}); kopiera "
                f"säkerhetskopian {backup.name} över {file.name} för hand."
            ) from None
        raise LedgerWriteError(
            "Kontrollen efter skrivningen hittade oväntade ändringar ("
            + summary(problems)
            + f"); arbetsboken har återställts från säkerhetskopian {backup.name}."
        )
    return WriteResult(path=given, backup=backup, changed_cells=plan.changed_cells)
