"""The REST API: tokens, each role's rights, isolation between organisations,
and what each write does to the ledger and the timeline."""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from relance.api.models import ApiToken
from relance.dunning.models import Hold
from relance.ledger.models import Invoice
from relance.orgs.models import org_today
from relance.timeline.models import Event
from relance.timeline.services import verify

pytestmark = pytest.mark.django_db


def body(response):
    return json.loads(response.content)


def post(client, url, data, auth):
    return client.post(url, json.dumps(data), content_type="application/json", **auth)


def test_the_schema_is_served_and_names_every_resource(client):
    schema = body(client.get("/api/openapi.json"))
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/customers",
        "/api/invoices",
        "/api/invoices/{pk}/payments",
        "/api/payments",
        "/api/holds",
        "/api/actions/{pk}/approve",
        "/api/timeline",
    ):
        assert path in schema["paths"]
    assert schema["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"}
    }


def test_the_docs_page_is_served_from_our_own_static_files(client):
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page


def test_no_token_a_wrong_one_or_a_revoked_one_is_refused(client, acme, alice):
    assert client.get("/api/invoices").status_code == 401
    bad = {"HTTP_AUTHORIZATION": "Bearer rl_not-a-token"}
    assert client.get("/api/invoices", **bad).status_code == 401
    out = StringIO()
    call_command(
        "api-token",
        "create",
        "--org=acme",
        "--user=alice@acme.example",
        "--name=erp",
        "--json",
        stdout=out,
    )
    made = json.loads(out.getvalue())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {made['token']}"}
    assert client.get("/api/invoices", **auth).status_code == 200
    token = ApiToken.objects.get(pk=made["id"])
    assert token.digest != made["token"] and made["token"] not in token.digest
    assert token.last_used_at is not None
    out = StringIO()
    call_command("api-token", "list", "--org=acme", "--json", stdout=out)
    (listed,) = json.loads(out.getvalue())
    assert listed["prefix"] == made["token"][:10] and "token" not in listed
    call_command(
        "api-token", "revoke", "--org=acme", str(made["id"]), stdout=StringIO()
    )
    assert client.get("/api/invoices", **auth).status_code == 401


def test_a_token_stops_working_when_its_member_leaves(client, acme, alice, token_for):
    auth = token_for(alice, acme)
    alice.memberships.all().delete()
    assert client.get("/api/invoices", **auth).status_code == 401


def test_lists_are_paginated_and_filtered(client, acme, books, members, token_for):
    auth = token_for(members["admin"], acme)
    page = body(client.get("/api/invoices?limit=2&offset=0", **auth))
    assert page["count"] == 3 and len(page["items"]) == 2
    rest = body(client.get("/api/invoices?limit=2&offset=2", **auth))
    assert [i["number"] for i in page["items"] + rest["items"]] == [
        "F-2",
        "F-1",
        "F-3",
    ]
    overdue = body(client.get("/api/invoices?status=overdue", **auth))
    assert {i["number"] for i in overdue["items"]} == {"F-1", "F-2"}
    c2 = books["other"].customer_id
    mine = body(client.get(f"/api/invoices?customer_id={c2}", **auth))
    assert {i["number"] for i in mine["items"]} == {"F-2", "F-3"}
    found = body(client.get("/api/customers?q=C1", **auth))
    assert [c["ref"] for c in found["items"]] == ["C1"]
    item = mine["items"][0]
    assert item["total"] == "1200.00" and item["open_amount"] == "1200.00"
    assert client.get("/api/invoices?limit=0", **auth).status_code == 422
    assert client.get("/api/invoices?limit=501", **auth).status_code == 422


def test_sales_see_only_the_customers_they_own(client, acme, books, members, token_for):
    auth = token_for(members["sales"], acme)
    invoices = body(client.get("/api/invoices", **auth))
    assert [i["number"] for i in invoices["items"]] == ["F-1"]
    customers = body(client.get("/api/customers", **auth))
    assert [c["ref"] for c in customers["items"]] == ["C1"]
    assert client.get(f"/api/invoices/{books['other'].pk}", **auth).status_code == 404
    assert client.get(f"/api/actions/{books['action'].pk}", **auth).status_code == 404
    events = body(client.get("/api/timeline", **auth))["items"]
    assert {e["customer_id"] for e in events} <= {books["owned"].customer_id}


