"""Build the blank LUM forms and the filled test fixtures as .docx, byte-for-byte reproducibly.

``python workbooks/blanketter/build.py`` writes the two blank forms into ``workbooks/blanketter/``
and the six filled fixtures into ``tests/data/forms/`` (``-o DIR`` writes all eight into ``DIR``);
the wording comes from the seeds' texts copied into ``workbooks/blanketter/kallor/``:

- ``ansokan-blankett.docx``, ``redovisning-blankett.docx``: the two BLANK forms, worded as the
  real forms in the seeds, every field a tagged content control (plain-text controls,
  ``w14:checkbox`` check boxes, tagged amount cells in the budget tables);
- ``ansokan-hv-2020-{stycken,tabell,ifylld}.docx`` and
  ``redovisning-hv-2021-{stycken,tabell,ifylld}.docx``: the real Hässelby-Vällingby
  application (seed 002) and 2021 report (seed 004) filled in three ways: as paragraphs like the
  original Word files (layout A, built from the seed text itself), as two-column tables
  (layout B), and by filling the tagged blank form's content controls.

Reproducible: fixed core properties, members re-zipped in a fixed order with a fixed timestamp
and permissions, content-control ids from a counter; two builds are byte-identical.
"""

from __future__ import annotations

import argparse
import copy
import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "kallor"
OUT = HERE
FIXTURE_DIR = HERE.parent.parent / "tests" / "data" / "forms"
BLANKS = ("ansokan-blankett.docx", "redovisning-blankett.docx")
APPLICATION_SEED = "002_568fb514a8b7edf1.txt"
REPORT_SEED = "004_dbc242ee135760d4.txt"

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
CHECKED, UNCHECKED = "☒", "☐"

# --- the HV forms' values, as an applicant types them into the tagged blank form ---------------

HV_NAME = "Ett systematiskt, skyndsamt och tryggt förändringsarbete för en modern och hållbar socialtjänst"

HV_APPLICATION: dict[str, str | bool] = {
    "ar": "2020",
    "projektets_namn": HV_NAME,
    # The contact person is personal data: not kept in the repository (kallor/README.md).
    "kontaktperson": "",
    "kontaktperson_telefon": "",
    "kontaktperson_epost": "",
    "ansokan_avser_ar_1": True,
    "ansokan_avser_ar_2": False,
    "ansokan_avser_ar_3": False,
    "projektperiod_fran": "2020-01-01",
    "projektperiod_till": "2022-12-31",
    "tidigare_beviljat_belopp": "-",
    "sokt_belopp": "500 000",
    "sokt_belopp_totalt": "1 500 000",
    "huvudsokande_forvaltning": "Hässelby-Vällingby stadsdelsförvaltning",
    "huvudsokande_avdelning": "Avdelningen för barn och ungdom (myndighetsutövning, förebyggande, "
    "öppenvård, fritid)",
    "medsokande": "-",
    # description sections: filled from the seed text (see _application_sections)
    "kostnad_personal": "1 450 000",
    "kostnad_ovriga": "50 000",
    "summa_kostnader": "1 500 000",
    "intakt_sokt": "500 000",
    "intakt_egen_budget": "1 000 000",
    "summa_intakter": "1 500 000",
    "kst": "1002",
    "betalkonto": "Plusgiro 5 55 13-6",
    "undertecknad_ort": "Stockholm",
    "undertecknad_datum": "2019-09-20",
    "undertecknad_namn": "Andrea Hormazabal",
}

HV_REPORT: dict[str, str | bool] = {
    "projektets_namn": HV_NAME,
    "beviljat_belopp": "500 000",
    "ar": "2021",
    "forvaltning_namn": "Hässelby-Vällingby stadsdelsförvaltning",
    "avdelning_enhet": "Avdelningen för barn och unga",
    "kontaktperson": "",
    "kontaktperson_epost": "",
    "kontaktperson_telefon": "",
    "ansvarig_chef": "Aida Rizvic, avdelningschef",
    "intygar_genomfort": True,
    "ej_forbrukat": False,
    "undertecknad_ort": "Stockholm",
    "undertecknad_datum": "2022-02-28",
    "undertecknad_namn": "Aida Rizvic",
    "intakt_beviljat": "500 000 kr",
    "intakt_egen_insats": "650 000 kr",
    "intakt_summa": "1 150 000 kr",
    "kostnad_personal": "1 457 956",
    "kostnad_administration": "4 104",
    "kostnad_utbildning": "37 940",
    "kostnad_utbildning_spec": "HBTQ utbildning",
    "kostnad_summa": "1 500 000 kr",
}

# Application description headings in the seed, in order, with their content-control tags.
DESCRIPTION_HEADINGS: tuple[tuple[str, str | None], ...] = (
    ("Bakgrund till projektet", "bakgrund"),
    ("Varför behövs LUM-medel?", "varfor_lum"),
    ("Projektets syfte", "projektets_syfte"),
    ("Effekter", None),
    ("För invånare", "effekt_invanare"),
    ("För medarbetare", "effekt_medarbetare"),
    ("För stadsdelsförvaltningen", "effekt_forvaltningen"),
    ("För staden som helhet", "effekt_staden"),
    ("Metod och uppföljning", "metod_uppfoljning"),
    ("Jämställdhet och sammanhållet stöd", "jamstalldhet"),
)

