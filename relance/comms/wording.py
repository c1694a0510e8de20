"""An organisation's own wording of what it sends (the emails, the registered
letter and the formal notice, the SMS/WhatsApp texts): kept per message and
language, checked before it is kept, rendered in a sandbox.

The sandbox is a Django template engine with no tag library to load and no tag
that tells of the server, reading only relance's message partials, and fed
plain values (render.render_step, render.letter_context): an edited template can
word the message and include the invoice lines, and cannot reach a model, a
setting or a file elsewhere. Each message it renders is bounded work
(render_budget: time, loop turns, output, filter widths), so that one
organisation's wording cannot hold up another's. A letter's legal parts are not
in its wording: the wording places them (formats.letters_pdf.letter_blocks)."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.db import transaction
from django.template import (
    Engine,
    Library,
    Origin,
    Template,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import UNKNOWN_SOURCE
from django.utils.translation import gettext
from pypdf import PdfReader

from relance.core.sms import sms_parts
from relance.core.statement import InvoiceFacts, build_statement
from relance.formats.letters_pdf import LetterWordingError, letter_pdf
from relance.ledger.models import Customer, Invoice
from relance.ledger.queries import open_invoices
from relance.orgs.models import org_today
from relance.timeline.services import record

from .models import MessageTemplate
from .render import LOCALES, Rendered, render_step, render_text, text_wording
from .render_budget import TooCostly, bounded_filters, guard

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
LETTERS = ("registered_letter", "formal_notice")
TEXTS = tuple(
    text_wording(step)
    for step in ("pre_reminder", "reminder_1", "reminder_2", "reminder_3")
)
# The messages a customer (or an account owner) receives, by the step that sends
# them; the portal's notices to the team keep relance's wording.
EMAILS = (
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
EDITABLE = (*EMAILS, *LETTERS, *TEXTS)
LANGUAGES = tuple(LOCALES)
SUBJECT_MAX = 300
BODY_MAX = 20_000
TEXT_MAX_PARTS = 4  # a longer text costs more than it says


class WordingError(ValueError):
    """What is wrong with an edited template, and in which part."""

    def __init__(self, part: str, text: str):
        self.part = part
        super().__init__(f"{part}: {text}")


# What an organisation's wording may raise as it renders for one customer: too
# costly, a partial gone, a filter refusing this customer's value (ljust:"x",
# divisibleby:0, ...). A database error is not one of them.
RENDER_FAILURES = (
    TooCostly,
    TemplateSyntaxError,
    TemplateDoesNotExist,
    ValueError,
    TypeError,
    ArithmeticError,
)
INCLUDE_BY_VALUE = re.compile(r"\{%\s*(include|extends)\s+(?![\"'])")
# Built-in tags a message has no use for and that say something of the server:
# {% debug %} prints the loaded modules when RELANCE_DEBUG is on, {% url %} the
# application's routes; {% lorem 100000000 %} writes as much as it is told.
BLOCKED_TAGS = {"debug", "url", "lorem"}


@lru_cache(maxsize=1)
def sandbox() -> Engine:
    """The engine of edited templates: the built-in tags less BLOCKED_TAGS, the
    built-in filters bounded (render_budget)."""
    engine = Engine(dirs=[str(TEMPLATES)], libraries={}, autoescape=False)
    tags, filters = Library(), Library()
    tags.tags = {
        k: v for k, v in defaulttags.register.tags.items() if k not in BLOCKED_TAGS
    }
    filters.filters = bounded_filters(defaultfilters.register.filters)
    replaced = (defaulttags.register, defaultfilters.register)
    engine.template_builtins = [
        tags,
        filters,
        *(lib for lib in engine.template_builtins if lib not in replaced),
    ]
    return engine


@lru_cache(maxsize=512)
def compiled(source: str):
    """A template source compiled once: a day's run renders the same few
    wordings thousands of times."""
    # Named, so that an include by a relative path is refused as one.
    origin = Origin(UNKNOWN_SOURCE, template_name="wording.txt")
    template = Template(source, origin=origin, engine=sandbox())
    guard(template)
    return template


@lru_cache(maxsize=128)
def shipped(name: str, lang: str) -> tuple[str, str]:
    """relance's own subject and body sources, the starting point of an edit. A
    short text has no subject."""
    if name in TEXTS:
        step = name.removeprefix(text_wording(""))
        path = TEMPLATES / "comms" / "text" / lang / f"{step}.txt"
        return "", path.read_text(encoding="utf-8").strip()
    kind = "letter" if name in LETTERS else "email"
    base = TEMPLATES / "comms" / kind / lang
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
    oldest overdue invoice), or an invented one when there is none; a letter as
    the text of its PDF. Raises WordingError when the template does not compile,
    leaves out a fixed part of a letter, or comes out too long."""
    if name in LETTERS:
        return preview_letter(org, name, lang, subject, body, today)[0]
    _check(name, lang, subject, body)
    customer, invoices = _sample(org, lang, today)
    if name in TEXTS:
        return _preview_text(org, name, lang, body, customer, invoices, today)
    with _rendering():
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
    if not rendered.subject:
        raise WordingError("subject", "is empty once rendered")
    if len(rendered.subject) > SUBJECT_MAX:
        raise WordingError("subject", f"is longer than {SUBJECT_MAX} characters")
    return rendered


