"""The annual budget cycle: open a new round, decide a round, close a year.

Each step is split in two:

* a *plan* (``plan_new_round``, ``plan_decide``, ``plan_close``) — a pure function from a parsed
  ledger to the exact cells to write, or a :class:`CycleRefusal` with a Swedish reason;
* *applying* the plan — to a file with :func:`lumledger.workbook.safewrite.write_cells` (lock check,
  timestamped backup, temp file and rename, part-by-part verification), or, from the workbook's
  buttons, through Excel itself (``lumledger.xl``).

Nothing is written unless the whole plan is valid; a refused step leaves the ledger untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumledger import ledger_format
from lumledger.findings import Finding
from lumledger.ledger import Ledger, Round, Sheet
from lumledger.ledger_format import APPLICATIONS, ROUNDS, column_letters, column_number
from lumledger.money import format_kr
from lumledger.swedish import plural
from lumledger.validation import Validation, validate_ledger
from lumledger.workbook.reader import read_ledger
from lumledger.workbook.safewrite import CellWrite, WriteResult, write_cells

# Columns lumledger adds to a ledger when a step needs them; both are columns of the format
# (ledger_format.COLUMNS), so reading them back is no LUM-W003.
FROZEN_COLUMN = "Beviljat vid beslut"
CLOSING_NOTE_COLUMN = ledger_format.CLOSING_NOTE


class CycleRefusal(Exception):
    """A cycle step refused; ``message`` says why in Swedish. Nothing was written."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.findings = list(findings)


@dataclass(slots=True)
class Plan:
    """The cells a step writes, and what it means in words (Swedish lines for the officer)."""

    step: str
    year: int
    writes: list[CellWrite] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    recorded_findings: list[Finding] = field(default_factory=list)
    #: new-round: the projects expected to apply for their next project year.
    expected: list[ExpectedContinuation] = field(default_factory=list)


@dataclass(slots=True)
class CycleResult:
    plan: Plan
    write: WriteResult
    validation_after: Validation


# --- shared helpers -------------------------------------------------------------------------------


def _require_valid(ledger: Ledger, step: str) -> Validation:
    validation = validate_ledger(ledger)
    if not validation.valid:
        count = len(validation.errors)
        raise CycleRefusal(
            f"Liggaren har {plural(count, 'fel', 'fel')}; rätta dem (kör lumledger validate) "
            f"innan {step}.",
            validation.errors,
        )
    return validation


def _table(ledger: Ledger, sheet: str) -> Sheet:
    table = ledger.sheet(sheet)
    if table is None:  # a valid ledger has its required sheets
        raise CycleRefusal(f"Bladet {sheet} saknas i liggaren.")
    return table


def _round(ledger: Ledger, year: int) -> Round:
    """The round of ``year`` (refused when ``Omgångar`` has none)."""
    _table(ledger, ROUNDS)
    round_ = ledger.round_of(year)
    if round_ is None:
        raise CycleRefusal(f"Omgången {year} finns inte i bladet Omgångar.")
    return round_


def _next_row(table: Sheet) -> int:
    index = table.frame.index
    return int(index.max()) + 1 if len(index) else table.header_row + 1


class _Columns:
    """Column letters of one sheet, adding a header cell for a column the sheet lacks."""

    def __init__(self, table: Sheet, plan: Plan) -> None:
        self.table = table
        self.plan = plan
        used = list(table.letters.values()) + list(table.extra_columns.values())
        self.next_free = max((column_number(letter) for letter in used), default=0) + 1
        self.added: dict[str, str] = {}

    def letter(self, column: str, *, add: bool = False) -> str | None:
        existing = self.table.letters.get(column) or self.added.get(column)
        if existing is None:
            for header, letter in self.table.extra_columns.items():
                if header.strip().casefold() == column.casefold():
                    existing = letter
        if existing is not None or not add:
            return existing
        letter = column_letters(self.next_free)
        self.next_free += 1
        self.added[column] = letter
        self.plan.writes.append(
            CellWrite(self.table.title, f"{letter}{self.table.header_row}", column)
        )
        self.plan.summary.append(
            f"Kolumnen ”{column}” läggs till i bladet {self.table.name} ({letter})."
        )
        return letter

    def write(self, column: str, row: int, value: Any, *, add: bool = False) -> bool:
        letter = self.letter(column, add=add)
        if letter is None:
            return False
        self.plan.writes.append(CellWrite(self.table.title, f"{letter}{row}", value))
        return True


