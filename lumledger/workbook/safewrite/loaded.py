"""The workbook to write, loaded into memory through the package layer, as the writer sees it.

:class:`~lumledger.workbook.package.PackageParts` holds the zip entries and finds the parts (with
the checks of reading: sizes, ratio, CRC, no DTD); here its refusals become the writer's
sentences, a workbook without its relationships part is refused, and a sheet that is not a
worksheet (a chart sheet, a dialog sheet …) has no part to write in.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import Any

from lumledger.findings import LedgerReadError, LedgerWriteError
from lumledger.workbook.package import (
    MissingWorkbookError,
    PackageParts,
    PartXmlError,
    parse_part_xml,
)


@dataclass(frozen=True, slots=True)
class SheetRef:
    name: str
    part: str | None  # None: not a worksheet (a chart sheet, dialog sheet ...)
    index: int


@dataclass(slots=True)
class LoadedPackage:
    """The zip's entries in order with their bytes, and where the workbook's parts are."""

    parts: PackageParts
    workbook_rels_part: str
    sheets: list[SheetRef]

    @classmethod
    def load(cls, raw: bytes, shown: str) -> LoadedPackage:
        try:
            parts = PackageParts.load(raw, shown)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            if isinstance(exc, PartXmlError):
                raise _xml_error(exc) from None
            raise LedgerWriteError(
                f"Filen {shown} är skadad eller ofullständig (zip-strukturen går inte att läsa); "
                "spara om den i Excel och försök igen."
            ) from None
        except LedgerReadError as exc:  # a zip bomb or a DTD: the reader's sentence
            raise LedgerWriteError(exc.message) from None
        except MissingWorkbookError:
            raise LedgerWriteError(
                f"Filen {shown} är ingen Excel-arbetsbok (xl/workbook.xml saknas); spara den som "
                ".xlsx eller .xlsm i Excel och försök igen."
            ) from None
        structure = parts.structure
        if structure.workbook_rels_part is None:
            raise LedgerWriteError(
                f"Arbetsboken {shown} saknar delen med bladens relationer; spara om den i Excel."
            )
        sheets = [
            SheetRef(sheet.name, sheet.part if sheet.is_worksheet else None, sheet.index)
            for sheet in structure.sheets
        ]
        return cls(parts=parts, workbook_rels_part=structure.workbook_rels_part, sheets=sheets)

    @property
    def shown(self) -> str:
        return self.parts.shown

    @property
    def infos(self) -> list[zipfile.ZipInfo]:
        return self.parts.infos

    @property
    def data(self) -> dict[str, bytes]:
        return self.parts.data

    @property
    def comment(self) -> bytes:
        return self.parts.comment

    @property
    def workbook_part(self) -> str:
        return self.parts.structure.workbook_part

    @property
    def styles_part(self) -> str | None:
        return self.parts.structure.styles_part

    @property
    def calc_chain_part(self) -> str | None:
        return self.parts.structure.calc_chain_part

    @property
    def calc_chain_rel_id(self) -> str | None:
        return self.parts.structure.calc_chain_rel_id

    def sheet(self, name: str) -> SheetRef:
        wanted = name.casefold()
        for sheet in self.sheets:
            if sheet.name.casefold() == wanted:
                return sheet
        raise LedgerWriteError(f"Bladet {name} finns inte i arbetsboken {self.shown}.")

    def find(self, part: str) -> str | None:
        return self.parts.find(part)

    def related(self, part: str, rel_type: str) -> list[tuple[str, str]]:
        """``(relationship id, part name)`` of the parts ``part`` refers to with ``rel_type``."""
        try:
            return self.parts.related(part, rel_type)
        except PartXmlError as exc:
            raise _xml_error(exc) from None


def xml_tree(data: bytes, part: str) -> Any:
    """A part as an element tree (no DTDs, no entities); invalid XML is the writer's refusal."""
    try:
        return parse_part_xml(data, part)
    except PartXmlError as exc:
        raise _xml_error(exc) from None


def _xml_error(exc: PartXmlError) -> LedgerWriteError:
    return LedgerWriteError(
        f"Delen {exc.part} i arbetsboken är inte giltig XML ({exc.detail}); öppna och spara "
        "arbetsboken i Excel och försök igen."
    )
