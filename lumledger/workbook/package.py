"""The workbook as a file: what kind of file it is, whether it is safe to open, and its parts.

Before any spreadsheet library sees a file, :func:`open_package` decides whether lumledger may
read it at all: missing, empty, an old ``.xls``, encrypted, not a zip, truncated, a zip bomb,
or XML with entity declarations (entity expansion and external entities) are refused with one
Swedish sentence (:class:`~lumledger.findings.LedgerReadError`, exit status 2).

It also finds what python-calamine cannot tell us: cells holding an Excel error (``#N/A`` …)
and formulas saved without a cached value.

Files that are no Excel workbook are named (Numbers, OpenDocument, Word, PowerPoint:
:mod:`lumledger.workbook.foreign`); a binary ``.xlsb`` is checked record by record
(:mod:`lumledger.workbook.xlsb`); part names are resolved as python-calamine resolves them
(:func:`part_key`); Excel 4.0 macro sheets are hidden from calamine (:func:`calamine_source`). The
one pass over each sheet also notes merged ranges, hidden rows and the AutoFilter
(:mod:`lumledger.workbook.habits`) for the reader's findings.

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
import string
import struct
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
from lumledger.workbook import xlsb
from lumledger.workbook.foreign import foreign_zip_message, numbers_folder_message
from lumledger.workbook.habits import HabitScan, SheetHabits
from lumledger.workbook.scan_notes import ScanNotes

# Limits. A ledger of Excel's full 1 048 575 rows holds 0.85 to 1.7 GB of XML (1.5 GB in one
# sheet with every column filled); a zip bomb is caught by its ratio long before these sizes.
MAX_TOTAL_UNCOMPRESSED = 6_000_000_000
MAX_PART_UNCOMPRESSED = 4_000_000_000
MAX_RATIO = 200  # uncompressed / compressed bytes of one part, once the part exceeds SMALL_PART
SMALL_PART = 10_000_000
# A ratio alone cannot tell a legitimate sheet recompressed at zlib's default level (Excel's own
# 57 MB sheet reaches 250:1) from a bomb (one repeated byte packs 1 023:1); a bound on what the
# high ratio may cost can: a part may go up to HIGH_RATIO while it stays under HIGH_RATIO_PART
# inflated, and the bytes beyond MAX_RATIO x packed stay under HIGH_RATIO_TOTAL for all parts.
HIGH_RATIO = 500
HIGH_RATIO_PART = 256 << 20
HIGH_RATIO_TOTAL = 512 << 20
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
    excess: int = 0  # bytes inflated beyond MAX_RATIO x packed so far (see part_limit)
    format: str = "xlsx"  # "xlsx" (also .xlsm) or "xlsb" (binary parts)
    sheet_parts: set[str] = field(default_factory=set)  # every part calamine may read as a sheet
    # sheets that are no ledger sheets (title -> "chartsheet", "dialogsheet", "macrosheet" …)
    ignored_sheets: dict[str, str] = field(default_factory=dict)
    hidden_sheets: dict[str, str] = field(default_factory=dict)  # title -> hidden | veryHidden
    binary: BinaryNotes = field(default_factory=lambda: BinaryNotes())
    # part -> merged ranges, hidden rows and the AutoFilter seen in it (only parts with any)
    habits: dict[str, SheetHabits] = field(default_factory=dict)
    calamine_hides: CalamineHides | None = None  # sheets python-calamine must not be shown
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
        """Check ``parts`` (default: every pending part) if they are still pending. The columnar
        reader's worker asks for a sheet already checked while this thread checks another:
        ``pending`` is copied before it is looked at, and a part leaves it once checked."""
        todo = [p for p in list(self.pending) if parts is None or p in parts]
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
                if name in self.pending:
                    self.pending.remove(name)

    def special_cells(self, title: str) -> dict[tuple[int, int], str]:
        """Cells calamine reads as empty but are not: ``{(row, col): "#N/A" | FORMULA_WITHOUT_VALUE}``."""
        part = self.sheets.get(title)
        if part is None:
            return {}
        self.check_pending([part])
        if self.format == "xlsb":
            return dict(self.binary.errors.get(part, {}))
        if part not in self.parts_with_special_cells:
            return {}
        with zipfile.ZipFile(self.path) as archive:
            return scan_special_cells(read_part(archive, part))

    def sheet_habits(self, title: str) -> SheetHabits:
        """Merged ranges, hidden rows and the AutoFilter of the sheet ``title`` (checked first)."""
        part = self.sheets.get(title)
        if part is None:
            return SheetHabits()
        self.check_pending([part])
        return self.habits.get(part) or SheetHabits()


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
            numbers_folder_message(file)
            or f"{shown} är en mapp, inte en arbetsbok; ange en .xlsx- eller .xlsm-fil."
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
        names = PartNames(archive.namelist())
        _refuse_foreign(archive, names, file)
        structure = _structure_first(archive, names, shown, package)
        package.notes = ScanNotes.begin(archive)
        _check_integrity(archive, shown, package)
        if structure is None:  # refused with the reason the structure could not be read
            structure = _read_structure(archive, names, shown)
        package.sheets = _sheet_parts(structure, shown, package)
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
    """The zip's declared sizes: number of parts, each part within :func:`part_limit`, the total,
    and the bytes allowed only by the high-ratio bound (:func:`high_ratio_excess`) together."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise LedgerReadError(
            f"Filen {shown} har orimligt många delar ({len(infos)}); den läses inte."
        )
    total = excess = 0
    for info in infos:
        total += info.file_size
        excess += high_ratio_excess(info.file_size, info.compress_size)
        if (
            info.file_size > part_limit(info.compress_size)
            or total > MAX_TOTAL_UNCOMPRESSED
            or excess > HIGH_RATIO_TOTAL
        ):
            raise LedgerReadError(_bomb_message(shown))


