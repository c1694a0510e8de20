"""A promise or a payment plan is confirmed to the customer in writing, from
every place one is recorded: a call, a reply a person confirms, the portal,
the customer's page and the command line."""

import json
import re
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from relance.comms.confirmations import confirm_plan, confirm_promise
from relance.comms.inbox import decide, receive
from relance.comms.models import OutboundMessage, Reply
from relance.comms.services import send_outbox
from relance.dunning.calls import record_call
from relance.dunning.holds import add_hold
from relance.dunning.models import Action, ActionInvoice
from relance.dunning.plans import create_plan
from relance.orgs.models import org_today
from relance.portal.links import make_token
from tests.conftest import PASSWORD
from tests.factories import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(acme):
    return org_today(acme)


@pytest.fixture
def late(acme, today):
    return make_invoice(acme, "F-7", today - timedelta(days=15), total="1500.00")


def call_about(invoice, today):
    """A call to make about `invoice`, as a run plans one."""
    action = Action.objects.create(
        org=invoice.org,
        customer=invoice.customer,
        step="call",
        channel="phone",
        tone="neutral",
        template="call",
        run_date=today,
        scheduled_at=invoice.created_at,
        status="todo",
    )
    ActionInvoice.objects.create(
        action=action, invoice=invoice, step="call", run_date=today
    )
    return action


def confirmations():
    return list(OutboundMessage.objects.filter(channel="email", action=None))


def test_promise_by_phone_is_confirmed_in_the_customers_language(
    acme, late, today, smtp
):
    late.customer.language = "en"
    late.customer.save()
    action = call_about(late, today)
    day = today + timedelta(days=8)
    record_call(action, "promise", actor="alice", promised_on=day, amount=1500)
    (msg,) = confirmations()
    assert msg.language == "en" and msg.to_addresses == ["compta@client.example"]
    assert "F-7" in msg.subject and str(day.year) in msg.subject
    assert "of €1,500.00 by" in msg.body_text
    assert send_outbox(acme)["sent"] == 1
    received = smtp.messages[0]
    # A long encoded subject is folded after "Subject:": clients strip the space.
    assert received["Subject"].strip() == msg.subject
    assert (
        "you will hear no more from us" in received.get_body(("plain",)).get_content()
    )


def test_a_call_recorded_without_confirmation_sends_nothing(acme, late, today):
    action = call_about(late, today)
    record_call(
        action,
        "promise",
        actor="alice",
        promised_on=today + timedelta(days=3),
        confirm=False,
    )
    assert confirmations() == []


def test_customer_level_promise_lists_every_open_invoice(acme, late, today):
    make_invoice(acme, "F-8", today - timedelta(days=5), total="250.00")
    paid = make_invoice(acme, "F-6", today - timedelta(days=50), total="99.00")
    paid.amount_paid = paid.total
    paid.save()
    hold = add_hold(
        acme,
        "promised",
        late.customer,
        until=today + timedelta(days=4),
        actor="alice",
    )
    msg = confirm_promise([hold], today)
    assert "F-7" in msg.body_text and "F-8" in msg.body_text
    assert "F-6" not in msg.body_text
    assert re.search(r"Reste à régler : 1\s750,00", msg.body_text)  # in French


def test_plan_confirmation_lists_each_instalment(acme, late, today):
    plan = create_plan(
        acme,
        late,
        [
            (today + timedelta(days=10), 500),
            (today + timedelta(days=40), 500),
            (today + timedelta(days=70), 500),
        ],
        actor="alice",
    )
    msg = confirm_plan(plan, today)
    assert "3 versements" in msg.subject and "F-7" in msg.subject
    lines = [x for x in msg.body_text.splitlines() if x.strip().startswith("- vers")]
    assert len(lines) == 3 and "versement 3 sur 3 : 500,00" in lines[2]


def test_no_address_means_no_confirmation(acme, today):
    inv = make_invoice(acme, "F-9", today - timedelta(days=3), email="")
    hold = add_hold(
        acme,
        "promised",
        inv.customer,
        invoice=inv,
        until=today + timedelta(days=2),
        actor="alice",
    )
    assert confirm_promise([hold], today) is None
    assert confirmations() == []


