"""The debtor's portal: a signed link from a reminder, the customer's open
invoices only, and four answers that pause reminders and tell the team."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from relance.comms.models import OutboundMessage
from relance.dunning.models import Hold, HoldKind, PaymentPlan
from relance.dunning.services import run_dunning
from relance.portal.links import SALT, make_token
from relance.timeline.models import Event
from relance.timeline.services import verify
from tests.formats.test_einvoice import pdf_page

RECEIPT = pdf_page("Virement VIR 4471")  # a proof is checked for being a plain PDF


def url(customer, today):
    return f"/p/{make_token(customer, today)}/"


def test_page_lists_the_customers_open_invoices_only(client, late, today):
    page = client.get(url(late, today)).content.decode()
    assert "F-101" in page and "F-102" in page
    assert "F-900" not in page and "Voisin" not in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page  # the creditor's IBAN
    assert "Vos factures" in page  # the customer's language: French by default


def test_page_is_in_the_customers_language(client, late, today):
    late.language = "en"
    late.save()
    page = client.get(url(late, today)).content.decode()
    assert "Your invoices" in page and "I have already paid" in page


def test_altered_link_gets_a_plain_page(client, late, today):
    token = make_token(late, today)
    forged = signing.dumps({"o": late.org_id, "c": late.pk + 1, "e": "2099-01-01"})
    for bad in (token[:-2] + "xx", forged, "nothing"):
        response = client.get(f"/p/{bad}/")
        assert response.status_code == 404
        assert "lien n'est pas valide" in response.content.decode()


def test_link_for_another_organisations_customer_is_refused(client, late, other, today):
    token = signing.dumps(
        {"o": other.pk, "c": late.pk, "e": (today + timedelta(days=5)).isoformat()},
        salt=SALT,
    )
    assert client.get(f"/p/{token}/").status_code == 404


def test_expired_link_says_so_and_how_to_get_a_new_one(client, late, today):
    old = make_token(late, today - timedelta(days=late.org.portal_link_days + 1))
    response = client.get(f"/p/{old}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "expiré" in page and "compta@acme.example" in page
    assert "F-101" not in page


def test_declared_payment_holds_reminders_and_tells_the_team(client, late, today):
    response = client.post(
        url(late, today),
        {
            "form": "declare",
            "invoices": ["F-101"],
            "paid_on": (today - timedelta(days=1)).isoformat(),
            "reference": "VIR 4471",
            "proof": ContentFile(RECEIPT, name="recu.pdf"),
        },
    )
    assert response.status_code == 302 and "done=declare" in response["Location"]
    hold = Hold.objects.get(customer=late, kind=HoldKind.PAYMENT_PENDING)
    assert hold.invoice.number == "F-101" and "VIR 4471" in hold.reason
    assert hold.until == today + timedelta(days=10)
    assert hold.proof.read() == RECEIPT
    notice = OutboundMessage.objects.get(channel="internal", customer=late)
    assert notice.to_addresses == ["alice@acme.example"]
    assert "VIR 4471" in notice.body_text and "F-101" in notice.body_text
    plan = run_dunning(late.org, today, dry_run=True)
    chased = {n for a in plan["actions"] for n in a["invoices"]}
    assert "F-101" not in chased and "F-102" in chased
    assert Event.objects.filter(kind="hold.added", customer_id=late.pk).exists()
    assert verify(late.org).ok


def test_promise_pauses_until_the_date_within_the_creditors_limit(client, late, today):
    too_late = today + timedelta(days=late.org.portal_max_promise_days + 1)
    refused = client.post(
        url(late, today),
        {"form": "promise", "invoices": ["F-101"], "until": too_late.isoformat()},
    )
    assert refused.status_code == 400
    assert "La date doit être comprise entre" in refused.content.decode()
    assert not Hold.objects.filter(customer=late).exists()
    promised = today + timedelta(days=7)
    client.post(
        url(late, today),
        {"form": "promise", "invoices": ["F-101", "F-102"], "until": promised},
    )
    holds = Hold.objects.filter(customer=late, kind=HoldKind.PROMISE)
    assert sorted(h.invoice.number for h in holds) == ["F-101", "F-102"]
    assert {h.until for h in holds} == {promised}
    actions = run_dunning(late.org, today, dry_run=True)["actions"]
    assert [a for a in actions if a["customer"] == late.ref] == []
    # the day after the promised date, the next step is due at once
    after = run_dunning(late.org, promised + timedelta(days=1), dry_run=True)
    chased = {
        n for a in after["actions"] if a["customer"] == late.ref for n in a["invoices"]
    }
    assert chased == {"F-101", "F-102"}


def test_dispute_leaves_the_invoice_out(client, late, today):
    client.post(
        url(late, today),
        {
            "form": "dispute",
            "invoice": "F-102",
            "reason": "wrong_amount",
            "comment": "Remise de 10 % oubliée",
        },
    )
    hold = Hold.objects.get(customer=late, kind=HoldKind.DISPUTE)
    assert hold.invoice.number == "F-102" and "Remise" in hold.reason
    assert "montant erroné" in OutboundMessage.objects.get(channel="internal").body_text


def test_plan_of_equal_monthly_instalments(client, late, today):
    first = today + timedelta(days=10)
    client.post(
        url(late, today),
        {"form": "plan", "invoice": "F-102", "count": "3", "first": first},
    )
    plan = PaymentPlan.objects.get(invoice__number="F-102")
    amounts = [i.amount for i in plan.instalments.all()]
    assert amounts == [Decimal("100.16"), Decimal("100.16"), Decimal("100.18")]
    assert plan.instalments.first().due_date == first
    too_many = client.post(
        url(late, today),
        {"form": "plan", "invoice": "F-101", "count": "4", "first": first},
    )
    assert too_many.status_code == 400


def test_nothing_can_be_done_on_another_customers_invoice(client, late, today):
    response = client.post(
        url(late, today),
        {"form": "promise", "invoices": ["F-900"], "until": today.isoformat()},
    )
    assert response.status_code == 400
    assert "vos factures en cours : F-900" in response.content.decode()
    assert not Hold.objects.exists()


def test_invoice_pdf_only_for_the_customers_own_invoices(client, late, acme, today):
    mine = late.invoices.get(number="F-101")
    mine.document.save("f101.pdf", ContentFile(b"%PDF-1.4 F-101"))
    theirs = acme.invoice_set.get(number="F-900")
    theirs.document.save("f900.pdf", ContentFile(b"%PDF-1.4 F-900"))
    base = url(late, today)
    response = client.get(f"{base}invoices/{mine.pk}/")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 F-101"
    assert client.get(f"{base}invoices/{theirs.pk}/").status_code == 404


def test_reminders_carry_a_working_link(client, late, acme, today):
    call_command("run", "--org", "acme", "--date", today.isoformat(), verbosity=0)
    message = OutboundMessage.objects.filter(customer=late, channel="email").first()
    link = re.search(r"http://127\.0\.0\.1:8000(/p/[^/\s]+/)", message.body_text)
    assert link, message.body_text
    assert "F-101" in client.get(link.group(1)).content.decode()


def test_portal_limits_are_set_from_the_cli(client, late, today):
    call_command("org", "set", "acme", "--portal-max-instalments", "0", verbosity=0)
    page = client.get(url(late, today)).content.decode()
    assert 'value="plan"' not in page
    refused = client.post(
        url(late, today),
        {"form": "plan", "invoice": "F-101", "count": "2", "first": today},
    )
    assert refused.status_code == 400 and not PaymentPlan.objects.exists()
    with pytest.raises(CommandError, match="--portal-link-days must be between"):
        call_command("org", "set", "acme", "--portal-link-days", "0")


def test_the_team_sees_the_hold_and_its_receipt_others_do_not(
    client, late, today, alice, bob
):
    client.post(
        url(late, today),
        {
            "form": "declare",
            "invoices": ["F-102"],
            "paid_on": today.isoformat(),
            "proof": ContentFile(RECEIPT, name="virement.pdf"),
        },
    )
    hold = Hold.objects.get(customer=late)
    client.force_login(alice)
    page = client.get(f"/customers/{late.pk}/").content.decode()
    assert "Relances suspendues" in page and "Paiement annoncé" in page
    response = client.get(f"/holds/{hold.pk}/proof/")
    assert b"".join(response.streaming_content) == RECEIPT
    client.force_login(bob)
    assert client.get(f"/holds/{hold.pk}/proof/").status_code == 404
