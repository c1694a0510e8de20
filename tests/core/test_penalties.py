"""Worked examples from the legal research (shared/research/legal-fr.md §9)."""

from datetime import date
from decimal import Decimal

import pytest

from relance.core.penalties import Paid, late_payment_claim, prescription_date
from relance.core.rates import MissingRate, shipped_rates

RATES = shipped_rates()
D = Decimal


def claim(**kw):
    return late_payment_claim(rates=RATES, **kw)


def test_b2b_across_the_june_boundary():
    c = claim(amount=D("12000.00"), due=date(2025, 5, 15), until=date(2025, 8, 20))
    assert [(p.start, p.end, p.days, p.rate) for p in c.periods] == [
        (date(2025, 5, 16), date(2025, 6, 30), 46, D("13.15")),
        (date(2025, 7, 1), date(2025, 8, 20), 51, D("12.15")),
    ]
    assert c.interest == D("402.59") and c.indemnity == D("40.00")
    assert c.total == D("442.59")


def test_rate_frozen_at_the_start_of_the_delay():
    c = claim(
        amount=D("12000.00"),
        due=date(2025, 5, 15),
        until=date(2025, 8, 20),
        freeze=True,
    )
    assert c.interest == D("419.36")


def test_across_a_leap_year_end_with_both_day_counts():
    kw = dict(amount=D("5000.00"), due=date(2024, 11, 30), until=date(2025, 2, 14))
    c = claim(**kw)
    assert [(p.days, p.rate) for p in c.periods] == [(31, D("14.25")), (45, D("13.15"))]
    assert c.interest == D("141.58")
    assert claim(**kw, actual_days=True).interest == D("141.41")


def test_partial_payment_reduces_the_base_from_the_next_day():
    c = claim(
        amount=D("10000.00"),
        due=date(2025, 5, 31),
        until=date(2025, 9, 10),
        payments=(
            Paid(date(2025, 6, 15), D("4000.00")),
            Paid(date(2025, 9, 10), D("6000.00")),
        ),
    )
    assert [(p.days, p.base) for p in c.periods] == [
        (15, D("10000.00")),
        (15, D("6000.00")),
        (72, D("6000.00")),
    ]
    assert c.interest == D("230.27")
    assert c.indemnity == D("40.00")  # one indemnity, despite the partial payment


def test_consumer_interest_runs_from_the_formal_notice_without_indemnity():
    c = claim(
        amount=D("1500.00"),
        due=date(2025, 4, 30),
        until=date(2025, 9, 15),
        b2c=True,
        notice=date(2025, 6, 10),
    )
    assert [(p.days, p.rate) for p in c.periods] == [(20, D("3.71")), (77, D("2.76"))]
    assert c.interest == D("11.78") and c.indemnity == D("0.00")
    no_notice = claim(
        amount=D("1500.00"), due=date(2025, 4, 30), until=date(2025, 9, 15), b2c=True
    )
    assert no_notice.total == 0 and "formal notice" in no_notice.warnings[0]


def test_contractual_rate_below_the_legal_floor_is_warned():
    low = claim(
        amount=D("1000.00"),
        due=date(2024, 3, 1),
        until=date(2024, 4, 1),
        contractual_rate=D("12"),
    )
    assert low.periods[0].rate == D("12")
    assert "below three times the legal interest rate (15.21%)" in low.warnings[0]
    ok = claim(
        amount=D("1000.00"),
        due=date(2025, 8, 1),
        until=date(2025, 9, 1),
        contractual_rate=D("12"),
    )
    assert ok.warnings == ()


def test_paid_on_time_owes_nothing():
    c = claim(amount=D("800.00"), due=date(2025, 3, 1), until=date(2025, 3, 1))
    assert (c.interest, c.indemnity, c.periods) == (D("0.00"), D("0.00"), ())
    early = claim(
        amount=D("800.00"),
        due=date(2025, 3, 1),
        until=date(2025, 4, 1),
        payments=(Paid(date(2025, 2, 20), D("800.00")),),
    )
    assert early.total == 0


def test_a_missing_rate_is_an_error_not_a_guess():
    with pytest.raises(MissingRate, match=r"2026-07-01"):
        claim(amount=D("100.00"), due=date(2026, 6, 1), until=date(2026, 8, 1))
    with pytest.raises(MissingRate, match="before 2013"):
        claim(amount=D("100.00"), due=date(2012, 1, 1), until=date(2012, 3, 1))


def test_an_added_half_year_is_used():
    table = RATES.with_ecb(date(2026, 7, 1), D("2.15"), "test: unchanged")
    c = late_payment_claim(
        rates=table, amount=D("1000.00"), due=date(2026, 6, 20), until=date(2026, 7, 10)
    )
    assert [(p.days, p.rate) for p in c.periods] == [(10, D("12.15")), (10, D("12.15"))]


def test_prescription():
    assert prescription_date(date(2024, 2, 29), b2c=False) == date(2029, 2, 28)
    assert prescription_date(date(2025, 1, 15), b2c=True) == date(2027, 1, 15)
