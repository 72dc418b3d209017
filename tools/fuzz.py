"""Fuzzing lumledger with generated, mutated and hostile workbooks.

Every case is one workbook made from ``(seed, index)`` alone, so any failure can be made again:

* ``ledger``: a ledger from the one generator (``tools/ledger_book.py``), then disturbed: values of random types
  in random cells (numbers, Swedish amount texts, dates before 1900 and the 1900 leap-year date,
  times, booleans, formulas, ``#N/A``/``#DIV/0!``, texts up to Excel's 32 767 characters), headers
  shuffled, renamed, dropped or doubled, sheets missing, extra or renamed, merged cells, hidden
  rows and sheets, a cell far from the table;
* ``rawxml``: a package written by hand, with the cell encodings openpyxl never writes (every
  ``t=`` type, cells without ``r``, lower-case references, rows out of order, shared-string indexes
  out of range, date styles on any number, namespace prefixes, comments, CDATA);
* ``mutate``: bytes of a valid workbook (or a corpus file) truncated, flipped (anywhere or inside
  one part's compressed data), with a part corrupted, removed or doubled, or zip headers patched;
* ``hostile``: entity expansion, external entities, zip bombs (honest and lying sizes), cells
  beyond Excel's limits, absurd used areas, thousands of parts, deep nesting;
* ``form``: a filled-in or blank LUM form (.docx, ``tests/data/forms``, ``workbooks/blanketter``)
  as it is, mutated as above, or made hostile (entities, external relationships, a zip bomb, deep
  nesting), imported into a copy of the template with ``lumledger import`` (issue 15).

Each case runs every read-only command of the command line (``validate``, and ``rollup``,
``reconcile``, ``export`` where the CLI has them) in a worker process with a time limit and a
memory limit. A case fails on: an exit status other than 0, 1 or 2; a traceback, a Rust panic
or the CLI's generic "oväntat fel" sentence; exit 2 without a message; a command slower than the
time limit (a file under 1 MB); a changed input file or a new file beside it; a temporary file
left in an output folder. Failing cases are saved with what went wrong.

    python -m tools.fuzz --count 10000 --seed 1 --out fuzz-out --corpus tests/fuzz_corpus
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib
import io
import json
import multiprocessing
import os
import random
import re
import struct
import sys
import tempfile
import time
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lumledger import ledger_format
from tools import ledger_book

KINDS: tuple[tuple[str, int], ...] = (
    ("ledger", 35),
    ("rawxml", 20),
    ("mutate", 35),
    ("hostile", 10),
    ("form", 10),
)
COMMAND_TIME_LIMIT = 10.0  # seconds, for a file under 1 MB
MEMORY_LIMIT_MB = 4096
GENERIC_MESSAGE = "oväntat fel"


# --- values ----------------------------------------------------------------------------------------

_WORDS = (
    "Bromma",
    "Farsta",
    "Spånga-Tensta",
    "Socialförvaltningen",
    "Älvsjö",
    "projekt",
    "Beviljas",
    "Oslo",
    "boende",
    "Ögonblick",
)
_ADMINS = ("Bromma", "Farsta", "Spånga-Tensta", "Socialförvaltningen", "Älvsjö")
_AMOUNT_TEXTS = (
    "493 000",
    "493\u00a0000 kr",
    "1\u202f457\u202f956,00",
    "-25 000",
    "\u221225 000",
    "\u201325 000 kr",
    "12,5",
    "100:-",
    "1 000,-",
    "1.000",
    "1,234.56",
    "kr 500",
    "5e3",
    "0x10",
    "١٢٣",
    "１２３",
    "",
    " ",
    "—",
)
_ODD_TEXTS = (
    "=1+1",
    "+46 8 508 00",
    "-x",
    "@SUM(A1)",
    '=cmd|" /C calc"!A0',
    "\u200b",
    "\u202eabc",
    "e\u0301",
    "😀",
    "a\nb",
    "\t",
    "NULL",
    "None",
    "nan",
    "inf",
    "TRUE",
    "SANT",
    "2018-10-26",
    "2019-02-30",
    "2018-10-26 00:00",
    "26/10/2018",
    "Bankgiro 123-4567",
    "Plusgiro 5 55 13-6",
    "Bankgiro 123-4568",
    "#N/A",
    "#DIV/0!",
)
_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
_FORMULAS = ("=SUM(1,2)", "=1/0", "=A1", "=NA()", '="a"&"b"', "=TODAY()", "=B2*2")
_DATES = (
    dt.date(1899, 12, 31),
    dt.date(1900, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    dt.date(1800, 1, 1),
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.date(2018, 10, 26),
    dt.date(2019, 2, 28),
)


def wild_value(rng: random.Random) -> Any:
    """A value of a random type, as people and programs put them in cells."""
    pick = rng.randrange(16)
    if pick == 0:
        return rng.choice((0, 1, -1, 2019, 10**15, -(10**15), 10**20, 2**63, 317_000))
    if pick == 1:
        return rng.choice((0.1 + 0.2, 1e308, -1e308, 1e-300, 12.345, 2019.0, 0.5, -0.0, 1e15))
    if pick == 2:
        return rng.choice(_AMOUNT_TEXTS)
    if pick == 3:
        return rng.choice(_ODD_TEXTS)
    if pick == 4:
        return rng.choice(_DATES)
    if pick == 5:
        return dt.datetime(
            rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)
        )
    if pick == 6:
        return rng.choice((dt.time(0, 0), dt.time(12, 30), dt.timedelta(days=3, hours=2)))
    if pick == 7:
        return rng.choice((True, False))
    if pick == 8:
        return rng.choice(_FORMULAS)
    if pick == 9:
        return rng.choice(_ERRORS)
    if pick == 10:
        return rng.choice("xÅ€ ;") * rng.choice((100, 1000, 32_767))
    if pick == 11:
        return "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 20)))
    if pick == 12:
        return None
    if pick == 13:
        return rng.choice(_WORDS) + rng.choice(("", " ", "  ", "\u00a0"))
    if pick == 14:
        return f"{rng.randint(2017, 2021)}-{rng.choice('PS')}{rng.randint(0, 99):02d}"
    return rng.randint(-(10**6), 10**7)


_FIXED: dict[str, Any] = {
    "Ram projekt": 1_000_000,
    "Ram studiebesök": 100_000,
    "Max beviljade per förvaltning": 2,
    "Max belopp projekt": 750_000,
    "Max belopp studiebesök": 750_000,
    "Sökt belopp": 100_000,
    "Tidigare beviljat": 0,
    "Projektår": None,
    "Typ": None,  # by sheet, below
    "Giltig från": 2017,
    "Giltig till": None,
    "Status": "Beslutad",
    "Beviljat vid beslut": None,
}


def plausible_value(rng: random.Random, sheet: str, column: ledger_format.Column, row: int) -> Any:
    """A value that fits ``column``, chosen so that an undisturbed ledger is valid: unique Ids and
    names, grants within the applied amounts, the caps, the frames and two per förvaltning."""
    name, kind = column.name, column.kind
    if sheet == ledger_format.ADMINISTRATIONS and name == "Typ":
        return "Stadsdelsförvaltning"
    if sheet in (ledger_format.APPLICATIONS, ledger_format.DECISIONS) and name == "Typ":
        return ledger_format.PROJECT if row % 2 == 0 else ledger_format.STUDY_VISIT
    if name in _FIXED:
        return _FIXED[name]
    if column.choices:
        return rng.choice(column.choices)
    if name == "Id":
        return application_id(row)
    if name in ("Förvaltning", "Namn") and sheet in (
        ledger_format.ADMINISTRATIONS,
        ledger_format.APPLICATIONS,
    ):
        return _ADMINS[row % len(_ADMINS)]
    if name == "Förvaltning":
        return rng.choice(_ADMINS)
    if name == "Beviljat belopp" and sheet == ledger_format.APPLICATIONS:
        return 25_000 if row <= 6 else 0
    if kind is ledger_format.Kind.YEAR:
        return 2019 if sheet != ledger_format.ROUNDS else 2019 + row - 2
    if kind is ledger_format.Kind.INTEGER:
        return rng.randint(0, 5)
    if kind is ledger_format.Kind.WHOLE_KR:
        return rng.randrange(0, 25_000, 1000)
    if kind is ledger_format.Kind.KR:
        return rng.choice((rng.randrange(0, 25_000), round(rng.uniform(0, 10_000), 2)))
    if kind is ledger_format.Kind.DATE:
        return dt.date(2018, rng.randint(8, 10), rng.randint(1, 26))
    if name == "Betalkonto":
        return rng.choice(("Bankgiro 5050-1055", "Plusgiro 5 55 13-6"))
    if name == "Medsökande":
        return rng.choice(("", _ADMINS[0]))
    return rng.choice(_WORDS)


def application_id(row: int) -> str:
    return f"2019-{'PS'[row % 2]}{row:02d}"


# --- generated ledgers (tools/ledger_book.py) ------------------------------------------------------------------


def _variant(rng: random.Random, name: str) -> str:
    choice = rng.randrange(8)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return f"  {name.lower()} "
    if choice == 2 and len(name) > 3:
        i = rng.randrange(len(name))
        return name[:i] + name[i + 1 :]  # a typo
    if choice == 3:
        return name + " (kr)"
    return name


def make_ledger(rng: random.Random, *, wildness: float | None = None) -> bytes:
    """A ledger from the one generator (``tools/ledger_book.py``), disturbed at random
    (``wildness`` 0 = valid-ish)."""
    wild = rng.choice((0.0, 0.0, 0.05, 0.2, 0.6)) if wildness is None else wildness
    buffer = io.BytesIO()
    book = ledger_book.LedgerBook(
        buffer, {"in_memory": True}, properties=ledger_book.FIXED_PROPERTIES, formulas=True
    )
    date_style = ledger_book.CellFormats(number=book.formats.get(num_format="yyyy-mm-dd"))
    sheets = list(ledger_format.INPUT_SHEETS)
    if wild:
        sheets = [s for s in sheets if rng.random() > wild / 3]
        if rng.random() < wild:
            sheets.append(rng.choice(("Blad1", "Fel", "Summering", "Instruktioner", "omgångar")))
        rng.shuffle(sheets)
    used_titles: set[str] = set()
    hidden: list[tuple[Any, str]] = []
    app_rows = 20
    for sheet in sorted(sheets, key=lambda s: s != ledger_format.APPLICATIONS):
        title = _variant(rng, sheet) if wild and rng.random() < wild else sheet
        title = (title.strip() or "Blad")[:31]
        for bad in "[]:*?/\\":
            title = title.replace(bad, "")
        if title.casefold() in used_titles or not title:
            continue
        used_titles.add(title.casefold())
        ws = book.add_sheet(title)
        values: dict[tuple[int, int], Any] = {}

        def put(
            row: int,
            col: int,
            value: Any,
            *,
            dated: bool = False,
            ws: ledger_book.SheetWriter = ws,
            values: dict[tuple[int, int], Any] = values,
        ) -> None:
            """``value`` at the 1-based ``row``, ``col`` (a date style on a number if ``dated``)."""
            values[(row, col)] = value
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            ws.put(row - 1, col - 1, value, date_style if dated and numeric else ledger_book.PLAIN)

        columns = list(
            ledger_format.COLUMNS.get(sheet, ledger_format.COLUMNS[ledger_format.ROUNDS])
        )
        if wild:
            columns = [c for c in columns if c.required or rng.random() > wild / 2]
            if rng.random() < wild:
                rng.shuffle(columns)
        headers: list[Any] = [c.name for c in columns]
        if wild:
            headers = [_variant(rng, h) if rng.random() < wild / 2 else h for h in headers]
            if rng.random() < wild:
                headers.append(rng.choice(("Kommentar", "Sökt belopp", None, 2019, "=A1")))
        top = 1 if not wild or rng.random() > wild / 4 else rng.randint(2, 4)
        left = 1 if not wild or rng.random() > wild / 4 else rng.randint(2, 4)
        for j, header in enumerate(headers):
            put(top, left + j, header)
        n_rows = rng.choice((0, 1, 3, 8, 20))
        if sheet == ledger_format.ROUNDS:
            n_rows = rng.randint(1, 3)
        elif sheet == ledger_format.ADMINISTRATIONS:
            n_rows = len(_ADMINS)
        elif sheet == ledger_format.APPLICATIONS:
            n_rows = max(n_rows, 1)
            app_rows = n_rows
        for i in range(n_rows):
            for j, column in enumerate(columns):
                if rng.random() < wild:
                    value = wild_value(rng)
                    put(top + 1 + i, left + j, value, dated=rng.random() < 0.2)
                    continue
                else:
                    value = plausible_value(rng, sheet, column, i + 2)
                    if column.name == "Id" and sheet != ledger_format.APPLICATIONS:
                        value = application_id(2 + i % app_rows)
                put(top + 1 + i, left + j, value)
        if wild and n_rows and rng.random() < wild:
            r0, c0 = top + rng.randint(0, n_rows), left + rng.randrange(len(columns))
            r1 = r0 + rng.randint(0, 2)
            # A merged range keeps its first cell's value; the others read as empty.
            ws.worksheet.merge_range(r0 - 1, c0 - 1, r1 - 1, c0, "")
            ws.put(r0 - 1, c0 - 1, values.get((r0, c0)))
        if wild and rng.random() < wild:
            ws.worksheet.set_row(top, None, None, {"hidden": True})
        if wild and rng.random() < wild / 4:
            hidden.append((ws.worksheet, rng.choice(("hidden", "veryHidden"))))
        if wild and rng.random() < wild / 4:
            put(rng.randint(1, 3000), rng.randint(1, 120), wild_value(rng))
    if not used_titles:
        book.add_sheet("Blad1")
    for worksheet, state in hidden:
        if worksheet.index == 0:
            continue  # the first sheet stays visible
        worksheet.hide() if state == "hidden" else worksheet.very_hidden()
    book.close()
    return buffer.getvalue()


def reproducible(data: bytes) -> bytes:
    """The same workbook with fixed zip dates and document timestamps (the same bytes each run)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2019-01-01T00:00:00Z", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(2019, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _put(ws: Any, row: int, col: int, value: Any, *, date_style: bool = False) -> None:
    cell = ws.cell(row=row, column=col)
    try:
        cell.value = value
    except Exception:  # openpyxl refuses control characters and some types
        cell.value = repr(value)[:100]
    if isinstance(value, int | float) and not isinstance(value, bool) and date_style:
        cell.number_format = "yyyy-mm-dd"  # a date style on a plain number


