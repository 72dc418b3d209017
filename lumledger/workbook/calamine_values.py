"""Cell values as python-calamine's ``to_python`` gives them, rebuilt from what fastexcel reports.

fastexcel reports a cell it could not convert to the requested type as a ``CellError`` whose
``detail`` is calamine's own value in Rust's ``Debug`` form, e.g.
``Expected float but got 'String("394 000 kr")'`` or ``... 'DateTime(ExcelDateTime { value:
41553.0, datetime_type: DateTime, is_1904: false })'``. :func:`value_of_detail` turns that back
into the Python value python-calamine 0.9 would have produced for the same cell (its
``CellValue::from``), so lumledger's own per-cell parsers can run on it unchanged.

Dates follow calamine 0.36's ``ExcelDateTime``: serial days from 1899-12-30, one day added below
60 (Excel's 1900 leap-year bug), 1462 days for the 1904 system, milliseconds rounded half away
from zero; python-calamine then gives a ``time`` below 1.0, a ``date`` for a whole number, a
``datetime`` otherwise, and the float itself when the year is outside 1..9999.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

MS_PER_DAY = 86_400_000
I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
EPOCH = dt.datetime(1899, 12, 30)
DAYS_1904 = 1462


class Unconvertible(Exception):
    """A value this module does not rebuild exactly (the caller falls back to the old path)."""


class DateOverflow(Exception):
    """python-calamine would panic on this cell (chrono's Duration out of range)."""


def rust_round(x: float) -> float:
    """``f64::round``: half away from zero."""
    if not math.isfinite(x):
        return x
    return math.copysign(math.floor(abs(x) + 0.5), x)


def as_i64(x: float) -> int:
    """Rust's saturating ``f64 as i64``."""
    if math.isnan(x):
        return 0
    if x >= 9.223372036854775807e18:
        return I64_MAX
    if x <= -9.223372036854775808e18:
        return I64_MIN
    return int(x)


def duration_ms(days: float) -> int:
    """``chrono::Duration::milliseconds((days * MS).round() as i64)`` (panics on i64::MIN)."""
    ms = as_i64(rust_round(days * MS_PER_DAY))
    if ms == I64_MIN:
        raise DateOverflow
    return ms


def _shifted_ms(value: float, is_1904: bool) -> int:
    f = value + DAYS_1904 if is_1904 else value
    f = f if f >= 60.0 else f + 1.0
    return duration_ms(f)


def _datetime_of_ms(ms: int) -> dt.datetime | None:
    """``EPOCH + ms`` as a Python datetime, or None outside years 1..9999."""
    days, rest = divmod(ms, MS_PER_DAY)
    try:
        base = EPOCH + dt.timedelta(days=days)
    except OverflowError:
        return None
    return base + dt.timedelta(milliseconds=rest)


def _ordinal_jan1(year: int) -> int:
    """Proleptic Gregorian day number of January 1 of ``year`` (0001-01-01 is 1)."""
    y = year - 1
    return 365 * y + y // 4 - y // 100 + y // 400 + 1


# chrono's NaiveDate range (0.4.40): -262144-01-01 ..= 262143-12-31, as days from 1899-12-30.
_CHRONO_MIN_DAYS = _ordinal_jan1(-262144) - dt.date(1899, 12, 30).toordinal()
_CHRONO_MAX_DAYS = _ordinal_jan1(262144) - 1 - dt.date(1899, 12, 30).toordinal()


def _time_of_ms(ms: int) -> dt.time | None:
    """``(EPOCH + ms).time()`` as chrono computes it (None outside chrono's dates)."""
    days, rest = divmod(ms, MS_PER_DAY)
    if not _CHRONO_MIN_DAYS <= days <= _CHRONO_MAX_DAYS:
        return None
    seconds, milli = divmod(rest, 1000)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, milli * 1000)


