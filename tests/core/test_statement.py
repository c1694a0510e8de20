from datetime import date
from decimal import Decimal

import pytest

from relance.core.penalties import ContractRate, Paid
from relance.core.rates import shipped_rates
from relance.core.statement import InvoiceFacts, build_statement, last_day_with_rates

RATES = shipped_rates()
D = Decimal


def test_statement_sums_principal_interest_indemnity_and_payments():
    invoices = [
        InvoiceFacts("F1", date(2025, 4, 15), date(2025, 5, 15), D("12000.00")),
        InvoiceFacts(
            "F2",
            date(2025, 5, 1),
            date(2025, 5, 31),
            D("10000.00"),
            payments=(Paid(date(2025, 6, 15), D("4000.00")),),
        ),
        InvoiceFacts("F3", date(2025, 8, 1), date(2025, 8, 31), D("500.00")),  # not due
        InvoiceFacts(
            "F4",
            date(2025, 3, 1),
            date(2025, 3, 31),
            D("300.00"),
            payments=(Paid(date(2025, 3, 20), D("300.00")),),
        ),  # paid
    ]
    st = build_statement(invoices, date(2025, 8, 20), RATES)
    assert [x.invoice.number for x in st.lines] == ["F1", "F2"]
    f1, f2 = st.lines
    assert f1.claim.interest == D("402.59") and f1.days_late == 97
    assert (f2.received, f2.principal) == (D("4000.00"), D("6000.00"))
    assert st.principal == D("18000.00") and st.received == D("4000.00")
    assert st.indemnity == D("80.00")
    assert st.total_due == st.principal + st.interest + D("80.00")
    assert f1.prescription == date(2030, 5, 15)
    assert st.warnings == ()


def test_interest_stops_where_the_rate_table_stops_and_says_so():
    last = last_day_with_rates(RATES, b2c=False)
    assert last == date(2026, 12, 31)  # ECB rate known through 16 Sep 2026
    assert last_day_with_rates(RATES, b2c=True) == date(2026, 6, 30)
    st = build_statement(
        [InvoiceFacts("F9", date(2026, 11, 1), date(2026, 12, 1), D("1000.00"))],
        date(2027, 1, 20),
        RATES,
    )
    (line,) = st.lines
    assert line.claim.periods[-1].end == date(2026, 12, 31)
    assert line.claim.indemnity == D("40.00")
    assert line.days_late == 50
    assert "up to 2026-12-31" in st.warnings[0]


def test_penalties_run_through_today_with_the_shipped_table():
    """1,000 EUR due 1 May 2026, on 4 December 2026: 60 d at 12.15 % (19.9726) and
    157 d at 12.40 % (53.3370) = 73.31 EUR."""
    st = build_statement(
        [InvoiceFacts("F9", date(2026, 4, 1), date(2026, 5, 1), D("1000.00"))],
        date(2026, 12, 4),
        RATES,
    )
    assert (st.interest, st.indemnity, st.warnings) == (D("73.31"), D("40.00"), ())


def test_a_contract_in_legal_rates_stops_where_the_legal_rates_stop():
    """Terms "3x": 1,000 EUR due 1 May 2026: 60 days at 7.86 % = 12.92 EUR, then
    the legal rate of 2026 S2 is not known: counted up to 30 June, and said."""
    st = build_statement(
        [InvoiceFacts("F9", date(2026, 4, 1), date(2026, 5, 1), D("1000.00"))],
        date(2026, 12, 4),
        RATES,
        contractual_rate=ContractRate.parse("3x"),
    )
    assert (st.interest_until, st.interest) == (date(2026, 6, 30), D("12.92"))
    assert "up to 2026-06-30" in st.warnings[0]


def _late_paid(**kw):
    """5,000 EUR due 31 March 2026, paid in full 15 May (45 days late), and 2,000
    EUR paid on time; statement of 4 December 2026."""
    invoices = [
        InvoiceFacts(
            "P1",
            date(2026, 3, 1),
            date(2026, 3, 31),
            D("5000.00"),
            payments=(Paid(date(2026, 5, 15), D("5000.00")),),
        ),
        InvoiceFacts(
            "P2",
            date(2026, 3, 1),
            date(2026, 3, 31),
            D("2000.00"),
            payments=(Paid(date(2026, 3, 30), D("2000.00")),),
        ),
    ]
    return build_statement(invoices, date(2026, 12, 4), RATES, **kw)


def test_an_invoice_paid_late_in_full_is_claimed_only_when_chosen():
    """5000 x 12.15 % x 45/365 = 74.90 EUR and 40 EUR, nothing of principal."""
    assert _late_paid().lines == ()
    st = _late_paid(claim_late_paid=True)
    (line,) = st.late_paid_lines
    assert st.open_lines == ()
    assert (line.invoice.number, line.principal, line.received) == (
        "P1",
        D("0.00"),
        D("5000.00"),
    )
    assert (line.claim.interest, line.claim.indemnity, line.days_late) == (
        D("74.90"),
        D("40.00"),
        45,
    )
    assert [(p.start, p.end) for p in line.claim.periods] == [
        (date(2026, 4, 1), date(2026, 5, 15))
    ]
    assert st.total_due == D("114.90")
    assert _late_paid(claim_late_paid=True, b2c=True).lines == ()


def test_a_late_paid_invoice_time_barred_is_not_claimed():
    old = InvoiceFacts(
        "P0",
        date(2021, 1, 1),
        date(2021, 1, 31),
        D("100.00"),
        payments=(Paid(date(2021, 3, 1), D("100.00")),),
    )
    assert build_statement([old], date(2026, 12, 4), RATES).lines == ()
    st = build_statement([old], date(2026, 12, 4), RATES, claim_late_paid=True)
    assert st.lines == ()


def test_one_currency_per_statement():
    with pytest.raises(ValueError, match="one statement per currency"):
        build_statement(
            [
                InvoiceFacts("A", date(2025, 1, 1), date(2025, 2, 1), D("1"), "EUR"),
                InvoiceFacts("B", date(2025, 1, 1), date(2025, 2, 1), D("1"), "USD"),
            ],
            date(2025, 3, 1),
            RATES,
        )


def test_indemnity_is_owed_even_when_no_interest_day_is_known_yet():
    st = build_statement(
        [InvoiceFacts("F10", date(2027, 1, 1), date(2027, 1, 10), D("2400.00"))],
        date(2027, 1, 22),
        RATES,
    )
    (line,) = st.lines
    assert (line.claim.interest, line.claim.indemnity) == (D("0.00"), D("40.00"))
    assert st.total_due == D("2440.00")