def test_portal_promise_and_plan_are_confirmed(client, acme, late, today):
    url = f"/p/{make_token(late.customer, today)}/"
    day = today + timedelta(days=7)
    client.post(url, {"form": "promise", "invoices": ["F-7"], "until": day})
    make_invoice(acme, "F-10", today - timedelta(days=2), total="600.00")
    client.post(
        url,
        {"form": "plan", "invoice": "F-10", "count": "2", "first": day.isoformat()},
    )
    subjects = sorted(m.subject for m in confirmations())
    assert len(subjects) == 2
    assert subjects[0].startswith("Votre règlement prévu le") and "F-7" in subjects[0]
    assert subjects[1].startswith("Votre échéancier pour la facture F-10")


def test_from_the_customer_page_with_and_without_confirmation(
    client, acme, members, late, today
):
    assert client.login(username=members["collector"].username, password=PASSWORD)
    until = (today + timedelta(days=5)).isoformat()
    url = reverse("hold_add", args=[late.customer.pk])
    client.post(url, {"kind": "promised", "invoice": "F-7", "until": until})
    assert confirmations() == []  # the box was left unticked
    client.post(
        url,
        {"kind": "promised", "invoice": "F-7", "until": until, "confirm": "1"},
    )
    assert len(confirmations()) == 1
    # A plan the form refuses leaves no confirmation either.
    client.post(url, {"kind": "payment_plan", "invoice": "F-7", "confirm": "1"})
    assert len(confirmations()) == 1


def test_from_the_command_line(acme, late, today):
    until = (today + timedelta(days=5)).isoformat()
    out = StringIO()
    call_command(
        "hold",
        "add",
        "promised",
        "--invoice",
        "F-7",
        "--until",
        until,
        "--org",
        "acme",
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["kind"] == "promised"
    assert len(confirmations()) == 1
    first, second = today + timedelta(days=3), today + timedelta(days=33)
    call_command(
        "plan",
        "add",
        "--invoice",
        "F-7",
        "--instalment",
        f"{first}:700",
        "--instalment",
        f"{second}:800",
        "--no-confirmation",
        "--org",
        "acme",
        stdout=StringIO(),
    )
    assert len(confirmations()) == 1


def test_a_promise_read_in_a_reply_is_confirmed_once_a_person_agrees(acme, late, today):
    msg = EmailMessage()
    msg["From"] = "compta@client.example"
    msg["To"] = "ar@acme.example"
    msg["Subject"] = "Facture F-7"
    msg["Message-ID"] = make_msgid(domain="client.example")
    promised = today + timedelta(days=6)
    msg.set_content(
        f"Bonjour, nous réglerons la facture F-7 le {promised:%d/%m/%Y}.\nCordialement"
    )
    assert receive(acme, bytes(msg), today) == "stored"
    reply = Reply.objects.get()
    assert reply.kind == "promise" and reply.promised_on == promised
    assert confirmations() == []  # nothing goes out on a machine's reading alone
    decide(reply, "confirm", actor="alice", today=today)
    (sent,) = confirmations()
    assert "F-7" in sent.subject


def test_editable_with_a_live_preview(client, acme, members, late, today):
    from relance.comms.wording import preview

    rendered = preview(
        acme,
        "plan_confirmation",
        "en",
        "Plan {{ numbers }}",
        "{% for i in plan.instalments %}{{ i.number }}:{{ i.amount }} {% endfor %}",
        date(2026, 12, 1),
    )
    assert rendered.subject == "Plan F-7"
    assert rendered.body_text.startswith("1:€750.00 2:€750.00")


def test_an_edited_template_greets_the_contact_by_name(acme, late, today, smtp):
    from relance.comms.wording import save_wording
    from relance.dunning.services import run_dunning
    from relance.ledger.models import Contact

    Contact.objects.filter(customer=late.customer).update(name="Claire Dubois")
    save_wording(
        acme,
        "reminder_1",
        "fr",
        "Rappel {{ numbers }}",
        "Bonjour {{ contact.name }},\n{% include 'comms/email/fr/_lines.txt' %}",
        actor="alice",
    )
    run_dunning(acme, late.due_date + timedelta(days=1))
    msg = OutboundMessage.objects.get(subject="Rappel F-7")
    assert msg.body_text.startswith("Bonjour Claire Dubois,")
