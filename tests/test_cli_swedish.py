"""The command line speaks Swedish all the way: click's help and error texts, the placeholders in
the help, counted nouns; and the Swedish texts stay bound to the command line only."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE, ROOT, make_ledger

from lumledger import api, cli, ledger_format
from lumledger.cli import main
from lumledger.swedish import CLICK_PLURAL_TEXTS, CLICK_TEXTS, plural

CLICK_DIR = Path(click.__file__).parent

# English that must never reach an officer from the command line.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Error:|Try '|Show this|Show the|\[required|default:|"
    r"Missing (argument|option|parameter)|No such (option|command)|Invalid value|"
    r"Got unexpected|Did you mean|requires an argument|is not a valid|does not exist|"
    r"is not in the range|is not one of|Aborted"
)
# Placeholders click would print for an option or argument without a Swedish one (click's TEXT
# is also a Swedish word and may stay).
ENGLISH_METAVARS = re.compile(
    r"\b(INTEGER|FLOAT|BOOLEAN|PATH|FILE|FILENAME|DIRECTORY|RANGE|LEDGER|YEAR|DIR|OUT|"
    r"OPTIONS|COMMAND|ARGS|CHOICE|UUID|DATE|OUTPUT)\b"
)
# click's texts that only a wrongly declared command can produce (a programming error, raised
# while lumledger is imported, never in front of an officer); they stay English.
DEVELOPER_ONLY = {
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Invalid start character for option ({option})",
    "Choice({choices})",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="lumledger")


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path of the program: (), ("validate",), ("cycle",), ("cycle", "close"), …"""
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


# --- click's catalogue ---------------------------------------------------------------------------


def _click_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """The literal texts click's source passes to ``_()`` and ``ngettext()``."""
    singles: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for source in CLICK_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.id == "_" and texts and isinstance(texts[0], str):
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) >= 2:
                pairs.add((texts[0], texts[1]))
    return singles, pairs


def test_every_text_click_writes_has_its_swedish() -> None:
    singles, pairs = _click_messages()
    assert len(singles) > 40 and len(pairs) >= 5  # the scan found click's texts
    missing = sorted(singles - set(CLICK_TEXTS) - DEVELOPER_ONLY)
    assert not missing, f"click texts without Swedish (add to lumledger.swedish): {missing}"
    assert not pairs - set(CLICK_PLURAL_TEXTS), pairs - set(CLICK_PLURAL_TEXTS)


def test_the_catalogue_names_only_texts_click_has() -> None:
    singles, pairs = _click_messages()
    passed_as_variable = {"required"}  # _(extra["required"]) in Option.get_help_record
    assert passed_as_variable <= set(CLICK_TEXTS)
    assert re.search(r"_\(extra\[.required.\]\)", (CLICK_DIR / "core.py").read_text("utf-8"))
    assert not set(CLICK_TEXTS) - singles - passed_as_variable, set(CLICK_TEXTS) - singles
    assert not set(CLICK_PLURAL_TEXTS) - pairs, set(CLICK_PLURAL_TEXTS) - pairs


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_translations_use_only_the_fields_click_fills_in() -> None:
    for english, swedish in CLICK_TEXTS.items():
        assert _fields(swedish) <= _fields(english), (english, swedish)
        assert ("%(" in swedish) <= ("%(" in english)
    for (one, many), (sv_one, sv_many) in CLICK_PLURAL_TEXTS.items():
        assert _fields(sv_one) | _fields(sv_many) <= _fields(one) | _fields(many), one


def test_swedish_only_while_a_command_runs() -> None:
    def bound() -> set[str]:
        return {
            name
            for name, module in sys.modules.items()
            if name.startswith("click")
            and getattr(module, "_", None) is not gettext.gettext
            and hasattr(module, "_")
        }

    assert bound() == set()
    assert click.core._("Usage:") == "Usage:"  # type: ignore[attr-defined]
    with cli.click_in_swedish():
        assert click.core._("Usage:") == "Användning:"  # type: ignore[attr-defined]
        assert (
            click.exceptions.ngettext(  # type: ignore[attr-defined]
                "Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1
            )
            == "Menade du {possibility}?"
        )
        assert gettext.gettext("Usage:") == "Usage:"  # the process's gettext is left alone
    assert bound() == set()
    run("validate", "--nope")
    assert bound() == set()
    assert click.core._("Usage:") == "Usage:"  # type: ignore[attr-defined]


