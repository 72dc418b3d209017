"""Per-column rules as pandera schemas: one ``DataFrameModel`` per sheet of the ledger.

The frames come from :mod:`lumledger.workbook.reader`, already parsed (so a bad cell is one ``E003``
there, and an empty value here). Each check carries its rule code, so pandera's
``failure_cases`` (index = Excel row) map straight onto findings with cell addresses:

* ``not_nullable`` on a required column -> ``LUM-E004``
* ``greater_than_or_equal_to(0)`` on an amount -> ``LUM-E007``
* ``isin(...)`` on ``Typ``/``Status`` -> ``LUM-E010``
* checks named ``LUM-…`` -> that code (``E008``, ``E011``, ``E016``)

This is the only module that imports pandera.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

import pandas as pd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa
    from pandera.typing import Series


from lumledger import ledger_format
from lumledger.money import check_payment_account


def _load_pandera_checks() -> None:
    """Load pandera's built-in checks now, without its optional data-synthesis strategies.

    On the first validation pandera imports its hypothesis strategies, which import hypothesis
    when it is installed (it is a test dependency): 0.13 s of an officer's 1 s wait, for a
    feature lumledger never uses. When hypothesis is not loaded yet, the strategies module is
    imported with hypothesis hidden, exactly as on a machine without it; a process that already
    uses hypothesis (the test suite) is left alone.
    """
    hidden = "hypothesis" not in sys.modules
    if hidden:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]  # makes `import` fail
    try:
        importlib.import_module("pandera.strategies.pandas_strategies")
        importlib.import_module("pandera.backends.pandas.builtin_checks")
    finally:
        if hidden and sys.modules.get("hypothesis", 0) is None:
            del sys.modules["hypothesis"]


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _load_pandera_checks()

Int64 = pd.Int64Dtype
_TYPES = list(ledger_format.APPLICATION_TYPES)


class _Base(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


def _amount(alias: str, *, required: bool = False) -> Any:
    return pa.Field(alias=alias, nullable=not required, ge=0)


def _optional(alias: str) -> Any:
    return pa.Field(alias=alias, nullable=True)


def _required(alias: str) -> Any:
    return pa.Field(alias=alias, nullable=False)


class RoundsSchema(_Base):
    year: Series[Int64] = _required("År")
    opens: Series[Any] = _optional("Ansökan öppnar")
    closes: Series[Any] = _optional("Ansökan stänger")
    frame_projects: Series[Int64] = _amount("Ram projekt")
    frame_visits: Series[Int64] = _amount("Ram studiebesök")
    max_granted: Series[Int64] = _amount("Max beviljade per förvaltning")
    max_project: Series[Int64] = _amount("Max belopp projekt")
    max_visit: Series[Int64] = _amount("Max belopp studiebesök")
    decided_on: Series[Any] = _optional("Beslutsdatum")
    diary_number: Series[Any] = _optional("Diarienummer")
    status: Series[Any] = pa.Field(
        alias="Status", nullable=True, isin=list(ledger_format.ROUND_STATUSES)
    )


class AdministrationsSchema(_Base):
    name: Series[Any] = _required("Namn")
    full_name: Series[Any] = _optional("Fullständigt namn")
    kind: Series[Any] = pa.Field(
        alias="Typ", nullable=True, isin=list(ledger_format.ADMINISTRATION_TYPES)
    )
    cost_centre: Series[Any] = _optional("KST")
    valid_from: Series[Int64] = _optional("Giltig från")
    valid_to: Series[Int64] = _optional("Giltig till")


class ApplicationsSchema(_Base):
    id: Series[Any] = _required("Id")
    year: Series[Int64] = _required("År")
    kind: Series[Any] = pa.Field(alias="Typ", nullable=False, isin=_TYPES)
    administration: Series[Any] = _required("Förvaltning")
    co_applicants: Series[Any] = _optional("Medsökande")
    name: Series[Any] = _required("Namn")
    purpose: Series[Any] = _optional("Syfte")
    project: Series[Any] = _optional("Projekt")
    project_year: Series[Int64] = pa.Field(
        alias="Projektår", nullable=True, isin=list(ledger_format.PROJECT_YEARS)
    )
    earlier_granted: Series[Int64] = _amount("Tidigare beviljat")
    applied: Series[Int64] = _amount("Sökt belopp", required=True)
    assessment: Series[Any] = _optional("Utvärdering")
    granted: Series[Int64] = _amount("Beviljat belopp")
    decision: Series[Any] = _optional("Beslut")
    received: Series[Any] = _optional("Inkom")
    cost_centre: Series[Any] = _optional("KST")
    account: Series[Any] = _optional("Betalkonto")
    contact: Series[Any] = _optional("Kontaktperson")
    email: Series[Any] = _optional("E-post")
    granted_at_decision: Series[Int64] = _amount("Beviljat vid beslut")

    @pa.check("Betalkonto", name="LUM-E016")
    def account_passes_mod10(cls, accounts: pd.Series) -> pd.Series:
        return accounts_pass_mod10(accounts)

    # The two row checks answer every row themselves (an empty cell passes), so pandera need not
    # look for all-empty rows (ignore_na), which costs a scan of the whole frame per check.
    @pa.dataframe_check(name="LUM-E008", ignore_na=False)
    def granted_not_above_applied(cls, df: pd.DataFrame) -> Any:
        too_much = (df["Beviljat belopp"] > df["Sökt belopp"]).fillna(False)
        return ~too_much.astype(bool)

    @pa.dataframe_check(name="LUM-E011", ignore_na=False)
    def no_project_year_for_study_visits(cls, df: pd.DataFrame) -> Any:
        wrong = (df["Typ"] == ledger_format.STUDY_VISIT) & df["Projektår"].notna()
        return ~wrong.astype(bool)


def accounts_pass_mod10(accounts: pd.Series) -> pd.Series:
    """``Betalkonto`` cells that pass :func:`check_payment_account` (or are empty), as a mask.

    The whole column at once: each distinct account is checked once (an administration's
    account recurs on all its applications), then mapped back onto the rows.
    """
    import numpy as np

    present = accounts.notna().to_numpy(dtype=bool)
    ok = np.ones(len(accounts), dtype=bool)
    if present.any():
        codes, distinct = pd.factorize(accounts[present])
        values = np.asarray(distinct, dtype=object)  # iterating a pandas string array is slow
        texts = np.fromiter(map(str, values), dtype=object, count=len(values))
        matched, verdicts = _bankgiro_fast(texts)
        for i in np.flatnonzero(~matched):
            verdicts[i] = check_payment_account(texts[i]).ok
        ok[present] = verdicts[codes]
    return pd.Series(ok, index=accounts.index)


# The usual spellings, checked as arrays of characters: "Bankgiro 123-4567", "Bankgiro
# 1234-5678", "123-4567", "1234-5678" (ASCII digits). They mean exactly what
# check_payment_account makes of them: a bankgiro number whose last digit is the mod-10 check.
_BANKGIRO_FORMS = tuple((prefix, head) for prefix in ("Bankgiro ", "") for head in (3, 4))


def _bankgiro_fast(texts: Any) -> tuple[Any, Any]:
    """``(matched, ok)`` masks over an object array of ``str``: which texts have one of the
    usual bankgiro spellings, and which of those pass the mod-10 (Luhn) check."""
    import numpy as np

    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    matched = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    for prefix, head in _BANKGIRO_FORMS:
        size = len(prefix) + head + 5
        at = np.flatnonzero(lengths == size)
        if not at.size:
            continue
        chars = np.array(texts[at].tolist(), dtype=f"<U{size}").view(np.uint32)
        chars = chars.reshape(len(at), size)
        start = len(prefix)
        good = chars[:, start + head] == ord("-")
        if prefix:
            good &= np.all(chars[:, :start] == np.array([ord(c) for c in prefix]), axis=1)
        digits = np.concatenate([chars[:, start : start + head], chars[:, start + head + 1 :]], 1)
        digits = digits.astype(np.int64) - ord("0")
        good &= np.all((digits >= 0) & (digits <= 9), axis=1)
        from_right = digits[:, ::-1]
        doubled = from_right[:, 1::2] * 2
        doubled -= 9 * (doubled > 9)
        total = from_right[:, ::2].sum(axis=1) + doubled.sum(axis=1)
        matched[at[good]] = True
        ok[at[good]] = (total % 10 == 0)[good]
    return matched, ok


class DecisionsSchema(_Base):
    year: Series[Int64] = _required("År")
    kind: Series[Any] = pa.Field(alias="Typ", nullable=False, isin=_TYPES)
    applications: Series[Int64] = _amount("Antal ansökningar")
    administrations: Series[Int64] = _amount("Antal förvaltningar")
    applied: Series[Int64] = _amount("Summa sökt")
    granted: Series[Int64] = _amount("Summa beviljat")


class PaymentsSchema(_Base):
    id: Series[Any] = _required("Id")
    date: Series[Any] = _required("Datum")
    amount: Series[Any] = _amount("Belopp", required=True)
    voucher: Series[Any] = _optional("Verifikation")
    cost_centre: Series[Any] = _optional("KST")


class ReportsSchema(_Base):
    id: Series[Any] = _required("Id")
    submitted: Series[Any] = _required("Inlämnad")
    granted: Series[Any] = _amount("Beviljat belopp")
    own: Series[Any] = _amount("Egen insats")
    other_income: Series[Any] = _amount("Övriga intäkter")
    income: Series[Any] = _amount("Summa intäkter")
    staff: Series[Any] = _amount("Personalkostnader")
    admin: Series[Any] = _amount("Administrativa kostnader")
    training: Series[Any] = _amount("Utbildningskostnader")
    other_costs: Series[Any] = _amount("Övriga kostnader")
    costs: Series[Any] = _amount("Summa kostnader")
    unspent: Series[Any] = _amount("Ej förbrukat")


class RepaymentsSchema(_Base):
    id: Series[Any] = _required("Id")
    date: Series[Any] = _required("Datum")
    amount: Series[Any] = _amount("Belopp", required=True)
    voucher: Series[Any] = _optional("Verifikation")


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    ledger_format.ROUNDS: RoundsSchema,
    ledger_format.ADMINISTRATIONS: AdministrationsSchema,
    ledger_format.APPLICATIONS: ApplicationsSchema,
    ledger_format.DECISIONS: DecisionsSchema,
    ledger_format.PAYMENTS: PaymentsSchema,
    ledger_format.REPORTS: ReportsSchema,
    ledger_format.REPAYMENTS: RepaymentsSchema,
}

_BUILTIN_CODES = (
    ("not_nullable", "LUM-E004"),
    ("greater_than_or_equal_to", "LUM-E007"),
    ("isin", "LUM-E010"),
)

# The column a dataframe-level check points at.
DATAFRAME_CHECK_COLUMNS: dict[str, str] = {"LUM-E008": "Beviljat belopp", "LUM-E011": "Projektår"}


def rule_code(check: str, column: str | None) -> str | None:
    """The rule code of one pandera failure case, or ``None`` for schema-level noise."""
    if check.startswith("LUM-"):
        return check
    for prefix, code in _BUILTIN_CODES:
        if check.startswith(prefix):
            if code == "LUM-E010" and column == "Projektår":
                return "LUM-E011"
            return code
    return None


def failure_cases(sheet: str, frame: pd.DataFrame) -> list[tuple[str, str, int, Any]]:
    """Validate ``frame`` lazily; return ``(code, column, row, failure_case)`` per failing cell."""
    schema = SCHEMAS[sheet]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return []
    out: list[tuple[str, str, int, Any]] = []
    seen: set[tuple[str, int]] = set()
    for check, column, index, value in zip(
        cases["check"].astype(str),
        cases["column"],
        cases["index"],
        cases["failure_case"],
        strict=True,
    ):
        column_name = None if column is None or pd.isna(column) else str(column)
        code = rule_code(check, column_name)
        if code is None or index is None or pd.isna(index):
            continue
        target = DATAFRAME_CHECK_COLUMNS.get(code, column_name)
        if target is None:
            continue
        key = (code + target, int(index))
        if key in seen:
            continue
        seen.add(key)
        out.append((code, target, int(index), value))
    return out
