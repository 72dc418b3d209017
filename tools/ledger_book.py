"""The one ledger generator: rows in, workbook out (XlsxWriter). Test and build tooling, not shipped.

Everything that writes a ledger workbook from rows goes through here: the tests
(``tests/conftest.py``), the fuzzer (``tools/fuzz.py``), the seed corpus
(``tools/make_fuzz_corpus.py``), the safe writer's rich fixture
(``tests/fixtures/make_rich_ledger.py``), the benchmark ledgers (``tools/ledgers.py``) and the
shipped workbooks (``workbooks/build.py``, and through it ``xl/build.py``).

* :func:`write_ledger` — sheets of rows (dicts by column name) to an ``.xlsx`` in one call: the
  format's headers (or the caller's, with any extra columns the rows bring), values written by
  their Python type; ``formulas=True`` writes text starting with ``=`` as a formula without a
  cached value (as a file never opened in Excel has), otherwise text stays text.
* :class:`LedgerBook` and :class:`SheetWriter` — the same, a sheet and a cell at a time, for
  callers that add layout (formats, widths, validations: ``workbooks/build.py``) or stream a
  million rows (``tools/ledgers.py``); :class:`CellFormats` says which format a text, a number
  or a date gets in a column, and :func:`check_kind` refuses a value of the wrong kind.
* :func:`small_ledger_rows` — a small valid ledger's rows (one decided 2019 round, a few
  administrations, two projects and a study visit) for tests to change.

Output is deterministic: give the workbook fixed properties (:data:`FIXED_PROPERTIES`) and
write it in memory (``{"in_memory": True}``), and the same rows give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from lumledger import ledger_format
from lumledger.ledger_format import Column, Kind

Rows = Sequence[Mapping[str, Any]]

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
# A fixed creation date: what makes two builds of the same rows byte-identical.
FIXED_PROPERTIES: Mapping[str, Any] = {"created": dt.datetime(2019, 1, 1)}


class Formats:
    """The formats of one workbook, created once each (XlsxWriter formats belong to a workbook)."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(self, **properties: Any) -> Any:
        key = tuple(sorted(properties.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(properties)
        return self._cache[key]


@dataclass(frozen=True)
class CellFormats:
    """The format a cell of one column gets by what it holds (``None``: no format).

    ``date=None`` gives dates, date-times and times the book's default formats
    (:data:`DATE_FORMAT`, :data:`DATETIME_FORMAT`, :data:`TIME_FORMAT`), so that a date always
    reads as a date.
    """

    text: Any = None
    number: Any = None
    date: Any = None

    @classmethod
    def same(cls, fmt: Any) -> CellFormats:
        """One format for whatever the cell holds."""
        return cls(text=fmt, number=fmt, date=fmt)


PLAIN = CellFormats()


class LedgerBook:
    """An XlsxWriter workbook being filled with ledger sheets.

    ``options`` go to XlsxWriter as given (``{"in_memory": True}`` for reproducible bytes,
    ``{"constant_memory": True}`` to stream rows); ``properties`` are the document properties.
    ``formulas`` makes text starting with ``=`` a formula (see :meth:`SheetWriter.put`).
    """

    def __init__(
        self,
        target: str | Path | BinaryIO,
        options: Mapping[str, Any] | None = None,
        *,
        properties: Mapping[str, Any] | None = None,
        formulas: bool = False,
    ) -> None:
        self.workbook = Workbook(str(target) if isinstance(target, Path) else target, options)
        if properties is not None:
            self.workbook.set_properties(dict(properties))
        self.formats = Formats(self.workbook)
        self.formulas = formulas

    def add_sheet(self, name: str) -> SheetWriter:
        return SheetWriter(self.workbook.add_worksheet(name), self.formats, formulas=self.formulas)

    def close(self) -> None:
        self.workbook.close()


class SheetWriter:
    """One worksheet: headers and values put by their Python type (``formats``: the workbook's,
    for the default date formats)."""

    def __init__(self, worksheet: Worksheet, formats: Formats, *, formulas: bool = False) -> None:
        self.worksheet = worksheet
        self.formats = formats
        self.formulas = formulas

    def header(self, names: Sequence[Any], *, row: int = 0, col: int = 0, fmt: Any = None) -> None:
        """The header row: ``names[j]`` at (``row``, ``col + j``), all with ``fmt``."""
        for j, name in enumerate(names):
            self.put(row, col + j, name, CellFormats.same(fmt) if fmt is not None else PLAIN)

    def record(
        self,
        row: int,
        columns: Sequence[str],
        record: Mapping[str, Any],
        formats: Sequence[CellFormats] | None = None,
    ) -> None:
        """``record[columns[j]]`` in column ``j`` of ``row`` (missing keys are blank)."""
        for j, column in enumerate(columns):
            self.put(row, j, record.get(column), formats[j] if formats is not None else PLAIN)

    def put(self, row: int, col: int, value: Any, formats: CellFormats = PLAIN) -> None:
        """Write ``value`` by its type; ``None`` and ``""`` leave the cell blank.

        Text is text (with ``formulas``: a formula when it starts with ``=``, an error cell when
        it is one of Excel's error codes, as Excel makes of what is typed);
        ``bool`` a boolean; ``int``, ``float`` and ``Decimal`` numbers (``Decimal`` as the
        nearest float: Excel holds no more); dates, date-times and times Excel serials with a
        date format; anything else its ``repr``, as text.
        """
        if value is None or value == "":
            return
        ws = self.worksheet
        if isinstance(value, str):
            if self.formulas and value.startswith("="):
                ws.write_formula(row, col, value, formats.text, "")
            elif self.formulas and value in ERROR_CODES:  # what Excel makes of typed "#N/A"
                ws.write_formula(row, col, "=" + value, formats.text, value)
            else:
                ws.write_string(row, col, value, formats.text)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, formats.number)
        elif isinstance(value, int | float | Decimal):
            number = value if isinstance(value, int | float) else float(value)
            if isinstance(number, float) and not math.isfinite(number):
                ws.write_string(row, col, str(value), formats.text)
            else:
                ws.write_number(row, col, number, formats.number)
        elif isinstance(value, dt.date | dt.time | dt.timedelta):
            ws.write_datetime(row, col, value, formats.date or self._date_format(value))
        else:
            ws.write_string(row, col, repr(value)[:100], formats.text)

    def _date_format(self, value: dt.date | dt.time | dt.timedelta) -> Any:
        if isinstance(value, dt.datetime):
            return self.formats.get(num_format=DATETIME_FORMAT)
        if isinstance(value, dt.time | dt.timedelta):
            return self.formats.get(num_format=TIME_FORMAT)
        return self.formats.get(num_format=DATE_FORMAT)


def check_kind(where: str, col: Column, value: Any) -> None:
    """Refuse (``TypeError``/``ValueError``) a value that is not of its column's kind."""
    if col.kind is Kind.TEXT:
        if not isinstance(value, str):
            raise TypeError(f"{where}: text expected, got {value!r}")
    elif col.kind in (Kind.YEAR, Kind.INTEGER, Kind.WHOLE_KR):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where}: a whole number expected, got {value!r}")
    elif col.kind is Kind.KR:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(f"{where}: int or Decimal expected, got {value!r}")
        if isinstance(value, Decimal) and value != value.quantize(Decimal("0.01")):
            raise ValueError(f"{where}: more than two decimals: {value}")
    elif col.kind is Kind.DATE:
        if not isinstance(value, dt.date):
            raise TypeError(f"{where}: a date expected, got {value!r}")
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(col.kind)


