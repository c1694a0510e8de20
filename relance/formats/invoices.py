"""Any invoice file: the format is recognised from the content (a spreadsheet,
a FEC, an e-invoice in XML or a Factur-X PDF), and the matching reader called."""

from __future__ import annotations

from .einvoice import read_einvoice_xml, read_facturx
from .errors import ReadResult
from .fec import read_fec
from .invoices_csv import InvoiceRecord, read_invoices
from .invoices_xlsx import read_invoices_xlsx
from .limits import DEFAULT, Limits


def invoice_format(data: bytes) -> str:
    head = data[:2048]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "xml"
    first = head.split(b"\n", 1)[0].lower()
    if b"journalcode" in first and b"comptenum" in first:
        return "fec"
    return "csv"


def read_invoice_file(
    data: bytes,
    *,
    columns: dict[str, str] | None = None,
    default_days: int = 30,
    limits: Limits = DEFAULT,
) -> ReadResult[InvoiceRecord]:
    """`columns` is a saved column mapping for tables; `default_days` the terms
    applied when a file gives no due date (FEC, some e-invoices); `limits` what
    the file may cost to read."""
    kind = invoice_format(data)
    if kind == "xlsx":
        return read_invoices_xlsx(data, columns, limits)
    if kind == "pdf":
        return read_facturx(data, default_days, limits)
    if kind == "xml":
        return read_einvoice_xml(data, default_days, limits)
    if kind == "fec":
        return read_fec(data, default_days, limits)
    result = read_invoices(data, columns, limits)
    result.details.setdefault("format", "CSV")
    return result
