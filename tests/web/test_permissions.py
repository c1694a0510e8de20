"""Every view, for every role: who may open it, who may act through it, and that
sales members and other organisations see only what is theirs (404, as for a
row that does not exist)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from relance.comms.models import MessageTemplate, OutboundMessage
from relance.core.policy import CHRONIC_POLICY
from relance.core.policy_config import to_data
from relance.dunning.models import Hold, PolicySetting
from relance.ledger.models import ImportBatch
from relance.orgs.models import org_today
from relance.timeline.models import Event
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
    batch = ImportBatch.objects.create(
        org=acme, kind="invoices", filename="f.csv", sha256="0" * 64, actor="x"
    )
    return {**books, "message": message, "batch": batch}


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
        (reverse("imports"), SENDERS),
        (reverse("import", args=[rows["batch"].pk]), SENDERS),
        (reverse("policies"), {"admin"}),
        (reverse("policy", args=["chronic"]), {"admin"}),
        (reverse("templates"), {"admin"}),
        (reverse("template", args=["reminder_2", "en"]), {"admin"}),
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
            about_a_row = url.rstrip("/").split("/")[-1].isdigit()
            if role == "sales" and about_a_row and "/imports/" not in url:
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


def writes(rows):
    """(url, form, who may, did it happen?) for the team's other writes."""
    customer = rows["other"].customer
    until = (org_today(customer.org) + timedelta(days=9)).isoformat()
    message = rows["message"]
    return [
        (
            reverse("hold_add", args=[customer.pk]),
            {"kind": "paused", "until": until},
            SENDERS,
            lambda: Hold.objects.filter(customer=customer).exists(),
        ),
        (
            reverse("message_resolve", args=[message.pk]),
            {"decision": "cancel"},
            SENDERS,
            lambda: OutboundMessage.objects.get(pk=message.pk).status == "cancelled",
        ),
        (
            reverse("policy", args=["good"]),
            {"action": "reset"},
            {"admin"},
            lambda: Event.objects.filter(kind="policy.reset").exists(),
        ),
        (
            reverse("template", args=["reminder_1", "fr"]),
            {"action": "save", "subject": "Rappel {{ numbers }}", "body": "Bonjour"},
            {"admin"},
            lambda: MessageTemplate.objects.exists(),
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_team_writes_by_role(client, acme, members, rows, role):
    rows["message"].status = "uncertain"
    rows["message"].save()
    PolicySetting.objects.create(
        org=acme, segment="good", data=to_data(CHRONIC_POLICY), updated_by="x"
    )
    login(client, members[role])
    for url, form, allowed, happened in writes(rows):
        status = client.post(url, form).status_code
        if role in allowed:
            assert status == 302 and happened(), (role, url)
        else:
            assert status in (403, 404) and not happened(), (role, url, status)


def test_another_organisation_cannot_write(client, acme, bob, rows):
    rows["message"].status = "uncertain"
    rows["message"].save()
    login(client, bob)
    for url, form, _, happened in writes(rows)[:2]:
        assert client.post(url, form).status_code == 404, url
        assert not happened()
    # Bob's own policy and wording change Bob's organisation only.
    client.post(*writes(rows)[3][:2])
    assert not MessageTemplate.objects.filter(org=acme).exists()


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


def dashboard_figures(client, user) -> dict:
    client.force_login(user)
    context = client.get(reverse("dashboard")).context
    client.logout()
    totals = context["totals"]
    return {
        "upcoming": totals["upcoming"],
        "overdue": totals["overdue"],
        "collected": totals["collected_30d"],
        "aging": totals["aging"],
        "trend": [bar["amount"] for bar in context["trend"]["bars"]],
        "dso": context["dso"],
        "top": [row["name"] for row in context["top"]],
        "work": [
            context[k]
            for k in ("queued", "todo", "to_approve", "uncertain", "to_review")
        ],
    }


def test_sales_dashboard_counts_only_their_customers(client, acme, members, rows):
    """GIVEN C1 owned by the sales member and C2 not WHEN each opens the
    dashboard THEN the admin sees both and sales every figure for C1 alone."""
    from relance.comms.models import OutboundMessage
    from tests.factories import make_invoice, pay

    today = org_today(acme)
    paid = make_invoice(acme, "F-5", today - timedelta(days=3), customer_ref="C2")
    pay(acme, paid, "1200.00", on=today - timedelta(days=1))
    OutboundMessage.objects.filter(pk=rows["message"].pk).update(status="uncertain")
    admin = dashboard_figures(client, members["admin"])
    sales = dashboard_figures(client, members["sales"])
    assert admin["overdue"] == {"amount": "2400.00", "count": 2}
    assert admin["upcoming"] == {"amount": "1200.00", "count": 1}
    assert admin["collected"] == {"amount": "1200.00", "count": 1}
    assert admin["trend"][-1] == 2400 and admin["top"] == ["Client C1", "Client C2"]
    assert admin["work"] == [0, 0, 1, 1, 0]
    assert sales["overdue"] == {"amount": "1200.00", "count": 1}
    assert sales["upcoming"] == {"amount": "0.00", "count": 0}
    assert sales["collected"] == {"amount": "0.00", "count": 0}
    assert sales["aging"]["31_60"] == {"amount": "0.00", "count": 0}
    assert sales["trend"][-1] == 1200 and sales["top"] == ["Client C1"]
    assert sales["work"] == [0, 0, 0, 0, 0]
    # 1 200 € open over 1 200 € invoiced in 90 days for C1 alone; the admin
    # sees 3 600 € open over 4 800 €.
    assert (sales["dso"], admin["dso"]) == (90, 68)
    # The history kept for the admin is not what sales get, nor the reverse.
    assert dashboard_figures(client, members["admin"]) == admin
