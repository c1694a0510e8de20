"""A firm with three clients (Acme and two more) and Fiona, its staff member:
administrator at Acme, collector at Bistro, read-only at Cabinet; a fourth
client she has no role in, and Other Co, no client of the firm."""

from datetime import timedelta

import pytest

from relance.dunning.models import Action, ActionStatus
from relance.dunning.services import run_dunning
from relance.orgs.models import org_today
from tests.conftest import PASSWORD
from tests.factories import make_invoice


@pytest.fixture
def firm(acme, other):
    from django.contrib.auth import get_user_model

    from relance.firms import services
    from relance.firms.models import Firm
    from relance.orgs.services import create_organisation

    firm = Firm.objects.create(slug="expert", name="Expert & Associés")
    bistro = create_organisation("bistro", "Bistro du Port", iban="")
    cabinet = create_organisation("cabinet", "Cabinet Durand")
    outsider = create_organisation("outsider", "Hors Portefeuille")
    fiona = get_user_model().objects.create_user(
        "fiona@expert.example", "fiona@expert.example", PASSWORD
    )
    for org, role in ((acme, "admin"), (bistro, "collector"), (cabinet, "read_only")):
        services.add_client(firm, org, actor="test")
        services.add_staff(firm, fiona, org, role, actor="test")
    services.add_client(firm, outsider, on_behalf=False, actor="test")
    today = org_today(acme)
    for n, org in enumerate((acme, bistro, cabinet, outsider, other)):
        make_invoice(org, f"F-{org.slug}", today - timedelta(days=20), f"{n + 1}00.00")
        run_dunning(org, today)
    Action.objects.update(status=ActionStatus.APPROVAL)
    return {
        "firm": firm,
        "fiona": fiona,
        "orgs": {o.slug: o for o in (acme, bistro, cabinet, outsider, other)},
    }
