"""The rules on single columns, from the format's own column declarations.

:data:`lumledger.ledger_format.COLUMNS` declares every column: whether it is required, its kind
and, for ``Typ`` and ``Status``, the allowed words. :func:`check_columns` applies that declaration
to each parsed sheet, whole columns at a time, and adds the three rules that look at one row of
``Ansökningar``:

* a required column with an empty cell -> ``LUM-E004``
* a negative count or amount -> ``LUM-E007``
* ``Beviljat belopp`` above ``Sökt belopp`` -> ``LUM-E008``
* a word that is not one of the allowed words -> ``LUM-E010``
* ``Projektår`` outside 1–3, or given for a study visit -> ``LUM-E011``
* a ``Betalkonto`` that is no bankgiro or plusgiro number, or fails its check digit -> ``LUM-E016``

The frames come from :mod:`lumledger.workbook.reader`, already parsed: a cell that could not be
parsed was reported there (E003/E013) and gets no second finding here, and a missing column is
one E002.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from lumledger import ledger_format, progress
from lumledger.findings import Finding, closest, finding
from lumledger.ledger import Ledger, Sheet
from lumledger.ledger_format import APPLICATIONS, PROJECT_YEARS, STUDY_VISIT, Kind
from lumledger.money import check_payment_account, luhn_sum, message_kr
from lumledger.rules.registry import Context

PROJECT_YEAR = "Projektår"  # a count with its own rule (E011), not an amount
_COUNTS_AND_AMOUNTS = (Kind.INTEGER, Kind.WHOLE_KR, Kind.KR)


def check_columns(ledger: Ledger, context: Context) -> list[Finding]:
    """E004, E007, E008, E010, E011 and E016, sheet by sheet."""
    out: list[Finding] = []
    for step, sheet in enumerate(ledger.sheets.values()):
        progress.report(f"Kontrollerar {sheet.name}", step / len(ledger.sheets))
        out.extend(_required_values(sheet))
        out.extend(_negative_amounts(sheet))
        out.extend(_allowed_words(sheet))
        if sheet.name == APPLICATIONS:
            out.extend(_granted_above_applied(sheet))
            out.extend(_project_years(sheet))
            out.extend(_payment_accounts(sheet))
    return out


def _rows(sheet: Sheet, column: str, where: Any) -> Iterator[tuple[int, Any]]:
    """``(row, value)`` of ``column`` for the rows of the boolean mask ``where``, leaving out the
    cells that failed parsing (already one finding each)."""
    positions = np.flatnonzero(np.asarray(where, dtype=bool))
    if not positions.size:
        return
    rows = sheet.frame.index[positions].tolist()
    values = sheet.values(column)
    for position, row in zip(positions.tolist(), rows, strict=True):
        if (row, column) not in sheet.invalid:
            yield int(row), values[position]


def _required_values(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E004: an empty cell in a required column."""
    for column in ledger_format.COLUMNS[sheet.name]:
        if not column.required or not sheet.has(column.name):
            continue
        empty = sheet.frame[column.name].isna().to_numpy(dtype=bool)
        for row, _value in _rows(sheet, column.name, empty):
            yield finding(
                "LUM-E004",
                sheet.name,
                sheet.cell(column.name, row),
                row,
                f"{column.name} är tomt men måste fyllas i",
                expected=column.name,
            )


