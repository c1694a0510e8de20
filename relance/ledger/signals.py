"""What the ledger announces to the apps above it, which it never imports: the
dunning app connects its reactions in DunningConfig.ready() (as pretix's
order_paid and paperless's ready() wiring do), so the seam is listed in one
place and greppable."""

from __future__ import annotations

from datetime import date

from django.dispatch import Signal

# Invoices just paid in full, whatever told us (bank line, review, imported
# file, manual entry, API): org, invoice_ids, actor, today (None: the org's).
invoices_paid = Signal()


def announce_paid(org, invoice_ids, actor: str, today: date | None = None) -> None:
    """Tell the apps above that these invoices are now paid, inside the caller's
    transaction: what they do about it (cancel the waiting reminders, plan the
    thank-you) commits or rolls back with the payment."""
    invoices_paid.send(
        sender="ledger", org=org, invoice_ids=invoice_ids, actor=actor, today=today
    )
