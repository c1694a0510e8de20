"""A CAMT.053 statement through `relance import bank`: payments matched and applied,
the rest queued for review, duplicates skipped, pending reminders cancelled."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from relance.comms.models import OutboundMessage
from relance.dunning.services import run_dunning
from relance.ledger.models import BankLine, ImportBatch, Invoice
from relance.timeline.models import Event
from relance.timeline.services import verify
from tests.factories import make_invoice

SAMPLE = Path(__file__).resolve().parents[1] / "formats" / "samples" / "camt053.xml"


def import_bank(org):
    out = StringIO()
    call_command("import", "bank", str(SAMPLE), "--org", org.slug, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_statement_is_matched_applied_and_deduplicated(acme):
    hotel = make_invoice(
        acme,
        "F2026-00101",
        date(2026, 11, 1),
        total="1200.00",
        customer_ref="HP",
        name="Hôtel du Parc SAS",
    )
    garage = make_invoice(
        acme,
        "F2026-00102",
        date(2026, 10, 15),
        total="900.00",
        customer_ref="GM",
        name="Garage Martin",
    )
    partial = make_invoice(
        acme,
        "F2026-00103",
        date(2026, 10, 20),
        total="500.00",
        customer_ref="DB",
        name="Mme Dubois",
        kind="b2c",
    )
    run_dunning(acme, date(2026, 11, 2))  # a reminder for the hotel waits in the outbox
    queued = OutboundMessage.objects.get(customer=hotel.customer)
    assert queued.status == "queued"

    result = import_bank(acme)
    batch = ImportBatch.objects.get(org=acme, kind="bank")
    assert batch.imported == 4 and batch.rejected == 1
    assert result == {
        "batch": batch.pk,
        "lines": 4,
        "duplicates": 0,
        "matched": 3,
        "to_review": 0,
        "unmatched": 1,
        "ignored_debits": 1,
        "rejected": [{"row": 5, "reason": "Écriture 5 : « abc » n'est pas un montant"}],
        "notes": [],
        "ok": True,
        "reason": "",
    }
    hotel.refresh_from_db()
    garage.refresh_from_db()
    partial.refresh_from_db()
    assert hotel.is_paid and hotel.paid_on == date(2026, 11, 19)
    # 898.50 from Garage Martin, no reference: name and amount, 1.50 of bank fees.
    assert garage.is_paid
    assert garage.allocations.filter(payment__source="writeoff").get().amount == 1.50
    assert partial.amount_paid == 200 and not partial.is_paid  # partial, by reference
    unmatched = BankLine.objects.get(status="unmatched")
    assert (
        unmatched.payer == "Inconnu SARL" and unmatched.payment.allocations.count() == 0
    )
    queued.refresh_from_db()
    assert (queued.status, queued.status_reason) == ("cancelled", "paid")
    assert Event.objects.filter(kind="invoice.paid").count() == 2
    acme.refresh_from_db()
    assert acme.bank_data_as_of == date(2026, 11, 20)
    assert verify(acme).ok

    again = import_bank(acme)
    assert (again["duplicates"], again["matched"], again["unmatched"]) == (4, 0, 0)
    assert BankLine.objects.count() == 4


def test_uncertain_payment_waits_for_review_and_holds_reminders(acme):
    # The statement has 300.00 from "Inconnu SARL": a known payer, but no invoice
    # or set of invoices of theirs comes to that amount.
    make_invoice(
        acme,
        "X-1",
        date(2026, 11, 1),
        total="250.00",
        customer_ref="IS",
        name="Inconnu SARL",
    )
    make_invoice(acme, "X-2", date(2026, 11, 2), total="450.00", customer_ref="IS")
    import_bank(acme)
    line = BankLine.objects.get(payer="Inconnu SARL")
    assert line.status == "to_review" and line.candidates == ["X-1", "X-2"]
    assert line.payment.customer.ref == "IS" and line.payment.allocations.count() == 0
    assert not Invoice.objects.get(number="X-1").is_paid
    result = run_dunning(acme, date(2026, 11, 21), dry_run=True)
    assert result["actions"] == []
    assert {s["reason"] for s in result["skipped"]} == {"payment_pending"}


CORPUS = Path(__file__).resolve().parents[1] / "formats" / "files"


def _import_file(org, name):
    out = StringIO()
    path = str(CORPUS / name)
    call_command("import", "bank", path, "--org", org.slug, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_batch_entry_whose_details_carry_no_amount_is_received_once(acme):
    """GIVEN three open invoices of 200,000 SEK from one customer
    WHEN a CAMT.054 books 200,000 SEK as one entry of three amountless details
    THEN 200,000 SEK is received, not 600,000, and at most one invoice is paid."""
    numbers = ["2026-0311", "2026-0312", "2026-0313"]
    for n in numbers:
        inv = make_invoice(
            acme, n, date(2026, 3, 1), "200000.00", "NV", name="Nordvik Handel AB"
        )
        Invoice.objects.filter(pk=inv.pk).update(currency="SEK")
    result = _import_file(acme, "camt054-batch-details-without-amounts.xml")
    assert result["lines"] == 4
    nordvik = BankLine.objects.get(payer="Nordvik Handel AB")
    assert nordvik.amount == 200000
    paid = sum(i.amount_paid for i in Invoice.objects.filter(number__in=numbers))
    assert paid <= 200000
    assert Invoice.objects.filter(number__in=numbers, paid_on__isnull=False).count() < 2


def test_entry_without_dates_is_booked_on_the_file_date_and_says_so(acme):
    result = _import_file(acme, "camt054-entry-without-dates.xml")
    assert result["lines"] == 2 and result["rejected"] == []
    assert BankLine.objects.get(amount=1440).booked == date(2026, 11, 5)
    assert len(result["notes"]) == 1 and "2026-11-05" in result["notes"][0]


def test_unreadable_statement_exits_non_zero_with_the_reason(acme, tmp_path):
    """A script running `relance import bank` can tell a file that gave nothing."""
    junk = tmp_path / "releve.csv"
    junk.write_bytes(b"this is not a bank statement\n")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import", "bank", str(junk), "--org", acme.slug, "--json", stdout=out
        )
    assert exit_.value.code == 1
    data = json.loads(out.getvalue())
    assert data["ok"] is False and data["lines"] == 0
    assert data["reason"] == data["rejected"][0]["reason"]
    text = StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "bank", str(junk), "--org", acme.slug, stdout=text)
    assert data["reason"] in text.getvalue()


def test_a_readable_statement_says_ok(acme):
    result = _import_file(acme, "camt054-entry-without-dates.xml")
    assert result["ok"] is True and result["reason"] == ""


BANK_EXPORTS = sorted(p.name for p in CORPUS.glob("bank-*.csv"))


@pytest.mark.parametrize("name", BANK_EXPORTS)
def test_each_bank_export_pays_the_invoice_it_names(acme, name):
    """GIVEN SARL Dupont's open invoice F2026-00123 of 1,234.56
    WHEN the export of any of the fourteen banks showing that transfer is imported
    THEN the invoice is paid, the bank's debits ignored, and the file is ok."""
    invoice = make_invoice(
        acme, "F2026-00123", date(2026, 11, 1), "1234.56", "DUP", name="SARL Dupont"
    )
    result = _import_file(acme, name)
    assert result["ok"] and result["rejected"] == []
    assert result["matched"] == 1 and result["ignored_debits"] >= 1
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_on == date(2026, 11, 18)