APPLICATION_INSTRUCTIONS = (
    "Skicka ett undertecknat exemplar av ansökan till",
    "Socialförvaltningen Anna Rinder Von Beckerath, Box 44 123 21 Farsta",
    "Samt e-post ett undertecknat exemplar av blanketten till: fou.sof@stockholm.se",
    "Har ni frågor är ni välkomna att kontakta avdelningen för stadsövergripande sociala frågor",
    "Anna Rinder Von Beckerath Tfn 08 508 43 114, e-post anna.rinder.von.beckerath@stockholm.se",
)
# The 2020 form says "senast 28 februari 2020" (a contradiction: the rule is 28 February of the
# year after the grant year). The filled fixtures keep the seed's sentence; the blank form states
# the rule.
SEED_DUE_SENTENCE = (
    "Slutrapport Ekonomisk redovisning ska lämnas på särskild mall senast 28 februari 2020."
)
BLANK_DUE_SENTENCE = (
    "Slutrapport och ekonomisk redovisning ska lämnas på särskild mall senast 28 februari året "
    "efter bidragsåret."
)
APPLICATION_CLOSING = (
    "Projektets slutrapportering kommer efter godkännande av avdelningen för stadsövergripande "
    "sociala frågor, att publiceras i Socialförvaltningens kunskapsbank."
)
REPORT_CHECK_ATTEST = (
    "Kryss i rutan intygar att projektet har genomförts enligt beslut om projektplan och budget."
)
REPORT_CHECK_UNSPENT = (
    "Kryss i rutan innebär att projektet inte har gjort av med samtliga beviljade medel. "
    "Följande summa ska betalas/har betalats tillbaka till Socialförvaltningen:"
)
REPORT_INSTRUCTIONS = (
    "Skicka ett inscannat undertecknat exemplar av redovisningen till",
    "Socialförvaltningens funktionsbrevlåda fou.sof@stockholm.se",
    "Eventuella frågor besvaras via fou.sof@stockholm.se",
    "Redovisning lämnas senast 28 februari nästföljande år.",
)


# --- documents -------------------------------------------------------------------------------


class _Ids:
    """Content-control ids: a counter per document, so builds are reproducible."""

    def __init__(self, start: int = 1000) -> None:
        self.next = start

    def __call__(self) -> str:
        self.next += 1
        return str(self.next)


def new_document(title: str, created: datetime) -> DocumentObject:
    """An A4 Swedish document with fixed core properties and a placeholder character style."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)
    placeholder = doc.styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    placeholder.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    props = doc.core_properties
    props.title = title
    props.subject = "Lokala utvecklingsmedel (LUM), Stockholms stad"
    props.author = "Socialförvaltningen, Stockholms stad"
    props.last_modified_by = "lumledger"
    props.comments = "Byggd med build_forms.py"
    props.keywords = "LUM, lokala utvecklingsmedel"
    props.language = "sv-SE"
    props.category = "Blankett"
    props.revision = 1
    props.created = created
    props.modified = created
    props.last_printed = created
    return doc


def save_reproducibly(doc: DocumentObject, path: Path) -> Path:
    """Save ``doc`` and re-zip it: fixed member order, timestamps and permissions."""
    raw = io.BytesIO()
    doc.save(raw)
    path.write_bytes(repack(raw.getvalue()))
    return path


def repack(data: bytes, drop: Iterable[str] = ("docProps/thumbnail.jpeg",)) -> bytes:
    """Rewrite a .docx zip deterministically (and without python-docx's stock thumbnail)."""
    dropped = set(drop)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in source.namelist() if n not in dropped]
    first = ["[Content_Types].xml", "_rels/.rels"]
    ordered = [n for n in first if n in names] + sorted(n for n in names if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ordered:
            blob = source.read(name)
            if name == "_rels/.rels":
                blob = re.sub(
                    rb'<Relationship [^>]*Target="docProps/thumbnail\.jpeg"[^>]*/>', b"", blob
                )
            if name == "[Content_Types].xml":
                blob = re.sub(rb'<Default Extension="jpeg"[^>]*/>', b"", blob)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, blob, compresslevel=9)
    return out.getvalue()


# --- runs, check boxes and content controls ------------------------------------------------------


def _run(
    text: str,
    *,
    bold: bool = False,
    underline: bool = False,
    font: str | None = None,
    style: str | None = None,
) -> etree._Element:
    """A w:r with text; tabs and line breaks become w:tab and w:br."""
    r = OxmlElement("w:r")
    if bold or underline or font or style:
        rpr = OxmlElement("w:rPr")
        if style:
            rstyle = OxmlElement("w:rStyle")
            rstyle.set(qn("w:val"), style)
            rpr.append(rstyle)
        if font:
            fonts = OxmlElement("w:rFonts")
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
                fonts.set(qn(attr), font)
            rpr.append(fonts)
        if bold:
            rpr.append(OxmlElement("w:b"))
        if underline:
            u = OxmlElement("w:u")
            u.set(qn("w:val"), "single")
            rpr.append(u)
        r.append(rpr)
    for i, line in enumerate(text.split("\n")):
        if i:
            r.append(OxmlElement("w:br"))
        for j, piece in enumerate(line.split("\t")):
            if j:
                r.append(OxmlElement("w:tab"))
            if piece:
                t = OxmlElement("w:t")
                t.text = piece
                t.set(qn("xml:space"), "preserve")
                r.append(t)
    return r


