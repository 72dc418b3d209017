"""What the Excel host at the other end of a book can do, and the book calls every host has.

lumledger's buttons run on three hosts: desktop Excel through COM (``RunPython``), and through
xlwings' remote engine for the Office.js clients (xlwings Lite, an xlwings Server add-in) and
the VBA client (``RunRemotePython``). The remote engine reads only the values the client sent
and returns the writes as actions the client applies; it cannot read a fill, a note or a value
written earlier in the same run. So the front end:

* reads values only, and only what was in the book when the button was pressed;
* writes values, fills, hyperlinks and sheets everywhere, and column widths, bold and hidden
  sheets where the client applies them (:class:`Host`): the VBA client stops at the first
  action it does not know, so it is never sent one;
* adds sheets after the last sheet (the only place the VBA client adds them correctly, and the
  place that keeps defined names pointing at the right sheets on the remote engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Excel's "Bad" and "Neutral" fills (light red, light yellow).
ERROR_FILL = "#ffc7ce"
WARNING_FILL = "#ffeb9c"
#: What removes a fill: none where the client can clear one, white where it cannot (VBA).
NO_FILL: str | None = None
WHITE_FILL = "#ffffff"

#: Desktop Excel measures column widths in characters of the default font, Office.js in
#: points; the default column (8.43 characters) is 48 points.
POINTS_PER_CHARACTER = 48 / 8.43


@dataclass(frozen=True, slots=True)
class Host:
    """What the client that sent the book applies (``COM``: desktop Excel, everything)."""

    client: str
    bold: bool = True
    column_widths: bool = True
    hide_sheets: bool = True
    clear_fill: bool = True
    print_layout: bool = True  # wrapped text and a print area
    width_in_points: bool = False

    @property
    def remote(self) -> bool:
        return self.client != "COM"

    @property
    def no_fill(self) -> str | None:
        return NO_FILL if self.clear_fill else WHITE_FILL

    def width(self, characters: float) -> float:
        """A column width in the unit the host takes."""
        if self.width_in_points:
            return round(characters * POINTS_PER_CHARACTER, 1)
        return characters


def host_of(book: Any) -> Host:
    """The host of ``book``: a remote book's ``api`` is the client's payload (a dict)."""
    data = book.api
    if not isinstance(data, dict):
        return Host(client="COM")
    client = str(data.get("client") or "VBA")
    if client == "VBA":
        return Host(
            client=client,
            bold=False,
            column_widths=False,
            hide_sheets=False,
            clear_fill=False,
            print_layout=False,
        )
    return Host(client=client, width_in_points=True)


def workbook_folder(book: Any) -> Path | None:
    """The folder the workbook is saved in, or ``None`` where the host has none (a remote book,
    an unsaved book). A OneDrive/SharePoint address is mapped to the synced folder by xlwings."""
    if host_of(book).remote:
        return None
    fullname = str(book.fullname)
    if fullname.lower().startswith(("http://", "https://")):
        import xlwings as xw

        try:
            fullname = str(xw.utils.fullname_url_to_local_path(fullname))
        except Exception:
            return None
    path = Path(fullname)
    if not path.is_absolute() or not path.parent.is_dir():
        return None
    return path.parent


def key(title: str) -> str:
    """A sheet title as Excel compares it (case and surrounding spaces ignored)."""
    return str(title).strip().casefold()


def find_sheet(book: Any, title: str) -> Any | None:
    for sheet in book.sheets:
        if key(sheet.name) == key(title):
            return sheet
    return None


def output_sheet(book: Any, title: str) -> Any:
    """The sheet ``title``, cleared (values, fills, links); added after the last sheet when the
    book has none."""
    sheet = find_sheet(book, title)
    if sheet is not None:
        sheet.clear()
        return sheet
    return book.sheets.add(title, after=book.sheets[-1])


def hide(book: Any, sheet: Any) -> None:
    """Hide ``sheet`` where the host can (the VBA client cannot: the sheet stays visible)."""
    if host_of(book).hide_sheets:
        sheet.visible = False
