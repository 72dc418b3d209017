"""Notes the package check takes on its way through a workbook, for the columnar reader.

:mod:`lumledger.workbook.package` inflates and scans every part of a workbook once before anything
reads it. fastexcel's typed read (:mod:`lumledger.workbook.columnar`) hides a few facts about the
cells, and each can be noticed in that same pass at the cost of a few one-byte searches per 4 MB
window (:class:`ScanNotes`, one per :class:`~lumledger.workbook.package.Package`):

* which worksheets hold boolean cells (``t="b"``: TRUE reads as 1.0 in a number column), numbers
  whose fraction fastexcel's text rendering rounds away, duration-styled cells (fastexcel's
  ``duration`` type passes them with the dates), inline or formula strings shaped like numbers,
  bytes that are not UTF-8, single-quoted attributes (:class:`PartNotes`);
* the first shared strings (the header cells point at them).

One more pass over the shared strings (:func:`scan_number_strings`, run by the reader while
fastexcel parses the largest sheet) collects every text a number column would read as a number.
Standard library only (pyarrow's UTF-8 check is imported when that pass runs).
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from typing import Protocol

from lumledger.ledger_format import column_number
from lumledger.workbook import cell_styles

# A shared string whose whole text has one of these shapes can be mistaken for another kind of
# cell by a typed read. Over-inclusive on purpose (every candidate is classified exactly later):
# digits, signs, points, exponents, inf/nan, true/false, date and time renderings, and anything
# with an entity or an _xHHHH_ escape in it.
# What a text calamine's ``as_f64`` (fast_float2) parses can be made of, written as XML: digits,
# sign, point, exponent, inf/infinity/nan — and, generously, the characters of entity and
# _xHHHH_ escapes (hex digits, x, &, #, ;, _). One character class after a literal prefix: the
# fastest form Python's re offers (a fast_float2 text has no spaces, so xml:space matters only
# as the attribute's presence).
_SIMPLE_SI_RE = re.compile(
    rb'<si><t(?: xml:space="preserve")?>([-+.0-9a-fA-FiInNtTyYxX&#;_]+)</t></si>'
)
_SI_START = b"<si"
_RICH_HINTS = (b"<r>", b"<r ", b"<rPh")
_T_RE = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>|<t(?:\s[^>]*)?/>")
_RPH_RE = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Cells with an inline string or a formula's string result, in a sheet part.
_INLINE_CELL_RE = re.compile(rb'<c\b[^>]*?\bt="(inlineStr|str)"[^>]*>(.*?)</c>', re.S)
_V_RE = re.compile(rb"<v>([^<]*)</v>")
# Signs of rich-text runs, phonetic runs or two <t> in a row: inline strings that may not be one
# <t> (plain substring searches: a regular expression here would cost more than the whole scan).
_RUNS = (b"<r>", b"<r ", b"<r\n", b"<rPh", b"</t><t", b"</t> ", b"</t>\n", b"</t>\r", b"</t>\t")
# A <t> whose text is made of the characters a number (or its XML escapes) can have.
_NUMBER_TEXT_RE = re.compile(rb"<t(?:\s[^>]*)?>([-+.0-9a-fA-FiInNtTyYxX&#;_]+)</t>")
_FORMULA_CELL_RE = re.compile(rb'<c\b[^>]*?\bt="str"[^>]*>(.*?)</c>', re.S)
_CELL_TAG_RE = re.compile(rb"<c\b([^>]*)>")
_REF_RE = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_BOOL_VALUE_RE = re.compile(rb"""\bt="b"[^>]*>\s*<v>([^<]*)</v>""")
# A number whose digits after the point (or a mantissa's) run into 9 zeros or 9 nines: its
# fraction may be below what fastexcel's rendering keeps. (Tiny numbers in E-notation render as
# "0", which the reader always looks up.)
_NEAR_INTEGER_RE = re.compile(rb"<v>[^<]*\.\d*(?:0{9}|9{9})")


def unescape_text(raw: bytes) -> str:
    """XML text as calamine gives it: entities resolved, ``_xHHHH_`` escapes decoded."""
    text = html.unescape(raw.decode("utf-8", "replace"))
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


def si_text(body: bytes) -> str:
    """The text of one ``<si>`` body: its ``<t>`` runs joined, phonetic runs left out."""
    body = _RPH_RE.sub(b"", body)
    return "".join(unescape_text(m.group(1) or b"") for m in _T_RE.finditer(body))


@dataclass(slots=True)
class PartNotes:
    bools: bool = False  # t="b"
    inline_or_formula_strings: bool = False  # t="inlineStr" / t="str"
    duration_styles: bool = False  # a cell (or row) styled with a [h]:mm-like format
    # A number written with a fraction fastexcel's text rendering (9 decimals) rounds away:
    # 5.0000000001, 4.9999999999, 1E-300.
    near_integers: bool = False
    # Where the duration-styled cells are: (row, col), 1-based. ``unplaced``: such a cell
    # without an address (the sheet then goes the old way).
    duration_cells: set[tuple[int, int]] = field(default_factory=set)
    unplaced: bool = False
    # A boolean cell whose value is not "0" or "1": python-calamine 0.9.1 (calamine 0.37) reads
    # "true"/"false" and refuses anything else; fastexcel 0.21 (calamine 0.36.1) reads all but
    # "0" as TRUE. The old path decides such a sheet.
    odd_bools: bool = False
    single_quoted: bool = False  # t='…': not what Excel writes; the old path reads the sheet
    # Bytes that are not UTF-8: calamine 0.37 (python-calamine 0.9.1) refuses the part, 0.36.1
    # (fastexcel 0.21) reads on; the old path decides such a sheet.
    bad_utf8: bool = False


@dataclass(slots=True)
class ScanNotes:
    """What the scan noted about one workbook."""

    parts: dict[str, PartNotes] = field(default_factory=dict)
    shared_strings_part: str | None = None
    shared_strings_seen: bool = False
    # Texts (shared, inline or formula strings) a number column would read as numbers.
    ambiguous_texts: set[str] = field(default_factory=set)
    # The first shared strings (headers are usually among them): index -> text.
    first_shared: dict[int, str] = field(default_factory=dict)
    shared_count: int = 0
    # Style indices calamine reads as durations (from styles.xml, read before the scan).
    duration_style_attrs: tuple[bytes, ...] = ()
    numbers_scanned: bool = False
    shared_strings_bad_utf8: bool = False
    shared_by_index: dict[int, str] = field(default_factory=dict)  # see indexed pass
    formats: list[str] | None = None  # cell formats by style index (styles.read_cell_formats)

    def part(self, name: str) -> PartNotes:
        return self.parts.setdefault(name, PartNotes())

    @classmethod
    def begin(cls, archive: zipfile.ZipFile) -> ScanNotes:
        """Notes for one workbook, before its scan: its cell styles are read first (a small part,
        size-capped, no XML parser) so the scan can place the duration-styled cells."""
        notes = cls()
        try:
            notes.formats = cell_styles.cell_formats_of(archive)
        except cell_styles.StylesUnknown:
            notes.formats = None
        notes.duration_style_attrs = tuple(
            f's="{i}"'.encode()
            for i, kind in enumerate(notes.formats or ())
            if kind == cell_styles.TIMEDELTA
        )
        return notes

    def observer(self, name: str, *, is_worksheet: bool) -> PartObserver | None:
        """What watches part ``name``'s inflated bytes during the package scan (None: nothing)."""
        if name.lower().endswith("sharedstrings.xml"):
            self.shared_strings_part = name
            return _SharedStringsObserver(self)
        if is_worksheet:
            return _SheetObserver(self.part(name), self)
        return None