# --- packages written by hand ---------------------------------------------------------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_NS_PKG}">'
    f'<Relationship Id="rId1" Type="{_NS_R}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_NS}"><numFmts count="1">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/>'
    '<xf numFmtId="21" applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so that a case's bytes are the same on every run."""
    entry = zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def package(
    sheets: Sequence[tuple[str, str]],
    *,
    shared: Sequence[str] | None = None,
    styles: bool = True,
    extra: Sequence[tuple[str, bytes]] = (),
    sheet_targets: Sequence[str] | None = None,
) -> bytes:
    """A minimal ``.xlsx`` from sheet titles and their worksheet XML (text, written as UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("[Content_Types].xml"), _CONTENT_TYPES)
        archive.writestr(_entry("_rels/.rels"), _ROOT_RELS)
        entries = "".join(
            f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, (title, _xml) in enumerate(sheets)
        )
        archive.writestr(
            _entry("xl/workbook.xml"),
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_NS_R}">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        targets = list(
            sheet_targets or [f"worksheets/sheet{i + 1}.xml" for i in range(len(sheets))]
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_NS_R}/worksheet" Target="{target}"/>'
            for i, target in enumerate(targets)
        )
        if styles:
            rels += f'<Relationship Id="rIdS" Type="{_NS_R}/styles" Target="styles.xml"/>'
            archive.writestr(_entry("xl/styles.xml"), _STYLES)
        if shared is not None:
            rels += (
                f'<Relationship Id="rIdT" Type="{_NS_R}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
            archive.writestr(
                _entry("xl/sharedStrings.xml"),
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS}" count="{len(shared)}" '
                f'uniqueCount="{len(shared)}">{items}</sst>',
            )
        archive.writestr(
            _entry("xl/_rels/workbook.xml.rels"),
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_NS_PKG}">{rels}'
            "</Relationships>",
        )
        for (_title, xml), target in zip(sheets, targets, strict=True):
            name = target.lstrip("/") if target.startswith("/") else "xl/" + target
            archive.writestr(_entry(name), xml)
        for name, data in extra:
            archive.writestr(_entry(name), data)
    return buffer.getvalue()


