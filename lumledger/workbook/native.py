"""python-calamine's native (Rust) side: its panics as exceptions, and its panic messages.

python-calamine raises ``pyo3_runtime.PanicException`` (a ``BaseException``, so it slips past
``except Exception``) for cells it cannot convert, e.g. a date-formatted ``-1E+308``, after Rust's
panic hook has printed a message to the process's standard error (descriptor 2).

* :func:`native_panics_caught` turns the exception into :class:`NativePanic`, around each call
  (no process-wide effect);
* :func:`native_messages_held` keeps the panic *message* off the terminal. Descriptor 2 belongs
  to the whole process, so this is taken once, by the entry point that owns the terminal (the
  command line, around one command), never inside library functions. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any


class NativePanic(RuntimeError):
    """A panic inside a native (Rust) reader, turned into an ordinary exception."""


@contextlib.contextmanager
def native_panics_caught() -> Iterator[None]:
    """Run a python-calamine call so that a Rust panic becomes :class:`NativePanic`."""
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise NativePanic(str(exc)) from None


# Rust's default panic hook: "thread '…' (id) panicked at …", the message, then a note on
# backtraces, or a backtrace and a note on its details (or to the end of what was held).
_PANIC_RE = re.compile(
    rb"\n?^thread '[^'\n]*'[^\n]* panicked at .*?"
    rb"(?:^note: [^\n]*`RUST_BACKTRACE=[^\n]*(?:\n|\Z)|\Z)",
    re.M | re.S,
)
MAX_HELD = 1 << 20  # bytes of other native output passed on at the end


@contextlib.contextmanager
def native_messages_held() -> Iterator[None]:
    """For the length of the block, hold what native code writes to descriptor 2; pass it on at
    the end without Rust's panic messages.

    Python's own ``sys.stderr`` keeps writing to the terminal at once (it is pointed at a copy of
    the original descriptor while the block runs). Where descriptor 2 cannot be redirected, the
    block runs without holding anything.
    """
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    except OSError:
        yield
        return
    try:
        original = os.dup(2)
    except OSError:
        sink.close()
        yield
        return
    try:
        os.dup2(sink.fileno(), 2)
    except OSError:
        os.close(original)
        sink.close()
        yield
        return
    python_stderr = sys.stderr
    own = _stream_on(original, python_stderr)
    if own is not None:
        sys.stderr = own
    try:
        yield
    finally:
        if own is not None:
            with contextlib.suppress(OSError, ValueError):
                own.flush()
            sys.stderr = python_stderr
            with contextlib.suppress(OSError, ValueError):
                own.close()
        with sink:
            os.dup2(original, 2)
            os.close(original)
            sink.seek(0)
            held = _PANIC_RE.sub(b"", sink.read(MAX_HELD))
            if held.strip():
                with contextlib.suppress(OSError):
                    os.write(2, held)


def _stream_on(descriptor: int, like: Any) -> Any | None:
    """A text stream on a copy of ``descriptor`` for Python's writes, when ``like`` (the current
    ``sys.stderr``) writes to descriptor 2; ``None`` when it writes elsewhere (a test's capture)."""
    try:
        if like.fileno() != 2:
            return None
    except (AttributeError, OSError, ValueError):
        return None
    try:
        return os.fdopen(
            os.dup(descriptor),
            "w",
            encoding=getattr(like, "encoding", None) or "utf-8",
            errors=getattr(like, "errors", None) or "backslashreplace",
            buffering=1,
        )
    except OSError:
        return None
