from decimal import Decimal

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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


STEP_LABELS = {
    "pre_reminder": _("Courtesy notice before the due date"),
    "reminder_1": _("First reminder"),
    "call": _("Phone call"),
    "reminder_2": _("Second reminder"),
    "reminder_3": _("Third reminder"),
    "registered_letter": _("Registered letter"),
    "formal_notice": _("Formal notice"),
    "legal": _("Legal action"),
    "thank_you": _("Thank-you"),
    "instalment_due": _("Instalment notice"),
    "instalment_late": _("Late instalment reminder"),
    "instalment_final": _("Last instalment reminder"),
    "owner_call": _("Account owner notice"),
    "promise_confirmation": _("Promise confirmation"),
    "plan_confirmation": _("Payment plan confirmation"),
    "text_pre_reminder": _("Courtesy text before the due date"),
    "text_reminder_1": _("First reminder text"),
    "text_reminder_2": _("Second reminder text"),
    "text_reminder_3": _("Third reminder text"),
}
SEGMENT_LABELS = {
    "good": _("Good payer"),
    "occasional": _("Occasional late payer"),
    "chronic": _("Chronic late payer"),
    "key_account": _("Key account"),
}


@register.filter
def step_label(key: str) -> str:
    """A step's name for people; an unknown key is shown as it is."""
    return STEP_LABELS.get(str(key).split("#")[0], key)


@register.filter
def segment_label(key: str) -> str:
    return SEGMENT_LABELS.get(str(key), key)


TONE_LABELS = {
    "courteous": _("courteous"),
    "friendly": _("friendly"),
    "neutral": _("neutral"),
    "firm": _("firm"),
    "urgent": _("urgent"),
    "formal": _("formal"),
    "legal": _("legal"),
    "warm": _("warm"),
}
CHANNEL_LABELS = {
    "email": _("Email"),
    "sms": _("SMS"),
    "whatsapp": _("WhatsApp"),
    "phone": _("Phone call"),
    "letter": _("Letter"),
    "task": _("Task"),
}


@register.filter
def tone_label(key: str) -> str:
    return TONE_LABELS.get(str(key), key)


@register.filter
def channel_label(key: str) -> str:
    return CHANNEL_LABELS.get(str(key), key)
