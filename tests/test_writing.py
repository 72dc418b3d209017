"""Output files: written whole or not at all, with normal permissions; CSV text never a formula."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lumledger.findings import LedgerWriteError
from lumledger.workbook.files import atomic_output, check_output_dir, csv_safe


def test_atomic_output_renames_a_complete_file_with_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "ut.csv"
    with atomic_output(target) as temp:
        assert temp.parent == tmp_path and temp != target
        temp.write_text("a;b\n", encoding="utf-8")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "a;b\n"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert list(tmp_path.iterdir()) == [target]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "ut.csv"
    target.write_text("gammal", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_text("halv", encoding="utf-8")
        raise RuntimeError("avbrott")
    assert target.read_text(encoding="utf-8") == "gammal"
    assert list(tmp_path.iterdir()) == [target]


def test_missing_folder_and_file_in_place_of_folder(tmp_path: Path) -> None:
    with pytest.raises(LedgerWriteError), atomic_output(tmp_path / "saknas" / "ut.csv"):
        pass
    (blocker := tmp_path / "fil").write_text("x", encoding="utf-8")
    with pytest.raises(LedgerWriteError):
        check_output_dir(blocker)
    assert check_output_dir(tmp_path / "ny" / "mapp").is_dir()


@pytest.mark.parametrize(
    "text", ["=1+1", "+46", "-5", "@SUM(A1)", "\t=x", "=cmd|'/c calc'!A1", "＝1"]
)
def test_csv_safe_neutralises_formula_triggers(text: str) -> None:
    assert csv_safe(text) == "'" + text


def test_csv_safe_leaves_ordinary_text() -> None:
    assert csv_safe("Malmö. Studiebesök") == "Malmö. Studiebesök"
