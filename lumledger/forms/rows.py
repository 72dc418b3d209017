"""A read form (:class:`~lumledger.forms.reading.FormResult`) as rows of the ledger.

:func:`ledger_rows` returns ``{sheet: [row, ...]}``: an application gives its ``Ansökningar`` row
and one ``Budget`` row per budget line, a report its ``Redovisningar`` row (docs/ledger-format.md,
"Blanketterna"). The ``Id`` is the caller's (:mod:`lumledger.forms.importer` picks the next free
``ÅÅÅÅ-Pnn`` or the application the report belongs to). :func:`report_column` is the one mapping
of a budget line onto the report's lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from lumledger.forms.reading import (
    APPLICATION,
    INCOME,
    REPORT,
    BudgetLine,
    FormResult,
    short_administration,
)
from lumledger.ledger_format import APPLICATIONS, BUDGET, PROJECT, REPORTS

# Report columns (Redovisningar) a budget line corresponds to.
_COST_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"personal|lön|lone|sociala avgifter", "Personalkostnader"),
    (r"utbild|föreläs|kurs|konferens|handledning", "Utbildningskostnader"),
    (r"administr|lokal|förtär|telefon|möte|porto|kontor|trycksak", "Administrativa kostnader"),
)


def report_column(line: BudgetLine) -> str:
    """The ``Redovisningar`` column a budget line is reported in (see NOTES.md)."""
    label = line.label.casefold()
    if line.section == INCOME:
        if label.startswith("sökt belopp") or label.startswith("beviljat belopp"):
            return "Beviljat belopp"
        if label.startswith("egen"):
            return "Egen insats"
        return "Övriga intäkter"
    if label.startswith("övriga"):
        return "Övriga kostnader"
    for pattern, column in _COST_KEYWORDS:
        if re.search(pattern, label):
            return column
    return "Övriga kostnader"


def _yes_no(value: object) -> str | None:
    return None if value is None else ("Ja" if value else "Nej")


def ledger_rows(result: FormResult, id: str | None = None) -> dict[str, list[dict[str, object]]]:
    """The ledger rows the form gives; empty when it could not be read."""
    f = result.fields
    if result.error is not None or result.kind is None:
        return {}
    if result.kind == APPLICATION:
        years = f.get("ansokan_avser_ar")
        co = f.get("medsokande") or []
        assert isinstance(co, list)
        application: dict[str, object] = {
            "Id": id,
            "År": f.get("ar"),
            "Typ": PROJECT,
            "Förvaltning": f.get("forvaltning"),
            "Medsökande": "; ".join(short_administration(str(n)) for n in co) or None,
            "Namn": f.get("projektets_namn"),
            "Syfte": f.get("projektets_syfte"),
            "Projektår": years[0] if isinstance(years, list) and years else None,
            "Tidigare beviljat": f.get("tidigare_beviljat_belopp"),
            "Sökt belopp": f.get("sokt_belopp"),
            "KST": f.get("kst"),
            "Betalkonto": f.get("betalkonto"),
            "Kontaktperson": f.get("kontaktperson"),
            "E-post": f.get("kontaktperson_epost"),
            "Projektperiod från": f.get("projektperiod_fran"),
            "Projektperiod till": f.get("projektperiod_till"),
            "Sökt belopp totalt": f.get("sokt_belopp_totalt"),
            "Egen budget per år": f.get("egen_budget"),
            "Avdelning/enhet": f.get("huvudsokande_avdelning"),
            "Undertecknad av": f.get("undertecknad_namn"),
            "Undertecknad datum": f.get("undertecknad_datum"),
        }
        budget = f.get("budget") or []
        assert isinstance(budget, list)
        return {
            APPLICATIONS: [application],
            BUDGET: [
                {
                    "Id": id,
                    "Del": line.section,
                    "Post": line.label,
                    "Specifikation": line.note,
                    "Belopp": line.amount,
                    "År": line.year,
                    "Redovisningsrad": report_column(line),
                }
                for line in budget
                if isinstance(line, BudgetLine)
            ],
        }
    assert result.kind == REPORT
    ticked = f.get("ej_forbrukat")
    unspent = f.get("ej_forbrukat_belopp")
    granted = f.get("intakt_beviljat")
    report: dict[str, object] = {
        "Id": id,
        "Inlämnad": f.get("undertecknad_datum"),
        "Beviljat belopp": granted if granted is not None else f.get("beviljat_belopp"),
        "Egen insats": f.get("intakt_egen_insats"),
        "Övriga intäkter": f.get("intakt_ovriga"),
        "Summa intäkter": f.get("intakt_summa"),
        "Personalkostnader": f.get("kostnad_personal"),
        "Administrativa kostnader": f.get("kostnad_administration"),
        "Utbildningskostnader": f.get("kostnad_utbildning"),
        "Övriga kostnader": f.get("kostnad_ovriga"),
        "Summa kostnader": f.get("kostnad_summa"),
        # The box not ticked means nothing unspent (0); ticked, the amount written beside it.
        "Ej förbrukat": 0
        if ticked is False
        else unspent
        if isinstance(unspent, int | Decimal)
        else None,
        "Intygat genomfört": _yes_no(f.get("intygar_genomfort")),
        "Ej förbrukat kryssad": _yes_no(ticked),
        "Ansvarig chef": f.get("ansvarig_chef"),
    }
    return {REPORTS: [report]}


def project_key(application: Mapping[str, object]) -> str | None:
    """The ``Projekt`` key of an application row whose project period spans more than one year:
    ``Förvaltning: Namn``, as the example ledger keys its multi-year projects; else ``None``."""
    first, last = application.get("Projektperiod från"), application.get("Projektperiod till")
    if not isinstance(first, dt.date) or not isinstance(last, dt.date) or last.year <= first.year:
        return None
    return f"{application.get('Förvaltning')}: {application.get('Namn')}"


# What a later year of a project carries from its latest application (as `cycle new-round` does,
# without the contact person: personal data is only ever copied by the officer's own step).
CARRIED_COLUMNS: tuple[str, ...] = (
    "Typ",
    "Förvaltning",
    "Medsökande",
    "Namn",
    "Syfte",
    "Projekt",
    "Sökt belopp",
    "KST",
    "Betalkonto",
)


def continuation_row(
    latest: Mapping[str, object],
    *,
    id: str,
    year: int,
    granted: object,
    earlier_granted: object,
) -> dict[str, object]:
    """The ``Ansökningar`` row of a project's later ``year`` that has a report but no application
    form: carried from the project's ``latest`` application row, with the grant the report states."""
    project_year = latest.get("Projektår")
    latest_year = latest.get("År")
    row: dict[str, object] = {"Id": id, "År": year}
    row.update({column: latest.get(column) for column in CARRIED_COLUMNS})
    row["Typ"] = row["Typ"] or PROJECT
    row["Projektår"] = (
        project_year + (year - latest_year)
        if isinstance(project_year, int) and isinstance(latest_year, int)
        else None
    )
    row["Tidigare beviljat"] = earlier_granted
    row["Beviljat belopp"] = granted
    return row