def part_limit(compressed: int) -> int:
    """The most a part packed into ``compressed`` bytes may inflate to: ``SMALL_PART`` whatever
    its ratio, ``MAX_RATIO`` times its packed size, or up to ``HIGH_RATIO`` times while that
    stays under ``HIGH_RATIO_PART``; never above ``MAX_PART_UNCOMPRESSED``."""
    packed = max(compressed, 1)
    return min(
        MAX_PART_UNCOMPRESSED,
        max(SMALL_PART, MAX_RATIO * packed, min(HIGH_RATIO * packed, HIGH_RATIO_PART)),
    )


def high_ratio_excess(size: int, compressed: int) -> int:
    """The bytes of a part of ``size`` beyond what ``MAX_RATIO`` alone allows (summed over the
    package against ``HIGH_RATIO_TOTAL``)."""
    return max(0, size - max(SMALL_PART, MAX_RATIO * max(compressed, 1)))


def _bomb_message(shown: str) -> str:
    return (
        f"Filen {shown} packas upp till orimligt stor storlek (möjlig zip-bomb) och läses inte; "
        "kontrollera var filen kommer ifrån."
    )


def read_part(archive: zipfile.ZipFile, part: str | zipfile.ZipInfo, *, shown: str = "") -> bytes:
    """Inflate one part, stopping as soon as it outgrows what its compressed size allows."""
    info = part if isinstance(part, zipfile.ZipInfo) else archive.getinfo(part)
    limit = part_limit(info.compress_size)
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
    if _looks_like_xml(name, data[:64]) and declares_dtd(data):
        raise LedgerReadError(_DTD_MESSAGE.format(shown=shown))


def declares_dtd(data: bytes) -> bool:
    """Whether XML ``data`` (or a window of it) declares a DTD or entities (any encoding); shared
    with the form reader (:mod:`lumledger.forms.docx`)."""
    return data.find(b"!") >= 0 and _DTD_RE.search(data) is not None


