"""The workbook as a file: what kind of file it is, whether it is safe to open, and its parts.

Before any spreadsheet library sees a file, :func:`open_package` decides whether lumledger may
read it at all: missing, empty, an old ``.xls``, encrypted, not a zip, truncated, a zip bomb,
or XML with entity declarations (entity expansion and external entities) are refused with one
Swedish sentence (:class:`~lumledger.findings.LedgerReadError`, exit status 2).

It also finds what python-calamine cannot tell us: cells holding an Excel error (``#N/A`` …)
and formulas saved without a cached value.

It is the one package layer of lumledger: the reader's checks above and the safe writer
(:mod:`lumledger.workbook.safewrite`, through :class:`PackageParts`) share its zip entries, part
names, relationships, workbook structure (:func:`workbook_structure`), lock files and its size,
ratio and DTD checks. Standard library only (defusedxml for the structural parts).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumledger.findings import LedgerReadError
from lumledger.ledger_format import column_letters, column_number
from lumledger.workbook.scan_notes import ScanNotes

# Limits. A ledger of Excel's full 1 048 575 rows holds 0.85 to 1.7 GB of XML (1.5 GB in one
# sheet with every column filled); a zip bomb is caught by its ratio long before these sizes.
MAX_TOTAL_UNCOMPRESSED = 6_000_000_000
MAX_PART_UNCOMPRESSED = 4_000_000_000
MAX_RATIO = 200  # uncompressed / compressed bytes of one part, once the part exceeds SMALL_PART
SMALL_PART = 10_000_000
MAX_PARTS = 10_000
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# python-calamine builds a dense grid from the first to the last used cell of a sheet, so a stray
# cell at XFD1048576 beside A1 means 17 billion cells. A sheet whose used area exceeds this is
# refused before calamine reads it. It lets through Excel's every row times 52 columns (A..AZ).
MAX_GRID_CELLS = 60_000_000
NARROW_COLUMNS = 52
# A sheet read exactly (cells without references, or wider than AZ) whose used area is large and
# almost empty is refused too: a few kilobytes must not cost seconds of empty cells.
SPARSE_MIN_CELLS = 5_000_000
SPARSE_RATIO = 50  # used area per cell with a value
# A worksheet part larger than this (inflated, as the zip declares it) is checked just before it
# is read rather than when the file is opened (see Package); the declared size is no promise,
# but a part that lies about it is still checked in full before anything reads it.
DEFER_SCAN_BYTES = 64 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

FORMULA_WITHOUT_VALUE = "formula-without-value"


@dataclass(slots=True)
class Package:
    """An opened, checked ``.xlsx``/``.xlsm``: sheet titles in order and their part names.

    Every part is checked when the package is opened, except worksheet parts larger than
    ``DEFER_SCAN_BYTES`` (``pending``): those are checked by :meth:`check_sheet`, which the reader
    calls before python-calamine reads the sheet, so that a large sheet's check can run while
    calamine (which releases the GIL) parses another sheet. Nothing reads a part unchecked.
    """

    path: Path
    sheets: dict[str, str] = field(default_factory=dict)  # title -> part name, workbook order
    parts_with_special_cells: set[str] = field(default_factory=set)
    # part -> its used area (first row, first col, last row, last col; 1-based) when too large
    oversized: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # worksheet parts not checked yet
    inflated: int = 0  # bytes of the parts checked so far, inflated
    # What the scan noticed for the columnar reader (lumledger.workbook.scan_notes).
    notes: ScanNotes | None = None

    def check_sheet(self, title: str) -> None:
        """Check the sheet's part if that is still pending, and refuse (``LedgerReadError``) a
        sheet whose used area calamine could not hold."""
        part = self.sheets.get(title)
        self.check_pending(None if part is None else [part])
        if part is None and self.oversized:
            part = max(self.oversized, key=lambda name: _cells(self.oversized[name]))
        if part is None or part not in self.oversized:
            return
        top, left, bottom, right = self.oversized[part]
        area = f"{column_letters(left)}{top}:{column_letters(right)}{bottom}"
        count = f"{_cells(self.oversized[part]):,}".replace(",", " ")
        raise LedgerReadError(
            f"Bladet {title} i {self.path.name} har innehåll utspritt över ett orimligt stort "
            f"område ({area}, {count} celler) och läses inte; ta bort "
            "innehållet långt utanför tabellen (Ctrl+End visar sista cellen) och spara igen."
        )

    def check_pending(self, parts: list[str] | None = None) -> None:
        """Check ``parts`` (default: every pending part) if they are still pending."""
        todo = [p for p in self.pending if parts is None or p in parts]
        if not todo:
            return
        shown = self.path.name
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise LedgerReadError(_changed_message(shown)) from None
        with archive:
            for name in todo:
                try:
                    info = archive.getinfo(name)
                except KeyError:
                    raise LedgerReadError(_changed_message(shown)) from None
                self.inflated += _check_part(archive, info, shown, self)
                self.pending.remove(name)

    def special_cells(self, title: str) -> dict[tuple[int, int], str]:
        """Cells calamine reads as empty but are not: ``{(row, col): "#N/A" | FORMULA_WITHOUT_VALUE}``."""
        part = self.sheets.get(title)
        if part is None:
            return {}
        self.check_pending([part])
        if part not in self.parts_with_special_cells:
            return {}
        with zipfile.ZipFile(self.path) as archive:
            return scan_special_cells(read_part(archive, part))


def _changed_message(shown: str) -> str:
    return (
        f"Filen {shown} ändrades eller försvann medan den lästes; "
        "försök igen när den är sparad och stängd."
    )


def excel_lock_files(path: Path) -> list[Path]:
    """Excel's owner file(s) for ``path``: ``~$name.xlsx`` (Excel drops leading characters of long names)."""
    name = path.name
    candidates = [path.with_name("~$" + name)]
    if len(name) > 2:
        candidates.append(path.with_name("~$" + name[2:]))
    return candidates


