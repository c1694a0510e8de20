"""The statement of sums due (décompte): for each late invoice, the principal still
open, the interest to date, the fixed indemnity and the payments received.

Interest is counted only over days whose rate is in the table. When the table
stops short of `as_of`, interest is counted up to the last known day and the
statement says so: claiming less than is due is safe, guessing a rate is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from .penalties import INDEMNITY, Claim, Paid, late_payment_claim, prescription_date
from .rates import RateTable, semester_end, semester_start

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    number: str
    issue_date: date
    due_date: date
    total: Decimal
    currency: str = "EUR"
    payments: tuple[Paid, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementLine:
    invoice: InvoiceFacts
    received: Decimal
    principal: Decimal  # still open
    claim: Claim
    days_late: int
    prescription: date


@dataclass(frozen=True, slots=True)
class Statement:
    as_of: date
    interest_until: date
    currency: str
    b2c: bool
    lines: tuple[StatementLine, ...]
    warnings: tuple[str, ...] = field(default=())

    def only(self, numbers: set[str]) -> Statement:
        """The same statement restricted to some invoices."""
        lines = tuple(x for x in self.lines if x.invoice.number in numbers)
        return replace(self, lines=lines)

    @property
    def principal(self) -> Decimal:
        return sum((x.principal for x in self.lines), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((x.received for x in self.lines), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((x.claim.interest for x in self.lines), ZERO)

    @property
    def indemnity(self) -> Decimal:
        return sum((x.claim.indemnity for x in self.lines), ZERO)

    @property
    def total_due(self) -> Decimal:
        return self.principal + self.interest + self.indemnity


def last_day_with_rates(rates: RateTable, b2c: bool) -> date:
    """The last day whose late-payment rate the table knows."""
    if b2c:
        last = rates.legal[-1].start
        return semester_end(last) if last.year >= 2015 else date(last.year, 12, 31)
    known = rates.ecb_known_until
    return semester_end(known) if semester_start(known) <= known else known


def build_statement(
    invoices: list[InvoiceFacts],
    as_of: date,
    rates: RateTable,
    *,
    b2c: bool = False,
    notice: date | None = None,
    contractual_rate: Decimal | None = None,
) -> Statement:
    """Statement for the invoices of one debtor that are late on `as_of`."""
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise ValueError(f"one statement per currency, got {sorted(currencies)}")
    until = min(as_of, last_day_with_rates(rates, b2c))
    warnings = []
    if until < as_of:
        warnings.append(
            f"interest counted up to {until.isoformat()}: the rates after that day are "
            "not in the table yet (relance rates)"
        )
    lines = []
    for inv in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        paid_now = tuple(p for p in inv.payments if p.on <= as_of)
        received = sum((p.amount for p in paid_now), ZERO)
        principal = inv.total - received
        if principal <= 0 or inv.due_date >= as_of:
            continue
        end = max(until, inv.due_date)
        claim = late_payment_claim(
            amount=inv.total,
            due=inv.due_date,
            until=end,
            rates=rates,
            payments=tuple(p for p in paid_now if p.on <= end),
            b2c=b2c,
            notice=notice,
            contractual_rate=contractual_rate,
        )
        if not b2c and not claim.indemnity:
            # The indemnity is owed for being late, whatever the rate table knows.
            paid_by_due = sum(
                (p.amount for p in paid_now if p.on <= inv.due_date), ZERO
            )
            if paid_by_due < inv.total:
                claim = replace(claim, indemnity=INDEMNITY)
        warnings += [f"{inv.number}: {w}" for w in claim.warnings]
        lines.append(
            StatementLine(
                inv,
                received,
                principal,
                claim,
                (as_of - inv.due_date).days,
                prescription_date(inv.due_date, b2c),
            )
        )
    currency = currencies.pop() if currencies else "EUR"
    return Statement(
        as_of, until, currency, b2c, tuple(lines), tuple(dict.fromkeys(warnings))
    )


def deadline(sent_on: date, days: int = 8) -> date:
    """Final payment date given in a letter: `days` after its expected receipt
    (sending day plus two days for the post)."""
    return sent_on + timedelta(days=days + 2)
