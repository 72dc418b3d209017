"""The worksheet functions, as plain functions of the ranges Excel passes them.

A custom function on xlwings Server or in xlwings Lite gets its arguments and nothing else (no
calling book), so every function that reads the ledger takes the ledger's ranges as arguments,
each starting with the sheet's header row:

=================================================  =============================================
``=LUM_SUMMA(Ansökningar!A:Q; 2019; "Projekt")``   summa Beviljat belopp (4:e argument: annat
                                                   beloppsfält, t.ex. "Sökt belopp")
``=LUM_ANTAL(Ansökningar!A:Q; 2019)``              antal ansökningar (3:e argument: typ)
``=LUM_KVAR(Ansökningar!A:Q; Omgångar!A:K; 2019;   årets ram för typen minus beviljat
"Projekt")``
``=LUM_BELOPP("1 457 956,00 kr")``                 ett belopp skrivet som text, som tal
``=LUM_GIRO_OK("Bankgiro 123-4567")``              SANT om kontrollsiffran stämmer
=================================================  =============================================

Arguments arrive as xlwings converts them on each host: a range as a list of rows, a single cell
as ``[[value]]`` (server and Lite) or the value itself (desktop), dates as serial numbers, empty
cells as ``None`` (or ``0`` from desktop Excel's JavaScript functions). Trailing empty rows of a
whole-column range are dropped before the ranges are parsed, and the parse is reused while the
ranges are exactly the same (the last few only). A bad argument gives ``#LUM: …`` text in the
cell, never an exception.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from lumledger import api, ledger_format
from lumledger.findings import LedgerReadError
from lumledger.money import AmountError, check_payment_account, parse_amount_text
from lumledger.xl.live import Snapshot, sheet_cells

if TYPE_CHECKING:
    from lumledger.ledger import Ledger

log = logging.getLogger(__name__)

T = TypeVar("T")

AMOUNT_FIELDS = ("Sökt belopp", "Beviljat belopp", "Tidigare beviljat")
DEFAULT_FIELD = "Beviljat belopp"


def _empty(value: Any) -> bool:
    return value is None or value == "" or (value == 0 and not isinstance(value, bool))


def scalar(value: Any) -> Any:
    """A single-cell argument as a value (server and Lite send ``[[value]]``)."""
    while isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, list | tuple) and not value:
        return None
    return value


def range_rows(value: Any) -> list[tuple[Any, ...]]:
    """A range argument as rows, without its trailing empty rows."""
    if not isinstance(value, list | tuple):
        value = [[value]]
    rows = [tuple(row) if isinstance(row, list | tuple) else (row,) for row in value]
    while rows and all(_empty(cell) for cell in rows[-1]):
        rows.pop()
    return rows


class _RangeCache:
    """The ledgers parsed from the last few distinct range arguments (least recently used
    dropped first). A hit needs the exact same cells, so it can cost a parse, never a figure."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[tuple[tuple[Any, ...], ...], ...], Ledger] = OrderedDict()

    def ledger(self, sheets: dict[str, list[tuple[Any, ...]]]) -> Ledger:
        cache_key = tuple(tuple(rows) for rows in sheets.values())
        try:
            found = self._entries.get(cache_key)
        except TypeError:  # an unhashable cell: parse without caching
            return _parse(sheets)
        if found is not None:
            self._entries.move_to_end(cache_key)
            return found
        ledger = _parse(sheets)
        self._entries[cache_key] = ledger
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return ledger

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _parse(sheets: dict[str, list[tuple[Any, ...]]]) -> Ledger:
    cells = {
        title: sheet_cells(title, [list(row) for row in rows]) for title, rows in sheets.items()
    }
    return api.load_cells(Snapshot("områden", list(cells), cells))


RANGE_CACHE = _RangeCache(size=3)


def ledger_of_ranges(applications: Any, rounds: Any = None) -> Ledger:
    """The ledger of the ``Ansökningar`` range (and the ``Omgångar`` range), header row first."""
    sheets = {ledger_format.APPLICATIONS: range_rows(applications)}
    if rounds is not None:
        sheets[ledger_format.ROUNDS] = range_rows(rounds)
    if not sheets[ledger_format.APPLICATIONS]:
        raise ValueError("området för Ansökningar är tomt; ange t.ex. Ansökningar!A:Q")
    header = [str(cell).strip() for cell in sheets[ledger_format.APPLICATIONS][0] if cell]
    if "År" not in header:
        raise ValueError("området ska börja med Ansökningars rubrikrad (År, Id …)")
    return RANGE_CACHE.ledger(sheets)


def year_arg(value: Any, *, required: bool = False) -> int | None:
    value = scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError("året saknas")
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} är inte ett årtal")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1900 <= value <= 9999:
        return value
    raise ValueError(f"”{value}” är inte ett årtal")


def kind_arg(value: Any, *, required: bool = False) -> str | None:
    value = scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError("typen saknas (Projekt eller Studiebesök)")
        return None
    for kind in ledger_format.APPLICATION_TYPES:
        if str(value).strip().casefold() == kind.casefold():
            return kind
    raise ValueError(f"typen ”{value}” finns inte; skriv Projekt eller Studiebesök")


