"""Build the JSON request body an xlwings client sends to a server, from an .xlsx file or rows.

The remote engine (``xw.Book(json=payload)``) builds its workbook from this body. The shapes here
mirror the two clients that matter for lumledger, read from their source (xlwings 0.37.8):

* ``"Office.js"``: ``getBookData()`` in xlwings Server's ``static/js/custom-scripts/index.js``
  (+ ``workbook-metadata.js``, ``named-items.js``; wheel ``xlwings-server==1.20.0``, which
  requires ``xlwings>=0.37.8``). xlwings Lite uses the same client code (``config.onWasm``).
* ``"VBA"``: ``RunServerPython``/``RunRemotePython`` in ``xlwings/addin/Remote.bas`` and the
  JSON writer ``ConvertToJson`` in ``xlwings/addin/WebHelpers.bas`` (shipped in the package).

Per-cell encoding (``encode_value``):

==============  ==================================  ==================================
Excel cell      Office.js sends                     VBA sends
==============  ==================================  ==================================
whole number    JSON integer (``JSON.stringify``)   JSON integer (``CStr`` of a Double)
other number    JSON float                          JSON float (15 significant digits)
date/time       ``"2018-08-01T00:00:00.000Z"``      ``"2018-08-01T00:00:00.000Z"``
                (number with a date/time format)    (``Range.Value`` is a VBA Date)
empty           ``""``                              ``null``
error           ``"#N/A"``, ``"#SPILL!"``, ...      the 7 classic errors as text; newer
                                                    ones (``#SPILL!``...) break the JSON
boolean         ``true``/``false``                  ``true``/``false``
==============  ==================================  ==================================

Both clients send the values block from A1 to the last cell of the used range (Office.js: the
*values-only* used range; VBA: ``UsedRange``, which also counts formatted empty cells).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

Client = Literal["Office.js", "VBA"]
JSON = Any

#: Error texts both clients can send. Office.js sends any Excel error as its text.
CLASSIC_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
#: Newer error kinds (Office.js only); VBA-Web's ConvertToJson has no case for them.
NEWER_ERRORS = (
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#CONNECT!",
    "#BLOCKED!",
    "#UNKNOWN!",
    "#BUSY!",
    "#GETTING_DATA",
    "#DATA!",
)
ERROR_TEXTS = frozenset(CLASSIC_ERRORS + NEWER_ERRORS)

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def xlwings_version() -> str:
    """The installed xlwings version: what ``"version"`` must equal for a VBA client."""
    import xlwings

    return str(xlwings.__version__)


# --- values ------------------------------------------------------------------------------------


def iso_date(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    """A date/time as the clients send it: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (local time marked Z).

    Office.js converts the serial number with ``new Date(round((v - 25569) * 86400000))
    .toISOString()``; VBA formats the Date with ``yyyy-mm-ddTHH:mm:ss.000Z``. Neither shifts the
    time zone. A time of day alone is a serial below 1, i.e. a time on 1899-12-30.
    """
    if isinstance(value, dt.timedelta):
        value = _EXCEL_EPOCH + value
    elif isinstance(value, dt.time):
        value = dt.datetime.combine(_EXCEL_EPOCH.date(), value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    value = value.replace(tzinfo=None)
    millis = round(value.microsecond / 1000)
    value = value.replace(microsecond=0) + dt.timedelta(milliseconds=millis)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def encode_value(value: Any, client: Client) -> JSON:
    """One cell's Python value (as openpyxl/calamine return it) as the client puts it in JSON."""
    if value is None or value == "":
        return "" if client == "Office.js" else None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return int(value)  # JSON.stringify(2019.0) == "2019"; VBA CStr(2019#) == "2019"
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return iso_date(value)
    if isinstance(value, str):
        if client == "VBA" and value in NEWER_ERRORS:
            raise ValueError(
                f"the VBA client cannot send {value!r}: VBA-Web's ConvertToJson has no case for "
                "it and writes nothing, leaving invalid JSON"
            )
        return value
    raise TypeError(f"no Excel cell holds a {type(value).__name__}: {value!r}")


