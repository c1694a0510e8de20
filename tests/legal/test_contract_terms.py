"""What is claimed follows the terms: the organisation's penalty rate, a
customer's own, a public buyer's regime, and invoices paid late in full. Each
figure is checked by hand in the test's docstring."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.timeline.models import Event
from tests.factories import make_invoice, pay
from tests.legal.test_documents import text_of_file


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def statement(day: str, customer: str = "T1") -> dict:
    return cmd("statement", "--org", "acme", "--customer", customer, "--date", day)


@pytest.fixture
def late(acme):
    """10,000 EUR due 10 January 2026, seen on 20 April 2026: 100 days late."""
    return make_invoice(acme, "F-T1", date(2026, 1, 10), "10000.00", customer_ref="T1")


def test_the_terms_of_sale_rate_is_claimed_and_a_customer_may_have_its_own(acme, late):
    """Statutory 12.15 %: 10000 x 12.15 % x 100/365 = 332.88. Terms of sale
    "three times the legal rate": 3 x 2.62 % = 7.86 %, 215.34. A customer's own
    12 %: 10000 x 12 % x 100/365 = 328.77."""
    assert statement("2026-04-20")["interest"] == "332.88"
    cmd("org", "set", "acme", "--penalty-rate", "3x")
    st = statement("2026-04-20")
    assert (st["interest"], st["indemnity"], st["total_due"]) == (
        "215.34",
        "40.00",
        "10255.34",
    )
    terms = cmd("terms", "--org", "acme", "--customer", "T1", "--penalty-rate", "12")
    assert terms["applied_rate"] == "12"
    assert statement("2026-04-20")["interest"] == "328.77"
    assert Event.objects.filter(org=acme, kind="customer.terms_changed").exists()
    cmd("terms", "--org", "acme", "--customer", "T1", "--penalty-rate", "")
    assert statement("2026-04-20")["interest"] == "215.34"


def test_a_rate_that_is_not_one_is_refused(acme, late):
    with pytest.raises(CommandError, match="taux contractuel de pénalités"):
        cmd("org", "set", "acme", "--penalty-rate", "trois fois")
    with pytest.raises(CommandError, match="taux contractuel de pénalités"):
        cmd("terms", "--org", "acme", "--customer", "T1", "--penalty-rate", "-2")


def test_a_public_buyer_owes_ecb_plus_8_and_the_40_euros(acme, late):
    """R2192-31: ECB 2.15 % on 1 January 2026 + 8 = 10.15 %, kept for the whole
    delay: 10000 x 10.15 % x 100/365 = 278.08, and 40 EUR (D2192-35). The terms
    of sale do not apply to it."""
    cmd("org", "set", "acme", "--penalty-rate", "3x")
    assert cmd("terms", "--org", "acme", "--customer", "T1", "--kind", "public")[
        "kind"
    ] == ("public")
    st = statement("2026-04-20")
    assert (st["interest"], st["indemnity"]) == ("278.08", "40.00")


def test_invoices_paid_late_in_full_are_claimed_when_the_org_chooses(acme, late):
    """5,000 EUR due 31 March 2026, paid 15 May (45 days): 5000 x 12.15 % x 45/365
    = 74.90 and 40 EUR; the invoice paid on time is not listed."""
    slow = make_invoice(acme, "F-T2", date(2026, 3, 31), "5000.00", customer_ref="T2")
    pay(acme, slow, "5000.00", date(2026, 5, 15))
    prompt = make_invoice(acme, "F-T3", date(2026, 3, 31), "2000.00", customer_ref="T2")
    pay(acme, prompt, "2000.00", date(2026, 3, 30))
    assert statement("2026-12-04", "T2")["invoices"] == []
    cmd("org", "set", "acme", "--claim-late-paid", "yes")
    st = statement("2026-12-04", "T2")
    assert [
        (i["number"], i["principal"], i["interest"], i["indemnity"], i["paid_late"])
        for i in st["invoices"]
    ] == [("F-T2", "0.00", "74.90", "40.00", True)]
    assert st["total_due"] == "114.90"


def test_a_formal_notice_claims_what_a_late_payment_left(
    acme, late, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "documents"
    slow = make_invoice(acme, "F-T2", date(2026, 3, 31), "5000.00", customer_ref="T2")
    pay(acme, slow, "5000.00", date(2026, 5, 15))
    args = ("letter", "formal_notice", "--org", "acme", "--customer", "T2")
    with pytest.raises(CommandError, match="nothing is overdue"):
        cmd(*args, "--date", "2026-12-04")
    cmd("org", "set", "acme", "--claim-late-paid", "yes")
    data = cmd(*args, "--date", "2026-12-04")
    assert (data["invoices"], data["total_due"]) == (["F-T2"], "114.90")
    text = text_of_file(data["file"])
    assert "F-T2 (réglée en retard)" in text and "114,90" in text
