"""The roll-up (:class:`~lumledger.rollups.Rollup`) as tables: the one place that decides what
each roll-up output shows.

* :func:`rollup_overview` — what ``lumledger rollup`` prints and the Excel sheet *Summering*
  shows: per year and type (with each year's total), study visits, per administration and the
  multi-year commitments.
* :func:`rollup_workbook` — the printable *Summering* workbook (``lumledger rollup -o``): the
  same tables with every figure and totals rows, amounts headed "(kr)", and one chart table per
  year (applied against granted per administration).

Each figure's column is declared once below; a table is a choice of columns, and a row is the
figures of one group, looked up by the columns' keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from operator import add, attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumledger.reports.tables import (
    BLANK,
    Column,
    ColumnKind,
    Paragraph,
    Report,
    Row,
    RowKind,
    Table,
    body_rows,
)

if TYPE_CHECKING:
    from lumledger.rollups import Commitment, Rollup, Totals

K = ColumnKind

YEAR = Column("year", "År", K.YEAR)
TYPE = Column("type", "Typ")
APPLICATIONS = Column("applications", "Ansökningar", K.INTEGER)
ADMINISTRATIONS = Column("administrations", "Förvaltningar", K.INTEGER)
APPLIED = Column("applied", "Sökt", K.KRONOR)
GRANTED = Column("granted", "Beviljat", K.KRONOR)
GRANTED_COUNT = Column("granted_count", "Beviljade", K.INTEGER)
REJECTED = Column("rejected_count", "Avslag", K.INTEGER)
UNDECIDED = Column("undecided_count", "Ej beslutade", K.INTEGER)
SHARE = Column("share_granted", "Andel beviljat", K.PERCENT)
FRAME = Column("frame", "Ram", K.KRONOR)
FRAME_LEFT = Column("frame_left", "Kvar av ram", K.KRONOR)
ADMINISTRATION = Column("administration", "Förvaltning")
#: A multi-year project by its name (the ``Projekt`` key links rows; officers read the name).
PROJECT = Column("name", "Projekt")
NAME = Column("name", "Namn", long=True)
YEARS = Column("years", "År", K.YEARS)
FIRST_YEAR = Column("first_year", "Första år", K.YEAR)
LAST_YEAR = Column("last_year", "Senaste år", K.YEAR)
PROJECT_YEAR = Column("project_year", "Projektår", K.INTEGER)
YEARS_LEFT = Column("years_left", "År kvar", K.INTEGER)
EARLIER = Column("earlier_stated", "Tidigare beviljat", K.KRONOR)
RECORDED = Column("granted_recorded", "Beviljat i liggaren", K.KRONOR)
SO_FAR = Column("granted_so_far", "Beviljat hittills", K.KRONOR)

PER_YEAR_AND_TYPE = (
    YEAR,
    TYPE,
    APPLICATIONS,
    ADMINISTRATIONS,
    APPLIED,
    GRANTED,
    GRANTED_COUNT,
    REJECTED,
    UNDECIDED,
    SHARE,
    FRAME,
    FRAME_LEFT,
)


def _figures(t: Totals) -> dict[str, Any]:
    return {
        "applications": t.applications,
        "applied": t.applied,
        "granted": t.granted,
        "granted_count": t.granted_count,
        "rejected_count": t.rejected_count,
        "undecided_count": t.undecided_count,
        "share_granted": t.share_granted,
    }


def _row(
    columns: Sequence[Column], figures: Mapping[str, Any], kind: RowKind = RowKind.BODY
) -> Row:
    """The row of ``figures`` under ``columns``; a column without a figure is :data:`BLANK`."""
    return Row(values=tuple(figures.get(c.key, BLANK) for c in columns), kind=kind)


def _each(get: Callable[[Commitment], Any]) -> Callable[[Sequence[Commitment]], Iterable[Any]]:
    return partial(map, get)


#: Each commitment column's values, from all commitments at once (there may be hundreds of
#: thousands: the plain fields are read by ``attrgetter``, the sum without a Python call each).
_COMMITMENT: dict[str, Callable[[Sequence[Commitment]], Iterable[Any]]] = {
    "administration": _each(lambda c: c.administration or BLANK),
    "name": _each(lambda c: c.name or c.key),
    "years": _each(attrgetter("first_year", "last_year")),
    "granted_so_far": lambda items: map(
        add, map(attrgetter("earlier_stated"), items), map(attrgetter("granted_recorded"), items)
    ),
    **{
        key: _each(attrgetter(key))
        for key in (
            "first_year",
            "last_year",
            "project_year",
            "years_left",
            "earlier_stated",
            "granted_recorded",
        )
    },
}


def _commitment_rows(columns: Sequence[Column], commitments: Sequence[Commitment]) -> list[Row]:
    """A row per commitment, built a column at a time (there may be hundreds of thousands)."""
    values = [list(_COMMITMENT[column.key](commitments)) for column in columns]
    return body_rows(zip(*values, strict=True))


def _scope(r: Rollup) -> str:
    return f"år {r.year}" if r.year is not None else "alla år"


# --- what the terminal and the Excel sheet show ---------------------------------------------------


def rollup_overview(r: Rollup, *, year_totals_last: bool = False) -> Report:
    """The roll-up as read on screen. Each year's total follows its types, or, with
    ``year_totals_last``, all types come first and the years' totals after them (the Excel
    sheet, where the types' rows stay together)."""
    title = f"Summering av {r.file} – {_scope(r)}"
    if r.is_empty:
        return Report(title=title, preamble=(Paragraph("Inga ansökningar."),))
    items = [
        _row(PER_YEAR_AND_TYPE, {"year": i.year, "type": i.kind, **_year_kind(i)})
        for i in r.by_year_kind
    ]
    sums = {
        y.year: _row(
            PER_YEAR_AND_TYPE,
            {"year": y.year, "type": "Summa", "administrations": y.administrations}
            | _figures(y.totals),
            RowKind.TOTAL,
        )
        for y in r.by_year
    }
    if year_totals_last:
        rows = [*items, *sums.values()]
    else:
        rows = []
        for year in r.years:
            rows += [row for row, i in zip(items, r.by_year_kind, strict=True) if i.year == year]
            rows.append(sums[year])

    visit_columns = (YEAR, APPLICATIONS, APPLIED, GRANTED, GRANTED_COUNT, REJECTED, FRAME_LEFT)
    visits = [_row(visit_columns, {"year": i.year, **_year_kind(i)}) for i in r.study_visits]
    if len(r.study_visits) > 1:
        visits.append(
            _row(
                visit_columns,
                {"year": "Summa", **_figures(r.study_visit_total.totals)},
                RowKind.TOTAL,
            )
        )
    admin_columns = (
        YEAR,
        TYPE,
        ADMINISTRATION,
        APPLICATIONS,
        APPLIED,
        GRANTED,
        GRANTED_COUNT,
        REJECTED,
    )
    commitment_columns = (PROJECT, ADMINISTRATION, YEARS, PROJECT_YEAR, YEARS_LEFT, SO_FAR)
    return Report(
        title=title,
        tables=(
            Table(
                name="Per år och typ",
                title="Per år och typ",
                columns=PER_YEAR_AND_TYPE,
                rows=tuple(rows),
            ),
            Table(
                name="Studiebesök",
                title="Studiebesök",
                columns=visit_columns,
                rows=tuple(visits),
                empty="Inga studiebesök.",
            ),
            Table(
                name="Per förvaltning",
                title="Per förvaltning",
                columns=admin_columns,
                rows=tuple(_row(admin_columns, _administration(a)) for a in r.by_administration),
            ),
            Table(
                name="Fleråriga projekt",
                title="Fleråriga projekt (åtaganden)",
                columns=commitment_columns,
                rows=tuple(_commitment_rows(commitment_columns, r.commitments)),
                empty="Inga fleråriga projekt.",
            ),
        ),
    )


