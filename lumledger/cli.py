"""The ``lumledger`` command line: thin click wrappers over the library, one per command.

Each command calls one library function and formats its result; heavy libraries (pandas,
pandera, openpyxl) are imported inside the commands, so ``lumledger --help`` starts fast.
Exit status (README.md's table): 0 fine, 1 findings (or an invalid ledger, or a cycle step
refused), 2 the file cannot be read or written, or the command line is wrong, 3 the year asked
for has no applications. With ``--json`` every outcome is printed as JSON on standard output.
click's own texts (usage, help, errors) are Swedish while a command runs (``click_in_swedish``).
This is the only module that imports click.
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lumledger import __version__

if TYPE_CHECKING:
    from lumledger.findings import Finding
    from lumledger.reports.tables import Report, Table

# Exit statuses besides 0, 1 (findings) and 2 (unreadable file, wrong command line): README.md.
NO_APPLICATIONS = 3  # rollup/export: the year asked for has no applications


@contextmanager
def click_in_swedish() -> Iterator[None]:
    """click's own texts in Swedish (lumledger.swedish.CLICK_TEXTS) while the block runs.

    click looks up every text it writes through the names ``_`` and ``ngettext`` that each of
    its modules binds to the standard library's ``gettext`` functions. For the block, those
    names in click's modules point at lumledger's catalogue; afterwards they are put back. The
    process's gettext domain, locale and every other module are left alone.
    """
    from lumledger.swedish import CLICK_CATALOGUE

    ours = {"_": CLICK_CATALOGUE.gettext, "ngettext": CLICK_CATALOGUE.ngettext}
    standard = {"_": gettext.gettext, "ngettext": gettext.ngettext}
    bound: list[tuple[Any, str]] = []
    try:
        for name, module in list(sys.modules.items()):
            if module is None or not (name == "click" or name.startswith("click.")):
                continue
            for attribute, function in standard.items():
                if getattr(module, attribute, None) is function:
                    setattr(module, attribute, ours[attribute])
                    bound.append((module, attribute))
        yield
    finally:
        for module, attribute in bound:
            setattr(module, attribute, standard[attribute])


class SwedishCommand(click.Command):
    """A command whose usage line says ``[FLAGGOR]``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        super().__init__(*args, **kwargs)


class SwedishGroup(click.Group):
    """A group of commands (``lumledger``, ``lumledger cycle``) with Swedish usage words."""

    command_class = SwedishCommand
    group_class = type  # subgroups are made like their parent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENT]...")
        super().__init__(*args, **kwargs)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's ``main`` with its texts in Swedish; a wrong command line with ``--json`` also
        prints its message as JSON (``refusal_json``)."""
        given = sys.argv[1:] if args is None else list(args)
        with click_in_swedish():
            if not standalone_mode:
                return super().main(args, prog_name, complete_var, False, **extra)
            try:
                status = super().main(args, prog_name, complete_var, False, **extra)
            except click.ClickException as exc:
                exc.show()
                if "--json" in given:
                    print_json(refusal_json(exc.format_message(), exc.exit_code))
                sys.exit(exc.exit_code)
            except click.Abort:
                from lumledger.swedish import CLICK_TEXTS

                click.echo(CLICK_TEXTS["Aborted!"], err=True)
                sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


class YearType(click.ParamType):
    """A budget year, four digits (1900–9999); ÅÅÅÅ in the help."""

    name = "år"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "ÅÅÅÅ"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip()
        if len(text) == 4 and text.isascii() and text.isdigit() and int(text) >= 1900:
            return int(text)
        self.fail(f"”{value}” är inte ett år; skriv fyra siffror, t.ex. 2020", param, ctx)


class DateType(click.ParamType):
    """A date written ÅÅÅÅ-MM-DD."""

    name = "datum"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return DATE_METAVAR

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"”{value}” är inte ett datum; skriv ÅÅÅÅ-MM-DD, t.ex. 2019-12-31", param, ctx
            )


class SwedishPath(click.Path):
    """click's Path, naming itself in Swedish in its errors (”Filen … finns inte”): click sets
    that name when the type is made, at import, outside ``click_in_swedish``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lumledger.swedish import CLICK_TEXTS

        super().__init__(*args, **kwargs)
        self.name = CLICK_TEXTS.get(self.name, self.name)


