"""The Excel button "Läs in blanketter" (issue 15): filled-in forms into the live workbook.

The officer picks the forms in Excel's own file dialog (``Application.GetOpenFilename``, several
``.docx`` at once); the plan is the one ``lumledger import`` shows (:func:`lumledger.forms.importer.
plan_import`, on the live book as the other buttons read it), asked OK/Avbryt, and its cells are
written through Excel like the budget-cycle buttons' (not saved: the officer saves). A form with
problems or cells the ledger already holds otherwise is listed and not written; overwriting
(``--uppdatera``) stays on the command line. A file that is not a readable form gives one Swedish
sentence (:func:`lumledger.xl.buttons.guarded`) and nothing is written. The button is for the
desktop host only (the forms are files on the officer's computer), where Excel's OK/Avbryt box
answers; the hosts without a folder have the command line (docs/excel.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lumledger.findings import plural

UNDO_WARNING = "Ändringarna görs i den öppna arbetsboken; Ctrl+Z ångrar dem inte."
FILE_FILTER = "Word-blanketter (*.docx),*.docx"
DIALOG_TITLE = "Välj ifyllda LUM-blanketter"
MAX_LINES = 30


def pick_forms(book: Any) -> list[Path]:
    """The files the officer picks in Excel's file dialog (none when cancelled)."""
    picked = book.app.api.GetOpenFilename(FILE_FILTER, 1, DIALOG_TITLE, None, True)
    if not picked:  # False when cancelled
        return []
    if isinstance(picked, str):
        picked = (picked,)
    return [Path(str(path)) for path in picked]


def run_import(book: Any, paths: Sequence[Path]) -> Any:
    """Plan ``paths`` on the live book, ask, and write the accepted forms' cells."""
    from lumledger.forms.importer import ImportResult, plan_import
    from lumledger.xl import buttons as xl

    if not paths:
        return None
    ledger = xl.read_book(book)
    result = ImportResult(ledger=Path(book.fullname), forms=plan_import(ledger, paths))
    lines = [line for form in result.forms for line in form.lines() if not line.startswith("    ")]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"… och {len(lines) - MAX_LINES} rader till."]
    writes = result.writes
    if not writes:
        xl.alert(book, "\n".join([*lines, "", "Inget att skriva; inget ändrades."]))
        return result
    count = len(writes)
    question = "\n".join(
        [*lines, "", f"{plural(count, 'cell', 'celler')} skrivs.", UNDO_WARNING, "Fortsätta?"]
    )
    if book.app.alert(question, xl.TITLE, "ok_cancel", "info") != "ok":
        xl.alert(book, "Inget ändrades.")
        return result
    xl.apply_writes(book, [(write.sheet, write.cell, write.value) for write in writes])
    result.written = True
    xl.alert(
        book, f"Läs in blanketter: {plural(count, 'cell', 'celler')} skrevs. Spara arbetsboken."
    )
    return result


def import_forms(book: Any) -> Any:
    """The button's work: the file dialog, then :func:`run_import`."""
    return run_import(book, pick_forms(book))