class PartObserver(Protocol):
    """Fed a part's inflated bytes chunk by chunk, then finished."""

    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> None: ...


FIRST_SHARED = 4096


class _SharedStringsObserver:
    """Reads shared-string windows: the first ones' texts (during the safety scan), or every
    number-shaped one (``numbers``: :func:`scan_number_strings`, a pass of its own)."""

    def __init__(self, notes: ScanNotes, *, numbers: bool = False, indexed: bool = False) -> None:
        self.notes = notes
        self.numbers = numbers
        self.indexed = indexed  # also note each number-shaped string's index (a slower pass)
        self.carry = b""
        self.index = 0  # shared-string index of the first <si> in the next window

    def feed(self, chunk: bytes) -> None:
        if not self.numbers and self.index >= FIRST_SHARED:
            return  # the safety scan's notes are complete
        data = self.carry + chunk
        cut = data.rfind(b"</si>")
        if cut < 0:
            self.carry = data
            return
        cut += len(b"</si>")
        self.carry = data[cut:]
        self._window(data[:cut])

    def finish(self) -> None:
        if self.carry:
            self._window(self.carry)
            self.carry = b""
        self.notes.shared_count = self.index
        self.notes.shared_strings_seen = True

    def _window(self, window: bytes) -> None:
        if self.indexed:
            self._indexed(window)
        elif self.numbers:
            self._numbers(window)
        elif self.index < FIRST_SHARED:
            self._first(window, self.index)
            self.index += window.count(_SI_START)

    def _numbers(self, window: bytes) -> None:
        """Note every shared string a number column would read as a number (their texts, not
        their indexes: a cell is matched to its text by the number it reads as)."""
        notes = self.notes
        if not notes.shared_strings_bad_utf8 and not window.isascii():
            import pyarrow as pa

            try:  # Arrow's UTF-8 validation: about twice as fast as bytes.decode
                pa.array([window], pa.large_binary()).cast(pa.large_string())
            except pa.ArrowInvalid:
                notes.shared_strings_bad_utf8 = True
        for match in _SIMPLE_SI_RE.finditer(window):
            text = unescape_text(match.group(1))
            if looks_ambiguous(text):
                notes.ambiguous_texts.add(text)
        if b"<si><r" in window or b"<rPh" in window:
            self._rich(window)

    def _indexed(self, window: bytes) -> None:
        """Number-shaped shared strings by index (counting every <si>: only when a cell's
        number matches two noted texts and the cell's index must decide)."""
        at, counted = 0, self.index
        for match in _SIMPLE_SI_RE.finditer(window):
            counted += window.count(_SI_START, at, match.start())
            at = match.start()
            self.notes.shared_by_index[counted] = unescape_text(match.group(1))
        start = window.find(b"<si><r") if (b"<si><r" in window or b"<rPh" in window) else -1
        while start >= 0:  # rich-text strings: their index the slow way
            counted_rich = self.index + window.count(_SI_START, 0, start)
            end = window.find(b"</si>", start)
            if end < 0:
                break
            self.notes.shared_by_index[counted_rich] = si_text(
                window[window.find(b">", start) + 1 : end]
            )
            start = window.find(_SI_START, end)
        self.index += window.count(_SI_START)

    def _first(self, window: bytes, base: int) -> None:
        """Remember the texts of the first shared strings (header cells point at them)."""
        index = base
        start = window.find(_SI_START)
        while start >= 0 and index < FIRST_SHARED:
            tag_end = window.find(b">", start)
            if tag_end < 0:
                break
            if window[tag_end - 1 : tag_end] == b"/":  # <si/>
                self.notes.first_shared[index] = ""
                next_start = tag_end
            else:
                end = window.find(b"</si>", tag_end)
                if end < 0:
                    break
                self.notes.first_shared[index] = si_text(window[tag_end + 1 : end])
                next_start = end
            index += 1
            start = window.find(_SI_START, next_start)

    def _rich(self, window: bytes) -> None:
        """Rich-text and phonetic ``<si>``: join their runs, then classify the whole text."""
        start = window.find(_SI_START)
        while start >= 0:
            end = window.find(b"</si>", start)
            if end < 0:
                break
            body = window[window.find(b">", start) + 1 : end]
            if any(hint in body for hint in _RICH_HINTS):
                text = si_text(body)
                if looks_ambiguous(text):
                    self.notes.ambiguous_texts.add(text)
            start = window.find(_SI_START, end)


