"""The wheel holds only the product: the lumledger package, never tools/ (fuzzer, generators)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = ("tools", "fuzz", "ledger_book", "ledgers", "make_fuzz_corpus", "benchmarks")


def _find_config() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["packages"]["find"]


def _not_product(name: str) -> bool:
    parts = name.replace("/", ".").removesuffix(".py").split(".")
    return any(part in NOT_PRODUCT for part in parts)


def test_setuptools_packages_only_lumledger() -> None:
    """What setuptools puts in the wheel, as pyproject.toml tells it to find packages."""
    find = _find_config()
    packages = find_namespace_packages(
        where=str(ROOT), include=find.get("include", ["*"]), exclude=find.get("exclude", [])
    )
    assert "lumledger" in packages
    assert all(p == "lumledger" or p.startswith("lumledger.") for p in packages), packages
    files = [
        path.relative_to(ROOT).as_posix()
        for package in packages
        for path in (ROOT / package.replace(".", "/")).glob("*.py")
    ]
    assert files and not [f for f in files if _not_product(f)]


def test_not_product_recognises_the_tooling() -> None:
    assert _not_product("tools/fuzz.py") and _not_product("lumledger/fuzz.py")
    assert _not_product("lumledger/tools/ledger_book.py")
    assert not _not_product("lumledger/workbook/package.py")


@pytest.mark.slow
def test_built_wheel_holds_only_the_product(tmp_path: Path) -> None:
    """``pip wheel`` on a copy of the sources (setuptools from the package index)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("lumledger", "tools"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path / "wheel"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.skip(f"pip wheel could not build here: {result.stderr.strip()[-300:]}")
    (wheel,) = out.glob("lumledger-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "lumledger/workbook/package.py" in names
    assert all(n.startswith(("lumledger/", "lumledger-")) for n in names), names
    assert not [n for n in names if _not_product(n)]