def _shift_year(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- new round ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedContinuation:
    """A multi-year project expected to apply for its next project year in a new round."""

    key: str  # the Projekt key as written
    name: str | None
    administration: str | None
    previous_id: str | None  # its application of the previous round
    next_project_year: int | None  # None: the previous year states no Projektår
    granted_so_far: int  # the decided grants of the earlier years
    undecided_ids: tuple[str, ...] = ()  # earlier years whose grant is blank

    def line(self) -> str:
        """``HV-2020  Ett systematiskt … (Hässelby-Vällingby, 2021-P01): projektår 3, beviljat
        hittills 500 000 kr``."""
        year = (
            f"projektår {self.next_project_year}"
            if self.next_project_year is not None
            else "nästa projektår okänt (Projektår saknas)"
        )
        so_far = f"beviljat hittills {format_kr(self.granted_so_far)} kr"
        if self.undecided_ids:
            so_far += f" (beviljat belopp saknas för {', '.join(self.undecided_ids)})"
        where = ", ".join(x for x in (self.administration, self.previous_id) if x)
        if self.name and self.key == f"{self.administration}: {self.name}":
            # The key the forms give ("Förvaltning: Namn") says it all; no name twice.
            return f"{self.name} ({where}): {year}, {so_far}"
        return f"{self.key}  {self.name or ''} ({where}): {year}, {so_far}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.key,
            "name": self.name,
            "administration": self.administration,
            "previous_id": self.previous_id,
            "next_project_year": self.next_project_year,
            "granted_so_far": self.granted_so_far,
            "undecided_ids": list(self.undecided_ids),
        }


def expected_continuations(ledger: Ledger, year: int) -> list[ExpectedContinuation]:
    """The projects expected to apply for their next project year in round ``year``: granted in
    the latest round before ``year``, in fewer than three years so far, with no application for
    ``year`` registered yet."""
    from lumledger.rules.cross_sheet import history_before, project_years

    earlier_rounds = [y for y in ledger.rounds if y < year]
    if not earlier_rounds:
        return []
    previous_year = max(earlier_rounds)
    out: list[ExpectedContinuation] = []
    for key, chain in project_years(ledger, chains_only=False).items():
        if any(item.year == year for item in chain):
            continue  # already registered: validation checks it (LUM-W007, LUM-E019)
        latest = [item for item in chain if item.year == previous_year]
        if not latest or not any((item.granted or 0) > 0 for item in latest):
            continue
        history = history_before(key, chain, year)
        next_year = history.next_project_year
        if history.funded_years >= 3 or (next_year is not None and next_year > 3):
            continue  # its three project years are over
        last = latest[-1]
        app = ledger.application(last.id)
        out.append(
            ExpectedContinuation(
                key=(app.project if app is not None and app.project else key),
                name=last.name,
                administration=app.administration if app is not None else None,
                previous_id=last.id,
                next_project_year=next_year,
                granted_so_far=history.granted_known,
                undecided_ids=tuple(history.undecided_ids),
            )
        )
    out.sort(key=lambda e: (e.previous_id or "", e.key))
    return out