def test_a_bad_row_is_said_in_french_with_its_line_column_and_value(acme):
    from django.utils import translation

    from relance.ledger.bank import import_bank as import_statement

    data = "Date;Libellé;Montant\n31/02/2026;VIR RECU DE: Y;100,00\n".encode()
    with translation.override("fr"):
        result = import_statement(acme, data, "releve.csv", "t")
    assert result["rejected"] == [
        {
            "row": 2,
            "reason": "Ligne 2, colonne Date : « 31/02/2026 » n'est pas une date "
            "(jj/mm/aaaa ou aaaa-mm-jj)",
        }
    ]
    assert result["ok"] is False


def test_camt_and_ofx_refusals_are_said_in_french(acme):
    from django.utils import translation

    from relance.ledger.bank import import_bank as import_statement

    camt = SAMPLE.read_bytes()
    ofx = (CORPUS / "ofx1-no-header.ofx").read_bytes()
    ofx = ofx.replace(b"<DTPOSTED>20261118", b"<DTPOSTED>20261345")
    with translation.override("fr"):
        from_camt = import_statement(acme, camt, "releve.xml", "t")["rejected"]
        from_ofx = import_statement(acme, ofx, "releve.ofx", "t")["rejected"]
    assert from_camt == [
        {"row": 5, "reason": "Écriture 5 : « abc » n'est pas un montant"}
    ]
    assert from_ofx == [
        {"row": 1, "reason": "Opération 1 : « 20261345 » n'est pas une date OFX"}
    ]
