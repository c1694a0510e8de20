from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.ledger.services import import_invoices
from relance.orgs.services import organisation_by_slug
from relance.output import emit


class Command(BaseCommand):
    help = "Import invoices from a CSV file (French or English column names)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        invoices = sub.add_parser("invoices", help="invoices from CSV")
        invoices.add_argument("file")
        invoices.add_argument("--org", required=True)
        invoices.add_argument("--json", action="store_true")

    def handle(self, *args, kind, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            org = organisation_by_slug(opts["org"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        result = import_invoices(org, path.read_bytes(), path.name, actor="cli")
        data = {k: result[k] for k in ("imported", "updated", "rejected", "flagged")}
        lines = [
            f"{data['imported']} imported, {data['updated']} updated, "
            f"{len(data['rejected'])} rejected"
        ]
        lines += [f"  row {r['row']}: {r['reason']}" for r in data["rejected"]]
        lines += [
            f"  flagged {f['invoice']}: {', '.join(f['defects'])}"
            for f in data["flagged"]
        ]
        emit(self, data, opts["json"], "\n".join(lines))
