"""The API takes a public buyer as a customer kind, as an invoice file does."""

import json
from datetime import timedelta

import pytest

from relance.ledger.models import Customer
from relance.orgs.models import org_today

pytestmark = pytest.mark.django_db


def test_an_invoice_for_a_public_buyer(client, acme, members, token_for):
    auth = token_for(members["collector"], acme)
    today = org_today(acme)
    new = {
        "number": "F-P1",
        "customer_ref": "MAIRIE",
        "customer_name": "Mairie de Lyon",
        "issue_date": str(today - timedelta(days=40)),
        "due_date": str(today - timedelta(days=10)),
        "total": "1200.00",
        "kind": "public",
    }
    made = client.post(
        "/api/invoices", json.dumps(new), content_type="application/json", **auth
    )
    assert made.status_code == 201, made.content
    assert Customer.objects.get(org=acme, ref="MAIRIE").kind == "public"
    wrong = {**new, "number": "F-P2", "kind": "state"}
    refused = client.post(
        "/api/invoices", json.dumps(wrong), content_type="application/json", **auth
    )
    assert refused.status_code in (400, 422)
