"""Due dates from payment terms written in words, as e-invoices carry them when
they give no due date: "30 jours", "Net 45", "45 jours fin de mois", "à
réception". French law's default, when nothing was agreed, is 30 days
(Code de commerce, art. L441-10 I)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

LEGAL_DEFAULT_DAYS = 30  # L441-10 I: 30 days after delivery unless agreed

_DAYS = re.compile(r"(\d{1,3})\s*(?:jours?|j\b|days?|d\b)|net\s*(\d{1,3})\b")
_EOM = re.compile(r"fin de mois|end of (?:the )?month|\bfdm\b|\beom\b")
_ON_RECEIPT = re.compile(
    r"a reception|des reception|comptant|upon receipt|on receipt|immediate"
)


def plain_text(text: str) -> str:
    """Lower case, no accents, single spaces, "€" as "eur": terms and legal
    mentions are matched on this."""
    text = text.replace("€", " eur ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", ascii_text.lower())


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_from_terms(text: str, issued: date) -> date | None:
    """The due date the terms give, or None when they give none. "45 jours fin
    de mois" is read as 45 days, then the end of that month (the DGCCRF's usual
    reading); "fin de mois 45 jours" as the end of the month, then 45 days."""
    plain = plain_text(text)
    days = _DAYS.search(plain)
    if days is None:
        return issued if _ON_RECEIPT.search(plain) else None
    n = int(days.group(1) or days.group(2))
    eom = _EOM.search(plain)
    if eom is None:
        return issued + timedelta(days=n)
    if eom.start() < days.start():
        return end_of_month(issued) + timedelta(days=n)
    return end_of_month(issued + timedelta(days=n))
