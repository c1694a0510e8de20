"""Rendering a step's message for a customer, in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from django.template.loader import render_to_string
from django.utils import translation

from relance.core.identifiers import format_iban
from relance.core.money import Money, format_money, totals_by_currency

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body_text: str
    language: str


def render_step(step: str, org, customer, invoices, today: date) -> Rendered:
    lang = customer.language if customer.language in LOCALES else "fr"
    locale = LOCALES[lang]
    lines = [
        {
            "number": inv.number,
            "issue_date": format_date(inv.issue_date, "long", locale=locale),
            "due_date": format_date(inv.due_date, "long", locale=locale),
            "total": format_money(inv.total_money, locale),
            "open": format_money(inv.open_amount, locale),
            "days_late": (today - inv.due_date).days,
        }
        for inv in invoices
    ]
    totals = totals_by_currency([inv.open_amount for inv in invoices])
    context = {
        "org": org,
        "customer": customer,
        "invoices": lines,
        "count": len(lines),
        "numbers": ", ".join(i.number for i in invoices),
        "total_open": " + ".join(format_money(m, locale) for m in totals.values())
        or format_money(Money.zero(), locale),
        "iban": format_iban(org.iban) if org.iban else "",
        "b2b": customer.kind == "b2b",
        "signature": signature(org),
    }
    base = f"comms/email/{lang}/{step}"
    with translation.override(lang):
        subject = render_to_string(f"{base}-subject.txt", context)
        body = render_to_string(f"{base}-body.txt", context)
    return Rendered(" ".join(subject.split()), body.strip() + "\n", lang)


def signature(org) -> str:
    lines = [org.sender_name, org.name, org.phone, org.sender_email]
    return "\n".join(x for x in lines if x)
