"""Actions that wait for a person: approve, edit the message, or skip."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from relance.comms.models import MessageStatus, OutboundMessage
from relance.core.policy import MESSAGE_CHANNELS
from relance.timeline.services import record

from .models import Action, ActionStatus


def _waiting(action: Action) -> None:
    if action.status != ActionStatus.APPROVAL:
        raise ValidationError(
            f"action {action.pk} is not awaiting approval (status {action.status})"
        )


def approve(action: Action, *, actor: str) -> Action:
    """Release what waited for the approval: its message, letters included, goes
    from the outbox at its planned instant. Two approvals at once: one wins."""
    with transaction.atomic():
        action = (
            Action.objects.select_for_update().select_related("org").get(pk=action.pk)
        )
        _waiting(action)
        OutboundMessage.objects.filter(action=action, status=MessageStatus.HELD).update(
            status=MessageStatus.QUEUED, status_reason=""
        )
        if action.channel in MESSAGE_CHANNELS:
            action.status = ActionStatus.QUEUED
        else:
            action.status = ActionStatus.TODO
        action.save(update_fields=["status"])
        record(
            action.org,
            "action.approved",
            actor=actor,
            customer_id=action.customer_id,
            data={"action": action.pk, "step": action.step},
        )
    return action


@transaction.atomic
def skip(action: Action, *, actor: str, reason: str = "") -> Action:
    _waiting(action)
    OutboundMessage.objects.filter(action=action).update(
        status=MessageStatus.CANCELLED, status_reason=f"skipped: {reason}"[:300]
    )
    action.status = ActionStatus.CANCELLED
    action.save(update_fields=["status"])
    record(
        action.org,
        "action.skipped",
        actor=actor,
        customer_id=action.customer_id,
        data={"action": action.pk, "step": action.step, "reason": reason},
    )
    return action


@transaction.atomic
def edit_message(
    action: Action, *, subject: str, body: str, actor: str
) -> OutboundMessage:
    """Change the text of a message before it is approved."""
    _waiting(action)
    message = OutboundMessage.objects.get(action=action)
    if not subject.strip() or not body.strip():
        raise ValidationError("the subject and the body cannot be empty")
    message.subject, message.body_text = subject.strip(), body.rstrip() + "\n"
    message.save(update_fields=["subject", "body_text"])
    record(
        action.org,
        "message.edited",
        actor=actor,
        customer_id=action.customer_id,
        data={"action": action.pk, "subject": message.subject},
    )
    return message
