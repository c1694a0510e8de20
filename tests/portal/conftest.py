"""The portal's personas: a late customer of Acme, and a neighbour."""

from datetime import timedelta

import pytest

from relance.orgs.models import org_today
from tests.factories import make_invoice


@pytest.fixture
def today(acme):
    return org_today(acme)


@pytest.fixture
def late(acme, alice, today):
    """A customer with two overdue invoices, and a second customer."""
    first = make_invoice(acme, "F-101", today - timedelta(days=20), total="900.00")
    make_invoice(acme, "F-102", today - timedelta(days=12), total="300.50")
    make_invoice(
        acme, "F-900", today - timedelta(days=20), customer_ref="C9", name="Voisin SA"
    )
    return first.customer
