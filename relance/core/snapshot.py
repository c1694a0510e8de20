"""The plain data a dunning run works on, loaded by the shell in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InvoiceState:
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


@dataclass(frozen=True, slots=True)
class StepDone:
    """A step already planned for an invoice, and the day it was planned."""

    invoice_id: int
    step_key: str
    on: date
