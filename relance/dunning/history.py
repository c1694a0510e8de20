"""The steps each invoice has had, as the planner reads them back."""

from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Concat, Substr

from .models import ActionInvoice

STEP_LENGTH = 32  # ActionInvoice.step


def release_steps(action_id: int) -> None:
    """A step cancelled before it reached the customer does not count as done:
    its invoices' links are renamed out of the step (kept, for the action's own
    page), so the next run plans it again once nothing holds it back."""
    suffix = f"~{action_id}"
    ActionInvoice.objects.filter(action_id=action_id).exclude(
        step__endswith=suffix
    ).update(step=Concat(Substr("step", 1, STEP_LENGTH - len(suffix)), Value(suffix)))
