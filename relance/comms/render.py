"""Rendering a step's message for a customer, in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel.dates import format_date
from django.template import Context
from django.template.loader import render_to_string
from django.utils import translation

from relance.core.identifiers import format_iban
from relance.core.money import Money, format_money, totals_by_currency
from relance.core.policy import Channel, step_facts
from relance.formats.letters_pdf import day as letter_day
from relance.formats.letters_pdf import letter_blocks, list_of_days
from relance.portal.links import portal_url

from .render_budget import TooCostly, spending

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
ORG_FIELDS = ("name", "bic", "phone", "address", "siren", "sender_name", "sender_email")
CUSTOMER_FIELDS = ("name", "ref", "kind", "address")


@lru_cache(maxsize=4096)
def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=locale)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body_text: str
    language: str


def render_step(
    step: str,
    org,
    customer,
    invoices,
    today: date,
    lang=None,
    instalment=None,
    wording: dict | None = None,
    extra: dict | None = None,
    contact: dict | None = None,
) -> Rendered:
    """The message of `step`, in the organisation's own wording when `wording`
    (wording.custom_templates) has one for it, else in relance's. `extra` adds
    what a message of its own needs (a confirmation's date or instalments)."""
    lang = supported(lang or customer.language)
    context = step_context(step, org, customer, invoices, today, lang, instalment)
    own = (wording or {}).get((step, lang))
    # Only emails warn with the statement of sums due (a text has no room): the
    # shipped ones at the last reminder, an organisation's wherever it uses it.
    facts = step_facts(step)
    wanted = (
        facts is not None and facts.carries_statement and facts.channel is Channel.EMAIL
    ) or (own and "statement" in own[0] + own[1])
    if wanted and customer.kind != "b2c" and customer.pk:
        context["statement"] = _statement(org, customer, invoices, today, LOCALES[lang])
    context.update(extra or {})
    if contact:
        context["contact"] = contact
    if own:
        return render_wording(own[0], own[1], lang, context)
    return render_message(step, lang, context)


TEXT_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp"}


def text_wording(step: str) -> str:
    """The name an organisation's wording of a step's short text is kept under
    (one text for SMS and WhatsApp)."""
    return f"text_{step}"


def render_text(
    step: str, channel: str, org, customer, invoices, today, wording=None
) -> Rendered:
    """The short text of `step` for an SMS or a WhatsApp message: one paragraph,
    the amount, the invoice numbers and the portal link, in the organisation's
    own wording when `wording` has one. Its subject is only a label for the
    outbox."""
    from .wording import shipped

    lang = supported(customer.language)
    context = step_context(step, org, customer, invoices, today, lang)
    name = text_wording(step)
    _, source = (wording or {}).get((name, lang)) or shipped(name, lang)
    body = render_wording("", source, lang, context).body_text
    label = f"{TEXT_LABELS[channel]} — {context['numbers']}"
    # One line; split() also folds the no-break spaces of French amounts, which
    # the GSM alphabet lacks and would turn the whole text into costlier UCS-2.
    return Rendered(label[:300], " ".join(body.split()), lang)


def render_letter(kind: str, lang: str, context: dict, wording=None):
    """The subject and the paragraphs of a registered letter or a formal notice,
    in the organisation's wording when `wording` has one, else in relance's;
    always in the sandbox. Raises letters_pdf.LetterWordingError when the body
    leaves out a part the law relies on."""
    from .wording import shipped

    subject, body = (wording or {}).get((kind, lang)) or shipped(kind, lang)
    rendered = render_wording(subject, body, lang, context)
    return rendered.subject, letter_blocks(rendered.body_text)


def letter_context(org, customer, statement, earlier, deadline, lang) -> dict:
    """What a letter's wording may say: the same names as a message's, for the
    invoices of the statement, plus the earlier reminders and the deadline."""
    locale = LOCALES[lang]

    def fmt(value):
        return format_money(Money(value, statement.currency), locale)

    context = _common_context(org, customer, statement.as_of)
    context.update(
        invoices=[
            {
                "number": line.invoice.number,
                "issue_date": long_date(line.invoice.issue_date, locale),
                "due_date": long_date(line.invoice.due_date, locale),
                "total": fmt(line.invoice.total),
                "open": fmt(line.principal),
                "days_late": line.days_late,
            }
            for line in statement.lines
        ],
        count=len(statement.lines),
        numbers=", ".join(line.invoice.number for line in statement.lines),
        total_open=fmt(statement.principal),
        statement={
            "principal": fmt(statement.principal),
            "interest": fmt(statement.interest),
            "indemnity": fmt(statement.indemnity),
            "total": fmt(statement.total_due),
        },
        total_due=fmt(statement.total_due),
        deadline=letter_day(deadline, lang),
        reminders=list_of_days(earlier, lang) if earlier else "",
        reminder_count=len(earlier),
    )
    return context


def _common_context(org, customer, today) -> dict:
    return {
        "org": {k: getattr(org, k) for k in ORG_FIELDS},
        "customer": {k: getattr(customer, k) for k in CUSTOMER_FIELDS},
        "iban": format_iban(org.iban) if org.iban else "",
        "b2b": customer.kind != "b2c",  # a public buyer owes the 40 EUR too
        "signature": signature(org),
        "portal_url": portal_url(customer, today) if customer.pk else "",
        # The person written to, when the caller knows (name may be empty).
        "contact": {"name": "", "email": ""},
    }


def step_context(step, org, customer, invoices, today, lang, instalment=None) -> dict:
    """What a message may say, as plain values: an edited template sees nothing
    else of the models."""
    locale = LOCALES[lang]
    lines = [
        {
            "number": inv.number,
            "issue_date": long_date(inv.issue_date, locale),
            "due_date": long_date(inv.due_date, locale),
            "total": format_money(inv.total_money, locale),
            "open": format_money(inv.open_amount, locale),
            "days_late": (today - inv.due_date).days,
        }
        for inv in invoices
    ]
    totals = totals_by_currency([inv.open_amount for inv in invoices])
    context = _common_context(org, customer, today)
    context.update(
        invoices=lines,
        count=len(lines),
        numbers=", ".join(i.number for i in invoices),
        total_open=" + ".join(format_money(m, locale) for m in totals.values())
        or format_money(Money.zero(), locale),
    )
    if instalment is not None:
        inst, open_amount, count = instalment
        context["instalment"] = {
            "number": inst.number,
            "count": count,
            "due_date": long_date(inst.due_date, locale),
            "amount": format_money(Money(inst.amount, invoices[0].currency), locale),
            "open": format_money(Money(open_amount, invoices[0].currency), locale),
        }
    return context


def supported(lang: str) -> str:
    """The language messages and pages are written in: French unless English."""
    return lang if lang in LOCALES else "fr"


def render_message(name: str, lang: str, context: dict) -> Rendered:
    """Subject (on one line) and body of the email template `name` in `lang`."""
    base = f"comms/email/{lang}/{name}"
    with translation.override(lang):
        subject = render_to_string(f"{base}-subject.txt", context)
        body = render_to_string(f"{base}-body.txt", context)
    return Rendered(" ".join(subject.split()), body.strip() + "\n", lang)


def render_wording(subject: str, body: str, lang: str, context: dict) -> Rendered:
    """An organisation's own wording, rendered in the sandbox (wording.py) within
    one message's budget (render_budget): raises render_budget.TooCostly past it."""
    from .wording import compiled

    # Subject and body share one budget: what one message may cost.
    with translation.override(lang), spending():
        try:
            text = compiled(subject).render(Context(context))
            body_text = compiled(body).render(Context(context))
        except RecursionError:  # tags nested deeper than Python renders
            raise TooCostly("depth", 0) from None
    return Rendered(" ".join(text.split()), body_text.strip() + "\n", lang)


def _statement(org, customer, invoices, today: date, locale: str) -> dict | None:
    """Principal, penalties to date and indemnity, for the reminders that warn."""
    from relance.core.rates import MissingRate
    from relance.legal.documents import customer_statement

    try:
        st = customer_statement(org, customer, today).only({i.number for i in invoices})
    except MissingRate:
        return None
    if not st.lines:
        return None

    def fmt(value):
        return format_money(Money(value, st.currency), locale)

    return {
        "principal": fmt(st.principal),
        "interest": fmt(st.interest),
        "indemnity": fmt(st.indemnity),
        "total": fmt(st.total_due),
        "interest_until": long_date(st.interest_until, locale),
        "complete": st.interest_until == today,
    }


def signature(org) -> str:
    lines = [org.sender_name, org.name, org.phone, org.sender_email]
    return "\n".join(x for x in lines if x)
