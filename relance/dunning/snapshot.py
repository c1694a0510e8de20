"""Load what the planner needs with a few set-based queries (no per-row ORM)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q, Sum

from relance import bulk
from relance.core.policy import CONTACT_CHANNELS, TEXT_CHANNELS, Policy
from relance.core.scoring import WINDOW_DAYS, PastInvoice, score
from relance.core.snapshot import (
    CustomerState,
    Hold,
    HoldKind,
    InstalmentState,
    InvoiceState,
    StepDone,
)
from relance.ledger.models import REMINDER_ROLES, Contact, Customer, Invoice, Payment
from relance.ledger.queries import reminder_emails

from .models import ActionInvoice, ActionStatus, PaymentPlan, PlanStatus
from .models import Hold as HoldRecord

INVOICE_FIELDS = (
    "id",
    "number",
    "customer_id",
    "due_date",
    "total",
    "amount_paid",
    "currency",
    "paid_on",
    "defects",
)


@dataclass(slots=True)
class Snapshot:
    invoices: list[InvoiceState]
    customers: dict[int, CustomerState]
    history: list[StepDone]
    holds: list[Hold]
    bank_data_stale: bool
    instalments: list[InstalmentState]
    # Codes of the defects of invoices in play that have any (core.compliance).
    defects: dict[int, list[str]]


def load(org, policies: dict[str, Policy], today: date) -> Snapshot:
    invoices, past, defects = _invoices(org, policies, today)
    plan_holds, instalments = _plans(org)
    return Snapshot(
        invoices=invoices,
        customers=_customers(
            org,
            today,
            past,
            texts=any(
                s.channel in TEXT_CHANNELS for p in policies.values() for s in p.steps
            ),
        ),
        history=_history(org, today, policies),
        holds=_holds(org) + plan_holds,
        bank_data_stale=_bank_data_stale(org, today),
        instalments=instalments,
        defects=defects,
    )


def _invoices(org, policies: dict[str, Policy], today: date):
    """The invoices in play (open and due soon enough for a first step, or paid
    recently enough to be thanked), each customer's invoices due in the last
    year for the payment-behaviour score, and the defects of the invoices in
    play: one pass over the ledger for all three."""
    latest_due = today - timedelta(
        days=min(s.offset_days for p in policies.values() for s in p.steps)
    )
    thanks_from = today - timedelta(
        days=max(p.thank_you_within_days for p in policies.values())
    )
    since = today - timedelta(days=WINDOW_DAYS)
    # In the order the planner works in (core.planner.LISTED): customer by
    # customer, as their messages list the invoices. It costs the database no
    # more than the model's own order.
    rows = (
        Invoice.objects.filter(org=org)
        .filter(
            Q(amount_paid__lt=F("total"), due_date__lte=latest_due)
            | Q(paid_on__gte=thanks_from, paid_on__lte=today)
            | Q(due_date__gte=since, due_date__lt=today)
        )
        .order_by("customer_id", "due_date", "number")
    )
    amount = bulk.amount()
    invoices: list[InvoiceState] = []
    past: dict[int, list[PastInvoice]] = defaultdict(list)
    defects: dict[int, list[str]] = {}
    for i, n, c, due, total, paid, cur, paid_on, flaws in bulk.rows(
        rows.values_list(*INVOICE_FIELDS)
    ):
        if since <= due < today:
            past[c].append(PastInvoice(due, paid_on))
        open_amount = amount(total) - amount(paid) if paid else amount(total)
        if (open_amount > 0 and due <= latest_due) or (
            paid_on is not None and thanks_from <= paid_on <= today
        ):
            invoices.append(InvoiceState(i, n, c, due, open_amount, cur, paid_on))
            if flaws != "[]":  # JSON text, as the driver gives it
                defects[i] = [d["code"] for d in json.loads(flaws)]
    return invoices, past, defects


def customer_holds(org, customer_id: int, today: date):
    """What stops reminders to one customer now, as the run reads it: its holds
    and plans, its bank payments not yet matched, and whether the bank data is
    stale; with its instalments, for the outbox's re-check before sending."""
    plan_holds, instalments = _plans(org, customer_id)
    return (
        _holds(org, customer_id) + plan_holds,
        instalments,
        _bank_data_stale(org, today),
    )


