"""Read filled-in LUM forms (.docx): the application and the financial report.

``read_form(path)`` recognises the form by its title ("Ansökan om medel för lokalt
utvecklingsprojekt …" or "Redovisning av LUM") and reads every field, whichever way the form
carries it:

- content controls tagged as in the blank forms of ``workbooks/blanketter/build.py`` (``w:sdt`` with
  ``w:tag``; check boxes as ``w14:checkbox``);
- a two-column table (label cell, value cell);
- paragraphs: a label paragraph with the value after it on the same line (space, colon or tab)
  or in the next paragraph(s).

Check boxes are read from content controls, legacy form fields (``w:ffData/w:checkBox``), the
characters ☒/☑/☐, Wingdings symbols and typed ``[X]``/``[ ]``. Labels are matched tolerantly
(case, diacritics such as "Ar" for "År", line wraps, small inflection differences).

Nothing raises: a form that cannot be read completely comes back with its problems field by
field (``Problem``), contradictions as ``warnings``, and a file that cannot be read at all with
``error`` set to one Swedish sentence. Money is ``int`` (whole kronor) or ``Decimal`` (öre).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element

from lumledger.forms.docx import DocxRefused, SafeDocx, open_docx_safely, parse_xml
from lumledger.money import AmountError, check_payment_account, format_kr, parse_amount_text

APPLICATION: Literal["ansökan"] = "ansökan"
REPORT: Literal["redovisning"] = "redovisning"
FormKind = Literal["ansökan", "redovisning"]
COSTS: Literal["Kostnader"] = "Kostnader"
INCOME: Literal["Intäkter"] = "Intäkter"
Section = Literal["Kostnader", "Intäkter"]

Amount = int | Decimal

CHECKED = "☒"
UNCHECKED = "☐"
MAX_DEPTH = 60  # nesting of tables, content controls and text boxes


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One budget or report line: section, label, amount, year (None: per year / whole period)."""

    section: Section
    label: str
    amount: Amount
    year: int | None = None
    note: str | None = None  # what the applicant wrote beside the label, e.g. "HBTQ utbildning"

    def as_tuple(self) -> tuple[str, str, Amount, int | None]:
        return (self.section, self.label, self.amount, self.year)


FieldValue = str | int | Decimal | dt.date | bool | list[int] | list[str] | list[BudgetLine] | None


@dataclass(frozen=True, slots=True)
class Problem:
    """A field that could not be read: its Swedish label, a Swedish message and the raw text."""

    field: str
    message: str
    raw: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f": '{self.raw}'" if self.raw else "")


@dataclass(slots=True)
class FormResult:
    path: str
    kind: FormKind | None
    fields: dict[str, FieldValue] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # "innehållskontroller", "tabell", "stycken"
    error: str | None = None  # the file could not be read at all: one Swedish sentence

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems

    def lines(self) -> list[str]:
        """A Swedish summary for the command line."""
        name = Path(self.path).name
        if self.error is not None:
            return [self.error]
        out = [f"{name}: {self.kind} ({self.encoding})"]
        for key, value in self.fields.items():
            if value is None or value == []:
                continue
            if isinstance(value, list) and value and isinstance(value[0], BudgetLine):
                for line in value:
                    assert isinstance(line, BudgetLine)
                    year = f" ({line.year})" if line.year else ""
                    note = f" [{line.note}]" if line.note else ""
                    out.append(f"  {key}: {line.section}: {line.label}{note}{year} = {line.amount}")
                continue
            text = str(value).replace("\n", " / ")
            out.append(f"  {key}: {text if len(text) <= 100 else text[:97] + '…'}")
        out += [f"  Problem: {p}" for p in self.problems]
        out += [f"  Varning: {w}" for w in self.warnings]
        return out

    def to_json(self) -> dict[str, object]:
        def conv(value: object) -> object:
            if isinstance(value, BudgetLine):
                return {
                    "del": value.section,
                    "post": value.label,
                    "belopp": conv(value.amount),
                    "år": value.year,
                    "not": value.note,
                }
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, list):
                return [conv(v) for v in value]
            return value

        return {
            "fil": Path(self.path).name,
            "blankett": self.kind,
            "kodning": self.encoding,
            "fel": self.error,
            "fält": {k: conv(v) for k, v in self.fields.items()},
            "problem": [
                {"fält": p.field, "meddelande": p.message, "text": p.raw} for p in self.problems
            ],
            "varningar": list(self.warnings),
        }


# --- the forms' fields ------------------------------------------------------------------------------

# Field key -> Swedish label (what a problem names). Order = the order of FormResult.fields.
APPLICATION_FIELDS: dict[str, str] = {
    "ar": "År (i rubriken)",
    "projektets_namn": "Projektets namn",
    "kontaktperson": "Kontaktperson",
    "kontaktperson_telefon": "Kontaktpersonens telefon",
    "kontaktperson_epost": "Kontaktpersonens e-post",
    "ansokan_avser_ar": "Ansökan avser år",
    "projektperiod_fran": "Projektperiod från",
    "projektperiod_till": "Projektperiod till",
    "tidigare_beviljat_belopp": "Tidigare beviljat belopp",
    "sokt_belopp": "Sökt belopp",
    "sokt_belopp_totalt": "Sökt belopp totalt",
    "huvudsokande_forvaltning": "Huvudsökande förvaltning",
    "forvaltning": "Förvaltning (kortnamn)",
    "huvudsokande_avdelning": "Huvudsökande avdelning och enhet",
    "huvudsokande_adress": "Huvudsökande adress",
    "medsokande": "Medsökande förvaltning(ar)",
    "bakgrund": "Bakgrund till projektet",
    "varfor_lum": "Varför behövs LUM-medel?",
    "projektets_syfte": "Projektets syfte",
    "effekt_invanare": "Effekter för invånare",
    "effekt_medarbetare": "Effekter för medarbetare",
    "effekt_forvaltningen": "Effekter för stadsdelsförvaltningen",
    "effekt_staden": "Effekter för staden som helhet",
    "metod_uppfoljning": "Metod och uppföljning",
    "jamstalldhet": "Jämställdhet och sammanhållet stöd",
    "budget": "Budget",
    "budget_summa_kostnader": "Summa kostnader",
    "budget_summa_intakter": "Summa intäkter",
    "egen_budget": "Egen budget",
    "kst": "KST, huvudsökande förvaltning",
    "betalkonto": "Postgiro/bankgiro",
    "undertecknad_namn": "Undertecknad av",
    "undertecknad_ort": "Ort för underskrift",
    "undertecknad_datum": "Datum för underskrift",
}

REPORT_FIELDS: dict[str, str] = {
    "projektets_namn": "Projektets namn",
    "beviljat_belopp": "Beviljat belopp",
    "ar": "År",
    "forvaltning_namn": "Stadsdelsförvaltningens namn",
    "forvaltning": "Förvaltning (kortnamn)",
    "avdelning_enhet": "Avdelning/enhet",
    "kontaktperson": "Kontaktperson",
    "kontaktperson_epost": "Kontaktpersonens e-post",
    "kontaktperson_telefon": "Kontaktpersonens telefon",
    "ansvarig_chef": "Ansvarig avdelnings-/enhetschef",
    "intygar_genomfort": "Intygande om genomförande (kryssruta)",
    "ej_forbrukat": "Ej förbrukade medel (kryssruta)",
    "ej_forbrukat_belopp": "Ej förbrukade medel, belopp",
    "undertecknad_namn": "Undertecknad av",
    "undertecknad_ort": "Ort för underskrift",
    "undertecknad_datum": "Datum för underskrift",
    "intakt_beviljat": "Intäkter: Beviljat belopp från socialnämnden",
    "intakt_egen_insats": "Intäkter: Egen insats",
    "intakt_ovriga": "Intäkter: Övriga intäkter",
    "intakt_summa": "Intäkter: Summa",
    "kostnad_personal": "Kostnader: Personalkostnader",
    "kostnad_personal_spec": "Kostnader: Personalkostnader, specifikation",
    "kostnad_administration": "Kostnader: Administrativa kostnader",
    "kostnad_administration_spec": "Kostnader: Administrativa kostnader, specifikation",
    "kostnad_utbildning": "Kostnader: Utbildningskostnader",
    "kostnad_utbildning_spec": "Kostnader: Utbildningskostnader, specifikation",
    "kostnad_ovriga": "Kostnader: Övriga kostnader",
    "kostnad_ovriga_spec": "Kostnader: Övriga kostnader, specifikation",
    "kostnad_summa": "Kostnader: Summa",
    "budget": "Ekonomisk redovisning (alla rader)",
}

DESCRIPTION_KEYS = (
    "bakgrund",
    "varfor_lum",
    "projektets_syfte",
    "effekt_invanare",
    "effekt_medarbetare",
    "effekt_forvaltningen",
    "effekt_staden",
    "metod_uppfoljning",
    "jamstalldhet",
)

