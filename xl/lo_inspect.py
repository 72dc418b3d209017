"""Open a workbook in LibreOffice and report, as JSON, what LibreOffice makes of its macros.

Run with the Python that has LibreOffice's UNO bridge (Debian: ``python3-uno``, i.e.
``/usr/bin/python3``), not the project's Python::

    /usr/bin/python3 xl/lo_inspect.py workbooks/lumledger.xlsm

It starts a private headless ``soffice`` (own profile folder, own pipe), loads the file with macro
execution off and prints ``{"libraries": {library: [module, ...]}, "codenames": {sheet: code
name}, "buttons": {sheet: [{"label": ..., "scripts": [...]}]}}``: the Basic/VBA libraries and
modules it imported, each sheet's VBA code name and every form button with the script its click
runs. Used by ``tests/test_xl_build.py`` as an independent reader of ``lumledger.xlsm``; standard
library and ``uno`` only.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

CONNECT_SECONDS = 60


def _property(name: str, value: Any) -> Any:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def _connect(pipe: str) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def inspect(document: Any) -> dict[str, Any]:
    libraries = document.BasicLibraries
    report: dict[str, Any] = {
        "libraries": {
            name: sorted(libraries.getByName(name).getElementNames())
            for name in libraries.getElementNames()
        },
        "codenames": {},
        "buttons": {},
    }
    sheets = document.Sheets
    for index in range(sheets.Count):
        sheet = sheets.getByIndex(index)
        report["codenames"][sheet.Name] = sheet.CodeName
        buttons = []
        forms = sheet.DrawPage.Forms
        for form_index in range(forms.Count):
            form = forms.getByIndex(form_index)
            for control_index in range(form.Count):
                control = form.getByIndex(control_index)
                scripts = [
                    event.ScriptCode
                    for event in form.getScriptEvents(control_index)
                    if event.EventMethod == "actionPerformed"
                ]
                buttons.append({"label": getattr(control, "Label", ""), "scripts": scripts})
        if buttons:
            report["buttons"][sheet.Name] = buttons
    return report


def main(path: str) -> int:
    with tempfile.TemporaryDirectory(prefix="lumledger-lo-") as profile:
        pipe = f"lumledger_inspect_{os.getpid()}"
        office = subprocess.Popen(
            [
                "soffice",
                "--headless",
                "--invisible",
                "--norestore",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            context = _connect(pipe)
            desktop = context.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", context
            )
            url = uno.systemPathToFileUrl(str(Path(path).resolve()))
            options = (_property("Hidden", True), _property("MacroExecutionMode", 0))
            document = desktop.loadComponentFromURL(url, "_blank", 0, options)
            if document is None:
                print(f"LibreOffice could not load {path}", file=sys.stderr)
                return 1
            try:
                print(json.dumps(inspect(document), ensure_ascii=False, indent=1))
            finally:
                document.close(True)
            with contextlib.suppress(Exception):  # the bridge goes away while terminating
                desktop.terminate()
            office.wait(30)
        finally:
            if office.poll() is None:
                office.kill()
                office.wait(30)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 xl/lo_inspect.py WORKBOOK")
    sys.exit(main(sys.argv[1]))