def _plans(org, customer_id=None) -> tuple[list[Hold], list[InstalmentState]]:
    from .plans import balances

    plans = PaymentPlan.objects.filter(org=org, status=PlanStatus.ACTIVE)
    if customer_id is not None:
        plans = plans.filter(customer_id=customer_id)
    holds, instalments = [], []
    for plan in plans.select_related("invoice").prefetch_related("instalments"):
        holds.append(Hold(HoldKind.PLAN, plan.customer_id, plan.invoice_id))
        instalments += [
            InstalmentState(
                plan.invoice_id,
                plan.customer_id,
                inst.number,
                inst.due_date,
                open_,
                plan.invoice.currency,
            )
            for inst, open_ in balances(plan, plan.invoice.amount_paid)
        ]
    return holds, instalments


def _customers(org, today: date, past, texts: bool) -> dict[int, CustomerState]:
    """`past`: each customer's invoices of the last year (see _invoices);
    `texts`: some policy sends SMS or WhatsApp, so mobile numbers matter."""
    with_email = set(reminder_emails(org=org).values_list("customer_id", flat=True))
    with_mobile = (
        set(
            Contact.objects.filter(org=org, role__in=REMINDER_ROLES)
            .exclude(mobile="")
            .values_list("customer_id", flat=True)
        )
        if texts
        else set()
    )
    out = {}
    for cid, ref, key in Customer.objects.filter(org=org).values_list(
        "id", "ref", "key_account"
    ):
        s = score(past.get(cid, ()), today, key_account=key)
        out[cid] = CustomerState(
            cid, ref, cid in with_email, s.segment, s.reason, cid in with_mobile
        )
    return out


def _history(org, today: date, policies: dict[str, Policy]) -> list[StepDone]:
    """Every step of the invoices still in play (open, or paid recently enough to
    be thanked), and the other recent contacts that the gap rules need. Paid
    invoices' old steps are never read again, so runs do not slow down with age."""
    thanks = max(p.thank_you_within_days for p in policies.values())
    gap = max(p.min_gap_days for p in policies.values())
    links = ActionInvoice.objects.filter(action__org=org).filter(
        Q(invoice__amount_paid__lt=F("invoice__total"))
        | Q(invoice__paid_on__gte=today - timedelta(days=thanks))
        | Q(run_date__gte=today - timedelta(days=gap))
    )
    zone = ZoneInfo(org.timezone)
    days: dict = {}  # a run's actions share a few send instants

    def lands(at) -> date:
        """The local day of a send instant, as the driver gives it (SQLite: a
        naive UTC datetime, or its text)."""
        if at not in days:
            instant = datetime.fromisoformat(at) if isinstance(at, str) else at
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)
            days[at] = instant.astimezone(zone).date()
        return days[at]

    return [
        StepDone(
            inv,
            step,
            on,
            cid,
            channel,
            channel in CONTACT_CHANNELS and status != ActionStatus.CANCELLED,
            lands(at),
        )
        for inv, step, on, cid, channel, status, at in bulk.rows(
            links.values_list(
                "invoice_id",
                "step",
                "run_date",
                "action__customer_id",
                "action__channel",
                "action__status",
                "action__scheduled_at",
            )
        )
    ]


def _holds(org, customer_id=None) -> list[Hold]:
    one = {} if customer_id is None else {"customer_id": customer_id}
    holds = [
        Hold(HoldKind(kind), cid, inv, until)
        for kind, cid, inv, until in HoldRecord.objects.filter(
            org=org, ended_at__isnull=True, **one
        ).values_list("kind", "customer_id", "invoice_id", "until")
    ]
    # A bank payment not yet matched to invoices may be this customer's money.
    unmatched = (
        Payment.objects.filter(org=org, source="bank", customer__isnull=False, **one)
        .annotate(allocated=Sum("allocations__amount"))
        .values_list("customer_id", "amount", "allocated")
    )
    holds += [
        Hold(HoldKind.PAYMENT_PENDING, cid)
        for cid, amount, allocated in unmatched
        if (allocated or 0) < amount
    ]
    return holds


def _bank_data_stale(org, today: date) -> bool:
    if org.bank_max_age_days is None:
        return False
    if org.bank_data_as_of is None:
        return True
    return (today - org.bank_data_as_of).days > org.bank_max_age_days
