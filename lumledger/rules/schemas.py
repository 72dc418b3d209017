"""The rules on single columns, as pandera schemas made from the format's own column declarations.

:data:`lumledger.ledger_format.COLUMNS` declares every column: whether it is required, its kind
and, for ``Typ`` and ``Status``, the allowed words. :func:`schema_for` turns that declaration into
one ``pandera.DataFrameSchema`` per sheet (the columns it has that a rule looks at), each check
named by the rule code it proves (pandera's ``Check(..., name=...)``), and :func:`check_columns`
validates every sheet lazily and turns pandera's failure cases (index = Excel row) into findings
at their cells:

* ``nullable=False`` on a required column -> ``LUM-E004``
* a negative count or amount -> ``LUM-E007``
* ``Beviljat belopp`` above ``Sökt belopp`` -> ``LUM-E008`` (a check on the frame)
* a word that is not one of the allowed words (``isin``) -> ``LUM-E010``
* ``Projektår`` outside 1–3, or given for a study visit -> ``LUM-E011`` (one check on the frame)
* a ``Betalkonto`` that is no bankgiro or plusgiro number, or fails its check digit -> ``LUM-E016``

The frames come from :mod:`lumledger.workbook.reader`, already parsed: a cell that could not be
parsed was reported there (E003/E013) and gets no second finding here, and a missing column is
one E002 (its column is left out of the schema). This is the only module that imports pandera.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa

from lumledger import ledger_format, progress
from lumledger.findings import Finding, closest, finding
from lumledger.ledger import Ledger, Sheet, column_values
from lumledger.ledger_format import APPLICATIONS, PROJECT_YEARS, STUDY_VISIT, Column, Kind
from lumledger.money import check_payment_account, luhn_sum, message_kr
from lumledger.rules.registry import Context

PROJECT_YEAR = "Projektår"  # a count with its own rule (E011), not an amount
_COUNTS_AND_AMOUNTS = (Kind.INTEGER, Kind.WHOLE_KR, Kind.KR)
_NOT_NULLABLE = "not_nullable"  # pandera's name for a nullable=False failure
# The column a check on the whole frame points at, and the columns it reads.
_FRAME_CHECK_COLUMNS = {"LUM-E008": "Beviljat belopp", "LUM-E011": PROJECT_YEAR}
_FRAME_CHECK_READS = {
    "LUM-E008": ("Beviljat belopp", "Sökt belopp"),
    "LUM-E011": (PROJECT_YEAR, "Typ"),
}


def check_columns(ledger: Ledger, context: Context) -> list[Finding]:
    """E004, E007, E008, E010, E011 and E016, sheet by sheet."""
    out: list[Finding] = []
    for step, sheet in enumerate(ledger.sheets.values()):
        progress.report(f"Kontrollerar {sheet.name}", step / len(ledger.sheets))
        out.extend(_findings(sheet))
    return out


# --- the schemas --------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a sheet's schema per set of columns present: a handful per format
def schema_for(sheet: str, present: frozenset[str]) -> pa.DataFrameSchema:
    """The pandera schema of ``sheet`` for the columns it has (``present``): the columns a rule
    looks at (required, or with a check); a column that may be empty and has no check could never
    fail, and pandera's per-column machinery costs the same for it."""
    columns: dict[str, pa.Column] = {}
    for column in ledger_format.COLUMNS[sheet]:
        checks = _column_checks(sheet, column)
        if column.name in present and (column.required or checks):
            columns[column.name] = pa.Column(
                nullable=not column.required, checks=checks, required=False
            )
    frame_checks: list[pa.Check] = []
    if sheet == APPLICATIONS:
        for code, function in (
            ("LUM-E008", _granted_not_above_applied),
            ("LUM-E011", _project_year_allowed),
        ):
            if set(_FRAME_CHECK_READS[code]) <= present:
                frame_checks.append(_check(function, code))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, coerce=False)


@lru_cache(maxsize=64)
def _columns_read(sheet: str, present: frozenset[str]) -> tuple[str, ...]:
    """The columns :func:`schema_for` looks at (its columns and those its frame checks read), in
    the format's order: the frame pandera validates."""
    schema = schema_for(sheet, present)
    read = set(schema.columns)
    for check in schema.checks:
        read.update(_FRAME_CHECK_READS[check.name])
    return tuple(column.name for column in ledger_format.COLUMNS[sheet] if column.name in read)


