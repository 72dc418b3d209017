"""The rule registry: every code of the format (``LUM-E…``, ``LUM-W…``, ``LUM-R…``) declared once.

A :class:`Rule` says what its code means (``title``, Swedish, one line), what the officer should do
about it (``action``, Swedish), how serious it is (``severity``), at which stage it is found
(``reading``, ``validation`` or ``reconciliation``) and which function checks it. Validation and
reconciliation run the registry in one loop, :func:`run` (as beancount's ``ops/validation.py``
runs its validators): each check function is called once with the ledger and a :class:`Context`
and returns findings. A function may yield several codes — the column pass yields E004, E007,
E008, E010, E011 and E016 — and declares them by being named as the check of each (like a
frictionless check declaring the errors it can yield). The codes found while the reader parses
the workbook (E001–E003, E013, W001–W003) name the reader as their check; the loop takes them from
the ledger.

Standard library only and cheap to import: :mod:`lumledger.findings` takes each finding's severity
from here, and check functions are named as ``"module:function"`` strings, imported the first time
a rule is run. :func:`switched_off` (a context manager over a ``ContextVar``) drops the findings of
chosen rules from the loop for the duration of a block; the meta-test uses it to prove that every
rule has a test that fails without it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lumledger import progress

if TYPE_CHECKING:
    from lumledger.findings import Finding
    from lumledger.ledger import Ledger

# How serious a rule is. A finding's own ``severity`` (the JSON contract of docs/ledger-format.md)
# is only ever ERROR or WARNING: a DISCREPANCY is reported as an error.
ERROR = "error"
WARNING = "warning"
DISCREPANCY = "discrepancy"

# Where a rule is found: while the workbook is read, by `lumledger validate`, by `lumledger reconcile`.
READING = "reading"
VALIDATION = "validation"
RECONCILIATION = "reconciliation"
STAGES: tuple[str, ...] = (READING, VALIDATION, RECONCILIATION)


@dataclass(frozen=True, slots=True)
class NotRun:
    """A check that could not run, for a year (or the whole ledger) and possibly one application."""

    code: str
    year: int | None
    cause: str  # Swedish, without the year: "inga utbetalningar registrerade"
    id: str | None = None

    @property
    def reason(self) -> str:
        """``2019: inga utbetalningar registrerade``."""
        return f"{self.year}: {self.cause}" if self.year is not None else self.cause

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "year": self.year, "id": self.id, "reason": self.reason}


@dataclass(slots=True, kw_only=True)
class Context:
    """What a check gets besides the ledger: the day to judge deadlines by, and where to say what
    could not be checked (never a silent pass, never a finding)."""

    as_of: dt.date = field(default_factory=dt.date.today)
    not_run: list[NotRun] = field(default_factory=list)

    def skip(self, code: str, year: int | None, cause: str, id_: str | None = None) -> None:
        """Record that ``code`` could not run (for ``year``, for application ``id_``)."""
        self.not_run.append(NotRun(code=code, year=year, cause=cause, id=id_))


Check = Callable[["Ledger", Context], Iterable["Finding"]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str
    severity: str  # ERROR, WARNING or DISCREPANCY
    stage: str  # READING, VALIDATION or RECONCILIATION
    title: str  # Swedish, one line: what the finding means
    action: str  # Swedish: what the officer should do about it
    check_name: str  # "module:function" of the function that finds it

    @property
    def check(self) -> Check:
        """The function that finds this rule (imported on first use)."""
        return _resolve(self.check_name)

    @property
    def finding_severity(self) -> str:
        """The ``severity`` of this rule's findings: ``warning`` or ``error``."""
        return WARNING if self.severity == WARNING else ERROR


_READER = "lumledger.workbook.reader:load_ledger"
_COLUMNS = "lumledger.rules.schemas:check_columns"
_CROSS = "lumledger.rules.cross_sheet"
_RECONCILE = "lumledger.rules.reconciliation"
_BUDGET = "lumledger.rules.budget"

