from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.calendar import BusinessCalendar
from relance.core.planner import next_step, plan
from relance.core.policy import DEFAULT_POLICY, Channel
from relance.core.snapshot import CustomerState, InvoiceState, StepDone

POLICIES = {"default": DEFAULT_POLICY}
CAL = BusinessCalendar("FR")
TZ = "Europe/Paris"
DUE = date(2026, 10, 1)  # a Thursday
CUSTOMERS = {1: CustomerState(1, "C1", True), 2: CustomerState(2, "C2", False)}


def inv(id_, due=DUE, open_="100.00", customer=1, paid_on=None):
    return InvoiceState(id_, f"F{id_}", customer, due, Decimal(open_), "EUR", paid_on)


def run(invoices, today, history=()):
    return plan(POLICIES, invoices, CUSTOMERS, history, today, CAL, TZ)


def steps_of(result):
    return [(a.step.key, a.invoice_ids) for a in result.actions]


def test_each_stage_on_its_day():
    expected = {
        -4: "pre_reminder",
        1: "reminder_1",
        2: "call",
        10: "reminder_2",
        20: "reminder_3",
    }
    history = []
    seen = {}
    for offset in range(-10, 25):
        day = DUE + timedelta(days=offset)
        result = run([inv(1)], day, history)
        for a in result.actions:
            seen[offset] = a.step.key
            history += [StepDone(i, a.step.key, day) for i in a.invoice_ids]
    assert seen == expected


def test_formal_steps_follow_the_policy_spacing():
    history = [StepDone(1, "reminder_3", DUE + timedelta(days=20))]
    assert not run([inv(1)], DUE + timedelta(days=29), history).actions
    result = run([inv(1)], DUE + timedelta(days=30), history)
    assert steps_of(result) == [("registered_letter", (1,))]
    assert result.actions[0].step.channel is Channel.LETTER


def test_first_contact_is_always_a_plain_reminder():
    # Imported 70 days late, never reminded: one friendly first reminder, not a
    # "second reminder" nor a formal notice out of the blue, then the policy's
    # own spacing.
    day = DUE + timedelta(days=70)
    assert steps_of(run([inv(1)], day)) == [("reminder_1", (1,))]
    history = [StepDone(1, "reminder_1", day)]
    nxt = day + timedelta(days=1)
    assert steps_of(run([inv(1)], nxt, history)) == [("call", (1,))]
    history.append(StepDone(1, "call", nxt))
    assert run([inv(1)], nxt + timedelta(days=7), history).actions == []
    assert steps_of(run([inv(1)], nxt + timedelta(days=8), history)) == [
        ("reminder_2", (1,))
    ]


def test_catch_up_after_an_outage_sends_only_the_highest_step():
    history = [StepDone(1, "reminder_1", DUE + timedelta(days=1))]
    result = run([inv(1)], DUE + timedelta(days=25), history)
    assert steps_of(result) == [("reminder_3", (1,))]


def test_same_history_same_day_plans_nothing_twice():
    day = DUE + timedelta(days=1)
    first = run([inv(1)], day)
    history = [
        StepDone(i, a.step.key, day) for a in first.actions for i in a.invoice_ids
    ]
    assert run([inv(1)], day, history).actions == []


def test_paid_invoice_is_never_reminded_and_thanked_once():
    day = DUE + timedelta(days=12)
    paid = inv(1, open_="0", paid_on=day - timedelta(days=1))
    assert steps_of(run([paid], day)) == []  # never chased: no thanks either
    history = [StepDone(1, "reminder_1", DUE + timedelta(days=1))]
    assert steps_of(run([paid], day, history)) == [("thank_you", (1,))]
    history.append(StepDone(1, "thank_you", day))
    assert run([paid], day + timedelta(days=1), history).actions == []


def test_one_contact_per_customer_per_day_the_highest_step_wins():
    day = DUE + timedelta(days=1)
    invoices = [inv(1), inv(2), inv(3, due=DUE + timedelta(days=3))]
    result = run(invoices, day)
    assert steps_of(result) == [("reminder_1", (1, 2))]
    # Invoice 3's pre-reminder waits: it would also land on Tuesday, its due date
    # (a courtesy arriving that day is not sent, tests/core/test_landing_days.py).
    assert [(s.invoice_id, s.step_key, s.reason) for s in result.skipped] == [
        (3, "pre_reminder", "would_arrive_after_due_date")
    ]


