"""Roll-ups of the LUM ledger: totals per year and type, per administration, study visits,
frame use and multi-year commitments.

Pure computation over a parsed :class:`~lumledger.ledger.Ledger` (pandas, no file formats):
``lumledger rollup`` prints the result, ``lumledger.official`` turns it into the *Summering*
workbook, and the small functions at the end (:func:`sum_field`, :func:`count_applications`,
:func:`frame_left`) back the Excel worksheet functions. All amounts are whole kronor held as
Python ``int``; the share of the applied sum granted is an exact :class:`~fractions.Fraction`,
rounded only when it is shown.

Counting rules: an application is *granted* when ``Beviljat belopp`` > 0, *rejected* when it is
0 and *undecided* when it is blank, so granted + rejected + undecided = applications.
*Administrations* are the distinct main applicants (``Förvaltning``), as in the ``Beslut`` sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import repeat
from typing import TYPE_CHECKING, Any, NamedTuple

from lumledger import ledger_format
from lumledger.ledger import match_keys, stripped_texts

if TYPE_CHECKING:
    import pandas as pd

    from lumledger.ledger import Ledger

#: Fields :func:`sum_field` can add up (whole kronor columns of ``Ansökningar``).
SUM_FIELDS: tuple[str, ...] = ("Sökt belopp", "Beviljat belopp", "Tidigare beviljat")

#: Longest project, in project years (``Projektår`` is 1, 2 or 3).
MAX_PROJECT_YEARS = max(ledger_format.PROJECT_YEARS)

_KIND_ORDER = {kind: i for i, kind in enumerate(ledger_format.APPLICATION_TYPES)}


# --- result types ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts and sums of a group of applications. Amounts in whole kronor."""

    applications: int = 0
    applied: int = 0
    granted: int = 0
    granted_count: int = 0
    rejected_count: int = 0
    undecided_count: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            applications=self.applications + other.applications,
            applied=self.applied + other.applied,
            granted=self.granted + other.granted,
            granted_count=self.granted_count + other.granted_count,
            rejected_count=self.rejected_count + other.rejected_count,
            undecided_count=self.undecided_count + other.undecided_count,
        )

    @property
    def share_granted(self) -> Fraction | None:
        """Granted / applied, exact; ``None`` when nothing was applied for."""
        return Fraction(self.granted, self.applied) if self.applied else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "applied": self.applied,
            "granted": self.granted,
            "granted_count": self.granted_count,
            "rejected_count": self.rejected_count,
            "undecided_count": self.undecided_count,
            "share_granted_percent": percent(self.share_granted),
        }


def add_totals(items: Iterable[Totals]) -> Totals:
    total = Totals()
    for item in items:
        total = total + item
    return total


@dataclass(frozen=True, slots=True)
class YearKindTotals:
    """One year and type: the figures the decision states, and the frame."""

    year: int
    kind: str
    totals: Totals
    administrations: int  # distinct main applicants
    frame: int | None  # Ram projekt / Ram studiebesök; None when the round has none
    frame_left: int | None  # frame - granted

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "type": self.kind,
            "administrations": self.administrations,
            **self.totals.to_dict(),
            "frame": self.frame,
            "frame_left": self.frame_left,
        }


@dataclass(frozen=True, slots=True)
class YearTotals:
    """One year, both types together."""

    year: int
    totals: Totals
    administrations: int

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "administrations": self.administrations, **self.totals.to_dict()}


@dataclass(frozen=True, slots=True)
class AdministrationTotals:
    """One administration (as main applicant), year and type."""

    year: int
    kind: str
    administration: str
    totals: Totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "type": self.kind,
            "administration": self.administration,
            **self.totals.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class KindTotals:
    """One type over every year in the roll-up."""

    kind: str
    totals: Totals
    administrations: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "administrations": self.administrations, **self.totals.to_dict()}


