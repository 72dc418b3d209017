"""The column rules (:mod:`lumledger.rules.schemas`) find what a plain pandera schema finds.

The schemas are tuned for the warm runs (issue 16): only the columns a rule looks at, checks that
answer empty cells themselves (``ignore_na=False``), no copy of the frame, whole-array checks. The
reference here is the plain way to write the same rules: every column of the sheet in the schema,
pandera's defaults, one Python test per cell. Both must give the same failing cells, on generated
ledgers (every injected kind of finding, read by both readers), the fuzz corpus and fuzz cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lumledger import ledger_format
from lumledger.findings import LedgerReadError
from lumledger.ledger import Ledger, Sheet
from lumledger.ledger_format import APPLICATIONS, PROJECT_YEARS, STUDY_VISIT, Kind
from lumledger.money import check_payment_account
from lumledger.rules import schemas
from lumledger.workbook.columnar import read_columnar
from lumledger.workbook.reader import read_ledger_by_cells
from tools import compare_readers, ledgers

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa

COLUMN_CODES = {"LUM-E004", "LUM-E007", "LUM-E008", "LUM-E010", "LUM-E011", "LUM-E016"}


def _empty(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _reference_schema(sheet: Sheet) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for column in ledger_format.COLUMNS[sheet.name]:
        if column.name not in sheet.letters or column.name not in sheet.frame.columns:
            continue
        checks = []
        amount = column.kind in (Kind.INTEGER, Kind.WHOLE_KR, Kind.KR)
        if amount and column.name != "Projektår":
            checks.append(pa.Check(lambda v: not v < 0, element_wise=True, name="LUM-E007"))
        if column.choices:
            words = column.choices
            checks.append(pa.Check(lambda v, w=words: v in w, element_wise=True, name="LUM-E010"))
        if sheet.name == APPLICATIONS and column.name == "Betalkonto":
            checks.append(
                pa.Check(
                    lambda v: check_payment_account(str(v)).ok, element_wise=True, name="LUM-E016"
                )
            )
        columns[column.name] = pa.Column(
            nullable=not column.required, checks=checks, required=False
        )
    frame_checks = []
    if sheet.name == APPLICATIONS:
        if {"Beviljat belopp", "Sökt belopp"} <= set(columns):

            def not_above(row: pd.Series) -> bool:
                granted, applied = row["Beviljat belopp"], row["Sökt belopp"]
                return _empty(granted) or _empty(applied) or not granted > applied

            frame_checks.append(pa.Check(not_above, element_wise=True, name="LUM-E008"))
        if {"Projektår", "Typ"} <= set(columns):

            def year_allowed(row: pd.Series) -> bool:
                year, kind = row["Projektår"], row["Typ"]
                if _empty(year):
                    return True
                return (_empty(kind) or kind != STUDY_VISIT) and year in PROJECT_YEARS

            frame_checks.append(pa.Check(year_allowed, element_wise=True, name="LUM-E011"))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, coerce=False)


def reference_failures(sheet: Sheet) -> set[tuple[str, str, int]]:
    """``(code, column, row)`` of each failing cell, as the plain schema finds them."""
    schema = _reference_schema(sheet)
    if not schema.columns:
        return set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema.validate(sheet.frame[list(schema.columns)], lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return set()
    out: set[tuple[str, str, int]] = set()
    at = {"LUM-E008": "Beviljat belopp", "LUM-E011": "Projektår"}
    for check, column, index in zip(cases["check"], cases["column"], cases["index"], strict=True):
        code = "LUM-E004" if check == "not_nullable" else str(check)
        target = at.get(code, column)
        if _empty(index) or _empty(target):
            continue
        if (int(index), target) not in sheet.invalid:
            out.add((code, str(target), int(index)))
    return out


def _ledgers(folder: Path) -> Iterator[tuple[str, Ledger]]:
    generated = ledgers.write_ledger(folder / "lum-g.xlsx", 2500)
    files = [generated, *compare_readers.small_files()]
    files += list(compare_readers.fuzz_files(5, 40, folder, hostile_only=False))
    for path in files:
        for name, read in (
            ("columns", lambda p: read_columnar(p, refuse_when_open=False, cells_below=0)[0]),
            ("cells", lambda p: read_ledger_by_cells(p, refuse_when_open=False)),
        ):
            try:
                yield f"{path.name} ({name})", read(path)
            except LedgerReadError:
                continue


@pytest.fixture(scope="module")
def read_ledgers(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Ledger]]:
    return list(_ledgers(tmp_path_factory.mktemp("reference")))


def test_the_column_rules_find_what_the_plain_schema_finds(
    read_ledgers: list[tuple[str, Ledger]],
) -> None:
    differing: dict[str, Any] = {}
    codes: set[str] = set()
    for name, ledger in read_ledgers:
        for sheet in ledger.sheets.values():
            expected = reference_failures(sheet)
            found = set(schemas._failures(sheet))
            codes |= {code for code, _column, _row in expected}
            if found != expected:
                differing[f"{name} {sheet.name}"] = (found - expected, expected - found)
    assert differing == {}
    assert codes == COLUMN_CODES  # every rule had something to find


def test_the_comparison_can_fail(read_ledgers: list[tuple[str, Ledger]]) -> None:
    """A schema that loses the check of one column is caught."""
    name, ledger = read_ledgers[0]
    sheet = ledger.sheets[APPLICATIONS]
    present = frozenset(n for n in sheet.letters if n in sheet.frame.columns)
    schema = schemas.schema_for(APPLICATIONS, present)
    checks = schema.columns["Typ"].checks
    schema.columns["Typ"].checks = []
    try:
        assert set(schemas._failures(sheet)) != reference_failures(sheet), name
    finally:
        schema.columns["Typ"].checks = checks