def test_click_types_say_it_in_swedish() -> None:
    def message(type_: click.ParamType, value: str) -> str:
        with pytest.raises(click.BadParameter) as refused:
            type_.convert(value, None, None)
        return refused.value.format_message()

    with cli.click_in_swedish():
        assert message(click.Choice(["xlsx", "docx"]), "pdf") == (
            "Ogiltigt värde: ”pdf” är inte något av 'xlsx', 'docx'."
        )
        assert message(click.IntRange(1, 3), "9") == (
            "Ogiltigt värde: 9 ligger utanför intervallet 1<=x<=3."
        )
        assert message(click.INT, "nio") == "Ogiltigt värde: ”nio” är inte ett tal."
        # A Path made at import (outside the Swedish block) still names itself in Swedish.
        assert message(cli.SwedishPath(exists=True, dir_okay=False), "saknas.xlsx") == (
            "Ogiltigt värde: Filen ”saknas.xlsx” finns inte."
        )


# --- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(commands()), ids=lambda p: " ".join(p) or "lumledger")
def test_help_is_swedish(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(f"Användning: {' '.join(('lumledger', *path)) if path else 'lumledger'}")
    assert "Flaggor:" in text and "Visa den här hjälpen och avsluta." in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert not ENGLISH_METAVARS.search(text), ENGLISH_METAVARS.search(text)
    if path:
        assert "[FLAGGOR]" in text
    if isinstance(command_at(path), click.Group):
        assert "Kommandon:" in text and "KOMMANDO [ARGUMENT]..." in text


def test_every_parameter_has_a_swedish_placeholder() -> None:
    """The help's placeholders (LIGGARE, ÅÅÅÅ, MAPP, …), also for options added later."""
    ctx = click.Context(main)
    for path in commands():
        for param in command_at(path).params:
            if isinstance(param, click.Option) and (param.is_flag or param.count):
                continue
            metavar = param.make_metavar(ctx)
            assert not ENGLISH_METAVARS.search(metavar), (path, param.name, metavar)
            if isinstance(param.type, click.Path):
                assert param.type.name in {"filen", "mappen", "sökvägen"}, (path, param.name)


def test_the_ledger_year_and_dates_have_swedish_placeholders() -> None:
    text = run("cycle", "decide", "--help").output
    assert "Användning: lumledger cycle decide [FLAGGOR] LIGGARE" in text
    assert re.search(r"--year ÅÅÅÅ\s+Omgångens år\.\s+\[krävs\]", text), text
    assert "--date ÅÅÅÅ-MM-DD" in text and "--dnr DIARIENUMMER" in text
    text = run("export", "--help").output
    assert "-o, --output MAPP" in text and "[standard: xlsx,docx,csv]" in " ".join(text.split())
    assert "INTEGER RANGE" not in text and "1900<=x<=9999" not in text


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("lumledger, version ")


# --- errors on the command line -----------------------------------------------------------------

USAGE_ERRORS = [
    (["cycle", "decide", "liggare.xlsx", "--year", "2019"], "Fel: Ange flaggan '--date'."),
    (["validate"], "Fel: Ange argumentet 'LIGGARE'."),
    (["validate", "a.xlsx", "b.xlsx"], "Fel: Ett argument för mycket: b.xlsx"),
    (["validate", "a.xlsx", "--jsn"], "Fel: Flaggan '--jsn' finns inte. Menade du '--json'?"),
    (["valdate", "a.xlsx"], "Fel: Kommandot 'valdate' finns inte. Menade du 'validate'?"),
    (
        ["rollup", "a.xlsx", "--year", "20x9"],
        "Fel: Ogiltigt värde för '--year': ”20x9” är inte ett år; skriv fyra siffror, t.ex. 2020",
    ),
    (
        ["rollup", "a.xlsx", "--year", "99999"],
        "Fel: Ogiltigt värde för '--year': ”99999” är inte ett år; skriv fyra siffror, t.ex. 2020",
    ),
    (
        ["reconcile", "a.xlsx", "--as-of", "2019-13-01"],
        "Fel: Ogiltigt värde för '--as-of': ”2019-13-01” är inte ett datum; skriv ÅÅÅÅ-MM-DD, "
        "t.ex. 2019-12-31",
    ),
    (
        ["cycle", "decide", "a.xlsx", "--year", "2019", "--date", "18 dec"],
        "Fel: Ogiltigt värde för '--date': ”18 dec” är inte ett datum; skriv ÅÅÅÅ-MM-DD, "
        "t.ex. 2019-12-31",
    ),
    (["export", "a.xlsx", "--year", "2019", "-o"], "Fel: Flaggan '-o' behöver ett värde."),
    (
        ["rollup", "a.xlsx", "-o", "summering.pdf"],
        "Fel: Ogiltigt värde för '-o': ”summering.pdf” ska vara en arbetsbok som slutar på .xlsx",
    ),
    (
        ["export", "a.xlsx", "--year", "2019", "-o", "ut", "--format", "pdf"],
        "Fel: Ogiltigt värde för '--format': okänt format ”pdf”; välj bland xlsx, docx, csv",
    ),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=lambda v: str(v)[:40])
def test_usage_errors_are_swedish_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == message, result.stderr
    if len(lines) > 1 and args[0] != "valdate":
        assert lines[0].startswith(f"Användning: lumledger {args[0]}"), lines
        assert re.match(r"Skriv 'lumledger [a-z -]+--help' för hjälp\.", lines[1]), lines
    assert not ENGLISH.search(result.stderr), result.stderr


def test_no_command_shows_the_help_in_swedish() -> None:
    result = run()
    assert result.output.startswith("Användning: lumledger [FLAGGOR] KOMMANDO [ARGUMENT]...")
    assert not ENGLISH.search(result.output)


# --- counted nouns ------------------------------------------------------------------------------


def test_plural() -> None:
    assert plural(1, "ansökan", "ansökningar") == "1 ansökan"
    assert plural(2, "ansökan", "ansökningar") == "2 ansökningar"
    assert plural(0, "avvikelse", "avvikelser") == "0 avvikelser"


def _fake_cycle_result(tmp_path: Path, cells: int) -> Any:
    return SimpleNamespace(
        plan=SimpleNamespace(summary=["Omgångar rad 2: 2019 stängd."]),
        write=SimpleNamespace(
            changed_cells=[object()] * cells,
            path=tmp_path / "liggare.xlsx",
            backup=tmp_path / "liggare.bak.xlsx",
        ),
        validation_after=SimpleNamespace(errors=[]),
    )


@pytest.mark.parametrize(("cells", "said"), [(1, "Skrev 1 cell i"), (3, "Skrev 3 celler i")])
def test_a_cycle_step_counts_its_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: int, said: str
) -> None:
    ledger = make_ledger(tmp_path)
    with pytest.raises(SystemExit) as exited:
        cli._run_cycle(lambda: _fake_cycle_result(tmp_path, cells), ledger)
    assert exited.value.code == 0
    assert f"{said} liggare.xlsx." in capsys.readouterr().out