class LedgerPath(SwedishPath):
    """The ledger workbook's path (read and checked by the library, not by click); LIGGARE."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "LIGGARE"


YEAR = YearType()
DATE = DateType()
DATE_METAVAR = "ÅÅÅÅ-MM-DD"
LEDGER = LedgerPath(path_type=Path, dir_okay=True, file_okay=True)


@click.group(
    cls=SwedishGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(
    __version__,
    prog_name="lumledger",
    message="%(prog)s, version %(version)s",
    help="Visa versionen och avsluta.",
)
def main() -> None:
    """lumledger – kontroll, summering, bilagor och avstämning av LUM-liggaren.

    LUM-liggaren är Excel-arbetsboken där lokala utvecklingsmedel (projekt och studiebesök)
    registreras, bedöms, beslutas, betalas ut och följs upp.
    """


def refusal_json(message: str, exit_code: int) -> dict[str, Any]:
    """The JSON a command prints with ``--json`` when it does nothing: why, and its exit status."""
    return {"error": {"message": message, "exit_code": exit_code}}


def _fail(message: str, code: int = 2, *, as_json: bool = False) -> NoReturn:
    click.echo(message, err=True)
    if as_json:
        print_json(refusal_json(message, code))
    sys.exit(code)


def _refuse(message: str, code: int, as_json: bool) -> int:
    """Say why nothing was done (standard error, and as JSON with ``--json``); returns ``code``."""
    click.echo(message, err=True)
    if as_json:
        print_json(refusal_json(message, code))
    return code


def guarded(
    action: Callable[[], int], ledger: Path | None = None, *, as_json: bool = False
) -> NoReturn:
    """Run ``action`` and exit with its status; known errors become one Swedish sentence.

    With ``ledger``, the file is checked first (standard library only), before the action
    imports pandas: an unreadable or hostile file is refused at once. With ``as_json`` that
    sentence is also printed as JSON on standard output (``refusal_json``).
    """
    from lumledger import collector
    from lumledger.findings import LedgerReadError, LedgerWriteError
    from lumledger.workbook.native import native_messages_held
    from lumledger.workbook.package import checks_reused, open_package

    try:
        # The process-wide settings of one command, taken here and nowhere in the library: the
        # file's check is reused by the reader, Rust's panic messages are kept off the terminal
        # and the cyclic garbage collector is paused (see each module).
        with checks_reused(), native_messages_held():
            if ledger is not None:
                open_package(ledger)
            with collector.paused():
                status = action()
    except (LedgerReadError, LedgerWriteError) as exc:
        _fail(exc.message, as_json=as_json)
    except KeyboardInterrupt:
        _fail("Avbrutet.", 130, as_json=as_json)
    except MemoryError:
        _fail(
            "Arbetsboken är för stor för datorns minne; dela upp den eller använd en större dator.",
            as_json=as_json,
        )
    except Exception as exc:  # never a traceback for the officer
        if os.environ.get("LUMLEDGER_DEBUG"):
            raise
        _fail(
            "Ett oväntat fel inträffade i lumledger "
            f"({type(exc).__name__}); kör igen med LUMLEDGER_DEBUG=1 och skicka utskriften "
            "till förvaltningens IT-stöd.",
            as_json=as_json,
        )
    sys.exit(status)


def print_findings(items: Iterable[Finding], *, with_id: bool = False) -> None:
    """One line per finding (``Ansökningar!M5  LUM-E008  …``), the Id first with ``with_id``."""
    from lumledger.reports.findings_table import findings_listing

    print_report_tables(findings_listing(items, with_id=with_id))


def print_report_tables(*tables: Table) -> None:
    """Tables as terminal text (lumledger.reports.text_writer)."""
    from lumledger.reports.tables import Report

    print_report(Report(title=None, tables=tables))


def print_report(report: Report) -> None:
    from lumledger.reports.text_writer import render_report

    click.echo(render_report(report), nl=False)


PROGRESS_DELAY = 1.0  # seconds of work before a progress bar appears
_PROGRESS_STEPS = 1000


@contextmanager
def progress_bar() -> Iterator[None]:
    """Draw the progress the library reports (:mod:`lumledger.progress`) as a bar on standard
    error while the block runs: only on a terminal, and only once the work has taken a second
    (a small ledger is done before any bar would show). The bar is gone when the block ends."""
    if not _is_terminal(sys.stderr):
        yield
        return
    from lumledger import progress

    started = time.monotonic()
    bar: Any = None
    # The bar draws on its own copy of the terminal's descriptor: descriptor 2 is redirected
    # while a command runs, to hold back Rust's panic messages (lumledger.workbook.native).
    terminal = _own_copy(sys.stderr)

    def show(label: str, fraction: float) -> None:
        nonlocal bar
        if bar is None:
            if time.monotonic() - started < PROGRESS_DELAY:
                return
            bar = click.progressbar(
                length=_PROGRESS_STEPS, label=label, file=terminal, show_eta=False, width=30
            )
            bar.__enter__()
        bar.label = label
        bar.update(max(round(fraction * _PROGRESS_STEPS) - bar.pos, 0))

    try:
        with progress.listening(show):
            yield
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        if terminal is not sys.stderr:
            terminal.close()


def _own_copy(stream: Any) -> Any:
    """A text stream on a duplicate of ``stream``'s descriptor (``stream`` itself if it has none)."""
    try:
        stream.flush()
        return os.fdopen(os.dup(stream.fileno()), "w", encoding=stream.encoding or "utf-8")
    except (AttributeError, OSError, ValueError):
        return stream


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def print_json(payload: dict[str, Any]) -> None:
    """``json.dumps(payload, ensure_ascii=False, indent=2, default=str)``, faster for long lists
    (:mod:`lumledger.reports.json_text`)."""
    from lumledger.reports.json_text import dumps

    click.echo(dumps(payload))


