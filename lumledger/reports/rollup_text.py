"""The roll-up as Swedish terminal tables (``lumledger rollup``)."""

from __future__ import annotations

from lumledger import collector, ledger_format
from lumledger.money import format_kr
from lumledger.rollups import Rollup, format_percent

# --- text --------------------------------------------------------------------------------------

_KIND_PLURAL = {ledger_format.PROJECT: "Projekt", ledger_format.STUDY_VISIT: "Studiebesök"}


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Aligned columns (``right``: right-aligned) under a rule; one format string for all rows."""
    widths = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    pattern = "  ".join(
        f"{{:{'>' if i in right else '<'}{width}}}" for i, width in enumerate(widths)
    )
    rule = "  ".join("-" * w for w in widths)
    return [
        pattern.format(*headers).rstrip(),
        rule,
        *(pattern.format(*row).rstrip() for row in rows),
    ]


def _kr(value: int | None) -> str:
    return format_kr(value, blank="–")


def render_rollup_text(r: Rollup) -> str:
    """The roll-up as Swedish terminal tables (amounts ``3 175 000``)."""
    with collector.paused():  # see lumledger.collector: a line per multi-year project
        return _render_rollup_text(r)


def _render_rollup_text(r: Rollup) -> str:
    scope = f"år {r.year}" if r.year is not None else "alla år"
    lines = [f"Summering av {r.file} – {scope}", ""]
    if r.is_empty:
        lines.append("Inga ansökningar.")
        return "\n".join(lines) + "\n"

    lines.append("Per år och typ")
    rows: list[list[str]] = []
    for item in r.by_year_kind:
        t = item.totals
        rows.append(
            [
                str(item.year),
                item.kind,
                str(t.applications),
                str(item.administrations),
                format_kr(t.applied),
                format_kr(t.granted),
                str(t.granted_count),
                str(t.rejected_count),
                str(t.undecided_count),
                format_percent(t.share_granted),
                _kr(item.frame),
                _kr(item.frame_left),
            ]
        )
    for y in r.by_year:
        t = y.totals
        rows.append(
            [
                str(y.year),
                "Summa",
                str(t.applications),
                str(y.administrations),
                format_kr(t.applied),
                format_kr(t.granted),
                str(t.granted_count),
                str(t.rejected_count),
                str(t.undecided_count),
                format_percent(t.share_granted),
                "",
                "",
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1] == "Summa"))
    headers = [
        "År",
        "Typ",
        "Ansökningar",
        "Förvaltningar",
        "Sökt",
        "Beviljat",
        "Beviljade",
        "Avslag",
        "Ej beslutade",
        "Andel beviljat",
        "Ram",
        "Kvar av ram",
    ]
    lines += _table(headers, rows, right=set(range(2, 12)))

    lines += ["", "Studiebesök"]
    rows = []
    for item in r.study_visits:
        t = item.totals
        rows.append(
            [
                str(item.year),
                str(t.applications),
                format_kr(t.applied),
                format_kr(t.granted),
                str(t.granted_count),
                str(t.rejected_count),
                _kr(item.frame_left),
            ]
        )
    sv = r.study_visit_total
    if len(r.study_visits) > 1:
        t = sv.totals
        rows.append(
            [
                "Summa",
                str(t.applications),
                format_kr(t.applied),
                format_kr(t.granted),
                str(t.granted_count),
                str(t.rejected_count),
                "",
            ]
        )
    if rows:
        lines += _table(
            ["År", "Ansökningar", "Sökt", "Beviljat", "Beviljade", "Avslag", "Kvar av ram"],
            rows,
            right=set(range(1, 7)),
        )
    else:
        lines.append("Inga studiebesök.")

    lines += ["", "Per förvaltning"]
    rows = []
    for a in r.by_administration:
        t = a.totals
        rows.append(
            [
                str(a.year),
                a.kind,
                a.administration,
                str(t.applications),
                format_kr(t.applied),
                format_kr(t.granted),
                str(t.granted_count),
                str(t.rejected_count),
            ]
        )
    lines += _table(
        ["År", "Typ", "Förvaltning", "Ansökningar", "Sökt", "Beviljat", "Beviljade", "Avslag"],
        rows,
        right=set(range(3, 8)),
    )

    lines += ["", "Fleråriga projekt (åtaganden)"]
    if r.commitments:
        rows = [
            [
                c.key if len(c.key) <= 40 else c.key[:39] + "…",
                c.administration,
                f"{c.first_year}–{c.last_year}"
                if c.first_year != c.last_year
                else str(c.last_year),
                "–" if c.project_year is None else str(c.project_year),
                "–" if c.years_left is None else str(c.years_left),
                format_kr(c.granted_so_far),
            ]
            for c in r.commitments
        ]
        lines += _table(
            ["Projekt", "Förvaltning", "År", "Projektår", "År kvar", "Beviljat hittills"],
            rows,
            right={3, 4, 5},
        )
    else:
        lines.append("Inga fleråriga projekt.")
    return "\n".join(lines) + "\n"