# (method, url, payload) of every write, given the fixture's rows.
def writes(books, today):
    inv, action = books["other"], books["action"]
    return [
        (
            "post",
            "/api/invoices",
            {
                "number": "F-9",
                "customer_ref": "C9",
                "issue_date": str(today),
                "due_date": str(today + timedelta(days=30)),
                "total": "60.00",
            },
        ),
        ("patch", f"/api/invoices/{inv.pk}", {"total": "1300.00"}),
        (
            "post",
            "/api/holds",
            {"kind": "disputed", "customer_id": inv.customer_id, "invoice_id": inv.pk},
        ),
        ("post", f"/api/actions/{action.pk}/skip", {"reason": "called already"}),
        # Last: paying the invoice cancels the action waiting about it.
        ("post", f"/api/invoices/{inv.pk}/payments", {"received_on": str(today)}),
    ]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("collector", True), ("sales", False), ("read_only", False)],
)
def test_each_role_may_read_and_only_senders_may_write(
    client, acme, books, members, token_for, role, allowed
):
    auth = token_for(members[role], acme)
    for url in (
        "/api/customers",
        "/api/invoices",
        "/api/payments",
        "/api/holds",
        "/api/actions",
        "/api/timeline",
    ):
        assert client.get(url, **auth).status_code == 200, url
    before = Event.objects.filter(org=acme).count()
    for method, url, payload in writes(books, org_today(acme)):
        response = getattr(client, method)(
            url, json.dumps(payload), content_type="application/json", **auth
        )
        if allowed:
            assert response.status_code in (200, 201), (url, response.content)
        else:
            # Sales cannot write, and do not see C2's rows at all.
            assert response.status_code in (403, 404), (url, response.content)
    written = Event.objects.filter(org=acme).count() - before
    assert (written > 0) == allowed


def test_another_organisation_gets_404_for_every_row(
    client, acme, bob, other, books, token_for
):
    auth = token_for(bob, other)
    inv, action = books["other"], books["action"]
    hold = Hold.objects.create(
        org=acme, customer=inv.customer, kind="paused", created_by="alice"
    )
    for url in (
        f"/api/invoices/{inv.pk}",
        f"/api/customers/{inv.customer_id}",
        f"/api/actions/{action.pk}",
    ):
        assert client.get(url, **auth).status_code == 404, url
    for method, url, payload in writes(books, org_today(acme))[1:]:
        response = getattr(client, method)(
            url, json.dumps(payload), content_type="application/json", **auth
        )
        assert response.status_code == 404, url
    assert post(client, f"/api/holds/{hold.pk}/end", {}, auth).status_code == 404
    assert body(client.get("/api/invoices", **auth))["count"] == 0
    theirs = body(client.get("/api/timeline", **auth))
    assert theirs["count"] == Event.objects.filter(org=other).count()
    inv.refresh_from_db()
    assert inv.total == Decimal("1200.00") and inv.amount_paid == 0