def worksheet(rows_xml: str, *, head: str = "", tail: str = "", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_NS}"' if prefix else f'xmlns="{_NS}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}>{head}'
        f"<{p}sheetData>{rows_xml}</{p}sheetData>{tail}</{p}worksheet>"
    )


def _raw_cell(rng: random.Random, ref: str | None, n_shared: int) -> str:
    r = f' r="{ref}"' if ref is not None else ""
    s = f' s="{rng.randrange(6)}"' if rng.random() < 0.3 else ""
    pick = rng.randrange(14)
    if pick == 0:
        return f'<c{r}{s} t="s"><v>{rng.randint(-1, n_shared + 1)}</v></c>'
    if pick == 1:
        text = escape(str(wild_value(rng) or ""))
        return f'<c{r}{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if pick == 2:
        return f'<c{r}{s} t="str"><f>{escape(rng.choice(_FORMULAS)[1:])}</f><v>{rng.choice(("", "x", "1"))}</v></c>'
    if pick == 3:
        return f"<c{r}{s}><f>{escape(rng.choice(_FORMULAS)[1:])}</f></c>"
    if pick == 4:
        return f'<c{r}{s} t="e"><v>{rng.choice((*_ERRORS, "#BOGUS", ""))}</v></c>'
    if pick == 5:
        return f'<c{r}{s} t="b"><v>{rng.choice(("0", "1", "2", "x", ""))}</v></c>'
    if pick == 6:
        value = rng.choice(
            ("2018-10-26", "2018-10-26T12:00:00", "1899-12-31", "x", "", "2019-02-30")
        )
        return f'<c{r}{s} t="d"><v>{value}</v></c>'
    if pick == 7:
        value = rng.choice(
            ("-1", "0", "59", "60", "61", "2958465", "2958466", "1e10", "-1e10", "1E+400", "x", "")
        )
        return f'<c{r} s="{rng.randrange(1, 5)}"><v>{value}</v></c>'
    if pick == 8:
        return f"<c{r}{s}/>"
    if pick == 9:
        return f'<c{r}{s} t="{rng.choice(("n", "zz", "", "S"))}"><v>{rng.randint(-9, 99)}</v></c>'
    if pick == 10:
        text = rng.choice(("&amp;&lt;", "&#x1F600;", "<![CDATA[<c>]]>", "a<!-- c -->b", "&#65;"))
        return (
            f'<c{r} t="inlineStr"><is><r><t>{text}</t></r><r><rPr><b/></rPr><t>x</t></r></is></c>'
        )
    return f"<c{r}{s}><v>{rng.choice(('1', '2019', '317000', '12.5', '-3', '1e3', ' 5 '))}</v></c>"


