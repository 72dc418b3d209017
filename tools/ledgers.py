"""Realistic LUM ledgers of any size, for the benchmarks (``benchmarks/run.py``).

``write_ledger(path, rows)`` writes an ``.xlsx`` ledger with every sheet and every column of
``docs/ledger-format.md``: ``rows`` applications spread over twenty rounds (2010–2029), Swedish
project names, purposes and assessments of a few hundred characters (almost every one unique, as in
a real ledger), Stockholm's administrations, contact people, bankgiro numbers with valid check
digits, payments for granted applications, financial reports for granted projects and repayments of
unspent funds. About three per cent of the application rows carry a finding (an unknown
administration, a misspelt type, a number or a date typed as text, a bad check digit, a duplicate
Id …), and a handful of round-level findings (a frame exceeded, a decision whose sums differ, one
administration granted too many applications) make every rule do real work.

The output is deterministic for a given ``rows`` and :data:`GENERATOR_VERSION`; change the version
whenever the output changes, so cached ledgers are rebuilt. Text goes into a shared-string table,
as Excel writes it (so XlsxWriter holds the workbook in memory until it is closed); Excel's limit of
1 048 575 data rows takes about two minutes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lumledger.ledger_format import BUDGET, COLUMNS, FORM_COLUMNS, INPUT_SHEETS, Kind
from lumledger.money import luhn_ok
from tools.ledger_book import CellFormats, LedgerBook, SheetWriter

GENERATOR_VERSION = 2
SEED = 20190101
MAX_DATA_ROWS = 1_048_575  # Excel's 1 048 576 rows less the header

FIRST_YEAR = 2010
LAST_YEAR = 2029
OPEN_YEARS = (2028, 2029)  # rounds not yet decided: no grants, payments or reports
EXTRA_YEAR = 2009  # a small round whose one administration is granted too many applications
FINDING_RATE = 0.03

# (name, valid from, valid to): Stockholm's district administrations and Socialförvaltningen.
ADMINISTRATIONS: tuple[tuple[str, int | None, int | None], ...] = (
    ("Rinkeby-Kista", None, None),
    ("Spånga-Tensta", None, None),
    ("Hässelby-Vällingby", None, None),
    ("Bromma", None, None),
    ("Kungsholmen", None, None),
    ("Norrmalm", None, None),
    ("Östermalm", None, None),
    ("Södermalm", None, None),
    ("Enskede-Årsta-Vantör", None, None),
    ("Skarpnäck", None, None),
    ("Farsta", None, None),
    ("Älvsjö", None, 2020),
    ("Hägersten-Liljeholmen", None, 2020),
    ("Hägersten-Älvsjö", 2021, None),
    ("Skärholmen", None, None),
    ("Socialförvaltningen", None, None),
)

_START = (
    "Förstudie om",
    "Utveckling av",
    "Metodutveckling inom",
    "Samverkan kring",
    "Nya vägar för",
    "Kartläggning av",
    "Kunskapslyft inom",
    "Tidiga insatser för",
    "Uppsökande arbete med",
    "Implementering av",
)
_TOPIC = (
    "öppenvården för barn och unga",
    "ekonomiskt bistånd",
    "våld i nära relationer",
    "missbruk och beroende",
    "hemlöshet",
    "föräldraskapsstöd",
    "unga vuxna i utanförskap",
    "personer med funktionsnedsättning",
    "äldres psykiska hälsa",
    "försörjningsstöd och arbete",
    "ensamkommande ungdomar",
    "hedersrelaterat våld",
    "digitala möten med klienter",
    "brukarinflytande",
    "skolnärvaro",
)
_PLACE = (
    "i Rinkeby",
    "i Tensta",
    "i Vällingby",
    "i Bromma",
    "på Kungsholmen",
    "i Vasastan",
    "på Östermalm",
    "på Södermalm",
    "i Årsta",
    "i Skarpnäck",
    "i Farsta",
    "i Skärholmen",
    "i hela staden",
    "i ytterstaden",
    "i innerstaden",
)
_CITIES = (
    "Göteborg",
    "Malmö",
    "Uppsala",
    "Umeå",
    "Köpenhamn",
    "Oslo",
    "Helsingfors",
    "Berlin",
    "Amsterdam",
    "Glasgow",
    "Reykjavik",
    "Tallinn",
    "Örebro",
    "Luleå",
    "Jönköping",
)
_PURPOSE = (
    "Syftet är att ta fram en tydlig beskrivning av verksamhetens insatser och målgrupper.",
    "Projektet ska utveckla arbetsmetoder och rutiner som ger ett sammanhållet stöd.",
    "Målet är att fler brukare ska få ett kunskapsbaserat och individanpassat stöd.",
    "Vi vill pröva en modell med case management inom försörjningsstödet.",
    "Insatsen ska minska tiden till egen försörjning för unga vuxna.",
    "Arbetet sker i samverkan med skola, polis, hälso- och sjukvård och civilsamhället.",
    "En extern utvärderare följer projektet och redovisar resultaten till nämnden.",
    "Projektet ska identifiera uppföljningsinstrument utifrån ett brukarperspektiv.",
    "Erfarenheterna ska spridas till övriga stadsdelsförvaltningar genom seminarier.",
    "Medlen används till en metodutvecklare på halvtid under projekttiden.",
    "Studiebesöket ska ge kunskap om hur andra kommuner organiserar arbetet.",
    "Effektmålen är att stärka föräldrarnas förmåga och barnens trygghet.",
    "Vi vill undersöka hur digitala verktyg kan förenkla kontakten med socialtjänsten.",
    "Projektet bygger vidare på en förstudie som genomfördes året innan.",
    "Personalen ska utbildas i motiverande samtal och återfallsprevention.",
    "Målgruppen är personer som står långt från arbetsmarknaden.",
)
_ASSESSMENT = (
    "Ansökan bedöms ha ett strategiskt intresse för staden.",
    "Resultatet kan spridas till andra förvaltningar.",
    "Den beskrivna utvecklingen ingår till stor del i ordinarie arbete.",
    "Projektet har en tydlig plan för uppföljning och utvärdering.",
    "Kostnaderna för personal bedöms som höga i förhållande till målen.",
    "Samverkan med andra huvudmän är väl beskriven.",
    "Ansökan saknar en tydlig beskrivning av målgruppen.",
    "Med hänsyn tagit till detta föreslås att en del av medlen beviljas.",
    "Projektet ligger i linje med socialnämndens mål för året.",
    "Studiebesöket bedöms ge kunskap som kan användas i verksamheten.",
)
_FIRST_NAMES = (
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Kerstin",
    "Emma",
    "Ingrid",
    "Johan",
    "Lars",
    "Mikael",
    "Anders",
    "Erik",
    "Per",
    "Karl",
    "Peter",
    "Thomas",
    "Fatima",
    "Ahmed",
    "Amina",
    "Mohammed",
    "Linnéa",
    "Åsa",
    "Björn",
    "Göran",
)
_LAST_NAMES = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindström",
    "Åberg",
    "Öberg",
    "Ali",
    "Hassan",
    "Mohamed",
    "Berg",
    "Sjöberg",
)
_MISSPELT = {
    "Spånga-Tensta": "Spånga Tensta",
    "Bromma": "Broma",
    "Farsta": "Farstaa",
    "Östermalm": "Ostermalm",
    "Norrmalm": "Norrmalms",
}

# Kinds of injected findings on application rows (the codes the validator should report).
DEFECTS = (
    "E003",
    "E004",
    "E005",
    "E006",
    "E007",
    "E008",
    "E010",
    "E011",
    "E012",
    "E013",
    "E015",
    "E016",
    "W001",
    "W002",
    "W004",
    "W005",
    "W006",
)

APPLICATION_COLUMNS = tuple(
    c.name
    for c in COLUMNS["Ansökningar"]
    if c.name != "Beviljat vid beslut" and c.name not in FORM_COLUMNS["Ansökningar"]
)
# Generated ledgers are format-1 ledgers: without the columns and the sheet the forms add.
GENERATED_SHEETS = tuple(name for name in INPUT_SHEETS if name != BUDGET)


def _generated_columns(name: str) -> list[Any]:
    return [
        c
        for c in COLUMNS[name]
        if c.name != "Beviljat vid beslut" and c.name not in FORM_COLUMNS.get(name, ())
    ]


def _luhn_digit(digits: str) -> str:
    """The check digit that makes ``digits`` + it pass lumledger's own mod-10 check."""
    return next(d for d in "0123456789" if luhn_ok(digits + d))


