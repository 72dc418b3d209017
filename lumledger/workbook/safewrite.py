"""Write a few cells into the officer's own workbook without damaging anything else in it.

openpyxl cannot be used to save a workbook it has loaded: it silently drops shapes, form
controls, ActiveX, cached formula values, Excel 2010 extensions (x14 validations, sparklines) and
more. :func:`write_cells` therefore never re-serialises a workbook. It treats the ``.xlsx``/
``.xlsm`` file as a zip of XML parts and

* copies every part it does not need to change with the same content, byte for byte (same
  order, same compression method, same time stamps and attributes; ``vbaProject.bin`` and every
  other binary part included; only the deflate stream is re-encoded, as Excel itself does),
* edits only the worksheet parts that receive values, as text: each written ``<c>`` element (and
  a ``<row>`` where a new row is needed) is replaced or inserted at its place and everything else
  in the part is kept character for character (namespace prefixes, ``mc:Ignorable``,
  ``x14ac:dyDescent``, extensions); the ``<dimension>`` and a row's ``spans`` hint grow to cover
  new cells,
* touches other parts only when it must:

  - ``xl/workbook.xml``: ``fullCalcOnLoad="1"`` is set on ``<calcPr>`` when the workbook has
    formulas. Excel does not recalculate a workbook on opening it when the file says it was
    calculated by the same engine, so formulas that depend on a written cell (sums, look-ups,
    cross-sheet references) would keep showing their stale cached values. The flag makes Excel
    recalculate once; Excel clears it when it next saves. A workbook without formulas is left
    alone. (LibreOffice ignores the flag unless told to recalculate on load.)
  - ``xl/styles.xml``: only when a date is written into a cell whose style has no date format;
    a ``yyyy-mm-dd`` number format and a copy of the cell's style with that format are appended
    (existing entries are never changed or reordered).
  - ``xl/calcChain.xml``: only when a write replaces a formula. Excel reports a workbook whose
    calculation chain names a cell without a formula as corrupt; as Microsoft recommends, the
    chain is then removed, with its relationship (``xl/_rels/workbook.xml.rels``) and content
    type (``[Content_Types].xml``), and Excel rebuilds it.

Strings are written as inline strings (``sharedStrings.xml`` is never touched), numbers exactly
as given (``Decimal`` without binary rounding), dates as serial numbers (1900 or 1904 system)
with a date format. A new cell takes the style of the nearest cell above it in its column (below
the header row), else its row's or column's style, so an appended row looks like the rows above.
Writes that would break the workbook are refused: part of a multi-cell array formula or data
table, the master of a shared formula other cells use, the inside of a merged range, the header
of an Excel table; so are digitally signed workbooks and workbooks open in Excel or LibreOffice.

Before anything is written the workbook is copied to a time-stamped backup beside it. The new
workbook is built in a temporary file in the same folder, compared part by part with the
original (:func:`verify_only_cells_changed`), and only then moved over the original with
:func:`os.replace`, which is atomic. The comparison is repeated on the file in place; if it ever
finds a change other than the intended cells, the backup is put back and
:class:`~lumledger.findings.LedgerWriteError` is raised. Standard library (and defusedxml) only.

Limits: cached values of formulas that depend on a written cell stay stale until Excel
recalculates (readers that take cached values, such as lumledger's, see the old figures until
the workbook has been opened and saved in Excel); rows appended below an Excel table do not
extend the table; strict Open XML is handled like transitional (not tried in Excel).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml import ElementTree as SafeElementTree

from lumledger.findings import LedgerWriteError
from lumledger.ledger_format import column_letters, column_number

CellValue = str | int | Decimal | dt.date | None

SUFFIXES = (".xlsx", ".xlsm")
MAX_TEXT_LENGTH = 32_767
MAX_DIGITS = 15  # Excel keeps 15 significant digits
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
HEADER_ROW = 1  # ledger format: the header is row 1; new cells never copy its style

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

_DATE_FORMAT = "yyyy\\-mm\\-dd"
_DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
_FIRST_CUSTOM_FORMAT = 164


# --- public API ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellWrite:
    """One cell to set. ``value=None`` clears the cell's value (and formula), keeping its style."""

    sheet: str  # sheet name as shown in Excel, e.g. "Omgångar" (compared case-insensitively)
    cell: str  # "M5"
    value: CellValue


@dataclass(frozen=True)
class WriteResult:
    path: Path
    backup: Path
    changed_cells: tuple[str, ...]  # "Omgångar!K3", ...


def lock_file_for(path: str | Path) -> Path:
    """Excel's owner ("lock") file for ``path``: ``~$name.xlsx`` beside it."""
    file = Path(path)
    return file.with_name("~$" + file.name)


def write_cells(
    path: str | Path, writes: Sequence[CellWrite], *, now: dt.datetime | None = None
) -> WriteResult:
    """Set ``writes`` in the workbook at ``path`` in place, after a backup; see the module doc.

    Raises :class:`LedgerWriteError` (one Swedish sentence) when the workbook cannot be written
    safely; the original is then unchanged. ``ValueError``/``TypeError`` mean a programming error
    (a malformed cell address, the same cell twice, an unsupported value type).
    """
    given = Path(path)
    targets = _normalise_writes(writes)
    _check_writable(given)
    # Write through a symbolic link to the real file instead of replacing the link.
    file = given.resolve() if given.is_symlink() else given
    if file != given:
        _check_writable(file)
    original = _read_original(file)
    package = _Package.load(original, file.name)
    _check_not_signed(package)
    plan = _plan(package, targets)

    backup = _make_backup(file, original, now or dt.datetime.now())
    temp: Path | None = None
    replaced = False
    try:
        temp = _write_temp(file, package, plan.parts, plan.removed)
        after = _Package.load(temp.read_bytes(), file.name)
        problems = _compare(package, after, plan.allowed)
        problems += _check_written(after, plan)
        if problems:
            raise LedgerWriteError(
                "Skrivningen avbröts eftersom kontrollen hittade oväntade ändringar ("
                + _summary(problems)
                + "); arbetsboken är oförändrad."
            )
        if _read_original(file) != original:
            raise LedgerWriteError(
                f"Arbetsboken {file.name} ändrades av ett annat program medan den skrevs; "
                "ingenting har ändrats, försök igen."
            )
        shutil.copymode(file, temp)
        try:
            os.replace(temp, file)
        except OSError as exc:
            raise LedgerWriteError(
                f"Arbetsboken {file.name} kunde inte ersättas ({exc.strerror}), kanske för att "
                "den är öppen i ett annat program; ingenting har ändrats, stäng den och försök igen."
            ) from None
        replaced = True
        _sync_directory(file.parent)
    except BaseException:
        if temp is not None and not replaced:
            temp.unlink(missing_ok=True)
        if not replaced:
            backup.unlink(missing_ok=True)
        raise

    problems = verify_only_cells_changed(backup, file, plan.allowed)
    if problems:
        try:
            _restore(backup, file)
        except OSError as exc:
            raise LedgerWriteError(
                "Kontrollen efter skrivningen hittade oväntade ändringar ("
                + _summary(problems)
                + f") och arbetsboken kunde inte återställas ({exc.strerror}); kopiera "
                f"säkerhetskopian {backup.name} över {file.name} för hand."
            ) from None
        raise LedgerWriteError(
            "Kontrollen efter skrivningen hittade oväntade ändringar ("
            + _summary(problems)
            + f"); arbetsboken har återställts från säkerhetskopian {backup.name}."
        )
    return WriteResult(path=given, backup=backup, changed_cells=plan.changed_cells)


def verify_only_cells_changed(
    before: str | Path, after: str | Path, allowed: set[tuple[str, str]]
) -> list[str]:
    """Compare two workbooks part by part; return the differences (Swedish), ``[]`` when fine.

    ``allowed`` holds ``(sheet name, "A1")`` pairs that may differ. Everything else must be equal:
    every part byte for byte, except the worksheet parts holding allowed cells (where only those
    cells, new rows for them, row ``spans`` and the ``<dimension>`` may differ), ``<calcPr>`` in
    the workbook part, appended number formats and cell styles in the styles part, and the
    calculation chain, which may be removed when an allowed cell held a formula.
    """
    try:
        first = _Package.load(Path(before).read_bytes(), Path(before).name)
        second = _Package.load(Path(after).read_bytes(), Path(after).name)
    except LedgerWriteError as exc:
        return [exc.message]
    except OSError as exc:
        return [f"filen kunde inte läsas ({exc})"]
    return _compare(first, second, _allowed_keys(allowed))


# --- checks before writing ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    sheet: str
    row: int
    col: int
    value: CellValue

    @property
    def ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"


