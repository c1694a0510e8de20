from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.ledger.models import CustomerKind
from relance.legal.services import contract_rate, set_customer_terms
from relance.output import emit

from ._customer import resolve


class Command(BaseCommand):
    help = (
        "Show or change a customer's legal terms: its kind (b2b, b2c, public) and "
        "the penalty rate agreed with it, over the organisation's terms of sale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True)
        parser.add_argument("--customer", required=True, help="customer reference")
        parser.add_argument("--kind", choices=CustomerKind.values)
        parser.add_argument(
            "--penalty-rate",
            help="a percent (12,5), a multiple of the legal rate (3x), or '' for "
            "the organisation's terms",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org, customer, _day = resolve({**opts, "date": None})
        changes = {
            field: opts[field].strip()
            for field in ("kind", "penalty_rate")
            if opts[field] is not None
        }
        try:
            if changes:
                customer = set_customer_terms(customer, changes, "cli")
            rate = contract_rate(org, customer)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        data = {
            "customer": customer.ref,
            "kind": customer.kind,
            "penalty_rate": customer.penalty_rate,
            "applied_rate": str(rate) if rate else "statutory",
        }
        emit(
            self,
            data,
            opts["json"],
            f"{customer.ref}: {customer.kind}, penalty rate {data['applied_rate']}",
        )
