"""Acting on what the platforms say about an invoice: each status is matched to
the invoice by number, seller and date, written on its timeline, and turned into
what a credit manager would do (stop, hold, wait, record the payment) through
the holds, tasks and payments the rest of relance already keeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import Hold, HoldKind, Task, TaskKind
from relance.formats import cdar
from relance.ledger.manual import record_payment
from relance.ledger.models import Allocation, Invoice
from relance.ledger.services import import_limits
from relance.orgs.models import org_today
from relance.timeline.services import record

from .models import Code, Direction, InvoiceStatus, StatusMessage

ACTOR = "platform"
CENT = Decimal("0.01")
# How long a suspended invoice, or a payment the buyer says is on its way,
# holds reminders when nothing more is heard.
SUSPENSION_DAYS = 60
PAYMENT_SENT_DAYS = 10
STOP = {Code.REFUSED, Code.REJECTED}
APPROVED = {Code.APPROVED, Code.PARTLY_APPROVED}


def import_statuses(org, data: bytes, actor: str = ACTOR) -> dict:
    """Read a file of lifecycle messages and act on each status in it."""
    result = cdar.read_cdar(data, import_limits())
    summary = {
        "applied": [],
        "duplicates": [],
        "unmatched": [],
        "errors": [{"row": e.row, "reason": e.message(_)} for e in result.errors],
    }
    for status in result.records:
        outcome, detail = apply_status(org, status, actor)
        summary[outcome].append(detail)
    return summary


def apply_status(org, status: cdar.Status, actor: str = ACTOR) -> tuple[str, dict]:
    """('applied' | 'duplicates' | 'unmatched', what happened)."""
    detail = {
        "invoice": status.invoice_number,
        "code": status.code,
        "message": status.message_id,
    }
    invoice, problem = _match(org, status)
    if invoice is None:
        return "unmatched", {**detail, "reason": problem}
    try:
        with transaction.atomic():
            message = StatusMessage.objects.create(
                org=org,
                invoice=invoice,
                direction=Direction.RECEIVED,
                message_id=status.message_id,
                invoice_number=status.invoice_number,
                code=status.code,
                issued_at=status.issued_at,
                reason_code=status.reason_code[:100],
                reason=status.reason,
                amount=status.amount,
            )
            record(
                org,
                "einvoicing.status",
                actor=actor,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
                data={
                    "invoice": invoice.number,
                    "code": status.code,
                    "status": cdar.STATUSES[status.code],
                    "message": status.message_id,
                    "reason": status.reason,
                    "amount": status.amount,
                },
            )
            _latest(org, invoice, status)
            _act(org, invoice, status, message, actor)
    except IntegrityError:
        return "duplicates", detail
    return "applied", detail


def _match(org, status: cdar.Status) -> tuple[Invoice | None, str]:
    invoice = (
        Invoice.objects.filter(org=org, number=status.invoice_number)
        .select_related("customer")
        .first()
    )
    if invoice is None:
        return None, _("No invoice numbered %(n)s.") % {"n": status.invoice_number}
    if status.seller_id and org.siren and status.seller_id != org.siren:
        return None, _("The seller %(s)s is not this organisation.") % {
            "s": status.seller_id
        }
    if status.invoice_date and status.invoice_date != invoice.issue_date:
        return None, _("Dated %(d)s, but invoice %(n)s is dated %(i)s.") % {
            "d": status.invoice_date.isoformat(),
            "n": invoice.number,
            "i": invoice.issue_date.isoformat(),
        }
    return invoice, ""


def _latest(org, invoice, status: cdar.Status) -> None:
    """Keep the newest status; a file read late does not turn it back."""
    at = status.issued_at or timezone.now()
    current = InvoiceStatus.objects.filter(invoice=invoice).first()
    if current is None:
        current = InvoiceStatus(org=org, invoice=invoice, code=status.code, at=at)
    elif current.at > at:
        if status.code in APPROVED and current.approved_on is None:
            current.approved_on = at.date()
            current.save(update_fields=["approved_on"])
        return
    current.code, current.at = status.code, at
    current.message_id, current.reason = status.message_id, status.reason
    if status.code in APPROVED and current.approved_on is None:
        current.approved_on = at.date()
    current.save()


# The hold a status puts on its invoice, and for how many days (None: until ended).
HOLD_FOR = {
    Code.DISPUTED: (HoldKind.DISPUTE, None),
    Code.SUSPENDED: (HoldKind.PAUSE, SUSPENSION_DAYS),
    Code.PAYMENT_SENT: (HoldKind.PAYMENT_PENDING, PAYMENT_SENT_DAYS),
}


def _act(org, invoice, status: cdar.Status, message, actor: str) -> None:
    day = status.issued_at.date() if status.issued_at else org_today(org)
    code = Code(status.code)
    reason = _reason(status)
    if code in STOP:
        message.hold = add_hold(
            org,
            HoldKind.DISPUTE,
            invoice.customer,
            invoice=invoice,
            reason=reason,
            actor=actor,
        )
        Task.objects.create(
            org=org,
            customer=invoice.customer,
            kind=TaskKind.INVOICE_REFUSED,
            summary=(
                (
                    _("The customer refused invoice %(n)s: %(r)s")
                    if code == Code.REFUSED
                    else _("The platform rejected invoice %(n)s: %(r)s")
                )
                % {"n": invoice.number, "r": reason}
            )[:300],
            data={"invoice": invoice.pk, "code": status.code},
        )
    elif code in HOLD_FOR:
        kind, days = HOLD_FOR[code]
        message.hold = add_hold(
            org,
            kind,
            invoice.customer,
            invoice=invoice,
            until=day + timedelta(days=days) if days else None,
            reason=reason,
            actor=actor,
        )
    elif code == Code.COMPLETED:
        _lift(org, invoice, HoldKind.PAUSE, actor, status)
    elif code == Code.PAID and not invoice.is_paid:
        _paid(org, invoice, status, day, actor)
    if message.hold_id:
        message.save(update_fields=["hold"])


def _reason(status: cdar.Status) -> str:
    """The platform's reason and reference, as a hold or a task shows it."""
    label = cdar.STATUSES[status.code]
    said = status.reason or status.reason_code or label
    return f"{said} ({label}, {status.message_id})"[:300]


