"""The plain data a dunning run works on, loaded by the shell in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class InvoiceState(NamedTuple):
    """An invoice as the planner sees it. A named tuple, not a frozen
    dataclass: a run builds a million of them, and a tuple is built in a
    fraction of the time."""

    id: int
    number: str
    customer_id: int
    due_date: date
    open_amount: Decimal
    currency: str
    paid_on: date | None = None


@dataclass(frozen=True, slots=True)
class CustomerState:
    id: int
    ref: str
    has_email: bool
    segment: str = "good"
    segment_reason: str = ""
    has_mobile: bool = False  # a number that takes texts (SMS, WhatsApp)


class StepDone(NamedTuple):
    """A step already planned for an invoice, and the day it was planned.
    `contact` is False when it did not reach the customer (a cancelled message, an
    internal task): it still counts for idempotence, not for the minimum gap.
    `lands`: the day it reaches the customer (None: the day it was planned), which
    the one-contact-a-day and minimum-gap rules count.
    A named tuple, as InvoiceState: a run reads every step in play."""

    invoice_id: int
    step_key: str
    on: date
    customer_id: int = 0
    channel: str = "email"
    contact: bool = True
    lands: date | None = None


class HoldKind(StrEnum):
    DISPUTE = "disputed"  # the invoice is contested: left out until resolved
    PROMISE = "promised"  # the customer promised to pay by `until`
    PAUSE = "paused"  # paused by hand until `until`
    BLOCK = "blocked"  # the whole customer, no end date
    PAYMENT_PENDING = "payment_pending"  # a payment is declared or not yet matched
    PLAN = "payment_plan"  # instalments are chased instead of the invoice


@dataclass(frozen=True, slots=True)
class Hold:
    """Something that stops reminders. On a customer when `invoice_id` is None."""

    kind: HoldKind
    customer_id: int
    invoice_id: int | None = None
    until: date | None = None  # last day of the hold; None: until ended by hand


@dataclass(frozen=True, slots=True)
class InstalmentState:
    """One instalment of a payment plan, with what is still owed on it."""

    invoice_id: int
    customer_id: int
    number: int
    due_date: date
    open_amount: Decimal
    currency: str = "EUR"
