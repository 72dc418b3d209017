"""Progress reports (lumledger.progress) and the command line's bar (issue 8, part 3)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from lumledger import cli, progress
from lumledger.validation import validate_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "lum-exempel.xlsx"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_parts_nest_and_reports_reach_the_listener() -> None:
    seen: list[tuple[str, float]] = []
    progress.report("nobody listens", 0.5)  # no listener: nothing happens
    listener = lambda label, fraction: seen.append((label, fraction))  # noqa: E731
    with progress.listening(listener), progress.part(0.5, 1.0):
        progress.report("a", 0.0)
        with progress.part(0.5, 1.0):
            progress.report("b", 0.5)
        progress.report("c", 2.0)  # clamped
    assert seen == [("a", 0.5), ("b", 0.875), ("c", 1.0)]


def test_validation_reports_from_start_to_end_in_order() -> None:
    seen: list[tuple[str, float]] = []
    with progress.listening(lambda label, fraction: seen.append((label, fraction))):
        validate_path(EXAMPLE)
    fractions = [fraction for _label, fraction in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    labels = {label for label, _fraction in seen}
    assert {"Kontrollerar filen", "Läser Ansökningar", "Tolkar Ansökningar"} <= labels


def test_bar_is_drawn_on_a_terminal_once_the_work_takes_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    with cli.progress_bar():
        validate_path(EXAMPLE)
    drawn = terminal.getvalue()
    assert "Läser Ansökningar" in drawn and "100%" in drawn


def test_no_bar_for_short_work_or_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli.progress_bar():  # the example takes well under a second once imported
        progress.report("kort", 1.0)
    assert terminal.getvalue() == ""
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    with cli.progress_bar():
        validate_path(EXAMPLE)
    assert pipe.getvalue() == ""