_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """``"M5"`` -> ``(5, 13)`` (row, column), both 1-based."""
    match = _CELL_REF_RE.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell address: {ref!r}")
    col = column_number(match[1])
    row = int(match[2])
    if col > MAX_COLUMN or row > MAX_ROW:
        raise ValueError(f"cell address outside the sheet: {ref!r}")
    return row, col


def _normalise_writes(writes: Sequence[CellWrite]) -> list[_Target]:
    targets: list[_Target] = []
    seen: set[tuple[str, int, int]] = set()
    for write in writes:
        if not isinstance(write, CellWrite):
            raise TypeError(f"expected CellWrite, got {type(write).__name__}")
        value = write.value
        if value is not None and not isinstance(value, str | int | Decimal | dt.date):
            raise TypeError(
                f"unsupported value type {type(value).__name__} for {write.sheet}!{write.cell}"
                " (use str, int, Decimal, datetime.date or None; floats are not exact)"
            )
        row, col = parse_cell_ref(write.cell)
        key = (write.sheet.casefold(), row, col)
        if key in seen:
            raise ValueError(f"the same cell is written twice: {write.sheet}!{write.cell}")
        seen.add(key)
        targets.append(_Target(write.sheet, row, col, value))
    if not targets:
        raise ValueError("write_cells needs at least one CellWrite")
    return targets


def _check_writable(file: Path) -> None:
    name = file.name
    if not file.exists():
        raise LedgerWriteError(
            f"Arbetsboken {name} finns inte; kontrollera sökvägen och filnamnet."
        )
    if not file.is_file():
        raise LedgerWriteError(f"{name} är inte en fil; ange en .xlsx- eller .xlsm-arbetsbok.")
    if file.suffix.lower() not in SUFFIXES:
        raise LedgerWriteError(
            f"{name} är inte en Excel-arbetsbok (.xlsx eller .xlsm); lumledger skriver bara i sådana."
        )
    locks = [lock_file_for(file)]
    if len(name) > 2:
        locks.append(file.with_name("~$" + name[2:]))
    for lock in locks:
        if lock.exists():
            raise LedgerWriteError(
                f"Arbetsboken {name} är öppen i Excel (låsfilen {lock.name} finns bredvid den); "
                "stäng den och försök igen, eller ta bort låsfilen om Excel inte längre har den öppen."
            )
    office_lock = file.with_name(f".~lock.{name}#")
    if office_lock.exists():
        raise LedgerWriteError(
            f"Arbetsboken {name} är öppen i LibreOffice (låsfilen {office_lock.name} finns bredvid "
            "den); stäng den och försök igen, eller ta bort låsfilen om programmet inte är öppet."
        )


