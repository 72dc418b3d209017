"""The workbook package as the safe writer loads it: every zip entry in memory, in order, and
where the workbook's parts are (workbook, its relationships, sheets, styles, calculation chain)."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree as SafeElementTree

from lumledger.findings import LedgerWriteError


@dataclass(frozen=True, slots=True)
class SheetRef:
    name: str
    part: str | None  # None: not a worksheet (a chart sheet, dialog sheet ...)
    index: int


@dataclass(slots=True)
class LoadedPackage:
    """The zip's entries in order with their bytes, and where the workbook's parts are."""

    shown: str
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    comment: bytes
    workbook_part: str
    workbook_rels_part: str
    sheets: list[SheetRef]
    styles_part: str | None
    calc_chain_part: str | None
    calc_chain_rel_id: str | None

    @classmethod
    def load(cls, raw: bytes, shown: str) -> LoadedPackage:
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
            for rel in relationships(data[root_rels], root_rels):
                if rel.type.endswith("/officeDocument"):
                    workbook_part = find(resolve("", rel.target))
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
        rels = {rel.id: rel for rel in relationships(data[rels_part], rels_part)}
        styles_part = calc_chain_part = calc_chain_rel = None
        for rel in rels.values():
            if rel.type.endswith("/styles"):
                styles_part = find(resolve(base, rel.target))
            elif rel.type.endswith("/calcChain"):
                calc_chain_part = find(resolve(base, rel.target))
                calc_chain_rel = rel.id
        sheets: list[SheetRef] = []
        workbook = xml_tree(data[workbook_part], workbook_part)
        listed: Any = next((e for e in workbook if local_name(e.tag) == "sheets"), [])
        for element in listed:
            if local_name(element.tag) != "sheet":
                continue
            rel_id = next((v for k, v in element.attrib.items() if local_name(k) == "id"), None)
            sheet_rel = rels.get(rel_id or "")
            part = None
            if sheet_rel is not None and sheet_rel.type.endswith("/worksheet"):
                part = find(resolve(base, sheet_rel.target))
            sheets.append(SheetRef(element.get("name", ""), part, len(sheets) + 1))
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

    def sheet(self, name: str) -> SheetRef:
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
        for rel in relationships(self.data[rels_part], rels_part):
            if rel.type.endswith("/" + rel_type) and rel.mode != "External":
                target = self.find(resolve(base, rel.target))
                if target is not None:
                    found.append((rel.id, target))
        return found


@dataclass(frozen=True, slots=True)
class Relationship:
    id: str
    type: str
    target: str
    mode: str


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def xml_tree(data: bytes, part: str) -> Any:
    try:
        return SafeElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals
        raise LedgerWriteError(
            f"Delen {part} i arbetsboken är inte giltig XML ({exc}); öppna och spara "
            "arbetsboken i Excel och försök igen."
        ) from None


def relationships(data: bytes, part: str) -> list[Relationship]:
    rels: list[Relationship] = []
    for element in xml_tree(data, part).iter():
        if local_name(element.tag) == "Relationship":
            rels.append(
                Relationship(
                    element.get("Id", ""),
                    element.get("Type", ""),
                    element.get("Target", ""),
                    element.get("TargetMode", "Internal"),
                )
            )
    return rels


def resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))