def plan_new_round(
    ledger: Ledger,
    year: int,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    skip_years: bool = False,
) -> Plan:
    """Add the ``Omgångar`` row for ``year``, and nothing else.

    Frames, limits and the application window are copied from the previous year (the window
    moved on by one year) unless given. No application is invented: the projects expected to
    apply for their next project year are listed (:attr:`Plan.expected`), to be registered when
    their applications come in (the decision says continuation is not automatic). A round that
    leaves a year out after the latest one (2024 after 2022) is refused unless ``skip_years``.
    """
    _require_valid(ledger, "en ny omgång öppnas")
    rounds_table = _table(ledger, ROUNDS)
    existing = ledger.round_of(year)
    if existing is not None:
        raise CycleRefusal(
            f"Omgången {year} finns redan (Omgångar rad {existing.row}); inget ändrades."
        )
    latest = max(ledger.rounds, default=None)
    if latest is not None and year > latest + 1 and not skip_years:
        skipped = str(latest + 1) if year == latest + 2 else f"{latest + 1}–{year - 1}"
        raise CycleRefusal(
            f"Senaste omgången är {latest}; omgången {year} hoppar över {skipped}. Inget "
            f"ändrades. Öppna {latest + 1} först, eller ange --hoppa-over-ar om {skipped} "
            "avsiktligt ska stå utan omgång."
        )
    plan = Plan(step="new-round", year=year)
    columns = _Columns(rounds_table, plan)
    row = _next_row(rounds_table)
    previous = ledger.round_of(max((y for y in ledger.rounds if y < year), default=None))
    values: dict[str, Any] = {"År": year, "Status": ledger_format.STATUS_OPEN}
    if previous is not None:
        values["Ram projekt"] = previous.frame_projects
        values["Ram studiebesök"] = previous.frame_visits
        values["Max beviljade per förvaltning"] = previous.max_granted_per_administration
        values["Max belopp projekt"] = previous.max_amount_projects
        values["Max belopp studiebesök"] = previous.max_amount_visits
    opened, closed = (previous.opens, previous.closes) if previous is not None else (None, None)
    moved = year - previous.year if previous is not None and previous.year is not None else 1
    values["Ansökan öppnar"] = opens or _shift_year(opened, moved)
    values["Ansökan stänger"] = closes or _shift_year(closed, moved)
    if (
        values["Ansökan öppnar"]
        and values["Ansökan stänger"]
        and values["Ansökan öppnar"] > values["Ansökan stänger"]
    ):
        raise CycleRefusal("Ansökan öppnar ligger efter Ansökan stänger; ange datumen igen.")
    for column, value in values.items():
        if value is not None:
            columns.write(column, row, value)
    source = (
        f"kopierat från {previous.year}" if previous else "inget föregående år att kopiera från"
    )
    plan.summary.append(f"Omgångar rad {row}: omgången {year} öppnas ({source}).")
    plan.expected = expected_continuations(ledger, year)
    if plan.expected:
        count = plural(len(plan.expected), "flerårigt projekt", "fleråriga projekt")
        plan.summary.append(
            f"{count} väntas söka för nästa projektår {year}; inga ansökningar läggs in – "
            "registrera dem i Ansökningar när de kommer:"
        )
        plan.summary += [f"  {item.line()}" for item in plan.expected]
    else:
        plan.summary.append(f"Inga fleråriga projekt väntas söka för nästa projektår {year}.")
    return plan


# --- decide ---------------------------------------------------------------------------------------------


