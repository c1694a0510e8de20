"""How much an import file may cost: its size, its rows and columns, what a
workbook unpacks to, how many XML elements it holds. A file over a limit is
refused whole, with a reason that says which limit and where, so an import
never stops half-way with some rows written; a file costs work in proportion
to a size that is itself capped."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from .errors import ReadResult, RowError

MB = 2**20


@dataclass(frozen=True, slots=True)
class Limits:
    file_bytes: int = 50 * MB
    rows: int = 1_000_000  # lines of a table, the header apart
    columns: int = 500
    line_chars: int = 1_000_000
    cell_chars: int = 10_000
    # XLSX: what the zip members unpack to, together and each against its size
    # packed (a real sheet compresses ten to thirty times; a bomb, thousands).
    unpacked_bytes: int = 250 * MB
    unpack_ratio: int = 100
    zip_members: int = 1_000
    shared_strings: int = 3_000_000
    cells: int = 10_000_000
    xml_elements: int = 2_000_000
    xml_depth: int = 100
    seconds: float = 120.0  # reading with a third-party parser we cannot bound


DEFAULT = Limits()


class LimitExceeded(Exception):
    """Raised deep in a reader; `refusing_over_limits` turns it into the
    file's only error."""

    def __init__(self, row: int, reason: str, **params: object) -> None:
        params = {"row": row, **params}
        super().__init__(reason % params)
        self.error = RowError(row, reason, params=params)


def refusing_over_limits(fmt: str) -> Callable:
    """A reader that returns no record, and the limit as its error, when the
    file goes over one of its limits."""

    def decorate(reader: Callable[..., ReadResult]) -> Callable[..., ReadResult]:
        @wraps(reader)
        def read(*args, **kwargs) -> ReadResult:
            try:
                return reader(*args, **kwargs)
            except LimitExceeded as exc:
                return ReadResult([], [exc.error], {"format": fmt})

        return read

    return decorate


def size_error(size: int, limits: Limits) -> RowError | None:
    """The error of a file of `size` bytes, None when it may be read: callers
    holding a path or an upload ask before reading it."""
    refused = _too_large(size, limits)
    return refused.error if refused else None


def check_size(data: bytes, limits: Limits) -> None:
    if refused := _too_large(len(data), limits):
        raise refused


def _too_large(size: int, limits: Limits) -> LimitExceeded | None:
    if size <= limits.file_bytes:
        return None
    return LimitExceeded(
        0,
        "File too large: %(size)s MB, the limit is %(limit)s MB",
        size=math.ceil(size / MB),
        limit=limits.file_bytes // MB,
    )


def too_many_rows(row: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        row, "Too many rows: more than %(limit)s at line %(row)s", limit=limits.rows
    )


def too_many_columns(row: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        row,
        "Too many columns at line %(row)s: more than %(limit)s",
        limit=limits.columns,
    )


def cell_too_long(row: int, column: int, size: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        row,
        "Cell too long at line %(row)s, column %(column)s: %(size)s characters, "
        "the limit is %(limit)s",
        column=column,
        size=size,
        limit=limits.cell_chars,
    )


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """Text without NUL and the other control characters (tab and line breaks
    kept): PostgreSQL refuses NUL in text, SQLite would keep it."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text
