"""Reports as JSON-ready dictionaries, for a program that reads a table rather than a person.

A table is its name, title, columns (key, heading, kind) and rows; a row is its kind
(``body``, ``total``, ``group``), its values by column key (a group row: its ``text``) and,
where it has one, its link. Values keep their exactness: whole kronor as integers, öre as
decimal strings (``"299999.50"``), a share as a percentage rounded to one decimal, dates as
``ÅÅÅÅ-MM-DD``, a span of years as ``[first, last]``; a missing value is ``null`` and a cell
where nothing applies is left out.

The command line's ``--json`` outputs are contracts of their own (``docs/ledger-format.md``)
and do not go through this writer.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lumledger.money import to_json_amount
from lumledger.reports.layout import percent
from lumledger.reports.tables import BLANK, Report, Row, Table


def json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return to_json_amount(value)
    if isinstance(value, Fraction):
        return percent(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [json_value(item) for item in value]
    return value


def row_to_dict(table: Table, row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": row.kind.value}
    if row.is_group:
        data["text"] = row.values[0]
    else:
        data["values"] = {
            column.key: json_value(value)
            for column, value in zip(table.columns, row.values, strict=True)
            if value is not BLANK
        }
    if row.link is not None:
        data["link"] = {"sheet": row.link.sheet, "cell": row.link.cell, "row": row.link.row}
    return data


def table_to_dict(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": table.title,
        "columns": [
            {"key": c.key, "heading": c.heading, "kind": c.kind.value} for c in table.columns
        ],
        "rows": [row_to_dict(table, row) for row in table.rows],
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "title": report.title,
        "preamble": [p.text for p in report.preamble],
        "tables": [table_to_dict(table) for table in report.tables],
        "notes": list(report.notes),
    }


def render_json(report: Report) -> str:
    """The report as indented JSON text (UTF-8 characters kept)."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"
