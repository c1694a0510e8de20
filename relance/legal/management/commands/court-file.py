from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.core.rates import MissingRate
from relance.legal.documents import DEFAULT_COSTS, make_court_file
from relance.output import emit

from ._customer import add_customer_arguments, resolve


class Command(BaseCommand):
    help = "The injonction de payer file for a customer, as one PDF bundle."

    def add_arguments(self, parser):
        add_customer_arguments(parser)
        parser.add_argument(
            "--costs",
            default=str(DEFAULT_COSTS),
            help="expected procedure costs, for the cost/benefit line",
        )
        parser.add_argument("--out", help="also write the PDF to this path")

    def handle(self, *args, **opts):
        org, customer, day = resolve(opts)
        try:
            costs = Decimal(opts["costs"])
        except InvalidOperation:
            raise CommandError(f"--costs: not an amount: {opts['costs']!r}") from None
        try:
            pdf, st, path, digest = make_court_file(org, customer, day, "cli", costs)
        except (ValidationError, MissingRate) as exc:
            raise CommandError(getattr(exc, "messages", [str(exc)])[0]) from None
        if opts["out"]:
            Path(opts["out"]).write_bytes(pdf)
        data = {"file": str(path), "sha256": digest, "total_due": str(st.total_due)}
        emit(self, data, opts["json"], f"{path} ({data['total_due']} due)")