def plan_decide(
    ledger: Ledger, year: int, *, decided_on: dt.date, diary_number: str | None = None
) -> Plan:
    """Mark the round decided: ``Status`` Beslutad, ``Beslutsdatum``, ``Diarienummer``, and
    freeze every granted amount of the year in ``Beviljat vid beslut`` (checked by LUM-E018)."""
    _require_valid(ledger, "beslut registreras")
    round_ = _round(ledger, year)
    if round_.decided:
        raise CycleRefusal(f"Omgången {year} har redan status {round_.state}; inget ändrades.")
    round_row = round_.row
    apps = _table(ledger, APPLICATIONS)
    of_year = ledger.applications_of(year)
    if not of_year:
        raise CycleRefusal(f"Omgången {year} har inga ansökningar att besluta om.")
    undecided = [str(app.id) for app in of_year if app.granted is None]
    if undecided:
        listing = ", ".join(undecided[:10]) + (" …" if len(undecided) > 10 else "")
        raise CycleRefusal(
            f"{plural(len(undecided), 'ansökan', 'ansökningar')} för {year} saknar beviljat "
            f"belopp ({listing}); "
            "fyll i 0 för avslag och försök igen."
        )
    plan = Plan(step="decide", year=year)
    round_columns = _Columns(_table(ledger, ROUNDS), plan)
    round_columns.write("Status", round_row, ledger_format.STATUS_DECIDED, add=True)
    round_columns.write("Beslutsdatum", round_row, decided_on, add=True)
    if diary_number:
        round_columns.write("Diarienummer", round_row, diary_number, add=True)
    app_columns = _Columns(apps, plan)
    total = 0
    for app in of_year:
        amount = app.granted or 0
        total += amount
        app_columns.write(FROZEN_COLUMN, app.row, amount, add=True)
    plan.summary.append(
        f"Omgångar rad {round_row}: {year} beslutad {decided_on.isoformat()}"
        + (f", dnr {diary_number}" if diary_number else "")
        + f"; {plural(len(of_year), 'ansökan', 'ansökningar')}, beviljat totalt "
        f"{format_kr(total)} kr fryst i ”{FROZEN_COLUMN}”."
    )
    return plan


# --- close ------------------------------------------------------------------------------------------------


def findings_for_year(ledger: Ledger, findings: Sequence[Finding], year: int) -> list[Finding]:
    """Reconciliation findings that concern ``year`` (by application Id or by Beslut row)."""
    return [item for item in findings if ledger.year_of(item.sheet, item.row, item.id) == year]


@dataclass(frozen=True, slots=True)
class YearStillOpen:
    """Why a year cannot close: its applications with something open (paid, reported, repaid),
    its reconciliation findings and the checks that could not run for it."""

    open_items: list[str]  # "2019-P02 Farsta: att betala ut 150 000 kr; …"
    findings: list[Finding]
    unchecked: list[str]  # "LUM-R001: ingen rad i Beslut"

    def __bool__(self) -> bool:
        return bool(self.open_items or self.findings or self.unchecked)

    def headline(self) -> str:
        parts = []
        if self.open_items:
            parts.append(
                plural(
                    len(self.open_items), "ansökan har något öppet", "ansökningar har något öppet"
                )
            )
        if self.findings:
            parts.append(plural(len(self.findings), "avvikelse", "avvikelser"))
        if self.unchecked:
            parts.append(
                plural(
                    len(self.unchecked), "kontroll kunde inte köras", "kontroller kunde inte köras"
                )
            )
        return ", ".join(parts)

    def lines(self, *, findings: bool = True) -> list[str]:
        """One line per open item, finding (unless ``findings`` is false: the front ends list
        the refusal's findings themselves) and check not run."""
        listed = [f"{f.code} {f.id or f.location}: {f.message}" for f in self.findings]
        return [
            *self.open_items,
            *(listed if findings else []),
            *(f"{text} (kontrollen kördes inte)" for text in self.unchecked),
        ]


def year_still_open(ledger: Ledger, year: int, as_of: dt.date | None = None) -> YearStillOpen:
    """What keeps ``year`` from closing, as of ``as_of`` (default today): every application of the
    year with something left to pay, report or repay, every reconciliation finding of the year,
    and every check that could not run for it — except "nothing recorded", which the open items
    already say (unpaid, unreported)."""
    from lumledger.reconciliation import reconcile
    from lumledger.rules.reconciliation import NOTHING_RECORDED

    result = reconcile(ledger, as_of=as_of)
    open_items = [
        f"{s.id} {s.administration or ''}: {'; '.join(s.open)}"
        for s in result.statements
        if s.year == year and s.open
    ]
    unchecked = [
        f"{item.code}: {item.reason}"
        for item in result.not_run
        if item.year == year and item.cause not in NOTHING_RECORDED
    ]
    return YearStillOpen(
        open_items=open_items,
        findings=findings_for_year(ledger, result.findings, year),
        unchecked=list(dict.fromkeys(unchecked)),
    )