# Budget lines: (section, line key) -> (canonical label, label variants). "summa" is the stated sum.
APPLICATION_LINES: dict[tuple[Section, str], tuple[str, tuple[str, ...]]] = {
    (COSTS, "personal"): (
        "Personalkostnader inkl. sociala avgifter",
        ("Personalkostnader inkl. sociala avgifter", "Personalkostnader"),
    ),
    (COSTS, "administration"): (
        "Administrativa kostnader",
        ("Administrativa kostnader (möteslokaler, förtäring, telefon)", "Administrativa kostnader"),
    ),
    (COSTS, "utbildning"): (
        "Utbildningskostnader",
        ("Utbildningskostnader (föreläsare, material)", "Utbildningskostnader"),
    ),
    (COSTS, "ovriga"): ("Övriga kostnader", ("Övriga kostnader",)),
    (COSTS, "summa"): ("Summa kostnader", ("Summa kostnader", "Summa")),
    (INCOME, "sokt"): (
        "Sökt belopp från Socialförvaltningen",
        ("Sökt belopp från Socialförvaltningen", "Sökt belopp från socialnämnden", "Sökt belopp"),
    ),
    (INCOME, "egen"): ("Egen budget", ("Egen budget", "Egen insats", "Egen finansiering")),
    (INCOME, "ovriga"): ("Övriga intäkter", ("Övriga intäkter",)),
    (INCOME, "summa"): ("Summa intäkter", ("Summa intäkter", "Summa")),
}
REPORT_LINES: dict[tuple[Section, str], tuple[str, tuple[str, ...]]] = {
    (INCOME, "beviljat"): (
        "Beviljat belopp från socialnämnden",
        (
            "Beviljat belopp från socialnämnden",
            "Beviljat belopp från Socialförvaltningen",
            "Beviljat belopp",
        ),
    ),
    (INCOME, "egen_insats"): ("Egen insats", ("Egen insats", "Egen budget")),
    (INCOME, "ovriga"): ("Övriga intäkter", ("Övriga intäkter",)),
    (INCOME, "summa"): ("Summa", ("Summa intäkter", "Summa")),
    (COSTS, "personal"): APPLICATION_LINES[(COSTS, "personal")],
    (COSTS, "administration"): (
        "Administrativa kostnader (möteslokaler, förtäring, telefon)",
        APPLICATION_LINES[(COSTS, "administration")][1],
    ),
    (COSTS, "utbildning"): (
        "Utbildningskostnader (föreläsare, material)",
        APPLICATION_LINES[(COSTS, "utbildning")][1],
    ),
    (COSTS, "ovriga"): ("Övriga kostnader", ("Övriga kostnader",)),
    (COSTS, "summa"): ("Summa", ("Summa kostnader", "Summa")),
}
# Content-control tags of budget amount cells (the blank forms): tag -> (section, line key).
APPLICATION_LINE_TAGS: dict[str, tuple[Section, str]] = {
    "kostnad_personal": (COSTS, "personal"),
    "kostnad_administration": (COSTS, "administration"),
    "kostnad_utbildning": (COSTS, "utbildning"),
    "kostnad_ovriga": (COSTS, "ovriga"),
    "summa_kostnader": (COSTS, "summa"),
    "intakt_sokt": (INCOME, "sokt"),
    "intakt_egen_budget": (INCOME, "egen"),
    "intakt_ovriga": (INCOME, "ovriga"),
    "summa_intakter": (INCOME, "summa"),
}
REPORT_LINE_TAGS: dict[str, tuple[Section, str]] = {
    "intakt_beviljat": (INCOME, "beviljat"),
    "intakt_egen_insats": (INCOME, "egen_insats"),
    "intakt_ovriga": (INCOME, "ovriga"),
    "intakt_summa": (INCOME, "summa"),
    "kostnad_personal": (COSTS, "personal"),
    "kostnad_administration": (COSTS, "administration"),
    "kostnad_utbildning": (COSTS, "utbildning"),
    "kostnad_ovriga": (COSTS, "ovriga"),
    "kostnad_summa": (COSTS, "summa"),
}


@dataclass(frozen=True, slots=True)
class _Label:
    key: str
    variants: tuple[str, ...]
    mode: str  # value | heading | check | region | section | tail
    region: str  # header | description | budget | footer | any


def _labels(kind: FormKind) -> list[_Label]:
    tail = _Label(
        "tail",
        (
            "Skicka ett undertecknat exemplar",
            "Skicka ett inscannat",
            "Samt e-post ett",
            "Har ni frågor",
            "Eventuella frågor besvaras",
            "Sammanfattning",
            "Innehållsförteckning",
            "Projektets slutrapportering",
        ),
        "tail",
        "any",
    )
    footer_sign = _Label("signatur", ("Undertecknad av",), "value", "footer")
    if kind == APPLICATION:
        return [
            _Label("projektets_namn", ("Projektets namn", "Projektnamn"), "value", "header"),
            _Label(
                "kontaktperson",
                (
                    "Kontaktperson för projektet, namn, tfn och e-post",
                    "Kontaktperson för projektet, namn, tfn och epost",
                    "Kontaktperson för projektet",
                    "Kontaktperson för person",
                    "Kontaktperson",
                ),
                "value",
                "header",
            ),
            _Label(
                "kontakt_detaljer",
                (
                    "Namn, tfn och epost",
                    "Namn, tfn och e-post",
                    "Namn, telefon och e-post",
                ),
                "value",
                "header",
            ),
            _Label(
                "ansokan_avser_ar",
                ("Ansökan avser år", "Ansökan avser projektår"),
                "value",
                "header",
            ),
            _Label(
                "projektperiod",
                ("Projektperiod (från – till)", "Projektperiod", "Projekttid", "Projektets period"),
                "value",
                "header",
            ),
            _Label(
                "tidigare_beviljat_belopp",
                (
                    "Tidigare beviljat belopp",
                    "Tidigare beviljat",
                    "Tidigare beviljade medel",
                ),
                "value",
                "header",
            ),
            _Label("sokt_belopp", ("Sökt belopp",), "value", "header"),
            _Label(
                "sokt_belopp_totalt",
                ("Sökt belopp totalt", "Totalt sökt belopp"),
                "value",
                "header",
            ),
            _Label(
                "huvudsokande",
                (
                    "Huvudsökande förvaltning, avdelning, enhet och adress",
                    "Huvudsökande förvaltning",
                ),
                "value",
                "header",
            ),
            _Label(
                "medsokande",
                (
                    "Medsökande förvaltning(ar), avdelning och enhet",
                    "Medsökande förvaltning(ar)",
                    "Medsökande förvaltning",
                    "Medsökande",
                ),
                "value",
                "header",
            ),
            _Label("", ("Projektbeskrivning",), "region", "description"),
            _Label("bakgrund", ("Bakgrund till projektet", "Bakgrund"), "heading", "description"),
            _Label(
                "varfor_lum",
                ("Varför behövs LUM-medel", "Varför behövs LUM medel"),
                "heading",
                "description",
            ),
            _Label("projektets_syfte", ("Projektets syfte", "Syfte"), "heading", "description"),
            _Label("", ("Effekter",), "heading", "description"),
            _Label("effekt_invanare", ("För invånare",), "heading", "description"),
            _Label("effekt_medarbetare", ("För medarbetare",), "heading", "description"),
            _Label(
                "effekt_forvaltningen",
                ("För stadsdelsförvaltningen", "För förvaltningen"),
                "heading",
                "description",
            ),
            _Label("effekt_staden", ("För staden som helhet",), "heading", "description"),
            _Label("metod_uppfoljning", ("Metod och uppföljning",), "heading", "description"),
            _Label(
                "jamstalldhet",
                ("Jämställdhet och sammanhållet stöd", "Jämställdhet"),
                "heading",
                "description",
            ),
            _Label("", ("Budget",), "region", "budget"),
            _Label(COSTS, ("Kostnader",), "section", "budget"),
            _Label(INCOME, ("Intäkter",), "section", "budget"),
            _Label(
                "kst", ("KST, huvudsökande förvaltning", "KST", "Kostnadsställe"), "value", "footer"
            ),
            _Label(
                "betalkonto",
                (
                    "Postgiro/bankgiro, huvudsökande förvaltning",
                    "Plusgiro/bankgiro, huvudsökande förvaltning",
                    "Postgiro/bankgiro",
                    "Plusgiro/bankgiro",
                    "Bankgiro/plusgiro",
                    "Bankgiro/postgiro",
                ),
                "value",
                "footer",
            ),
            footer_sign,
            tail,
        ]
    return [
        _Label("projektets_namn", ("Projektets namn", "Projektnamn"), "value", "header"),
        _Label("beviljat_belopp", ("Beviljat belopp",), "value", "header"),
        _Label("ar", ("År", "Redovisningsår", "Bidragsår", "Avser år"), "value", "header"),
        _Label(
            "forvaltning",
            (
                "Stadsdelsförvaltningens namn, avdelning/enhet",
                "Förvaltningens namn, avdelning/enhet",
                "Stadsdelsförvaltningens namn",
                "Förvaltningens namn",
            ),
            "value",
            "header",
        ),
        _Label(
            "kontaktperson",
            (
                "Kontaktperson för projektet, namn, e-post, tfn",
                "Kontaktperson för projektet",
                "Kontaktperson",
            ),
            "value",
            "header",
        ),
        _Label(
            "ansvarig_chef",
            (
                "Ansvarig avdelnings-/enhetschef, namn, befattning",
                "Ansvarig avdelnings-/enhetschef",
                "Ansvarig avdelningschef",
                "Ansvarig enhetschef",
                "Ansvarig chef",
            ),
            "value",
            "header",
        ),
        _Label("intygar_genomfort", ("Kryss i rutan intygar",), "check", "header"),
        _Label("ej_forbrukat", ("Kryss i rutan innebär",), "check", "header"),
        footer_sign,
        _Label("", ("Ekonomisk redovisning",), "region", "budget"),
        _Label(INCOME, ("Intäkter",), "section", "budget"),
        _Label(COSTS, ("Kostnader",), "section", "budget"),
        _Label("tail", ("Redovisning lämnas senast",), "tail", "any"),
        tail,
    ]


# Phrases that start a new field even in the middle of a paragraph (the report's signature line
# and check boxes are often one run-on line), with a check-box glyph just before them.
_INLINE_SPLIT_RE = re.compile(
    r"(?<![☒☐\s])\s*(?=(?:[☒☐]\s*)?Kryss i rutan\b)|(?<=\S)\s+(?=Undertecknad av\b)",
    re.IGNORECASE,
)

_APPLICATION_TITLE_RE = re.compile(
    r"^\W*ansokan\s+om\s+medel\s+for\s+lokal(?:a|t)?\s*utvecklingsprojekt\b\s*(?P<year>\d{4})?"
)
_REPORT_TITLE_RE = re.compile(r"^\W*redovisning\s+av\s+lum\b")
_COMPILATION_TITLE_RE = re.compile(r"^\W*redovisning\s+av\s+lokala\s+utvecklingsprojekt\b")


