"""``lumledger serve``: the buttons and worksheet functions for Excel, served over HTTP.

A small FastAPI app (optional extra ``lumledger[server]``: fastapi + uvicorn) with the routes an
xlwings client calls (as xlwings Server names them):

* ``POST /xlwings/custom-scripts-call/{script}``: the body is the workbook as the client sends
  it (Office.js add-in or VBA ``RunRemotePython``); the answer is ``{"actions": [...]}``, what
  Excel applies. The scripts are :mod:`lumledger.xl.remote`'s.
* ``POST /xlwings/custom-functions-call``: a worksheet function call; answers ``{"result": …}``.
* ``GET /xlwings/custom-scripts-meta``, ``GET /xlwings/custom-functions-meta``: what is offered.
* ``GET /health``.

Safety: bound to 127.0.0.1 unless told otherwise; every POST must carry the shared secret
(environment variable :data:`SECRET_ENV`) in the ``Authorization`` header, or the city's own
authentication must stand in front (``--no-secret`` is refused on any address but the loopback);
a body over the size limit is refused before it is read; every error is a JSON
``{"detail": "…"}`` in Swedish, never a traceback; one log line per request (method, path,
status, bytes, milliseconds). One workbook is worked on at a time: xlwings' remote engine keeps
the book opened last as its "active" book (message boxes go there).

The xlwings licence key must be in the environment before xlwings is imported
(``XLWINGS_LICENSE_KEY``; see docs/excel.md for the noncommercial licence).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import xlwings as xw
import xlwings.server
import xlwings.utils
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from lumledger.xl import remote

log = logging.getLogger("lumledger.serve")

SECRET_ENV = "LUMLEDGER_SERVE_SECRET"
DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # a 100 000-row ledger is about 14 MB of JSON
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class RequestError(Exception):
    """A request refused with an HTTP status and a Swedish sentence."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@contextmanager
def fast_function_arguments() -> Iterator[None]:
    """Argument conversion of worksheet functions without xlwings 0.37.8's per-cell import.

    ``xlwings.utils.is_jsnull`` imports ``pyodide.ffi`` for every cell of a range argument;
    outside Pyodide that import fails after searching ``sys.path`` each time (10 000 rows x 17
    cells: 23 s instead of 0.2 s). ``JsNull`` exists only in Pyodide, so here the answer is
    always no. Scoped to one call (the server runs one call at a time)."""
    if sys.platform == "emscripten":
        yield
        return
    original = xlwings.utils.is_jsnull
    xlwings.utils.is_jsnull = lambda value: False
    try:
        yield
    finally:
        xlwings.utils.is_jsnull = original


def create_app(secret: str | None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FastAPI:
    """The FastAPI app; ``secret`` is the expected ``Authorization`` header (``None``: the
    city's authentication in front does the checking)."""
    app = FastAPI(title="lumledger", docs_url=None, redoc_url=None, openapi_url=None)
    one_book = asyncio.Lock()

    def error(status: int, detail: str) -> Response:
        return JSONResponse({"detail": detail}, status_code=status)

    @app.middleware("http")
    async def log_and_guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # never a traceback to the client
            log.exception("%s %s failed", request.method, request.url.path)
            response = error(500, "Ett oväntat fel inträffade i lumledger på servern.")
        millis = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %d %s bytes %.0f ms",
            request.method,
            request.url.path,
            response.status_code,
            request.headers.get("content-length", "0"),
            millis,
        )
        return response

    async def body(request: Request) -> dict[str, Any]:
        if secret is not None and not hmac.compare_digest(
            request.headers.get("authorization", "").encode(), secret.encode()
        ):
            raise RequestError(401, "Fel eller saknad nyckel (Authorization).")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            raise RequestError(413, f"Arbetsboken är större än {max_bytes // 1_000_000} MB.")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_bytes:
                raise RequestError(413, f"Arbetsboken är större än {max_bytes // 1_000_000} MB.")
        try:
            data = json.loads(raw)
        except ValueError:
            raise RequestError(400, "Anropet är inte JSON.") from None
        if not isinstance(data, dict):
            raise RequestError(400, "Anropet ska vara ett JSON-objekt.")
        return data

    @app.exception_handler(RequestError)
    async def refused(_request: Request, exc: RequestError) -> Response:
        return error(exc.status, exc.detail)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/xlwings/custom-scripts-call/{script_name}")
    async def custom_scripts_call(script_name: str, request: Request) -> Response:
        data = await body(request)
        function = getattr(remote, script_name, None)
        if getattr(function, "__xlscript__", None) is None:
            return error(404, f"Okänt skript: {script_name}")
        args = data.pop("args", None) or []
        async with one_book:
            try:
                book = xw.Book(json=data)
            except xw.XlwingsError as exc:  # e.g. the VBA client's xlwings version differs
                return error(400, str(exc))
            except Exception:
                log.exception("unreadable workbook payload")
                return error(400, "Arbetsboken i anropet går inte att läsa.")
            try:
                done = await xlwings.server.custom_scripts_call(
                    remote, script_name, typehint_to_value={xw.Book: book}, args=args
                )
                return JSONResponse(done.json())
            except xw.XlwingsError as exc:
                return error(400, str(exc))
            finally:
                book.close()

    @app.post("/xlwings/custom-functions-call")
    async def custom_functions_call(request: Request) -> Response:
        data = await body(request)
        name = str(data.get("func_name", ""))
        if getattr(getattr(remote, name, None), "__xlfunc__", None) is None:
            return error(404, f"Okänd funktion: {name}")
        async with one_book:
            try:
                with fast_function_arguments():
                    result = await xlwings.server.custom_functions_call(data, remote)
            except xw.XlwingsError as exc:
                return error(400, str(exc))
        if isinstance(result, xw.CustomFunctionResult):
            return JSONResponse({"result": result.value, "script": result.script})
        return JSONResponse({"result": result})

    @app.get("/xlwings/custom-functions-meta")
    async def custom_functions_meta() -> Any:
        return xlwings.server.custom_functions_meta(remote)

    @app.get("/xlwings/custom-scripts-meta")
    async def custom_scripts_meta() -> Any:
        return xlwings.server.custom_scripts_meta(remote)

    return app


def serve(host: str, port: int, secret: str | None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Run the app with uvicorn until stopped (Ctrl+C)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(secret, max_bytes=max_bytes)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
