"""The last look before a message goes: the holds the run planned with, read
again now through the same rule (relance.core.holds), and its invoices as they
are now. A message that no longer should go is cancelled, its reason on the
timeline, and its step freed so that the next run plans it again when it may."""

from __future__ import annotations

from datetime import date

from relance.core.holds import active_holds, hold_reason
from relance.core.policy import TEXT_CHANNELS, step_facts
from relance.dunning.snapshot import customer_holds
from relance.ledger.models import Contact, Payment

from .models import MessageStatus, OutboundMessage

PAYMENT_SINCE = "payment received since it was planned"


def recheck(msg: OutboundMessage, today: date) -> tuple[str, str] | None:
    """(status, reason) when the message must not go now, else None."""
    if not msg.to_addresses:
        if msg.channel in TEXT_CHANNELS:
            return MessageStatus.HELD, "no mobile number for this customer"
        return MessageStatus.HELD, "no email address for this customer"
    if msg.channel == "email" and _all_refused(msg):
        return MessageStatus.CANCELLED, "contact address refused"
    if msg.action_id is None:
        return None
    facts = step_facts(msg.action.step)
    if facts is not None and not facts.recheck:
        return None
    action = msg.action
    invoices = sorted(action.invoices.all(), key=lambda i: i.number)
    holds, instalments, stale = customer_holds(msg.org, msg.customer_id, today)
    on_invoice, on_customer, _ = active_holds(holds, today)
    if action.instalment:
        owed = {(i.invoice_id, i.number): i.open_amount for i in instalments}
        if not any(owed.get((i.pk, action.instalment), 0) > 0 for i in invoices):
            return MessageStatus.CANCELLED, "instalment paid"
        reason = hold_reason(None, msg.customer_id, on_invoice, on_customer, stale)
        return (MessageStatus.CANCELLED, reason) if reason else _payment_since(action)
    still_open = [i for i in invoices if not i.is_paid]
    if not still_open:
        return MessageStatus.CANCELLED, "paid"
    for inv in still_open:
        reason = hold_reason(inv.pk, msg.customer_id, on_invoice, on_customer, stale)
        if reason:
            return MessageStatus.CANCELLED, f"{reason}: {inv.number}"
    if len(still_open) != len(invoices):
        paid = ", ".join(i.number for i in invoices if i.is_paid)
        return MessageStatus.CANCELLED, f"changed since it was written: {paid} paid"
    return _payment_since(action)


def _payment_since(action) -> tuple[str, str] | None:
    """Money from the customer landed (bank, manual entry, API) after the run
    planned this: the next run plans again, knowing of it."""
    landed = Payment.objects.filter(
        org_id=action.org_id,
        customer_id=action.customer_id,
        created_at__gt=action.created_at,
    ).exists()
    return (MessageStatus.CANCELLED, PAYMENT_SINCE) if landed else None


def _all_refused(msg: OutboundMessage) -> bool:
    """Every address it goes to was refused for good since it was written."""
    refused = set(
        Contact.objects.filter(
            org_id=msg.org_id,
            customer_id=msg.customer_id,
            email__in=msg.to_addresses,
        )
        .exclude(email_failing="")
        .values_list("email", flat=True)
    )
    return bool(refused) and set(msg.to_addresses) <= refused
