"""Writing output files safely: temp file then rename, and ledger text that never becomes a formula.

Every file lumledger produces (exported tables, summary and reconciliation workbooks) is written
through :func:`atomic_output`: to a temporary file in the target folder, renamed over the target
only when complete, so a failure never leaves half a file. Text from the ledger passes through
:func:`csv_safe` (OWASP CSV-injection guidance) or is written as an explicit string cell.
Standard library only; the spreadsheet writers live in the modules that need them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lumledger.findings import LedgerWriteError

# A cell starting with one of these is a formula or a DDE command in a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(text: str) -> str:
    """Neutralise a text for CSV: prefix a single quote when it could start a formula (OWASP)."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def check_output_dir(directory: Path) -> Path:
    """The output folder, created if needed; refuses a file in its place."""
    if directory.exists() and not directory.is_dir():
        raise LedgerWriteError(
            f"{directory} finns redan och är inte en mapp; ange en mapp för utdata."
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerWriteError(f"Mappen {directory} kunde inte skapas ({exc.strerror}).") from None
    return directory


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On any exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise LedgerWriteError(
            f"Mappen {directory} finns inte; skapa den eller ange en annan sökväg."
        )
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f"{target.suffix}.tmp", dir=directory
        )
    except OSError as exc:
        raise LedgerWriteError(f"Kan inte skriva i mappen {directory} ({exc.strerror}).") from None
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        _make_shareable(temp)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise LedgerWriteError(
            f"Filen {target.name} kunde inte skrivas ({exc.strerror})."
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _make_shareable(path: Path) -> None:
    """Give a finished output the permissions a new file normally gets (mkstemp makes it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):  # a file system without POSIX modes keeps what it has
        path.chmod(0o666 & ~umask)