def make_rawxml(rng: random.Random) -> bytes:
    """A package written by hand, with cell encodings that openpyxl never produces."""
    shared = [str(wild_value(rng) or "") for _ in range(rng.randint(0, 8))]
    shared[:0] = [c.name for c in ledger_format.COLUMNS[ledger_format.APPLICATIONS][:4]]
    sheets: list[tuple[str, str]] = []
    for sheet in rng.sample(
        ledger_format.INPUT_SHEETS, rng.randint(1, len(ledger_format.INPUT_SHEETS))
    ):
        columns = ledger_format.COLUMNS[sheet]
        header = "".join(
            f'<c r="{ledger_format.column_letters(j + 1)}1" t="inlineStr"><is><t>{escape(c.name)}</t></is></c>'
            for j, c in enumerate(columns)
        )
        rows = [f'<row r="1">{header}</row>']
        row_numbers = list(range(2, 2 + rng.randint(0, 12)))
        if rng.random() < 0.2:
            rng.shuffle(row_numbers)
        for number in row_numbers:
            cells = []
            explicit = rng.random() > 0.15
            for j in range(rng.randint(0, len(columns) + 2)):
                ref: str | None = f"{ledger_format.column_letters(j + 1)}{number}"
                if not explicit or rng.random() < 0.05:
                    ref = None
                elif rng.random() < 0.05:
                    ref = ref.lower() if ref else ref
                cells.append(_raw_cell(rng, ref, len(shared)))
            r = f' r="{number}"' if explicit or rng.random() < 0.5 else ""
            rows.append(f"<row{r}>{''.join(cells)}</row>")
        if rng.random() < 0.1:
            rows.append(rows[-1])  # a row twice
        head = ""
        if rng.random() < 0.3:
            head = (
                f'<dimension ref="{rng.choice(("A1", "A1:Z99", "A1:XFD1048576", "B2:A1", "x"))}"/>'
            )
        tail = ""
        if rng.random() < 0.2:
            tail = '<mergeCells count="1"><mergeCell ref="A2:C3"/></mergeCells>'
        body = "".join(rows)
        if rng.random() < 0.1:
            body = '<!-- <c r="XFD1"><v>1</v></c> -->' + body
        prefix = "x" if rng.random() < 0.1 else ""
        if prefix:
            body = body.replace("<row", "<x:row").replace("</row", "</x:row")
            body = body.replace("<c", "<x:c").replace("</c>", "</x:c>")
            body = body.replace("<v>", "<x:v>").replace("</v>", "</x:v>")
            body = body.replace("<f>", "<x:f>").replace("</f>", "</x:f>")
        title = sheet if rng.random() > 0.1 else _variant(rng, sheet)
        sheets.append((title, worksheet(body, head=head, tail=tail, prefix=prefix)))
    return package(sheets, shared=shared if rng.random() > 0.2 else None, styles=rng.random() > 0.1)


# --- mutations ------------------------------------------------------------------------------------