# fast_float2's grammar (what calamine's as_f64 accepts from a text), generously.
FLOAT_TEXT_RE = re.compile(
    r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?"
    r"|[nN][aA][nN])$"
)


def looks_ambiguous(text: str) -> bool:
    """A text a number column's typed read would take for a number."""
    return bool(FLOAT_TEXT_RE.match(text))


def scan_number_strings(path: str, part: str, notes: ScanNotes, *, indexed: bool = False) -> None:
    """One pass over the (already checked) shared strings: every number-shaped one (with
    ``indexed``: by index, into ``notes.shared_by_index``)."""
    observer = _SharedStringsObserver(notes, numbers=True, indexed=indexed)
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            observer.feed(chunk)
    observer.finish()
    notes.numbers_scanned = True


def scan_inline_strings(path: str, part: str, notes: ScanNotes) -> None:
    """One pass over a (checked) worksheet part with inline or formula strings: every
    number-shaped one into ``notes.ambiguous_texts``."""
    observer = _SheetObserver(notes.part(part), notes, strings=True)
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            observer.feed(chunk)
    observer.finish()


def _near_integer(data: bytes) -> bool:
    """Whether a ``<v>`` in ``data`` holds a number whose digits after the point run into nine
    zeros or nines. Few points in a window: look at each; many (row heights such as
    ``ht="15.75"``): two substring searches, then the exact pattern."""
    if data.count(b".") > 256:
        return (b"000000000" in data or b"999999999" in data) and bool(
            _NEAR_INTEGER_RE.search(data)
        )
    at = data.find(b".")
    while at >= 0:
        end = data.find(b"<", at)
        digits = data[at + 1 : end if end >= 0 else len(data)]
        if (b"000000000" in digits or b"999999999" in digits) and _NEAR_INTEGER_RE.search(
            data, max(0, data.rfind(b"<v>", 0, at)), (end if end >= 0 else len(data)) + 4
        ):
            return True
        at = data.find(b".", at + 1)
    return False


