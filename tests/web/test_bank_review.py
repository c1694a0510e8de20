"""The reconciliation review queue: credits the matcher was unsure of are shown
with their candidates; a collector applies or dismisses them; the customer's
reminders wait meanwhile; other organisations and read-only users get nothing."""

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
    assert "already" in again.content.decode()
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