def field_arg(value: Any) -> str:
    value = scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_FIELD
    for name in AMOUNT_FIELDS:
        if str(value).strip().casefold() == name.casefold():
            return name
    raise ValueError(f"fältet ”{value}” går inte att summera; välj {', '.join(AMOUNT_FIELDS)}")


def lum_summa(applications: Any, year: Any, kind: Any = None, field: Any = None) -> int:
    """LUM_SUMMA: the sum of ``field`` (Beviljat belopp by default) for ``year`` and ``kind``
    (blank = all)."""
    ledger = ledger_of_ranges(applications)
    return api.applications_sum(ledger, year_arg(year), kind_arg(kind), field_arg(field))


def lum_antal(applications: Any, year: Any = None, kind: Any = None) -> int:
    """LUM_ANTAL: the number of applications for ``year`` and ``kind`` (blank = all)."""
    return api.applications_count(ledger_of_ranges(applications), year_arg(year), kind_arg(kind))


def lum_kvar(applications: Any, rounds: Any, year: Any, kind: Any) -> int | None:
    """LUM_KVAR: the year's frame for ``kind`` minus what is granted; ``None`` without a frame."""
    year_value = year_arg(year, required=True)
    kind_value = kind_arg(kind, required=True)
    assert year_value is not None and kind_value is not None
    return api.frame_left(ledger_of_ranges(applications, rounds), year_value, kind_value)


def lum_belopp(text: Any) -> int | float | None:
    """LUM_BELOPP: a Swedish amount typed as text as a number.

    Whole kronor come back as ``int``; an amount with öre as ``float``, only because Excel
    cells hold binary doubles (the exact value is the decimal shown). Blank gives ``None``
    (an empty cell); a number is returned as it is. Raises ``ValueError`` for other text.
    """
    text = scalar(text)
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise ValueError(f"{text!r} är inte ett belopp")
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return int(text) if text.is_integer() else text
    try:
        value = parse_amount_text(str(text))
    except AmountError:
        raise ValueError(f"”{str(text).strip()}” är inte ett belopp") from None
    return int(value) if value == value.to_integral_value() else float(value)


def lum_giro_ok(text: Any) -> bool:
    """LUM_GIRO_OK: whether a bankgiro/plusgiro number passes the mod-10 check."""
    text = scalar(text)
    if text is None:
        return False
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return check_payment_account(str(text)).ok


def udf(compute: Callable[[], T]) -> T | str:
    """Run a worksheet function's body; a problem becomes ``#LUM: …`` text in the cell."""
    try:
        return compute()
    except (ValueError, LedgerReadError) as exc:
        message = exc.message if isinstance(exc, LedgerReadError) else str(exc)
        return f"#LUM: {message}"
    except Exception as exc:
        log.exception("lumledger.xl: worksheet function failed")
        return f"#LUM: oväntat fel ({type(exc).__name__})"


#: The Excel-facing name, the argument docs (Swedish) and the plain function of each.
FUNCTION_DOCS: dict[str, tuple[str, Sequence[tuple[str, str]]]] = {
    "LUM_SUMMA": (
        "Summan av ett beloppsfält i Ansökningar för ett år och en typ.",
        (
            ("ansokningar", "Bladet Ansökningar med rubrikraden, t.ex. Ansökningar!A:Q"),
            ("ar", "Året, t.ex. 2019 (tomt = alla år)"),
            ("typ", "Projekt eller Studiebesök (tomt = båda)"),
            ("falt", "Sökt belopp, Beviljat belopp (standard) eller Tidigare beviljat"),
        ),
    ),
    "LUM_ANTAL": (
        "Antalet ansökningar för ett år och en typ.",
        (
            ("ansokningar", "Bladet Ansökningar med rubrikraden, t.ex. Ansökningar!A:Q"),
            ("ar", "Året, t.ex. 2019 (tomt = alla år)"),
            ("typ", "Projekt eller Studiebesök (tomt = båda)"),
        ),
    ),
    "LUM_KVAR": (
        "Det som återstår av årets ram för typen efter beviljade belopp.",
        (
            ("ansokningar", "Bladet Ansökningar med rubrikraden, t.ex. Ansökningar!A:Q"),
            ("omgangar", "Bladet Omgångar med rubrikraden, t.ex. Omgångar!A:K"),
            ("ar", "Året, t.ex. 2019"),
            ("typ", "Projekt eller Studiebesök"),
        ),
    ),
    "LUM_BELOPP": (
        "Ett belopp skrivet som text i svensk form, som tal.",
        (("text", "Ett belopp i svensk form, t.ex. 1 457 956,00 kr"),),
    ),
    "LUM_GIRO_OK": (
        "SANT om bankgiro- eller plusgironumret klarar kontrollsiffran.",
        (("text", "T.ex. Bankgiro 123-4567 eller Plusgiro 5 55 13-6"),),
    ),
}
