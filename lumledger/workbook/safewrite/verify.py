"""Verification: two workbooks compared part by part; only the intended cells may differ."""

from __future__ import annotations

from pathlib import Path
from xml.parsers import expat

from lumledger.findings import LedgerWriteError
from lumledger.ledger_format import column_letters
from lumledger.workbook.package import local_name
from lumledger.workbook.safewrite.cells import parse_cell_ref
from lumledger.workbook.safewrite.loaded import LoadedPackage
from lumledger.workbook.safewrite.plan import Plan
from lumledger.workbook.safewrite.sheet import Row, SheetXml
from lumledger.workbook.safewrite.xmltext import Element, XmlDoc, splice


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
        first = LoadedPackage.load(Path(before).read_bytes(), Path(before).name)
        second = LoadedPackage.load(Path(after).read_bytes(), Path(after).name)
    except LedgerWriteError as exc:
        return [exc.message]
    except OSError as exc:
        return [f"filen kunde inte läsas ({exc})"]
    return compare(first, second, allowed_keys(allowed))


def summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:5])
    if len(problems) > 5:
        shown += f"; och {len(problems) - 5} till"
    return shown


def allowed_keys(allowed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for sheet, ref in allowed:
        row, col = parse_cell_ref(ref)
        keys.add((sheet.casefold(), f"{column_letters(col)}{row}"))
    return keys


def check_written(after: LoadedPackage, plan: Plan) -> list[str]:
    """Every written cell holds exactly the XML that was meant for it."""
    problems: list[str] = []
    by_part: dict[str, dict[str, str]] = {}
    for (part, ref), xml in plan.expected.items():
        by_part.setdefault(part, {})[ref] = xml
    for part, cells in by_part.items():
        sheet = SheetXml(part, after.data.get(part, b""))
        for ref, xml in cells.items():
            cell = sheet.cell(*parse_cell_ref(ref))
            if cell is None or sheet.slice(cell.element) != xml:
                problems.append(f"cellen {ref} i {part} fick inte det skrivna värdet")
    return problems


def compare(
    before: LoadedPackage, after: LoadedPackage, allowed: set[tuple[str, str]]
) -> list[str]:
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


def _formula_in_allowed(package: LoadedPackage, allowed_by_part: dict[str, set[str]]) -> bool:
    for part, refs in allowed_by_part.items():
        sheet = SheetXml(part, package.data[part])
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
    first, second = SheetXml(part, old), SheetXml(part, new)
    if first.outside() != second.outside():
        problems.append(f"{part}: innehåll utanför cellerna (sheetData) har ändrats")

    def row_attrs(sheet: SheetXml, row: Row) -> list[tuple[str, str]]:
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


def _cell_texts(sheet: SheetXml, row: Row) -> dict[str, str]:
    return {cell.ref: sheet.slice(cell.element) for cell in sheet.cells(row)}


def _other_children(sheet: SheetXml, row: Row) -> list[str]:
    sheet.cells(row)
    return [sheet.slice(child) for child in row.element.children if child.qname != sheet.doc.q("c")]


def _without_child(doc: XmlDoc, local: str) -> tuple[str, list[Element]]:
    found = [child for child in doc.root.children if local_name(child.qname) == local]
    return splice(doc.text, [(child.start, child.end, "") for child in found]), found


def _compare_workbook(part: str, old: bytes, new: bytes) -> list[str]:
    problems = _well_formed(part, new)
    first, second = XmlDoc.parse(part, old), XmlDoc.parse(part, new)
    first_rest, first_calc = _without_child(first, "calcPr")
    second_rest, second_calc = _without_child(second, "calcPr")
    if first_rest != second_rest:
        problems.append(f"{part}: mer än beräkningsinställningen (calcPr) har ändrats")

    def settings(doc: XmlDoc, found: list[Element]) -> dict[str, str]:
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
    first, second = XmlDoc.parse(part, old), XmlDoc.parse(part, new)

    def split(doc: XmlDoc) -> tuple[str, list[str], list[str]]:
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
        return splice(doc.text, edits), fmt_children, xf_children

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
    doc = XmlDoc.parse(part, old)
    edits = [
        (child.start, child.end, "")
        for child in doc.root.children
        if local_name(child.qname) == local
        and (child.get(doc.text, attr) or "").casefold() == value.casefold()
    ]
    if splice(doc.text, edits).encode("utf-8") != new:
        problems.append(f"delen {part} har ändrats mer än att beräkningskedjan tagits bort")
    return problems
