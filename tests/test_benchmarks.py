"""The benchmark (``benchmarks/run.py``) runs end to end on a tiny ledger. No timing is asserted:
the figures of issue 8 come from running it by hand (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def test_generated_ledger_has_every_column_and_some_findings(tmp_path: Path) -> None:
    from lumledger.ledger_format import BUDGET, COLUMNS, FORM_COLUMNS, INPUT_SHEETS
    from lumledger.validation import validate_path
    from tools import ledgers

    path = ledgers.write_ledger(tmp_path / "lum.xlsx", 400)
    result = validate_path(path)
    for sheet in INPUT_SHEETS:
        table = result.ledger.sheet(sheet)
        if sheet == BUDGET:  # generated ledgers are format-1 ledgers, without the forms' additions
            assert table is None
            continue
        assert table is not None, sheet
        expected = {c.name for c in COLUMNS[sheet]} - {"Beviljat vid beslut"}
        expected -= set(FORM_COLUMNS.get(sheet, ()))
        assert expected <= set(table.letters), sheet
    assert len(result.ledger.frame("Ansökningar")) == 400
    codes = {f.code for f in result.findings}
    assert {"LUM-E009", "LUM-E014"} <= codes and len(codes) >= 6
    assert len({f.row for f in result.findings if f.sheet == "Ansökningar"}) < 400 * 0.1

    clean = validate_path(ledgers.write_ledger(tmp_path / "clean.xlsx", 400, clean=True))
    assert clean.findings == []


@pytest.mark.slow
def test_benchmark_script_runs_and_writes_every_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run.py"),
            "--sizes",
            "200",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--warm-repeat",
            "1",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=True,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    labels = {row["ratio"] for row in result["ratios"]}
    assert {"start-up", "validate example"} <= labels
    for command in ("validate 200 rows", "reconcile 200 rows", "rollup 200 rows (clean)"):
        assert {f"{command} vs polars", f"{command} vs calamine"} <= labels
    for row in result["ratios"]:
        assert row["time_ratio"] > 0 and row["memory_ratio"] > 0 and row["cpu_ratio"] > 0
        assert row["ratio"] in done.stdout
    assert set(result["cases"]["polars 200"]["exit_status"]) == {0}
    warm = result["warm_runs"]["buttons"]
    assert set(warm) == {
        "validate",
        "rollup",
        "reconcile",
        "export",
        "new_round",
        "decide",
        "close",
    }
    assert all(figures["warm_ms"] > 0 for figures in warm.values())
    assert "warm run" in done.stdout
    assert set(result["cases"]["validate 200"]["exit_status"]) == {1}  # findings
    assert set(result["cases"]["rollup clean 200"]["exit_status"]) == {0}
    assert result["machine"]["cores"]
