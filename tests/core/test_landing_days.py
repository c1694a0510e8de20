"""The planner counts contacts on the day they land, not the day they were
planned: a step planned on Monday may reach the customer on Tuesday 09:00."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.calendar import BusinessCalendar
from relance.core.planner import plan
from relance.core.policy import CONTACT_CHANNELS, DEFAULT_POLICY, WRITTEN_CHANNELS
from relance.core.snapshot import CustomerState, InvoiceState, StepDone

POLICIES = {"default": DEFAULT_POLICY}
CAL = BusinessCalendar("FR")
TZ = "Europe/Paris"


def customers(n):
    return {c: CustomerState(c, f"C{c}", True) for c in range(1, n + 1)}


def inv(id_, due, customer=1, open_="500.00"):
    return InvoiceState(id_, f"F{id_}", customer, due, Decimal(open_), "EUR")


def daily(invoices, first: date, days: int, n_customers: int = 1):
    """Run the planner every day, as the daily run does, feeding back each
    action with the day it lands; every action planned, with that day."""
    history: list[StepDone] = []
    planned = []
    for offset in range(days):
        today = first + timedelta(days=offset)
        result = plan(
            POLICIES, invoices, customers(n_customers), history, today, CAL, TZ
        )
        for a in result.actions:
            lands = a.scheduled_at.date()
            planned.append((a, today, lands))
            history += [
                StepDone(i, key, today, a.customer_id, a.step.channel, True, lands)
                for i, key in a.history_keys()
            ]
    return planned


def test_a_call_is_not_planned_for_the_morning_a_reminder_lands():
    """Due Sunday 4 October 2026: Monday's run plans the first reminder, which
    lands on Tuesday 09:00; Tuesday's run must not call that same morning."""
    planned = daily([inv(1, date(2026, 10, 4))], date(2026, 10, 5), 3)
    lands = [(a.step.key, str(day)) for a, _, day in planned]
    assert lands[:2] == [("reminder_1", "2026-10-06"), ("call", "2026-10-07")]


def test_a_pre_reminder_never_lands_on_or_after_the_due_date():
    """Due Tuesday 13 October: the pre-reminder planned four days before, on a
    Friday, would land on the due date itself (reminders go Tuesday to
    Thursday), still saying it is due soon: it is not sent."""
    due = date(2026, 10, 13)
    result = plan(
        POLICIES, [inv(1, due)], customers(1), [], due - timedelta(days=4), CAL, TZ
    )
    assert result.actions == []
    assert [(s.step_key, s.reason) for s in result.skipped] == [
        ("pre_reminder", "would_arrive_after_due_date")
    ]
    # Due on a Friday: the Monday pre-reminder lands on Tuesday, before it.
    friday = date(2026, 10, 16)
    result = plan(
        POLICIES,
        [inv(1, friday)],
        customers(1),
        [],
        friday - timedelta(days=4),
        CAL,
        TZ,
    )
    assert [a.step.key for a in result.actions] == ["pre_reminder"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(-10, 70), st.integers(1, 3)),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 6),
)
def test_one_contact_a_day_and_written_contacts_apart_where_they_land(rows, start):
    """Over random ledgers and 60 daily runs: no customer is contacted twice on
    one calendar day (email, text, call, letter), and its written contacts land
    at least min_gap_days apart."""
    first = date(2026, 9, 1) + timedelta(days=start)
    invoices = [
        inv(n, first - timedelta(days=late), customer=c, open_=f"{100 * k}.00")
        for n, (c, late, k) in enumerate(rows, start=1)
    ]
    planned = daily(invoices, first, 60, n_customers=4)
    by_day = defaultdict(list)
    written = defaultdict(list)
    for a, _, lands in planned:
        if a.step.channel in CONTACT_CHANNELS:
            by_day[(a.customer_id, lands)].append(a.step.key)
        if a.step.channel in WRITTEN_CHANNELS:
            written[a.customer_id].append(lands)
    assert all(len(keys) == 1 for keys in by_day.values()), by_day
    gap = DEFAULT_POLICY.min_gap_days
    for days in written.values():
        days.sort()
        assert all((b - a).days >= gap for a, b in pairwise(days)), days


def test_one_conversation_invoices_due_different_steps_go_in_one_message():
    """F1 is due its second reminder, F2 its first, on the same day: the
    customer gets one message about both, in the tone of the second reminder,
    and each invoice's history records its own step."""
    due = date(2026, 10, 1)
    history = [StepDone(1, "reminder_1", date(2026, 10, 2), 1, "email")]
    today = due + timedelta(days=13)  # Wednesday 14 October
    invoices = [inv(1, due), inv(2, today - timedelta(days=2))]
    result = plan(POLICIES, invoices, customers(1), history, today, CAL, TZ)
    assert [(a.step.key, a.invoice_ids) for a in result.actions] == [
        ("reminder_2", (1, 2))
    ]
    assert dict(result.actions[0].history_keys()) == {1: "reminder_2", 2: "reminder_1"}
    assert result.skipped == []
