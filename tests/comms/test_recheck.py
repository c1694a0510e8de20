"""The re-check right before sending applies the run's own rules (one function,
relance.core.holds): each test prepares a reminder, then something that stops
reminders happens before it goes. GIVEN a reminder rendered on Friday 2 October
for Tuesday 6 October 09:00, WHEN the hold appears and the sender runs on the
Tuesday, THEN the reminder is cancelled with its reason on the timeline."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from relance.comms.addresses import mark_failing
from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import Action, ActionInvoice
from relance.dunning.plans import create_plan
from relance.dunning.services import run_dunning
from relance.ledger.manual import record_payment
from relance.ledger.models import Payment
from relance.timeline.models import Event
from tests.factories import make_invoice, pay

DUE = date(2026, 10, 1)  # a Thursday
RUN = DUE + timedelta(days=1)  # Friday: the reminder goes on Tuesday 09:00
TUESDAY = datetime(2026, 10, 6, 8, 30, tzinfo=UTC)  # 10:30 in Paris


def send(org) -> dict:
    with time_machine.travel(TUESDAY, tick=False):
        return send_outbox(org)


def prepared(org, number="F1", ref="C1", total="1200.00"):
    inv = make_invoice(org, number, DUE, total=total, customer_ref=ref)
    run_dunning(org, RUN)
    message = OutboundMessage.objects.get(customer=inv.customer)
    assert message.status == "queued" and message.not_before > RUN_INSTANT
    return inv, message


RUN_INSTANT = datetime(2026, 10, 2, 12, tzinfo=UTC)


def assert_cancelled(message, reason: str):
    message.refresh_from_db()
    assert (message.status, message.status_reason) == ("cancelled", reason)
    assert message.action.status == "cancelled"
    event = Event.objects.get(kind="message.cancelled", data__message=message.pk)
    assert event.data["reason"] == reason


@pytest.mark.parametrize(
    ("kind", "on_invoice", "until"),
    [
        ("disputed", True, None),
        ("promised", True, date(2026, 10, 20)),
        ("paused", False, date(2026, 10, 20)),
        ("blocked", False, None),
        # A reply read as "already paid", waiting for a person, holds this way.
        ("payment_pending", False, date(2026, 10, 16)),
    ],
)
def test_a_hold_added_after_rendering_cancels_the_reminder(
    acme, smtp, kind, on_invoice, until
):
    inv, message = prepared(acme)
    add_hold(
        acme,
        kind,
        inv.customer,
        invoice=inv if on_invoice else None,
        until=until,
        reason="after rendering",
        actor="test",
    )
    counts = send(acme)
    assert (counts["sent"], counts["cancelled"]) == (0, 1)
    assert smtp.messages == []
    assert_cancelled(message, f"{kind}: F1")


def test_a_promise_whose_date_has_passed_by_sending_time_holds_nothing(acme, smtp):
    inv, _ = prepared(acme)
    add_hold(
        acme, "promised", inv.customer, invoice=inv, until=date(2026, 10, 5), actor="t"
    )
    assert send(acme)["sent"] == 1


def test_a_payment_plan_made_after_rendering_cancels_the_reminder(acme, smtp):
    inv, message = prepared(acme)
    create_plan(
        acme,
        inv,
        [(date(2026, 10, 15), Decimal("600.00")), (date(2026, 11, 15), Decimal("600"))],
        actor="test",
    )
    assert send(acme)["cancelled"] == 1
    assert smtp.messages == []
    assert_cancelled(message, "payment_plan: F1")


def test_an_unmatched_bank_payment_of_the_customer_cancels_the_reminder(acme, smtp):
    inv, message = prepared(acme)
    Payment.objects.create(
        org=acme,
        customer=inv.customer,
        received_on=date(2026, 10, 5),
        amount=Decimal("1200.00"),
        source="bank",
        reference="VIR CLIENT C1",
    )
    assert send(acme)["cancelled"] == 1
    assert_cancelled(message, "payment_pending: F1")


def test_a_refused_contact_address_cancels_the_reminder(acme, smtp):
    _, message = prepared(acme)
    mark_failing(acme, ["compta@client.example"], "550 no such user")
    assert send(acme)["cancelled"] == 1
    assert smtp.messages == []
    assert_cancelled(message, "contact address refused")


def test_stale_bank_data_at_sending_time_cancels_the_reminder(acme, smtp):
    _, message = prepared(acme)
    acme.bank_max_age_days, acme.bank_data_as_of = 3, date(2026, 10, 1)
    acme.save()
    assert send(acme)["cancelled"] == 1
    assert_cancelled(message, "bank_data_stale: F1")


def test_a_reminder_about_an_invoice_paid_since_is_rewritten_by_the_next_run(
    acme, smtp
):
    """Two invoices in one reminder; one is paid before it goes: the reminder is
    cancelled (it would list a paid invoice) and the next run writes it again
    for the invoice still open."""
    first = make_invoice(acme, "F1", DUE)
    second = make_invoice(acme, "F2", DUE)
    run_dunning(acme, RUN)
    message = OutboundMessage.objects.get()
    pay(acme, second, "1200.00", on=date(2026, 10, 5))
    assert send(acme)["cancelled"] == 1
    assert_cancelled(message, "changed since it was written: F2 paid")
    run_dunning(acme, date(2026, 10, 6))
    again = Action.objects.get(step="reminder_1", status="queued")
    assert [i.number for i in again.invoices.all()] == ["F1"]
    assert first.pk in set(
        ActionInvoice.objects.filter(step="reminder_1").values_list(
            "invoice_id", flat=True
        )
    )


def test_a_cancelled_step_is_planned_again_once_the_hold_ends(acme, smtp):
    inv, _ = prepared(acme)
    hold = add_hold(acme, "paused", inv.customer, until=date(2026, 10, 8), actor="t")
    assert send(acme)["cancelled"] == 1
    assert run_dunning(acme, date(2026, 10, 7))["actions"] == []
    end_hold(hold, actor="test")
    planned = run_dunning(acme, date(2026, 10, 9))["actions"]
    assert [(a["step"], a["invoices"]) for a in planned] == [("reminder_1", ["F1"])]


def test_a_paid_instalment_is_never_chased(acme, smtp):
    inv = make_invoice(acme, "P1", date(2026, 9, 1), total="2000.00")
    create_plan(
        acme,
        inv,
        [(date(2026, 10, 1), Decimal("1000.00")), (date(2026, 11, 1), Decimal("1000"))],
        actor="test",
    )
    run_dunning(acme, RUN)
    message = OutboundMessage.objects.get(action__step="instalment_late")
    pay(acme, inv, "1000.00", on=date(2026, 10, 5))
    assert send(acme)["cancelled"] == 1
    assert smtp.messages == []
    assert_cancelled(message, "instalment paid")


def test_an_untouched_reminder_still_goes(acme, smtp):
    _, message = prepared(acme)
    assert send(acme)["sent"] == 1
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_payment_landing_holds_the_customers_reminders_until_the_next_run(acme, smtp):
    """A payment of the customer for another invoice is recorded after the run:
    the reminder about F1 does not go the morning it lands; the next run plans
    it again, knowing of the payment."""
    _, message = prepared(acme)
    other = make_invoice(acme, "F9", date(2026, 11, 30))
    record_payment(acme, other, "alice", received_on=date(2026, 10, 5))
    assert send(acme)["cancelled"] == 1
    assert smtp.messages == []
    assert_cancelled(message, "payment received since it was planned")
    planned = run_dunning(acme, date(2026, 10, 6))["actions"]
    assert [(a["step"], a["invoices"]) for a in planned] == [("reminder_1", ["F1"])]


def test_a_declared_payment_hold_ends_when_the_payment_is_in_the_ledger(acme):
    inv = make_invoice(acme, "F1", DUE)
    hold = add_hold(
        acme,
        "payment_pending",
        inv.customer,
        invoice=inv,
        until=date(2026, 10, 20),
        reason="« déjà réglé » (reply)",
        actor="inbox",
    )
    record_payment(acme, inv, "alice", received_on=date(2026, 10, 5))
    hold.refresh_from_db()
    assert hold.ended_at is not None and hold.end_reason.startswith("paid")