def excel_datetime(value: float, *, duration: bool, is_1904: bool) -> Any:
    """python-calamine's value for a date- or time-formatted number cell."""
    if duration:
        ms = duration_ms(value)
        try:
            return dt.timedelta(milliseconds=ms)
        except OverflowError:
            raise DateOverflow from None
    if value < 1.0:
        time_of_day = _time_of_ms(_shifted_ms(value, is_1904))
        return time_of_day if time_of_day is not None else value
    moment = _datetime_of_ms(_shifted_ms(value, is_1904))
    if moment is None:
        return value
    if math.isfinite(value) and value < 1.8446744073709552e19 and value == float(int(value)):
        return moment.date()
    return moment


_ISO_DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")


def _micro(frac: str | None) -> int:
    return int((frac or "").ljust(9, "0")[:6]) if frac else 0


def iso_datetime(text: str) -> Any:
    """python-calamine's value for an ISO-8601 date cell (``t="d"``), for the common forms."""
    try:
        if "T" in text:
            m = _ISO_DATETIME_RE.match(text)
            if m is None:
                raise Unconvertible(text)
            y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
            return dt.datetime(y, mo, d, h, mi, s, _micro(m.group(7)))
        if ":" in text:
            m = _ISO_TIME_RE.match(text)
            if m is None:
                raise Unconvertible(text)
            return dt.time(int(m[1]), int(m[2]), int(m[3]), _micro(m.group(4)))
        m = _ISO_DATE_RE.match(text)
        if m is None:
            raise Unconvertible(text)
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Unconvertible(text) from None


_DETAIL_RE = re.compile(r"^Expected \w+ but got '(\w+)\((.*)\)'?$", re.S)
_DATETIME_BODY_RE = re.compile(
    r"^ExcelDateTime \{ value: ([^,]+), datetime_type: (\w+), is_1904: (true|false) \}$"
)
_RUST_ESCAPE_RE = re.compile(r"\\(u\{([0-9a-fA-F]{1,6})\}|.)", re.S)
_SIMPLE_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "'": "'", '"': '"', "\\": "\\", "0": "\0"}


def rust_debug_str(body: str) -> str:
    """The string inside Rust's ``{:?}`` of a ``str`` (``"..."`` with escapes)."""
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise Unconvertible(body)

    def unescape(m: re.Match[str]) -> str:
        if m.group(2) is not None:
            return chr(int(m.group(2), 16))
        char = m.group(1)
        if char not in _SIMPLE_ESCAPES:
            raise Unconvertible(body)
        return _SIMPLE_ESCAPES[char]

    return _RUST_ESCAPE_RE.sub(unescape, body[1:-1])


def rust_float(text: str) -> float:
    """Rust's ``{:?}`` of an f64 (``394000.0``, ``1e20``, ``NaN``, ``inf``, ``-0.0``)."""
    return float(text)


def value_of_detail(detail: str) -> tuple[str, Any]:
    """``(calamine variant, python-calamine value)`` of one fastexcel ``CellError.detail``."""
    m = _DETAIL_RE.match(detail)
    if m is None:
        raise Unconvertible(detail)
    kind, body = m.group(1), m.group(2)
    if kind in ("String", "SharedString"):
        return kind, rust_debug_str(body)
    if kind == "Float":
        return kind, rust_float(body)
    if kind == "Int":
        return kind, int(body)
    if kind == "Bool":
        return kind, body == "true"
    if kind == "Error":
        return (
            kind,
            "",
        )  # python-calamine gives an empty string; lumledger.workbook.package finds it
    if kind == "DateTime":
        dm = _DATETIME_BODY_RE.match(body)
        if dm is None:
            raise Unconvertible(detail)
        value = rust_float(dm.group(1))
        return kind, excel_datetime(
            value, duration=dm.group(2) == "TimeDelta", is_1904=dm.group(3) == "true"
        )
    if kind == "DateTimeIso":
        text = rust_debug_str(body)
        try:
            return kind, iso_datetime(text)
        except Unconvertible:
            return kind, text
    raise Unconvertible(detail)  # DurationIso and anything newer: the old path decides
