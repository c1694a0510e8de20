"""An organisation's own wording of its messages: kept per message and language,
checked before it is kept, rendered in a sandbox.

The sandbox is a Django template engine with no tag library to load, reading
only relance's message partials, and fed plain values (render.render_step): an
edited template can word the message and include the invoice lines, and cannot
reach a model, a setting or a file elsewhere."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.template import Engine, TemplateSyntaxError

from relance.ledger.models import Customer, Invoice
from relance.ledger.queries import open_invoices
from relance.orgs.models import org_today
from relance.timeline.services import record

from .models import MessageTemplate
from .render import LOCALES, render_step

TEMPLATES = Path(__file__).parent / "templates"
# The messages a customer (or an account owner) receives, by the step that sends
# them; the portal's notices to the team keep relance's wording.
EDITABLE = (
    "pre_reminder",
    "reminder_1",
    "reminder_2",
    "reminder_3",
    "thank_you",
    "instalment_due",
    "instalment_late",
    "instalment_final",
    "owner_call",
    "promise_confirmation",
    "plan_confirmation",
)
LANGUAGES = tuple(LOCALES)
SUBJECT_MAX = 300
BODY_MAX = 20_000


class WordingError(ValueError):
    """What is wrong with an edited template, and in which part."""

    def __init__(self, part: str, text: str):
        self.part = part
        super().__init__(f"{part}: {text}")


@lru_cache(maxsize=1)
def sandbox() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], libraries={}, autoescape=False)


def shipped(name: str, lang: str) -> tuple[str, str]:
    """relance's own subject and body sources, the starting point of an edit."""
    base = TEMPLATES / "comms" / "email" / lang
    return (
        (base / f"{name}-subject.txt").read_text(encoding="utf-8").strip(),
        (base / f"{name}-body.txt").read_text(encoding="utf-8"),
    )


def custom_templates(org) -> dict[tuple[str, str], tuple[str, str]]:
    """The organisation's wordings by (message, language), read once per batch."""
    return {
        (name, lang): (subject, body)
        for name, lang, subject, body in MessageTemplate.objects.filter(
            org=org
        ).values_list("name", "language", "subject", "body")
    }


def _check_names(name: str, lang: str) -> None:
    if name not in EDITABLE:
        raise WordingError("name", f"{name!r} is not one of {', '.join(EDITABLE)}")
    if lang not in LANGUAGES:
        raise WordingError("language", f"{lang!r} is not one of {LANGUAGES}")


def preview(org, name: str, lang: str, subject: str, body: str, today: date):
    """The message as a real customer of the organisation would get it (its
    oldest overdue invoice), or an invented one when there is none. Raises
    WordingError when the template does not compile or the subject is too long."""
    _check_names(name, lang)
    for part, text, limit in (
        ("subject", subject, SUBJECT_MAX),
        ("body", body, BODY_MAX),
    ):
        if "\x00" in text:
            raise WordingError(part, "contains a NUL character")
        if len(text) > limit:
            raise WordingError(part, f"is longer than {limit} characters")
        try:
            sandbox().from_string(text)
        except TemplateSyntaxError as exc:
            raise WordingError(part, str(exc)) from None
    customer, invoices = _sample(org, lang, today)
    try:
        rendered = render_step(
            name,
            org,
            customer,
            invoices,
            today,
            lang=lang,
            instalment=_sample_instalment(invoices[0])
            if "instalment" in name
            else None,
            wording={(name, lang): (subject, body)},
            extra=_sample_extra(name, invoices[0], lang, today),
            contact=_sample_contact(customer),
        )
    except TemplateSyntaxError as exc:  # an include of a partial that is not there
        raise WordingError("body", str(exc)) from None
    if not rendered.subject:
        raise WordingError("subject", "is empty once rendered")
    if len(rendered.subject) > SUBJECT_MAX:
        raise WordingError("subject", f"is longer than {SUBJECT_MAX} characters")
    return rendered


def _sample(org, lang: str, today: date):
    oldest = (
        open_invoices(org)
        .filter(due_date__lt=today)
        .select_related("customer")
        .order_by("due_date", "number")
        .first()
    )
    if oldest is not None:
        return oldest.customer, [oldest]
    customer = Customer(org=org, ref="EXEMPLE", name="Exemple SARL", language=lang)
    invoice = Invoice(
        org=org,
        customer=customer,
        number="F-EXEMPLE-1",
        issue_date=today - timedelta(days=45),
        due_date=today - timedelta(days=15),
        total=Decimal("1200.00"),
    )
    return customer, [invoice]


def _sample_instalment(invoice):
    from relance.dunning.models import Instalment

    amount = (invoice.open_amount.amount / 3).quantize(Decimal("0.01"))
    return Instalment(number=1, due_date=invoice.due_date, amount=amount), (
        invoice.open_amount.amount,
        3,
    )


def _sample_contact(customer) -> dict:
    contact = customer.contacts.order_by("role", "id").first() if customer.pk else None
    if contact is None:
        return {"name": "Claire Martin", "email": "compta@exemple.fr"}
    return {"name": contact.name, "email": contact.email}


def _sample_extra(name: str, invoice, lang: str, today: date) -> dict:
    """What a confirmation adds to the context, for an invented promise or plan."""
    from .confirmations import plan_context, promise_context

    open_amount = invoice.open_amount.amount
    if name == "promise_confirmation":
        return promise_context(today + timedelta(days=10), None, invoice.currency, lang)
    if name == "plan_confirmation":
        half = (open_amount / 2).quantize(Decimal("0.01"))
        schedule = [
            (1, today + timedelta(days=10), half),
            (2, today + timedelta(days=40), open_amount - half),
        ]
        return plan_context(schedule, invoice.currency, lang)
    return {}


@transaction.atomic
def save_wording(org, name: str, lang: str, subject: str, body: str, actor: str):
    """Keep the organisation's wording once it renders; the next messages use it."""
    rendered = preview(org, name, lang, subject, body, org_today(org))
    MessageTemplate.objects.update_or_create(
        org=org,
        name=name,
        language=lang,
        defaults={"subject": subject, "body": body, "updated_by": actor},
    )
    record(
        org,
        "template.saved",
        actor=actor,
        data={"name": name, "language": lang, "subject": subject, "body": body},
    )
    return rendered


@transaction.atomic
def reset_wording(org, name: str, lang: str, actor: str) -> None:
    """Back to relance's wording."""
    _check_names(name, lang)
    deleted, _ = MessageTemplate.objects.filter(
        org=org, name=name, language=lang
    ).delete()
    if deleted:
        record(
            org, "template.reset", actor=actor, data={"name": name, "language": lang}
        )
