"""The validation rules across rows and sheets, one function per rule.

``E005``, ``E006``, ``E009``, ``E012``, ``E014``, ``E015``, ``E017``, ``E018``, ``W004``–``W006``,
each named as its rule's check in the registry (:mod:`lumledger.rules.registry`) and run by
:func:`lumledger.validation.validate_ledger`. Whole columns on the large path; a Python loop only
over the rows that carry a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from lumledger import ledger_format
from lumledger.findings import Finding, closest, finding
from lumledger.ledger import Ledger, Sheet, match_key, to_date, to_int
from lumledger.ledger_format import (
    ADMINISTRATIONS,
    APPLICATIONS,
    DECISIONS,
    FRAME_COLUMNS,
    ROUNDS,
)
from lumledger.money import message_kr
from lumledger.rules.registry import Context

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
        keys = series if column == "År" else _match_keys(series)
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


def _casefold(value: Any) -> Any:
    """A cell as Ids and names are matched (:func:`lumledger.ledger.match_key`); other values kept."""
    return match_key(value) if isinstance(value, str) else value


# What Python's str.strip() removes from ASCII text (Arrow's own "whitespace" lacks \x1c-\x1f).
_ASCII_SPACE = "".join(chr(code) for code in range(128) if chr(code).isspace())


def _match_keys(series: pd.Series) -> pd.Series:
    """:func:`_casefold` of every cell of a text column, as a series with the same index.

    A million Ids are not casefolded one Python call each: ASCII texts (nearly all) are trimmed
    and lowered by Arrow as whole arrays (for ASCII, ``casefold`` is ``lower``), the others by
    :func:`lumledger.ledger.match_key`. A column that is not all text is mapped cell by cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if isinstance(series.dtype, pd.StringDtype):
            texts = pa.array(series.array)
        else:
            texts = pa.array(
                series.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return series.map(_casefold)
    keys = pc.ascii_lower(pc.ascii_trim(texts, _ASCII_SPACE))
    other = pc.invert(pc.string_is_ascii(texts).fill_null(True))
    if pc.any(other).as_py():
        unusual = texts.filter(other).to_pylist()
        keys = pc.replace_with_mask(
            keys, other, pa.array([match_key(text) for text in unusual], type=keys.type)
        )
    return pd.Series(pd.arrays.ArrowStringArray(keys), index=series.index, name=series.name)


def _is_in(keys: pd.Series, known: pd.Series) -> Any:
    """Which of ``keys`` are among ``known`` (two :func:`_match_keys`), as a boolean array: one
    Arrow hash lookup (pandas' ``isin`` on Arrow strings makes a Python object per value)."""
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
    granted = frame[(frame["Beviljat belopp"].fillna(0) > 0) & frame["Förvaltning"].notna()]
    if granted.empty:
        return []
    keys = _match_keys(granted["Förvaltning"])
    # Only the groups with more granted rows than their year allows are looked at one by one.
    sizes = granted.groupby([keys, granted["År"], granted["Typ"]], dropna=True)["År"].transform(
        "size"
    )
    years = _numbers(granted["År"])
    allowed = np.full(len(granted), float(ledger_format.DEFAULT_MAX_GRANTED_PER_ADMINISTRATION))
    for round_year, round_ in rounds.items():
        allowed[years == round_year] = round_.max_granted
    over = _numbers(sizes) > allowed
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
                    f"{name} har {len(rows)} beviljade {kind_text} {year} (högst {limit} tillåtna): "
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
    known = _match_keys(apps.frame["Id"]).dropna()
    out: list[Finding] = []
    for sheet in (ledger_format.PAYMENTS, ledger_format.REPORTS, ledger_format.REPAYMENTS):
        table = ledger.sheet(sheet)
        if table is None or not table.has("Id"):
            continue
        ids = table.frame["Id"]
        keys = _match_keys(ids)
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
