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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lumledger import __version__

if TYPE_CHECKING:
    from lumledger.findings import Finding

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


def guarded(action: Callable[[], int]) -> NoReturn:
    """Run ``action`` and exit with its status; known errors become one Swedish sentence."""
    from lumledger.findings import LedgerReadError, LedgerWriteError

    try:
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
    for item in items:
        where = item.location or "–"
        prefix = f"{item.id}  " if with_id and item.id else ""
        click.echo(f"{prefix}{where}  {item.code}  {item.message}")


def print_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


# --- validate --------------------------------------------------------------------------------------


@main.command()
@click.argument("ledger", type=LEDGER)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON på standard ut.")
def validate(ledger: Path, as_json: bool) -> None:
    """Kontrollera LEDGER mot alla regler i formatet (LUM-E…, LUM-W…)."""

    def action() -> int:
        from lumledger.checks import validate_path
        from lumledger.findings import plural, summarize

        result = validate_path(ledger)
        summary = summarize(result.findings)
        if as_json:
            print_json(
                {
                    "findings": [f.to_dict() for f in result.findings],
                    "summary": {
                        "file": ledger.name,
                        "valid": result.valid,
                        **summary.to_dict(),
                    },
                }
            )
        else:
            print_findings(result.findings)
            verdict = "liggaren är giltig" if result.valid else "liggaren har fel som måste rättas"
            click.echo(
                f"{ledger.name}: {plural(summary.errors, 'fel', 'fel')}, "
                f"{plural(summary.warnings, 'varning', 'varningar')} – {verdict}."
            )
        return 0 if result.valid else 1

    guarded(action)


if __name__ == "__main__":  # pragma: no cover
    main()