def looks_like_xml(name: str, head: bytes) -> bool:
    """Parts an XML parser would read: by name, or by content (``head``) whatever the name."""
    return _looks_like_xml(name, head)


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
    habits: HabitScan | None = None


def _scan_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    shown: str,
    is_sheet: bool,
    notes: ScanNotes | None = None,
) -> _PartScan:
    """Stream one part once: real size within limits, CRC intact, no DTD, cells within limits
    (and, with ``notes``, what the columnar reader needs to know about the part).

    ``is_sheet``: the part is one the workbook's relationships point at as a sheet (or lies
    under ``xl/worksheets/``), whatever its name: calamine reads what the relationship says."""
    limit = part_limit(info.compress_size)
    result = _PartScan(grid=_GridScan(shown) if is_sheet else None)
    if is_sheet:
        result.habits = HabitScan()
    noting = notes.observer(info.filename, is_worksheet=is_sheet) if notes else None
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
        if result.habits is not None:
            result.habits.feed(chunk)
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
        if info.is_dir() or part_key(info.filename).endswith("/"):
            continue
        if info.filename in package.sheet_parts and info.file_size > DEFER_SCAN_BYTES:
            package.pending.append(info.filename)
            continue
        package.inflated += _check_part(archive, info, shown, package)


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, package: Package
) -> int:
    """Check one part (see :func:`_scan_part`), note what it holds in ``package``; its size."""
    is_sheet = info.filename in package.sheet_parts
    try:
        if is_sheet and package.format == "xlsb" and part_key(info.filename).endswith(".bin"):
            return _check_binary_sheet(archive, info, shown, package)
        scan = _scan_part(archive, info, shown, is_sheet, package.notes)
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
    _count_inflated(package, scan.size, info, shown)
    if scan.has_special:
        package.parts_with_special_cells.add(info.filename)
    if area is not None:
        package.oversized[info.filename] = area
    if scan.habits is not None and scan.habits.found:
        package.habits[info.filename] = scan.habits.found
    return scan.size


def _count_inflated(package: Package, size: int, info: zipfile.ZipInfo, shown: str) -> None:
    """Refuse when the parts inflated so far exceed the total or the high-ratio allowance."""
    package.excess += high_ratio_excess(size, info.compress_size)
    if package.inflated + size > MAX_TOTAL_UNCOMPRESSED or package.excess > HIGH_RATIO_TOTAL:
        raise LedgerReadError(_bomb_message(shown))


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


def _read_structure(archive: zipfile.ZipFile, names: PartNames, shown: str) -> WorkbookStructure:
    """The workbook's structure, read from the zip (each part size-limited, no DTD), or refused."""

    def read(name: str) -> bytes:
        data = read_part(archive, name, shown=shown)
        refuse_dtd(name, data, shown)
        return data

    try:
        return workbook_structure(names, read)
    except MissingWorkbookError:
        raise LedgerReadError(
            f"Filen {shown} är en zip-fil men ingen Excel-arbetsbok (xl/workbook.xml saknas); "
            "spara den som Excel-arbetsbok."
        ) from None
    except PartXmlError:
        raise LedgerReadError(
            f"Filen {shown} är skadad (arbetsbokens XML går inte att läsa); spara om den i Excel."
        ) from None


