"""Due dates from payment terms written in words, as e-invoices carry them when
they give no due date, in French, English and German: "30 jours", "Net 45",
"45 jours fin de mois", "à réception", "Zahlbar sofort", "Zahlbar ohne Abzug
bis 22.12.2020". French law's default, when nothing was agreed, is 30 days
(Code de commerce, art. L441-10 I)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

LEGAL_DEFAULT_DAYS = 30  # L441-10 I: 30 days after delivery unless agreed

# Day counts: "30 jours", "14 days", "21 Tage", "innerhalb 10 Tagen", "Net 45".
_DAYS = re.compile(
    r"(\d{1,3})\s*(?:jours?|j\b|days?|d\b|tage?n?\b|tg\b)|\bnet(?:to)?\s*(\d{1,3})\b"
)
_EOM = re.compile(r"fin de mois|end of (?:the )?month|\bfdm\b|\beom\b|monatsende")
_ON_RECEIPT = re.compile(
    r"a reception|des reception|comptant|upon receipt|on receipt|immediate"
    r"|\bsofort\b|bei erhalt"
)
_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            "janvier january jan januar janner",
            "fevrier february feb februar",
            "mars march mar marz maerz",
            "avril april apr",
            "mai may",
            "juin june jun juni",
            "juillet july jul juli",
            "aout august aug",
            "septembre september sep sept",
            "octobre october oct oktober",
            "novembre november nov",
            "decembre december dec dezember",
        ],
        1,
    )
    for name in names.split()
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# What introduces the day a payment is due by, in the three languages.
_BY = (
    r"(?:bis(?: zum| spatestens)?|spatestens(?: am| bis)?|fallig(?: am| bis)?"
    r"|zahlbar (?:am|bis)|until|by|before|due(?: date)?(?: on| by)?|payable on"
    r"|avant(?: le)?|au plus tard(?: le)?|echeance(?: le| au)?|jusqu'au)"
)
_DATE = re.compile(
    rf"\b{_BY}\s*:?\s*(?:"
    r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    rf"|(?P<nd>\d{{1,2}})(?:er)?\.?\s+(?P<nm>{_MONTH})\.?\s+(?P<ny>\d{{4}})"
    rf"|(?P<em>{_MONTH})\.?\s+(?P<ed>\d{{1,2}}),?\s+(?P<ey>\d{{4}})"
    r")"
)


def plain_text(text: str) -> str:
    """Lower case, no accents, single spaces, "€" as "eur": terms and legal
    mentions are matched on this."""
    text = text.replace("€", " eur ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", ascii_text.lower())


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _stated_days(plain: str) -> list[date]:
    """The days the terms say a payment is due by ("bis 22.12.2020", "avant le
    5 décembre 2020", "by 2020-12-10")."""
    days = []
    for m in _DATE.finditer(plain):
        if m["d"]:
            y, mo, d = m["y"], m["m"], m["d"]
        elif m["iy"]:
            y, mo, d = m["iy"], m["im"], m["id"]
        elif m["nd"]:
            y, mo, d = m["ny"], _MONTHS[m["nm"]], m["nd"]
        else:
            y, mo, d = m["ey"], _MONTHS[m["em"]], m["ed"]
        try:
            days.append(date(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return days


def due_from_terms(text: str, issued: date) -> date | None:
    """The due date the terms give, or None when they give none. A day the
    terms state wins (the latest, when a discount's comes first); else the
    longest count of days (a discount's period is the shorter); "45 jours fin
    de mois" is read as 45 days, then the end of that month (the DGCCRF's usual
    reading); "fin de mois 45 jours" as the end of the month, then 45 days."""
    plain = plain_text(text)
    stated = [d for d in _stated_days(plain) if d >= issued]
    if stated:
        return max(stated)
    counts = list(_DAYS.finditer(plain))
    if not counts:
        return issued if _ON_RECEIPT.search(plain) else None
    days = max(counts, key=lambda m: int(m.group(1) or m.group(2)))
    n = int(days.group(1) or days.group(2))
    eom = _EOM.search(plain)
    if eom is None:
        return issued + timedelta(days=n)
    if eom.start() < days.start():
        return end_of_month(issued) + timedelta(days=n)
    return end_of_month(issued + timedelta(days=n))
