import codecs
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.formats.invoices_csv import (
    REQUIRED,
    _checked_columns,
    map_headers,
    read_invoices,
    row_record,
)
from relance.formats.tabular import parse_date, parse_decimal, read_rows

SAMPLES = Path(__file__).parent / "samples"


def test_french_excel_export_in_windows_1252():
    result = read_invoices((SAMPLES / "export-excel-cp1252.csv").read_bytes())
    assert result.errors == []
    assert result.details["encoding"] == "windows-1252"
    assert result.details["delimiter"] == ";"
    first, second, third = result.records
    assert first.customer_name == "Boulangerie Léa"
    assert (first.total, first.total_excl_tax, first.tax) == (
        Decimal("1200.00"),
        Decimal("1000.00"),
        Decimal("200.00"),
    )
    assert first.due_date == date(2026, 11, 2)
    assert (second.paid, second.paid_date) == (Decimal("600.00"), date(2026, 11, 10))
    assert third.total == Decimal("2345.67") and third.customer_emails == ()


def test_utf8_with_bom_and_english_headers_comma_separated():
    data = (
        codecs.BOM_UTF8
        + (
            "number,customer_ref,customer_name,customer_email,issue_date,due_date,total,currency\n"
            "INV-9,K7,Zoë Ltd,ap@zoe.example,2026-10-01,2026-10-31,99.90,usd\n"
        ).encode()
    )
    result = read_invoices(data)
    assert result.errors == []
    (rec,) = result.records
    assert (rec.number, rec.customer_name, rec.currency, rec.total) == (
        "INV-9",
        "Zoë Ltd",
        "USD",
        Decimal("99.90"),
    )


def test_bad_rows_are_rejected_with_row_and_reason_and_others_kept():
    data = (
        b"numero;client;date;echeance;montant_ttc;montant_ht;tva;siren;type\n"
        b"A1;X;01/10/2026;31/10/2026;120,00;100,00;20,00;;\n"
        b"A2;X;32/10/2026;31/10/2026;120,00;;;;\n"
        b"A3;X;01/10/2026;30/09/2026;120,00;;;;\n"
        b"A4;X;01/10/2026;31/10/2026;douze;;;;\n"
        b"A5;X;01/10/2026;31/10/2026;120,00;100,00;10,00;;\n"
        b"A6;X;01/10/2026;31/10/2026;-5,00;;;;\n"
        b"A1;X;01/10/2026;31/10/2026;120,00;;;;\n"
        b"A7;X;01/10/2026;31/10/2026;120,00;;;123456789;\n"
        b"A8;X;01/10/2026;31/10/2026;120,00;;;;martien\n"
        b";X;01/10/2026;31/10/2026;120,00;;;;\n"
        b";;;;;;;;\n"
        b"A9;X;01/10/2026;31/10/2026;120,005;;;;\n"
    )
    result = read_invoices(data)
    assert [r.number for r in result.records] == ["A1", "A7"]
    # A bad SIREN is the buyer's defect, flagged: the receivable is kept.
    assert (result.records[1].siren, result.records[1].dropped_ids) == (
        "",
        (("SIREN", "123456789"),),
    )
    reasons = {e.row: e.message() for e in result.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 10, 11, 13]
    # a cell that cannot be read: its line, its column as the file names it, its value
    assert reasons[3] == (
        "Line 3, column date: “32/10/2026” is not a date (dd/mm/yyyy or yyyy-mm-dd)"
    )
    assert "before the issue date" in reasons[4]
    assert reasons[5] == "Line 5, column montant_ttc: “douze” is not an amount"
    assert "does not make the total" in reasons[6]
    assert "positive" in reasons[7]
    assert "already appears on line 2" in reasons[8]
    assert "b2b, b2c or public" in reasons[10]
    assert reasons[11] == "The invoice number is empty"
    assert reasons[13] == (
        "Line 13, column montant_ttc: “120,005” has more than two decimals"
    )
    assert result.errors[0].raw["numero"] == "A2"  # the raw row is kept


