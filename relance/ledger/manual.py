"""Changes to the ledger made one at a time, by a person or through the API. An
invoice goes through the same checks and writer as an imported row, so both
paths keep the ledger, its customers and its timeline the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from relance.formats.invoices_csv import RowProblem, row_record
from relance.orgs.models import Organisation, org_today
from relance.timeline.services import NewEvent, record_many

from .models import Allocation, Invoice, Payment, PaymentSource
from .services import _InvoiceWriter, refresh_paid
from .signals import announce_paid

# Fields of an invoice a caller may change: those an import compares.
INVOICE_FIELDS = _InvoiceWriter.FIELDS


def create_invoice(org: Organisation, values: dict, actor: str) -> Invoice:
    """A new invoice; its customer is found by reference, or created."""
    if Invoice.objects.filter(org=org, number=str(values.get("number", ""))).exists():
        raise ValidationError(f"invoice {values['number']} already exists")
    return _save(org, values, actor)


def update_invoice(
    org: Organisation, invoice: Invoice, changes: dict, actor: str
) -> Invoice:
    """Change an invoice's dates, amounts or currency. What was received on it
    stays; a total below it is refused."""
    current = {
        "number": invoice.number,
        "customer_ref": invoice.customer.ref,
        "customer_name": invoice.customer.name,
        "kind": invoice.customer.kind,
        **{f: getattr(invoice, f) for f in INVOICE_FIELDS},
    }
    unknown = sorted(set(changes) - set(INVOICE_FIELDS))
    if unknown:
        raise ValidationError(f"cannot change {', '.join(unknown)}")
    values = {**current, **changes}
    if "total" in changes and "tax" not in changes:
        values["tax"] = None  # follows the new total, from the amount before tax
    return _save(org, values, actor, keep_paid=True)


def _save(org: Organisation, values: dict, actor: str, keep_paid=False) -> Invoice:
    """Check and write one invoice as the import does. `keep_paid`: what the
    import's own payment counts on it stays as it is (the writer keeps that
    payment equal to the row's `paid`)."""
    with transaction.atomic():
        writer = _InvoiceWriter(org, actor, org_today(org))
        writer.preload([str(values["number"])])
        if keep_paid:
            mine = writer.imported.get(writer.existing[str(values["number"])].id)
            values = {**values, "paid": mine.amount if mine else None}
        cells = {k: "" if v is None else str(v).strip() for k, v in values.items()}
        try:
            record = row_record(0, cells)
        except RowProblem as exc:
            raise ValidationError(gettext(exc.template) % exc.params) from None
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        problem = writer.check(record)
        if problem:
            raise ValidationError(problem)
        writer.write([record])
        record_many(org, writer.events, actor=actor)
        if writer.newly_paid:
            announce_paid(org, writer.newly_paid, actor)
    return Invoice.objects.select_related("customer").get(org=org, number=record.number)


def record_payment(
    org: Organisation,
    invoice: Invoice,
    actor: str,
    *,
    received_on: date,
    amount: Decimal | None = None,
    reference: str = "",
) -> Payment:
    """Money received for one invoice, told by a person (a cheque, a transfer the
    bank file has not shown yet): by default what is still open on it."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(org=org, pk=invoice.pk)
        still_open = invoice.total - invoice.amount_paid
        amount = still_open if amount is None else amount
        if still_open <= 0:
            raise ValidationError(f"invoice {invoice.number} is already paid")
        if not Decimal("0") < amount <= still_open:
            raise ValidationError(
                f"amount must be more than 0 and at most the {still_open} still open"
            )
        payment = Payment.objects.create(
            org=org,
            customer_id=invoice.customer_id,
            received_on=received_on,
            amount=amount,
            currency=invoice.currency,
            reference=reference[:200],
            source=PaymentSource.MANUAL,
        )
        Allocation.objects.create(payment=payment, invoice=invoice, amount=amount)
        newly_paid = refresh_paid([invoice.pk])
        record_many(
            org,
            [
                NewEvent(
                    "payment.recorded",
                    {
                        "invoice": invoice.number,
                        "amount": amount,
                        "on": received_on,
                        "reference": reference,
                    },
                    invoice.customer_id,
                    invoice.pk,
                )
            ],
            actor=actor,
        )
        if newly_paid:
            announce_paid(org, newly_paid, actor)
    return payment
