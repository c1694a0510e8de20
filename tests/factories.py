"""Small helpers that write ledger rows directly, for tests."""

from datetime import date
from decimal import Decimal


def make_invoice(
    org,
    number,
    due,
    total="1200.00",
    customer_ref="C1",
    email="compta@client.example",
    issued=None,
    kind="b2b",
    name=None,
):
    """An invoice (and its customer and contact) written straight to the ledger."""
    from datetime import timedelta

    from relance.ledger.models import Contact, Customer, Invoice

    customer, created = Customer.objects.get_or_create(
        org=org,
        ref=customer_ref,
        defaults={"name": name or f"Client {customer_ref}", "kind": kind},
    )
    if created and email:
        Contact.objects.create(org=org, customer=customer, email=email)
    return Invoice.objects.create(
        org=org,
        customer=customer,
        number=number,
        issue_date=issued or due - timedelta(days=30),
        due_date=due,
        total=Decimal(total),
    )


def pay(org, invoice, amount, on: date):
    from relance.ledger.models import Allocation, Payment
    from relance.ledger.services import refresh_paid

    payment = Payment.objects.create(
        org=org,
        customer=invoice.customer,
        received_on=on,
        amount=Decimal(amount),
        source="manual",
    )
    Allocation.objects.create(payment=payment, invoice=invoice, amount=Decimal(amount))
    refresh_paid([invoice.pk])
    invoice.refresh_from_db()
    return payment