def libreoffice_lock_file(path: Path) -> Path:
    """LibreOffice's lock file for ``path``: ``.~lock.name#``."""
    return path.with_name(f".~lock.{path.name}#")


# Packages checked inside the current ``checks_reused()`` block (None outside any), by identity.
_reused: ContextVar[OrderedDict[tuple[str, int, int, int, bool], Package] | None] = ContextVar(
    "lumledger_checked_packages", default=None
)
MAX_REUSED = 4  # packages remembered in one block


@contextlib.contextmanager
def checks_reused() -> Iterator[None]:
    """Inside the block, :func:`open_package` reuses its check of a file that has not changed.

    A file is the same when its path, size, modification time and inode are: the command line
    checks a file before it imports pandas (so a hostile file is refused in milliseconds), and the
    reader then reuses that check instead of inflating the file a second time. The command line
    takes this block around one command; at most ``MAX_REUSED`` packages are remembered, and
    nothing once the block ends.
    """
    token = _reused.set(OrderedDict())
    try:
        yield
    finally:
        _reused.reset(token)


def _identity(file: Path, refuse_when_open: bool) -> tuple[str, int, int, int, bool] | None:
    try:
        stat = file.stat()
    except OSError:
        return None
    if not file.is_file():
        return None
    return (str(file.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, refuse_when_open)


def open_package(path: str | Path, *, refuse_when_open: bool = True) -> Package:
    """Check ``path`` and return its :class:`Package`, or raise :class:`LedgerReadError`.

    Inside :func:`checks_reused`, a file checked before in the block is not checked again.
    """
    file = Path(path)
    reused = _reused.get()
    key = _identity(file, refuse_when_open) if reused is not None else None
    if reused is not None and key is not None and key in reused:
        if refuse_when_open:
            _refuse_if_open(file)
        reused.move_to_end(key)
        return reused[key]
    package = _open_package(file, refuse_when_open=refuse_when_open)
    if reused is not None and key is not None:
        reused[key] = package
        while len(reused) > MAX_REUSED:
            reused.popitem(last=False)
    return package


def _refuse_if_open(file: Path) -> None:
    for lock in excel_lock_files(file):
        if lock.exists():
            raise LedgerReadError(
                f"Arbetsboken {file.name} är öppen i Excel (låsfilen {lock.name} finns); spara och "
                "stäng den i Excel, eller använd knappen Validera i arbetsboken."
            )


def _open_package(file: Path, *, refuse_when_open: bool) -> Package:
    shown = file.name
    if not file.exists():
        raise LedgerReadError(f"Filen {shown} finns inte; kontrollera sökvägen och filnamnet.")
    if file.is_dir():
        raise LedgerReadError(
            f"{shown} är en mapp, inte en arbetsbok; ange en .xlsx- eller .xlsm-fil."
        )
    if refuse_when_open:
        _refuse_if_open(file)
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except PermissionError:
        raise LedgerReadError(
            f"Filen {shown} är låst eller saknar läsbehörighet; stäng den i andra program och försök igen."
        ) from None
    except OSError as exc:
        raise LedgerReadError(f"Filen {shown} kunde inte läsas ({exc.strerror}).") from None
    if not head:
        raise LedgerReadError(f"Filen {shown} är tom (0 byte); spara arbetsboken i Excel på nytt.")
    if head.startswith(OLE_MAGIC):
        raise LedgerReadError(_ole_message(file))
    if not head.startswith(ZIP_MAGIC):
        raise LedgerReadError(
            f"Filen {shown} är inte en Excel-arbetsbok (.xlsx/.xlsm); spara den som "
            "Excel-arbetsbok och försök igen."
        )
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise LedgerReadError(
            f"Filen {shown} är skadad eller ofullständig (zip-strukturen går inte att läsa); "
            "hämta en hel kopia eller spara om den i Excel."
        ) from None
    package = Package(path=file)
    with archive:
        check_sizes(archive, shown)
        package.notes = ScanNotes.begin(archive)
        _check_integrity(archive, shown, package)
        package.sheets = _sheet_parts(archive, shown)
    return package


def _ole_message(file: Path) -> str:
    data = file.read_bytes()[: 65536 * 4]
    if (
        "EncryptedPackage".encode("utf-16-le") in data
        or b"EncryptionInfo" in data
        or ("EncryptionInfo".encode("utf-16-le") in data)
    ):
        return (
            f"Arbetsboken {file.name} är lösenordsskyddad; ta bort lösenordet i Excel "
            "(Arkiv > Info > Skydda arbetsbok) och spara en kopia."
        )
    return (
        f"Filen {file.name} är i det gamla Excel-formatet (.xls) eller ett annat Office-format; "
        "öppna den i Excel och spara som Excel-arbetsbok (.xlsx)."
    )


def check_sizes(archive: zipfile.ZipFile, shown: str) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise LedgerReadError(
            f"Filen {shown} har orimligt många delar ({len(infos)}); den läses inte."
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            raise LedgerReadError(_bomb_message(shown))
        if info.file_size > SMALL_PART and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise LedgerReadError(_bomb_message(shown))


def _bomb_message(shown: str) -> str:
    return (
        f"Filen {shown} packas upp till orimligt stor storlek (möjlig zip-bomb) och läses inte; "
        "kontrollera var filen kommer ifrån."
    )


def read_part(archive: zipfile.ZipFile, part: str | zipfile.ZipInfo, *, shown: str = "") -> bytes:
    """Inflate one part, stopping as soon as it outgrows what its compressed size allows."""
    info = part if isinstance(part, zipfile.ZipInfo) else archive.getinfo(part)
    limit = min(MAX_PART_UNCOMPRESSED, max(SMALL_PART, MAX_RATIO * max(info.compress_size, 1)))
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise LedgerReadError(_bomb_message(shown or archive.filename or "?"))
            chunks.append(chunk)
    return b"".join(chunks)


_DTD_RE = re.compile(
    rb"<!(?:DOCTYPE|ENTITY)"
    rb"|<\x00!\x00(?:D\x00O\x00C\x00T\x00Y\x00P\x00E|E\x00N\x00T\x00I\x00T\x00Y)"
    rb"|\x00<\x00!\x00(?:D\x00O\x00C\x00T\x00Y\x00P\x00E|E\x00N\x00T\x00I\x00T\x00Y)"
)
_FORMULA_RE = re.compile(rb"<f[\s/>]")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<")
_DTD_MESSAGE = (
    "Filen {shown} innehåller XML-deklarationer (DOCTYPE/ENTITY) som Excel aldrig skriver; "
    "den kan vara skadlig och läses inte."
)


def refuse_dtd(name: str, data: bytes, shown: str) -> None:
    """Refuse (``LedgerReadError``) a part an XML parser would read that declares a DTD or entities."""
    if _looks_like_xml(name, data[:64]) and data.find(b"!") >= 0 and _DTD_RE.search(data):
        raise LedgerReadError(_DTD_MESSAGE.format(shown=shown))


def _looks_like_xml(name: str, head: bytes) -> bool:
    """Parts an XML parser would read: by name, or by content whatever the part is called."""
    return name.lower().endswith(_XML_SUFFIXES) or head.lstrip(b" \t\r\n").startswith(_XML_STARTS)


def _is_worksheet(name: str) -> bool:
    """Parts python-calamine can read as a worksheet: it only accepts ``xl/worksheets/…``."""
    return name.lower().startswith("xl/worksheets/") and not name.lower().endswith(".rels")


CHUNK = 1 << 22


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's inflated bytes, chunk by chunk (memory stays bounded whatever the part)."""
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


@dataclass(slots=True)
class _PartScan:
    size: int = 0
    has_special: bool = False
    grid: _GridScan | None = None


def _scan_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, notes: ScanNotes | None = None
) -> _PartScan:
    """Stream one part once: real size within limits, CRC intact, no DTD, cells within limits
    (and, with ``notes``, what the columnar reader needs to know about the part)."""
    limit = min(MAX_PART_UNCOMPRESSED, max(SMALL_PART, MAX_RATIO * max(info.compress_size, 1)))
    result = _PartScan(grid=_GridScan(shown) if _is_worksheet(info.filename) else None)
    noting = notes.observer(info.filename, is_worksheet=result.grid is not None) if notes else None
    tail = b""
    is_xml: bool | None = None
    for chunk in _chunks(archive, info):
        result.size += len(chunk)
        if result.size > limit:
            raise LedgerReadError(_bomb_message(shown))
        if noting is not None:
            noting.feed(chunk)
        if is_xml is None:
            is_xml = result.grid is not None or _looks_like_xml(info.filename, chunk[:64])
        if not is_xml:
            continue
        window = tail + chunk
        # One fast byte search each; the exact pattern only where the byte occurs.
        if window.find(b"!") >= 0 and _DTD_RE.search(window):
            raise LedgerReadError(_DTD_MESSAGE.format(shown=shown))
        if result.grid is not None and not result.has_special:  # only sheets have cells
            result.has_special = window.find(b"#") >= 0 or bool(_FORMULA_RE.search(window))
        if result.grid is not None:
            result.grid.feed(chunk)
        tail = chunk[-32:]
    if result.grid is not None:
        result.grid.finish()
    if noting is not None:
        noting.finish()
    return result


def _check_integrity(archive: zipfile.ZipFile, shown: str, package: Package) -> None:
    """Inflate every part once (CRC, truncation, real sizes, no DTD, cells within Excel's limits),
    except large worksheets, which are left ``pending`` in ``package`` (see :class:`Package`)."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        if _is_worksheet(info.filename) and info.file_size > DEFER_SCAN_BYTES:
            package.pending.append(info.filename)
            continue
        package.inflated += _check_part(archive, info, shown, package)


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, package: Package
) -> int:
    """Check one part (see :func:`_scan_part`), note what it holds in ``package``; its size."""
    try:
        scan = _scan_part(archive, info, shown, package.notes)
        area = scan.grid.used_area(archive, info) if scan.grid is not None else None
    except LedgerReadError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ):
        raise LedgerReadError(
            f"Filen {shown} är skadad (delen {info.filename} går inte att packa upp); "
            "hämta en hel kopia eller spara om den i Excel."
        ) from None
    if package.inflated + scan.size > MAX_TOTAL_UNCOMPRESSED:
        raise LedgerReadError(_bomb_message(shown))
    if scan.has_special:
        package.parts_with_special_cells.add(info.filename)
    if area is not None:
        package.oversized[info.filename] = area
    return scan.size


# --- the used area of a worksheet, as calamine will see it -----------------------------------------
#
# python-calamine places a cell at its ``r`` attribute, or, without one, right of the previous cell
# (``<row>`` without ``r`` is the row after the previous one), ignores namespace prefixes, and
# allocates every cell between the first and the last non-empty one. A cheap first pass looks only
# for what Excel never writes into a narrow ledger: a cell without ``<c r="`` right after the tag
# name, a reference with two letters or seven digits, a prefixed element. Only a worksheet with
# such a cell is read a second time, exactly.

# A cell tag that is not ``<c r="A1"``..``<c r="Z999999"`` (one letter, at most six digits).
_UNUSUAL_CELL_RE = re.compile(rb'<c(?! r="[A-Za-z][0-9]{1,6}")(?=[\s/>])')
_ODD_CELL_RE = re.compile(rb'<c(?! r="[A-Za-z]+[0-9]+")(?=[\s/>])')
_PREFIXED_RE = re.compile(rb"<[^\s<>/!?:]*:(?:c|row|dimension)[\s/>]")
# What any match of _PREFIXED_RE contains: a fast first test (Excel writes ``spans="1:19"`` on
# every row, so a plain search for ":" finds one in every window).
_PREFIXED_HINT_RE = re.compile(rb":(?:c|row|dimension)[\s/>]")
_LETTERS_RE = re.compile(rb'<c r="([A-Za-z]{2,})')
_DEEP_ROW_RE = re.compile(rb'<c r="[A-Za-z]+([0-9]{7,})')
_DIMENSION_RE = re.compile(rb'<dimension\b[^<>]*?\sref\s*=\s*["\']([^"\']*)["\']')
_PREFIX = rb"(?:[^\s<>/!?:]*:)?"
_EMPTY_ROW = _PREFIX + rb"row(?![^<>]*?\sr\s*=)(?:\s[^<>]*)?/>\s*"
_TAG_RE = re.compile(
    # after "<": a run of empty rows without a reference (each one row on), the end of a row,
    # or the start tag of a row or a cell
    rb"<(?:(" + _EMPTY_ROW + rb"(?:<" + _EMPTY_ROW + rb")*)"
    rb"|(/" + _PREFIX + rb"row\s*>)"
    rb"|" + _PREFIX + rb"(c|row)(?=[\s/>])([^<>]*)>)"
)
_R_ATTR_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_REF_PARTS_RE = re.compile(rb"^([A-Za-z]*)([0-9]+)$")


def _cells(area: tuple[int, int, int, int]) -> int:
    top, left, bottom, right = area
    return (bottom - top + 1) * (right - left + 1)


def _letters_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


class _TagWindows:
    """Feeds a part's XML to ``_window`` in pieces that end at a tag boundary (``>``)."""

    carry: bytes

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b">") + 1
        if cut == 0 and len(data) < (1 << 24):
            self.carry = data
            return
        cut = cut or len(data)
        self.carry = data[cut:]
        self._window(data[:cut])

    def finish(self) -> None:
        self._window(self.carry)
        self.carry = b""

    def _window(self, window: bytes) -> None:
        raise NotImplementedError


