from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.formats.bank_camt import read_camt

SAMPLE = (Path(__file__).parent / "samples" / "camt053.xml").read_bytes()


def test_reads_entries_with_structured_and_unstructured_remittance():
    result = read_camt(SAMPLE)
    lines = result.records
    assert [(x.row, x.amount) for x in lines] == [
        (1, Decimal("1200.00")),
        (2, Decimal("898.50")),
        (3, Decimal("-75.00")),
        (4, Decimal("300.00")),
        (4, Decimal("200.00")),
    ]
    first = lines[0]
    assert (first.payer, first.booked, first.account) == (
        "HOTEL DU PARC SAS",
        date(2026, 11, 19),
        "FR7630006000011234567890189",
    )
    assert first.remittance == "VIR FACT F 2026 00101 HOTEL DU PARC"
    assert lines[1].creditor_ref == "RF18539007547034"
    assert lines[2].payer == "ORANGE"  # the creditor of a debit
    assert lines[3].bank_ref == "BQ-0004#1" and lines[4].bank_ref == "BQ-0004#2"
    assert len({x.checksum for x in lines}) == 5
    assert [(e.row, e.message()) for e in result.errors] == [
        (5, "Entry 5: “abc” is not an amount")
    ]
    assert result.details["latest_booking"] == "2026-11-20"


def test_malicious_xml_is_refused_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<Document>&lol2;</Document>"
    )
    result = read_camt(bomb)
    assert result.records == [] and "unsafe XML" in result.errors[0].reason
    external = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document>&x;</Document>"
    )
    assert "unsafe XML" in read_camt(external).errors[0].reason


def test_truncated_and_foreign_files_say_what_is_wrong():
    assert "not well-formed" in read_camt(SAMPLE[:500]).errors[0].reason
    assert "no CAMT statement" in read_camt(b"<html><body/></html>").errors[0].reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_never_raises_on_any_bytes(data):
    result = read_camt(data)
    assert result.records or result.errors


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(SAMPLE)), st.binary(max_size=20))
def test_never_raises_on_damaged_statements(cut, noise):
    result = read_camt(SAMPLE[:cut] + noise + SAMPLE[cut:])
    assert isinstance(result.records, list)
