"""The cyclic garbage collector is held off while large ledgers are built, and restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from lumledger import collector
from lumledger.ledger import Ledger
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


def test_the_library_leaves_the_collector_to_its_caller(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    ledger = read_ledger(EXAMPLE)
    render_rollup_text(compute_rollup(ledger))
    reconcile(ledger)
    assert calls == []
    assert gc.isenabled()


@pytest.mark.parametrize("call", ["load", "validate", "rollup", "reconcile"])
def test_each_facade_call_pauses_the_collector_for_its_own_duration(
    collector_on: None, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    import lumledger
    from lumledger.workbook import reader

    states: list[bool] = []
    real_load = reader.load_ledger

    def recording_load(source: reader.CellSource) -> Ledger:
        states.append(gc.isenabled())
        return real_load(source)

    monkeypatch.setattr(reader, "load_ledger", recording_load)
    getattr(lumledger, call)(EXAMPLE)
    assert states == [False]
    assert gc.isenabled()


@pytest.mark.parametrize("command", ["validate", "rollup", "reconcile"])
def test_a_command_pauses_the_collector_once_around_all_its_work(
    collector_on: None, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    from click.testing import CliRunner

    from lumledger import cli
    from lumledger.workbook import reader

    states: list[bool] = []
    disabled: list[str] = []
    real_load = reader.load_ledger
    real_disable = gc.disable

    def recording_load(source: reader.CellSource) -> Ledger:
        states.append(gc.isenabled())
        return real_load(source)

    def counting_disable() -> None:
        disabled.append("disable")
        real_disable()

    monkeypatch.setattr(reader, "load_ledger", recording_load)
    monkeypatch.setattr(gc, "disable", counting_disable)
    result = CliRunner().invoke(cli.main, [command, str(EXAMPLE)])
    assert result.exit_code in (0, 1), result.output
    assert states == [False]  # the reading ran paused
    assert disabled == ["disable"]  # once, by the command
    assert gc.isenabled()