# --- validate --------------------------------------------------------------------------------------


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
@click.option(
    "-o",
    "--output",
    "output",
    type=SwedishPath(path_type=Path, dir_okay=False),
    metavar="FIL.xlsx",
    help="Skriv också felen som arbetsbok (bladet Fel) för filtrering och utskrift.",
)
def validate(ledger: Path, as_json: bool, output: Path | None = None) -> None:
    """Kontrollera LIGGARE mot alla regler i formatet (LUM-E…, LUM-W…).

    Exit 0 giltig (varningar tillåts), 1 fel i liggaren, 2 om filen inte går att läsa.
    """

    def action() -> int:
        from lumledger import api
        from lumledger.findings import plural, summarize

        with progress_bar():
            result = api.validate(ledger)
        if output is not None:
            from lumledger.reports.findings_table import write_findings_workbook

            write_findings_workbook(result, output, source=ledger)
        summary = summarize(result.findings)
        if as_json:
            print_json(result.to_dict())
        else:
            print_findings(result.findings)
            verdict = "liggaren är giltig" if result.valid else "liggaren har fel som måste rättas"
            click.echo(
                f"{ledger.name}: {plural(summary.errors, 'fel', 'fel')}, "
                f"{plural(summary.warnings, 'varning', 'varningar')} – {verdict}."
            )
            if output is not None:
                click.echo(f"Felen skrevs till {output}.")
        return 0 if result.valid else 1

    guarded(action, ledger, as_json=as_json)


# --- cycle -----------------------------------------------------------------------------------------


@main.group()
def cycle() -> None:
    """Årets cykel: ny omgång, beslut och stängning. Skriver i liggaren, efter en säkerhetskopia."""


