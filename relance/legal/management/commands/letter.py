from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.core.rates import MissingRate
from relance.legal.documents import KINDS, make_letter
from relance.output import emit

from ._customer import add_customer_arguments, resolve


class Command(BaseCommand):
    help = "Print-ready registered letter or formal notice (mise en demeure) as PDF."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        add_customer_arguments(parser)
        parser.add_argument("--out", help="also write the PDF to this path")

    def handle(self, *args, **opts):
        org, customer, day = resolve(opts)
        try:
            pdf, st, path, digest = make_letter(org, customer, opts["kind"], day, "cli")
        except (ValidationError, MissingRate) as exc:
            raise CommandError(getattr(exc, "messages", [str(exc)])[0]) from None
        if opts["out"]:
            Path(opts["out"]).write_bytes(pdf)
        data = {
            "file": str(path),
            "sha256": digest,
            "total_due": str(st.total_due),
            "invoices": [x.invoice.number for x in st.lines],
            "warnings": list(st.warnings),
        }
        emit(self, data, opts["json"], f"{path} ({data['total_due']} due)")
