"""Preparing the outbox. Letters (registered letter, formal notice) enter it as
any message: the PDF is written and kept when the letter is prepared, dated the
business day it is released on, and the sender hands it to the letter provider
once, at that instant, after the same re-check as an email."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from relance.core.calendar import BusinessCalendar, local_instant
from relance.dunning.models import Action, ActionStatus
from relance.timeline.services import record

from .addresses import sender_domain
from .models import MessageStatus, OutboundMessage

log = logging.getLogger(__name__)
AWAITING_APPROVAL = "awaiting approval"


def landing_day(org, action: Action) -> date:
    """The day an action reaches the customer: what its message says (the days
    late, the sums due) is as of that day, not the day it was planned."""
    return action.scheduled_at.astimezone(ZoneInfo(org.timezone)).date()


def letter_day(org, action: Action) -> date:
    """The business day a letter is dated and released on: its planned day, or
    the next business day after it."""
    day = landing_day(org, action)
    calendar = BusinessCalendar(org.country)
    while not (calendar.is_business_day(day) and day.weekday() < 5):
        day += timedelta(days=1)
    return day


def queue_letters(org, actions: list[Action], actor: str) -> list[OutboundMessage]:
    """Write each letter and queue it. A letter that cannot be written is
    recorded, never raised: the action stays to do, with the reason."""
    from relance.legal.documents import make_letter, party_for_customer

    queued = []
    for action in actions:
        customer = action.customer
        on = letter_day(org, action)
        try:
            with transaction.atomic():
                _, statement, path, digest = make_letter(
                    org, customer, action.step, on, actor, planned_on=action.run_date
                )
                document = str(path.relative_to(settings.MEDIA_ROOT))
                Action.objects.filter(pk=action.pk).update(document=document)
                recipient = party_for_customer(customer)
                queued.append(
                    OutboundMessage.objects.create(
                        org=org,
                        action=action,
                        customer=customer,
                        channel="letter",
                        language=customer.language or org.language,
                        from_address=org.name,
                        to_addresses=[
                            ", ".join([recipient.name, *recipient.address.split("\n")])
                        ],
                        subject=f"{action.step} {customer.ref} {on.isoformat()}",
                        body_text="",
                        message_id=make_msgid("relance", domain=sender_domain(org)),
                        attachments=[
                            {
                                "letter": document,
                                "on": on.isoformat(),
                                "sha256": digest,
                                "total_due": str(statement.total_due),
                            }
                        ],
                        not_before=_release(org, action, on),
                        **approval_hold(action),
                    )
                )
        except Exception as exc:  # the run is committed: report, do not crash it
            log.exception("letter for action %s failed", action.pk)
            letter_failed(org, action, exc, actor)
    return queued


def letter_failed(org, action: Action, exc: Exception, actor: str) -> None:
    Action.objects.filter(pk=action.pk).update(reason=f"letter failed: {exc}"[:300])
    record(
        org,
        "letter.failed",
        actor=actor,
        customer_id=action.customer_id,
        data={"action": action.pk, "step": action.step, "error": str(exc)},
    )


def _release(org, action: Action, on: date):
    planned = action.scheduled_at.astimezone(ZoneInfo(org.timezone))
    if planned.date() == on:
        return action.scheduled_at
    return local_instant(on, planned.time(), org.timezone)


def approval_hold(action: Action) -> dict:
    """A message waiting for a person's approval is kept, not sent."""
    if action.status == ActionStatus.APPROVAL:
        return {"status": MessageStatus.HELD, "status_reason": AWAITING_APPROVAL}
    return {}