def _structure_first(
    archive: zipfile.ZipFile, names: PartNames, shown: str, package: Package
) -> WorkbookStructure | None:
    """Before the integrity pass: the parts calamine may read as sheets (what the workbook's
    relationships point at, whatever their names, and anything under ``xl/worksheets/``), so that
    each of them gets the used-area check. ``None`` when the structure cannot be read yet (the
    integrity pass, then :func:`_read_structure`, says why)."""
    if names.duplicates:
        raise LedgerReadError(
            f"Filen {shown} är skadad (delen {names.duplicates[0]} finns två gånger); "
            "öppna den i Excel och spara den på nytt."
        )
    try:
        structure: WorkbookStructure | None = _read_structure(archive, names, shown)
    except _STRUCTURE_ERRORS:
        structure = None
    listed = set() if structure is None else {s.part for s in structure.sheets if s.part}
    package.sheet_parts = listed | {
        name for name in archive.namelist() if _is_worksheet(part_key(name))
    }
    if structure is not None and part_key(structure.workbook_part).endswith(".bin"):
        package.format = "xlsb"
        _check_binary_structure(archive, names, structure, shown, package)
    return structure


_UNPACK_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    KeyError,
)
_STRUCTURE_ERRORS: tuple[type[Exception], ...] = (LedgerReadError, *_UNPACK_ERRORS)


def _sheet_parts(structure: WorkbookStructure, shown: str, package: Package) -> dict[str, str]:
    """Sheet title -> worksheet part, in workbook order; the other sheets (chart, dialog and
    Excel 4.0 macro sheets) noted as ignored, hidden sheets noted, and the sheets python-calamine
    refuses a whole book for noted for :func:`calamine_source`."""
    sheets: dict[str, str] = {}
    for sheet in structure.sheets:
        if sheet.state in ("hidden", "veryHidden"):
            package.hidden_sheets[sheet.name] = sheet.state
        if sheet.part is not None and sheet.is_worksheet:
            sheets[sheet.name] = sheet.part
        elif sheet.part is not None:
            package.ignored_sheets[sheet.name] = sheet.kind
    hides = _calamine_refuses(structure, package.format)
    if hides:
        package.calamine_hides = CalamineHides(
            workbook_part=structure.workbook_part, rel_ids=frozenset(hides)
        )
    return sheets


# --- foreign zips, binary workbooks, sheets calamine refuses ---------------------------------------


def _refuse_foreign(archive: zipfile.ZipFile, names: PartNames, file: Path) -> None:
    """Name a Numbers, OpenDocument, Word or PowerPoint file from its part names (nothing of it
    is inflated but a ``mimetype`` of at most 100 bytes)."""

    def read_small(key: str) -> bytes | None:
        name = names.find(key)
        info = None if name is None else archive.getinfo(name)
        if info is None or info.file_size > 100 or info.compress_size > 200:
            return None
        return archive.read(info)

    message = foreign_zip_message(names.keyed, file.name, file.suffix.lower(), read_small)
    if message is not None:
        raise LedgerReadError(message)


@dataclass(slots=True)
class BinaryNotes:
    """What the record walk found in a ``.xlsb``'s sheets (calamine cannot show it)."""

    shared_strings: int = 0  # BrtSSTItem records in xl/sharedStrings.bin
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # part -> cells


@dataclass(frozen=True, slots=True)
class CalamineHides:
    """Sheets python-calamine refuses a whole book for (Excel 4.0 macro sheets; in a ``.xlsb`` any
    sheet outside worksheets/, chartsheets/, dialogsheets/): it is given a copy whose workbook
    part does not list them (:func:`calamine_source`)."""

    workbook_part: str
    rel_ids: frozenset[str]


def _calamine_refuses(structure: WorkbookStructure, file_format: str) -> list[str]:
    if file_format == "xlsb":
        readable = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
        return [
            s.rel_id for s in structure.sheets if not part_key(s.part or "").startswith(readable)
        ]
    # A sheet without its relationship ("Relationship not found") stays a refusal of the book.
    return [s.rel_id for s in structure.sheets if s.kind == "macrosheet"]


_SHEET_ELEMENT_RE = re.compile(
    rb"<(?P<prefix>[A-Za-z_][\w.-]*:)?sheet\b(?P<attrs>[^<>]*?)(?:/>|>\s*</(?P=prefix)?sheet\s*>)"
)
_RID_RE = re.compile(rb"""(?:^|\s)[\w.-]*:?id\s*=\s*["']([^"']*)["']""")