def _one_open_application(rows: dict[str, list[dict[str, Any]]]) -> None:
    rows[ledger_format.ROUNDS][0].update({"Status": "Öppen", "Beslutsdatum": None})
    rows[ledger_format.APPLICATIONS][:] = rows[ledger_format.APPLICATIONS][:1]
    for sheet in ("Utbetalningar", ledger_format.REPORTS, "Återbetalningar"):
        rows[sheet] = []


def test_deciding_one_application_says_1_ansokan(tmp_path: Path) -> None:
    ledger = make_ledger(tmp_path, change=_one_open_application)
    result = run("cycle", "decide", str(ledger), "--year", "2019", "--date", "2018-12-18")
    assert result.exit_code == 0, result.output
    assert "; 1 ansökan, beviljat totalt 200 000 kr" in result.output
    assert re.search(r"Skrev \d+ celler i liggare\.xlsx\.", result.output)


def test_one_undecided_application_is_1_ansokan(tmp_path: Path) -> None:
    def undecided(rows: dict[str, list[dict[str, Any]]]) -> None:
        _one_open_application(rows)
        rows[ledger_format.APPLICATIONS][0].update({"Beviljat belopp": None, "Beslut": None})

    ledger = make_ledger(tmp_path, change=undecided)
    result = run("cycle", "decide", str(ledger), "--year", "2019", "--date", "2018-12-18")
    assert result.exit_code == 1
    assert "1 ansökan för 2019 saknar beviljat belopp (2019-P01)" in result.output


