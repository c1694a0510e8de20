"""The rates page (administrators): the tables with their sources, a half-year
added there used by the next statement, fetched rates confirmed there; and the
dashboard's banner from 1 January and 1 July until the half-year's rates are in."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from relance.legal.documents import customer_statement
from relance.legal.models import RateEntry, RateKind
from tests.conftest import PASSWORD
from tests.factories import make_invoice

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_only_administrators_see_and_change_the_rates(client, members):
    for role in ("collector", "sales", "read_only"):
        login(client, members[role])
        assert client.get(reverse("rates")).status_code == 403
        post = {"action": "confirm_ecb", "until": "2026-12-01", "source": "x"}
        assert client.post(reverse("rates"), post).status_code == 403
    assert not RateEntry.objects.exists()
    login(client, members["admin"])
    page = client.get(reverse("rates"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ecb.mp260611~4d41bd5e83" in text and "2026 S1" in text
    assert "12,15 %" in text and "2,62 %" in text  # French first


def test_a_half_year_added_on_the_page_is_in_the_next_statement(client, members, acme):
    """1,000 EUR due 1 January 2027, seen on 1 February 2027: nothing counted
    until the ECB rate of 1 January 2027 is known; then 31 days at 2.65 + 10 =
    12.65 %: 1000 x 12.65 % x 31/365 = 10.74 EUR."""
    invoice = make_invoice(acme, "R-1", date(2027, 1, 1), "1000.00", customer_ref="R")
    st = customer_statement(acme, invoice.customer, date(2027, 2, 1))
    assert (st.interest, st.interest_until) == (0, date(2026, 12, 31))
    login(client, members["admin"])
    answer = client.post(
        reverse("rates"),
        {"action": "confirm_ecb", "until": "2027-02-04", "source": "ECB, 17 Dec 2026"},
    )
    assert answer.status_code == 302
    st = customer_statement(acme, invoice.customer, date(2027, 2, 1))
    assert st.interest == Decimal("10.74")
    entry = RateEntry.objects.get(kind=RateKind.ECB_CONFIRMED)
    assert entry.added_by == members["admin"].email


def test_a_rate_without_a_source_is_refused_and_nothing_kept(client, members):
    login(client, members["admin"])
    answer = client.post(
        reverse("rates"),
        {"action": "legal", "start": "2026-07-01", "individual": "6", "other": "2,5"},
        follow=True,
    )
    assert "chaque taux doit avoir sa source" in answer.content.decode()
    assert not RateEntry.objects.exists()
    junk = {"action": "ecb", "effective": "2026-13-01", "rate": "x", "source": "s"}
    assert client.post(reverse("rates"), junk).status_code == 400


def test_a_fetched_rate_is_confirmed_on_the_page(client, members):
    fetched = RateEntry.objects.create(
        kind=RateKind.ECB_CONFIRMED,
        day=date(2026, 12, 3),
        source="ECB Data Portal (test)",
        added_by="cli (fetch)",
        confirmed=False,
    )
    login(client, members["admin"])
    assert "en attente de confirmation" in client.get(reverse("rates")).content.decode()
    client.post(reverse("rates"), {"action": "confirm_fetched", "id": fetched.pk})
    fetched.refresh_from_db()
    assert fetched.confirmed and "confirmed by admin@acme.example" in fetched.added_by


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        ("2026-03-02T10:00:00+01:00", None),
        ("2026-12-04T10:00:00+01:00", "taux d'intérêt légal du semestre 2026 S2"),
        ("2027-01-04T10:00:00+01:00", "Le taux de la BCE et les taux d'intérêt"),
    ],
)
def test_the_dashboard_warns_administrators_until_the_rates_are_in(
    client, members, today, shown
):
    with time_machine.travel(today, tick=False):
        login(client, members["admin"])
        text = client.get(reverse("dashboard")).content.decode()
        assert ("data-rates-missing" in text) == bool(shown)
        if shown:
            assert shown in text
        login(client, members["collector"])
        assert (
            "data-rates-missing"
            not in client.get(reverse("dashboard")).content.decode()
        )
