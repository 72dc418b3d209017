"""The budget cycle on copies of the shipped workbooks: new round, decide, reconcile, close — and
every refusal, which must leave the ledger byte for byte as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner, Result
from conftest import EXAMPLE, ROOT, WORKBOOKS, make_ledger

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
    assert "2022-P01" in result.output and "Säkerhetskopia" in result.output
    carried = row_of(ledger, APPS, "Id", "2022-P01")
    # Issue 15: the example's HV rows come from its forms (key `Förvaltning: Namn`).
    assert str(carried["Projekt"]).startswith("Hässelby-Vällingby: Ett systematiskt")
    assert to_int(carried["Projektår"]) == 3
    assert to_int(carried["Tidigare beviljat"]) == 500_000  # 2020's grant is not documented
    assert to_int(carried["Sökt belopp"]) == 500_000
    assert to_int(carried["Beviljat belopp"]) is None
    assert to_int(row_of(ledger, ROUNDS, "År", 2022)["År"]) == 2022
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
    assert validate_path(ledger).findings == []

    again = run("cycle", "decide", str(ledger), "--year", "2022", "--date", "2021-12-15")
    assert again.exit_code == 1 and "redan status Beslutad" in again.output

    # Before the report is due, reconciliation has nothing for 2022: the year closes.
    closed = run("cycle", "close", str(ledger), "--year", "2022", "--as-of", "2022-12-31")
    assert closed.exit_code == 0, closed.output
    assert row_of(ledger, ROUNDS, "År", 2022)["Status"] == ledger_format.STATUS_CLOSED
    assert validate_path(ledger).findings == []

    # A granted amount changed after the decision is reported by validate.
    write_cells(ledger, [CellWrite(APPS, f"M{row}", 460_000)])
    codes = {f.code for f in validate_path(ledger).findings}
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


def test_new_round_2020_carries_the_2019_multi_year_projects(tmp_path: Path) -> None:
    ledger = _ledger_2019_only(tmp_path)
    assert validate_path(ledger).valid
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
    frame = read_ledger(ledger).frame(APPS)
    new = frame[frame["År"] == 2020]
    carried = {
        row["Namn"]: (row["Id"], to_int(row["Projektår"]), to_int(row["Tidigare beviljat"]))
        for _, row in new.iterrows()
    }
    assert carried == {
        "Samlarteamet": ("2020-P01", 3, 450_000),
        "Familjeorienterat arbetssätt": ("2020-P02", 2, 175_000),
        "Placeringsamordnare på Boende- och behandlingsenheten": ("2020-P03", 2, 175_000),
        "Brukarskola på boende- och behandlingsenheten": ("2020-P04", 3, 450_000),
    }
    # Kartläggning … (2019-P19) was in its third year: not carried.
    assert not any("svarthandel" in name for name in carried)
    round_2020 = row_of(ledger, ROUNDS, "År", 2020)
    assert str(round_2020["Ansökan öppnar"])[:10] == "2019-08-01"
    assert to_int(round_2020["Max beviljade per förvaltning"]) == 2
    assert round_2020["Status"] == ledger_format.STATUS_OPEN
    assert validate_path(ledger).valid


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
        (["close", "--year", "2019"], "avvikelser"),
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


def test_close_with_force_records_the_findings(tmp_path: Path) -> None:
    ledger = copy_of(EXAMPLE, tmp_path)
    result = run("cycle", "close", str(ledger), "--year", "2019", "--force")
    assert result.exit_code == 0, result.output
    round_2019 = row_of(ledger, ROUNDS, "År", 2019)
    assert round_2019["Status"] == ledger_format.STATUS_CLOSED
    note = str(read_ledger(ledger).sheets[ROUNDS].extra_columns)
    assert CLOSING_NOTE_COLUMN in note
    assert validate_path(ledger).valid


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
