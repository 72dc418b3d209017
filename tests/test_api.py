"""The library facade (``import lumledger``): the calls the command line and Excel make."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, make_ledger

import lumledger
from lumledger.cli import main


def test_the_documented_one_liner_runs_in_a_fresh_process() -> None:
    code = (
        "import lumledger as L; led = L.load('workbooks/lum-exempel.xlsx'); "
        "print(len(L.validate(led).findings))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # The example's findings are the five warnings its 2019 decision calls for (issue 13):
    # LUM-W008 twice (Södermalmsmodellen, Brukarskola), LUM-W009 three times (Frome, England).
    assert done.stdout.strip() == "5"


def test_importing_lumledger_loads_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, lumledger; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    for heavy in ("pandas", "numpy", "pandera", "openpyxl", "click", "xlwings", "lumledger.api"):
        assert f"'{heavy}'" not in done.stdout, heavy


def test_rules_registry_lists_every_code_of_the_format() -> None:
    documented = set(
        re.findall(r"LUM-[EWR]\d{3}", (ROOT / "docs" / "ledger-format.md").read_text("utf-8"))
    )
    assert documented == set(lumledger.rules.RULES)
    rule = lumledger.rules.RULES["LUM-E008"]
    assert (rule.code, rule.severity) == ("LUM-E008", "error")
    assert lumledger.rules.RULES["LUM-R001"].severity == "discrepancy"
    assert lumledger.rules.RULES["LUM-W001"].severity == "warning"


def _cli_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, [*args, "--json"])
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_each_result_gives_the_json_the_command_line_prints() -> None:
    ledger = lumledger.load(EXAMPLE)
    assert lumledger.validate(ledger).to_dict() == _cli_json("validate", str(EXAMPLE))
    rollup = lumledger.rollup(ledger, year=2019)
    assert rollup.to_dict() == _cli_json("rollup", str(EXAMPLE), "--year", "2019")
    assert rollup.rollup is not None and rollup.rollup.total.granted == 3_510_450
    check = lumledger.reconcile(ledger, as_of=__import__("datetime").date(2026, 12, 1))
    as_json = json.loads(json.dumps(check.to_dict(), default=str))
    assert as_json == _cli_json("reconcile", str(EXAMPLE), "--as-of", "2026-12-01")
    # Issue 15: the HV 2021 report against its application's budget (R012–R014) beside R001, R009.
    assert [f.code for f in check.findings] == [
        "LUM-R001",
        "LUM-R013",
        "LUM-R012",
        "LUM-R009",
        "LUM-R014",
    ]


def test_a_path_works_where_a_ledger_is_expected_and_an_invalid_ledger_gets_no_rollup(
    tmp_path: Path,
) -> None:
    broken = make_ledger(
        tmp_path, change=lambda r: r["Ansökningar"][0].update({"Beviljat belopp": 400_000})
    )
    result = lumledger.rollup(broken)
    assert not result.valid and result.rollup is None
    assert [f.code for f in result.findings] == ["LUM-E008"]
    exported = lumledger.export(broken, 2019, tmp_path / "ut")
    assert exported.files == [] and exported.refused
    assert not (tmp_path / "ut").exists()


def test_export_writes_the_files_of_the_year(tmp_path: Path) -> None:
    result = lumledger.export(EXAMPLE, 2019, tmp_path, formats=("csv",))
    assert [p.name for p in result.files] == ["bilaga1-2019.csv", "bilaga2-2019.csv"]
    assert result.to_dict()["export"]["files"] == [str(p) for p in result.files]