class _GridScan(_TagWindows):
    """Watches one worksheet part stream by: cells beyond Excel's limits, and its used area."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.carry = b""
        self.exact = False  # a cell calamine places by counting: read the part again, exactly
        self.max_col = 0  # widest column seen among references of two or more letters
        self.before_data = True

    def _window(self, window: bytes) -> None:
        if self.before_data:
            dimension = _DIMENSION_RE.search(window)
            if dimension is not None:
                for ref in dimension.group(1).split(b":"):
                    parts = _REF_PARTS_RE.match(ref.strip())
                    if parts is not None:
                        self._check_limits(int(parts.group(2)), _letters_number(parts.group(1)))
            if b"<sheetData" in window or b":sheetData" in window:
                self.before_data = False
        if _PREFIXED_HINT_RE.search(window) and _PREFIXED_RE.search(window):
            self.exact = True
        if self.exact or not _UNUSUAL_CELL_RE.search(window):
            return
        if _ODD_CELL_RE.search(window):
            self.exact = True
            return
        for letters in set(_LETTERS_RE.findall(window)):
            column = _letters_number(letters[:8])
            self._check_limits(1, column)
            self.max_col = max(self.max_col, column)
        for digits in set(_DEEP_ROW_RE.findall(window)):
            self._check_limits(int(digits[:12]), 1)

    def _check_limits(self, row: int, col: int) -> None:
        if row > MAX_ROWS or col > MAX_COLUMNS:
            raise LedgerReadError(
                f"Filen {self.shown} har celler utanför Excels gränser (högst 1 048 576 rader "
                "och 16 384 kolumner, XFD); den är skadad eller konstruerad och läses inte."
            )

    def used_area(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo
    ) -> tuple[int, int, int, int] | None:
        """The used area when calamine could not hold it, else ``None``.

        A narrow sheet whose cells all have references needs no second look: at most
        ``MAX_ROWS`` x ``NARROW_COLUMNS`` cells. Any other is replayed exactly; it is too large
        when its area exceeds ``MAX_GRID_CELLS``, or exceeds ``SPARSE_MIN_CELLS`` while holding
        fewer than one value per ``SPARSE_RATIO`` cells.
        """
        if not self.exact and self.max_col <= NARROW_COLUMNS:
            return None
        exact = _ExactGrid(self)
        for chunk in _chunks(archive, info):
            exact.feed(chunk)
            if exact.exceeded:
                return exact.area()
        exact.finish()
        area = exact.area()
        if area is None:
            return None
        cells = _cells(area)
        if cells > MAX_GRID_CELLS:
            return area
        if cells > SPARSE_MIN_CELLS and cells > SPARSE_RATIO * exact.values:
            return area
        return None


class _ExactGrid(_TagWindows):
    """Replays python-calamine's placement of cells, tag by tag, for the used area."""

    def __init__(self, scan: _GridScan) -> None:
        self.scan = scan
        self.carry = b""
        self.row = 0  # 0-based, as calamine counts
        self.col = 0
        self.values = 0  # cells that may hold a value (not self-closing)
        self.top = self.left = MAX_ROWS + MAX_COLUMNS
        self.bottom = self.right = -1

    def _window(self, window: bytes) -> None:
        row, col, values = self.row, self.col, self.values
        top, left, bottom, right = self.top, self.left, self.bottom, self.right
        for empty_rows, closing, name, attrs in _TAG_RE.findall(window):
            if empty_rows:
                row += empty_rows.count(b"/>")
                col = 0
                continue
            if closing:
                row += 1
                col = 0
                continue
            if name == b"row":
                if b"r" in attrs:
                    ref = _ref(attrs)
                    if ref is not None:
                        row = ref[0]
                if attrs.endswith(b"/"):  # <row/> is a start and an end for calamine
                    row += 1
                    col = 0
                continue
            if b"r" in attrs:
                ref = _ref(attrs)
                if ref is not None and ref[1] >= 0:
                    row, col = ref
            if row >= MAX_ROWS or col >= MAX_COLUMNS:
                self.scan._check_limits(row + 1, col + 1)
            if not attrs.endswith(b"/"):  # <c/> holds no value
                values += 1
                if row < top:
                    top = row
                if row > bottom:
                    bottom = row
                if col < left:
                    left = col
                if col > right:
                    right = col
            col += 1
        self.row, self.col, self.values = row, col, values
        self.top, self.left, self.bottom, self.right = top, left, bottom, right

    @property
    def exceeded(self) -> bool:
        """The cells seen so far already span more than the limit (no need to read on)."""
        area = self.area()
        return area is not None and _cells(area) > MAX_GRID_CELLS

    def area(self) -> tuple[int, int, int, int] | None:
        if self.bottom < 0:
            return None
        return (self.top + 1, self.left + 1, self.bottom + 1, self.right + 1)


