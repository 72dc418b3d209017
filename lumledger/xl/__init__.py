"""Excel front end: the buttons and worksheet functions of the LUM ledger, through xlwings.

``lumledger.xl`` is the only package that imports xlwings. One code path serves three hosts:

* desktop Excel (``workbooks/lumledger.xlsm``): each button's macro runs
  ``RunPython "import lumledger.xl; lumledger.xl.validate()"`` (:func:`validate` … below), which
  runs the plain button function on ``xw.Book.caller()``; the worksheet functions are COM UDFs
  (``@xw.func`` below);
* xlwings Lite (``xl/lite/main.py``) and a city-hosted server (``lumledger serve``,
  :mod:`lumledger.xl.server`): the same button functions as ``@script`` and the same worksheet
  functions as ``@func`` (:mod:`lumledger.xl.remote`), run by xlwings' remote engine.

The modules:

* :mod:`~lumledger.xl.host`: what each host applies; the few book calls used everywhere;
* :mod:`~lumledger.xl.live`: the live book's cells as a reader source;
* :mod:`~lumledger.xl.buttons`: the buttons (Validera, Summera, Exportera bilagor, Stäm av,
  Ny omgång, Besluta, Stäng år, Genomför) as plain functions of a book;
* :mod:`~lumledger.xl.functions`: the worksheet functions as plain functions of their ranges;
* :mod:`~lumledger.xl.sheets`: reports laid out on a sheet.

The work itself is :mod:`lumledger.api`'s. Nothing here reads a format, a note or a cell it
wrote in the same run, and no button waits for an answer (see :mod:`lumledger.xl.buttons`).
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from lumledger.xl import functions as fn
from lumledger.xl.buttons import (
    AVSTAMNING,
    FEL,
    MARKS_SHEET,
    PLAN,
    SUMMERING,
    YEAR_CELL,
    YEAR_SHEET,
    guarded,
    read_book,
    run_apply_plan,
    run_close,
    run_decide,
    run_export,
    run_new_round,
    run_reconcile,
    run_rollup,
    run_validate,
)
from lumledger.xl.functions import lum_antal, lum_belopp, lum_giro_ok, lum_kvar, lum_summa
from lumledger.xl.live import XlwingsSource, excel_error
from lumledger.xl.sheets import excel_value, link_address

# --- the desktop worksheet functions (COM UDFs) ----------------------------------------------------
# xlwings' rules for these signatures: ASCII argument names (they become VBA identifiers),
# every annotation ``Any`` (xlwings uses type hints as converters, and a union such as
# ``int | str`` has none), ranges as lists of rows (``ndim=2``).

_DOCS = {name: dict(args) for name, (_text, args) in fn.FUNCTION_DOCS.items()}


@xw.func(category="LUM")
@xw.arg("ansokningar", ndim=2, doc=_DOCS["LUM_SUMMA"]["ansokningar"])
@xw.arg("ar", doc=_DOCS["LUM_SUMMA"]["ar"])
@xw.arg("typ", doc=_DOCS["LUM_SUMMA"]["typ"])
@xw.arg("falt", doc=_DOCS["LUM_SUMMA"]["falt"])
def LUM_SUMMA(ansokningar: Any, ar: Any = None, typ: Any = None, falt: Any = None) -> Any:
    """Summan av ett beloppsfält i Ansökningar för ett år och en typ."""
    return fn.udf(lambda: lum_summa(ansokningar, ar, typ, falt))


@xw.func(category="LUM")
@xw.arg("ansokningar", ndim=2, doc=_DOCS["LUM_ANTAL"]["ansokningar"])
@xw.arg("ar", doc=_DOCS["LUM_ANTAL"]["ar"])
@xw.arg("typ", doc=_DOCS["LUM_ANTAL"]["typ"])
def LUM_ANTAL(ansokningar: Any, ar: Any = None, typ: Any = None) -> Any:
    """Antalet ansökningar för ett år och en typ."""
    return fn.udf(lambda: lum_antal(ansokningar, ar, typ))


@xw.func(category="LUM")
@xw.arg("ansokningar", ndim=2, doc=_DOCS["LUM_KVAR"]["ansokningar"])
@xw.arg("omgangar", ndim=2, doc=_DOCS["LUM_KVAR"]["omgangar"])
@xw.arg("ar", doc=_DOCS["LUM_KVAR"]["ar"])
@xw.arg("typ", doc=_DOCS["LUM_KVAR"]["typ"])
def LUM_KVAR(ansokningar: Any, omgangar: Any, ar: Any, typ: Any) -> Any:
    """Det som återstår av årets ram för typen efter beviljade belopp."""
    return fn.udf(lambda: lum_kvar(ansokningar, omgangar, ar, typ))


@xw.func(category="LUM")
@xw.arg("text", doc=_DOCS["LUM_BELOPP"]["text"])
def LUM_BELOPP(text: Any) -> Any:
    """Ett belopp skrivet som text i svensk form, som tal."""
    return fn.udf(lambda: lum_belopp(text))


@xw.func(category="LUM")
@xw.arg("text", doc=_DOCS["LUM_GIRO_OK"]["text"])
def LUM_GIRO_OK(text: Any) -> Any:
    """SANT om bankgiro- eller plusgironumret klarar kontrollsiffran."""
    return fn.udf(lambda: lum_giro_ok(text))


# --- RunPython entry points (desktop) --------------------------------------------------------------


def _caller() -> Any:
    return xw.Book.caller()


def validate() -> None:
    """Knappen Validera (RunPython ``lumledger.xl.validate()``)."""
    guarded(_caller(), run_validate)


def rollup() -> None:
    """Knappen Summera."""
    guarded(_caller(), run_rollup)


def export() -> None:
    """Knappen Exportera bilagor."""
    guarded(_caller(), run_export)


def reconcile() -> None:
    """Knappen Stäm av."""
    guarded(_caller(), run_reconcile)


def new_round() -> None:
    """Knappen Ny omgång (skriver planen)."""
    guarded(_caller(), run_new_round)


def decide() -> None:
    """Knappen Besluta (skriver planen)."""
    guarded(_caller(), run_decide)


def close() -> None:
    """Knappen Stäng år (skriver planen)."""
    guarded(_caller(), run_close)


def apply_plan() -> None:
    """Knappen Genomför (skriver cellerna i planen)."""
    guarded(_caller(), run_apply_plan)


def import_forms() -> None:
    """Knappen Läs in blanketter (issue 15; the work is in :mod:`lumledger.xl.forms`)."""
    from lumledger.xl import forms

    guarded(_caller(), forms.import_forms)


__all__ = [
    "AVSTAMNING",
    "FEL",
    "LUM_ANTAL",
    "LUM_BELOPP",
    "LUM_GIRO_OK",
    "LUM_KVAR",
    "LUM_SUMMA",
    "MARKS_SHEET",
    "PLAN",
    "SUMMERING",
    "YEAR_CELL",
    "YEAR_SHEET",
    "XlwingsSource",
    "apply_plan",
    "close",
    "decide",
    "excel_error",
    "excel_value",
    "export",
    "guarded",
    "import_forms",
    "link_address",
    "new_round",
    "read_book",
    "reconcile",
    "rollup",
    "validate",
]