def plan_close(
    ledger: Ledger,
    year: int,
    *,
    force: bool = False,
    reason: str | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Close a decided year when nothing of it is open, unpaid, unreported, unrepaid or unchecked.

    With ``force`` (which needs a ``reason``) the year closes anyway, and the reason and what was
    open are recorded in ``Omgångar``'s column :data:`CLOSING_NOTE_COLUMN`."""
    reason = (reason or "").strip() or None
    if force and reason is None:
        raise CycleRefusal(
            "--force kräver ett skäl: ange --reason SKÄL (skälet antecknas i liggaren); "
            "inget ändrades."
        )
    _require_valid(ledger, "året stängs")
    round_ = _round(ledger, year)
    round_row, status = round_.row, round_.state
    if status == ledger_format.STATUS_CLOSED:
        raise CycleRefusal(f"Omgången {year} är redan stängd; inget ändrades.")
    if status != ledger_format.STATUS_DECIDED:
        raise CycleRefusal(f"Omgången {year} har status {status}; besluta den innan den stängs.")
    still_open = year_still_open(ledger, year, as_of)
    if still_open and not force:
        listing = "\n".join(f"  {line}" for line in still_open.lines(findings=False))
        raise CycleRefusal(
            f"{year} kan inte stängas: {still_open.headline()}.\n{listing}\n"
            "Inget ändrades. Ett år stängs när allt är utbetalt, redovisat, återbetalt och "
            "avstämt; stäng ändå med --force --reason SKÄL (skälet och det som är öppet "
            "antecknas i liggaren).",
            still_open.findings,
        )
    plan = Plan(step="close", year=year, recorded_findings=list(still_open.findings))
    columns = _Columns(_table(ledger, ROUNDS), plan)
    columns.write("Status", round_row, ledger_format.STATUS_CLOSED, add=True)
    day = (today or dt.date.today()).isoformat()
    if force:
        what = f" trots att {still_open.headline()}" if still_open else ""
        note = f"Stängd {day}{what}. Skäl: {reason}."
        if still_open:
            note += " Öppet: " + " | ".join(still_open.lines())
        columns.write(CLOSING_NOTE_COLUMN, round_row, note[:32000], add=True)
        plan.summary.append(
            f"Omgångar rad {round_row}: {year} stängd med --force; skälet"
            + (" och det som är öppet" if still_open else "")
            + f" antecknas i ”{CLOSING_NOTE_COLUMN}”."
        )
    else:
        plan.summary.append(
            f"Omgångar rad {round_row}: {year} stängd; allt är utbetalt, redovisat och avstämt."
        )
    return plan


# --- applying to a file ------------------------------------------------------------------------------


def apply_plan(path: str | Path, plan: Plan) -> CycleResult:
    """Write the plan into the ledger file safely, then validate the result."""
    write = write_cells(path, plan.writes)
    after = validate_ledger(read_ledger(path, refuse_when_open=False))
    return CycleResult(plan=plan, write=write, validation_after=after)


def new_round(
    path: str | Path,
    year: int,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    skip_years: bool = False,
) -> CycleResult:
    return apply_plan(
        path,
        plan_new_round(read_ledger(path), year, opens=opens, closes=closes, skip_years=skip_years),
    )


def decide(
    path: str | Path, year: int, *, decided_on: dt.date, diary_number: str | None = None
) -> CycleResult:
    return apply_plan(
        path, plan_decide(read_ledger(path), year, decided_on=decided_on, diary_number=diary_number)
    )


def close(
    path: str | Path,
    year: int,
    *,
    force: bool = False,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> CycleResult:
    return apply_plan(
        path, plan_close(read_ledger(path), year, force=force, reason=reason, as_of=as_of)
    )