def _legacy_checkbox(
    checked: bool, name: str, *, via_default: bool = False
) -> list[etree._Element]:
    """A legacy form-field check box (FORMCHECKBOX): begin with w:ffData, instruction, end."""
    begin_run = OxmlElement("w:r")
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    ff = OxmlElement("w:ffData")
    ff_name = OxmlElement("w:name")
    ff_name.set(qn("w:val"), name)
    ff.append(ff_name)
    ff.append(OxmlElement("w:enabled"))
    calc = OxmlElement("w:calcOnExit")
    calc.set(qn("w:val"), "0")
    ff.append(calc)
    box = OxmlElement("w:checkBox")
    box.append(OxmlElement("w:sizeAuto"))
    default = OxmlElement("w:default")
    default.set(qn("w:val"), "1" if (checked and via_default) else "0")
    box.append(default)
    if checked and not via_default:
        box.append(OxmlElement("w:checked"))
    ff.append(box)
    begin.append(ff)
    begin_run.append(begin)
    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " FORMCHECKBOX "
    instr_run.append(instr)
    end_run = OxmlElement("w:r")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    end_run.append(end)
    return [begin_run, instr_run, end_run]


def _sdt_pr(tag: str | None, alias: str | None, ids: _Ids) -> etree._Element:
    pr = OxmlElement("w:sdtPr")
    if alias:
        el = OxmlElement("w:alias")
        el.set(qn("w:val"), alias)
        pr.append(el)
    if tag:
        el = OxmlElement("w:tag")
        el.set(qn("w:val"), tag)
        pr.append(el)
    el = OxmlElement("w:id")
    el.set(qn("w:val"), ids())
    pr.append(el)
    return pr


def cc_checkbox(tag: str | None, alias: str | None, checked: bool, ids: _Ids) -> etree._Element:
    """A check-box content control (w14:checkbox) showing ☒/☐ in MS Gothic."""
    sdt = OxmlElement("w:sdt")
    pr = _sdt_pr(tag, alias, ids)
    box = etree.SubElement(pr, f"{{{W14}}}checkbox")
    state = etree.SubElement(box, f"{{{W14}}}checked")
    state.set(f"{{{W14}}}val", "1" if checked else "0")
    for name, code in (("checkedState", "2612"), ("uncheckedState", "2610")):
        el = etree.SubElement(box, f"{{{W14}}}{name}")
        el.set(f"{{{W14}}}val", code)
        el.set(f"{{{W14}}}font", "MS Gothic")
    sdt.append(pr)
    content = OxmlElement("w:sdtContent")
    content.append(_run(CHECKED if checked else UNCHECKED, font="MS Gothic"))
    sdt.append(content)
    return sdt


def cc_text(
    tag: str, alias: str, placeholder: str, ids: _Ids, *, multiline: bool = False
) -> etree._Element:
    """A plain-text content control showing its placeholder (grey) until filled in."""
    sdt = OxmlElement("w:sdt")
    pr = _sdt_pr(tag, alias, ids)
    pr.append(OxmlElement("w:showingPlcHdr"))
    text = OxmlElement("w:text")
    if multiline:
        text.set(qn("w:multiLine"), "1")
    pr.append(text)
    sdt.append(pr)
    content = OxmlElement("w:sdtContent")
    content.append(_run(placeholder, style="PlaceholderText"))
    sdt.append(content)
    return sdt


# Paragraph text with tokens for check boxes: {X}/{ } legacy form field (checked/unchecked),
# {X*} legacy checked only by its w:default, {cc:X}/{cc: } untagged w14 content control,
# {g:X}/{g: } the glyph ☒/☐ in MS Gothic, {sym:X}/{sym: } a Wingdings symbol, <u>…</u> underline.
_TOKEN_RE = re.compile(r"\{(?:(cc|g|sym):)?([X ])(\*?)\}|<u>(.*?)</u>")


def add_paragraph(
    container: DocumentObject | _Cell,
    text: str,
    ids: _Ids,
    *,
    bold: bool = False,
    style: str | None = None,
) -> Paragraph:
    paragraph = container.add_paragraph(style=style)
    fill_paragraph(paragraph, text, ids, bold=bold)
    return paragraph


def fill_paragraph(paragraph: Paragraph, text: str, ids: _Ids, *, bold: bool = False) -> None:
    p = paragraph._p
    pos = 0
    boxes = 0
    for m in _TOKEN_RE.finditer(text):
        if m.start() > pos:
            p.append(_run(text[pos : m.start()], bold=bold))
        if m.group(4) is not None:
            p.append(_run(m.group(4), bold=bold, underline=True))
        else:
            kind, mark, by_default = m.group(1), m.group(2), m.group(3)
            checked = mark == "X"
            boxes += 1
            if kind == "cc":
                p.append(cc_checkbox(None, None, checked, ids))
            elif kind == "g":
                p.append(_run(CHECKED if checked else UNCHECKED, font="MS Gothic"))
            elif kind == "sym":
                r = OxmlElement("w:r")
                sym = OxmlElement("w:sym")
                sym.set(qn("w:font"), "Wingdings")
                sym.set(qn("w:char"), "F078" if checked else "F06F")
                r.append(sym)
                p.append(r)
            else:
                for el in _legacy_checkbox(checked, f"Kryss{ids()}", via_default=bool(by_default)):
                    p.append(el)
        pos = m.end()
    if pos < len(text):
        p.append(_run(text[pos:], bold=bold))


def add_table(
    doc: DocumentObject,
    rows: Sequence[Sequence[str | Sequence[str]]],
    ids: _Ids,
    widths: Sequence[float] = (7.0, 9.6),
) -> Table:
    """A bordered table; a cell is a text (tokens allowed) or a list of paragraph texts."""
    table: Table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    for row in rows:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for cell, value, width in zip(cells, row, widths, strict=False):
            cell.width = Cm(width)
            texts = [value] if isinstance(value, str) else list(value)
            first = cell.paragraphs[0]
            fill_paragraph(first, texts[0] if texts else "", ids)
            for text in texts[1:]:
                add_paragraph(cell, text, ids)
    return table