def _ref(attrs: bytes) -> tuple[int, int] | None:
    """``(row, col)`` 0-based from an ``r`` attribute (``col`` -1 when it has no letters)."""
    match = _R_ATTR_RE.search(attrs)
    if match is None:
        return None
    parts = _REF_PARTS_RE.match(match.group(1))
    if parts is None:
        return None
    row = int(parts.group(2)[:12]) - 1
    return row, _letters_number(parts.group(1)[:8]) - 1


def _sheet_parts(archive: zipfile.ZipFile, shown: str) -> dict[str, str]:
    """Sheet title -> worksheet part, in workbook order (parts checked already: plain XML)."""
    try:
        structure = workbook_structure(PartNames(archive.namelist()), archive.read)
    except MissingWorkbookError:
        raise LedgerReadError(
            f"Filen {shown} är en zip-fil men ingen Excel-arbetsbok (xl/workbook.xml saknas); "
            "spara den som Excel-arbetsbok."
        ) from None
    except PartXmlError:
        raise LedgerReadError(
            f"Filen {shown} är skadad (arbetsbokens XML går inte att läsa); spara om den i Excel."
        ) from None
    return {sheet.name: sheet.part for sheet in structure.sheets if sheet.part is not None}


# --- the package's structure: relationships, content types, sheet parts ---------------------------
#
# Shared by reading (above, on the zip file) and by the safe writer (on the parts in memory). Part
# names are looked up as Excel and python-calamine do: exactly, else ignoring case.


