"""Golden outputs: what every reading and exporting command prints and writes, on fixed ledgers.

Captured before a restructuring and compared after it (issue 12, point 9): the same commands on
the same inputs must give the same bytes, or each difference must be named and owed to another
issue. Run from the repository root:

    python tools/golden.py capture tests/golden      # write the outputs
    python tools/golden.py compare tests/golden      # exit 1 and list what differs

Inputs: the example ledger, the template, and two generated ledgers (``tools`` generator, 600
rows; one with injected findings, its clean twin). Outputs per input: ``validate``, ``rollup``,
``reconcile`` (``--as-of`` fixed) as text and JSON with their exit status, the ``rollup -o`` and
``reconcile -o`` workbooks and every ``export`` file, dumped as text (cell values and number
formats per sheet, docx paragraphs and table cells). Temporary paths are replaced by ``<TMP>``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-12-01"
ROWS = 600


def _generated(folder: Path, clean: bool) -> Path:
    sys.path.insert(0, str(ROOT))
    from tools import ledgers

    name = "generated-clean.xlsx" if clean else "generated.xlsx"
    return ledgers.write_ledger(folder / name, ROWS, clean=clean)


def inputs(folder: Path) -> dict[str, tuple[Path, tuple[int, ...]]]:
    """Name -> (ledger, years to export)."""
    return {
        "exempel": (ROOT / "workbooks" / "lum-exempel.xlsx", (2019, 2021)),
        "mall": (ROOT / "workbooks" / "lum-mall.xlsx", ()),
        "generated": (_generated(folder, clean=False), (2015,)),
        "generated-clean": (_generated(folder, clean=True), (2015, 2028)),
    }


def _run(args: list[str], tmp: Path) -> str:
    env = {**os.environ, "COLUMNS": "100", "LUMLEDGER_DEBUG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "lumledger.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=600,
    )
    text = f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
    return text.replace(str(tmp), "<TMP>")


def dump_xlsx(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path)
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append(f"== {sheet.title}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                fmt = "" if cell.number_format == "General" else f"  [{cell.number_format}]"
                lines.append(f"{cell.coordinate}\t{cell.value!r}{fmt}")
    return "\n".join(lines) + "\n"


def dump_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = [f"P\t{p.text}" for p in document.paragraphs]
    for t, table in enumerate(document.tables):
        for r, row in enumerate(table.rows):
            lines.append(f"T{t}R{r}\t" + " | ".join(cell.text for cell in row.cells))
    return "\n".join(lines) + "\n"


def capture_all(folder: Path) -> dict[str, str]:
    """Every golden output, by relative file name."""
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name, (ledger, years) in inputs(tmp).items():
            path = str(ledger)
            out[f"{name}/validate.txt"] = _run(["validate", path], tmp)
            out[f"{name}/validate.json"] = _run(["validate", path, "--json"], tmp)
            out[f"{name}/rollup.txt"] = _run(["rollup", path], tmp)
            out[f"{name}/rollup.json"] = _run(["rollup", path, "--json"], tmp)
            summary = tmp / f"{name}-summering.xlsx"
            _run(["rollup", path, "-o", str(summary)], tmp)
            if summary.exists():
                out[f"{name}/rollup-o.xlsx.txt"] = dump_xlsx(summary)
            for args, key in (([], "reconcile.txt"), (["--json"], "reconcile.json")):
                out[f"{name}/{key}"] = _run(["reconcile", path, "--as-of", AS_OF, *args], tmp)
            statement = tmp / f"{name}-avstamning.xlsx"
            _run(["reconcile", path, "--as-of", AS_OF, "-o", str(statement)], tmp)
            if statement.exists():
                out[f"{name}/reconcile-o.xlsx.txt"] = dump_xlsx(statement)
            for year in years:
                target = tmp / f"{name}-export-{year}"
                out[f"{name}/export-{year}.txt"] = _run(
                    ["export", path, "--year", str(year), "-o", str(target)], tmp
                )
                dumps: dict[str, Callable[[Path], str]] = {
                    ".xlsx": dump_xlsx,
                    ".docx": dump_docx,
                    ".csv": lambda p: p.read_text(encoding="utf-8-sig"),
                }
                for file in sorted(target.glob("*")) if target.exists() else []:
                    out[f"{name}/export-{year}/{file.name}.txt"] = dumps[file.suffix](file)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=("capture", "compare"))
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    outputs = capture_all(args.folder)
    if args.action == "capture":
        for name, text in outputs.items():
            target = args.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        print(f"{len(outputs)} outputs written to {args.folder}")
        return 0
    stored = {
        str(p.relative_to(args.folder)): p.read_text(encoding="utf-8")
        for p in sorted(args.folder.rglob("*"))
        if p.is_file()
    }
    differ = sorted(k for k in stored.keys() | outputs.keys() if stored.get(k) != outputs.get(k))
    for name in differ:
        print(f"=== {name}")
        diff = difflib.unified_diff(
            stored.get(name, "").splitlines(), outputs.get(name, "").splitlines(), lineterm="", n=1
        )
        print("\n".join(list(diff)[:60]))
    print(f"{len(differ)} of {len(outputs)} outputs differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