def make_docx(
    blocks: Sequence[str | Sequence[Sequence[str | Sequence[str]]]],
    path: Path,
    *,
    title: str = "Blankett",
    created: datetime = datetime(2020, 1, 1),
) -> Path:
    """A small document for tests: a str is a paragraph, a list of rows is a table."""
    doc = new_document(title, created)
    ids = _Ids()
    for block in blocks:
        if isinstance(block, str):
            add_paragraph(doc, block, ids)
        else:
            add_table(
                doc,
                block,
                ids,
                widths=(7.0,) + (9.6 / max(1, len(block[0]) - 1),) * (len(block[0]) - 1),
            )
    return save_reproducibly(doc, path)


# --- seeds --------------------------------------------------------------------------------------


def read_seed(name: str, seeds: Path = SEEDS) -> str:
    return (seeds / name).read_text(encoding="utf-8")


def seed_lines(text: str) -> list[str]:
    """The seed's lines, with the one repair a text extraction needs: a paragraph the page break
    cut in two ("… är högre i" / "stadsdelsområdet än i staden …") is joined again."""
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    i = 0
    joins = 0
    while i < len(lines):
        line = lines[i]
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if (
            line.strip()
            and j > i + 1
            and j < len(lines)
            and lines[j][:1].islower()
            and line.rstrip()[-1:].islower()
        ):
            lines[j] = line.rstrip() + " " + lines[j].lstrip()
            joins += 1
            i = j
            continue
        out.append(line)
        i += 1
    if joins > 1:
        raise ValueError(f"unexpected: {joins} page-break joins in the seed")
    return out


def _application_sections(text: str) -> dict[str, str]:
    """The description sections of seed 002 as the applicant would type them into the controls:
    paragraphs one per line, without figure captions and the free-standing period line."""
    lines = [line.strip() for line in seed_lines(text) if line.strip()]
    headings = {h: tag for h, tag in DESCRIPTION_HEADINGS}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        if line in headings:
            current = headings[line]
            continue
        if line == "Budget":
            break
        if current is None or line.startswith("Figur ") or line == "Jan 2020- dec 2022":
            continue
        sections.setdefault(current, []).append(line)
    return {tag: "\n".join(paragraphs) for tag, paragraphs in sections.items()}


def application_values(seeds: Path = SEEDS) -> dict[str, str | bool]:
    values = dict(HV_APPLICATION)
    values.update(_application_sections(read_seed(APPLICATION_SEED, seeds)))
    return values


# --- layout A: paragraphs, from the seed text -----------------------------------------------------


def build_application_paragraphs(text: str, *, boxes: str = "legacy") -> DocumentObject:
    """Seed 002 as the Word file it was extracted from: one paragraph per line. The three
    project-year boxes the extraction lost are legacy check boxes (box 1 ticked)."""
    doc = new_document("Ansökan om medel för lokalt utvecklingsprojekt 2020", datetime(2019, 9, 20))
    ids = _Ids()
    lines = seed_lines(text)
    year_box = 0
    in_years = False
    prefix = {"legacy": "", "glyph": "g:", "cc": "cc:", "sym": "sym:"}[boxes]
    first = True
    for line in lines:
        if not line.strip() or line.strip() == "--\t---":
            continue
        stripped = line.strip()
        if stripped == "Ansökan avser år":
            in_years = True
        elif in_years and stripped in ("1", "2", "3"):
            year_box += 1
            line = "{" + prefix + ("X" if stripped == "1" else " ") + "} " + stripped
        else:
            in_years = False
        add_paragraph(doc, line, ids, bold=first)
        first = False
    if year_box != 3:
        raise ValueError("seed 002: the three project-year boxes were not found")
    return doc


_INPUT_RE = re.compile(r'<input (checked="" )?type="checkbox"/>')


def build_report_paragraphs(text: str, *, boxes: str = "glyph") -> DocumentObject:
    """Seed 004 as the Word file it was extracted from: one paragraph per line (the run-on line
    with the check boxes and the signature stays one paragraph), ☒/☐ for the check boxes,
    lines with three or more tabs (the survey table) as real tables."""
    doc = new_document("Redovisning av LUM", datetime(2022, 2, 28))
    ids = _Ids()
    prefix = {"legacy": "", "glyph": "g:", "cc": "cc:", "sym": "sym:"}[boxes]
    table_rows: list[list[str]] = []

    def flush() -> None:
        if table_rows:
            width = max(len(r) for r in table_rows)
            add_table(
                doc,
                [r + [""] * (width - len(r)) for r in table_rows],
                ids,
                widths=(6.6,) + (10.0 / (width - 1),) * (width - 1),
            )
            table_rows.clear()

    for line in text.split("\n"):
        if line.count("\t") >= 3:
            table_rows.append(line.split("\t"))
            continue
        flush()
        if not line.strip():
            continue
        line = _INPUT_RE.sub(lambda m: "{" + prefix + ("X" if m.group(1) else " ") + "}", line)
        line = line.replace("**", "").replace("*{", "{").replace("}*", "}")
        line = re.sub(r"^\*(.*)\*$", r"\1", line)
        add_paragraph(doc, line, ids, bold=line.strip() == "Redovisning av LUM")
    flush()
    return doc


# --- layout B: two-column tables --------------------------------------------------------------------


