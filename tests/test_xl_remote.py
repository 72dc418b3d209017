"""The Excel front end on xlwings' real remote engine (xlwings Lite, ``lumledger serve``).

Payloads are built from the shipped workbooks and from ledgers made in code exactly as the
Office.js and VBA clients send them (:mod:`xl_payload`); each button runs through
``xlwings.server.custom_scripts_call`` on :mod:`lumledger.xl.remote` and each worksheet function
through ``custom_functions_call``, as a server and xlwings Lite run them. The returned actions
are applied to an in-memory workbook (:mod:`xl_actions`), which refuses an action the client
does not know, and from which a second run's payload is built. The licence key is set by
conftest.py before xlwings is imported.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import xl_actions as act
import xl_payload as pl
import xlwings as xw
import xlwings.server
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, make_ledger

from lumledger import api
from lumledger.cli import main
from lumledger.xl import host, remote
from lumledger.xl.server import fast_function_arguments

CLIENTS = ["Office.js", "VBA"]
SCRIPTS = [
    "validera",
    "summera",
    "exportera_bilagor",
    "stam_av",
    "ny_omgang",
    "besluta",
    "stang_ar",
    "genomfor",
]
APPS = "Ansökningar"


def run(name: str, payload: dict[str, Any], module: Any = remote) -> list[dict[str, Any]]:
    """Run a script as a server does (the payload is copied: the engine mutates it)."""
    data = copy.deepcopy(payload)
    args = data.pop("args", None) or []
    book = xw.Book(json=data)
    try:
        done = asyncio.run(
            xlwings.server.custom_scripts_call(
                module, name, typehint_to_value={xw.Book: book}, args=args
            )
        )
        return list(done.json()["actions"])
    finally:
        book.close()


def call(func_name: str, *args: Any) -> Any:
    """A worksheet function as Excel's custom-functions runtime posts it."""
    body = pl.custom_function_body(func_name, args)
    with fast_function_arguments():
        return asyncio.run(xlwings.server.custom_functions_call(body, remote))


def applied(payload: dict[str, Any], actions: list[dict[str, Any]]) -> act.WorkbookModel:
    """The workbook after the client applied ``actions`` (refusing ones it does not know)."""
    return act.WorkbookModel.from_payload(payload).apply(actions)


def alerts(actions: list[dict[str, Any]]) -> list[str]:
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def names(payload: dict[str, Any]) -> list[str]:
    return [s["name"] for s in payload["sheets"]]


def with_error(client: str) -> dict[str, Any]:
    """The example as ``client`` sends it, with the README's LUM-E008 at Ansökningar!M5
    (Beviljat 400 000 > Sökt 317 000)."""
    payload = pl.payload_from_xlsx(EXAMPLE, client=client)  # type: ignore[arg-type]
    pl.set_cell(payload, APPS, "M5", 400_000)
    return payload