def _run_cycle(step: Callable[[], Any], ledger: Path) -> None:
    def action() -> int:
        from lumledger.cycle import CycleRefusal

        try:
            with progress_bar():
                result = step()
        except CycleRefusal as refusal:
            print_findings(refusal.findings, with_id=True)
            click.echo(refusal.message, err=True)
            return 1
        from lumledger.swedish import plural

        for line in result.plan.summary:
            click.echo(line)
        written = plural(len(result.write.changed_cells), "cell", "celler")
        click.echo(f"Skrev {written} i {result.write.path.name}.")
        click.echo(f"Säkerhetskopia: {result.write.backup}")
        after = result.validation_after
        if after.errors:
            print_findings(after.errors)
            click.echo(f"Obs: liggaren har nu {plural(len(after.errors), 'fel', 'fel')}; se ovan.")
        return 0

    guarded(action, ledger)


def _date(value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return DATE.convert(value, None, None)
    except click.BadParameter as exc:
        exc.param_hint = f"'{option}'"  # quoted like click's own hints
        raise


@cycle.command("new-round")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=YEAR, required=True, help="Det nya budgetåret.")
@click.option(
    "--opens",
    metavar=DATE_METAVAR,
    help="Ansökan öppnar; annars föregående års datum plus ett år.",
)
@click.option(
    "--closes",
    metavar=DATE_METAVAR,
    help="Ansökan stänger; annars föregående års datum plus ett år.",
)
@click.option(
    "--hoppa-over-ar",
    "skip_years",
    is_flag=True,
    help="Tillåt att omgången hoppar över år efter den senaste (t.ex. 2024 efter 2022).",
)
def new_round_command(
    ledger: Path, year: int, opens: str | None, closes: str | None, skip_years: bool
) -> None:
    """Öppna omgången ÅÅÅÅ i LIGGARE (bara omgången) och lista de fleråriga projekt som väntas
    söka för nästa projektår.

    Exit 0, 1 om steget vägras (inget skrivs), 2 om filen inte går att läsa eller skriva.
    """
    opens_on, closes_on = _date(opens, "--opens"), _date(closes, "--closes")

    def step() -> Any:
        from lumledger import api

        return api.new_round(ledger, year, opens=opens_on, closes=closes_on, skip_years=skip_years)

    _run_cycle(step, ledger)


@cycle.command("decide")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=YEAR, required=True, help="Omgångens år.")
@click.option(
    "--date", "decided_on", metavar=DATE_METAVAR, required=True, help="Nämndens beslutsdatum."
)
@click.option("--dnr", metavar="DIARIENUMMER", help="Beslutets diarienummer.")
def decide_command(ledger: Path, year: int, decided_on: str, dnr: str | None) -> None:
    """Registrera nämndens beslut för ÅÅÅÅ i LIGGARE och frys de beviljade beloppen.

    Exit 0, 1 om steget vägras (inget skrivs), 2 om filen inte går att läsa eller skriva.
    """
    day = _date(decided_on, "--date")

    def step() -> Any:
        from lumledger import api

        return api.decide(ledger, year, decided_on=day, diary_number=dnr)

    _run_cycle(step, ledger)


@cycle.command("close")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=YEAR, required=True, help="Året som stängs.")
@click.option(
    "--force",
    is_flag=True,
    help="Stäng trots att något är öppet; kräver --reason, som antecknas i liggaren.",
)
@click.option(
    "--reason",
    metavar="SKÄL",
    help="Varför året stängs med --force; antecknas i Omgångar (Stängningsanteckning).",
)
@click.option("--as-of", "as_of", metavar=DATE_METAVAR, help="Avstämningsdag; standard är i dag.")
def close_command(
    ledger: Path, year: int, force: bool, reason: str | None, as_of: str | None
) -> None:
    """Stäng ÅÅÅÅ i LIGGARE när allt är utbetalt, redovisat, återbetalt och avstämt.

    Exit 0, 1 om steget vägras (inget skrivs), 2 om filen inte går att läsa eller skriva.
    """
    as_of_day = _date(as_of, "--as-of")

    def step() -> Any:
        from lumledger import api

        return api.close(ledger, year, force=force, reason=reason, as_of=as_of_day)

    _run_cycle(step, ledger)