def _lift(org, invoice, kind: str, actor: str, status: cdar.Status) -> None:
    """End the holds earlier statuses put on the invoice."""
    held = Hold.objects.filter(
        org=org,
        invoice=invoice,
        kind=kind,
        ended_at__isnull=True,
        pk__in=StatusMessage.objects.filter(org=org, invoice=invoice).values("hold"),
    )
    for hold in held:
        end_hold(hold, actor=actor, reason=_reason(status))


def _paid(org, invoice, status: cdar.Status, day: date, actor: str) -> None:
    still_open = invoice.total - invoice.amount_paid
    amount = status.amount if status.amount and status.amount < still_open else None
    try:
        record_payment(
            org,
            invoice,
            actor,
            received_on=min(day, org_today(org)),
            amount=amount,
            reference=f"{cdar.STATUSES[cdar.PAID]} {status.message_id}",
        )
    except ValidationError:  # paid meanwhile: the status stays on the timeline
        return
    _lift(org, invoice, HoldKind.PAYMENT_PENDING, actor, status)


def paid_since(org, since: date) -> list[cdar.Paid]:
    """Each invoice's payments received since a day, as the platform is told."""
    rows = (
        Allocation.objects.filter(
            invoice__org=org, payment__received_on__gte=since, amount__gt=0
        )
        .values("invoice__number", "invoice__issue_date", "invoice__currency")
        .annotate(amount=Sum("amount"), last=Max("payment__received_on"))
        .order_by("last", "invoice__number")
    )
    return [
        cdar.Paid(
            r["invoice__number"],
            r["invoice__issue_date"],
            Decimal(r["amount"]).quantize(CENT),
            r["invoice__currency"],
            r["last"],
        )
        for r in rows
    ]


def export_paid(org, since: date, at: datetime | None = None) -> tuple[bytes, list]:
    """The 'encaissée' message for the payments since a day, each kept as
    written, so the timeline says what the platform was told."""
    at = at or timezone.now()
    paid = paid_since(org, since)
    message_id = f"relance-{org.slug}-212-{at:%Y%m%d%H%M%S}"
    data = cdar.write_paid(
        paid,
        message_id=message_id,
        seller_siren=org.siren,
        seller_name=org.name,
        at=at,
    )
    invoices = dict(
        Invoice.objects.filter(
            org=org, number__in=[p.invoice_number for p in paid]
        ).values_list("number", "pk")
    )
    with transaction.atomic():
        for p in paid:
            StatusMessage.objects.get_or_create(
                org=org,
                direction=Direction.WRITTEN,
                message_id=message_id,
                invoice_number=p.invoice_number,
                code=cdar.PAID,
                defaults={
                    "invoice_id": invoices.get(p.invoice_number),
                    "issued_at": at,
                    "amount": p.amount,
                },
            )
        record(
            org,
            "einvoicing.paid_written",
            actor="relance",
            data={"message": message_id, "invoices": [p.invoice_number for p in paid]},
        )
    return data, paid
