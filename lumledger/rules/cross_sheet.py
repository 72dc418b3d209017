"""The validation rules across rows and sheets, one function per rule.

``E005``, ``E006``, ``E009``, ``E012``, ``E014``, ``E015``, ``E017``, ``E018``, ``E019``,
``W004``–``W009``, each named as its rule's check in the registry (:mod:`lumledger.rules.registry`) and run by
:func:`lumledger.validation.validate_ledger`. Whole columns on the large path; a Python loop only
over the rows that carry a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lumledger import ledger_format
from lumledger.findings import Finding, closest, finding
from lumledger.ledger import Ledger, Sheet, match_keys, text_array, to_date, to_int
from lumledger.ledger_format import (
    ADMINISTRATIONS,
    APPLICATIONS,
    DECISIONS,
    FRAME_COLUMNS,
    ROUNDS,
)
from lumledger.money import message_kr
from lumledger.rules.registry import Context
from lumledger.swedish import plural

# --- rules across rows and sheets --------------------------------------------------------------------


def _rows(
    table: Sheet | None, *columns: str, where: Any = None
) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """``(row, values)`` per row of ``table``, in order; only the rows of the boolean mask
    ``where`` when given. A rule computes ``where`` for the whole column at once (a superset of
    the rows it reports) and looks at those rows one by one: no per-row loop over a large sheet."""
    if table is None:
        return []
    frame = table.frame
    if where is None:
        return zip(
            frame.index.tolist(),
            zip(*(frame[c].tolist() for c in columns), strict=True),
            strict=True,
        )
    positions = np.flatnonzero(np.asarray(where, dtype=bool))
    return zip(
        frame.index[positions].tolist(),
        zip(*(frame[c].take(positions).tolist() for c in columns), strict=True),
        strict=True,
    )


def _numbers(series: pd.Series) -> Any:
    """An Int64 (or numeric) column as a float array, NaN where empty (exact below 2**53)."""
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _groups(*columns: Any) -> Any:
    """The group of each row by the values of ``columns`` together, as ``groupby(dropna=True)``
    forms them (numbered from 0 in order of appearance), -1 for a row with an empty cell in one
    of them: whole-array work whatever the number of rows, without pandas' group-by machinery
    (a few milliseconds per call, which a small ledger pays for every rule)."""
    group: Any = None
    missing: Any = None
    for column in columns:
        codes, distinct = pd.factorize(column)
        codes = np.asarray(codes, dtype=np.int64)
        if group is None:
            group, missing = codes.copy(), codes < 0
            continue
        missing |= codes < 0
        # Renumbered after each column, so the combined numbers stay below the number of rows.
        group = pd.factorize(group * (len(distinct) + 1) + codes)[0].astype(np.int64)
    if missing.any():  # numbered again without the rows in no group
        group[~missing] = pd.factorize(group[~missing])[0]
        group[missing] = -1
    return group


def _group_sizes(groups: Any) -> Any:
    """Rows per group of :func:`_groups`, for each row (0 for a row in no group)."""
    counts = np.bincount(groups[groups >= 0], minlength=1)
    return np.where(groups >= 0, counts[np.maximum(groups, 0)], 0)


def _distinct_mask(series: pd.Series, predicate: Callable[[Any], bool]) -> Any:
    """``predicate(value)`` for every non-empty cell of ``series``, evaluated once per distinct
    value (names and Ids recur), as a boolean array; empty cells are False."""
    codes, distinct = pd.factorize(series)
    values = np.asarray(distinct, dtype=object)  # iterating a pandas string array is slow
    verdicts = np.fromiter(map(predicate, values), dtype=bool, count=len(values))
    return (codes >= 0) & verdicts[np.maximum(codes, 0)] if len(distinct) else codes >= 0


def check_duplicates(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E005: duplicate Id in Ansökningar, År in Omgångar, Namn in Förvaltningar."""
    out: list[Finding] = []
    for sheet, column in ((APPLICATIONS, "Id"), (ROUNDS, "År"), (ADMINISTRATIONS, "Namn")):
        table = ledger.sheet(sheet)
        if table is None or not table.has(column):
            continue
        series = table.frame[column]
        keys = series if column == "År" else match_keys(series)
        duplicated = keys.notna() & keys.duplicated(keep=False)
        if not duplicated.any():
            continue
        first_row: dict[Any, int] = {}
        row: Any
        for row, key in keys[duplicated].items():
            if key not in first_row:
                first_row[key] = int(row)
                continue
            value = series.at[row]
            out.append(
                finding(
                    "LUM-E005",
                    sheet,
                    table.cell(column, int(row)),
                    int(row),
                    f"{column} ”{value}” finns redan på rad {first_row[key]}",
                    expected="unikt värde",
                    found=str(value),
                )
            )
    return out


