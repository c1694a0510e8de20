"""OFX of two banks (1.x SGML, 2.x XML), MT940 and bank CSV exports."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.formats.bank import bank_format, read_bank
from relance.formats.bank_line import split_label

SAMPLES = Path(__file__).parent / "samples"


def read(name):
    return read_bank((SAMPLES / name).read_bytes())


def test_ofx1_sgml_with_decimal_comma():
    result = read("ofx1-ca.ofx")
    assert result.details["format"] == "OFX" and result.errors == []
    credit, debit = result.records
    assert (credit.booked, credit.amount) == (date(2026, 11, 18), Decimal("1234.56"))
    assert credit.payer == "SARL DUPONT ET FILS"
    assert "F2026-00123" in credit.remittance
    assert credit.bank_ref == "2026111800001" and credit.account == "60012345678"
    assert debit.amount == Decimal("-50.00")
    assert result.details["latest_booking"] == "2026-11-19"


def test_ofx2_xml_payer_in_name():
    result = read("ofx2-xml.ofx")
    assert result.errors == []
    first, second = result.records
    assert first.payer == "Boulangerie Martin"
    assert first.remittance == "Reglement FA 2026 00042"
    assert first.amount == Decimal("840.00") and first.booked == date(2026, 11, 20)
    assert first.checksum != second.checksum


def test_mt940():
    result = read("mt940-fr.sta")
    assert result.details["format"] == "MT940" and result.errors == []
    credit, debit = result.records
    assert credit.amount == Decimal("1234.56") and credit.currency == "EUR"
    assert credit.payer == "SARL DUPONT"
    assert credit.remittance == "FACTURE F2026-00123"
    assert credit.account == "FR7630004000010001234567890"
    assert debit.amount == Decimal("-50.00")


def test_bank_csv_with_preamble_and_debit_credit_columns():
    result = read("bank-debit-credit.csv")
    assert result.details["format"] == "CSV" and result.errors == []
    a, b, c = result.records
    assert a.amount == Decimal("1234.56") and a.payer == "SARL DUPONT"
    # the same transfer twice on one day: two lines, two checksums
    assert (a.occurrence, b.occurrence) == (1, 2) and a.checksum != b.checksum
    assert c.amount == Decimal("-50.00")


def test_bank_csv_signed_amount_english_headers():
    result = read("bank-signed-amount.csv")
    assert result.errors == []
    credit, card = result.records
    assert (credit.payer, credit.remittance) == ("ACME SAS", "INV-2026-9")
    assert card.amount == Decimal("-62.40")


def test_same_file_twice_same_checksums():
    for name in ("ofx1-ca.ofx", "mt940-fr.sta", "bank-debit-credit.csv"):
        assert [x.checksum for x in read(name).records] == [
            x.checksum for x in read(name).records
        ]


def test_bank_csv_bad_rows_are_kept_with_reason():
    data = (
        "Date;Libellé;Montant\n"
        "18/11/2026;VIR RECU DE: X;100,00\n"
        "31/02/2026;VIR RECU DE: Y;100,00\n"
        "19/11/2026;VIR RECU DE: Z;cent euros\n"
    ).encode()
    result = read_bank(data)
    assert len(result.records) == 1
    # each names its line, its column and the value, the reader's language apart
    assert [(e.row, e.message()) for e in result.errors] == [
        (
            3,
            "Line 3, column Date: “31/02/2026” is not a date (dd/mm/yyyy or yyyy-mm-dd)",
        ),
        (4, "Line 4, column Montant: “cent euros” is not an amount"),
    ]
    assert result.errors[0].raw["Libellé"] == "VIR RECU DE: Y"


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"OFXHEADER:100\nDATA:OFXSGML", "ofx"),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">',
            "camt",
        ),
        (b":20:X\n:25:Y\n:60F:C261117EUR1,00\n:61:", "mt940"),
        (b"Date;Libelle;Montant\n", "csv"),
    ],
)
def test_format_is_recognised_from_content(data, kind):
    assert bank_format(data) == kind


@pytest.mark.parametrize(
    "label,payer,remittance",
    [
        (
            "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE F1 /REF 9",
            "SARL DUPONT",
            "FACTURE F1",
        ),
        (
            "VIR INST RE 512 DE: ACME SAS MOTIF: FA 2026 12 REF: X",
            "ACME SAS",
            "FA 2026 12",
        ),
        ("PRLV SEPA EDF", "", "PRLV SEPA EDF"),
    ],
)
def test_split_label(label, payer, remittance):
    assert split_label(label) == (payer, remittance)


@pytest.mark.parametrize(
    "data",
    [
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTRS>"
        b"<BANKACCTFROM><ACCTID>1</BANKACCTFROM>-->" + b"x" * 300,
        b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><STMTRS></OFX></STMTRS>",
        b"OFXHEADER:garbage" + b"y" * 300,
    ],
)
def test_broken_ofx_says_so_without_the_parser_internals(data):
    [error] = read_bank(data).errors
    assert error.reason.startswith("not a readable OFX file")
    for internal in ("_io", "0x", "position=", "Tail text", "xxxx", "yyyy"):
        assert internal not in error.reason
