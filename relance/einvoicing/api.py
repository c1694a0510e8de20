"""The lifecycle through the API: a platform's status messages posted as they
come (the CDAR XML as the body), and each invoice's platform status."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from relance.api.schemas import MAX_ID, Problem
from relance.ledger.models import Invoice
from relance.ledger.services import oversize
from relance.ledger.visibility import visible

from .models import InvoiceStatus, StatusMessage
from .services import import_statuses

router = Router(tags=["lifecycle"])


class MessageOut(Schema):
    direction: str
    message_id: str
    code: str
    status: str
    issued_at: datetime | None
    reason: str
    amount: Decimal | None

    @staticmethod
    def resolve_status(obj) -> str:
        return str(obj.get_code_display())


class PlatformStatusOut(Schema):
    invoice_id: int
    code: str | None
    status: str | None
    at: datetime | None
    reason: str
    approved_on: date | None
    messages: list[MessageOut]


class ImportOut(Schema):
    applied: list[dict]
    duplicates: list[dict]
    unmatched: list[dict]
    errors: list[dict]


@router.post(
    "",
    response={200: ImportOut, 400: Problem, 403: Problem},
    summary="Read a platform's lifecycle messages (CDAR XML as the body) and act "
    "on each status",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
def post_statuses(request):
    from relance.api.api import writer

    actor = writer(request)
    if refused := oversize(len(request.body)):
        raise HttpError(400, refused)
    return import_statuses(request.org, request.body, actor=actor)


@router.get(
    "/invoices/{pk}",
    response={200: PlatformStatusOut, 404: Problem},
    summary="An invoice's platform status and every status message about it",
)
def invoice_status(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    invoice = get_object_or_404(
        visible(Invoice.objects.all(), request.membership), pk=pk
    )
    status = InvoiceStatus.objects.filter(invoice=invoice).first()
    return {
        "invoice_id": invoice.pk,
        "code": status.code if status else None,
        "status": str(status.get_code_display()) if status else None,
        "at": status.at if status else None,
        "reason": status.reason if status else "",
        "approved_on": status.approved_on if status else None,
        "messages": StatusMessage.objects.filter(org=request.org, invoice=invoice),
    }
