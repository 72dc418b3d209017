"""The budget cycle on copies of the shipped workbooks: new round, decide, reconcile, close — and
every refusal, which must leave the ledger byte for byte as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner, Result
from conftest import EXAMPLE, ROOT, WORKBOOKS, make_ledger, settled_rows

from lumledger import ledger_format
from lumledger.cli import main
from lumledger.cycle import CLOSING_NOTE_COLUMN, FROZEN_COLUMN, CycleRefusal, plan_decide
from lumledger.ledger import to_int
from lumledger.validation import validate_path
from lumledger.workbook.reader import read_ledger
from lumledger.workbook.safewrite import CellWrite, write_cells

sys.path.insert(0, str(ROOT / "workbooks"))
import build as workbook_build

APPS = ledger_format.APPLICATIONS
ROUNDS = ledger_format.ROUNDS


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_of(source: Path, tmp_path: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or source.name)
    shutil.copyfile(source, target)
    return target


def row_of(path: Path, sheet: str, column: str, value: object) -> dict[str, object]:
    frame = read_ledger(path, refuse_when_open=False).frame(sheet)
    matches = frame[frame[column] == value]
    assert len(matches) == 1, matches
    return matches.iloc[0].to_dict()


def test_full_cycle_on_a_copy_of_the_example(tmp_path: Path) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)

    result = run("cycle", "new-round", str(ledger), "--year", "2022")
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopia" in result.output
    # The round only: the multi-year project is listed as expected, not entered (issue 13).
    assert (
        "  Ett systematiskt, skyndsamt och tryggt förändringsarbete för en "
        "modern och hållbar socialtjänst (Hässelby-Vällingby, 2021-P01): projektår 3, beviljat "
        "hittills 500 000 kr (beviljat belopp saknas för 2020-P01)\n"
    ) in result.output
    assert 2022 not in set(read_ledger(ledger).frame(APPS)["År"].dropna().astype(int))
    assert to_int(row_of(ledger, ROUNDS, "År", 2022)["År"]) == 2022
    assert validate_path(ledger).valid

    # The application comes in; the officer registers it (here: the same safe writer).
    apps = read_ledger(ledger).sheet(APPS)
    assert apps is not None
    new_row = int(apps.frame.index.max()) + 1
    application = {
        "Id": "2022-P01",
        "År": 2022,
        "Typ": "Projekt",
        "Förvaltning": "Hässelby-Vällingby",
        "Namn": "Ett systematiskt, skyndsamt och tryggt förändringsarbete",
        "Projekt": "HV-socialtjanst-2020",
        "Projektår": 3,
        "Tidigare beviljat": 500_000,
        "Sökt belopp": 500_000,
    }
    write_cells(
        ledger,
        [CellWrite(APPS, f"{apps.letters[c]}{new_row}", v) for c, v in application.items()],
    )
    assert validate_path(ledger).valid

    # Deciding needs every application of the year assessed.
    refused = run("cycle", "decide", str(ledger), "--year", "2022", "--date", "2021-12-14")
    assert refused.exit_code == 1 and "saknar beviljat belopp" in refused.output

    # The officer enters the grant in Excel (here: the same safe writer).
    frame = read_ledger(ledger).frame(APPS)
    row = int(frame.index[frame["Id"] == "2022-P01"][0])
    write_cells(ledger, [CellWrite(APPS, f"M{row}", 450_000)])

    decided = run(
        "cycle",
        "decide",
        str(ledger),
        "--year",
        "2022",
        "--date",
        "2021-12-14",
        "--dnr",
        "SoN 2021/77",
    )
    assert decided.exit_code == 0, decided.output
    round_2022 = row_of(ledger, ROUNDS, "År", 2022)
    assert round_2022["Status"] == ledger_format.STATUS_DECIDED
    assert str(round_2022["Beslutsdatum"])[:10] == "2021-12-14"
    assert round_2022["Diarienummer"] == "SoN 2021/77"
    assert to_int(row_of(ledger, APPS, "Id", "2022-P01")[FROZEN_COLUMN]) == 450_000
    assert validate_path(ledger).errors == []

    again = run("cycle", "decide", str(ledger), "--year", "2022", "--date", "2021-12-15")
    assert again.exit_code == 1 and "redan status Beslutad" in again.output

    # Nothing paid, the report not yet in: the year is open, and close says what is open.
    before = digest(ledger)
    refused = run("cycle", "close", str(ledger), "--year", "2022", "--as-of", "2022-12-31")
    assert refused.exit_code == 1, refused.output
    assert "2022 kan inte stängas: 1 ansökan har något öppet" in refused.output
    assert (
        "2022-P01 Hässelby-Vällingby: att betala ut 450 000 kr; redovisning senast 2023-02-28"
        in (refused.output)
    )
    assert "LUM-R001: 2022: ingen rad i Beslut (kontrollen kördes inte)" in refused.output
    assert digest(ledger) == before
    # --force needs a reason; with one, the year closes and the reason is recorded.
    no_reason = run("cycle", "close", str(ledger), "--year", "2022", "--force")
    assert no_reason.exit_code == 1 and "--reason" in no_reason.output
    assert digest(ledger) == before
    closed = run(
        "cycle",
        "close",
        str(ledger),
        "--year",
        "2022",
        "--as-of",
        "2022-12-31",
        "--force",
        "--reason",
        "Projektet avbröts",
    )
    assert closed.exit_code == 0, closed.output
    round_2022 = row_of(ledger, ROUNDS, "År", 2022)
    assert round_2022["Status"] == ledger_format.STATUS_CLOSED
    note = str(round_2022[CLOSING_NOTE_COLUMN])
    assert "Skäl: Projektet avbröts." in note and "att betala ut 450 000 kr" in note
    # The note's column is the format's: no LUM-W003.
    assert "LUM-W003" not in {f.code for f in validate_path(ledger).findings}

    # A granted amount changed after the decision is reported by validate.
    write_cells(ledger, [CellWrite(APPS, f"M{row}", 460_000)])
    codes = {f.code for f in validate_path(ledger).errors}
    assert codes == {"LUM-E018"}


def _ledger_2019_only(tmp_path: Path) -> Path:
    rows = workbook_build.example_rows()
    rows[APPS] = [r for r in rows[APPS] if r["År"] == 2019]
    rows[ROUNDS] = [r for r in rows[ROUNDS] if r["År"] == 2019]
    rows[ledger_format.REPORTS] = []
    rows[ledger_format.BUDGET] = []  # the 2020 application's budget (issue 15) goes with it
    path = tmp_path / "lum-2019.xlsx"
    book = xlsxwriter.Workbook(str(path))
    workbook_build.write_ledger_sheets(book, rows)
    book.close()
    return path


def test_new_round_2020_lists_the_2019_multi_year_projects_and_adds_none(tmp_path: Path) -> None:
    ledger = _ledger_2019_only(tmp_path)
    assert validate_path(ledger).valid
    rows_before = len(read_ledger(ledger).frame(APPS))
    result = run(
        "cycle",
        "new-round",
        str(ledger),
        "--year",
        "2020",
        "--opens",
        "2019-08-01",
        "--closes",
        "2019-10-25",
    )
    assert result.exit_code == 0, result.output
    assert len(read_ledger(ledger).frame(APPS)) == rows_before  # no invented applications
    listed = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert "4 fleråriga projekt väntas söka för nästa projektår 2020" in result.output
    assert [line.rsplit("): ", 1)[1] for line in listed] == [
        "projektår 3, beviljat hittills 450 000 kr",
        "projektår 2, beviljat hittills 175 000 kr",
        "projektår 2, beviljat hittills 175 000 kr",
        "projektår 3, beviljat hittills 450 000 kr",
    ]
    names = " ".join(listed)
    for name in (
        "Samlarteamet",
        "Familjeorienterat arbetssätt",
        "Placeringsamordnare",
        "Brukarskola",
    ):
        assert name in names
    # Kartläggning … (2019-P19) was in its third year: not expected.
    assert "svarthandel" not in names
    round_2020 = row_of(ledger, ROUNDS, "År", 2020)
    assert str(round_2020["Ansökan öppnar"])[:10] == "2019-08-01"
    assert to_int(round_2020["Max beviljade per förvaltning"]) == 2
    assert round_2020["Status"] == ledger_format.STATUS_OPEN
    assert validate_path(ledger).valid


def test_new_round_refuses_to_skip_a_year_unless_asked(tmp_path: Path) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)
    assert run("cycle", "new-round", str(ledger), "--year", "2022").exit_code == 0
    before = digest(ledger)
    refused = run("cycle", "new-round", str(ledger), "--year", "2024")
    assert refused.exit_code == 1, refused.output
    assert "hoppar över 2023" in refused.output and "--hoppa-over-ar" in refused.output
    assert digest(ledger) == before
    allowed = run("cycle", "new-round", str(ledger), "--year", "2024", "--hoppa-over-ar")
    assert allowed.exit_code == 0, allowed.output
    assert "kopierat från 2022" in allowed.output
    assert row_of(ledger, ROUNDS, "År", 2024)["Status"] == ledger_format.STATUS_OPEN


def test_window_is_moved_on_one_year_when_not_given(tmp_path: Path) -> None:
    ledger = _ledger_2019_only(tmp_path)
    assert run("cycle", "new-round", str(ledger), "--year", "2020").exit_code == 0
    round_2020 = row_of(ledger, ROUNDS, "År", 2020)
    assert str(round_2020["Ansökan öppnar"])[:10] == "2019-08-01"
    assert str(round_2020["Ansökan stänger"])[:10] == "2019-10-26"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["new-round", "--year", "2021"], "finns redan"),
        (["decide", "--year", "2019", "--date", "2018-12-18"], "redan status Beslutad"),
        (["decide", "--year", "2030", "--date", "2018-12-18"], "finns inte"),
        (["close", "--year", "2019"], "kan inte stängas"),
        (["close", "--year", "2020"], "besluta den"),
    ],
)
def test_refusals_leave_the_example_untouched(tmp_path: Path, args: list[str], words: str) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)
    before = digest(ledger)
    result = run("cycle", args[0], str(ledger), *args[1:])
    assert result.exit_code == 1, result.output
    assert words in result.output
    assert digest(ledger) == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_invalid_ledger_is_refused_untouched(tmp_path: Path) -> None:
    ledger = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Beviljat belopp": 999_999}))
    before = digest(ledger)
    result = run("cycle", "new-round", str(ledger), "--year", "2020")
    assert result.exit_code == 1 and "fel" in result.output
    assert "LUM-E008" in result.output
    assert digest(ledger) == before


def test_locked_ledger_is_refused_untouched(tmp_path: Path) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)
    (tmp_path / f"~${ledger.name}").write_bytes(b"owner")
    before = digest(ledger)
    result = run("cycle", "new-round", str(ledger), "--year", "2022")
    assert result.exit_code == 2 and "öppen i Excel" in result.output
    assert digest(ledger) == before


def test_close_with_force_records_the_reason_and_the_findings(tmp_path: Path) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)
    result = run(
        "cycle", "close", str(ledger), "--year", "2019", "--force", "--reason", "Arkiveras"
    )
    assert result.exit_code == 0, result.output
    round_2019 = row_of(ledger, ROUNDS, "År", 2019)
    assert round_2019["Status"] == ledger_format.STATUS_CLOSED
    note = str(round_2019[CLOSING_NOTE_COLUMN])
    assert note.startswith("Stängd ") and "Skäl: Arkiveras." in note and "LUM-R001" in note
    assert "LUM-W003" not in {f.code for f in validate_path(ledger).findings}


def test_close_a_settled_year(tmp_path: Path) -> None:
    ledger = make_ledger(tmp_path, change=settled_rows)
    result = run("cycle", "close", str(ledger), "--year", "2019", "--as-of", "2020-03-01")
    assert result.exit_code == 0, result.output
    assert "allt är utbetalt, redovisat och avstämt" in result.output
    assert row_of(ledger, ROUNDS, "År", 2019)["Status"] == ledger_format.STATUS_CLOSED
    assert CLOSING_NOTE_COLUMN not in read_ledger(ledger).frame(ROUNDS).dropna(axis=1, how="all")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # Nothing paid at all: "not run" is not "clean" (issue 13).
        (lambda rows: rows[ledger_format.PAYMENTS].clear(), "att betala ut 200 000 kr"),
        # A surplus stated but not repaid.
        (
            lambda rows: rows[ledger_format.REPORTS][0].update(
                {"Personalkostnader": 150_000, "Summa kostnader": 150_000, "Ej förbrukat": 50_000}
            ),
            "att återbetala 50 000 kr",
        ),
        # The report not in.
        (lambda rows: rows[ledger_format.REPORTS].clear(), "redovisning saknas"),
        # No Beslut row: the decision's figures are unchecked.
        (
            lambda rows: rows[ledger_format.DECISIONS].clear(),
            "LUM-R001: 2019: ingen rad i Beslut (kontrollen kördes inte)",
        ),
    ],
)
def test_close_refuses_while_anything_is_open(tmp_path: Path, change: Any, words: str) -> None:
    def rows_of(rows: dict[str, list[dict[str, object]]]) -> None:
        settled_rows(rows)
        change(rows)

    ledger = make_ledger(tmp_path, change=rows_of)
    before = digest(ledger)
    result = run("cycle", "close", str(ledger), "--year", "2019", "--as-of", "2020-03-01")
    assert result.exit_code == 1, result.output
    assert "2019 kan inte stängas" in result.output and words in result.output
    assert digest(ledger) == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_decide_plan_needs_a_valid_ledger(tmp_path: Path) -> None:
    ledger = make_ledger(tmp_path, change=lambda r: r[APPS][0].update({"Typ": "Projket"}))
    with pytest.raises(CycleRefusal):
        plan_decide(read_ledger(ledger), 2019, decided_on=dt.date(2018, 12, 18))


def test_writing_into_the_macro_workbook_changes_nothing_else(tmp_path: Path) -> None:
    ledger = copy_of(WORKBOOKS / "lumledger.xlsm", tmp_path)
    with zipfile.ZipFile(ledger) as archive:
        before = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    result = run(
        "cycle",
        "new-round",
        str(ledger),
        "--year",
        "2025",
        "--opens",
        "2024-08-01",
        "--closes",
        "2024-10-25",
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(ledger) as archive:
        after = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    assert set(before) == set(after)
    changed = {name for name in before if before[name] != after[name]}
    rounds_part = read_ledger(ledger).sheets[ROUNDS]
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert all(
        name.startswith("xl/worksheets/sheet") or name in {"xl/workbook.xml", "xl/styles.xml"}
        for name in changed
    ), changed
    assert len([n for n in changed if n.startswith("xl/worksheets/")]) == 1
    assert to_int(rounds_part.frame.iloc[-1]["År"]) == 2025
    assert validate_path(ledger).valid