def preview_letter(org, name, lang, subject, body, today) -> tuple[Rendered, bytes]:
    """A registered letter or formal notice in this wording, to the customer with
    the oldest overdue invoice (or an invented one), dated today: the PDF, and
    its text for the page. Nothing is kept."""
    from relance.legal.documents import build_letter

    _check(name, lang, subject, body)
    customer, invoices = _sample(org, lang, today)
    statement, earlier = _sample_statement(org, customer, invoices, today)
    with _rendering():
        letter = build_letter(
            org,
            customer,
            name,
            today,
            statement,
            earlier,
            {(name, lang): (subject, body)},
            lang=lang,
        )
    if not letter.subject:
        raise WordingError("subject", "is empty once rendered")
    pdf = letter_pdf(letter)
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return Rendered(letter.subject, text, lang), pdf


def _preview_text(org, name, lang, body, customer, invoices, today) -> Rendered:
    step = name.removeprefix(text_wording(""))
    with _rendering():
        rendered = render_text(
            step,
            "sms",
            org,
            customer,
            invoices,
            today,
            wording={(name, lang): ("", body)},
        )
    if not rendered.body_text:
        raise WordingError("body", "is empty once rendered")
    if sms_parts(rendered.body_text) > TEXT_MAX_PARTS:
        raise WordingError(
            "body", f"takes more than {TEXT_MAX_PARTS} SMS for this customer"
        )
    return rendered


@contextmanager
def _rendering(part: str = "body"):
    """Whatever stops an edited template from rendering is reported as the
    template's problem, never as a server error: a partial that is not there, an
    include by a relative path, a missing part of a letter."""
    try:
        yield
    except TooCostly as exc:
        message = gettext("costs more than one message may: it %(problem)s")
        raise WordingError(part, message % {"problem": exc}) from None
    except LetterWordingError as exc:
        raise WordingError(part, str(exc)) from None
    except TemplateDoesNotExist as exc:
        raise WordingError(part, f"includes {exc}, which is not a partial") from None
    except TemplateSyntaxError as exc:
        raise WordingError(part, str(exc)) from None
    except Exception as exc:  # the template is the user's own text
        log.warning("an edited template failed to render", exc_info=True)
        raise WordingError(part, f"cannot be rendered: {exc}") from None


def _check(name: str, lang: str, subject: str, body: str) -> None:
    """The sources: known message, size, no NUL, and they compile."""
    _check_names(name, lang)
    for part, text, limit in (
        ("subject", subject, SUBJECT_MAX),
        ("body", body, BODY_MAX),
    ):
        if "\x00" in text:
            raise WordingError(part, "contains a NUL character")
        if len(text) > limit:
            raise WordingError(part, f"is longer than {limit} characters")
        # A partial named by a value could exist for the preview's customer and
        # not for another one, and stop their messages at send time.
        if INCLUDE_BY_VALUE.search(text):
            raise WordingError(part, "may include only a partial named in quotes")
        with _rendering(part):
            compiled(text)
    if name in TEXTS and subject:
        raise WordingError("subject", "a short text has no subject")


def _sample_statement(org, customer, invoices, today):
    """The statement a letter to the sample customer would carry, and the days it
    was reminded (two invented ones for an invented customer)."""
    from relance.legal.documents import customer_statement, earlier_reminders
    from relance.legal.services import rate_table

    if customer.pk:
        return (
            customer_statement(org, customer, today),
            earlier_reminders(org, customer, today),
        )
    facts = [
        InvoiceFacts(i.number, i.issue_date, i.due_date, i.total, i.currency)
        for i in invoices
    ]
    statement = build_statement(facts, today, rate_table(), b2c=False)
    return statement, (today - timedelta(days=10), today - timedelta(days=3))


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
