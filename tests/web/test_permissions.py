"""Every view, for every role: who may open it, who may act through it, and that
sales members and other organisations see only what is theirs (404, as for a
row that does not exist)."""

import pytest
from django.urls import reverse

from relance.comms.models import OutboundMessage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ("admin", "collector", "sales", "read_only")
SENDERS = {"admin", "collector"}


@pytest.fixture
def rows(acme, books):
    message = OutboundMessage.objects.create(
        org=acme,
        customer=books["other"].customer,
        from_address="compta@acme.example",
        to_addresses=["compta@client.example"],
        subject="Facture F-2",
        body_text="Bonjour",
        message_id="<f2@acme.example>",
        status="queued",
    )
    return {**books, "message": message}


def pages(rows):
    """(url, who may open it): pages about C2, whom sales do not own, are 404
    for them."""
    other = rows["other"]
    return [
        (reverse("dashboard"), set(ROLES)),
        (reverse("overdue"), set(ROLES)),
        (reverse("customers"), set(ROLES)),
        (reverse("outbox"), set(ROLES)),
        (reverse("customer", args=[rows["owned"].customer_id]), set(ROLES)),
        (reverse("invoice", args=[rows["owned"].pk]), set(ROLES)),
        (reverse("customer", args=[other.customer_id]), SENDERS | {"read_only"}),
        (reverse("invoice", args=[other.pk]), SENDERS | {"read_only"}),
        (reverse("action", args=[rows["action"].pk]), SENDERS | {"read_only"}),
        (reverse("message", args=[rows["message"].pk]), SENDERS | {"read_only"}),
        (reverse("approvals"), SENDERS),
        (reverse("bank_review"), SENDERS),
    ]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(client, members, rows, role):
    login(client, members[role])
    for url, allowed in pages(rows):
        status = client.get(url).status_code
        if role in allowed:
            assert status == 200, (role, url)
        else:
            assert status in (403, 404), (role, url, status)
            if role == "sales" and "approvals" not in url and "bank" not in url:
                assert status == 404, url  # not theirs: as if it did not exist


@pytest.mark.parametrize("role", ROLES)
def test_only_senders_act(client, members, rows, role):
    login(client, members[role])
    action = rows["action"]
    customer = rows["other"].customer_id
    posts = [
        reverse("run_today"),
        reverse("approval_decide", args=[action.pk]),
        reverse("customer_document", args=[customer, "formal_notice"]),
    ]
    for url in posts:
        status = client.post(url, {"decision": "skip", "reason": "x"}).status_code
        if role in SENDERS:
            assert status in (200, 302), (role, url, status)
        else:
            assert status == 403, (role, url, status)
    action.refresh_from_db()
    assert (action.status == "cancelled") == (role in SENDERS)


def test_sales_lists_show_only_their_customers(client, members, rows):
    login(client, members["sales"])
    customers = client.get(reverse("customers")).content.decode()
    assert "Client C1" in customers and "Client C2" not in customers
    overdue = client.get(reverse("overdue")).content.decode()
    assert "F-1" in overdue and "F-2" not in overdue
    outbox = client.get(reverse("outbox")).content.decode()
    assert "Client C2" not in outbox


def test_another_organisation_gets_404_on_every_page(client, bob, rows):
    login(client, bob)
    for url, _ in pages(rows):
        if url.rstrip("/").split("/")[-1].isdigit():
            assert client.get(url).status_code == 404, url
    action = rows["action"]
    response = client.post(
        reverse("approval_decide", args=[action.pk]), {"decision": "skip"}
    )
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == "approval"