class Commitment(NamedTuple):
    """A multi-year project: its rows tied together by the ``Projekt`` key.

    A project row with ``Projektår`` but no ``Projekt`` key is its own commitment, keyed by its
    ``Id`` (``keyed_by_id``). ``granted_so_far`` = the ``Tidigare beviljat`` stated on the
    earliest recorded row (grants from before the ledger) + every grant recorded in the ledger.

    A named tuple (immutable and cheap): a full-height ledger has hundreds of thousands.
    """

    key: str
    keyed_by_id: bool
    administration: str
    name: str
    ids: tuple[str, ...]
    first_year: int
    last_year: int
    project_year: int | None  # Projektår reached (on the latest row that states one)
    years_left: int | None  # MAX_PROJECT_YEARS - project_year
    earlier_stated: int  # Tidigare beviljat on the earliest row, 0 when blank
    granted_recorded: int
    undecided_count: int

    @property
    def granted_so_far(self) -> int:
        return self.earlier_stated + self.granted_recorded

    def to_dict(self) -> dict[str, Any]:
        return commitment_dict(self)


def commitment_dict(item: Commitment) -> dict[str, Any]:
    """A commitment as a JSON-ready dict (:meth:`Commitment.to_dict`); a roll-up may list
    hundreds of thousands, so the fields are unpacked at once, not looked up one by one."""
    (
        key,
        by_id,
        administration,
        name,
        ids,
        first,
        last,
        project_year,
        left,
        earlier,
        recorded,
        undecided,
    ) = item
    return {
        "key": key,
        "keyed_by_id": by_id,
        "administration": administration,
        "name": name,
        "ids": list(ids),
        "first_year": first,
        "last_year": last,
        "project_year": project_year,
        "years_left": left,
        "earlier_stated": earlier,
        "granted_recorded": recorded,
        "granted_so_far": earlier + recorded,
        "undecided_count": undecided,
    }