def sheet_columns(
    name: str, rows: Rows, headers: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """A sheet's header: the caller's, else the format's columns (else the rows' keys, sorted),
    then any column the rows bring that the header lacks."""
    if headers and name in headers:
        columns = list(headers[name])
    elif name in ledger_format.COLUMNS:
        columns = [c.name for c in ledger_format.COLUMNS[name]]
    else:
        columns = sorted({key for row in rows for key in row})
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


def write_ledger(
    target: str | Path | None,
    sheets: Mapping[str, Rows],
    *,
    headers: Mapping[str, Sequence[str]] | None = None,
    formulas: bool = False,
) -> bytes:
    """Write ``sheets`` (name -> rows as dicts, in workbook order) as an ``.xlsx``.

    The header of each sheet is :func:`sheet_columns`. Returns the bytes, also written to
    ``target`` when one is given; the same rows give the same bytes.
    """
    buffer = io.BytesIO()
    book = LedgerBook(buffer, {"in_memory": True}, properties=FIXED_PROPERTIES, formulas=formulas)
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        columns = sheet_columns(name, rows, headers)
        sheet.header(columns)
        for i, row in enumerate(rows, start=1):
            sheet.record(i, columns, row)
    book.close()
    data = buffer.getvalue()
    if target is not None:
        Path(target).write_bytes(data)
    return data


def small_ledger_rows() -> dict[str, list[dict[str, Any]]]:
    """A valid ledger's rows, sheet by sheet (fresh copies each call)."""
    return {
        ledger_format.ROUNDS: [
            {
                "År": 2019,
                "Ansökan öppnar": dt.date(2018, 8, 1),
                "Ansökan stänger": dt.date(2018, 10, 26),
                "Ram projekt": 1_000_000,
                "Ram studiebesök": 100_000,
                "Max beviljade per förvaltning": 2,
                "Max belopp projekt": 750_000,
                "Max belopp studiebesök": 25_000,
                "Beslutsdatum": dt.date(2018, 12, 18),
                "Diarienummer": "SoN 2018/123",
                "Status": "Beslutad",
            }
        ],
        ledger_format.ADMINISTRATIONS: [
            {
                "Namn": "Bromma",
                "Fullständigt namn": "Bromma stadsdelsförvaltning",
                "Typ": "Stadsdelsförvaltning",
            },
            {
                "Namn": "Farsta",
                "Fullständigt namn": "Farsta stadsdelsförvaltning",
                "Typ": "Stadsdelsförvaltning",
            },
            {"Namn": "Älvsjö", "Typ": "Stadsdelsförvaltning", "Giltig till": 2020},
            {"Namn": "Hägersten-Älvsjö", "Typ": "Stadsdelsförvaltning", "Giltig från": 2021},
            {"Namn": "Socialförvaltningen", "Typ": "Fackförvaltning"},
        ],
        ledger_format.APPLICATIONS: [
            {
                "Id": "2019-P01",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Medsökande": "Farsta",
                "Namn": "Den ständiga boendefrågan",
                "Syfte": "Kartläggning av osäkra boendeförhållanden.",
                "Projekt": "BR-BOENDE",
                "Projektår": 1,
                "Sökt belopp": 317_000,
                "Utvärdering": "Bör delvis beviljas.",
                "Beviljat belopp": 200_000,
                "Beslut": "Beviljas delvis",
                "Inkom": dt.date(2018, 10, 1),
                "KST": "1002",
                "Betalkonto": "Plusgiro 5 55 13-6",
                "Kontaktperson": "Anna Andersson",
                "E-post": "anna.andersson@example.se",
            },
            {
                "Id": "2019-P02",
                "År": 2019,
                "Typ": "Projekt",
                "Förvaltning": "Farsta",
                "Namn": "Utvärdering av Kristeamet",
                "Sökt belopp": 400_000,
                "Beviljat belopp": 0,
                "Inkom": dt.date(2018, 10, 2),
                "Betalkonto": "Bankgiro 5050-1055",
            },
            {
                "Id": "2019-S01",
                "År": 2019,
                "Typ": "Studiebesök",
                "Förvaltning": "Socialförvaltningen",
                "Namn": "Oslo",
                "Syfte": "Studera mottagande av kvotflyktingar.",
                "Sökt belopp": 25_000,
                "Beviljat belopp": 25_000,
                "Beslut": "Beviljas sökt summa",
                "Inkom": dt.date(2018, 10, 3),
            },
        ],
    }
