"""The reconciliation review queue: credits the matcher was unsure of are shown
with their candidates; a collector applies or dismisses them; the customer's
reminders wait meanwhile; other organisations and read-only users get nothing."""

import re
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from relance.dunning.services import record_day
from relance.ledger.models import BankLine, Invoice
from relance.timeline.models import Event
from tests.factories import make_invoice
from tests.web.test_views import login

SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "samples"


def _statement(acme):
    """Boulangerie Martin pays 840.00 twice, citing invoice numbers relance
    does not know; no set of its open invoices makes 840.00."""
    for n, total in ((1, "600.00"), (2, "830.00"), (3, "1000.00")):
        make_invoice(
            acme,
            f"BM-{n}",
            date(2026, 10, n),
            total=total,
            customer_ref="BM",
            name="Boulangerie Martin",
        )
    call_command("import", "bank", str(SAMPLES / "ofx2-xml.ofx"), "--org", acme.slug)


def test_queue_shows_candidates_and_applying_pays(client, alice, acme):
    _statement(acme)
    waiting = BankLine.objects.filter(org=acme, status="to_review")
    assert waiting.count() == 2
    # the payer is recognised: reminders for the customer wait
    skipped = record_day(acme, date(2026, 11, 22), dry_run=True, actor="t")["skipped"]
    assert {s["reason"] for s in skipped if s["invoice"].startswith("BM")} == {
        "payment_pending"
    }
    login(client, alice)
    page = client.get(reverse("bank_review")).content.decode()
    assert "Boulangerie Martin" in page and "BM-1" in page and "BM-3" in page
    line = waiting.order_by("booked").first()
    response = client.post(
        reverse("bank_review_decide", args=[line.pk]),
        {"decision": "apply", "invoice": ["BM-2"]},
        follow=True,
    )
    assert "BM-2" in response.content.decode()
    assert Invoice.objects.get(org=acme, number="BM-2").is_paid
    line.refresh_from_db()
    assert line.status == "matched"
    assert Event.objects.filter(org=acme, kind="bank.reviewed").exists()
    # applying twice is refused, with a message
    again = client.post(
        reverse("bank_review_decide", args=[line.pk]),
        {"decision": "apply", "numbers": "BM-3"},
        follow=True,
    )
    assert "déjà" in again.content.decode()
    assert not Invoice.objects.get(org=acme, number="BM-3").is_paid


def test_dismissing_releases_the_customer(client, alice, acme):
    _statement(acme)
    login(client, alice)
    for line in BankLine.objects.filter(org=acme):
        client.post(
            reverse("bank_review_decide", args=[line.pk]),
            {"decision": "dismiss", "reason": "refund of a supplier"},
        )
    assert set(BankLine.objects.filter(org=acme).values_list("status", flat=True)) == {
        "ignored"
    }
    skipped = record_day(acme, date(2026, 11, 22), dry_run=True, actor="t")["skipped"]
    assert "payment_pending" not in {s["reason"] for s in skipped}


def test_unknown_invoice_number_is_a_clear_error(client, alice, acme):
    _statement(acme)
    login(client, alice)
    line = BankLine.objects.filter(org=acme).first()
    page = client.post(
        reverse("bank_review_decide", args=[line.pk]),
        {"decision": "apply", "numbers": "NOPE-1"},
        follow=True,
    ).content.decode()
    assert "NOPE-1" in page
    line.refresh_from_db()
    assert line.status == "to_review"


def test_read_only_and_other_organisations_cannot_review(client, charlie, bob, acme):
    _statement(acme)
    line = BankLine.objects.filter(org=acme).first()
    login(client, charlie)
    assert client.get(reverse("bank_review")).status_code == 403
    client.logout()
    login(client, bob)
    response = client.post(
        reverse("bank_review_decide", args=[line.pk]), {"decision": "dismiss"}
    )
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.status == "to_review"


CORPUS = Path(__file__).resolve().parents[1] / "formats" / "files"


def test_payer_named_in_the_label_is_offered_its_open_invoices_with_the_sum(
    client, alice, acme
):
    """GIVEN Boulangerie Vincent owes two invoices (3,000 and 2,500)
    WHEN its 5,000 transfer comes in as 'VIR SEPA RECU /DE BOULANGERIE VINCENT'
    THEN the line waits with the customer known, the page offers both invoices
    to tick with their open amounts and the sum, and ticking both pays 5,000."""
    for n, total in ((1, "3000.00"), (2, "2500.00")):
        make_invoice(
            acme, f"BV-{n}", date(2026, 10, n), total, "BV", name="Boulangerie Vincent"
        )
    path = str(CORPUS / "bank-bnp-paribas-no-header.csv")
    call_command("import", "bank", path, "--org", acme.slug)
    line = BankLine.objects.get(org=acme, amount=5000)
    assert line.status == "to_review" and line.payment.customer.ref == "BV"
    login(client, alice)
    page = client.get(reverse("bank_review")).content.decode()
    assert 'value="BV-1"' in page and 'value="BV-2"' in page
    assert 'data-amount="3000.00"' in page and 'data-amount="2500.00"' in page
    # the sum of the customer's open invoices, in French
    assert re.search(r"Reste dû sur ces factures 5\s500,00", page)
    assert f'data-sum-for="{line.pk}"' in page  # updated as boxes are ticked
    client.post(
        reverse("bank_review_decide", args=[line.pk]),
        {"decision": "apply", "invoice": ["BV-1", "BV-2"]},
    )
    paid = dict(Invoice.objects.filter(org=acme).values_list("number", "amount_paid"))
    assert paid == {"BV-1": 3000, "BV-2": 2000}


def test_bank_import_page_says_what_it_assumed_and_why_a_file_gave_nothing(
    client, alice, acme
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, alice)
    camt = (CORPUS / "camt054-entry-without-dates.xml").read_bytes()
    page = client.post(
        reverse("imports"),
        {"kind": "bank", "file": SimpleUploadedFile("avis.xml", camt)},
        follow=True,
    ).content.decode()
    assert "2 lignes bancaires" in page or "2 bank lines" in page
    assert "la date de création du fichier par la banque, 2026-11-05" in page
    junk = SimpleUploadedFile("releve.csv", b"rien a voir\n")
    page = client.post(
        reverse("imports"), {"kind": "bank", "file": junk}, follow=True
    ).content.decode()
    assert 'class="flash error"' in page and "releve.csv" in page