def build_application_table(
    values: Mapping[str, str | bool], *, due: str = SEED_DUE_SENTENCE, box: str = "g"
) -> DocumentObject:
    """The application as two-column tables (label cell, value cell), seed wording."""
    doc = new_document("Ansökan om medel för lokalt utvecklingsprojekt 2020", datetime(2019, 9, 20))
    ids = _Ids()
    v = {k: (val if isinstance(val, str) else "") for k, val in values.items()}

    def mark(key: str) -> str:
        state = "X" if values.get(key) else " "
        return f"{{{box}:{state}}}"

    add_paragraph(doc, f"Ansökan om medel för lokalt utvecklingsprojekt {v['ar']}", ids, bold=True)
    add_table(
        doc,
        [
            ("Projektets namn", v["projektets_namn"]),
            ("Kontaktperson för projektet", v["kontaktperson"]),
            (
                "Namn, tfn och epost",
                [v["kontaktperson"], v["kontaktperson_telefon"], v["kontaktperson_epost"]],
            ),
            (
                "Ansökan avser år",
                f"{mark('ansokan_avser_ar_1')} 1    {mark('ansokan_avser_ar_2')} 2"
                f"    {mark('ansokan_avser_ar_3')} 3",
            ),
            ("Projektperiod", "jan 2020 – dec 2022"),
            ("Tidigare beviljat belopp", v["tidigare_beviljat_belopp"]),
            ("Sökt belopp", f"{v['sokt_belopp']} kr per år. Totalt {v['sokt_belopp_totalt']} kr."),
            (
                "Huvudsökande förvaltning, avdelning, enhet och adress",
                [
                    v["huvudsokande_forvaltning"],
                    "Avdelningen för barn och ungdom",
                    "(myndighetsutövning, förebyggande, öppenvård, fritid)",
                ],
            ),
            ("Medsökande förvaltning(ar), avdelning och enhet", v["medsokande"]),
        ],
        ids,
    )
    add_paragraph(doc, "Projektbeskrivning", ids, bold=True)
    rows: list[tuple[str, str | list[str]]] = []
    for heading, tag in DESCRIPTION_HEADINGS:
        rows.append((heading, v.get(tag, "").split("\n") if tag else ""))
    add_table(doc, rows, ids)
    add_paragraph(doc, "Budget", ids, bold=True)
    add_table(
        doc,
        [
            ("Kostnader", "Belopp"),
            ("Personalkostnader inkl. sociala avgifter", f"{v['kostnad_personal']} kronor per år"),
            ("Övriga kostnader", f"{v['kostnad_ovriga']} kronor per år"),
            ("Summa kostnader", f"{v['summa_kostnader']} kronor per år"),
            ("Intäkter", "Belopp"),
            (
                "Sökt belopp från Socialförvaltningen",
                f"{v['intakt_sokt']} kronor per år. Totalt {v['sokt_belopp_totalt']} kronor på tre år.",
            ),
            ("Egen budget", f"{v['intakt_egen_budget']} kronor per år"),
            ("Summa intäkter", f"{v['summa_intakter']} kronor per år"),
        ],
        ids,
    )
    add_paragraph(doc, "", ids)
    add_table(
        doc,
        [
            ("KST, huvudsökande förvaltning", v["kst"]),
            ("Postgiro/bankgiro, huvudsökande förvaltning", v["betalkonto"]),
        ],
        ids,
    )
    add_paragraph(doc, "", ids)
    add_table(
        doc,
        [
            (
                "Undertecknad av ansvarig avdelningschef",
                f"i {v['undertecknad_ort']} {v['undertecknad_datum']}",
            ),
            ("Namnförtydligande", v["undertecknad_namn"]),
            ("Underskrift", ""),
        ],
        ids,
    )
    for line in (*APPLICATION_INSTRUCTIONS, due, APPLICATION_CLOSING):
        add_paragraph(doc, line, ids)
    return doc


def build_report_table(values: Mapping[str, str | bool], *, box: str = "") -> DocumentObject:
    """The report as two-column tables; check boxes as legacy form fields by default."""
    doc = new_document("Redovisning av LUM", datetime(2022, 2, 28))
    ids = _Ids()
    v = {k: (val if isinstance(val, str) else "") for k, val in values.items()}

    def mark(key: str) -> str:
        state = "X" if values.get(key) else " "
        return f"{{{box}:{state}}}" if box else f"{{{state}}}"

    add_paragraph(doc, "Stockholms stad", ids)
    add_paragraph(doc, "Redovisning av LUM", ids, bold=True)
    add_paragraph(doc, v["projektets_namn"], ids)
    add_paragraph(doc, v["forvaltning_namn"], ids)
    add_table(
        doc,
        [
            ("Projektets namn", v["projektets_namn"]),
            ("Beviljat belopp", v["beviljat_belopp"]),
            ("År", v["ar"]),
            (
                "Stadsdelsförvaltningens namn, avdelning/enhet",
                f"{v['forvaltning_namn']}, {v['avdelning_enhet']}",
            ),
            (
                "Kontaktperson för projektet, namn, e-post, tfn",
                [v["kontaktperson"], v["kontaktperson_epost"], v["kontaktperson_telefon"]],
            ),
            ("Ansvarig avdelnings-/enhetschef, namn, befattning", v["ansvarig_chef"]),
            (mark("intygar_genomfort"), REPORT_CHECK_ATTEST),
            (mark("ej_forbrukat"), f"{REPORT_CHECK_UNSPENT} _____kr."),
            (
                "Undertecknad av",
                [
                    f"I {v['undertecknad_ort']} den {v['undertecknad_datum']}",
                    v["undertecknad_namn"],
                    "namnförtydligande",
                ],
            ),
        ],
        ids,
    )
    add_paragraph(doc, "Ekonomisk redovisning", ids, bold=True)
    add_paragraph(
        doc, "Rapporten ska avse beräknade intäkter och kostnader för projektperioden.", ids
    )
    add_table(
        doc,
        [
            ("Intäkter", "Kronor"),
            ("Beviljat belopp från socialnämnden", v["intakt_beviljat"]),
            ("Egen insats", v["intakt_egen_insats"]),
            ("Övriga intäkter", ""),
            ("Summa", v["intakt_summa"]),
        ],
        ids,
    )
    add_paragraph(doc, "", ids)
    add_table(
        doc,
        [
            ("Kostnader", "Kronor"),
            ("Personalkostnader inkl. sociala avgifter", v["kostnad_personal"]),
            (
                "Administrativa kostnader (möteslokaler, förtäring, telefon)",
                v["kostnad_administration"],
            ),
            (
                f"Utbildningskostnader (föreläsare, material) {v['kostnad_utbildning_spec']}",
                v["kostnad_utbildning"],
            ),
            ("Övriga kostnader", ""),
            ("Summa", v["kostnad_summa"]),
        ],
        ids,
    )
    for line in REPORT_INSTRUCTIONS:
        add_paragraph(doc, line, ids)
    return doc


