"""The dashboard's indicators beyond the aging: the overdue amount at each of
the last twelve month ends, days sales outstanding, and the customers who owe
the most overdue money. Each is one or two aggregate queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Min, Q, Sum

from .models import Allocation, Customer, Invoice
from .visibility import scope_key, visible

TREND_MONTHS = 12
DSO_DAYS = 90
TOP_CUSTOMERS = 10


def _ledger_state(org, membership) -> str:
    """Changes whenever anything is recorded for the organisation: the head of
    its hash chain (unique to it), so an entry is never read for another; and
    what the member sees, so a sales member never reads the whole figures."""
    return f"{org.pk}:{org.timeline_seq}:{org.timeline_head}:{scope_key(membership)}"


def _invoices(org, membership):
    invoices = Invoice.objects.filter(org=org)
    return invoices if membership is None else visible(invoices, membership)


def month_ends(today: date, months: int = TREND_MONTHS) -> list[date]:
    """The last day of each of the `months - 1` previous months, then today."""
    ends = [today]
    day = today.replace(day=1) - timedelta(days=1)
    while len(ends) < months:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def overdue_trend(
    org, today: date, currency: str = "EUR", membership=None
) -> list[dict]:
    """What was overdue at each month end: invoices issued by then and past due,
    less what had been received on them by then (by payment date). Past months
    do not move unless the ledger does, so the figures are kept until the
    organisation's timeline moves on (every ledger change records an event).
    Only what `membership` may see when one is given (ledger.visibility)."""
    key = f"overdue-trend:{_ledger_state(org, membership)}:{currency}:{today}"
    points = cache.get(key)
    if points is None:
        points = _overdue_trend(_invoices(org, membership), today, currency)
        cache.set(key, points, timeout=24 * 3600)
    return points


def _overdue_trend(invoices, today: date, currency: str) -> list[dict]:
    ends = month_ends(today)
    # An invoice fully paid before the first month end owes nothing at any point.
    invoices = invoices.filter(currency=currency, due_date__lt=today).filter(
        Q(paid_on__isnull=True) | Q(paid_on__gte=ends[0])
    )

    def at(day: date, prefix: str = "") -> Q:
        return Q(**{f"{prefix}due_date__lt": day, f"{prefix}issue_date__lte": day})

    owed = invoices.aggregate(
        **{f"d{i}": Sum("total", filter=at(day)) for i, day in enumerate(ends)}
    )
    received = Allocation.objects.filter(invoice__in=invoices).aggregate(
        **{
            f"d{i}": Sum(
                "amount",
                filter=at(day, "invoice__") & Q(payment__received_on__lte=day),
            )
            for i, day in enumerate(ends)
        }
    )
    return [
        {
            "day": day,
            "amount": (owed[f"d{i}"] or Decimal("0"))
            - (received[f"d{i}"] or Decimal("0")),
        }
        for i, day in enumerate(ends)
    ]


def days_sales_outstanding(
    org, today: date, receivables: Decimal, currency: str = "EUR", membership=None
) -> int | None:
    """Open receivables over what was invoiced in the last 90 days, in days of
    sales; None without sales in that period. What was invoiced is history, kept
    like the trend until the timeline moves on; the receivables are today's."""
    key = f"invoiced-90d:{_ledger_state(org, membership)}:{currency}:{today}"
    invoiced = cache.get(key)
    if invoiced is None:
        since = today - timedelta(days=DSO_DAYS)
        invoiced = _invoices(org, membership).filter(
            currency=currency,
            due_date__gt=since,  # issued after `since`, so due after it: indexed
            issue_date__gt=since,
            issue_date__lte=today,
        ).aggregate(total=Sum("total"))["total"] or Decimal("0")
        cache.set(key, invoiced, timeout=24 * 3600)
    if not invoiced:
        return None
    return round(receivables / invoiced * DSO_DAYS)


def top_overdue_customers(invoices, today: date, count: int = TOP_CUSTOMERS):
    """The customers owing the most overdue money among `invoices` (already
    scoped to what the member may see), with how many invoices and the oldest.
    Grouped by id alone, then named: no join over every open invoice."""
    rows = list(
        invoices.filter(due_date__lt=today)
        .values("customer_id", "currency")
        .annotate(
            amount=Sum(F("total") - F("amount_paid")),
            invoices=Count("id"),
            oldest=Min("due_date"),
        )
        .order_by("-amount", "customer_id")[:count]
    )
    names = dict(
        Customer.objects.filter(pk__in=[r["customer_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    return [{**r, "name": names[r["customer_id"]]} for r in rows]
