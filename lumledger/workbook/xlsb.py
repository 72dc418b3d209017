"""The binary workbook (``.xlsb``, MS-XLSB): the few records lumledger needs before python-calamine
reads the file.

* :func:`bundled_sheets`: the sheets of ``xl/workbook.bin`` (``BrtBundleSh``), as the workbook.xml
  ``<sheet>`` elements are read for ``.xlsx``;
* :func:`scan_sheet`: one walk over a ``.bin`` worksheet the way calamine's ``XlsbCellsReader``
  places cells — the used area (calamine allocates it densely, as for ``.xlsx``), the cells
  holding an Excel error (calamine shows them empty), the highest shared-string index (calamine
  panics beyond the table), hidden rows, merged ranges and the AutoFilter;
* :func:`count_shared_strings` and :func:`without_sheets` (a workbook.bin without some sheets).

Standard library only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from lumledger.workbook.habits import SheetHabits

BRT_ROW_HDR = 0x00
BRT_CELL_ERROR = 0x03
BRT_CELL_ISST = 0x07
BRT_FMLA_ERROR = 0x0B
BRT_SST_ITEM = 0x13
BRT_END_SHEET_DATA = 0x92
BRT_BUNDLE_SH = 0x9C
BRT_BEGIN_AFILTER = 0xA1
BRT_BEGIN_FILTER_COLUMN = 0xA3
BRT_MERGE_CELL = 0xB0
ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}
LAST_ROW = 0x0010_0000  # calamine stops reading a sheet at a row header beyond this


def records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """``(type, payload start, payload end)`` of each record; stops at a truncated record."""
    end = len(data)
    at = 0
    while at < end:
        b = data[at]
        at += 1
        typ = b & 0x7F
        if b & 0x80:
            if at >= end:
                return
            typ |= (data[at] & 0x7F) << 7
            at += 1
        size = 0
        for shift in (0, 7, 14, 21):
            if at >= end:
                return
            b = data[at]
            at += 1
            size |= (b & 0x7F) << shift
            if not b & 0x80:
                break
        if at + size > end:
            return
        yield typ, at, at + size
        at += size


def _wide_string(data: bytes, at: int) -> tuple[str | None, int]:
    (count,) = struct.unpack_from("<I", data, at)
    at += 4
    if count == 0xFFFFFFFF:
        return None, at
    if count > 32767 * 4 or at + 2 * count > len(data):
        raise ValueError("string beyond its record")
    return data[at : at + 2 * count].decode("utf-16-le"), at + 2 * count


def bundled_sheets(data: bytes) -> list[tuple[str, str, str]]:
    """``(name, relationship id, state)`` of each ``BrtBundleSh`` (hsState u32, iTabID u32,
    strRelID, strName). Raises ``ValueError``/``struct.error`` on a malformed record."""
    found = []
    for typ, start, end in records(data):
        if typ != BRT_BUNDLE_SH:
            continue
        record = data[start:end]
        state, _tab = struct.unpack_from("<II", record, 0)
        rel_id, at = _wide_string(record, 8)
        name, _ = _wide_string(record, at)
        found.append((name or "", rel_id or "", _STATES.get(state, "visible")))
    return found


def count_shared_strings(data: bytes) -> int:
    """The ``BrtSSTItem`` records of ``xl/sharedStrings.bin``."""
    return sum(1 for typ, _, _ in records(data) if typ == BRT_SST_ITEM)


def without_sheets(data: bytes, rel_ids: frozenset[str]) -> bytes:
    """``workbook.bin`` without the ``BrtBundleSh`` records of ``rel_ids``."""
    out = bytearray()
    at = 0
    for typ, start, end in records(data):
        header_start, at = at, end
        if typ == BRT_BUNDLE_SH and _wide_string(data[start:end], 8)[0] in rel_ids:
            continue
        out += data[header_start:end]
    out += data[at:]
    return bytes(out)


@dataclass(slots=True)
class SheetScan:
    """What one binary sheet part holds, read the way calamine reads it."""

    area: tuple[int, int, int, int] | None = None  # 1-based (top, left, bottom, right)
    values: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # 1-based (row, col)
    max_isst: int = -1  # highest shared-string index
    habits: SheetHabits = field(default_factory=SheetHabits)


def scan_sheet(data: bytes) -> SheetScan:
    """Walk a ``.bin`` worksheet's records once, as calamine's ``XlsbCellsReader`` does: the row
    from ``BrtRowHdr`` (a row beyond ``LAST_ROW`` ends the sheet), the column as the record's
    first u32, a cell for records 0x02..0x0A; error cells (0x03: calamine empty; 0x0B: skipped)
    kept apart. Varints inlined: one to two times calamine's own time for the same sheet."""
    scan = SheetScan()
    habits = scan.habits
    row = 0
    top = left = 1 << 40
    bottom = right = -1
    in_data = True
    from_bytes = int.from_bytes
    n = len(data)
    at = 0
    values = 0
    while at < n:
        typ = data[at]
        at += 1
        if typ & 0x80:
            if at >= n:
                break
            typ = (typ & 0x7F) | ((data[at] & 0x7F) << 7)
            at += 1
        if at >= n:
            break
        size = data[at]
        at += 1
        if size & 0x80:
            size &= 0x7F
            for shift in (7, 14, 21):
                if at >= n:
                    size = n  # truncated: ends the walk below
                    break
                b = data[at]
                at += 1
                size |= (b & 0x7F) << shift
                if not b & 0x80:
                    break
        start = at
        at += size
        if at > n:
            break
        if typ <= BRT_FMLA_ERROR:
            if typ == BRT_ROW_HDR:
                if size >= 12:
                    row = from_bytes(data[start : start + 4], "little")
                    if row > LAST_ROW:
                        in_data = False
                    elif data[start + 11] & 0x10:  # fDyZero: the row is hidden
                        habits.hidden_rows.append(row + 1)
                continue
            if typ == 0x01 or not in_data or size < 8:
                continue
            col = from_bytes(data[start : start + 4], "little")
            if typ == BRT_CELL_ISST and size >= 12:
                isst = from_bytes(data[start + 8 : start + 12], "little")
                if isst > scan.max_isst:
                    scan.max_isst = isst
            if typ in (BRT_CELL_ERROR, BRT_FMLA_ERROR) and size > 8:
                scan.errors[(row + 1, col + 1)] = ERRORS.get(data[start + 8], "#FEL")
                if typ == BRT_FMLA_ERROR:
                    continue
            values += 1
            if row < top:
                top = row
            if row > bottom:
                bottom = row
            if col < left:
                left = col
            if col > right:
                right = col
        elif typ == BRT_END_SHEET_DATA:
            in_data = False
        elif typ == BRT_MERGE_CELL and size >= 16:
            r1, r2, c1, c2 = struct.unpack_from("<IIII", data, start)
            habits.merged.append((r1 + 1, c1 + 1, r2 + 1, c2 + 1))
        elif typ == BRT_BEGIN_AFILTER and size >= 16:
            r1, r2, c1, c2 = struct.unpack_from("<IIII", data, start)
            habits.auto_filter = (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
        elif typ == BRT_BEGIN_FILTER_COLUMN:
            habits.filter_active = True
    scan.values = values
    if bottom >= 0:
        scan.area = (top + 1, left + 1, bottom + 1, right + 1)
    return scan
