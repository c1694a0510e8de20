"""Why an invoice may not be chased now: one rule, applied by the planner when it
plans a step and by the outbox again right before the step's message goes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from .snapshot import Hold, HoldKind

BANK_DATA_STALE = "bank_data_stale"


def active_holds(holds: Iterable[Hold], today: date):
    """Holds in force by invoice and by customer, and invoices whose promise broke."""
    by_invoice: dict[int, HoldKind] = {}
    by_customer: dict[int, HoldKind] = {}
    broken: set[int] = set()
    for hold in holds:
        if hold.until is not None and hold.until < today:
            if hold.kind is HoldKind.PROMISE and hold.invoice_id is not None:
                broken.add(hold.invoice_id)
            continue
        target = by_invoice if hold.invoice_id is not None else by_customer
        key = hold.invoice_id if hold.invoice_id is not None else hold.customer_id
        target.setdefault(key, hold.kind)
    return by_invoice, by_customer, broken


def hold_reason(
    invoice_id: int | None,
    customer_id: int,
    on_invoice: Mapping[int, HoldKind],
    on_customer: Mapping[int, HoldKind],
    bank_data_stale: bool,
) -> str | None:
    """The reason an open invoice (None: an instalment, whose invoice is on its
    plan) of this customer must not be chased, or None."""
    hold = (on_invoice.get(invoice_id) if invoice_id is not None else None) or (
        on_customer.get(customer_id)
    )
    if hold is not None:
        return str(hold)
    return BANK_DATA_STALE if bank_data_stale else None
