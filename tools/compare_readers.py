"""The columnar reader against the cell-by-cell reader, finding for finding, frame for frame.

    python tools/compare_readers.py                      # fuzz corpus, example, template
    python tools/compare_readers.py --fuzz 200 --seed 6  # + 200 fuzz cases (ledgers, raw XML,
                                                         #   mutated and hostile files)
    python tools/compare_readers.py --hostile 50         # + 50 hostile files
    python tools/compare_readers.py --ledgers 1000,100000 --cache benchmarks/out/ledgers
    python tools/compare_readers.py FILE ...             # just these files

For every file, both readers (:func:`lumledger.workbook.columnar.read_columnar` and
:func:`lumledger.workbook.reader.read_ledger_by_cells`) give either the same refusal (the same
``LedgerReadError`` message) or ledgers with the same reading findings one for one (code,
severity, sheet, cell, row, message, expected, found), the same frames (index, columns, dtypes,
values, and the type and written form of each Decimal), letters, invalid cells and extra columns,
and the same findings of every validation rule. Every difference is printed; the exit status is 1
when there is one.

One kind of difference is not the reader's: fastexcel 0.21 bundles calamine 0.36.1,
python-calamine 0.9 calamine 0.37, and 0.37 refuses some ill-formed sheet XML that 0.36.1 reads.
Such a file is reported as "calamine drift" (counted, not failed) when python-calamine itself
refuses it with an XML error and the columnar reader reads it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

CORPUS = ROOT / "tests" / "fuzz_corpus"
WORKBOOKS = ROOT / "workbooks"


@dataclass(slots=True)
class Comparison:
    """One file's comparison."""

    name: str
    differences: list[str] = field(default_factory=list)
    refused: str | None = None
    drift: str = ""
    findings: int = 0
    validate_findings: int = 0
    fallbacks: dict[str, str] = field(default_factory=dict)
    seconds: tuple[float, float] = (0.0, 0.0)  # old, new


def small_files() -> list[Path]:
    """The fuzz corpus, the example and the template."""
    files = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))
    files += [WORKBOOKS / "lum-exempel.xlsx", WORKBOOKS / "lum-mall.xlsx"]
    return [f for f in files if f.exists()]


def _read(columnar: bool, path: Path) -> tuple[Any, str | None, Any, float]:
    from lumledger.findings import LedgerReadError
    from lumledger.workbook.columnar import read_columnar
    from lumledger.workbook.reader import read_ledger_by_cells

    started = time.perf_counter()
    stats = None
    try:
        if columnar:
            ledger, stats = read_columnar(path, refuse_when_open=False, cells_below=0)
        else:
            ledger = read_ledger_by_cells(path, refuse_when_open=False)
    except LedgerReadError as exc:
        return None, exc.message, stats, time.perf_counter() - started
    return ledger, None, stats, time.perf_counter() - started


def _finding_key(item: Any) -> tuple[Any, ...]:
    d = item.to_dict()
    keys = ("code", "severity", "sheet", "cell", "row", "message", "expected", "found")
    return tuple(d.get(k) for k in keys)


def compare_findings(label: str, old: list[Any], new: list[Any]) -> list[str]:
    a, b = Counter(map(_finding_key, old)), Counter(map(_finding_key, new))
    out = [f"  {label}: only old: {key}" for key in sorted(a - b, key=repr)]
    out += [f"  {label}: only new: {key}" for key in sorted(b - a, key=repr)]
    if not out and [_finding_key(f) for f in old] != [_finding_key(f) for f in new]:
        out.append(f"  {label}: the same findings in another order")
    return out


def compare_frames(sheet: str, old: Any, new: Any) -> list[str]:
    out: list[str] = []
    if not old.index.equals(new.index):
        return [f"  {sheet}: index differs ({len(old.index)} vs {len(new.index)} rows)"]
    if list(old.columns) != list(new.columns):
        return [f"  {sheet}: columns {list(old.columns)} vs {list(new.columns)}"]
    for name in old.columns:
        a, b = old[name], new[name]
        if a.dtype != b.dtype:
            out.append(f"  {sheet}.{name}: dtype {a.dtype} vs {b.dtype}")
            continue
        if not a.equals(b):
            same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
            at = list(a.index[~same][:5])
            shown = [(r, a.loc[r], b.loc[r]) for r in at]
            out.append(f"  {sheet}.{name}: {int((~same).sum())} values differ, e.g. {shown}")
            continue
        if a.dtype == object:  # Decimal columns: the same type and written form too
            form_a = a.map(lambda v: None if v is None else (type(v).__name__, str(v)))
            form_b = b.map(lambda v: None if v is None else (type(v).__name__, str(v)))
            if not form_a.equals(form_b):
                out.append(f"  {sheet}.{name}: the same values in other types or forms")
    return out


