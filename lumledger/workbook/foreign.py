"""Zip files that are not Excel workbooks, named from their part names before anything in them is
inflated: Apple Numbers, Pages and Keynote, OpenDocument, Word and PowerPoint. The officer is told
what the file is and how to get an Excel workbook from it, instead of "skadad" or "kan vara
skadlig" (a Numbers file's plist carries a DOCTYPE). Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

NUMBERS_HOW = (
    "öppna den i Numbers och exportera den som Excel (Arkiv > Exportera till > Excel …) och "
    "försök igen med den exporterade .xlsx-filen."
)


def foreign_zip_message(
    keys: Iterable[str], shown: str, suffix: str, read_small: Callable[[str], bytes | None]
) -> str | None:
    """A sentence naming the kind of file when the zip is not an Excel workbook, else ``None``.

    ``keys``: the part names as :func:`lumledger.workbook.package.part_key` gives them;
    ``read_small(key)``: a part of at most 100 bytes (the OpenDocument ``mimetype``) or ``None``.
    A zip with any ``xl/`` part is a workbook, however odd, and never called foreign."""
    keys = set(keys)
    if any(k.startswith("xl/") for k in keys):
        return None
    names = {k.rsplit("/", 1)[-1] for k in keys}
    iwork = (
        any(
            k.endswith(".iwa") and "index/" in k for k in keys
        )  # Numbers, Pages, Keynote since 2013
        or "index.zip" in names  # a package folder zipped whole
        or (
            ("index.xml" in names or "index.xml.gz" in names)
            and any("quicklook/" in k for k in keys)
        )
    )
    if iwork:
        app = {".pages": "Pages", ".key": "Keynote"}.get(suffix)
        if app is None and (
            suffix == ".numbers" or any(".numbers/" in k or "index/tables/" in k for k in keys)
        ):
            app = "Numbers"
        if app == "Numbers":
            return f"Filen {shown} är en Numbers-fil från Apple, inte en Excel-arbetsbok; {NUMBERS_HOW}"
        return (
            f"Filen {shown} är ett dokument från Apple "
            f"{app or 'iWork (Numbers, Pages eller Keynote)'}, inte en Excel-arbetsbok; ange "
            "liggaren (.xlsx eller .xlsm)."
        )
    if "mimetype" in keys:
        mime = read_small("mimetype") or b""
        if mime.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return (
                f"Filen {shown} är ett OpenDocument-kalkylblad (.ods), inte en Excel-arbetsbok; "
                "öppna den i LibreOffice eller Excel och spara den som Excel-arbetsbok (.xlsx)."
            )
        if mime.startswith(b"application/vnd.oasis.opendocument"):
            return (
                f"Filen {shown} är ett OpenDocument-dokument, inte en Excel-arbetsbok; ange "
                "liggaren (.xlsx eller .xlsm)."
            )
    if "word/document.xml" in keys:
        return (
            f"Filen {shown} är ett Word-dokument, inte en Excel-arbetsbok; ange liggaren "
            "(.xlsx eller .xlsm)."
        )
    if "ppt/presentation.xml" in keys:
        return (
            f"Filen {shown} är en PowerPoint-presentation, inte en Excel-arbetsbok; ange "
            "liggaren (.xlsx eller .xlsm)."
        )
    return None


def numbers_folder_message(folder: Path) -> str | None:
    """A Numbers document kept as a folder (a macOS package copied to a network drive)."""
    if (folder / "Index.zip").exists() or (folder / "Index" / "Document.iwa").exists():
        return (
            f"{folder.name} är en Numbers-fil från Apple (sparad som mapp), inte en "
            f"Excel-arbetsbok; {NUMBERS_HOW}"
        )
    return None
