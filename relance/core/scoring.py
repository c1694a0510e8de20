"""Payment behaviour: how late a customer pays, and the segment that sets the tone
of its reminders. Pure: history in, score out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple

WINDOW_DAYS = 365  # behaviour over the last year
GRACE_DAYS = 3  # a payment this late still counts as on time
RECENT = 3  # the last invoices, for the trend


class Segment(StrEnum):
    GOOD = "good"
    OCCASIONAL = "occasional"
    CHRONIC = "chronic"
    KEY_ACCOUNT = "key_account"


class PastInvoice(NamedTuple):
    """(A named tuple: a run reads a year of invoices.)"""

    due_date: date
    paid_on: date | None  # None while unpaid


BY_DUE_DATE = attrgetter("due_date")


@dataclass(frozen=True, slots=True)
class Score:
    segment: Segment
    invoices: int
    late_share: float  # display only; never money
    average_days_late: int
    recent_days_late: int
    reason: str


def score(
    history: Iterable[PastInvoice], today: date, key_account: bool = False
) -> Score:
    """Segment from the invoices that fell due in the last year."""
    since = today - timedelta(days=WINDOW_DAYS)
    considered = sorted(
        (i for i in history if since <= i.due_date < today), key=BY_DUE_DATE
    )
    n = len(considered)
    # (days late inlined: a run scores a hundred thousand customers)
    delays = [max(0, ((paid_on or today) - due).days) for due, paid_on in considered]
    late = [d for d in delays if d > GRACE_DAYS]
    share = len(late) / n if n else 0.0
    average = round(sum(late) / len(late)) if late else 0
    recent_delays = delays[-RECENT:]
    recent = round(sum(recent_delays) / len(recent_delays)) if recent_delays else 0
    facts = (
        f"{len(late)} of {n} invoices paid late in the last year, {average} days on "
        f"average, {recent} days on the last {len(recent_delays)}"
    )
    if key_account:
        return Score(
            Segment.KEY_ACCOUNT,
            n,
            share,
            average,
            recent,
            "key account (set by hand); " + facts,
        )
    if n < RECENT:
        segment, why = (
            Segment.GOOD,
            f"too little history ({n} invoices): benefit of the doubt",
        )
    elif (share >= 0.5 and average >= 15) or recent >= 30:
        segment, why = Segment.CHRONIC, "chronic late payer: " + facts
    elif share >= 0.2 or average >= 10 or recent > GRACE_DAYS:
        segment, why = Segment.OCCASIONAL, "occasional late payer: " + facts
    else:
        segment, why = Segment.GOOD, "good payer: " + facts
    return Score(segment, n, share, average, recent, why)
