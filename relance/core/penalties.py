"""What French law lets a creditor claim for a late payment.

B2B (Code de commerce L441-10, D441-5): simple interest on the amount including VAT
still unpaid, from the day after the due date, each day at the rate of its
half-year (ECB rate + 10 points, or the contractual rate), plus a fixed 40 EUR
indemnity per late invoice. Public buyers (Code de la commande publique L2192-13,
R2192-31, D2192-35): ECB rate + 8 points, kept at the rate of the half-year the
delay began in, plus the same 40 EUR. B2C (Code civil 1231-6, 1344-1): legal
interest only from the formal notice, no indemnity. Interest is summed unrounded
and rounded half-up once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .rates import MissingRate, RateTable, semester_end, semester_label

CENT = Decimal("0.01")
INDEMNITY = Decimal("40.00")  # D441-5 Code de commerce, since 1 January 2013
FLOOR_TIMES_LEGAL = Decimal("3")  # L441-10 II: no contractual rate below 3 x legal


@dataclass(frozen=True, slots=True)
class ContractRate:
    """The penalty rate of the terms of sale: a fixed annual percent ("12") or a
    multiple of the legal interest rate of each half-year ("3x")."""

    percent: Decimal | None = None
    legal_times: Decimal | None = None

    @classmethod
    def parse(cls, text: str) -> ContractRate | None:
        """ "" means none (the statutory rate); "12,5" a percent; "3x" three
        times the legal rate. Raises ValueError otherwise."""
        raw = text.strip().lower().replace(",", ".").replace("×", "x")
        if not raw:
            return None
        times = raw.endswith("x")
        try:
            value = Decimal(raw.removesuffix("x").strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not Decimal("0") < value <= Decimal("50"):
            raise ValueError(
                f"a contractual rate is a percent (12,5) or a multiple of the legal "
                f"rate (3x), got {text!r}"
            )
        return cls(legal_times=value) if times else cls(percent=value)

    def __str__(self) -> str:
        if self.legal_times is not None:
            return f"{self.legal_times}x"
        return str(self.percent)


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
    public: bool = False,
    notice: date | None = None,
    contractual_rate: ContractRate | None = None,
    freeze: bool = False,
    actual_days: bool = False,
) -> Claim:
    """Interest and indemnity owed on one invoice, counted up to `until` (the day
    of final payment, or today for an invoice still open). A public buyer's rate
    is always kept from the first late day (R2192-31), and a contractual rate does
    not apply to it or to a consumer."""
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
    kind = "b2c" if b2c else "public" if public else "b2b"
    periods = _periods(
        amount,
        anchor,
        until,
        payments,
        rates,
        kind,
        contractual_rate if kind == "b2b" else None,
        freeze or public,
        actual_days,
        warnings,
    )
    interest = sum((p.interest for p in periods), Decimal("0"))
    indemnity = INDEMNITY if late and not b2c else Decimal("0.00")
    return Claim(
        interest.quantize(CENT, ROUND_HALF_UP),
        indemnity,
        tuple(periods),
        tuple(dict.fromkeys(warnings)),
    )


def _periods(
    amount, anchor, until, payments, rates, kind, contract, freeze, actual, warnings
):
    """Split (anchor, until] at each payment and half-year end; each piece has one
    base and one rate."""
    cuts = {until}
    cuts |= {p.on for p in payments if anchor < p.on < until}
    day = anchor + timedelta(days=1)
    while semester_end(day) < until:
        cuts.add(semester_end(day))
        day = semester_end(day) + timedelta(days=1)
    frozen = (
        _rate(anchor + timedelta(days=1), rates, kind, contract, warnings)
        if freeze
        else None
    )
    out, start = [], anchor
    for end in sorted(cuts):
        base = amount - sum((p.amount for p in payments if p.on <= start), Decimal("0"))
        first = start + timedelta(days=1)
        days = (end - start).days
        if base > 0 and days > 0:
            rate, source = frozen or _rate(first, rates, kind, contract, warnings)
            year_days = 366 if actual and _leap(first.year) else 365
            interest = base * rate / Decimal(100) * days / year_days
            out.append(Period(first, end, days, base, rate, interest, source))
        start = end
    return out


def _rate(day: date, rates: RateTable, kind: str, contract, warnings: list[str]):
    if kind == "b2c":
        return rates.legal_rate(day, "other")
    if kind == "public":
        return rates.public_rate(day)
    if contract is None:
        return rates.b2b_rate(day)
    return _contract_rate(day, rates, contract, warnings)


def _contract_rate(day: date, rates: RateTable, contract: ContractRate, warnings):
    """L441-10 II: the statutory rate applies "sauf disposition contraire qui ne
    peut toutefois fixer un taux inférieur à trois fois le taux d'intérêt légal".
    A clause below that floor is not a valid "disposition contraire", so the
    statutory rate (ECB + 10) applies instead of it, and the statement says so.
    The floor uses the legal rate for "tous les autres cas" (professional
    creditor)."""
    label = semester_label(day)
    if contract.legal_times is not None:
        legal, source = rates.legal_rate(day, "other")
        rate, floor_ok = (
            contract.legal_times * legal,
            (contract.legal_times >= FLOOR_TIMES_LEGAL),
        )
        source = f"contractual rate {contract}: {source}"
        floor = FLOOR_TIMES_LEGAL * legal
    else:
        rate, source = contract.percent, f"{label}: contractual rate"
        try:
            legal, _ = rates.legal_rate(day, "other")
        except MissingRate:
            warnings.append(
                f"{label}: the legal interest rate is not in the table, so the "
                f"contractual rate {rate}% could not be checked against the L441-10 "
                "minimum (three times the legal rate)"
            )
            return rate, source
        floor = FLOOR_TIMES_LEGAL * legal
        floor_ok = rate >= floor
    if floor_ok:
        return rate, source
    statutory, statutory_source = rates.b2b_rate(day)
    warnings.append(
        f"{label}: contractual rate {rate}% is below three times the legal "
        f"interest rate ({floor}%), the minimum set by L441-10: the statutory "
        f"rate {statutory}% applies instead"
    )
    return statutory, statutory_source


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
