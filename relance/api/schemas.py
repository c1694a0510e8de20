"""What the API takes and gives. Money is a decimal string with its currency;
text is bounded as the database columns are, and never holds a NUL."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

MAX_ID = 2**53  # larger ids cannot be real, and some databases cannot take them


def text(max_length: int, min_length: int = 0):
    return Annotated[
        str,
        StringConstraints(
            max_length=max_length, min_length=min_length, pattern=r"^[^\x00]*$"
        ),
    ]


Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


class Problem(Schema):
    detail: str


class CustomerOut(Schema):
    id: int
    ref: str
    name: str
    kind: str
    siren: str
    vat_number: str
    language: str
    key_account: bool
    created_at: datetime


class InvoiceOut(Schema):
    id: int
    number: str
    customer_id: int
    issue_date: date
    due_date: date
    currency: str
    total_excl_tax: Decimal | None
    tax: Decimal | None
    total: Decimal
    amount_paid: Decimal
    open_amount: Decimal
    paid_on: date | None
    defects: list[str]

    @staticmethod
    def resolve_open_amount(obj) -> Decimal:
        return obj.open_amount.amount

    @staticmethod
    def resolve_defects(obj) -> list[str]:
        return [d["code"] for d in obj.defects]


class InvoiceIn(Schema):
    number: text(64, 1)
    customer_ref: text(64, 1)
    customer_name: text(200) = ""
    customer_email: text(254) = ""
    issue_date: Day
    due_date: Day
    total: Money
    total_excl_tax: Money | None = None
    tax: Money | None = None
    currency: text(3, 3) = "EUR"
    kind: Literal["b2b", "b2c", "public"] = "b2b"
    siren: text(11) = ""


class InvoiceChange(Schema):
    issue_date: Day | None = None
    due_date: Day | None = None
    currency: text(3, 3) | None = None
    total_excl_tax: Money | None = None
    tax: Money | None = None
    total: Money | None = None


class PaymentIn(Schema):
    received_on: Day
    amount: Money | None = None
    reference: text(200) = ""


class AllocationOut(Schema):
    invoice_id: int
    amount: Decimal


class PaymentOut(Schema):
    id: int
    customer_id: int | None
    received_on: date
    amount: Decimal
    currency: str
    reference: str
    source: str
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj) -> list[dict]:
        return [
            {"invoice_id": a.invoice_id, "amount": a.amount}
            for a in obj.allocations.all()
        ]


class HoldOut(Schema):
    id: int
    kind: str
    customer_id: int
    invoice_id: int | None
    until: date | None
    reason: str
    created_by: str
    created_at: datetime
    ended_at: datetime | None
    ended_by: str
    end_reason: str


class HoldIn(Schema):
    kind: Literal["disputed", "promised", "paused", "blocked"]
    customer_id: Id
    invoice_id: Id | None = None
    until: Day | None = None
    reason: text(2000) = ""


class Reason(Schema):
    reason: text(300) = ""


class ActionOut(Schema):
    id: int
    customer_id: int
    step: str
    channel: str
    tone: str
    segment: str
    policy: str
    run_date: date
    scheduled_at: datetime
    status: str
    reason: str
    invoice_ids: list[int]

    @staticmethod
    def resolve_invoice_ids(obj) -> list[int]:
        return [i.pk for i in obj.invoices.all()]


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    kind: str
    customer_id: int | None
    invoice_id: int | None
    data: Any
    hash: str
