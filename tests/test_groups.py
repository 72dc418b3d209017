"""The whole-array group numbering of the rules across rows (:func:`_groups`) against pandas'
own group-by, which the rules used before (issue 16's warm runs): the same groups, the same
sizes, the same number of distinct values per group, empty cells left out alike."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from lumledger.rules.cross_sheet import _group_sizes, _groups


def _columns(seed: int, rows: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    rng = random.Random(seed)
    names = ["farsta", "kista", "skärholmen", "", None]
    years = [2019, 2020, 2021, None]
    kinds = ["Projekt", "Studiebesök", None]
    index = pd.Index(range(2, rows + 2), name="row")
    return (
        pd.Series([rng.choice(names) for _ in range(rows)], index=index, dtype="str"),
        pd.Series([rng.choice(years) for _ in range(rows)], index=index, dtype="Int64"),
        pd.Series([rng.choice(kinds) for _ in range(rows)], index=index, dtype=object),
    )


@pytest.mark.parametrize(("seed", "rows"), [(1, 1), (2, 7), (3, 60), (4, 3000)])
def test_groups_and_their_sizes_are_pandas_groups(seed: int, rows: int) -> None:
    names, years, kinds = _columns(seed, rows)
    frame = pd.DataFrame({"name": names, "year": years, "kind": kinds})
    expected = frame.groupby(["name", "year", "kind"], dropna=True, sort=False).ngroup()
    groups = _groups(names, years, kinds)
    assert (groups == expected.fillna(-1).astype(int).to_numpy()).all()
    sizes = frame.groupby(["name", "year", "kind"], dropna=True)["year"].transform("size")
    assert (_group_sizes(groups) == sizes.fillna(0).astype(int).to_numpy()).all()


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_distinct_values_per_group_as_nunique(seed: int) -> None:
    names, years, kinds = _columns(seed, 500)
    frame = pd.DataFrame({"name": names, "year": years, "kind": kinds}).dropna()
    trips = _groups(frame["year"], frame["kind"])
    pairs = _groups(trips, frame["name"])
    first = np.unique(pairs, return_index=True)[1]
    distinct = np.bincount(trips[first], minlength=1)[trips]
    expected = frame.groupby(["year", "kind"])["name"].transform("nunique")
    assert (distinct == expected.to_numpy()).all()
