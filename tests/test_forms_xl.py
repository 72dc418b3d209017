"""The Excel button "Läs in blanketter" (issue 15) on xlwings' real engine, as the desktop host
runs it: Excel's file dialog and its OK/Avbryt box are the two things only desktop Excel answers,
so the book's ``app`` answers them here (a thin wrapper; every cell goes through the engine).
The cells written come back as the actions Excel would apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xl_actions as act
import xl_payload as pl
import xlwings as xw

from lumledger.ledger import Ledger
from lumledger.xl import buttons
from lumledger.xl import forms as xl_forms

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "tests" / "data" / "forms"
TEMPLATE = ROOT / "workbooks" / "lum-mall.xlsx"
PICKED = (
    str(FORMS / "ansokan-hv-2020-tabell.docx"),
    str(FORMS / "redovisning-hv-2021-tabell.docx"),
)


class _Com:
    def __init__(self, picked: Any) -> None:
        self.picked = picked
        self.asked: list[tuple[Any, ...]] = []

    def GetOpenFilename(self, *args: Any) -> Any:  # Excel's name
        self.asked.append(args)
        return self.picked


class _DesktopApp:
    """Desktop Excel's application: the file dialog and a message box that answers."""

    def __init__(self, picked: Any, answer: str) -> None:
        self.api = _Com(picked)
        self.answer = answer
        self.alerts: list[dict[str, Any]] = []

    def alert(self, prompt: str, title: str, buttons: str, mode: str) -> str:
        self.alerts.append({"prompt": prompt, "buttons": buttons, "mode": mode})
        return self.answer if buttons == "ok_cancel" else "ok"


class _DesktopBook:
    def __init__(self, book: Any, app: _DesktopApp) -> None:
        self._book = book
        self.app = app
        self.fullname = str(TEMPLATE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


@pytest.fixture
def desktop() -> Any:
    made: list[Any] = []

    def make(picked: Any, answer: str = "ok") -> tuple[_DesktopBook, dict[str, Any]]:
        payload = pl.payload_from_xlsx(TEMPLATE)
        book = xw.Book(json=dict(payload))
        made.append(book)
        return _DesktopBook(book, _DesktopApp(picked, answer)), pl.payload_from_xlsx(TEMPLATE)

    yield make
    for book in made:
        book.close()


def _ledger_after(book: _DesktopBook, payload: dict[str, Any]) -> Ledger:
    """The ledger as Excel holds it once it applied the returned actions."""
    model = act.WorkbookModel.from_payload(payload).apply(book.json()["actions"])
    after = xw.Book(json=model.to_payload())
    try:
        return buttons.read_book(after)
    finally:
        after.close()


def test_the_button_imports_the_picked_forms_into_the_live_book(desktop: Any) -> None:
    book, payload = desktop(PICKED)
    result = xl_forms.import_forms(book)
    assert result is not None and result.written
    assert book.app.api.asked[0][0] == xl_forms.FILE_FILTER
    question = book.app.alerts[0]
    assert question["buttons"] == "ok_cancel"
    assert "ansokan-hv-2020-tabell.docx (ansökan, 2020-P01): klar" in question["prompt"]
    assert "skrevs. Spara arbetsboken." in book.app.alerts[-1]["prompt"]
    ledger = _ledger_after(book, payload)
    app = ledger.application("2021-P01")
    assert app is not None and app.granted == 500_000 and app.project_year == 2
    assert [item.item for item in ledger.budget_items][:2] == [
        "Personalkostnader inkl. sociala avgifter",
        "Övriga kostnader",
    ]
    assert ledger.reports[0].attested == "Ja"


def test_cancelled_dialog_or_answer_writes_nothing(desktop: Any) -> None:
    book, _payload = desktop(False)
    assert xl_forms.import_forms(book) is None and book.app.alerts == []
    book, payload = desktop(PICKED, answer="cancel")
    result = xl_forms.import_forms(book)
    assert result is not None and not result.written
    assert book.app.alerts[-1]["prompt"] == "Inget ändrades."
    assert _ledger_after(book, payload).applications == []


def test_a_hostile_form_is_one_message_and_nothing_is_written(desktop: Any, tmp_path: Path) -> None:
    bad = tmp_path / "ond.docx"
    bad.write_bytes(b"PK\x03\x04 inte en zip")
    book, payload = desktop((str(bad),))
    buttons.guarded(book, xl_forms.import_forms)
    assert len(book.app.alerts) == 1 and book.app.alerts[0]["mode"] == "critical"
    assert "ond.docx" in book.app.alerts[0]["prompt"]
    assert _ledger_after(book, payload).applications == []
