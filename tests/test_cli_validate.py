"""``lumledger validate`` through click's CliRunner: output, JSON contract, exit status, and files
that cannot be read (exit 2, one Swedish sentence, never a traceback, input never changed)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE, TEMPLATE, make_ledger

from lumledger import ledger_format
from lumledger.cli import main

FINDING_KEYS = {"code", "severity", "sheet", "cell", "row", "message", "expected", "found"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_example_validates_clean_and_json_has_spec_shape() -> None:
    result = run("validate", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) >= {"findings", "summary"}
    # Only the warnings the real decision calls for (issue 13): no errors.
    assert [(f["code"], f["severity"]) for f in payload["findings"]] == [
        ("LUM-W008", "warning"),
        ("LUM-W008", "warning"),
        ("LUM-W009", "warning"),
        ("LUM-W009", "warning"),
        ("LUM-W009", "warning"),
    ]
    assert payload["summary"]["errors"] == 0 and payload["summary"]["valid"] is True


def test_human_output_lists_findings_then_summary(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda r: r[ledger_format.APPLICATIONS][0].update({"Beviljat belopp": 400_000}),
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == (
        "Ansökningar!M2  LUM-E008  Beviljat belopp (400 000 kr) är större än sökt belopp (317 000 kr)"
    )
    assert lines[-1].startswith("liggare.xlsx: 1 fel, 0 varningar")


def test_json_findings_carry_every_key(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda r: r[ledger_format.APPLICATIONS][0].update(
            {"Beviljat belopp": 400_000, "Sökt belopp": "317 000"}
        ),
    )
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert {f["code"] for f in payload["findings"]} == {"LUM-E008", "LUM-W001"}
    for item in payload["findings"]:
        assert set(item) >= FINDING_KEYS
        assert item["severity"] in ("error", "warning")
    assert payload["summary"]["errors"] == 1 and payload["summary"]["warnings"] == 1


def test_warnings_only_exit_zero(tmp_path: Path) -> None:
    path = make_ledger(
        tmp_path,
        change=lambda r: r[ledger_format.APPLICATIONS][0].update({"Sökt belopp": "317 000"}),
    )
    assert run("validate", str(path)).exit_code == 0


def test_template_validates_clean() -> None:
    result = run("validate", str(TEMPLATE))
    assert result.exit_code == 0, result.output


def _encrypted(tmp_path: Path) -> Path:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_ledger(tmp_path, name="klar.xlsx")
    target = tmp_path / "skyddad.xlsx"
    with plain.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt("hemligt", out)
    assert msoffcrypto  # imported for the skip above
    return target


def _unreadable_files(tmp_path: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    files["missing"] = tmp_path / "finns-inte.xlsx"
    (empty := tmp_path / "tom.xlsx").write_bytes(b"")
    files["empty"] = empty
    (text := tmp_path / "text.xlsx").write_text("Id;År\n2019-P01;2019\n", encoding="utf-8")
    files["text"] = text
    good = make_ledger(tmp_path, name="hel.xlsx").read_bytes()
    (truncated := tmp_path / "avklippt.xlsx").write_bytes(good[: len(good) // 2])
    files["truncated"] = truncated
    (tail := tmp_path / "utan-slut.xlsx").write_bytes(good[:-30])
    files["truncated-end"] = tail
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    (other_zip := tmp_path / "annan.xlsx").write_bytes(buffer.getvalue())
    files["zip-not-workbook"] = other_zip
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 504
        + "Workbook".encode("utf-16-le")
        + b"\0" * 512
    )
    (xls := tmp_path / "gammal.xls").write_bytes(ole)
    files["xls"] = xls
    files["encrypted"] = _encrypted(tmp_path)
    locked = make_ledger(tmp_path, name="låst.xlsx")
    (tmp_path / "~$låst.xlsx").write_bytes(b"\x0bExcel user")
    files["locked"] = locked
    files["directory"] = tmp_path
    flipped = bytearray(good)
    middle = len(flipped) // 3
    for i in range(middle, middle + 64):
        flipped[i] ^= 0xFF
    (corrupt := tmp_path / "skadad.xlsx").write_bytes(bytes(flipped))
    files["corrupt"] = corrupt
    return files


CASES = [
    "missing",
    "empty",
    "text",
    "truncated",
    "truncated-end",
    "zip-not-workbook",
    "xls",
    "encrypted",
    "locked",
    "directory",
    "corrupt",
]


@pytest.mark.parametrize("case", CASES)
def test_unreadable_file_exits_2_with_one_swedish_sentence(tmp_path: Path, case: str) -> None:
    path = _unreadable_files(tmp_path)[case]
    before = digest(path) if path.is_file() else None
    for args in (["validate", str(path)], ["validate", str(path), "--json"]):
        result = run(*args)
        assert result.exit_code == 2, (case, result.output)
        assert "Traceback" not in result.output
        message = result.stderr.strip()
        assert message.count("\n") == 0 and message.endswith("."), message
        assert "oväntat fel" not in message, message
        if "--json" in args:  # the same sentence, as JSON on standard output
            assert json.loads(result.stdout) == {"error": {"message": message, "exit_code": 2}}
        else:
            assert result.stdout == ""
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        )
    if before is not None:
        assert digest(path) == before


def test_specific_messages(tmp_path: Path) -> None:
    files = _unreadable_files(tmp_path)
    expectations: dict[str, str] = {
        "missing": "finns inte",
        "empty": "tom",
        "xls": ".xls",
        "encrypted": "lösenordsskyddad",
        "locked": "öppen i Excel",
        "truncated": "skadad",
    }
    for case, words in expectations.items():
        assert words in run("validate", str(files[case])).output, case


def test_input_is_byte_identical_after_runs(tmp_path: Path) -> None:
    bad = make_ledger(
        tmp_path, change=lambda r: r[ledger_format.APPLICATIONS][0].update({"Sökt belopp": "x"})
    )
    for path in (bad, EXAMPLE):
        before = digest(path)
        stat_before = path.stat().st_mtime_ns
        run("validate", str(path))
        run("validate", str(path), "--json")
        assert digest(path) == before and path.stat().st_mtime_ns == stat_before


def test_no_traceback_from_real_process(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "lumledger.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout


def test_help_does_not_import_pandas() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "from lumledger.cli import main; main(['--help'])",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    heavy: set[Any] = {
        name
        for name in imported
        if name.split(".")[0] in {"pandas", "pandera", "openpyxl", "numpy", "xlwings", "docx"}
    }
    assert not heavy, sorted(heavy)[:10]


def test_unreadable_file_is_refused_before_the_heavy_imports(tmp_path: Path) -> None:
    """The file check runs before pandas is imported: a hostile file costs milliseconds."""
    hostile = Path(__file__).parent / "fuzz_corpus" / "billion-laughs.xlsx"
    for path in (hostile, tmp_path / "saknas.xlsx"):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "lumledger.cli", "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert not {name for name in imported if name.split(".")[0] in {"pandas", "pandera"}}