# --- the blank forms with tagged content controls ---------------------------------------------------


def _cell_with(
    cell: _Cell, parts: Sequence[str | etree._Element], *, new_paragraph: bool = False
) -> None:
    """Append texts and content controls to the cell's (first or a new) paragraph."""
    paragraph = cell.add_paragraph() if new_paragraph else cell.paragraphs[0]
    for part in parts:
        paragraph._p.append(_run(part) if isinstance(part, str) else part)


def _form_table(
    doc: DocumentObject,
    rows: Sequence[tuple[str | etree._Element, Sequence[Sequence[str | etree._Element]]]],
    widths: tuple[float, float] = (7.0, 9.6),
) -> Table:
    """Rows of (label or control, paragraphs of the value cell)."""
    table: Table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, paragraphs in rows:
        left, right = table.add_row().cells  # type: ignore[no-untyped-call]
        left.width, right.width = Cm(widths[0]), Cm(widths[1])
        _cell_with(left, [label])
        for i, parts in enumerate(paragraphs):
            _cell_with(right, parts, new_paragraph=i > 0)
    return table


def build_blank_application() -> DocumentObject:
    doc = new_document("Ansökan om medel för lokalt utvecklingsprojekt", datetime(2020, 1, 1))
    ids = _Ids()

    def t(tag: str, alias: str, placeholder: str, multiline: bool = False) -> etree._Element:
        return cc_text(tag, alias, placeholder, ids, multiline=multiline)

    def box(tag: str, alias: str) -> etree._Element:
        return cc_checkbox(tag, alias, False, ids)

    title = doc.add_paragraph()
    title._p.append(_run("Ansökan om medel för lokalt utvecklingsprojekt ", bold=True))
    title._p.append(t("ar", "År", "ÅÅÅÅ"))
    _form_table(
        doc,
        [
            (
                "Projektets namn",
                [[t("projektets_namn", "Projektets namn", "Skriv projektets namn.")]],
            ),
            (
                "Kontaktperson för projektet, namn, tfn och e-post",
                [
                    [t("kontaktperson", "Kontaktperson", "Namn")],
                    [t("kontaktperson_telefon", "Telefon", "Telefon")],
                    [t("kontaktperson_epost", "E-post", "E-post")],
                ],
            ),
            (
                "Ansökan avser år",
                [
                    [
                        box("ansokan_avser_ar_1", "Projektår 1"),
                        " 1    ",
                        box("ansokan_avser_ar_2", "Projektår 2"),
                        " 2    ",
                        box("ansokan_avser_ar_3", "Projektår 3"),
                        " 3",
                    ]
                ],
            ),
            (
                "Projektperiod (från – till)",
                [
                    [
                        "från ",
                        t("projektperiod_fran", "Projektperiod från", "ÅÅÅÅ-MM-DD"),
                        " till ",
                        t("projektperiod_till", "Projektperiod till", "ÅÅÅÅ-MM-DD"),
                    ]
                ],
            ),
            (
                "Tidigare beviljat belopp",
                [
                    [
                        t(
                            "tidigare_beviljat_belopp",
                            "Tidigare beviljat belopp",
                            "Belopp, eller -",
                        ),
                        " kr",
                    ]
                ],
            ),
            (
                "Sökt belopp",
                [
                    [
                        t("sokt_belopp", "Sökt belopp per år", "Belopp"),
                        " kr per år. Totalt ",
                        t("sokt_belopp_totalt", "Sökt belopp totalt", "Belopp"),
                        " kr.",
                    ]
                ],
            ),
            (
                "Huvudsökande förvaltning, avdelning, enhet och adress",
                [
                    [t("huvudsokande_forvaltning", "Huvudsökande förvaltning", "Förvaltning")],
                    [t("huvudsokande_avdelning", "Avdelning och enhet", "Avdelning och enhet")],
                    [t("huvudsokande_adress", "Adress", "Adress")],
                ],
            ),
            (
                "Medsökande förvaltning(ar), avdelning och enhet",
                [
                    [
                        t(
                            "medsokande",
                            "Medsökande",
                            "En förvaltning per rad, eller -",
                            multiline=True,
                        )
                    ]
                ],
            ),
        ],
    )
    add_paragraph(doc, "Projektbeskrivning", ids, bold=True)
    for heading, tag in DESCRIPTION_HEADINGS:
        add_paragraph(doc, heading, ids, bold=True)
        if tag:
            doc.add_paragraph()._p.append(t(tag, heading, "Skriv här.", multiline=True))
    add_paragraph(doc, "Budget", ids, bold=True)
    _form_table(
        doc,
        [
            ("Kostnader", [["Kronor per år"]]),
            (
                "Personalkostnader inkl. sociala avgifter",
                [[t("kostnad_personal", "Personalkostnader", "Belopp")]],
            ),
            (
                "Administrativa kostnader (möteslokaler, förtäring, telefon)",
                [[t("kostnad_administration", "Administrativa kostnader", "Belopp")]],
            ),
            (
                "Utbildningskostnader (föreläsare, material)",
                [[t("kostnad_utbildning", "Utbildningskostnader", "Belopp")]],
            ),
            ("Övriga kostnader", [[t("kostnad_ovriga", "Övriga kostnader", "Belopp")]]),
            ("Summa kostnader", [[t("summa_kostnader", "Summa kostnader", "Belopp")]]),
            ("Intäkter", [["Kronor per år"]]),
            (
                "Sökt belopp från Socialförvaltningen",
                [[t("intakt_sokt", "Sökt belopp från Socialförvaltningen", "Belopp")]],
            ),
            ("Egen budget", [[t("intakt_egen_budget", "Egen budget", "Belopp")]]),
            ("Övriga intäkter", [[t("intakt_ovriga", "Övriga intäkter", "Belopp")]]),
            ("Summa intäkter", [[t("summa_intakter", "Summa intäkter", "Belopp")]]),
        ],
    )
    doc.add_paragraph()
    _form_table(
        doc,
        [
            ("KST, huvudsökande förvaltning", [[t("kst", "KST", "KST")]]),
            (
                "Postgiro/bankgiro, huvudsökande förvaltning",
                [
                    [
                        t(
                            "betalkonto",
                            "Postgiro/bankgiro",
                            "Bankgiro 123-4567 eller Plusgiro 5 55 13-6",
                        )
                    ]
                ],
            ),
        ],
    )
    doc.add_paragraph()
    _form_table(
        doc,
        [
            (
                "Undertecknad av ansvarig avdelningschef",
                [
                    [
                        "i ",
                        t("undertecknad_ort", "Ort", "Ort"),
                        " ",
                        t("undertecknad_datum", "Datum", "ÅÅÅÅ-MM-DD"),
                    ]
                ],
            ),
            ("Namnförtydligande", [[t("undertecknad_namn", "Namnförtydligande", "Namn")]]),
            ("Underskrift", [[""]]),
        ],
    )
    for line in (*APPLICATION_INSTRUCTIONS, BLANK_DUE_SENTENCE, APPLICATION_CLOSING):
        add_paragraph(doc, line, ids)
    return doc