class PartXmlError(ValueError):
    """A structural part (relationships, workbook, content types) is not well-formed XML."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")
        self.part = part
        self.detail = detail


class MissingWorkbookError(LookupError):
    """The package has no workbook part: a zip file, but no Excel workbook."""


@dataclass(frozen=True, slots=True)
class Relationship:
    id: str
    type: str
    target: str
    mode: str  # "Internal" or "External"


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """A sheet listed in the workbook part, with the part its relationship points to."""

    name: str
    part: str | None  # None: no such part in the package
    type: str  # the relationship type: ".../worksheet", ".../chartsheet" …
    index: int  # 1-based, workbook order

    @property
    def is_worksheet(self) -> bool:
        return self.type.endswith("/worksheet")


@dataclass(frozen=True, slots=True)
class WorkbookStructure:
    workbook_part: str
    workbook_rels_part: str | None
    sheets: list[SheetEntry]
    styles_part: str | None
    calc_chain_part: str | None
    calc_chain_rel_id: str | None


class PartNames:
    """The package's part names, found exactly or else ignoring case (as Excel does)."""

    def __init__(self, names: Iterable[str]) -> None:
        ordered = list(names)
        self.names = set(ordered)
        self.folded: dict[str, str] = {}
        for name in ordered:  # zip order: the first of names that differ only in case
            self.folded.setdefault(name.casefold(), name)

    def find(self, part: str) -> str | None:
        part = part.lstrip("/")
        if part in self.names:
            return part
        return self.folded.get(part.casefold())


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def rels_part_of(part: str) -> str:
    """The relationships part of ``part``: ``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve_target(base: str, target: str) -> str:
    """A relationship's target as a part name, relative to the folder ``base`` of its source."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def parse_part_xml(data: bytes, part: str) -> Any:
    """A structural part as an element tree (defusedxml: no DTDs, no entities)."""
    from defusedxml import ElementTree as SafeElementTree

    try:
        return SafeElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals
        raise PartXmlError(part, str(exc)) from None