def mutate(rng: random.Random, base: bytes) -> bytes:
    """``base`` with one or more random byte-level or part-level faults."""
    data = base
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(_MUTATIONS)(rng, data)
    return data


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 5, 20))):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _flip_in_part(rng: random.Random, data: bytes) -> bytes:
    """Flip bytes inside one part's compressed data (the CRC or the inflater must notice)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:
        return _flip_bytes(rng, data)
    if not infos:
        return data
    info = rng.choice(infos)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    end = min(len(data), start + max(info.compress_size, 1))
    out = bytearray(data)
    for _ in range(rng.choice((1, 3))):
        if start < end:
            out[rng.randrange(start, end)] ^= 0xFF
    return bytes(out)


def _rezip(data: bytes, change: Callable[[list[tuple[zipfile.ZipInfo, bytes]]], None]) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        parts = [(info, source.read(info)) for info in source.infolist()]
    except Exception:
        return data
    change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a doubled part is the point, not a mistake
        for info, content in parts:
            target.writestr(_entry(info.filename), content)
    return buffer.getvalue()


def _corrupt_xml(rng: random.Random, text: bytes) -> bytes:
    if not text:
        return b"<"
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randint(1, 200))
    pick = rng.randrange(7)
    if pick == 0:
        return text[:i] + text[j:]  # a slice gone
    if pick == 1:
        return (
            text[:i] + rng.choice((b"<", b"&", b"\xff\xfe", b"]]>", b"&bogus;", b"\x00")) + text[i:]
        )
    if pick == 2:
        return text[:i] + text[i:j] * rng.randint(2, 50) + text[j:]  # a slice repeated
    if pick == 3:
        return text.replace(b"</si>", b"", rng.randint(1, 3))  # shared strings left open
    if pick == 4:
        return text.replace(b'count="', b'count="9', 1).replace(b"<si>", b"", rng.randint(1, 5))
    if pick == 5:
        return text.replace(b'r="', b'r="' + rng.choice((b"Z", b"A0", b"XFE", b"-", b"")), 3)
    return text[:i]


def _corrupt_part(rng: random.Random, data: bytes) -> bytes:
    def change(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
        if not parts:
            return
        names = [i for i, (info, _c) in enumerate(parts) if "sharedStrings" in info.filename]
        index = names[0] if names and rng.random() < 0.4 else rng.randrange(len(parts))
        info, content = parts[index]
        parts[index] = (info, _corrupt_xml(rng, content))

    return _rezip(data, change)


def _drop_or_double_part(rng: random.Random, data: bytes) -> bytes:
    def change(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
        if not parts:
            return
        index = rng.randrange(len(parts))
        if rng.random() < 0.6:
            del parts[index]
        else:
            parts.append((parts[index][0], _corrupt_xml(rng, parts[index][1])))

    return _rezip(data, change)


def _patch_headers(rng: random.Random, data: bytes) -> bytes:
    """Patch a zip header: compression method, flags (encryption), or declared sizes."""
    out = bytearray(data)
    signatures = [
        i for i in range(len(out) - 4) if out[i : i + 4] in (b"PK\x03\x04", b"PK\x01\x02")
    ]
    if not signatures:
        return _flip_bytes(rng, data)
    at = rng.choice(signatures)
    central = out[at : at + 4] == b"PK\x01\x02"
    base = at + (2 if central else 0)  # the central header has one more field in front
    field_at, size = rng.choice(((base + 6, 2), (base + 8, 2), (base + 18, 4), (base + 22, 4)))
    if field_at + size > len(out):
        return data
    value = rng.choice((0, 1, 99, 0xFFFF, 0xFFFFFFFF, 3_000_000_000, 12))
    out[field_at : field_at + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return bytes(out)


def _junk(rng: random.Random, data: bytes) -> bytes:
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return junk + data if rng.random() < 0.5 else data + junk


_MUTATIONS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    _truncate,
    _flip_bytes,
    _flip_in_part,
    _flip_in_part,
    _corrupt_part,
    _corrupt_part,
    _corrupt_part,
    _drop_or_double_part,
    _patch_headers,
    _junk,
)


# --- hostile files ---------------------------------------------------------------------------------


def billion_laughs(levels: int = 10, width: int = 10) -> str:
    """A DTD whose entity expands to ``width ** levels`` copies of a word."""
    lines = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        refs = f"&lol{level - 1};" * width
        lines.append(f'<!ENTITY lol{level} "{refs}">')
    return f"<!DOCTYPE worksheet [{''.join(lines)}]>"


def hostile_sheet(dtd: str, entity: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<worksheet xmlns="{_NS}"><sheetData>'
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>År</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>&{entity};</t></is></c></row>'
        "</sheetData></worksheet>"
    )


def zip_bomb(uncompressed: int, *, declared: int | None = None) -> bytes:
    """A workbook whose extra sheet inflates to ``uncompressed`` bytes of spaces (a few MB on
    disk for gigabytes); ``declared`` puts another size in its zip headers (a lying bomb)."""
    header = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}"><sheetData>'.encode()
    footer = b"</sheetData></worksheet>"
    block = b" " * (1 << 24)
    blocks, rest = divmod(max(0, uncompressed - len(header) - len(footer)), len(block))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor forgets what came before: one block's bytes repeat.
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH) if blocks else b""
    tail = compressor.compress(block[:rest] + footer) + compressor.flush()
    crc = zlib.crc32(header)
    block_crc_steps = blocks
    while block_crc_steps:
        crc = zlib.crc32(block, crc)
        block_crc_steps -= 1
    crc = zlib.crc32(block[:rest] + footer, crc)
    compressed = head + repeated * blocks + tail
    size = uncompressed if declared is None else declared
    base = package([("Omgångar", worksheet('<row r="1"><c r="A1"><v>1</v></c></row>'))])
    return _append_raw_part(base, "xl/worksheets/sheet2.xml", compressed, crc, size)


def _append_raw_part(base: bytes, name: str, compressed: bytes, crc: int, size: int) -> bytes:
    """``base`` with one more deflated part whose headers say ``size`` (zip64 when needed)."""
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    central: list[bytes] = []
    for info in source.infolist():
        raw_start = info.header_offset
        local_name_len, local_extra_len = struct.unpack(
            "<HH", base[raw_start + 26 : raw_start + 30]
        )
        end = raw_start + 30 + local_name_len + local_extra_len + info.compress_size
        offset = out.tell()
        out.write(base[raw_start:end])
        central.append(
            _central_entry(info.filename, info.CRC, info.compress_size, info.file_size, offset)
        )
    offset = out.tell()
    encoded = name.encode()
    zip64 = size >= 0xFFFFFFFF or len(compressed) >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, len(compressed)) if zip64 else b""
    out.write(
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            45 if zip64 else 20,
            0,
            8,
            0,
            0x21,
            crc,
            0xFFFFFFFF if zip64 else len(compressed),
            0xFFFFFFFF if zip64 else size,
            len(encoded),
            len(extra),
        )
        + encoded
        + extra
    )
    out.write(compressed)
    central.append(_central_entry(name, crc, len(compressed), size, offset))
    directory_at = out.tell()
    for entry in central:
        out.write(entry)
    directory_size = out.tell() - directory_at
    out.write(
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            0,
            0,
            len(central),
            len(central),
            directory_size,
            directory_at,
            0,
        )
    )
    return out.getvalue()


def _central_entry(name: str, crc: int, compressed: int, size: int, offset: int) -> bytes:
    encoded = name.encode()
    zip64 = size >= 0xFFFFFFFF or compressed >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, compressed) if zip64 else b""
    return (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            45 if zip64 else 20,
            45 if zip64 else 20,
            0,
            8,
            0,
            0x21,
            crc,
            0xFFFFFFFF if zip64 else compressed,
            0xFFFFFFFF if zip64 else size,
            len(encoded),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        + encoded
        + extra
    )


def make_hostile(rng: random.Random) -> bytes:
    pick = rng.randrange(10)
    if pick == 0:
        dtd = billion_laughs(rng.randint(3, 10), rng.randint(2, 10))
        sheet = hostile_sheet(dtd, f"lol{rng.randint(0, 2)}")
        return package([("Omgångar", sheet)])
    if pick == 1:
        dtd = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        where = rng.choice(("sheet", "shared", "workbook", "bin"))
        if where == "sheet":
            return package([("Omgångar", hostile_sheet(dtd, "xxe"))])
        if where == "bin":  # the same XML in a part whose name does not say XML
            return package(
                [("Omgångar", hostile_sheet(dtd, "xxe"))], sheet_targets=["worksheets/data.bin"]
            )
        if where == "shared":
            cell = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            base = package([("Omgångar", worksheet(cell))], shared=["År"])
        else:
            base = make_ledger(rng, wildness=0.0)
        part = "xl/sharedStrings.xml" if where == "shared" else "xl/workbook.xml"

        def inject(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
            for i, (info, content) in enumerate(parts):
                if info.filename == part:
                    head, _, rest = content.partition(b"?>")
                    parts[i] = (
                        info,
                        head + b"?>" + dtd.encode() + rest if rest else dtd.encode() + content,
                    )

        return _rezip(base, inject)
    if pick == 2:
        size = rng.choice((20_000_000, 60_000_000))
        return zip_bomb(size, declared=rng.choice((None, 1000, size // 3)))
    if pick == 3:
        ref = rng.choice(("XFE1", "A1048577", "ZZZZ1", "A99999999999", "xfe5"))
        return package(
            [
                (
                    "Omgångar",
                    worksheet(f'<row r="1"><c r="A1"><v>1</v></c><c r="{ref}"><v>2</v></c></row>'),
                )
            ]
        )
    if pick == 4:
        far = rng.choice(("XFD1048576", "ZZ999999", "AAA100000"))
        return package(
            [
                (
                    "Omgångar",
                    worksheet(
                        f'<row r="1"><c r="A1" t="inlineStr"><is><t>År</t></is></c></row><row><c r="{far}"><v>1</v></c></row>'
                    ),
                ),
                ("Förvaltningar", worksheet("")),
                ("Ansökningar", worksheet("")),
            ]
        )
    if pick == 5:  # cells without references, counted into a huge area
        row = "<row>" + "<c><v>1</v></c>" * rng.choice((100, 16_384, 20_000)) + "</row>"
        return package([("Omgångar", worksheet(row + "<row/>" * rng.choice((10, 100_000)) + row))])
    if pick == 6:  # thousands of parts
        count = rng.choice((2000, 10_001))
        return package(
            [("Omgångar", worksheet(""))], extra=[(f"junk/{i}.txt", b"x") for i in range(count)]
        )
    if pick == 7:  # deep nesting in the workbook part
        depth = rng.choice((1000, 100_000))
        deep = "<a>" * depth + "</a>" * depth
        data = package([("Omgångar", worksheet(""))])

        def nest(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
            for i, (info, content) in enumerate(parts):
                if info.filename == "xl/workbook.xml":
                    parts[i] = (info, content.replace(b"<sheets>", deep.encode() + b"<sheets>"))

        return _rezip(data, nest)
    if pick == 8:  # a DTD in UTF-16
        sheet = hostile_sheet(billion_laughs(4, 4), "lol3")
        return _utf16_package(sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"'))
    return zip_bomb(3_000_000_000 if rng.random() < 0.02 else 30_000_000, declared=None)


def _utf16_package(sheet: str) -> bytes:
    data = package([("Omgångar", worksheet(""))])

    def swap(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
        for i, (info, _content) in enumerate(parts):
            if info.filename == "xl/worksheets/sheet1.xml":
                parts[i] = (info, sheet.encode("utf-16"))

    return _rezip(data, swap)


# --- cases -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Case:
    index: int
    kind: str
    data: bytes
    name: str


_FILE_NAMES = ("liggare.xlsx", "LUM 2019 – kopia.xlsx", "lum-ö.xlsm", "data.xlsx", "x.XLSX")
_FORM_NAMES = ("blankett.docx", "Ansökan 2020 – kopia.docx", "redovisning-ö.docx", "x.DOCX")
_ROOT = Path(__file__).resolve().parent.parent
FORM_SOURCES = (_ROOT / "tests" / "data" / "forms", _ROOT / "workbooks" / "blanketter")
FORM_LEDGER = _ROOT / "workbooks" / "lum-mall.xlsx"


def _form_bases() -> list[Path]:
    return sorted(path for folder in FORM_SOURCES for path in folder.glob("*.docx"))


def make_form(rng: random.Random) -> bytes:
    """A LUM form as it is, mutated, or made hostile."""
    base = rng.choice(_form_bases()).read_bytes()
    pick = rng.random()
    if pick < 0.15:
        return base
    if pick < 0.65:
        return mutate(rng, base)
    return hostile_form(rng, base)


def _replace_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    def edit(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
        for index, (info, content) in enumerate(parts):
            if info.filename == name:
                parts[index] = (info, change(content))

    return _rezip(data, edit)


def hostile_form(rng: random.Random, base: bytes) -> bytes:
    """``base`` with entities, an external relationship, a zip bomb or deep nesting."""
    pick = rng.randrange(5)
    if pick == 0:  # entity expansion in the main part
        dtd = billion_laughs(levels=rng.randint(3, 10))
        return _replace_part(
            base, "word/document.xml", lambda xml: xml.replace(b"?>", b"?>" + dtd.encode(), 1)
        )
    if pick == 1:  # an external entity, in UTF-16
        return _replace_part(
            base,
            "word/_rels/document.xml.rels",
            lambda xml: (
                '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                '"file:///etc/passwd">]><r>&x;</r>'
            ).encode("utf-16"),
        )
    if pick == 2:  # content pulled from outside the file
        target = rng.choice(
            ("file:///C:/mall.dotm", "\\\\server\\share\\x.png", "https://example.org/x")
        )
        kind = rng.choice(("attachedTemplate", "image", "subDocument", "oleObject"))
        rel = (
            f'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/{kind}" Target="{escape(target)}" TargetMode="External"/>'
        ).encode()
        return _replace_part(
            base,
            "word/_rels/document.xml.rels",
            lambda xml: xml.replace(b"</Relationships>", rel + b"</Relationships>"),
        )
    if pick == 3:  # a zip bomb part (zeros compress about a thousand times)
        size = rng.choice((11, 24)) << 20

        def add(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
            parts.append((_entry("word/media/nollor.bin"), bytes(size)))

        return _rezip(base, add)
    depth = rng.choice((70, 500, 5000))  # nested content controls
    nested = b"<w:sdt><w:sdtContent>" * depth + b"<w:p/>" + b"</w:sdtContent></w:sdt>" * depth
    return _replace_part(
        base, "word/document.xml", lambda xml: xml.replace(b"<w:body>", b"<w:body>" + nested, 1)
    )


def make_case(seed: int, index: int, corpus: Sequence[Path] = ()) -> Case:
    """The ``index``-th case of run ``seed``: the same bytes every time."""
    rng = random.Random(f"lumledger-fuzz:{seed}:{index}")
    kinds, weights = zip(*KINDS, strict=True)
    kind = rng.choices(kinds, weights=weights)[0]
    if kind == "ledger":
        data = make_ledger(rng)
    elif kind == "rawxml":
        data = make_rawxml(rng)
    elif kind == "mutate":
        if corpus and rng.random() < 0.5:
            base = rng.choice(list(corpus)).read_bytes()
        else:
            base = make_ledger(rng, wildness=rng.choice((0.0, 0.05)))
        data = mutate(rng, base)
    elif kind == "form":
        return Case(index=index, kind=kind, data=make_form(rng), name=rng.choice(_FORM_NAMES))
    else:
        data = make_hostile(rng)
    return Case(index=index, kind=kind, data=data, name=rng.choice(_FILE_NAMES))


# --- running one case -----------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    index: int
    kind: str
    size: int
    exits: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    output: str = ""


def _commands(path: Path, out_dir: Path, rng: random.Random) -> list[tuple[str, list[str]]]:
    from lumledger.cli import main

    available = getattr(main, "commands", {})
    if path.suffix.lower() == ".docx":
        # A form is imported into a copy of the template in the output folder (the form itself
        # must stay unchanged): once as a dry run, once for real.
        ledger = out_dir / "liggare.xlsx"
        out_dir.mkdir(parents=True, exist_ok=True)
        ledger.write_bytes(FORM_LEDGER.read_bytes())
        flags = ["--json"] if rng.random() < 0.3 else []
        return [
            ("import-dry-run", ["import", str(ledger), str(path), "--dry-run", *flags]),
            ("import", ["import", str(ledger), str(path), "--uppdatera"]),
        ]
    commands: list[tuple[str, list[str]]] = [("validate", ["validate", str(path)])]
    if rng.random() < 0.3:
        commands[0][1].append("--json")
    if "rollup" in available:
        commands.append(
            ("rollup", ["rollup", str(path)] + (["--json"] if rng.random() < 0.3 else []))
        )
    if "reconcile" in available:
        commands.append(("reconcile", ["reconcile", str(path), "--as-of", "2024-01-01"]))
    if "export" in available:
        commands.append(("export", ["export", str(path), "--year", "2019", "-o", str(out_dir)]))
    return commands


def run_case(case: Case, work: Path) -> Outcome:
    """Write ``case`` under ``work``, run every read-only command on it, and check the rules."""
    from click.testing import CliRunner

    from lumledger.cli import main

    outcome = Outcome(index=case.index, kind=case.kind, size=len(case.data))
    folder = work / f"case-{case.index}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.name
    path.write_bytes(case.data)
    before = hashlib.sha256(case.data).hexdigest()
    out_dir = work / f"out-{case.index}"
    rng = random.Random(case.index)
    runner = CliRunner()
    outputs: list[str] = []
    for name, args in _commands(path, out_dir, rng):
        started = time.perf_counter()
        try:
            result = runner.invoke(main, args, catch_exceptions=True)
        except BaseException as exc:  # a panic or anything else that slipped through click
            outcome.problems.append(f"{name}: {type(exc).__name__} escaped: {exc}"[:500])
            continue
        seconds = time.perf_counter() - started
        outcome.seconds[name] = round(seconds, 3)
        outcome.exits[name] = result.exit_code
        text = result.output + (getattr(result, "stderr", "") or "")
        outputs.append(f"$ lumledger {' '.join(args[:1])}\n{text[-2000:]}")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            outcome.problems.append(
                f"{name}: exception {type(result.exception).__name__}: {result.exception}"[:500]
            )
        if result.exit_code not in (0, 1, 2):
            outcome.problems.append(f"{name}: exit status {result.exit_code}")
        if "Traceback" in text or "panicked at" in text:
            outcome.problems.append(f"{name}: traceback or panic in the output")
        if GENERIC_MESSAGE in text:
            outcome.problems.append(f"{name}: the generic 'oväntat fel' message")
        if "för stor för datorns minne" in text and len(case.data) < 1_000_000:
            outcome.problems.append(f"{name}: out of memory on a small file")
        if result.exit_code == 2 and not text.strip():
            outcome.problems.append(f"{name}: exit 2 without a message")
        if seconds > COMMAND_TIME_LIMIT and len(case.data) < 1_000_000:
            outcome.problems.append(f"{name}: {seconds:.1f} s on a file under 1 MB")
        if out_dir.exists():
            leftovers = [
                p.name for p in out_dir.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"
            ]
            if leftovers:
                outcome.problems.append(f"{name}: temporary files left: {leftovers}")
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != before:
            outcome.problems.append(f"{name}: the input file was changed")
            path.write_bytes(case.data)
            before = hashlib.sha256(case.data).hexdigest()
        extra = sorted(p.name for p in folder.iterdir() if p.name != case.name)
        if extra:
            outcome.problems.append(f"{name}: new files beside the input: {extra}")
    outcome.output = "\n".join(outputs)[-6000:]
    _remove(folder)
    _remove(out_dir)
    return outcome


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# --- the worker pool ------------------------------------------------------------------------------


def _worker(conn: Connection, seed: int, corpus: list[str], work: str, memory_mb: int) -> None:
    """Run cases sent as indexes; answer each with an :class:`Outcome` as a dict."""
    os.environ.pop("LUMLEDGER_DEBUG", None)
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    # Import the heavy modules once, before any case's clock runs.
    for module in ("lumledger.rules.cross_sheet", "lumledger.cli", "openpyxl"):
        importlib.import_module(module)

    paths = [Path(p) for p in corpus]
    while True:
        try:
            index = conn.recv()
        except EOFError:
            return
        if index is None:
            return
        case = make_case(seed, index, paths)
        outcome = run_case(case, Path(work))
        conn.send(outcome_dict(outcome))


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return {
        "index": outcome.index,
        "kind": outcome.kind,
        "size": outcome.size,
        "exits": outcome.exits,
        "seconds": outcome.seconds,
        "problems": outcome.problems,
        "output": outcome.output,
    }


@dataclass(slots=True)
class _Slot:
    process: Any
    conn: Connection
    index: int | None = None
    started: float = 0.0


@dataclass(slots=True)
class Summary:
    count: int = 0
    seconds: float = 0.0
    by_kind: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    slowest: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "seconds": round(self.seconds, 1),
            "by_kind": dict(self.by_kind),
            "exits": dict(sorted(self.exits.items())),
            "slowest_command_seconds": round(self.slowest, 2),
            "failures": [{k: v for k, v in f.items() if k != "output"} for f in self.failures],
        }


def run_fuzz(
    *,
    count: int,
    seed: int = 1,
    out: Path | None = None,
    corpus: Sequence[Path] = (),
    jobs: int | None = None,
    start: int = 0,
    case_timeout: float | None = None,
    memory_mb: int = MEMORY_LIMIT_MB,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Run cases ``start`` .. ``start + count - 1`` of run ``seed`` in ``jobs`` worker processes."""
    jobs = max(1, jobs or min(4, os.cpu_count() or 1))
    corpus_files = sorted(str(p) for p in corpus)
    context = multiprocessing.get_context("spawn")
    summary = Summary()
    began = time.perf_counter()
    pending = list(range(start, start + count))
    pending.reverse()
    with tempfile.TemporaryDirectory(prefix="lumledger-fuzz-") as work:

        def spawn() -> _Slot:
            parent, child = context.Pipe()
            process = context.Process(
                target=_worker, args=(child, seed, corpus_files, work, memory_mb), daemon=True
            )
            process.start()
            child.close()
            return _Slot(process=process, conn=parent)

        slots = [spawn() for _ in range(min(jobs, count))]
        commands = 4
        limit = case_timeout or (COMMAND_TIME_LIMIT * commands + 30.0)

        def record(result: dict[str, Any]) -> None:
            summary.count += 1
            summary.by_kind[result["kind"]] += 1
            for name, status in result["exits"].items():
                summary.exits[f"{name}:{status}"] += 1
            summary.slowest = max([summary.slowest, *result["seconds"].values()])
            if result["problems"]:
                summary.failures.append(result)
                if out is not None:
                    _save_failure(out, seed, result, [Path(p) for p in corpus_files])
            if progress is not None:
                progress(summary)

        def fail(slot: _Slot, problem: str) -> None:
            assert slot.index is not None
            case = make_case(seed, slot.index, [Path(p) for p in corpus_files])
            record(
                {
                    "index": slot.index,
                    "kind": case.kind,
                    "size": len(case.data),
                    "exits": {},
                    "seconds": {},
                    "problems": [problem],
                    "output": "",
                }
            )

        while pending or any(s.index is not None for s in slots):
            for i, slot in enumerate(slots):
                if slot.index is None and pending:
                    slot.index = pending.pop()
                    slot.started = time.perf_counter()
                    try:
                        slot.conn.send(slot.index)
                    except (BrokenPipeError, OSError):
                        fail(slot, "the worker process died")
                        slot.process.kill()
                        slots[i] = spawn()
            busy = [s for s in slots if s.index is not None]
            if not busy:
                break
            now = time.perf_counter()
            timeout = max(0.05, min(s.started + limit - now for s in busy))
            ready = wait([s.conn for s in busy], timeout=timeout)
            for i, slot in enumerate(slots):
                if slot.index is None:
                    continue
                if slot.conn in ready:
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        code = slot.process.exitcode
                        slot.process.join(5)
                        fail(
                            slot, f"the worker process died (exit {slot.process.exitcode or code})"
                        )
                        slots[i] = spawn()
                        continue
                    slot.index = None
                    record(result)
                elif time.perf_counter() - slot.started > limit:
                    slot.process.kill()
                    slot.process.join(5)
                    fail(slot, f"no answer within {limit:.0f} s (a hang)")
                    slots[i] = spawn()
        for slot in slots:
            with contextlib.suppress(BrokenPipeError, OSError):
                slot.conn.send(None)
        for slot in slots:
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
    summary.seconds = time.perf_counter() - began
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(
            json.dumps(summary.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return summary


def _save_failure(out: Path, seed: int, result: dict[str, Any], corpus: list[Path]) -> None:
    folder = out / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    case = make_case(seed, result["index"], corpus)
    stem = f"{seed}-{result['index']:06d}-{case.kind}"
    (folder / f"{stem}{Path(case.name).suffix.lower()}").write_bytes(case.data)
    (folder / f"{stem}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )


# --- command line ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fuzz",
        description="Kör lumledger mot genererade, förvanskade och skadliga arbetsböcker.",
    )
    parser.add_argument("--count", type=int, default=1000, help="antal fall (standard 1000)")
    parser.add_argument("--seed", type=int, default=1, help="körningens frö (standard 1)")
    parser.add_argument("--start", type=int, default=0, help="första fallets nummer")
    parser.add_argument("--out", type=Path, default=None, help="mapp för summary.json och fel")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="mapp med .xlsx/.xlsm att förvanska"
    )
    parser.add_argument("--jobs", type=int, default=None, help="antal arbetsprocesser")
    parser.add_argument(
        "--memory-mb", type=int, default=MEMORY_LIMIT_MB, help="minnesgräns per process"
    )
    args = parser.parse_args(argv)
    corpus: list[Path] = []
    if args.corpus is not None:
        corpus = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
    last = [0.0]

    def progress(summary: Summary) -> None:
        now = time.perf_counter()
        if now - last[0] > 30 or summary.count == args.count:
            last[0] = now
            print(
                f"{summary.count}/{args.count} fall, {len(summary.failures)} fel",
                file=sys.stderr,
                flush=True,
            )

    summary = run_fuzz(
        count=args.count,
        seed=args.seed,
        start=args.start,
        out=args.out,
        corpus=corpus,
        jobs=args.jobs,
        memory_mb=args.memory_mb,
        progress=progress,
    )
    print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    return 1 if summary.failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
