"""Invoices from an Excel workbook (.xlsx): the first sheet that has a header
row, read with openpyxl in read-only mode. Cells are turned back into the text a
CSV export would hold, so both files go through the same checks.

A workbook is a zip of XML, so a small file can stand for a huge one: its
members are measured (declared and inflated sizes, packing ratio, shared
strings) before openpyxl opens it, the sheet's declared dimension is ignored,
and rows are read up to the row and column limits only."""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal

from .errors import ReadResult, RowError
from .invoice_presets import preset_for
from .invoices_csv import InvoiceRecord, invoices_from_rows, map_headers
from .limits import (
    DEFAULT,
    MB,
    LimitExceeded,
    Limits,
    cell_too_long,
    check_size,
    refusing_over_limits,
    strip_controls,
    too_many_columns,
    too_many_rows,
)

HEADER_SEARCH = 100  # rows in which a sheet's header is looked for


UNREADABLE = (
    "not a readable XLSX workbook: it is damaged or is not an Excel workbook "
    "(save it again as .xlsx)"
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps numbers as binary floats; the shortest repr is the
        # decimal the user typed, which Decimal then keeps exactly.
        return str(Decimal(repr(value)).normalize()) if value == value else ""
    return strip_controls(str(value))


@refusing_over_limits("XLSX")
def read_invoices_xlsx(
    data: bytes, columns: dict[str, str] | None = None, limits: Limits = DEFAULT
) -> ReadResult[InvoiceRecord]:
    details = {"format": "XLSX"}
    check_size(data, limits)
    problem = check_archive(data, limits)
    if problem:
        return ReadResult([], [RowError(0, problem)], details)
    from openpyxl import load_workbook  # imported late: a heavy module

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types, its messages its own
        return ReadResult([], [RowError(0, UNREADABLE)], details)
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # "A1:XFD1048576" would pad every row
            table = _table(sheet, limits)
            if table:
                details["sheet"] = sheet.title
                return invoices_from_rows(*table, details, columns)
    except LimitExceeded:
        raise
    except Exception:
        return ReadResult([], [RowError(0, UNREADABLE)], details)
    finally:
        book.close()
    return ReadResult([], [RowError(0, "no sheet with a header row")], details)


def _table(sheet, limits: Limits) -> tuple[list[str], list] | None:
    """The header and the rows under it, as wide as the header; None for a
    sheet without one. The header is the first row naming three fields or
    fitting a package's preset (title rows above it, merged or not, are
    passed), else the first row with two cells filled."""
    header: list[str] = []
    found = 0
    rows = sheet.iter_rows(
        max_row=HEADER_SEARCH, max_col=limits.columns + 1, values_only=True
    )
    for n, values in enumerate(rows, 1):
        if sum(1 for v in values if v is not None and _text(v).strip()) >= 2:
            if values[limits.columns] is not None:
                raise too_many_columns(n, limits)
            cells = _cells(n, values, limits)
            if not header:
                header, found = cells, n
            if preset_for(cells) or len(map_headers(cells)[0]) >= 3:
                header, found = cells, n
                break
    if not header:
        return None
    while not header[-1]:
        header.pop()
    table: list[tuple[int, list[str]]] = []
    started = time.monotonic()
    rows = sheet.iter_rows(
        min_row=found + 1,
        max_row=found + limits.rows + 1,
        max_col=len(header),
        values_only=True,
    )
    for n, values in enumerate(rows, found + 1):
        if len(table) == limits.rows:
            raise too_many_rows(n, limits)
        if not n % 4096 and time.monotonic() - started > limits.seconds:
            raise LimitExceeded(
                n,
                "Reading the file took more than %(limit)s seconds; stopped at "
                "line %(row)s",
                limit=int(limits.seconds),
            )
        table.append((n, _cells(n, values, limits)))
    return header, table


def _cells(row: int, values: tuple, limits: Limits) -> list[str]:
    cells = [_text(v).strip() for v in values]
    if cells and max(map(len, cells)) > limits.cell_chars:
        column = next(i for i, c in enumerate(cells, 1) if len(c) > limits.cell_chars)
        raise cell_too_long(row, column, len(cells[column - 1]), limits)
    return cells


def check_archive(data: bytes, limits: Limits) -> str | None:
    """Why the zip cannot be a workbook, None if it can; LimitExceeded for one
    that unpacks to too much. Members are inflated here once, a megabyte at a
    time, so a member lying about its size is caught as it is read, and their
    XML is scanned for the rows, cells and shared strings openpyxl would make."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.zip_members:
                raise LimitExceeded(
                    0,
                    "The workbook holds %(count)s files, the limit is %(limit)s",
                    count=len(members),
                    limit=limits.zip_members,
                )
            if sum(m.file_size for m in members) > limits.unpacked_bytes:
                raise _unpacks_to(limits)
            scan = _Scan(limits)
            for member in members:
                _check_ratio(member.filename, member.file_size, member, limits)
                size = 0
                with archive.open(member) as stream:
                    while chunk := stream.read(MB):
                        size += len(chunk)
                        scan.inflated += len(chunk)
                        if scan.inflated > limits.unpacked_bytes:
                            raise _unpacks_to(limits)
                        _check_ratio(member.filename, size, member, limits)
                        scan.feed(chunk)
                scan.end()
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError):
        return UNREADABLE
    except (NotImplementedError, RuntimeError) as exc:  # unknown or encrypted
        return f"not an XLSX workbook ({exc})"
    return None


_TAG = re.compile(rb"<(?:\w{1,16}:)?(row|c|si)[\s>/]([^>]*)")
_REF = re.compile(rb'\br="([A-Za-z]{0,4})(\d{1,9})"')
TAG_BYTES = 64 * 1024


class _Scan:
    """Counts what the workbook's XML would make: rows by their declared
    number (openpyxl fills the gaps), cells and their columns, shared strings.
    Tags are read whole: one cut by the end of a chunk waits for the next."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.inflated = limits, 0
        self.cells = self.strings = 0
        self.tail = b""

    def end(self) -> None:
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self.tail + chunk
        cut = buffer.rfind(b"<")
        if cut == -1 or buffer.find(b">", cut) != -1:
            cut = len(buffer)
        self.tail = buffer[cut:]
        if len(self.tail) > TAG_BYTES:
            raise LimitExceeded(
                0,
                "An XML tag in the workbook is longer than %(limit)s bytes",
                limit=TAG_BYTES,
            )
        limits = self.limits
        for tag in _TAG.finditer(buffer, 0, cut):
            kind = tag.group(1)
            if kind == b"si":
                self.strings += 1
                continue
            ref = _REF.search(tag.group(2))
            if kind == b"c":
                self.cells += 1
                if ref and column_index(ref.group(1)) > limits.columns:
                    raise too_many_columns(int(ref.group(2)), limits)
            elif ref and int(ref.group(2)) > limits.rows + HEADER_SEARCH:
                raise too_many_rows(int(ref.group(2)), limits)
        if self.cells > limits.cells:
            raise LimitExceeded(
                0,
                "Too many cells in the workbook: more than %(limit)s",
                limit=limits.cells,
            )
        if self.strings > limits.shared_strings:
            raise LimitExceeded(
                0,
                "The workbook's shared strings table holds more than %(limit)s entries",
                limit=limits.shared_strings,
            )


def column_index(letters: bytes) -> int:
    """A1 notation's column: A is 1, Z 26, AA 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index


def _check_ratio(name: str, size: int, member: zipfile.ZipInfo, limits: Limits):
    """Small members (styles, a short sheet) pack well and are left alone."""
    ratio = size // max(member.compress_size, 1)
    if size > MB and ratio > limits.unpack_ratio:
        raise LimitExceeded(
            0,
            "%(member)s in the workbook is packed %(ratio)s times, the limit is "
            "%(limit)s (a zip bomb?)",
            member=name,
            ratio=ratio,
            limit=limits.unpack_ratio,
        )


def _unpacks_to(limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        0,
        "The workbook unpacks to more than %(limit)s MB",
        limit=limits.unpacked_bytes // MB,
    )
