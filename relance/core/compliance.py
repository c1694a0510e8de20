"""Is an invoice fit to be chased? A defective invoice (no due date, terms beyond
the legal caps, missing penalty or 40 EUR mentions) is the first cause of late
payment, and weakens the claim. Codes are stable; messages are for people."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .terms import end_of_month, plain_text

_FORTY = r"40 ?(e|eur|euros)\b"
MAX_TERM_DAYS = 60  # L441-10 I, from the invoice date
EOM_TERM_DAYS = 45  # "45 jours fin de mois", only if expressly agreed


@dataclass(frozen=True, slots=True)
class Defect:
    code: str
    message: str
    blocking: bool = False  # True: the term breaks the law, not just a doubt


def end_of_month_cap(issued: date) -> date:
    """The later of the two readings the DGCCRF accepts for "45 days end of month"."""
    a = end_of_month(issued + timedelta(days=EOM_TERM_DAYS))
    b = end_of_month(issued) + timedelta(days=EOM_TERM_DAYS)
    return max(a, b)


def check_invoice(
    issued: date,
    due: date | None,
    *,
    b2b: bool = True,
    document_text: str | None = None,
) -> list[Defect]:
    defects: list[Defect] = []
    if due is None:
        return [Defect("no_due_date", "the invoice has no due date", True)]
    term = (due - issued).days
    if b2b and term > MAX_TERM_DAYS:
        if due <= end_of_month_cap(issued):
            defects.append(
                Defect(
                    "term_eom",
                    f"payment term of {term} days is lawful only if '45 days end "
                    "of month' was expressly agreed",
                )
            )
        else:
            defects.append(
                Defect(
                    "term_over_cap",
                    f"payment term of {term} days exceeds the legal cap "
                    "(60 days, or 45 days end of month)",
                    True,
                )
            )
    if document_text is None:
        return defects
    text = plain_text(document_text)
    if b2b and not re.search(r"penalite|interets? de retard|late payment", text):
        defects.append(
            Defect("no_penalty_rate", "no late-payment penalty rate on the invoice")
        )
    if b2b and not re.search(
        rf"{_FORTY}.{{0,80}}recouvrement|recouvrement.{{0,80}}{_FORTY}",
        text,
    ):
        defects.append(
            Defect(
                "no_indemnity_mention",
                "the 40 EUR recovery indemnity is not written on the invoice",
            )
        )
    return defects
