"""Read-side aggregates computed in the database (they must stay fast at 1M rows)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from relance.core.aging import BUCKETS

from .models import REMINDER_ROLES, Contact, Invoice, Payment
from .visibility import visible

COLLECTED_DAYS = 30
_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))


def reminder_emails(**filters):
    """The contacts reminders are written to: billing or accounts payable, with
    an email address the mail server has not refused (comms.addresses)."""
    return Contact.objects.filter(
        role__in=REMINDER_ROLES, email_failing="", **filters
    ).exclude(email="")


def open_invoices(org):
    return Invoice.objects.filter(org=org, amount_paid__lt=F("total")).annotate(
        open=F("total") - F("amount_paid")
    )


def _bucket_q(today: date, low: int | None, high: int | None) -> Q:
    q = Q()
    if low is not None:
        q &= Q(due_date__lte=today - timedelta(days=low))
    if high is not None:
        q &= Q(due_date__gte=today - timedelta(days=high))
    return q


def aging_totals(org, today: date, currency: str = "EUR", membership=None) -> dict:
    """Upcoming, overdue and collected totals plus aging buckets, one currency;
    only what `membership` may see when one is given (ledger.visibility)."""
    invoices, payments = open_invoices(org), Payment.objects.filter(org=org)
    if membership is not None:
        invoices, payments = (
            visible(invoices, membership),
            visible(payments, membership),
        )
    aggregates = {}
    for key, low, high in BUCKETS:
        q = _bucket_q(today, low, high)
        aggregates[f"{key}_amount"] = Coalesce(Sum("open", filter=q), _ZERO)
        aggregates[f"{key}_count"] = Count("id", filter=q)
    row = invoices.filter(currency=currency).aggregate(**aggregates)
    collected = payments.filter(
        currency=currency,
        received_on__gt=today - timedelta(days=COLLECTED_DAYS),
        received_on__lte=today,
    ).aggregate(amount=Coalesce(Sum("amount"), _ZERO), count=Count("id"))
    aging = {
        key: {"amount": _money(row[f"{key}_amount"]), "count": row[f"{key}_count"]}
        for key, _, _ in BUCKETS
    }
    overdue_keys = [k for k, _, _ in BUCKETS if k != "not_due"]
    overdue = sum((row[f"{k}_amount"] for k in overdue_keys), Decimal("0"))
    return {
        "currency": currency,
        "upcoming": aging["not_due"],
        "overdue": {
            "amount": _money(overdue),
            "count": sum(row[f"{k}_count"] for k in overdue_keys),
        },
        "collected_30d": {
            "amount": _money(collected["amount"]),
            "count": collected["count"],
        },
        "aging": aging,
    }


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))
