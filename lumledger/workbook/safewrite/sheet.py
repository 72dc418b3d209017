"""Editing one worksheet part: each written cell (and a new row where needed) spliced in place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lumledger.findings import LedgerWriteError
from lumledger.ledger_format import column_letters
from lumledger.workbook.safewrite.cells import (
    MAX_COLUMN,
    MAX_ROW,
    CellRange,
    Target,
    cell_content,
    parse_cell_ref,
)
from lumledger.workbook.safewrite.styles import Styles
from lumledger.workbook.safewrite.xmltext import (
    XML_NAME,
    Element,
    XmlDoc,
    XmlError,
    parse_fragment,
    splice,
    start_tag,
    truthy,
)

HEADER_ROW = 1  # ledger format: the header is row 1; new cells never copy its style


@dataclass(slots=True)
class SheetEdit:
    xml: bytes
    removed_formula: bool
    cells: dict[str, str]  # "A1" -> the cell element as written


@dataclass(slots=True)
class Cell:
    element: Element
    row: int
    col: int
    style: str | None
    formula: Element | None

    @property
    def ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"


@dataclass(slots=True)
class Row:
    element: Element  # its children are read only when the row's cells are needed
    number: int
    cells: list[Cell] | None = None


ATTRS = rf"(?P<attrs>(?:\s+{XML_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*"
_ROW_NUMBER_RE = re.compile(r"""(?:^|\s)r\s*=\s*["']\s*([0-9]+)\s*["']""")


class SheetXml:
    """A worksheet part, read row by row: a sheet of 100 000 cells is not parsed cell by cell.

    The rows of ``<sheetData>`` are found with one pattern each; a row's cells are parsed only
    when a write, a style look-up or the verification needs them.
    """

    def __init__(self, part: str, data: bytes) -> None:
        doc = XmlDoc.parse(part, data, opaque=("sheetData",))
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

    def _split_rows(self) -> list[Row]:
        text, sheet_data = self.text, self.sheet_data
        qname = self.doc.q("row")
        start_re = re.compile(rf"<{re.escape(qname)}{ATTRS}(?P<empty>/)?>")
        open_tag, close_tag = f"<{qname}", f"</{qname}>"
        rows: list[Row] = []
        position, end = sheet_data.open_end, sheet_data.close_start
        previous = 0
        while True:
            start = text.find("<", position, end)
            if start < 0 or text[position:start].strip():
                break
            match = start_re.match(text, start, end)
            if match is None:
                break
            element = Element(
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
            rows.append(Row(element, number))
        if text[position:end].strip():
            raise LedgerWriteError(
                f"Delen {self.part} har oväntat innehåll bland raderna (tecken {position}); "
                "öppna och spara arbetsboken i Excel och försök igen."
            )
        return rows

    def cells(self, row: Row) -> list[Cell]:
        """The row's cells, in document order (parsed on first use)."""
        if row.cells is None:
            element = row.element
            if not element.empty:
                try:
                    element.children = parse_fragment(
                        self.text, element.open_end, element.close_start
                    )
                except XmlError as exc:
                    raise LedgerWriteError(
                        f"Rad {row.number} i {self.part} är inte giltig XML ({exc}); öppna och "
                        "spara arbetsboken i Excel och försök igen."
                    ) from None
            cells: list[Cell] = []
            col = 0
            for child in element.children:
                if child.qname != self.doc.q("c"):
                    continue
                col = self._cell_col(child, row.number, col)
                cells.append(
                    Cell(
                        child,
                        row.number,
                        col,
                        child.get(self.text, "s"),
                        child.find(self.doc.q("f")),
                    )
                )
            row.cells = cells
        return row.cells

    def _cell_col(self, cell: Element, row: int, previous_col: int) -> int:
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

    def cell(self, row_number: int, col: int) -> Cell | None:
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

    def formula_tags(self) -> Iterator[Element]:
        """Every ``<f>`` start tag in ``sheetData`` (as childless elements), found by pattern."""
        f_re = re.compile(rf"<{re.escape(self.doc.q('f'))}{ATTRS}/?>")
        for match in f_re.finditer(
            self.text, self.sheet_data.open_end, self.sheet_data.close_start
        ):
            yield Element(
                qname=self.doc.q("f"),
                start=match.start(),
                open_end=match.end(),
                attrs_span=(match.start("attrs"), match.end("attrs")),
                empty=True,
            )

    def slice(self, element: Element) -> str:
        return self.text[element.start : element.end]

    def outside(self) -> str:
        """The part without the cells and with a placeholder for ``<dimension>``."""
        sheet_data = self.sheet_data
        edits = [(sheet_data.start, sheet_data.end, "<sheetData/>")]
        dimension = self.doc.root.find(self.doc.q("dimension"))
        if dimension is not None:
            edits.append((dimension.start, dimension.end, "<dimension/>"))
        return splice(self.text, edits)


_NEW_ROW_ATTRS = ("ht", "customHeight", "s", "customFormat", "outlineLevel", "thickTop", "thickBot")


def edit_sheet_xml(
    xml: bytes,
    targets: Sequence[Target],
    styles: Styles,
    *,
    sheet: str,
    part: str,
    headers: Sequence[tuple[str, CellRange]] = (),
) -> SheetEdit:
    """Set ``targets`` in one worksheet part, changing nothing else in it."""
    return _SheetEditor(SheetXml(part, xml), styles, sheet, headers).apply(targets)


class _SheetEditor:
    """Computes the text edits that put values into one worksheet part."""

    def __init__(
        self, ws: SheetXml, styles: Styles, sheet: str, headers: Sequence[tuple[str, CellRange]]
    ) -> None:
        self.ws, self.styles, self.sheet = ws, styles, sheet
        self.doc, self.text = ws.doc, ws.text
        self.removed_formula = False
        # What a write must not break: multi-cell array formulas and data tables, shared-formula
        # masters that other cells use, merged ranges, the header rows of Excel tables.
        self.blocked: list[tuple[CellRange, str]] = [
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
                area = CellRange.parse(formula.get(self.text, "ref") or "")
                if area is not None and not area.single:
                    self.blocked.append(
                        (
                            area,
                            f"ingår i en matrisformel eller datatabell ({area}) och kan inte "
                            "skrivas över; ändra den i Excel i stället",
                        )
                    )
        self.merged: list[CellRange] = []
        merge_cells = self.doc.root.find(self.doc.q("mergeCells"))
        for merge in merge_cells.children if merge_cells is not None else []:
            area = CellRange.parse(merge.get(self.text, "ref") or "")
            if area is not None and not area.single:
                self.merged.append(area)
        self.column_styles: dict[int, str] = {}
        cols = self.doc.root.find(self.doc.q("cols"))
        for col in cols.children if cols is not None else []:
            style, lo, hi = (col.get(self.text, name) for name in ("style", "min", "max"))
            if style and lo and hi and lo.isdigit() and hi.isdigit():
                for number in range(int(lo), min(int(hi), MAX_COLUMN) + 1):
                    self.column_styles.setdefault(number, style)

    def apply(self, targets: Sequence[Target]) -> SheetEdit:
        ws = self.ws
        by_row: dict[int, list[Target]] = {}
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
            tag = start_tag(self.text, sheet_data, empty=False)
            body = "".join(text for chunk in new_rows.values() for text in chunk)
            edits.append((sheet_data.start, sheet_data.end, f"{tag}{body}</{sheet_data.qname}>"))
        else:
            edits += [(position, position, "".join(chunk)) for position, chunk in new_rows.items()]
        edits += self._dimension(
            [(t.row, t.col) for t in targets if t.value is not None and t.ref in written]
        )
        return SheetEdit(splice(self.text, edits).encode("utf-8"), self.removed_formula, written)

    def _check(self, target: Target) -> None:
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
        if own_row is not None and truthy(own_row.element.get(self.text, "customFormat")):
            return own_row.element.get(self.text, "s")
        return self.column_styles.get(col)

    def _cell_xml(self, target: Target, cell: Cell | None) -> str:
        doc, text = self.doc, self.text
        where = f"{self.sheet}!{target.ref}"
        style = cell.style if cell is not None else self._inherited_style(target.row, target.col)
        value = target.value
        if isinstance(value, dt.date):
            base = int(style) if style and style.isdigit() else 0
            if not self.styles.is_date(base):
                with_time = isinstance(value, dt.datetime) and _has_time(value)
                style = str(self.styles.date_style(base, with_time, where))
        kind, inner = cell_content(doc, value, where, self.styles.date1904)
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
        tag = start_tag(text, cell.element, set_attrs=set_attrs, drop=drop, empty=not body)
        return f"{tag}{body}</{doc.q('c')}>" if body else tag

    def _edit_row(
        self, row: Row, targets: list[Target], written: dict[str, str]
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
            tag = start_tag(text, row.element, set_attrs=set_attrs, empty=False)
            body = "".join(xml for chunk in insertions.values() for xml in chunk)
            edits.append((row.element.start, row.element.end, f"{tag}{body}</{row.element.qname}>"))
            return edits
        if set_attrs:
            edits.append(
                (
                    row.element.start,
                    row.element.open_end,
                    start_tag(text, row.element, set_attrs=set_attrs),
                )
            )
        edits += [(position, position, "".join(chunk)) for position, chunk in insertions.items()]
        return edits

    def _new_row(self, number: int, targets: list[Target], written: dict[str, str]) -> str:
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
        area = CellRange.parse(dimension.get(self.text, "ref") or "")
        if area is None:
            return []
        grown = area
        for row, col in cells:
            grown = grown.union(row, col)
        if grown == area:
            return []
        tag = start_tag(self.text, dimension, set_attrs={"ref": str(grown)})
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