def build_blank_report() -> DocumentObject:
    doc = new_document("Redovisning av LUM", datetime(2020, 1, 1))
    ids = _Ids(5000)

    def t(tag: str, alias: str, placeholder: str, multiline: bool = False) -> etree._Element:
        return cc_text(tag, alias, placeholder, ids, multiline=multiline)

    add_paragraph(doc, "Stockholms stad", ids)
    add_paragraph(doc, "Redovisning av LUM", ids, bold=True)
    _form_table(
        doc,
        [
            (
                "Projektets namn",
                [[t("projektets_namn", "Projektets namn", "Skriv projektets namn.")]],
            ),
            ("Beviljat belopp", [[t("beviljat_belopp", "Beviljat belopp", "Belopp"), " kr"]]),
            ("År", [[t("ar", "År", "ÅÅÅÅ")]]),
            (
                "Stadsdelsförvaltningens namn, avdelning/enhet",
                [
                    [
                        t("forvaltning_namn", "Förvaltning", "Förvaltning"),
                        ", ",
                        t("avdelning_enhet", "Avdelning/enhet", "Avdelning/enhet"),
                    ]
                ],
            ),
            (
                "Kontaktperson för projektet, namn, e-post, tfn",
                [
                    [t("kontaktperson", "Kontaktperson", "Namn")],
                    [t("kontaktperson_epost", "E-post", "E-post")],
                    [t("kontaktperson_telefon", "Telefon", "Telefon")],
                ],
            ),
            (
                "Ansvarig avdelnings-/enhetschef, namn, befattning",
                [[t("ansvarig_chef", "Ansvarig chef", "Namn, befattning")]],
            ),
            (
                cc_checkbox("intygar_genomfort", "Intygar genomförande", False, ids),
                [[REPORT_CHECK_ATTEST]],
            ),
            (
                cc_checkbox("ej_forbrukat", "Ej förbrukade medel", False, ids),
                [
                    [
                        REPORT_CHECK_UNSPENT + " ",
                        t("ej_forbrukat_belopp", "Belopp att betala tillbaka", "_____"),
                        " kr.",
                    ]
                ],
            ),
            (
                "Undertecknad av",
                [
                    [
                        "I ",
                        t("undertecknad_ort", "Ort", "Ort"),
                        " den ",
                        t("undertecknad_datum", "Datum", "ÅÅÅÅ-MM-DD"),
                    ],
                    [t("undertecknad_namn", "Namnförtydligande", "Namn")],
                    ["namnförtydligande"],
                ],
            ),
        ],
    )
    add_paragraph(doc, "Ekonomisk redovisning", ids, bold=True)
    add_paragraph(
        doc, "Rapporten ska avse beräknade intäkter och kostnader för projektperioden.", ids
    )
    _form_table(
        doc,
        [
            ("Intäkter", [["Kronor"]]),
            (
                "Beviljat belopp från socialnämnden",
                [[t("intakt_beviljat", "Beviljat belopp", "Belopp")]],
            ),
            ("Egen insats", [[t("intakt_egen_insats", "Egen insats", "Belopp")]]),
            ("Övriga intäkter", [[t("intakt_ovriga", "Övriga intäkter", "Belopp")]]),
            ("Summa", [[t("intakt_summa", "Summa intäkter", "Belopp")]]),
        ],
    )
    doc.add_paragraph()
    table = _form_table(doc, [("Kostnader", [["Kronor"]])])
    for label, key, alias in (
        ("Personalkostnader inkl. sociala avgifter", "personal", "Personalkostnader"),
        (
            "Administrativa kostnader (möteslokaler, förtäring, telefon)",
            "administration",
            "Administrativa kostnader",
        ),
        ("Utbildningskostnader (föreläsare, material)", "utbildning", "Utbildningskostnader"),
        ("Övriga kostnader", "ovriga", "Övriga kostnader"),
    ):
        left, right = table.add_row().cells  # type: ignore[no-untyped-call]
        left.width, right.width = Cm(7.0), Cm(9.6)
        _cell_with(
            left,
            [label + " ", t(f"kostnad_{key}_spec", f"{alias}, specifikation", "(specifikation)")],
        )
        _cell_with(right, [t(f"kostnad_{key}", alias, "Belopp")])
    left, right = table.add_row().cells  # type: ignore[no-untyped-call]
    _cell_with(left, ["Summa"])
    _cell_with(right, [t("kostnad_summa", "Summa kostnader", "Belopp")])
    for line in REPORT_INSTRUCTIONS:
        add_paragraph(doc, line, ids)
    return doc


