"""Planning a write: which parts change, how, and which cells may differ afterwards.

Sheet parts are edited by :mod:`.sheet`, the styles part by :mod:`.styles`; here the writes are
checked and grouped per part, ``fullCalcOnLoad`` is set in the workbook part when it has formulas,
and the calculation chain is dropped when a write replaces a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lumledger.findings import LedgerWriteError
from lumledger.workbook.package import local_name
from lumledger.workbook.safewrite.cells import CellRange, CellWrite, Target, parse_cell_ref
from lumledger.workbook.safewrite.loaded import LoadedPackage, xml_tree
from lumledger.workbook.safewrite.sheet import edit_sheet_xml
from lumledger.workbook.safewrite.styles import Styles
from lumledger.workbook.safewrite.xmltext import XmlDoc, splice, start_tag, truthy


def normalise_writes(writes: Sequence[CellWrite]) -> list[Target]:
    targets: list[Target] = []
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
        targets.append(Target(write.sheet, row, col, value))
    if not targets:
        raise ValueError("write_cells needs at least one CellWrite")
    return targets


def check_not_signed(package: LoadedPackage) -> None:
    if any(name.casefold().startswith("_xmlsignatures/") for name in package.data):
        raise LedgerWriteError(
            f"Arbetsboken {package.shown} är digitalt signerad och signaturen skulle bli ogiltig "
            "om lumledger skrev i den; ta bort signaturen i Excel först."
        )


@dataclass(slots=True)
class Plan:
    parts: dict[str, bytes]  # new content of changed parts
    removed: set[str]  # parts left out (the calculation chain)
    allowed: set[tuple[str, str]]  # (casefolded sheet name, "A1")
    changed_cells: tuple[str, ...]
    expected: dict[tuple[str, str], str]  # part, "A1" -> the cell's XML as written


def plan_writes(package: LoadedPackage, targets: list[Target]) -> Plan:
    by_part: dict[str, list[Target]] = {}
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

    workbook = XmlDoc.parse(package.workbook_part, package.data[package.workbook_part])
    workbook_pr = workbook.root.find(workbook.q("workbookPr"))
    date1904 = workbook_pr is not None and truthy(workbook_pr.get(workbook.text, "date1904"))
    styles = Styles(package, date1904)

    parts: dict[str, bytes] = {}
    expected: dict[tuple[str, str], str] = {}
    removed_formula = False
    for part, part_targets in by_part.items():
        headers = _table_headers(package, part)
        edit = edit_sheet_xml(
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
    return Plan(parts, removed, allowed, tuple(changed), expected)


_FORMULA_RE = re.compile(rb"<(?:[^\s<>/:]+:)?f[\s/>]")


def _has_formulas(package: LoadedPackage) -> bool:
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


def _set_full_calc_on_load(workbook: XmlDoc) -> bytes | None:
    """``workbook.xml`` with ``fullCalcOnLoad="1"`` in ``<calcPr>``; ``None`` if already set."""
    text, root = workbook.text, workbook.root
    calc_pr = root.find(workbook.q("calcPr"))
    if calc_pr is not None:
        if truthy(calc_pr.get(text, "fullCalcOnLoad")):
            return None
        tag = start_tag(text, calc_pr, set_attrs={"fullCalcOnLoad": "1"})
        new = splice(text, [(calc_pr.start, calc_pr.open_end, tag)])
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
        new = splice(text, [(anchor.end, anchor.end, tag)])
    return new.encode("utf-8")


def _drop_calc_chain(package: LoadedPackage) -> dict[str, bytes]:
    """The relationship and content-type parts without the calculation chain."""
    changed: dict[str, bytes] = {}
    rels = XmlDoc.parse(package.workbook_rels_part, package.data[package.workbook_rels_part])
    edits = [
        (child.start, child.end, "")
        for child in rels.root.children
        if local_name(child.qname) == "Relationship"
        and child.get(rels.text, "Id") == package.calc_chain_rel_id
    ]
    changed[package.workbook_rels_part] = splice(rels.text, edits).encode("utf-8")
    types_part = package.find("[Content_Types].xml")
    if types_part is not None and package.calc_chain_part is not None:
        types = XmlDoc.parse(types_part, package.data[types_part])
        wanted = "/" + package.calc_chain_part.casefold()
        edits = [
            (child.start, child.end, "")
            for child in types.root.children
            if local_name(child.qname) == "Override"
            and (child.get(types.text, "PartName") or "").casefold() == wanted
        ]
        if edits:
            changed[types_part] = splice(types.text, edits).encode("utf-8")
    return changed


def _table_headers(package: LoadedPackage, sheet_part: str) -> list[tuple[str, CellRange]]:
    """The header rows of the sheet's Excel tables (their text must match the table's columns)."""
    headers: list[tuple[str, CellRange]] = []
    for _rel_id, part in package.related(sheet_part, "table"):
        table = xml_tree(package.data[part], part)
        area = CellRange.parse(table.get("ref", ""))
        if area is None or table.get("headerRowCount", "1") == "0":
            continue
        name = table.get("displayName") or table.get("name") or part
        headers.append(
            (name, CellRange(area.first_row, area.first_col, area.first_row, area.last_col))
        )
    return headers
