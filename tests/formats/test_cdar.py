"""CDAR lifecycle messages: read from a file shaped on the specification's
examples, written back for 'encaissée', refused when unsafe, fuzzed."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.formats.cdar import Paid, read_cdar, write_paid
from relance.formats.limits import Limits

from .test_fuzz_readers import FUZZ, check, damaged

SAMPLE = (Path(__file__).parent / "samples" / "cdar-lifecycle.xml").read_bytes()


def test_every_status_of_every_message_is_read():
    """GIVEN two messages in one file, the first with two statuses
    WHEN it is read THEN each status is a record, and the unknown code a row error."""
    result = read_cdar(SAMPLE)
    assert [(s.invoice_number, s.code) for s in result.records] == [
        ("F-2026-001", "207"),
        ("F-2026-002", "205"),
        ("F-2026-003", "211"),
    ]
    dispute, approved, sent = result.records
    assert dispute.message_id == "PA-7781-207"
    assert dispute.issued_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert dispute.invoice_date == date(2026, 10, 1)
    assert dispute.seller_id == "732829320"
    assert dispute.reason_code == "QTE_ERR"
    assert dispute.reason.startswith("Quantité livrée")
    assert approved.reason == "" and approved.amount is None
    # The seller from the message's party in the seller's role.
    assert sent.seller_id == "732829320"
    assert sent.amount == Decimal("1200.00") and sent.currency == "EUR"
    assert [
        (e.row, "unknown lifecycle status '299'" in e.reason) for e in result.errors
    ] == [(4, True)]


def test_written_paid_message_reads_back():
    paid = [
        Paid("F-1", date(2026, 10, 1), Decimal("1200.5"), "EUR", date(2026, 11, 30)),
        Paid("F-2", date(2026, 10, 2), Decimal("80"), "EUR", date(2026, 12, 1)),
    ]
    data = write_paid(
        paid,
        message_id="relance-acme-212-1",
        seller_siren="732829320",
        seller_name="Acme & Fils <SAS>",
        at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    )
    assert b"<ram:ProcessConditionCode>212</ram:ProcessConditionCode>" in data
    assert b"urn.cpro.gouv.fr:1p0:CDV:invoice" in data
    assert b"Acme &amp; Fils &lt;SAS&gt;" in data
    result = read_cdar(data)
    assert result.errors == []
    assert [
        (s.invoice_number, s.code, s.amount, s.invoice_date) for s in result.records
    ] == [
        ("F-1", "212", Decimal("1200.50"), date(2026, 10, 1)),
        ("F-2", "212", Decimal("80.00"), date(2026, 10, 2)),
    ]
    assert {s.seller_id for s in result.records} == {"732829320"}


def test_external_entities_are_refused():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<CrossDomainAcknowledgementAndResponse>&e;</CrossDomainAcknowledgementAndResponse>"
    )
    result = read_cdar(data)
    assert result.records == [] and "unsafe" in result.errors[0].reason


def test_other_xml_is_named():
    result = read_cdar(b"<Invoice/>")
    assert result.records == [] and "no CDAR" in result.errors[0].reason


def test_a_file_over_the_element_limit_is_refused_whole():
    result = read_cdar(SAMPLE, Limits(xml_elements=20))
    assert result.records == [] and "Too many XML elements" in result.errors[0].reason


@pytest.mark.parametrize("amount", [b"NaN", b"1e999", b"-5", b"12,50"])
def test_odd_amounts_are_row_errors(amount):
    data = SAMPLE.replace(b">1200.00<", b">" + amount + b"<")
    result = read_cdar(data)
    assert "F-2026-003" not in [s.invoice_number for s in result.records]
    assert any("F-2026-003: amount" in e.reason for e in result.errors)


@FUZZ
@given(data=st.data())
def test_damaged_files_never_crash(data):
    check(read_cdar, data.draw(damaged(SAMPLE)))


@FUZZ
@given(blob=st.binary(max_size=2048))
def test_random_bytes_never_crash(blob):
    check(read_cdar, blob)
