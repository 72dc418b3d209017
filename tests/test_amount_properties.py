"""Property tests (hypothesis) for Swedish amounts: every spelling people type or paste parses to
the amount it shows, every amount lumledger prints parses back to itself, and any other text is
either refused or means exactly what an independent reading of the format says it means."""

from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lumledger.money import (
    AmountError,
    format_kr,
    has_at_most_two_decimals,
    is_whole,
    parse_amount_text,
)

SEPARATORS = ("", " ", "\u00a0", "\u202f", "\u2009")
MINUS_SIGNS = ("-", "\u2212", "\u2013")
UNITS = ("", " kr", "kr", " kr.", " KR", " kronor", " SEK", " sek", ":-", " :-")
SPACES = ("", " ", "  ", "\u00a0", "\t")

whole_kronor = st.integers(min_value=-(10**13), max_value=10**13)
ore = st.integers(min_value=-(10**15), max_value=10**15).map(lambda n: Decimal(n).scaleb(-2))
amounts = st.one_of(whole_kronor.map(Decimal), ore)


def group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    return separator.join(
        [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    )


@st.composite
def swedish_spellings(draw: st.DrawFn) -> tuple[Decimal, str]:
    """An amount and one way a person could have typed it."""
    value: Decimal = draw(amounts)
    whole, cents = divmod(abs(value) * 100, 100)
    separator = draw(st.sampled_from(SEPARATORS))
    text = group(str(int(whole)), separator)
    if cents:
        decimals = f"{int(cents):02d}"
        if decimals.endswith("0") and draw(st.booleans()):
            decimals = decimals[0]
        text += "," + decimals
    else:
        text += draw(st.sampled_from(("", "", ",00", ",0", ",-", ",--")))
    unit = draw(st.sampled_from(UNITS))
    if unit.startswith((":", " :")) and "," in text and text.endswith("-"):
        unit = ""
    text += unit
    if value < 0:
        text = draw(st.sampled_from(MINUS_SIGNS)) + draw(st.sampled_from(("", " "))) + text
    text = draw(st.sampled_from(SPACES)) + text + draw(st.sampled_from(SPACES))
    return value, text


@settings(max_examples=600)
@given(swedish_spellings())
@example((Decimal("493000"), "493 000"))
@example((Decimal("493000"), "493\u00a0000 kr"))
@example((Decimal("1457956.00"), "1\u202f457\u202f956,00"))
@example((Decimal("-25000"), "\u221225 000"))
@example((Decimal("1000"), "1 000,-"))
def test_every_swedish_spelling_parses_to_its_amount(case: tuple[Decimal, str]) -> None:
    value, text = case
    parsed = parse_amount_text(text)
    assert parsed == value
    assert has_at_most_two_decimals(parsed)


@settings(max_examples=400)
@given(amounts, st.sampled_from(SEPARATORS[1:]), st.booleans())
def test_printed_amounts_parse_back(value: Decimal, separator: str, unit: bool) -> None:
    text = format_kr(value, sep=separator, unit=unit)
    assert parse_amount_text(text) == value
    if is_whole(value):
        assert "," not in text


@given(
    st.integers(min_value=-(10**40), max_value=10**40), st.sampled_from(SEPARATORS), st.booleans()
)
def test_whole_kronor_print_alike_as_int_and_decimal(
    whole: int, separator: str, unit: bool
) -> None:
    """``format_kr`` has a fast path for ``int``: it must print exactly what ``Decimal`` prints."""
    assert format_kr(whole, sep=separator, unit=unit) == format_kr(
        Decimal(whole), sep=separator, unit=unit
    )


@given(st.integers(min_value=-(10**40), max_value=10**40), st.integers(0, 99))
def test_format_never_raises_and_keeps_every_digit(whole: int, cents: int) -> None:
    value = Decimal(whole) + Decimal(cents).scaleb(-2) * (1 if whole >= 0 else -1)
    assert parse_amount_text(format_kr(value)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**30), max_value=10**30))
def test_at_most_two_decimals_is_exact(value: Decimal) -> None:
    expected = value == value.quantize(Decimal("0.01"), context=_wide())
    assert has_at_most_two_decimals(value) is expected


def _wide() -> Context:
    return Context(prec=10_000)


# --- anything else ----------------------------------------------------------------------------------


def reference_parse(text: str) -> Decimal:
    """The format read by hand, without the module's regular expression (an independent oracle):
    optional minus sign, digits (plain or grouped by threes with one space-like character),
    optional decimal comma with one or two digits or ``-``/``--``, optional unit."""
    rest = text.strip()
    negative = rest[:1] in MINUS_SIGNS
    if negative:
        rest = rest[1:].lstrip()
    for unit in ("kronor", "kr.", "kr", "sek", ":-"):
        tail = rest[-len(unit) :]
        if len(rest) >= len(unit) and tail.isascii() and tail.lower() == unit:
            rest = rest[: -len(unit)].rstrip()
            break
    number, comma, fraction = rest.partition(",")
    if comma:
        if fraction in ("-", "--"):
            fraction = ""
        elif not (1 <= len(fraction) <= 2 and _ascii_digits(fraction)):
            raise AmountError(text)
    if not (_ascii_digits(number) or _grouped(number)):
        raise AmountError(text)
    digits = "".join(c for c in number if c not in SEPARATORS)
    value = Decimal(f"{digits}.{fraction}") if fraction else Decimal(digits)
    return -value if negative else value


def _ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


def _grouped(number: str) -> bool:
    pieces = [""]
    for char in number:
        if char in SEPARATORS[1:]:
            pieces.append("")
        else:
            pieces[-1] += char
    return (
        len(pieces) >= 2
        and 1 <= len(pieces[0]) <= 3
        and all(len(p) == 3 for p in pieces[1:])
        and all(_ascii_digits(p) for p in pieces)
    )


AMOUNTISH = st.text(
    alphabet=st.sampled_from(
        # last three: the Kelvin sign, Arabic-Indic one and fullwidth one (not ASCII)
        [
            *"0123456789 ,.-+:krKRsSeEnoO",
            "\u00a0",
            "\u202f",
            "\u2212",
            "\u2013",
            "\t",
            *"\u212a\u0661\uff11",
        ]
    ),
    max_size=16,
)


@settings(max_examples=1500)
@given(AMOUNTISH)
@example("1.000")
@example("1,234.56")
@example("5e3")
@example("\u0661\u0662\u0663")
@example("\uff11\uff12\uff13")
@example("5 \u212ar")
@example("+500")
@example("12,")
@example(",50")
@example("1  000")
@example("10 00")
def test_other_texts_are_refused_or_mean_what_the_format_says(text: str) -> None:
    try:
        expected: Decimal | None = reference_parse(text)
    except (AmountError, ArithmeticError):
        expected = None
    try:
        parsed: Decimal | None = parse_amount_text(text)
    except AmountError:
        parsed = None
    assert parsed == expected, (text, parsed, expected)


@pytest.mark.parametrize(
    "text",
    [
        "1.000",
        "1,234.56",
        "5e3",
        "0x10",
        "١٢٣",
        "１２３",
        "+500",
        "12,",
        ",50",
        "1  000",
        "10 00",
        "5 \u212ar",
        "1 000 000,000",
        "kr 500",
        "--5",
        "5-",
        "(500)",
        "NaN",
        "Infinity",
        "",
    ],
)
def test_not_amounts(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount_text(text)
