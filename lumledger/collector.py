"""Python's cyclic garbage collector, paused while one command builds millions of objects.

Reading a full-height ledger creates tens of millions of objects (python-calamine's cell values,
the parsed columns, one object per application when reconciling) and keeps them to the end. With
the collector running, each of its full passes walks all of them again: on 1 048 575 rows that
was a fifth of the reading, a third of the roll-up and most of printing it. These objects form no
reference cycles, so reference counting frees them as before; the collector is only held off,
and restored as it was (a pause inside a pause leaves it to the outer one).

The collector is process-wide, so the pause is taken in one place per entry point, around the
whole of its work: the command line (``lumledger.cli.guarded``) and the Excel buttons
(``lumledger.xl.guarded``); a program that uses the library takes it the same way, if it wants.
No library function pauses it. Standard library only.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector inside the block; restore it as it was."""
    enabled = gc.isenabled()
    if enabled:  # a pause inside a pause leaves it to the outer one
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
