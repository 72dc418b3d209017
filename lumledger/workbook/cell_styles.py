"""Which cell styles calamine reads as dates or as durations (a port of calamine 0.36's
``formats.rs`` and ``Xlsx::read_styles``), from ``styles.xml`` read with plain byte searches.

Used for the rare cells whose XML the columnar reader looks at, and to know whether a workbook
has duration-formatted (``[h]:mm``) styles at all: fastexcel's ``duration`` type passes those
cells as well as dates, and python-calamine gives them as ``timedelta`` (a wrong type in a date
column).
"""

from __future__ import annotations

import html
import re
import zipfile

OTHER, DATETIME, TIMEDELTA = "other", "datetime", "timedelta"
MAX_STYLES_BYTES = 8 << 20

_BUILTIN = {b"14", b"15", b"16", b"17", b"18", b"19", b"20", b"21", b"22", b"45", b"47"}


def builtin_format_by_id(id_: bytes) -> str:
    if id_ in _BUILTIN:
        return DATETIME
    return TIMEDELTA if id_ == b"46" else OTHER


def detect_custom_number_format(fmt: str) -> str:
    """calamine's ``detect_custom_number_format``, character by character."""
    escaped = is_quote = hms = ap = False
    brackets = 0
    prev = " "
    for s in fmt:
        if escaped:
            escaped = False
        elif s in "_\\*":
            escaped = True
        elif is_quote and s == '"':
            is_quote = False
        elif is_quote:
            pass
        elif s == '"':
            is_quote = True
        elif s == ";":
            return OTHER
        elif s == "[":
            brackets = min(brackets + 1, 255)
        elif s == "]" and brackets == 1 and hms:
            return TIMEDELTA
        elif s == "]":
            brackets = max(brackets - 1, 0)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif brackets == 0 and ((s in "pm/PM" and ap) or (s in "dmhysDMHYS" and not ap)):
            return DATETIME
        else:
            if hms and s.lower() == prev.lower():
                pass
            else:
                hms = prev == "[" and s in "mhsMHS"
        prev = s
    return OTHER


_NUMFMTS_RE = re.compile(rb"<(?:[\w.-]+:)?numFmts\b.*?</(?:[\w.-]+:)?numFmts\s*>", re.S)
_NUMFMT_RE = re.compile(rb"<(?:[\w.-]+:)?numFmt\b([^>]*)>")
_CELLXFS_RE = re.compile(rb"<(?:[\w.-]+:)?cellXfs\b.*?</(?:[\w.-]+:)?cellXfs\s*>", re.S)
_CELLXFS_EMPTY_RE = re.compile(rb"<(?:[\w.-]+:)?cellXfs\b[^>]*/>")
_XF_RE = re.compile(rb"<(?:[\w.-]+:)?xf\b([^>]*)>")


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"(?:^|\s)" + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""", attrs)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def cell_formats(xml: bytes) -> list[str]:
    """The format kind of each ``cellXfs`` entry, by style index."""
    custom: dict[bytes, str] = {}
    block = _NUMFMTS_RE.search(xml)
    if block is not None:
        for m in _NUMFMT_RE.finditer(block.group(0)):
            id_, code = _attr(m.group(1), b"numFmtId"), _attr(m.group(1), b"formatCode")
            if id_ is not None and code is not None:
                custom[id_] = html.unescape(code.decode("utf-8", "replace"))
    formats: list[str] = []
    block = _CELLXFS_RE.search(xml)
    if block is None:
        return formats
    for m in _XF_RE.finditer(block.group(0)):
        id_ = _attr(m.group(1), b"numFmtId")
        if id_ is None:
            formats.append(OTHER)
        elif id_ in custom:
            formats.append(detect_custom_number_format(custom[id_]))
        else:
            formats.append(builtin_format_by_id(id_))
    return formats


class StylesUnknown(Exception):
    """styles.xml is not what this module reads exactly (the old reader decides)."""


def cell_formats_of(archive: zipfile.ZipFile) -> list[str]:
    """``xl/styles.xml``'s cell formats (empty when the part is absent); raises
    :class:`StylesUnknown` when the part is odd (too large, a DTD): the old reader decides."""
    try:
        names = {n.casefold(): n for n in archive.namelist()}
        name = names.get("xl/styles.xml")
        if name is None:
            return []
        info = archive.getinfo(name)
        if info.file_size > MAX_STYLES_BYTES:
            raise StylesUnknown("styles.xml too large")
        with archive.open(info) as stream:
            xml = stream.read(MAX_STYLES_BYTES + 1)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError, RuntimeError) as exc:
        raise StylesUnknown(str(exc)) from None
    except Exception as exc:  # zlib errors and the like
        raise StylesUnknown(str(exc)) from None
    if len(xml) > MAX_STYLES_BYTES or b"<!" in xml:
        raise StylesUnknown("styles.xml odd")
    return cell_formats(xml)
