"""Cell styles and number formats: is a style a date, and a date style appended when one is needed."""

from __future__ import annotations

import re

from lumledger.findings import LedgerWriteError
from lumledger.workbook.safewrite.loaded import LoadedPackage
from lumledger.workbook.safewrite.xmltext import (
    Element,
    XmlDoc,
    escape_attr,
    parse_xml,
    splice,
    start_tag,
)

_DATE_FORMAT = "yyyy\\-mm\\-dd"
_DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
_FIRST_CUSTOM_FORMAT = 164

_FORMAT_NOISE_RE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!(?:h+|m+|s+)\])[^\]]*\]', re.I)


def is_date_format(code: str) -> bool:
    """Whether an Excel number format code shows a date or time."""
    section = _FORMAT_NOISE_RE.sub("", code.split(";")[0])
    return section.lower() != "general" and re.search(r"[dmyhs]", section, re.I) is not None


class Styles:
    """Cell styles (``cellXfs``) and number formats; appends a date style when one is needed."""

    def __init__(self, package: LoadedPackage, date1904: bool) -> None:
        self.date1904 = date1904
        self._part = package.styles_part
        self._doc: XmlDoc | None = None
        self._num_fmts: dict[int, str] = {}
        self._xfs: list[str] = []  # the xf elements' text, existing then new
        self._existing_xfs = 0
        self._new_fmts: list[tuple[int, str]] = []
        self._num_fmts_el: Element | None = None
        self._cell_xfs_el: Element | None = None
        if self._part is None:
            return
        doc = XmlDoc.parse(self._part, package.data[self._part])
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
        element = parse_xml(original)
        tag = start_tag(
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
                f'<{doc.q("numFmt")} numFmtId="{fmt_id}" formatCode="{escape_attr(code)}"/>'
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
                tag = start_tag(text, fmts, set_attrs={"count": str(count)}, empty=False)
                if fmts.empty:
                    edits.append((fmts.start, fmts.end, f"{tag}{new}</{fmts.qname}>"))
                else:
                    edits.append((fmts.start, fmts.open_end, tag))
                    edits.append((fmts.close_start, fmts.close_start, new))
        xfs = self._cell_xfs_el
        if xfs is not None and len(self._xfs) > self._existing_xfs:
            new = "".join(self._xfs[self._existing_xfs :])
            tag = start_tag(text, xfs, set_attrs={"count": str(len(self._xfs))})
            edits.append((xfs.start, xfs.open_end, tag))
            edits.append((xfs.close_start, xfs.close_start, new))
        return splice(text, edits).encode("utf-8")