def test_missing_columns_are_named():
    result = read_invoices(b"numero;client;montant\nA1;X;3\n")
    assert result.records == []
    (error,) = result.errors
    assert error.row == 1
    assert "issue_date" in error.message() and "due_date" in error.message()


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xfe\x00\x00garbage", b'"unclosed;quote\n1;2']
)
def test_garbage_never_raises(data):
    result = read_invoices(data)
    assert result.records == []
    assert result.errors


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,56", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234.5", "1234.5"),
        ("(12,00)", "-12.00"),
        ("0", "0"),
    ],
)
def test_parse_decimal(text, value):
    assert parse_decimal(text) == Decimal(value)


def test_dates_are_day_first_or_iso():
    assert parse_date("03/04/2026") == date(2026, 4, 3)
    assert parse_date("2026-04-03") == date(2026, 4, 3)
    assert parse_date("03/04/2026 00:00:00") == date(2026, 4, 3)
    with pytest.raises(ValueError):
        parse_date("04-2026")


HEADER = [
    "number",
    "customer_ref",
    "customer_name",
    "customer_email",
    "issue_date",
    "due_date",
    "total",
    "currency",
    "total_excl_tax",
    "tax",
    "paid",
    "paid_date",
    "siren",
    "kind",
    "open_amount",
]
CELLS = {
    "number": st.sampled_from(["F1", "F2", " F3 ", ""]),
    "customer_ref": st.sampled_from(["C1", "", " c2"]),
    "customer_name": st.sampled_from(["Dupont SARL", "", "x"]),
    "customer_email": st.sampled_from(["", "a@b.fr", "a@b.fr; c@d.fr", "nope"]),
    "issue_date": st.sampled_from(["01/02/2026", "2026-02-01", "31/02/2026", ""]),
    "due_date": st.sampled_from(["03/03/2026", "2026-01-01", "x", ""]),
    "total": st.sampled_from(["120,00", "120", "1 200,00", "-5", "0", "1.234", ""]),
    "currency": st.sampled_from(["", "EUR", "€", "usd", "euros"]),
    "total_excl_tax": st.sampled_from(["", "100,00", "100", "abc", "1\n2"]),
    "tax": st.sampled_from(["", "20,00", "20", "19,99", "1,001"]),
    "paid": st.sampled_from(["", "0", "0,00", "50", "120,00", "500", "-1"]),
    "paid_date": st.sampled_from(["", "10/03/2026", "2026-13-01"]),
    "siren": st.sampled_from(["", "732 829 320", "123456789"]),
    "kind": st.sampled_from(["", "B2C", "particulier", "other"]),
    "open_amount": st.sampled_from(["", "0", "20,00", "120,00", "500", "-1", "x"]),
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=6), st.data())
def test_column_checks_agree_with_the_row_rules(rows, data):
    """The column-wise reading of large files keeps a row only when the row
    rules (`row_record`) would keep the same record; other rows go to them."""
    optional = [f for f in HEADER if f not in REQUIRED]
    columns = [*REQUIRED, *data.draw(st.lists(st.sampled_from(optional), unique=True))]
    if "customer_ref" not in columns and "customer_name" not in columns:
        columns.append("customer_name")
    mapping = {f: i for i, f in enumerate(columns)}
    table = [(n + 2, [row[f] for f in columns]) for n, row in enumerate(rows)]
    width = len(columns)
    for (line, cells), fast in zip(
        table, _checked_columns(table, mapping, width), strict=True
    ):
        if fast is None:
            continue
        values = {f: cells[i].strip() for f, i in mapping.items()}
        assert fast == row_record(line, values)
        assert [type(v) for v in fast] == [type(v) for v in row_record(line, values)]


def test_plain_rows_take_the_column_path():
    text = (
        "Numéro;Client;Date;Échéance;Montant HT;TVA;Montant TTC;Réglé\n"
        "F1;Dupont;01/02/2026;03/03/2026;100,00;20,00;120,00;\n"
        "F2;Durand;2026-02-01;2026-03-03;10;2;12;12\n"
    )
    header, rows, _ = read_rows(text, ";")
    mapping, _ = map_headers(header)
    fast = _checked_columns(rows, mapping, len(header))
    assert None not in fast
    assert fast[1].paid == Decimal("12") and fast[1].tax == Decimal("2")
