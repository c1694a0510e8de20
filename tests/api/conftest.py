from datetime import timedelta

import pytest
from django.utils import timezone

from relance.api.tokens import issue
from relance.orgs.models import Membership, org_today
from relance.orgs.services import create_user
from tests.conftest import PASSWORD
from tests.factories import make_invoice


@pytest.fixture
def token_for():
    """A bearer header for a user's membership of an organisation."""

    def make(user, org):
        _, secret = issue(Membership.objects.get(user=user, org=org), "tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make


@pytest.fixture
def members(acme):
    """One user per role at Acme."""
    return {
        role: create_user(f"{role}@acme.example", acme, role, PASSWORD)
        for role in ("admin", "collector", "sales", "read_only")
    }


@pytest.fixture
def books(acme, members):
    """Two customers at Acme, the first owned by the sales member; an overdue
    invoice each, a paid one, and an action waiting for approval."""
    from relance.dunning.models import Action, ActionInvoice

    today = org_today(acme)
    owned = make_invoice(acme, "F-1", today - timedelta(days=20), customer_ref="C1")
    owned.customer.account_owner = members["sales"]
    owned.customer.save()
    other = make_invoice(acme, "F-2", today - timedelta(days=40), customer_ref="C2")
    make_invoice(acme, "F-3", today + timedelta(days=10), customer_ref="C2")
    action = Action.objects.create(
        org=acme,
        customer=other.customer,
        step="call_1",
        channel="phone",
        tone="firm",
        template="call",
        run_date=today,
        scheduled_at=timezone.now(),
        status="approval",
    )
    ActionInvoice.objects.create(
        action=action, invoice=other, step=action.step, run_date=today
    )
    return {"owned": owned, "other": other, "action": action}
