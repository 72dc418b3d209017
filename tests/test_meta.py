"""Meta-tests: every rule code is documented and tested, and every shipped workbook validates clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, WORKBOOKS

from lumledger.rules import RULES
from lumledger.rules.cross_sheet import validate_path

CODE = re.compile(r"LUM-[EWR]\d{3}")
DOCS = ROOT / "docs" / "ledger-format.md"
SHARED_SPEC = ROOT.parent / "shared" / "spec" / "ledger-format.md"


def _codes(text: str) -> set[str]:
    return set(CODE.findall(text))


def test_every_code_in_the_docs_is_in_the_catalogue_and_back() -> None:
    documented = _codes(DOCS.read_text(encoding="utf-8"))
    assert documented == set(RULES)


def test_every_code_has_a_line_in_the_user_guide() -> None:
    guide = (ROOT / "docs" / "anvandarguide.md").read_text(encoding="utf-8")
    assert _codes(guide) == set(RULES)


def test_the_contract_is_kept() -> None:
    if not SHARED_SPEC.exists():
        pytest.skip("shared/spec is not beside this checkout")
    contract = _codes(SHARED_SPEC.read_text(encoding="utf-8"))
    assert contract <= set(RULES), sorted(contract - set(RULES))


def test_every_rule_code_has_a_test() -> None:
    here = Path(__file__).name
    tested: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        if path.name != here:
            tested |= _codes(path.read_text(encoding="utf-8"))
    missing = sorted(set(RULES) - tested)
    assert not missing, f"rule codes without a test: {missing}"


@pytest.mark.parametrize(
    "workbook",
    sorted(p for p in WORKBOOKS.glob("*.xls*") if not p.name.startswith("~$")),
    ids=lambda p: p.name,
)
def test_every_shipped_workbook_validates_clean(workbook: Path) -> None:
    result = validate_path(workbook)
    assert result.errors == [], [f"{f.location} {f.code} {f.message}" for f in result.errors]
