"""What the person making a reminder call needs on one page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from relance.ledger.models import ContactRole
from relance.timeline.models import Event

from .models import Action

# Above this open total (or this many open invoices) call accounts payable, not
# the billing contact: larger customers pay through a department.
LARGE_OPEN_TOTAL = Decimal("10000")
LARGE_OPEN_COUNT = 5
PAYMENT_EXPECTED_DAYS = 8
CONTACT_KINDS = (
    "message.sent",
    "letter.submitted",
    "hold.added",
    "hold.ended",
    "promise.broken",
    "promise.kept",
)


def call_sheet(action: Action) -> dict:
    customer = action.customer
    invoices = sorted(action.invoices.all(), key=lambda i: i.due_date)
    open_all = [i for i in customer.invoices.all() if not i.is_paid]
    total_open = sum((i.total - i.amount_paid for i in open_all), Decimal("0"))
    large = total_open >= LARGE_OPEN_TOTAL or len(open_all) >= LARGE_OPEN_COUNT
    wanted = ContactRole.ACCOUNTS_PAYABLE if large else ContactRole.BILLING
    contacts = list(customer.contacts.all())
    ranked = sorted(contacts, key=lambda c: (c.role != wanted, not c.phone))
    events = Event.objects.filter(
        org=action.org, customer_id=customer.pk, kind__in=CONTACT_KINDS
    ).order_by("-seq")[:6]
    return {
        "customer": customer,
        "large": large,
        "who": ranked[0] if ranked else None,
        "contacts": ranked,
        "invoices": [
            {
                "invoice": i,
                "open": i.total - i.amount_paid,
                "days_late": (action.run_date - i.due_date).days,
            }
            for i in invoices
        ],
        "total_open": total_open,
        "expected_by": action.run_date + timedelta(days=PAYMENT_EXPECTED_DAYS),
        "last_contacts": list(events),
    }