@pytest.fixture(scope="module", params=CLIENTS)
def client(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def example(client: str) -> dict[str, Any]:
    return pl.payload_from_xlsx(EXAMPLE, client=client)  # type: ignore[arg-type]


# --- every button ---------------------------------------------------------------------------------


SHIPPED = {
    "exempel": EXAMPLE,
    "mall": ROOT / "workbooks" / "lum-mall.xlsx",
    "makrobok": ROOT / "workbooks" / "lumledger.xlsm",
}


@pytest.mark.parametrize("source", [*SHIPPED, "exempel-med-fel"])
def test_every_button_returns_actions_the_client_applies(client: str, source: str) -> None:
    if source == "exempel-med-fel":
        payload = with_error(client)
    else:
        payload = pl.payload_from_xlsx(SHIPPED[source], client=client)  # type: ignore[arg-type]
    for name in SCRIPTS:
        actions = run(name, payload)
        assert actions, name
        assert act.unsupported(actions, client) == [], name
        assert len(alerts(actions)) == 1, name
        assert "oväntat fel" not in alerts(actions)[0], (name, alerts(actions))
        applied(payload, actions)  # the client applies every action


def test_validate_writes_fel_with_links_and_marks_the_cells(client: str) -> None:
    payload = with_error(client)
    actions = run("validera", payload)
    book = applied(payload, actions)
    rows = book.rows("Fel")
    assert rows[0][:2] == ["Kod", "Blad"] or "Kod" in rows[0]
    code = rows[0].index("Kod")
    found = [row for row in rows[1:] if row[code] == "LUM-E008"]
    assert len(found) == 1
    line = rows.index(found[0]) + 1
    assert book.hyperlink("Fel", f"A{line}")[0] == "#'Ansökningar'!M5"
    assert book.fill(APPS, "M5") == host.ERROR_FILL
    # The example's own warnings (LUM-W008 ×2, LUM-W009 ×3) are marked too, in their colour.
    warnings = [f for f in api.validate(api.load(EXAMPLE)).findings if f.severity == "warning"]
    marked = [[f.sheet, f.cell, "validera"] for f in warnings]
    assert sorted(row[:3] for row in book.rows("lumledger")[1:]) == sorted(
        [[APPS, "M5", "validera"], *marked]
    )
    assert all(book.fill(f.sheet, f.cell) == host.WARNING_FILL for f in warnings)
    expected_visibility = "Hidden" if client == "Office.js" else "Visible"
    assert book.visibility("lumledger") == expected_visibility
    assert alerts(actions) == [
        f"Liggaren har 1 fel och {len(warnings)} varningar. De står på bladet Fel, och cellerna "
        "är markerade."
    ]


def test_a_second_validate_after_fixing_removes_the_marks(client: str) -> None:
    first = with_error(client)
    book = applied(first, run("validera", first))
    original = pl.payload_from_xlsx(EXAMPLE, client=client)  # type: ignore[arg-type]
    apps = next(s for s in original["sheets"] if s["name"] == APPS)
    book.sheet(APPS).cells[(5, 13)] = apps["values"][4][12]  # the officer fixes M5
    second = book.to_payload()
    actions = run("validera", second)
    after = applied(second, actions)
    assert after.fill(APPS, "M5") == (None if client == "Office.js" else host.WHITE_FILL)
    assert [row[1] for row in after.rows("lumledger")[1:]] == [
        f.cell for f in api.validate(api.load(EXAMPLE)).findings
    ]  # only the example's own warnings stay marked
    assert act.find(actions, names(second), "setRangeColor", APPS, "M5")
    assert alerts(actions)[0].startswith("Liggaren är giltig: inga fel, 5 varningar.")


def test_marks_follow_the_findings_on_a_ledger_made_in_code(tmp_path: Path, client: str) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows[APPS][1]["Beviljat belopp"] = 500_000  # M3: E008 (more than applied)
        rows[APPS][0]["Sökt belopp"] = "400 000 kr"  # K2: W001 (amount as text)

    payload = pl.payload_from_xlsx(make_ledger(tmp_path, change=change), client=client)  # type: ignore[arg-type]
    book = applied(payload, run("validera", payload))
    assert book.fill(APPS, "M3") == host.ERROR_FILL
    assert book.fill(APPS, "K2") == host.WARNING_FILL
    links = {book.hyperlink("Fel", f"A{r}")[0] for r in range(2, len(book.rows("Fel")) + 1)}
    assert {"#'Ansökningar'!M3", "#'Ansökningar'!K2"} <= links


def test_reconcile_and_validate_keep_each_others_marks(client: str) -> None:
    payload = with_error(client)
    book = applied(payload, run("validera", payload))
    second = book.to_payload()
    actions = run("stam_av", second)
    after = applied(second, actions)
    commands = {row[2] for row in after.rows("lumledger")[1:]}
    assert commands == {"validera", "avstämning"}
    assert after.fill(APPS, "M5") == host.ERROR_FILL
    assert "Avstämning" in after.sheet_names


# --- the budget cycle ------------------------------------------------------------------------------


def test_new_round_writes_a_plan_then_genomfor_writes_exactly_its_cells(
    client: str, example: dict[str, Any]
) -> None:
    plan_actions = run("ny_omgang", example)
    # The plan step changes no ledger cell.
    ledger_sheets = set(names(example))
    assert not [
        s
        for s in act.steps(plan_actions, names(example))
        if s.func == "setValues" and s.sheet in ledger_sheets
    ]
    book = applied(example, plan_actions)
    rows = book.rows("Plan")
    assert rows[1][:2] == ["Steg", "Ny omgång"] and rows[2][:2] == ["År", 2022]
    header = rows.index(["Cell", "Nu", "Blir", "Varför"])
    planned = {row[0]: row[2] for row in rows[header + 1 :]}
    plan = api.plan_new_round(api.load(EXAMPLE), 2022)
    assert planned == {f"{w.sheet}!{w.cell}": w.value for w in plan.writes}
    assert all(row[3] for row in rows[header + 1 :])  # every cell has its reason

    second = book.to_payload()
    actions = run("genomfor", second)
    written = {
        f"{s.sheet}!{s.address}": act.excel_text(s.values[0][0])
        for s in act.steps(actions, names(second))
        if s.func == "setValues" and s.sheet in ledger_sheets
    }
    assert written == planned
    assert alerts(actions)[0].startswith("Ny omgång 2022 är genomförd: ")
    after = applied(second, actions)
    assert after.value("Omgångar", "A5") == 2022
    assert "Fel" not in after.sheet_names  # the re-check from the model found no errors


def test_genomfor_refuses_when_the_ledger_changed_after_the_plan(
    tmp_path: Path, client: str
) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows["Omgångar"][0]["Status"] = "Öppen"

    path = make_ledger(tmp_path, change=change)
    payload = pl.payload_from_xlsx(path, client=client)  # type: ignore[arg-type]
    book = applied(payload, run("besluta", payload))
    assert book.rows("Plan")[1][:2] == ["Steg", "Besluta"]
    book.sheet(APPS).cells[(2, 13)] = 150_000  # M2: a grant changed after the plan was made
    second = book.to_payload()
    actions = run("genomfor", second)
    ledger_sheets = set(names(payload))
    assert not [
        s
        for s in act.steps(actions, names(second))
        if s.func == "setValues" and s.sheet in ledger_sheets
    ]
    assert alerts(actions)[0].startswith("Liggaren har ändrats sedan planen")


def test_new_round_lists_the_expected_projects_on_summering(
    client: str, example: dict[str, Any]
) -> None:
    book = applied(example, run("ny_omgang", example))
    rows = book.rows("Summering")
    assert rows[0][0] == "Ny omgång 2022"
    expected = api.plan_new_round(api.load(EXAMPLE), 2022).expected
    assert expected, "the example has a multi-year project expected to apply"
    texts = {cell for row in rows for cell in row if isinstance(cell, str)}
    assert {item.name for item in expected} <= texts
    assert not [w for w in api.plan_new_round(api.load(EXAMPLE), 2022).writes if w.sheet == APPS]


def test_reconcile_says_what_is_open_first(client: str, example: dict[str, Any]) -> None:
    book = applied(example, run("stam_av", example))
    texts = [row[0] for row in book.rows("Avstämning")]
    assert texts.index("Öppet per år") < texts.index("Läge per ansökan")
    assert any(
        isinstance(t, str) and t.startswith("Obs: inga utbetalningar registrerade för 2019")
        for t in texts
    )


def test_close_of_a_year_with_nothing_paid_is_refused(tmp_path: Path, client: str) -> None:
    payload = pl.payload_from_xlsx(make_ledger(tmp_path), client=client)  # type: ignore[arg-type]
    actions = run("stang_ar", payload)
    assert "2019 kan inte stängas" in alerts(actions)[0]
    assert "Plan" not in applied(payload, actions).sheet_names


def test_genomfor_without_a_plan_says_so(example: dict[str, Any]) -> None:
    assert alerts(run("genomfor", example)) == [
        "Det finns ingen plan att genomföra. Tryck först på Ny omgång, Besluta eller Stäng år."
    ]


def test_decide_plan_then_genomfor_on_a_ledger_made_in_code(tmp_path: Path, client: str) -> None:
    def change(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows["Omgångar"][0]["Status"] = "Öppen"

    path = make_ledger(tmp_path, change=change)
    payload = pl.payload_from_xlsx(path, client=client)  # type: ignore[arg-type]
    book = applied(payload, run("besluta", payload))
    rows = book.rows("Plan")
    assert rows[1][:2] == ["Steg", "Besluta"], rows[:6]
    second = book.to_payload()
    actions = run("genomfor", second)
    after = applied(second, actions)
    assert after.value("Omgångar", "K2") == "Beslutad"
    assert alerts(actions)[0].startswith("Besluta 2019 är genomförd")


# --- export ----------------------------------------------------------------------------------------


def test_export_of_an_undecided_year_is_refused_with_its_applications(
    client: str, tmp_path: Path
) -> None:
    import openpyxl

    path = tmp_path / "liggare.xlsx"
    book = openpyxl.load_workbook(EXAMPLE)
    book.create_sheet("Start")["C3"] = 2020  # the example's 2020 round has no grants yet
    book.save(path)
    payload = pl.payload_from_xlsx(path, client=client)  # type: ignore[arg-type]
    actions = run("exportera_bilagor", payload)
    message = alerts(actions)[-1]
    assert "för 2020 (året i Start!C3) saknar föreslaget eller beviljat belopp" in message
    assert "Ansökningar!M39  2020-P01" in message
    assert "Bilaga 1" not in applied(payload, actions).sheet_names


def test_export_writes_bilaga_1_and_2_as_sheets(client: str, example: dict[str, Any]) -> None:
    actions = run("exportera_bilagor", example)
    book = applied(example, actions)
    assert {"Bilaga 1", "Bilaga 2"} <= set(book.sheet_names)
    one, two = api.appendices(api.load(EXAMPLE), 2021)
    assert book.rows("Bilaga 1")[0][0] == one.tables[0].title
    assert book.rows("Bilaga 2")[0][0] == two.tables[0].title
    assert len(book.rows("Bilaga 1")) == 2 + len(one.tables[0].rows)
    assert "står på bladen Bilaga 1 och Bilaga 2" in alerts(actions)[0]
    layout = {s.func for s in act.find(actions, names(example), sheet="Bilaga 1")}
    if client == "Office.js":  # print-ready: long texts wrap, the print area is the table
        assert {"setWrapText", "setPrintArea", "setColumnWidth"} <= layout
    else:  # the VBA client has none of these
        assert layout.isdisjoint({"setWrapText", "setPrintArea", "setColumnWidth"})


# --- worksheet functions ---------------------------------------------------------------------------


def _sheet_rows(payload: dict[str, Any], sheet: str) -> list[list[Any]]:
    return act.WorkbookModel.from_payload(payload).rows(sheet)


def test_worksheet_functions_equal_lumledger_rollup(example: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["rollup", str(EXAMPLE), "--json"])
    rollup = json.loads(result.output)["rollup"]
    apps = pl.range_arg(_sheet_rows(example, APPS))
    # A whole column as desktop Excel sends it to a JavaScript function: empty cells as 0.
    whole = apps + [[0] * len(apps[0])] * 200
    for line in rollup["per_year_and_type"]:
        year, kind = line["year"], line["type"]
        assert call("lum_summa", apps, year, kind) == [[line["granted"]]]
        assert call("lum_summa", whole, year, kind, "Sökt belopp") == [[line["applied"]]]
        assert call("lum_antal", apps, year, kind) == [[line["applications"]]]
    assert call("lum_antal", apps) == [[rollup["total"]["applications"]]]


def test_lum_kvar_with_frames_from_a_ledger_made_in_code(tmp_path: Path) -> None:
    payload = pl.payload_from_xlsx(make_ledger(tmp_path))
    apps = pl.range_arg(_sheet_rows(payload, APPS))
    rounds = pl.range_arg(_sheet_rows(payload, "Omgångar"))
    assert call("lum_kvar", apps, rounds, 2019, "Projekt") == [[1_000_000 - 200_000]]
    assert call("lum_kvar", apps, rounds, 2019, "Studiebesök") == [[100_000 - 25_000]]
    assert call("lum_kvar", apps, rounds, None, "Projekt") == [["#LUM: året saknas"]]


def test_worksheet_function_errors_are_text(example: dict[str, Any]) -> None:
    apps = pl.range_arg(_sheet_rows(example, APPS))
    assert call("lum_summa", apps, 2019, "Resa") == [
        ["#LUM: typen ”Resa” finns inte; skriv Projekt eller Studiebesök"]
    ]
    assert call("lum_summa", [[1, 2], [3, 4]], 2019) == [
        ["#LUM: området ska börja med Ansökningars rubrikrad (År, Id …)"]
    ]
    assert call("lum_belopp", "1 457 956,00 kr") == [[1_457_956]]
    assert call("lum_giro_ok", "Bankgiro 5050-1055") == [[True]]


# --- the three hosts: one code path ---------------------------------------------------------------


def test_every_desktop_button_and_function_is_offered_remotely() -> None:
    buttons = json.loads((ROOT / "xl" / "buttons.json").read_text(encoding="utf-8"))["buttons"]
    # "Läs in blanketter" reads .docx files on the officer's computer through Excel's own file
    # dialog: desktop only (the hosts without a folder use `lumledger import`, docs/excel.md).
    desktop_only = {"import_forms"}
    assert sorted(remote.SCRIPTS) == sorted(
        b["python"] for b in buttons if b["python"] not in desktop_only
    )
    scripts = {m["function_name"] for m in xlwings.server.custom_scripts_meta(remote)}
    assert scripts == set(remote.SCRIPTS.values()) == set(SCRIPTS)
    functions = {f["name"] for f in xlwings.server.custom_functions_meta(remote)["functions"]}
    assert functions == {"LUM_SUMMA", "LUM_ANTAL", "LUM_KVAR", "LUM_BELOPP", "LUM_GIRO_OK"}


def test_lite_main_imports_and_runs_its_scripts(example: dict[str, Any]) -> None:
    spec = importlib.util.spec_from_file_location("lite_main", ROOT / "xl" / "lite" / "main.py")
    assert spec is not None and spec.loader is not None
    main_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main_module)
    scripts = {m["function_name"] for m in xlwings.server.custom_scripts_meta(main_module)}
    assert scripts == set(SCRIPTS)
    functions = xlwings.server.custom_functions_meta(main_module)["functions"]
    assert len(functions) == 5
    actions = run("validera", example, module=main_module)
    assert alerts(actions) == ["Liggaren är giltig: inga fel, 5 varningar. Se bladet Fel."]
    requirements = (ROOT / "xl" / "lite" / "requirements.txt").read_text(encoding="utf-8")
    assert f"xlwings=={xw.__version__}" in requirements


# Reads the remote engine cannot answer (formats, notes) and the desktop-only caller.
_FORBIDDEN_READS = {
    "color",
    "note",
    "number_format",
    "formula",
    "column_width",
    "font",
    "hyperlink",
}


def test_nothing_in_the_front_end_reads_a_format_or_a_note() -> None:
    offenders = []
    for path in sorted((ROOT / "lumledger" / "xl").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {
            id(node)
            for stmt in ast.walk(tree)
            if isinstance(stmt, ast.Assign | ast.AugAssign)
            for node in ast.walk(stmt)
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in _FORBIDDEN_READS
                and isinstance(node.ctx, ast.Load)
                and id(node) not in targets
            ):
                # ``x.font.bold = …`` loads ``x.font`` only to set an attribute of it.
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    allowed = {"sheets.py", "buttons.py"}
    assert [o for o in offenders if o.split(":")[0] not in allowed or ".font" not in o] == []


# --- lumledger serve -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: Any, secret: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["Authorization"] = secret
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_lumledger_serve_answers_a_posted_payload(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XLWINGS_LICENSE_KEY": "noncommercial",
        "LUMLEDGER_SERVE_SECRET": "hemlig-test",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "lumledger.cli", "serve", "--port", str(port), "--max-mb", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "lumledger serve did not start within 60 s"
            time.sleep(0.3)
        payload = with_error("VBA")
        status, answer = _post(f"{base}/xlwings/custom-scripts-call/validera", payload, None)
        assert (status, answer) == (401, {"detail": "Fel eller saknad nyckel (Authorization)."})
        status, answer = _post(
            f"{base}/xlwings/custom-scripts-call/validera", payload, "hemlig-test"
        )
        assert status == 200
        assert act.find(answer["actions"], names(payload), "setRangeColor", APPS, "M5")
        status, answer = _post(
            f"{base}/xlwings/custom-scripts-call/finns_inte", payload, "hemlig-test"
        )
        assert status == 404 and answer == {"detail": "Okänt skript: finns_inte"}
        apps = pl.range_arg(_sheet_rows(payload, APPS))
        body = pl.custom_function_body("lum_summa", [apps, 2019, "Studiebesök"])
        assert _post(f"{base}/xlwings/custom-functions-call", body, "hemlig-test") == (
            200,
            {"result": [[335450]]},
        )
        # Over --max-mb 4: refused from the declared length, before the body is read.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("POST", "/xlwings/custom-scripts-call/validera")
        for name, value in (
            ("Authorization", "hemlig-test"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(5 * 1024 * 1024)),
        ):
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413 and "större än" in json.loads(response.read())["detail"]
        connection.close()
        status, answer = _post(f"{base}/xlwings/custom-scripts-call/validera", [], "hemlig-test")
        assert status == 400 and "Traceback" not in json.dumps(answer)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()
    lines = (tmp_path / "serve.log").read_text(encoding="utf-8").splitlines()
    requests = [line for line in lines if " POST /xlwings/" in line]
    assert [line.split(" POST ")[1].split(" bytes")[0].rsplit(" ", 1)[0] for line in requests] == [
        "/xlwings/custom-scripts-call/validera 401",
        "/xlwings/custom-scripts-call/validera 200",
        "/xlwings/custom-scripts-call/finns_inte 404",
        "/xlwings/custom-functions-call 200",
        "/xlwings/custom-scripts-call/validera 413",
        "/xlwings/custom-scripts-call/validera 400",
    ]
    assert not [line for line in lines if "Traceback" in line]


def test_serve_refuses_to_start_without_a_secret_or_on_an_open_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LUMLEDGER_SERVE_SECRET", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2 and "LUMLEDGER_SERVE_SECRET saknas" in result.output
    result = CliRunner().invoke(main, ["serve", "--no-secret", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--no-secret går bara med" in result.output
