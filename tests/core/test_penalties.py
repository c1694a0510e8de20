"""Worked examples from the legal research (shared/research/legal-fr.md §9)."""

from datetime import date
from decimal import Decimal

import pytest

from relance.core.penalties import (
    ContractRate,
    Paid,
    late_payment_claim,
    prescription_date,
)
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
        contractual_rate=ContractRate(percent=D("12")),
    )
    # The clause is no valid "disposition contraire": ECB + 10 applies.
    assert low.periods[0].rate == D("14.50")
    assert "below three times the legal interest rate (15.21%)" in low.warnings[0]
    assert "the statutory rate 14.50% applies instead" in low.warnings[0]
    ok = claim(
        amount=D("1000.00"),
        due=date(2025, 8, 1),
        until=date(2025, 9, 1),
        contractual_rate=ContractRate(percent=D("12")),
    )
    assert ok.warnings == ()
    assert ok.periods[0].rate == D("12")


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
    with pytest.raises(MissingRate, match=r"2027-01-01"):
        claim(amount=D("100.00"), due=date(2026, 12, 1), until=date(2027, 2, 1))
    with pytest.raises(MissingRate, match="before 2013"):
        claim(amount=D("100.00"), due=date(2012, 1, 1), until=date(2012, 3, 1))


def test_an_added_half_year_is_used():
    table = RATES.with_ecb(date(2027, 1, 1), D("2.65"), "test: unchanged")
    c = late_payment_claim(
        rates=table,
        amount=D("1000.00"),
        due=date(2026, 12, 21),
        until=date(2027, 1, 10),
    )
    assert [(p.days, p.rate) for p in c.periods] == [(10, D("12.40")), (10, D("12.65"))]


def test_the_june_2026_rise_sets_the_second_half_of_2026():
    """MRO 2.40 % from 17 June 2026 (ECB, 11 June 2026), in force on 1 July: 12.40 %.
    1,000 EUR due 20 June, paid 10 July 2026: 1000 x 12.15 % x 10/365 = 3.3288 and
    1000 x 12.40 % x 10/365 = 3.3973, 6.73 EUR."""
    c = claim(amount=D("1000.00"), due=date(2026, 6, 20), until=date(2026, 7, 10))
    assert [(p.days, p.rate) for p in c.periods] == [(10, D("12.15")), (10, D("12.40"))]
    assert c.interest == D("6.73")
    # The September rise (2.65 % from 16 September) waits for 1 January 2027.
    late = claim(amount=D("1000.00"), due=date(2026, 9, 30), until=date(2026, 12, 4))
    assert {p.rate for p in late.periods} == {D("12.40")}


def test_three_times_the_legal_rate_is_claimed_as_the_contract_says():
    """The issue's case: 10,000 EUR, 100 days late in 2026 S1 (16 Jan - 20 Apr).
    Terms: three times the legal rate, 3 x 2.62 % = 7.86 %:
    10000 x 7.86 % x 100/365 = 215.34 EUR; the statutory 12.15 % would be 332.88."""
    terms = ContractRate.parse("3x")
    kw = {"amount": D("10000.00"), "due": date(2026, 1, 10), "until": date(2026, 4, 20)}
    c = claim(**kw, contractual_rate=terms)
    assert [(p.days, p.rate) for p in c.periods] == [(100, D("7.86"))]
    assert (c.interest, c.indemnity, c.warnings) == (D("215.34"), D("40.00"), ())
    assert claim(**kw).interest == D("332.88")


def test_a_clause_below_the_floor_gives_way_to_the_statutory_rate():
    """2026 S1 floor 3 x 2.62 = 7.86 %: a 5 % clause, or twice the legal rate, is
    below it, so ECB + 10 = 12.15 % applies: 10000 x 12.15 % x 100/365 = 332.88."""
    kw = {"amount": D("10000.00"), "due": date(2026, 1, 10), "until": date(2026, 4, 20)}
    for terms in ("5", "2x"):
        c = claim(**kw, contractual_rate=ContractRate.parse(terms))
        assert c.interest == D("332.88")
        assert "below three times the legal interest rate (7.86%)" in c.warnings[0]


def test_a_contract_in_legal_rates_needs_the_half_years_legal_rate():
    with pytest.raises(MissingRate, match="2026 S2"):
        claim(
            amount=D("1000.00"),
            due=date(2026, 6, 20),
            until=date(2026, 7, 10),
            contractual_rate=ContractRate.parse("3x"),
        )
    fixed = claim(
        amount=D("1000.00"),
        due=date(2026, 6, 20),
        until=date(2026, 7, 10),
        contractual_rate=ContractRate.parse("9"),
    )
    assert [p.rate for p in fixed.periods] == [D("9"), D("9")]
    assert "2026 S2: the legal interest rate is not in the table" in fixed.warnings[0]


def test_public_buyer_owes_ecb_plus_8_kept_from_the_first_late_day():
    """R2192-31: 10,000 EUR due 1 June 2026, paid 10 August (70 days). Rate of the
    half-year the delay began in: ECB 2.15 % on 1 January 2026 + 8 = 10.15 % for
    all 70 days: 10000 x 10.15 % x 70/365 = 194.66 EUR, and 40 EUR (D2192-35).
    A business would owe 29 d at 12.15 % + 41 d at 12.40 % = 235.82 EUR."""
    kw = {"amount": D("10000.00"), "due": date(2026, 6, 1), "until": date(2026, 8, 10)}
    public = claim(**kw, public=True, contractual_rate=ContractRate.parse("3x"))
    assert [(p.days, p.rate) for p in public.periods] == [
        (29, D("10.15")),
        (41, D("10.15")),
    ]
    assert (public.interest, public.indemnity) == (D("194.66"), D("40.00"))
    assert claim(**kw).interest == D("235.82")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("12,5", ContractRate(percent=D("12.5"))),
        ("3x", ContractRate(legal_times=D("3"))),
        (" 3 × ", ContractRate(legal_times=D("3"))),
    ],
)
def test_contract_rate_is_read_from_its_text(text, expected):
    assert ContractRate.parse(text) == expected


@pytest.mark.parametrize("text", ["abc", "0", "-3", "3xx", "nan", "1e9"])
def test_contract_rate_refuses_what_is_not_a_rate(text):
    with pytest.raises(ValueError, match="contractual rate"):
        ContractRate.parse(text)


def test_the_table_says_which_half_year_rates_are_missing():
    assert RATES.missing_for(date(2026, 3, 1)) == ()
    assert RATES.missing_for(date(2026, 12, 4)) == ("legal",)
    assert RATES.missing_for(date(2027, 1, 1)) == ("ecb", "legal")


def test_prescription():
    assert prescription_date(date(2024, 2, 29), b2c=False) == date(2029, 2, 28)
    assert prescription_date(date(2025, 1, 15), b2c=True) == date(2027, 1, 15)
