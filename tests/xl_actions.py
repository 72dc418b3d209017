"""Inspect and apply the ``book.json()["actions"]`` the xlwings remote engine returns.

Every action is a dict with the same keys (``Book.append_json_action`` in
``xlwings/pro/_xlremote.py``, xlwings 0.37.8)::

    {"func": "setValues", "args": [...], "values": [[...]] | None,
     "sheet_position": 0-based | None, "start_row": 0-based | None, "start_column": 0-based | None,
     "row_count": int | None, "column_count": int | None}

``args`` is always a list (a scalar ``args=x`` becomes ``[x]``, no args becomes ``[None]``).
``sheet_position`` is the sheet's position *at the time the action runs*: the client applies the
actions in order, so an ``addSheet`` or ``sheetDelete`` shifts the positions of later actions.
Range actions address cells by ``start_row``/``start_column``/``row_count``/``column_count``.

The client looks each ``func`` up by name and fails on a name it does not know: VBA's
``Application.Run action("func"), wb, action`` raises "Cannot run the macro ...", Office.js'
``dispatchActions`` throws "Action N has an unknown function". Actions before the failing one have
already been applied. ``VBA_ACTIONS`` and ``OFFICEJS_ACTIONS`` list what each client knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from xl_payload import SheetInfo, build_payload

Action = Mapping[str, Any]

#: What the engine puts in ``args`` (and ``values``) for the actions lumledger needs.
ACTION_ARGS: dict[str, str] = {
    "setValues": "args [None]; values = 2-D list (None -> '', date -> 'YYYY-MM-DD', datetime -> "
    "'YYYY-MM-DD HH:MM:SS', NaN -> ''); range keys set",
    "setFormula": "args [None]; values = 2-D list of formula texts",
    "rangeClearContents": "args [None]; range keys set (Range.clear_contents())",
    "rangeClear": "args [None]; range keys set (Range.clear())",
    "sheetClear": "args [None]; sheet_position only (Sheet.clear())",
    "sheetClearContents": "args [None]; sheet_position only (Sheet.clear_contents())",
    "addSheet": "args [new 0-based position, name]; no sheet_position (Sheets.add())",
    "sheetDelete": "args [None]; sheet_position (Sheet.delete())",
    "setSheetName": "args [new name]; sheet_position",
    "setSheetVisibility": "args ['Visible' | 'Hidden']; sheet_position (Sheet.visible = bool)",
    "activateSheet": "args [0-based position]; sheet_position (Sheet.activate())",
    "setRangeColor": "args ['#rrggbb' | None]; range keys (Range.color = (r,g,b) / '#RRGGBB' / None)",
    "addHyperlink": "args [address, text_to_display, screen_tip]; range keys (Range.add_hyperlink)",
    "addNote": "args ['$A$1', text]; range keys (Range.add_note(text); Office.js payloads only)",
    "setNoteText": "args ['$A$1', text]; range keys (Range.note.text = text)",
    "deleteNote": "args ['$A$1']; range keys (Range.note.delete())",
    "setColumnWidth": "args [width]; range keys; Office.js applies it in POINTS, desktop COM in "
    "characters",
    "setRowHeight": "args [points]; range keys",
    "setFontProperty": "args [property, value] e.g. ['bold', True]; range keys",
    "setNumberFormat": "args [format]; range keys",
    "setWrapText": "args [bool]; range keys",
    "setAutofit": "args ['columns' | 'rows']; range keys (Range.autofit())",
    "setSheetAutofit": "args ['columns' | 'rows']; sheet_position (Sheet.autofit())",
    "freezePaneAtRange": "args [address]; sheet_position",
    "rangeSelect": "args [None]; range keys (Range.select())",
    "alert": "args [prompt, title, buttons ('ok'...), mode ('' | 'info' | 'critical'), callback]",
    "save": "args [] (Book.save())",
    "runMacro": "args [macro name, *args] (App.macro / Book.macro calls)",
}

#: Action names the VBA client (``xlwings/addin/Remote.bas``, 0.37.8) implements as Subs.
VBA_ACTIONS: frozenset[str] = frozenset(
    [
        "setValues",
        "rangeClearContents",
        "rangeClearFormats",
        "rangeClear",
        "addSheet",
        "setSheetName",
        "setAutofit",
        "setRangeColor",
        "activateSheet",
        "addHyperlink",
        "setNumberFormat",
        "setPictureName",
        "setPictureHeight",
        "setPictureWidth",
        "deletePicture",
        "addPicture",
        "updatePicture",
        "alert",
        "setRangeName",
        "namesAdd",
        "nameDelete",
        "runMacro",
        "rangeDelete",
        "rangeInsert",
        "rangeSelect",
        "addTable",
        "setTableName",
        "resizeTable",
        "showAutofilterTable",
        "showHeadersTable",
        "showTotalsTable",
        "setTableStyle",
        "copyRange",
        "sheetDelete",
        "sheetClear",
        "sheetClearContents",
        "sheetClearFormats",
    ]
)

#: Action names the Office.js client (xlwings Server 1.20.0 ``custom-scripts/index.js``
#: ``funcs``; xlwings Lite runs the same client code) implements.
OFFICEJS_ACTIONS: frozenset[str] = frozenset(
    [
        "setValues",
        "setFormula",
        "setFormulaArray",
        "setColumnWidth",
        "setRowHidden",
        "setColumnHidden",
        "setRowHeight",
        "setWrapText",
        "addSheet",
        "setSheetName",
        "setSheetPosition",
        "setSheetVisibility",
        "setShowGridlines",
        "setAutofit",
        "setSheetAutofit",
        "setPrintArea",
        "copySheet",
        "setRangeColor",
        "setRangeColors",
        "activateSheet",
        "calculate",
        "save",
        "setCalculation",
        "setScreenUpdating",
        "addHyperlink",
        "setNumberFormat",
        "setPictureName",
        "setPictureWidth",
        "addChart",
        "setChartName",
        "setChartType",
        "setChartSourceData",
        "setChartXAxisValues",
        "setChartPosition",
        "deleteChart",
        "setChartTitle",
        "setChartAxis",
        "setChartSeries",
        "setChartLegend",
        "setChartPlotBy",
        "setChartStyle",
        "addPivotTable",
        "setPivotTableName",
        "addPivotField",
        "removePivotField",
        "addPivotValueField",
        "setPivotValueField",
        "removePivotValueField",
        "setPivotLayout",
        "refreshPivotTable",
        "deletePivotTable",
        "setNoteText",
        "addNote",
        "deleteNote",
        "addComment",
        "setCommentText",
        "setCommentResolved",
        "addCommentReply",
        "deleteComment",
        "setShapeName",
        "setShapeLeft",
        "setShapeTop",
        "setShapeWidth",
        "setShapeHeight",
        "setShapeText",
        "setShapeFontProperty",
        "deleteShape",
        "scaleShape",
        "setPictureLeft",
        "setPictureTop",
        "setPictureLockAspectRatio",
        "setPictureHeight",
        "deletePicture",
        "addPicture",
        "updatePicture",
        "alert",
        "setRangeName",
        "namesAdd",
        "setNameRefersTo",
        "nameDelete",
        "runMacro",
        "rangeDelete",
        "rangeInsert",
        "rangeSelect",
        "rangeClearContents",
        "rangeClearFormats",
        "rangeMerge",
        "rangeUnmerge",
        "rangeAutofill",
        "rangeGroup",
        "rangeUngroup",
        "rangeClear",
        "rangeSort",
        "rangeRemoveDuplicates",
        "rangeReplaceAll",
        "rangeAdjustIndent",
        "addTable",
        "addTableRow",
        "deleteTableRow",
        "addTableColumn",
        "deleteTableColumn",
        "applyAutoFilterRange",
        "clearAutoFilterRange",
        "applyAutoFilterTable",
        "clearAutoFilterTable",
        "setTableName",
        "resizeTable",
        "tableSort",
        "showAutofilterTable",
        "showHeadersTable",
        "showTotalsTable",
        "showTableStyleFirstColumn",
        "showTableStyleLastColumn",
        "showTableStyleRowStripes",
        "showTableStyleColumnStripes",
        "setTableStyle",
        "copyRange",
        "copyFromRange",
        "moveRange",
        "sheetDelete",
        "sheetClear",
        "sheetClearFormats",
        "sheetClearContents",
        "freezePaneAtRange",
        "freezePaneUnfreeze",
        "setFontProperty",
        "setBorderProperty",
        "setDataValidationList",
        "setDataValidationRule",
        "deleteDataValidation",
        "clearConditionalFormats",
        "deleteConditionalFormat",
        "addConditionalFormat",
        "setConditionalFormat",
        "setHorizontalAlignment",
        "setVerticalAlignment",
    ]
)


def vba_actions_from_bas(path: str | Path | None = None) -> frozenset[str]:
    """The action Subs ``(wb As Workbook, action As Dictionary)`` of a ``Remote.bas`` file.

    Without ``path``: the installed package's ``xlwings/addin/Remote.bas``.
    """
    if path is None:
        import xlwings

        path = Path(xlwings.__file__).parent / "addin" / "Remote.bas"
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return frozenset(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


def unsupported(actions: Iterable[Action], client: str) -> list[str]:
    """Names of the actions (in order, repeated) that ``client`` would fail on."""
    known = VBA_ACTIONS if client == "VBA" else OFFICEJS_ACTIONS
    return [a["func"] for a in actions if a["func"] not in known]


# --- reading actions ---------------------------------------------------------------------------


def address_of(action: Action) -> str | None:
    """``A1``-style address of a range action (``A1`` or ``A1:B2``), None for others."""
    if action.get("start_row") is None or action.get("start_column") is None:
        return None
    r1, c1 = action["start_row"] + 1, action["start_column"] + 1
    r2 = r1 + (action.get("row_count") or 1) - 1
    c2 = c1 + (action.get("column_count") or 1) - 1
    first = f"{get_column_letter(c1)}{r1}"
    return first if (r1, c1) == (r2, c2) else f"{first}:{get_column_letter(c2)}{r2}"


@dataclass(frozen=True)
class Step:
    """One action with its sheet resolved to a name (as the client would see it)."""

    index: int
    func: str
    sheet: str | None
    address: str | None
    args: tuple[Any, ...]
    values: Any


def steps(actions: Sequence[Action], sheet_names: Sequence[str]) -> list[Step]:
    """The actions with sheet names, following addSheet/sheetDelete/setSheetName/moves.

    ``sheet_names``: the book's sheets in order before the actions (``[s["name"] for s in
    payload["sheets"]]``).
    """
    names = list(sheet_names)
    out = []
    for i, a in enumerate(actions):
        pos = a.get("sheet_position")
        sheet = names[pos] if pos is not None and 0 <= pos < len(names) else None
        args = tuple(a.get("args") or ())
        out.append(Step(i, a["func"], sheet, address_of(a), args, a.get("values")))
        func = a["func"]
        if func == "addSheet":
            names.insert(int(args[0]), str(args[1]))
        elif func == "copySheet" and pos is not None:
            where, target, name = args
            names.insert(int(target) + (1 if where == "After" else 0), str(name))
        elif pos is None or sheet is None:
            continue
        elif func == "sheetDelete":
            del names[pos]
        elif func == "setSheetName":
            names[pos] = str(args[0])
        elif func == "setSheetPosition":
            names.insert(int(args[0]), names.pop(pos))
    return out


def find(
    actions: Sequence[Action],
    sheet_names: Sequence[str],
    func: str | None = None,
    sheet: str | None = None,
    address: str | None = None,
) -> list[Step]:
    """The steps matching ``func``, ``sheet`` and ``address`` (None matches anything)."""
    return [
        s
        for s in steps(actions, sheet_names)
        if (func is None or s.func == func)
        and (sheet is None or s.sheet == sheet)
        and (address is None or s.address == address.replace("$", ""))
    ]


# --- applying actions to an in-memory workbook -------------------------------------------------


@dataclass
class SheetModel:
    """What the model keeps of one sheet: cells by 1-based (row, col) and their formatting."""

    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    visibility: str = "Visible"
    fills: dict[tuple[int, int], str | None] = field(default_factory=dict)
    notes: dict[tuple[int, int], str | None] = field(default_factory=dict)  # None: text unknown
    hyperlinks: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    column_widths: dict[int, float] = field(default_factory=dict)
    fonts: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)


#: Formatting actions on more cells than this (e.g. a whole column) are logged, not expanded.
MAX_EXPANDED_CELLS = 100_000


def _bounds(a: Action) -> tuple[int, int, int, int]:
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    return r0, c0, r0 + a["row_count"] - 1, c0 + a["column_count"] - 1


def _cells(a: Action) -> list[tuple[int, int]]:
    """The 1-based cells of a range action (empty if there are more than MAX_EXPANDED_CELLS)."""
    r0, c0, r1, c1 = _bounds(a)
    if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_EXPANDED_CELLS:
        return []
    return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _within(a: Action, keys: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The given cells that lie in the range of action ``a``."""
    r0, c0, r1, c1 = _bounds(a)
    return [(r, c) for r, c in keys if r0 <= r <= r1 and c0 <= c <= c1]


