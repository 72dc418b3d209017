"""Build the macro workbook ``workbooks/lumledger.xlsm`` from the text sources in ``xl/``.

``python xl/build.py`` writes, byte for byte reproducibly:

- a VBA project (``xl/vbaProject.bin`` inside the workbook) made with ms-ovba from
  ``xl/LumLedger.bas`` (one macro per button, each a single ``RunPython`` call),
  ``xl/LumRibbon.bas`` (the ribbon's one callback) and xlwings' own VBA module
  ``xl/xlwings/xlwings.bas`` (a verbatim copy of the xlwings package's, pinned so the output does
  not depend on the installed version; it lets the workbook run ``RunPython`` without the xlwings
  add-in), plus a document module per sheet;
- an XlsxWriter workbook: the sheet ``Start`` (title, instructions and a form-control button per
  entry of ``xl/buttons.json``), the ledger sheets written by ``workbooks/build.py``'s
  ``write_ledger_sheets`` and the settings sheet ``xlwings.conf``;
- the ribbon tab ``LUM`` from ``xl/customUI.xml``, added to the zip package afterwards (XlsxWriter
  cannot embed a ribbon).

ms-ovba 0.0.1 needs three corrections, all applied here at build time and nowhere else:

- its compression library (ms_ovba_compression 1.0.1) computes a copy token's maximum length as
  ``0xFFFF << bit_count + 3`` instead of ``(0xFFFF >> bit_count) + 3`` (MS-OVBA 2.4.1.3.19.1),
  which corrupts long repeated runs: :func:`_copytoken_help` replaces it;
- the PROJECT stream's CMG, DPB and GC values are encrypted with a seed from the global
  ``random`` module (MS-OVBA 2.4.3), so two builds differ: the build seeds a private generator;
- it reads and writes module source in the locale's encoding while the project declares code
  page 1252: this script writes every module's ``.new`` source file itself, as cp1252 with CRLF.

ms-ovba also writes scratch files into the current directory; the project is built in a fresh
temporary directory. The build checks that the sources agree with each other (buttons, macros,
ribbon) and that every compressed module decompresses (with oletools) to its source before
writing anything.
``--update-xlwings`` refreshes ``xl/xlwings/xlwings.bas`` from the installed xlwings package.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import random
import re
import shutil
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUMLEDGER_BAS = HERE / "LumLedger.bas"
RIBBON_BAS = HERE / "LumRibbon.bas"
XLWINGS_BAS = HERE / "xlwings" / "xlwings.bas"
BUTTONS_JSON = HERE / "buttons.json"
CUSTOM_UI_XML = HERE / "customUI.xml"
LEDGER_BUILD = ROOT / "workbooks" / "build.py"
OUTPUT = ROOT / "workbooks" / "lumledger.xlsm"

VBA_ENCODING = "cp1252"  # the code page the VBA project declares (1252)
# Fixed project GUID and encryption seed: nothing in the VBA project depends on chance.
PROJECT_ID = "{5C9A4D1E-2B7F-4E3A-9C61-4C554D4C4544}"
CRYPTO_SEED = 20190101

START_SHEET = "Start"
CONF_SHEET = "xlwings.conf"
WORKBOOK_CODENAME = "ThisWorkbook"
# VB_Base of the document modules: Excel's Workbook and Worksheet classes.
WORKBOOK_BASE = uuid.UUID("00020819-0000-0000-C000-000000000046")
WORKSHEET_BASE = uuid.UUID("00020820-0000-0000-C000-000000000046")

CUSTOM_UI_PART = "customUI/customUI.xml"
CUSTOM_UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CUSTOM_UI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
RIBBON_CALLBACK = "LumRibbonKlick"

# The settings sheet xlwings' RunPython reads (keys from A1 down to the first empty cell).
CONF_SETTINGS: tuple[tuple[str, str], ...] = (
    ("Interpreter_Win", "python"),
    ("UDF Modules", "lumledger.xl"),
)
CONF_HELP: tuple[str, ...] = (
    "Inställningar för knapparna (xlwings). Inställningarna börjar i cell A1; raderna under den "
    "första tomma raden läses inte.",
    "Interpreter_Win: sökvägen till python.exe i den Python där lumledger är installerat, t.ex. "
    r"%LOCALAPPDATA%\Programs\Python\Python312\python.exe eller "
    r"C:\Program Files\Python312\python.exe. Värdet python betyder den Python som finns i PATH.",
    "UDF Modules: Python-modulen med kalkylbladsfunktionerna LUM_SUMMA, LUM_ANTAL, LUM_KVAR, "
    "LUM_BELOPP och LUM_GIRO_OK. Ändra inte.",
    "Tar du bort en rad gäller i stället inställningen i xlwings-tillägget eller i filen "
    r"%USERPROFILE%\.xlwings\xlwings.conf. Tar du bort bladet gäller bara de inställningarna.",
    "Mer om installation och inställningar: Excel-handboken i lumledgers dokumentation.",
)

START_TITLE = "LUM-liggaren"
START_SUBTITLE = (
    "Lokala utvecklingsmedel, Stockholms stad: ansökningar, beslut, utbetalningar och "
    "redovisningar år för år."
)
START_HEADING = "Så här använder du arbetsboken"
YEAR_LABEL = "År för export och årets cykel:"
YEAR_CELL = "C3"  # read by lumledger.xl (export, new_round, decide, close)
START_STEPS: tuple[str, ...] = (
    "1. Aktivera makron när Excel frågar (Aktivera innehåll). Knapparna kör Python-paketet "
    "lumledger, som måste vara installerat på datorn; sökvägen till Python står på bladet "
    "xlwings.conf.",
    "2. Fyll i bladen Omgångar, Förvaltningar och Ansökningar, och Beslut, Utbetalningar, "
    "Redovisningar och Återbetalningar när det blir aktuellt. Bladet Instruktioner beskriver "
    "kolumnerna.",
    "3. Tryck på Validera. Fel och varningar hamnar på bladet Fel med en länk till varje cell. "
    "Rätta och tryck igen tills inga fel återstår.",
    "4. Om något går fel visas ett meddelande. Samma sak kan alltid göras på kommandoraden med "
    "kommandot i kolumn E (FIL är den här arbetsboken). Handboken för Excel finns i lumledgers "
    "dokumentation.",
    "5. Ny omgång, Besluta och Stäng år ändrar ingenting direkt: de skriver en plan på bladet "
    "Plan (varje cell, nu och sedan, och varför). Granska den och tryck på Genomför; spara sedan.",
)
COMMAND_HEADING = "Samma sak på kommandoraden"

# Column widths of the Start sheet (characters) and the button's size (pixels).
START_WIDTHS = {"A": 2, "B": 26, "C": 8, "D": 100, "E": 44}
BUTTON_ROW_HEIGHT = 24  # points
BUTTON_SIZE = {"width": 165, "height": 28, "x_offset": 4, "y_offset": 2}

DOCUMENT_COMMENTS = (
    "Makroaktiverad LUM-liggare, format 1 (docs/ledger-format.md). Byggd med xl/build.py; "
    "knapparna kräver Python med lumledger, se docs/excel.md."
)


class BuildError(Exception):
    """The sources in xl/ do not agree with each other, or the build produced a broken part."""


# --- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    macro: str
    python: str
    caption: str
    group: str
    cell: str
    image: str
    description: str
    cli: str


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    label: str
    cell: str


@dataclass(frozen=True, slots=True)
class ButtonConfig:
    module: str
    description_column: str
    command_column: str
    groups: tuple[Group, ...]
    buttons: tuple[Button, ...]


def load_buttons(path: Path = BUTTONS_JSON) -> ButtonConfig:
    """Read the button definitions (``xl/buttons.json``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return ButtonConfig(
        module=data["module"],
        description_column=data["description_column"],
        command_column=data["command_column"],
        groups=tuple(Group(**group) for group in data["groups"]),
        buttons=tuple(Button(**button) for button in data["buttons"]),
    )


def read_vba(path: Path) -> str:
    """A VBA source file as text with CRLF line ends (files are cp1252, as the VBE exports them)."""
    text = path.read_bytes().decode(VBA_ENCODING)
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_module_name(source: str) -> str:
    match = re.match(r'Attribute VB_Name = "(\w+)"\r\n', source)
    if match is None:
        raise BuildError('a VBA module must start with Attribute VB_Name = "..."')
    return match.group(1)


_SUB = re.compile(r"^Sub (\w+)\((.*?)\)\r\n(.*?)^End Sub\r\n", re.MULTILINE | re.DOTALL)


def vba_subs(source: str) -> dict[str, tuple[str, list[str]]]:
    """Every ``Sub`` of a module: name -> (parameter list, non-empty body lines, stripped)."""
    return {
        match.group(1): (
            match.group(2),
            [line.strip() for line in match.group(3).splitlines() if line.strip()],
        )
        for match in _SUB.finditer(source)
    }


def runpython_call(function: str) -> str:
    """The one line a button macro consists of."""
    return f'RunPython "import lumledger.xl; lumledger.xl.{function}()"'


def check_sources(config: ButtonConfig, macros_source: str, custom_ui: bytes) -> None:
    """Fail unless buttons.json, LumLedger.bas and customUI.xml describe the same macros."""
    if vba_module_name(macros_source) != config.module:
        raise BuildError(f"{LUMLEDGER_BAS.name} is not the module {config.module}")
    subs = vba_subs(macros_source)
    wanted = {button.macro: button for button in config.buttons}
    if set(subs) != set(wanted):
        raise BuildError(
            f"macros in {LUMLEDGER_BAS.name} {sorted(subs)} differ from "
            f"{BUTTONS_JSON.name} {sorted(wanted)}"
        )
    for name, (parameters, body) in subs.items():
        if parameters or body != [runpython_call(wanted[name].python)]:
            raise BuildError(f"Sub {name} must be exactly: {runpython_call(wanted[name].python)}")
    groups = {group.id for group in config.groups}
    for button in config.buttons:
        if button.group not in groups:
            raise BuildError(f"button {button.macro}: unknown group {button.group}")

    root = ElementTree.fromstring(custom_ui)
    ribbon = {
        element.get("tag"): element
        for element in root.iter(f"{CUSTOM_UI_NS}button")
        if element.get("onAction") == RIBBON_CALLBACK
    }
    if set(ribbon) != set(wanted) or len(ribbon) != len(list(root.iter(f"{CUSTOM_UI_NS}button"))):
        raise BuildError(
            f"{CUSTOM_UI_XML.name}: buttons {sorted(ribbon)} differ from {sorted(wanted)}"
        )
    for tag, element in ribbon.items():
        button = wanted[tag]
        expected = {
            "label": button.caption,
            "imageMso": button.image,
            "supertip": button.description,
        }
        found = {key: element.get(key) for key in expected}
        if found != expected:
            raise BuildError(f"{CUSTOM_UI_XML.name}, button {tag}: {found} != {expected}")


# --- the VBA project ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VbaModule:
    name: str
    source: str  # CRLF line ends
    document_base: uuid.UUID | None = None  # a document module's VB_Base; None: standard module


def document_module(name: str, base: uuid.UUID) -> VbaModule:
    """An empty document module (ThisWorkbook or a sheet), as Excel writes one."""
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "0{{{str(base).upper()}}}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return VbaModule(name, "\r\n".join(lines) + "\r\n", base)


def _copytoken_help(difference: int) -> dict[str, int]:
    """MS-OVBA 2.4.1.3.19.1 CopyToken Help, with the maximum length computed as specified."""
    from ms_ovba_compression.ms_ovba import MsOvba

    bit_count = MsOvba.ceil_log2(difference)
    length_mask = 0xFFFF >> bit_count
    return {
        "lengthMask": length_mask,
        "offsetMask": ~length_mask & 0xFFFF,
        "bitCount": bit_count,
        "maxLength": (0xFFFF >> bit_count) + 3,
    }


@contextlib.contextmanager
def _patched_ms_ovba() -> Iterator[None]:
    """Correct ms-ovba's compression and make its encryption seed deterministic, temporarily."""
    import ms_ovba_crypto.ms_ovba_crypto as crypto
    from ms_ovba_compression.ms_ovba import MsOvba

    original_help = MsOvba.__dict__["copytoken_help"]
    original_random = crypto.random
    MsOvba.copytoken_help = staticmethod(_copytoken_help)  # type: ignore[method-assign]
    crypto.random = random.Random(CRYPTO_SEED)  # type: ignore[assignment]
    try:
        yield
    finally:
        MsOvba.copytoken_help = original_help  # type: ignore[method-assign]
        crypto.random = original_random


def build_vba_project(modules: Sequence[VbaModule]) -> bytes:
    """The ``vbaProject.bin`` holding ``modules``, built by ms-ovba in a fresh temporary folder."""
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    project = VbaProject()
    project.project_id = PROJECT_ID
    # As Excel writes them: the version line in PROJECT and the PROJECTwm name map.
    project.add_attribute("VersionCompatible32", "393222000")
    project.include_projectwm()
    # The references every new Excel project has: OLE Automation and the Office library (which
    # declares IRibbonControl, the ribbon callback's parameter type).
    for name, guid, path, description in (
        (
            "stdole",
            "00020430-0000-0000-C000-000000000046",
            r"C:\Windows\System32\stdole2.tlb",
            "OLE Automation",
        ),
        (
            "Office",
            "2DF8D04C-5BFA-101B-BDE5-00AA0044DE52",
            r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL",
            "Microsoft Office 16.0 Object Library",
        ),
    ):
        libid = LibidReference(uuid.UUID(guid), "2.0", "0", path, description)
        project.add_reference(Reference(ReferenceRegistered(libid), name))

    with (
        tempfile.TemporaryDirectory(prefix="lumledger-vba-") as tmp,
        contextlib.chdir(tmp),
        _patched_ms_ovba(),
    ):
        source_dir = Path(tmp, "modules")
        source_dir.mkdir()
        for module in modules:
            entity: Any
            if module.document_base is None:
                entity = StdModule(module.name)
            else:
                entity = DocModule(module.name)
                entity.add_guid(module.document_base)
            # ms-ovba compresses "<file>.new"; written here instead of by its normalize_file().
            entity.add_file(str(source_dir / module.name))
            Path(source_dir, module.name + ".new").write_bytes(module.source.encode(VBA_ENCODING))
            project.add_module(entity)
        ProjectOleFile.write_file(project)
        data = Path(tmp, "vbaProject.bin").read_bytes()
    _check_vba_project(data, modules)
    return data


def _check_vba_project(data: bytes, modules: Sequence[VbaModule]) -> None:
    """Every module stream must decompress to exactly its source."""
    # oletools' decompressor: independent of ms-ovba (whose own decompress() mishandles
    # sources longer than one 4 KB chunk).
    import olefile
    from oletools.olevba import decompress_stream

    with olefile.OleFileIO(data) as ole:
        for module in modules:
            stream = ole.openstream(f"VBA/{module.name}").read()
            if decompress_stream(bytearray(stream)) != module.source.encode(VBA_ENCODING):
                raise BuildError(f"module {module.name} does not decompress to its source")


# --- the workbook ---------------------------------------------------------------------------------


def _load_ledger_builder() -> ModuleType:
    """``workbooks/build.py`` as a module (both scripts are named build.py, hence by path)."""
    spec = importlib.util.spec_from_file_location("lumledger_workbooks_build", LEDGER_BUILD)
    if spec is None or spec.loader is None or not LEDGER_BUILD.exists():
        raise BuildError(f"{LEDGER_BUILD} is missing: it writes the ledger sheets")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _write_start(workbook: Any, config: ButtonConfig) -> None:
    sheet = workbook.add_worksheet(START_SHEET)
    sheet.hide_gridlines(2)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    for column, width in START_WIDTHS.items():
        sheet.set_column(f"{column}:{column}", width)
    title = workbook.add_format({"bold": True, "font_size": 20})
    heading = workbook.add_format({"bold": True, "font_size": 12})
    text = workbook.add_format({"valign": "vcenter"})
    code = workbook.add_format({"valign": "vcenter", "font_name": "Consolas"})

    sheet.write_string("B1", START_TITLE, title)
    sheet.set_row(0, 30)
    sheet.write_string("B2", START_SUBTITLE)
    # The year the export and budget-cycle buttons act on (lumledger.xl reads Start!C3; empty
    # means the latest round for export and the natural next step for the cycle buttons).
    year_input = workbook.add_format(
        {"bg_color": "#FFF2CC", "border": 1, "bold": True, "align": "center", "num_format": "0"}
    )
    sheet.write_string("B3", YEAR_LABEL, workbook.add_format({"bold": True, "align": "right"}))
    sheet.write_blank(YEAR_CELL, None, year_input)
    sheet.data_validation(
        YEAR_CELL,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1900,
            "maximum": 9999,
            "input_title": "År",
            "input_message": "Året som Exportera bilagor och årets cykel gäller. Tomt: senaste/nästa år.",
            "error_title": "Ogiltigt år",
            "error_message": "Skriv ett årtal med fyra siffror, t.ex. 2019.",
        },
    )
    sheet.write_string("B4", START_HEADING, heading)
    for row, step in enumerate(START_STEPS, start=5):
        sheet.write_string(f"B{row}", step)

    for group in config.groups:
        row = int(group.cell[1:])
        sheet.write_string(group.cell, group.label, heading)
        sheet.write_string(f"{config.command_column}{row}", COMMAND_HEADING, heading)
    for button in config.buttons:
        row = int(button.cell[1:])
        sheet.set_row(row - 1, BUTTON_ROW_HEIGHT)
        sheet.insert_button(
            button.cell,
            {"macro": button.macro, "caption": button.caption, **BUTTON_SIZE},
        )
        sheet.write_string(f"{config.description_column}{row}", button.description, text)
        sheet.write_string(f"{config.command_column}{row}", button.cli, code)
    sheet.activate()


