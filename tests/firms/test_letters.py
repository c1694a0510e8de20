"""A client's letters: signed by the firm on the client's behalf when the
mandate says so, and ending with the transfer slip of the latest reminder,
whose QR code a banking app reads."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from relance.core.creditor_reference import for_reminder
from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from relance.firms import services
from relance.firms.models import Firm
from relance.legal.documents import make_letter
from relance.orgs.models import org_today
from tests.factories import make_invoice

zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture
def overdue(acme):
    today = org_today(acme)
    invoice = make_invoice(acme, "F-1", today - timedelta(days=40), total="750.00")
    run_dunning(acme, today)
    return invoice.customer, today


def pages_text(pdf):
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_the_firm_signs_on_the_clients_behalf(acme, overdue):
    customer, today = overdue
    firm = Firm.objects.create(slug="expert", name="Expert & Associés")
    services.add_client(firm, acme, on_behalf=True, actor="test")
    acme.refresh_from_db()
    pdf, *_ = make_letter(acme, customer, "formal_notice", today, "test")
    text = " ".join(pages_text(pdf)).replace("\n", " ")
    assert "Expert & Associés, pour le compte de Acme Conseil SAS" in text


def test_without_the_mandate_clause_the_client_signs(acme, overdue):
    customer, today = overdue
    firm = Firm.objects.create(slug="expert", name="Expert & Associés")
    services.add_client(firm, acme, on_behalf=False, actor="test")
    acme.refresh_from_db()
    pdf, *_ = make_letter(acme, customer, "formal_notice", today, "test")
    assert "pour le compte de" not in " ".join(pages_text(pdf))


def test_the_letter_ends_with_the_transfer_slip(acme, overdue):
    customer, today = overdue
    pdf, *_ = make_letter(acme, customer, "formal_notice", today, "test")
    last = PdfReader(io.BytesIO(pdf)).pages[-1]
    assert "Virement SEPA" in last.extract_text()
    (image,) = last.images
    (code,) = zxingcpp.read_barcodes(image.image)
    action = Action.objects.get(org=acme, customer=customer)
    fields = code.text.split("\n")
    assert fields[5:8] == [
        "Acme Conseil SAS",
        "FR7630006000011234567890189",
        "EUR750.00",
    ]
    assert fields[9] == for_reminder(action.pk)
