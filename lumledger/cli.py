"""The ``lumledger`` command line: thin click wrappers over the library, one per command.

Each command calls one library function and formats its result; heavy libraries (pandas,
pandera, openpyxl) are imported inside the commands, so ``lumledger --help`` starts fast.
Exit status: 0 fine, 1 findings (or an invalid ledger), 2 the file cannot be read or written.
This is the only module that imports click.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lumledger import __version__

if TYPE_CHECKING:
    from lumledger.findings import Finding
    from lumledger.reports.tables import Report, Table

LEDGER = click.Path(path_type=Path, dir_okay=True, file_okay=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lumledger")
def main() -> None:
    """lumledger – kontroll, summering, bilagor och avstämning av LUM-liggaren.

    LUM-liggaren är Excel-arbetsboken där lokala utvecklingsmedel (projekt och studiebesök)
    registreras, bedöms, beslutas, betalas ut och följs upp.
    """


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(action: Callable[[], int], ledger: Path | None = None) -> NoReturn:
    """Run ``action`` and exit with its status; known errors become one Swedish sentence.

    With ``ledger``, the file is checked first (standard library only), before the action
    imports pandas: an unreadable or hostile file is refused at once.
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
        _fail(exc.message)
    except KeyboardInterrupt:
        _fail("Avbrutet.", 130)
    except MemoryError:
        _fail(
            "Arbetsboken är för stor för datorns minne; dela upp den eller använd en större dator."
        )
    except Exception as exc:  # never a traceback for the officer
        if os.environ.get("LUMLEDGER_DEBUG"):
            raise
        _fail(
            "Ett oväntat fel inträffade i lumledger "
            f"({type(exc).__name__}); kör igen med LUMLEDGER_DEBUG=1 och skicka utskriften "
            "till förvaltningens IT-stöd."
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
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


# --- validate --------------------------------------------------------------------------------------


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
def validate(ledger: Path, as_json: bool) -> None:
    """Kontrollera LEDGER mot alla regler i formatet (LUM-E…, LUM-W…)."""

    def action() -> int:
        from lumledger import api
        from lumledger.findings import plural, summarize

        with progress_bar():
            result = api.validate(ledger)
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
        return 0 if result.valid else 1

    guarded(action, ledger)


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
        for line in result.plan.summary:
            click.echo(line)
        click.echo(f"Skrev {len(result.write.changed_cells)} celler i {result.write.path.name}.")
        click.echo(f"Säkerhetskopia: {result.write.backup}")
        after = result.validation_after
        if after.errors:
            print_findings(after.errors)
            click.echo(f"Obs: liggaren har nu {len(after.errors)} fel; se ovan.")
        return 0

    guarded(action, ledger)


def _date(value: str | None, option: str) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} är inte ett datum ÅÅÅÅ-MM-DD", param_hint=option
        ) from None


@cycle.command("new-round")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=click.IntRange(1900, 9999), required=True, help="Det nya budgetåret.")
@click.option(
    "--opens", help="Ansökan öppnar (ÅÅÅÅ-MM-DD); annars föregående års datum plus ett år."
)
@click.option(
    "--closes", help="Ansökan stänger (ÅÅÅÅ-MM-DD); annars föregående års datum plus ett år."
)
def new_round_command(ledger: Path, year: int, opens: str | None, closes: str | None) -> None:
    """Öppna omgången YEAR och för vidare fleråriga projekt från året innan."""
    opens_on, closes_on = _date(opens, "--opens"), _date(closes, "--closes")

    def step() -> Any:
        from lumledger import api

        return api.new_round(ledger, year, opens=opens_on, closes=closes_on)

    _run_cycle(step, ledger)


@cycle.command("decide")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=click.IntRange(1900, 9999), required=True, help="Omgångens år.")
@click.option("--date", "decided_on", required=True, help="Nämndens beslutsdatum (ÅÅÅÅ-MM-DD).")
@click.option("--dnr", help="Diarienummer.")
def decide_command(ledger: Path, year: int, decided_on: str, dnr: str | None) -> None:
    """Registrera beslutet för YEAR och frys de beviljade beloppen."""
    day = _date(decided_on, "--date")

    def step() -> Any:
        from lumledger import api

        return api.decide(ledger, year, decided_on=day, diary_number=dnr)

    _run_cycle(step, ledger)


