"""Print lumledger's outputs through LibreOffice, as an officer would, and picture them.

One home for rendering: the print tests (``tests/test_print.py``) and the pictures in ``docs/``
use these functions, so the pictures are the pages the tests check. ``python tools/render_docs.py``
writes every output of the example ledger (:func:`example_outputs`), prints each to PDF with
``soffice --headless --convert-to pdf`` and saves the pages named in :data:`PICTURES` with
``pdftoppm -png -r 60`` into ``docs/``. Needs LibreOffice and poppler-utils (``pdftotext``,
``pdftoppm``, ``pdfinfo``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"
DOCS = ROOT / "docs"

#: The reconciliation is printed as of this day, so its pictures do not change with the date.
AS_OF = dt.date(2022, 6, 30)
RESOLUTION = 60  # pixels per inch of the pictures


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def tools_missing() -> list[str]:
    """The programs rendering needs that are not installed."""
    names = ["soffice", "pdftotext", "pdftoppm", "pdfinfo"]
    found = {"soffice": soffice()} | {name: shutil.which(name) for name in names[1:]}
    return [name for name in names if found[name] is None]


#: A LibreOffice profile in the Swedish locale: amounts print as ``3 175 000``, shares ``29,0 %``.
SWEDISH_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>sv-SE</value></prop></item>
</oor:items>
"""


