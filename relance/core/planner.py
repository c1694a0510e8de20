"""Decide, for one day, which steps of a policy are due for which invoices.

Pure and idempotent: the same ledger, history and date always give the same
plan, and a step already in the history is never planned again. After days
without a run the planner sends only the highest step now due (never the
backlog), and keeps the policy's own spacing between successive steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from .calendar import BusinessCalendar, local_instant
from .policy import Channel, Policy, Step
from .snapshot import CustomerState, InvoiceState, StepDone


@dataclass(frozen=True, slots=True)
class PlannedAction:
    customer_id: int
    step: Step
    invoice_ids: tuple[int, ...]
    scheduled_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    invoice_id: int
    step_key: str
    reason: str


@dataclass(slots=True)
class Plan:
    actions: list[PlannedAction]
    skipped: list[Skip]


def next_step(
    policy: Policy, invoice: InvoiceState, done: Mapping[str, date], today: date
) -> Step | None:
    """The highest step of the policy now due for an open invoice, if any."""
    days_late = (today - invoice.due_date).days
    done_idx = [i for k in done if (i := policy.index(k)) is not None]
    last_idx = max(done_idx, default=-1)
    last = policy.steps[last_idx] if last_idx >= 0 else None
    reminded = any(policy.steps[i].offset_days > 0 for i in done_idx)
    chosen = None
    for idx in range(last_idx + 1, len(policy.steps)):
        step = policy.steps[idx]
        if step.offset_days > days_late:
            break
        if step.offset_days <= 0 < days_late:
            continue  # a pre-due courtesy makes no sense once the invoice is late
        if step.needs_previous and not reminded:
            continue
        if last is not None and last.offset_days > 0 and step.offset_days > 0:
            since_last = (today - done[last.key]).days
            if since_last < step.offset_days - last.offset_days:
                continue
        chosen = step
    return chosen


def _reason(step: Step, invoice: InvoiceState, done: Mapping[str, date], today: date):
    days = (today - invoice.due_date).days

    def plural(n: int) -> str:
        return f"{n} day{'s' if n != 1 else ''}"

    when = f"{plural(days)} past due" if days > 0 else f"due in {plural(-days)}"
    if days == 0:
        when = "due today"
    if not done:
        return f"{when}; first step"
    last_key = max(done, key=lambda k: done[k])
    return f"{when}; previous step {last_key} on {done[last_key].isoformat()}"


def plan(
    policy: Policy,
    invoices: Iterable[InvoiceState],
    customers: Mapping[int, CustomerState],
    history: Iterable[StepDone],
    today: date,
    calendar: BusinessCalendar,
    tz: str,
) -> Plan:
    """The actions for `today`: one per customer and step, grouping its invoices."""
    done: dict[int, dict[str, date]] = defaultdict(dict)
    for h in history:
        done[h.invoice_id][h.step_key] = h.on
    send_day = calendar.next_business_day(today)
    groups: dict[tuple[int, str], list[InvoiceState]] = defaultdict(list)
    steps: dict[str, Step] = {}
    reasons: dict[tuple[int, str], str] = {}
    skipped: list[Skip] = []

    for inv in invoices:
        inv_done = done.get(inv.id, {})
        if inv.open_amount <= 0:
            step = _thank_you_due(policy, inv, inv_done, today)
            reason = "paid after reminders"
        else:
            step = next_step(policy, inv, inv_done, today)
            if step is None:
                continue
            reason = _reason(step, inv, inv_done, today)
            if inv.open_amount < policy.min_amount:
                skipped.append(Skip(inv.id, step.key, "below_threshold"))
                continue
        if step is None:
            continue
        customer = customers[inv.customer_id]
        if step.channel is Channel.EMAIL and not customer.has_email:
            skipped.append(Skip(inv.id, step.key, "no_contact"))
            continue
        key = (inv.customer_id, step.key)
        groups[key].append(inv)
        steps[step.key] = step
        reasons.setdefault(key, reason)

    actions = [
        PlannedAction(
            customer_id=customer_id,
            step=steps[step_key],
            invoice_ids=tuple(
                i.id for i in sorted(invs, key=lambda i: (i.due_date, i.number))
            ),
            scheduled_at=local_instant(send_day, steps[step_key].send_time, tz),
            reason=reasons[(customer_id, step_key)],
        )
        for (customer_id, step_key), invs in sorted(groups.items())
    ]
    return Plan(actions=actions, skipped=skipped)


def _thank_you_due(
    policy: Policy, inv: InvoiceState, done: Mapping[str, date], today: date
) -> Step | None:
    step = policy.thank_you
    if step is None or step.key in done or inv.paid_on is None:
        return None
    if not 0 <= (today - inv.paid_on).days <= policy.thank_you_within_days:
        return None
    chased = any(
        (i := policy.index(k)) is not None and policy.steps[i].offset_days > 0
        for k in done
    )
    return step if chased else None
