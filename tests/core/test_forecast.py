"""The policy preview replays the planner: what it announces is what the runs do."""

from datetime import date, timedelta
from decimal import Decimal

from relance.core.calendar import BusinessCalendar
from relance.core.forecast import forecast
from relance.core.planner import next_step
from relance.core.policy import CHRONIC_POLICY, DEFAULT_POLICY, KEY_ACCOUNT_POLICY
from relance.core.snapshot import InvoiceState

FR = BusinessCalendar("FR")
TZ = "Europe/Paris"


def test_a_new_invoice_gets_every_step_in_order_on_business_days_in_window():
    issued, due = date(2026, 11, 2), date(2026, 12, 2)
    steps = forecast(DEFAULT_POLICY, due, Decimal("1500"), issued, FR, TZ)
    keys = [u.step.key for u in steps]
    assert keys == [s.key for s in DEFAULT_POLICY.steps]
    for u in steps:
        local = u.sends_at
        assert FR.is_business_day(local.date())
        assert local.weekday() in u.step.window.weekdays
        assert local.time() == u.step.window.start
        assert (u.planned_on - due).days == u.step.offset_days
    # Christmas and New Year's Day are French holidays: nothing goes out then.
    assert not any(u.sends_at.date() in FR._days_off for u in steps)


def test_a_late_invoice_starts_with_a_first_reminder_and_skips_the_courtesy():
    due, today = date(2026, 9, 1), date(2026, 11, 10)  # 70 days late
    steps = forecast(DEFAULT_POLICY, due, Decimal("800"), today, FR, TZ)
    assert steps[0].step.key == "reminder_1" and steps[0].planned_on == today
    assert "pre_reminder" not in [u.step.key for u in steps]
    # After the first contact the policy's own spacing paces the rest.
    second = steps[1]
    assert second.step.key == "call" and (second.planned_on - today).days == 1


def test_the_forecast_agrees_with_next_step_run_day_by_day():
    due, today = date(2026, 10, 20), date(2026, 10, 1)
    steps = forecast(CHRONIC_POLICY, due, Decimal("300"), today, FR, TZ)
    invoice = InvoiceState(1, "F", 1, due, Decimal("300"), "EUR")
    done, day, seen = {}, today, []
    while day <= due + timedelta(days=60):
        step = next_step(CHRONIC_POLICY, invoice, done, day)
        if step:
            done[step.key] = day
            seen.append((step.key, day))
        day += timedelta(days=1)
    assert [(u.step.key, u.planned_on) for u in steps] == seen


def test_history_and_thresholds():
    due, today = date(2026, 10, 1), date(2026, 10, 12)
    done = {"reminder_1": date(2026, 10, 2), "call": date(2026, 10, 3)}
    steps = forecast(DEFAULT_POLICY, due, Decimal("300"), today, FR, TZ, done)
    assert steps[0].step.key == "reminder_2"
    assert {u.step.key for u in steps}.isdisjoint(done)
    # Key accounts: letters wait for a person's approval.
    key = forecast(KEY_ACCOUNT_POLICY, due, Decimal("300"), today, FR, TZ)
    approvals = {u.step.key for u in key if u.needs_approval}
    assert approvals == {"registered_letter", "formal_notice", "legal"}
    from dataclasses import replace

    small = replace(DEFAULT_POLICY, min_amount=Decimal("500"))
    assert forecast(small, due, Decimal("499.99"), today, FR, TZ) == []
    big = replace(DEFAULT_POLICY, approval_amount=Decimal("10000"))
    assert all(
        u.needs_approval for u in forecast(big, due, Decimal("10000"), today, FR, TZ)
    )
