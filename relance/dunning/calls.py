"""What a phone call gave, recorded by the person who made it: each outcome
does what the credit manager would do next (a promise pauses the sequence
until its date, a dispute holds the invoices, a wrong number opens a task, no
answer leaves the call in the list for another try)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.comms.confirmations import confirm_promise
from relance.orgs.models import org_today
from relance.timeline.services import record

from .holds import add_hold
from .models import Action, ActionStatus, HoldKind, Task, TaskKind

OUTCOMES = {
    "reached": gettext_lazy("Reached, nothing promised"),
    "promise": gettext_lazy("Promise to pay"),
    "dispute": gettext_lazy("Dispute"),
    "wrong_contact": gettext_lazy("Wrong contact"),
    "no_answer": gettext_lazy("No answer"),
}


@transaction.atomic
def record_call(
    action: Action,
    outcome: str,
    *,
    actor: str,
    note: str = "",
    promised_on: date | None = None,
    amount: Decimal | None = None,
    confirm: bool = True,
) -> Action:
    if outcome not in OUTCOMES:
        raise ValidationError(
            f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}"
        )
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.channel != "phone":
        raise ValidationError(_("Only a call has an outcome."))
    if action.status != ActionStatus.TODO:
        raise ValidationError(_("This call was already recorded or cancelled."))
    if outcome == "promise" and promised_on is None:
        raise ValidationError(_("A promise needs the date it was made for."))
    open_invoices = [i for i in action.invoices.all() if not i.is_paid]
    reason = f"{OUTCOMES[outcome]} ({actor}){': ' + note if note else ''}"
    if outcome == "promise":
        hold = add_hold(
            action.org,
            HoldKind.PROMISE,
            action.customer,
            invoice=open_invoices[0] if len(open_invoices) == 1 else None,
            until=promised_on,
            reason=reason,
            actor=actor,
        )
        if confirm:  # the promise in writing, as the customer made it
            confirm_promise([hold], org_today(action.org), amount)
    elif outcome == "dispute":
        for invoice in open_invoices:
            add_hold(
                action.org,
                HoldKind.DISPUTE,
                action.customer,
                invoice=invoice,
                reason=reason,
                actor=actor,
            )
    elif outcome == "wrong_contact":
        Task.objects.create(
            org=action.org,
            customer=action.customer,
            kind=TaskKind.WRONG_CONTACT,
            summary=f"{action.customer.name}: {note or OUTCOMES[outcome]}"[:300],
            data={"action": action.pk},
        )
    # No answer: the call stays to do, for another try.
    if outcome != "no_answer":
        action.status = ActionStatus.DONE
    action.outcome = outcome
    action.save(update_fields=["status", "outcome"])
    record(
        action.org,
        f"call.{outcome}",
        actor=actor,
        customer_id=action.customer_id,
        data={
            "action": action.pk,
            "note": note,
            "promised_on": promised_on,
            "amount": amount,
            "invoices": [i.number for i in open_invoices],
        },
    )
    return action
