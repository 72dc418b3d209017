"""A minimal XML scanner that keeps exact character positions, for editing parts as text.

The safe writer never re-serialises a part: it finds elements with their start and end offsets
(:func:`parse_fragment`), builds changed start tags (:func:`start_tag`) and splices the edits into
the original text (:func:`splice`), so everything it does not touch stays character for
character. DOCTYPE and ENTITY declarations are refused. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lumledger.findings import LedgerWriteError
from lumledger.workbook.package import local_name

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)

XML_NAME = r"[^\s<>/=!?\"']+"
_MARKUP_RE = re.compile(
    r"<!--.*?-->"
    r"|<!\[CDATA\[.*?\]\]>"
    r"|<\?.*?\?>"
    r"|<!(?P<decl>[^>]*)>"
    rf"|</(?P<end>{XML_NAME})\s*>"
    rf"|<(?P<start>{XML_NAME})(?P<attrs>(?:\s+{XML_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
    r"\s*(?P<empty>/)?>",
    re.S,
)
_ATTR_RE = re.compile(rf"\s+({XML_NAME})\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class XmlError(Exception):
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


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    return escape_text(value).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class Attr:
    name: str
    value: str  # unescaped
    raw: str  # the attribute as written, with its leading white space


@dataclass(slots=True)
class Element:
    """An element and where it is in the text: ``text[start:end]`` is the whole element."""

    qname: str
    start: int
    open_end: int  # just after the start tag's ">"
    attrs_span: tuple[int, int]
    empty: bool  # written as <x/>
    close_start: int = -1  # where the end tag starts (== open_end when empty)
    end: int = -1
    children: list[Element] = field(default_factory=list)
    _attrs: dict[str, Attr] | None = None

    def attrs(self, text: str) -> dict[str, Attr]:
        if self._attrs is None:
            found: dict[str, Attr] = {}
            chunk = text[self.attrs_span[0] : self.attrs_span[1]]
            for match in _ATTR_RE.finditer(chunk):
                raw_value = match[2] if match[2] is not None else match[3]
                found[match[1]] = Attr(match[1], _unescape(raw_value), match[0])
            self._attrs = found
        return self._attrs

    def get(self, text: str, name: str) -> str | None:
        attr = self.attrs(text).get(name)
        return None if attr is None else attr.value

    def find(self, qname: str) -> Element | None:
        for child in self.children:
            if child.qname == qname:
                return child
        return None


def parse_fragment(
    text: str, begin: int = 0, end: int | None = None, opaque: Iterable[str] = ()
) -> list[Element]:
    """The top-level elements in ``text[begin:end]``, positions absolute in ``text``.

    Elements whose local name is in ``opaque`` are not descended into: their content is found
    by their end tag only (used for ``sheetData``, which is handled row by row).
    """
    end = len(text) if end is None else end
    skip = set(opaque)
    stack: list[Element] = []
    top: list[Element] = []
    position = begin
    while True:
        match = _MARKUP_RE.search(text, position, end)
        if match is None:
            break
        if "<" in text[position : match.start()]:
            raise XmlError(f"oväntat '<' vid tecken {position}")
        position = match.end()
        if match["decl"] is not None:
            raise XmlError("DOCTYPE- och ENTITY-deklarationer är inte tillåtna")
        if match["start"] is not None:
            element = Element(
                qname=match["start"],
                start=match.start(),
                open_end=match.end(),
                attrs_span=(match.start("attrs"), match.end("attrs")),
                empty=match["empty"] is not None,
            )
            (stack[-1].children if stack else top).append(element)
            if element.empty:
                element.close_start = element.end = match.end()
            elif local_name(element.qname) in skip:
                closing = re.compile(rf"</{re.escape(element.qname)}\s*>").search(
                    text, match.end(), end
                )
                if closing is None:
                    raise XmlError(f"<{element.qname}> saknar sluttagg")
                element.close_start, element.end = closing.start(), closing.end()
                position = closing.end()
            else:
                stack.append(element)
        elif match["end"] is not None:
            if not stack or stack[-1].qname != match["end"]:
                raise XmlError(f"sluttaggen </{match['end']}> matchar ingen starttagg")
            element = stack.pop()
            element.close_start = match.start()
            element.end = match.end()
    if "<" in text[position:end] or stack:
        raise XmlError("dokumentet är ofullständigt")
    return top


def parse_xml(text: str, opaque: Iterable[str] = ()) -> Element:
    top = parse_fragment(text, opaque=opaque)
    if len(top) != 1:
        raise XmlError("dokumentet ska ha exakt ett rotelement")
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
class XmlDoc:
    """A parsed XML part: its text, root element and the prefix of the SpreadsheetML namespace."""

    part: str
    text: str
    root: Element
    prefix: str  # "" or "x:"

    @classmethod
    def parse(cls, part: str, data: bytes, opaque: Iterable[str] = ()) -> XmlDoc:
        text = _decode(data, part)
        try:
            root = parse_xml(text, opaque)
        except XmlError as exc:
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

    def slice(self, element: Element) -> str:
        return self.text[element.start : element.end]


def start_tag(
    text: str,
    element: Element,
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
            parts.append(f' {attr.name}="{escape_attr(set_attrs[attr.name])}"')
        else:
            parts.append(attr.raw)
    existing = element.attrs(text)
    for name, value in set_attrs.items():
        if name not in existing:
            parts.append(f' {name}="{escape_attr(value)}"')
    parts.append("/>" if (element.empty if empty is None else empty) else ">")
    return "".join(parts)


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
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


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")