# --- reconcile -------------------------------------------------------------------------------------


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Avstämningsdag; avgör vilka redovisningar som är försenade (standard: i dag).",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
@click.option(
    "-o",
    "--output",
    "output",
    type=SwedishPath(path_type=Path, dir_okay=False),
    metavar="FIL.xlsx",
    help="Skriv också en avstämningsarbetsbok (.xlsx) med avvikelser och avstämning per ansökan.",
)
def reconcile(ledger: Path, as_of: Any, as_json: bool, output: Path | None) -> None:
    """Stäm av LIGGARE: beslut, utbetalningar, redovisningar och återbetalningar (LUM-R…).

    Exit 0 utan avvikelser, 1 med avvikelser (eller fel i liggaren), 2 om filen inte går att läsa.
    """

    def action() -> int:
        from lumledger import api, progress

        with progress_bar():
            with progress.part(0.0, 0.8):
                result = api.reconcile(ledger, as_of)
            progress.report("Stämmer av", 1.0 if output is None else 0.9)
            if output is not None:
                from lumledger.reports.reconciliation_tables import (
                    write_reconciliation_workbook,
                )

                progress.report(f"Skriver {output.name}", 0.9)
                write_reconciliation_workbook(result, output, source=ledger)
                progress.report(f"Skriver {output.name}", 1.0)
        if as_json:
            print_json(result.to_dict())
        else:
            from lumledger.reports.reconciliation_tables import reconciliation_listing

            print_report(reconciliation_listing(result))
            if output is not None:
                click.echo(f"Avstämningen skrevs till {output}.")
        return 0 if result.clean else 1

    guarded(action, ledger, as_json=as_json)


# --- rollup and export -----------------------------------------------------------------------------