# --- the workbook model the payload is made from ----------------------------------------------


@dataclass
class TableInfo:
    """An Excel table (ListObject): its name, address (``A1:C5``) and options."""

    name: str
    ref: str
    columns: list[str]
    show_headers: bool = True
    show_totals: bool = False
    style: str | None = "TableStyleMedium2"
    show_autofilter: bool = True
    first_column: bool = False
    last_column: bool = False
    row_stripes: bool = True
    column_stripes: bool = False


@dataclass
class SheetInfo:
    """What a client reads of one sheet. ``cells`` maps 1-based (row, column) to a value."""

    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    visibility: Literal["Visible", "Hidden", "VeryHidden"] = "Visible"
    #: Extent of ``UsedRange`` (VBA): (rows, columns), counting formatted empty cells too.
    formatted_extent: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)  # addresses like "M5"
    tables: list[TableInfo] = field(default_factory=list)
    show_gridlines: bool = True
    print_area: str | None = None


@dataclass
class NameInfo:
    """A defined name that refers to one range (``refers_to`` like ``=Blad!$A$2:$A$200``)."""

    name: str
    refers_to: str
    scope_sheet: str | None = None  # None: workbook scope


def _values_bounds(cells: Mapping[tuple[int, int], Any]) -> tuple[int, int, int, int] | None:
    """(min_row, min_col, max_row, max_col) of the non-empty cells, or None for an empty sheet."""
    filled = [rc for rc, v in cells.items() if v is not None and v != ""]
    if not filled:
        return None
    rows = [r for r, _ in filled]
    cols = [c for _, c in filled]
    return min(rows), min(cols), max(rows), max(cols)