# --- text helpers ----------------------------------------------------------------------------------

_SPACES_RE = re.compile(r"[ \t\u00a0\u202f\u2009\u2007\u2002\u2003]+")
_TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: "Ansökan" -> "ansokan", "År" -> "ar"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def clean(text: str) -> str:
    """Lines trimmed, runs of spaces/tabs made one space, empty lines dropped."""
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _one_line(text: str) -> str:
    return " ".join(clean(text).split("\n"))


def _lev1(a: str, b: str) -> bool:
    """Whether a and b differ by at most one edit."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _token_eq(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 2:
        return True  # inflection: projekt/projektet, kostnad/kostnader
    return len(short) >= 5 and _lev1(a, b)


_VARIANT_TOKENS: dict[str, tuple[str, ...]] = {}


def _variant_tokens(variant: str) -> tuple[str, ...]:
    tokens = _VARIANT_TOKENS.get(variant)
    if tokens is None:
        tokens = tuple(fold(m.group()) for m in _TOKEN_RE.finditer(variant))
        _VARIANT_TOKENS[variant] = tokens
    return tokens


def _match_start(text: str, variants: Iterable[str]) -> tuple[int, int] | None:
    """(tokens matched, end offset) of the longest variant that starts ``text``, or None."""
    found = list(_TOKEN_RE.finditer(text[:400]))
    if not found:
        return None
    prefix = text[: found[0].start()]
    if any(ch.isalnum() for ch in prefix):
        return None
    folded = [fold(m.group()) for m in found]
    best: tuple[int, int] | None = None
    for variant in variants:
        tokens = _variant_tokens(variant)
        n = len(tokens)
        if n > len(folded) or (best is not None and n <= best[0]):
            continue
        if all(_token_eq(tokens[i], folded[i]) for i in range(n)):
            best = (n, found[n - 1].end())
    return best


_REST_LEAD_RE = re.compile(r"^[\s:)?,]*")


def _rest(text: str, end: int) -> str:
    return _REST_LEAD_RE.sub("", text[end:], count=1)


def _normalise_glyphs(text: str) -> str:
    text = text.replace("☑", CHECKED).replace("\u2612", CHECKED)
    text = re.sub(r"\[\s*[xX✓✔]\s*\]", CHECKED, text)
    return re.sub(r"\[\s*\]", UNCHECKED, text)


# --- the document as items -------------------------------------------------------------------------

W_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(el: Element) -> str:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    ns, _, local = tag[1:].partition("}")
    if ns in W_NS:
        return "w:" + local
    if ns == W14_NS:
        return "w14:" + local
    if ns == MC_NS:
        return "mc:" + local
    return "x:" + local


def _attr(el: Element | None, name: str) -> str | None:
    """A w:/w14: attribute whatever namespace flavour the file uses."""
    if el is None:
        return None
    for key, value in el.attrib.items():
        if key.rpartition("}")[2] == name:
            return value
    return None


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    for ch in el:
        if _q(ch) == name:
            return ch
    return None


_TRUE = ("1", "true", "on")
# Wingdings / Wingdings 2 check-box symbols (w:sym), by the last two hex digits of w:char.
_SYMBOLS = {
    "wingdings": {"78": CHECKED, "fe": CHECKED, "fd": CHECKED, "6f": UNCHECKED, "a8": UNCHECKED},
    "wingdings 2": {"53": CHECKED, "52": CHECKED, "54": CHECKED, "a3": UNCHECKED, "2a": UNCHECKED},
}


@dataclass(slots=True)
class Item:
    text: str
    source: str  # "p" (paragraph) or "row" (table row with two or more cells)


@dataclass(slots=True)
class Control:
    tag: str
    checkbox: bool
    checked: bool
    text: str  # "" when the control shows its placeholder


class _TooDeep(Exception):
    pass


class _Walker:
    """Turns w:body into items (paragraph texts, table rows as tab-joined cells)."""

    def __init__(self) -> None:
        self.tracked_changes = False

    def block(self, parent: Element, depth: int, out: list[Item]) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        for el in parent:
            name = _q(el)
            if name == "w:p":
                self.paragraph(el, depth, out)
            elif name == "w:tbl":
                self.table(el, depth, out)
            elif name == "w:sdt":
                pr = _child(el, "w:sdtPr")
                checkbox = _child(pr, "w14:checkbox")
                if checkbox is not None:
                    out.append(Item(_checkbox_glyph(checkbox), "p"))
                elif _child(pr, "w:showingPlcHdr") is None:
                    content = _child(el, "w:sdtContent")
                    if content is not None:
                        self.block(content, depth + 1, out)
            elif name in ("w:customXml", "w:ins", "w:moveTo", "w:smartTag"):
                self.block(el, depth + 1, out)
            elif name in ("w:del", "w:moveFrom"):
                self.tracked_changes = True
            elif name == "mc:AlternateContent":
                chosen = _child(el, "mc:Choice") or _child(el, "mc:Fallback")
                if chosen is not None:
                    self.block(chosen, depth + 1, out)

    def paragraph(self, p: Element, depth: int, out: list[Item]) -> None:
        buf: list[str] = []
        extra: list[Item] = []
        self.inline(p, depth + 1, buf, extra)
        out.append(Item("".join(buf), "p"))
        out.extend(extra)

    def table(self, tbl: Element, depth: int, out: list[Item]) -> None:
        for tr in self._rows(tbl, depth):
            cells: list[list[Item]] = []
            for tc in self._cells(tr, depth):
                sub: list[Item] = []
                self.block(tc, depth + 1, sub)
                cells.append(sub)
            filled = [c for c in cells if any(i.text.strip() for i in c)]
            if len(cells) >= 2 and len(filled) >= 2:
                out.append(Item("\t".join("\n".join(i.text for i in c) for c in cells), "row"))
            else:
                for c in filled:
                    out.extend(c)

    def _rows(self, tbl: Element, depth: int) -> Iterable[Element]:
        for el in tbl:
            name = _q(el)
            if name == "w:tr":
                yield el
            elif name in ("w:sdt", "w:customXml", "w:sdtContent"):
                if depth > MAX_DEPTH:
                    raise _TooDeep
                yield from self._rows(_child(el, "w:sdtContent") or el, depth + 1)

    def _cells(self, tr: Element, depth: int) -> Iterable[Element]:
        for el in tr:
            name = _q(el)
            if name == "w:tc":
                yield el
            elif name in ("w:sdt", "w:customXml", "w:sdtContent"):
                if depth > MAX_DEPTH:
                    raise _TooDeep
                yield from self._cells(_child(el, "w:sdtContent") or el, depth + 1)

    def inline(self, el: Element, depth: int, buf: list[str], extra: list[Item]) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        for ch in el:
            name = _q(ch)
            if name == "w:r":
                self.run(ch, depth, buf, extra)
            elif name == "w:sdt":
                pr = _child(ch, "w:sdtPr")
                checkbox = _child(pr, "w14:checkbox")
                if checkbox is not None:
                    buf.append(_checkbox_glyph(checkbox))
                elif _child(pr, "w:showingPlcHdr") is None:
                    content = _child(ch, "w:sdtContent")
                    if content is not None:
                        if any(_q(c) in ("w:p", "w:tbl") for c in content):
                            sub: list[Item] = []
                            self.block(content, depth + 1, sub)
                            buf.append("\n".join(i.text for i in sub))
                        else:
                            self.inline(content, depth + 1, buf, extra)
            elif name in (
                "w:hyperlink",
                "w:smartTag",
                "w:customXml",
                "w:ins",
                "w:moveTo",
                "w:fldSimple",
                "w:bdo",
                "w:dir",
            ):
                self.inline(ch, depth + 1, buf, extra)
            elif name in ("w:del", "w:moveFrom"):
                self.tracked_changes = True
            elif name == "mc:AlternateContent":
                chosen = _child(ch, "mc:Choice") or _child(ch, "mc:Fallback")
                if chosen is not None:
                    self.inline(chosen, depth + 1, buf, extra)

    def run(self, r: Element, depth: int, buf: list[str], extra: list[Item]) -> None:
        for ch in r:
            name = _q(ch)
            if name == "w:t":
                buf.append(ch.text or "")
            elif name in ("w:tab", "w:ptab"):
                buf.append("\t")
            elif name in ("w:br", "w:cr"):
                buf.append("\n")
            elif name == "w:noBreakHyphen":
                buf.append("-")
            elif name == "w:sym":
                font = (_attr(ch, "font") or "").casefold()
                char = (_attr(ch, "char") or "").casefold()[-2:]
                buf.append(_SYMBOLS.get(font, {}).get(char, ""))
            elif name == "w:fldChar":
                if _attr(ch, "fldCharType") == "begin":
                    checkbox = _child(_child(ch, "w:ffData"), "w:checkBox")
                    if checkbox is not None:
                        buf.append(_legacy_glyph(checkbox))
            elif name == "w:delText":
                self.tracked_changes = True
            elif name in ("w:drawing", "w:pict", "w:object", "mc:AlternateContent"):
                self._text_boxes(ch, depth + 1, extra)

    def _text_boxes(self, el: Element, depth: int, extra: list[Item]) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        if _q(el) == "mc:AlternateContent":
            chosen = _child(el, "mc:Choice") or _child(el, "mc:Fallback")
            if chosen is not None:
                self._text_boxes(chosen, depth + 1, extra)
            return
        for ch in el:
            if _q(ch) == "w:txbxContent":
                self.block(ch, depth + 1, extra)
            else:
                self._text_boxes(ch, depth + 1, extra)


def _checkbox_glyph(checkbox: Element) -> str:
    return (
        CHECKED
        if (_attr(_child(checkbox, "w14:checked"), "val") or "0").lower() in _TRUE
        else UNCHECKED
    )


def _legacy_glyph(checkbox: Element) -> str:
    """A legacy form-field check box: w:checked (no value = on) wins over w:default."""
    checked = _child(checkbox, "w:checked")
    if checked is not None:
        value = _attr(checked, "val")
        return CHECKED if value is None or value.lower() in _TRUE else UNCHECKED
    default = _attr(_child(checkbox, "w:default"), "val") or "0"
    return CHECKED if default.lower() in _TRUE else UNCHECKED


def _controls(root: Element) -> list[Control]:
    """Every tagged content control in document order, with its value."""
    found: list[Control] = []
    for sdt in root.iter():
        if _q(sdt) != "w:sdt":
            continue
        pr = _child(sdt, "w:sdtPr")
        tag = _attr(_child(pr, "w:tag"), "val")
        if not tag:
            continue
        checkbox = _child(pr, "w14:checkbox")
        if checkbox is not None:
            found.append(Control(tag, True, _checkbox_glyph(checkbox) == CHECKED, ""))
            continue
        text = ""
        content = _child(sdt, "w:sdtContent")
        if _child(pr, "w:showingPlcHdr") is None and content is not None:
            walker = _Walker()
            if any(_q(c) in ("w:p", "w:tbl", "w:tr", "w:tc") for c in content):
                sub: list[Item] = []
                if any(_q(c) == "w:tc" for c in content):
                    for tc in content:
                        walker.block(tc, 1, sub)
                else:
                    walker.block(content, 1, sub)
                text = "\n".join(i.text for i in sub)
            else:
                buf: list[str] = []
                walker.inline(content, 1, buf, [])
                text = "".join(buf)
        found.append(Control(tag, False, False, text))
    return found


# --- scanning items for labels ---------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    key: str
    parts: list[str]
    source: str

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@dataclass(slots=True)
class _RawLine:
    section: Section
    key: str | None  # a known line, or None for a line the applicant added
    label: str
    rest: str
    source: str


@dataclass(slots=True)
class _Scan:
    hits: dict[str, _Hit] = field(default_factory=dict)
    lines: list[_RawLine] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)


_AMOUNTISH_RE = re.compile(r"^\s*(?:[-–—]\s*$|[-−–]?\s*\d)")


def _scan(
    items: Sequence[Item],
    kind: FormKind,
    line_table: dict[tuple[Section, str], tuple[str, tuple[str, ...]]],
) -> _Scan:
    labels = _labels(kind)
    items = _join_wrapped_labels(
        items,
        [v for label in labels for v in label.variants]
        + [v for _c, variants in line_table.values() for v in variants],
    )
    scan = _Scan()
    region = "header"
    section: Section | None = None
    current: _Hit | None = None
    pending: _RawLine | None = None

    def allowed(label: _Label) -> bool:
        if label.mode == "tail" or label.mode in ("region", "section"):
            return True
        if label.region == "footer":
            return True
        if label.mode == "heading":
            return region in ("header", "description")
        return label.region == region

    for item in items:
        text = _normalise_glyphs(item.text)
        if not text.strip():
            continue
        for sub in (s for s in _INLINE_SPLIT_RE.split(text) if s and s.strip()):
            if region == "tail":
                break
            best: tuple[int, int, _Label] | None = None
            for label in labels:
                if not allowed(label):
                    continue
                match = _match_start(sub, label.variants)
                if match is None or (best is not None and match[0] <= best[0]):
                    continue
                if label.mode in ("heading", "region", "section") and not _stands_alone(
                    sub[match[1] :]
                ):
                    continue  # a heading stands alone (or before a tab/colon in a table row)
                best = (match[0], match[1], label)
            line = _match_line(sub, section, line_table) if section is not None else None
            if line is not None and section is not None and (best is None or line[0] >= best[0]):
                _n, end, key = line
                current = None
                rest = re.sub(r"^[ :)?,\u00a0]*", "", sub[end:])  # a tab stays: it marks the cell
                raw_line = _RawLine(section, key, _one_line(sub[:end]), rest, item.source)
                scan.lines.append(raw_line)
                pending = None if raw_line.rest.strip() else raw_line
                if key == "summa" and pending is None:
                    section = None
                continue
            if best is not None:
                _n, end, label = best
                pending = None
                current = None
                if label.mode == "tail":
                    region = "tail"
                    break
                if label.mode == "region":
                    region, section = label.region, None
                    continue
                if label.mode == "section":
                    region = "budget"
                    section = COSTS if label.key == COSTS else INCOME
                    continue
                if label.mode == "heading":
                    region = "description"
                if label.region == "footer":
                    section = None
                if not label.key or label.key in scan.hits:
                    continue
                rest = sub if label.mode == "check" else _rest(sub, end)
                current = _Hit(label.key, [rest] if rest.strip() else [], item.source)
                scan.hits[label.key] = current
                scan.sources[item.source] = scan.sources.get(item.source, 0) + 1
                continue
            if pending is not None:
                if _AMOUNTISH_RE.match(sub):
                    pending.rest = sub
                    if pending.key == "summa":
                        section = None
                pending = None
                if not _AMOUNTISH_RE.match(sub) and section is not None:
                    added = _unknown_line(sub, section, item.source)
                    if added is not None:
                        scan.lines.append(added)
                continue
            if section is not None:
                added = _unknown_line(sub, section, item.source)
                if added is not None:
                    scan.lines.append(added)
                continue
            if current is not None:
                current.parts.append(sub)
    return scan


def _join_wrapped_labels(items: Sequence[Item], variants: Sequence[str]) -> list[Item]:
    """Join a paragraph that is the first half of a label with the next one (a label hard-wrapped
    over two lines: "Kontaktperson för projektet, namn," / "e-post, tfn …")."""
    out: list[Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if (
            nxt is not None
            and item.source == nxt.source == "p"
            and "\t" not in item.text
            and item.text.strip()
            and nxt.text.strip()
        ):
            count = len(_TOKEN_RE.findall(item.text))
            alone = _match_start(item.text, variants)
            joined_text = item.text.rstrip() + " " + nxt.text.lstrip()
            joined = _match_start(joined_text, variants)
            if (
                count
                and joined is not None
                and joined[0] > count
                and (alone is None or alone[0] < joined[0])
            ):
                out.append(Item(joined_text, "p"))
                i += 2
                continue
        out.append(item)
        i += 1
    return out


def _stands_alone(rest: str) -> bool:
    return not rest.strip() or bool(re.match(r"^[ ]*[:?]?[ ]*[\t\n]|^\s*[:?]\s*$", rest))


def _match_line(
    text: str, section: Section, table: dict[tuple[Section, str], tuple[str, tuple[str, ...]]]
) -> tuple[int, int, str] | None:
    best: tuple[int, int, str] | None = None
    for (sec, key), (_canonical, variants) in table.items():
        if sec != section:
            continue
        match = _match_start(text, variants)
        if match is not None and (best is None or match[0] > best[0]):
            best = (match[0], match[1], key)
    return best


_LOOSE_LINE_RE = re.compile(r"^(?P<label>[^\d\t]*[^\W\d][^\d\t]*?)\s+(?P<amount>[-−–]?\s*\d.*)$")


def _unknown_line(text: str, section: Section, source: str) -> _RawLine | None:
    """A budget line the form does not print: ``label<TAB>amount`` or ``label amount``."""
    if "\t" in text:
        label, _, rest = text.partition("\t")
        if label.strip() and rest.strip():
            return _RawLine(section, None, _one_line(label), rest, source)
        return None
    match = _LOOSE_LINE_RE.match(text.strip())
    if match is None or _phrase(match["amount"]) is None:
        return None
    return _RawLine(section, None, _one_line(match["label"]), match["amount"], source)


# --- typed values ----------------------------------------------------------------------------------

_AMOUNT_PATTERN = (
    r"[-−–]?\s?\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,(?:\d{1,2}|-{1,2}))?"
    r"|[-−–]?\s?\d+(?:,(?:\d{1,2}|-{1,2}))?"
)
_UNIT = r"(?:\s*(?:kr\.?|kronor|sek|:-))?"
_PER_YEAR = r"(?:\s*(?:per\s+år|/\s*år|om\s+året|årligen))"
_PHRASE_RE = re.compile(
    rf"^(?P<amount>{_AMOUNT_PATTERN}){_UNIT}(?P<per>{_PER_YEAR})?\s*\.?"
    rf"(?:\s*(?:,|\.|;)?\s*(?:totalt|sammanlagt|totalt\s+sökt)\s*:?\s*(?P<total>{_AMOUNT_PATTERN})"
    rf"{_UNIT}(?:\s*(?:på|för|under)\s+(?:\w+|\d+)\s+år)?\s*\.?)?$",
    re.IGNORECASE,
)
_YEAR_AMOUNT_RE = re.compile(
    rf"^(?P<year>(?:19|20)\d\d)\s*[:=]?\s+(?P<amount>{_AMOUNT_PATTERN}){_UNIT}$", re.IGNORECASE
)
_NONE_WORDS = ("-", "–", "—", "inget", "inga", "ingen", "0 kr", "0")


@dataclass(frozen=True, slots=True)
class _Phrase:
    amount: Decimal | None
    total: Decimal | None = None
    per_year: bool = False
    by_year: tuple[tuple[int, Decimal], ...] = ()


def _decimal(text: str) -> Decimal | None:
    text = re.sub(r"^([-−–])\s+", r"\1", text.strip())
    try:
        value: Decimal = parse_amount_text(text)
    except AmountError:
        return None
    return value


def _phrase(text: str) -> _Phrase | None:
    """An amount as Swedish forms write it; None when it cannot be read."""
    value = _one_line(text).strip()
    bare = re.sub(r"\s*(?:kr\.?|kronor|sek|:-)$", "", fold(value).rstrip("."))
    if bare in _NONE_WORDS:
        return _Phrase(Decimal(0))
    match = _PHRASE_RE.match(value)
    if match is not None:
        amount = _decimal(match["amount"])
        total = _decimal(match["total"]) if match["total"] else None
        if amount is not None and (total is not None or not match["total"]):
            return _Phrase(amount, total, bool(match["per"]))
    segments = [s.strip() for s in re.split(r"[;\n]", text.replace("\t", " ")) if s.strip()]
    by_year: list[tuple[int, Decimal]] = []
    for seg in segments:
        m = _YEAR_AMOUNT_RE.match(_one_line(seg))
        amount = _decimal(m["amount"]) if m else None
        if m is None or amount is None:
            return None
        by_year.append((int(m["year"]), amount))
    return _Phrase(None, None, False, tuple(by_year)) if by_year else None


def _as_amount(value: Decimal) -> Amount:
    return int(value) if value == value.to_integral_value() else value


@dataclass(slots=True)
class _Out:
    """Fields, problems and warnings being collected for one form."""

    labels: dict[str, str]
    fields: dict[str, FieldValue] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, key: str, message: str, raw: str = "", label: str | None = None) -> None:
        self.problems.append(Problem(label or self.labels.get(key, key), message, _one_line(raw)))
        self.fields[key] = None

    def amount(self, key: str, raw: str, *, whole: bool, label: str | None = None) -> Amount | None:
        """A single amount (``-`` = 0); problems recorded under ``key``."""
        if not raw.strip():
            self.fields[key] = None
            return None
        phrase = _phrase(raw)
        if phrase is None or phrase.amount is None or phrase.total is not None:
            self.problem(key, "kunde inte tolkas", raw, label)
            return None
        return self._checked(key, phrase.amount, raw, whole=whole, label=label)

    def _checked(
        self, key: str, value: Decimal, raw: str, *, whole: bool, label: str | None = None
    ) -> Amount | None:
        if value < 0:
            self.problem(key, "beloppet får inte vara negativt", raw, label)
            return None
        if whole and value != value.to_integral_value():
            self.problem(key, "ska anges i hela kronor", raw, label)
            return None
        if value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.problem(key, "högst två decimaler (öre)", raw, label)
            return None
        result = _as_amount(value)
        self.fields[key] = result
        return result


_MONTHS = {
    "jan": 1,
    "januari": 1,
    "feb": 2,
    "februari": 2,
    "mar": 3,
    "mars": 3,
    "apr": 4,
    "april": 4,
    "maj": 5,
    "jun": 6,
    "juni": 6,
    "jul": 7,
    "juli": 7,
    "aug": 8,
    "augusti": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "okt": 10,
    "oktober": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_ISO_RE = re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_DATE_LONG_RE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+({_MONTH_RE})\.?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
_PERIOD_PART_RE = re.compile(
    rf"\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTH_RE})\.?\s+\d{{4}}|(?<!\d)\d{{4}}(?!\d)", re.IGNORECASE
)
_PERIOD_RESIDUE_RE = re.compile(
    r"^(?:\s|[-–—]|fr[åa]n|till|t\.?\s?o\.?\s?m\.?|och)*$", re.IGNORECASE
)


def _find_date(text: str) -> tuple[dt.date | None, str | None, tuple[int, int] | None]:
    """The first date in ``text``: (date, error, span)."""
    iso = _DATE_ISO_RE.search(text)
    long = _DATE_LONG_RE.search(text)
    first = min((m for m in (iso, long) if m is not None), key=lambda m: m.start(), default=None)
    if first is None:
        return None, None, None
    try:
        if first is iso:
            value = dt.date(int(first[1]), int(first[2]), int(first[3]))
        else:
            value = dt.date(int(first[3]), _MONTHS[first[2].lower()], int(first[1]))
    except ValueError:
        return None, "ogiltigt datum", first.span()
    return value, None, first.span()


def _period_part(text: str, *, end: bool) -> dt.date | None:
    text = text.strip().rstrip(".")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    m = re.fullmatch(rf"({_MONTH_RE})\.?\s+(\d{{4}})", text, re.IGNORECASE)
    if m:
        year, month = int(m[2]), _MONTHS[m[1].lower()]
        return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
    return None


def parse_period(text: str) -> tuple[dt.date, dt.date] | None:
    """``Jan 2020- dec 2022``, ``2020-01-01 – 2022-12-31``, ``2020–2022`` -> (from, to)."""
    value = _one_line(text)
    parts = list(_PERIOD_PART_RE.finditer(value))
    if len(parts) != 2:
        return None
    residue = _PERIOD_PART_RE.sub(" ", value)
    if not _PERIOD_RESIDUE_RE.match(residue):
        return None
    start = _period_part(parts[0].group(), end=False)
    stop = _period_part(parts[1].group(), end=True)
    if start is None or stop is None or stop < start:
        return None
    return start, stop


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?<![\w@])(?:\+46|0)[\d \-–()]{5,}\d(?![\w@])")
_CONTACT_LABEL_RE = re.compile(r"\b(?:namn|tfn|tel|telefon|e-?post|mejl|mail)\s*:", re.IGNORECASE)


def parse_contact(text: str) -> tuple[str | None, str | None, str | None]:
    """(name, phone, e-mail) from "Rebecca Hedenstedt 08-508 04 172 rebecca@…" in any order."""
    value = clean(text)
    email_m = _EMAIL_RE.search(value)
    email = email_m.group() if email_m else None
    if email_m:
        value = value[: email_m.start()] + "\n" + value[email_m.end() :]
    phone_m = _PHONE_RE.search(value)
    phone = None
    if phone_m and 7 <= len(re.sub(r"\D", "", phone_m.group())) <= 13:
        phone = _one_line(phone_m.group()).strip(" -–")
        value = value[: phone_m.start()] + "\n" + value[phone_m.end() :]
    value = _CONTACT_LABEL_RE.sub(" ", value)
    name = _one_line(value).strip(" ,;/-–")
    return (name or None), phone, email


_FORVALTNING_SUFFIX_RE = re.compile(
    r"\s+(?:stadsdelsförvaltning(?:en)?|stadsdelsnämnd(?:en)?|sdf|sdn)\s*$", re.IGNORECASE
)


def short_administration(full: str) -> str:
    """The ledger's short name: "Hässelby-Vällingby stadsdelsförvaltning" -> "Hässelby-Vällingby"."""
    return _FORVALTNING_SUFFIX_RE.sub("", full.strip()).strip()


