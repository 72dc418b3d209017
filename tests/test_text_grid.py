"""The terminal grid (:func:`lumledger.reports.text_writer.grid_lines`), built by whole-column
operations, against the row-by-row grid it replaced (kept here as the reference), on generated
tables with every kind of column and value: texts long and short, with trailing spaces; whole
numbers, amounts (öre too), shares, dates, spans of years, truth values, floats, missing and
blank cells; totals rows with units, group rows, tables without a header."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumledger.reports import text_writer
from lumledger.reports.tables import BLANK, Column, ColumnKind, Row, RowKind, Table, body_rows
from lumledger.reports.text_writer import MAX_CELL, _Cells


def reference_grid_lines(table: Table) -> list[str]:
    """The grid as it was written before issue 16: a ``str.format`` pattern per row."""
    lines = [table.title] if table.title else []
    if not table.rows:
        return lines + ([table.empty] if table.empty else [])
    rows = [row for row in table.rows if row.kind is not RowKind.GROUP]
    cells = _Cells(table)
    by_column = list(zip(*(row.values for row in rows), strict=True)) or [() for _ in table.columns]
    texts = [list(map(show, values)) for show, values in zip(cells.plain, by_column, strict=True)]
    if cells.totals != cells.plain:
        for i, row in enumerate(rows):
            if row.kind is RowKind.TOTAL:
                for j, text in enumerate(cells(row)):
                    texts[j][i] = text
    for column, shown in zip(table.columns, texts, strict=True):
        if column.kind is ColumnKind.TEXT:
            shown[:] = [t if len(t) <= MAX_CELL else t[: MAX_CELL - 1] + "…" for t in shown]
    headings = table.headings
    widths = [
        max([len(heading), *map(len, shown)])
        for heading, shown in zip(headings, texts, strict=True)
    ]
    pattern = "  ".join(
        f"{{:{'>' if column.kind.is_numeric else '<'}{width}}}"
        for column, width in zip(table.columns, widths, strict=True)
    )
    if table.has_header:
        lines.append(pattern.format(*headings).rstrip())
        lines.append("  ".join("-" * width for width in widths))
    formatted = iter(zip(*texts, strict=True))
    for row in table.rows:
        if row.kind is RowKind.GROUP:
            lines.append(row.values[0])
        else:
            lines.append(pattern.format(*next(formatted)).rstrip())
    return lines


# Values that look alike but read differently (True and 1, 0.0 and -0.0, Fraction(1) and 1)
# share a pool, so a column formatted once per distinct value would be caught.
VALUES = st.one_of(
    st.integers(-(10**12), 10**12),
    st.sampled_from([0, 1, -1, True, False, 1.0, 0.0, -0.0, Fraction(1), Fraction(1, 3)]),
    st.sampled_from([None, BLANK, "", " ", "text  ", "x\u3000", "Åsa", "–", "a" * 39]),
    st.text(max_size=60),
    st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    st.sampled_from([Decimal("-0"), Decimal("1.50"), Decimal("1.5"), Decimal("100")]),
    st.fractions(min_value=0, max_value=1),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    st.tuples(st.integers(2015, 2030), st.integers(2015, 2030)),
    st.sampled_from([(2019, 2019), (2019, True), (1, 1.0), (2020, 2021)]),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    width = draw(st.integers(1, 5))
    columns = tuple(
        Column(
            key=f"c{i}",
            heading=draw(st.sampled_from(["", "År", "Beviljat belopp", "Ej beslutade"])),
            kind=draw(st.sampled_from(list(ColumnKind))),
            unit_on_totals=draw(st.booleans()),
        )
        for i in range(width)
    )
    # A column of one type is the common case (and the fast one): draw some of those.
    typed = [
        draw(st.sampled_from([None, st.integers(-(10**9), 10**9), st.text(max_size=50)]))
        for _ in columns
    ]
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from([RowKind.BODY, RowKind.BODY, RowKind.TOTAL, RowKind.GROUP]))
        if kind is RowKind.GROUP:
            rows.append(Row(values=(draw(st.text(max_size=20)),), kind=kind))
            continue
        values = tuple(draw(VALUES if strategy is None else strategy) for strategy in typed)
        rows.append(Row(values=values, kind=kind))
    return Table(
        name="t",
        columns=columns,
        rows=tuple(rows),
        title=draw(st.sampled_from([None, "", "Titel"])),
        empty=draw(st.sampled_from([None, "Inga rader."])),
    )


@settings(max_examples=400, deadline=None)
@given(table=tables())
def test_the_grid_equals_the_row_by_row_grid(table: Table) -> None:
    assert text_writer.grid_lines(table) == reference_grid_lines(table)


@pytest.mark.parametrize(
    "values",
    [
        [1, True, 1, False],  # a truth value is "ja"/"nej", never the number
        [0.0, -0.0, 0],
        [Fraction(1), 1, Fraction(1, 2)],
        [(2019, 2019), (2019, True), (2019, 1), (1, 1.0), (1, 1), (2019, 2020)],
        [Decimal("1.50"), Decimal("1.5"), 1, None, BLANK],
        [10**15, -(10**15), 0, -1],
        ["x" * 45, "y" * 40, "z" * 41],
        ["z" * 41, "a"],  # one character too long
    ],
)
def test_values_that_compare_equal_but_read_differently(values: list[Any]) -> None:
    for kind in ColumnKind:
        columns = (Column("a", "A", kind), Column("b", "", ColumnKind.TEXT))
        table = Table(name="t", columns=columns, rows=tuple(body_rows((v, "b") for v in values)))
        assert text_writer.grid_lines(table) == reference_grid_lines(table)


def test_body_rows_are_body_rows() -> None:
    rows = body_rows([(1, "a"), (2, "b")])
    assert rows == [Row(values=(1, "a")), Row(values=(2, "b"))]
    assert all(type(row) is Row and row.kind is RowKind.BODY and row.link is None for row in rows)


def test_a_table_still_refuses_rows_that_do_not_fit() -> None:
    columns = (Column("a", "A"), Column("b", "B"))
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        Table(name="t", columns=columns, rows=(Row(values=(1, 2), kind=RowKind.GROUP),))
    with pytest.raises(ValueError, match="3 values for 2 columns"):
        Table(name="t", columns=columns, rows=(*body_rows([(1, 2)]), Row(values=(1, 2, 3))))