@dataclass(frozen=True, slots=True)
class Rollup:
    """Everything ``lumledger rollup`` reports, for one year or for every year in the ledger."""

    file: str
    year: int | None  # the year asked for; None = every year
    years: tuple[int, ...]
    by_year_kind: tuple[YearKindTotals, ...]
    by_year: tuple[YearTotals, ...]
    by_kind: tuple[KindTotals, ...]
    by_administration: tuple[AdministrationTotals, ...]
    commitments: tuple[Commitment, ...] = field(default_factory=tuple)
    # Every administration in the roll-up, in the Förvaltningar sheet's order (then by name).
    administrations: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.years

    @property
    def total(self) -> Totals:
        return add_totals(item.totals for item in self.by_year)

    @property
    def study_visits(self) -> tuple[YearKindTotals, ...]:
        return tuple(item for item in self.by_year_kind if item.kind == ledger_format.STUDY_VISIT)

    @property
    def study_visit_total(self) -> KindTotals:
        for item in self.by_kind:
            if item.kind == ledger_format.STUDY_VISIT:
                return item
        return KindTotals(ledger_format.STUDY_VISIT, Totals(), 0)

    def administrations_for(self, year: int) -> list[tuple[str, int, int]]:
        """(administration, applied, granted) for ``year``, both types together, in order."""
        sums: dict[str, tuple[int, int]] = {name: (0, 0) for name in self.administrations}
        for item in self.by_administration:
            if item.year != year:
                continue
            applied, granted = sums.get(item.administration, (0, 0))
            sums[item.administration] = (
                applied + item.totals.applied,
                granted + item.totals.granted,
            )
        present = {item.administration for item in self.by_administration if item.year == year}
        return [
            (name, applied, granted) for name, (applied, granted) in sums.items() if name in present
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as ints, the share as a percentage rounded to one decimal."""
        return {
            "file": self.file,
            "year": self.year,
            "years": list(self.years),
            "administrations": list(self.administrations),
            "per_year_and_type": [item.to_dict() for item in self.by_year_kind],
            "per_year": [item.to_dict() for item in self.by_year],
            "per_type": [item.to_dict() for item in self.by_kind],
            "per_administration": [item.to_dict() for item in self.by_administration],
            "study_visits": {
                "per_year": [item.to_dict() for item in self.study_visits],
                "total": self.study_visit_total.to_dict(),
            },
            "commitments": list(map(commitment_dict, self.commitments)),
            "total": self.total.to_dict(),
        }


def percent(share: Fraction | None) -> float | None:
    """A share as a percentage rounded half up to one decimal (exact until the last step)."""
    if share is None:
        return None
    tenths = (share * 1000 + Fraction(1, 2)).__floor__()
    return tenths / 10


def format_percent(share: Fraction | None) -> str:
    """``Fraction(3175000, 10950780)`` -> ``"29,0 %"``; ``None`` -> ``"–"``."""
    value = percent(share)
    if value is None:
        return "–"
    return f"{value:.1f} %".replace(".", ",")


# --- the working frame -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _applications(ledger: Ledger, year: int | None) -> pd.DataFrame:
    """Ansökningar rows that can be rolled up, with normalised columns.

    Columns: ``year``, ``kind``, ``admin`` (both categorical, so grouping works on integer
    codes), ``applied`` (blank = 0), ``granted`` (Int64, NA = undecided). Rows without a year, a
    known type or an administration are left out (they only occur in invalid ledgers, which the
    commands refuse).
    """
    import pandas as pd

    frame = ledger.frame(ledger_format.APPLICATIONS)

    def admin_name(value: Any) -> str | None:
        text = _text(value)
        return None if text is None else ledger.canonical_name(text)

    def kind_name(value: Any) -> str | None:
        text = _text(value)
        return text if text in _KIND_ORDER else None

    kinds = _categories(frame["Typ"], kind_name)
    admins = _categories(frame["Förvaltning"], admin_name)
    work = pd.DataFrame(
        {
            "year": frame["År"].astype("Int64"),
            "kind": kinds,
            "admin": admins,
            "applied": frame["Sökt belopp"].astype("Int64").fillna(0).astype("int64"),
            "granted": frame["Beviljat belopp"].astype("Int64"),
        },
        index=frame.index,
    )
    keep = work["year"].notna() & (kinds.codes >= 0) & (admins.codes >= 0)
    if year is not None:
        keep &= work["year"] == year
    work = work[keep.fillna(False).astype(bool)].copy()
    work["year"] = work["year"].astype("int64")
    work["is_granted"] = (work["granted"] > 0).fillna(False).astype("int64")
    work["is_rejected"] = (work["granted"] == 0).fillna(False).astype("int64")
    work["is_undecided"] = work["granted"].isna().astype("int64")
    work["granted_sum"] = work["granted"].fillna(0).astype("int64")
    return work


def _categories(column: pd.Series, function: Callable[[Any], str | None]) -> pd.Categorical:
    """``function`` of every value of ``column`` as a categorical (missing where it gives
    ``None``), called once per distinct value."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    names: dict[str, int] = {}
    mapped = [function(value) for value in distinct.tolist()]
    mapped.append(function(None))  # the last slot: missing values (code -1)
    lookup = np.array(
        [-1 if name is None else names.setdefault(name, len(names)) for name in mapped],
        dtype=np.int64,
    )
    return pd.Categorical.from_codes(lookup[codes], categories=pd.Index(list(names), dtype=object))


#: The working frame's columns a group's :class:`Totals` add up, by the field they give.
_SUMMED = {
    "applied": "applied",
    "granted": "granted_sum",
    "granted_count": "is_granted",
    "rejected_count": "is_rejected",
    "undecided_count": "is_undecided",
}


def _group_totals(work: pd.DataFrame, keys: list[str]) -> dict[Any, Totals]:
    """The totals of each group of ``keys``: every sum in one pass over int64 columns."""
    if work.empty:
        return {}
    grouped = work.groupby(keys, sort=False, observed=True)
    sums = grouped[list(_SUMMED.values())].sum()
    sizes = grouped.size().reindex(sums.index)
    out: dict[Any, Totals] = {}
    for key, applications, row in zip(
        sums.index.tolist(), sizes.tolist(), sums.to_numpy(dtype="int64").tolist(), strict=True
    ):
        out[key] = Totals(applications=applications, **dict(zip(_SUMMED, row, strict=True)))
    return out


def _distinct_admins(work: pd.DataFrame, keys: list[str]) -> dict[Any, int]:
    if work.empty:
        return {}
    counted = work.groupby(keys, sort=False, observed=True)["admin"].nunique()
    return {key: int(value) for key, value in counted.items()}


def _frames(ledger: Ledger) -> dict[tuple[int, str], int]:
    """(year, type) -> the round's frame (``Ram …``), for the rounds that state one."""
    return {
        (year, kind): frame
        for year, round_ in ledger.rounds.items()
        for kind in ledger_format.APPLICATION_TYPES
        if (frame := round_.frame(kind)) is not None
    }


# --- the roll-up -------------------------------------------------------------------------------


def compute_rollup(ledger: Ledger, year: int | None = None) -> Rollup:
    """Totals for ``year`` (or every year) of ``ledger``. Exact integer arithmetic throughout.

    Each level is computed from the application rows on its own (not by adding up the level
    below), so the property tests that parts add up to totals test something.
    """
    return _compute_rollup(ledger, year)


def _compute_rollup(ledger: Ledger, year: int | None) -> Rollup:
    work = _applications(ledger, year)
    admin_order = {name: i for i, name in enumerate(ledger.administration_names)}
    frames = _frames(ledger)

    by_yk = _group_totals(work, ["year", "kind"])
    admins_yk = _distinct_admins(work, ["year", "kind"])
    year_kind = tuple(
        YearKindTotals(
            year=y,
            kind=k,
            totals=totals,
            administrations=admins_yk[(y, k)],
            frame=frames.get((y, k)),
            frame_left=None if (y, k) not in frames else frames[(y, k)] - totals.granted,
        )
        for (y, k), totals in sorted(
            by_yk.items(), key=lambda kv: (kv[0][0], _KIND_ORDER[kv[0][1]])
        )
    )

    by_y = _group_totals(work, ["year"])
    admins_y = _distinct_admins(work, ["year"])
    years = tuple(
        YearTotals(year=y, totals=totals, administrations=admins_y[y])
        for y, totals in sorted(by_y.items())
    )

    by_k = _group_totals(work, ["kind"])
    admins_k = _distinct_admins(work, ["kind"])
    kinds = tuple(
        KindTotals(kind=k, totals=totals, administrations=admins_k[k])
        for k, totals in sorted(by_k.items(), key=lambda kv: _KIND_ORDER[kv[0]])
    )

    def admin_rank(name: str) -> tuple[int, str]:
        return (admin_order.get(name, len(admin_order)), name.casefold())

    by_a = _group_totals(work, ["year", "kind", "admin"])
    per_admin = tuple(
        AdministrationTotals(year=y, kind=k, administration=a, totals=totals)
        for (y, k, a), totals in sorted(
            by_a.items(), key=lambda kv: (kv[0][0], _KIND_ORDER[kv[0][1]], admin_rank(kv[0][2]))
        )
    )

    return Rollup(
        file=ledger.name,
        year=year,
        years=tuple(item.year for item in years),
        by_year_kind=year_kind,
        by_year=years,
        by_kind=kinds,
        by_administration=per_admin,
        commitments=tuple(commitments(ledger, year)),
        administrations=tuple(sorted({a.administration for a in per_admin}, key=admin_rank)),
    )


def commitments(ledger: Ledger, year: int | None = None) -> list[Commitment]:
    """Multi-year projects (see :class:`Commitment`), ordered by first year, administration and
    key (the last two without case).

    Project rows (``Typ`` Projekt, with a year) are tied together by their ``Projekt`` key as
    matched (:func:`~lumledger.ledger.match_key`), or, without a key, by their ``Id`` when they
    state a ``Projektår``. A commitment's rows are taken by year (the same year in the sheet's
    order): the first gives the key as written and ``Tidigare beviljat``, the last the
    administration and name, and the latest that states a ``Projektår`` the project year reached
    (counted on to the last row's year). The commitment's first row in the sheet says whether it
    is keyed by an Id.

    For a given ``year``: rows up to that year count, and a project is listed when it has a row
    in ``year`` or may still run in it (years left reach ``year``).

    Whole-column work, as a ledger may hold hundreds of thousands of projects: keys matched by
    :func:`~lumledger.ledger.match_keys`, rows grouped by one stable sort, each commitment's
    figures by NumPy reductions, the order by one Arrow sort; Python objects are made only for
    what is returned, a column at a time.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = ledger.frame(ledger_format.APPLICATIONS)
    # Only project rows with a year and a key or a project year can be part of a commitment.
    candidates = (
        (frame["Typ"] == ledger_format.PROJECT).fillna(False).astype(bool)
        & frame["År"].notna().to_numpy(dtype=bool)
        & (frame["Projekt"].notna() | frame["Projektår"].notna()).to_numpy(dtype=bool)
    )
    if year is not None:
        candidates &= (frame["År"] <= year).fillna(False).to_numpy(dtype=bool)
    rows = np.flatnonzero(np.asarray(candidates, dtype=bool))

    # Each row's key as written: its Projekt key, else its Id when it states a project year.
    project_keys = stripped_texts(frame["Projekt"].iloc[rows])
    ids = stripped_texts(frame["Id"].iloc[rows])
    stated = frame["Projektår"].iloc[rows].notna().to_numpy(dtype=bool)
    by_id = project_keys.is_null().to_numpy(zero_copy_only=False)
    no_key = pa.scalar(None, ids.type)
    written = pc.if_else(by_id, pc.if_else(stated, ids, no_key), project_keys)
    member = np.flatnonzero(written.is_valid().to_numpy(zero_copy_only=False))
    if not len(member):
        return []
    rows, stated, by_id = rows[member], stated[member], by_id[member]
    written, ids = written.take(member), ids.take(member)
    matched = match_keys(pd.Series(pd.arrays.ArrowStringArray(written)))
    encoded = pa.array(matched.array).dictionary_encode()
    group = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)

    def ints(name: str) -> Any:
        return frame[name].iloc[rows].to_numpy(dtype="int64", na_value=0)

    years = ints("År")
    # Rows by group, then year; the same year keeps the sheet's order (lexsort is stable).
    order = np.lexsort((years, group))
    grouped = group[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    ends = np.r_[starts[1:], len(order)] - 1
    first, last = order[starts], order[ends]

    # The latest row (by year) that states a project year, counted on to the last row's year.
    latest = np.maximum.accumulate(np.where(stated[order], np.arange(len(order)), -1))[ends]
    has_project_year = latest >= starts
    stating = order[np.where(has_project_year, latest, starts)]
    project_year = ints("Projektår")[stating] + (years[last] - years[stating])
    years_left = np.maximum(0, MAX_PROJECT_YEARS - project_year)
    listed = np.ones(len(starts), dtype=bool)
    if year is not None:
        may_still_run = has_project_year & (years[last] + years_left >= year)
        listed = (years[last] == year) | may_still_run
    kept = np.flatnonzero(listed)

    # The administration (as Förvaltningar writes it), computed once per distinct text.
    codes, distinct = pd.factorize(frame["Förvaltning"].iloc[rows[last[kept]]])
    names = [ledger.canonical_name(_text(value) or "") for value in distinct.tolist()]
    names.append(ledger.canonical_name(""))  # code -1: no administration
    folded = [name.casefold() for name in names]
    rank_of = {text: rank for rank, text in enumerate(sorted(set(folded)))}
    ranks = np.array([rank_of[text] for text in folded], dtype=np.int64)

    # The order shown: first year, administration, key (the last two without case).
    ranking = pa.table(
        {
            "first_year": years[first[kept]],
            "administration": ranks[codes],
            "key": encoded.dictionary.take(pa.array(kept)),
        }
    )
    sort_keys = [(name, "ascending") for name in ranking.column_names]
    shown = pc.sort_indices(ranking, sort_keys=sort_keys).to_numpy(zero_copy_only=False)
    chosen = kept[shown]  # the groups shown, in order
    first, last = first[chosen], last[chosen]

    granted_column = frame["Beviljat belopp"].iloc[rows]
    granted = granted_column.to_numpy(dtype="int64", na_value=0)[order]
    undecided = granted_column.isna().to_numpy(dtype=np.int64)[order]
    sheet_first = np.minimum.reduceat(order, starts)  # the commitment's first row in the sheet
    present = has_project_year[chosen]
    return list(
        map(
            tuple.__new__,  # Commitment._make without a Python call each
            repeat(Commitment),
            zip(
                written.take(first).to_pylist(),
                by_id[sheet_first[chosen]].tolist(),
                np.array(names, dtype=object)[codes[shown]].tolist(),
                _texts_or_blank(stripped_texts(frame["Namn"].iloc[rows[last]])),
                _id_tuples(_texts_or_blank(ids.take(order)), starts[chosen], ends[chosen]),
                years[first].tolist(),
                years[last].tolist(),
                _or_none(project_year[chosen], present),
                _or_none(years_left[chosen], present),
                ints("Tidigare beviljat")[first].tolist(),
                np.add.reduceat(granted, starts)[chosen].tolist(),
                np.add.reduceat(undecided, starts)[chosen].tolist(),
                strict=True,
            ),
        )
    )


def _texts_or_blank(texts: Any) -> list[str]:
    """An Arrow string array as Python texts, ``""`` for a missing one."""
    import pyarrow.compute as pc

    return list(pc.fill_null(texts, "").to_pylist())


def _id_tuples(ids: list[str], starts: Any, ends: Any) -> list[tuple[str, ...]]:
    """``ids[start:end + 1]`` as a tuple for each (start, end); most projects have one row."""
    import numpy as np

    at, to = starts.tolist(), (ends + 1).tolist()
    out: list[tuple[str, ...]] = list(zip([ids[start] for start in at]))
    for i in np.flatnonzero(ends > starts).tolist():
        out[i] = tuple(ids[at[i] : to[i]])
    return out


def _or_none(values: Any, present: Any) -> list[int | None]:
    """``values`` as ints, ``None`` where not ``present``."""
    if present.all():
        return list(values.tolist())
    return [
        value if there else None
        for value, there in zip(values.tolist(), present.tolist(), strict=True)
    ]


# --- small functions for Excel worksheet functions ---------------------------------------------


def _selection(ledger: Ledger, year: int | None, kind: str | None) -> pd.DataFrame:
    frame = ledger.frame(ledger_format.APPLICATIONS)
    mask = frame["År"].notna()
    if year is not None:
        mask &= frame["År"] == year
    if kind is not None:
        mask &= frame["Typ"].map(_text) == kind
    return frame[mask.fillna(False).astype(bool)]


def sum_field(ledger: Ledger, year: int | None, kind: str | None, field: str) -> int:
    """Sum of ``field`` (one of :data:`SUM_FIELDS`) for ``year`` and ``kind`` (None = all).

    Blank cells count as 0. Raises ``ValueError`` for another field.
    """
    if field not in SUM_FIELDS:
        raise ValueError(f"okänt fält {field!r}; välj ett av {', '.join(SUM_FIELDS)}")
    selected = _selection(ledger, year, kind)
    return int(selected[field].astype("Int64").fillna(0).sum())


def count_applications(ledger: Ledger, year: int | None, kind: str | None) -> int:
    """Number of applications for ``year`` and ``kind`` (None = all)."""
    return len(_selection(ledger, year, kind))


def frame_left(ledger: Ledger, year: int, kind: str) -> int | None:
    """``Ram …`` for ``year`` minus what is granted; ``None`` when the round states no frame."""
    round_ = ledger.round_of(year)
    limit = round_.frame(kind) if round_ is not None else None
    if limit is None:
        return None
    return limit - sum_field(ledger, year, kind, "Beviljat belopp")
