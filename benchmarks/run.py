"""Benchmark lumledger against its baselines, in fresh processes, and print the ratios of issues 8
and 16.

    python benchmarks/run.py                      # 1 000, 100 000 and 1 048 575 rows, median of 3
    python benchmarks/run.py --sizes 1000,100000 --repeat 3 --out benchmarks/out/results.json

Every measurement is one fresh child process: wall time with ``time.perf_counter`` around it, CPU
seconds (user + system, every thread: far less sensitive than wall time to other processes on a
shared machine) and peak memory as the child's ``ru_utime``/``ru_stime``/``ru_maxrss``
(``os.wait4``). The cases of one run are interleaved (round 1
of every case, then round 2 …) so that a change in the machine's load hits all of them alike; each
figure is the median over the rounds. Compared, in the same run:

* start-up: ``lumledger --help`` against ``python -c "import click"``;
* the example ledger: ``lumledger validate workbooks/lum-exempel.xlsx`` against
  ``python -c "import pandas, pandera.pandas, pandera.backends.pandas.builtin_checks, openpyxl,
  python_calamine"`` (what pandera loads on a first validation included);
* each generated ledger (``tools/ledgers.py``; cached in ``--cache``, keyed by the generator's
  version): ``lumledger validate``, ``rollup`` and ``reconcile`` against polars' read of the same
  input sheets (``polars.read_excel(engine="calamine")``: fastexcel, straight into Arrow columns;
  issue 16: validate ≤ 2× its time and peak memory at full height, rollup and reconcile ≤ 2.5×),
  with python-calamine reading every sheet with ``to_python`` (issue 8's baseline), on
  ``Ansökningar`` alone, and the floor (inflate every sheet part and tokenise it with expat) for
  reference;
* warm runs (``benchmarks/warm.py``): every button's work on the example through
  :mod:`lumledger.api`, a second time in the same process (as the Excel hosts that keep Python
  alive run it): each ≤ 50 ms.

Prints a table (seconds, CPU seconds, peak MB, ratio to the baseline, the target and whether it
holds) and writes it, with the machine and the load, as JSON to ``--out``. Standard library only
(plus XlsxWriter to generate the ledgers, and polars for its baseline); nothing is asserted: the
test suite runs this on 200 rows to prove it works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from lumledger import ledger_format  # noqa: E402
from tools import ledgers  # noqa: E402

DEFAULT_SIZES = (1_000, 100_000, ledgers.MAX_DATA_ROWS)
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"

CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
for name in sys.argv[2:] or book.sheet_names:
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=True)
    del rows
"""

FLOOR = """
import sys, zipfile
from xml.parsers import expat
with zipfile.ZipFile(sys.argv[1]) as archive:
    for name in archive.namelist():
        if not (name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"):
            continue
        if not name.endswith(".xml"):
            continue
        parser = expat.ParserCreate()
        with archive.open(name) as part:
            while chunk := part.read(1 << 20):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
"""

# polars' read of a ledger's input sheets (argv: the file, then the format's sheet names): each
# sheet straight into Arrow columns, as fast as Excel's cells can be read into columns.
POLARS = """
import sys
import fastexcel
import polars as pl
wanted = {name.strip().casefold() for name in sys.argv[2:]}
titles = [t for t in fastexcel.read_excel(sys.argv[1]).sheet_names if t.strip().casefold() in wanted]
frames = pl.read_excel(sys.argv[1], sheet_name=titles, engine="calamine")
del frames
"""

# The libraries `validate` loads, as they load on this machine: pandera registers its checks (and,
# where hypothesis is installed, its data-synthesis strategies) on the first validation.
IMPORTS = (
    "import pandas, pandera.pandas, pandera.backends.pandas.builtin_checks, openpyxl,"
    " python_calamine"
)


@dataclass
class Case:
    name: str
    argv: list[str]
    rows: int | None = None  # the ledger's size, for the cases on generated ledgers
    ledger: str | None = None
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds, every thread
    rss_kb: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def median_mb(self) -> float:
        return statistics.median(self.rss_kb) / 1024