_ADDRESS_RE = re.compile(
    r"^(?:box\s+\d+|.*\b\d{3}\s?\d{2}\s+\w+|.*\w+(?:gatan|vägen|gränd|plan|torg)\s+\d+)",
    re.IGNORECASE,
)


def _split_department(lines: list[str]) -> tuple[str | None, str | None]:
    """(avdelning/enhet, adress) from the lines after the administration's name."""
    dept: list[str] = []
    address: list[str] = []
    for line in lines:
        (address if address or _ADDRESS_RE.match(line) else dept).append(line)
    return (" ".join(dept) or None), (", ".join(address) or None)


_CAPTION_RE = re.compile(r"^(?:Figur|Figure|Tabell|Diagram)\s+\d+\b", re.IGNORECASE)


def _description(text: str) -> tuple[str | None, list[str]]:
    """Section text without figure captions and period-only lines; (text, period lines)."""
    kept: list[str] = []
    periods: list[str] = []
    for line in clean(text).split("\n"):
        if _CAPTION_RE.match(line):
            continue
        if parse_period(line) is not None:
            periods.append(line)
            continue
        kept.append(line)
    return ("\n".join(kept) or None), periods


_SIGN_NOISE_RE = re.compile(r"\b(?:namnförtydligande|underskrift|signatur)\b\s*:?", re.IGNORECASE)
_SIGN_PLACE_RE = re.compile(r"(?:^|\s)[Ii]\s+(?P<place>[A-ZÅÄÖ][\w-]+)(?:\s+den)?\s*,?\s*$")


