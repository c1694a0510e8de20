"""The REST API, at /api/, its schema at /api/openapi.json. A token acts in one
organisation with its member's role: the same rows and the same rights as the
web app (relance.ledger.visibility, relance.web.access). Another
organisation's row answers 404, as an unknown one does."""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PaginationBase, paginate
from ninja.security import HttpBearer

from relance.dunning import approvals
from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import Action, ActionStatus, Hold
from relance.ledger import manual
from relance.ledger.models import Customer, Invoice, Payment, PaymentSource
from relance.ledger.queries import open_invoices
from relance.ledger.visibility import visible
from relance.orgs.models import org_today
from relance.timeline.models import Event

from . import schemas as s
from .tokens import holder


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = holder(token)
        if found is None:
            return None
        request.membership = found.membership
        request.org = found.membership.org
        return found


api = NinjaAPI(
    title="relance",
    version="1",
    description="Customers, invoices, payments, holds, actions and the timeline "
    "of one organisation. Authenticate with `Authorization: Bearer <token>` "
    "(`relance api-token create`).",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def refused(request, exc: ValidationError):
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


class Page(PaginationBase):
    """`limit` and `offset`, with the total `count`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**9)

    class Output(Schema):
        items: list[Any]
        count: int

    def paginate_queryset(self, queryset, pagination: Input, **params):
        start = pagination.offset
        return {
            "items": queryset[start : start + pagination.limit],
            "count": queryset.count(),
        }


def writer(request) -> str:
    """Refuse roles that may not change anything; the actor name to record."""
    if not request.membership.can_send:
        raise HttpError(403, "Your role does not allow this.")
    return f"api:{request.membership.user.get_username()}"


def _one(request, model, pk: int, customer: str = "customer"):
    return get_object_or_404(
        visible(model.objects.all(), request.membership, customer), pk=pk
    )


def narrowed(qs, filters: Schema, **lookups: str):
    """`qs` filtered by each filter given, through its lookup."""
    for name, lookup in lookups.items():
        value = getattr(filters, name)
        if value is not None and value != "":
            qs = qs.filter(**{lookup: value})
    return qs


PK = Path(..., ge=1, le=s.MAX_ID)
ERRORS = {400: s.Problem, 403: s.Problem, 404: s.Problem}


# Customers


class CustomerFilter(Schema):
    q: s.text(100) | None = Field(None, description="part of the name or reference")
    key_account: bool | None = None


@api.get("/customers", response=list[s.CustomerOut], tags=["customers"])
@paginate(Page)
def customers(request, filters: Query[CustomerFilter]):
    qs = visible(Customer.objects.all(), request.membership, "pk").order_by(
        "name", "pk"
    )
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(ref__icontains=filters.q))
    return narrowed(qs, filters, key_account="key_account")


@api.get("/customers/{pk}", response={200: s.CustomerOut, **ERRORS}, tags=["customers"])
def customer(request, pk: int = PK):
    return _one(request, Customer, pk, "pk")


# Invoices


class InvoiceFilter(Schema):
    status: Literal["open", "overdue", "paid", "all"] = "all"
    customer_id: s.Id | None = None
    number: s.text(64) | None = None
    due_before: s.Day | None = None
    due_after: s.Day | None = None


@api.get("/invoices", response=list[s.InvoiceOut], tags=["invoices"])
@paginate(Page)
def invoices(request, filters: Query[InvoiceFilter]):
    unpaid = filters.status in ("open", "overdue")
    rows = open_invoices(request.org) if unpaid else Invoice.objects.all()
    qs = visible(rows, request.membership).order_by("due_date", "pk")
    if filters.status == "overdue":
        qs = qs.filter(due_date__lt=org_today(request.org))
    if filters.status == "paid":
        qs = qs.filter(amount_paid__gte=F("total"))
    return narrowed(
        qs,
        filters,
        customer_id="customer_id",
        number="number",
        due_before="due_date__lt",
        due_after="due_date__gt",
    )


@api.get("/invoices/{pk}", response={200: s.InvoiceOut, **ERRORS}, tags=["invoices"])
def invoice(request, pk: int = PK):
    return _one(request, Invoice, pk)


@api.post("/invoices", response={201: s.InvoiceOut, **ERRORS}, tags=["invoices"])
def create_invoice(request, body: s.InvoiceIn):
    actor = writer(request)
    return Status(201, manual.create_invoice(request.org, body.dict(), actor))


@api.patch("/invoices/{pk}", response={200: s.InvoiceOut, **ERRORS}, tags=["invoices"])
def update_invoice(request, body: s.InvoiceChange, pk: int = PK):
    actor = writer(request)
    inv = _one(request, Invoice, pk)
    changes = body.dict(exclude_unset=True)
    return manual.update_invoice(request.org, inv, changes, actor)


@api.post(
    "/invoices/{pk}/payments",
    response={201: s.PaymentOut, **ERRORS},
    tags=["invoices"],
    summary="Record money received for an invoice (all that is open by default)",
)
def pay_invoice(request, body: s.PaymentIn, pk: int = PK):
    actor = writer(request)
    inv = _one(request, Invoice, pk)
    payment = manual.record_payment(
        request.org,
        inv,
        actor,
        received_on=body.received_on,
        amount=body.amount,
        reference=body.reference,
    )
    return Status(201, payment)


# Payments


class PaymentFilter(Schema):
    customer_id: s.Id | None = None
    source: Literal[tuple(PaymentSource.values)] | None = None  # type: ignore[valid-type]
    received_after: s.Day | None = None
    received_before: s.Day | None = None


@api.get("/payments", response=list[s.PaymentOut], tags=["payments"])
@paginate(Page)
def payments(request, filters: Query[PaymentFilter]):
    qs = (
        visible(Payment.objects.all(), request.membership)
        .prefetch_related("allocations")
        .order_by("-received_on", "-pk")
    )
    return narrowed(
        qs,
        filters,
        customer_id="customer_id",
        source="source",
        received_after="received_on__gt",
        received_before="received_on__lt",
    )


@api.get("/payments/{pk}", response={200: s.PaymentOut, **ERRORS}, tags=["payments"])
def payment(request, pk: int = PK):
    return _one(request, Payment, pk)


# Holds


class HoldFilter(Schema):
    active: bool | None = None
    customer_id: s.Id | None = None
    invoice_id: s.Id | None = None


@api.get("/holds", response=list[s.HoldOut], tags=["holds"])
@paginate(Page)
def holds(request, filters: Query[HoldFilter]):
    qs = visible(Hold.objects.all(), request.membership).order_by("-created_at", "-pk")
    return narrowed(
        qs,
        filters,
        active="ended_at__isnull",
        customer_id="customer_id",
        invoice_id="invoice_id",
    )


@api.post("/holds", response={201: s.HoldOut, **ERRORS}, tags=["holds"])
def create_hold(request, body: s.HoldIn):
    actor = writer(request)
    customer = _one(request, Customer, body.customer_id, "pk")
    invoice = _one(request, Invoice, body.invoice_id) if body.invoice_id else None
    hold = add_hold(
        request.org,
        body.kind,
        customer,
        invoice=invoice,
        until=body.until,
        reason=body.reason,
        actor=actor,
    )
    return Status(201, hold)


@api.post("/holds/{pk}/end", response={200: s.HoldOut, **ERRORS}, tags=["holds"])
def finish_hold(request, body: s.Reason, pk: int = PK):
    actor = writer(request)
    return end_hold(_one(request, Hold, pk), actor=actor, reason=body.reason)


# Actions


class ActionFilter(Schema):
    status: Literal[tuple(ActionStatus.values)] | None = None  # type: ignore[valid-type]
    customer_id: s.Id | None = None
    run_date: s.Day | None = None


@api.get("/actions", response=list[s.ActionOut], tags=["actions"])
@paginate(Page)
def actions(request, filters: Query[ActionFilter]):
    qs = (
        visible(Action.objects.all(), request.membership)
        .prefetch_related("invoices")
        .order_by("-run_date", "pk")
    )
    return narrowed(
        qs, filters, status="status", customer_id="customer_id", run_date="run_date"
    )


@api.get("/actions/{pk}", response={200: s.ActionOut, **ERRORS}, tags=["actions"])
def action(request, pk: int = PK):
    return _one(request, Action, pk)


@api.post(
    "/actions/{pk}/approve", response={200: s.ActionOut, **ERRORS}, tags=["actions"]
)
def approve_action(request, pk: int = PK):
    actor = writer(request)
    return approvals.approve(_one(request, Action, pk), actor=actor)


@api.post("/actions/{pk}/skip", response={200: s.ActionOut, **ERRORS}, tags=["actions"])
def skip_action(request, body: s.Reason, pk: int = PK):
    actor = writer(request)
    return approvals.skip(_one(request, Action, pk), actor=actor, reason=body.reason)


# Timeline


class EventFilter(Schema):
    customer_id: s.Id | None = None
    invoice_id: s.Id | None = None
    kind: s.text(64) | None = None
    after_seq: int = Field(0, ge=0, le=s.MAX_ID)


@api.get("/timeline", response=list[s.EventOut], tags=["timeline"])
@paginate(Page)
def timeline(request, filters: Query[EventFilter]):
    qs = visible(Event.objects.all(), request.membership, "customer_id").order_by("seq")
    return narrowed(
        qs,
        filters,
        after_seq="seq__gt",
        customer_id="customer_id",
        invoice_id="invoice_id",
        kind="kind",
    )


# The e-invoicing lifecycle (relance.einvoicing)

api.add_router("/lifecycle", "relance.einvoicing.api.router")
