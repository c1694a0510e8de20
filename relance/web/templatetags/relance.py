from decimal import Decimal

from django import template
from django.utils.translation import get_language

from relance.core.money import Money, format_money

register = template.Library()
LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@register.filter
def money(value, currency="EUR"):
    """`1 234,56 €` in French, `€1,234.56` in English."""
    if value in (None, ""):
        return ""
    locale = LOCALES.get((get_language() or "fr")[:2], "fr_FR")
    return format_money(Money(Decimal(value), currency or "EUR"), locale)
