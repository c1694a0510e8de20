"""The web app: login, dashboard, lists, customer page, outbox, and isolation."""

from datetime import timedelta

import pytest
from django.urls import reverse

from relance.dunning.services import run_dunning
from relance.orgs.models import org_today
from tests.conftest import PASSWORD
from tests.factories import make_invoice, pay


@pytest.fixture
def ledger(acme):
    today = org_today(acme)
    late = make_invoice(
        acme,
        "F-OLD",
        today - timedelta(days=45),
        total="900.00",
        customer_ref="C1",
        name="Boulangerie Léa",
    )
    make_invoice(
        acme,
        "F-BIG",
        today - timedelta(days=5),
        total="5000.00",
        customer_ref="C2",
        name="Garage Martin",
    )
    make_invoice(
        acme, "F-NEW", today + timedelta(days=20), total="300.00", customer_ref="C1"
    )
    paid = make_invoice(
        acme, "F-PAID", today - timedelta(days=10), total="250.00", customer_ref="C2"
    )
    pay(acme, paid, "250.00", on=today - timedelta(days=2))
    run_dunning(acme, today)
    return late


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_form_then_dashboard_in_french(client, alice, ledger):
    response = client.post(
        reverse("login"),
        {"username": "alice@acme.example", "password": PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert "Tableau de bord" in page
    assert "À venir" in page and "En retard" in page and "Encaissées" in page
    assert "5\u202f900,00\xa0€" in page  # overdue: 900 + 5000
    assert "300,00\xa0€" in page  # upcoming
    assert "250,00\xa0€" in page  # collected in the last 30 days
    assert 'data-bucket="31_60"' in page


def test_wrong_password_is_refused(client, alice):
    response = client.post(
        reverse("login"), {"username": alice.username, "password": "x"}
    )
    assert "Courriel ou mot de passe incorrect" in response.content.decode()


def test_english_is_available(client, alice, ledger):
    login(client, alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("dashboard")).content.decode()
    assert "Upcoming" in page and "Collected" in page and "€5,900.00" in page


def test_overdue_list_sorts_by_age_and_amount(client, alice, ledger):
    login(client, alice)
    by_age = client.get(reverse("overdue")).content.decode()
    assert by_age.index("F-OLD") < by_age.index("F-BIG")
    by_amount = client.get(reverse("overdue") + "?sort=-amount").content.decode()
    assert by_amount.index("F-BIG") < by_amount.index("F-OLD")
    assert "F-NEW" not in by_age and "F-PAID" not in by_age


def test_customer_page_shows_invoices_and_timeline(client, alice, ledger):
    login(client, alice)
    page = client.get(reverse("customer", args=[ledger.customer_id])).content.decode()
    assert "Boulangerie Léa" in page and "F-OLD" in page and "F-NEW" in page
    assert "action.planned" in page and "reminder_1" in page


def test_outbox_lists_and_previews_messages(client, alice, ledger):
    from relance.comms.models import OutboundMessage

    login(client, alice)
    page = client.get(reverse("outbox")).content.decode()
    msg = OutboundMessage.objects.get(customer=ledger.customer)
    assert msg.subject in page
    preview = client.get(reverse("message", args=[msg.pk])).content.decode()
    assert "F-OLD" in preview and "compta@client.example" in preview


def test_another_organisation_sees_nothing(client, bob, ledger):
    from relance.comms.models import OutboundMessage

    login(client, bob)
    assert client.get(reverse("customer", args=[ledger.customer_id])).status_code == 404
    assert client.get(reverse("invoice", args=[ledger.pk])).status_code == 404
    msg = OutboundMessage.objects.filter(org=ledger.org).first()
    assert client.get(reverse("message", args=[msg.pk])).status_code == 404
    for name in ("dashboard", "overdue", "customers", "outbox"):
        page = client.get(reverse(name)).content.decode()
        assert "F-OLD" not in page and "Boulangerie" not in page
        assert msg.subject not in page


def test_switching_to_an_organisation_you_do_not_belong_to_is_ignored(
    client, bob, acme, ledger
):
    login(client, bob)
    client.post(reverse("switch_org"), {"org": acme.pk})
    assert "Boulangerie" not in client.get(reverse("customers")).content.decode()


def test_member_of_two_organisations_switches_between_them(client, alice, other):
    from relance.orgs.services import create_user

    create_user(alice.email, other, "collector", PASSWORD)
    make_invoice(other, "OTHER-1", org_today(other), customer_ref="Z", name="Zeta SARL")
    login(client, alice)
    assert "Zeta SARL" not in client.get(reverse("customers")).content.decode()
    client.post(reverse("switch_org"), {"org": other.pk})
    assert "Zeta SARL" in client.get(reverse("customers")).content.decode()


def test_read_only_users_cannot_run_the_dunning(client, charlie, ledger):
    login(client, charlie)
    assert "Lancer la relance" not in client.get(reverse("dashboard")).content.decode()
    assert client.post(reverse("run_today")).status_code == 403


def test_admin_runs_the_dunning_from_the_dashboard_through_a_task(client, alice, acme):
    make_invoice(acme, "F-Y", org_today(acme) - timedelta(days=1))
    login(client, alice)
    page = client.post(reverse("run_today"), follow=True).content.decode()
    assert "Relance du jour effectuée : 1 nouvelle(s) action(s)." in page


def test_customer_page_offers_statement_and_documents(
    client, alice, acme, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    inv = make_invoice(
        acme,
        "F-2025-9",
        org_today(acme) - timedelta(days=600),
        total="1000.00",
        customer_ref="D",
        name="Débiteur SARL",
    )
    login(client, alice)
    page = client.get(reverse("customer", args=[inv.customer_id])).content.decode()
    assert "Décompte des sommes dues" in page and "Mise en demeure (PDF)" in page
    response = client.post(
        reverse("customer_document", args=[inv.customer_id, "formal_notice"])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "mise-en-demeure-D-" in response["Content-Disposition"]
    invoice_page = client.get(reverse("invoice", args=[inv.pk])).content.decode()
    assert (
        "Pénalités à ce jour" in invoice_page and "Prescrite après le" in invoice_page
    )


def test_read_only_users_cannot_generate_documents(client, charlie, acme):
    inv = make_invoice(
        acme, "F-X", org_today(acme) - timedelta(days=40), customer_ref="D"
    )
    login(client, charlie)
    page = client.get(reverse("customer", args=[inv.customer_id])).content.decode()
    assert "Mise en demeure (PDF)" not in page
    url = reverse("customer_document", args=[inv.customer_id, "formal_notice"])
    assert client.post(url).status_code == 403


def test_documents_of_another_organisation_answer_404(client, bob, acme):
    inv = make_invoice(
        acme, "F-Y", org_today(acme) - timedelta(days=40), customer_ref="D"
    )
    login(client, bob)
    url = reverse("customer_document", args=[inv.customer_id, "formal_notice"])
    assert client.post(url).status_code == 404


def test_approval_queue_edit_then_approve_or_skip(
    client, alice, charlie, acme, monkeypatch
):
    from dataclasses import replace
    from decimal import Decimal

    from relance.comms.models import OutboundMessage
    from relance.core import policy as core_policy
    from relance.dunning.models import Action

    monkeypatch.setitem(
        core_policy.POLICIES,
        "good",
        replace(core_policy.DEFAULT_POLICY, approval_amount=Decimal("1")),
    )
    today = org_today(acme)
    make_invoice(acme, "AP-1", today - timedelta(days=1), customer_ref="A1")
    make_invoice(acme, "AP-2", today - timedelta(days=1), customer_ref="A2")
    run_dunning(acme, today)
    login(client, alice)
    assert "2 actions à valider" in client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("approvals")).content.decode()
    assert "AP-1" in page and "AP-2" in page
    first, second = Action.objects.order_by("customer__ref")
    client.post(
        reverse("approval_decide", args=[first.pk]),
        {"decision": "approve", "subject": "Facture AP-1", "body": "Bonjour, merci."},
    )
    client.post(reverse("approval_decide", args=[second.pk]), {"decision": "skip"})
    assert OutboundMessage.objects.get(action=first).status == "queued"
    assert OutboundMessage.objects.get(action=first).subject == "Facture AP-1"
    assert OutboundMessage.objects.get(action=second).status == "cancelled"
    assert "Rien à valider." in client.get(reverse("approvals")).content.decode()
    client.logout()
    login(client, charlie)
    assert client.get(reverse("approvals")).status_code == 403