def _refuse_invalid(result: Any, ledger: Path, what: str, as_json: bool = False) -> int:
    """Print an invalid ledger's findings and say that nothing was done; returns exit status 1."""
    from lumledger.findings import plural, summarize

    summary = summarize(result.findings)
    if as_json:
        print_json(result.to_dict())
    else:
        print_findings(result.findings)
    click.echo(
        f"{ledger.name}: {plural(summary.errors, 'fel', 'fel')} – liggaren måste rättas innan "
        f"{what} kan göras; inget har skrivits.",
        err=True,
    )
    return 1


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option(
    "--year",
    type=YEAR,
    help="Bara detta år (standard: alla).",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
@click.option(
    "-o",
    "--output",
    "output",
    type=SwedishPath(path_type=Path),
    metavar="FIL.xlsx",
    help="Skriv också summeringen som arbetsbok (med diagram) för utskrift.",
)
def rollup(ledger: Path, year: int | None, as_json: bool, output: Path | None) -> None:
    """Summera LIGGARE per år, typ och förvaltning: sökt, beviljat, ram och fleråriga åtaganden.

    Exit 0, 1 om liggaren har fel (inget skrivs), 2 om en fil inte går att läsa eller skriva,
    3 om året inte har några ansökningar.
    """
    if output is not None and output.suffix.lower() != ".xlsx":
        raise click.BadParameter(
            f"”{output.name}” ska vara en arbetsbok som slutar på .xlsx", param_hint="'-o'"
        )

    def action() -> int:
        from lumledger import api
        from lumledger.reports.rollup_tables import render_rollup_text

        with progress_bar():
            result = api.rollup(ledger, year)
        if not result.valid:
            return _refuse_invalid(result.validation, ledger, "summeringen", as_json)
        summary = result.rollup
        if summary is None:
            return _refuse(
                f"{ledger.name} har inga ansökningar för år {year}; det finns inget att summera.",
                NO_APPLICATIONS,
                as_json,
            )
        if output is not None:
            from lumledger import progress
            from lumledger.reports.rollup_tables import write_summary_workbook

            with progress_bar():
                progress.report(f"Skriver {output.name}", 0.0)
                write_summary_workbook(summary, output)
                progress.report(f"Skriver {output.name}", 1.0)
        if as_json:
            print_json(result.to_dict())
        else:
            click.echo(render_rollup_text(summary), nl=False)
            if output is not None:
                click.echo(f"\nSummeringen skrevs till {output}.")
        return 0

    guarded(action, ledger, as_json=as_json)


def _formats_option(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    from lumledger.official import FORMATS

    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"okänt format ”{', '.join(unknown) or value}”; välj bland {', '.join(FORMATS)}"
        )
    return chosen


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option(
    "--year",
    type=YEAR,
    required=True,
    help="Omgångens år.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=SwedishPath(path_type=Path),
    required=True,
    metavar="MAPP",
    help="Mappen som bilagorna skrivs i (skapas vid behov).",
)
@click.option(
    "--format",
    "formats",
    default="xlsx,docx,csv",
    show_default=True,
    metavar="FORMAT,…",
    callback=_formats_option,
    help="Vilka filer som skrivs, kommaseparerat.",
)
@click.option(
    "--utkast",
    "draft",
    is_flag=True,
    help="Skriv ett utkast även om belopp saknas: varje sida märks UTKAST och filnamnen "
    "slutar på -utkast.",
)
def export(ledger: Path, year: int, out_dir: Path, formats: tuple[str, ...], draft: bool) -> None:
    """Skriv Bilaga 1 och 2 för ÅÅÅÅ som i nämndens beslut (xlsx, docx och csv).

    Filerna heter fordelning-ÅÅÅÅ.xlsx, fordelning-ÅÅÅÅ.docx, bilaga1-ÅÅÅÅ.csv och
    bilaga2-ÅÅÅÅ.csv. Personuppgifter (Kontaktperson, E-post) kommer aldrig med.
    Saknar någon av årets ansökningar belopp (Beviljat belopp tomt) vägrar exporten och listar
    dem, utom med --utkast.
    Exit 0, 1 om liggaren har fel eller belopp saknas (inget skrivs), 2 om en fil inte går att
    läsa eller skriva, 3 om året inte har några ansökningar (inget skrivs).
    """

    def action() -> int:
        from lumledger import api
        from lumledger.findings import plural

        with progress_bar():
            result = api.export(ledger, year, out_dir, formats, draft=draft)
        if not result.validation.valid:
            return _refuse_invalid(result.validation, ledger, "exporten")
        if result.refused is not None and result.undecided:
            click.echo(f"{ledger.name}: {result.refused}", err=True)
            for line in result.undecided:
                click.echo(f"  {line}", err=True)
            return 1
        if result.refused is not None:
            return _refuse(
                f"{ledger.name} har inga ansökningar för år {year}; inget har skrivits.",
                NO_APPLICATIONS,
                False,
            )
        for warning in result.warnings:
            click.echo(f"Obs: {warning}", err=True)
        if draft:
            click.echo(f"Utkast till Bilaga 1 och 2 för {year} (märkta UTKAST) skrevs:")
        else:
            click.echo(f"Bilaga 1 och 2 för {year} skrevs:")
        for path in result.files:
            click.echo(f"  {path}")
        if draft and result.undecided:
            click.echo(
                f"Belopp saknas för {plural(len(result.undecided), 'ansökan', 'ansökningar')}:"
            )
            for line in result.undecided:
                click.echo(f"  {line}")
        return 0

    guarded(action, ledger)


SERVE_SECRET_ENV = "LUMLEDGER_SERVE_SECRET"  # lumledger.xl.server.SECRET_ENV


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADRESS",
    help="Adressen servern lyssnar på.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    metavar="PORT",
    help="Porten servern lyssnar på.",
)
@click.option(
    "--max-mb",
    type=click.IntRange(1, 1024),
    metavar="MB",
    default=32,
    show_default=True,
    help="Största anrop (arbetsbok) i MB.",
)
@click.option(
    "--no-secret",
    is_flag=True,
    help="Ingen delad nyckel: stadens inloggning framför servern kontrollerar anropen "
    "(bara på 127.0.0.1).",
)
def serve(host: str, port: int, max_mb: int, no_secret: bool) -> None:
    """Kör knapparna och kalkylbladsfunktionerna som server för Excel (xlwings).

    Kräver tillägget lumledger[server] och xlwings licensnyckel i XLWINGS_LICENSE_KEY.
    Varje anrop ska ha den delade nyckeln (miljövariabeln LUMLEDGER_SERVE_SECRET) i
    huvudet Authorization. Stoppa med Ctrl+C. Se docs/excel.md.
    """
    import importlib

    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        _fail(
            "XLWINGS_LICENSE_KEY saknas: sätt xlwings licensnyckel i miljön innan servern "
            "startas (se docs/excel.md om licensen)."
        )
    secret = os.environ.get(SERVE_SECRET_ENV) or None
    if secret is None and not no_secret:
        _fail(f"{SERVE_SECRET_ENV} saknas: sätt den delade nyckeln, eller ange --no-secret.")
    if no_secret and host not in ("127.0.0.1", "::1", "localhost"):
        _fail("--no-secret går bara med --host 127.0.0.1 (inloggningen står framför servern).")
    try:
        # Loaded at run time: the Excel front end is an optional part (lumledger[server]) and
        # the only package that imports xlwings.
        server = importlib.import_module("lumledger.xl.server")
    except ImportError as exc:
        _fail(f"Servern kräver tillägget lumledger[server] (fastapi, uvicorn): {exc}")
    except Exception as exc:  # xlwings refuses the licence key
        _fail(f"xlwings kunde inte startas: {exc}")
    server.serve(host, port, None if no_secret else secret, max_bytes=max_mb * 1024 * 1024)


