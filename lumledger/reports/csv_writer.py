"""Tables as csv files, as Swedish Excel opens them: UTF-8 with a byte-order mark, ``;`` between
fields, CRLF line ends, amounts ``3 175 000``.

The header row, then every row (a group heading alone in its first field). Every text from the
ledger is neutralised against formulas (OWASP: :func:`lumledger.workbook.files.csv_safe`); a
missing value is an empty field.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lumledger.reports.layout import cell_text
from lumledger.reports.tables import Row, Table
from lumledger.workbook.files import csv_safe


def csv_rows(table: Table) -> list[list[str]]:
    width = len(table.columns)
    rows = [[csv_safe(heading) for heading in table.headings]]
    for row in table.rows:
        if row.is_group:
            rows.append([csv_safe(row.values[0])] + [""] * (width - 1))
        else:
            rows.append([_field(table, row, i) for i in range(width)])
    return rows


def _field(table: Table, row: Row, i: int) -> str:
    """Text neutralised; a number as Swedish text (a minus sign there is no formula)."""
    value = row.values[i]
    return csv_safe(value) if isinstance(value, str) else cell_text(table, row, i)


def write_csv(table: Table, path: Path) -> Path:
    """Write ``table`` to ``path`` (see the module's notes)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerows(csv_rows(table))
    return path