def test_customer_without_email_is_skipped_with_a_reason():
    result = run([inv(1, customer=2)], DUE + timedelta(days=1))
    assert result.actions == []
    assert [(s.invoice_id, s.step_key, s.reason) for s in result.skipped] == [
        (1, "reminder_1", "no_contact")
    ]


def test_emails_wait_for_a_tuesday_to_thursday_morning_calls_for_a_business_day():
    sunday = date(2026, 11, 22)
    result = run([inv(1, due=sunday - timedelta(days=1))], sunday)
    at = result.actions[0].scheduled_at
    assert (at.date(), at.hour, str(at.tzinfo)) == (date(2026, 11, 24), 9, TZ)
    history = [StepDone(1, "reminder_1", sunday, 1, "email")]
    call = run(
        [inv(1, due=sunday - timedelta(days=1))], sunday + timedelta(days=1), history
    )
    assert steps_of(call) == [("call", (1,))]
    assert call.actions[0].scheduled_at.date() == date(2026, 11, 23)  # Monday
    # Christmas Thursday: the reminder planned that day waits for the next window.
    xmas = run([inv(2, due=date(2025, 12, 24))], date(2025, 12, 25))
    assert xmas.actions[0].scheduled_at.date() == date(2025, 12, 30)


def test_pre_reminder_is_not_sent_once_late():
    assert (
        next_step(DEFAULT_POLICY, inv(1), {}, DUE + timedelta(days=1)).key
        == "reminder_1"
    )
    assert (
        next_step(DEFAULT_POLICY, inv(1), {}, DUE - timedelta(days=3)).key
        == "pre_reminder"
    )


ledgers = st.lists(
    st.tuples(
        st.integers(-20, 100),  # due date offset from the start
        st.one_of(st.none(), st.integers(0, 140)),  # day paid, if ever
        st.integers(1, 3),  # customer
    ),
    min_size=1,
    max_size=12,
)
calendars = st.lists(st.integers(0, 140), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(ledgers, calendars)
def test_property_never_twice_never_paid_one_message_per_step_and_day(ledger, runs):
    start = date(2026, 1, 5)
    customers = {c: CustomerState(c, f"C{c}", True) for c in (1, 2, 3)}
    history: list[StepDone] = []
    per_day = Counter()
    for offset in sorted(runs):  # duplicates = several runs on one day
        today = start + timedelta(days=offset)
        invoices = []
        for n, (due, paid, cust) in enumerate(ledger, 1):
            is_paid = paid is not None and paid <= offset
            invoices.append(
                InvoiceState(
                    n,
                    f"F{n}",
                    cust,
                    start + timedelta(days=due),
                    Decimal("0") if is_paid else Decimal("50"),
                    "EUR",
                    start + timedelta(days=paid) if is_paid else None,
                )
            )
        result = plan(POLICIES, invoices, customers, history, today, CAL, TZ)
        by_id = {i.id: i for i in invoices}
        for action in result.actions:
            per_day[(action.customer_id, action.step.key, today)] += 1
            for i, key in action.history_keys():
                if action.step.key != "thank_you":
                    assert by_id[i].open_amount > 0, "reminded a paid invoice"
                history.append(StepDone(i, key, today))
    pairs = Counter((h.invoice_id, h.step_key) for h in history)
    assert max(pairs.values()) == 1 if pairs else True, "a step was planned twice"
    assert all(v == 1 for v in per_day.values())
    for inv_id in {h.invoice_id for h in history}:
        done = [
            h for h in history if h.invoice_id == inv_id and h.step_key != "thank_you"
        ]
        order = [DEFAULT_POLICY.index(h.step_key) for h in done]
        assert order == sorted(order), "steps went backwards"
        # Steps that need a previous one: never the first contact after the due date.
        formal = [
            h
            for h in done
            if DEFAULT_POLICY.steps[DEFAULT_POLICY.index(h.step_key)].needs_previous
        ]
        if formal:
            first_formal = min(h.on for h in formal)
            assert any(
                h.on < first_formal
                and DEFAULT_POLICY.steps[DEFAULT_POLICY.index(h.step_key)].offset_days
                > 0
                for h in done
            ), "a formal letter was the first contact"
