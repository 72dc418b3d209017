"""The buttons and worksheet functions for xlwings Lite and ``lumledger serve``.

xlwings' remote engine calls scripts and custom functions through
``xlwings.server.custom_scripts_call``/``custom_functions_call`` on a module; this is that
module (``xl/lite/main.py`` re-exports it, ``lumledger serve`` serves it). Every button of the
desktop workbook is an ``@script`` here and every worksheet function an ``@func``; each is a
thin wrapper over the same plain functions the desktop workbook runs
(:mod:`lumledger.xl.buttons`, :mod:`lumledger.xl.functions`), so all hosts take one code path.

Importing this module needs the xlwings licence key in the environment before xlwings is
imported (``XLWINGS_LICENSE_KEY``; ``noncommercial`` for use by a public institution, see
docs/excel.md); xlwings Lite provides its own.

Rules xlwings sets for these signatures: the one parameter typed ``xw.Book`` receives the book;
the server's ``@script`` wraps the function in a coroutine (so the work stays in a plain
function); a worksheet function's argument names become the Excel argument names (ASCII), its
docstring the description; it has no return annotation (a union such as ``int | str`` breaks
xlwings' converter lookup).
"""

from __future__ import annotations

from typing import Any

import xlwings as xw
from xlwings.server import arg, func, script

from lumledger.xl import buttons
from lumledger.xl import functions as fn


def _run(book: xw.Book, action: Any) -> None:
    buttons.guarded(book, action)


@script
def validera(book: xw.Book) -> None:
    """Validera: fel och varningar på bladet Fel, cellerna markerade."""
    _run(book, buttons.run_validate)


@script
def summera(book: xw.Book) -> None:
    """Summera: summeringen på bladet Summering."""
    _run(book, buttons.run_rollup)


@script
def exportera_bilagor(book: xw.Book) -> None:
    """Exportera bilagor: Bilaga 1 och Bilaga 2 för året som blad i arbetsboken."""
    _run(book, buttons.run_export)


@script
def stam_av(book: xw.Book) -> None:
    """Stäm av: avstämningen på bladet Avstämning, cellerna markerade."""
    _run(book, buttons.run_reconcile)


@script
def ny_omgang(book: xw.Book) -> None:
    """Ny omgång: planen på bladet Plan (inget ändras förrän Genomför)."""
    _run(book, buttons.run_new_round)


@script
def besluta(book: xw.Book) -> None:
    """Besluta: planen på bladet Plan (inget ändras förrän Genomför)."""
    _run(book, buttons.run_decide)


@script
def stang_ar(book: xw.Book) -> None:
    """Stäng år: planen på bladet Plan (inget ändras förrän Genomför)."""
    _run(book, buttons.run_close)


@script
def genomfor(book: xw.Book) -> None:
    """Genomför: skriver planen på bladet Plan om liggaren fortfarande ger samma plan."""
    _run(book, buttons.run_apply_plan)


#: The script of each desktop button (``xl/buttons.json``'s ``python`` name).
SCRIPTS: dict[str, str] = {
    "validate": "validera",
    "rollup": "summera",
    "export": "exportera_bilagor",
    "reconcile": "stam_av",
    "new_round": "ny_omgang",
    "decide": "besluta",
    "close": "stang_ar",
    "apply_plan": "genomfor",
}

_DOCS = {name: dict(args) for name, (_text, args) in fn.FUNCTION_DOCS.items()}


@func
@arg("ansokningar", ndim=2, doc=_DOCS["LUM_SUMMA"]["ansokningar"])
@arg("ar", doc=_DOCS["LUM_SUMMA"]["ar"])
@arg("typ", doc=_DOCS["LUM_SUMMA"]["typ"])
@arg("falt", doc=_DOCS["LUM_SUMMA"]["falt"])
def lum_summa(ansokningar: Any, ar: Any = None, typ: Any = None, falt: Any = None):  # type: ignore[no-untyped-def]
    """Summan av ett beloppsfält i Ansökningar för ett år och en typ."""
    return fn.udf(lambda: fn.lum_summa(ansokningar, ar, typ, falt))


@func
@arg("ansokningar", ndim=2, doc=_DOCS["LUM_ANTAL"]["ansokningar"])
@arg("ar", doc=_DOCS["LUM_ANTAL"]["ar"])
@arg("typ", doc=_DOCS["LUM_ANTAL"]["typ"])
def lum_antal(ansokningar: Any, ar: Any = None, typ: Any = None):  # type: ignore[no-untyped-def]
    """Antalet ansökningar för ett år och en typ."""
    return fn.udf(lambda: fn.lum_antal(ansokningar, ar, typ))


@func
@arg("ansokningar", ndim=2, doc=_DOCS["LUM_KVAR"]["ansokningar"])
@arg("omgangar", ndim=2, doc=_DOCS["LUM_KVAR"]["omgangar"])
@arg("ar", doc=_DOCS["LUM_KVAR"]["ar"])
@arg("typ", doc=_DOCS["LUM_KVAR"]["typ"])
def lum_kvar(ansokningar: Any, omgangar: Any, ar: Any, typ: Any):  # type: ignore[no-untyped-def]
    """Det som återstår av årets ram för typen efter beviljade belopp."""
    return fn.udf(lambda: fn.lum_kvar(ansokningar, omgangar, ar, typ))


@func
@arg("text", doc=_DOCS["LUM_BELOPP"]["text"])
def lum_belopp(text: Any):  # type: ignore[no-untyped-def]
    """Ett belopp skrivet som text i svensk form, som tal."""
    return fn.udf(lambda: fn.lum_belopp(text))


@func
@arg("text", doc=_DOCS["LUM_GIRO_OK"]["text"])
def lum_giro_ok(text: Any):  # type: ignore[no-untyped-def]
    """SANT om bankgiro- eller plusgironumret klarar kontrollsiffran."""
    return fn.udf(lambda: fn.lum_giro_ok(text))
