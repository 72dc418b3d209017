"""The checks the real documents call for (issue 13): a project's continuation against its
earlier years (LUM-W007, a fourth project year LUM-E019), the assessment against the grant
(LUM-W008) and study visits that could be one joint trip (LUM-W009) — on small ledgers built in
code (tools/ledger_book.py through ``conftest.make_ledger``) and on the real example."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import EXAMPLE, make_ledger
from hypothesis import given, settings
from hypothesis import strategies as st

from lumledger import ledger_format
from lumledger.findings import Finding
from lumledger.rules.cross_sheet import FULL, HALF, _trip_key, _trip_keys, assessment_says
from lumledger.validation import validate_path

APPS = ledger_format.APPLICATIONS
Sheets = dict[str, list[dict[str, Any]]]
# Letters, spaces and punctuation the trip keys treat specially, Swedish and beyond Latin-1.
_TRIP_ALPHABET = "aZåÄöÉÿ×ßµİıΣςﬁ ,.!?;:\t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2028\u3000x1"


def findings(path: Path, *codes: str) -> list[Finding]:
    return [f for f in validate_path(path).findings if f.code in codes]


def app(rows: Sheets, id_: str) -> dict[str, Any]:
    return next(r for r in rows[APPS] if r["Id"] == id_)


# --- continuations: LUM-W007, LUM-E019 ---------------------------------------------------------------


def _project_years(rows: Sheets, *years: tuple[int, int | None, int | None, int | None]) -> None:
    """Add rounds and later years of project BR-BOENDE (2019-P01: year 1, 200 000 granted):
    ``(year, Projektår, Tidigare beviljat, Beviljat belopp)`` each."""
    first_round = rows[ledger_format.ROUNDS][0]
    for year, project_year, earlier, granted in years:
        rows[ledger_format.ROUNDS].append({"År": year, "Status": first_round["Status"]})
        rows[APPS].append(
            {
                "Id": f"{year}-P01",
                "År": year,
                "Typ": "Projekt",
                "Förvaltning": "Bromma",
                "Namn": "Den ständiga boendefrågan",
                "Projekt": "BR-BOENDE",
                "Projektår": project_year,
                "Tidigare beviljat": earlier,
                "Sökt belopp": 300_000,
                "Beviljat belopp": granted,
            }
        )


def test_a_continuation_that_agrees_with_its_history_is_no_finding(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda rows: _project_years(
            rows, (2020, 2, 200_000, 250_000), (2021, 3, 450_000, None)
        ),
    )
    assert validate_path(path).valid
    assert findings(path, "LUM-W007", "LUM-E019") == []


@pytest.mark.rule("LUM-W007")
def test_w007_project_year_and_earlier_grants_against_the_ledger(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda rows: _project_years(rows, (2020, 3, 100_000, None)),
    )
    found = findings(path, "LUM-W007")
    assert [(f.cell, f.expected, f.found, f.id) for f in found] == [
        ("I5", 2, 3, "2020-P01"),
        ("J5", 200_000, 100_000, "2020-P01"),
    ]
    assert "väntat projektår 2" in found[0].message and "2019-P01 (2019)" in found[0].message
    assert "liggaren har 200 000 kr beviljat tidigare år" in found[1].message
    assert validate_path(path).valid  # a warning


@pytest.mark.rule("LUM-E019")
def test_e019_a_fourth_project_year_is_refused(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda rows: _project_years(
            rows,
            (2020, 2, 200_000, 250_000),
            (2021, 3, 450_000, 250_000),
            (2022, None, 700_000, None),
        ),
    )
    result = validate_path(path)
    assert not result.valid
    found = [f for f in result.errors if f.code == "LUM-E019"]
    assert [(f.cell, f.id, f.expected, f.found) for f in found] == [("I7", "2022-P01", 3, 4)]
    assert "fjärde projektår" in found[0].message


def test_a_year_without_grant_does_not_count_towards_three(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda rows: _project_years(
            rows, (2020, 2, 200_000, 0), (2021, 3, 200_000, 100_000)
        ),
    )
    assert findings(path, "LUM-E019") == []


# --- the assessment against the grant: LUM-W008 -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Med hänsyn taget till ovanstående bör ansökan beviljas.", FULL),
        ("Beviljas sökt summa", FULL),
        ("Projektmedel bör beviljas.", FULL),
        ("Projektet bör skala ner varvid hälften av den sökta summan bör beviljas.", HALF),
        # Part of the amount, or a rejection: says neither.
        ("Projektmedel bör beviljas utifrån ett intresse, summan minskas dock.", None),
        (
            "Uppföljningen bör kunna genomföras varvid en del av den sökta summan bör beviljas.",
            None,
        ),
        ("Bör delvis beviljas.", None),
        ("Med hänvisning till ovanstående bör ansökan avslås.", None),
        ("Hälften av deltagarna är nyanlända.", None),
        (None, None),
    ],
)
def test_what_an_assessment_says(text: str | None, said: str | None) -> None:
    result = assessment_says(text)
    assert (result[0] if result else None) == said


@pytest.mark.rule("LUM-W008")
def test_w008_assessment_says_grant_in_full_while_less_is_granted(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-P01")["Utvärdering"] = (
            "Strategiskt intresse. Med hänsyn taget till ovanstående bör ansökan beviljas."
        )

    found = findings(make_ledger(tmp_path, change=change), "LUM-W008")
    assert [(f.cell, f.expected, f.found) for f in found] == [("M2", 317_000, 200_000)]
    assert found[0].message == (
        "Utvärderingen säger att sökt belopp ska beviljas (”Med hänsyn taget till ovanstående "
        "bör ansökan beviljas.”) men beviljat är 200 000 kr av sökta 317 000 kr"
    )


@pytest.mark.rule("LUM-W008")
def test_w008_half_and_the_decision_text(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-P02").update(
            {"Utvärdering": "Hälften av den sökta summan bör beviljas.", "Beviljat belopp": 250_000}
        )
        app(rows, "2019-S01")["Beviljat belopp"] = 20_000  # "Beviljas sökt summa" of 25 000

    found = findings(make_ledger(tmp_path, change=change), "LUM-W008")
    assert [(f.cell, f.expected, f.found) for f in found] == [
        ("M3", 200_000, 250_000),
        ("M4", 25_000, 20_000),
    ]
    assert found[1].message.startswith("Beslutstexten säger att sökt belopp ska beviljas")


def test_w008_not_when_the_grant_agrees(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        app(rows, "2019-P02").update(
            {"Utvärdering": "Hälften av den sökta summan bör beviljas.", "Beviljat belopp": 200_000}
        )

    assert findings(make_ledger(tmp_path, change=change), "LUM-W008") == []


# --- a possible joint trip: LUM-W009 ------------------------------------------------------------------


def _visit(id_: str, administration: str, place: str, purpose: str) -> dict[str, Any]:
    return {
        "Id": id_,
        "År": 2019,
        "Typ": "Studiebesök",
        "Förvaltning": administration,
        "Namn": place,
        "Syfte": purpose,
        "Sökt belopp": 25_000,
        "Beviljat belopp": 25_000,
        "Inkom": dt.date(2018, 10, 3),
    }


@pytest.mark.rule("LUM-W009")
def test_w009_same_place_and_purpose_for_several_administrations(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.ROUNDS][0]["Ram studiebesök"] = 200_000
        # The same trip as 2019-S01 (Socialförvaltningen), written a little differently.
        rows[APPS].append(
            _visit("2019-S02", "Bromma", "oslo", "Studera mottagande av kvotflyktingar")
        )
        rows[APPS].append(_visit("2019-S03", "Farsta", "Oslo", "Något helt annat."))

    found = findings(make_ledger(tmp_path, change=change), "LUM-W009")
    assert [(f.cell, f.row) for f in found] == [("F4", 4), ("F5", 5)]
    assert found[0].message == (
        "Studiebesök till Oslo med samma syfte beviljas 2019 också för Bromma (2019-S02): "
        "kan resan göras gemensamt?"
    )


def test_w009_not_for_one_administration_or_a_rejected_visit(tmp_path: Path) -> None:
    def change(rows: Sheets) -> None:
        rows[ledger_format.ROUNDS][0]["Ram studiebesök"] = 200_000
        same = "Studera mottagande av kvotflyktingar."
        rows[APPS].append(_visit("2019-S02", "Socialförvaltningen", "Oslo", same))
        rejected = _visit("2019-S03", "Farsta", "Oslo", same)
        rejected["Beviljat belopp"] = 0
        rows[APPS].append(rejected)

    assert findings(make_ledger(tmp_path, change=change), "LUM-W009") == []


def _keys(values: list[Any], dtype: Any = object) -> list[str | None]:
    keys = _trip_keys(pd.Series(values, dtype=dtype, index=range(2, 2 + len(values))))
    return [None if key is pd.NA or key is None else key for key in keys.tolist()]


@pytest.mark.rule("LUM-W009")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_TRIP_ALPHABET)), max_size=40), st.booleans())
def test_w009_trip_keys_as_whole_arrays_equal_one_call_each(
    values: list[str | None], mixed: bool
) -> None:
    """The Arrow path of the place and purpose keys (a hundred thousand distinct purposes on the
    large path) gives exactly what :func:`_trip_key` gives value by value, whatever the text;
    a column that is not all text goes value by value."""
    cells: list[Any] = [*values, 7] if mixed else values
    assert _keys(cells) == [_trip_key(value) for value in cells]
    assert _keys(values, "str") == [_trip_key(value) for value in values]


def test_w009_trip_keys_of_swedish_and_unusual_texts() -> None:
    texts = [
        "Frome, England.",
        "  GÖTEBORG!  ",
        "Straße",
        "İzmir",
        "a\xa0b",
        "\x1cx\x1f",
        " . ",
        None,
    ]
    expected = ["frome england", "göteborg", "strasse", "i̇zmir", "a b", "x", None, None]
    assert _keys(texts) == expected
    assert _keys(texts, "str") == expected


# --- the real example ---------------------------------------------------------------------------------


@pytest.mark.rule("LUM-W008")
@pytest.mark.rule("LUM-W009")
def test_example_shows_what_the_2019_decision_says() -> None:
    result = validate_path(EXAMPLE)
    assert result.valid
    by_code: dict[str, list[Finding]] = {}
    for item in result.findings:
        by_code.setdefault(item.code, []).append(item)
    # Södermalmsmodellen: "bör ansökan beviljas", 250 000 of 330 000; Brukarskola: "hälften"
    # of 750 000, 450 000 granted.
    assert [(f.cell, f.expected, f.found) for f in by_code["LUM-W008"]] == [
        ("M13", 330_000, 250_000),
        ("M22", 375_000, 450_000),
    ]
    # Frome, England: three administrations, the same purpose.
    frome = by_code["LUM-W009"]
    assert [f.cell for f in frome] == ["F26", "F29", "F33"]
    assert all("Frome England" in f.message for f in frome)
    assert "Östermalm (2019-S07) och Skarpnäck (2019-S11)" in frome[0].message
