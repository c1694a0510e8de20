"""A reminder's email carries the transfer slip of its invoices, as received by
a real SMTP server: the QR code decoded from the PDF's image and every field
checked, with what is still open at sending."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from relance.comms.services import send_outbox
from relance.core.creditor_reference import for_reminder, printed
from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from tests.factories import make_invoice, pay

zxingcpp = pytest.importorskip("zxingcpp")

DUE = date(2026, 10, 1)


def scanned(pdf: bytes) -> tuple[list[str], str]:
    """What a banking app reads from the slip's code, and the slip's text."""
    (page,) = PdfReader(io.BytesIO(pdf)).pages
    (image,) = page.images
    (code,) = zxingcpp.read_barcodes(image.image)
    return code.text.split("\n"), page.extract_text()


def test_the_reminder_carries_the_code_for_what_is_left_to_pay(acme, smtp):
    acme.bic = "AGRIFRPP"
    acme.save(update_fields=["bic"])
    inv = make_invoice(acme, "F-17", DUE, total="1200.00")
    inv.document.save("f17.pdf", ContentFile(b"%PDF-1.4 invoice F-17"))
    run_dunning(acme, DUE + timedelta(days=1))
    pay(acme, inv, "200.00", DUE + timedelta(days=1))  # after the run, before sending
    # The payment holds the reminder written before it until the next run has
    # planned it again, knowing of the payment (issue 17).
    assert send_outbox(acme)["cancelled"] == 1
    run_dunning(acme, DUE + timedelta(days=2))
    assert send_outbox(acme)["sent"] == 1
    (received,) = smtp.messages
    ref = for_reminder(Action.objects.get(org=acme, status="done").pk)
    invoice_pdf, slip = received.iter_attachments()
    assert invoice_pdf.get_filename() == "F-17.pdf"
    assert slip.get_filename() == f"virement-sepa-{ref}.pdf"
    fields, text = scanned(slip.get_content())
    assert fields == [
        "BCD",
        "002",
        "1",
        "SCT",
        "AGRIFRPP",
        "Acme Conseil SAS",
        "FR7630006000011234567890189",
        "EUR1000.00",
        "",
        ref,
    ]
    assert "Virement SEPA" in text and printed(ref) in text
    assert "FR76 3000 6000 0112 3456 7890 189" in text and "1000.00 EUR" in text
    assert "<img" not in received.get_body(preferencelist=("html",)).get_content()


def test_no_slip_without_an_iban(acme, smtp):
    acme.iban = ""
    acme.save(update_fields=["iban"])
    make_invoice(acme, "F-17", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    (received,) = smtp.messages
    assert list(received.iter_attachments()) == []


def test_the_slip_costs_no_spam_points(acme, settings, tmp_path):
    """An image in the HTML cost 3.1 points (HTML_IMAGE_ONLY_20 and
    TO_NO_BRKTS_HTML_IMG); the slip as a PDF costs none."""
    import subprocess

    from relance.comms.compose import build
    from relance.comms.models import OutboundMessage
    from tests.comms.test_deliverability import SCORER

    settings.RELANCE_PUBLIC_URL = "https://relance.acme-conseil.fr"
    acme.sender_email = "comptabilite@acme-conseil.fr"
    acme.save(update_fields=["sender_email"])
    make_invoice(acme, "FA-1", DUE, total="1840.00", name="Durand Bâtiment SARL")
    run_dunning(acme, DUE + timedelta(days=1))
    path = tmp_path / "reminder.eml"
    path.write_bytes(build(OutboundMessage.objects.get(), "", []))
    assert b"virement-sepa-RF" in path.read_bytes()
    out = subprocess.run(
        ["perl", str(SCORER), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    _, score, rules = out.strip().split("\t")
    assert float(score) < 0.5, rules
