"""What the customer's mail server receives: text and HTML, the invoices attached,
one thread per customer, a DKIM signature that verifies, dead addresses flagged."""

import base64
import io
import subprocess
from datetime import date, timedelta

import dkim
from django.core.files.base import ContentFile
from pypdf import PdfReader

from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.models import Task
from relance.dunning.services import run_dunning
from relance.ledger.models import Contact, Customer
from tests.factories import make_invoice

DUE = date(2026, 10, 1)


def invoice_files(received):
    """The attachments but the transfer slip (tests/comms/test_scan_to_pay.py)."""
    return [
        a
        for a in received.iter_attachments()
        if not a.get_filename().startswith(("virement-sepa-", "sepa-transfer-"))
    ]


def parts(received):
    return {p.get_content_type(): p for p in received.walk() if not p.is_multipart()}


def test_text_and_html_say_the_same_and_the_invoice_pdf_goes_with_them(acme, mta):
    inv = make_invoice(acme, "F-17", DUE)
    inv.document.save("f17.pdf", ContentFile(b"%PDF-1.4 invoice F-17"))
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    (received,) = mta.wait_for(1)
    body = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "F-17" in body and "F-17" in html
    assert "<li>" in html and "&lt;" not in body
    (attachment,) = invoice_files(received)
    assert attachment.get_filename() == "F-17.pdf"
    assert attachment.get_content() == b"%PDF-1.4 invoice F-17"


def test_many_invoices_travel_as_one_statement_of_account(acme, smtp):
    for n in range(5):
        make_invoice(acme, f"F-{n}", DUE - timedelta(days=n))
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    (received,) = smtp.messages
    (attachment,) = invoice_files(received)
    assert attachment.get_filename() == "releve-C1-20261002.pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Relevé de compte" in text
    assert all(f"F-{n}" in text for n in range(5))


def test_an_english_customers_statement_is_in_english(acme, smtp):
    for n in range(4):
        make_invoice(acme, f"F-{n}", DUE - timedelta(days=n))
    Customer.objects.filter(org=acme).update(language="en")
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    (attachment,) = invoice_files(smtp.messages[0])
    assert attachment.get_filename() == "statement-C1-20261002.pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Statement of account as at 2 October 2026" in text
    assert "Relevé" not in text and "€4,800.00" in text


def test_thank_you_carries_no_attachment(acme, smtp):
    from relance.dunning.services import on_paid
    from tests.factories import pay

    inv = make_invoice(acme, "F1", DUE)
    inv.document.save("f1.pdf", ContentFile(b"%PDF-1.4"))
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    pay(acme, inv, "1200.00", on=DUE + timedelta(days=2))
    assert on_paid(acme, [inv.pk], "t", today=DUE + timedelta(days=2))["thanked"] == 1
    send_outbox(acme)
    reminder, thanks = smtp.messages
    assert list(reminder.iter_attachments())
    assert not list(thanks.iter_attachments())


def test_successive_reminders_form_one_thread(acme, smtp):
    make_invoice(acme, "F1", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    run_dunning(acme, DUE + timedelta(days=12))
    send_outbox(acme)
    first, second = smtp.messages
    assert "In-Reply-To" not in first
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    stored = OutboundMessage.objects.get(message_id=second["Message-ID"])
    assert stored.in_reply_to == first["Message-ID"]


def test_threads_are_per_customer(acme, smtp):
    make_invoice(acme, "F1", DUE, customer_ref="C1")
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    make_invoice(
        acme, "F2", DUE + timedelta(days=5), customer_ref="C2", email="b@x.example"
    )
    run_dunning(acme, DUE + timedelta(days=6))
    send_outbox(acme)
    assert [m["In-Reply-To"] for m in smtp.messages] == [None, None]


def dkim_key(tmp_path):
    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True
    )
    der = subprocess.run(
        ["openssl", "rsa", "-in", key, "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_dkim_signature_verifies_against_the_published_key(
    acme, mta, settings, tmp_path
):
    key, record = dkim_key(tmp_path)
    settings.RELANCE_DKIM_DOMAIN = "acme.example"
    settings.RELANCE_DKIM_SELECTOR = "relance"
    settings.RELANCE_DKIM_KEY_FILE = str(key)
    make_invoice(acme, "F1", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    mta.wait_for(1)
    (raw,) = mta.raw()  # as the customer's server filed it, its headers on top
    assert b"\nDKIM-Signature:" in raw
    asked = []

    def dns(name, timeout=5):
        asked.append(name)
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    assert asked == [b"relance._domainkey.acme.example."]
    tampered = raw.replace(b"F1", b"F9")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_no_signature_for_a_domain_without_a_key(acme, smtp, settings, tmp_path):
    key, _ = dkim_key(tmp_path)
    settings.RELANCE_DKIM_DOMAIN = "elsewhere.example"
    settings.RELANCE_DKIM_SELECTOR = "relance"
    settings.RELANCE_DKIM_KEY_FILE = str(key)
    make_invoice(acme, "F1", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    assert b"DKIM-Signature" not in smtp.raw[0]


def test_refused_address_is_flagged_with_a_task_and_skipped_afterwards(acme, smtp):
    make_invoice(acme, "F1", DUE, email="gone@client.example")
    smtp.rcpt_replies = {"gone@client.example": "550 5.1.1 No such user"}
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["failed"] == 1
    contact = Contact.objects.get(email="gone@client.example")
    assert contact.email_failing.startswith("550")
    (task,) = Task.objects.filter(org=acme, kind="address_failing")
    assert task.customer_id == contact.customer_id and task.done_at is None
    assert "gone@client.example" in task.summary
    # The next reminder is not written to the dead address: no one to write to.
    day = run_dunning(acme, DUE + timedelta(days=12))
    assert day["actions"] == []
    assert day["skipped"] == [
        {"invoice": "F1", "step": "reminder_2", "reason": "no_contact"}
    ]


def test_a_lost_invoice_file_does_not_stop_the_reminder(acme, smtp):
    inv = make_invoice(acme, "F-18", DUE)
    inv.document.save("f18.pdf", ContentFile(b"%PDF-1.4"))
    inv.document.storage.delete(inv.document.name)
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    (received,) = smtp.messages
    assert "F-18" in received["Subject"] and not invoice_files(received)