def test_a_report_one_day_late_is_1_dag(tmp_path: Path) -> None:
    import datetime as dt

    import test_reconcile

    def late_2019_p02(rows: dict[str, list[dict[str, Any]]]) -> None:
        # 2019 keeps its report for 2019-P01, so the check runs; 2019-P02 gets granted and paid.
        app = next(a for a in rows[ledger_format.APPLICATIONS] if a["Id"] == "2019-P02")
        rows[ledger_format.DECISIONS][0]["Summa beviljat"] += 100_000 - app["Beviljat belopp"]
        app["Beviljat belopp"] = 100_000
        rows[ledger_format.PAYMENTS].append(
            {"Id": "2019-P02", "Datum": dt.date(2019, 1, 15), "Belopp": 100_000}
        )

    ledger = test_reconcile.make_ledger(tmp_path, change=late_2019_p02)
    for as_of, said in (("2020-02-29", "(1 dag sedan per"), ("2020-03-01", "(2 dagar sedan per")):
        result = api.reconcile(ledger, dt.date.fromisoformat(as_of))
        late = [f.message for f in result.findings if f.code == "LUM-R005"]
        assert len(late) == 1 and said in late[0], late


def test_at_most_one_grant_is_singular(tmp_path: Path) -> None:
    def one_allowed(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[ledger_format.ROUNDS][0]["Max beviljade per förvaltning"] = 1
        rows[ledger_format.APPLICATIONS][1].update(
            {"Förvaltning": "Bromma", "Beviljat belopp": 100_000, "Beslut": "Beviljas delvis"}
        )

    result = api.validate(make_ledger(tmp_path, change=one_allowed))
    messages = [f.message for f in result.findings if f.code == "LUM-E009"]
    assert messages and all("(högst 1 tillåtet)" in m for m in messages), messages


# --- the real program ---------------------------------------------------------------------------


def _program(*args: str, entry_point: bool = False) -> subprocess.CompletedProcess[str]:
    if entry_point:
        program = shutil.which("lumledger")
        if program is None:
            pytest.skip("the lumledger program is not installed")
        command = [program, *args]
    else:
        command = [sys.executable, "-m", "lumledger", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)


def test_python_m_lumledger_speaks_swedish() -> None:
    proc = _program("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Användning: lumledger [FLAGGOR] KOMMANDO [ARGUMENT]...")
    proc = _program("cycle", "decide", str(EXAMPLE), "--year", "2019")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "Fel: Ange flaggan '--date'."


def test_the_lumledger_program_speaks_swedish() -> None:
    proc = _program("rollup", str(EXAMPLE), "--year", "nittio", entry_point=True)
    assert proc.returncode == 2, proc.stderr
    assert "Användning: lumledger rollup [FLAGGOR] LIGGARE" in proc.stderr
    assert "”nittio” är inte ett år" in proc.stderr and not ENGLISH.search(proc.stderr)
