"""The statement of sums due (décompte): for each late invoice, the principal still
open, the interest to date, the fixed indemnity and the payments received.

Interest is counted only over days whose rate is in the table. When the table
stops short of `as_of`, interest is counted up to the last known day and the
statement says so: claiming less than is due is safe, guessing a rate is not.

An invoice paid in full but late still owes its penalties and the 40 EUR
(L441-10 II: they are due "sans qu'un rappel soit nécessaire"); when the
creditor chooses to claim them, it is listed with nothing left of its principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from .penalties import (
    INDEMNITY,
    Claim,
    ContractRate,
    Paid,
    late_payment_claim,
    prescription_date,
)
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

    @property
    def paid_late(self) -> bool:
        """Paid in full after its due date: only penalties and the 40 EUR left."""
        return self.principal <= 0


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
    def open_lines(self) -> tuple[StatementLine, ...]:
        return tuple(x for x in self.lines if not x.paid_late)

    @property
    def late_paid_lines(self) -> tuple[StatementLine, ...]:
        """Factures réglées en retard: claimed for their penalties and 40 EUR."""
        return tuple(x for x in self.lines if x.paid_late)

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


def last_day_with_rates(
    rates: RateTable, b2c: bool, contract: ContractRate | None = None
) -> date:
    """The last day whose late-payment rate the table knows: the legal rate's for
    a consumer or a contract set in multiples of it, else the ECB rate's."""
    last = rates.legal[-1].start
    legal = semester_end(last) if last.year >= 2015 else date(last.year, 12, 31)
    if b2c:
        return legal
    known = rates.ecb_known_until
    ecb = semester_end(known) if semester_start(known) <= known else known
    if contract is not None and contract.legal_times is not None:
        return min(ecb, legal)
    return ecb


def _settled_on(inv: InvoiceFacts, payments: tuple[Paid, ...]) -> date | None:
    """The day the payments reached the invoice's total, if they did."""
    paid = ZERO
    for p in sorted(payments, key=lambda p: p.on):
        paid += p.amount
        if paid >= inv.total:
            return p.on
    return None


def build_statement(
    invoices: list[InvoiceFacts],
    as_of: date,
    rates: RateTable,
    *,
    b2c: bool = False,
    public: bool = False,
    notice: date | None = None,
    contractual_rate: ContractRate | None = None,
    claim_late_paid: bool = False,
) -> Statement:
    """Statement for the invoices of one debtor that are late on `as_of`, and,
    with `claim_late_paid`, those a business or public debtor paid late in full
    that can still go to court."""
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise ValueError(f"one statement per currency, got {sorted(currencies)}")
    contract = None if b2c or public else contractual_rate
    until = min(as_of, last_day_with_rates(rates, b2c, contract))
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
        principal = max(inv.total - received, ZERO)
        if inv.due_date >= as_of:
            continue
        end, last_day = max(until, inv.due_date), as_of
        if principal <= 0:
            settled = last_day = _settled_on(inv, paid_now)
            if (
                not claim_late_paid
                or b2c
                or settled is None
                or settled <= inv.due_date
                or prescription_date(inv.due_date, b2c) < as_of
            ):
                continue
            end = max(min(until, settled), inv.due_date)
        claim = late_payment_claim(
            amount=inv.total,
            due=inv.due_date,
            until=end,
            rates=rates,
            payments=tuple(p for p in paid_now if p.on <= end),
            b2c=b2c,
            public=public,
            notice=notice,
            contractual_rate=contract,
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
                (last_day - inv.due_date).days,
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
