"""Progress of long work (reading, validating, writing a large ledger), for whoever listens.

Library code says how far it has come with :func:`report` (a label and a fraction from 0 to 1)
and splits its work into parts with :func:`part`, so that reading can be the first three
quarters of a validation and the rules the last quarter, without either knowing the other.
Nothing is shown unless a listener is set with :func:`listening`: the command line sets one that
draws a bar on standard error (``lumledger.cli``); the library itself never prints.
Standard library only, so any module may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, float], None]  # (what is being done, fraction done of the whole)

_listener: ContextVar[Listener | None] = ContextVar("lumledger_progress", default=None)
_span: ContextVar[tuple[float, float]] = ContextVar("lumledger_progress_span", default=(0.0, 1.0))


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every report made inside the ``with`` block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def report(label: str, fraction: float) -> None:
    """``fraction`` (0..1) of the current part is done; ``label`` says what is being done."""
    listener = _listener.get()
    if listener is None:
        return
    start, end = _span.get()
    listener(label, start + (end - start) * min(max(fraction, 0.0), 1.0))


@contextmanager
def part(start: float, end: float) -> Iterator[None]:
    """Inside the block, fractions 0..1 mean ``start``..``end`` of the enclosing part."""
    outer_start, outer_end = _span.get()
    width = outer_end - outer_start
    token = _span.set((outer_start + width * start, outer_start + width * end))
    try:
        yield
    finally:
        _span.reset(token)