def _check(function: Callable[[Any], Any], code: str) -> pa.Check:
    """A check named by its rule code. Each check answers every row itself (an empty cell
    passes), so pandera need not drop the empty cells first or look for all-empty rows
    (``ignore_na``): a copy of the column, or a scan of the whole frame, per check."""
    return pa.Check(function, name=code, ignore_na=False)


def _column_checks(sheet: str, column: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.kind in _COUNTS_AND_AMOUNTS and column.name != PROJECT_YEAR:
        checks.append(_check(_not_negative, "LUM-E007"))
    if column.choices:
        checks.append(_check(_one_of(column.choices), "LUM-E010"))
    if sheet == APPLICATIONS and column.name == "Betalkonto":
        checks.append(_check(_accounts_pass, "LUM-E016"))
    return checks


def _not_negative(series: pd.Series) -> Any:
    if series.dtype == object:  # Decimal öre amounts: numpy compares the objects in one C loop
        values = series.to_numpy(dtype=object)
        present = pd.notna(values)
        negative = np.zeros(len(values), dtype=bool)
        try:
            negative[present] = values[present] < 0
        except (TypeError, ArithmeticError):  # not only Decimals (a NaN): one by one
            negative = np.fromiter(
                (value is not None and value == value and value < 0 for value in values),
                dtype=bool,
                count=len(values),
            )
        return pd.Series(~negative, index=series.index)
    if isinstance(series.dtype, pd.Int64Dtype):  # whole kronor: an empty cell reads as 0
        return pd.Series(series.to_numpy(dtype=np.int64, na_value=0) >= 0, index=series.index)
    return pd.Series(~_flags(series < 0), index=series.index)


def _one_of(words: tuple[str, ...]) -> Callable[[pd.Series], Any]:
    """A check that a text is one of ``words`` (an empty cell passes). pandera's own ``isin``
    reports itself by its arguments, not by the name it is given, so the rule code would be lost."""

    def one_of(series: pd.Series) -> Any:
        if isinstance(series.array, pd.arrays.ArrowStringArray):  # the reader's texts: in Arrow
            import pyarrow as pa
            import pyarrow.compute as pc

            texts = pa.array(series.array)
            allowed = pc.or_(
                pc.is_in(texts, value_set=pa.array(words, texts.type)), texts.is_null()
            )
            return pd.Series(allowed.to_numpy(zero_copy_only=False), index=series.index)
        return series.isin(words) | series.isna()

    return one_of


def _flags(series: pd.Series) -> Any:
    """A boolean column as a numpy array, an unknown (an empty cell compared) as False."""
    return series.to_numpy(dtype=bool, na_value=False)


def _granted_not_above_applied(frame: pd.DataFrame) -> Any:
    above = _flags(frame["Beviljat belopp"] > frame["Sökt belopp"])
    return pd.Series(~above, index=frame.index)


def _project_year_allowed(frame: pd.DataFrame) -> Any:
    """Projektår is 1, 2 or 3, and only on a project (blank passes)."""
    years = frame[PROJECT_YEAR]
    stated = years.notna().to_numpy(dtype=bool)
    visit = _flags(frame["Typ"] == STUDY_VISIT)
    allowed = _flags(years.isin(PROJECT_YEARS))
    return pd.Series(~(stated & (visit | ~allowed)), index=frame.index)


def _accounts_pass(series: pd.Series) -> Any:
    """Every account checked as whole arrays (see :func:`accounts_ok`); an empty cell passes."""
    present = series.notna().to_numpy(dtype=bool)
    ok = np.ones(len(series), dtype=bool)
    if present.any():
        ok[present] = accounts_ok(series[present])
    return pd.Series(ok, index=series.index)


# --- failure cases as findings ------------------------------------------------------------------


def _failures(sheet: Sheet) -> Iterator[tuple[str, str, int]]:
    """``(code, column, row)`` of each failing cell, once, leaving out the cells that failed
    parsing (the reader reported them)."""
    present = frozenset(name for name in sheet.letters if name in sheet.frame.columns)
    read = _columns_read(sheet.name, present)
    if not read or sheet.frame.empty:  # no rows: no cell can fail
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # inplace: the frame is this call's own selection, and the schema changes nothing
            # (no coercion, defaults or parsers), so pandera need not copy it again.
            schema_for(sheet.name, present).validate(
                sheet.frame[list(read)], lazy=True, inplace=True
            )
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return
    # pandera reports a check on the frame once per column: the cases are deduplicated as
    # arrays, and only the distinct failing cells are looked at one by one.
    checks = cases["check"].astype(str)
    codes = checks.where(checks != _NOT_NULLABLE, "LUM-E004")
    columns = cases["column"].astype(object).where(cases["column"].notna(), None)
    targets = codes.map(_FRAME_CHECK_COLUMNS).astype(object)
    targets = targets.where(targets.notna(), columns)
    rows = pd.to_numeric(cases["index"], errors="coerce")
    keep = codes.str.startswith("LUM-") & rows.notna() & targets.notna()
    found = pd.DataFrame(
        {"code": codes[keep], "target": targets[keep].astype(str), "row": rows[keep].astype(int)}
    ).drop_duplicates()
    invalid = sheet.invalid
    for code, target, row in zip(found["code"], found["target"], found["row"], strict=True):
        if (row, target) not in invalid:
            yield code, target, row


def _findings(sheet: Sheet) -> Iterator[Finding]:
    cases = sorted(_failures(sheet), key=lambda case: (case[2], case[0]))
    if not cases:
        return
    # The values of the rows with findings only (not the whole column as Python objects).
    rows = sorted({row for _code, _column, row in cases})
    position = {row: i for i, row in enumerate(rows)}
    at = sheet.frame.index.get_indexer(pd.Index(rows))
    values: dict[str, list[Any]] = {}

    def value(column: str, row: int) -> Any:
        if column not in values:
            values[column] = column_values(sheet.frame[[column]].take(at), sheet.name, column)
        return values[column][position[row]]

    for code, column, row in cases:
        yield _MESSAGES[code](sheet, column, row, value)


Value = Callable[[str, int], Any]


def _required(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    return finding(
        "LUM-E004",
        sheet.name,
        sheet.cell(column, row),
        row,
        f"{column} är tomt men måste fyllas i",
        expected=column,
    )


def _negative(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    amount = value(column, row)
    return finding(
        "LUM-E007",
        sheet.name,
        sheet.cell(column, row),
        row,
        f"{column} är negativt ({message_kr(amount)})",
        expected=">= 0",
        found=amount,
    )


def _granted_above_applied(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    granted, applied = value("Beviljat belopp", row), value("Sökt belopp", row)
    return finding(
        "LUM-E008",
        sheet.name,
        sheet.cell("Beviljat belopp", row),
        row,
        f"Beviljat belopp ({message_kr(granted)}) är större än sökt belopp ({message_kr(applied)})",
        expected=applied,
        found=granted,
    )


def _not_allowed(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    word = value(column, row)
    allowed = ledger_format.column(sheet.name, column).choices
    close = closest(str(word), allowed, 0.5)
    hint = f"; menade du ”{close}”?" if close else ""
    return finding(
        "LUM-E010",
        sheet.name,
        sheet.cell(column, row),
        row,
        f"{column} ”{word}” är inte ett av de tillåtna orden ({', '.join(allowed)}){hint}",
        expected=" / ".join(allowed),
        found=str(word),
    )


def _project_year(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    year = value(PROJECT_YEAR, row)
    expected: Any
    if value("Typ", row) == STUDY_VISIT:
        message = f"Projektår ({year}) är angivet för ett studiebesök; lämna det tomt"
        expected = "tomt"
    else:
        message = f"Projektår ({year}) ska vara 1, 2 eller 3"
        expected = "1–3"
    return finding(
        "LUM-E011",
        sheet.name,
        sheet.cell(PROJECT_YEAR, row),
        row,
        message,
        expected=expected,
        found=year,
    )


def _bad_account(sheet: Sheet, column: str, row: int, value: Value) -> Finding:
    account = str(value(column, row))
    return finding(
        "LUM-E016",
        sheet.name,
        sheet.cell(column, row),
        row,
        f"Betalkontot ”{account}” är inte giltigt: {check_payment_account(account).reason}",
        expected="Bankgiro NNN-NNNN eller Plusgiro N…N-N",
        found=account,
    )


_MESSAGES: dict[str, Callable[[Sheet, str, int, Value], Finding]] = {
    "LUM-E004": _required,
    "LUM-E007": _negative,
    "LUM-E008": _granted_above_applied,
    "LUM-E010": _not_allowed,
    "LUM-E011": _project_year,
    "LUM-E016": _bad_account,
}


# --- bankgiro and plusgiro numbers, whole arrays at a time --------------------------------------


def accounts_ok(texts: Any) -> Any:
    """:func:`lumledger.money.check_payment_account` ``.ok`` of each text (an object array or a
    text column; other values as ``str()`` writes them), as a boolean array. The usual spellings
    (``Bankgiro 123-4567``, ``1234-5678`` …) are checked as arrays of bytes, the rest one call per
    distinct text (an administration's account recurs on its rows)."""
    array = _large_strings(texts)
    ok = np.zeros(len(array), dtype=bool)
    usual, heads, tails = _usual_bankgiro(array)
    sums = _group_sums()
    ok[usual] = (sums[heads[usual]] + sums[tails[usual]]) % 10 == 0
    others = np.flatnonzero(~usual)
    if len(others):
        verdicts: dict[str, bool] = {}
        for i, text in zip(others.tolist(), array.take(others).to_pylist(), strict=True):
            verdict = verdicts.get(text)
            if verdict is None:
                verdict = verdicts[text] = check_payment_account(text).ok
            ok[i] = verdict
    return ok


def _large_strings(texts: Any) -> Any:
    """``texts`` as one Arrow ``large_string`` array (a text column's without a copy)."""
    import pyarrow as pa

    if isinstance(texts, pd.Series) and isinstance(texts.dtype, pd.StringDtype):
        try:
            array = pa.array(texts.array)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = None
        if array is not None:
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            return array.cast(pa.large_string())
    values = np.asarray(texts, dtype=object)
    return pa.array([v if isinstance(v, str) else str(v) for v in values], type=pa.large_string())


# The usual spellings of a bankgiro number, as check_payment_account reads them: "Bankgiro
# 123-4567", "Bankgiro 1234-5678", "123-4567", "1234-5678" (ASCII digits).
_BANKGIRO_FORMS = tuple((prefix, head) for prefix in ("Bankgiro ", "") for head in (3, 4))


def _usual_bankgiro(array: Any) -> tuple[Any, Any, Any]:
    """``(usual, heads, tails)`` over an Arrow ``large_string`` array without nulls: which texts
    have one of the usual bankgiro spellings, and the number's two groups (``123``, ``4567``) as
    integers. The texts' UTF-8 bytes are compared in place: a usual spelling is ASCII, so its
    length in bytes is its length in letters."""
    n = len(array)
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64, count=n + 1, offset=array.offset * 8)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else None
    lengths = np.diff(offsets)
    usual = np.zeros(n, dtype=bool)
    heads = np.zeros(n, dtype=np.int64)
    tails = np.zeros(n, dtype=np.int64)
    for prefix, head in _BANKGIRO_FORMS:
        size = len(prefix) + head + 5
        at = np.flatnonzero(lengths == size)
        if not at.size or data is None:
            continue
        chars = data[offsets[at][:, None] + np.arange(size)]  # one row of bytes per text
        start = len(prefix)
        good = chars[:, start + head] == ord("-")
        if prefix:
            good &= np.all(chars[:, :start] == np.frombuffer(prefix.encode(), np.uint8), axis=1)
        digit_columns = [*range(start, start + head), *range(start + head + 1, size)]
        digits = chars[:, digit_columns] - np.uint8(ord("0"))  # wraps below "0": > 9
        good &= np.all(digits <= 9, axis=1)
        found = at[good]
        digits = digits[good].astype(np.int64)
        usual[found] = True
        heads[found] = digits[:, :head] @ (10 ** np.arange(head - 1, -1, -1))
        tails[found] = digits[:, head:] @ (10 ** np.arange(3, -1, -1))
    return usual, heads, tails


@cache
def _group_sums() -> Any:
    """``money.luhn_sum`` of every group of four digits (``0000``–``9999``), by its value.

    A bankgiro number's Luhn sum is the sum of its two groups' sums: the last group has four
    digits, so the first group's digits keep their places (doubled or not) — and a leading zero
    adds nothing, so ``123`` sums as ``0123``."""
    return np.fromiter(
        (luhn_sum(f"{number:04d}") for number in range(10_000)), dtype=np.int64, count=10_000
    )
