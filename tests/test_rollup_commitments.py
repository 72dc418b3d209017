"""The multi-year commitments of the roll-up (:func:`lumledger.rollups.commitments`), computed by
whole-column work, against the row-by-row loop they replaced (kept here, as it was, as the
reference): on generated ledgers with many project chains, keys written in other case and with
spaces (ASCII and not), rows keyed by their Id, missing keys, Ids and project years, blank grants
and several years — for every year and for all years, read cell by cell and by columns."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumledger import ledger_format
from lumledger.ledger import SPACES, Ledger, column_values, match_key, stripped_texts
from lumledger.rollups import MAX_PROJECT_YEARS, commitments, compute_rollup
from lumledger.workbook.columnar import read_columnar
from lumledger.workbook.reader import read_ledger
from tests.conftest import EXAMPLE, TEMPLATE, write_ledger
from tests.test_rollup import ADMINS, memory_ledger

APPS = ledger_format.APPLICATIONS
P, S = ledger_format.PROJECT, ledger_format.STUDY_VISIT


# --- the reference: the loop as it was before issue 16 ------------------------------------------


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def reference_commitments(ledger: Ledger, year: int | None = None) -> list[dict[str, Any]]:
    """The old ``commitments()``, row by row, as ``Commitment.to_dict()`` dictionaries."""
    frame = ledger.frame(APPS)
    candidates = (
        (frame["Typ"] == P).fillna(False).astype(bool)
        & frame["År"].notna().to_numpy(dtype=bool)
        & (frame["Projekt"].notna() | frame["Projektår"].notna()).to_numpy(dtype=bool)
    )
    if year is not None:
        candidates &= (frame["År"] <= year).fillna(False).to_numpy(dtype=bool)
    rows = frame.loc[candidates]
    years: list[int] = [int(v) for v in column_values(rows, APPS, "År")]
    project_keys = column_values(rows, APPS, "Projekt")
    project_years = column_values(rows, APPS, "Projektår")
    ids = column_values(rows, APPS, "Id")

    groups: dict[str, list[int]] = {}
    keyed_by_id: dict[str, bool] = {}
    written_key: list[str] = [""] * len(years)
    for i, (project, stated, id_) in enumerate(zip(project_keys, project_years, ids, strict=True)):
        key = _text(project)
        by_id = key is None
        if key is None:
            key = _text(id_) if stated is not None else None
            if key is None:
                continue
        group_key = match_key(key)
        written_key[i] = key
        members = groups.get(group_key)
        if members is None:
            groups[group_key] = [i]
            keyed_by_id[group_key] = by_id
        else:
            members.append(i)

    admins = column_values(rows, APPS, "Förvaltning")
    project_names = column_values(rows, APPS, "Namn")
    earlier = column_values(rows, APPS, "Tidigare beviljat")
    granted = column_values(rows, APPS, "Beviljat belopp")
    out: list[dict[str, Any]] = []
    for group_key, members in groups.items():
        members.sort(key=years.__getitem__)
        first, last = members[0], members[-1]
        project_year: int | None = None
        for i in reversed(members):
            if project_years[i] is not None:
                project_year = int(project_years[i]) + (years[last] - years[i])
                break
        years_left = None if project_year is None else max(0, MAX_PROJECT_YEARS - project_year)
        if year is not None and years[last] != year:
            may_still_run = years_left is not None and years[last] + years_left >= year
            if not may_still_run:
                continue
        granted_values = [granted[i] for i in members]
        recorded = sum(int(v) for v in granted_values if v is not None)
        stated_earlier = int(earlier[first] or 0)
        out.append(
            {
                "key": written_key[first],
                "keyed_by_id": keyed_by_id[group_key],
                "administration": ledger.canonical_name(_text(admins[last]) or ""),
                "name": _text(project_names[last]) or "",
                "ids": [_text(ids[i]) or "" for i in members],
                "first_year": years[first],
                "last_year": years[last],
                "project_year": project_year,
                "years_left": years_left,
                "earlier_stated": stated_earlier,
                "granted_recorded": recorded,
                "granted_so_far": stated_earlier + recorded,
                "undecided_count": sum(1 for v in granted_values if v is None),
            }
        )
    out.sort(key=lambda c: (c["first_year"], c["administration"].casefold(), c["key"].casefold()))
    return out


def assert_same_commitments(ledger: Ledger, years: list[int | None]) -> int:
    """New and old commitments are equal, value for value and type for type, for each year;
    returns how many commitments were compared."""
    compared = 0
    for year in years:
        new = [c.to_dict() for c in commitments(ledger, year)]
        old = reference_commitments(ledger, year)
        assert new == old, f"year {year}"
        # Same Python types too: the JSON output must not change (numpy ints would not dump).
        assert json.dumps(new, ensure_ascii=False) == json.dumps(old, ensure_ascii=False)
        assert [[type(v) for v in c.values()] for c in new] == [
            [type(v) for v in c.values()] for c in old
        ]
        compared += len(new)
    return compared


def every_year(ledger: Ledger) -> list[int | None]:
    stated = ledger.frame(APPS)["År"].dropna().astype(int)
    if stated.empty:
        return [None, 2019]
    low, high = int(stated.min()), int(stated.max())
    return [None, *range(low - 1, high + MAX_PROJECT_YEARS + 2)]


# --- generated ledgers -----------------------------------------------------------------------------

# Keys that match one another (case, surrounding spaces, ß/ss, non-ASCII) and that do not.
KEYS = ["K", "k", " K ", "K\u00a0", "Åk", "åK", "STRASSE", "straße", "Straße ", "p-1", "P-1", "x y"]
BLANKS = [None, "", "   ", "\u00a0"]
IDS = ["a1", " A1 ", "p-1", "K", "Åsa-2", "b2", "B2", "c3"]


def chain_key(rng: random.Random, count: int) -> str:
    """One of about ``count / 4`` chains' keys, written in any case, perhaps with spaces."""
    key = f"Kedja-{rng.randrange(max(1, count // 4))}"
    key = rng.choice([key, key.upper(), key.lower()])
    return rng.choice([key, f" {key}", f"{key}  ", key])