_RULES: tuple[Rule, ...] = (
    Rule(
        code="LUM-E001",
        severity=ERROR,
        stage=READING,
        title="Ett obligatoriskt blad saknas",
        action="lägg till bladet (`Omgångar`, `Förvaltningar`, `Ansökningar`) eller rätta bladets namn",
        check_name=_READER,
    ),
    Rule(
        code="LUM-E002",
        severity=ERROR,
        stage=READING,
        title="En obligatorisk kolumn saknas",
        action="rätta rubriken i rad 1; meddelandet visar den rubrik som liknar mest",
        check_name=_READER,
    ),
    Rule(
        code="LUM-E003",
        severity=ERROR,
        stage=READING,
        title="Ett värde av fel typ",
        action="skriv ett tal, datum eller årtal; en formel utan värde: öppna och spara filen i Excel",
        check_name=_READER,
    ),
    Rule(
        code="LUM-E004",
        severity=ERROR,
        stage=VALIDATION,
        title="Ett obligatoriskt värde är tomt",
        action="fyll i cellen",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E005",
        severity=ERROR,
        stage=VALIDATION,
        title="Dubblett (Id, År i Omgångar eller Namn i Förvaltningar)",
        action="varje Id, år i `Omgångar` och namn i `Förvaltningar` får bara finnas en gång",
        check_name=f"{_CROSS}:check_duplicates",
    ),
    Rule(
        code="LUM-E006",
        severity=ERROR,
        stage=VALIDATION,
        title="Förvaltningen finns inte i Förvaltningar eller gäller inte det året",
        action="välj namnet ur listan i `Förvaltningar`; se Giltig från/till",
        check_name=f"{_CROSS}:check_administrations",
    ),
    Rule(
        code="LUM-E007",
        severity=ERROR,
        stage=VALIDATION,
        title="Ett negativt belopp",
        action="belopp är alltid positiva",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E008",
        severity=ERROR,
        stage=VALIDATION,
        title="Beviljat belopp är större än sökt belopp",
        action="sänk beviljat belopp eller rätta sökt belopp",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E009",
        severity=ERROR,
        stage=VALIDATION,
        title="För många beviljade ansökningar för en förvaltning, ett år och en typ",
        action="högst två per förvaltning, år och typ (eller det som står i `Omgångar`)",
        check_name=f"{_CROSS}:check_grant_limits",
    ),
    Rule(
        code="LUM-E010",
        severity=ERROR,
        stage=VALIDATION,
        title="Typ eller Status är inte ett av de tillåtna orden",
        action="välj i listrutan: Projekt/Studiebesök, Öppen/Bedömning/Beslutad/Stängd",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E011",
        severity=ERROR,
        stage=VALIDATION,
        title="Projektår utanför 1–3, eller angivet för ett studiebesök",
        action="1, 2 eller 3 för projekt; tomt för studiebesök",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E012",
        severity=ERROR,
        stage=VALIDATION,
        title="Året saknar rad i Omgångar",
        action="lägg till en rad för året i `Omgångar`",
        check_name=f"{_CROSS}:check_years_have_rounds",
    ),
    Rule(
        code="LUM-E013",
        severity=ERROR,
        stage=READING,
        title="Decimaler i en kolumn för hela kronor",
        action="ansökta och beviljade belopp anges i hela kronor",
        check_name=_READER,
    ),
    Rule(
        code="LUM-E014",
        severity=ERROR,
        stage=VALIDATION,
        title="Beviljat totalt för ett år och en typ överskrider ramen",
        action="minska beviljade belopp eller ändra ramen i `Omgångar`",
        check_name=f"{_CROSS}:check_frames",
    ),
    Rule(
        code="LUM-E015",
        severity=ERROR,
        stage=VALIDATION,
        title="Sökt belopp över omgångens maxbelopp",
        action="kontrollera ansökan mot omgångens maxbelopp",
        check_name=f"{_CROSS}:check_max_amounts",
    ),
    Rule(
        code="LUM-E016",
        severity=ERROR,
        stage=VALIDATION,
        title="Betalkontot klarar inte kontrollsiffran eller har okänd form",
        action="skriv `Bankgiro 123-4567` eller `Plusgiro 5 55 13-6`; kontrollsiffran måste stämma",
        check_name=_COLUMNS,
    ),
    Rule(
        code="LUM-E017",
        severity=ERROR,
        stage=VALIDATION,
        title="Ett Id som inte finns i Ansökningar",
        action="rätta Id i utbetalningen, redovisningen eller återbetalningen",
        check_name=f"{_CROSS}:check_known_ids",
    ),
    Rule(
        code="LUM-E018",
        severity=ERROR,
        stage=VALIDATION,
        title="Beviljat belopp ändrat efter beslut",
        action="återställ beloppet, eller dokumentera ändringsbeslutet och uppdatera "
        "`Beviljat vid beslut`",
        check_name=f"{_CROSS}:check_frozen_grants",
    ),
    Rule(
        code="LUM-E019",
        severity=ERROR,
        stage=VALIDATION,
        title="Ett fjärde projektår: projektet har redan beviljats medel tre år",
        action="projekt beviljas för högst tre år; ta bort ansökan eller registrera den som ett "
        "nytt projekt (ny `Projekt`-nyckel, projektår 1)",
        check_name=f"{_CROSS}:check_continuations",
    ),
    Rule(
        code="LUM-W001",
        severity=WARNING,
        stage=READING,
        title="Ett tal lagrat som text",
        action="fungerar, men formatera cellen som tal",
        check_name=_READER,
    ),
    Rule(
        code="LUM-W002",
        severity=WARNING,
        stage=READING,
        title="Ett datum lagrat som text",
        action="fungerar, men skriv in det som datum",
        check_name=_READER,
    ),
    Rule(
        code="LUM-W003",
        severity=WARNING,
        stage=READING,
        title="Okänd kolumn (behålls, ignoreras)",
        action="kolumnen behålls men läses inte; byt namn om den är en av formatets kolumner",
        check_name=_READER,
    ),
    Rule(
        code="LUM-W004",
        severity=WARNING,
        stage=VALIDATION,
        title="Inkom utanför omgångens ansökningsperiod",
        action="kontrollera datumet och om ansökan ska behandlas",
        check_name=f"{_CROSS}:check_received_in_window",
    ),
    Rule(
        code="LUM-W005",
        severity=WARNING,
        stage=VALIDATION,
        title="Beviljat belopp tomt i en beslutad eller stängd omgång",
        action="fyll i beloppet (0 för avslag)",
        check_name=f"{_CROSS}:check_granted_when_decided",
    ),
    Rule(
        code="LUM-W006",
        severity=WARNING,
        stage=VALIDATION,
        title="Medsökande finns inte i Förvaltningar",
        action="rätta namnet; flera medsökande skiljs med semikolon",
        check_name=f"{_CROSS}:check_co_applicants",
    ),
    Rule(
        code="LUM-W007",
        severity=WARNING,
        stage=VALIDATION,
        title="Fortsättningsansökan: Projektår eller Tidigare beviljat stämmer inte med "
        "projektets tidigare år",
        action="rätta Projektår eller Tidigare beviljat efter liggarens tidigare år för samma "
        "`Projekt`",
        check_name=f"{_CROSS}:check_continuations",
    ),
    Rule(
        code="LUM-W008",
        severity=WARNING,
        stage=VALIDATION,
        title="Utvärderingen eller beslutstexten säger en annan summa än den som beviljas",
        action="kontrollera beviljat belopp mot utvärderingen (”bör beviljas”, ”hälften”) och "
        "rätta beloppet eller texten",
        check_name=f"{_CROSS}:check_assessment_against_grant",
    ),
    Rule(
        code="LUM-W009",
        severity=WARNING,
        stage=VALIDATION,
        title="Studiebesök till samma ort med samma syfte beviljas flera förvaltningar samma år",
        action="föreslå en gemensam resa; förvaltningarna kan samordna resan",
        check_name=f"{_CROSS}:check_joint_study_visits",
    ),
    Rule(
        code="LUM-W010",
        severity=WARNING,
        stage=VALIDATION,
        title="Sökt belopp totalt är inte sökt belopp per år gånger projektperiodens år",
        action="kontrollera beloppen och projektperioden i ansökan",
        check_name=f"{_BUDGET}:check_application_forms",
    ),
    Rule(
        code="LUM-W011",
        severity=WARNING,
        stage=VALIDATION,
        title="Projektperioden stämmer inte med år och projektår",
        action="kontrollera projektperioden, År och Projektår",
        check_name=f"{_BUDGET}:check_application_forms",
    ),
    Rule(
        code="LUM-W012",
        severity=WARNING,
        stage=READING,
        title="Sammanfogade celler i tabellen",
        action="dela upp cellerna (Start > Sammanfoga och centrera) och skriv värdet i varje cell",
        check_name=_READER,
    ),
    Rule(
        code="LUM-W013",
        severity=WARNING,
        stage=READING,
        title="En summarad under tabellen (läses inte)",
        action="lumledger räknar summorna själv; flytta summaraden till ett eget blad",
        check_name=_READER,
    ),
    Rule(
        code="LUM-W014",
        severity=WARNING,
        stage=READING,
        title="Dolda eller bortfiltrerade rader, eller ett dolt blad (läses ändå)",
        action="visa raderna eller bladet och kontrollera dem; de räknas med i liggaren",
        check_name=_READER,
    ),
    Rule(
        code="LUM-R001",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Antal enligt beslutet skiljer sig från liggaren",
        action="jämför beslutets text med liggarens rader",
        check_name=f"{_RECONCILE}:check_decision_figures",
    ),
    Rule(
        code="LUM-R002",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Summa enligt beslutet skiljer sig från liggaren",
        action="jämför beslutets summor med liggarens belopp",
        check_name=f"{_RECONCILE}:check_decision_figures",
    ),
    Rule(
        code="LUM-R003",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Beviljat men inte utbetalt, eller utbetalt skiljer sig från beviljat",
        action="registrera eller rätta utbetalningen",
        check_name=f"{_RECONCILE}:check_payments",
    ),
    Rule(
        code="LUM-R004",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Utbetalning till en ansökan utan beviljat belopp",
        action="kontrollera utbetalningen",
        check_name=f"{_RECONCILE}:check_payments",
    ),
    Rule(
        code="LUM-R005",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Redovisning saknas efter sista inlämningsdag",
        action="påminn förvaltningen",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R006",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Redovisningens beviljade belopp skiljer sig från liggaren",
        action="jämför med beslutet",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R007",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Redovisningens summa intäkter stämmer inte med raderna",
        action="räkna om redovisningen",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R008",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Redovisningens summa kostnader stämmer inte med raderna",
        action="räkna om redovisningen",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R009",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Kostnaderna överstiger intäkterna",
        action="begär förklaring av underskottet",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R010",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Ej förbrukade medel eller återbetalning stämmer inte",
        action="begär återbetalning eller rätta redovisningen",
        check_name=f"{_RECONCILE}:check_reports",
    ),
    Rule(
        code="LUM-R011",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Flerårigt projekt: tidigare beviljat eller projektår stämmer inte",
        action="kontrollera projektets tidigare år",
        check_name=f"{_RECONCILE}:check_projects",
    ),
    Rule(
        code="LUM-R012",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="En redovisningsrad avviker från ansökans budget mer än toleransen",
        action="begär en förklaring av avvikelsen från budgeten",
        check_name=f"{_BUDGET}:check_budget",
    ),
    Rule(
        code="LUM-R013",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Egen insats är lägre än den egna budget ansökan utlovade",
        action="begär en förklaring; bedöm om bidraget ska återkrävas",
        check_name=f"{_BUDGET}:check_budget",
    ),
    Rule(
        code="LUM-R014",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Intygat genomfört enligt projektplan och budget trots avvikelse",
        action="kontakta ansvarig chef; intyget stämmer inte med siffrorna",
        check_name=f"{_BUDGET}:check_budget",
    ),
    Rule(
        code="LUM-R015",
        severity=DISCREPANCY,
        stage=RECONCILIATION,
        title="Rutan för ej förbrukade medel stämmer inte med beloppen",
        action="rätta redovisningen eller registrera återbetalningen",
        check_name=f"{_BUDGET}:check_budget",
    ),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


def codes_of(stage: str) -> tuple[str, ...]:
    """The codes found at ``stage``, in code order."""
    return tuple(code for code, rule in RULES.items() if rule.stage == stage)


# --- the check functions, imported on first use ---------------------------------------------------

# One entry per distinct check function of RULES (a fixed, small set).
_CHECKS: dict[str, Check] = {}


def _resolve(name: str) -> Check:
    check = _CHECKS.get(name)
    if check is None:
        module, _, function = name.partition(":")
        check = _CHECKS[name] = getattr(importlib.import_module(module), function)
    return check


# --- switching rules off (tests) ------------------------------------------------------------------

_switched_off: ContextVar[frozenset[str]] = ContextVar("lumledger_rules_off", default=frozenset())


@contextmanager
def switched_off(*codes: str) -> Iterator[None]:
    """Inside the block, :func:`run` drops the findings of ``codes`` (as if those rules did not
    exist). Nests; only the current context is affected."""
    unknown = sorted(set(codes) - set(RULES))
    if unknown:
        raise KeyError(f"no such rule: {', '.join(unknown)}")
    token = _switched_off.set(_switched_off.get() | frozenset(codes))
    try:
        yield
    finally:
        _switched_off.reset(token)


# --- the one loop -----------------------------------------------------------------------------------

_PROGRESS_LABELS = {VALIDATION: "Kontrollerar reglerna", RECONCILIATION: "Stämmer av"}


def run(ledger: Ledger, context: Context, *stages: str) -> list[Finding]:
    """The findings of every rule of ``stages`` on ``ledger``: the reader's own (stage
    ``reading``) as the ledger holds them, then each check function of the other stages, once, in
    code order. Rules switched off (:func:`switched_off`) are left out."""
    found: list[Finding] = list(ledger.findings) if READING in stages else []
    checks: dict[str, str] = {}  # check function -> the stage of its first rule, in code order
    for rule in RULES.values():
        if rule.stage in stages and rule.stage != READING:
            checks.setdefault(rule.check_name, rule.stage)
    for step, (name, stage) in enumerate(checks.items()):
        progress.report(_PROGRESS_LABELS[stage], step / len(checks))
        with progress.part(step / len(checks), (step + 1) / len(checks)):
            found.extend(_resolve(name)(ledger, context))
    if checks:
        progress.report(_PROGRESS_LABELS[stage], 1.0)
    off = _switched_off.get()
    return [item for item in found if item.code not in off] if off else found
