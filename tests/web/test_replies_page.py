"""The replies page: a person confirms, corrects or dismisses how relance read a
reply, and closes the tasks no policy plans. Scoped to the organisation."""

from datetime import date

import pytest
from django.urls import reverse

from relance.comms.addresses import mark_failing
from relance.comms.inbox import receive
from relance.comms.models import Reply
from relance.dunning.models import Task
from relance.ledger.models import Contact
from tests.conftest import PASSWORD
from tests.factories import make_invoice

pytestmark = pytest.mark.django_db
TODAY = date(2026, 10, 3)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def a_reply(org, body, sender="compta@client.example"):
    raw = (
        f"From: {sender}\r\nTo: ar@acme.example\r\nSubject: RE: Facture F1\r\n"
        f"Message-ID: <{abs(hash(body))}@client.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + body.encode()
    receive(org, raw, TODAY)
    return Reply.objects.filter(org=org).order_by("-id").first()


def test_collector_corrects_a_reading_from_the_page(client, acme, members):
    make_invoice(acme, "F1", date(2026, 10, 1))
    reply = a_reply(acme, "Le paiement partira le 20 octobre.")
    assert reply.kind == "promise" and reply.hold.kind == "promised"
    login(client, members["collector"])
    page = client.get(reverse("replies")).content.decode()
    assert f'data-reply="{reply.pk}"' in page and "Client C1" in page
    client.post(
        reverse("reply_decide", args=[reply.pk]),
        {"decision": "correct", "kind": "dispute"},
    )
    reply.refresh_from_db()
    assert (reply.kind, reply.status, reply.decided_by) == (
        "dispute",
        "confirmed",
        "collector@acme.example",
    )
    assert (
        reply.hold.kind == "paused"
    )  # no reminder named the invoice: the customer waits
    page = client.get(reverse("replies")).content.decode()
    assert f'data-reply="{reply.pk}"' not in page


def test_address_checked_clears_the_flag_and_closes_the_task(client, acme, members):
    make_invoice(acme, "F1", date(2026, 10, 1), email="gone@client.example")
    mark_failing(acme, ["gone@client.example"], "550 no such user")
    task = Task.objects.get(kind="address_failing")
    login(client, members["admin"])
    assert f'data-task="{task.pk}"' in client.get(reverse("replies")).content.decode()
    client.post(reverse("task_done", args=[task.pk]))
    assert Contact.objects.get(email="gone@client.example").email_failing == ""
    task.refresh_from_db()
    assert task.done_by == "admin@acme.example"


def test_sales_and_read_only_cannot_decide_and_other_orgs_see_nothing(
    client, acme, members, bob
):
    make_invoice(acme, "F1", date(2026, 10, 1))
    reply = a_reply(acme, "Nous contestons cette facture.")
    for role in ("sales", "read_only"):
        login(client, members[role])
        assert client.get(reverse("replies")).status_code == 403
        assert (
            client.post(
                reverse("reply_decide", args=[reply.pk]), {"decision": "dismiss"}
            ).status_code
            == 403
        )
    login(client, bob)
    assert (
        f'data-reply="{reply.pk}"'
        not in client.get(reverse("replies")).content.decode()
    )
    assert (
        client.post(
            reverse("reply_decide", args=[reply.pk]), {"decision": "dismiss"}
        ).status_code
        == 404
    )
    reply.refresh_from_db()
    assert reply.status == "to_confirm"
