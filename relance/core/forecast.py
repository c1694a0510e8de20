"""What a policy will do for one invoice if nothing is paid and nothing pauses it:
the steps still to come and when each goes out. It replays the planner's own
`next_step` day by day, so the preview can never disagree with the real runs
about order, pacing or the steps a late invoice skips."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .calendar import BusinessCalendar
from .planner import next_step, send_at
from .policy import Policy, Step
from .snapshot import InvoiceState


@dataclass(frozen=True, slots=True)
class Upcoming:
    step: Step
    planned_on: date  # the run that plans it
    sends_at: datetime  # its first send window from that day
    needs_approval: bool


def forecast(
    policy: Policy,
    due_date: date,
    amount: Decimal,
    today: date,
    calendar: BusinessCalendar,
    tz: str,
    done: Mapping[str, date] | None = None,
) -> list[Upcoming]:
    """The steps still to come for an invoice of `amount` due on `due_date`,
    given the steps already `done` (key: day planned). Empty when the amount is
    under the policy's threshold."""
    if amount < policy.min_amount or not policy.steps:
        return []
    invoice = InvoiceState(0, "", 0, due_date, amount, "EUR")
    done = dict(done or {})
    last_day = due_date + timedelta(days=policy.steps[-1].offset_days)
    out = []
    day = today
    # The last step comes by its offset or its pace after the one before; the
    # bound only stops a policy whose last step can never come (its prerequisites
    # are all switched off).
    limit = max(last_day, today) + timedelta(days=400)
    while day <= limit:
        step = next_step(policy, invoice, done, day)
        if step is not None:
            approval = step.requires_approval or (
                policy.approval_amount is not None and amount >= policy.approval_amount
            )
            out.append(Upcoming(step, day, send_at(step, day, calendar, tz), approval))
            done[step.key] = day
            if policy.index(step.key) == len(policy.steps) - 1:
                break
        day += timedelta(days=1)
    return out
