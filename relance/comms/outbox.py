"""Preparing the outbox: every action without a message becomes one, rendered
and stored before anything is sent, in the same transaction as the actions.
Letters (registered letter, formal notice) are messages too: the PDF is written
and kept when the letter is prepared, dated the business day it is released on,
and the sender hands it to the letter provider once, at that instant, after the
same re-check as an email."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from relance.core.calendar import BusinessCalendar, local_instant
from relance.core.policy import TEXT_CHANNELS
from relance.dunning.models import Action, ActionInvoice, ActionStatus
from relance.dunning.policies import step_lookup
from relance.ledger.models import REMINDER_ROLES, Contact, Customer, Invoice
from relance.ledger.queries import reminder_emails
from relance.timeline.services import record

from .addresses import sender, sender_domain
from .compose import attachments_for
from .models import MessageStatus, OutboundMessage
from .render import render_step, render_text
from .wording import RENDER_FAILURES, custom_templates

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


def queue_messages(org, actions: list[Action]) -> list[OutboundMessage]:
    """Render the message of each action (an email, or a text to a mobile) into
    the outbox, in the same transaction as the actions, so a run never leaves an
    action without its message."""
    if not actions:
        return []
    ids = [a.pk for a in actions]
    invoice_ids = defaultdict(list)
    for action_id, invoice_id in ActionInvoice.objects.filter(
        action_id__in=ids
    ).values_list("action_id", "invoice_id"):
        invoice_ids[action_id].append(invoice_id)
    invoices = Invoice.objects.in_bulk([i for v in invoice_ids.values() for i in v])
    customers = Customer.objects.select_related("account_owner").in_bulk(
        {a.customer_id for a in actions}
    )
    emails = defaultdict(list)
    first_contact = {}
    for cid, email, name in (
        reminder_emails(customer_id__in=list(customers))
        .order_by("role", "id")
        .values_list("customer_id", "email", "name")
    ):
        emails[cid].append(email)
        first_contact.setdefault(cid, {"name": name, "email": email})
    mobiles = _mobiles({a.customer_id for a in actions if a.channel in TEXT_CHANNELS})
    domain = sender_domain(org)
    owners = _owner_emails(customers.values())
    step_of = step_lookup(org)
    wording = custom_templates(org)
    messages = []
    for action in actions:
        invs = sorted(
            (invoices[i] for i in invoice_ids[action.pk]), key=lambda i: i.due_date
        )
        customer = customers[action.customer_id]
        try:
            if action.channel in TEXT_CHANNELS:
                messages.append(
                    _text(org, action, customer, invs, mobiles, domain, wording)
                )
                continue
            rendered = render_step(
                action.template,
                org,
                customer,
                invs,
                landing_day(org, action),
                instalment=_instalment(action, invs[0]) if action.instalment else None,
                wording=wording,
                contact=first_contact.get(customer.pk),
            )
        except RENDER_FAILURES as exc:
            _not_written(org, action, exc)
            continue
        messages.append(
            OutboundMessage(
                org=org,
                action=action,
                customer=customer,
                language=rendered.language,
                from_address=sender(org),
                reply_to=org.sender_email,
                to_addresses=emails[customer.pk],
                cc_addresses=_owner_cc(step_of, action, owners.get(customer.pk)),
                subject=rendered.subject,
                body_text=rendered.body_text,
                message_id=make_msgid("relance", domain=domain),
                attachments=attachments_for(action.step, invs),
                not_before=action.scheduled_at,
                **approval_hold(action),
            )
        )
    return OutboundMessage.objects.bulk_create(messages, batch_size=1000)


def _not_written(org, action, exc: Exception) -> None:
    """An organisation's wording that fails or costs too much for this customer
    stops this message only: its action goes back to a person with the reason,
    in the organisation's language, and the batch goes on."""
    with translation.override(org.language):
        reason = gettext("message not written: the wording %(name)s %(problem)s") % {
            "name": action.template,
            "problem": exc,
        }
    Action.objects.filter(pk=action.pk).update(
        status=ActionStatus.TODO, reason=reason[:500]
    )
    record(
        org,
        "message.not_written",
        actor="outbox",
        customer_id=action.customer_id,
        data={"action": action.pk, "template": action.template, "reason": reason},
    )


