"""Judgement of the planner: cadence, holds, crossing guard, segments, approval."""

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.calendar import BusinessCalendar
from relance.core.planner import plan
from relance.core.policy import (
    CONTACT_CHANNELS,
    DEFAULT_POLICY,
    POLICIES,
    TEXT_CHANNELS,
    WRITTEN_CHANNELS,
    Channel,
)
from relance.core.snapshot import CustomerState, Hold, HoldKind, InvoiceState, StepDone

CAL = BusinessCalendar("FR")
TZ = "Europe/Paris"
DUE = date(2026, 10, 1)
ALL = {"default": DEFAULT_POLICY, **POLICIES}
TEXTED = {"reminder_1": Channel.SMS, "reminder_2": Channel.WHATSAPP}
# The same policies with the first reminder by SMS and the second by WhatsApp.
TEXTING = {
    name: replace(
        p,
        steps=tuple(replace(s, channel=TEXTED.get(s.key, s.channel)) for s in p.steps),
    )
    for name, p in ALL.items()
}


def inv(id_, due=DUE, open_="100.00", customer=1):
    return InvoiceState(id_, f"F{id_}", customer, due, Decimal(open_), "EUR")


def customers(segment="good", n=3):
    return {
        c: CustomerState(c, f"C{c}", True, segment, f"segment {segment}")
        for c in range(1, n + 1)
    }


def run(
    invoices, today, history=(), holds=(), segment="good", stale=False, policies=ALL
):
    return plan(
        policies,
        invoices,
        customers(segment),
        history,
        today,
        CAL,
        TZ,
        holds=holds,
        bank_data_stale=stale,
    )


def steps(result):
    return [(a.customer_id, a.step.key, a.invoice_ids) for a in result.actions]


def skips(result):
    return sorted((s.invoice_id, s.reason) for s in result.skipped)


def test_minimum_gap_between_written_contacts():
    history = [StepDone(1, "reminder_1", DUE + timedelta(days=1), 1, "email")]
    later = inv(2, due=DUE + timedelta(days=2))
    day = DUE + timedelta(days=3)  # invoice 2 is one day late, invoice 1 due a call
    result = run([inv(1), later], day, history)
    assert steps(result) == [(1, "call", (1,))]  # a call is not a written contact
    assert skips(result) == [(2, "min_gap")]
    result = run([later], DUE + timedelta(days=6), history)
    assert steps(result) == [(1, "reminder_1", (2,))]


def test_a_contact_earlier_today_blocks_another_one():
    # A Tuesday: the reminder would land this morning too.
    today = DUE + timedelta(days=5)
    history = [StepDone(9, "call", today, 1, "phone")]
    result = run([inv(1)], today, history)
    assert steps(result) == [] and skips(result) == [(1, "one_contact_per_day")]


def test_holds_on_invoices_and_customers():
    day = DUE + timedelta(days=1)
    invoices = [inv(1), inv(2), inv(3, customer=2), inv(4, customer=3)]
    holds = [
        Hold(HoldKind.DISPUTE, 1, 1),
        Hold(HoldKind.BLOCK, 2),
        Hold(HoldKind.PAUSE, 3, None, day + timedelta(days=3)),
    ]
    result = run(invoices, day, holds=holds)
    assert steps(result) == [(1, "reminder_1", (2,))]
    assert skips(result) == [(1, "disputed"), (3, "blocked"), (4, "paused")]
    after_pause = run([inv(4, customer=3)], day + timedelta(days=4), holds=holds)
    assert steps(after_pause) == [(3, "reminder_1", (4,))]


def test_promise_pauses_then_a_broken_promise_brings_the_next_step_at_once():
    history = [StepDone(1, "reminder_1", DUE + timedelta(days=1), 1, "email")]
    promise = Hold(HoldKind.PROMISE, 1, 1, DUE + timedelta(days=12))
    held = run([inv(1)], DUE + timedelta(days=10), history, holds=[promise])
    assert skips(held) == [(1, "promised")]
    # Day 13: promise broken. Without it, reminder_2 could go (spacing met);
    # the point is the waiver: even right after a contact, the next step goes.
    history.append(StepDone(1, "call", DUE + timedelta(days=12), 1, "phone"))
    broken = run([inv(1)], DUE + timedelta(days=13), history, holds=[promise])
    assert steps(broken) == [(1, "reminder_2", (1,))]
    assert "promise to pay broken" in broken.actions[0].reason


def test_stale_bank_data_holds_everything_with_its_reason():
    result = run([inv(1), inv(2, customer=2)], DUE + timedelta(days=1), stale=True)
    assert steps(result) == [] and skips(result) == [
        (1, "bank_data_stale"),
        (2, "bank_data_stale"),
    ]


def test_payment_pending_holds_the_customer():
    holds = [Hold(HoldKind.PAYMENT_PENDING, 1)]
    assert skips(run([inv(1)], DUE + timedelta(days=1), holds=holds)) == [
        (1, "payment_pending")
    ]


def test_segments_choose_their_policy():
    history = [
        StepDone(1, "reminder_1", DUE + timedelta(days=1), 1, "email"),
        StepDone(1, "call", DUE + timedelta(days=2), 1, "phone"),
    ]
    day7 = DUE + timedelta(days=7)
    assert steps(run([inv(1)], day7, history, segment="good")) == []
    chronic = run([inv(1)], day7, history, segment="chronic")
    assert steps(chronic) == [(1, "reminder_2", (1,))]
    assert (
        chronic.actions[0].policy == "chronic"
        and chronic.actions[0].segment == "chronic"
    )
    assert "segment chronic -> policy chronic" in chronic.actions[0].reason
    key = run([inv(1)], DUE + timedelta(days=1), segment="key_account")
    assert steps(key) == []  # key accounts: first reminder at +3
    assert steps(run([inv(1)], DUE + timedelta(days=3), segment="key_account")) == [
        (1, "reminder_1", (1,))
    ]


