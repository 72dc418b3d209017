"""Open an untrusted Word file (.docx) safely and hand back only the main document's XML.

A form is a zip of XML like a workbook, and it gets the same checks as the workbook package layer
(:mod:`lumledger.workbook.package`, whose magic numbers, DTD detection and XML parsing it
reuses), with limits sized for forms: before any XML parser sees a byte, the file is
checked and refused with one Swedish sentence (:class:`DocxRefused`) when it is missing, empty,
an old ``.doc``, encrypted, RTF or PDF, not a zip, truncated or corrupt (every part is inflated
once, CRC checked), a zip bomb (declared and real sizes, ratio), has path tricks in member names
or relationship targets, carries XML with ``DOCTYPE``/``ENTITY`` (any part, any encoding), or
pulls content from outside the file (an external template, linked image, sub-document, frame).
Hyperlinks (``mailto:``, ``https:``) are allowed: they are never followed, only their visible
text is read.

Standard library plus defusedxml. :func:`open_docx_safely` returns :class:`SafeDocx` or raises
:class:`~lumledger.findings.LedgerReadError` (one Swedish sentence; exit status 2).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from lumledger.findings import LedgerReadError
from lumledger.workbook.package import OLE_MAGIC, ZIP_MAGIC, declares_dtd, looks_like_xml

# Limits. A filled form is a few hundred kilobytes; one with photos a few tens of megabytes.
MAX_PARTS = 2_000
MAX_TOTAL_UNCOMPRESSED = 512 << 20  # all parts together, inflated
MAX_PART_UNCOMPRESSED = 256 << 20  # any one part, inflated
MAX_XML_PART = 64 << 20  # an XML part we parse (document.xml, relationships)
MAX_RATIO = 200  # inflated / compressed size of one part, once the part exceeds SMALL_PART
SMALL_PART = 10 << 20
CHUNK = 1 << 20


NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
# External targets that are harmless because nothing follows them: only the text is read.
ALLOWED_EXTERNAL_TYPES = ("/hyperlink",)

_BAD_NAME_RE = re.compile(r"(^|/)\.\.?(/|$)|^/|\\|^[A-Za-z]:|\x00|//")


# The form is not read: one Swedish sentence for the officer (``message``), exit status 2.
DocxRefused = LedgerReadError


@dataclass(slots=True)
class SafeDocx:
    """A checked .docx: the main document part's name and bytes (nothing else is kept)."""

    path: Path
    document_part: str
    document_xml: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)  # word/header*.xml
    notes: list[str] = field(default_factory=list)  # Swedish remarks, e.g. macros present


def parse_xml(data: bytes, shown: str) -> Element:
    """Parse checked XML with defusedxml (DTDs, entities and external references forbidden)."""
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise DocxRefused(_dtd_message(shown)) from None
    except (SafeET.ParseError, ValueError):
        raise DocxRefused(
            f"Filen {shown} är skadad (dokumentets XML går inte att läsa); "
            "öppna den i Word och spara den igen."
        ) from None
    return root


def open_docx_safely(path: str | Path) -> SafeDocx:
    """Check ``path`` and return the main document part, or raise :class:`DocxRefused`."""
    file = Path(path)
    shown = file.name
    head = _head(file, shown)
    if head.startswith(OLE_MAGIC):
        raise DocxRefused(_ole_message(file))
    if head.startswith(b"{\\rtf"):
        raise DocxRefused(
            f"Filen {shown} är en RTF-fil, inte ett Word-dokument (.docx); öppna den i Word "
            "och spara den som Word-dokument."
        )
    if head.startswith(b"%PDF"):
        raise DocxRefused(
            f"Filen {shown} är en PDF; blanketten kan bara läsas som Word-dokument (.docx), "
            "så be sökande om Word-filen."
        )
    if not head.startswith(ZIP_MAGIC):
        raise DocxRefused(
            f"Filen {shown} är inte ett Word-dokument (.docx); spara blanketten som "
            "Word-dokument och försök igen."
        )
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise DocxRefused(
            f"Filen {shown} är skadad eller ofullständig (zip-strukturen går inte att läsa); "
            "hämta en hel kopia av blanketten."
        ) from None
    with archive:
        infos = archive.infolist()
        _check_names_and_sizes(infos, shown)
        kept = _check_every_part(archive, infos, shown)
        return _main_document(file, archive, kept, shown)


def _head(file: Path, shown: str) -> bytes:
    if not file.exists():
        raise DocxRefused(f"Filen {shown} finns inte; kontrollera sökvägen och filnamnet.")
    if file.is_dir():
        raise DocxRefused(f"{shown} är en mapp, inte en blankett; ange en .docx-fil.")
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except PermissionError:
        raise DocxRefused(
            f"Filen {shown} är låst eller saknar läsbehörighet; stäng den i Word och försök igen."
        ) from None
    except OSError as exc:
        raise DocxRefused(f"Filen {shown} kunde inte läsas ({exc.strerror}).") from None
    if not head:
        raise DocxRefused(f"Filen {shown} är tom (0 byte); be om en ny kopia av blanketten.")
    return head


def _ole_message(file: Path) -> str:
    with file.open("rb") as handle:
        data = handle.read(1 << 18)
    if b"EncryptionInfo" in data or "EncryptionInfo".encode("utf-16-le") in data:
        return f"Blanketten {file.name} är lösenordsskyddad; be sökande skicka den utan lösenord."
    return (
        f"Filen {file.name} är i det gamla Word-formatet (.doc); öppna den i Word och spara "
        "den som Word-dokument (.docx)."
    )


def _bomb_message(shown: str) -> str:
    return (
        f"Filen {shown} packas upp till orimligt stor storlek (möjlig zip-bomb) och läses inte; "
        "kontrollera var filen kommer ifrån."
    )


