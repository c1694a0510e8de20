"""Addresses the mail servers refuse: marked failing so that reminders stop going
nowhere, with a task for a person to find the right one."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from relance.dunning.models import Task, TaskKind
from relance.ledger.models import Contact
from relance.timeline.services import record


def sender(org) -> str:
    address = org.sender_email or settings.RELANCE_DEFAULT_FROM_EMAIL
    name = (org.sender_name or org.name).replace('"', "")
    return f'"{name}" <{address}>'


def sender_domain(org) -> str:
    return (org.sender_email or settings.RELANCE_DEFAULT_FROM_EMAIL).split("@")[-1]


@transaction.atomic
def mark_failing(org, addresses, reason: str, actor: str = "outbox") -> int:
    """Mark the organisation's contacts at `addresses` failing; one open task per
    customer. Returns how many contacts were newly marked."""
    wanted = {a.strip().lower() for a in addresses if a}
    contacts = list(
        Contact.objects.filter(org=org, email_failing="")
        .annotate(address=Lower("email"))
        .filter(address__in=wanted)
        .select_related("customer")
    )
    now = timezone.now()
    for contact in contacts:
        Contact.objects.filter(pk=contact.pk).update(
            email_failing=reason[:300], email_failing_since=now
        )
        record(
            org,
            "contact.failing",
            actor=actor,
            customer_id=contact.customer_id,
            data={"contact": contact.pk, "email": contact.email, "reason": reason},
        )
        if not Task.objects.filter(
            org=org,
            customer_id=contact.customer_id,
            kind=TaskKind.ADDRESS_FAILING,
            done_at__isnull=True,
        ).exists():
            Task.objects.create(
                org=org,
                customer_id=contact.customer_id,
                kind=TaskKind.ADDRESS_FAILING,
                summary=f"{contact.customer.name}: {contact.email} — {reason}"[:300],
                data={"contact": contact.pk, "email": contact.email},
            )
    return len(contacts)


def clear_failing(contact, actor: str) -> None:
    """The address was corrected or checked: reminders may use it again."""
    Contact.objects.filter(pk=contact.pk).update(
        email_failing="", email_failing_since=None
    )
    record(
        contact.org,
        "contact.fixed",
        actor=actor,
        customer_id=contact.customer_id,
        data={"contact": contact.pk, "email": contact.email},
    )
