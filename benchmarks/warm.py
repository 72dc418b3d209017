"""Warm runs: every button's work on the example, a second time in the same process.

    python benchmarks/warm.py [EXAMPLE] [--out warm.json] [--repeat 5]

The Excel hosts that keep Python alive (the desktop UDF server, xlwings Lite, ``lumledger serve``)
pay the imports once; what an officer waits for on the second click is the work itself. Each
button's work goes through :mod:`lumledger.api` (what the buttons call): once cold (imports, first
pandera schemas …), then ``--repeat`` more times; the figure is the median of the warm runs, in
milliseconds, wall and CPU. The budget-cycle buttons write into the ledger, so each of their runs
gets a fresh copy of the example (the copy is not timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
YEAR = 2019  # the example's first round: it has decisions, payments and reports
NEXT_YEAR = 2022  # the round the example does not have yet


def buttons(example: Path, work: Path) -> dict[str, Callable[[Path], Any]]:
    """Each button's work, as a call on a ledger path (the cycle's on a fresh copy)."""
    from lumledger import api

    def copy(path: Path) -> Path:
        return Path(shutil.copy(path, work / f"copy-{time.perf_counter_ns()}.xlsx"))

    return {
        "validate": lambda path: api.validate(path),
        "rollup": lambda path: api.rollup(path),
        "reconcile": lambda path: api.reconcile(path, as_of=dt.date(2021, 6, 30)),
        "export": lambda path: api.export(path, YEAR, work / "export"),
        "new_round": lambda path: api.new_round(path, NEXT_YEAR),
        "decide": lambda path: api.decide(path, NEXT_YEAR, decided_on=dt.date(2021, 12, 14)),
        "close": lambda path: api.close(path, NEXT_YEAR, as_of=dt.date(2022, 12, 31)),
        "_copy": copy,
    }


def _cpu() -> float:
    """CPU seconds of this process, every thread (user + system), to the microsecond
    (``os.times`` counts in clock ticks of 10 ms: too coarse for a 50 ms budget)."""
    return time.process_time()


def measure(example: Path, repeat: int) -> dict[str, dict[str, Any]]:
    from lumledger.cycle import CycleRefusal

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lumledger-warm-") as folder:
        work = Path(folder)
        calls = buttons(example, work)
        copy = calls.pop("_copy")
        writes = {"new_round", "decide", "close"}
        for name, call in calls.items():
            walls: list[float] = []
            outcome = ""
            cpus: list[float] = []
            for _ in range(repeat + 1):
                path = copy(example) if name in writes else example
                wall, cpu = time.perf_counter(), _cpu()
                try:
                    call(path)
                except CycleRefusal as refusal:  # the button shows it; the work is done
                    outcome = f"refused: {refusal}"
                else:
                    outcome = "done"
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((_cpu() - cpu) * 1000)
            results[name] = {
                "cold_ms": round(walls[0], 1),
                "warm_ms": round(statistics.median(walls[1:]), 1),
                "warm_cpu_ms": round(statistics.median(cpus[1:]), 1),
                "runs_ms": [round(w, 1) for w in walls],
                "outcome": outcome,
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("example", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    results = measure(args.example, max(args.repeat, 1))
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
