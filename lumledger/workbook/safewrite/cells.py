"""Cells to write: addresses and ranges, the values allowed, and a value as the XML of a cell."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from lumledger.findings import LedgerWriteError
from lumledger.ledger_format import column_letters, column_number
from lumledger.workbook.safewrite.xmltext import XmlDoc, escape_text

CellValue = str | int | Decimal | dt.date | None

MAX_TEXT_LENGTH = 32_767
MAX_DIGITS = 15  # Excel keeps 15 significant digits
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384


@dataclass(frozen=True)
class CellWrite:
    """One cell to set. ``value=None`` clears the cell's value (and formula), keeping its style."""

    sheet: str  # sheet name as shown in Excel, e.g. "Omgångar" (compared case-insensitively)
    cell: str  # "M5"
    value: CellValue


@dataclass(frozen=True)
class Target:
    sheet: str
    row: int
    col: int
    value: CellValue

    @property
    def ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"


_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """``"M5"`` -> ``(5, 13)`` (row, column), both 1-based."""
    match = _CELL_REF_RE.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell address: {ref!r}")
    col = column_number(match[1])
    row = int(match[2])
    if col > MAX_COLUMN or row > MAX_ROW:
        raise ValueError(f"cell address outside the sheet: {ref!r}")
    return row, col


@dataclass(frozen=True, slots=True)
class CellRange:
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @classmethod
    def parse(cls, ref: str) -> CellRange | None:
        try:
            if ":" in ref:
                first, last = ref.split(":", 1)
                (r1, c1), (r2, c2) = parse_cell_ref(first), parse_cell_ref(last)
            else:
                r1, c1 = r2, c2 = parse_cell_ref(ref)
        except ValueError:
            return None
        return cls(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def contains(self, row: int, col: int) -> bool:
        return self.first_row <= row <= self.last_row and self.first_col <= col <= self.last_col

    @property
    def single(self) -> bool:
        return self.first_row == self.last_row and self.first_col == self.last_col

    def union(self, row: int, col: int) -> CellRange:
        return CellRange(
            min(self.first_row, row),
            min(self.first_col, col),
            max(self.last_row, row),
            max(self.last_col, col),
        )

    def __str__(self) -> str:
        first = f"{column_letters(self.first_col)}{self.first_row}"
        if self.single:
            return first
        return f"{first}:{column_letters(self.last_col)}{self.last_row}"


def _excel_number(value: int | Decimal, where: str) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise LedgerWriteError(f"Värdet till {where} är inget tal ({value}).")
        if value == value.to_integral_value():
            value = int(value)
        else:
            digits = len(value.normalize().as_tuple().digits)
            if digits > MAX_DIGITS:
                raise LedgerWriteError(
                    f"Talet {value} till {where} har fler än {MAX_DIGITS} siffror och kan inte "
                    "lagras exakt i Excel."
                )
            return format(value.normalize(), "f")
    if abs(value) >= 10**MAX_DIGITS:
        raise LedgerWriteError(
            f"Talet {value} till {where} har fler än {MAX_DIGITS} siffror och kan inte lagras "
            "exakt i Excel."
        )
    return str(value)


def excel_serial(value: dt.date, *, date1904: bool = False) -> str:
    """A date (or date and time) as Excel's serial number text, e.g. ``2019-01-01`` -> ``43466``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        if day < dt.date(1904, 1, 1):
            raise ValueError("before 1904-01-01")
        days = (day - dt.date(1904, 1, 1)).days
    else:
        if day < dt.date(1900, 1, 1):
            raise ValueError("before 1900-01-01")
        # Excel counts the non-existent 1900-02-29, so serials from 1900-03-01 on are off by one.
        epoch = dt.date(1899, 12, 30) if day >= dt.date(1900, 3, 1) else dt.date(1899, 12, 31)
        days = (day - epoch).days
    if not isinstance(value, dt.datetime):
        return str(days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    if not seconds and not value.microsecond:
        return str(days)
    fraction = (Decimal(seconds) + Decimal(value.microsecond) / 1_000_000) / 86_400
    return format((days + fraction).quantize(Decimal("1E-10")).normalize(), "f")


_ESCAPED_CHAR_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _ooxml_text(value: str) -> str:
    """Text for ``<t>``: characters XML cannot hold become Excel's ``_xHHHH_`` escapes."""
    value = _ESCAPED_CHAR_RE.sub(r"_x005F_\1", value)
    chars: list[str] = []
    for char in value:
        code = ord(char)
        if (
            (code < 0x20 and char not in "\t\n")
            or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF)
        ):
            chars.append(f"_x{code:04X}_")
        else:
            chars.append(char)
    return escape_text("".join(chars))


def cell_content(
    doc: XmlDoc, value: CellValue, where: str, date1904: bool
) -> tuple[str | None, str]:
    """``(t attribute or None, inner XML)`` for a value."""
    if value is None:
        return None, ""
    v, t = doc.q("v"), doc.q("t")
    if isinstance(value, bool):
        return "b", f"<{v}>{int(value)}</{v}>"
    if isinstance(value, int | Decimal):
        return None, f"<{v}>{_excel_number(value, where)}</{v}>"
    if isinstance(value, dt.date):
        try:
            serial = excel_serial(value, date1904=date1904)
        except ValueError:
            first = "1904-01-01" if date1904 else "1900-01-01"
            raise LedgerWriteError(
                f"Datumet {value} till {where} kan inte lagras i Excel (tidigaste datum är {first})."
            ) from None
        return None, f"<{v}>{serial}</{v}>"
    if len(value) > MAX_TEXT_LENGTH:
        raise LedgerWriteError(
            f"Texten till {where} är längre än {MAX_TEXT_LENGTH} tecken, som är Excels gräns."
        )
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return "inlineStr", f"<{doc.q('is')}><{t}{space}>{_ooxml_text(value)}</{t}></{doc.q('is')}>"
