"""Shared argument handling for the per-customer legal commands."""

from datetime import date

from django.core.management.base import CommandError

from relance.ledger.models import Customer
from relance.orgs.models import org_today
from relance.output import organisation_option


def add_customer_arguments(parser) -> None:
    parser.add_argument("--org", required=True)
    parser.add_argument("--customer", required=True, help="customer reference")
    parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true")


def resolve(opts):
    org = organisation_option(opts["org"])
    customer = Customer.objects.filter(org=org, ref=opts["customer"]).first()
    if customer is None:
        raise CommandError(f"no customer {opts['customer']!r} in {org.slug}")
    try:
        day = date.fromisoformat(opts["date"]) if opts["date"] else org_today(org)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, got {opts['date']!r}") from None
    return org, customer, day


def statement_json(st) -> dict:
    return {
        "as_of": st.as_of.isoformat(),
        "interest_until": st.interest_until.isoformat(),
        "currency": st.currency,
        "principal": str(st.principal),
        "interest": str(st.interest),
        "indemnity": str(st.indemnity),
        "received": str(st.received),
        "total_due": str(st.total_due),
        "invoices": [
            {
                "number": x.invoice.number,
                "due_date": x.invoice.due_date.isoformat(),
                "total": str(x.invoice.total),
                "received": str(x.received),
                "principal": str(x.principal),
                "days_late": x.days_late,
                "paid_late": x.paid_late,
                "interest": str(x.claim.interest),
                "indemnity": str(x.claim.indemnity),
                "prescription": x.prescription.isoformat(),
            }
            for x in st.lines
        ],
        "warnings": list(st.warnings),
    }