def calamine_drift(path: Path) -> str:
    """Why python-calamine refuses, with an XML error, a file fastexcel reads (or "")."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=True)
    except BaseException as exc:  # a Rust panic is a BaseException
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = str(exc)
        markers = ("Unrecognized boolean", "ill-formed", "decode", "Xml")
        if any(m in text or m in type(exc).__name__ for m in markers):
            return f"{type(exc).__name__}: {text[:60]}"
    return ""


def compare_file(path: Path, *, validate: bool = True, name: str = "") -> Comparison:
    from lumledger.validation import validate_ledger

    result = Comparison(name or path.name)
    old, old_refusal, _none, old_s = _read(False, path)
    new, new_refusal, stats, new_s = _read(True, path)
    result.seconds = (round(old_s, 3), round(new_s, 3))
    if stats is not None:
        result.fallbacks = dict(stats.fallbacks)
    diffs = result.differences
    if old_refusal or new_refusal:
        result.refused = old_refusal
        if old_refusal != new_refusal:
            drift = calamine_drift(path) if old_refusal and not new_refusal else ""
            if drift:
                result.drift = drift
            else:
                diffs.append(f"  refusal: old {old_refusal!r}\n           new {new_refusal!r}")
        return result
    diffs += compare_findings("reading", old.findings, new.findings)
    result.findings = len(old.findings)
    if old.missing_sheets != new.missing_sheets:
        diffs.append(f"  missing sheets {old.missing_sheets} vs {new.missing_sheets}")
    if list(old.sheets) != list(new.sheets):
        diffs.append(f"  sheets {list(old.sheets)} vs {list(new.sheets)}")
    for sheet in old.sheets.keys() & new.sheets.keys():
        a, b = old.sheets[sheet], new.sheets[sheet]
        for attr in ("title", "letters", "header_row", "invalid", "extra_columns"):
            if getattr(a, attr) != getattr(b, attr):
                diffs.append(f"  {sheet}.{attr}: {getattr(a, attr)!r} vs {getattr(b, attr)!r}")
        diffs += compare_frames(sheet, a.frame, b.frame)
    if validate:
        found_old = validate_ledger(old).findings
        found_new = validate_ledger(new).findings
        result.validate_findings = len(found_old)
        diffs += compare_findings("validate", found_old, found_new)
    return result


def fuzz_files(seed: int, count: int, folder: Path, *, hostile_only: bool) -> Iterator[Path]:
    """``count`` cases of lumledger's fuzzer (tools/fuzz.py), written into ``folder``."""
    import random

    from tools import fuzz

    corpus = sorted(CORPUS.glob("*.xlsx"))
    for index in range(count):
        if hostile_only:
            rng = random.Random(f"lumledger-hostile:{seed}:{index}")
            data, kind = fuzz.make_hostile(rng), "hostile"
        else:
            case = fuzz.make_case(seed, index, corpus)
            data, kind = case.data, case.kind
        path = folder / f"{kind}-{seed}-{index}.xlsx"
        path.write_bytes(data)
        yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--fuzz", type=int, default=0, help="fuzz cases to compare as well")
    parser.add_argument("--hostile", type=int, default=0, help="hostile files to compare as well")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ledgers", default="", help="generated ledgers: row counts, e.g. 1000")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "ledgers")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true", help="print differences only")
    args = parser.parse_args(argv)

    from benchmarks.run import ledger_path

    files = list(args.files) or small_files()
    for rows in filter(None, args.ledgers.split(",")):
        files.append(ledger_path(args.cache, int(rows)))
        files.append(ledger_path(args.cache, int(rows), clean=True))
    totals: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="lumledger-compare-") as work:
        generated: list[Path] = []
        if args.fuzz:
            generated += fuzz_files(args.seed, args.fuzz, Path(work), hostile_only=False)
        if args.hostile:
            generated += fuzz_files(args.seed, args.hostile, Path(work), hostile_only=True)
        for path in [*files, *generated]:
            try:
                result = compare_file(path, validate=not args.no_validate)
            except Exception:  # a crash is a difference too
                result = Comparison(path.name, differences=[traceback.format_exc()])
            totals["files"] += 1
            totals["differ"] += bool(result.differences)
            totals["refused"] += result.refused is not None and not result.drift
            totals["drift"] += bool(result.drift)
            totals["fallback files"] += bool(result.fallbacks)
            status = "DIFFERS" if result.differences else "same"
            if result.drift:
                status = f"calamine drift ({result.drift})"
            if result.differences or not args.quiet:
                what = (
                    f"refused alike: {result.refused[:70]!r}"
                    if result.refused
                    else f"{result.findings} reading / {result.validate_findings} validate findings"
                )
                old_s, new_s = result.seconds
                fallbacks = f"; old path for {result.fallbacks}" if result.fallbacks else ""
                print(
                    f"{status:5} {result.name}: {what}; {old_s:.2f} s -> {new_s:.2f} s{fallbacks}"
                )
                for line in result.differences:
                    print(line)
    print(
        f"{totals['files']} files: {totals['differ']} differ, {totals['refused']} refused alike, "
        f"{totals['drift']} calamine drift, {totals['fallback files']} with a sheet read the old way"
    )
    return 1 if totals["differ"] else 0


if __name__ == "__main__":
    from lumledger.workbook.native import native_messages_held

    with native_messages_held():  # Rust's panic messages (both readers catch the panics)
        code = main()
    sys.exit(code)