def relationships(data: bytes, part: str) -> list[Relationship]:
    """The relationships in a ``.rels`` part, in document order."""
    return [
        Relationship(
            id=element.get("Id", ""),
            type=element.get("Type", ""),
            target=element.get("Target", ""),
            mode=element.get("TargetMode", "Internal"),
        )
        for element in parse_part_xml(data, part).iter()
        if local_name(element.tag) == "Relationship"
    ]


def related_parts(
    names: PartNames, read: Callable[[str], bytes], part: str, rel_type: str
) -> list[tuple[str, str]]:
    """``(relationship id, part name)`` of the internal parts ``part`` refers to with ``rel_type``."""
    rels_part = names.find(rels_part_of(part))
    if rels_part is None:
        return []
    base = posixpath.dirname(part)
    found: list[tuple[str, str]] = []
    for rel in relationships(read(rels_part), rels_part):
        if rel.type.endswith("/" + rel_type) and rel.mode != "External":
            target = names.find(resolve_target(base, rel.target))
            if target is not None:
                found.append((rel.id, target))
    return found


def workbook_structure(names: PartNames, read: Callable[[str], bytes]) -> WorkbookStructure:
    """Where the workbook's parts are: the workbook (through ``_rels/.rels``), its relationships,
    its sheets in order, the styles and the calculation chain.

    Raises :class:`MissingWorkbookError` or :class:`PartXmlError`; an unreadable ``_rels/.rels``
    is passed over (the workbook is then looked for where Excel puts it).
    """
    workbook_part = None
    root_rels = names.find("_rels/.rels")
    if root_rels is not None:
        try:
            for rel in relationships(read(root_rels), root_rels):
                if rel.type.endswith("/officeDocument"):
                    workbook_part = names.find(resolve_target("", rel.target))
        except PartXmlError:
            pass
    if workbook_part is None:
        workbook_part = names.find("xl/workbook.xml")
    if workbook_part is None:
        raise MissingWorkbookError(workbook_part)
    base = posixpath.dirname(workbook_part)
    rels_part = names.find(rels_part_of(workbook_part))
    rels = {} if rels_part is None else {r.id: r for r in relationships(read(rels_part), rels_part)}
    styles_part = calc_chain_part = calc_chain_rel_id = None
    for rel in rels.values():
        if rel.type.endswith("/styles"):
            styles_part = names.find(resolve_target(base, rel.target))
        elif rel.type.endswith("/calcChain"):
            calc_chain_part = names.find(resolve_target(base, rel.target))
            calc_chain_rel_id = rel.id
    workbook = parse_part_xml(read(workbook_part), workbook_part)
    listed: Any = next((e for e in workbook if local_name(e.tag) == "sheets"), [])
    sheets: list[SheetEntry] = []
    for element in listed:
        if local_name(element.tag) != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if local_name(k) == "id"), "")
        sheet_rel = rels.get(rel_id)
        sheets.append(
            SheetEntry(
                name=element.get("name", ""),
                part=None
                if sheet_rel is None
                else names.find(resolve_target(base, sheet_rel.target)),
                type="" if sheet_rel is None else sheet_rel.type,
                index=len(sheets) + 1,
            )
        )
    return WorkbookStructure(
        workbook_part=workbook_part,
        workbook_rels_part=rels_part,
        sheets=sheets,
        styles_part=styles_part,
        calc_chain_part=calc_chain_part,
        calc_chain_rel_id=calc_chain_rel_id,
    )