@cycle.command("close")
@click.argument("ledger", type=LEDGER)
@click.option("--year", type=click.IntRange(1900, 9999), required=True, help="Året som stängs.")
@click.option("--force", is_flag=True, help="Stäng trots avvikelser; de antecknas i liggaren.")
@click.option("--as-of", "as_of", help="Avstämningsdag (ÅÅÅÅ-MM-DD); standard är i dag.")
def close_command(ledger: Path, year: int, force: bool, as_of: str | None) -> None:
    """Stäng YEAR när avstämningen inte har några avvikelser för året."""
    as_of_day = _date(as_of, "--as-of")

    def step() -> Any:
        from lumledger import api

        return api.close(ledger, year, force=force, as_of=as_of_day)

    _run_cycle(step, ledger)


# --- reconcile -------------------------------------------------------------------------------------


def _as_of_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"”{value}” är inte ett datum; skriv ÅÅÅÅ-MM-DD") from None


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option(
    "--as-of",
    "as_of",
    metavar="ÅÅÅÅ-MM-DD",
    callback=_as_of_option,
    help="Avstämningsdag; avgör vilka redovisningar som är försenade (standard: i dag).",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Skriv också en avstämningsarbetsbok (.xlsx) med avvikelser och avstämning per ansökan.",
)
def reconcile(ledger: Path, as_of: Any, as_json: bool, output: Path | None) -> None:
    """Stäm av LEDGER: beslut, utbetalningar, redovisningar och återbetalningar (LUM-R001–R011).

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

    guarded(action, ledger)


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
    type=click.IntRange(1900, 9999),
    metavar="ÅÅÅÅ",
    help="Bara detta år (standard: alla).",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    metavar="FIL.xlsx",
    help="Skriv också summeringen som arbetsbok (med diagram) för utskrift.",
)
def rollup(ledger: Path, year: int | None, as_json: bool, output: Path | None) -> None:
    """Summera LEDGER per år, typ och förvaltning: sökt, beviljat, ram och fleråriga åtaganden.

    Exit 0, 1 om liggaren har fel (inget skrivs), 2 om en fil inte går att läsa eller skriva.
    """
    if output is not None and output.suffix.lower() != ".xlsx":
        raise click.BadParameter(
            f"”{output.name}” ska vara en arbetsbok som slutar på .xlsx", param_hint="-o"
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
            click.echo(f"{ledger.name} har inga ansökningar för år {year}.", err=True)
            return 1
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

    guarded(action, ledger)


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
    type=click.IntRange(1900, 9999),
    required=True,
    metavar="ÅÅÅÅ",
    help="Omgångens år.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    metavar="MAPP",
    help="Mappen som bilagorna skrivs i (skapas vid behov).",
)
@click.option(
    "--format",
    "formats",
    default="xlsx,docx,csv",
    show_default=True,
    callback=_formats_option,
    help="Vilka filer som skrivs, kommaseparerat.",
)
def export(ledger: Path, year: int, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Skriv Bilaga 1 och 2 för ÅÅÅÅ som i nämndens beslut (xlsx, docx och csv).

    Filerna heter fordelning-ÅÅÅÅ.xlsx, fordelning-ÅÅÅÅ.docx, bilaga1-ÅÅÅÅ.csv och
    bilaga2-ÅÅÅÅ.csv. Personuppgifter (Kontaktperson, E-post) kommer aldrig med.
    Exit 0, 1 om liggaren har fel (inget skrivs), 2 om en fil inte går att läsa eller skriva.
    """

    def action() -> int:
        from lumledger import api

        with progress_bar():
            result = api.export(ledger, year, out_dir, formats)
        if not result.validation.valid:
            return _refuse_invalid(result.validation, ledger, "exporten")
        if result.refused is not None:
            click.echo(
                f"{ledger.name} har inga ansökningar för år {year}; inget har skrivits.", err=True
            )
            return 1
        click.echo(f"Bilaga 1 och 2 för {year} skrevs:")
        for path in result.files:
            click.echo(f"  {path}")
        return 0

    guarded(action, ledger)


# --- import (issue 15) ------------------------------------------------------------------------------


@main.command("import")
@click.argument("ledger", type=LEDGER)
@click.argument("forms", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Visa planen men skriv ingenting.")
@click.option("--json", "as_json", is_flag=True, help="Skriv planen som JSON på standard ut.")
@click.option(
    "--uppdatera", "update", is_flag=True, help="Skriv över celler som redan har andra värden."
)
def import_command(
    ledger: Path, forms: tuple[Path, ...], dry_run: bool, as_json: bool, update: bool
) -> None:
    """Läs in ifyllda ansöknings- och redovisningsblanketter (.docx) i LEDGER.

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

    guarded(action, ledger)


if __name__ == "__main__":  # pragma: no cover
    main()
