"""python-calamine's Rust panics: caught as exceptions per call, their messages held per command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lumledger.workbook.native import NativePanic, native_panics_caught

ROOT = Path(__file__).resolve().parent.parent

HELD = """
import os, sys
from lumledger.workbook.native import native_messages_held
with native_messages_held():
    os.write(2, PANIC)
    os.write(2, b"native warning\\n")
    print("python says", file=sys.stderr, flush=True)
print("after", file=sys.stderr)
"""

SHORT = (
    b"\nthread '<unnamed>' (21897) panicked at src/lib.rs:717:17:\n"
    b"TimeDelta::milliseconds out of bounds\n"
    b"note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
)
LONG = (
    b"thread '<unnamed>' panicked at src/lib.rs:717:17:\nout of bounds\nstack backtrace:\n"
    b"   0: __rustc::rust_begin_unwind\n             at ./nptl/pthread_create.c:442:8\n"
    b"note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n"
)


class PanicException(BaseException):  # what pyo3 raises, by name
    pass


def test_a_panic_becomes_an_ordinary_exception() -> None:
    with pytest.raises(NativePanic, match="boom"), native_panics_caught():
        raise PanicException("boom")
    with pytest.raises(KeyboardInterrupt), native_panics_caught():
        raise KeyboardInterrupt


@pytest.mark.parametrize("panic", [SHORT, LONG], ids=["short", "with-backtrace"])
def test_held_native_output_loses_the_panic_message_only(panic: bytes) -> None:
    code = f"PANIC = {panic!r}\n" + HELD
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, timeout=60, check=True
    )
    # Python's own writes go out at once; other native output when the block ends.
    assert result.stderr.decode() == "python says\nnative warning\nafter\n"