@dataclass(slots=True)
class PackageParts:
    """A package held in memory, for the safe writer: its zip entries in order with their bytes
    and attributes, the archive comment, and where the workbook's parts are.

    :meth:`load` applies the checks of reading that concern the zip and the XML (sizes, ratio,
    real inflated sizes, CRC, no DTD or entity declarations in any part).
    """

    shown: str
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    comment: bytes
    names: PartNames
    structure: WorkbookStructure

    @classmethod
    def load(cls, raw: bytes, shown: str) -> PackageParts:
        """Raises ``LedgerReadError`` (zip bomb, DTD), :class:`MissingWorkbookError`,
        :class:`PartXmlError`, or what :mod:`zipfile` raises for a broken archive."""
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            check_sizes(archive, shown)
            data = {info.filename: read_part(archive, info, shown=shown) for info in infos}
            comment = archive.comment
        for name, content in data.items():
            refuse_dtd(name, content, shown)
        names = PartNames(data)
        structure = workbook_structure(names, data.__getitem__)
        return cls(
            shown=shown, infos=infos, data=data, comment=comment, names=names, structure=structure
        )

    def find(self, part: str) -> str | None:
        return self.names.find(part)

    def related(self, part: str, rel_type: str) -> list[tuple[str, str]]:
        """``(relationship id, part name)`` of the parts ``part`` refers to with ``rel_type``."""
        return related_parts(self.names, self.data.__getitem__, part, rel_type)