def _is_in(keys: pd.Series, known: pd.Series) -> Any:
    """Which of ``keys`` are among ``known`` (two :func:`~lumledger.ledger.match_keys`), as a
    boolean array: one Arrow hash lookup (pandas' ``isin`` on Arrow strings makes a Python object
    per value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pa.array(keys.array)
        found = pc.is_in(values, value_set=pa.array(known.array).cast(values.type))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return keys.isin(set(known.tolist())).to_numpy(dtype=bool)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def check_administrations(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E006: Förvaltning not in Förvaltningar, or not valid that year."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Förvaltning") or ledger.sheet(ADMINISTRATIONS) is None:
        return []
    admins = list(ledger.administrations.values())
    names = ledger.administration_names
    out: list[Finding] = []
    for row, (name, year_value) in _rows(
        apps, "Förvaltning", "År", where=_unknown_or_invalid_administration(ledger, apps)
    ):
        if not isinstance(name, str):
            continue
        year = to_int(year_value)
        admin = ledger.administration(name)
        cell = apps.cell("Förvaltning", row)
        if admin is None:
            valid_names = [a.name for a in admins if a.name and a.valid_in(year)] or names
            close = closest(name, valid_names, 0.5)
            hint = f"; menade du ”{close}”?" if close else ""
            out.append(
                finding(
                    "LUM-E006",
                    APPLICATIONS,
                    cell,
                    row,
                    f"Förvaltningen ”{name}” finns inte i bladet Förvaltningar{hint}",
                    expected=close,
                    found=name,
                )
            )
        elif not admin.valid_in(year):
            period = f"{admin.valid_from or '…'}–{admin.valid_to or '…'}"
            successors = [
                a.name for a in admins if a.name and a.valid_in(year) and a.name != admin.name
            ]
            close = closest(name, successors, 0.4)
            hint = f"; menade du ”{close}”?" if close else ""
            out.append(
                finding(
                    "LUM-E006",
                    APPLICATIONS,
                    cell,
                    row,
                    f"Förvaltningen ”{admin.name}” får inte söka {year} (giltig {period}){hint}",
                    expected=close or period,
                    found=name,
                )
            )
    return out


def _unknown_or_invalid_administration(ledger: Ledger, apps: Sheet) -> Any:
    """Rows whose Förvaltning is unknown, or known but outside its years (the E006 rows)."""
    frame = apps.frame
    codes, distinct = pd.factorize(frame["Förvaltning"])
    # One slot per distinct name, plus a last one (index -1) for empty cells.
    unknown = np.zeros(len(distinct) + 1, dtype=bool)
    lows = np.full(len(distinct) + 1, np.nan)
    highs = np.full(len(distinct) + 1, np.nan)
    for k, name in enumerate(np.asarray(distinct, dtype=object)):
        if not isinstance(name, str):
            continue
        admin = ledger.administration(name)
        if admin is None:
            unknown[k] = True
            continue
        if admin.valid_from is not None:
            lows[k] = admin.valid_from
        if admin.valid_to is not None:
            highs[k] = admin.valid_to
    years = _numbers(frame["År"])
    outside = (years < lows[codes]) | (years > highs[codes])  # NaN (no year, no limit): False
    return unknown[codes] | outside


def check_grant_limits(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E009: more granted applications than allowed for one förvaltning, year and type."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not {"Förvaltning", "År", "Typ", "Beviljat belopp"} <= set(apps.letters):
        return []
    rounds = ledger.rounds
    frame = apps.frame
    amounts = np.nan_to_num(_numbers(frame["Beviljat belopp"]))
    positions = np.flatnonzero((amounts > 0) & frame["Förvaltning"].notna().to_numpy(dtype=bool))
    granted = frame[["Förvaltning", "År", "Typ"]].take(positions)
    if granted.empty:
        return []
    keys = match_keys(granted["Förvaltning"])
    # Only the groups with more granted rows than their year allows are looked at one by one.
    sizes = _group_sizes(_groups(keys, granted["År"], granted["Typ"]))
    years = _numbers(granted["År"])
    allowed = np.full(len(granted), float(ledger_format.DEFAULT_MAX_GRANTED_PER_ADMINISTRATION))
    for round_year, round_ in rounds.items():
        allowed[years == round_year] = round_.max_granted
    over = sizes > allowed
    granted, keys = granted[over], keys[over]
    if granted.empty:
        return []
    out: list[Finding] = []
    for (_admin_key, year_value, kind), group in granted.groupby(
        [keys, granted["År"], granted["Typ"]], dropna=True, sort=True
    ):
        year = to_int(year_value)
        of_year = ledger.round_of(year)
        limit = (
            of_year.max_granted
            if of_year is not None
            else ledger_format.DEFAULT_MAX_GRANTED_PER_ADMINISTRATION
        )
        if len(group) <= limit:
            continue
        rows = [int(r) for r in group.index]
        name = group["Förvaltning"].iloc[0]
        kind_text = "projekt" if kind == ledger_format.PROJECT else "studiebesök"
        listing = ", ".join(str(r) for r in rows)
        for row in rows:
            out.append(
                finding(
                    "LUM-E009",
                    APPLICATIONS,
                    apps.cell("Beviljat belopp", row),
                    row,
                    f"{name} har {len(rows)} beviljade {kind_text} {year} "
                    f"(högst {plural(limit, 'tillåtet', 'tillåtna')}): "
                    f"rad {listing}",
                    expected=limit,
                    found=len(rows),
                )
            )
    return out


def check_years_have_rounds(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E012: År (in Ansökningar or Beslut) with no row in Omgångar."""
    if ledger.sheet(ROUNDS) is None:
        return []
    years = set(ledger.rounds)
    out: list[Finding] = []
    for sheet in (APPLICATIONS, DECISIONS):
        table = ledger.sheet(sheet)
        if table is None or not table.has("År"):
            continue
        numbers = _numbers(table.frame["År"])
        without_round = ~np.isnan(numbers) & ~np.isin(numbers, sorted(years))
        for row, (value,) in _rows(table, "År", where=without_round):
            year = to_int(value)
            if year is not None and year not in years:
                out.append(
                    finding(
                        "LUM-E012",
                        sheet,
                        table.cell("År", row),
                        row,
                        f"År {year} har ingen rad i bladet Omgångar",
                        expected="en rad i Omgångar",
                        found=year,
                    )
                )
    return out


