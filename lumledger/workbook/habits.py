"""Spreadsheet habits seen in a worksheet's XML while the package layer streams it: merged cell
ranges, hidden rows and an AutoFilter (with or without criteria).

:class:`HabitScan` is fed the same chunks as the package's integrity pass (one pass over the
sheet, no second parse): a substring sieve on each chunk, and the patterns only in the rare chunks
where a sieve word occurs. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Area = tuple[int, int, int, int]  # 1-based (top, left, bottom, right)


@dataclass(slots=True)
class SheetHabits:
    """What one sheet holds that a plain table does not: the officer's view differs from the cells."""

    merged: list[Area] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # Excel row numbers, ascending
    auto_filter: Area | None = None
    filter_active: bool = False  # the AutoFilter has criteria (rows may be filtered out)

    def __bool__(self) -> bool:
        return bool(self.merged or self.hidden_rows or self.auto_filter)


# What a chunk must contain for any pattern below to match in it: one byte first (memchr speed;
# a sheet written with shared strings has neither "h" nor "l" in its rows unless rows have custom
# heights or outlines), then the words.
_HIDDEN = b'hidden="'
_AFTER_DATA = (b"<mergeCell ", b"<autoFilter", b"<filterColumn")  # each holds an "l"
# A tag is never longer than this in what Excel writes; a match that straddles two chunks is
# found in the overlap, and counted once (only matches that end in the new chunk count).
_OVERLAP = 512
_HIDDEN_ROW_RE = re.compile(rb'<row\b([^<>]*?)\shidden\s*=\s*"(?:1|true)"([^<>]*)>')
_R_RE = re.compile(rb'(?:^|\s)r\s*=\s*"([0-9]+)"')
_MERGE_RE = re.compile(rb'<mergeCell\b[^<>]*?\sref\s*=\s*"([A-Za-z]{1,3}[0-9]{1,7}(?::[^"]*)?)"')
_AUTO_FILTER_RE = re.compile(rb'<autoFilter\b[^<>]*?\sref\s*=\s*"([^"]*)"')
_FILTER_COLUMN_RE = re.compile(rb"<filterColumn\b")
_REF_RE = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")


def parse_area(text: str) -> Area | None:
    """``"D3:D4"`` (or ``"D3"``) -> ``(3, 4, 4, 4)``; ``None`` when it is not a range."""
    corners = []
    for ref in text.strip().split(":")[:2]:
        match = _REF_RE.match(ref.strip())
        if match is None:
            return None
        number = 0
        for char in match.group(1).upper():
            number = number * 26 + ord(char) - 64
        corners.append((int(match.group(2)), number))
    (top, left), (bottom, right) = corners[0], corners[-1]
    return (min(top, bottom), min(left, right), max(top, bottom), max(left, right))


def _holds(chunk: bytes, edge: bytes, byte: bytes, words: tuple[bytes, ...]) -> bool:
    """Whether ``chunk`` or the ``edge`` across the previous chunk holds one of ``words``; the
    one-byte sieve ``byte`` (in every word) first."""
    if chunk.find(byte) < 0 and edge.find(byte) < 0:
        return False
    return any(word in chunk or word in edge for word in words)


class HabitScan:
    """Fed a worksheet part chunk by chunk; :attr:`found` says what it holds."""

    def __init__(self) -> None:
        self.found = SheetHabits()
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        edge = self.tail + chunk[:_OVERLAP]
        if _holds(chunk, edge, b"h", (_HIDDEN,)) or _holds(chunk, edge, b"l", _AFTER_DATA):
            self._scan(self.tail + chunk, len(self.tail))
        self.tail = chunk[-_OVERLAP:] if len(chunk) >= _OVERLAP else edge[-_OVERLAP:]

    def _scan(self, window: bytes, old: int) -> None:
        found = self.found
        if b'hidden="' in window:
            for match in _HIDDEN_ROW_RE.finditer(window):
                if match.end() <= old:
                    continue
                ref = _R_RE.search(match.group(1)) or _R_RE.search(match.group(2))
                if ref is not None:
                    found.hidden_rows.append(int(ref.group(1)))
        if b"<mergeCell " in window:
            for match in _MERGE_RE.finditer(window):
                area = parse_area(match.group(1).decode("ascii", "replace"))
                if match.end() > old and area is not None:
                    found.merged.append(area)
        if b"<autoFilter" in window and found.auto_filter is None:
            ref = _AUTO_FILTER_RE.search(window)
            if ref is not None:
                found.auto_filter = parse_area(ref.group(1).decode("ascii", "replace"))
        if not found.filter_active and _FILTER_COLUMN_RE.search(window):
            found.filter_active = True
