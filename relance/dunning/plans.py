"""Payment plans (échéanciers): an open invoice paid in agreed instalments. While a
plan runs, its instalments are chased instead of the invoice; a plan ends when the
invoice is paid, or breaks when an instalment stays unpaid too long."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from relance.core.policy import INSTALMENT_BREAK_DAYS
from relance.timeline.services import record

from .models import Instalment, PaymentPlan, PlanStatus

MAX_INSTALMENTS = 12


def balances(
    plan: PaymentPlan, amount_paid: Decimal
) -> list[tuple[Instalment, Decimal]]:
    """What is still owed on each instalment: payments since the plan settle the
    instalments in order."""
    paid = amount_paid - plan.paid_before
    out, cumulative = [], Decimal("0")
    for inst in plan.instalments.all():
        cumulative += inst.amount
        out.append((inst, max(Decimal("0"), min(inst.amount, cumulative - paid))))
    return out


@transaction.atomic
def create_plan(
    org, invoice, schedule: list[tuple[date, Decimal]], *, actor: str, reason: str = ""
) -> PaymentPlan:
    open_amount = invoice.total - invoice.amount_paid
    if invoice.org_id != org.pk:
        raise ValidationError("the invoice belongs to another organisation")
    if open_amount <= 0:
        raise ValidationError(f"invoice {invoice.number} is already paid")
    if PaymentPlan.objects.filter(invoice=invoice, status=PlanStatus.ACTIVE).exists():
        raise ValidationError(f"invoice {invoice.number} already has a payment plan")
    if not 2 <= len(schedule) <= MAX_INSTALMENTS:
        raise ValidationError(
            f"a plan has 2 to {MAX_INSTALMENTS} instalments, got {len(schedule)}"
        )
    days = [d for d, _ in schedule]
    if days != sorted(set(days)):
        raise ValidationError("instalment dates must strictly increase")
    if any(amount <= 0 for _, amount in schedule):
        raise ValidationError("every instalment must be a positive amount")
    total = sum((amount for _, amount in schedule), Decimal("0"))
    if total != open_amount:
        raise ValidationError(
            f"the instalments add up to {total:.2f}, "
            f"the invoice has {open_amount:.2f} open"
        )
    plan = PaymentPlan.objects.create(
        org=org,
        customer=invoice.customer,
        invoice=invoice,
        paid_before=invoice.amount_paid,
        reason=reason,
        created_by=actor,
    )
    Instalment.objects.bulk_create(
        [
            Instalment(plan=plan, number=n, due_date=d, amount=a)
            for n, (d, a) in enumerate(schedule, 1)
        ]
    )
    record(
        org,
        "plan.created",
        actor=actor,
        customer_id=invoice.customer_id,
        invoice_id=invoice.pk,
        data={
            "plan": plan.pk,
            "reason": reason,
            "instalments": [{"due": d, "amount": a} for d, a in schedule],
        },
    )
    return plan


def monthly_schedule(open_amount: Decimal, count: int, first: date) -> list[tuple]:
    """Equal monthly instalments from `first`, the cents left over on the last."""
    if not 2 <= count <= MAX_INSTALMENTS:
        raise ValidationError(
            f"a plan has 2 to {MAX_INSTALMENTS} instalments, got {count}"
        )
    share = (open_amount / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    amounts = [share] * (count - 1) + [open_amount - share * (count - 1)]
    return [(_months_after(first, n), a) for n, a in enumerate(amounts)]


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def cancel_plan(plan: PaymentPlan, *, actor: str, reason: str = "") -> PaymentPlan:
    """The creditor ends a plan by hand: the invoice is chased again as usual."""
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(f"this payment plan is already {plan.status}")
    plan.status, plan.ended_at = PlanStatus.CANCELLED, timezone.now()
    plan.save(update_fields=["status", "ended_at"])
    record(
        plan.org,
        "plan.cancelled",
        actor=actor,
        customer_id=plan.customer_id,
        invoice_id=plan.invoice_id,
        data={"plan": plan.pk, "reason": reason},
    )
    return plan


def settle_plans(org, today: date, actor: str) -> None:
    """Complete plans whose invoice is paid; break those with an instalment unpaid
    `INSTALMENT_BREAK_DAYS` after its date (the invoice is then chased again)."""
    overdue_before = today - timedelta(days=INSTALMENT_BREAK_DAYS)
    active = (
        PaymentPlan.objects.filter(org=org, status=PlanStatus.ACTIVE)
        .select_related("invoice")
        .prefetch_related("instalments")
    )
    for plan in active:
        if plan.invoice.is_paid:
            status, kind = PlanStatus.COMPLETED, "plan.completed"
        elif any(
            open_ > 0 and inst.due_date < overdue_before
            for inst, open_ in balances(plan, plan.invoice.amount_paid)
        ):
            status, kind = PlanStatus.BROKEN, "plan.broken"
        else:
            continue
        plan.status, plan.ended_at = status, timezone.now()
        plan.save(update_fields=["status", "ended_at"])
        record(
            org,
            kind,
            actor=actor,
            customer_id=plan.customer_id,
            invoice_id=plan.invoice_id,
            data={"plan": plan.pk},
        )
