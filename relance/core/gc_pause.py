"""Large in-memory builds (an import of a million rows, the matching indexes)
create millions of objects, none of them cyclic garbage: the cyclic collector
would rescan them all many times over, which makes the work quadratic."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
