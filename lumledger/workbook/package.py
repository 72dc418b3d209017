"""The workbook as a file: what kind of file it is, whether it is safe to open, and its parts.

Before any spreadsheet library sees a file, :func:`open_package` decides whether lumledger may
read it at all: missing, empty, an old ``.xls``, encrypted, not a zip, truncated, a zip bomb,
or XML with entity declarations (entity expansion and external entities) are refused with one
Swedish sentence (:class:`~lumledger.findings.LedgerReadError`, exit status 2).

It also finds what python-calamine cannot tell us: cells holding an Excel error (``#N/A`` …)
and formulas saved without a cached value. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import sys
import tempfile
import typing
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from lumledger.findings import LedgerReadError
from lumledger.ledger_format import column_letters, column_number

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

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


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
            return scan_special_cells(_read_part(archive, part))


def _changed_message(shown: str) -> str:
    return (
        f"Filen {shown} ändrades eller försvann medan den lästes; "
        "försök igen när den är sparad och stängd."
    )


class NativePanic(RuntimeError):
    """A panic inside a native (Rust) reader, turned into an ordinary exception."""


@contextlib.contextmanager
def native_panics_caught() -> Iterator[None]:
    """Run a python-calamine call so that a Rust panic becomes :class:`NativePanic`.

    python-calamine raises ``pyo3_runtime.PanicException`` (a ``BaseException``, so it slips past
    ``except Exception``) for cells it cannot convert, e.g. a date-formatted ``-1E+308``, after
    Rust's panic hook has printed to the process's standard error. That text is held back in a
    temporary file and dropped on a panic; anything else written meanwhile is passed through.
    """
    saved = _redirect_stderr()
    panicked = False
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        panicked = True
        raise NativePanic(str(exc)) from None
    finally:
        if saved is not None:
            _restore_stderr(saved, replay=not panicked)


def _redirect_stderr() -> tuple[int, typing.IO[bytes]] | None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _restore_stderr
    except OSError:
        return None
    try:
        saved = os.dup(2)
    except OSError:
        sink.close()
        return None
    try:
        os.dup2(sink.fileno(), 2)
    except OSError:
        os.close(saved)
        sink.close()
        return None
    return saved, sink


def _restore_stderr(saved: tuple[int, typing.IO[bytes]], *, replay: bool) -> None:
    fd, sink = saved
    with sink:
        os.dup2(fd, 2)
        os.close(fd)
        if replay:
            sink.seek(0)
            text = sink.read(1 << 20)
            if text:
                with contextlib.suppress(OSError):
                    os.write(2, text)


def lock_file_for(path: Path) -> list[Path]:
    """Excel's owner file(s) for ``path``: ``~$name.xlsx`` (Excel drops leading characters of long names)."""
    name = path.name
    candidates = [path.with_name("~$" + name)]
    if len(name) > 2:
        candidates.append(path.with_name("~$" + name[2:]))
    return candidates


_last_opened: tuple[tuple[str, int, int, int, bool], Package] | None = None


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

    The last file checked is remembered by path, size, modification time and inode: the command
    line checks a file before it imports pandas (so a hostile file is refused in milliseconds),
    and the reader then reuses that check instead of inflating the file a second time.
    """
    global _last_opened
    file = Path(path)
    key = _identity(file, refuse_when_open)
    if key is not None and _last_opened is not None and _last_opened[0] == key:
        if refuse_when_open:
            _refuse_if_open(file)
        return _last_opened[1]
    package = _open_package(file, refuse_when_open=refuse_when_open)
    if key is not None:
        _last_opened = (key, package)
    return package


def _refuse_if_open(file: Path) -> None:
    for lock in lock_file_for(file):
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
        _check_sizes(archive, shown)
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


def _check_sizes(archive: zipfile.ZipFile, shown: str) -> None:
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


def _read_part(archive: zipfile.ZipFile, name: str, *, shown: str = "") -> bytes:
    """Inflate one part, stopping as soon as it outgrows what its compressed size allows."""
    info = archive.getinfo(name)
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


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> _PartScan:
    """Stream one part once: real size within limits, CRC intact, no DTD, cells within limits."""
    limit = min(MAX_PART_UNCOMPRESSED, max(SMALL_PART, MAX_RATIO * max(info.compress_size, 1)))
    result = _PartScan(grid=_GridScan(shown) if _is_worksheet(info.filename) else None)
    tail = b""
    is_xml: bool | None = None
    for chunk in _chunks(archive, info):
        result.size += len(chunk)
        if result.size > limit:
            raise LedgerReadError(_bomb_message(shown))
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
        scan = _scan_part(archive, info, shown)
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
    names = set(archive.namelist())
    workbook_part = "xl/workbook.xml"
    try:
        rels_xml = archive.read("_rels/.rels")
        for rel in ElementTree.fromstring(rels_xml).iter(f"{{{_NS_PKG_REL}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook_part = rel.get("Target", workbook_part).lstrip("/")
    except (KeyError, ElementTree.ParseError):
        pass
    if workbook_part not in names:
        raise LedgerReadError(
            f"Filen {shown} är en zip-fil men ingen Excel-arbetsbok (xl/workbook.xml saknas); "
            "spara den som Excel-arbetsbok."
        )
    base = posixpath.dirname(workbook_part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels")
    try:
        workbook = ElementTree.fromstring(archive.read(workbook_part))
        rels = ElementTree.fromstring(archive.read(rels_part)) if rels_part in names else None
    except ElementTree.ParseError:
        raise LedgerReadError(
            f"Filen {shown} är skadad (arbetsbokens XML går inte att läsa); spara om den i Excel."
        ) from None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(base, target))
            )
            targets[rel.get("Id", "")] = part
    by_folded = {name.casefold(): name for name in names}  # calamine ignores case, like Excel
    sheets: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        title = sheet.get("name", "")
        rel_id = sheet.get(f"{{{_NS_REL}}}id", "")
        part = targets.get(rel_id, "")
        part = part if part in names else by_folded.get(part.casefold(), "")
        if part:
            sheets[title] = part
    return sheets


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
