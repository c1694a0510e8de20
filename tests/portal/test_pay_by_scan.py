"""The portal page carries the SEPA transfer QR code of the customer's latest
reminder: decoded from the page as a banking app would, every field checked."""

import base64
import io
import re

import pytest

from relance.core.creditor_reference import for_reminder, printed
from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from relance.portal.links import make_token

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


def scanned(page: str) -> list[str]:
    found = re.search(r'data-scan-to-pay src="data:image/png;base64,([^"]+)"', page)
    assert found, "no QR code on the page"
    image = Image.open(io.BytesIO(base64.b64decode(found.group(1))))
    (code,) = zxingcpp.read_barcodes(image)
    return code.text.split("\n")


def test_the_code_pays_the_reminders_invoices_to_the_creditor(client, late, today):
    run_dunning(late.org, today)
    action = Action.objects.get(customer=late)
    page = client.get(f"/p/{make_token(late, today)}/").content.decode()
    assert scanned(page) == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",  # Acme gave no BIC: optional in version 002
        "Acme Conseil SAS",
        "FR7630006000011234567890189",
        "EUR1200.50",
        "",
        for_reminder(action.pk),
    ]
    assert printed(for_reminder(action.pk)) in page
    assert "F-101, F-102" in page


def test_no_code_without_a_reminder_or_an_iban(client, late, acme, today):
    assert (
        "data-scan-to-pay"
        not in client.get(f"/p/{make_token(late, today)}/").content.decode()
    )
    run_dunning(acme, today)
    acme.iban = ""
    acme.save(update_fields=["iban"])
    page = client.get(f"/p/{make_token(late, today)}/").content.decode()
    assert "data-scan-to-pay" not in page


def test_no_code_for_invoices_the_debtor_said_are_paid(client, late, today):
    """Declared paid, the reminder's invoices get no transfer code: the walkthrough
    saw the page still invite paying them a second time."""
    run_dunning(late.org, today)
    url = f"/p/{make_token(late, today)}/"
    numbers = [i.number for i in late.invoices.all()]
    answer = client.post(
        url,
        {"form": "declare", "invoices": numbers, "paid_on": today.isoformat()},
    )
    assert answer.status_code == 302
    assert "data-scan-to-pay" not in client.get(url).content.decode()