def swedish_profile(folder: Path) -> str:
    """A private LibreOffice profile in ``folder``, Swedish locale, as ``-env:`` argument."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    settings = user / "registrymodifications.xcu"
    if not settings.exists():
        settings.write_text(SWEDISH_PROFILE, encoding="utf-8")
    return f"-env:UserInstallation={folder.resolve().as_uri()}"


def to_pdf(source: Path, work: Path) -> Path:
    """``source`` (xlsx or docx) printed to PDF by LibreOffice, in a folder of its own under
    ``work`` (an xlsx and a docx of one name would otherwise overwrite each other's PDF)."""
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out = work / f"pdf-{source.name}"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            program,
            swedish_profile(work / "lo-profile"),
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = out / f"{source.stem}.pdf"
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice wrote no PDF for {source.name}")
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise RuntimeError(f"pdfinfo gives no page count for {pdf.name}")


def pages_text(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed (``pdftotext -layout``)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def to_png(pdf: Path, page: int, target: Path) -> Path:
    """Page ``page`` (1-based) of ``pdf`` as a PNG picture at :data:`RESOLUTION` dpi."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(target.with_suffix("")),
        ],
        check=True,
        capture_output=True,
    )
    return target


def first_page_with(pages: list[str], text: str) -> int:
    """The 1-based number of the first page with a line starting with ``text`` (a sheet's name
    heads its pages; a document's appendix starts with its name)."""
    for number, page in enumerate(pages, start=1):
        if any(line.strip().startswith(text) for line in page.splitlines()):
            return number
    raise LookupError(f"no page has a line starting with {text!r}")


def sheet_pages(pages: list[str], sheet: str) -> list[str]:
    """The pages of one sheet of a printed workbook: those whose page header (the first line)
    starts with the sheet's name."""
    heads = [
        next((line.strip() for line in page.splitlines() if line.strip()), "") for page in pages
    ]
    names = [head.split("  ")[0] for head in heads]
    return [page for page, name in zip(pages, names, strict=True) if name == sheet]


# --- the outputs of the example ledger -------------------------------------------------------------


def example_outputs(folder: Path, ledger_path: Path = EXAMPLE) -> dict[str, Path]:
    """Every xlsx and docx lumledger writes, from ``ledger_path``, into ``folder``: the roll-up
    (``summering.xlsx``), the reconciliation as of :data:`AS_OF` (``avstamning.xlsx``), the
    findings of a copy with two mistakes (``fel.xlsx``) and the 2019 appendices
    (``fordelning-2019.xlsx``, ``fordelning-2019.docx``)."""
    import lumledger
    from lumledger.reports.findings_table import write_findings_workbook
    from lumledger.reports.reconciliation_tables import write_reconciliation_workbook
    from lumledger.reports.rollup_tables import write_summary_workbook

    folder.mkdir(parents=True, exist_ok=True)
    ledger = lumledger.load(ledger_path)
    outputs: dict[str, Path] = {}
    summary = lumledger.rollup(ledger).rollup
    assert summary is not None, "the example ledger is valid"
    outputs["summering"] = write_summary_workbook(summary, folder / "summering.xlsx")
    reconciliation = lumledger.reconcile(ledger, AS_OF)
    outputs["avstamning"] = write_reconciliation_workbook(
        reconciliation, folder / "avstamning.xlsx"
    )
    broken = _with_mistakes(ledger_path, folder / "liggare-med-fel.xlsx")
    outputs["fel"] = write_findings_workbook(
        lumledger.validate(broken), folder / "fel.xlsx", source=broken
    )
    files = lumledger.export(ledger, 2019, folder, ("xlsx", "docx")).files
    outputs["fordelning-xlsx"], outputs["fordelning-docx"] = files
    return outputs


def _with_mistakes(source: Path, target: Path) -> Path:
    """A copy of the example ledger with two typical mistakes: a grant above the amount applied
    for (LUM-E008) and an administration that does not exist (LUM-E006)."""
    from lumledger.workbook.safewrite import CellWrite, write_cells

    shutil.copyfile(source, target)
    write_cells(
        target,
        [
            CellWrite("Ansökningar", "M5", 400_000),
            CellWrite("Ansökningar", "D7", "Kungsholm"),
        ],
    )
    return target


@dataclass(frozen=True)
class Picture:
    """A page of an output shown in the docs: ``docs/<name>``, the first page holding ``text``."""

    name: str
    output: str
    text: str


#: Every picture in ``docs/`` (referenced from ``docs/anvandarguide.md`` and the README).
PICTURES: tuple[Picture, ...] = (
    Picture("bilaga1-2019.png", "fordelning-docx", "Bilaga 1"),
    Picture("bilaga2-2019.png", "fordelning-docx", "Bilaga 2"),
    Picture("fordelning-2019-xlsx.png", "fordelning-xlsx", "Bilaga 1"),
    Picture("fordelning-2019-xlsx-bilaga2.png", "fordelning-xlsx", "Bilaga 2"),
    Picture("summering-2019.png", "summering", "Summering"),
    Picture("summering-flerariga.png", "summering", "Fleråriga projekt"),
    Picture("summering-diagram-2019.png", "summering", "Diagram 2019"),
    Picture("avstamning-per-ansokan.png", "avstamning", "Avstämning per ansökan"),
    Picture("avstamning-beslut.png", "avstamning", "Beslut mot liggare"),
    Picture("fel.png", "fel", "Fel"),
)


MANIFEST = "pictures.sha256"


def libreoffice_version() -> str:
    """``LibreOffice 7.4.7.2 40(Build:2)``: the pictures are exact for one version."""
    program = soffice()
    if program is None:
        return ""
    return subprocess.run(
        [program, "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()


def manifest_lines(pictures: dict[str, Path]) -> list[str]:
    """The manifest of ``docs/``: the LibreOffice version, then ``sha256  name`` per picture."""
    import hashlib

    lines = [f"# {libreoffice_version()}"]
    for name in sorted(pictures):
        lines.append(f"{hashlib.sha256(pictures[name].read_bytes()).hexdigest()}  {name}")
    return lines


def render_pictures(work: Path, target: Path = DOCS) -> dict[str, Path]:
    """Write the example's outputs into ``work``, print them and save :data:`PICTURES` in
    ``target``; returns the pictures by name."""
    outputs = example_outputs(work / "ut")
    pdfs: dict[str, Path] = {}
    texts: dict[str, list[str]] = {}
    written: dict[str, Path] = {}
    for picture in PICTURES:
        if picture.output not in pdfs:
            pdfs[picture.output] = to_pdf(outputs[picture.output], work)
            texts[picture.output] = pages_text(pdfs[picture.output])
        page = first_page_with(texts[picture.output], picture.text)
        written[picture.name] = to_png(pdfs[picture.output], page, target / picture.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="where the pictures go (docs/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "render", help="scratch")
    args = parser.parse_args(argv)
    missing = tools_missing()
    if missing:
        print(f"missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    shutil.rmtree(args.work, ignore_errors=True)
    pictures = render_pictures(args.work, args.out)
    for name, path in pictures.items():
        print(f"{name}: {path}")
    (args.out / MANIFEST).write_text("\n".join(manifest_lines(pictures)) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
