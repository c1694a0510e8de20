"""Decide, for one day, which steps are due for which invoices, and which must wait.

Pure and idempotent: the same ledger, history, holds and date always give the same
plan, and a step already in the history is never planned again. Each customer's
segment picks its policy. After days without a run only the highest step now due
goes out (never the backlog), paced by the policy's own spacing. A customer gets
at most one contact a day and written contacts at least `min_gap_days` apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from .calendar import BusinessCalendar, local_instant
from .holds import active_holds, hold_reason
from .policy import (
    CONTACT_CHANNELS,
    INSTALMENT_POLICY,
    MESSAGE_CHANNELS,
    TEXT_CHANNELS,
    WRITTEN_CHANNELS,
    Channel,
    Policy,
    Step,
)
from .snapshot import (
    CustomerState,
    Hold,
    InstalmentState,
    InvoiceState,
    StepDone,
)

# The order a customer's invoices are listed in, customers one after the other.
LISTED = attrgetter("customer_id", "due_date", "number")
CUSTOMER = attrgetter("customer_id")
UNKNOWN = object()  # a step not worked out yet (None: there is none)
TOO_LATE = "would_arrive_after_due_date"


@dataclass(frozen=True, slots=True)
class PlannedAction:
    customer_id: int
    step: Step
    invoice_ids: tuple[int, ...]
    scheduled_at: datetime
    reason: str
    segment: str = "good"
    policy: str = "default"
    needs_approval: bool = False
    instalment: int | None = None  # number of the payment-plan instalment
    # Invoices that joined the message with a step of their own (one
    # conversation per customer), by id; the others are recorded as `step`.
    own_steps: Mapping[int, str] | None = None

    @property
    def history_key(self) -> str:
        """The step as recorded per invoice: instalment steps carry their number."""
        return (
            f"{self.step.key}#{self.instalment}" if self.instalment else self.step.key
        )

    def history_keys(self) -> Iterable[tuple[int, str]]:
        """Each invoice with the step it is recorded as having had."""
        key, own = self.history_key, self.own_steps or {}
        return ((i, own.get(i, key)) for i in self.invoice_ids)


class Skip(NamedTuple):  # a run may hold back hundreds of thousands
    invoice_id: int
    step_key: str
    reason: str


@dataclass(slots=True)
class Plan:
    actions: list[PlannedAction]
    skipped: list[Skip]


def _plural(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def next_step(
    policy: Policy,
    invoice: InvoiceState,
    done: Mapping[str, date],
    today: date,
    keep_pace: bool = True,
) -> Step | None:
    """The highest step of the policy now due for an open invoice, if any."""
    days_late = (today - invoice.due_date).days
    if not done:  # the common case, kept cheap
        first = policy.steps[0] if policy.steps else None
        if first is None or first.offset_days > days_late:
            return None
    steps = policy.steps
    last_idx, reminded = -1, False
    for key in done:
        i = policy.index(key)
        if i is not None:
            last_idx = max(last_idx, i)
            reminded = reminded or steps[i].offset_days > 0
    # Steps are in offset order: when the next one is not due, none is (the
    # usual case on a daily run).
    if last_idx + 1 >= len(steps) or steps[last_idx + 1].offset_days > days_late:
        return None
    last = steps[last_idx] if last_idx >= 0 else None
    chosen = None
    for idx in range(last_idx + 1, len(steps)):
        step = steps[idx]
        if step.offset_days > days_late:
            break
        if step.offset_days <= 0 < days_late:
            continue  # a pre-due courtesy makes no sense once the invoice is late
        if step.needs_previous and not reminded:
            continue
        if step.requires and not any(k in done for k in step.requires):
            continue
        paced = (
            keep_pace and last is not None and last.offset_days > 0 < step.offset_days
        )
        if (
            paced
            and (today - done[last.key]).days < step.offset_days - last.offset_days
        ):
            continue
        chosen = step
    return chosen


def _reason(invoice: InvoiceState, done: Mapping[str, date], today: date) -> str:
    days = (today - invoice.due_date).days
    when = f"{_plural(days)} past due" if days > 0 else f"due in {_plural(-days)}"
    if days == 0:
        when = "due today"
    if not done:
        return f"{when}; first step"
    last_key = max(done, key=lambda k: done[k])
    return f"{when}; previous step {last_key} on {done[last_key].isoformat()}"


def send_at(step: Step, today: date, calendar: BusinessCalendar, tz: str) -> datetime:
    """When a step planned today goes out: its first window on a business day."""
    return local_instant(_send_day(step, today, calendar), step.window.start, tz)


def thanks_due(policy: Policy, steps_done: Iterable[str]) -> bool:
    """A thank-you follows a payment only when the invoice was actually chased
    (a pre-reminder alone does not call for one), and only once."""
    done = set(steps_done)
    if policy.thank_you is None or policy.thank_you.key in done:
        return False
    return any(
        (i := policy.index(k)) is not None and policy.steps[i].offset_days > 0
        for k in done
    )


def _send_day(step: Step, today: date, calendar: BusinessCalendar) -> date:
    day = today
    while not (calendar.is_business_day(day) and day.weekday() in step.window.weekdays):
        day += timedelta(days=1)
    return day


def plan(
    policies: Mapping[str, Policy],
    invoices: Iterable[InvoiceState],
    customers: Mapping[int, CustomerState],
    history: Iterable[StepDone],
    today: date,
    calendar: BusinessCalendar,
    tz: str,
    holds: Iterable[Hold] = (),
    bank_data_stale: bool = False,
    instalments: Iterable[InstalmentState] = (),
) -> Plan:
    """The actions for `today` and the invoices held back, with their reasons."""
    done: dict[int, dict[str, date]] = defaultdict(dict)
    # The days each customer's contacts land on (a run's step may land days
    # after the run), and those of its written contacts.
    contact_days: dict[int, set[date]] = defaultdict(set)
    written_days: dict[int, set[date]] = defaultdict(set)
    for h in history:
        done[h.invoice_id][h.step_key] = h.on
        if h.contact:
            lands = h.lands or h.on
            contact_days[h.customer_id].add(lands)
            if h.channel in WRITTEN_CHANNELS:
                written_days[h.customer_id].add(lands)
    on_invoice, on_customer, broken = active_holds(holds, today)
    default = policies["default"]
    # The next step of an invoice depends only on its policy, its due date and
    # the steps it has had (next_step): most invoices of a large ledger share a
    # few hundred of those, worked out once each. Never chased, by due date:
    first_steps: dict[int, dict[date, Step | None]] = {}
    # Chased, by due date, steps and dates, and whether to keep the pace:
    next_steps: dict[int, dict[tuple, Step | None]] = {}

    sent_at: dict[int, datetime] = {}  # by step: one computation each

    def when(step: Step) -> datetime:
        if id(step) not in sent_at:
            sent_at[id(step)] = send_at(step, today, calendar, tz)
        return sent_at[id(step)]

    groups: dict[tuple[int, str], list[InvoiceState]] = defaultdict(list)
    steps: dict[tuple[int, str], Step] = {}
    reasons: dict[tuple[int, str], str] = {}
    numbers: dict[tuple[int, str], int] = {}
    skipped: list[Skip] = []
    for inst in instalments:
        if inst.open_amount <= 0:
            continue
        prefix = f"#{inst.number}"
        inst_done = {
            k.split("#")[0]: d
            for k, d in done.get(inst.invoice_id, {}).items()
            if k.endswith(prefix)
        }
        pseudo = InvoiceState(
            inst.invoice_id,
            "",
            inst.customer_id,
            inst.due_date,
            inst.open_amount,
            inst.currency,
        )
        step = next_step(INSTALMENT_POLICY, pseudo, inst_done, today)
        if step is None:
            continue
        if _lands_too_late(step, inst.due_date, when, on_the_day=True):
            skipped.append(Skip(inst.invoice_id, step.key + prefix, TOO_LATE))
            continue
        why_not = hold_reason(
            None, inst.customer_id, on_invoice, on_customer, bank_data_stale
        )
        if why_not is None and not customers[inst.customer_id].has_email:
            why_not = "no_contact"
        if why_not:
            skipped.append(Skip(inst.invoice_id, step.key + prefix, why_not))
            continue
        key = (inst.customer_id, step.key + prefix)
        groups[key].append(pseudo)
        steps[key] = step
        numbers[key] = inst.number
        reasons[key] = (
            f"instalment {inst.number} due {inst.due_date.isoformat()}; "
            + _reason(pseudo, inst_done, today)
        )
    no_steps: dict[str, date] = {}
    # Customer by customer, each one's invoices in the order a message lists
    # them (the order the snapshot reads them in: sorting is then a linear
    # check): what depends on the customer is looked up once, and a customer's
    # groups are built while its data is at hand.
    for customer_id, own in groupby(sorted(invoices, key=LISTED), key=CUSTOMER):
        customer = customers[customer_id]
        policy = policies.get(customer.segment, default)
        first = first_steps.setdefault(id(policy), {})
        following = next_steps.setdefault(id(policy), {})
        for inv in own:
            inv_done = done.get(inv.id, no_steps)
            if inv.open_amount <= 0:
                step = _thank_you_due(policy, inv, inv_done, today)
            elif inv_done is no_steps:
                step = first.get(inv.due_date, UNKNOWN)
                if step is UNKNOWN:
                    step = first[inv.due_date] = next_step(policy, inv, no_steps, today)
            else:
                keep_pace = inv.id not in broken
                memo = (inv.due_date, keep_pace, *inv_done.items())
                step = following.get(memo, UNKNOWN)
                if step is UNKNOWN:
                    step = following[memo] = next_step(
                        policy, inv, inv_done, today, keep_pace=keep_pace
                    )
            if step is None:
                continue
            why_not = None
            if inv.open_amount > 0 and _lands_too_late(step, inv.due_date, when):
                why_not = TOO_LATE
            elif inv.open_amount > 0:
                why_not = hold_reason(
                    inv.id, customer_id, on_invoice, on_customer, bank_data_stale
                )
                if why_not is None and inv.open_amount < policy.min_amount:
                    why_not = "below_threshold"
            if (
                why_not is None
                and step.channel in MESSAGE_CHANNELS
                and not _reachable(step.channel, customer)
            ):
                why_not = "no_contact"
            if why_not:
                skipped.append(Skip(inv.id, step.key, why_not))
                continue
            key = (customer_id, step.key)
            if key not in groups:  # the first invoice of a group gives its reason
                steps[key] = step
                if inv.open_amount <= 0:
                    reasons[key] = "paid after reminders"
                else:
                    reasons[key] = _reason(inv, inv_done, today) + (
                        "; promise to pay broken" if inv.id in broken else ""
                    )
            groups[key].append(inv)

    by_customer: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for key in groups:
        by_customer[key[0]].append(key)
    actions: list[PlannedAction] = []
    for customer_id, keys in sorted(by_customer.items()):
        customer = customers[customer_id]
        policy = policies.get(customer.segment, default)
        kept, (chosen, folded) = _cadence(
            customer_id,
            keys,
            groups,
            steps,
            policy,
            written_days.get(customer_id, ()),
            contact_days.get(customer_id, ()),
            broken,
            skipped,
            when,
        )
        why_policy = (
            f"{customer.segment_reason or customer.segment} -> policy {policy.name}"
        )
        for key in kept:
            if key in numbers:
                step = steps[key]
                actions.append(
                    PlannedAction(
                        customer_id=customer_id,
                        step=step,
                        invoice_ids=(groups[key][0].id,),
                        scheduled_at=when(step),
                        reason=reasons[key],
                        segment=customer.segment,
                        policy=INSTALMENT_POLICY.name,
                        instalment=numbers[key],
                    )
                )
                continue
            step, invs = steps[key], groups[key]
            own_steps = None
            if key == chosen and folded:
                own_steps = {i.id: k for i, k in folded}
                invs = sorted([*invs, *(i for i, _ in folded)], key=LISTED)
            approval = step.requires_approval or (
                policy.approval_amount is not None
                and sum((i.open_amount for i in invs), Decimal("0"))
                >= policy.approval_amount
            )
            actions.append(
                PlannedAction(
                    customer_id=customer_id,
                    step=step,
                    invoice_ids=tuple(i.id for i in invs),
                    scheduled_at=when(step),
                    reason=f"{reasons[key]}; {why_policy}",
                    segment=customer.segment,
                    policy=policy.name,
                    needs_approval=approval,
                    own_steps=own_steps,
                )
            )
    return Plan(actions=actions, skipped=skipped)


def _lands_too_late(step: Step, due: date, when, on_the_day: bool = False) -> bool:
    """A courtesy before the due date that would land on or after it (a notice on
    the due date itself, after it; an instalment's notice, after its date) says
    something false: it is not sent."""
    if step.offset_days > 0:
        return False
    lands = when(step).date()
    if step.offset_days < 0 and not on_the_day:
        return lands >= due
    return lands > due


def _reachable(channel: str, customer: CustomerState) -> bool:
    """Whether the customer has somewhere to receive a message by `channel`."""
    if channel == Channel.EMAIL:
        return customer.has_email
    if channel in TEXT_CHANNELS:
        return customer.has_mobile
    return True


def _cadence(
    customer_id,
    keys,
    groups,
    steps,
    policy,
    written_days,
    contact_days,
    broken,
    skipped,
    when,
) -> list[tuple[int, str]]:
    """Keep internal tasks, and at most one contact: the highest step allowed by
    the minimum gap. Both rules count the days contacts land on, not the days
    they were planned. The others wait, with their reason."""
    kept, contacts = [], []
    for key in keys:
        step = steps[key]
        if step.channel not in CONTACT_CHANNELS:
            kept.append(key)
            continue
        waived = step is policy.thank_you or (
            bool(broken) and any(i.id in broken for i in groups[key])
        )
        lands = when(step).date()
        if (
            step.channel in WRITTEN_CHANNELS
            and not waived
            and any(abs((lands - d).days) < policy.min_gap_days for d in written_days)
        ):
            skipped.extend(Skip(i.id, step.key, "min_gap") for i in groups[key])
            continue
        if lands in contact_days:
            skipped.extend(
                Skip(i.id, step.key, "one_contact_per_day") for i in groups[key]
            )
            continue
        contacts.append(key)
    if not contacts:
        chosen = None
    else:

        def rank(key):
            idx = policy.index(steps[key].key)
            return -1 if idx is None else idx

        chosen = max(contacts, key=rank, default=None)
    folded: list[tuple[InvoiceState, str]] = []
    for key in contacts:
        if key == chosen:
            kept.append(key)
        elif _folds(steps[chosen], steps[key], policy) and rank(key) >= 0:
            # One conversation: the customer's other invoices due a written step
            # today go in the same message, in the tone of the most advanced one,
            # each recorded with its own step.
            folded += [(i, steps[key].key) for i in groups[key]]
        else:
            skipped.extend(
                Skip(i.id, steps[key].key, "one_contact_per_day") for i in groups[key]
            )
    return sorted(kept, key=lambda k: k[1]), (chosen, folded)


def _folds(chosen: Step, other: Step, policy: Policy) -> bool:
    """Whether invoices due `other` today may be written about in `chosen`'s
    message (an email or a letter, about open invoices)."""
    return (
        chosen.channel in (Channel.EMAIL, Channel.LETTER)
        and other.channel in WRITTEN_CHANNELS
        and policy.thank_you not in (chosen, other)
    )


def _thank_you_due(
    policy: Policy, inv: InvoiceState, done: Mapping[str, date], today: date
) -> Step | None:
    step = policy.thank_you
    if step is None or step.key in done or inv.paid_on is None:
        return None
    if not 0 <= (today - inv.paid_on).days <= policy.thank_you_within_days:
        return None
    return step if thanks_due(policy, done) else None