# --- filling a tagged blank form ---------------------------------------------------------------------


def fill_form(blank: DocumentObject, values: Mapping[str, str | bool]) -> DocumentObject:
    """Fill the content controls of a blank form as Word does when a user types into them."""
    doc = copy.deepcopy(blank)
    for sdt in doc.element.body.iter(qn("w:sdt")):
        pr = sdt.find(qn("w:sdtPr"))
        tag_el = pr.find(qn("w:tag")) if pr is not None else None
        if tag_el is None or tag_el.get(qn("w:val")) not in values:
            continue
        value = values[tag_el.get(qn("w:val"))]
        content = sdt.find(qn("w:sdtContent"))
        box = pr.find(f"{{{W14}}}checkbox")
        if box is not None:
            checked = bool(value)
            box.find(f"{{{W14}}}checked").set(f"{{{W14}}}val", "1" if checked else "0")
            for child in list(content):
                content.remove(child)
            content.append(_run(CHECKED if checked else UNCHECKED, font="MS Gothic"))
            continue
        assert isinstance(value, str)
        placeholder = pr.find(qn("w:showingPlcHdr"))
        if not value:
            continue
        if placeholder is not None:
            pr.remove(placeholder)
        for child in list(content):
            content.remove(child)
        content.append(_run(value))
    return doc


def fill_blank_file(blank_path: Path, values: Mapping[str, str | bool], path: Path) -> Path:
    """Fill a blank form read from disk (the way a test re-fills it with other values)."""
    return save_reproducibly(fill_form(Document(str(blank_path)), values), path)


# --- everything -----------------------------------------------------------------------------------


FIXTURES: dict[str, str] = {
    "ansokan-blankett.docx": "blank application (tagged content controls)",
    "redovisning-blankett.docx": "blank report (tagged content controls)",
    "ansokan-hv-2020-stycken.docx": "seed 002 as paragraphs, legacy check boxes",
    "ansokan-hv-2020-tabell.docx": "seed 002 as two-column tables, ☒/☐",
    "ansokan-hv-2020-ifylld.docx": "seed 002 typed into the blank application",
    "redovisning-hv-2021-stycken.docx": "seed 004 as paragraphs, ☒/☐",
    "redovisning-hv-2021-tabell.docx": "seed 004 as two-column tables, legacy check boxes",
    "redovisning-hv-2021-ifylld.docx": "seed 004 typed into the blank report",
}


def build_all(out: Path = OUT, seeds: Path = SEEDS, fixtures: Path | None = None) -> list[Path]:
    """Write the blank forms into ``out`` and the filled ones into ``fixtures`` (default ``out``)."""
    fixtures = out if fixtures is None else fixtures
    out.mkdir(parents=True, exist_ok=True)
    fixtures.mkdir(parents=True, exist_ok=True)
    application = application_values(seeds)
    blank_application = build_blank_application()
    blank_report = build_blank_report()
    builders: dict[str, Callable[[], DocumentObject]] = {
        "ansokan-blankett.docx": lambda: blank_application,
        "redovisning-blankett.docx": lambda: blank_report,
        "ansokan-hv-2020-stycken.docx": lambda: build_application_paragraphs(
            read_seed(APPLICATION_SEED, seeds)
        ),
        "ansokan-hv-2020-tabell.docx": lambda: build_application_table(application),
        "ansokan-hv-2020-ifylld.docx": lambda: fill_form(blank_application, application),
        "redovisning-hv-2021-stycken.docx": lambda: build_report_paragraphs(
            read_seed(REPORT_SEED, seeds)
        ),
        "redovisning-hv-2021-tabell.docx": lambda: build_report_table(HV_REPORT),
        "redovisning-hv-2021-ifylld.docx": lambda: fill_form(blank_report, HV_REPORT),
    }
    return [
        save_reproducibly(build(), (out if name in BLANKS else fixtures) / name)
        for name, build in builders.items()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the blank LUM forms and the fixtures.")
    parser.add_argument("-o", "--out-dir", type=Path, help="one folder for all eight files")
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    args = parser.parse_args(argv)
    out = args.out_dir or OUT
    fixtures = args.out_dir or FIXTURE_DIR
    for path in build_all(out, args.seeds, fixtures):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
