"""The library facade: what the command line, the Excel front end and a Python user call.

Like sqlite-utils' ``Database``, one small set of calls over the whole library; ``import lumledger``
exposes them lazily (:mod:`lumledger`), so importing the package stays cheap:

* :func:`load` reads a workbook read-only into a :class:`~lumledger.ledger.Ledger`;
* :func:`validate`, :func:`rollup`, :func:`reconcile` and :func:`export` take a ledger (or a path,
  read first) and return a result with ``.findings`` and ``.to_dict()`` — the JSON the command
  line prints;
* :func:`new_round`, :func:`decide` and :func:`close` are the budget cycle's steps: they write into
  the ledger file, after a backup (:mod:`lumledger.cycle`);
* :func:`import_forms` reads filled-in application and report forms into the ledger file, after a
  backup (:mod:`lumledger.forms`).

Every entry point holds Python's cyclic garbage collector off while it works
(:func:`lumledger.collector.paused`, scoped to the call). Findings are values; only a file that
cannot be read or written raises (:class:`~lumledger.findings.LedgerReadError`,
:class:`~lumledger.findings.LedgerWriteError`, one Swedish sentence each).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lumledger import collector, progress

if TYPE_CHECKING:
    from lumledger.cycle import CycleResult, Plan
    from lumledger.findings import Finding
    from lumledger.forms.importer import ImportResult
    from lumledger.ledger import Ledger
    from lumledger.reconciliation import Reconciliation
    from lumledger.reports.tables import Report
    from lumledger.rollups import Rollup
    from lumledger.validation import Validation
    from lumledger.workbook.reader import CellSource

T = TypeVar("T")

#: The files :func:`export` can write, in this order.
EXPORT_FORMATS: tuple[str, ...] = ("xlsx", "docx", "csv")

_READING_SHARE = 0.8  # of a command's time on a large ledger, the reading


@contextmanager
def _entry() -> Iterator[None]:
    """What every entry point holds for its duration (see :mod:`lumledger.collector`)."""
    with collector.paused():
        yield


def _run(work: Callable[[], T]) -> T:
    with _entry():
        return work()


def load(path: str | os.PathLike[str], *, refuse_when_open: bool = True) -> Ledger:
    """Read the workbook at ``path`` read-only into a ledger (its reading findings included).

    Raises :class:`~lumledger.findings.LedgerReadError` when the file cannot be read at all
    (missing, not a workbook, encrypted, damaged, hostile, or open in Excel while
    ``refuse_when_open``)."""
    from lumledger.workbook.reader import read_ledger

    return _run(lambda: read_ledger(Path(path), refuse_when_open=refuse_when_open))


def _ledger(source: Ledger | str | os.PathLike[str]) -> Ledger:
    """``source`` itself, or the ledger read from that path (the first part of the progress)."""
    from lumledger.ledger import Ledger
    from lumledger.workbook.reader import read_ledger

    if isinstance(source, Ledger):
        return source
    with progress.part(0.0, _READING_SHARE):
        ledger = read_ledger(Path(source))
    return ledger


def validate(ledger: Ledger | str | os.PathLike[str]) -> Validation:
    """Every reading and validation rule (``LUM-E…``, ``LUM-W…``) on ``ledger``."""
    from lumledger import validation

    def work() -> Validation:
        if isinstance(ledger, (str, os.PathLike)):
            return validation.validate_path(Path(ledger))
        return validation.validate_ledger(ledger)

    return _run(work)


@dataclass(slots=True)
class RollupResult:
    """A roll-up, or why there is none: the ledger has errors (``rollup`` is ``None``; the command
    line refuses it), or the year asked for has no applications (``no_applications``)."""

    validation: Validation
    year: int | None
    rollup: Rollup | None

    @property
    def findings(self) -> list[Finding]:
        return self.validation.findings

    @property
    def valid(self) -> bool:
        return self.validation.valid

    @property
    def no_applications(self) -> bool:
        return self.valid and self.rollup is None

    def to_dict(self) -> dict[str, Any]:
        """``lumledger rollup --json``."""
        data = self.validation.to_dict()
        if self.rollup is not None:
            data["rollup"] = self.rollup.to_dict()
        return data


def rollup(ledger: Ledger | str | os.PathLike[str], year: int | None = None) -> RollupResult:
    """Totals per year, type and administration, frames and multi-year commitments of ``ledger``
    (``year`` only, or every year). A ledger with errors gets no roll-up, only its findings."""
    from lumledger import validation
    from lumledger.rollups import compute_rollup, count_applications

    def work() -> RollupResult:
        checked = validation.validate_ledger(_ledger(ledger))
        if not checked.valid:
            return RollupResult(validation=checked, year=year, rollup=None)
        if year is not None and count_applications(checked.ledger, year, None) == 0:
            return RollupResult(validation=checked, year=year, rollup=None)
        return RollupResult(
            validation=checked, year=year, rollup=compute_rollup(checked.ledger, year)
        )

    return _run(work)


def reconcile(
    ledger: Ledger | str | os.PathLike[str], as_of: dt.date | None = None
) -> Reconciliation:
    """Decisions, payments, reports and repayments against each other (``LUM-R…``), as of
    ``as_of`` (today by default), on what is readable even in a ledger with errors."""
    from lumledger import reconciliation

    return _run(lambda: reconciliation.reconcile(_ledger(ledger), as_of))


@dataclass(slots=True)
class ExportResult:
    """The official tables of one year as files, or why none were written."""

    validation: Validation
    year: int
    files: list[Path] = field(default_factory=list)
    refused: str | None = None  # Swedish: why nothing was written (None when files were)
    #: Applications without a proposed or granted amount (``Ansökningar!M5  2020-P01  …``): the
    #: reason for a refusal, or what a draft (``draft``) leaves open.
    undecided: list[str] = field(default_factory=list)
    #: Where the ``Beslut`` sheet states other figures than the summary prints (the ledger's).
    warnings: list[str] = field(default_factory=list)
    draft: bool = False

    @property
    def findings(self) -> list[Finding]:
        return self.validation.findings

    def to_dict(self) -> dict[str, Any]:
        data = self.validation.to_dict()
        data["export"] = {
            "year": self.year,
            "files": [str(path) for path in self.files],
            "refused": self.refused,
            "draft": self.draft,
            "undecided": self.undecided,
            "warnings": self.warnings,
        }
        return data


def export(
    ledger: Ledger | str | os.PathLike[str],
    year: int,
    folder: str | os.PathLike[str],
    formats: Sequence[str] = EXPORT_FORMATS,
    *,
    draft: bool = False,
) -> ExportResult:
    """Write Bilaga 1 and 2 of ``year`` into ``folder`` (created when missing) as ``formats``.

    Nothing is written for a ledger with errors, a year without applications, or a year some of
    whose applications lack a proposed or granted amount (``refused`` says why, ``undecided``
    lists them) — unless ``draft``: then the files are written marked "UTKAST" and named
    ``…-utkast``. ``warnings`` says where the ``Beslut`` sheet states other figures than the
    summary. Raises :class:`~lumledger.findings.LedgerWriteError` when a file cannot be
    written."""
    from lumledger import validation
    from lumledger.official import (
        IncompleteError,
        NoApplicationsError,
        official_tables,
        stated_differences,
    )
    from lumledger.reports.official_files import export_year
    from lumledger.rollups import count_applications
    from lumledger.workbook.files import check_output_dir

    def work() -> ExportResult:
        checked = validation.validate_ledger(_ledger(ledger))
        result = ExportResult(validation=checked, year=year, draft=draft)
        if not checked.valid:
            result.refused = "liggaren har fel som måste rättas först"
            return result
        if count_applications(checked.ledger, year, None) == 0:
            result.refused = f"liggaren har inga ansökningar för år {year}"
            return result
        tables = official_tables(checked.ledger, year)
        result.undecided = [item.line for item in tables.undecided]
        result.warnings = stated_differences(checked.ledger, tables)
        check_output_dir(Path(folder))
        try:
            result.files = export_year(
                checked.ledger, year, Path(folder), tuple(formats), draft=draft, tables=tables
            )
        except (NoApplicationsError, IncompleteError) as exc:
            result.refused = exc.message
        return result

    return _run(work)


def new_round(
    path: str | os.PathLike[str],
    year: int,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    skip_years: bool = False,
) -> CycleResult:
    """Open the round ``year`` in the ledger file at ``path`` (see :mod:`lumledger.cycle`):
    the round only; ``result.plan.expected`` lists the projects expected to apply for their next
    project year. Leaving years out after the latest round needs ``skip_years``."""
    from lumledger import cycle

    return _run(
        lambda: cycle.new_round(Path(path), year, opens=opens, closes=closes, skip_years=skip_years)
    )


def decide(
    path: str | os.PathLike[str],
    year: int,
    *,
    decided_on: dt.date,
    diary_number: str | None = None,
) -> CycleResult:
    """Record the committee's decision on ``year`` and freeze its grants."""
    from lumledger import cycle

    return _run(
        lambda: cycle.decide(Path(path), year, decided_on=decided_on, diary_number=diary_number)
    )


