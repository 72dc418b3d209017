"""The columnar reader (issue 16) gives what the cell-by-cell reader gives, finding for finding.

``tools/compare_readers.py`` compares both readers' refusals, reading findings, frames and
validation findings; here on the small corpora (the fuzz corpus, the example, the template, a
generated ledger above the size where the columnar path takes over, and a few fuzz and hostile
cases). The full-height ledgers are compared by hand (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lumledger.ledger import match_key, match_keys
from lumledger.workbook.columnar import CELLS_PATH_BELOW_BYTES, read_columnar
from tools import compare_readers, ledgers


@pytest.mark.parametrize("path", compare_readers.small_files(), ids=lambda p: p.name)
def test_both_readers_agree_on_the_corpus_example_and_template(path: Path) -> None:
    result = compare_readers.compare_file(path)
    assert result.differences == []
    if path.name.startswith("lum-"):  # the columnar path really read them
        assert result.fallbacks == {}


def test_the_columnar_path_reads_the_example_without_a_fallback() -> None:
    ledger, stats = read_columnar(compare_readers.WORKBOOKS / "lum-exempel.xlsx", cells_below=0)
    assert stats.fallbacks == {}
    assert set(stats.fast_sheets) == set(ledger.sheets)


def test_a_ledger_above_the_threshold_is_read_by_columns_alike(tmp_path: Path) -> None:
    path = ledgers.write_ledger(tmp_path / "lum.xlsx", 2500)
    _ledger, stats = read_columnar(path)
    assert "*" not in stats.fallbacks and stats.fast_sheets  # large enough: by columns
    result = compare_readers.compare_file(path)
    assert result.differences == [] and result.validate_findings > 0


def test_a_small_ledger_is_read_cell_by_cell() -> None:
    _ledger, stats = read_columnar(compare_readers.WORKBOOKS / "lum-exempel.xlsx")
    assert stats.fallbacks == {"*": "small workbook: read cell by cell"}
    assert CELLS_PATH_BELOW_BYTES > 100_000


def test_both_readers_agree_on_fuzz_and_hostile_cases(tmp_path: Path) -> None:
    cases = [
        *compare_readers.fuzz_files(11, 40, tmp_path, hostile_only=False),
        *compare_readers.fuzz_files(11, 12, tmp_path, hostile_only=True),
    ]
    differing = {}
    for path in cases:
        result = compare_readers.compare_file(path)
        if result.differences:
            differing[path.name] = result.differences
    assert differing == {}


def test_the_tool_reports_a_difference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a reader that loses one finding is caught."""
    from lumledger.workbook import columnar

    original = columnar.read_columnar

    def losing(path: Path, **kwargs: object) -> object:
        ledger, stats = original(path, **kwargs)  # type: ignore[arg-type]
        ledger.findings = ledger.findings[1:]
        return ledger, stats

    monkeypatch.setattr(columnar, "read_columnar", losing)
    result = compare_readers.compare_file(compare_readers.CORPUS / "wrong-types.xlsx")
    assert any("only old" in line for line in result.differences)


def test_match_keys_of_a_column_equal_match_key_of_each_cell() -> None:
    texts = [" 2019-P01 ", "ÅSA", "Straße", "\x1cid\x1f", "a\u00a0", None, "", "MiXeD", "x y"]
    for dtype in ("str", object):
        series = pd.Series(texts, index=range(10, 10 + len(texts)), dtype=dtype)
        keys = match_keys(series)
        assert list(keys.index) == list(series.index)
        expected = [match_key(v) if isinstance(v, str) else v for v in texts]
        got = [None if pd.isna(v) else v for v in keys]
        assert got == expected
    assert match_key(" ÅSA ") == "åsa"
