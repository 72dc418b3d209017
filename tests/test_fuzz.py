"""The fuzzer and its seed corpus: every corpus file gets its exit status, and a short fuzz run
(200 generated, mutated and hostile workbooks) finds no traceback, no hang, no changed input.

The long run is ``python -m tools.fuzz --count 10000 --seed 1 --out fuzz-ut --corpus
tests/fuzz_corpus`` (see docs/security.md); ``tools/make_fuzz_corpus.py`` rebuilds the corpus.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lumledger.cli import main
from tools import fuzz

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
EXPECTED: dict[str, int] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
SMALL_RUN = 200


def test_expected_lists_every_corpus_file() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.json")
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gets_its_exit_status(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copyfile(CORPUS / name, path)
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if EXPECTED[name] >= 0:
        assert result.exit_code == EXPECTED[name], result.output
    assert result.exit_code in (0, 1, 2)
    text = result.output + (result.stderr or "")
    assert "Traceback" not in text and fuzz.GENERIC_MESSAGE not in text
    if result.exit_code == 2:
        assert len((result.stderr or result.output).strip().splitlines()) == 1
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_cases_are_the_same_bytes_every_time() -> None:
    for index in range(40):
        first = fuzz.make_case(3, index, [CORPUS / "valid.xlsx"])
        again = fuzz.make_case(3, index, [CORPUS / "valid.xlsx"])
        assert (first.kind, first.name, first.data) == (again.kind, again.name, again.data)


def test_every_kind_of_case_is_generated() -> None:
    kinds = {fuzz.make_case(4, index).kind for index in range(60)}
    assert kinds == {"ledger", "rawxml", "mutate", "hostile", "form"}


def _valid_case() -> fuzz.Case:
    return fuzz.Case(
        index=0, kind="ledger", data=(CORPUS / "valid.xlsx").read_bytes(), name="l.xlsx"
    )


def test_harness_passes_a_valid_ledger(tmp_path: Path) -> None:
    outcome = fuzz.run_case(_valid_case(), tmp_path)
    assert outcome.problems == []
    assert outcome.exits["validate"] == 0


def test_harness_flags_the_generic_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lumledger.validation

    def broken(_path: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(lumledger.validation, "validate_path", broken)
    outcome = fuzz.run_case(_valid_case(), tmp_path)
    assert any("oväntat fel" in problem for problem in outcome.problems)


def test_harness_flags_a_changed_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lumledger.validation

    real = lumledger.validation.validate_path

    def writes(path: Any) -> Any:
        Path(path).write_bytes(Path(path).read_bytes() + b"x")
        return real(path)

    monkeypatch.setattr(lumledger.validation, "validate_path", writes)
    outcome = fuzz.run_case(_valid_case(), tmp_path)
    assert any("changed" in problem for problem in outcome.problems)


def test_small_fuzz_run(tmp_path: Path) -> None:
    """The CI-sized run of the documented command: no failure in 200 cases."""
    out = tmp_path / "fuzz"
    status = fuzz.main(
        [
            "--count",
            str(SMALL_RUN),
            "--seed",
            "2026",
            "--jobs",
            "2",
            "--out",
            str(out),
            "--corpus",
            str(CORPUS),
        ]
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["failures"] == [], json.dumps(summary["failures"], ensure_ascii=False)[:3000]
    assert status == 0
    assert summary["count"] == SMALL_RUN
    assert set(summary["by_kind"]) == {"ledger", "rawxml", "mutate", "hostile", "form"}
    statuses = {key.split(":")[1] for key in summary["exits"]}
    assert statuses == {"0", "1", "2"}
    assert not (out / "failures").exists()