def _read_original(file: Path) -> bytes:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise LedgerWriteError(
            f"Arbetsboken {file.name} kunde inte läsas ({exc.strerror}); stäng den i andra program "
            "och försök igen."
        ) from None
    if data.startswith(_OLE_MAGIC):
        raise LedgerWriteError(
            f"Arbetsboken {file.name} är lösenordsskyddad eller sparad i det gamla .xls-formatet; "
            "spara den i Excel som vanlig arbetsbok utan lösenord och försök igen."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LedgerWriteError(
            f"Filen {file.name} är ingen giltig Excel-arbetsbok (inte ett zip-arkiv); spara den "
            "som .xlsx eller .xlsm i Excel och försök igen."
        )
    return data


def _check_not_signed(package: _Package) -> None:
    if any(name.casefold().startswith("_xmlsignatures/") for name in package.data):
        raise LedgerWriteError(
            f"Arbetsboken {package.shown} är digitalt signerad och signaturen skulle bli ogiltig "
            "om lumledger skrev i den; ta bort signaturen i Excel först."
        )


def _sync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# --- a minimal XML scanner that keeps exact character positions ---------------------------------

_XML_NAME = r"[^\s<>/=!?\"']+"
_MARKUP_RE = re.compile(
    r"<!--.*?-->"
    r"|<!\[CDATA\[.*?\]\]>"
    r"|<\?.*?\?>"
    r"|<!(?P<decl>[^>]*)>"
    rf"|</(?P<end>{_XML_NAME})\s*>"
    rf"|<(?P<start>{_XML_NAME})(?P<attrs>(?:\s+{_XML_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
    r"\s*(?P<empty>/)?>",
    re.S,
)
_ATTR_RE = re.compile(rf"\s+({_XML_NAME})\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _XmlError(Exception):
    pass


def _unescape(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _ENTITIES[name]

    return _ENTITY_RE.sub(replace, value) if "&" in value else value


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class _Attr:
    name: str
    value: str  # unescaped
    raw: str  # the attribute as written, with its leading white space


@dataclass(slots=True)
class _El:
    """An element and where it is in the text: ``text[start:end]`` is the whole element."""

    qname: str
    start: int
    open_end: int  # just after the start tag's ">"
    attrs_span: tuple[int, int]
    empty: bool  # written as <x/>
    close_start: int = -1  # where the end tag starts (== open_end when empty)
    end: int = -1
    children: list[_El] = field(default_factory=list)
    _attrs: dict[str, _Attr] | None = None

    def attrs(self, text: str) -> dict[str, _Attr]:
        if self._attrs is None:
            found: dict[str, _Attr] = {}
            chunk = text[self.attrs_span[0] : self.attrs_span[1]]
            for match in _ATTR_RE.finditer(chunk):
                raw_value = match[2] if match[2] is not None else match[3]
                found[match[1]] = _Attr(match[1], _unescape(raw_value), match[0])
            self._attrs = found
        return self._attrs

    def get(self, text: str, name: str) -> str | None:
        attr = self.attrs(text).get(name)
        return None if attr is None else attr.value

    def find(self, qname: str) -> _El | None:
        for child in self.children:
            if child.qname == qname:
                return child
        return None


def _parse_fragment(
    text: str, begin: int = 0, end: int | None = None, opaque: Iterable[str] = ()
) -> list[_El]:
    """The top-level elements in ``text[begin:end]``, positions absolute in ``text``.

    Elements whose local name is in ``opaque`` are not descended into: their content is found
    by their end tag only (used for ``sheetData``, which is handled row by row).
    """
    end = len(text) if end is None else end
    skip = set(opaque)
    stack: list[_El] = []
    top: list[_El] = []
    position = begin
    while True:
        match = _MARKUP_RE.search(text, position, end)
        if match is None:
            break
        if "<" in text[position : match.start()]:
            raise _XmlError(f"oväntat '<' vid tecken {position}")
        position = match.end()
        if match["decl"] is not None:
            raise _XmlError("DOCTYPE- och ENTITY-deklarationer är inte tillåtna")
        if match["start"] is not None:
            element = _El(
                qname=match["start"],
                start=match.start(),
                open_end=match.end(),
                attrs_span=(match.start("attrs"), match.end("attrs")),
                empty=match["empty"] is not None,
            )
            (stack[-1].children if stack else top).append(element)
            if element.empty:
                element.close_start = element.end = match.end()
            elif _local(element.qname) in skip:
                closing = re.compile(rf"</{re.escape(element.qname)}\s*>").search(
                    text, match.end(), end
                )
                if closing is None:
                    raise _XmlError(f"<{element.qname}> saknar sluttagg")
                element.close_start, element.end = closing.start(), closing.end()
                position = closing.end()
            else:
                stack.append(element)
        elif match["end"] is not None:
            if not stack or stack[-1].qname != match["end"]:
                raise _XmlError(f"sluttaggen </{match['end']}> matchar ingen starttagg")
            element = stack.pop()
            element.close_start = match.start()
            element.end = match.end()
    if "<" in text[position:end] or stack:
        raise _XmlError("dokumentet är ofullständigt")
    return top


def _parse_xml(text: str, opaque: Iterable[str] = ()) -> _El:
    top = _parse_fragment(text, opaque=opaque)
    if len(top) != 1:
        raise _XmlError("dokumentet ska ha exakt ett rotelement")
    return top[0]


def _decode(data: bytes, part: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerWriteError(
            f"Delen {part} i arbetsboken är sparad som UTF-16, vilket lumledger inte skriver i; "
            "öppna och spara arbetsboken i Excel och försök igen."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LedgerWriteError(
            f"Delen {part} i arbetsboken är inte giltig UTF-8; öppna och spara arbetsboken i Excel "
            "och försök igen."
        ) from None


@dataclass(slots=True)
class _Doc:
    """A parsed XML part: its text, root element and the prefix of the SpreadsheetML namespace."""

    part: str
    text: str
    root: _El
    prefix: str  # "" or "x:"

    @classmethod
    def parse(cls, part: str, data: bytes, opaque: Iterable[str] = ()) -> _Doc:
        text = _decode(data, part)
        try:
            root = _parse_xml(text, opaque)
        except _XmlError as exc:
            raise LedgerWriteError(
                f"Delen {part} i arbetsboken är inte giltig XML ({exc}); öppna och spara "
                "arbetsboken i Excel och försök igen."
            ) from None
        prefix = ""
        for attr in root.attrs(text).values():
            if attr.value in _MAIN_NAMESPACES:
                if attr.name == "xmlns":
                    prefix = ""
                    break
                if attr.name.startswith("xmlns:"):
                    prefix = attr.name[6:] + ":"
        return cls(part, text, root, prefix)

    def q(self, local: str) -> str:
        return self.prefix + local

    def slice(self, element: _El) -> str:
        return self.text[element.start : element.end]


def _start_tag(
    text: str,
    element: _El,
    *,
    set_attrs: dict[str, str] | None = None,
    drop: Iterable[str] = (),
    empty: bool | None = None,
) -> str:
    """The element's start tag with attributes changed; other attributes keep their exact text."""
    set_attrs = set_attrs or {}
    dropped = set(drop)
    parts = ["<", element.qname]
    for attr in element.attrs(text).values():
        if attr.name in dropped:
            continue
        if attr.name in set_attrs:
            parts.append(f' {attr.name}="{_escape_attr(set_attrs[attr.name])}"')
        else:
            parts.append(attr.raw)
    existing = element.attrs(text)
    for name, value in set_attrs.items():
        if name not in existing:
            parts.append(f' {name}="{_escape_attr(value)}"')
    parts.append("/>" if (element.empty if empty is None else empty) else ">")
    return "".join(parts)


def _splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` edits."""
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            raise AssertionError("overlapping edits")
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# --- the package ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SheetRef:
    name: str
    part: str | None  # None: not a worksheet (a chart sheet, dialog sheet ...)
    index: int


@dataclass(slots=True)
class _Package:
    """The zip's entries in order with their bytes, and where the workbook's parts are."""

    shown: str
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    comment: bytes
    workbook_part: str
    workbook_rels_part: str
    sheets: list[_SheetRef]
    styles_part: str | None
    calc_chain_part: str | None
    calc_chain_rel_id: str | None

    @classmethod
    def load(cls, raw: bytes, shown: str) -> _Package:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                infos = archive.infolist()
                data = {info.filename: archive.read(info) for info in infos}
                comment = archive.comment
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise LedgerWriteError(
                f"Filen {shown} är skadad eller ofullständig (zip-strukturen går inte att läsa); "
                "spara om den i Excel och försök igen."
            ) from None
        names = {name.casefold(): name for name in data}

        def find(part: str) -> str | None:
            return names.get(part.lstrip("/").casefold())

        root_rels = find("_rels/.rels")
        workbook_part = None
        if root_rels is not None:
            for rel in _relationships(data[root_rels], root_rels):
                if rel.type.endswith("/officeDocument"):
                    workbook_part = find(_resolve("", rel.target))
        if workbook_part is None:
            workbook_part = find("xl/workbook.xml")
        if workbook_part is None:
            raise LedgerWriteError(
                f"Filen {shown} är ingen Excel-arbetsbok (xl/workbook.xml saknas); spara den som "
                ".xlsx eller .xlsm i Excel och försök igen."
            )
        base = posixpath.dirname(workbook_part)
        rels_part = find(posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels"))
        if rels_part is None:
            raise LedgerWriteError(
                f"Arbetsboken {shown} saknar delen med bladens relationer; spara om den i Excel."
            )
        rels = {rel.id: rel for rel in _relationships(data[rels_part], rels_part)}
        styles_part = calc_chain_part = calc_chain_rel = None
        for rel in rels.values():
            if rel.type.endswith("/styles"):
                styles_part = find(_resolve(base, rel.target))
            elif rel.type.endswith("/calcChain"):
                calc_chain_part = find(_resolve(base, rel.target))
                calc_chain_rel = rel.id
        sheets: list[_SheetRef] = []
        workbook = _xml_tree(data[workbook_part], workbook_part)
        listed: Any = next((e for e in workbook if _local(e.tag) == "sheets"), [])
        for element in listed:
            if _local(element.tag) != "sheet":
                continue
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            sheet_rel = rels.get(rel_id or "")
            part = None
            if sheet_rel is not None and sheet_rel.type.endswith("/worksheet"):
                part = find(_resolve(base, sheet_rel.target))
            sheets.append(_SheetRef(element.get("name", ""), part, len(sheets) + 1))
        return cls(
            shown=shown,
            infos=infos,
            data=data,
            comment=comment,
            workbook_part=workbook_part,
            workbook_rels_part=rels_part,
            sheets=sheets,
            styles_part=styles_part,
            calc_chain_part=calc_chain_part,
            calc_chain_rel_id=calc_chain_rel,
        )

    def sheet(self, name: str) -> _SheetRef:
        wanted = name.casefold()
        for sheet in self.sheets:
            if sheet.name.casefold() == wanted:
                return sheet
        raise LedgerWriteError(f"Bladet {name} finns inte i arbetsboken {self.shown}.")

    def find(self, part: str) -> str | None:
        wanted = part.lstrip("/").casefold()
        for name in self.data:
            if name.casefold() == wanted:
                return name
        return None

    def related(self, part: str, rel_type: str) -> list[tuple[str, str]]:
        """``(relationship id, part name)`` of the parts ``part`` refers to with ``rel_type``."""
        base = posixpath.dirname(part)
        rels_part = self.find(posixpath.join(base, "_rels", posixpath.basename(part) + ".rels"))
        if rels_part is None:
            return []
        found: list[tuple[str, str]] = []
        for rel in _relationships(self.data[rels_part], rels_part):
            if rel.type.endswith("/" + rel_type) and rel.mode != "External":
                target = self.find(_resolve(base, rel.target))
                if target is not None:
                    found.append((rel.id, target))
        return found


@dataclass(frozen=True, slots=True)
class _Rel:
    id: str
    type: str
    target: str
    mode: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _xml_tree(data: bytes, part: str) -> Any:
    try:
        return SafeElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals
        raise LedgerWriteError(
            f"Delen {part} i arbetsboken är inte giltig XML ({exc}); öppna och spara "
            "arbetsboken i Excel och försök igen."
        ) from None


def _relationships(data: bytes, part: str) -> list[_Rel]:
    rels: list[_Rel] = []
    for element in _xml_tree(data, part).iter():
        if _local(element.tag) == "Relationship":
            rels.append(
                _Rel(
                    element.get("Id", ""),
                    element.get("Type", ""),
                    element.get("Target", ""),
                    element.get("TargetMode", "Internal"),
                )
            )
    return rels


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


# --- planning the edits -------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    parts: dict[str, bytes]  # new content of changed parts
    removed: set[str]  # parts left out (the calculation chain)
    allowed: set[tuple[str, str]]  # (casefolded sheet name, "A1")
    changed_cells: tuple[str, ...]
    expected: dict[tuple[str, str], str]  # part, "A1" -> the cell's XML as written


def _plan(package: _Package, targets: list[_Target]) -> _Plan:
    by_part: dict[str, list[_Target]] = {}
    names: dict[str, str] = {}
    changed: list[str] = []
    allowed: set[tuple[str, str]] = set()
    for target in targets:
        sheet = package.sheet(target.sheet)
        if sheet.part is None:
            raise LedgerWriteError(
                f"Bladet {sheet.name} är inget kalkylblad (till exempel ett diagramblad) och kan "
                "inte skrivas i."
            )
        by_part.setdefault(sheet.part, []).append(target)
        names[sheet.part] = sheet.name
        changed.append(f"{sheet.name}!{target.ref}")
        allowed.add((sheet.name.casefold(), target.ref))

    workbook = _Doc.parse(package.workbook_part, package.data[package.workbook_part])
    workbook_pr = workbook.root.find(workbook.q("workbookPr"))
    date1904 = workbook_pr is not None and _truthy(workbook_pr.get(workbook.text, "date1904"))
    styles = _Styles(package, date1904)

    parts: dict[str, bytes] = {}
    expected: dict[tuple[str, str], str] = {}
    removed_formula = False
    for part, part_targets in by_part.items():
        headers = _table_headers(package, part)
        edit = _edit_sheet_xml(
            package.data[part], part_targets, styles, sheet=names[part], part=part, headers=headers
        )
        removed_formula |= edit.removed_formula
        parts[part] = edit.xml
        for ref, xml in edit.cells.items():
            expected[(part, ref)] = xml

    new_styles = styles.result()
    if new_styles is not None and package.styles_part is not None:
        parts[package.styles_part] = new_styles

    if _has_formulas(package):
        new_workbook = _set_full_calc_on_load(workbook)
        if new_workbook is not None:
            parts[package.workbook_part] = new_workbook

    removed: set[str] = set()
    if removed_formula and package.calc_chain_part is not None:
        removed.add(package.calc_chain_part)
        parts.update(_drop_calc_chain(package))
    return _Plan(parts, removed, allowed, tuple(changed), expected)


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


_FORMULA_RE = re.compile(rb"<(?:[^\s<>/:]+:)?f[\s/>]")


def _has_formulas(package: _Package) -> bool:
    """Whether any worksheet holds a formula (any ``<f>``; one in an extension counts too)."""
    return any(
        sheet.part is not None and _FORMULA_RE.search(package.data[sheet.part])
        for sheet in package.sheets
    )


_CALC_PR_BEFORE = (
    "calcPr",
    "definedNames",
    "externalReferences",
    "functionGroups",
    "sheets",
    "bookViews",
)


def _set_full_calc_on_load(workbook: _Doc) -> bytes | None:
    """``workbook.xml`` with ``fullCalcOnLoad="1"`` in ``<calcPr>``; ``None`` if already set."""
    text, root = workbook.text, workbook.root
    calc_pr = root.find(workbook.q("calcPr"))
    if calc_pr is not None:
        if _truthy(calc_pr.get(text, "fullCalcOnLoad")):
            return None
        tag = _start_tag(text, calc_pr, set_attrs={"fullCalcOnLoad": "1"})
        new = _splice(text, [(calc_pr.start, calc_pr.open_end, tag)])
    else:
        anchor = None
        for local in _CALC_PR_BEFORE[1:]:
            anchor = root.find(workbook.q(local))
            if anchor is not None:
                break
        if anchor is None:
            raise LedgerWriteError(
                f"Delen {workbook.part} saknar bladförteckning; spara om arbetsboken i Excel."
            )
        tag = f'<{workbook.q("calcPr")} fullCalcOnLoad="1"/>'
        new = _splice(text, [(anchor.end, anchor.end, tag)])
    return new.encode("utf-8")


def _drop_calc_chain(package: _Package) -> dict[str, bytes]:
    """The relationship and content-type parts without the calculation chain."""
    changed: dict[str, bytes] = {}
    rels = _Doc.parse(package.workbook_rels_part, package.data[package.workbook_rels_part])
    edits = [
        (child.start, child.end, "")
        for child in rels.root.children
        if _local(child.qname) == "Relationship"
        and child.get(rels.text, "Id") == package.calc_chain_rel_id
    ]
    changed[package.workbook_rels_part] = _splice(rels.text, edits).encode("utf-8")
    types_part = package.find("[Content_Types].xml")
    if types_part is not None and package.calc_chain_part is not None:
        types = _Doc.parse(types_part, package.data[types_part])
        wanted = "/" + package.calc_chain_part.casefold()
        edits = [
            (child.start, child.end, "")
            for child in types.root.children
            if _local(child.qname) == "Override"
            and (child.get(types.text, "PartName") or "").casefold() == wanted
        ]
        if edits:
            changed[types_part] = _splice(types.text, edits).encode("utf-8")
    return changed


@dataclass(frozen=True, slots=True)
class _Range:
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @classmethod
    def parse(cls, ref: str) -> _Range | None:
        try:
            if ":" in ref:
                first, last = ref.split(":", 1)
                (r1, c1), (r2, c2) = parse_cell_ref(first), parse_cell_ref(last)
            else:
                r1, c1 = r2, c2 = parse_cell_ref(ref)
        except ValueError:
            return None
        return cls(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def contains(self, row: int, col: int) -> bool:
        return self.first_row <= row <= self.last_row and self.first_col <= col <= self.last_col

    @property
    def single(self) -> bool:
        return self.first_row == self.last_row and self.first_col == self.last_col

    def union(self, row: int, col: int) -> _Range:
        return _Range(
            min(self.first_row, row),
            min(self.first_col, col),
            max(self.last_row, row),
            max(self.last_col, col),
        )

    def __str__(self) -> str:
        first = f"{column_letters(self.first_col)}{self.first_row}"
        if self.single:
            return first
        return f"{first}:{column_letters(self.last_col)}{self.last_row}"


def _table_headers(package: _Package, sheet_part: str) -> list[tuple[str, _Range]]:
    """The header rows of the sheet's Excel tables (their text must match the table's columns)."""
    headers: list[tuple[str, _Range]] = []
    for _rel_id, part in package.related(sheet_part, "table"):
        table = _xml_tree(package.data[part], part)
        area = _Range.parse(table.get("ref", ""))
        if area is None or table.get("headerRowCount", "1") == "0":
            continue
        name = table.get("displayName") or table.get("name") or part
        headers.append(
            (name, _Range(area.first_row, area.first_col, area.first_row, area.last_col))
        )
    return headers


# --- styles -------------------------------------------------------------------------------------

_FORMAT_NOISE_RE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!(?:h+|m+|s+)\])[^\]]*\]', re.I)


def is_date_format(code: str) -> bool:
    """Whether an Excel number format code shows a date or time."""
    section = _FORMAT_NOISE_RE.sub("", code.split(";")[0])
    return section.lower() != "general" and re.search(r"[dmyhs]", section, re.I) is not None


class _Styles:
    """Cell styles (``cellXfs``) and number formats; appends a date style when one is needed."""

    def __init__(self, package: _Package, date1904: bool) -> None:
        self.date1904 = date1904
        self._part = package.styles_part
        self._doc: _Doc | None = None
        self._num_fmts: dict[int, str] = {}
        self._xfs: list[str] = []  # the xf elements' text, existing then new
        self._existing_xfs = 0
        self._new_fmts: list[tuple[int, str]] = []
        self._num_fmts_el: _El | None = None
        self._cell_xfs_el: _El | None = None
        if self._part is None:
            return
        doc = _Doc.parse(self._part, package.data[self._part])
        self._doc = doc
        self._num_fmts_el = doc.root.find(doc.q("numFmts"))
        if self._num_fmts_el is not None:
            for fmt in self._num_fmts_el.children:
                fmt_id = fmt.get(doc.text, "numFmtId")
                if fmt_id is not None and fmt_id.strip().isdigit():
                    self._num_fmts[int(fmt_id)] = fmt.get(doc.text, "formatCode") or ""
        self._cell_xfs_el = doc.root.find(doc.q("cellXfs"))
        if self._cell_xfs_el is not None:
            self._xfs = [doc.slice(xf) for xf in self._cell_xfs_el.children]
        self._existing_xfs = len(self._xfs)

    def _xf_format(self, index: int) -> int:
        if not 0 <= index < len(self._xfs):
            return 0
        match = re.search(r"""\snumFmtId\s*=\s*["'](\d+)["']""", self._xfs[index].split(">", 1)[0])
        return int(match[1]) if match else 0

    def is_date(self, index: int) -> bool:
        fmt = self._xf_format(index)
        if fmt in _BUILTIN_DATE_FORMATS:
            return True
        code = self._num_fmts.get(fmt)
        return code is not None and is_date_format(code)

    def date_style(self, base: int, with_time: bool, where: str) -> int:
        """The index of ``base``'s style with a ``yyyy-mm-dd`` format (found or appended)."""
        if self._doc is None or self._cell_xfs_el is None or not self._xfs:
            raise LedgerWriteError(
                f"Arbetsboken saknar cellformat (styles.xml), så datumet till {where} kan inte "
                "få ett datumformat; spara om arbetsboken i Excel och försök igen."
            )
        fmt_id = self._format_id(_DATETIME_FORMAT if with_time else _DATE_FORMAT)
        base = base if 0 <= base < len(self._xfs) else 0
        original = self._xfs[base]
        element = _parse_xml(original)
        tag = _start_tag(
            original, element, set_attrs={"numFmtId": str(fmt_id), "applyNumberFormat": "1"}
        )
        clone = tag + original[element.open_end :]
        for index, xf in enumerate(self._xfs):
            if xf == clone:
                return index
        self._xfs.append(clone)
        return len(self._xfs) - 1

    def _format_id(self, code: str) -> int:
        def plain(value: str) -> str:
            return value.replace("\\", "").replace('"', "").lower()

        for fmt_id, existing in self._num_fmts.items():
            if plain(existing) == plain(code):
                return fmt_id
        fmt_id = max([_FIRST_CUSTOM_FORMAT - 1, *self._num_fmts]) + 1
        self._num_fmts[fmt_id] = code
        self._new_fmts.append((fmt_id, code))
        return fmt_id

    def result(self) -> bytes | None:
        """The new styles part, or ``None`` when nothing was added."""
        doc = self._doc
        if doc is None or (not self._new_fmts and len(self._xfs) == self._existing_xfs):
            return None
        text = doc.text
        edits: list[tuple[int, int, str]] = []
        if self._new_fmts:
            new = "".join(
                f'<{doc.q("numFmt")} numFmtId="{fmt_id}" formatCode="{_escape_attr(code)}"/>'
                for fmt_id, code in self._new_fmts
            )
            fmts = self._num_fmts_el
            if fmts is None:
                count = len(self._new_fmts)
                edits.append(
                    (
                        doc.root.open_end,
                        doc.root.open_end,
                        f'<{doc.q("numFmts")} count="{count}">{new}</{doc.q("numFmts")}>',
                    )
                )
            else:
                count = len(fmts.children) + len(self._new_fmts)
                tag = _start_tag(text, fmts, set_attrs={"count": str(count)}, empty=False)
                if fmts.empty:
                    edits.append((fmts.start, fmts.end, f"{tag}{new}</{fmts.qname}>"))
                else:
                    edits.append((fmts.start, fmts.open_end, tag))
                    edits.append((fmts.close_start, fmts.close_start, new))
        xfs = self._cell_xfs_el
        if xfs is not None and len(self._xfs) > self._existing_xfs:
            new = "".join(self._xfs[self._existing_xfs :])
            tag = _start_tag(text, xfs, set_attrs={"count": str(len(self._xfs))})
            edits.append((xfs.start, xfs.open_end, tag))
            edits.append((xfs.close_start, xfs.close_start, new))
        return _splice(text, edits).encode("utf-8")


# --- editing one worksheet part -------------------------------------------------------------------


@dataclass(slots=True)
class _SheetEdit:
    xml: bytes
    removed_formula: bool
    cells: dict[str, str]  # "A1" -> the cell element as written


@dataclass(slots=True)
class _Cell:
    element: _El
    row: int
    col: int
    style: str | None
    formula: _El | None

    @property
    def ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"


@dataclass(slots=True)
class _Row:
    element: _El  # its children are read only when the row's cells are needed
    number: int
    cells: list[_Cell] | None = None


_ATTRS = rf"(?P<attrs>(?:\s+{_XML_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*"
_ROW_NUMBER_RE = re.compile(r"""(?:^|\s)r\s*=\s*["']\s*([0-9]+)\s*["']""")


class _Sheet:
    """A worksheet part, read row by row: a sheet of 100 000 cells is not parsed cell by cell.

    The rows of ``<sheetData>`` are found with one pattern each; a row's cells are parsed only
    when a write, a style look-up or the verification needs them.
    """

    def __init__(self, part: str, data: bytes) -> None:
        doc = _Doc.parse(part, data, opaque=("sheetData",))
        self.doc = doc
        self.part = part
        self.text = text = doc.text
        if doc.root.qname != doc.q("worksheet"):
            raise LedgerWriteError(
                f"Delen {part} är inget kalkylblad; spara om arbetsboken i Excel."
            )
        sheet_data = doc.root.find(doc.q("sheetData"))
        if sheet_data is None:
            raise LedgerWriteError(f"Delen {part} saknar celldata; spara om arbetsboken i Excel.")
        self.sheet_data = sheet_data
        inner = (sheet_data.open_end, sheet_data.close_start)
        if text.find("<!--", *inner) >= 0 or text.find("<![CDATA[", *inner) >= 0:
            raise LedgerWriteError(
                f"Delen {part} har XML-kommentarer bland cellerna, vilket lumledger inte skriver "
                "i; öppna och spara arbetsboken i Excel och försök igen."
            )
        self.rows = self._split_rows()
        self.by_number = {row.number: row for row in self.rows}

    def _split_rows(self) -> list[_Row]:
        text, sheet_data = self.text, self.sheet_data
        qname = self.doc.q("row")
        start_re = re.compile(rf"<{re.escape(qname)}{_ATTRS}(?P<empty>/)?>")
        open_tag, close_tag = f"<{qname}", f"</{qname}>"
        rows: list[_Row] = []
        position, end = sheet_data.open_end, sheet_data.close_start
        previous = 0
        while True:
            start = text.find("<", position, end)
            if start < 0 or text[position:start].strip():
                break
            match = start_re.match(text, start, end)
            if match is None:
                break
            element = _El(
                qname, start, match.end(), match.span("attrs"), match["empty"] is not None
            )
            if element.empty:
                element.close_start = element.end = match.end()
            else:
                # Rows do not nest: the next end tag closes this row (checked: no row starts first).
                close = text.find(close_tag, match.end(), end)
                if close < 0 or text.find(open_tag, match.end(), close) >= 0:
                    break
                element.close_start, element.end = close, close + len(close_tag)
            position = element.end
            found = _ROW_NUMBER_RE.search(text, *element.attrs_span)
            number = int(found[1]) if found else previous + 1
            if number <= previous or number > MAX_ROW:
                raise LedgerWriteError(
                    f"Raderna i {self.part} står inte i ordning (rad {number}); spara om "
                    "arbetsboken i Excel och försök igen."
                )
            previous = number
            rows.append(_Row(element, number))
        if text[position:end].strip():
            raise LedgerWriteError(
                f"Delen {self.part} har oväntat innehåll bland raderna (tecken {position}); "
                "öppna och spara arbetsboken i Excel och försök igen."
            )
        return rows

    def cells(self, row: _Row) -> list[_Cell]:
        """The row's cells, in document order (parsed on first use)."""
        if row.cells is None:
            element = row.element
            if not element.empty:
                try:
                    element.children = _parse_fragment(
                        self.text, element.open_end, element.close_start
                    )
                except _XmlError as exc:
                    raise LedgerWriteError(
                        f"Rad {row.number} i {self.part} är inte giltig XML ({exc}); öppna och "
                        "spara arbetsboken i Excel och försök igen."
                    ) from None
            cells: list[_Cell] = []
            col = 0
            for child in element.children:
                if child.qname != self.doc.q("c"):
                    continue
                col = self._cell_col(child, row.number, col)
                cells.append(
                    _Cell(
                        child,
                        row.number,
                        col,
                        child.get(self.text, "s"),
                        child.find(self.doc.q("f")),
                    )
                )
            row.cells = cells
        return row.cells

    def _cell_col(self, cell: _El, row: int, previous_col: int) -> int:
        ref = cell.get(self.text, "r")
        if ref is None:
            return previous_col + 1
        try:
            ref_row, col = parse_cell_ref(ref)
        except ValueError:
            raise LedgerWriteError(
                f"Delen {self.part} har en ogiltig celladress ({ref}); spara om arbetsboken i Excel."
            ) from None
        if ref_row != row:
            raise LedgerWriteError(
                f"Delen {self.part} har cellen {ref} på rad {row}; spara om arbetsboken i Excel."
            )
        return col

    def cell(self, row_number: int, col: int) -> _Cell | None:
        row = self.by_number.get(row_number)
        if row is None:
            return None
        for cell in self.cells(row):
            if cell.col == col:
                return cell
        return None

    def style_above(self, row_number: int, col: int) -> tuple[bool, str | None]:
        """``(found, s)`` of the nearest cell above ``row_number`` in ``col``, below the header."""
        letters = column_letters(col)
        for row in reversed(self.rows):
            if row.number >= row_number:
                continue
            if row.number <= HEADER_ROW:
                break
            element = row.element
            # A quick look for the address first; a miss (e.g. a cell without r) only costs style.
            if (
                self.text.find(f'"{letters}{row.number}"', element.open_end, element.close_start)
                < 0
            ):
                continue
            for cell in self.cells(row):
                if cell.col == col:
                    return True, cell.style
        return False, None

    def formula_tags(self) -> Iterator[_El]:
        """Every ``<f>`` start tag in ``sheetData`` (as childless elements), found by pattern."""
        f_re = re.compile(rf"<{re.escape(self.doc.q('f'))}{_ATTRS}/?>")
        for match in f_re.finditer(
            self.text, self.sheet_data.open_end, self.sheet_data.close_start
        ):
            yield _El(
                qname=self.doc.q("f"),
                start=match.start(),
                open_end=match.end(),
                attrs_span=(match.start("attrs"), match.end("attrs")),
                empty=True,
            )

    def slice(self, element: _El) -> str:
        return self.text[element.start : element.end]

    def outside(self) -> str:
        """The part without the cells and with a placeholder for ``<dimension>``."""
        sheet_data = self.sheet_data
        edits = [(sheet_data.start, sheet_data.end, "<sheetData/>")]
        dimension = self.doc.root.find(self.doc.q("dimension"))
        if dimension is not None:
            edits.append((dimension.start, dimension.end, "<dimension/>"))
        return _splice(self.text, edits)


def _excel_number(value: int | Decimal, where: str) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise LedgerWriteError(f"Värdet till {where} är inget tal ({value}).")
        if value == value.to_integral_value():
            value = int(value)
        else:
            digits = len(value.normalize().as_tuple().digits)
            if digits > MAX_DIGITS:
                raise LedgerWriteError(
                    f"Talet {value} till {where} har fler än {MAX_DIGITS} siffror och kan inte "
                    "lagras exakt i Excel."
                )
            return format(value.normalize(), "f")
    if abs(value) >= 10**MAX_DIGITS:
        raise LedgerWriteError(
            f"Talet {value} till {where} har fler än {MAX_DIGITS} siffror och kan inte lagras "
            "exakt i Excel."
        )
    return str(value)


def excel_serial(value: dt.date, *, date1904: bool = False) -> str:
    """A date (or date and time) as Excel's serial number text, e.g. ``2019-01-01`` -> ``43466``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        if day < dt.date(1904, 1, 1):
            raise ValueError("before 1904-01-01")
        days = (day - dt.date(1904, 1, 1)).days
    else:
        if day < dt.date(1900, 1, 1):
            raise ValueError("before 1900-01-01")
        # Excel counts the non-existent 1900-02-29, so serials from 1900-03-01 on are off by one.
        epoch = dt.date(1899, 12, 30) if day >= dt.date(1900, 3, 1) else dt.date(1899, 12, 31)
        days = (day - epoch).days
    if not isinstance(value, dt.datetime):
        return str(days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    if not seconds and not value.microsecond:
        return str(days)
    fraction = (Decimal(seconds) + Decimal(value.microsecond) / 1_000_000) / 86_400
    return format((days + fraction).quantize(Decimal("1E-10")).normalize(), "f")


_ESCAPED_CHAR_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _ooxml_text(value: str) -> str:
    """Text for ``<t>``: characters XML cannot hold become Excel's ``_xHHHH_`` escapes."""
    value = _ESCAPED_CHAR_RE.sub(r"_x005F_\1", value)
    chars: list[str] = []
    for char in value:
        code = ord(char)
        if (
            (code < 0x20 and char not in "\t\n")
            or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF)
        ):
            chars.append(f"_x{code:04X}_")
        else:
            chars.append(char)
    return _escape_text("".join(chars))


def _cell_content(
    doc: _Doc, value: CellValue, where: str, date1904: bool
) -> tuple[str | None, str]:
    """``(t attribute or None, inner XML)`` for a value."""
    if value is None:
        return None, ""
    v, t = doc.q("v"), doc.q("t")
    if isinstance(value, bool):
        return "b", f"<{v}>{int(value)}</{v}>"
    if isinstance(value, int | Decimal):
        return None, f"<{v}>{_excel_number(value, where)}</{v}>"
    if isinstance(value, dt.date):
        try:
            serial = excel_serial(value, date1904=date1904)
        except ValueError:
            first = "1904-01-01" if date1904 else "1900-01-01"
            raise LedgerWriteError(
                f"Datumet {value} till {where} kan inte lagras i Excel (tidigaste datum är {first})."
            ) from None
        return None, f"<{v}>{serial}</{v}>"
    if len(value) > MAX_TEXT_LENGTH:
        raise LedgerWriteError(
            f"Texten till {where} är längre än {MAX_TEXT_LENGTH} tecken, som är Excels gräns."
        )
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return "inlineStr", f"<{doc.q('is')}><{t}{space}>{_ooxml_text(value)}</{t}></{doc.q('is')}>"


_NEW_ROW_ATTRS = ("ht", "customHeight", "s", "customFormat", "outlineLevel", "thickTop", "thickBot")


def _edit_sheet_xml(
    xml: bytes,
    targets: Sequence[_Target],
    styles: _Styles,
    *,
    sheet: str,
    part: str,
    headers: Sequence[tuple[str, _Range]] = (),
) -> _SheetEdit:
    """Set ``targets`` in one worksheet part, changing nothing else in it."""
    return _SheetEditor(_Sheet(part, xml), styles, sheet, headers).apply(targets)


class _SheetEditor:
    """Computes the text edits that put values into one worksheet part."""

    def __init__(
        self, ws: _Sheet, styles: _Styles, sheet: str, headers: Sequence[tuple[str, _Range]]
    ) -> None:
        self.ws, self.styles, self.sheet = ws, styles, sheet
        self.doc, self.text = ws.doc, ws.text
        self.removed_formula = False
        # What a write must not break: multi-cell array formulas and data tables, shared-formula
        # masters that other cells use, merged ranges, the header rows of Excel tables.
        self.blocked: list[tuple[_Range, str]] = [
            (area, f"är en rubrik i tabellen {name}; tabellrubriker ändras bara i Excel")
            for name, area in headers
        ]
        self.shared_users: dict[str, int] = {}
        for formula in ws.formula_tags():
            kind = formula.get(self.text, "t")
            if kind == "shared":
                si = formula.get(self.text, "si") or ""
                self.shared_users[si] = self.shared_users.get(si, 0) + 1
            elif kind in ("array", "dataTable"):
                area = _Range.parse(formula.get(self.text, "ref") or "")
                if area is not None and not area.single:
                    self.blocked.append(
                        (
                            area,
                            f"ingår i en matrisformel eller datatabell ({area}) och kan inte "
                            "skrivas över; ändra den i Excel i stället",
                        )
                    )
        self.merged: list[_Range] = []
        merge_cells = self.doc.root.find(self.doc.q("mergeCells"))
        for merge in merge_cells.children if merge_cells is not None else []:
            area = _Range.parse(merge.get(self.text, "ref") or "")
            if area is not None and not area.single:
                self.merged.append(area)
        self.column_styles: dict[int, str] = {}
        cols = self.doc.root.find(self.doc.q("cols"))
        for col in cols.children if cols is not None else []:
            style, lo, hi = (col.get(self.text, name) for name in ("style", "min", "max"))
            if style and lo and hi and lo.isdigit() and hi.isdigit():
                for number in range(int(lo), min(int(hi), MAX_COLUMN) + 1):
                    self.column_styles.setdefault(number, style)

    def apply(self, targets: Sequence[_Target]) -> _SheetEdit:
        ws = self.ws
        by_row: dict[int, list[_Target]] = {}
        for target in sorted(targets, key=lambda item: (item.row, item.col)):
            self._check(target)
            by_row.setdefault(target.row, []).append(target)
        edits: list[tuple[int, int, str]] = []
        written: dict[str, str] = {}
        new_rows: dict[int, list[str]] = {}  # insertion position -> new rows' text, in order
        for number, row_targets in sorted(by_row.items()):
            row = ws.by_number.get(number)
            if row is not None:
                edits += self._edit_row(row, row_targets, written)
                continue
            row_text = self._new_row(number, row_targets, written)
            if row_text:
                new_rows.setdefault(self._new_row_position(number), []).append(row_text)
        sheet_data = ws.sheet_data
        if new_rows and sheet_data.empty:
            tag = _start_tag(self.text, sheet_data, empty=False)
            body = "".join(text for chunk in new_rows.values() for text in chunk)
            edits.append((sheet_data.start, sheet_data.end, f"{tag}{body}</{sheet_data.qname}>"))
        else:
            edits += [(position, position, "".join(chunk)) for position, chunk in new_rows.items()]
        edits += self._dimension(
            [(t.row, t.col) for t in targets if t.value is not None and t.ref in written]
        )
        return _SheetEdit(_splice(self.text, edits).encode("utf-8"), self.removed_formula, written)

    def _check(self, target: _Target) -> None:
        where = f"{self.sheet}!{target.ref}"
        for area, problem in self.blocked:
            if area.contains(target.row, target.col):
                raise LedgerWriteError(f"Cellen {where} {problem}.")
        for area in self.merged:
            if area.contains(target.row, target.col) and (target.row, target.col) != (
                area.first_row,
                area.first_col,
            ):
                raise LedgerWriteError(
                    f"Cellen {where} ligger inuti de sammanfogade cellerna {area}; skriv i "
                    f"{column_letters(area.first_col)}{area.first_row} i stället."
                )

    def _inherited_style(self, row_number: int, col: int) -> str | None:
        """A new cell's style: the nearest cell above's, else the row's or the column's."""
        found, style = self.ws.style_above(row_number, col)
        if found:
            return style
        own_row = self.ws.by_number.get(row_number)
        if own_row is not None and _truthy(own_row.element.get(self.text, "customFormat")):
            return own_row.element.get(self.text, "s")
        return self.column_styles.get(col)

    def _cell_xml(self, target: _Target, cell: _Cell | None) -> str:
        doc, text = self.doc, self.text
        where = f"{self.sheet}!{target.ref}"
        style = cell.style if cell is not None else self._inherited_style(target.row, target.col)
        value = target.value
        if isinstance(value, dt.date):
            base = int(style) if style and style.isdigit() else 0
            if not self.styles.is_date(base):
                with_time = isinstance(value, dt.datetime) and _has_time(value)
                style = str(self.styles.date_style(base, with_time, where))
        kind, inner = _cell_content(doc, value, where, self.styles.date1904)
        if cell is None:
            tag = f'<{doc.q("c")} r="{target.ref}"'
            if style is not None and style != "0":
                tag += f' s="{style}"'
            if kind is not None:
                tag += f' t="{kind}"'
            return f"{tag}>{inner}</{doc.q('c')}>" if inner else f"{tag}/>"
        if cell.formula is not None:
            self.removed_formula = True
            if (
                cell.formula.get(text, "t") == "shared"
                and cell.formula.get(text, "ref")
                and self.shared_users.get(cell.formula.get(text, "si") or "", 0) > 1
            ):
                raise LedgerWriteError(
                    f"Cellen {where} bär en delad formel som andra celler använder och kan inte "
                    "skrivas över; ändra den i Excel i stället."
                )
        ext = cell.element.find(doc.q("extLst"))
        body = inner + (self.ws.slice(ext) if ext is not None else "")
        set_attrs: dict[str, str] = {}
        if style is not None and style != cell.style:
            set_attrs["s"] = style
        if kind is not None:
            set_attrs["t"] = kind
        # t, cm (formula metadata) and vm (value metadata) describe the old value.
        drop = [name for name in ("t", "cm", "vm") if name not in set_attrs]
        tag = _start_tag(text, cell.element, set_attrs=set_attrs, drop=drop, empty=not body)
        return f"{tag}{body}</{doc.q('c')}>" if body else tag

    def _edit_row(
        self, row: _Row, targets: list[_Target], written: dict[str, str]
    ) -> list[tuple[int, int, str]]:
        text = self.text
        cells = self.ws.cells(row)
        by_col = {cell.col: cell for cell in cells}
        edits: list[tuple[int, int, str]] = []
        insertions: dict[int, list[str]] = {}
        new_cols: list[int] = []
        for target in targets:
            existing = by_col.get(target.col)
            if existing is None and target.value is None:
                continue  # nothing to clear
            xml = self._cell_xml(target, existing)
            written[target.ref] = xml
            if existing is not None:
                edits.append((existing.element.start, existing.element.end, xml))
                continue
            new_cols.append(target.col)
            following = next((cell for cell in cells if cell.col > target.col), None)
            # A cell without an address sits right after its left neighbour, so a new cell is
            # never placed just before one (its column would already exist).
            if following is not None:
                position = following.element.start
            else:
                position = cells[-1].element.end if cells else row.element.open_end
            insertions.setdefault(position, []).append(xml)
        if not new_cols:
            return edits
        spans = _widened_spans(row.element.get(text, "spans"), new_cols)
        set_attrs = {"spans": spans} if spans is not None else {}
        if row.element.empty:
            tag = _start_tag(text, row.element, set_attrs=set_attrs, empty=False)
            body = "".join(xml for chunk in insertions.values() for xml in chunk)
            edits.append((row.element.start, row.element.end, f"{tag}{body}</{row.element.qname}>"))
            return edits
        if set_attrs:
            edits.append(
                (
                    row.element.start,
                    row.element.open_end,
                    _start_tag(text, row.element, set_attrs=set_attrs),
                )
            )
        edits += [(position, position, "".join(chunk)) for position, chunk in insertions.items()]
        return edits

    def _new_row(self, number: int, targets: list[_Target], written: dict[str, str]) -> str:
        """A new ``<row>`` for ``targets`` that looks like the nearest row above it."""
        cells = ""
        for target in targets:
            if target.value is None:
                continue  # nothing to clear
            xml = self._cell_xml(target, None)
            written[target.ref] = xml
            cells += xml
        if not cells:
            return ""
        tag = f'<{self.doc.q("row")} r="{number}"'
        template = next((r for r in reversed(self.ws.rows) if HEADER_ROW < r.number < number), None)
        if template is not None:
            for attr in template.element.attrs(self.text).values():
                if attr.name in _NEW_ROW_ATTRS or attr.name.endswith(":dyDescent"):
                    tag += attr.raw
        return f"{tag}>{cells}</{self.doc.q('row')}>"

    def _new_row_position(self, number: int) -> int:
        rows = self.ws.rows
        following = next((row for row in rows if row.number > number), None)
        if following is not None:
            return following.element.start
        return rows[-1].element.end if rows else self.ws.sheet_data.open_end

    def _dimension(self, cells: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """The ``<dimension>`` grown to cover the written cells (it is a hint; it never shrinks)."""
        dimension = self.doc.root.find(self.doc.q("dimension"))
        if dimension is None or not cells:
            return []
        area = _Range.parse(dimension.get(self.text, "ref") or "")
        if area is None:
            return []
        grown = area
        for row, col in cells:
            grown = grown.union(row, col)
        if grown == area:
            return []
        tag = _start_tag(self.text, dimension, set_attrs={"ref": str(grown)})
        return [(dimension.start, dimension.open_end, tag)]


def _has_time(value: dt.datetime) -> bool:
    return bool(value.hour or value.minute or value.second or value.microsecond)


def _widened_spans(spans: str | None, cols: list[int]) -> str | None:
    """A row's ``spans`` hint grown to include ``cols``; ``None`` when it needs no change."""
    if not spans:
        return None
    bounds: list[tuple[int, int]] = []
    for piece in spans.split():
        lo, sep, hi = piece.partition(":")
        if not sep or not lo.isdigit() or not hi.isdigit():
            return None
        bounds.append((int(lo), int(hi)))
    if all(any(lo <= col <= hi for lo, hi in bounds) for col in cols):
        return None
    values = [value for pair in bounds for value in pair] + cols
    return f"{min(values)}:{max(values)}"


# --- writing the file ---------------------------------------------------------------------------


def _make_backup(file: Path, original: bytes, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    counter = 1
    while True:
        suffix = "" if counter == 1 else f"-{counter}"
        backup = file.with_name(f"{file.stem}.backup-{stamp}{suffix}{file.suffix}")
        try:
            with backup.open("xb") as handle:
                handle.write(original)
                handle.flush()
                os.fsync(handle.fileno())
        except FileExistsError:
            counter += 1
            continue
        except OSError as exc:
            raise LedgerWriteError(
                f"Säkerhetskopian {backup.name} kunde inte skapas ({exc.strerror}); ingenting har "
                "ändrats."
            ) from None
        shutil.copystat(file, backup)
        return backup


def _write_temp(file: Path, package: _Package, parts: dict[str, bytes], removed: set[str]) -> Path:
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{file.stem}.", suffix=".lumledger", dir=file.parent
        )
    except OSError as exc:
        raise LedgerWriteError(
            f"Kunde inte skapa en tillfällig fil i mappen {file.parent} ({exc.strerror}); "
            "ingenting har ändrats."
        ) from None
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w") as archive:
                for info in package.infos:
                    if info.filename in removed:
                        continue
                    _write_entry(
                        archive, info, parts.get(info.filename, package.data[info.filename])
                    )
                archive.comment = package.comment
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise LedgerWriteError(
            f"Den nya arbetsboken kunde inte skrivas i mappen {file.parent} "
            f"({exc.strerror or exc}); ingenting har ändrats."
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _write_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """Write one zip entry with the original's name, time stamp, attributes and compression."""
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    entry.internal_attr = info.internal_attr
    entry.create_system = info.create_system
    entry.comment = info.comment
    archive.writestr(entry, data, compress_type=info.compress_type)


def _restore(backup: Path, file: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{file.stem}.", suffix=".lumledger", dir=file.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(backup.read_bytes())
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copystat(backup, temp)
        os.replace(temp, file)
    finally:
        temp.unlink(missing_ok=True)


# --- verification -------------------------------------------------------------------------------


def _summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:5])
    if len(problems) > 5:
        shown += f"; och {len(problems) - 5} till"
    return shown


def _allowed_keys(allowed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for sheet, ref in allowed:
        row, col = parse_cell_ref(ref)
        keys.add((sheet.casefold(), f"{column_letters(col)}{row}"))
    return keys


def _check_written(after: _Package, plan: _Plan) -> list[str]:
    """Every written cell holds exactly the XML that was meant for it."""
    problems: list[str] = []
    by_part: dict[str, dict[str, str]] = {}
    for (part, ref), xml in plan.expected.items():
        by_part.setdefault(part, {})[ref] = xml
    for part, cells in by_part.items():
        sheet = _Sheet(part, after.data.get(part, b""))
        for ref, xml in cells.items():
            cell = sheet.cell(*parse_cell_ref(ref))
            if cell is None or sheet.slice(cell.element) != xml:
                problems.append(f"cellen {ref} i {part} fick inte det skrivna värdet")
    return problems


def _compare(before: _Package, after: _Package, allowed: set[tuple[str, str]]) -> list[str]:
    problems: list[str] = []
    allowed_by_part: dict[str, set[str]] = {}
    for sheet in before.sheets:
        refs = {ref for name, ref in allowed if name == sheet.name.casefold()}
        if refs and sheet.part is not None:
            allowed_by_part[sheet.part] = refs

    removed = [name for name in before.data if name not in after.data]
    added = [name for name in after.data if name not in before.data]
    for name in added:
        problems.append(f"delen {name} har tillkommit")
    calc_chain_dropped = False
    for name in removed:
        if name == before.calc_chain_part and _formula_in_allowed(before, allowed_by_part):
            calc_chain_dropped = True
            continue
        problems.append(f"delen {name} har försvunnit")
    order = [info.filename for info in before.infos if info.filename in after.data]
    if order != [info.filename for info in after.infos if info.filename in before.data]:
        problems.append("delarnas ordning i zip-arkivet har ändrats")
    after_infos = {info.filename: info for info in after.infos}
    types_part = before.find("[Content_Types].xml")

    for info in before.infos:
        name = info.filename
        if name not in after.data:
            continue
        if after_infos[name].compress_type != info.compress_type:
            problems.append(f"delen {name} har fått en annan komprimering")
        old, new = before.data[name], after.data[name]
        if old == new:
            continue
        try:
            if name in allowed_by_part:
                problems += _compare_sheet(name, old, new, allowed_by_part[name])
            elif name == before.workbook_part:
                problems += _compare_workbook(name, old, new)
            elif name == before.styles_part:
                problems += _compare_styles(name, old, new)
            elif calc_chain_dropped and name == before.workbook_rels_part:
                problems += _compare_without(
                    name, old, new, "Relationship", "Id", before.calc_chain_rel_id or ""
                )
            elif calc_chain_dropped and name == types_part and before.calc_chain_part:
                problems += _compare_without(
                    name, old, new, "Override", "PartName", "/" + before.calc_chain_part
                )
            else:
                problems.append(f"delen {name} har ändrats")
        except LedgerWriteError as exc:
            problems.append(exc.message)
    return problems


def _formula_in_allowed(package: _Package, allowed_by_part: dict[str, set[str]]) -> bool:
    for part, refs in allowed_by_part.items():
        sheet = _Sheet(part, package.data[part])
        for ref in refs:
            cell = sheet.cell(*parse_cell_ref(ref))
            if cell is not None and cell.formula is not None:
                return True
    return False


def _well_formed(part: str, data: bytes) -> list[str]:
    """An independent check (expat, no DTDs) that ``data`` is well-formed XML."""

    def refuse(*_args: object) -> None:
        raise ValueError("DOCTYPE")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError) as exc:
        return [f"delen {part} är inte längre giltig XML ({exc})"]
    return []


def _compare_sheet(part: str, old: bytes, new: bytes, allowed: set[str]) -> list[str]:
    """Only ``allowed`` cells (with their new rows, ``spans`` and ``<dimension>``) differ."""
    problems = _well_formed(part, new)
    first, second = _Sheet(part, old), _Sheet(part, new)
    if first.outside() != second.outside():
        problems.append(f"{part}: innehåll utanför cellerna (sheetData) har ändrats")

    def row_attrs(sheet: _Sheet, row: _Row) -> list[tuple[str, str]]:
        attrs = row.element.attrs(sheet.text).values()
        return sorted((attr.name, attr.value) for attr in attrs if attr.name != "spans")

    for number in sorted(first.by_number.keys() | second.by_number.keys()):
        old_row, new_row = first.by_number.get(number), second.by_number.get(number)
        if old_row is not None and new_row is not None:
            if first.slice(old_row.element) == second.slice(new_row.element):
                continue
            if row_attrs(first, old_row) != row_attrs(second, new_row):
                problems.append(f"{part}: rad {number} har fått andra egenskaper")
        elif new_row is None:
            problems.append(f"{part}: rad {number} har försvunnit")
            continue
        old_cells = {} if old_row is None else _cell_texts(first, old_row)
        new_cells = _cell_texts(second, new_row)
        if list(new_cells) != sorted(new_cells, key=lambda ref: parse_cell_ref(ref)[1]):
            problems.append(f"{part}: cellerna på rad {number} står inte i ordning")
        if old_row is None and not (new_cells and set(new_cells) <= allowed):
            problems.append(f"{part}: rad {number} har tillkommit utan att skrivas i")
        for ref in sorted(old_cells.keys() | new_cells.keys()):
            if ref not in allowed and old_cells.get(ref) != new_cells.get(ref):
                problems.append(f"{part}: cellen {ref} har ändrats")
        old_other = [] if old_row is None else _other_children(first, old_row)
        if old_row is not None and old_other != _other_children(second, new_row):
            problems.append(f"{part}: rad {number} har ändrats utanför cellerna")
    return problems


def _cell_texts(sheet: _Sheet, row: _Row) -> dict[str, str]:
    return {cell.ref: sheet.slice(cell.element) for cell in sheet.cells(row)}


def _other_children(sheet: _Sheet, row: _Row) -> list[str]:
    sheet.cells(row)
    return [sheet.slice(child) for child in row.element.children if child.qname != sheet.doc.q("c")]


def _without_child(doc: _Doc, local: str) -> tuple[str, list[_El]]:
    found = [child for child in doc.root.children if _local(child.qname) == local]
    return _splice(doc.text, [(child.start, child.end, "") for child in found]), found


def _compare_workbook(part: str, old: bytes, new: bytes) -> list[str]:
    problems = _well_formed(part, new)
    first, second = _Doc.parse(part, old), _Doc.parse(part, new)
    first_rest, first_calc = _without_child(first, "calcPr")
    second_rest, second_calc = _without_child(second, "calcPr")
    if first_rest != second_rest:
        problems.append(f"{part}: mer än beräkningsinställningen (calcPr) har ändrats")

    def settings(doc: _Doc, found: list[_El]) -> dict[str, str]:
        if not found:
            return {}
        values = {a.name: a.value for a in found[0].attrs(doc.text).values()}
        values.pop("fullCalcOnLoad", None)
        return values

    if settings(first, first_calc) != settings(second, second_calc) or len(second_calc) != 1:
        problems.append(f"{part}: beräkningsinställningen (calcPr) har ändrats på fel sätt")
    return problems


def _compare_styles(part: str, old: bytes, new: bytes) -> list[str]:
    problems = _well_formed(part, new)
    first, second = _Doc.parse(part, old), _Doc.parse(part, new)

    def split(doc: _Doc) -> tuple[str, list[str], list[str]]:
        fmts = doc.root.find(doc.q("numFmts"))
        xfs = doc.root.find(doc.q("cellXfs"))
        edits: list[tuple[int, int, str]] = []
        fmt_children: list[str] = []
        xf_children: list[str] = []
        if fmts is not None:
            edits.append((fmts.start, fmts.end, ""))
            fmt_children = [doc.slice(child) for child in fmts.children]
            count = fmts.get(doc.text, "count")
            if count is not None and count != str(len(fmts.children)):
                problems.append(f"{part}: numFmts count stämmer inte")
        if xfs is not None:
            edits.append((xfs.start, xfs.end, "<cellXfs/>"))
            xf_children = [doc.slice(child) for child in xfs.children]
            count = xfs.get(doc.text, "count")
            if count is not None and count != str(len(xfs.children)):
                problems.append(f"{part}: cellXfs count stämmer inte")
        return _splice(doc.text, edits), fmt_children, xf_children

    first_rest, first_fmts, first_xfs = split(first)
    second_rest, second_fmts, second_xfs = split(second)
    if first_rest != second_rest:
        problems.append(f"{part}: mer än tillagda format har ändrats")
    if second_fmts[: len(first_fmts)] != first_fmts:
        problems.append(f"{part}: befintliga talformat har ändrats")
    if second_xfs[: len(first_xfs)] != first_xfs:
        problems.append(f"{part}: befintliga cellformat har ändrats")
    return problems


def _compare_without(
    part: str, old: bytes, new: bytes, local: str, attr: str, value: str
) -> list[str]:
    """``new`` must be ``old`` without its ``local`` child whose ``attr`` is ``value``."""
    problems = _well_formed(part, new)
    doc = _Doc.parse(part, old)
    edits = [
        (child.start, child.end, "")
        for child in doc.root.children
        if _local(child.qname) == local
        and (child.get(doc.text, attr) or "").casefold() == value.casefold()
    ]
    if _splice(doc.text, edits).encode("utf-8") != new:
        problems.append(f"delen {part} har ändrats mer än att beräkningskedjan tagits bort")
    return problems
