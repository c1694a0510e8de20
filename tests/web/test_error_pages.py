"""Error pages speak the user's language in relance's look: a bad value, a
refused page, an expired form, a missing page and a server error were Django's
bare English pages ("Bad Request (400)")."""

import html

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation


def french(client, member):
    client.force_login(member)
    client.cookies["django_language"] = "fr"
    return client


def test_a_value_that_cannot_be_read_gets_a_french_400_page(client, members, books):
    page = french(client, members["admin"]).post(reverse("switch_org"), {"org": "abc"})
    assert page.status_code == 400
    text = page.content.decode()
    assert '<html lang="fr">' in text
    assert "Cette demande n'a pas pu être lue" in text
    assert "Bad Request" not in text


def test_a_missing_page_gets_a_french_404_page(client, members):
    page = french(client, members["collector"]).get("/nulle-part/")
    assert page.status_code == 404
    assert "Page introuvable" in page.content.decode()
    assert "Not Found" not in page.content.decode()


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_a_french_403_page():
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "fr"
    page = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert page.status_code == 403
    text = page.content.decode()
    assert "Ce formulaire a expiré" in text
    assert "DEBUG" not in text and "Forbidden" not in text


@pytest.mark.parametrize(
    ("template", "title"),
    [
        ("400.html", "Cette demande n'a pas pu être lue"),
        ("403.html", "Accès refusé"),
        ("404.html", "Page introuvable"),
        ("500.html", "Une erreur est survenue"),
    ],
)
def test_each_error_page_renders_without_a_request(db, template, title):
    """Django renders the 400 and 500 pages with no request context."""
    with translation.override("fr"):
        text = render_to_string(template)
    assert title in text and '<html lang="fr">' in text


def test_a_sample_typed_wrong_keeps_the_policy_being_edited(client, members, books):
    """The preview's own amount field takes typing: 'abc' there answers the page
    again with what was typed and the reason, not a bare error page."""
    page = french(client, members["admin"]).post(
        reverse("policy", args=["chronic"]),
        {"action": "preview", "min_amount": "123,45", "sample_amount": "abc"},
    )
    assert page.status_code == 400
    text = html.unescape(page.content.decode())
    assert 'value="123,45"' in text
    assert "L'exemple de facture n'est pas lisible" in text