def test_create_update_and_pay_an_invoice(client, acme, books, members, token_for):
    auth = token_for(members["collector"], acme)
    today = org_today(acme)
    new = {
        "number": "F-10",
        "customer_ref": "C10",
        "customer_name": "Menuiserie Roux",
        "customer_email": "compta@roux.example",
        "issue_date": str(today - timedelta(days=40)),
        "due_date": str(today - timedelta(days=10)),
        "total_excl_tax": "100.00",
        "total": "120.00",
    }
    made = post(client, "/api/invoices", new, auth)
    assert made.status_code == 201, made.content
    created = body(made)
    assert created["tax"] == "20.00" and created["open_amount"] == "120.00"
    assert post(client, "/api/invoices", new, auth).status_code == 400
    backwards = {**new, "number": "F-11", "due_date": str(today - timedelta(days=90))}
    refused = post(client, "/api/invoices", backwards, auth)
    assert refused.status_code == 400 and "échéance" in body(refused)["detail"]

    pk = created["id"]
    changed = client.patch(
        f"/api/invoices/{pk}",
        json.dumps({"total": "240.00"}),
        content_type="application/json",
        **auth,
    )
    assert body(changed)["total"] == "240.00" and body(changed)["tax"] == "140.00"
    part = post(
        client,
        f"/api/invoices/{pk}/payments",
        {"received_on": str(today), "amount": "40.00", "reference": "CHQ 1"},
        auth,
    )
    assert part.status_code == 201 and body(part)["source"] == "manual"
    lowered = client.patch(
        f"/api/invoices/{pk}",
        json.dumps({"total": "30.00"}),
        content_type="application/json",
        **auth,
    )
    assert lowered.status_code == 400 and "40" in body(lowered)["detail"]
    too_much = post(
        client,
        f"/api/invoices/{pk}/payments",
        {"received_on": str(today), "amount": "500.00"},
        auth,
    )
    assert too_much.status_code == 400
    rest = post(
        client, f"/api/invoices/{pk}/payments", {"received_on": str(today)}, auth
    )
    assert body(rest)["amount"] == "200.00"
    invoice = Invoice.objects.get(pk=pk)
    assert invoice.paid_on == today
    kinds = list(
        Event.objects.filter(invoice_id=pk)
        .order_by("seq")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "invoice.created",
        "invoice.updated",
        "payment.recorded",
        "payment.recorded",
        "invoice.paid",
    ]
    assert verify(acme).ok


def test_holds_and_approvals(client, acme, books, members, token_for):
    auth = token_for(members["admin"], acme)
    inv = books["other"]
    refused = post(
        client, "/api/holds", {"kind": "disputed", "customer_id": inv.customer_id}, auth
    )
    # Said in the installation's language (French by default).
    assert refused.status_code == 400 and "une seule facture" in body(refused)["detail"]
    until = str(org_today(acme) + timedelta(days=10))
    made = post(
        client,
        "/api/holds",
        {"kind": "promised", "customer_id": inv.customer_id, "until": until},
        auth,
    )
    assert made.status_code == 201 and body(made)["until"] == until
    active = body(client.get("/api/holds?active=true", **auth))
    assert [h["id"] for h in active["items"]] == [body(made)["id"]]
    ended = post(client, f"/api/holds/{body(made)['id']}/end", {"reason": "paid"}, auth)
    assert (
        ended.status_code == 200 and body(ended)["ended_by"] == "api:admin@acme.example"
    )
    assert body(client.get("/api/holds?active=true", **auth))["count"] == 0
    again = post(client, f"/api/holds/{body(made)['id']}/end", {}, auth)
    assert again.status_code == 400

    action = books["action"]
    approved = post(client, f"/api/actions/{action.pk}/approve", {}, auth)
    assert approved.status_code == 200 and body(approved)["status"] == "todo"
    assert body(approved)["invoice_ids"] == [inv.pk]
    twice = post(client, f"/api/actions/{action.pk}/approve", {}, auth)
    assert twice.status_code == 400


def test_changing_an_imported_invoice_keeps_what_the_file_said_was_paid(
    client, acme, members, token_for
):
    from relance.ledger.models import Payment
    from relance.ledger.services import import_invoices

    csv = (
        "numero;ref_client;client;date;echeance;montant_ttc;regle\n"
        "F-50;C5;Durand;01/09/2026;01/10/2026;300,00;100,00\n"
    )
    import_invoices(acme, csv.encode(), "f.csv", "alice")
    invoice = Invoice.objects.get(org=acme, number="F-50")
    auth = token_for(members["collector"], acme)
    changed = client.patch(
        f"/api/invoices/{invoice.pk}",
        json.dumps({"total": "350.00"}),
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200, changed.content
    assert body(changed)["amount_paid"] == "100.00"
    assert body(changed)["open_amount"] == "250.00"
    (payment,) = Payment.objects.filter(org=acme, source="import")
    assert payment.amount == Decimal("100.00")
