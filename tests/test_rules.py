"""The rule registry (lumledger.rules) and the column pass (lumledger.rules.schemas) as units."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE, ROOT, make_ledger
from hypothesis import given, settings
from hypothesis import strategies as st

from lumledger import ledger_format, rules
from lumledger.findings import finding
from lumledger.money import check_payment_account, luhn_ok
from lumledger.rules.schemas import accounts_ok
from lumledger.validation import validate_path


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_code_is_declared_once_with_its_stage_and_severity() -> None:
    assert list(rules.RULES) == sorted(rules.RULES, key=lambda c: ("EWR".index(c[4]), c))
    for code, rule in rules.RULES.items():
        assert rule.code == code
        kind = code[4]
        assert rule.severity == {"E": "error", "W": "warning", "R": "discrepancy"}[kind]
        assert (rule.stage == rules.RECONCILIATION) == (kind == "R")
        assert rule.title and "\n" not in rule.title and rule.action
    assert rules.codes_of(rules.READING) == (
        "LUM-E001",
        "LUM-E002",
        "LUM-E003",
        "LUM-E013",
        "LUM-W001",
        "LUM-W002",
        "LUM-W003",
        "LUM-W012",
        "LUM-W013",
        "LUM-W014",
    )


def test_a_discrepancy_is_reported_as_an_error() -> None:
    item = finding("LUM-R009", "Redovisningar", "K2", 2, "Kostnaderna …")
    assert item.severity == "error" and item.is_error
    assert finding("LUM-W004", "Ansökningar", "O2", 2, "Inkom …").severity == "warning"


def test_every_check_is_a_function_of_the_ledger_and_the_context() -> None:
    for rule in rules.RULES.values():
        assert callable(rule.check), rule.code
    reader = {r.check for r in rules.RULES.values() if r.stage == rules.READING}
    assert {f.__name__ for f in reader} == {"load_ledger"}


def test_importing_the_registry_is_cheap() -> None:
    loaded = _fresh("import sys, lumledger.rules, lumledger.findings; print(sorted(sys.modules))")
    assert "pandas" not in loaded and "numpy" not in loaded
    assert "lumledger.rules.schemas" not in loaded


def test_column_rules_are_pandera_checks_named_by_their_codes() -> None:
    from lumledger.rules.schemas import _columns_read, schema_for

    present = frozenset(c.name for c in ledger_format.COLUMNS[ledger_format.APPLICATIONS])
    schema = schema_for(ledger_format.APPLICATIONS, present)
    by_column = {name: {c.name for c in col.checks} for name, col in schema.columns.items()}
    assert by_column["Typ"] == {"LUM-E010"}
    assert by_column["Sökt belopp"] == {"LUM-E007"}
    assert by_column["Betalkonto"] == {"LUM-E016"}
    assert {c.name for c in schema.checks} == {"LUM-E008", "LUM-E011"}
    assert not schema.columns["Id"].nullable and by_column["Id"] == set()  # E004 only
    # A column that may be empty and has no check of its own could never fail: pandera is not
    # asked to look at it. Projektår's one rule (E011) looks at the row, so the frame has it.
    assert "Syfte" not in schema.columns and "Projektår" not in schema.columns
    read = _columns_read(ledger_format.APPLICATIONS, present)
    assert "Projektår" in read and "Syfte" not in read
    assert all(not check.ignore_na for col in schema.columns.values() for check in col.checks)


def test_validation_leaves_the_process_modules_alone() -> None:
    loaded = _fresh(
        "import sys; import hypothesis; from lumledger.validation import validate_path; "
        f"validate_path({str(EXAMPLE)!r}); print(sys.modules['hypothesis'] is not None)"
    )
    assert loaded.strip().endswith("True")


def test_switched_off_drops_a_rules_findings_for_the_block_only(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path, change=lambda r: r["Ansökningar"][0].update({"Beviljat belopp": 400_000})
    )
    assert [f.code for f in validate_path(path).findings] == ["LUM-E008"]
    with rules.switched_off("LUM-E008"):
        assert validate_path(path).findings == []
        with rules.switched_off("LUM-E004"):
            assert validate_path(path).findings == []
        assert validate_path(path).findings == []
    assert [f.code for f in validate_path(path).findings] == ["LUM-E008"]
    with pytest.raises(KeyError), rules.switched_off("LUM-E999"):
        pass


_ACCOUNTS = st.one_of(
    st.builds(
        lambda prefix, head, tail: f"{prefix}{head}-{tail}",
        st.sampled_from(["Bankgiro ", "", "bankgiro ", "BG ", "Plusgiro ", "Bankgiro  "]),
        st.from_regex(r"[0-9]{2,5}", fullmatch=True),
        st.from_regex(r"[0-9]{3,5}", fullmatch=True),
    ),
    st.from_regex(r"(Bankgiro |Plusgiro )?[0-9 \-]{1,12}", fullmatch=True),
    st.text(max_size=20),
)


@settings(max_examples=300)
@given(st.lists(_ACCOUNTS, max_size=20))
def test_accounts_are_checked_as_check_payment_account_checks_them(texts: list[str]) -> None:
    expected = [check_payment_account(t).ok for t in texts]
    assert accounts_ok(np.array(texts, dtype=object)).tolist() == expected
    # A text column as the columnar reader gives it (Arrow storage), sliced as the check sees it.
    column = pd.Series(["x", *texts], dtype="str").iloc[1:]
    assert accounts_ok(column).tolist() == expected


@given(st.from_regex(r"[0-9]{1,12}", fullmatch=True))
def test_luhn_check_digit(digits: str) -> None:
    check = next(str(d) for d in range(10) if luhn_ok(digits + str(d)))
    assert [luhn_ok(digits + str(d)) for d in range(10)].count(True) == 1
    assert luhn_ok(digits + check)