def _mobiles(customer_ids: set[int]) -> dict[int, str]:
    """The number a customer's texts go to: its first reminder contact's."""
    out: dict[int, str] = {}
    for cid, mobile in (
        Contact.objects.filter(customer_id__in=customer_ids, role__in=REMINDER_ROLES)
        .exclude(mobile="")
        .order_by("role", "id")
        .values_list("customer_id", "mobile")
    ):
        out.setdefault(cid, mobile)
    return out


def _text(org, action, customer, invoices, mobiles, domain, wording) -> OutboundMessage:
    rendered = render_text(
        action.template,
        action.channel,
        org,
        customer,
        invoices,
        landing_day(org, action),
        wording=wording,
    )
    mobile = mobiles.get(customer.pk)
    return OutboundMessage(
        org=org,
        action=action,
        customer=customer,
        channel=action.channel,
        language=rendered.language,
        from_address=org.name,
        to_addresses=[mobile] if mobile else [],
        subject=rendered.subject,
        body_text=rendered.body_text,
        message_id=make_msgid("relance", domain=domain),
        not_before=action.scheduled_at,
        **approval_hold(action),
    )


def _instalment(action, invoice):
    """The instalment an action chases, what is still owed on it, and the count."""
    from relance.dunning.models import PaymentPlan
    from relance.dunning.plans import balances

    plan = PaymentPlan.objects.filter(invoice=invoice).order_by("-created_at").first()
    rows = balances(plan, invoice.amount_paid)
    for inst, open_amount in rows:
        if inst.number == action.instalment:
            return inst, open_amount, len(rows)
    raise LookupError(f"no instalment {action.instalment} for invoice {invoice.number}")


def _owner_emails(customers) -> dict[int, str]:
    return {
        c.pk: c.account_owner.email
        for c in customers
        if c.account_owner_id and c.account_owner.email
    }


def _owner_cc(step_of, action, owner_email: str | None) -> list[str]:
    if not owner_email:  # most customers: no need to look the step up
        return []
    step = step_of(action)
    return [owner_email] if step and step.involve_owner else []


def queue_owner_notices(org, actions: list[Action]) -> list[OutboundMessage]:
    """Tell the account owner (sales, project lead) that a customer of theirs is
    about to be called, with what is overdue: they may know why, or help."""
    step_of = step_lookup(org)
    wording = custom_templates(org)
    customers = Customer.objects.select_related("account_owner").in_bulk(
        {a.customer_id for a in actions}
    )
    owners = _owner_emails(customers.values())
    messages = []
    for action in actions:
        owner = owners.get(action.customer_id)
        step = step_of(action)
        if not owner or not step or not step.involve_owner:
            continue
        customer = customers[action.customer_id]
        invs = sorted(action.invoices.all(), key=lambda i: i.due_date)
        try:
            rendered = render_step(
                "owner_call",
                org,
                customer,
                invs,
                landing_day(org, action),
                lang=org.language,
                wording=wording,
            )
        except RENDER_FAILURES:  # the call itself stays to do, for a person
            log.warning(
                "owner notice of action %s not written", action.pk, exc_info=True
            )
            continue
        messages.append(
            internal_message(
                org,
                customer,
                [owner],
                rendered,
                action=action,
                not_before=action.scheduled_at,
            )
        )
    return OutboundMessage.objects.bulk_create(messages, batch_size=1000)


def internal_message(
    org, customer, to: list[str], rendered, action=None, not_before=None
) -> OutboundMessage:
    """A message to people of the organisation about a customer (not saved)."""
    return OutboundMessage(
        org=org,
        action=action,
        customer=customer,
        channel="internal",
        language=rendered.language,
        from_address=sender(org),
        reply_to=org.sender_email,
        to_addresses=to,
        subject=rendered.subject,
        body_text=rendered.body_text,
        message_id=make_msgid("relance", domain=sender_domain(org)),
        not_before=not_before,
    )
