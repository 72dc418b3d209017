"""``lumledger validate``: run every rule of the reading and validation stages over a ledger.

:func:`validate_ledger` runs the registry (:mod:`lumledger.rules.registry`) in one loop: the
reader's findings, the rules on single columns (:mod:`lumledger.rules.schemas`) and the rules
across rows and sheets (:mod:`lumledger.rules.cross_sheet`). Every rule runs; nothing raises. A
cell that failed parsing is reported once, by the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lumledger import progress
from lumledger.findings import Finding, sorted_findings, summarize
from lumledger.ledger import Ledger
from lumledger.rules.registry import READING, VALIDATION, Context, run
from lumledger.workbook.reader import CellSource, load_ledger, read_ledger


@dataclass(slots=True)
class Validation:
    """The findings of every reading and validation rule on one ledger."""

    ledger: Ledger
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """``lumledger validate --json``: the findings and their summary."""
        return {
            "findings": [f.to_dict() for f in self.findings],
            "summary": {
                "file": self.ledger.name,
                "valid": self.valid,
                **summarize(self.findings).to_dict(),
            },
        }


def validate_path(path: str | Path) -> Validation:
    """Read ``path`` read-only and run every rule. Raises ``LedgerReadError`` (exit 2)."""
    with progress.part(0.0, _READING_SHARE):
        ledger = read_ledger(path)
    with progress.part(_READING_SHARE, 1.0):
        return validate_ledger(ledger)


_READING_SHARE = 0.8  # of a validation's time, on a large ledger


def validate_source(source: CellSource) -> Validation:
    return validate_ledger(load_ledger(source))


def validate_ledger(ledger: Ledger) -> Validation:
    """Every rule of the reading and validation stages (:mod:`lumledger.rules.registry`)."""
    found = run(ledger, Context(), READING, VALIDATION)
    return Validation(ledger=ledger, findings=sorted_findings(_drop_cascades(ledger, found)))


def _drop_cascades(ledger: Ledger, items: list[Finding]) -> list[Finding]:
    """A cell the reader already reported (E003/E013) gets no second finding."""
    bad_cells: set[tuple[str, str]] = set()
    for item in items:
        if item.code in ("LUM-E003", "LUM-E013") and item.sheet and item.cell:
            bad_cells.add((item.sheet, item.cell))
    seen: set[tuple[str, str | None, str | None, int | None, str]] = set()
    out: list[Finding] = []
    for item in items:
        if (
            item.code not in ("LUM-E003", "LUM-E013", "LUM-W001", "LUM-W002")
            and item.sheet
            and item.cell
            and (item.sheet, item.cell) in bad_cells
        ):
            continue
        key = (item.code, item.sheet, item.cell, item.row, item.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out
