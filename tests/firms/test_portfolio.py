"""GIVEN Fiona of the firm, with a role in three of its four clients
WHEN she opens the portfolio or approves THEN she sees and acts in those three
only, each with the rights her role there gives."""

import json
from io import StringIO

from django.core.management import call_command

from relance.dunning.models import Action, ActionStatus
from tests.conftest import PASSWORD


def login(client):
    client.login(username="fiona@expert.example", password=PASSWORD)


def test_the_portfolio_shows_her_clients_figures_only(client, firm):
    login(client)
    html = client.get("/firm/").content.decode()
    for slug in ("acme", "bistro", "cabinet"):
        assert f'data-client="{slug}"' in html
    assert "outsider" not in html and "Hors Portefeuille" not in html
    assert "Other Co" not in html and "F-other" not in html
    assert 'data-problem="no_iban"' in html  # Bistro has no IBAN to pay to
    bistro = html.split('data-client="bistro"', 1)[1].split("</tr>", 1)[0]
    aging = " ".join(bistro.split("data-aging>", 1)[1].split("</small>")[0].split())
    assert aging.startswith("1 à 30 jours 200,00")


def test_the_command_gives_the_same_portfolio(firm):
    out = StringIO()
    call_command(
        "firm", "portfolio", "--user", "fiona@expert.example", "--json", stdout=out
    )
    rows = {r["org"]: r for r in json.loads(out.getvalue())}
    assert set(rows) == {"acme", "bistro", "cabinet"}
    assert rows["acme"]["overdue"] == "100.00" and rows["bistro"]["overdue"] == "200.00"
    assert rows["cabinet"]["role"] == "read_only"
    assert all(r["to_approve"] == 1 for r in rows.values())


def test_one_place_to_approve_where_her_role_allows(client, firm):
    login(client)
    html = client.get("/firm/").content.decode()
    waiting = html.split("data-waiting", 1)[1]
    assert "Acme Conseil SAS" in waiting and "Bistro du Port" in waiting
    assert "Cabinet Durand" not in waiting  # read-only there
    action = Action.objects.get(org=firm["orgs"]["bistro"])
    response = client.post(f"/firm/approve/{action.pk}/")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status != ActionStatus.APPROVAL


def test_nothing_outside_her_roles_can_be_approved(client, firm):
    login(client)
    for slug in ("cabinet", "outsider", "other"):
        action = Action.objects.get(org=firm["orgs"][slug])
        assert client.post(f"/firm/approve/{action.pk}/").status_code == 404
        action.refresh_from_db()
        assert action.status == ActionStatus.APPROVAL


def test_someone_of_no_firm_has_no_portfolio(client, bob):
    client.login(username="bob@other.example", password=PASSWORD)
    assert client.get("/firm/").status_code == 404


def test_opening_a_client_works_in_that_client_only(client, firm):
    login(client)
    bistro = firm["orgs"]["bistro"]
    client.post("/org/switch/", {"org": bistro.pk})
    html = client.get("/invoices/overdue/").content.decode()
    assert "F-bistro" in html and "F-acme" not in html and "F-cabinet" not in html
    client.post("/org/switch/", {"org": firm["orgs"]["outsider"].pk})
    html = client.get("/invoices/overdue/").content.decode()
    assert "F-outsider" not in html  # no membership there: the switch is refused


def test_a_sales_role_sees_only_the_customers_it_owns(client, firm):
    """Sales at a client: the portfolio counts only their own customers there,
    and nothing of that client waits for their approval."""
    from relance.firms.services import add_staff

    bistro = firm["orgs"]["bistro"]
    add_staff(firm["firm"], firm["fiona"], bistro, "sales", actor="test")
    out = StringIO()
    call_command(
        "firm", "portfolio", "--user", "fiona@expert.example", "--json", stdout=out
    )
    rows = {r["org"]: r for r in json.loads(out.getvalue())}
    assert rows["bistro"]["overdue"] == "0.00" and rows["bistro"]["to_approve"] == 0
    login(client)
    waiting = client.get("/firm/").content.decode().split("data-waiting", 1)[1]
    assert "Bistro du Port" not in waiting
    action = Action.objects.get(org=bistro)
    assert client.post(f"/firm/approve/{action.pk}/").status_code == 404
