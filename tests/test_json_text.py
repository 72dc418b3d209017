"""``--json`` text (:func:`lumledger.reports.json_text.dumps`) is exactly
``json.dumps(payload, ensure_ascii=False, indent=2, default=str)``: on generated payloads with
long lists of records at any depth (and lists that only nearly are: another key, another order,
a nested dict), every kind of scalar, lists of scalars in records, keys that are not text,
values ``json`` only knows through ``default=str``; and on the roll-up of a generated ledger."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumledger.reports import json_text


def expected(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str)


@contextmanager
def records_at_least(count: int) -> Iterator[None]:
    saved = json_text.RECORDS_AT_LEAST
    json_text.RECORDS_AT_LEAST = count
    try:
        yield
    finally:
        json_text.RECORDS_AT_LEAST = saved


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "\u2028", '"\\', "\x00\x1f", "å\U0001f600", "@@lumledger-records-"]),
)
ODD = st.one_of(
    st.decimals(allow_nan=False, places=2),
    st.dates(),
    st.tuples(st.integers(), st.text(max_size=3)),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), ODD)
KEYS = st.one_of(st.text(max_size=6), st.integers(-3, 3), st.booleans(), st.none())


@st.composite
def record_lists(draw: st.DrawFn) -> list[Any]:
    """A list of records with the same keys, perhaps spoilt by one record (another key, another
    order, a nested dict, a value json only knows through ``default``)."""
    keys = draw(st.lists(st.text(max_size=8), min_size=0, max_size=6, unique=True))
    kinds = ["scalar", "list", "text", "int", "one", "mixed", "deep"]
    columns = {key: draw(st.sampled_from(kinds)) for key in keys}
    strategies = {
        "scalar": SCALARS,
        "list": st.lists(SCALARS, max_size=3),
        "text": st.text(max_size=10),
        "int": st.integers(-5, 5),
        "one": st.lists(st.text(max_size=5), min_size=1, max_size=1),
        # Texts of one character among lists of one value; lists of what a record cannot hold.
        "mixed": st.one_of(
            st.text(min_size=1, max_size=1), st.lists(SCALARS, min_size=1, max_size=1)
        ),
        "deep": st.lists(st.one_of(SCALARS, ODD, st.lists(SCALARS, max_size=1)), max_size=2),
    }
    count = draw(st.integers(0, 40))
    records: list[Any] = [
        {key: draw(strategies[kind]) for key, kind in columns.items()} for _ in range(count)
    ]
    if records and draw(st.booleans()):
        spoil = draw(st.sampled_from(["key", "order", "dict", "odd", "not a dict"]))
        i = draw(st.integers(0, len(records) - 1))
        if spoil == "key":
            records[i]["extra"] = 1
        elif spoil == "order":
            records[i] = dict(reversed(list(records[i].items())))
        elif spoil == "dict":
            records[i] = {**records[i], "nested": {"a": [1, {"b": None}]}}
        elif spoil == "odd":
            records[i] = {**records[i], "amount": draw(ODD)}
        else:
            records[i] = [records[i]]
    return records


PAYLOADS = st.recursive(
    st.one_of(VALUES, record_lists()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=4),
        record_lists(),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=PAYLOADS, threshold=st.sampled_from([1, 2, 32]))
def test_dumps_is_json_dumps(payload: Any, threshold: int) -> None:
    with records_at_least(threshold):
        assert json_text.dumps(payload) == expected(payload)


def test_a_long_list_of_records_is_set_aside_and_put_back() -> None:
    records = [
        {
            "id": f"2019-P{i:02}",
            "ids": [f"a{i}"],
            "amount": i * 1000,
            "year": 2019,
            "ok": i % 2 == 0,
        }
        for i in range(100)
    ]
    records[3]["ids"] = []
    records[4]["ids"] = ["x", "y"]
    payload = {"file": "x.xlsx", "nested": [{"rows": records}], "rows": records, "after": 1.5}
    found: dict[str, Any] = {}
    skeleton = json_text._set_aside(payload, "@@t-", found, set())
    assert len(found) == 2 and skeleton["rows"] == "@@t-1"
    assert payload["rows"] is records  # the payload itself is not changed
    assert json_text.dumps(payload) == expected(payload)
    assert json_text.dumps(records) == expected(records)  # the payload a list itself


def test_circular_payloads_are_refused_as_json_refuses_them() -> None:
    payload: dict[str, Any] = {"a": []}
    payload["a"].append(payload)
    with pytest.raises(ValueError, match="Circular reference detected"):
        json.dumps(payload, indent=2)
    with pytest.raises(ValueError, match="Circular reference detected"):
        json_text.dumps(payload)


def test_odd_values_go_through_default() -> None:
    rows = [{"a": Decimal("1.50"), "b": dt.date(2020, 1, 2)} for _ in range(40)]
    assert json_text.dumps({"rows": rows}) == expected({"rows": rows})


def test_the_roll_up_of_a_generated_ledger(tmp_path: Any) -> None:
    from lumledger import api
    from tools import ledgers

    path = ledgers.write_ledger(tmp_path / "g.xlsx", 600, clean=True)
    payload = api.rollup(path).to_dict()
    assert len(payload["rollup"]["commitments"]) > 100
    assert json_text.dumps(payload) == expected(payload)
