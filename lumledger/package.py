"""The workbook as a file: what kind of file it is, whether it is safe to open, and its parts.

Before any spreadsheet library sees a file, :func:`open_package` decides whether lumledger may
read it at all: missing, empty, an old ``.xls``, encrypted, not a zip, truncated, a zip bomb,
or XML with entity declarations (entity expansion and external entities) are refused with one
Swedish sentence (:class:`~lumledger.findings.LedgerReadError`, exit status 2).

It also finds what python-calamine cannot tell us: cells holding an Excel error (``#N/A`` …)
and formulas saved without a cached value. Standard library only.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from lumledger.findings import LedgerReadError

# Limits. A ledger of Excel's full 1 048 575 rows holds about 850 MB of XML.
MAX_TOTAL_UNCOMPRESSED = 2_000_000_000
MAX_PART_UNCOMPRESSED = 1_500_000_000
MAX_RATIO = 200  # uncompressed / compressed bytes of one part, once the part exceeds SMALL_PART
SMALL_PART = 10_000_000
MAX_PARTS = 10_000
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

FORMULA_WITHOUT_VALUE = "formula-without-value"

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(slots=True)
class Package:
    """An opened, checked ``.xlsx``/``.xlsm``: sheet titles in order and their part names."""

    path: Path
    sheets: dict[str, str] = field(default_factory=dict)  # title -> part name, workbook order
    parts_with_special_cells: set[str] = field(default_factory=set)

    def special_cells(self, title: str) -> dict[tuple[int, int], str]:
        """Cells calamine reads as empty but are not: ``{(row, col): "#N/A" | FORMULA_WITHOUT_VALUE}``."""
        part = self.sheets.get(title)
        if part is None or part not in self.parts_with_special_cells:
            return {}
        with zipfile.ZipFile(self.path) as archive:
            return scan_special_cells(_read_part(archive, part))


def lock_file_for(path: Path) -> list[Path]:
    """Excel's owner file(s) for ``path``: ``~$name.xlsx`` (Excel drops leading characters of long names)."""
    name = path.name
    candidates = [path.with_name("~$" + name)]
    if len(name) > 2:
        candidates.append(path.with_name("~$" + name[2:]))
    return candidates


def open_package(path: str | Path, *, refuse_when_open: bool = True) -> Package:
    """Check ``path`` and return its :class:`Package`, or raise :class:`LedgerReadError`."""
    file = Path(path)
    shown = file.name
    if not file.exists():
        raise LedgerReadError(f"Filen {shown} finns inte; kontrollera sökvägen och filnamnet.")
    if file.is_dir():
        raise LedgerReadError(
            f"{shown} är en mapp, inte en arbetsbok; ange en .xlsx- eller .xlsm-fil."
        )
    if refuse_when_open:
        for lock in lock_file_for(file):
            if lock.exists():
                raise LedgerReadError(
                    f"Arbetsboken {shown} är öppen i Excel (låsfilen {lock.name} finns); spara och "
                    "stäng den i Excel, eller använd knappen Validera i arbetsboken."
                )
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
    with archive:
        _check_sizes(archive, shown)
        special_parts = _check_integrity(archive, shown)
        sheets = _sheet_parts(archive, shown)
    return Package(path=file, sheets=sheets, parts_with_special_cells=special_parts)


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


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_SPECIAL_MARKERS = (b't="e"', b"<f")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> tuple[int, bool]:
    """Stream one part: real size within limits, CRC intact, no DTD. Returns (size, has_special)."""
    limit = min(MAX_PART_UNCOMPRESSED, max(SMALL_PART, MAX_RATIO * max(info.compress_size, 1)))
    size = 0
    tail = b""
    has_special = False
    is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(1 << 22)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise LedgerReadError(_bomb_message(shown))
            if is_xml:
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    raise LedgerReadError(
                        f"Filen {shown} innehåller XML-deklarationer (DOCTYPE/ENTITY) som Excel "
                        "aldrig skriver; den kan vara skadlig och läses inte."
                    )
                if not has_special:
                    has_special = any(marker in window for marker in _SPECIAL_MARKERS)
                tail = chunk[-16:]
    return size, has_special


def _check_integrity(archive: zipfile.ZipFile, shown: str) -> set[str]:
    """Inflate every part once (CRC, truncation, real sizes, no DTD); the parts that need a scan."""
    total = 0
    special: set[str] = set()
    for info in archive.infolist():
        if info.is_dir():
            continue
        try:
            size, has_special = _scan_part(archive, info, shown)
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
        total += size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise LedgerReadError(_bomb_message(shown))
        if has_special:
            special.add(info.filename)
    return special


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
    sheets: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        title = sheet.get("name", "")
        rel_id = sheet.get(f"{{{_NS_REL}}}id", "")
        part = targets.get(rel_id, "")
        if part in names:
            sheets[title] = part
    return sheets


# --- cells calamine cannot see ---------------------------------------------------------------------

_CELL_RE = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.DOTALL)
_REF_RE = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_TYPE_ERROR_RE = re.compile(rb'\bt="e"')
_VALUE_RE = re.compile(rb"<v>([^<]*)</v>")


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def scan_special_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """Error cells and formulas without a cached value in one sheet part (1-based row, col)."""
    found: dict[tuple[int, int], str] = {}
    if b't="e"' not in xml and b"<f" not in xml:
        return found
    for match in _iter_candidate_cells(xml):
        attrs, body = match.group(1), match.group(3) or b""
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
        attrs, body = match.group(1), match.group(3) or b""
        if b't="e"' in attrs or b"<f" in body:
            yield match