def generated_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Application rows with many project chains and every gap the commitments look at."""
    rows = []
    for i in range(count):
        kind = rng.choice([P, P, P, S])
        pick = rng.random()
        if pick < 0.3:
            project = rng.choice(KEYS)
        elif pick < 0.75:
            project = chain_key(rng, count)
        else:
            project = rng.choice([*BLANKS, f"q{i}"])
        rows.append(
            {
                "Id": rng.choice([*IDS, f"u{i}", f"u{i}", None, ""]),
                "År": rng.choice([2018, 2019, 2019, 2020, 2021, 2022]),
                "Typ": kind,
                "Förvaltning": rng.choice([*ADMINS, "bromma", " FARSTA ", "Okänd", None]),
                "Namn": rng.choice([f"Namn {i}", " Namn ", "", None]),
                "Projekt": project,
                "Projektår": rng.choice([None, None, 1, 2, 3]),
                "Tidigare beviljat": rng.choice([None, 0, 100_000, 250_000]),
                "Sökt belopp": rng.choice([None, 300_000]),
                "Beviljat belopp": rng.choice([None, 0, 50_000, 125_000]),
            }
        )
    return rows


def with_raw_texts(ledger: Ledger, rng: random.Random, dtype: Any) -> Ledger:
    """The ledger with its key columns as a reader never leaves them (spaces around keys and
    Ids, blank texts, another dtype), to test the matching on any frame."""
    frame = ledger.sheets[APPS].frame
    for name, pool in (("Projekt", [*KEYS, *BLANKS]), ("Id", [*IDS, *BLANKS])):
        values = [rng.choice(pool) if rng.random() < 0.5 else v for v in frame[name].tolist()]
        values = [None if isinstance(v, float) else v for v in values]
        frame[name] = pd.Series(pd.array(values, dtype=dtype), index=frame.index)
    return ledger


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 80))
def test_commitments_equal_the_row_by_row_loop(seed: int, count: int) -> None:
    rng = random.Random(seed)
    ledger = memory_ledger(generated_rows(rng, count))
    assert_same_commitments(ledger, every_year(ledger))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(["str", object]))
def test_commitments_equal_the_loop_on_raw_frames(seed: int, dtype: Any) -> None:
    rng = random.Random(seed)
    ledger = with_raw_texts(memory_ledger(generated_rows(rng, 60)), rng, dtype)
    assert_same_commitments(ledger, every_year(ledger))


def test_many_chains_compare_and_cover_every_case() -> None:
    """A large generated ledger: the comparison sees chains, Id keys and unlisted projects."""
    ledger = memory_ledger(generated_rows(random.Random(16), 1500))
    assert assert_same_commitments(ledger, every_year(ledger)) > 1000
    listed = commitments(ledger)
    assert any(len(c.ids) > 3 for c in listed)
    assert any(c.keyed_by_id for c in listed) and any(not c.keyed_by_id for c in listed)
    assert any(c.project_year is None for c in listed)
    assert any(c.undecided_count for c in listed)
    assert any(c.key != c.key.casefold() for c in listed)
    assert len(commitments(ledger, 2021)) < len(commitments(ledger))


def test_commitments_read_by_columns(tmp_path: Path) -> None:
    """The columnar reader's frames (Arrow strings) give the loop's commitments too."""
    rows = generated_rows(random.Random(7), 400)
    years = sorted({row["År"] for row in rows})
    path = write_ledger(
        tmp_path / "kedjor.xlsx",
        {
            ledger_format.ROUNDS: [{"År": y} for y in years],
            ledger_format.ADMINISTRATIONS: [{"Namn": name} for name in ADMINS],
            APPS: rows,
        },
    )
    ledger, _stats = read_columnar(path, cells_below=0)
    assert isinstance(ledger.frame(APPS)["Projekt"].dtype, pd.StringDtype)
    assert assert_same_commitments(ledger, every_year(ledger)) > 100


@pytest.mark.parametrize("path", [EXAMPLE, TEMPLATE], ids=["example", "template"])
def test_commitments_of_the_workbooks(path: Path) -> None:
    ledger = read_ledger(path)
    assert_same_commitments(ledger, every_year(ledger))
    assert compute_rollup(ledger).commitments == tuple(commitments(ledger))


def test_stripped_texts_are_column_values_of_a_text_column() -> None:
    every_space = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert every_space == SPACES
    texts = [" K ", "Åsa\u3000", "\x1cx\x1f", "\u00a0", "", "  ", None, "a b", "\u200bz"]
    for dtype in ("str", object):
        frame = pd.DataFrame({"Namn": pd.Series(texts, dtype=dtype)})
        expected = column_values(frame, APPS, "Namn")
        assert stripped_texts(frame["Namn"]).to_pylist() == expected
    mixed = pd.DataFrame({"Namn": pd.Series([" a ", 3, None, 2.5], dtype=object)})
    assert stripped_texts(mixed["Namn"]).to_pylist() == column_values(mixed, APPS, "Namn")