# --- cells calamine cannot see ---------------------------------------------------------------------

# Linear on any input: attributes stop at the next tag, a body never spans another cell's start.
_CELL_RE = re.compile(rb"<c\b([^<>]*?)(?:/>|>((?:[^<]|<(?!/c>|c\b))*+)</c>)")
_REF_RE = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_TYPE_ERROR_RE = re.compile(rb'\bt="e"')
_VALUE_RE = re.compile(rb"<v>([^<]*)</v>")


def scan_special_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """Error cells and formulas without a cached value in one sheet part (1-based row, col)."""
    found: dict[tuple[int, int], str] = {}
    if b't="e"' not in xml and b"<f" not in xml:
        return found
    for match in _iter_candidate_cells(xml):
        attrs, body = match.group(1), match.group(2) or b""
        ref = _REF_RE.search(attrs)
        if ref is None:
            continue
        key = (int(ref.group(2)), column_number(ref.group(1).decode()))
        value = _VALUE_RE.search(body)
        if _TYPE_ERROR_RE.search(attrs):
            found[key] = value.group(1).decode("utf-8", "replace") if value else "#FEL"
        elif b"<f" in body and (value is None or value.group(1) == b""):
            if b't="str"' in attrs and value is not None:
                continue  # a formula whose cached value is the empty string
            found[key] = FORMULA_WITHOUT_VALUE
    return found


def _iter_candidate_cells(xml: bytes) -> Iterator[re.Match[bytes]]:
    for match in _CELL_RE.finditer(xml):
        attrs, body = match.group(1), match.group(2) or b""
        if b't="e"' in attrs or b"<f" in body:
            yield match