def _bankgiro(rng: random.Random, *, valid: bool = True) -> str:
    body = f"{rng.randrange(100, 9999):d}{rng.randrange(0, 1000):03d}"
    check = _luhn_digit(body)
    if not valid:
        check = str((int(check) + 1) % 10)
    digits = body + check
    return f"Bankgiro {digits[:-4]}-{digits[-4:]}"


def _swedish(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


class _Skeleton:
    """The first pass: year, type, administration, amounts and defect of every application."""

    def __init__(self, rows: int, rng: random.Random, *, clean: bool) -> None:
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        self.year: list[int] = []
        self.project: list[bool] = []
        self.admin: list[int] = []
        self.applied: list[int] = []
        self.granted: list[int | None] = []
        self.defect: list[str | None] = []
        names = [a[0] for a in ADMINISTRATIONS]
        valid = {
            y: [
                i
                for i, (_n, lo, hi) in enumerate(ADMINISTRATIONS)
                if (lo is None or y >= lo) and (hi is None or y <= hi)
            ]
            for y in years
        }
        extra = 3 if rows >= 50 and not clean else 0
        for i in range(rows - extra):
            year = years[i * len(years) // max(rows - extra, 1)]
            project = rng.random() < 0.6
            admin = rng.choice(valid[year])
            applied = (rng.randrange(50, 1000) * 1000) if project else rng.randrange(5, 60) * 1000
            granted: int | None
            if year in OPEN_YEARS:
                granted = None
            elif rng.random() < 0.4:
                granted = applied if rng.random() < 0.5 else applied // 2000 * 1000
            else:
                granted = 0
            defect = rng.choice(DEFECTS) if rng.random() < FINDING_RATE else None
            if clean:
                defect = None
            self._append(year, project, admin, applied, granted, defect)
        for _ in range(extra):  # three granted projects, one administration, limit 2: LUM-E009
            self._append(EXTRA_YEAR, True, names.index("Farsta"), 300_000, 200_000, None)

    def _append(
        self,
        year: int,
        project: bool,
        admin: int,
        applied: int,
        granted: int | None,
        defect: str | None,
    ) -> None:
        self.year.append(year)
        self.project.append(project)
        self.admin.append(admin)
        self.applied.append(applied)
        self.granted.append(granted)
        self.defect.append(defect)

    def __len__(self) -> int:
        return len(self.year)


def _ids(skeleton: _Skeleton) -> list[str]:
    counters: Counter[tuple[int, bool]] = Counter()
    out = []
    for year, project in zip(skeleton.year, skeleton.project, strict=True):
        counters[(year, project)] += 1
        out.append(f"{year}-{'P' if project else 'S'}{counters[(year, project)]:02d}")
    return out


def write_ledger(
    path: str | Path,
    rows: int,
    *,
    clean: bool = False,
    shared_strings: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write a ledger with ``rows`` application rows to ``path`` (``.xlsx``); returns the path.

    ``clean`` leaves out every injected finding (the same rows otherwise): ``lumledger rollup``
    refuses a ledger with errors, so it is measured on the clean twin. ``shared_strings`` writes
    text as Excel does, into one shared-string table (XlsxWriter then holds the whole workbook
    in memory: about 5 GB for Excel's full height); without it, XlsxWriter's ``constant_memory``
    mode writes every text inline in the sheet, which keeps memory flat but makes the
    applications sheet of a full-height ledger 1.5 GB of XML, beyond lumledger's zip-bomb limit
    for one part."""
    if not 1 <= rows <= MAX_DATA_ROWS:
        raise ValueError(f"rows must be 1..{MAX_DATA_ROWS}")
    path = Path(path)
    rng = random.Random(SEED + rows)
    sk = _Skeleton(rows, rng, clean=clean)
    ids = _ids(sk)
    names = [a[0] for a in ADMINISTRATIONS]

    # Round-level figures from the skeleton (what a correct ledger would say).
    per_group: Counter[tuple[int, bool, int]] = Counter()
    granted_total: Counter[tuple[int, bool]] = Counter()
    applied_total: Counter[tuple[int, bool]] = Counter()
    count: Counter[tuple[int, bool]] = Counter()
    admins_seen: defaultdict[tuple[int, bool], set[int]] = defaultdict(set)
    for i in range(len(sk)):
        key = (sk.year[i], sk.project[i])
        count[key] += 1
        applied_total[key] += sk.applied[i]
        admins_seen[key].add(sk.admin[i])
        g = sk.granted[i]
        if g:
            granted_total[key] += g
            per_group[(sk.year[i], sk.project[i], sk.admin[i])] += 1
    max_per_group = max(per_group.values(), default=0)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    book = LedgerBook(tmp, {"constant_memory": shared_strings is False, "tmpdir": str(path.parent)})
    date_format = book.formats.get(num_format="yyyy-mm-dd")
    kr_format = book.formats.get(num_format="#,##0.00")
    by_kind = {kind: CellFormats(date=date_format) for kind in Kind}
    by_kind[Kind.KR] = CellFormats(number=kr_format, date=date_format)
    sheets = {name: book.add_sheet(name) for name in GENERATED_SHEETS}
    for name, sheet in sheets.items():
        columns = (
            APPLICATION_COLUMNS
            if name == "Ansökningar"
            else tuple(c.name for c in _generated_columns(name))
        )
        sheet.header(columns)

    def put(sheet: SheetWriter, r: int, c: int, value: Any, kind: Kind) -> None:
        sheet.put(r, c, value, by_kind[kind])

    def write_table(name: str, records: Sequence[dict[str, Any]] | Any) -> None:
        sheet = sheets[name]
        spec = _generated_columns(name)
        for r, record in enumerate(records, start=1):
            for c, col in enumerate(spec):
                put(sheet, r, c, record.get(col.name), col.kind)

    years = [EXTRA_YEAR, *range(FIRST_YEAR, LAST_YEAR + 1)]
    rounds = []
    for y in years:
        decided = y not in OPEN_YEARS
        ram_p = granted_total[(y, True)] * 11 // 10 + 500_000
        ram_s = granted_total[(y, False)] * 11 // 10 + 100_000
        if y == 2015 and not clean:
            ram_p = max(granted_total[(y, True)] - 250_000, 0)  # LUM-E014
        rounds.append(
            {
                "År": y,
                "Ansökan öppnar": dt.date(y - 1, 8, 1),
                "Ansökan stänger": dt.date(y - 1, 10, 26),
                "Ram projekt": ram_p,
                "Ram studiebesök": ram_s,
                "Max beviljade per förvaltning": 2 if y == EXTRA_YEAR else max_per_group + 1,
                "Max belopp projekt": 1_000_000,
                "Max belopp studiebesök": 60_000,
                "Beslutsdatum": dt.date(y - 1, 12, 11) if decided else None,
                "Diarienummer": f"SN {y - 1}/{1000 + y % 97}",
                "Status": ("Stängd" if y < 2020 else "Beslutad")
                if decided
                else ("Bedömning" if y == OPEN_YEARS[0] else "Öppen"),
            }
        )
    write_table("Omgångar", rounds)
    write_table(
        "Förvaltningar",
        [
            {
                "Namn": n,
                "Fullständigt namn": n if n.endswith("en") else f"{n} stadsdelsförvaltning",
                "Typ": "Fackförvaltning" if n.endswith("en") else "Stadsdelsförvaltning",
                "KST": f"{1000 + i * 10}",
                "Giltig från": lo,
                "Giltig till": hi,
            }
            for i, (n, lo, hi) in enumerate(ADMINISTRATIONS)
        ],
    )
    decisions = []
    for y in years:
        if y in OPEN_YEARS:
            continue
        for project in (True, False):
            key = (y, project)
            decisions.append(
                {
                    "År": y,
                    "Typ": "Projekt" if project else "Studiebesök",
                    "Antal ansökningar": count[key]
                    + (1 if (y, project) == (2017, True) and not clean else 0),
                    "Antal förvaltningar": len(admins_seen[key]),
                    "Summa sökt": applied_total[key],
                    "Summa beviljat": granted_total[key]
                    - (10_000 if (y, project) == (2018, False) and not clean else 0),
                }
            )
    write_table("Beslut", decisions)

    # Applications, payments, reports and repayments, streamed row by row.
    apps = sheets["Ansökningar"]
    pay, rep, back = sheets["Utbetalningar"], sheets["Redovisningar"], sheets["Återbetalningar"]
    pay_row = rep_row = back_row = 1
    app_kinds = {c.name: c.kind for c in COLUMNS["Ansökningar"]}
    app_spec = [(i, name, app_kinds[name]) for i, name in enumerate(APPLICATION_COLUMNS)]
    pay_spec = [(i, c.name, c.kind) for i, c in enumerate(COLUMNS["Utbetalningar"])]
    rep_spec = [(i, c.name, c.kind) for i, c in enumerate(_generated_columns("Redovisningar"))]
    back_spec = [(i, c.name, c.kind) for i, c in enumerate(COLUMNS["Återbetalningar"])]
    step = max(len(sk) // 100, 1)
    for i in range(len(sk)):
        year, project, admin = sk.year[i], sk.project[i], names[sk.admin[i]]
        applied, granted, defect = sk.applied[i], sk.granted[i], sk.defect[i]
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        co = [n for n in rng.sample(names, 2) if n != admin] if rng.random() < 0.15 else []
        if project:
            title = f"{rng.choice(_START)} {rng.choice(_TOPIC)} {rng.choice(_PLACE)}"
        else:
            title = f"{rng.choice(_CITIES)}: {rng.choice(_TOPIC)}"
        purpose = " ".join(rng.sample(_PURPOSE, 4)) + f" Ärendet gäller {admin} år {year}."
        assessment = " ".join(rng.sample(_ASSESSMENT, 3))
        record: dict[str, Any] = {
            "Id": ids[i],
            "År": year,
            "Typ": "Projekt" if project else "Studiebesök",
            "Förvaltning": admin,
            "Medsökande": "; ".join(co) or None,
            "Namn": title,
            "Syfte": purpose,
            "Projekt": f"{admin[:3].upper()}-{ids[i]}" if project else None,
            "Projektår": 1 if project else None,
            "Tidigare beviljat": 0 if project else None,
            "Sökt belopp": applied,
            "Utvärdering": assessment,
            "Beviljat belopp": granted,
            "Beslut": None
            if granted is None
            else (
                "Avslås"
                if granted == 0
                else "Beviljas sökt summa"
                if granted == applied
                else f"Beviljas {_swedish(granted)} kr"
            ),
            "Inkom": dt.date(year - 1, 9, 1) + dt.timedelta(days=rng.randrange(0, 55)),
            "KST": f"{1000 + sk.admin[i] * 10}",
            "Betalkonto": _bankgiro(rng),
            "Kontaktperson": f"{first} {last}",
            "E-post": f"{first.lower()}.{last.lower()}@stockholm.se".replace("å", "a")
            .replace("ä", "a")
            .replace("ö", "o")
            .replace("é", "e"),
        }
        _inject(record, defect, rng)
        for c, name, kind in app_spec:
            put(apps, i + 1, c, record[name], kind)
        # Payments for granted applications in decided rounds; reports for granted projects.
        if granted and year not in OPEN_YEARS and year != EXTRA_YEAR:
            paid = granted if i % 97 or clean else granted - 5_000  # partly paid: LUM-R003
            payment = {
                "Id": record["Id"],
                "Datum": dt.date(year, 2, 15),
                "Belopp": paid,
                "Verifikation": f"V{year}-{pay_row:06d}",
                "KST": record["KST"],
            }
            for c, name, kind in pay_spec:
                put(pay, pay_row, c, payment.get(name), kind)
            pay_row += 1
            if project and year <= 2026:
                own = granted // 4
                income = granted + own
                spent = income - (granted // 10 if i % 5 == 0 else 0)  # some leave funds unspent
                staff, admin_cost, training = spent * 6 // 10, spent // 20, spent // 10
                other = spent - staff - admin_cost - training
                unspent = min(granted, max(0, income - spent))
                report = {
                    "Id": record["Id"],
                    "Inlämnad": dt.date(year + 1, 2, rng.randrange(1, 29)),
                    "Beviljat belopp": granted,
                    "Egen insats": own,
                    "Övriga intäkter": 0,
                    "Summa intäkter": income,
                    "Personalkostnader": staff,
                    "Administrativa kostnader": admin_cost,
                    "Utbildningskostnader": training,
                    "Övriga kostnader": other,
                    "Summa kostnader": spent,
                    "Ej förbrukat": unspent,
                }
                for c, name, kind in rep_spec:
                    put(rep, rep_row, c, report.get(name), kind)
                rep_row += 1
                if unspent:
                    repayment = {
                        "Id": record["Id"],
                        "Datum": dt.date(year + 1, 4, 30),
                        "Belopp": unspent,
                        "Verifikation": f"Å{year}-{back_row:05d}",
                    }
                    for c, name, kind in back_spec:
                        put(back, back_row, c, repayment.get(name), kind)
                    back_row += 1
        if progress is not None and i % step == 0:
            progress(i)
    book.close()
    tmp.replace(path)
    return path


def _inject(record: dict[str, Any], defect: str | None, rng: random.Random) -> None:
    """Turn one correct application row into one with the finding ``defect``."""
    if defect is None:
        return
    year = record["År"]
    if defect == "E003":
        record["Sökt belopp"] = "ungefär en halv miljon"
    elif defect == "E004":
        record["Namn"] = None
    elif defect == "E005":
        record["Id"] = f"{year}-P01"
    elif defect == "E006":
        record["Förvaltning"] = _MISSPELT.get(record["Förvaltning"], "Vasastaden")
    elif defect == "E007":
        record["Sökt belopp"] = -record["Sökt belopp"]
        record["Beviljat belopp"] = None if record["Beviljat belopp"] is None else 0
    elif defect == "E008" and record["Beviljat belopp"] is not None:
        record["Beviljat belopp"] = record["Sökt belopp"] + 50_000
    elif defect == "E010":
        record["Typ"] = rng.choice(("Projket", "Studieresa", "projekt "))
    elif defect == "E011":
        record["Projektår"] = 4
    elif defect == "E012":
        record["År"] = 2035
        record["Beviljat belopp"] = None
    elif defect == "E013":
        record["Sökt belopp"] = record["Sökt belopp"] + 0.5
    elif defect == "E015":
        record["Sökt belopp"] = 1_500_000 if record["Typ"] == "Projekt" else 75_000
    elif defect == "E016":
        record["Betalkonto"] = _bankgiro(rng, valid=False)
    elif defect == "W001":
        record["Sökt belopp"] = f"{_swedish(record['Sökt belopp'])} kr"
    elif defect == "W002":
        record["Inkom"] = record["Inkom"].isoformat()
    elif defect == "W004":
        record["Inkom"] = dt.date(year - 1, 11, 15)
    elif defect == "W005" and record["Beviljat belopp"] is not None:
        record["Beviljat belopp"] = None
        record["Beslut"] = None
    elif defect == "W006":
        record["Medsökande"] = "Vasastan; Stadsledningskontoret"
