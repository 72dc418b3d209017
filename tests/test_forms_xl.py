"""The Excel button "Läs in blanketter" (issue 15) with the stand-in book of tests/test_xl.py:
Excel's file dialog, the plan asked OK/Avbryt, the cells written through Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_xl import FakeBook

from lumledger import xl
from lumledger.workbook.reader import load_ledger
from lumledger.xl import forms as xl_forms

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "tests" / "data" / "forms"
TEMPLATE = ROOT / "workbooks" / "lum-mall.xlsx"
PICKED = (
    str(FORMS / "ansokan-hv-2020-tabell.docx"),
    str(FORMS / "redovisning-hv-2021-tabell.docx"),
)


class _Api:
    def __init__(self, picked: Any) -> None:
        self.picked = picked
        self.asked: list[tuple[Any, ...]] = []

    def GetOpenFilename(self, *args: Any) -> Any:  # Excel's name
        self.asked.append(args)
        return self.picked


def _book(picked: Any, answer: str = "ok") -> FakeBook:
    book = FakeBook.from_file(TEMPLATE)
    book.app.api = _Api(picked)  # type: ignore[attr-defined]
    book.app.answer = answer
    return book


def test_the_button_imports_the_picked_forms_into_the_live_book() -> None:
    book = _book(PICKED)
    result = xl_forms.import_forms(book)
    assert result is not None and result.written
    assert book.app.api.asked[0][0] == xl_forms.FILE_FILTER  # type: ignore[attr-defined]
    question = book.app.alerts[0]
    assert question["buttons"] == "ok_cancel"
    assert "ansokan-hv-2020-tabell.docx (ansökan, 2020-P01): klar" in question["prompt"]
    assert "skrevs. Spara arbetsboken." in book.app.alerts[-1]["prompt"]
    ledger = load_ledger(xl.XlwingsSource(book))
    app = ledger.application("2021-P01")
    assert app is not None and app.granted == 500_000 and app.project_year == 2
    assert [item.item for item in ledger.budget_items][:2] == [
        "Personalkostnader inkl. sociala avgifter",
        "Övriga kostnader",
    ]
    assert ledger.reports[0].attested == "Ja"


def test_cancelled_dialog_or_answer_writes_nothing() -> None:
    book = _book(False)
    assert xl_forms.import_forms(book) is None and book.app.alerts == []
    book = _book(PICKED, answer="cancel")
    result = xl_forms.import_forms(book)
    assert result is not None and not result.written
    assert book.app.alerts[-1]["prompt"] == "Inget ändrades."
    assert load_ledger(xl.XlwingsSource(book)).applications == []


def test_a_hostile_form_is_one_message_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "ond.docx"
    bad.write_bytes(b"PK\x03\x04 inte en zip")
    book = _book((str(bad),))
    xl.guarded(book, xl_forms.import_forms)
    assert len(book.app.alerts) == 1 and book.app.alerts[0]["mode"] == "critical"
    assert "ond.docx" in book.app.alerts[0]["prompt"]
    assert load_ledger(xl.XlwingsSource(book)).applications == []
