"""The lifecycle through the API and on the invoice page: a status posted by a
platform acts as a file does, and the invoice shows it; another organisation's
invoice answers 404."""

import json
from datetime import date

import pytest

from relance.dunning.models import Hold, HoldKind
from tests.conftest import PASSWORD
from tests.factories import make_invoice

from .cdar_files import status_file


@pytest.fixture
def invoice(acme):
    return make_invoice(acme, "F-2026-001", date(2026, 11, 1), issued=date(2026, 10, 2))


@pytest.fixture
def token_for():
    from relance.api.tokens import issue
    from relance.orgs.models import Membership

    def make(user, org):
        _, secret = issue(Membership.objects.get(user=user, org=org), "tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make


def test_a_posted_status_acts_and_is_shown(client, acme, alice, invoice, token_for):
    auth = token_for(alice, acme)
    data = status_file(("F-2026-001", "207", "20261002", "Prix erroné"), message="PA-5")
    response = client.post(
        "/api/lifecycle", data, content_type="application/xml", **auth
    )
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["applied"][0]["code"] == "207"
    assert Hold.objects.filter(invoice=invoice, kind=HoldKind.DISPUTE).exists()
    shown = json.loads(
        client.get(f"/api/lifecycle/invoices/{invoice.pk}", **auth).content
    )
    assert (shown["code"], shown["status"], shown["reason"]) == (
        "207",
        "En litige",  # the API speaks French first, as the app does
        "Prix erroné",
    )
    assert [m["message_id"] for m in shown["messages"]] == ["PA-5"]
    client.login(username="alice@acme.example", password=PASSWORD)
    page = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert 'data-platform-status="207"' in html
    assert "En litige" in html and "Prix erroné" in html and "PA-5" in html


def test_read_only_may_not_post_and_others_see_404(
    client, acme, charlie, bob, other, invoice, token_for
):
    data = status_file(("F-2026-001", "210", "20261002"))
    response = client.post(
        "/api/lifecycle",
        data,
        content_type="application/xml",
        **token_for(charlie, acme),
    )
    assert response.status_code == 403
    theirs = token_for(bob, other)
    assert (
        client.get(f"/api/lifecycle/invoices/{invoice.pk}", **theirs).status_code == 404
    )
    response = client.post(
        "/api/lifecycle", data, content_type="application/xml", **theirs
    )
    assert json.loads(response.content)["unmatched"][0]["invoice"] == "F-2026-001"
    assert not Hold.objects.filter(invoice=invoice).exists()


def test_an_invoice_without_a_platform_status_shows_none(client, alice, invoice):
    client.login(username="alice@acme.example", password=PASSWORD)
    html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "data-platform-status" not in html