def calamine_source(package: Package) -> io.BytesIO | None:
    """What python-calamine should open instead of the file, or ``None`` (the file itself): for a
    book with sheets calamine refuses (:class:`CalamineHides`), an in-memory copy whose workbook
    part no longer lists them. Every other part keeps its checked, compressed bytes (the zip is
    extended, not rebuilt; the new central directory lists the new workbook part only)."""
    hides = package.calamine_hides
    if hides is None:
        return None
    buffer = io.BytesIO(package.path.read_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        info = archive.getinfo(hides.workbook_part)
        data = read_part(archive, info, shown=package.path.name)
        if package.format == "xlsb":
            new = xlsb.without_sheets(data, hides.rel_ids)
        else:

            def keep(match: re.Match[bytes]) -> bytes:
                rel = _RID_RE.search(match.group("attrs"))
                rel_id = rel.group(1).decode("utf-8", "replace") if rel else ""
                return b"" if rel_id in hides.rel_ids else match.group(0)

            new = _SHEET_ELEMENT_RE.sub(keep, data)
        archive.filelist.remove(info)
        del archive.NameToInfo[info.filename]
        replacement = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        replacement.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(replacement, new)
    buffer.seek(0)
    return buffer


def bundled_sheets(data: bytes, part: str) -> list[tuple[str, str, str]]:
    """The sheets of a ``workbook.bin`` (:func:`lumledger.workbook.xlsb.bundled_sheets`)."""
    try:
        return xlsb.bundled_sheets(data)
    except (struct.error, ValueError) as exc:
        raise PartXmlError(part, str(exc)) from None


def _check_binary_structure(
    archive: zipfile.ZipFile,
    names: PartNames,
    structure: WorkbookStructure,
    shown: str,
    package: Package,
) -> None:
    """What python-calamine panics on in a ``.xlsb``: a sheet whose relationship or part is
    missing (a map lookup at open); and it counts the shared strings for :func:`_check_binary_sheet`
    (an index beyond the table panics when the sheet is read)."""
    if any(sheet.part is None for sheet in structure.sheets):
        raise LedgerReadError(
            f"Filen {shown} är skadad (ett blad saknar sin del); spara om den i Excel."
        )
    strings = names.find("xl/sharedStrings.bin")  # the one path calamine reads
    if strings is not None:
        package.binary.shared_strings = xlsb.count_shared_strings(
            read_part(archive, strings, shown=shown)
        )


def _check_binary_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, package: Package
) -> int:
    """A ``.xlsb`` sheet part: every zip limit, then the record walk instead of the XML scans."""
    data = read_part(archive, info, shown=shown)
    scan = xlsb.scan_sheet(data)
    if scan.max_isst >= package.binary.shared_strings:
        raise LedgerReadError(
            f"Filen {shown} är skadad (delen {info.filename} pekar på text som saknas); "
            "spara om den i Excel."
        )
    _count_inflated(package, len(data), info, shown)
    if scan.area is not None:
        _GridScan(shown)._check_limits(scan.area[2], scan.area[3])
        cells = _cells(scan.area)
        if cells > MAX_GRID_CELLS or (
            cells > SPARSE_MIN_CELLS and cells > SPARSE_RATIO * scan.values
        ):
            package.oversized[info.filename] = scan.area
    if scan.errors:
        package.binary.errors[info.filename] = scan.errors
    if scan.habits:
        package.habits[info.filename] = scan.habits
    return len(data)


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
    state: str = "visible"  # visible | hidden | veryHidden
    rel_id: str = ""

    @property
    def is_worksheet(self) -> bool:
        return self.type.endswith("/worksheet")

    @property
    def kind(self) -> str:
        """worksheet, chartsheet, dialogsheet, macrosheet (Excel 4.0) or unknown."""
        return _SHEET_KINDS.get(self.type.rsplit("/", 1)[-1].lower(), "unknown")


_SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlmacrosheet": "macrosheet",
    "xlintlmacrosheet": "macrosheet",
    "macrosheet": "macrosheet",
}


@dataclass(frozen=True, slots=True)
class WorkbookStructure:
    workbook_part: str
    workbook_rels_part: str | None
    sheets: list[SheetEntry]
    styles_part: str | None
    calc_chain_part: str | None
    calc_chain_rel_id: str | None


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def part_key(name: str) -> str:
    """A part name as python-calamine looks it up (``build_zip_path_cache``): ``\\`` read as
    ``/``, no leading ``/``, ASCII letters lower-cased (not ``casefold``: calamine folds neither
    ``K`` nor ``ß``)."""
    return name.replace("\\", "/").lstrip("/").translate(_ASCII_LOWER)


class PartNames:
    """The package's part names, found exactly or else by :func:`part_key` (backslashes and case
    as Excel and python-calamine read them). Names that share a key are ``duplicates``: reading
    refuses them, since lumledger could check one part while calamine reads the other."""

    def __init__(self, names: Iterable[str]) -> None:
        ordered = list(names)
        self.names = set(ordered)
        self.keyed: dict[str, str] = {}
        self.duplicates: list[str] = []
        for name in ordered:  # zip order: the first of names that share a key
            key = part_key(name)
            if not key or key.endswith("/"):
                continue
            if key in self.keyed:
                self.duplicates.append(name)
            else:
                self.keyed[key] = name

    def find(self, part: str) -> str | None:
        part = part.lstrip("/")
        if part in self.names:
            return part
        return self.keyed.get(part_key(part))


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def rels_part_of(part: str) -> str:
    """The relationships part of ``part``: ``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    part = part.replace("\\", "/")
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve_target(base: str, target: str) -> str:
    """A relationship's target as a part name, relative to the folder ``base`` of its source."""
    target = target.replace("\\", "/")
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
    base = posixpath.dirname(part.replace("\\", "/"))
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
    base = posixpath.dirname(workbook_part.replace("\\", "/"))
    rels_part = names.find(rels_part_of(workbook_part))
    rels = {} if rels_part is None else {r.id: r for r in relationships(read(rels_part), rels_part)}
    styles_part = calc_chain_part = calc_chain_rel_id = None
    for rel in rels.values():
        if rel.type.endswith("/styles"):
            styles_part = names.find(resolve_target(base, rel.target))
        elif rel.type.endswith("/calcChain"):
            calc_chain_part = names.find(resolve_target(base, rel.target))
            calc_chain_rel_id = rel.id
    listed = (
        bundled_sheets(read(workbook_part), workbook_part)
        if part_key(workbook_part).endswith(".bin")
        else _xml_sheets(read(workbook_part), workbook_part)
    )
    sheets: list[SheetEntry] = []
    for name, rel_id, state in listed:
        sheet_rel = rels.get(rel_id)
        sheets.append(
            SheetEntry(
                name=name,
                part=None
                if sheet_rel is None
                else names.find(resolve_target(base, sheet_rel.target)),
                type="" if sheet_rel is None else sheet_rel.type,
                index=len(sheets) + 1,
                state=state,
                rel_id=rel_id,
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


def _xml_sheets(data: bytes, part: str) -> list[tuple[str, str, str]]:
    """``(name, relationship id, state)`` of each ``<sheet>`` of a workbook.xml."""
    workbook = parse_part_xml(data, part)
    listed: Any = next((e for e in workbook if local_name(e.tag) == "sheets"), [])
    return [
        (
            element.get("name", ""),
            next((v for k, v in element.attrib.items() if local_name(k) == "id"), ""),
            element.get("state", "visible"),
        )
        for element in listed
        if local_name(element.tag) == "sheet"
    ]


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