def _year_kind(item: Any) -> dict[str, Any]:
    """The figures of a year and type (``YearKindTotals``)."""
    return {
        "administrations": item.administrations,
        **_figures(item.totals),
        "frame": item.frame,
        "frame_left": item.frame_left,
    }


def _administration(a: Any) -> dict[str, Any]:
    return {"year": a.year, "type": a.kind, "administration": a.administration} | _figures(a.totals)


def render_rollup_text(r: Rollup) -> str:
    """The roll-up as Swedish terminal tables (amounts ``3 175 000``)."""
    from lumledger.reports.text_writer import render_report

    return render_report(rollup_overview(r))


# --- the printable workbook ------------------------------------------------------------------------


def _in_kronor(columns: Sequence[Column]) -> tuple[Column, ...]:
    """Amount columns headed with their unit, as a printed table needs."""
    return tuple(
        dataclasses.replace(c, heading=f"{c.heading} (kr)") if c.kind is K.KRONOR else c
        for c in columns
    )


def rollup_workbook(r: Rollup) -> Report:
    """The roll-up as the printable *Summering* workbook, one table per sheet.

    ``Summering`` (per year and type, a total per year and for all years), ``Per förvaltning``
    (a total per year and type), ``Studiebesök`` (and their total), ``Fleråriga projekt`` (and
    the total granted), and ``Diagram ÅÅÅÅ`` per year: applied and granted per administration
    (both types), drawn as a chart.
    """
    title = f"Summering av LUM-liggaren {r.file} – {_scope(r)}"
    summary_columns = _in_kronor(PER_YEAR_AND_TYPE)
    rows: list[Row] = []
    for year in r.by_year:
        rows += [
            _row(summary_columns, {"year": i.year, "type": i.kind, **_year_kind(i)})
            for i in r.by_year_kind
            if i.year == year.year
        ]
        figures = {"type": f"Summa {year.year}", "administrations": year.administrations}
        rows.append(_row(summary_columns, figures | _figures(year.totals), RowKind.TOTAL))
    if len(r.years) > 1:
        figures = {"type": "Summa alla år"} | _figures(r.total)
        rows.append(_row(summary_columns, figures, RowKind.TOTAL))

    admin_columns = _in_kronor(
        [
            YEAR,
            TYPE,
            ADMINISTRATION,
            APPLICATIONS,
            APPLIED,
            GRANTED,
            GRANTED_COUNT,
            REJECTED,
            UNDECIDED,
        ]
    )
    admin_rows: list[Row] = []
    for item in r.by_year_kind:
        admin_rows += [
            _row(admin_columns, _administration(a))
            for a in r.by_administration
            if (a.year, a.kind) == (item.year, item.kind)
        ]
        figures = {"year": item.year, "type": item.kind}
        figures["administration"] = f"Summa {item.kind.lower()}"
        admin_rows.append(_row(admin_columns, figures | _figures(item.totals), RowKind.TOTAL))

    visit_columns = tuple(c for c in summary_columns if c is not TYPE)
    visit_rows = [_row(visit_columns, {"year": i.year, **_year_kind(i)}) for i in r.study_visits]
    visit_total = r.study_visit_total
    figures = {"year": "Summa", "administrations": visit_total.administrations}
    visit_rows.append(_row(visit_columns, figures | _figures(visit_total.totals), RowKind.TOTAL))

    commitment_columns = _in_kronor(
        [
            ADMINISTRATION,
            NAME,
            FIRST_YEAR,
            LAST_YEAR,
            PROJECT_YEAR,
            YEARS_LEFT,
            EARLIER,
            RECORDED,
            SO_FAR,
        ]
    )
    commitment_rows = _commitment_rows(commitment_columns, r.commitments)
    sums = {
        key: sum(getattr(c, key) for c in r.commitments)
        for key in ("earlier_stated", "granted_recorded", "granted_so_far")
    }
    figures = {"administration": "Summa", **sums}
    commitment_rows.append(_row(commitment_columns, figures, RowKind.TOTAL))

    tables = [
        Table(name="Summering", title=title, columns=summary_columns, rows=tuple(rows)),
        Table(name="Per förvaltning", title=title, columns=admin_columns, rows=tuple(admin_rows)),
        Table(name="Studiebesök", title=title, columns=visit_columns, rows=tuple(visit_rows)),
        Table(
            name="Fleråriga projekt",
            title=title,
            columns=commitment_columns,
            rows=tuple(commitment_rows),
        ),
    ]
    chart_columns = _in_kronor((ADMINISTRATION, APPLIED, GRANTED))
    for year in r.by_year:
        chart_rows = [
            _row(chart_columns, {"administration": name, "applied": applied, "granted": granted})
            for name, applied, granted in r.administrations_for(year.year)
        ]
        figures = {"administration": "Summa", "applied": year.totals.applied}
        figures["granted"] = year.totals.granted
        chart_rows.append(_row(chart_columns, figures, RowKind.TOTAL))
        tables.append(
            Table(
                name=f"Diagram {year.year}",
                title=f"Sökt och beviljat per förvaltning {year.year}",
                columns=chart_columns,
                rows=tuple(chart_rows),
                chart=True,
            )
        )
    return Report(title=title, tables=tuple(tables))


def write_summary_workbook(r: Rollup, path: Path) -> Path:
    """The *Summering* workbook (:func:`rollup_workbook`) written to ``path``, atomically."""
    from lumledger.reports.xlsx_writer import write_xlsx
    from lumledger.workbook.files import atomic_output

    path = Path(path)
    with atomic_output(path) as temp:
        write_xlsx(rollup_workbook(r), temp)
    return path
