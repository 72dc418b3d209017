"""lumledger: validation, roll-ups, official tables and reconciliation for the LUM grant ledger.

Use as a library — the same calls the command line and the Excel front end make
(:mod:`lumledger.api`)::

    import lumledger

    ledger = lumledger.load("liggare.xlsx")            # read-only
    result = lumledger.validate(ledger)                # .findings, .valid, .to_dict()
    summary = lumledger.rollup(ledger, year=2019)      # .rollup, .findings, .to_dict()
    check = lumledger.reconcile(ledger, as_of=None)    # .findings, .statements, .to_dict()
    files = lumledger.export(ledger, 2019, "bilagor")  # .files, .findings, .to_dict()
    lumledger.new_round("liggare.xlsx", 2020)          # the cycle steps write, after a backup
    lumledger.import_forms("liggare.xlsx", ["ansokan.docx"], dry_run=True)  # .forms, .to_dict()
    lumledger.rules.RULES["LUM-E008"].title            # every rule, declared once

The package root imports nothing heavy: ``lumledger --help`` and ``import lumledger`` start fast;
each call imports what it needs the first time it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_FACADE = frozenset(
    {
        "load",
        "validate",
        "rollup",
        "reconcile",
        "export",
        "new_round",
        "decide",
        "close",
        "import_forms",
        "EXPORT_FORMATS",
        "RollupResult",
        "ExportResult",
    }
)

if TYPE_CHECKING:
    from lumledger.api import (
        EXPORT_FORMATS,
        ExportResult,
        RollupResult,
        close,
        decide,
        export,
        import_forms,
        load,
        new_round,
        reconcile,
        rollup,
        validate,
    )


_SUBMODULES = frozenset({"rules", "ledger", "api"})


def __getattr__(name: str) -> Any:
    """The facade's calls and its rule registry, imported on first use (PEP 562)."""
    if name in _FACADE:
        return getattr(importlib.import_module("lumledger.api"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"lumledger.{name}")
    raise AttributeError(f"module 'lumledger' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FACADE, *_SUBMODULES})


__all__ = [
    "EXPORT_FORMATS",
    "ExportResult",
    "RollupResult",
    "__version__",
    "close",
    "decide",
    "export",
    "import_forms",
    "load",
    "new_round",
    "reconcile",
    "rollup",
    "validate",
]