def _address(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    first = f"{d}{get_column_letter(c1)}{d}{r1}"
    if (r1, c1) == (r2, c2):
        return first
    return f"{first}:{d}{get_column_letter(c2)}{d}{r2}"


def _unqualified(address: str) -> str:
    """``'Blad'!$A$1:$B$2`` -> ``A1:B2`` (Office.js addresses carry no ``$``)."""
    return address.split("!")[-1].replace("$", "")


def _matrix(cells: Mapping[tuple[int, int], Any], nrows: int, ncols: int, client: Client) -> list:
    return [
        [encode_value(cells.get((r, c)), client) for c in range(1, ncols + 1)]
        for r in range(1, nrows + 1)
    ]


# --- per-client payload -----------------------------------------------------------------------


def _officejs_sheet(sheet: SheetInfo, excluded: bool) -> dict[str, JSON]:
    bounds = None if excluded else _values_bounds(sheet.cells)
    if excluded:
        values: list = [[]]
    elif bounds is None:
        values = [[""]]  # getRange("A1").values of an empty sheet
    else:
        values = _matrix(sheet.cells, bounds[2], bounds[3], "Office.js")
    tables = [] if excluded else [_officejs_table(t) for t in sheet.tables]
    return {
        "name": sheet.name,
        "visibility": sheet.visibility,
        "show_gridlines": sheet.show_gridlines,
        "print_area": sheet.print_area,
        "notes": [] if excluded else [{"address": a} for a in sheet.notes],
        "notes_supported": True,
        "used_range_address": _address(*bounds) if bounds else None,
        "used_range_row_count": bounds[2] - bounds[0] + 1 if bounds else 0,
        "used_range_column_count": bounds[3] - bounds[1] + 1 if bounds else 0,
        "values": values,
        "pictures": [],
        "shapes": [],
        "charts": [],
        "tables": tables,
        "pivot_tables": [],
    }


def _table_parts(t: TableInfo, absolute: bool) -> dict[str, JSON]:
    c1, r1, c2, r2 = range_boundaries(t.ref)
    assert c1 is not None and r1 is not None and c2 is not None and r2 is not None
    body_r1 = r1 + (1 if t.show_headers else 0)
    body_r2 = r2 - (1 if t.show_totals else 0)
    return {
        "range_address": _address(r1, c1, r2, c2, absolute),
        "header_row_range_address": _address(r1, c1, r1, c2, absolute) if t.show_headers else None,
        "data_body_range_address": _address(body_r1, c1, max(body_r1, body_r2), c2, absolute),
        "total_row_range_address": _address(r2, c1, r2, c2, absolute) if t.show_totals else None,
        "row_count": r2 - r1 + 1,
        "column_count": c2 - c1 + 1,
    }


def _officejs_table(t: TableInfo) -> dict[str, JSON]:
    parts = _table_parts(t, absolute=False)
    return {
        "name": t.name,
        "range_address": parts["range_address"],
        "row_count": parts["row_count"],
        "column_count": parts["column_count"],
        "columns": list(t.columns),
        "header_row_range_address": parts["header_row_range_address"],
        "data_body_range_address": parts["data_body_range_address"],
        "total_row_range_address": parts["total_row_range_address"],
        "show_headers": t.show_headers,
        "show_totals": t.show_totals,
        "table_style": t.style,
        "show_autofilter": t.show_autofilter,
        "show_table_style_first_column": t.first_column,
        "show_table_style_last_column": t.last_column,
        "show_table_style_row_stripes": t.row_stripes,
        "show_table_style_column_stripes": t.column_stripes,
    }


def _vba_sheet(sheet: SheetInfo, excluded: bool) -> dict[str, JSON]:
    """Key order as Remote.bas adds them: name, pictures, tables, values."""
    extent = sheet.formatted_extent
    if extent is None:
        bounds = _values_bounds(sheet.cells)
        extent = (bounds[2], bounds[3]) if bounds else None
    values = [[]] if excluded or extent is None else _matrix(sheet.cells, *extent, "VBA")
    tables = []
    if not excluded:
        for t in sheet.tables:
            parts = _table_parts(t, absolute=True)  # ListObject.Range.Address: "$A$1:$C$5"
            tables.append(
                {
                    "name": t.name,
                    "range_address": parts["range_address"],
                    "header_row_range_address": parts["header_row_range_address"],
                    "data_body_range_address": parts["data_body_range_address"],
                    "total_row_range_address": parts["total_row_range_address"],
                    "show_headers": t.show_headers,
                    "show_totals": t.show_totals,
                    "table_style": t.style,
                    "show_autofilter": t.show_autofilter,
                }
            )
    return {"name": sheet.name, "pictures": [], "tables": tables, "values": values}


def _names(
    names: Sequence[NameInfo], sheets: Sequence[SheetInfo], client: Client, excluded: set[str]
) -> list[dict[str, JSON]]:
    index = {s.name: i for i, s in enumerate(sheets)}
    out: list[dict[str, JSON]] = []
    ordered = [n for n in names if n.scope_sheet is None]
    if client == "Office.js":  # workbook.names first, then each sheet's names in sheet order
        for s in sheets:
            if s.name not in excluded:
                ordered += [n for n in names if n.scope_sheet == s.name]
    else:
        ordered += [n for n in names if n.scope_sheet is not None]
    for n in ordered:
        target = n.refers_to.lstrip("=")
        sheet_part, _, addr = target.rpartition("!")
        sheet_name = sheet_part.strip("'").replace("''", "'")
        sheet_index = index.get(sheet_name)
        address = _unqualified(addr) if sheet_index is not None else None
        scope_index = index.get(n.scope_sheet) if n.scope_sheet else None
        if client == "Office.js":
            out.append(
                {
                    "name": n.name,
                    "refers_to": n.refers_to,
                    "type": "Range" if sheet_index is not None else "Error",
                    "sheet_index": sheet_index,
                    "address": address,
                    "scope_sheet_name": n.scope_sheet,
                    "scope_sheet_index": scope_index,
                    "book_scope": n.scope_sheet is None,
                }
            )
        elif sheet_index is not None:  # VBA sends only names whose RefersToRange works
            out.append(
                {
                    "name": f"{n.scope_sheet}!{n.name}" if n.scope_sheet else n.name,
                    "sheet_index": sheet_index,
                    "address": address,
                    "book_scope": n.scope_sheet is None,
                    "scope_sheet_name": n.scope_sheet,
                    "scope_sheet_index": scope_index,
                }
            )
    return out


def build_payload(
    sheets: Sequence[SheetInfo],
    *,
    client: Client = "Office.js",
    book_name: str = "Book1.xlsx",
    active_sheet: str | int | None = None,
    selection: str | None = "A1",
    names: Sequence[NameInfo] = (),
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    version: str | None = None,
    args: Sequence[Any] | None = None,
) -> dict[str, JSON]:
    """The request body of ``client`` for a workbook described by ``sheets``.

    ``include``/``exclude`` mirror the clients' options of the same name (an excluded sheet is
    sent with ``values: [[]]``). ``args`` (Office.js only) are a script's arguments (xlwings
    Server pops them from the body before building the book).
    """
    if client not in ("Office.js", "VBA"):
        raise ValueError(f"client must be 'Office.js' or 'VBA', not {client!r}")
    if include is not None and exclude is not None:
        raise ValueError("Either use 'include' or 'exclude', but not both!")
    names_all = [s.name for s in sheets]
    excluded = set(exclude or ())
    if include is not None:
        keep = set(include)
        excluded = {n for n in names_all if n not in keep}
    if active_sheet is None:
        active_index = 0
    elif isinstance(active_sheet, int):
        active_index = active_sheet
    else:
        active_index = names_all.index(active_sheet)
    book: dict[str, JSON] = {
        "name": book_name,
        "active_sheet_index": active_index,
        "selection": _unqualified(selection) if selection else None,
    }
    if client == "Office.js":
        book["calculation"] = "Automatic"
        sheet_list = [_officejs_sheet(s, s.name in excluded) for s in sheets]
    else:
        sheet_list = [_vba_sheet(s, s.name in excluded) for s in sheets]
    payload: dict[str, JSON] = {
        "client": client,
        "version": version if version is not None else xlwings_version(),
        "book": book,
        "names": _names(names, sheets, client, excluded),
        "sheets": sheet_list,
    }
    if args:
        if client != "Office.js":
            raise ValueError("only the Office.js client sends script arguments")
        payload["args"] = list(args)
    return payload


# --- from an .xlsx file -----------------------------------------------------------------------

_STATE = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}