def parse_signature(text: str) -> tuple[str | None, str | None, dt.date | None, str | None]:
    """(name, place, date, date error) from the "Undertecknad av …" block."""
    value = _one_line(text.replace("\t", " "))
    date, error, span = _find_date(value)
    if span is None:
        before, after = "", value
    else:
        before, after = value[: span[0]], value[span[1] :]
    place_m = _SIGN_PLACE_RE.search(before)
    place = place_m["place"] if place_m else None
    name = _one_line(_SIGN_NOISE_RE.sub(" ", after)).strip(" ,;:_") or None
    return name, place, date, error


# --- the two forms ---------------------------------------------------------------------------------


def _text_field(out: _Out, key: str, raw: str | None) -> None:
    value = clean(raw or "")
    out.fields[key] = value or None


def _year_field(out: _Out, key: str, raw: str) -> None:
    value = _one_line(raw)
    if not value:
        out.fields[key] = None
        return
    if re.fullmatch(r"(?:19|20)\d\d", value):
        out.fields[key] = int(value)
    else:
        out.problem(key, "kunde inte tolkas som ett år", raw)


def _date_field(out: _Out, key: str, raw: str) -> None:
    value = _one_line(raw)
    if not value:
        out.fields[key] = None
        return
    date, error, span = _find_date(value)
    if date is None or span is None or value[: span[0]].strip() or value[span[1] :].strip(" ."):
        out.problem(key, error or "kunde inte tolkas som ett datum (skriv ÅÅÅÅ-MM-DD)", raw)
        return
    out.fields[key] = date


def _email_field(out: _Out, key: str, raw: str) -> None:
    value = _one_line(raw)
    if not value:
        out.fields[key] = None
    elif _EMAIL_RE.fullmatch(value):
        out.fields[key] = value
    else:
        out.problem(key, "är ingen e-postadress", raw)