def _rc(address: str) -> tuple[int, int]:
    """1-based (row, column) of the first cell of ``A1``/``$A$1``/``A1:B2``."""
    col, row = coordinate_from_string(address.replace("$", "").split(":")[0])
    return row, column_index_from_string(col)


def excel_text(value: Any) -> Any:
    """What a cell holds after ``range.values = [[value]]``, as far as it matters here.

    A text starting with an apostrophe is stored as the text after it; ``""`` and None leave the
    cell empty. Everything else is kept as sent (Excel would also turn ``"2024-05-01"`` into a
    date and ``"=..."`` into a formula; the model does not).
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


class WorkbookModel:
    """A workbook as a client would leave it after applying the actions (values and marks).

    Start it from a payload (``WorkbookModel.from_payload``), ``apply`` the actions, then look at
    ``sheet_names``, ``value``, ``fill``, ``note``, ``hyperlink``, ``visibility``, ``alerts``.
    With ``client="VBA"`` an action VBA does not implement raises ``UnsupportedAction`` (as the
    VBA client would stop there); Office.js likewise for its own list.
    """

    def __init__(self, sheets: list[SheetModel], client: str = "Office.js") -> None:
        self.sheets = sheets
        self.client = client
        self.active = 0
        self.alerts: list[tuple[str, str, str]] = []
        self.saved = False
        self.log: list[str] = []

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> WorkbookModel:
        sheets = []
        for s in payload["sheets"]:
            m = SheetModel(name=s["name"], visibility=s.get("visibility", "Visible"))
            for r, row in enumerate(s["values"], start=1):
                for c, v in enumerate(row, start=1):
                    if v is not None and v != "":
                        m.cells[(r, c)] = v
            for n in s.get("notes") or []:
                m.notes[_rc(n["address"])] = None
            sheets.append(m)
        model = cls(sheets, client=payload["client"])
        model.active = payload["book"]["active_sheet_index"]
        return model

    # -- lookup --
    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetModel:
        for s in self.sheets:
            if s.name.casefold() == name.casefold():
                return s
        raise KeyError(name)

    def value(self, sheet: str, address: str) -> Any:
        return self.sheet(sheet).cells.get(_rc(address))

    def fill(self, sheet: str, address: str) -> str | None:
        return self.sheet(sheet).fills.get(_rc(address))

    def note(self, sheet: str, address: str) -> str | None:
        return self.sheet(sheet).notes.get(_rc(address))

    def has_note(self, sheet: str, address: str) -> bool:
        return _rc(address) in self.sheet(sheet).notes

    def hyperlink(self, sheet: str, address: str) -> tuple[str, str, str] | None:
        return self.sheet(sheet).hyperlinks.get(_rc(address))

    def visibility(self, sheet: str) -> str:
        return self.sheet(sheet).visibility

    def rows(self, sheet: str) -> list[list[Any]]:
        """The sheet's values from A1 to its last filled cell (None for empty cells)."""
        cells = self.sheet(sheet).cells
        if not cells:
            return []
        nr = max(r for r, _ in cells)
        nc = max(c for _, c in cells)
        return [[cells.get((r, c)) for c in range(1, nc + 1)] for r in range(1, nr + 1)]

    # -- applying --
    def apply(self, actions: Iterable[Action]) -> WorkbookModel:
        """Apply ``actions`` in order; returns self."""
        for i, a in enumerate(actions):
            func = a["func"]
            known = VBA_ACTIONS if self.client == "VBA" else OFFICEJS_ACTIONS
            if func not in known:
                raise UnsupportedAction(
                    f"action {i + 1} ({func}) is unknown to the {self.client} client"
                )
            handler = getattr(self, f"_do_{func}", None)
            if handler is None:
                self.log.append(f"ignored {func}")
                continue
            handler(a)
        return self

    def _sheet_at(self, a: Action) -> SheetModel:
        return self.sheets[a["sheet_position"]]

    def _expand(self, a: Action) -> list[tuple[int, int]]:
        cells = _cells(a)
        if not cells:
            self.log.append(f"{a['func']} on {address_of(a)}: too many cells, not expanded")
        return cells

    def _do_setValues(self, a: Action) -> None:
        s = self._sheet_at(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        for dr, row in enumerate(a["values"]):
            for dc, v in enumerate(row):
                key = (r0 + dr, c0 + dc)
                s.formulas.pop(key, None)
                v = excel_text(v)
                if v is None:
                    s.cells.pop(key, None)
                else:
                    s.cells[key] = v

    def _do_setFormula(self, a: Action) -> None:
        s = self._sheet_at(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        for dr, row in enumerate(a["values"]):
            for dc, v in enumerate(row):
                s.formulas[(r0 + dr, c0 + dc)] = v
                s.cells.pop((r0 + dr, c0 + dc), None)

    def _clear(self, s: SheetModel, a: Action | None, formats: bool) -> None:
        """Clear contents (and formats, notes, links) of the range of ``a``, or the whole sheet.

        Excel's ``Clear``/``clear(all)`` also removes notes and hyperlinks; ``ClearContents``
        keeps formats and notes.
        """
        stores: list[dict[Any, Any]] = [s.cells, s.formulas]
        if formats:
            stores += [s.fills, s.fonts, s.number_formats, s.hyperlinks, s.notes]
        for store in stores:
            if a is None:
                store.clear()
            else:
                for k in _within(a, list(store)):
                    del store[k]

    def _do_rangeClearContents(self, a: Action) -> None:
        self._clear(self._sheet_at(a), a, False)

    def _do_rangeClear(self, a: Action) -> None:
        self._clear(self._sheet_at(a), a, True)

    def _do_sheetClear(self, a: Action) -> None:
        self._clear(self._sheet_at(a), None, True)

    def _do_sheetClearContents(self, a: Action) -> None:
        self._clear(self._sheet_at(a), None, False)

    def _do_addSheet(self, a: Action) -> None:
        pos, name = a["args"][0], a["args"][1]
        self.sheets.insert(int(pos), SheetModel(name=str(name)))
        self.active = int(pos)

    def _do_sheetDelete(self, a: Action) -> None:
        del self.sheets[a["sheet_position"]]

    def _do_setSheetName(self, a: Action) -> None:
        self._sheet_at(a).name = str(a["args"][0])

    def _do_setSheetVisibility(self, a: Action) -> None:
        self._sheet_at(a).visibility = str(a["args"][0])

    def _do_activateSheet(self, a: Action) -> None:
        self.active = int(a["args"][0])

    def _do_setRangeColor(self, a: Action) -> None:
        s = self._sheet_at(a)
        color = a["args"][0]
        if color is None:
            for k in _within(a, list(s.fills)):
                del s.fills[k]
            return
        for k in self._expand(a):
            s.fills[k] = str(color).lower()

    def _do_addHyperlink(self, a: Action) -> None:
        s = self._sheet_at(a)
        address, text, tip = ([*list(a["args"]), None, None, None])[:3]
        for k in self._expand(a):
            s.hyperlinks[k] = (address, text, tip)
            s.cells[k] = text

    def _do_addNote(self, a: Action) -> None:
        s = self._sheet_at(a)
        key = _rc(a["args"][0])
        if key in s.notes:
            raise ValueError(f"A note already exists on {a['args'][0]} (the client throws)")
        s.notes[key] = a["args"][1]

    def _do_setNoteText(self, a: Action) -> None:
        s = self._sheet_at(a)
        key = _rc(a["args"][0])
        if key not in s.notes:
            raise ValueError(f"There's no note on {a['args'][0]} to set the text of.")
        s.notes[key] = a["args"][1]

    def _do_deleteNote(self, a: Action) -> None:
        self._sheet_at(a).notes.pop(_rc(a["args"][0]), None)

    def _do_setColumnWidth(self, a: Action) -> None:
        s = self._sheet_at(a)
        for c in range(a["start_column"] + 1, a["start_column"] + 1 + a["column_count"]):
            s.column_widths[c] = a["args"][0]

    def _do_setFontProperty(self, a: Action) -> None:
        s = self._sheet_at(a)
        for k in self._expand(a):
            s.fonts.setdefault(k, {})[a["args"][0]] = a["args"][1]

    def _do_setNumberFormat(self, a: Action) -> None:
        s = self._sheet_at(a)
        for k in self._expand(a):
            s.number_formats[k] = a["args"][0]

    def _do_alert(self, a: Action) -> None:
        prompt, title, buttons = a["args"][:3]
        self.alerts.append((prompt, title, buttons))

    def _do_save(self, a: Action) -> None:
        self.saved = True

    # -- round trip --
    def to_payload(self, client: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """The payload a client would send for the workbook now (for a second run)."""
        infos = [
            SheetInfo(
                name=s.name,
                cells=dict(s.cells),
                visibility=s.visibility,  # type: ignore[arg-type]
                notes=[f"{get_column_letter(c)}{r}" for r, c in sorted(s.notes)],
            )
            for s in self.sheets
        ]
        kwargs.setdefault("active_sheet", self.active)
        return build_payload(infos, client=client or self.client, **kwargs)  # type: ignore[arg-type]


class UnsupportedAction(Exception):
    """An action the client would not know (it stops there; earlier actions stay applied)."""
