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


def test_a_working_day_import_run_approve_then_the_debtor_promises(
    live_server, transactional_db, browser, alice, acme, settings, tmp_path
):
    """The whole loop in the browser: an admin asks for approval above 1 000 €,
    imports a file (one row is wrong), runs the day, approves the reminder; the
    debtor opens the link it carries and promises a date; the team sees the
    reminders paused."""
    from relance.comms.models import OutboundMessage
    from relance.dunning.models import Hold

    settings.RELANCE_PUBLIC_URL = live_server.url
    today = org_today(acme)
    fmt = "%d/%m/%Y"
    csv = tmp_path / "factures-novembre.csv"
    csv.write_text(
        "numero;code_client;client;email;date;echeance;total\n"
        f"F-2026-301;C31;Menuiserie Roux;compta@roux.example;"
        f"{(today - timedelta(days=40)):{fmt}};{(today - timedelta(days=10)):{fmt}};"
        "2400,00\n"
        "F-2026-302;C31;Menuiserie Roux;compta@roux.example;hier;;90,00\n",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Courriel").fill(alice.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.get_by_role("link", name="Scénarios").click()
    page.get_by_role("link", name="Bon payeur").click()
    page.get_by_label("Validation à partir de (€, vide : jamais)").fill("1000")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator("[data-preview]")).to_contain_text("après validation")
    shot(page, "policy-editor")
    page.get_by_role("button", name="Enregistrer le scénario").click()
    expect(page.get_by_role("status")).to_contain_text("Enregistré")

    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Le fichier contient").select_option("invoices")
    page.get_by_label("Fichier", exact=True).set_input_files(str(csv))
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("[data-imported]")).to_have_text("1")
    rejected = page.locator("[data-rejected-rows] tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("hier")
    shot(page, "import")

    page.get_by_role("link", name="Tableau de bord").click()
    page.get_by_role("button", name="Lancer la relance du jour").click()
    expect(page.get_by_role("status")).to_contain_text("Relance du jour effectuée")
    expect(page.locator("[data-top]")).to_contain_text("Menuiserie Roux")
    shot(page, "dashboard-after-run")
    page.get_by_role("link", name="1 action à valider").click()
    expect(page.locator("main")).to_contain_text("F-2026-301")
    shot(page, "approvals")
    page.get_by_role("button", name="Valider").first.click()
    expect(page.get_by_role("status")).to_contain_text("Validé")

    reminder = OutboundMessage.objects.get(customer__ref="C31", channel="email")
    assert reminder.status == "queued"  # approved: it goes out in its window
    path = reminder.body_text.split(live_server.url, 1)[1].split()[0]
    debtor = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
    debtor.goto(f"{live_server.url}{path}")
    expect(debtor.get_by_role("cell", name="F-2026-301")).to_be_visible()
    promised = today + timedelta(days=6)
    debtor.get_by_label("Date de paiement").fill(promised.isoformat())
    debtor.get_by_role("button", name="Indiquer cette date").click()
    expect(debtor.get_by_role("status")).to_contain_text("nous avons noté la date")
    shot(debtor, "portal-promised")

    page.get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Menuiserie Roux").click()
    next_steps = page.locator("[data-next]")
    expect(next_steps).to_contain_text("Promesse de paiement")
    expect(next_steps).to_contain_text(f"{promised:%d/%m/%Y}")
    expect(page.locator("[data-holds]")).to_contain_text("Promesse de paiement")
    shot(page, "customer-paused")
    hold = Hold.objects.get(customer__ref="C31")
    assert hold.kind == "promised" and hold.until == promised
    later = run_dunning(acme, today + timedelta(days=3), dry_run=True)
    assert not [a for a in later["actions"] if a["customer"] == "C31"]

    page.get_by_role("link", name="Textes").click()
    page.get_by_role("link", name="FR").first.click()
    expect(page.locator("[data-body]")).to_contain_text("F-2026-301")
    shot(page, "wording-editor")


def test_bank_review_sums_the_invoices_ticked(
    live_server, transactional_db, browser, alice, acme
):
    """The review page's sum follows the boxes a collector ticks."""
    from datetime import date

    from django.core.management import call_command

    for n, total in ((1, "3000.00"), (2, "2500.00")):
        make_invoice(
            acme, f"BV-{n}", date(2026, 10, n), total, "BV", name="Boulangerie Vincent"
        )
    files = Path(__file__).resolve().parents[1] / "formats" / "files"
    path = str(files / "bank-bnp-paribas-no-header.csv")
    call_command("import", "bank", path, "--org", acme.slug)
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Courriel").fill(alice.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(f"{live_server.url}/bank/review/")
    total = page.locator("output[data-sum-for]")
    expect(total).to_have_text("5\u202f500,00\xa0€")
    page.get_by_label("BV-2", exact=False).uncheck()
    expect(total).to_have_text("3\u202f000,00\xa0€")
