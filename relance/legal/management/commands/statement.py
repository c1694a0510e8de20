from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.core.rates import MissingRate
from relance.legal.documents import customer_statement
from relance.output import emit

from ._customer import add_customer_arguments, resolve, statement_json


class Command(BaseCommand):
    help = "Statement of sums due (principal, penalties, indemnity) for a customer."

    def add_arguments(self, parser):
        add_customer_arguments(parser)

    def handle(self, *args, **opts):
        org, customer, day = resolve(opts)
        try:
            data = statement_json(customer_statement(org, customer, day))
        except (MissingRate, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        lines = [
            f"{i['number']}  {i['principal']:>12}  {i['days_late']:>4} d  "
            f"interest {i['interest']:>9}  indemnity {i['indemnity']}"
            for i in data["invoices"]
        ]
        lines.append(f"total due {data['total_due']} {data['currency']}")
        lines += [f"note: {w}" for w in data["warnings"]]
        emit(self, data, opts["json"], "\n".join(lines))
