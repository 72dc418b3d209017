"""Every ``lumledger …`` command the documentation shows runs as written: README.md, docs/*.md, the
Instruktioner sheet (workbooks/build.py) and the Start sheet of lumledger.xlsm (xl/buttons.json).

Each is run on a copy of the example with its placeholders filled in (FIL, LIGGARE → the copy,
ÅÅÅÅ → 2019, MAPP → a folder, …) and must not be refused as a wrong command line (exit 2 with
click's usage text) nor fail otherwise; refusing to act on the example (exit 1, a cycle step for
a year already decided) is fine. A span naming a command without arguments (`lumledger validate`,
`lumledger cycle …`) is a reference, not a command, and is not run."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, WORKBOOKS

from lumledger.cli import main

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHEETS = [WORKBOOKS / "lum-mall.xlsx", WORKBOOKS / "lumledger.xlsm"]


def _names(group: click.Group = main) -> set[str]:
    names: set[str] = set()
    for name, command in group.commands.items():
        names.add(name)
        if isinstance(command, click.Group):
            names |= _names(command)
    return names


COMMAND_NAMES = _names()


def _from_markdown(text: str) -> Iterator[str]:
    fences = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
    for block in fences.findall(text):
        for line in block.splitlines():
            match = re.search(r"(?:^|&& )(lumledger .*)$", line.strip())
            if match:
                yield match.group(1)
    # Code spans, paragraph by paragraph (a span may run over a line break, not a paragraph).
    for paragraph in re.split(r"\n\s*\n", fences.sub("", text)):
        for span in re.findall(r"`([^`]+)`", paragraph):
            span = " ".join(span.split())
            if span.startswith("lumledger "):
                yield span


def _from_sheet_text(text: str) -> Iterator[str]:
    """Commands in free text: ``lumledger`` and a command name, then the words that belong to a
    command line (options, placeholders, file names, years, dates)."""
    names = "|".join(sorted(map(re.escape, COMMAND_NAMES), key=len, reverse=True))
    word = (
        r"(?:-{1,2}[a-z][a-z-]*|[A-ZÅÄÖ][A-ZÅÄÖ-]*(?:\.xlsx)?|[\w.-]+\.xls[xm]|\d{4}(?:-\d\d){0,2})"
    )
    pattern = rf"lumledger(?: (?:{names}))+(?: {word})*"
    yield from re.findall(pattern, text)


def documented_commands() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        found += [(document.name, command) for command in _from_markdown(text)]
    for workbook in SHEETS:
        book = openpyxl.load_workbook(workbook, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str) and "lumledger " in value:
                        where = f"{workbook.name}!{sheet.title}"
                        found += [(where, command) for command in _from_sheet_text(value)]
        book.close()
    return list(dict.fromkeys(found))


def _is_reference(words: list[str]) -> bool:
    rest = [w for w in words[1:] if w not in COMMAND_NAMES]
    return not rest or rest == ["…"]


COMMANDS = [(where, c) for where, c in documented_commands() if not _is_reference(c.split())]


def test_the_documentation_shows_every_command() -> None:
    shown = {c.split()[1] for _, c in COMMANDS if len(c.split()) > 1}
    assert {"validate", "rollup", "export", "reconcile", "cycle", "--help"} <= shown, shown
    cycle_steps = {c.split()[2] for _, c in COMMANDS if c.startswith("lumledger cycle ")}
    assert {"new-round", "decide", "close"} <= cycle_steps
    places = {where for where, _ in COMMANDS}
    assert {"README.md", "excel.md", "anvandarguide.md"} <= places
    assert any(place.startswith("lumledger.xlsm!Start") for place in places)
    assert any(place.endswith("!Instruktioner") for place in places)


def _filled_in(command: str, tmp_path: Path) -> list[str]:
    ledger = tmp_path / "liggare.xlsx"
    shutil.copyfile(EXAMPLE, ledger)
    (tmp_path / "ut").mkdir()
    values = {
        "ÅÅÅÅ": "2019",
        "ÅÅÅÅ-MM-DD": "2019-12-31",
        "KOMMANDO": "validate",
        "MAPP": str(tmp_path / "ut" / "bilagor"),
        "bilagor": str(tmp_path / "ut" / "bilagor"),
        "FIL.xlsx": str(tmp_path / "ut" / "summering.xlsx"),
        "summering.xlsx": str(tmp_path / "ut" / "summering.xlsx"),
    }
    words = shlex.split(command.replace("[", " ").replace("]", " "))[1:]
    out: list[str] = []
    form = str(ROOT / "tests" / "data" / "forms" / "ansokan-hv-2020-tabell.docx")
    for before, word in zip(["", *words], words, strict=False):
        if word in {"BLANKETT", "BLANKETT.docx"}:
            out.append(form)  # a filled-in form (tests/data/forms)
        elif word == "…" and before in {"BLANKETT", "BLANKETT.docx"}:
            continue  # "more forms"
        elif before in {"-o", "--output"} and word not in values:
            out.append(str(tmp_path / "ut" / word))  # an output file named in the docs
        elif word in values:
            out.append(values[word])
        elif word in {"FIL", "LIGGARE", "…"} or re.fullmatch(r"[\w/.-]+\.xls[xm]", word):
            out.append(str(ledger))
        else:
            out.append(word)
    return out


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[f"{w}: {c}" for w, c in COMMANDS])
def test_documented_command_runs_as_written(where: str, command: str, tmp_path: Path) -> None:
    args = _filled_in(command, tmp_path)
    if args[:1] == ["serve"]:
        # A server runs until stopped (tests/test_xl_remote.py starts one); here the documented
        # options must be the command's own: click refuses an unknown one before --help.
        args.append("--help")
    result = CliRunner().invoke(main, args, prog_name="lumledger")
    assert "Användning:" not in result.stderr, f"{where}: {command}\n{result.output}"
    assert result.exit_code in (0, 1), f"{where}: {command} → {result.exit_code}\n{result.output}"
    assert "oväntat fel" not in result.output


def test_guide_never_calls_an_error_a_warning() -> None:
    """An E code is an error (the ledger is invalid); the docs must not say it only warns."""
    for document in DOCUMENTS:
        for sentence in re.split(r"(?<=[.!?])\s", document.read_text(encoding="utf-8")):
            if re.search(r"LUM-E\d{3}", sentence):
                assert not re.search(r"\bvarn(ar|ing)\b", sentence), (document.name, sentence)
