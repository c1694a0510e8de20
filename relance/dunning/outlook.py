"""One customer as the engine sees it: its payment score and segment, the
policy that follows, and for each open invoice the next step and when, unless a
hold or a payment plan stops it. For the customer page: the team knows what
relance will do before it does it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from relance.core.calendar import BusinessCalendar
from relance.core.forecast import Upcoming, forecast
from relance.core.scoring import RECENT, PastInvoice, Score, score

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
    holds: list[Hold]  # not ended, in force or not (an expired promise shows)
    plans: list[PaymentPlan]

    @property
    def little_history(self) -> bool:
        """Too few invoices to judge: the customer gets the benefit of the doubt."""
        return self.score.invoices < RECENT and self.score.segment != "key_account"


def customer_outlook(org, customer, invoices, today: date) -> Outlook:
    """From the customer's invoices the page has already read; the holds not
    ended and the active plans it reads come back with the outlook, for the page
    to list."""
    sc = score(  # score() keeps the invoices that fell due in its window
        [PastInvoice(i.due_date, i.paid_on) for i in invoices],
        today,
        key_account=customer.key_account,
    )
    policies = policies_for(org)
    policy = policies.get(sc.segment, policies["default"])
    open_ = sorted(
        (i for i in invoices if not i.is_paid), key=lambda i: (i.due_date, i.number)
    )
    done: dict[int, dict[str, date]] = defaultdict(dict)
    for invoice_id, step, on in ActionInvoice.objects.filter(
        invoice__in=open_
    ).values_list("invoice_id", "step", "run_date"):
        done[invoice_id][step] = on
    holds = list(
        Hold.objects.filter(
            org=org, customer=customer, ended_at__isnull=True
        ).select_related("invoice")
    )
    in_force = [h for h in holds if h.until is None or h.until >= today]
    on_customer = next((h for h in in_force if h.invoice_id is None), None)
    on_invoice = {h.invoice_id: h for h in in_force if h.invoice_id is not None}
    plans = list(
        PaymentPlan.objects.filter(org=org, customer=customer, status=PlanStatus.ACTIVE)
        .select_related("invoice")
        .prefetch_related("instalments")
    )
    planned = {p.invoice_id: p for p in plans}
    calendar = BusinessCalendar(org.country)
    rows = []
    for inv in open_:
        upcoming = None
        if not (on_customer or inv.pk in on_invoice or inv.pk in planned):
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
            InvoiceOutlook(inv, upcoming, on_invoice.get(inv.pk), planned.get(inv.pk))
        )
    return Outlook(sc, policy.name, rows, on_customer, holds, plans)