def _write_conf(workbook: Any) -> None:
    sheet = workbook.add_worksheet(CONF_SHEET)
    sheet.set_column("A:A", 18)
    sheet.set_column("B:B", 60)
    for row, (key, value) in enumerate(CONF_SETTINGS):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    first_help_row = len(CONF_SETTINGS) + 2  # one empty row ends the settings
    bold = workbook.add_format({"bold": True})
    for offset, line in enumerate(CONF_HELP):
        sheet.write_string(first_help_row + offset, 0, line, bold if offset == 0 else None)


def add_custom_ui(package: bytes, custom_ui: bytes) -> bytes:
    """Add the ribbon part and its package relationship to a zip package, reproducibly."""
    relationship = (
        f'<Relationship Id="rIdLumRibbon" Type="{CUSTOM_UI_RELATIONSHIP}" '
        f'Target="{CUSTOM_UI_PART}"/>'
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        names = source.namelist()
        if CUSTOM_UI_PART in names:
            raise BuildError(f"the package already has {CUSTOM_UI_PART}")
        for name in [*names, CUSTOM_UI_PART]:
            data = custom_ui if name == CUSTOM_UI_PART else source.read(name)
            if name == "_rels/.rels":
                text = data.decode("utf-8")
                if text.count("</Relationships>") != 1:
                    raise BuildError("unexpected _rels/.rels")
                data = text.replace("</Relationships>", relationship + "</Relationships>").encode()
            # Fixed time stamp, attributes and creator system: the same bytes on every machine.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, data)
    return out.getvalue()


def build_workbook_bytes() -> bytes:
    """The complete ``lumledger.xlsm`` as bytes."""
    from xlsxwriter.workbook import Workbook

    config = load_buttons()
    macros = read_vba(LUMLEDGER_BAS)
    custom_ui = CUSTOM_UI_XML.read_bytes()
    check_sources(config, macros, custom_ui)
    ledger = _load_ledger_builder()

    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"in_memory": True})
    # The ledger files' fixed properties (their creation date makes the build reproducible).
    workbook.set_properties({**ledger.DOCUMENT_PROPERTIES, "comments": DOCUMENT_COMMENTS})
    workbook.set_vba_name(WORKBOOK_CODENAME)
    _write_start(workbook, config)
    ledger.write_ledger_sheets(workbook, None)
    _write_conf(workbook)

    modules = [document_module(WORKBOOK_CODENAME, WORKBOOK_BASE)]
    for index, sheet in enumerate(workbook.worksheets(), start=1):
        sheet.set_vba_name(f"Sheet{index}")
        modules.append(document_module(sheet.vba_codename, WORKSHEET_BASE))
    for path in (LUMLEDGER_BAS, RIBBON_BAS, XLWINGS_BAS):
        source = read_vba(path)
        modules.append(VbaModule(vba_module_name(source), source))
    workbook.add_vba_project(io.BytesIO(build_vba_project(modules)), is_stream=True)
    workbook.close()
    return add_custom_ui(buffer.getvalue(), custom_ui)


def build(output: Path = OUTPUT) -> Path:
    """Write ``lumledger.xlsm`` to ``output`` (only after the whole build succeeded)."""
    data = build_workbook_bytes()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return output


def vendored_xlwings_version(path: Path = XLWINGS_BAS) -> str:
    match = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', read_vba(path))
    if match is None:
        raise BuildError(f"{path}: no XLWINGS_VERSION")
    return match.group(1)


def installed_xlwings_bas() -> Path:
    """``xlwings.bas`` of the installed xlwings package (what ``xlwings copy vba`` copies)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise BuildError("xlwings is not installed")
    return Path(spec.origin).parent / "xlwings.bas"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build workbooks/lumledger.xlsm from xl/.")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="output .xlsm file")
    parser.add_argument(
        "--update-xlwings",
        action="store_true",
        help="first copy xlwings.bas from the installed xlwings package into xl/xlwings/",
    )
    args = parser.parse_args(argv)
    if args.update_xlwings:
        shutil.copyfile(installed_xlwings_bas(), XLWINGS_BAS)
    try:
        print(build(args.output))
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    print(f"xlwings VBA module: {vendored_xlwings_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
