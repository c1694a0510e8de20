"""Hostile import files: each costs work in proportion to a capped size, and a
file over a limit is refused whole, with the limit and where it was reached.
The files are made here, at the sizes that once took minutes; each case must
end in a few seconds."""

import io
import random
import resource
import time
import tracemalloc
import zipfile

import pytest

from relance.formats.bank import read_bank
from relance.formats.bank_camt import read_camt
from relance.formats.bank_csv import read_bank_csv
from relance.formats.bank_mt940 import read_mt940
from relance.formats.bank_ofx import read_ofx
from relance.formats.einvoice import read_einvoice_xml, read_facturx
from relance.formats.fec import read_fec
from relance.formats.invoices import read_invoice_file
from relance.formats.invoices_csv import read_invoices
from relance.formats.invoices_xlsx import read_invoices_xlsx
from relance.formats.limits import MB, Limits

from .cii_samples import cii
from .test_einvoice import UBL, facturx
from .test_fuzz_readers import SAMPLES, _xlsx_sample

OFX_HEAD = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    b"CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)
SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:XFD1048576"/><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>numero</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>total</t></is></c></row>'
)


def timed(reader, data, seconds: float = 3.0, memory_mb: int = 64, traced=True):
    """The reader's result, checked to come within `seconds` and to allocate
    less than `memory_mb` on the way: measured by tracemalloc in a second
    run, or for the workbook scans (whose regular expressions tracemalloc
    slows tenfold) by the growth of the process's peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = reader(data)
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"{elapsed:.1f} s"
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown * 1024 < memory_mb * MB, f"{grown // 1024} MB more at peak"
    if traced:
        tracemalloc.start()
        try:
            reader(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < memory_mb * MB, f"{peak / MB:.0f} MB"
    return result


def refused(result, reason: str):
    """No record, one error: the limit, its figures filled in."""
    assert result.records == []
    assert len(result.errors) == 1, result.errors
    error = result.errors[0]
    assert reason in error.reason, error.reason
    return error


def workbook(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet is `sheet_xml`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_xlsx_sample())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            name = member.filename
            target.writestr(
                name,
                sheet_xml if name == "xl/worksheets/sheet1.xml" else source.read(name),
            )
    return out.getvalue()


def test_ofx_unclosed_cdata_sections_are_refused_in_linear_time():
    """GIVEN 130 KB of unclosed CDATA sections (ofxtools' greedy pattern read
    to the end of the file once per section: 27 s) WHEN read THEN refused at
    once, saying where."""
    data = OFX_HEAD + b"<OFX>" + b"<A><![CDATA[x" * 10_000
    assert len(data) > 130_000
    result = timed(read_ofx, data, seconds=1)
    assert "CDATA section not closed" in refused(result, "not a readable OFX").reason


def test_ofx_header_blanks_do_not_backtrack():
    """ofxtools' header patterns backtrack on blanks: "<?xml" and 400 spaces
    took 7 s, 5,000 would take hours."""
    for data in (
        b"<?xml" + b" " * 5_000 + b"\n<OFX></OFX>",
        b"OFXHEADER:100\n" + b" \t" * 100_000 + b"x\n\n<OFX>",
    ):
        result = timed(read_ofx, data, seconds=1)
        assert result.records == [] and result.errors


def test_ofx_closed_cdata_still_reads():
    sample = (SAMPLES / "ofx1-ca.ofx").read_bytes()
    plain = read_ofx(sample)
    assert plain.records and b"<NAME>" in sample
    wrapped = sample.replace(b"<NAME>", b"<NAME><![CDATA[", 1)
    line_end = wrapped.index(b"\n", wrapped.index(b"<![CDATA["))
    wrapped = wrapped[:line_end].rstrip(b"\r") + b"]]>" + wrapped[line_end:]
    assert read_ofx(wrapped).records == plain.records


def test_xlsx_zip_bomb_is_refused_before_openpyxl():
    """GIVEN a workbook of a few hundred KB whose sheet unpacks to 48 MB (it
    took 112 s and 400 MB) WHEN read THEN refused by its packing ratio."""
    bomb = workbook(SHEET + b"<row/>" * (8 * MB) + b"</sheetData></worksheet>")
    assert len(bomb) < 300_000
    result = timed(read_invoices_xlsx, bomb, seconds=2)
    error = refused(result, "packed %(ratio)s times")
    assert error.params["member"] == "xl/worksheets/sheet1.xml"
    assert error.params["ratio"] > 100


def _sparse_sheet(cell) -> bytes:
    """Rows every seven lines down to Excel's last one, each with one cell of
    random digits (so the sheet packs no better than a real one): 1.9 MB."""
    rng = random.Random(1)
    rows = [
        b'<row r="%d">%s</row>' % (r, cell(r, rng.getrandbits(40)))
        for r in range(2, 1_048_577, 7)
    ]
    return workbook(SHEET + b"".join(rows) + b"</sheetData></worksheet>")


def test_xlsx_far_columns_are_refused_unread():
    """GIVEN 1.9 MB within the unpack guard, a dimension of A1:XFD1048576 and
    cells in column XFD (openpyxl padded every row to 16,384 columns: still
    running at 400 s) WHEN read THEN refused at the first far cell."""
    data = _sparse_sheet(lambda r, v: b'<c r="XFD%d"><v>%d</v></c>' % (r, v))
    assert 1.5 * MB < len(data) < 2.5 * MB
    result = timed(read_invoices_xlsx, data, traced=False)
    error = refused(result, "Too many columns")
    assert error.params == {"row": 2, "limit": 500}


def test_xlsx_far_rows_are_refused_unread():
    data = _sparse_sheet(lambda r, v: b'<c r="A%d"><v>%d</v></c>' % (r, v))
    assert 1.5 * MB < len(data) < 2.5 * MB
    result = timed(read_invoices_xlsx, data, traced=False)
    error = refused(result, "Too many rows")
    assert error.params["row"] > 1_000_000


def test_xlsx_declared_dimension_is_ignored():
    """A sheet declaring A1:XFD1048576 but holding two rows reads as two rows."""
    sheet = SHEET.replace(b"numero", b"number").replace(b"total</t>", b"total</t>")
    sheet = sheet.replace(
        b"</row>",
        b'<c r="C1" t="inlineStr"><is><t>date</t></is></c>'
        b'<c r="D1" t="inlineStr"><is><t>due</t></is></c>'
        b'<c r="E1" t="inlineStr"><is><t>customer</t></is></c></row>',
        1,
    )
    row = (
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>F1</t></is></c><c r="B2"><v>12'
        b'</v></c><c r="C2" t="inlineStr"><is><t>01/10/2026</t></is></c><c r="D2" '
        b't="inlineStr"><is><t>31/10/2026</t></is></c><c r="E2" t="inlineStr"><is>'
        b"<t>Acme</t></is></c></row>"
    )
    result = timed(
        read_invoices_xlsx, workbook(sheet + row + b"</sheetData></worksheet>")
    )
    assert [r.customer_name for r in result.records] == ["Acme"], result.errors


def test_xlsx_shared_strings_and_cells_are_counted_before_opening():
    strings = b"<sst>" + b"<si><t>x</t></si>" * 1_001 + b"</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", strings)
    result = read_invoices_xlsx(out.getvalue(), limits=Limits(shared_strings=1_000))
    refused(result, "shared strings")
    cells = workbook(SHEET + b'<row r="2"><c r="A2"><v>1</v></c></row>' * 10)
    refused(read_invoices_xlsx(cells, limits=Limits(cells=5)), "Too many cells")


def test_xlsx_member_inflating_past_its_declared_size_is_refused():
    """A zip's directory may lie about a member's size: what it inflates to is
    measured while reading, and a lie is caught there."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", SHEET + b"<row/>" * 100_000)
    data = bytearray(out.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")  # file_size
    result = read_invoices_xlsx(bytes(data))
    assert result.records == [] and "not a readable XLSX" in result.errors[0].reason


def test_a_ten_million_column_header_is_refused_in_well_under_a_second():
    data = b"a;" * 10_000_000 + b"\nF1;12\n"
    result = timed(read_invoices, data, seconds=1, memory_mb=200)
    assert refused(result, "Too many columns").params == {"row": 1, "limit": 500}


def test_a_wide_row_under_the_header_is_refused_with_its_line():
    data = b"numero;total\nF1;12\n" + b";" * 600 + b"\n"
    assert refused(read_invoices(data), "Too many columns").params["row"] == 3


def test_a_file_over_the_size_limit_is_refused_without_being_copied():
    data = b"x" * (105 * MB)
    for reader in (read_invoices, read_invoice_file, read_bank):
        error = refused(timed(reader, data, seconds=1, memory_mb=2), "File too large")
        assert error.params == {"row": 0, "size": 105, "limit": 50}
        assert error.message() == "File too large: 105 MB, the limit is 50 MB"


READERS = {
    "invoices_csv": (read_invoices, (SAMPLES / "export-excel-cp1252.csv").read_bytes()),
    "invoices_xlsx": (read_invoices_xlsx, _xlsx_sample()),
    "fec": (
        lambda d, limits: read_fec(d, 30, limits),
        (SAMPLES / "fec-sage-tab.txt").read_bytes(),
    ),
    "cii": (lambda d, limits: read_einvoice_xml(d, 30, limits), cii("extended")),
    "ubl": (lambda d, limits: read_einvoice_xml(d, 30, limits), UBL),
    "facturx": (lambda d, limits: read_facturx(d, 30, limits), facturx(cii("basic"))),
    "camt": (read_camt, (SAMPLES / "camt053.xml").read_bytes()),
    "ofx": (read_ofx, (SAMPLES / "ofx1-ca.ofx").read_bytes()),
    "mt940": (read_mt940, (SAMPLES / "mt940-fr.sta").read_bytes()),
    "bank_csv": (read_bank_csv, (SAMPLES / "bank-debit-credit.csv").read_bytes()),
}


@pytest.mark.parametrize("name", list(READERS))
def test_every_reader_caps_the_file_size(name):
    reader, sample = READERS[name]
    assert reader(sample, limits=Limits()).records
    error = refused(reader(sample, limits=Limits(file_bytes=100)), "File too large")
    assert error.params["limit"] == 0 and error.row == 0


@pytest.mark.parametrize("name", ["invoices_csv", "fec", "bank_csv", "mt940"])
def test_every_table_caps_its_rows(name):
    reader, sample = READERS[name]
    refused(reader(sample, limits=Limits(rows=1)), "Too many rows")


def test_a_cell_over_the_limit_is_refused_with_its_place():
    data = (
        b"numero;client;date;echeance;total\nF1;"
        + b"A" * 200
        + b";01/10/2026;31/10/2026;12\n"
    )
    error = refused(read_invoices(data, limits=Limits(cell_chars=100)), "Cell too long")
    assert error.params == {"row": 2, "column": 2, "size": 200, "limit": 100}


@pytest.mark.parametrize("name", ["cii", "ubl", "camt"])
def test_xml_readers_cap_elements_and_depth(name):
    reader, sample = READERS[name]
    refused(reader(sample, limits=Limits(xml_elements=10)), "Too many XML elements")
    deep = b"<Document>" + b"<a>" * 200 + b"</a>" * 200 + b"</Document>"
    refused(reader(deep, limits=Limits()), "nested too deeply")


def test_ofx_caps_its_tags():
    reader, sample = READERS["ofx"]
    refused(reader(sample, limits=Limits(xml_elements=10)), "Too many XML elements")


def test_nul_and_control_characters_never_leave_a_reader():
    """PostgreSQL refuses NUL in text and SQLite keeps it: both are dropped."""
    csv = b"numero;client;date;echeance;total\nF\x001;Ac\x00me\x07;01/10/2026;31/10/2026;12\n"
    [record] = read_invoices(csv).records
    assert (record.number, record.customer_name) == ("F1", "Acme")
    bank = (SAMPLES / "bank-debit-credit.csv").read_bytes().replace(b"VIR", b"V\x00IR")
    assert all("\x00" not in x.remittance for x in read_bank_csv(bank).records)
    ofx = (SAMPLES / "ofx1-ca.ofx").read_bytes().replace(b"<NAME>", b"<NAME>\x00\x1b")
    lines = read_ofx(ofx).records
    assert lines and all("\x00" not in x.payer + x.remittance for x in lines)


def _rows_sheet(count: int) -> bytes:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>1</v></c></row>'
        % (n, n, n, n)
        for n in range(2, count + 2)
    )
    return workbook(SHEET + rows + b"</sheetData></worksheet>")


def test_xlsx_rows_over_the_limit_are_refused_while_reading():
    """Under the scan's threshold (the limit and the rows a header may be
    looked for in), the rows are counted as openpyxl gives them."""
    result = read_invoices_xlsx(_rows_sheet(5), limits=Limits(rows=3))
    assert refused(result, "Too many rows").params == {"row": 5, "limit": 3}


def test_xlsx_reading_stops_at_the_time_limit():
    result = read_invoices_xlsx(_rows_sheet(5_000), limits=Limits(seconds=0))
    error = refused(result, "took more than")
    assert error.params == {"row": 4096, "limit": 0}
