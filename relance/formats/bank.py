"""Any bank statement file: the format is recognised from the content, not the
file name, and the matching reader is called."""

from __future__ import annotations

from .bank_camt import read_camt
from .bank_csv import read_bank_csv
from .bank_line import BankLine
from .bank_mt940 import read_mt940
from .bank_ofx import read_ofx
from .errors import ReadResult
from .limits import DEFAULT, Limits


def bank_format(data: bytes) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"OFXHEADER") or b"<OFX>" in head:
        return "ofx"
    if head.startswith(b"<") and b"CAMT.05" in head:
        return "camt"
    if head.startswith(b"<"):
        return "camt" if b"<DOCUMENT" in head else "ofx" if b"OFX" in head else "xml"
    if b":20:" in head and (b":61:" in data or b":60F:" in head):
        return "mt940"
    return "csv"


def read_bank(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    kind = bank_format(data)
    if kind == "ofx":
        return read_ofx(data, limits)
    if kind in ("camt", "xml"):
        return read_camt(data, limits)
    if kind == "mt940":
        return read_mt940(data, limits)
    return read_bank_csv(data, limits)