@dataclass(frozen=True)
class Ratio:
    label: str
    case: str
    baseline: str
    target: float | None  # None: shown for reference only
    memory_target: float | None = None


def lumledger_command() -> str:
    """The ``lumledger`` console script itself (not a pyenv shim, which adds ~0.1 s)."""
    script = Path(sysconfig.get_path("scripts")) / "lumledger"
    if script.exists():
        return str(script)
    found = shutil.which("lumledger")
    if found is None:
        raise SystemExit("lumledger is not installed (pip install -e .)")
    return found


# Runs each measured command for the benchmark and reports its time and peak memory. It is
# started first, while small: Linux carries a process's peak memory over into the children it
# forks, so children of a large parent would report the parent's size as theirs.
SPAWNER = """
import json, os, subprocess, sys, tempfile, time
for line in sys.stdin:
    argv, env = json.loads(line)
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=errors)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        errors.seek(0)
        text = errors.read()[-2000:].decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status), text, cpu]),
          flush=True)
"""


class Spawner:
    """A small process that runs the measured commands (see :data:`SPAWNER`)."""

    def __init__(self, source: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        # Children import lumledger from ``source``, whatever `pip install -e` points at.
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(source), os.environ.get("PYTHONPATH", "")) if p
        )

    def run(self, argv: list[str]) -> tuple[float, int, int, str, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([argv, self.env]) + "\n")
        self.process.stdin.flush()
        seconds, rss_kb, status, errors, cpu = json.loads(self.process.stdout.readline())
        return seconds, rss_kb, status, errors, cpu

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def measure(spawner: Spawner, case: Case) -> None:
    """Run ``case`` once in a fresh process: wall time and peak memory of that process."""
    seconds, rss_kb, status, errors, cpu = spawner.run(case.argv)
    if status not in (0, 1):
        raise SystemExit(f"{case.name} failed ({status}): {errors.strip()}")
    case.seconds.append(seconds)
    case.cpu.append(cpu)
    case.rss_kb.append(rss_kb)
    case.status.append(status)


