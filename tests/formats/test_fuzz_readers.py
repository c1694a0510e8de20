"""Every reader, fed random bytes and damaged versions of real-shaped files:
it returns records and row errors, never raises, never hangs, and stays within a
bounded amount of memory."""

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.formats.bank import read_bank
from relance.formats.bank_camt import read_camt
from relance.formats.bank_csv import read_bank_csv
from relance.formats.bank_mt940 import read_mt940
from relance.formats.bank_ofx import read_ofx
from relance.formats.einvoice import read_einvoice_xml, read_facturx
from relance.formats.errors import ReadResult
from relance.formats.fec import read_fec
from relance.formats.invoices import read_invoice_file
from relance.formats.invoices_csv import read_invoices
from relance.formats.invoices_xlsx import read_invoices_xlsx

from .cii_samples import cii
from .test_einvoice import UBL, facturx

SAMPLES = Path(__file__).parent / "samples"
MEMORY_LIMIT = 64 * 2**20  # for inputs of a few kilobytes


def _xlsx_sample() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["numero", "client", "date", "echeance", "total"])
    book.active.append(["F1", "Acme", "01/10/2026", "31/10/2026", 120.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


READERS = {
    "invoices_csv": (read_invoices, (SAMPLES / "export-excel-cp1252.csv").read_bytes()),
    "invoices_xlsx": (read_invoices_xlsx, _xlsx_sample()),
    "fec": (lambda d: read_fec(d, 30), (SAMPLES / "fec-sage-tab.txt").read_bytes()),
    "cii": (lambda d: read_einvoice_xml(d, 30), cii("extended")),
    "ubl": (lambda d: read_einvoice_xml(d, 30), UBL),
    "facturx": (lambda d: read_facturx(d, 30), facturx(cii("basic"))),
    "camt": (read_camt, (SAMPLES / "camt053.xml").read_bytes()),
    "ofx": (read_ofx, (SAMPLES / "ofx1-ca.ofx").read_bytes()),
    "mt940": (read_mt940, (SAMPLES / "mt940-fr.sta").read_bytes()),
    "bank_csv": (read_bank_csv, (SAMPLES / "bank-debit-credit.csv").read_bytes()),
    "any_bank": (read_bank, (SAMPLES / "ofx2-xml.ofx").read_bytes()),
    "any_invoice": (read_invoice_file, (SAMPLES / "fec-sage-tab.txt").read_bytes()),
}


def check(reader, data: bytes) -> None:
    tracemalloc.start()
    try:
        result = reader(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, ReadResult)
    assert all(isinstance(e.reason, str) and e.reason for e in result.errors)
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MB for {len(data)} bytes"


@st.composite
def damaged(draw, sample: bytes) -> bytes:
    """The sample with a few bytes replaced, inserted or removed, or truncated."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        byte = draw(st.sampled_from([0, 10, 34, 38, 44, 59, 60, 62, 9, 124, 255, 48]))
        if op == "replace":
            data[at] = byte
        elif op == "insert":
            data.insert(at, byte)
        elif op == "delete":
            del data[at]
        else:
            del data[at:]
    return bytes(data)


FUZZ = settings(
    max_examples=60,
    deadline=3000,  # a hang or a blow-up fails the example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", list(READERS))
@FUZZ
@given(data=st.data())
def test_damaged_files_never_crash(name, data):
    reader, sample = READERS[name]
    check(reader, data.draw(damaged(sample)))


@pytest.mark.parametrize("name", list(READERS))
@FUZZ
@given(blob=st.binary(max_size=2048))
def test_random_bytes_never_crash(name, blob):
    reader, _ = READERS[name]
    check(reader, blob)


def test_zip_bomb_workbook_is_refused_unopened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 2**20))
    result = read_invoices_xlsx(out.getvalue())
    assert result.records == [] and "unpacks to more than" in result.errors[0].reason


def test_billion_laughs_in_every_xml_reader():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]><Document>&lol9;</Document>"
    )
    for reader in (read_camt, lambda d: read_einvoice_xml(d, 30), read_bank):
        check(reader, bomb)
        assert reader(bomb).records == []


def test_unknown_declared_encoding_is_a_row_error():
    """Found by the fuzz test: an XML declaration naming no known codec."""
    data = b'<?xml version="1.0" encoding="U0F-8"?><Document/>'
    for reader in (read_camt, lambda d: read_einvoice_xml(d, 30)):
        result = reader(data)
        assert result.records == [] and "encoding" in result.errors[0].reason


def test_a_cell_starting_with_nul_is_data_not_a_reading_error():
    """Found by the fuzz test: read_rows once flagged its own errors with a
    leading NUL, so a real NUL cell ended the file with an empty reason."""
    fec = (SAMPLES / "fec-sage-tab.txt").read_bytes() + b"\x00"
    result = read_fec(fec, 30)
    assert len(result.records) == 3
    assert all(e.reason for e in result.errors)
