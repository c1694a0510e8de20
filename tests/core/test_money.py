from decimal import Decimal

import pytest

from relance.core.money import CurrencyMismatch, Money, format_money, totals_by_currency


def test_french_and_english_formatting():
    m = Money(Decimal("1234.5"))
    assert format_money(m, "fr_FR") == "1\u202f234,50\xa0€"
    assert format_money(m, "en_GB") == "€1,234.50"


def test_float_is_refused():
    with pytest.raises(TypeError):
        Money(12.5)


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "USD")
    totals = totals_by_currency(
        [Money(Decimal("1.10")), Money(Decimal("2"), "USD"), Money(Decimal("0.20"))]
    )
    assert totals == {"EUR": Money(Decimal("1.30")), "USD": Money(Decimal("2"), "USD")}


def test_rounding_half_up_to_the_cent():
    assert Money(Decimal("0.125")).rounded().amount == Decimal("0.13")
    assert Money(Decimal("7"), "JPY").rounded().amount == Decimal("7")


@pytest.mark.parametrize("locale", ["fr_FR", "en_GB", "de_DE", "fr_CH"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "CHF"])
def test_fast_formatting_matches_babel(locale, currency):
    from babel.numbers import format_currency

    for text in ("0", "0.5", "7", "1234.5", "1234567.891", "999.999", "-42.10"):
        m = Money(Decimal(text), currency)
        expected = format_currency(m.rounded().amount, currency, locale=locale)
        assert format_money(m, locale) == expected
