"""Render the pictures of docs/excel.md: the workbook's sheets as LibreOffice shows them.

``python xl/doc_pictures.py`` runs the buttons on xlwings' remote engine (the licence key
``noncommercial`` is set for this process only, before xlwings is imported), applies the
returned actions to an in-memory workbook (``tests/xl_actions.py``), writes each sheet with its
values, fills, links, bold text and column widths into a one-sheet .xlsx, and converts that with
``soffice --convert-to pdf`` and ``pdftoppm`` into ``docs/excel-*.png`` (cropped below the last
line of text). The Start sheet is the first page of ``workbooks/lumledger.xlsm`` itself.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import copy
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import openpyxl  # noqa: E402
import xl_actions as act  # noqa: E402
import xl_payload as pl  # noqa: E402
import xlwings as xw  # noqa: E402
import xlwings.server  # noqa: E402
from openpyxl.styles import Font, PatternFill  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from lumledger.xl import remote  # noqa: E402
from tools.render_docs import to_pdf  # noqa: E402

EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
MACRO_BOOK = ROOT / "workbooks" / "lumledger.xlsm"
DOCS = ROOT / "docs"
RESOLUTION = 90  # dots per inch of the pictures
POINTS_PER_CHARACTER = 48 / 8.43


def run(name: str, payload: dict[str, Any]) -> act.WorkbookModel:
    data = copy.deepcopy(payload)
    book = xw.Book(json=data)
    try:
        done = asyncio.run(
            xlwings.server.custom_scripts_call(remote, name, typehint_to_value={xw.Book: book})
        )
        actions = done.json()["actions"]
    finally:
        book.close()
    return act.WorkbookModel.from_payload(payload).apply(actions)


def one_sheet(
    model: act.WorkbookModel,
    sheet: str,
    path: Path,
    rows: int | None = None,
    cols: int | None = None,
) -> Path:
    """The sheet as a one-sheet workbook, A4 landscape, one page wide."""
    source = model.sheet(sheet)
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = source.name
    for (r, c), value in source.cells.items():
        if (rows and r > rows) or (cols and c > cols):
            continue
        cell = ws.cell(r, c, value)
        fill = source.fills.get((r, c))
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill.lstrip("#").upper())
        if source.fonts.get((r, c), {}).get("bold"):
            cell.font = Font(bold=True)
        if (r, c) in source.hyperlinks:
            cell.font = Font(color="0563C1", underline="single")
    for (r, c), fill in source.fills.items():
        if fill and not ((rows and r > rows) or (cols and c > cols)):
            ws.cell(r, c).fill = PatternFill("solid", fgColor=fill.lstrip("#").upper())
    for c, width in source.column_widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(width / POINTS_PER_CHARACTER, 70)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    book.save(path)
    return path


def picture(workbook: Path, target: Path, work: Path) -> None:
    """The first page of ``workbook`` as a PNG, cut below its last line of text."""
    pdf = to_pdf(workbook, work)  # the one LibreOffice call (tools/render_docs.py)
    boxes = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tops = [float(y) for y in re.findall(r'yMin="([\d.]+)"', boxes)]
    bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', boxes)]
    lefts = [float(x) for x in re.findall(r'xMin="([\d.]+)"', boxes)]
    rights = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    top, left = max(min(tops) - 10, 0), max(min(lefts) - 10, 0)
    scale = RESOLUTION / 72
    x, y = int(left * scale), int(top * scale)
    width = int((max(rights) + 10) * scale) - x
    height = int((max(bottoms) + 10) * scale) - y
    stem = work / target.stem
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-x",
            str(x),
            "-y",
            str(y),
            "-W",
            str(width),
            "-H",
            str(height),
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=120,
    )
    shutil.move(str(stem) + ".png", target)


def main() -> int:
    example = pl.payload_from_xlsx(EXAMPLE)
    broken = pl.payload_from_xlsx(EXAMPLE)
    pl.set_cell(broken, "Ansökningar", "M5", 400_000)
    pl.set_cell(broken, "Ansökningar", "K7", "abc")
    for_2019 = copy.deepcopy(example)  # the Start sheet's year cell says 2019
    for_2019["sheets"].append(
        pl.payload_from_rows({"Start": [[None], [None], [None, None, 2019]]})["sheets"][0]
    )
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        checked = run("validera", broken)
        sheets = [
            (checked, "Fel", "excel-fel.png", None, None),
            (checked, "Ansökningar", "excel-markerade-celler.png", 8, 14),
            (run("ny_omgang", example), "Plan", "excel-plan.png", None, None),
            (run("summera", example), "Summering", "excel-summering.png", 40, None),
            (run("exportera_bilagor", for_2019), "Bilaga 1", "excel-bilaga1.png", None, None),
        ]
        for model, sheet, name, rows, cols in sheets:
            path = one_sheet(model, sheet, work / name.replace(".png", ".xlsx"), rows, cols)
            picture(path, DOCS / name, work)
            print(DOCS / name)
        start = work / "excel-start.xlsm"
        shutil.copy(MACRO_BOOK, start)
        picture(start, DOCS / "excel-start.png", work)
        print(DOCS / "excel-start.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
