"""Holds: disputes, promises to pay, pauses, blocks and declared payments. Each is a
record with who, when and why, and every change is on the timeline."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.timeline.services import record

from .models import Hold, HoldKind

NEEDS_INVOICE = {HoldKind.DISPUTE}
NEEDS_END = {HoldKind.PROMISE, HoldKind.PAUSE}
CUSTOMER_ONLY = {HoldKind.BLOCK}


@transaction.atomic
def add_hold(
    org,
    kind: str,
    customer,
    *,
    invoice=None,
    until: date | None = None,
    reason: str = "",
    actor: str,
) -> Hold:
    if kind not in HoldKind.values:
        raise ValidationError(
            f"kind must be one of {', '.join(HoldKind.values)}, got {kind!r}"
        )
    kind = HoldKind(kind)
    if customer.org_id != org.pk or (invoice is not None and invoice.org_id != org.pk):
        raise ValidationError("customer and invoice must belong to the organisation")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise ValidationError(f"invoice {invoice.number} is not {customer.ref}'s")
    # Said to people in the web app as on the command line: in their language.
    if kind in NEEDS_INVOICE and invoice is None:
        raise ValidationError(
            _("%(kind)s: this is about one invoice; say which.") % {"kind": kind.label}
        )
    if kind in CUSTOMER_ONLY and invoice is not None:
        raise ValidationError(
            _("%(kind)s: this applies to the whole customer, not to one invoice.")
            % {"kind": kind.label}
        )
    if kind in NEEDS_END and until is None:
        raise ValidationError(
            _("%(kind)s: this needs an end date.") % {"kind": kind.label}
        )
    hold = Hold.objects.create(
        org=org,
        customer=customer,
        invoice=invoice,
        kind=kind,
        until=until,
        reason=reason,
        created_by=actor,
    )
    record(
        org,
        "hold.added",
        actor=actor,
        customer_id=customer.pk,
        invoice_id=invoice.pk if invoice else None,
        data={"hold": hold.pk, "kind": kind, "until": until, "reason": reason},
    )
    return hold


@transaction.atomic
def end_hold(hold: Hold, *, actor: str, reason: str = "") -> Hold:
    if hold.ended_at is not None:
        raise ValidationError(
            f"hold {hold.pk} already ended on {hold.ended_at:%Y-%m-%d}"
        )
    hold.ended_at, hold.ended_by, hold.end_reason = timezone.now(), actor, reason[:300]
    hold.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        hold.org,
        "hold.ended",
        actor=actor,
        customer_id=hold.customer_id,
        invoice_id=hold.invoice_id,
        data={"hold": hold.pk, "kind": hold.kind, "reason": reason},
    )
    return hold


def settle_expired_promises(org, today: date, actor: str) -> None:
    """Close promises whose date has passed: kept if the invoice is paid, broken
    otherwise (the run that called this has already planned the next step)."""
    expired = Hold.objects.filter(
        org=org, kind=HoldKind.PROMISE, ended_at__isnull=True, until__lt=today
    ).select_related("invoice", "org")
    for hold in expired:
        kept = hold.invoice is not None and hold.invoice.is_paid
        end_hold(
            hold,
            actor=actor,
            reason=(
                "kept: paid"
                if kept
                else f"broken: not paid by {hold.until.isoformat()}"
            ),
        )
        record(
            org,
            "promise.kept" if kept else "promise.broken",
            actor=actor,
            customer_id=hold.customer_id,
            invoice_id=hold.invoice_id,
            data={"hold": hold.pk, "until": hold.until},
        )
