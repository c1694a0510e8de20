"""Money: a Decimal amount with its currency. Never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision


class CurrencyMismatch(ValueError):
    pass


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency (0.01 for EUR, 1 for JPY)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            if isinstance(self.amount, bool | float) or not isinstance(
                self.amount, int
            ):
                raise TypeError(
                    f"Money amount must be a Decimal, got {type(self.amount).__name__}"
                )
            object.__setattr__(self, "amount", Decimal(self.amount))
        if not self.amount.is_finite():
            raise ValueError(f"Money amount must be finite, got {self.amount}")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError(
                f"currency must be an ISO 4217 code, got {self.currency!r}"
            )
        object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(Decimal("0"), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by a Decimal, not a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """Rounded half-up to the currency's minor unit, as on an invoice."""
        unit = minor_unit(self.currency)
        return Money(self.amount.quantize(unit, rounding=ROUND_HALF_UP), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def format(self, locale: str = "fr_FR") -> str:
        return format_money(self, locale)

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


@lru_cache(maxsize=64)
def _layout(currency: str, locale: str) -> tuple[str, str, str, str, int]:
    """Prefix, suffix, group and decimal separators of a locale, read once from
    Babel's own rendering of a sample amount."""
    digits = get_currency_precision(currency)
    sample = format_currency(Decimal("1234567.891"), currency, locale=locale)
    start = next(i for i, c in enumerate(sample) if c.isdigit())
    end = max(i for i, c in enumerate(sample) if c.isdigit()) + 1
    body = sample[start:end]
    group = body[1] if not body[1].isdigit() else ""
    decimal = body[-digits - 1] if digits else ""
    return sample[:start], sample[end:], group, decimal, digits


def format_money(money: Money, locale: str = "fr_FR") -> str:
    """`1 234,56 €` in French, `€1,234.56` in English (CLDR rules via Babel)."""
    amount = money.rounded().amount
    if amount < 0:
        return format_currency(amount, money.currency, locale=locale)
    prefix, suffix, group, decimal, digits = _layout(money.currency, locale)
    text = f"{amount:,.{digits}f}"
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return f"{prefix}{text}{suffix}"


def totals_by_currency(amounts: list[Money]) -> dict[str, Money]:
    """Sum amounts per currency: mixed currencies are never added together."""
    out: dict[str, Money] = {}
    for m in amounts:
        out[m.currency] = out.get(m.currency, Money.zero(m.currency)) + m
    return out
