"""A real browser (Debian's Chromium driven by Playwright) against the live app."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from relance.dunning.services import run_dunning
from relance.orgs.models import org_today
from tests.conftest import PASSWORD
from tests.factories import make_invoice

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the fixtures and the live server are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_log_in_and_walk_through_the_main_pages(
    live_server, transactional_db, browser, alice, acme
):
    today = org_today(acme)
    make_invoice(
        acme,
        "F-2026-041",
        today - timedelta(days=12),
        total="2400.00",
        customer_ref="C1",
        name="Boulangerie Léa",
    )
    make_invoice(
        acme,
        "F-2026-052",
        today + timedelta(days=3),
        total="480.00",
        customer_ref="C2",
        name="Garage Martin",
    )
    run_dunning(acme, today)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.get_by_label("Courriel").fill(alice.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    expect(page.locator("[data-total=overdue]")).to_have_text("2\u202f400,00\xa0€")
    expect(page.locator("[data-total=upcoming]")).to_have_text("480,00\xa0€")
    shot(page, "dashboard")

    page.get_by_role("link", name="En retard").first.click()
    expect(page.get_by_role("heading", name="Factures en retard")).to_be_visible()
    expect(page.get_by_role("cell", name="F-2026-041")).to_be_visible()
    page.get_by_role("link", name="Boulangerie Léa").click()
    expect(page.get_by_role("heading", name="Boulangerie Léa")).to_be_visible()
    expect(page.get_by_text("action.planned")).to_be_visible()
    shot(page, "customer")

    page.get_by_role("link", name="Boîte d'envoi").click()
    page.get_by_role("link", name="règlement en attente").click()
    expect(page.locator("pre.mail")).to_contain_text("F-2026-041")
    shot(page, "message")

    page.get_by_label("Langue").select_option("en")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Upcoming")).to_be_visible()
    expect(page.locator("[data-total=overdue]")).to_have_text("€2,400.00")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    expect(page.locator("[data-total=overdue]")).to_be_visible()
    shot(page, "dashboard-phone")


def test_debtor_opens_the_link_of_a_reminder_and_promises_a_date(
    live_server, transactional_db, browser, alice, acme
):
    from relance.comms.models import OutboundMessage
    from relance.dunning.models import Hold

    today = org_today(acme)
    make_invoice(
        acme,
        "F-2026-077",
        today - timedelta(days=9),
        total="1250.00",
        customer_ref="C7",
        name="Atelier Nord",
    )
    run_dunning(acme, today)
    reminder = OutboundMessage.objects.get(channel="email", customer__ref="C7")
    path = reminder.body_text.split("http://127.0.0.1:8000", 1)[1].split()[0]

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="Vos factures")).to_be_visible()
    expect(page.get_by_role("cell", name="F-2026-077")).to_be_visible()
    shot(page, "portal")
    promised = today + timedelta(days=8)
    page.get_by_label("Date de paiement").fill(promised.isoformat())
    page.get_by_role("button", name="Indiquer cette date").click()
    expect(page.get_by_role("status")).to_contain_text("nous avons noté la date")

    hold = Hold.objects.get(customer__ref="C7")
    assert hold.until == promised and hold.invoice.number == "F-2026-077"
    later = run_dunning(acme, today + timedelta(days=5), dry_run=True)
    assert not [a for a in later["actions"] if a["customer"] == "C7"]