def _sheet_from_openpyxl(ws: Worksheet) -> SheetInfo:
    cells: dict[tuple[int, int], Any] = {}
    notes: list[str] = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                v = c.value
                if c.data_type == "e":
                    v = str(v)
                cells[(c.row, c.column)] = v
            if c.comment is not None:
                notes.append(c.coordinate)
    dim = ws.calculate_dimension()  # cells present in the file, formatted empty ones too
    formatted_extent = None
    if cells or dim != "A1:A1":
        _, _, c2, r2 = range_boundaries(dim if ":" in dim else f"{dim}:{dim}")
        formatted_extent = (r2 or 1, c2 or 1)
    tables = []
    for t in ws.tables.values():
        style = t.tableStyleInfo
        tables.append(
            TableInfo(
                name=t.displayName or t.name,
                ref=t.ref,
                columns=[col.name for col in t.tableColumns],
                show_headers=(t.headerRowCount or 0) != 0 if t.headerRowCount is not None else True,
                show_totals=bool(t.totalsRowCount),
                style=style.name if style else None,
                show_autofilter=t.autoFilter is not None,
                first_column=bool(style and style.showFirstColumn),
                last_column=bool(style and style.showLastColumn),
                row_stripes=bool(style and style.showRowStripes),
                column_stripes=bool(style and style.showColumnStripes),
            )
        )
    print_area = None
    if ws.print_area:
        pa = ws.print_area if isinstance(ws.print_area, str) else ",".join(ws.print_area)
        print_area = ",".join(_unqualified(a) for a in pa.split(","))
    return SheetInfo(
        name=ws.title,
        cells=cells,
        visibility=_STATE.get(ws.sheet_state, "Visible"),  # type: ignore[arg-type]
        formatted_extent=formatted_extent,
        notes=notes,
        tables=tables,
        show_gridlines=ws.sheet_view.showGridLines is not False,
        print_area=print_area,
    )


