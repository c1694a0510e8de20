"""One customer as the engine sees it: its payment score and segment, the
policy that follows, and for each open invoice the next step and when, unless a
hold or a payment plan stops it. For the customer page: the team knows what
relance will do before it does it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from relance.core.calendar import BusinessCalendar
from relance.core.forecast import Upcoming, forecast
from relance.core.scoring import RECENT, WINDOW_DAYS, PastInvoice, Score, score

from .models import ActionInvoice, Hold, PaymentPlan, PlanStatus
from .policies import policies_for


@dataclass(frozen=True)
class InvoiceOutlook:
    invoice: object
    next: Upcoming | None
    hold: Hold | None
    plan: PaymentPlan | None


@dataclass(frozen=True)
class Outlook:
    score: Score
    policy: str
    invoices: list[InvoiceOutlook]
    customer_hold: Hold | None

    @property
    def little_history(self) -> bool:
        """Too few invoices to judge: the customer gets the benefit of the doubt."""
        return self.score.invoices < RECENT and self.score.segment != "key_account"


def customer_outlook(org, customer, today: date) -> Outlook:
    past = customer.invoices.filter(
        due_date__gte=today - timedelta(days=WINDOW_DAYS), due_date__lt=today
    ).values_list("due_date", "paid_on")
    sc = score(
        [PastInvoice(d, p) for d, p in past], today, key_account=customer.key_account
    )
    policies = policies_for(org)
    policy = policies.get(sc.segment, policies["default"])
    open_ = [
        i for i in customer.invoices.order_by("due_date", "number") if not i.is_paid
    ]
    done: dict[int, dict[str, date]] = defaultdict(dict)
    for invoice_id, step, on in ActionInvoice.objects.filter(
        invoice__in=open_
    ).values_list("invoice_id", "step", "run_date"):
        done[invoice_id][step] = on
    holds = [
        h
        for h in Hold.objects.filter(org=org, customer=customer, ended_at__isnull=True)
        if h.until is None or h.until >= today
    ]
    on_customer = next((h for h in holds if h.invoice_id is None), None)
    on_invoice = {h.invoice_id: h for h in holds if h.invoice_id is not None}
    plans = {
        p.invoice_id: p
        for p in PaymentPlan.objects.filter(
            org=org, customer=customer, status=PlanStatus.ACTIVE
        )
    }
    calendar = BusinessCalendar(org.country)
    rows = []
    for inv in open_:
        upcoming = None
        if not (on_customer or inv.pk in on_invoice or inv.pk in plans):
            steps = forecast(
                policy,
                inv.due_date,
                inv.open_amount.amount,
                today,
                calendar,
                org.timezone,
                done[inv.pk],
            )
            upcoming = steps[0] if steps else None
        rows.append(
            InvoiceOutlook(inv, upcoming, on_invoice.get(inv.pk), plans.get(inv.pk))
        )
    return Outlook(sc, policy.name, rows, on_customer)
