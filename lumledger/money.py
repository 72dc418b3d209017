"""Exact money, Swedish amount and date spellings, and bankgiro/plusgiro numbers.

Standard library only. Amounts are ``int`` (whole kronor) or ``Decimal`` (kronor with öre);
a binary float never leaves this module as money.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

# Spaces people type or paste between digit groups: plain, no-break, narrow no-break, thin.
GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (Word turns "-" into "–")

_AMOUNT_RE = re.compile(
    r"""^
    (?P<sign>[-\u2212\u2013])?\s*
    (?P<int>[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+|[0-9]+)
    (?:,(?P<frac>[0-9]{1,2}|-{1,2}))?
    \s*(?:[kK][rR]\.?|[kK][rR][oO][nN][oO][rR]|[sS][eE][kK]|:-)?
    $""",
    re.VERBOSE,  # not IGNORECASE: it would take the Kelvin sign (U+212A) for a "k"
)


class AmountError(ValueError):
    """A text that is not a Swedish amount."""


def parse_amount_text(text: str) -> Decimal:
    """Parse a Swedish amount typed as text: ``493 000``, ``493 000 kr``, ``1 457 956,00``, ``-25 000``.

    Digit groups may be separated by plain, no-break (U+00A0), narrow no-break (U+202F) or thin
    (U+2009) spaces; a decimal comma takes one or two digits (``,-`` means whole kronor). Raises
    :class:`AmountError` for anything else, including decimal points (``1.000`` is ambiguous).
    """
    stripped = text.strip()
    match = _AMOUNT_RE.match(stripped)
    if match is None:
        raise AmountError(text)
    digits = re.sub(f"[{GROUP_SPACES}]", "", match["int"])
    frac = match["frac"] or ""
    if frac.startswith("-"):
        frac = ""
    value = Decimal(f"{digits}.{frac}") if frac else Decimal(digits)
    if match["sign"]:
        value = -value
    return value


def decimal_from_number(value: float | int) -> Decimal:
    """The decimal an Excel number cell means: the shortest decimal that round-trips the double."""
    if isinstance(value, bool):
        raise AmountError(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise AmountError(str(value))
    try:
        return Decimal(repr(value))
    except InvalidOperation as exc:  # pragma: no cover - repr of a finite float always parses
        raise AmountError(str(value)) from exc


def is_whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def has_at_most_two_decimals(value: Decimal) -> bool:
    """Whether ``value`` has no digits beyond öre; exact for any size (never raises)."""
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    beyond = -2 - int(exponent)  # how many stored digits lie beyond the öre
    return beyond <= 0 or not any(digits[-beyond:])


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_kr(
    value: int | Decimal | None, *, sep: str = " ", unit: bool = False, blank: str = ""
) -> str:
    """An amount the Swedish way, the one kronor formatter: ``3 175 000``; öre with a decimal comma
    (``1 457 956,50``); ``unit`` adds `` kr``; ``sep`` groups the digits and comes before the unit
    (a no-break space keeps an amount on one line in Word); ``None`` prints as ``blank``."""
    if value is None:
        return blank
    suffix = f"{sep}kr" if unit else ""
    if type(value) is int:  # the common case, grouped by Python's own formatting
        grouped = f"{abs(value):,}".replace(",", sep)
        return f"{'-' if value < 0 else ''}{grouped}{suffix}"
    dec = Decimal(value)
    sign = "-" if dec < 0 else ""
    dec = dec.copy_abs()  # exact: abs() would round to the context's 28 digits
    if is_whole(dec):
        text = _group(str(int(dec)), sep)
    else:
        # Round to öre with enough precision for any size (quantize raises beyond 28 digits).
        digits = max(len(dec.as_tuple().digits), 1) + dec.adjusted() + 4
        with localcontext() as context:
            context.prec = max(28, digits)
            rounded = dec.quantize(Decimal("0.01"))
        whole, frac = f"{rounded:f}".split(".")
        text = f"{_group(whole, sep)},{frac}"
        if sign and rounded == 0:
            sign = ""
    return f"{sign}{text}{suffix}"


def message_kr(value: int | Decimal | None) -> str:
    """An amount in a finding's message: ``400 000 kr``, ``tomt`` when there is none."""
    return format_kr(value, unit=True, blank="tomt")


def to_json_amount(value: int | Decimal | None) -> int | str | None:
    """Whole amounts as JSON integers, öre amounts as exact decimal strings."""
    if value is None:
        return None
    dec = Decimal(value)
    if is_whole(dec):
        return int(dec)
    return str(dec.quantize(Decimal("0.01")))


# --- dates ----------------------------------------------------------------------------------------

_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_date_text(text: str) -> dt.date:
    """ISO date text ``2018-10-26`` (optionally with a midnight time). Raises ``ValueError``."""
    match = _ISO_DATE_RE.match(text.strip())
    if match is None:
        raise ValueError(text)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def format_date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


# --- bankgiro and plusgiro ------------------------------------------------------------------------


def luhn_sum(digits: str) -> int:
    """The mod-10 (Luhn) sum of a string of ASCII digits, check digit last: every second digit
    from the right doubled, a two-digit product counted as the sum of its digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total


def luhn_ok(digits: str) -> bool:
    """The mod-10 (Luhn) check over a string of digits, check digit last."""
    return digits.isdigit() and digits.isascii() and luhn_sum(digits) % 10 == 0


_BG_RE = re.compile(r"^(\d{3,4})-(\d{4})$")
_PG_RE = re.compile(r"^(\d[\d ]{0,10})-(\d)$")
_BG_PREFIX = re.compile(r"^(?:bankgiro|bankgironummer|bg)[\s.:]*", re.IGNORECASE)
_PG_PREFIX = re.compile(r"^(?:plusgiro|plusgironummer|postgiro|pg)[\s.:]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AccountCheck:
    ok: bool
    kind: str | None  # "Bankgiro", "Plusgiro" or None when the form is not recognised
    reason: str  # Swedish, empty when ok


def _normalise_spaces(text: str) -> str:
    return re.sub(f"[{GROUP_SPACES}]+", " ", text).strip()


def check_bankgiro(number: str) -> AccountCheck:
    text = _normalise_spaces(number)
    match = _BG_RE.match(text) or (
        re.match(r"^(\d{3,4})(\d{4})$", text) if text.isdigit() else None
    )
    if match is None:
        return AccountCheck(
            False, "Bankgiro", "ett bankgironummer har formen NNN-NNNN eller NNNN-NNNN"
        )
    digits = match[1] + match[2]
    if not luhn_ok(digits):
        return AccountCheck(False, "Bankgiro", "kontrollsiffran stämmer inte")
    return AccountCheck(True, "Bankgiro", "")


def check_plusgiro(number: str) -> AccountCheck:
    text = _normalise_spaces(number)
    match = _PG_RE.match(text)
    if match is not None:
        digits = match[1].replace(" ", "") + match[2]
    elif text.isdigit():
        digits = text
    else:
        return AccountCheck(
            False, "Plusgiro", "ett plusgironummer har 2–8 siffror, t.ex. 5 55 13-6"
        )
    if not 2 <= len(digits) <= 8:
        return AccountCheck(False, "Plusgiro", "ett plusgironummer har 2–8 siffror")
    if not luhn_ok(digits):
        return AccountCheck(False, "Plusgiro", "kontrollsiffran stämmer inte")
    return AccountCheck(True, "Plusgiro", "")


def check_payment_account(text: str) -> AccountCheck:
    """Check a ``Betalkonto``: ``Bankgiro 123-4567`` or ``Plusgiro 5 55 13-6``.

    Without a prefix, ``NNN-NNNN``/``NNNN-NNNN`` is read as a bankgiro number and a number whose
    last group is one check digit (``5 55 13-6``) as a plusgiro number. A bank account number
    (clearing number and account) is not a giro number and fails.
    """
    value = _normalise_spaces(text)
    if not value:
        return AccountCheck(False, None, "betalkontot är tomt")
    if _BG_PREFIX.match(value):
        return check_bankgiro(_BG_PREFIX.sub("", value))
    if _PG_PREFIX.match(value):
        return check_plusgiro(_PG_PREFIX.sub("", value))
    if _BG_RE.match(value):
        return check_bankgiro(value)
    if _PG_RE.match(value):
        return check_plusgiro(value)
    return AccountCheck(
        False,
        None,
        "okänd form; skriv t.ex. ”Bankgiro 123-4567” eller ”Plusgiro 5 55 13-6” "
        "(ett bankkontonummer är inte ett gironummer)",
    )
