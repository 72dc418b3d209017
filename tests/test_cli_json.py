"""``--json`` always prints JSON, whatever happens (unreadable, missing or hostile file, a year
without applications, a wrong command line), and the exit statuses are the ones README.md
documents: 0, 1 findings, 2 unreadable or wrong command line, 3 no applications for the year."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE, ROOT, make_ledger

from lumledger import ledger_format
from lumledger.cli import NO_APPLICATIONS, main

HOSTILE = Path(__file__).parent / "fuzz_corpus" / "billion-laughs.xlsx"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="lumledger")


def json_commands(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command that has a ``--json`` flag (also those added later)."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from json_commands(command, (*path, name))
        elif any("--json" in getattr(p, "opts", ()) for p in command.params):
            yield (*path, name), command


def arguments_for(command: click.Command, ledger: Path, tmp_path: Path) -> list[str]:
    """The command's required options, filled in with sensible values."""
    args = [str(ledger)]
    ctx = click.Context(command)
    for param in command.params:
        if isinstance(param, click.Option) and param.required:
            metavar = param.make_metavar(ctx)
            value = {"ÅÅÅÅ": "2019", "ÅÅÅÅ-MM-DD": "2019-12-31", "MAPP": str(tmp_path / "ut")}
            args += [param.opts[-1], value.get(metavar, "x")]
    return args


def refusal(result: Result) -> dict[str, object]:
    payload = json.loads(result.stdout)
    assert set(payload) == {"error"}, payload
    error = payload["error"]
    assert isinstance(error, dict) and set(error) == {"message", "exit_code"}
    assert error["exit_code"] == result.exit_code
    assert error["message"] == result.stderr.strip().splitlines()[-1].removeprefix("Fel: ")
    return error


def test_the_json_commands_are_found() -> None:
    found = {" ".join(path) for path, _ in json_commands()}
    assert {"validate", "rollup", "reconcile"} <= found


@pytest.mark.parametrize("case", ["missing", "hostile", "directory", "not-a-workbook"])
def test_every_json_command_prints_json_for_a_file_it_cannot_read(
    tmp_path: Path, case: str
) -> None:
    ledger = {
        "missing": tmp_path / "saknas.xlsx",
        "hostile": HOSTILE,
        "directory": tmp_path,
        "not-a-workbook": tmp_path / "text.xlsx",
    }[case]
    (tmp_path / "text.xlsx").write_text("Id;År\n", encoding="utf-8")
    for path, command in json_commands():
        result = run(*path, *arguments_for(command, ledger, tmp_path), "--json")
        assert result.exit_code == 2, (path, result.output)
        error = refusal(result)
        assert str(error["message"]).endswith("."), error


def test_json_for_a_year_without_applications_exit_3(tmp_path: Path) -> None:
    result = run("rollup", str(EXAMPLE), "--year", "2018", "--json")
    assert result.exit_code == NO_APPLICATIONS == 3
    assert refusal(result)["message"] == (
        "lum-exempel.xlsx har inga ansökningar för år 2018; det finns inget att summera."
    )
    plain = run("rollup", str(EXAMPLE), "--year", "2018")
    assert plain.exit_code == 3 and plain.stdout == ""


def test_export_of_a_year_without_applications_exit_3(tmp_path: Path) -> None:
    out = tmp_path / "ut"
    result = run("export", str(EXAMPLE), "--year", "2018", "-o", str(out))
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "lum-exempel.xlsx har inga ansökningar för år 2018; inget har skrivits."
    )
    assert not out.exists()


def test_json_for_a_wrong_command_line(tmp_path: Path) -> None:
    result = run("validate", "--json")
    assert result.exit_code == 2
    assert refusal(result)["message"] == "Ange argumentet 'LIGGARE'."
    result = run("rollup", str(EXAMPLE), "--json", "--year", "tjugo")
    assert result.exit_code == 2
    assert "”tjugo” är inte ett år" in str(refusal(result)["message"])
    assert run("validate").stdout == ""  # without --json: only the usage text, on stderr


def test_json_for_an_invalid_ledger_is_the_findings(tmp_path: Path) -> None:
    bad = make_ledger(
        tmp_path,
        change=lambda r: r[ledger_format.APPLICATIONS][0].update({"Beviljat belopp": 400_000}),
    )
    for args in (["validate"], ["rollup"], ["reconcile"]):
        result = run(*args, str(bad), "--json")
        assert result.exit_code == 1, (args, result.output)
        payload = json.loads(result.stdout)
        assert "findings" in payload and "error" not in payload, args


def test_json_on_success(tmp_path: Path) -> None:
    for args, status in ((["validate"], 0), (["rollup", "--year", "2019"], 0), (["reconcile"], 1)):
        result = run(*args, str(EXAMPLE), "--json")
        assert result.exit_code == status, (args, result.output)
        assert "error" not in json.loads(result.stdout)


def test_the_real_program_prints_json_for_a_missing_file(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lumledger", "validate", str(tmp_path / "saknas.xlsx"), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    payload = json.loads(proc.stdout)
    assert payload["error"]["exit_code"] == 2
    assert payload["error"]["message"] == proc.stderr.strip()
    assert re.match(r"Filen saknas\.xlsx finns inte", proc.stderr)


def test_readme_documents_the_exit_statuses() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "3 inga ansökningar för året" in readme
    assert '{"error": {"message": "…",' in readme