def ledger_path(cache: Path, rows: int, *, clean: bool = False) -> Path:
    kind = "-clean" if clean else ""
    path = cache / f"lum-g{ledgers.GENERATOR_VERSION}{kind}-{rows}.xlsx"
    if not path.exists():
        print(f"generating {path.name} ({rows:,} rows) …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        ledgers.write_ledger(path, rows, clean=clean)
        print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return path


def build_cases(
    sizes: list[int], cache: Path, commands: list[str], example: Path
) -> tuple[list[Case], list[Ratio]]:
    python, lumledger = sys.executable, lumledger_command()
    cases = [
        Case("import click", [python, "-c", "import click"]),
        Case("lumledger --help", [lumledger, "--help"]),
        Case("import pandas+pandera+openpyxl+calamine", [python, "-c", IMPORTS]),
        Case("validate lum-exempel.xlsx", [lumledger, "validate", str(example)]),
    ]
    ratios = [
        Ratio("start-up", "lumledger --help", "import click", 2.0),
        Ratio(
            "validate example",
            "validate lum-exempel.xlsx",
            "import pandas+pandera+openpyxl+calamine",
            1.25,
        ),
    ]
    sheets = list(ledger_format.INPUT_SHEETS)
    for rows in sizes:
        path = str(ledger_path(cache, rows))
        big = rows == ledgers.MAX_DATA_ROWS
        cases += [
            Case(f"polars {rows}", [python, "-c", POLARS, path, *sheets], rows, path),
            Case(f"calamine {rows}", [python, "-c", CALAMINE, path], rows, path),
            Case(
                f"calamine Ansökningar {rows}",
                [python, "-c", CALAMINE, path, "Ansökningar"],
                rows,
                path,
            ),
            Case(f"floor {rows}", [python, "-c", FLOOR, path], rows, path),
        ]
        clean = ""
        if "rollup" in commands:  # rollup refuses a ledger with errors: its clean twin
            clean = str(ledger_path(cache, rows, clean=True))
            cases += [
                Case(f"polars clean {rows}", [python, "-c", POLARS, clean, *sheets], rows, clean),
                Case(f"calamine clean {rows}", [python, "-c", CALAMINE, clean], rows, clean),
            ]
        for command in commands:
            on_clean = command == "rollup"
            twin = "clean " if on_clean else ""
            name = f"{command} {twin}{rows}"
            ledger = clean if on_clean else path
            cases.append(Case(name, [lumledger, command, ledger], rows, ledger))
            target = 2.0 if command == "validate" else 2.5
            label = f"{command} {rows:,} rows{' (clean)' if on_clean else ''}"
            ratios += [
                Ratio(
                    f"{label} vs polars",
                    name,
                    f"polars {twin}{rows}",
                    target if big else None,
                    2.0 if big and command == "validate" else None,
                ),
                Ratio(f"{label} vs calamine", name, f"calamine {twin}{rows}", None),
                Ratio(f"{label} vs floor", name, f"floor {rows}", None),
            ]
    return cases, ratios


_PYCACHE = shutil.ignore_patterns("__pycache__")


def _revision() -> str:
    """The checkout's commit, with ``+changes`` when lumledger/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "lumledger"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit}{'+changes' if dirty else ''}" or "unknown"


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in (
        "pandas",
        "pandera",
        "numpy",
        "python-calamine",
        "openpyxl",
        "click",
        "xlsxwriter",
    ):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # a missing package is just not listed
            pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "system": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


def report(cases: list[Case], ratios: list[Ratio]) -> tuple[str, list[dict[str, Any]]]:
    by_name = {case.name: case for case in cases}
    lines = [
        f"{'case':44} {'median s':>9} {'runs (s)':>24} {'CPU s':>7} {'peak MB':>9}",
        "-" * 98,
    ]
    for case in cases:
        runs = " ".join(f"{s:.2f}" for s in case.seconds)
        lines.append(
            f"{case.name:44} {case.median_seconds:9.2f} {runs:>24} {case.median_cpu:7.2f} "
            f"{case.median_mb:9.0f}"
        )
    lines += [
        "",
        f"{'ratio':44} {'time':>6} {'CPU':>6} {'target':>7} {'memory':>7} {'target':>7}  holds",
        "-" * 95,
    ]
    rows: list[dict[str, Any]] = []
    for ratio in ratios:
        case, base = by_name[ratio.case], by_name[ratio.baseline]
        time_ratio = case.median_seconds / base.median_seconds
        cpu_ratio = case.median_cpu / base.median_cpu if base.median_cpu else float("nan")
        memory_ratio = case.median_mb / base.median_mb
        holds = None
        if ratio.target is not None:
            holds = time_ratio <= ratio.target and (
                ratio.memory_target is None or memory_ratio <= ratio.memory_target
            )
        target = f"≤{ratio.target:g}" if ratio.target is not None else "–"
        memory_target = f"≤{ratio.memory_target:g}" if ratio.memory_target is not None else "–"
        verdict = {True: "yes", False: "NO", None: "(info)"}[holds]
        lines.append(
            f"{ratio.label:44} {time_ratio:6.2f} {cpu_ratio:6.2f} {target:>7} "
            f"{memory_ratio:7.2f} {memory_target:>7}  {verdict}"
        )
        rows.append(
            {
                "ratio": ratio.label,
                "case": ratio.case,
                "baseline": ratio.baseline,
                "time_ratio": round(time_ratio, 3),
                "cpu_ratio": round(cpu_ratio, 3),
                "time_target": ratio.target,
                "memory_ratio": round(memory_ratio, 3),
                "memory_target": ratio.memory_target,
                "holds": holds,
            }
        )
    return "\n".join(lines), rows


WARM_TARGET_MS = 50.0  # issue 16: each button's work, a second time in the same process


def warm_runs(spawner: Spawner, example: Path, repeat: int) -> dict[str, dict[str, Any]]:
    """benchmarks/warm.py in a fresh process: each button's work on the example, warm."""
    with tempfile.TemporaryDirectory(prefix="lumledger-warm-") as folder:
        out = Path(folder) / "warm.json"
        argv = [sys.executable, str(HERE / "warm.py"), str(example), "--out", str(out)]
        _seconds, _rss, status, errors, _cpu = spawner.run([*argv, "--repeat", str(repeat)])
        if status != 0:
            raise SystemExit(f"warm runs failed ({status}): {errors.strip()}")
        result: dict[str, dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        return result


def warm_report(warm: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'warm run (example, lumledger.api)':36} {'cold ms':>8} {'warm ms':>8} {'CPU ms':>7} "
        f"{'target':>7}  holds",
        "-" * 80,
    ]
    for name, figures in warm.items():
        holds = "yes" if figures["warm_ms"] <= WARM_TARGET_MS else "NO"
        lines.append(
            f"{name:36} {figures['cold_ms']:8.1f} {figures['warm_ms']:8.1f} "
            f"{figures['warm_cpu_ms']:7.1f} {'≤' + format(WARM_TARGET_MS, 'g'):>7}  {holds}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="application rows of the generated ledgers, comma-separated (max 1048575)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each figure is the median")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.json")
    parser.add_argument("--cache", type=Path, default=HERE / "out" / "ledgers")
    parser.add_argument(
        "--commands",
        default="validate,rollup,reconcile",
        help="lumledger commands to run on the generated ledgers",
    )
    parser.add_argument("--example", type=Path, default=EXAMPLE)
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed rounds of the small cases first"
    )
    parser.add_argument(
        "--warm-repeat",
        type=int,
        default=5,
        help="warm runs of each button's work on the example (benchmarks/warm.py; 0: none)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    commands = [c for c in args.commands.split(",") if c.strip()]

    # A copy of this checkout's lumledger: edits made while the benchmark runs do not mix in.
    snapshot = Path(tempfile.mkdtemp(prefix="lumledger-bench-"))
    shutil.copytree(ROOT / "lumledger", snapshot / "lumledger", ignore=_PYCACHE)
    spawner = Spawner(snapshot)  # first, while this process is small
    cases, ratios = build_cases(sizes, args.cache, commands, args.example)
    load_before = os.getloadavg()
    started = time.time()
    for _ in range(args.warmup):  # warm the page cache and byte-code caches; not timed
        for case in cases:
            if case.rows is None or case.rows <= 1000:
                measure(spawner, case)
                case.seconds.clear()
                case.rss_kb.clear()
                case.status.clear()
                case.cpu.clear()
    for path in {case.ledger for case in cases if case.ledger}:
        with open(path, "rb") as ledger:  # into the page cache, a chunk at a time
            while ledger.read(1 << 20):
                pass
    for round_number in range(args.repeat):
        for case in cases:
            measure(spawner, case)
            print(
                f"round {round_number + 1}/{args.repeat}  {case.name:44} {case.seconds[-1]:7.2f} s",
                file=sys.stderr,
                flush=True,
            )
    warm = warm_runs(spawner, args.example, args.warm_repeat) if args.warm_repeat else {}
    spawner.close()
    shutil.rmtree(snapshot, ignore_errors=True)
    table, ratio_rows = report(cases, ratios)
    print(table)
    if warm:
        print("\n" + warm_report(warm))
    result = {
        "machine": machine(),
        "conditions": {
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "minutes": round((time.time() - started) / 60, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "repeat": args.repeat,
            "generator_version": ledgers.GENERATOR_VERSION,
            "lumledger": _revision(),
        },
        "cases": {
            case.name: {
                "argv": [Path(a).name if os.sep in a else a for a in case.argv],
                "rows": case.rows,
                "seconds": [round(s, 3) for s in case.seconds],
                "median_seconds": round(case.median_seconds, 3),
                "cpu_seconds": [round(s, 3) for s in case.cpu],
                "median_cpu_seconds": round(case.median_cpu, 3),
                "peak_mb": [round(kb / 1024, 1) for kb in case.rss_kb],
                "median_peak_mb": round(case.median_mb, 1),
                "exit_status": case.status,
            }
            for case in cases
        },
        "ratios": ratio_rows,
        "warm_runs": {
            "target_ms": WARM_TARGET_MS,
            "buttons": warm,
            "holds": all(b["warm_ms"] <= WARM_TARGET_MS for b in warm.values()) if warm else None,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
