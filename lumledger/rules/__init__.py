"""The rules of the LUM ledger: one registry, and the functions that check them.

* :mod:`lumledger.rules.registry` — every code declared once (:data:`RULES`), the one loop that
  runs them (:func:`run`) and :func:`switched_off`;
* :mod:`lumledger.rules.schemas` — the rules on single columns (E004, E007, E008, E010, E011, E016);
* :mod:`lumledger.rules.cross_sheet` — the rules across rows and sheets, and ``validate_ledger``;
* :mod:`lumledger.rules.reconciliation` — the reconciliation rules (R001–R011), by family.

Importing this package is cheap (standard library only); the check modules are imported the
first time a rule runs.
"""

from lumledger.rules.registry import (
    DISCREPANCY,
    ERROR,
    READING,
    RECONCILIATION,
    RULES,
    STAGES,
    VALIDATION,
    WARNING,
    Check,
    Context,
    NotRun,
    Rule,
    codes_of,
    run,
    switched_off,
)

__all__ = [
    "DISCREPANCY",
    "ERROR",
    "READING",
    "RECONCILIATION",
    "RULES",
    "STAGES",
    "VALIDATION",
    "WARNING",
    "Check",
    "Context",
    "NotRun",
    "Rule",
    "codes_of",
    "run",
    "switched_off",
]
