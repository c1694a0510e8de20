"""The demo's firm and lifecycle: the organisation is one of three clients of a
firm its login works for, and five of its overdue invoices have a status."""

from datetime import timedelta

from relance.dunning.models import Hold
from relance.einvoicing.models import InvoiceStatus
from relance.firms.demo import build
from relance.firms.services import portfolio
from relance.orgs.models import org_today
from tests.factories import make_invoice


def test_the_demo_firm_and_statuses(acme, alice):
    today = org_today(acme)
    for n in range(6):
        make_invoice(
            acme, f"F-{n}", today - timedelta(days=10 + n), customer_ref=f"C{n}"
        )
    result = build(acme, alice.username, today)
    assert [s["outcome"] for s in result["statuses"]] == ["applied"] * 5
    again = build(acme, alice.username, today)  # the firm rebuilt, statuses kept once
    assert [s["outcome"] for s in again["statuses"]] == ["duplicates"] * 5
    assert result["clients"] == ["acme", "demo-boulangerie", "demo-garage"]
    assert {r.org.slug for r in portfolio(alice)} == set(result["clients"])
    codes = set(InvoiceStatus.objects.filter(org=acme).values_list("code", flat=True))
    assert codes == {"207", "210", "205", "211", "208"}
    assert Hold.objects.filter(org=acme, ended_at__isnull=True).count() == 4