# --- import (issue 15) ------------------------------------------------------------------------------


@main.command("import")
@click.argument("ledger", type=LEDGER)
@click.argument(
    "forms",
    nargs=-1,
    required=True,
    type=SwedishPath(path_type=Path, dir_okay=False),
    metavar="BLANKETT.docx ...",
)
@click.option("--dry-run", is_flag=True, help="Visa planen men skriv ingenting.")
@click.option("--json", "as_json", is_flag=True, help="Skriv planen som JSON på standard ut.")
@click.option(
    "--uppdatera", "update", is_flag=True, help="Skriv över celler som redan har andra värden."
)
def import_command(
    ledger: Path, forms: tuple[Path, ...], dry_run: bool, as_json: bool, update: bool
) -> None:
    """Läs in ifyllda ansöknings- och redovisningsblanketter (.docx) i LIGGARE.

    Varje blankett känns igen på sin rubrik och matchas mot sin ansökan (år, förvaltning och
    projektets namn). Planen visas per blankett; den skrivs med säkerhetskopia om inte
    --dry-run anges. En blankett med fält som inte går att läsa skrivs inte alls.
    Exit 0, 1 om någon blankett avvisades, 2 om en fil inte går att läsa eller skriva.
    """

    def action() -> int:
        from lumledger import api

        result = api.import_forms(ledger, forms, update=update, dry_run=dry_run)
        if as_json:
            print_json(result.to_dict())
        else:
            for form in result.forms:
                for line in form.lines():
                    click.echo(line)
            if result.written:
                click.echo(f"{ledger.name}: skrivet (säkerhetskopia {result.backup}).")
            elif dry_run:
                click.echo(f"{ledger.name}: --dry-run, ingenting skrevs.")
            else:
                click.echo(f"{ledger.name}: ingenting skrevs.")
        return 1 if result.refused else 0

    guarded(action, ledger, as_json=as_json)


if __name__ == "__main__":  # pragma: no cover
    main()
