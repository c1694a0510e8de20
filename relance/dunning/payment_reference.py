"""The RF reference a reminder carries (relance.core.creditor_reference) and the
invoices it names, so a bank line quoting it pays exactly those."""

from __future__ import annotations

from relance.core.creditor_reference import for_reminder, reminders_in

from .models import ActionInvoice


def reference(action) -> str:
    return for_reminder(action.pk)


def reminded_invoices(org, text: str) -> tuple[int, ...]:
    """The invoices of the organisation's reminders named in a bank line's text."""
    reminders = reminders_in(text)
    if not reminders:
        return ()
    return tuple(
        ActionInvoice.objects.filter(action__org=org, action_id__in=reminders)
        .values_list("invoice_id", flat=True)
        .distinct()
    )
