"""Small, exact reads of a worksheet's XML: the first row, and a few cells by address.

Both are for the rare cells and facts a typed fastexcel read cannot show: which row a sheet's
used area starts on and what its header cells hold, and — for a cell whose type the read hides
(a text ``"394000"`` in a number column when such a text exists somewhere in the workbook) —
the cell's own XML. The lookup streams the part once for all the cells asked, in row order.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lumledger.ledger_format import column_letters, column_number
from lumledger.workbook.scan_notes import si_text, unescape_text

CHUNK = 1 << 22

_ROW_RE = re.compile(rb"<row\b([^>]*?)(/>|>(.*?)</row>)", re.S)
_R_ATTR_RE = re.compile(rb'\br="([A-Z]*)(\d+)"')
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_T_ATTR_RE = re.compile(rb'\bt="([^"]*)"')
_S_ATTR_RE = re.compile(rb'\bs="(\d{1,9})"')
_V_RE = re.compile(rb"<v>([^<]*)</v>")
_IS_RE = re.compile(rb"<is>(.*?)</is>", re.S)


@dataclass(frozen=True, slots=True)
class RawCell:
    """One cell's XML, as read: its ``t`` attribute, ``<v>`` text and inline string."""

    row: int
    col: int  # 1-based
    t: str  # "" when absent
    v: str | None
    inline: str | None
    s: int  # style index, 0 when absent

    @property
    def has_value(self) -> bool:
        """calamine keeps the cell (an empty ``<v></v>`` number is no value)."""
        if self.inline is not None:
            return True
        return self.v is not None and (self.v != "" or self.t in ("str", "inlineStr"))


def _parse_cell(attrs: bytes, body: bytes | None) -> tuple[str, str | None, str | None, int]:
    t = _T_ATTR_RE.search(attrs)
    s = _S_ATTR_RE.search(attrs)
    v = _V_RE.search(body) if body else None
    inline = _IS_RE.search(body) if body else None
    return (
        t.group(1).decode() if t else "",
        unescape_text(v.group(1)) if v else None,
        si_text(inline.group(1)) if inline else None,
        int(s.group(1)) if s else 0,
    )


def _stream(path: str, part: str, size: int = CHUNK) -> Iterator[bytes]:
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while chunk := stream.read(size):
            yield chunk


_DIMENSION_RE = re.compile(rb'<dimension\s+ref="[A-Z]*\d*:?([A-Z]{1,3})\d+"')


def dimension_width(head: bytes) -> int | None:
    """The last column of ``<dimension ref="A1:S1048576">`` (19), if the part starts with one."""
    m = _DIMENSION_RE.search(head[:4096])
    return column_number(m.group(1).decode()) if m else None


def first_row(
    path: str, part: str, limit: int = 1 << 24
) -> tuple[int, list[RawCell], int | None] | None:
    """The first row that holds a value (row number, its cells), or None when the XML is not
    the plain form (cells and rows with ``r`` addresses) or no row is found within ``limit``."""
    data = b""
    for chunk in _stream(path, part, 1 << 16):
        data += chunk
        start = data.find(b"<sheetData")
        if start < 0:
            if len(data) > limit:
                return None
            continue
        for row in _ROW_RE.finditer(data, start):
            if row.group(3) is None:  # <row .../>: empty
                continue
            r = _R_ATTR_RE.search(row.group(1))
            if r is None:
                return None
            cells = []
            for cell in _CELL_RE.finditer(row.group(3)):
                ref = _R_ATTR_RE.search(cell.group(1))
                if ref is None or not ref.group(1):
                    return None
                t, v, inline, s = _parse_cell(cell.group(1), cell.group(2))
                cells.append(
                    RawCell(
                        int(ref.group(2)), column_number(ref.group(1).decode()), t, v, inline, s
                    )
                )
            if any(c.has_value for c in cells):
                return int(r.group(2)), cells, dimension_width(data)
        if b"</sheetData>" in data or len(data) > limit:
            return None
    return None


class LookupMiss(Exception):
    """A cell asked for was not found in order (the caller falls back to the old path)."""


def lookup_cells(
    path: str, part: str, cells: list[tuple[int, int]]
) -> dict[tuple[int, int], RawCell]:
    """The XML of each ``(row, col)`` (1-based) in ``cells``, in one pass over the part.

    Excel writes rows in order and cells in column order within a row, each with its address;
    a cell not found in that order raises :class:`LookupMiss`.
    """
    wanted = sorted(set(cells))
    found: dict[tuple[int, int], RawCell] = {}
    if not wanted:
        return found
    stream = _stream(path, part)
    buffer = b""
    pos = 0
    for row, col in wanted:
        needle = f'<c r="{column_letters(col)}{row}"'.encode()
        while True:
            at = buffer.find(needle, pos)
            if at >= 0:
                end_tag = buffer.find(b">", at)
                if end_tag >= 0:
                    if buffer[end_tag - 1 : end_tag] == b"/":
                        attrs, body = buffer[at + 2 : end_tag - 1], None
                        found[(row, col)] = RawCell(row, col, *_parse_cell(attrs, body))
                        pos = end_tag
                        break
                    close = buffer.find(b"</c>", end_tag)
                    if close >= 0:
                        attrs, body = buffer[at + 2 : end_tag], buffer[end_tag + 1 : close]
                        found[(row, col)] = RawCell(row, col, *_parse_cell(attrs, body))
                        pos = close
                        break
            chunk = next(stream, None)
            if chunk is None:
                raise LookupMiss(f"{part}: {column_letters(col)}{row}")
            keep = max(pos, len(buffer) - len(needle) - (1 << 16))
            if at >= 0:
                keep = min(keep, at)
            buffer = buffer[keep:] + chunk
            pos -= keep
            pos = max(pos, 0)
    return found
