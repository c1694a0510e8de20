"""Writing back to a customer who committed to pay: a promise (made on the phone,
in a reply or on the portal) or a payment plan is confirmed by email, with the
date or the instalments, so both sides hold the same record. The message goes
through the outbox like any other (stored first, sent once)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from email.utils import make_msgid

from relance.core.money import Money, format_money
from relance.ledger.queries import open_invoices, reminder_emails

from .addresses import sender, sender_domain
from .models import OutboundMessage
from .render import LOCALES, long_date, render_step, supported
from .wording import custom_templates


def confirm_promise(
    holds, today: date, amount: Decimal | None = None
) -> OutboundMessage | None:
    """Confirm the promise the `holds` record (one per invoice, or one for the
    whole customer). None when the customer has no address to write to."""
    if not holds:
        return None
    first = holds[0]
    customer = first.customer
    if any(h.invoice_id is None for h in holds):
        invoices = list(open_invoices(first.org).filter(customer=customer))
    else:
        invoices = [h.invoice for h in holds]
    if not invoices:
        return None
    lang = supported(customer.language)
    extra = promise_context(first.until, amount, invoices[0].currency, lang)
    return _queue(first.org, customer, "promise_confirmation", invoices, today, extra)


def confirm_plan(plan, today: date) -> OutboundMessage | None:
    """Confirm a payment plan's instalments to the customer."""
    invoice = plan.invoice
    schedule = [(i.number, i.due_date, i.amount) for i in plan.instalments.all()]
    lang = supported(plan.customer.language)
    extra = plan_context(schedule, invoice.currency, lang)
    return _queue(plan.org, plan.customer, "plan_confirmation", [invoice], today, extra)


def promise_context(until: date, amount, currency: str, lang: str) -> dict:
    locale = LOCALES[lang]
    return {
        "promise": {
            "date": long_date(until, locale),
            "amount": format_money(Money(amount, currency), locale) if amount else "",
        }
    }


def plan_context(schedule: list[tuple[int, date, Decimal]], currency, lang) -> dict:
    """`schedule`: (number, due date, amount) of each instalment."""
    locale = LOCALES[lang]

    def fmt(value: Decimal) -> str:
        return format_money(Money(value, currency), locale)

    return {
        "plan": {
            "count": len(schedule),
            "total": fmt(sum((a for _, _, a in schedule), Decimal("0"))),
            "instalments": [
                {"number": n, "due_date": long_date(d, locale), "amount": fmt(a)}
                for n, d, a in schedule
            ],
        }
    }


def _queue(org, customer, name, invoices, today, extra) -> OutboundMessage | None:
    contacts = list(
        reminder_emails(customer=customer)
        .order_by("role", "id")
        .values("email", "name")
    )
    if not contacts:
        return None
    invoices = sorted(invoices, key=lambda i: i.due_date)
    rendered = render_step(
        name,
        org,
        customer,
        invoices,
        today,
        wording=custom_templates(org),
        extra=extra,
        contact=contacts[0],
    )
    return OutboundMessage.objects.create(
        org=org,
        customer=customer,
        language=rendered.language,
        from_address=sender(org),
        reply_to=org.sender_email,
        to_addresses=[c["email"] for c in contacts],
        subject=rendered.subject,
        body_text=rendered.body_text,
        message_id=make_msgid("relance", domain=sender_domain(org)),
    )
