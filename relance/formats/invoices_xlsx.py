"""Invoices from an Excel workbook (.xlsx): the first sheet that has a header
row, read with openpyxl in read-only mode. Cells are turned back into the text a
CSV export would hold, so both files go through the same checks."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from .errors import ReadResult, RowError
from .invoices_csv import InvoiceRecord, invoices_from_rows

MAX_BYTES = 50 * 1024 * 1024
MAX_UNPACKED = 500 * 1024 * 1024  # refuse zip bombs before opening them


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
    return str(value)


def read_invoices_xlsx(
    data: bytes, columns: dict[str, str] | None = None
) -> ReadResult[InvoiceRecord]:
    details = {"format": "XLSX"}
    problem = _unsafe(data)
    if problem:
        return ReadResult([], [RowError(0, problem)], details)
    from openpyxl import load_workbook  # imported late: a heavy module

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on broken workbooks
        reason = f"not a readable XLSX workbook: {str(exc)[:200]}"
        return ReadResult([], [RowError(0, reason)], details)
    try:
        for sheet in book.worksheets:
            header: list[str] = []
            rows: list[tuple[int, list[str]]] = []
            for n, values in enumerate(sheet.iter_rows(values_only=True), 1):
                cells = [_text(v).strip() for v in values]
                if not header:
                    if sum(1 for c in cells if c) >= 2:
                        header = cells
                    continue
                rows.append((n, cells))
            if header:
                details["sheet"] = sheet.title
                return invoices_from_rows(header, rows, details, columns)
    except Exception as exc:
        reason = f"not a readable XLSX workbook: {str(exc)[:200]}"
        return ReadResult([], [RowError(0, reason)], details)
    finally:
        book.close()
    return ReadResult([], [RowError(0, "no sheet with a header row")], details)


def _unsafe(data: bytes) -> str | None:
    if len(data) > MAX_BYTES:
        return f"file larger than {MAX_BYTES // 2**20} MB"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"not an XLSX workbook (bad zip: {exc})"
    if unpacked > MAX_UNPACKED:
        return f"workbook unpacks to more than {MAX_UNPACKED // 2**20} MB"
    return None
