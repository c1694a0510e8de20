"""relance lifecycle import FILE | export-paid: the statuses the e-invoicing
platforms exchange, read and acted on, or written for them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relance.einvoicing.services import export_paid, import_statuses
from relance.ledger.services import oversize
from relance.output import emit, organisation_option, parse_day


class Command(BaseCommand):
    help = "E-invoicing lifecycle statuses (CDAR): import them, export 'encaissée'."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="read a file of status messages")
        imp.add_argument("file")
        exp = sub.add_parser(
            "export-paid", help="write the 'encaissée' message for the platform"
        )
        exp.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
        exp.add_argument("--out", required=True, help="file to write")
        for p in (imp, exp):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        org = organisation_option(o["org"])
        if action == "import":
            path = Path(o["file"])
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            if refused := oversize(path.stat().st_size):
                raise CommandError(refused)
            summary = import_statuses(org, path.read_bytes(), actor="cli")
            text = "\n".join(
                [
                    f"{len(summary['applied'])} applied, "
                    f"{len(summary['duplicates'])} already known, "
                    f"{len(summary['unmatched'])} unmatched, "
                    f"{len(summary['errors'])} errors",
                    *(f"  {u['invoice']}: {u['reason']}" for u in summary["unmatched"]),
                    *(f"  row {e['row']}: {e['reason']}" for e in summary["errors"]),
                ]
            )
            return emit(self, summary, o["json"], text)
        since = parse_day(o["since"], "--since")
        data, paid = export_paid(org, since)
        Path(o["out"]).write_bytes(data)
        rows = {
            "out": o["out"],
            "invoices": [
                {
                    "number": p.invoice_number,
                    "amount": str(p.amount),
                    "on": str(p.paid_on),
                }
                for p in paid
            ],
        }
        return emit(
            self, rows, o["json"], f"{len(paid)} invoices written to {o['out']}"
        )
