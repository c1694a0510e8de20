"""A firm of three clients in a real browser: its staff member's portfolio,
one approval across clients, and each client opened on its own."""

from datetime import timedelta

from playwright.sync_api import expect

from relance.dunning.models import Action, ActionStatus
from relance.dunning.services import run_dunning
from relance.orgs.models import org_today
from tests.conftest import PASSWORD
from tests.e2e.test_browser import browser, shot  # noqa: F401 (the fixture)
from tests.factories import make_invoice


def test_a_firm_works_three_clients_from_one_login(
    live_server,
    transactional_db,
    browser,  # noqa: F811
    acme,
    other,
):
    from django.contrib.auth import get_user_model

    from relance.firms import services
    from relance.firms.models import Firm
    from relance.orgs.services import create_organisation

    firm = Firm.objects.create(slug="expert", name="Expert & Associés")
    bistro = create_organisation("bistro", "Bistro du Port")
    cabinet = create_organisation("cabinet", "Cabinet Durand")
    fiona = get_user_model().objects.create_user(
        "fiona@expert.example", "fiona@expert.example", PASSWORD
    )
    for org, role in ((acme, "admin"), (bistro, "collector"), (cabinet, "read_only")):
        services.add_client(firm, org, actor="test")
        services.add_staff(firm, fiona, org, role, actor="test")
    today = org_today(acme)
    for n, org in enumerate((acme, bistro, cabinet, other), start=1):
        make_invoice(
            org,
            f"F-{org.slug}",
            today - timedelta(days=20),
            f"{n}000.00",
            name=f"Client {n}",
        )
        run_dunning(org, today)
    Action.objects.update(status=ActionStatus.APPROVAL)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Courriel").fill(fiona.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.get_by_role("link", name="Portefeuille").click()
    expect(page.get_by_role("heading", name="Portefeuille")).to_be_visible()
    rows = page.locator("[data-portfolio] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-client=bistro] [data-overdue]")).to_contain_text(
        "2\u202f000,00"
    )
    expect(page.locator("[data-client=cabinet] [data-overdue]")).to_contain_text(
        "3\u202f000,00"
    )
    expect(page.get_by_text("Other Co")).to_have_count(0)
    expect(page.locator("[data-client=cabinet]")).to_contain_text("Lecture seule")
    shot(page, "firm-portfolio")

    waiting = page.locator("[data-waiting] li")
    expect(waiting).to_have_count(2)  # Acme and Bistro; read-only at Cabinet
    page.get_by_role("button", name="Valider Bistro du Port Client 2").click()
    expect(page.get_by_text("Approuvé pour Bistro du Port : Client 2.")).to_be_visible()
    expect(page.locator("[data-waiting] li")).to_have_count(1)

    page.get_by_role("button", name="Ouvrir Cabinet Durand").click()
    expect(page.locator("[data-total=overdue]")).to_have_text("3\u202f000,00\xa0€")
    page.goto(f"{live_server.url}/invoices/overdue/")
    expect(page.get_by_role("cell", name="F-cabinet")).to_be_visible()
    expect(page.get_by_text("F-acme")).to_have_count(0)
    expect(page.get_by_text("F-bistro")).to_have_count(0)
    shot(page, "firm-client-opened")
