"""Meta-tests: every rule of the registry is documented as the registry words it and has a test
that fails without it, and every shipped workbook validates clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import ROOT, WORKBOOKS

from lumledger.rules import READING, RECONCILIATION, RULES, VALIDATION
from lumledger.validation import validate_path

CODE = re.compile(r"LUM-[EWR]\d{3}")
DOCS = ROOT / "docs" / "ledger-format.md"
SHARED_SPEC = ROOT.parent / "shared" / "spec" / "ledger-format.md"


def _codes(text: str) -> set[str]:
    return set(CODE.findall(text))


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of each row of the first Markdown table after ``heading`` (header row left out)."""
    after = text[text.index(heading) :]
    lines = after[after.index("\n|") + 1 :].split("\n\n", 1)[0].splitlines()
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_every_code_in_the_docs_is_in_the_registry_and_back() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert _codes(text) == set(RULES)
    stages = {"validation": (READING, VALIDATION), "reconciliation": (RECONCILIATION,)}
    for heading, of in (
        ("## Validation rules", stages["validation"]),
        ("## Reconciliation findings", stages["reconciliation"]),
    ):
        documented = [row[0] for row in _table_rows(text, heading)]
        registered = [code for code, rule in RULES.items() if rule.stage in of]
        assert documented == registered, heading


def _guide_table() -> str:
    """The user guide's table of rules, as the registry words it."""
    lines = ["| kod | betyder | gör så här |", "|---|---|---|"]
    lines += [f"| {rule.code} | {rule.title} | {rule.action} |" for rule in RULES.values()]
    return "\n".join(lines)


def test_the_user_guide_says_what_the_registry_says() -> None:
    """The guide's table is the registry's titles and actions, row for row; on a change, paste
    the table this test prints."""
    guide = (ROOT / "docs" / "anvandarguide.md").read_text(encoding="utf-8")
    expected = _guide_table()
    assert expected in guide, f"docs/anvandarguide.md should have this table:\n{expected}"
    assert _codes(guide) == set(RULES)


def test_the_contract_is_kept() -> None:
    if not SHARED_SPEC.exists():
        pytest.skip("shared/spec is not beside this checkout")
    contract = _codes(SHARED_SPEC.read_text(encoding="utf-8"))
    assert contract <= set(RULES), sorted(contract - set(RULES))


def test_every_rule_has_a_test_that_fails_without_it(tmp_path: Path) -> None:
    """Per code, some test marked ``rule(code)`` fails when that rule is switched off: run every
    marked test once per marked code under ``lumledger.rules.switched_off`` (``conftest``'s
    ``--switch-off-rules``) and read which failed."""
    report = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-m",
            "rule",
            "--switch-off-rules",
            f"--junitxml={report}",
            str(ROOT / "tests"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert report.exists(), done.stdout[-2000:] + done.stderr[-2000:]
    ran: set[str] = set()
    failed: set[str] = set()
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("name", "")
        codes = set(CODE.findall(name[name.find("[") :])) if "[" in name else set()
        ran |= codes
        if case.find("failure") is not None:
            failed |= codes
    assert set(RULES) <= ran, f"rules without a marked test: {sorted(set(RULES) - ran)}"
    assert set(RULES) <= failed, (
        f"rules whose tests still pass with the rule switched off: {sorted(set(RULES) - failed)}"
    )


@pytest.mark.parametrize(
    "workbook",
    sorted(p for p in WORKBOOKS.glob("*.xls*") if not p.name.startswith("~$")),
    ids=lambda p: p.name,
)
def test_every_shipped_workbook_validates_clean(workbook: Path) -> None:
    result = validate_path(workbook)
    assert result.errors == [], [f"{f.location} {f.code} {f.message}" for f in result.errors]
