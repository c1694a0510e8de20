"""What French law lets a creditor claim for a late payment.

B2B (Code de commerce L441-10, D441-5): simple interest on the amount including VAT
still unpaid, from the day after the due date, each day at the rate of its
half-year (ECB rate + 10 points, or the contractual rate), plus a fixed 40 EUR
indemnity per late invoice. B2C (Code civil 1231-6, 1344-1): legal interest only
from the formal notice, no indemnity. Interest is summed unrounded and rounded
half-up once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .rates import RateTable, semester_end, semester_label

CENT = Decimal("0.01")
INDEMNITY = Decimal("40.00")  # D441-5 Code de commerce, since 1 January 2013


@dataclass(frozen=True, slots=True)
class Paid:
    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Period:
    start: date  # first day counted
    end: date  # last day counted
    days: int
    base: Decimal
    rate: Decimal
    interest: Decimal  # unrounded
    source: str


@dataclass(frozen=True, slots=True)
class Claim:
    interest: Decimal
    indemnity: Decimal
    periods: tuple[Period, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return self.interest + self.indemnity


def late_payment_claim(
    *,
    amount: Decimal,
    due: date,
    until: date,
    rates: RateTable,
    payments: tuple[Paid, ...] = (),
    b2c: bool = False,
    notice: date | None = None,
    contractual_rate: Decimal | None = None,
    freeze: bool = False,
    actual_days: bool = False,
) -> Claim:
    """Interest and indemnity owed on one invoice, counted up to `until` (the day
    of final payment, or today for an invoice still open)."""
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    if until < due:
        raise ValueError(f"the end date {until} is before the due date {due}")
    warnings: list[str] = []
    paid_by_due = sum((p.amount for p in payments if p.on <= due), Decimal("0"))
    late = paid_by_due < amount and until > due
    if b2c:
        if notice is None:
            return Claim(
                Decimal("0.00"),
                Decimal("0.00"),
                (),
                (
                    "consumer: no interest runs before a formal notice (Code civil "
                    "1231-6); none was given",
                ),
            )
        anchor = max(notice, due)
    else:
        anchor = due
    periods = _periods(
        amount,
        anchor,
        until,
        payments,
        rates,
        b2c,
        contractual_rate,
        freeze,
        actual_days,
    )
    if contractual_rate is not None and not b2c:
        warnings += _floor_warnings(contractual_rate, periods, rates)
    interest = sum((p.interest for p in periods), Decimal("0"))
    indemnity = INDEMNITY if late and not b2c else Decimal("0.00")
    return Claim(
        interest.quantize(CENT, ROUND_HALF_UP),
        indemnity,
        tuple(periods),
        tuple(warnings),
    )


def _periods(amount, anchor, until, payments, rates, b2c, contractual, freeze, actual):
    """Split (anchor, until] at each payment and half-year end; each piece has one
    base and one rate."""
    cuts = {until}
    cuts |= {p.on for p in payments if anchor < p.on < until}
    day = anchor + timedelta(days=1)
    while semester_end(day) < until:
        cuts.add(semester_end(day))
        day = semester_end(day) + timedelta(days=1)
    frozen = (
        _rate(anchor + timedelta(days=1), rates, b2c, contractual) if freeze else None
    )
    out, start = [], anchor
    for end in sorted(cuts):
        base = amount - sum((p.amount for p in payments if p.on <= start), Decimal("0"))
        first = start + timedelta(days=1)
        days = (end - start).days
        if base > 0 and days > 0:
            rate, source = frozen if freeze else _rate(first, rates, b2c, contractual)
            year_days = 366 if actual and _leap(first.year) else 365
            interest = base * rate / Decimal(100) * days / year_days
            out.append(Period(first, end, days, base, rate, interest, source))
        start = end
    return out


def _rate(day: date, rates: RateTable, b2c: bool, contractual: Decimal | None):
    if contractual is not None:
        return contractual, f"{semester_label(day)}: contractual rate"
    if b2c:
        return rates.legal_rate(day, "other")
    return rates.b2b_rate(day)


def _floor_warnings(rate: Decimal, periods, rates: RateTable) -> list[str]:
    """A contractual B2B rate may not be below three times the legal rate."""
    out = []
    for label, day in {semester_label(p.start): p.start for p in periods}.items():
        legal, _ = rates.legal_rate(day, "other")
        if rate < 3 * legal:
            out.append(
                f"{label}: contractual rate {rate}% is below three times the legal "
                f"interest rate ({3 * legal}%), the minimum set by L441-10"
            )
    return out


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


PRESCRIPTION_WARNING_DAYS = 60


def prescription_alert(due: date, b2c: bool, today: date) -> str | None:
    """`time_barred` once the claim can no longer go to court, `time_barred_soon`
    within the warning period before that."""
    last = prescription_date(due, b2c)
    if today > last:
        return "time_barred"
    if (last - today).days <= PRESCRIPTION_WARNING_DAYS:
        return "time_barred_soon"
    return None


def prescription_date(due: date, b2c: bool) -> date:
    """Last day to act in court: 5 years (L110-4 Code de commerce) or 2 years for a
    consumer (L218-2 Code de la consommation) after the claim fell due."""
    years = 2 if b2c else 5
    try:
        return due.replace(year=due.year + years)
    except ValueError:  # 29 February
        return date(due.year + years, 2, 28)