def _negative_amounts(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E007: a count or an amount below zero."""
    for column in ledger_format.COLUMNS[sheet.name]:
        if column.kind not in _COUNTS_AND_AMOUNTS or column.name == PROJECT_YEAR:
            continue
        if not sheet.has(column.name):
            continue
        series = sheet.frame[column.name]
        if column.kind is Kind.KR:  # Decimal objects: compared one by one
            negative = np.fromiter(
                (value is not None and value < 0 for value in sheet.values(column.name)),
                dtype=bool,
                count=len(series),
            )
        else:
            negative = (series < 0).to_numpy(dtype=bool, na_value=False)
        for row, value in _rows(sheet, column.name, negative):
            yield finding(
                "LUM-E007",
                sheet.name,
                sheet.cell(column.name, row),
                row,
                f"{column.name} är negativt ({message_kr(value)})",
                expected=">= 0",
                found=value,
            )


def _allowed_words(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E010: a ``Typ`` or ``Status`` that is not one of the column's allowed words."""
    for column in ledger_format.COLUMNS[sheet.name]:
        if not column.choices or not sheet.has(column.name):
            continue
        series = sheet.frame[column.name]
        other = series.notna().to_numpy(dtype=bool) & ~series.isin(column.choices).to_numpy(
            dtype=bool
        )
        allowed = column.choices
        for row, value in _rows(sheet, column.name, other):
            close = closest(str(value), allowed, 0.5)
            hint = f"; menade du ”{close}”?" if close else ""
            yield finding(
                "LUM-E010",
                sheet.name,
                sheet.cell(column.name, row),
                row,
                f"{column.name} ”{value}” är inte ett av de tillåtna orden ({', '.join(allowed)})"
                f"{hint}",
                expected=" / ".join(allowed),
                found=str(value),
            )


def _granted_above_applied(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E008: ``Beviljat belopp`` greater than ``Sökt belopp``."""
    if not sheet.has("Beviljat belopp"):
        return
    frame = sheet.frame
    above = (frame["Beviljat belopp"] > frame["Sökt belopp"]).to_numpy(dtype=bool, na_value=False)
    applied_values = sheet.values("Sökt belopp")
    positions = {row: i for i, row in enumerate(sheet.rows)} if above.any() else {}
    for row, granted in _rows(sheet, "Beviljat belopp", above):
        applied = applied_values[positions[row]]
        yield finding(
            "LUM-E008",
            sheet.name,
            sheet.cell("Beviljat belopp", row),
            row,
            f"Beviljat belopp ({message_kr(granted)}) är större än sökt belopp "
            f"({message_kr(applied)})",
            expected=applied,
            found=granted,
        )


def _project_years(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E011: ``Projektår`` not 1, 2 or 3, or given for a study visit."""
    if not sheet.has(PROJECT_YEAR):
        return
    frame = sheet.frame
    stated = frame[PROJECT_YEAR].notna().to_numpy(dtype=bool)
    visit = (frame["Typ"] == STUDY_VISIT).to_numpy(dtype=bool, na_value=False)
    outside = ~frame[PROJECT_YEAR].isin(PROJECT_YEARS).to_numpy(dtype=bool)
    for row, year in _rows(sheet, PROJECT_YEAR, stated & (visit | outside)):
        if frame.at[row, "Typ"] == STUDY_VISIT:
            message = f"Projektår ({year}) är angivet för ett studiebesök; lämna det tomt"
            expected: Any = "tomt"
        else:
            message = f"Projektår ({year}) ska vara 1, 2 eller 3"
            expected = "1–3"
        yield finding(
            "LUM-E011",
            sheet.name,
            sheet.cell(PROJECT_YEAR, row),
            row,
            message,
            expected=expected,
            found=year,
        )


def _payment_accounts(sheet: Sheet) -> Iterator[Finding]:
    """LUM-E016: a ``Betalkonto`` that :func:`lumledger.money.check_payment_account` rejects."""
    column = "Betalkonto"
    if not sheet.has(column):
        return
    series = sheet.frame[column]
    present = series.notna().to_numpy(dtype=bool)
    if not present.any():
        return
    # Each distinct account once: an administration's account recurs on its applications.
    codes, distinct = pd.factorize(series[present])
    texts = np.asarray(distinct, dtype=object)  # iterating a pandas string array is slow
    texts = np.fromiter(map(str, texts), dtype=object, count=len(texts))
    failing = present.copy()
    failing[present] = ~accounts_ok(texts)[codes]
    for row, value in _rows(sheet, column, failing):
        yield finding(
            "LUM-E016",
            sheet.name,
            sheet.cell(column, row),
            row,
            f"Betalkontot ”{value}” är inte giltigt: {check_payment_account(str(value)).reason}",
            expected="Bankgiro NNN-NNNN eller Plusgiro N…N-N",
            found=str(value),
        )


def accounts_ok(texts: Any) -> Any:
    """:func:`lumledger.money.check_payment_account` ``.ok`` of each text of an object array, as a
    boolean array. The usual spellings (``Bankgiro 123-4567``, ``1234-5678`` …) are checked as
    arrays, the rest one by one."""
    ok = np.zeros(len(texts), dtype=bool)
    usual, heads, tails = _usual_bankgiro(texts)
    sums = _group_sums()
    ok[usual] = (sums[heads[usual]] + sums[tails[usual]]) % 10 == 0
    for i in np.flatnonzero(~usual).tolist():
        ok[i] = check_payment_account(texts[i]).ok
    return ok


# The usual spellings of a bankgiro number, as check_payment_account reads them: "Bankgiro
# 123-4567", "Bankgiro 1234-5678", "123-4567", "1234-5678" (ASCII digits).
_BANKGIRO_FORMS = tuple((prefix, head) for prefix in ("Bankgiro ", "") for head in (3, 4))


def _usual_bankgiro(texts: Any) -> tuple[Any, Any, Any]:
    """``(usual, heads, tails)`` over an object array of ``str``: which texts have one of the usual
    bankgiro spellings, and the number's two groups (``123``, ``4567``) as integers."""
    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    usual = np.zeros(n, dtype=bool)
    heads = np.zeros(n, dtype=np.int64)
    tails = np.zeros(n, dtype=np.int64)
    for prefix, head in _BANKGIRO_FORMS:
        size = len(prefix) + head + 5
        at = np.flatnonzero(lengths == size)
        if not at.size:
            continue
        chars = np.array(texts[at].tolist(), dtype=f"<U{size}").view(np.uint32)
        chars = chars.reshape(len(at), size)
        start = len(prefix)
        good = chars[:, start + head] == ord("-")
        if prefix:
            good &= np.all(chars[:, :start] == np.array([ord(c) for c in prefix]), axis=1)
        digits = np.concatenate([chars[:, start : start + head], chars[:, start + head + 1 :]], 1)
        digits = digits.astype(np.int64) - ord("0")
        good &= np.all((digits >= 0) & (digits <= 9), axis=1)
        found = at[good]
        usual[found] = True
        heads[found] = digits[good, :head] @ (10 ** np.arange(head - 1, -1, -1))
        tails[found] = digits[good, head:] @ (10 ** np.arange(3, -1, -1))
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
