"""Findings: what every check returns instead of raising, and how they are ordered and printed.

A :class:`Finding` is a value (like beancount's ``ValidationError``): the rule code, its severity,
where it is (sheet, cell, row), a Swedish one-line message, and the expected and found figures.
:class:`LedgerReadError` is the one exception the library raises: the file cannot be read at
all (exit status 2), with one Swedish sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lumledger.ledger_format import INPUT_SHEETS, column_number
from lumledger.rules.registry import RULES, WARNING
from lumledger.swedish import plural as plural  # its home is lumledger.swedish; re-exported

Figure = int | str | None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    row: int | None
    message: str
    expected: Figure = None
    found: Figure = None
    # The application Id the finding is about, where there is one (reconciliation names it).
    id: str | None = None

    @property
    def location(self) -> str:
        """``Ansökningar!M5``, ``Ansökningar!rad 5``, ``Beslut`` or ``""``."""
        if self.sheet is None:
            return ""
        if self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.row is not None:
            return f"{self.sheet}!rad {self.row}"
        return self.sheet

    @property
    def is_error(self) -> bool:
        return self.severity != WARNING

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }
        if self.id is not None:
            data["id"] = self.id
        return data


def finding(
    code: str,
    sheet: str | None,
    cell: str | None,
    row: int | None,
    message: str,
    *,
    expected: Any = None,
    found: Any = None,
    id: str | None = None,
) -> Finding:
    """Build a finding whose severity comes from the rule registry."""
    return Finding(
        code=code,
        severity=RULES[code].finding_severity,
        sheet=sheet,
        cell=cell,
        row=row,
        message=message,
        expected=_figure(expected),
        found=_figure(found),
        id=id,
    )


def _figure(value: Any) -> Figure:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        if value == value.quantize(Decimal("0.01")):
            return str(value.quantize(Decimal("0.01")))  # öre: "299999.50"
        return str(value)
    return str(value)


def closest(word: str, candidates: Iterable[str], cutoff: float) -> str | None:
    """The candidate most like ``word`` (difflib), for a "menade du …?" hint; ``None`` when none
    is alike enough."""
    found = _closest(word, tuple(candidates), cutoff)
    return found[0] if found else None


@functools.lru_cache(maxsize=4096)
def _closest(word: str, candidates: tuple[str, ...], cutoff: float) -> tuple[str, ...]:
    # Remembered (bounded): a large ledger repeats the same misspelling on thousands of rows.
    import difflib

    return tuple(difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff))


_CELL_RE = re.compile(r"^([A-Z]+)(\d+)$")


def sort_key(item: Finding) -> tuple[int, str, int, int, str]:
    """Sheets in the format's order, then row, then column, then code."""
    sheet_rank = INPUT_SHEETS.index(item.sheet) if item.sheet in INPUT_SHEETS else len(INPUT_SHEETS)
    row = item.row if item.row is not None else 0
    col = 0
    if item.cell:
        match = _CELL_RE.match(item.cell)
        if match:
            col = column_number(match[1])
    return (sheet_rank, item.sheet or "", row, col, item.code)


def sorted_findings(items: Iterable[Finding]) -> list[Finding]:
    return sorted(items, key=sort_key)


@dataclass(slots=True)
class Summary:
    errors: int = 0
    warnings: int = 0
    by_code: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"errors": self.errors, "warnings": self.warnings, "by_code": dict(self.by_code)}


def summarize(items: Iterable[Finding]) -> Summary:
    summary = Summary()
    for item in items:
        if item.is_error:
            summary.errors += 1
        else:
            summary.warnings += 1
        summary.by_code[item.code] = summary.by_code.get(item.code, 0) + 1
    summary.by_code = dict(sorted(summary.by_code.items()))
    return summary


class LedgerReadError(Exception):
    """The workbook cannot be read (exit status 2). ``message`` is one Swedish sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LedgerWriteError(Exception):
    """An output or a write into the ledger could not be made (exit status 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