class _SheetObserver:
    """Flags for one worksheet part (during the package scan); with ``strings``, the texts of its
    inline and formula strings instead (:func:`scan_inline_strings`, a pass of its own: it costs
    as much as the scan on a sheet of inline strings, and only the columnar reader needs it)."""

    def __init__(self, notes: PartNotes, all_notes: ScanNotes, *, strings: bool = False) -> None:
        self.notes = notes
        self.all_notes = all_notes
        self.strings = strings
        self.carry = b""  # from the last cell start on: a cell may straddle two chunks

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        if self.strings:
            cut = data.rfind(b"</c>")
            cut = 0 if cut < 0 else cut + len(b"</c>")
            self._cells(data[:cut])
            data = data[cut:]
        else:
            self._flags(data)
        start = data.rfind(b"<c")
        self.carry = data[start:] if start >= 0 else b""

    def _flags(self, data: bytes) -> None:
        # Each test starts with a one-byte search (memchr, ~0.1 ms per 4 MB) for a byte that
        # Excel's cell XML does not otherwise contain; the exact search runs only on a hit.
        notes = self.notes
        if not notes.bad_utf8 and not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                notes.bad_utf8 = True
        if b"'" in data and b"t='" in data:
            notes.single_quoted = True
        if b"b" in data and b't="b"' in data:
            notes.bools = True
            if any(v not in (b"0", b"1") for v in _BOOL_VALUE_RE.findall(data)):
                notes.odd_bools = True
        if not notes.near_integers and b"." in data and _near_integer(data):
            notes.near_integers = True
        attrs = self.all_notes.duration_style_attrs
        if attrs and any(attr in data for attr in attrs):
            notes.duration_styles = True
            self._place(data, attrs, notes.duration_cells)
        if (b"l" in data and b"inlineStr" in data) or (b"f" in data and b't="str"' in data):
            notes.inline_or_formula_strings = True

    def finish(self) -> None:
        if self.carry and self.strings:
            self._cells(self.carry)
        self.carry = b""

    def _place(self, data: bytes, attrs: tuple[bytes, ...], into: set[tuple[int, int]]) -> None:
        """Add the address of every cell whose start tag has one of ``attrs``."""
        for tag in _CELL_TAG_RE.finditer(data):
            body = tag.group(1)
            if not any(b" " + attr in body for attr in attrs):
                continue
            ref = _REF_RE.search(body)
            if ref is None:
                self.notes.unplaced = True
                continue
            into.add((int(ref.group(2)), column_number(ref.group(1).decode())))

    def _cells(self, window: bytes) -> None:
        """Note the number-shaped inline and formula strings of ``window`` (whole cells)."""
        if not any(sign in window for sign in _RUNS):
            # Each inline string is one <t> (no runs): every <t> whose text is made of a number's
            # characters is noted (a <t> elsewhere only adds a candidate, which is harmless).
            for match in _NUMBER_TEXT_RE.finditer(window):
                self._note(unescape_text(match.group(1)))
            if b't="str"' in window:
                for match in _FORMULA_CELL_RE.finditer(window):
                    value = _V_RE.search(match.group(1))
                    self._note(unescape_text(value.group(1)) if value else "")
            return
        for match in _INLINE_CELL_RE.finditer(window):
            kind, body = match.group(1), match.group(2)
            if kind == b"str":
                value = _V_RE.search(body)
                text = unescape_text(value.group(1)) if value else ""
            else:
                text = si_text(body)
            self._note(text)

    def _note(self, text: str) -> None:
        if looks_ambiguous(text):
            self.all_notes.ambiguous_texts.add(text)