def read_xlsx(path: str | Path) -> tuple[list[SheetInfo], list[NameInfo], str, str | None]:
    """Sheets, names, the active sheet and its selection of an .xlsx file (cached values)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = [_sheet_from_openpyxl(ws) for ws in wb.worksheets]
    names: list[NameInfo] = []
    for name, defn in wb.defined_names.items():
        if defn.attr_text and "!" in defn.attr_text:
            names.append(NameInfo(name, "=" + defn.attr_text))
    for ws in wb.worksheets:
        for name, defn in ws.defined_names.items():
            if defn.attr_text and "!" in defn.attr_text:
                names.append(NameInfo(name, "=" + defn.attr_text, scope_sheet=ws.title))
    active = wb.active
    active_name = active.title if active is not None else sheets[0].name
    selection = None
    if active is not None and active.sheet_view.selection:
        sqref = active.sheet_view.selection[0].sqref
        selection = str(sqref).replace(" ", ",") if sqref else "A1"
    return sheets, names, active_name, selection or "A1"


def payload_from_xlsx(
    path: str | Path,
    client: Client = "Office.js",
    active_sheet: str | int | None = None,
    selection: str | None = None,
    **kwargs: Any,
) -> dict[str, JSON]:
    """The body ``client`` would send for the workbook at ``path`` as Excel holds it.

    Values are the cached ones (a formula never recalculated by Excel reads as empty). The
    active sheet and selection default to the file's own. ``kwargs`` go to ``build_payload``
    (``include``, ``exclude``, ``version``, ``book_name``, ``args``).
    """
    sheets, names, file_active, file_selection = read_xlsx(path)
    kwargs.setdefault("book_name", Path(path).name)
    return build_payload(
        sheets,
        client=client,
        active_sheet=active_sheet if active_sheet is not None else file_active,
        selection=selection if selection is not None else file_selection,
        names=names,
        **kwargs,
    )


def payload_from_rows(
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    client: Client = "Office.js",
    *,
    hidden: Iterable[str] = (),
    notes: Mapping[str, Iterable[str]] | None = None,
    **kwargs: Any,
) -> dict[str, JSON]:
    """The body for a workbook given as ``{sheet name: rows from A1}`` (Python cell values).

    ``hidden`` names sheets sent as ``"Hidden"``; ``notes`` maps a sheet to the addresses of
    cells with a note (Office.js only sends addresses). ``kwargs`` go to ``build_payload``.
    """
    infos = []
    hidden_set = set(hidden)
    for name, rows in sheets.items():
        cells = {
            (r, c): v
            for r, row in enumerate(rows, start=1)
            for c, v in enumerate(row, start=1)
            if v is not None and v != ""
        }
        infos.append(
            SheetInfo(
                name=name,
                cells=cells,
                visibility="Hidden" if name in hidden_set else "Visible",
                notes=list((notes or {}).get(name, ())),
            )
        )
    return build_payload(infos, client=client, **kwargs)


# --- custom function calls -----------------------------------------------------------------------

_ERROR_TYPES = {
    "#DIV/0!": "Div0",
    "#N/A": "NotAvailable",
    "#NAME?": "Name",
    "#NULL!": "Null",
    "#NUM!": "Num",
    "#REF!": "Ref",
    "#VALUE!": "Value",
    "#SPILL!": "Spill",
    "#CALC!": "Calc",
    "#FIELD!": "Field",
    "#CONNECT!": "Connect",
    "#BLOCKED!": "Blocked",
    "#UNKNOWN!": "Unknown",
    "#BUSY!": "Busy",
    "#GETTING_DATA": "GettingData",
}


def excel_serial(value: dt.datetime | dt.date) -> float | int:
    """The Excel serial number of a date (what a custom function receives for a date cell)."""
    if not isinstance(value, dt.datetime):
        return (value - _EXCEL_EPOCH.date()).days
    delta = value.replace(tzinfo=None) - _EXCEL_EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return int(serial) if float(serial).is_integer() else serial


def arg_value(value: Any, empty: Any = None) -> JSON:
    """One cell of a custom-function argument as Excel's custom functions runtime sends it.

    Dates are plain serial numbers (no number format travels with them); errors are
    ``{"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": ...}``
    (the meta sets ``allowErrorForDataTypeAny``); an empty cell is ``empty``: JSON null on Excel
    on the web, 0 on Windows desktop per OfficeDev/office-js issues #4702 and #5262.
    """
    if value is None or value == "":
        return empty
    if isinstance(value, dt.datetime | dt.date):
        return excel_serial(value)
    if isinstance(value, str) and value in ERROR_TEXTS:
        return {
            "type": "Error",
            "basicType": "Error",
            "basicValue": value,
            "errorType": _ERROR_TYPES.get(value, "Value"),
        }
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def range_arg(rows: Sequence[Sequence[Any]], empty: Any = None) -> list[list[JSON]]:
    """A range argument: always a 2-D list (``dimensionality: matrix``), even for one cell."""
    return [[arg_value(v, empty) for v in row] for row in rows]


def custom_function_body(
    func_name: str,
    args: Sequence[Any],
    *,
    caller_address: str | None = "[Book1.xlsx]Sheet1!A1",
    client: str = "Office.js",
    version: str | None = None,
    runtime: str = "1.4",
    culture_info_name: str = "sv-SE",
    date_format: str = "yyyy-MM-dd",
    session_id: str = "test-session",
) -> dict[str, JSON]:
    """The POST body of ``/xlwings/custom-functions-call`` (xlwings Server 1.20.0's
    ``custom-functions-code.js`` ``base()``). Scalars in ``args`` are wrapped as ``[[x]]``
    (every parameter is a matrix); pass ``range_arg(...)`` for ranges.
    """
    wrapped = [
        a if isinstance(a, list) and a and isinstance(a[0], list) else [[arg_value(a)]]
        for a in args
    ]
    return {
        "client": client,
        "func_name": func_name,
        "args": wrapped,
        "caller_address": caller_address,
        "session_id": session_id,
        "culture_info_name": culture_info_name,
        "date_format": date_format,
        "version": version if version is not None else xlwings_version(),
        "runtime": runtime,
    }


# --- editing a payload ---------------------------------------------------------------------------


def set_cell(payload: dict[str, JSON], sheet: str, address: str, value: Any) -> None:
    """Put ``value`` into ``sheet!address`` of a payload (as if typed in Excel before sending).

    Grows the values block (padding with the client's empty value) and, for Office.js, the
    ``used_range_address`` with it.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    client = payload["client"]
    col_letters, row = coordinate_from_string(address.replace("$", ""))
    col = column_index_from_string(col_letters)
    s = next(s for s in payload["sheets"] if s["name"] == sheet)
    values = s["values"]
    if values == [[]]:
        values.clear()
    width = max([col, *(len(r) for r in values)])
    empty = encode_value(None, client)
    for r in values:
        r.extend([empty] * (width - len(r)))
    while len(values) < row:
        values.append([empty] * width)
    values[row - 1][col - 1] = encode_value(value, client)
    if client == "Office.js":
        cells = {
            (ri, ci): v
            for ri, r in enumerate(values, start=1)
            for ci, v in enumerate(r, start=1)
            if v not in ("", None)
        }
        bounds = _values_bounds(cells)
        s["used_range_address"] = _address(*bounds) if bounds else None
        s["used_range_row_count"] = bounds[2] - bounds[0] + 1 if bounds else 0
        s["used_range_column_count"] = bounds[3] - bounds[1] + 1 if bounds else 0