def _dtd_message(shown: str) -> str:
    return (
        f"Filen {shown} innehåller XML-deklarationer (DOCTYPE/ENTITY) som Word aldrig skriver; "
        "den kan vara skadlig och läses inte."
    )


def _check_names_and_sizes(infos: list[zipfile.ZipInfo], shown: str) -> None:
    if len(infos) > MAX_PARTS:
        raise DocxRefused(f"Filen {shown} har orimligt många delar ({len(infos)}); den läses inte.")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _BAD_NAME_RE.search(name) or name.casefold() in seen:
            raise DocxRefused(
                f"Filen {shown} har delar med ogiltiga eller dubbla namn ({name[:60]!r}); "
                "den kan vara konstruerad för att lura program och läses inte."
            )
        seen.add(name.casefold())
        total += info.file_size
        if info.file_size > MAX_PART_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            raise DocxRefused(_bomb_message(shown))
        if info.file_size > SMALL_PART and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DocxRefused(_bomb_message(shown))


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _check_every_part(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], shown: str
) -> dict[str, bytes]:
    """Inflate every part once (real sizes, CRC, no DTD); keep the XML parts we may parse."""
    kept: dict[str, bytes] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        limit = min(MAX_PART_UNCOMPRESSED, max(SMALL_PART, MAX_RATIO * max(info.compress_size, 1)))
        size = 0
        tail = b""
        is_xml: bool | None = None
        keep = _is_kept(info.filename)
        pieces: list[bytes] = []
        try:
            for chunk in _chunks(archive, info):
                size += len(chunk)
                if size > limit or total + size > MAX_TOTAL_UNCOMPRESSED:
                    raise DocxRefused(_bomb_message(shown))
                if is_xml is None:
                    is_xml = looks_like_xml(info.filename, chunk[:64])
                if is_xml:
                    window = tail + chunk
                    if declares_dtd(window):
                        raise DocxRefused(_dtd_message(shown))
                    tail = chunk[-32:]
                if keep:
                    if size > MAX_XML_PART:
                        raise DocxRefused(
                            f"Dokumentdelen {info.filename} i {shown} är orimligt stor "
                            f"({size >> 20} MB); filen läses inte."
                        )
                    pieces.append(chunk)
        except DocxRefused:
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
            raise DocxRefused(
                f"Filen {shown} är skadad (delen {info.filename} går inte att packa upp); "
                "hämta en hel kopia av blanketten."
            ) from None
        total += size
        if keep:
            kept[info.filename] = b"".join(pieces)
    return kept


def _is_kept(name: str) -> bool:
    lower = name.lower()
    return (
        lower.endswith(".rels")
        or lower == "[content_types].xml"
        or (lower.startswith("word/") and lower.endswith(".xml") and lower.count("/") == 1)
    )


def _resolve(base_dir: str, target: str) -> str | None:
    """A relationship target as a part name, or None when it points outside the package."""
    if "\\" in target or "\x00" in target or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
        return None
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
    parts: list[str] = []
    for piece in joined.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def _relationships(xml: bytes, shown: str) -> list[Element]:
    root = parse_xml(xml, shown)
    return list(root.iter(f"{{{NS_PKG_REL}}}Relationship"))


def _check_external(kept: dict[str, bytes], shown: str) -> None:
    """Refuse content pulled from outside the file; allow external hyperlinks (never followed)."""
    for name, xml in sorted(kept.items()):
        if not name.lower().endswith(".rels"):
            continue
        base_dir = posixpath.dirname(posixpath.dirname(name))
        for rel in _relationships(xml, shown):
            target = rel.get("Target", "")
            rel_type = rel.get("Type", "")
            external = rel.get("TargetMode", "").lower() == "external"
            if external:
                if rel_type.endswith(ALLOWED_EXTERNAL_TYPES):
                    continue
                kind = rel_type.rsplit("/", 1)[-1] or "okänd typ"
                raise DocxRefused(
                    f"Blanketten {shown} hämtar innehåll utanför filen ({kind}: {target[:80]}); "
                    "den kan vara skadlig och läses inte."
                )
            if _resolve(base_dir, target) is None:
                raise DocxRefused(
                    f"Blanketten {shown} har en intern hänvisning som pekar utanför filen "
                    f"({target[:80]}); den kan vara konstruerad och läses inte."
                )


def _main_document(
    file: Path, archive: zipfile.ZipFile, kept: dict[str, bytes], shown: str
) -> SafeDocx:
    _check_external(kept, shown)
    names = {info.filename for info in archive.infolist()}
    part = "word/document.xml"
    rels = kept.get("_rels/.rels")
    if rels is not None:
        for rel in _relationships(rels, shown):
            if rel.get("Type", "") in REL_OFFICE_DOCUMENT:
                resolved = _resolve("", rel.get("Target", ""))
                if resolved is None:
                    raise DocxRefused(
                        f"Blanketten {shown} pekar ut sitt huvuddokument utanför filen; "
                        "den läses inte."
                    )
                part = resolved
    if part not in names:
        raise DocxRefused(
            f"Filen {shown} är en zip-fil men inget Word-dokument ({part} saknas); "
            "spara blanketten som Word-dokument (.docx)."
        )
    if part not in kept:
        raise DocxRefused(
            f"Filen {shown} har sitt huvuddokument på ett ovanligt ställe ({part}); "
            "öppna den i Word och spara den igen."
        )
    notes: list[str] = []
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        notes.append("Blanketten innehåller makron; de körs aldrig, bara texten läses.")
    headers = sorted((n, x) for n, x in kept.items() if re.fullmatch(r"word/header\d*\.xml", n))
    return SafeDocx(
        path=file, document_part=part, document_xml=kept[part], headers=headers, notes=notes
    )
