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
from hypothesis import given, settings
from hypothesis import strategies as st

from lumledger.ledger import match_key, match_keys
from lumledger.workbook.columnar import CELLS_PATH_BELOW_BYTES, read_columnar
from tools import compare_readers, ledgers

# Letters and spaces the match keys treat specially: ASCII, Swedish, Latin-1 and beyond.
_KEY_ALPHABET = "aZ09-åÄöÉÿ×÷ßµİıΣςﬁ \t\n\x0b\x0c\r\x1c\x1f\x00\x85\xa0\u2028\u3000"


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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_KEY_ALPHABET)), max_size=30))
def test_match_keys_of_any_texts_equal_match_key_of_each_cell(texts: list[str | None]) -> None:
    """Arrow lowers the ASCII and Latin-1 texts as whole arrays; whatever the letters, the keys
    are :func:`match_key`'s (ß, µ, İ, no-break space … go one by one)."""
    from lumledger.ledger import match_keys

    expected = [None if v is None else match_key(v) for v in texts]
    for dtype in ("str", object):
        keys = match_keys(pd.Series(texts, dtype=dtype))
        assert [None if pd.isna(v) else v for v in keys] == expected


def _damage(path: Path, target: Path, *parts: str) -> Path:
    """A copy of ``path`` with a byte flipped in the middle of each part's packed data."""
    import zipfile

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        for name in parts:
            info = archive.getinfo(name)
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            data[start + info.compress_size // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def test_very_large_parts_are_checked_largest_first_while_the_worker_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At full height the worksheet parts are too large to check when the file is opened: the
    columnar path checks them largest first, each read by the worker as soon as it is checked.
    The ledger is the cell path's; a damaged part is refused as the whole check refuses it (the
    first damaged part in the workbook's order, not the first one checked)."""
    from lumledger.findings import LedgerReadError
    from lumledger.workbook import package, reader

    path = ledgers.write_ledger(tmp_path / "lum.xlsx", 2500)
    monkeypatch.setattr(package, "DEFER_SCAN_BYTES", 0)  # every worksheet part pending
    ledger, stats = read_columnar(path, cells_below=0)
    assert stats.fallbacks == {} and set(stats.fast_sheets) == set(ledger.sheets)
    assert compare_readers.compare_file(path).differences == []

    # Utbetalningar (sheet5) comes before Redovisningar (sheet6) in the workbook, which is
    # larger and so checked first.
    damaged = _damage(
        path, tmp_path / "skadad.xlsx", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml"
    )
    messages = []
    for read in (reader.read_ledger_by_cells, lambda p: read_columnar(p, cells_below=0)):
        with pytest.raises(LedgerReadError) as caught:
            read(damaged)
        messages.append(caught.value.message)
    assert "xl/worksheets/sheet5.xml" in messages[0]
    assert messages[1] == messages[0]