def check_frames(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E014: granted total for a year and type above the round's frame."""
    apps = ledger.sheet(APPLICATIONS)
    rounds_table = ledger.sheet(ROUNDS)
    if apps is None or rounds_table is None or not apps.has("Beviljat belopp"):
        return []
    frame = apps.frame
    totals = frame.groupby(["År", "Typ"], dropna=True)["Beviljat belopp"].sum()
    out: list[Finding] = []
    for year, round_ in ledger.rounds.items():
        for kind, column in FRAME_COLUMNS.items():
            limit = round_.frame(kind)
            if limit is None:
                continue
            total = to_int(totals.get((year, kind))) or 0
            if total > limit:
                out.append(
                    finding(
                        "LUM-E014",
                        ROUNDS,
                        rounds_table.cell(column, round_.row),
                        round_.row,
                        f"Beviljat för {kind.lower()} {year} ({message_kr(total)}) överskrider ramen "
                        f"({message_kr(limit)}) med {message_kr(total - limit)}",
                        expected=limit,
                        found=total,
                    )
                )
    return out


def check_max_amounts(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E015: Sökt belopp above the round's Max belopp for the type."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Sökt belopp"):
        return []
    caps: dict[tuple[int, str], int] = {}
    for round_year, round_ in ledger.rounds.items():
        for kind_name in ledger_format.APPLICATION_TYPES:
            cap = round_.max_amount(kind_name)
            if cap is not None:
                caps[(round_year, kind_name)] = cap
    if not caps:
        return []
    frame = apps.frame
    years, applied_numbers = _numbers(frame["År"]), _numbers(frame["Sökt belopp"])
    above = np.zeros(len(frame), dtype=bool)
    of_kind = {kind: _equals(frame["Typ"], kind) for kind in {kind for _year, kind in caps}}
    for (cap_year, cap_kind), cap in caps.items():
        above |= (years == cap_year) & of_kind[cap_kind] & (applied_numbers > cap)
    out: list[Finding] = []
    for row, (year_value, kind, applied_value) in _rows(
        apps, "År", "Typ", "Sökt belopp", where=above
    ):
        year, applied = to_int(year_value), to_int(applied_value)
        if year is None or applied is None or not isinstance(kind, str):
            continue
        cap = caps.get((year, kind))
        if cap is not None and applied > cap:
            out.append(
                finding(
                    "LUM-E015",
                    APPLICATIONS,
                    apps.cell("Sökt belopp", row),
                    row,
                    f"Sökt belopp ({message_kr(applied)}) är över maxbeloppet för {kind.lower()} {year} "
                    f"({message_kr(cap)})",
                    expected=cap,
                    found=applied,
                )
            )
    return out


def _equals(series: pd.Series, value: Any) -> Any:
    """``series == value`` as a boolean array (empty cells: False)."""
    return series.eq(value).to_numpy(dtype=bool, na_value=False)


def check_known_ids(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E017: an Id in Utbetalningar, Redovisningar or Återbetalningar not in Ansökningar."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Id"):
        return []
    known = match_keys(apps.frame["Id"]).dropna()
    out: list[Finding] = []
    for sheet in (
        ledger_format.PAYMENTS,
        ledger_format.REPORTS,
        ledger_format.REPAYMENTS,
        ledger_format.BUDGET,  # issue 15
    ):
        table = ledger.sheet(sheet)
        if table is None or not table.has("Id"):
            continue
        ids = table.frame["Id"]
        keys = match_keys(ids)
        unknown = keys.notna().to_numpy(dtype=bool) & ~_is_in(keys, known)
        for row, (value,) in _rows(table, "Id", where=unknown):
            if isinstance(value, str):
                out.append(
                    finding(
                        "LUM-E017",
                        sheet,
                        table.cell("Id", row),
                        row,
                        f"Id ”{value}” finns inte i bladet Ansökningar",
                        expected="ett Id i Ansökningar",
                        found=value,
                        id=value,
                    )
                )
    return out


def check_received_in_window(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W004: Inkom outside the round's application window."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Inkom"):
        return []
    out: list[Finding] = []
    for row, (year_value, received_value) in _rows(
        apps, "År", "Inkom", where=_outside_window(ledger, apps)
    ):
        year, received = to_int(year_value), to_date(received_value)
        round_ = ledger.round_of(year)
        if round_ is None or received is None:
            continue
        opens, closes = round_.opens, round_.closes
        if (opens and received < opens) or (closes and received > closes):
            window = (
                f"{opens.isoformat() if opens else '…'} – {closes.isoformat() if closes else '…'}"
            )
            out.append(
                finding(
                    "LUM-W004",
                    APPLICATIONS,
                    apps.cell("Inkom", row),
                    row,
                    f"Inkom {received.isoformat()} ligger utanför ansökningsperioden för {year} ({window})",
                    expected=window,
                    found=received.isoformat(),
                )
            )
    return out


def _outside_window(ledger: Ledger, apps: Sheet) -> Any:
    """Rows whose Inkom lies outside their round's window (the W004 rows)."""
    frame = apps.frame
    received = frame["Inkom"]
    if not pd.api.types.is_datetime64_dtype(received.dtype):
        return np.ones(len(frame), dtype=bool)  # not the reader's dates: every row, one by one
    days = received.to_numpy(dtype="datetime64[s]")
    years = _numbers(frame["År"])
    outside = np.zeros(len(frame), dtype=bool)
    for year, round_ in ledger.rounds.items():
        opens, closes = round_.opens, round_.closes
        if opens is None and closes is None:
            continue
        early = days < np.datetime64(opens, "s") if opens else False
        late = days > np.datetime64(closes, "s") if closes else False
        outside |= (years == year) & (early | late)
    return outside


def check_granted_when_decided(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W005: Beviljat belopp empty in a round that is Beslutad or Stängd."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("År"):
        return []
    decided = {year: round_.status for year, round_ in ledger.rounds.items() if round_.decided}
    if not decided:
        return []
    empty_when_decided = np.isin(_numbers(apps.frame["År"]), sorted(decided)) & np.isnan(
        _numbers(apps.frame["Beviljat belopp"])
    )
    out: list[Finding] = []
    for row, (year_value, granted) in _rows(
        apps, "År", "Beviljat belopp", where=empty_when_decided
    ):
        year = to_int(year_value)
        if (
            year in decided
            and to_int(granted) is None
            and (row, "Beviljat belopp") not in apps.invalid
        ):
            out.append(
                finding(
                    "LUM-W005",
                    APPLICATIONS,
                    apps.cell("Beviljat belopp", row) or apps.cell("År", row),
                    row,
                    f"Beviljat belopp är tomt fast omgången {year} har status {decided[year]}",
                    expected="ett beviljat belopp (0 = avslag)",
                    found=None,
                )
            )
    return out


def check_co_applicants(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W006: a Medsökande name not in Förvaltningar."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Medsökande") or ledger.sheet(ADMINISTRATIONS) is None:
        return []
    names = ledger.administration_names

    def has_unknown(value: Any) -> bool:
        return isinstance(value, str) and any(
            ledger.administration(part) is None for part in split_co_applicants(value)
        )

    out: list[Finding] = []
    for row, (value,) in _rows(
        apps, "Medsökande", where=_distinct_mask(apps.frame["Medsökande"], has_unknown)
    ):
        if not isinstance(value, str):
            continue
        for part in split_co_applicants(value):
            if ledger.administration(part) is not None:
                continue
            comma = _comma_separated(ledger, part)
            if comma is not None:
                out.append(_comma_finding(apps, row, part, comma))
                continue
            close = closest(part, names, 0.5)
            hint = f"; menade du ”{close}”?" if close else ""
            out.append(
                finding(
                    "LUM-W006",
                    APPLICATIONS,
                    apps.cell("Medsökande", row),
                    row,
                    f"Medsökande ”{part}” finns inte i bladet Förvaltningar{hint}",
                    expected=close,
                    found=part,
                )
            )
    return out


def _comma_separated(ledger: Ledger, part: str) -> list[str] | None:
    """``"Östermalm, Norrmalm"`` -> the names, when every comma-separated piece is one of
    Förvaltningar's (a list written with commas instead of semicolons); else ``None``."""
    pieces = [piece.strip() for piece in part.split(",") if piece.strip()]
    if len(pieces) < 2 or any(ledger.administration(piece) is None for piece in pieces):
        return None
    return pieces


def _comma_finding(apps: Sheet, row: int, part: str, pieces: list[str]) -> Finding:
    """LUM-W006 for co-applicants separated by commas: the semicolon hint, not "menade du"."""
    joined = "; ".join(pieces)
    return finding(
        "LUM-W006",
        APPLICATIONS,
        apps.cell("Medsökande", row),
        row,
        f"Medsökande ”{part}” är flera förvaltningar skilda med kommatecken; skilj dem med "
        f"semikolon: ”{joined}”",
        expected=joined,
        found=part,
    )


def split_co_applicants(text: str) -> list[str]:
    """``"Östermalm; Norrmalm"`` -> ``["Östermalm", "Norrmalm"]``."""
    return [part.strip() for part in text.split(";") if part.strip()]


def check_frozen_grants(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E018: Beviljat belopp changed after the round was decided (``Beviljat vid beslut``)."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Beviljat vid beslut"):
        return []
    decided = sorted(year for year, round_ in ledger.rounds.items() if round_.decided)
    granted_numbers = _numbers(apps.frame["Beviljat belopp"])
    frozen_numbers = _numbers(apps.frame["Beviljat vid beslut"])
    changed = (
        np.isin(_numbers(apps.frame["År"]), decided)
        & ~np.isnan(frozen_numbers)
        & (np.isnan(granted_numbers) | (granted_numbers != frozen_numbers))
    )
    out: list[Finding] = []
    for row, (year_value, granted_value, frozen_value) in _rows(
        apps, "År", "Beviljat belopp", "Beviljat vid beslut", where=changed
    ):
        year, granted, frozen = to_int(year_value), to_int(granted_value), to_int(frozen_value)
        round_ = ledger.round_of(year)
        if frozen is None or round_ is None or not round_.decided:
            continue
        if granted != frozen:
            out.append(
                finding(
                    "LUM-E018",
                    APPLICATIONS,
                    apps.cell("Beviljat belopp", row),
                    row,
                    f"Beviljat belopp ({message_kr(granted)}) har ändrats efter beslutet {year} "
                    f"(beslutat: {message_kr(frozen)})",
                    expected=frozen,
                    found=granted,
                )
            )
    return out


# --- multi-year projects: continuations (E019, W007) -------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectYear:
    """One year of a multi-year project as the ledger records it (a row of ``Ansökningar``)."""

    row: int
    id: str | None
    year: int
    name: str | None
    project_year: int | None
    earlier_granted: int | None
    granted: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectHistory:
    """What the ledger's earlier years say about a project's application for ``year``."""

    key: str
    year: int
    earlier: tuple[ProjectYear, ...]  # the project's rows of earlier years, oldest first

    @property
    def granted_so_far(self) -> int | None:
        """The grants of the earlier years (``None`` when one of them is not yet decided)."""
        if any(item.granted is None for item in self.earlier):
            return None
        return sum(item.granted or 0 for item in self.earlier)

    @property
    def granted_known(self) -> int:
        """The grants of the earlier years that are decided."""
        return sum(item.granted or 0 for item in self.earlier)

    @property
    def undecided_ids(self) -> list[str]:
        """Earlier years whose grant is not decided (blank ``Beviljat belopp``)."""
        return [item.id or f"rad {item.row}" for item in self.earlier if item.granted is None]

    @property
    def funded_years(self) -> int:
        """Earlier years in which the project was granted money."""
        return len({item.year for item in self.earlier if (item.granted or 0) > 0})

    @property
    def next_project_year(self) -> int | None:
        """The ``Projektår`` that follows the latest earlier year with one stated, stepping by
        one per year (as LUM-R011 does); ``None`` when no earlier year states one."""
        stated = [item for item in self.earlier if item.project_year is not None]
        if not stated:
            return None
        last = stated[-1]
        assert last.project_year is not None
        return last.project_year + (self.year - last.year)


def _matched(series: pd.Series) -> pd.Series:
    """:func:`~lumledger.ledger.match_key` of every cell (stripped, casefolded) as whole-column
    work; empty cells and blank text are missing."""
    keys = series.astype("str").str.strip().str.casefold()
    return keys.where(keys.str.len() > 0)


def project_years(ledger: Ledger, *, chains_only: bool = True) -> dict[str, list[ProjectYear]]:
    """Matched ``Projekt`` key -> the project's rows of Typ ``Projekt`` with a year, by year then
    row. ``chains_only``: only keys found in more than one row (on the large path the rest are
    left out by whole-column work before any row is looked at)."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Projekt") or not apps.has("År"):
        return {}
    frame = apps.frame
    keys = _matched(frame["Projekt"])  # match_key for the whole column at once
    mask = keys.notna().to_numpy() & _equals(frame["Typ"], ledger_format.PROJECT)
    if chains_only:
        mask &= keys.duplicated(keep=False).to_numpy()
    columns = [
        c
        for c in ("Id", "År", "Namn", "Projektår", "Tidigare beviljat", "Beviljat belopp")
        if apps.has(c)
    ]
    out: dict[str, list[ProjectYear]] = {}
    for row, values in _rows(apps, *columns, where=mask):
        cells = dict(zip(columns, values, strict=True))
        year = to_int(cells.get("År"))
        if year is None:
            continue
        name, id_ = cells.get("Namn"), cells.get("Id")
        out.setdefault(str(keys.at[row]), []).append(
            ProjectYear(
                row=row,
                id=id_ if isinstance(id_, str) else None,
                year=year,
                name=name if isinstance(name, str) else None,
                project_year=to_int(cells.get("Projektår")),
                earlier_granted=to_int(cells.get("Tidigare beviljat")),
                granted=to_int(cells.get("Beviljat belopp")),
            )
        )
    for chain in out.values():
        chain.sort(key=lambda item: (item.year, item.row))
    return out


def history_before(key: str, chain: list[ProjectYear], year: int) -> ProjectHistory:
    return ProjectHistory(
        key=key, year=year, earlier=tuple(item for item in chain if item.year < year)
    )


def check_continuations(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-E019: a project's fourth project year (three earlier years with a grant). LUM-W007: a
    continuation's ``Projektår`` or ``Tidigare beviljat`` disagrees with the ledger's earlier
    years of the same ``Projekt``."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None:
        return []
    out: list[Finding] = []
    for key, chain in project_years(ledger).items():
        for item in chain:
            history = history_before(key, chain, item.year)
            if not history.earlier:
                continue
            earlier_ids = ", ".join(f"{e.id or f'rad {e.row}'} ({e.year})" for e in history.earlier)
            if history.funded_years >= 3:
                out.append(
                    finding(
                        "LUM-E019",
                        APPLICATIONS,
                        apps.cell("Projektår", item.row) or apps.cell("Projekt", item.row),
                        item.row,
                        f"Projektet har redan beviljats medel tre år ({earlier_ids}); ett "
                        "fjärde projektår kan inte beviljas (projekt beviljas för högst tre år)",
                        expected=3,
                        found=history.funded_years + 1,
                        id=item.id,
                    )
                )
                continue
            wanted = history.next_project_year
            if item.project_year is not None and wanted is not None and item.project_year != wanted:
                out.append(
                    finding(
                        "LUM-W007",
                        APPLICATIONS,
                        apps.cell("Projektår", item.row),
                        item.row,
                        f"Projektår {item.project_year} stämmer inte med projektets tidigare år "
                        f"i liggaren ({earlier_ids}); väntat projektår {wanted}",
                        expected=wanted,
                        found=item.project_year,
                        id=item.id,
                    )
                )
            so_far = history.granted_so_far
            if (
                item.earlier_granted is not None
                and so_far is not None
                and item.earlier_granted != so_far
            ):
                out.append(
                    finding(
                        "LUM-W007",
                        APPLICATIONS,
                        apps.cell("Tidigare beviljat", item.row),
                        item.row,
                        f"Tidigare beviljat anges till {message_kr(item.earlier_granted)} "
                        f"men liggaren har {message_kr(so_far)} beviljat tidigare år "
                        f"({earlier_ids})",
                        expected=so_far,
                        found=item.earlier_granted,
                        id=item.id,
                    )
                )
    return out


# --- what the assessment says against what is granted (W008) -------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
#: The applied amount in full: "Beviljas sökt summa", "bör beviljas", "bör ansökan beviljas".
_GRANT_IN_FULL = re.compile(
    r"\bbeviljas\s+(?:den\s+)?sökt[a]?\s+(?:summa|summan|belopp|beloppet)\b"
    r"|\bbör\s+(?:ansökan\s+|projektet\s+|medlen\s+)?beviljas\b"
    r"|\bansökan\s+bör\s+beviljas\b"
    r"|\bbeviljas\s+i\s+sin\s+helhet\b",
    re.IGNORECASE,
)
#: Words that make a sentence about part of the amount, never all of it.
_PART = re.compile(
    r"\b(?:del|delvis|delar|minska\w*|sänk\w*|reducera\w*|lägre|mindre|hälften|halva)\b"
    r"|\bbeviljas\s+[\d\s]+\s*kr",
    re.IGNORECASE,
)
_HALF = re.compile(r"\b(?:hälften|halva)\b", re.IGNORECASE)
_GRANT_WORD = re.compile(r"bevilja", re.IGNORECASE)

FULL, HALF = "full", "half"


def assessment_says(text: Any) -> tuple[str, str] | None:
    """What an assessment or decision text says should be granted: ``(FULL, words)`` for the
    applied amount, ``(HALF, words)`` for half of it, ``None`` when it says neither; ``words``
    is the sentence that says so (its part around what it says, when it is long)."""
    if not isinstance(text, str):
        return None
    for sentence in _SENTENCE.split(text.strip()):
        if not _GRANT_WORD.search(sentence):
            continue
        half = _HALF.search(sentence)
        if half:
            return HALF, _around(sentence, half.start())
        full = _GRANT_IN_FULL.search(sentence)
        if full and not _PART.search(sentence):
            return FULL, _around(sentence, full.start())
    return None


def _around(sentence: str, at: int, limit: int = 80) -> str:
    """``sentence`` whole when short, else ``limit`` characters from a little before ``at``."""
    sentence = sentence.strip()
    if len(sentence) <= limit:
        return sentence
    start = min(max(0, at - 20), len(sentence) - limit)
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    part = sentence[start : start + limit].strip()
    return ("…" if start else "") + part + ("…" if start + limit < len(sentence) else "")


def _and_list(items: list[str]) -> str:
    """``a``, ``a och b``, ``a, b och c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


def _said_codes(series: pd.Series, said: dict[Any, tuple[str, str] | None]) -> Any:
    """Per cell: 1 when the text says the applied amount, 2 when it says half, else 0 —
    :func:`assessment_says` evaluated once per distinct text (kept in ``said``)."""
    codes, distinct = pd.factorize(series)
    values = np.asarray(distinct, dtype=object)
    kinds = np.zeros(len(values) + 1, dtype=np.int8)  # the last entry: an empty cell
    for i, value in enumerate(values):
        said[value] = verdict = assessment_says(value)
        if verdict is not None:
            kinds[i] = 1 if verdict[0] == FULL else 2
    return kinds[np.where(codes >= 0, codes, len(values))]


def check_assessment_against_grant(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W008: the assessment (``Utvärdering``) or the decision text (``Beslut``) says the
    applied amount should be granted while less is granted, or half of it while the grant is not
    half (to the krona). The first of the two texts that says either is the one compared."""
    apps = ledger.sheet(APPLICATIONS)
    if apps is None or not apps.has("Beviljat belopp") or not apps.has("Sökt belopp"):
        return []
    texts = [c for c in ("Utvärdering", "Beslut") if apps.has(c)]
    if not texts:
        return []
    granted = _numbers(apps.frame["Beviljat belopp"])
    applied = _numbers(apps.frame["Sökt belopp"])
    said: dict[Any, tuple[str, str] | None] = {}
    kind = np.zeros(len(apps.frame), dtype=np.int8)
    for column in texts:
        codes = _said_codes(apps.frame[column], said)
        kind = np.where(kind == 0, codes, kind)  # the first text that speaks
    with np.errstate(invalid="ignore"):
        less = granted < applied
        not_half = np.abs(2 * granted - applied) > 1
    disagrees = (
        ~np.isnan(granted) & ~np.isnan(applied) & (((kind == 1) & less) | ((kind == 2) & not_half))
    )
    out: list[Finding] = []
    for row, values in _rows(apps, "Sökt belopp", "Beviljat belopp", *texts, where=disagrees):
        applied_kr, granted_kr = to_int(values[0]), to_int(values[1])
        spoken = next(
            (
                (column, said.get(text))
                for column, text in zip(texts, values[2:], strict=True)
                if said.get(text) is not None
            ),
            None,
        )
        if applied_kr is None or granted_kr is None or spoken is None or spoken[1] is None:
            continue
        column, (verdict, sentence) = spoken[0], spoken[1]
        where = "Utvärderingen" if column == "Utvärdering" else "Beslutstexten"
        if verdict == FULL:
            message = (
                f"{where} säger att sökt belopp ska beviljas (”{sentence}”) men "
                f"beviljat är {message_kr(granted_kr)} av sökta {message_kr(applied_kr)}"
            )
            expected = applied_kr
        else:
            expected = applied_kr // 2
            message = (
                f"{where} säger hälften (”{sentence}”): hälften av sökta "
                f"{message_kr(applied_kr)} är {message_kr(expected)}, men beviljat är "
                f"{message_kr(granted_kr)}"
            )
        out.append(
            finding(
                "LUM-W008",
                APPLICATIONS,
                apps.cell("Beviljat belopp", row),
                row,
                message,
                expected=expected,
                found=granted_kr,
            )
        )
    return out


# --- study visits to the same place for the same purpose (W009) -------------------------------------------


def _trip_key(value: Any) -> str | None:
    """A place or purpose compared without case, spacing, commas and closing punctuation
    (``Frome, England.`` and ``frome england`` are one place); a few string methods, as a
    ledger may hold tens of thousands of purposes."""
    if not isinstance(value, str):
        return None
    return " ".join(value.casefold().replace(",", " ").split()).strip(" .!?;:") or None


# Texts whose key is Arrow's lower-case, trimmed: printable, every character lowering as it
# casefolds (see ledger.LOWERS_AS_IT_CASEFOLDS), and no whitespace but single spaces once commas are
# spaces (so split() and join change nothing).
_TRIP_KEY_PLAIN = r"^[\x20-\x7e\x{c0}-\x{de}\x{e0}-\x{ff}]*$"
_TRIP_KEY_ENDS = " .!?;:"


def _trip_keys(series: pd.Series) -> pd.Series:
    """:func:`_trip_key` of every cell, as whole Arrow arrays for the plain texts (a ledger may
    hold a hundred thousand distinct purposes of a few hundred letters each) and one call per
    distinct value for the others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = text_array(series)
    if texts is None:  # not all text: value by value
        codes, distinct = pd.factorize(series)
        keys = np.asarray([*(_trip_key(v) for v in np.asarray(distinct, dtype=object)), None])
        return pd.Series(
            keys[np.where(codes >= 0, codes, len(distinct))], index=series.index, dtype=object
        )
    spaced = pc.replace_substring(pc.replace_substring(texts, ", ", " "), ",", " ")
    plain = pc.and_(
        pc.match_substring_regex(texts, _TRIP_KEY_PLAIN),
        pc.invert(pc.match_substring(spaced, "  ")),
    ).fill_null(True)
    keys = pc.utf8_trim(pc.utf8_lower(spaced), _TRIP_KEY_ENDS)
    unusual = pc.invert(plain)
    if pc.any(unusual).as_py():
        others = pd.Series(texts.filter(unusual).to_pylist(), dtype=object)
        codes, distinct = pd.factorize(others)
        mapped = [_trip_key(v) for v in np.asarray(distinct, dtype=object)]
        keys = pc.replace_with_mask(
            keys, unusual, pa.array([mapped[c] for c in codes], type=keys.type)
        )
    keys = pc.if_else(pc.equal(keys, ""), pa.scalar(None, keys.type), keys)
    return pd.Series(
        pd.arrays.ArrowStringArray(keys.cast(pa.large_string())),
        index=series.index,
        name=series.name,
    )


def check_joint_study_visits(ledger: Ledger, context: Context) -> list[Finding]:
    """LUM-W009: study visits to the same place (``Namn``) for the same purpose (``Syfte``)
    granted to more than one administration the same year: a possible joint trip."""
    apps = ledger.sheet(APPLICATIONS)
    needed = ("År", "Typ", "Förvaltning", "Namn", "Syfte", "Beviljat belopp")
    if apps is None or not all(apps.has(c) for c in needed):
        return []
    frame = apps.frame
    granted = _numbers(frame["Beviljat belopp"])
    visits = _equals(frame["Typ"], ledger_format.STUDY_VISIT) & (np.nan_to_num(granted) > 0)
    positions = np.flatnonzero(visits)
    if not len(positions):
        return []
    group = ["year", "place"]
    subset = pd.DataFrame(
        {
            "year": _numbers(frame["År"].take(positions)),
            "place": _trip_keys(frame["Namn"].take(positions)),
            "administration": _matched(frame["Förvaltning"].take(positions)),
        },
        index=frame.index[positions],
    ).dropna()
    # Same year and place for two administrations first; only those rows' purposes are compared.
    for step in ("place", "purpose"):
        if step == "purpose":
            subset["purpose"] = _trip_keys(frame.loc[subset.index, "Syfte"])
            subset = subset.dropna()
            group = ["year", "place", "purpose"]
        if subset.empty:
            return []
        trips = _groups(*(subset[key] for key in group))
        pairs = _groups(trips, subset["administration"])  # a trip and an administration
        first = np.unique(pairs, return_index=True)[1]  # one row per pair
        administrations = np.bincount(trips[first], minlength=1)[trips]
        subset = subset[administrations >= 2]
    out: list[Finding] = []
    for _, trip in subset.groupby(group, sort=False):
        rows = sorted(int(r) for r in trip.index)
        described = {
            row: f"{_text_or_row(frame, 'Förvaltning', row)} ({_text_or_row(frame, 'Id', row)})"
            for row in rows
        }
        for row in rows:
            others = _and_list([text for other, text in described.items() if other != row])
            year = to_int(frame.at[row, "År"])
            out.append(
                finding(
                    "LUM-W009",
                    APPLICATIONS,
                    apps.cell("Namn", row),
                    row,
                    f"Studiebesök till {_text_or_row(frame, 'Namn', row)} med samma syfte "
                    f"beviljas {year} "
                    f"också för {others}: kan resan göras gemensamt?",
                    expected=None,
                    found=len(rows),
                )
            )
    return out


def _text_or_row(frame: pd.DataFrame, column: str, row: int) -> str:
    value = frame.at[row, column] if column in frame.columns else None
    return value if isinstance(value, str) else f"rad {row}"
