"""The cyclic garbage collector is held off while large ledgers are built, and restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from lumledger import collector
from lumledger.reconciliation import reconcile
from lumledger.reports.rollup_tables import render_rollup_text
from lumledger.rollups import compute_rollup
from lumledger.workbook.reader import read_ledger

EXAMPLE = Path(__file__).resolve().parent.parent / "workbooks" / "lum-exempel.xlsx"


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_holds_the_collector_off_and_restores_it(collector_on: None) -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()


def test_paused_restores_the_collector_after_an_error(collector_on: None) -> None:
    with pytest.raises(ValueError), collector.paused():
        raise ValueError
    assert gc.isenabled()


def test_paused_leaves_a_disabled_collector_disabled() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_reading_rolling_up_and_reconciling_pause_it(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[bool] = []
    real_enable = gc.enable

    def recording_enable() -> None:
        states.append(gc.isenabled())
        real_enable()

    monkeypatch.setattr(gc, "enable", recording_enable)
    ledger = read_ledger(EXAMPLE)
    render_rollup_text(compute_rollup(ledger))
    reconcile(ledger)
    assert states == [False] * 4  # each was paused, and each restored the collector
    assert gc.isenabled()
