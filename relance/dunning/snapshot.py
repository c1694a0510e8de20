"""Load what the planner needs with a few set-based queries (no per-row ORM)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F

from relance.core.policy import Policy
from relance.core.snapshot import CustomerState, InvoiceState, StepDone
from relance.ledger.models import REMINDER_ROLES, Contact, Customer, Invoice

from .models import ActionInvoice


def load(org, policy: Policy, today: date):
    horizon = today - timedelta(days=min(s.offset_days for s in policy.steps))
    recent = today - timedelta(days=policy.thank_you_within_days)
    base = Invoice.objects.filter(org=org)
    rows = [
        *base.filter(amount_paid__lt=F("total"), due_date__lte=horizon).values_list(
            "id",
            "number",
            "customer_id",
            "due_date",
            "total",
            "amount_paid",
            "currency",
            "paid_on",
        ),
        *base.filter(paid_on__gte=recent, paid_on__lte=today).values_list(
            "id",
            "number",
            "customer_id",
            "due_date",
            "total",
            "amount_paid",
            "currency",
            "paid_on",
        ),
    ]
    invoices = [
        InvoiceState(i, n, c, d, total - paid, cur, paid_on)
        for i, n, c, d, total, paid, cur, paid_on in rows
    ]
    with_email = set(
        Contact.objects.filter(org=org, role__in=REMINDER_ROLES)
        .exclude(email="")
        .values_list("customer_id", flat=True)
    )
    customers = {
        cid: CustomerState(cid, ref, cid in with_email)
        for cid, ref in Customer.objects.filter(org=org).values_list("id", "ref")
    }
    history = [
        StepDone(i, s, d)
        for i, s, d in ActionInvoice.objects.filter(action__org=org).values_list(
            "invoice_id", "step", "run_date"
        )
    ]
    return invoices, customers, history
