from datetime import date
from decimal import Decimal

import pytest

from relance.core.penalties import Paid
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
    assert last == date(2026, 6, 30)  # ECB rate known through 5 Feb 2026
    st = build_statement(
        [InvoiceFacts("F9", date(2026, 4, 1), date(2026, 5, 1), D("1000.00"))],
        date(2026, 11, 22),
        RATES,
    )
    (line,) = st.lines
    assert line.claim.periods[-1].end == date(2026, 6, 30)
    assert line.claim.indemnity == D("40.00")
    assert line.days_late == 205
    assert "up to 2026-06-30" in st.warnings[0]


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
        [InvoiceFacts("F10", date(2026, 10, 1), date(2026, 11, 10), D("2400.00"))],
        date(2026, 11, 22),
        RATES,
    )
    (line,) = st.lines
    assert (line.claim.interest, line.claim.indemnity) == (D("0.00"), D("40.00"))
    assert st.total_due == D("2440.00")
