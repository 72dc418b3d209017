"""The macro workbook ``workbooks/lumledger.xlsm`` and its text sources in ``xl/``.

What is checked: the committed workbook is exactly what ``python xl/build.py`` builds, and a
second build gives the same bytes; oletools reads back every VBA module equal to its source; the
button macros are one ``RunPython`` call each into ``lumledger.xl``; the Start sheet's buttons,
the ribbon and ``buttons.json`` agree; the ``xlwings.conf`` sheet holds the settings; LibreOffice
opens the workbook, imports the VBA modules and binds each button to its macro.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
XL = ROOT / "xl"
COMMITTED = ROOT / "workbooks" / "lumledger.xlsm"
BUTTONS = json.loads((XL / "buttons.json").read_text(encoding="utf-8"))["buttons"]
MACROS = [button["macro"] for button in BUTTONS]

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_VML_EXCEL = "{urn:schemas-microsoft-com:office:excel}"
NS_VML = "{urn:schemas-microsoft-com:vml}"
NS_CUSTOM_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
# oletools uses pyparsing's old camelCase names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:oletools")

RUNPYTHON = re.compile(r'RunPython "import lumledger\.xl; lumledger\.xl\.([a-z_]+)\(\)"')


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lumledger_xl_build", XL / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


@pytest.fixture(scope="module")
def built() -> bytes:
    return builder.build_workbook_bytes()


@pytest.fixture(scope="module")
def built_path(built: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsm") / "lumledger.xlsm"
    path.write_bytes(built)
    return path


def _source(name: str) -> str:
    """A VBA source as the VBA editor holds it: cp1252 text with CRLF line ends."""
    return (XL / name).read_bytes().decode("cp1252")


def _statements(source: str) -> list[str]:
    """Code lines without blank lines and whole-line comments."""
    lines = (line.strip() for line in source.split("\r\n"))
    return [line for line in lines if line and not line.startswith("'")]


# --- reproducible build ---------------------------------------------------------------------------


def test_fresh_build_equals_committed_workbook(built: bytes) -> None:
    assert COMMITTED.exists(), "workbooks/lumledger.xlsm is missing: run python xl/build.py"
    assert built == COMMITTED.read_bytes(), (
        "workbooks/lumledger.xlsm is not what xl/build.py builds from the current sources "
        "(xl/, workbooks/build.py): run python xl/build.py and commit the result"
    )


def test_second_build_is_byte_identical(built: bytes) -> None:
    assert builder.build_workbook_bytes() == built


# --- VBA sources ----------------------------------------------------------------------------------


def test_vba_sources_are_crlf_cp1252_with_module_names() -> None:
    for name, module in (
        ("LumLedger.bas", "LumLedger"),
        ("LumRibbon.bas", "LumRibbon"),
        ("xlwings/xlwings.bas", "xlwings"),
    ):
        raw = (XL / name).read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{name}: line ends must be CRLF"
        assert raw.startswith(f'Attribute VB_Name = "{module}"\r\n'.encode()), name
        text = raw.decode("cp1252")
        code = [re.sub(r'"[^"]*"', '""', line).split("'")[0] for line in _statements(text)]
        assert all(line.isascii() for line in code), f"{name}: identifiers must be ASCII"


def test_every_macro_is_one_runpython_call_into_lumledger_xl() -> None:
    statements = _statements(_source("LumLedger.bas"))
    subs: dict[str, list[str]] = {}
    outside: list[str] = []
    current: str | None = None
    for line in statements:
        if current is None:
            match = re.fullmatch(r"Sub (\w+)\(\)", line)
            if match:
                current = match.group(1)
                subs[current] = []
            else:
                outside.append(line)
        elif line == "End Sub":
            current = None
        else:
            subs[current].append(line)
    assert current is None
    assert outside == ['Attribute VB_Name = "LumLedger"', "Option Explicit"]
    assert sorted(subs) == sorted(MACROS)
    functions = {}
    for name, body in subs.items():
        assert len(body) == 1, f"Sub {name} must be a single RunPython call, found {body}"
        match = RUNPYTHON.fullmatch(body[0])
        assert match, f"Sub {name}: {body[0]!r} is not a RunPython call into lumledger.xl"
        functions[name] = match.group(1)
    assert functions == {button["macro"]: button["python"] for button in BUTTONS}


def test_macros_call_functions_that_lumledger_xl_defines() -> None:
    module = ROOT / "lumledger" / "xl" / "__init__.py"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    missing = {button["python"] for button in BUTTONS} - defined
    assert not missing, f"lumledger.xl lacks the button entry points {sorted(missing)}"


def test_olevba_extracts_every_module_equal_to_its_source(built: bytes) -> None:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser("lumledger.xlsm", data=built)
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert modules["LumLedger.bas"] == _source("LumLedger.bas")
    assert modules["LumRibbon.bas"] == _source("LumRibbon.bas")
    assert modules["xlwings.bas"] == _source("xlwings/xlwings.bas")
    assert "Public Function RunPython(PythonCommand As String)" in modules["xlwings.bas"]
    sheets = openpyxl.load_workbook(io.BytesIO(built), read_only=True).sheetnames
    documents = {f"Sheet{index}.cls" for index in range(1, len(sheets) + 1)}
    assert documents | {"ThisWorkbook.cls"} <= set(modules)
    for name in documents | {"ThisWorkbook.cls"}:
        assert modules[name].startswith(f'Attribute VB_Name = "{name[:-4]}"\r\n')


def test_bundled_xlwings_module_is_the_installed_packages() -> None:
    import xlwings

    vendored = builder.vendored_xlwings_version()
    if xlwings.__version__ != vendored:
        pytest.skip(f"installed xlwings {xlwings.__version__}, bundled module is {vendored}")
    installed = builder.installed_xlwings_bas().read_bytes()
    assert (XL / "xlwings" / "xlwings.bas").read_bytes() == installed


# --- sheets, buttons and ribbon -------------------------------------------------------------------


def _sheet_part(package: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rid = next(
        sheet.get(f"{NS_REL}id")
        for sheet in workbook.iter(f"{NS_MAIN}sheet")
        if sheet.get("name") == sheet_name
    )
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(rel.get("Target") for rel in rels if rel.get("Id") == rid)
    return posixpath.normpath(posixpath.join("xl", target))


def _legacy_drawing(package: zipfile.ZipFile, sheet_part: str) -> str:
    folder, name = posixpath.split(sheet_part)
    sheet = ElementTree.fromstring(package.read(sheet_part))
    drawing = sheet.find(f"{NS_MAIN}legacyDrawing")
    assert drawing is not None, f"{sheet_part} has no legacy (VML) drawing"
    rels = ElementTree.fromstring(package.read(f"{folder}/_rels/{name}.rels"))
    target = next(rel.get("Target") for rel in rels if rel.get("Id") == drawing.get(f"{NS_REL}id"))
    return posixpath.normpath(posixpath.join(folder, target))


def _cell(col: int, row: int) -> str:
    return f"{chr(ord('A') + col)}{row + 1}"


def test_start_sheet_buttons_are_bound_to_the_macros(built: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(built)) as package:
        vml = ElementTree.fromstring(
            package.read(_legacy_drawing(package, _sheet_part(package, "Start")))
        )
    buttons = []
    for shape in vml.iter(f"{NS_VML}shape"):
        data = shape.find(f"{NS_VML_EXCEL}ClientData")
        assert data is not None and data.get("ObjectType") == "Button"
        anchor = [int(part) for part in data.findtext(f"{NS_VML_EXCEL}Anchor", "").split(",")]
        caption = "".join(shape.find(f"{NS_VML}textbox").itertext()).strip()  # type: ignore[union-attr]
        buttons.append(
            {
                "macro": data.findtext(f"{NS_VML_EXCEL}FmlaMacro"),
                "caption": caption,
                "cell": _cell(anchor[0], anchor[2]),
            }
        )
    expected = [
        {"macro": f"[0]!{button['macro']}", "caption": button["caption"], "cell": button["cell"]}
        for button in BUTTONS
    ]
    assert buttons == expected


def test_start_sheet_describes_each_button(built: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(built), read_only=True)
    start = book["Start"]
    assert start["B1"].value == "LUM-liggaren"
    for button in BUTTONS:
        row = int(button["cell"][1:])
        assert start[f"D{row}"].value == button["description"]
        assert start[f"E{row}"].value == button["cli"]


def test_sheet_order_and_xlwings_conf(built: bytes) -> None:
    from lumledger.ledger_format import INPUT_SHEETS

    book = openpyxl.load_workbook(io.BytesIO(built), read_only=True)
    assert book.sheetnames[0] == "Start"
    assert book.sheetnames[-1] == "xlwings.conf"
    assert set(INPUT_SHEETS) <= set(book.sheetnames)
    conf = book["xlwings.conf"]
    rows = [(row[0].value, row[1].value) for row in conf.iter_rows(min_row=1, max_row=3)]
    # xlwings reads keys from A1 down to the first empty cell.
    assert rows == [("Interpreter_Win", "python"), ("UDF Modules", "lumledger.xl"), (None, None)]


def test_ribbon_is_embedded_and_matches_the_buttons(built: bytes) -> None:
    custom_ui = (XL / "customUI.xml").read_bytes()
    with zipfile.ZipFile(io.BytesIO(built)) as package:
        assert package.read("customUI/customUI.xml") == custom_ui
        rels = ElementTree.fromstring(package.read("_rels/.rels"))
    assert any(
        rel.get("Type") == "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
        and rel.get("Target") == "customUI/customUI.xml"
        for rel in rels.iter(f"{NS_PKG_REL}Relationship")
    )
    ribbon = ElementTree.fromstring(custom_ui)
    tab = next(ribbon.iter(f"{NS_CUSTOM_UI}tab"))
    assert tab.get("label") == "LUM"
    ribbon_buttons = [
        (element.get("tag"), element.get("label"), element.get("onAction"))
        for element in ribbon.iter(f"{NS_CUSTOM_UI}button")
    ]
    assert ribbon_buttons == [
        (button["macro"], button["caption"], "LumRibbonKlick") for button in BUTTONS
    ]
    callback = _statements(_source("LumRibbon.bas"))
    assert "Sub LumRibbonKlick(control As IRibbonControl)" in callback


def test_inconsistent_sources_are_refused() -> None:
    config = builder.load_buttons()
    source = _source("LumLedger.bas")
    custom_ui = (XL / "customUI.xml").read_bytes()
    builder.check_sources(config, source, custom_ui)
    with pytest.raises(builder.BuildError):
        builder.check_sources(config, source.replace("validate()", "validate(1)"), custom_ui)
    with pytest.raises(builder.BuildError):
        builder.check_sources(config, source, custom_ui.replace(b'tag="Besluta"', b'tag="X"'))


# --- LibreOffice ----------------------------------------------------------------------------------


def _soffice() -> str:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return soffice


@pytest.mark.libreoffice
def test_libreoffice_converts_the_workbook_to_pdf(built_path: Path, tmp_path: Path) -> None:
    soffice = _soffice()
    result = subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(built_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    pdf = tmp_path / "lumledger.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), f"no PDF: {result.stdout} {result.stderr}"
    assert pdf.read_bytes().startswith(b"%PDF")


def _uno_python() -> str:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and Path(candidate).exists():
            probe = subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True, check=False
            )
            if probe.returncode == 0:
                return candidate
    pytest.skip("no Python with LibreOffice's UNO bridge (Debian: python3-uno)")


@pytest.mark.libreoffice
def test_libreoffice_imports_the_vba_project_and_binds_the_buttons(built_path: Path) -> None:
    _soffice()
    result = subprocess.run(
        [_uno_python(), str(XL / "lo_inspect.py"), str(built_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    modules = set(report["libraries"]["VBAProject"])
    assert {"LumLedger", "LumRibbon", "xlwings", "ThisWorkbook"} <= modules
    codenames = report["codenames"]
    assert codenames["Start"] == "Sheet1"
    assert set(codenames.values()) <= modules
    assert report["buttons"] == {
        "Start": [
            {
                "label": button["caption"],
                "scripts": [
                    f"vnd.sun.star.script:VBAProject.LumLedger.{button['macro']}"
                    "?language=Basic&location=document"
                ],
            }
            for button in BUTTONS
        ]
    }


def test_start_sheet_has_the_year_input_that_xl_reads() -> None:
    import openpyxl

    from lumledger import xl

    book = openpyxl.load_workbook(ROOT / "workbooks" / "lumledger.xlsm", keep_vba=True)
    start = book[xl.YEAR_SHEET]
    assert start["B3"].value and "År" in str(start["B3"].value)
    assert start[xl.YEAR_CELL].value is None
    ranges = [str(v.sqref) for v in start.data_validations.dataValidation]
    assert xl.YEAR_CELL in ranges