def close(
    path: str | os.PathLike[str],
    year: int,
    *,
    force: bool = False,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> CycleResult:
    """Close ``year`` when nothing of it is open, unpaid, unreported, unrepaid or unchecked;
    ``force`` (with a ``reason``, recorded in ``Omgångar``) closes it anyway."""
    from lumledger import cycle

    return _run(lambda: cycle.close(Path(path), year, force=force, reason=reason, as_of=as_of))


# --- for front ends that read and write cells themselves (the Excel side) ----------------------


def load_cells(source: CellSource) -> Ledger:
    """Parse the input sheets of ``source`` (e.g. a live workbook's cells) into a ledger."""
    from lumledger.workbook.reader import load_ledger

    return _run(lambda: load_ledger(source))


def plan_new_round(
    ledger: Ledger,
    year: int,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    skip_years: bool = False,
) -> Plan:
    """The cells :func:`new_round` would write, without writing them (raises
    :class:`~lumledger.cycle.CycleRefusal` with the Swedish reason); ``plan.expected`` lists the
    projects expected to apply for their next project year."""
    from lumledger import cycle

    return _run(
        lambda: cycle.plan_new_round(
            ledger, year, opens=opens, closes=closes, skip_years=skip_years
        )
    )


def plan_decide(
    ledger: Ledger, year: int, *, decided_on: dt.date, diary_number: str | None = None
) -> Plan:
    """The cells :func:`decide` would write."""
    from lumledger import cycle

    return _run(
        lambda: cycle.plan_decide(ledger, year, decided_on=decided_on, diary_number=diary_number)
    )


def plan_close(ledger: Ledger, year: int, *, as_of: dt.date | None = None) -> Plan:
    """The cells :func:`close` would write (never forced)."""
    from lumledger import cycle

    return _run(lambda: cycle.plan_close(ledger, year, as_of=as_of))


def appendices(ledger: Ledger, year: int) -> tuple[Report, Report]:
    """Bilaga 1 and Bilaga 2 of ``year`` as reports, for a front end that lays them out itself.
    Raises :class:`~lumledger.official.NoApplicationsError` for a year without applications and
    :class:`~lumledger.official.IncompleteError` for one whose applications lack amounts (the
    appendices would not be the decision; :func:`export` refuses the same year)."""
    from lumledger.official import IncompleteError, NoApplicationsError, official_tables
    from lumledger.reports.official_tables import bilaga1, bilaga2
    from lumledger.reports.tables import Report

    def work() -> tuple[Report, Report]:
        tables = official_tables(ledger, year)
        if tables.is_empty:
            raise NoApplicationsError(year)
        if tables.undecided:
            raise IncompleteError(year, tables.undecided)
        return (
            Report(title=None, tables=(bilaga1(tables),)),
            Report(title=None, tables=(bilaga2(tables),)),
        )

    return _run(work)


def applications_sum(ledger: Ledger, year: int | None, kind: str | None, field: str) -> int:
    """Sum of the amount column ``field`` of Ansökningar for ``year`` and ``kind`` (None = all)."""
    from lumledger.rollups import sum_field

    return sum_field(ledger, year, kind, field)


def applications_count(ledger: Ledger, year: int | None, kind: str | None) -> int:
    """Number of applications for ``year`` and ``kind`` (None = all)."""
    from lumledger.rollups import count_applications

    return count_applications(ledger, year, kind)


def frame_left(ledger: Ledger, year: int, kind: str) -> int | None:
    """The year's frame for ``kind`` minus what is granted; ``None`` without a frame."""
    from lumledger.rollups import frame_left as left

    return left(ledger, year, kind)


def import_forms(
    path: str | os.PathLike[str],
    forms: Sequence[str | os.PathLike[str]],
    *,
    update: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Read the filled-in application and report forms (.docx) ``forms`` into the ledger file at
    ``path``: the plan per form, written safely unless ``dry_run`` (:mod:`lumledger.forms`).
    A form with problems or cells the ledger already holds otherwise (unless ``update``) is not
    written; a file that is no readable form raises
    :class:`~lumledger.findings.LedgerReadError` and nothing is written."""
    from lumledger.forms.importer import import_forms as run_import

    return _run(
        lambda: run_import(
            Path(path), [Path(form) for form in forms], update=update, dry_run=dry_run
        )
    )


__all__ = [
    "EXPORT_FORMATS",
    "ExportResult",
    "RollupResult",
    "appendices",
    "applications_count",
    "applications_sum",
    "close",
    "decide",
    "export",
    "frame_left",
    "import_forms",
    "load",
    "load_cells",
    "new_round",
    "plan_close",
    "plan_decide",
    "plan_new_round",
    "reconcile",
    "rollup",
    "validate",
]