def test_letters_to_key_accounts_and_large_amounts_need_approval():
    history = [
        StepDone(1, k, DUE + timedelta(days=d), 1, "email")
        for k, d in (("reminder_1", 3), ("reminder_2", 14), ("reminder_3", 25))
    ]
    letter = run([inv(1)], DUE + timedelta(days=35), history, segment="key_account")
    assert steps(letter) == [(1, "registered_letter", (1,))]
    assert letter.actions[0].needs_approval
    strict = {**ALL, "good": replace(DEFAULT_POLICY, approval_amount=Decimal("5000"))}
    big = run(
        [inv(1, open_="5000.00"), inv(2, open_="10.00", customer=2)],
        DUE + timedelta(days=1),
        policies=strict,
    )
    assert [a.needs_approval for a in big.actions] == [True, False]


def test_small_amounts_are_not_chased():
    lenient = {**ALL, "good": replace(DEFAULT_POLICY, min_amount=Decimal("15"))}
    result = run([inv(1, open_="14.99")], DUE + timedelta(days=1), policies=lenient)
    assert skips(result) == [(1, "below_threshold")]


ledgers = st.lists(
    st.tuples(
        st.integers(-20, 100),  # due date offset
        st.one_of(st.none(), st.integers(0, 140)),  # day paid, if ever
        st.integers(1, 3),  # customer
        st.sampled_from([None, "disputed", "promised", "paused"]),  # hold on it
        st.integers(0, 140),  # hold end
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=120, deadline=None)
@given(
    ledgers,
    st.lists(st.integers(0, 140), min_size=1, max_size=60),
    st.sampled_from(["good", "chronic", "key_account"]),
    st.sets(st.integers(0, 140), max_size=10),
    st.booleans(),
)
def test_property_whatever_the_calendar(ledger, runs, segment, stale_days, texting):
    """Running every day, after gaps, or twice a day: no step twice, nothing for a
    paid or held invoice, one contact per customer per day, written contacts
    spaced unless a promise broke."""
    start = date(2026, 1, 5)
    # Only odd customers have a mobile number: texts must never go to the others.
    custs = {
        c: replace(state, has_mobile=c % 2 == 1)
        for c, state in customers(segment).items()
    }
    policies = TEXTING if texting else ALL
    policy = policies[segment]
    history: list[StepDone] = []
    contacts_per_day = Counter()
    written = defaultdict(list)
    broken_invoices = set()
    holds = []
    for n, (_, _, cust, kind, end) in enumerate(ledger, 1):
        if kind:
            until = None if kind == "disputed" else start + timedelta(days=end)
            holds.append(Hold(HoldKind(kind), cust, n, until))
    for offset in sorted(runs):
        today = start + timedelta(days=offset)
        invoices = []
        for n, (due, paid, cust, _, _) in enumerate(ledger, 1):
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
        result = plan(
            policies,
            invoices,
            custs,
            history,
            today,
            CAL,
            TZ,
            holds=holds,
            bank_data_stale=offset in stale_days,
        )
        by_id = {i.id: i for i in invoices}
        active = {h.invoice_id for h in holds if h.until is None or h.until >= today}
        broken_invoices |= {
            h.invoice_id
            for h in holds
            if h.kind is HoldKind.PROMISE and h.until and h.until < today
        }
        for action in result.actions:
            # Contacts are counted on the day they land (issue 17), not planned.
            lands = action.scheduled_at.date()
            if action.step.key != "thank_you":
                assert offset not in stale_days, "sent with stale bank data"
            for i, key in action.history_keys():
                if action.step.key != "thank_you":
                    assert by_id[i].open_amount > 0, "reminded a paid invoice"
                    assert i not in active, "reminded a held invoice"
                history.append(
                    StepDone(
                        i,
                        key,
                        today,
                        action.customer_id,
                        action.step.channel,
                        True,
                        lands,
                    )
                )
            if action.step.channel in TEXT_CHANNELS:
                assert custs[action.customer_id].has_mobile, "texted without a mobile"
            if action.step.channel in CONTACT_CHANNELS:
                contacts_per_day[(action.customer_id, lands)] += 1
            if (
                action.step.channel in WRITTEN_CHANNELS
                and action.step.key != "thank_you"
            ):
                written[action.customer_id].append((lands, set(action.invoice_ids)))
    for inv_id in {h.invoice_id for h in history}:
        done = sorted((h.on, h.step_key) for h in history if h.invoice_id == inv_id)
        for n, (_, key) in enumerate(done):
            idx = policy.index(key)
            needed = policy.steps[idx].requires if idx is not None else ()
            if needed:
                assert any(k in needed for _, k in done[:n]), f"{key} out of order"
    pairs = Counter((h.invoice_id, h.step_key) for h in history)
    assert all(v == 1 for v in pairs.values()), "a step was planned twice"
    assert all(v == 1 for v in contacts_per_day.values()), "two contacts in a day"
    for sends in written.values():
        for (a, _), (b, invs) in pairwise(sorted(sends, key=lambda s: s[0])):
            assert (b - a).days >= policy.min_gap_days or invs & broken_invoices