def _account_field(out: _Out, key: str, raw: str) -> None:
    value = _one_line(raw)
    if not value:
        out.fields[key] = None
        return
    check = check_payment_account(value)
    if not check.ok:
        out.problem(key, check.reason, raw)
        return
    number = re.sub(
        r"^(?:bankgiro|bankgironummer|bg|plusgiro|plusgironummer|postgiro|pg)[\s.:]*",
        "",
        value,
        flags=re.IGNORECASE,
    )
    out.fields[key] = f"{check.kind} {number}"


def _check_field(out: _Out, key: str, raw: str) -> None:
    text = _normalise_glyphs(raw)
    glyphs = [ch for ch in text if ch in (CHECKED, UNCHECKED)]
    if not glyphs:
        out.problem(key, "ingen kryssruta hittades", raw)
        return
    out.fields[key] = glyphs[0] == CHECKED


def _project_years(out: _Out, raw: str) -> None:
    text = _normalise_glyphs(clean(raw))
    box_first = [(g, n) for g, n in re.findall(r"([☒☐])\s*([1-3])(?!\d)", text)]
    box_after = [(g, n) for n, g in re.findall(r"(?<!\d)([1-3])\s*([☒☐])", text)]
    pairs = box_after if re.match(r"^\s*[1-3](?!\d)", text) and box_after else box_first
    if not pairs:
        if text:
            out.problem("ansokan_avser_ar", "ingen kryssruta hittades", raw)
        else:
            out.fields["ansokan_avser_ar"] = None
        return
    ticked = sorted({int(n) for g, n in pairs if g == CHECKED})
    if not ticked:
        out.problem("ansokan_avser_ar", "ingen ruta är kryssad", raw)
        return
    out.fields["ansokan_avser_ar"] = ticked
    if len(ticked) > 1:
        out.warnings.append(
            f"Flera projektår är kryssade ({', '.join(map(str, ticked))}); liggaren får "
            f"Projektår {ticked[0]}, kontrollera med sökande."
        )


def _budget(
    out: _Out,
    raw_lines: list[_RawLine],
    table: dict[tuple[Section, str], tuple[str, tuple[str, ...]]],
) -> tuple[list[BudgetLine], dict[tuple[str, str], Amount | None]]:
    """Budget lines and stated sums; problems for lines that cannot be read."""
    lines: list[BudgetLine] = []
    known: dict[tuple[str, str], Amount | None] = {}
    for raw in raw_lines:
        canonical = table[(raw.section, raw.key)][0] if raw.key else raw.label
        label = f"{raw.section}: {canonical}"
        rest = raw.rest.rstrip().lstrip(" \u00a0")
        note: str | None = None
        tabbed = "\t" in rest
        if tabbed:
            pieces = [p.strip() for p in rest.split("\t")]
            rest = pieces[-1]
            note = " ".join(p for p in pieces[:-1] if p) or None
        if rest and not tabbed and _phrase(rest) is None:
            m = re.match(r"^(?P<note>.*?[^\W\d][^\d]*?)\s+(?P<amount>[-−–]?\s?\d.*)$", rest)
            if m and _phrase(m["amount"]) is not None:
                note, rest = m["note"].strip(), m["amount"]
            elif raw.key and not re.search(r"\d", rest):
                note, rest = rest, ""
        if note is not None:
            note = _one_line(note).strip(" ,;:") or None
        if not rest:
            if raw.key:
                known.setdefault((raw.section, raw.key), None)
            continue
        phrase = _phrase(rest)
        if phrase is None:
            out.problems.append(Problem(label, "kunde inte tolkas", _one_line(rest)))
            continue
        entries = [(None, phrase.amount)] if phrase.amount is not None else list(phrase.by_year)
        for year, value in entries:
            assert value is not None
            if value < 0:
                out.problems.append(
                    Problem(label, "beloppet får inte vara negativt", _one_line(rest))
                )
                continue
            amount = _as_amount(value)
            if raw.key == "summa":
                known[(raw.section, "summa")] = amount
                continue
            lines.append(BudgetLine(raw.section, canonical, amount, year, note))
            if raw.key and year is None:
                known[(raw.section, raw.key)] = amount
        if raw.key and phrase.total is not None:
            known[(raw.section, raw.key + "_totalt")] = _as_amount(phrase.total)
    return lines, known


def _tag_map(controls: list[Control]) -> tuple[dict[str, Control], list[str]]:
    by_tag: dict[str, Control] = {}
    clashes: list[str] = []
    for control in controls:
        seen = by_tag.get(control.tag)
        if seen is not None and (seen.text, seen.checked) != (control.text, control.checked):
            clashes.append(control.tag)
        by_tag.setdefault(control.tag, control)
    return by_tag, clashes


def _sum_warning(out: _Out, what: str, stated: Amount | None, lines: list[Amount]) -> None:
    if stated is None or not lines:
        return
    total = sum((Decimal(v) for v in lines), Decimal(0))
    if total != stated:
        out.warnings.append(
            f"{what}: angiven summa {_kr(stated)} stämmer inte med raderna, som blir {_kr(total)}."
        )


def _kr(value: Amount | Decimal) -> str:
    text: str = format_kr(_as_amount(Decimal(value)), unit=True)
    return text


_DUE_RE = re.compile(
    rf"senast\s+(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_RE})\s+(?P<year>\d{{4}}|nästföljande\s+år|"
    r"året\s+efter\s+\w+)",
    re.IGNORECASE,
)


