"""Reconciliation on columns (issue 16, point 2) gives what the record-by-record code gave.

Generated ledgers (``tools/ledgers.py``, with its injected findings) are changed in memory by a
seeded random walk that makes every kind of discrepancy and every reason a check cannot run:
grants blank, zero and wrong; invalid cells; duplicated, unknown, missing and differently cased
Ids; payments, reports and repayments added, dropped and changed (öre included); several
reports per application with equal, later and missing dates; decisions changed, blank, invalid
and for unknown years or types; rounds opened and closed; multi-year projects broken; sheets and
columns missing. The reconciliation's JSON and its three renderings (the terminal, the Excel
sheet and the workbook's tables) were captured from the record-by-record implementation
(commit 5e4677f) into ``tests/data/reconcile_columns/`` and must stay byte for byte the same.

Capture again only when behaviour is meant to change (``python -m tests.test_reconcile_columns
[case …]``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lumledger.ledger import Ledger
from lumledger.ledger_format import (
    APPLICATIONS,
    DECISIONS,
    PAYMENTS,
    REPAYMENTS,
    REPORT_COST_LINES,
    REPORT_INCOME_LINES,
    REPORTS,
    ROUNDS,
)
from lumledger.reconciliation import reconcile
from lumledger.reports.reconciliation_tables import (
    reconciliation_listing,
    reconciliation_sheet,
    reconciliation_workbook,
)
from lumledger.reports.text_writer import render_report
from lumledger.workbook.reader import read_ledger
from tools import ledgers

DATA = Path(__file__).resolve().parent / "data" / "reconcile_columns"

# name -> (rows generated, clean twin, seed of the changes or None, as of)
CASES: dict[str, tuple[int, bool, int | None, dt.date]] = {
    "generated": (600, False, None, dt.date(2026, 12, 1)),
    "clean": (400, True, None, dt.date(2026, 12, 1)),
    "changed-1": (600, False, 1, dt.date(2026, 12, 1)),
    "changed-2": (500, False, 2, dt.date(2021, 2, 28)),
    "changed-3": (700, True, 3, dt.date(2021, 3, 1)),
    "changed-4": (450, False, 4, dt.date(2019, 6, 30)),
    "changed-5": (800, False, 5, dt.date(2027, 3, 1)),
    "changed-6": (300, True, 6, dt.date(2026, 12, 1)),
    "missing-columns": (400, False, 7, dt.date(2026, 12, 1)),
    "missing-sheets": (400, False, 8, dt.date(2026, 12, 1)),
    "nothing-booked": (300, False, 9, dt.date(2026, 12, 1)),
    "no-applications": (200, False, 10, dt.date(2026, 12, 1)),
    "no-reports": (300, False, 11, dt.date(2026, 12, 1)),
}


# --- changing a ledger ------------------------------------------------------------------------------


def _set(ledger: Ledger, sheet: str, row: int, column: str, value: Any) -> None:
    frame = ledger.sheets[sheet].frame
    frame.loc[row, column] = pd.NA if value is None and column not in _OBJECT[sheet] else value


_OBJECT: dict[str, set[str]] = {
    PAYMENTS: {"Belopp"},
    REPAYMENTS: {"Belopp"},
    REPORTS: {
        "Beviljat belopp",
        "Egen insats",
        "Övriga intäkter",
        "Summa intäkter",
        "Personalkostnader",
        "Administrativa kostnader",
        "Utbildningskostnader",
        "Övriga kostnader",
        "Summa kostnader",
        "Ej förbrukat",
    },
    APPLICATIONS: set(),
    DECISIONS: set(),
    ROUNDS: set(),
}


def _invalid(ledger: Ledger, sheet: str, row: int, column: str) -> None:
    _set(ledger, sheet, row, column, None)
    ledger.sheets[sheet].invalid.add((row, column))


def _append(ledger: Ledger, sheet: str, rows: list[int]) -> list[int]:
    """Copy ``rows`` of ``sheet`` to new rows at its end; returns the new rows."""
    table = ledger.sheets[sheet]
    frame = table.frame
    start = int(frame.index.max()) + 1 if len(frame) else 2
    new = list(range(start, start + len(rows)))
    copied = frame.loc[rows].copy()
    copied.index = pd.Index(new, name="row", dtype="int64")
    table.frame = pd.concat([frame, copied])
    return new


def _drop(ledger: Ledger, sheet: str, rows: list[int]) -> None:
    table = ledger.sheets[sheet]
    table.frame = table.frame.drop(index=rows)
    table.invalid = {(r, c) for r, c in table.invalid if r not in set(rows)}


def _amount(rng: random.Random, around: Any) -> Decimal | None:
    base = int(around) if isinstance(around, Decimal | int) else rng.randrange(0, 500_000)
    return rng.choice(
        [
            Decimal(base),
            Decimal(base + rng.randrange(-20_000, 20_000)),
            Decimal(base) + Decimal("0.50"),
            Decimal(f"{rng.randrange(0, 90_000)}.{rng.randrange(1, 99):02d}"),
            Decimal(0),
            None,
        ]
    )


def _rows(ledger: Ledger, sheet: str) -> list[int]:
    return [int(r) for r in ledger.sheets[sheet].frame.index]


def change(ledger: Ledger, seed: int) -> None:
    """Every kind of discrepancy, at random rows (``seed``)."""
    rng = random.Random(seed)
    apps = _rows(ledger, APPLICATIONS)
    frame = ledger.sheets[APPLICATIONS].frame

    def some(rows: list[int], share: float) -> list[int]:
        return rng.sample(rows, max(1, int(len(rows) * share))) if rows else []

    ids = {r: frame.loc[r, "Id"] for r in apps}
    for r in some(apps, 0.04):
        _set(ledger, APPLICATIONS, r, "Beviljat belopp", rng.choice([None, 0, 12_345, 400_000]))
    for r in some(apps, 0.02):
        # An unreadable År keeps every decision figure from being compared: odd seeds only.
        columns = ["Beviljat belopp", "Förvaltning", *(["År"] if seed % 2 else [])]
        _invalid(ledger, APPLICATIONS, r, rng.choice(columns))
    for r in some(apps, 0.01):
        columns = ["Sökt belopp", "Tidigare beviljat", *(["Typ"] if seed % 2 else [])]
        _invalid(ledger, APPLICATIONS, r, rng.choice(columns))
    for r in some(apps, 0.02):  # an Id twice, written differently
        other = rng.choice(apps)
        if isinstance(ids[other], str):
            _set(ledger, APPLICATIONS, r, "Id", f" {ids[other].lower()} ")
    for r in some(apps, 0.01):
        _set(ledger, APPLICATIONS, r, "Id", None)
    for r in some(apps, 0.01):
        _set(ledger, APPLICATIONS, r, "Typ", rng.choice(["projekt ", "Studieresa", None]))
    for r in some(apps, 0.01):
        _set(ledger, APPLICATIONS, r, "År", rng.choice([2009, 2015, 2031, None]))
    for r in some(apps, 0.02):
        _set(ledger, APPLICATIONS, r, "Tidigare beviljat", rng.choice([None, 0, 250_000, 1]))
    for r in some(apps, 0.02):
        _set(ledger, APPLICATIONS, r, "Projektår", rng.choice([None, 1, 2, 3, 5]))
    for r in some(apps, 0.01):
        project = frame.loc[r, "Projekt"]
        _set(ledger, APPLICATIONS, r, "Projekt", None if rng.random() < 0.5 else project)
    for r in some(apps, 0.01):
        name = frame.loc[r, "Förvaltning"]
        if isinstance(name, str):
            _set(ledger, APPLICATIONS, r, "Förvaltning", f" {name.upper()}")

    for sheet in (PAYMENTS, REPAYMENTS):
        rows = _rows(ledger, sheet)
        _append(ledger, sheet, some(rows, 0.03))
        _drop(ledger, sheet, some(rows, 0.03))
        rows = _rows(ledger, sheet)
        for r in some(rows, 0.05):
            _set(
                ledger,
                sheet,
                r,
                "Belopp",
                _amount(rng, ledger.sheets[sheet].frame.loc[r, "Belopp"]),
            )
        for r in some(rows, 0.01):
            _invalid(ledger, sheet, r, "Belopp")
        for r in some(rows, 0.02):
            other = ids[rng.choice(apps)]
            _set(
                ledger,
                sheet,
                r,
                "Id",
                rng.choice(["2099-X01", None, other.upper() if isinstance(other, str) else None]),
            )
        extra = _append(ledger, sheet, some(rows, 0.01))  # for applications that have none
        for r in extra:
            other = ids[rng.choice(apps)]
            _set(ledger, sheet, r, "Id", other if isinstance(other, str) else "2098-Y01")

    rows = _rows(ledger, REPORTS)
    _drop(ledger, REPORTS, some(rows, 0.05))
    rows = _rows(ledger, REPORTS)
    again = _append(ledger, REPORTS, some(rows, 0.05))  # a second report for the same project
    reports = ledger.sheets[REPORTS].frame
    for r in again:
        when = reports.loc[r, "Inlämnad"]
        choice = rng.random()
        if choice < 0.3:
            _set(ledger, REPORTS, r, "Inlämnad", pd.NaT)
        elif choice < 0.6 and not pd.isna(when):
            _set(ledger, REPORTS, r, "Inlämnad", when + pd.Timedelta(days=rng.choice([-9, 9])))
    rows = _rows(ledger, REPORTS)
    lines = [*REPORT_INCOME_LINES, *REPORT_COST_LINES]
    for r in some(rows, 0.08):
        column = rng.choice([*lines, "Summa intäkter", "Summa kostnader", "Ej förbrukat"])
        _set(ledger, REPORTS, r, column, _amount(rng, ledger.sheets[REPORTS].frame.loc[r, column]))
    for r in some(rows, 0.03):
        column = "Beviljat belopp"
        _set(ledger, REPORTS, r, column, _amount(rng, ledger.sheets[REPORTS].frame.loc[r, column]))
    for r in some(rows, 0.02):
        _invalid(ledger, REPORTS, r, rng.choice([*lines, "Ej förbrukat", "Beviljat belopp"]))
    for r in some(rows, 0.02):
        other = ids[rng.choice(apps)]
        _set(ledger, REPORTS, r, "Id", rng.choice(["2097-Z01", None, other]))
    for r in some(rows, 0.01):
        _set(ledger, REPORTS, r, "Inlämnad", pd.NaT)

    decisions = _rows(ledger, DECISIONS)
    columns = ["Antal ansökningar", "Antal förvaltningar", "Summa sökt", "Summa beviljat"]
    for r in some(decisions, 0.15):
        column = rng.choice(columns)
        value = ledger.sheets[DECISIONS].frame.loc[r, column]
        _set(ledger, DECISIONS, r, column, None if pd.isna(value) else int(value) + 1)
    for r in some(decisions, 0.05):
        _invalid(ledger, DECISIONS, r, rng.choice(columns))
    for r in some(decisions, 0.05):
        _set(ledger, DECISIONS, r, rng.choice(["År", "Typ"]), None)
    _drop(ledger, DECISIONS, some(decisions, 0.05))
    _append(ledger, DECISIONS, some(_rows(ledger, DECISIONS), 0.05))

    for r in some(_rows(ledger, ROUNDS), 0.1):
        _set(ledger, ROUNDS, r, "Status", rng.choice([None, "Öppen", "Stängd", "Beslutad"]))


def _missing_columns(ledger: Ledger) -> None:
    for sheet, column in (
        (REPORTS, "Ej förbrukat"),
        (REPORTS, "Summa intäkter"),
        (APPLICATIONS, "Förvaltning"),
        (APPLICATIONS, "Projekt"),
        (DECISIONS, "Summa sökt"),
    ):
        table = ledger.sheets[sheet]
        table.frame[column] = pd.NA if column not in _OBJECT[sheet] else None
        del table.letters[column]
        table.invalid = {(r, c) for r, c in table.invalid if c != column}


#: The generator's version the references were captured with: another version writes other
#: ledgers, and the references must then be captured again (from code known to be right).
CAPTURED_WITH_GENERATOR = 2


def build(name: str, folder: Path) -> tuple[Ledger, dt.date]:
    assert ledgers.GENERATOR_VERSION == CAPTURED_WITH_GENERATOR, "capture the references again"
    rows, clean, seed, as_of = CASES[name]
    path = ledgers.write_ledger(folder / f"{name}.xlsx", rows, clean=clean)
    ledger = read_ledger(path)
    if seed is not None:
        change(ledger, seed)
    extra: dict[str, Callable[[Ledger], None]] = {
        "missing-columns": _missing_columns,
        "missing-sheets": lambda led: [led.sheets.pop(s) for s in (REPAYMENTS, DECISIONS)],
        "nothing-booked": lambda led: [
            _drop(led, s, _rows(led, s)) for s in (PAYMENTS, REPORTS, REPAYMENTS)
        ],
        "no-applications": lambda led: led.sheets.pop(APPLICATIONS),
        "no-reports": lambda led: [led.sheets.pop(s) for s in (REPORTS, PAYMENTS)],
    }
    if name in extra:
        extra[name](ledger)
    return ledger, as_of


def outputs(ledger: Ledger, as_of: dt.date) -> str:
    """The reconciliation as JSON and as the three renderings of its tables."""
    result = reconcile(ledger, as_of)
    parts = [
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str),
        render_report(reconciliation_listing(result)),
        render_report(reconciliation_sheet(result)),
        render_report(reconciliation_workbook(result)),
    ]
    return "\n=====\n".join(parts)


def _reference(name: str) -> Path:
    return DATA / f"{name}.txt.gz"


@pytest.mark.parametrize("name", list(CASES))
def test_reconciliation_is_what_the_records_gave(name: str, tmp_path: Path) -> None:
    ledger, as_of = build(name, tmp_path)
    found = outputs(ledger, as_of)
    wanted = gzip.decompress(_reference(name).read_bytes()).decode("utf-8")
    if found != wanted:  # show the first lines that differ, not two large texts
        import difflib

        diff = list(difflib.unified_diff(wanted.splitlines(), found.splitlines(), lineterm=""))
        pytest.fail("\n".join(diff[:60]))


def test_the_changes_make_every_code_and_many_reasons() -> None:
    """The captured outputs exercise every reconciliation code and the ways a check is skipped
    (so that the comparison above can fail for each)."""
    codes: set[str] = set()
    causes: set[str] = set()
    for name in CASES:
        data = json.loads(
            gzip.decompress(_reference(name).read_bytes()).decode("utf-8").split("\n=====\n")[0]
        )
        codes |= {f["code"] for f in data["findings"]}
        causes |= {n["reason"].split(": ", 1)[-1][:25] for n in data["not_run"]}
    assert {f"LUM-R{n:03d}" for n in range(1, 12)} <= codes
    assert len(causes) >= 25


def capture(folder: Path, names: list[str]) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name in names or CASES:
        ledger, as_of = build(name, folder)
        text = outputs(ledger, as_of)
        _reference(name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        print(name, len(text))


if __name__ == "__main__":  # python -m tests.test_reconcile_columns: capture the references
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        capture(Path(tmp), sys.argv[1:])
    sys.exit(0)


def test_the_terminal_listing_builds_no_record_per_row(tmp_path: Path) -> None:
    """On a ledger without budgets or forms, reconciling and printing the terminal listing builds
    no record per application, payment or report (the large path stays on columns): only the
    statements printed are built, one by one."""
    ledger, as_of = build("changed-5", tmp_path)
    result = reconcile(ledger, as_of)
    render_report(reconciliation_listing(result))
    built = {"applications", "payments", "repayments", "reports", "accounts", "projects"}
    assert built.isdisjoint(vars(ledger)), sorted(built & set(vars(ledger)))
    assert result.open_years and any(year.open_ids for year in result.open_years)
    assert result._statements is None  # no statement built beyond those printed
    assert len(result.statements) == len(result.statement_table) > 0