def _due_date_warnings(out: _Out, items: Sequence[Item], grant_year: int | None, what: str) -> None:
    """Warn where the form's own deadline sentence contradicts 28 February of the next year."""
    for item in items:
        text = _one_line(item.text)
        if "redovisning" not in fold(text) and "slutrapport" not in fold(text):
            continue
        for m in _DUE_RE.finditer(text):
            if not m["year"].isdigit():
                continue
            stated = f"{m['day']} {m['month']} {m['year']}"
            if grant_year is None:
                out.warnings.append(
                    f"Blanketten anger att redovisningen ska lämnas senast {stated}, men "
                    f"{what} saknas, så uppgiften kan inte kontrolleras mot regeln (28 februari "
                    "året efter bidragsåret)."
                )
                continue
            rule = dt.date(grant_year + 1, 2, 28)
            try:
                date = dt.date(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"]))
            except ValueError:
                date = None
            if date != rule:
                out.warnings.append(
                    f"Blanketten anger att den ekonomiska redovisningen ska lämnas senast "
                    f"{stated}, men regeln är 28 februari året efter bidragsåret: för "
                    f"bidragsåret {grant_year} senast {rule.isoformat()}. lumledger räknar med "
                    f"{rule.isoformat()}; kontrollera med sökande."
                )


def _read_application(
    out: _Out, items: Sequence[Item], title_year: int | None, controls: dict[str, Control]
) -> None:
    scan = _scan(items, APPLICATION, APPLICATION_LINES)
    hits = {k: h.text for k, h in scan.hits.items()}
    f = out.fields
    for key in APPLICATION_FIELDS:
        f[key] = None

    def given(tag: str) -> str | None:
        """The control's text when the form has that control, else None."""
        control = controls.get(tag)
        return None if control is None else control.text

    def raw(tag: str, hit: str | None = None) -> str:
        text = given(tag)
        return text if text is not None else hits.get(hit or tag, "")

    # Year: the title's, or the year control in the title.
    if given("ar") is not None:
        _year_field(out, "ar", raw("ar"))
    else:
        f["ar"] = title_year
    _text_field(out, "projektets_namn", raw("projektets_namn"))

    # Contact person: the name line and the "Namn, tfn och epost" block.
    name1, phone1, mail1 = parse_contact(hits.get("kontaktperson", ""))
    name2, phone2, mail2 = parse_contact(hits.get("kontakt_detaljer", ""))
    if name1 and name2 and fold(name1) != fold(name2):
        out.warnings.append(
            f"Kontaktpersonen heter {name1!r} på en rad och {name2!r} på en annan; "
            f"liggaren får {name1!r}."
        )
    f["kontaktperson"] = name1 or name2
    f["kontaktperson_telefon"] = phone1 or phone2
    f["kontaktperson_epost"] = mail1 or mail2
    if given("kontaktperson") is not None:
        _text_field(out, "kontaktperson", _one_line(raw("kontaktperson")))
    if given("kontaktperson_telefon") is not None:
        _text_field(out, "kontaktperson_telefon", _one_line(raw("kontaktperson_telefon")))
    if given("kontaktperson_epost") is not None:
        _email_field(out, "kontaktperson_epost", raw("kontaktperson_epost"))

    # Project year boxes.
    boxes = [controls.get(f"ansokan_avser_ar_{n}") for n in (1, 2, 3)]
    if any(b is not None for b in boxes):
        _project_years(
            out,
            " ".join(
                f"{CHECKED if b.checked else UNCHECKED} {n}"
                for n, b in zip((1, 2, 3), boxes, strict=True)
                if b is not None
            ),
        )
    elif "ansokan_avser_ar" in hits:
        _project_years(out, hits["ansokan_avser_ar"])

    # Amounts.
    out.amount("tidigare_beviljat_belopp", raw("tidigare_beviljat_belopp"), whole=True)
    applied = raw("sokt_belopp")
    if applied.strip():
        phrase = _phrase(applied)
        if phrase is None or phrase.amount is None:
            out.problem("sokt_belopp", "kunde inte tolkas", applied)
        else:
            out._checked("sokt_belopp", phrase.amount, applied, whole=True)
            if phrase.total is not None:
                out._checked(
                    "sokt_belopp_totalt",
                    phrase.total,
                    applied,
                    whole=True,
                    label=APPLICATION_FIELDS["sokt_belopp_totalt"],
                )
    total_raw = raw("sokt_belopp_totalt")
    if total_raw.strip():
        out.amount("sokt_belopp_totalt", total_raw, whole=True)

    # Main applicant and co-applicants.
    lines = clean(hits.get("huvudsokande", "")).split("\n") if hits.get("huvudsokande") else []
    if len(lines) == 1 and "," in lines[0]:
        head, _, tail = lines[0].partition(",")
        lines = [head.strip(), tail.strip()]
    if lines:
        f["huvudsokande_forvaltning"] = lines[0]
        f["huvudsokande_avdelning"], f["huvudsokande_adress"] = _split_department(lines[1:])
    for key in ("huvudsokande_forvaltning", "huvudsokande_avdelning", "huvudsokande_adress"):
        if given(key) is not None:
            _text_field(out, key, _one_line(raw(key)))
    admin = f["huvudsokande_forvaltning"]
    f["forvaltning"] = short_administration(admin) if isinstance(admin, str) else None
    co_raw = given("medsokande") if given("medsokande") is not None else hits.get("medsokande")
    if co_raw is not None:
        names = [n.strip() for n in re.split(r"[\n;]", clean(co_raw)) if n.strip()]
        f["medsokande"] = [
            n for n in names if fold(n).rstrip(".") not in (*_NONE_WORDS, "nej", "saknas")
        ]

    # Description sections; a line that is only a period ("Jan 2020- dec 2022") is the period.
    free_periods: list[tuple[str, str]] = []
    for key in DESCRIPTION_KEYS:
        section_raw = given(key) if given(key) is not None else hits.get(key)
        if section_raw is None:
            continue
        text, periods = _description(section_raw)
        f[key] = text
        free_periods += [(key, p) for p in periods]

    # Project period.
    period_from = controls.get("projektperiod_fran")
    period_to = controls.get("projektperiod_till")
    if period_from is not None or period_to is not None:
        for key, control, end in (
            ("projektperiod_fran", period_from, False),
            ("projektperiod_till", period_to, True),
        ):
            if control is None or not control.text.strip():
                continue
            value = _period_part(_one_line(control.text), end=end)
            if value is None:
                out.problem(key, "kunde inte tolkas som ett datum (skriv ÅÅÅÅ-MM-DD)", control.text)
            else:
                f[key] = value
    elif "projektperiod" in hits:
        parsed = parse_period(hits["projektperiod"])
        if parsed is None:
            out.problem(
                "projektperiod_fran",
                "kunde inte tolkas som en period",
                hits["projektperiod"],
                label="Projektperiod",
            )
            f["projektperiod_till"] = None
        else:
            f["projektperiod_fran"], f["projektperiod_till"] = parsed
    elif free_periods:
        key, line = free_periods[0]
        parsed = parse_period(line)
        assert parsed is not None
        f["projektperiod_fran"], f["projektperiod_till"] = parsed
        out.warnings.append(
            f"Projektperioden ({parsed[0].isoformat()} – {parsed[1].isoformat()}) står inte i ett "
            f"eget fält utan lästes ur raden {line!r} under {APPLICATION_FIELDS[key]!r}; "
            "kontrollera den."
        )

    # Budget.
    tagged = [tag for tag in controls if tag in APPLICATION_LINE_TAGS]
    if tagged:
        raw_lines = [
            _RawLine(*APPLICATION_LINE_TAGS[t], "", controls[t].text, "cc") for t in tagged
        ]
        raw_lines += [line for line in scan.lines if line.key is None]
    else:
        raw_lines = scan.lines
    budget, known = _budget(out, raw_lines, APPLICATION_LINES)
    f["budget"] = budget
    f["budget_summa_kostnader"] = known.get((COSTS, "summa"))
    f["budget_summa_intakter"] = known.get((INCOME, "summa"))
    f["egen_budget"] = known.get((INCOME, "egen"))

    # Footer.
    _text_field(out, "kst", _one_line(raw("kst")))
    _account_field(out, "betalkonto", raw("betalkonto"))
    _signature(out, hits.get("signatur"), controls)

    # Required fields and cross-checks.
    for key in ("projektets_namn", "huvudsokande_forvaltning", "sokt_belopp", "ar"):
        if f.get(key) is None and not any(p.field == APPLICATION_FIELDS[key] for p in out.problems):
            out.problem(key, "saknas" if key != "ar" else "saknas i rubriken")
    applied_year = f.get("sokt_belopp")
    income_applied = known.get((INCOME, "sokt"))
    if (
        isinstance(applied_year, int)
        and income_applied is not None
        and income_applied != applied_year
    ):
        out.warnings.append(
            f"Sökt belopp är {_kr(applied_year)} per år men budgetens intäktsrad "
            f"'Sökt belopp' är {_kr(income_applied)}."
        )
    income_total = known.get((INCOME, "sokt_totalt"))
    total = f.get("sokt_belopp_totalt")
    if isinstance(total, int) and income_total is not None and income_total != total:
        out.warnings.append(
            f"Sökt belopp totalt är {_kr(total)} men budgeten anger totalt {_kr(income_total)}."
        )
    start, stop = f.get("projektperiod_fran"), f.get("projektperiod_till")
    if (
        isinstance(total, int)
        and isinstance(applied_year, int)
        and isinstance(start, dt.date)
        and isinstance(stop, dt.date)
    ):
        years = stop.year - start.year + 1
        if applied_year * years != total:
            out.warnings.append(
                f"Sökt belopp totalt ({_kr(total)}) är inte {years} år × {_kr(applied_year)} "
                f"enligt projektperioden {start.year}–{stop.year}."
            )
    per_year = [b for b in budget if b.year is None]
    _sum_warning(
        out,
        "Budgetens kostnader",
        known.get((COSTS, "summa")),
        [b.amount for b in per_year if b.section == COSTS],
    )
    _sum_warning(
        out,
        "Budgetens intäkter",
        known.get((INCOME, "summa")),
        [b.amount for b in per_year if b.section == INCOME],
    )
    costs, income = known.get((COSTS, "summa")), known.get((INCOME, "summa"))
    if costs is not None and income is not None and costs != income:
        out.warnings.append(
            f"Budgeten går inte ihop: kostnader {_kr(costs)}, intäkter {_kr(income)}."
        )
    year = f.get("ar")
    _due_date_warnings(out, items, year if isinstance(year, int) else None, "ansökans år")


def _signature(out: _Out, raw: str | None, controls: dict[str, Control]) -> None:
    if raw is not None:
        name, place, date, error = parse_signature(raw)
        out.fields["undertecknad_namn"] = name
        out.fields["undertecknad_ort"] = place
        if error:
            out.problem("undertecknad_datum", error, raw)
        else:
            out.fields["undertecknad_datum"] = date
    if "undertecknad_namn" in controls:
        _text_field(out, "undertecknad_namn", _one_line(controls["undertecknad_namn"].text))
    if "undertecknad_ort" in controls:
        _text_field(out, "undertecknad_ort", _one_line(controls["undertecknad_ort"].text))
    if "undertecknad_datum" in controls:
        _date_field(out, "undertecknad_datum", controls["undertecknad_datum"].text)


_UNSPENT_RE = re.compile(
    r"Socialförvaltningen\s*:\s*(?P<amount>.*?)\s*(?:kr\.?|kronor)?\s*\.?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _read_report(out: _Out, items: Sequence[Item], controls: dict[str, Control]) -> None:
    scan = _scan(items, REPORT, REPORT_LINES)
    hits = {k: h.text for k, h in scan.hits.items()}
    f = out.fields
    for key in REPORT_FIELDS:
        f[key] = None

    def raw(tag: str, hit: str | None = None) -> str:
        control = controls.get(tag)
        return control.text if control is not None else hits.get(hit or tag, "")

    _text_field(out, "projektets_namn", raw("projektets_namn"))
    out.amount("beviljat_belopp", raw("beviljat_belopp"), whole=False)
    _year_field(out, "ar", raw("ar"))
    if "forvaltning" in hits:
        text = _one_line(hits["forvaltning"])
        head, _, tail = text.partition(",")
        f["forvaltning_namn"] = head.strip() or None
        f["avdelning_enhet"] = tail.strip() or None
    for key in ("forvaltning_namn", "avdelning_enhet"):
        if key in controls:
            _text_field(out, key, _one_line(controls[key].text))
    full = f["forvaltning_namn"]
    f["forvaltning"] = short_administration(full) if isinstance(full, str) else None
    name, phone, mail = parse_contact(hits.get("kontaktperson", ""))
    f["kontaktperson"], f["kontaktperson_telefon"], f["kontaktperson_epost"] = name, phone, mail
    if "kontaktperson" in controls:
        _text_field(out, "kontaktperson", _one_line(controls["kontaktperson"].text))
    if "kontaktperson_telefon" in controls:
        _text_field(out, "kontaktperson_telefon", _one_line(controls["kontaktperson_telefon"].text))
    if "kontaktperson_epost" in controls:
        _email_field(out, "kontaktperson_epost", controls["kontaktperson_epost"].text)
    _text_field(out, "ansvarig_chef", _one_line(raw("ansvarig_chef")))

    # Check boxes and the unspent amount.
    for key in ("intygar_genomfort", "ej_forbrukat"):
        if key in controls:
            f[key] = controls[key].checked
        elif key in hits:
            _check_field(out, key, hits[key])
        else:
            out.problem(key, "kryssrutan hittades inte i blanketten")
    if "ej_forbrukat_belopp" in controls:
        unspent_raw = controls["ej_forbrukat_belopp"].text
    else:
        m = _UNSPENT_RE.search(hits.get("ej_forbrukat", ""))
        unspent_raw = m["amount"] if m else ""
    unspent_raw = unspent_raw.strip().strip("_").strip()
    if unspent_raw:
        out.amount("ej_forbrukat_belopp", unspent_raw, whole=False)

    _signature(out, hits.get("signatur"), controls)

    # The financial report.
    tagged = {tag: c for tag, c in controls.items() if tag in REPORT_LINE_TAGS}
    if tagged:
        raw_lines = []
        for tag, control in tagged.items():
            section, key = REPORT_LINE_TAGS[tag]
            spec = controls.get(tag + "_spec")
            rest = (
                control.text
                if spec is None or not spec.text.strip()
                else f"{spec.text}\t{control.text}"
            )
            raw_lines.append(_RawLine(section, key, "", rest, "cc"))
        raw_lines += [line for line in scan.lines if line.key is None]
    else:
        raw_lines = scan.lines
    budget, known = _budget(out, raw_lines, REPORT_LINES)
    f["budget"] = budget
    for (section, key), target in (
        ((INCOME, "beviljat"), "intakt_beviljat"),
        ((INCOME, "egen_insats"), "intakt_egen_insats"),
        ((INCOME, "ovriga"), "intakt_ovriga"),
        ((INCOME, "summa"), "intakt_summa"),
        ((COSTS, "personal"), "kostnad_personal"),
        ((COSTS, "administration"), "kostnad_administration"),
        ((COSTS, "utbildning"), "kostnad_utbildning"),
        ((COSTS, "ovriga"), "kostnad_ovriga"),
        ((COSTS, "summa"), "kostnad_summa"),
    ):
        if not any(
            p.field == f"{section}: {REPORT_LINES[(section, key)][0]}" for p in out.problems
        ):
            f[target] = known.get((section, key))
    for line in budget:
        for key in ("personal", "administration", "utbildning", "ovriga"):
            if line.section == COSTS and line.label == REPORT_LINES[(COSTS, key)][0] and line.note:
                f[f"kostnad_{key}_spec"] = line.note
    for line in budget:
        known_labels = {v[0] for (s, _k), v in REPORT_LINES.items() if s == line.section}
        if line.label not in known_labels:
            out.warnings.append(
                f"{line.section}: raden {line.label!r} ({_kr(line.amount)}) finns inte i "
                "blanketten och hamnar inte i någon kolumn i Redovisningar; kontrollera den."
            )

    # Required fields and cross-checks.
    for key in ("projektets_namn", "ar", "undertecknad_datum"):
        if f.get(key) is None and not any(p.field == REPORT_FIELDS[key] for p in out.problems):
            out.problem(key, "saknas")
    income_lines = [f[k] for k in ("intakt_beviljat", "intakt_egen_insats", "intakt_ovriga")]
    cost_lines = [
        f[k]
        for k in (
            "kostnad_personal",
            "kostnad_administration",
            "kostnad_utbildning",
            "kostnad_ovriga",
        )
    ]
    _sum_warning(
        out,
        "Intäkter",
        f["intakt_summa"],  # type: ignore[arg-type]
        [v for v in income_lines if isinstance(v, int | Decimal)],
    )
    _sum_warning(
        out,
        "Kostnader",
        f["kostnad_summa"],  # type: ignore[arg-type]
        [v for v in cost_lines if isinstance(v, int | Decimal)],
    )
    granted, granted_line = f["beviljat_belopp"], f["intakt_beviljat"]
    if (
        isinstance(granted, int | Decimal)
        and isinstance(granted_line, int | Decimal)
        and granted != granted_line
    ):
        out.warnings.append(
            f"Beviljat belopp överst ({_kr(granted)}) skiljer sig från intäktsraden "
            f"'Beviljat belopp från socialnämnden' ({_kr(granted_line)})."
        )
    if f["intygar_genomfort"] is False:
        out.warnings.append(
            "Rutan som intygar att projektet har genomförts enligt beslut om projektplan och "
            "budget är inte kryssad."
        )
    if (
        f["ej_forbrukat"] is True
        and f["ej_forbrukat_belopp"] is None
        and not any(p.field == REPORT_FIELDS["ej_forbrukat_belopp"] for p in out.problems)
    ):
        out.problem(
            "ej_forbrukat_belopp",
            "rutan för ej förbrukade medel är kryssad men beloppet som ska betalas tillbaka saknas",
        )
    if f["ej_forbrukat"] is False and f["ej_forbrukat_belopp"] not in (None, 0):
        out.warnings.append(
            f"Ett belopp att betala tillbaka ({_kr(f['ej_forbrukat_belopp'])}) är ifyllt men "  # type: ignore[arg-type]
            "rutan för ej förbrukade medel är inte kryssad."
        )
    year, signed = f["ar"], f["undertecknad_datum"]
    if isinstance(year, int) and isinstance(signed, dt.date):
        due = dt.date(year + 1, 2, 28)
        if signed > due:
            out.warnings.append(
                f"Redovisningen för {year} är undertecknad {signed.isoformat()}, efter sista dag "
                f"{due.isoformat()} (28 februari året efter bidragsåret)."
            )
        elif signed.year < year:
            out.warnings.append(
                f"Redovisningen för {year} är undertecknad redan {signed.isoformat()}, före "
                "bidragsåret; kontrollera året."
            )
    _due_date_warnings(out, items, year if isinstance(year, int) else None, "redovisningens år")


# --- entry point -----------------------------------------------------------------------------------


def _detect(
    items: Sequence[Item], extra_titles: Sequence[str]
) -> tuple[FormKind | None, int | None, bool, int]:
    """(kind, year in the title, looks like a compilation, index of the first item after the
    title) from the first paragraphs, or the page headers."""
    candidates = [(i + 1, item.text) for i, item in enumerate(items[:40])]
    candidates += [(0, text) for text in extra_titles]
    for after, text in candidates:
        folded = " ".join(fold(text).split())
        m = _APPLICATION_TITLE_RE.match(folded)
        if m:
            return APPLICATION, int(m["year"]) if m["year"] else None, False, after
        if _REPORT_TITLE_RE.match(folded):
            return REPORT, None, False, after
        if _COMPILATION_TITLE_RE.match(folded):
            return REPORT, None, True, after
    return None, None, False, 0


def _headers(doc: SafeDocx) -> list[str]:
    """Paragraph texts of the page headers: some forms print their title there."""
    texts: list[str] = []
    for name, xml in doc.headers:
        items: list[Item] = []
        _Walker().block(parse_xml(xml, name), 0, items)
        texts += [i.text for i in items[:10]]
    return texts


def read_form(path: str | Path) -> FormResult:
    """Read one filled-in form. Never raises: see ``FormResult.error`` and ``problems``."""
    shown = Path(path).name
    try:
        return _read_form(Path(path))
    except DocxRefused as exc:
        return FormResult(str(path), None, error=exc.message)
    except _TooDeep:
        return FormResult(
            str(path),
            None,
            error=(
                f"Filen {shown} är orimligt djupt nästlad (tabeller eller innehållskontroller i "
                "varandra) och läses inte; den kan vara konstruerad."
            ),
        )
    except RecursionError:
        return FormResult(
            str(path),
            None,
            error=(
                f"Filen {shown} är orimligt djupt nästlad och läses inte; den kan vara konstruerad."
            ),
        )
    except MemoryError:
        return FormResult(str(path), None, error=f"Filen {shown} är för stor för att läsas.")
    except Exception as exc:
        return FormResult(
            str(path),
            None,
            error=(
                f"Blanketten {shown} kunde inte läsas på grund av ett oväntat fel "
                f"({type(exc).__name__}); spara den i Word och försök igen, eller rapportera felet."
            ),
        )


def _read_form(path: Path) -> FormResult:
    doc = open_docx_safely(path)
    root = parse_xml(doc.document_xml, path.name)
    body = next((el for el in root if _q(el) == "w:body"), None)
    if body is None:
        raise DocxRefused(
            f"Filen {path.name} är ett Word-dokument utan innehåll (w:body saknas); "
            "öppna den i Word och spara den igen."
        )
    walker = _Walker()
    items: list[Item] = []
    walker.block(body, 0, items)
    kind, title_year, compilation, after = _detect(items, _headers(doc))
    items = items[after:]
    result = FormResult(str(path), kind)
    if kind is None:
        result.error = (
            f"Filen {path.name} är ingen LUM-blankett som kan läsas in: rubriken "
            "'Ansökan om medel för lokalt utvecklingsprojekt' eller 'Redovisning av LUM' saknas."
        )
        return result
    by_tag, clashes = _tag_map(_controls(root))
    labels = APPLICATION_FIELDS if kind == APPLICATION else REPORT_FIELDS
    out = _Out(labels)
    known_tags = _known_tags(kind)
    controls = {tag: c for tag, c in by_tag.items() if tag in known_tags}
    if kind == APPLICATION:
        _read_application(out, items, title_year, controls)
    else:
        _read_report(out, items, controls)
        if compilation and out.fields.get("ar") is None and not out.fields.get("budget"):
            result.kind = None
            result.error = (
                f"Filen {path.name} är en sammanställning av redovisningar (en bilaga), inte en "
                "ifylld redovisningsblankett; läs in varje projekts blankett för sig."
            )
            return result
    for tag in clashes:
        if tag in known_tags:
            out.warnings.append(
                f"Fältet {tag!r} finns flera gånger i blanketten med olika innehåll; det första "
                "används."
            )
    if walker.tracked_changes:
        out.warnings.append(
            "Blanketten har spårade ändringar; den är läst som om alla ändringar vore godkända."
        )
    out.warnings[:0] = doc.notes
    result.fields = out.fields
    result.problems = out.problems
    result.warnings = out.warnings
    if controls:
        result.encoding = "innehållskontroller"
    else:
        rows, paragraphs = _sources(items, kind)
        result.encoding = "tabell" if rows > paragraphs else "stycken"
    return result


def _sources(items: Sequence[Item], kind: FormKind) -> tuple[int, int]:
    scan = _scan(items, kind, APPLICATION_LINES if kind == APPLICATION else REPORT_LINES)
    return scan.sources.get("row", 0), scan.sources.get("p", 0)


def _known_tags(kind: FormKind) -> set[str]:
    if kind == APPLICATION:
        return (
            set(APPLICATION_FIELDS)
            | set(APPLICATION_LINE_TAGS)
            | {f"ansokan_avser_ar_{n}" for n in (1, 2, 3)}
        )
    return set(REPORT_FIELDS) | set(REPORT_LINE_TAGS)
